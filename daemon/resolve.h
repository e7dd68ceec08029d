/*
 * resolve.h - pick one reading where candidate mentions overlap.
 *
 * Within one field: a rule's mention that crosses a gazetteer's (each
 * holds a part of the other, as "حسين عقوبة" across "صدام حسين") is
 * dropped: a known name is not split by a guess. Then the longest span
 * wins, then the higher priority, then the source (gazetteer before rule
 * before propagation), then the earlier start. A loser that lies wholly inside one winner is kept as nested
 * when nested is set; every other loser is dropped. Afterwards m holds the
 * kept mentions of every field, ordered by field and start.
 */
#ifndef NERD_RESOLVE_H
#define NERD_RESOLVE_H

#include "mention.h"
#include "skey.h"

/* owner: scratch of at least max(end) int32 slots per field, reused, each
 * -1 between calls. */
struct resolve_scratch {
	int32_t *owner;
	size_t cap;
	size_t *order;
	size_t ocap;
	size_t *gaz;           /* one field's gazetteer mentions, by start */
	uint32_t *gaz_maxend;  /* the largest end of gaz[0..i] */
	size_t gcap;
	struct skey_room sort; /* sort keys, the kept mentions put in order */
};

void resolve(struct mentions *m, const uint32_t ncp[NFIELDS], int nested,
    struct resolve_scratch *rs);

/* True if [s, e) of field f overlaps a kept mention of m. */
int resolve_overlaps(const struct mentions *m, int f, uint32_t s, uint32_t e);

void resolve_scratch_free(struct resolve_scratch *rs);

#endif
