/*
 * mention.h - a candidate or final mention, as the worker's stages pass
 * them along: gazetteer and rules produce them, resolve picks, propagate
 * adds, the annotation writer prints.
 *
 * Strings are borrowed, never copied: a gazetteer entry's from the image,
 * a rule mention's text from the article, its source from the engine. A
 * rule mention's id is kept as its hash and written out with the output
 * (engine.c): a mention holds no string of its own, and making one costs
 * no copy. The hash itself waits until resolve has kept the mention.
 */
#ifndef NERD_MENTION_H
#define NERD_MENTION_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum { SRC_GAZETTEER = 0, SRC_RULE = 1, SRC_PROPAGATION = 2 };
enum { FIELD_TITLE = 0, FIELD_TEXT = 1, NFIELDS = 2 };

/* How an identity holds its id. */
enum { ID_STRING = 0, ID_HASH = 1, ID_SPAN = 2 };

/* Who a mention names: what propagation carries from a full name to its
 * partial mentions. */
struct identity {
	union {
		const char *id;  /* ID_STRING: id_n bytes */
		uint64_t hash;   /* ID_HASH: "nerd:<type>:<12 hex digits of it>" */
		struct {         /* ID_SPAN, a rule's until resolve keeps it: to
		                  * be hashed, the normalized text of code points
		                  * [start, end) of the mention's field, looked up
		                  * from normalized code point near */
			uint32_t end, near;
		} span;
	};
	const char *canonical;
	uint32_t id_n, canonical_n;
	uint8_t form;            /* ID_* */
};

struct mention {
	uint32_t start, end;     /* original code points, end exclusive */
	uint32_t tok0, tok1;     /* token range it covers, end exclusive */
	uint8_t type, prio, kind, field;
	uint8_t nested, keep;    /* set by resolve */
	uint32_t source_n;
	const char *source;
	struct identity who;
};

struct mentions {
	struct mention *v;
	size_t n, cap;
};

static inline struct mention *mentions_add(struct mentions *m)
{
	if (m->n == m->cap) {
		size_t c = m->cap ? m->cap * 2 : 64;
		struct mention *v = realloc(m->v, c * sizeof *v);
		if (!v)
			abort();
		m->v = v;
		m->cap = c;
	}
	struct mention *x = &m->v[m->n++];
	memset(x, 0, sizeof *x);
	return x;
}

#endif
