/*
 * mention.h - a candidate or final mention, as the worker's stages pass
 * them along: gazetteer and rules produce them, resolve picks, propagate
 * adds, the annotation writer prints.
 *
 * Strings live in the scratch's arena (struct buf), addressed by offset,
 * so that growing the arena never invalidates a mention.
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

struct mention {
	uint32_t start, end;     /* original code points, end exclusive */
	uint32_t tok0, tok1;     /* token range it covers, end exclusive */
	uint8_t type, prio, kind, field;
	uint8_t nested, keep;    /* set by resolve */
	uint32_t id, canonical, source; /* offsets in the arena */
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

/* Add a string to the arena, return its offset. */
static inline uint32_t arena_add(struct buf *a, const char *s, size_t n)
{
	uint32_t off = (uint32_t)a->len;
	buf_add(a, s, n);
	buf_addc(a, '\0');
	return off;
}

#endif
