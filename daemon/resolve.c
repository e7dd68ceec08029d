/*
 * resolve.c - overlap resolution.
 */
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "skey.h"

/* The strongest first: by field, then longer, higher priority, source
 * (gazetteer, rule, propagation), earlier start, and input order. */
static struct skey strength_key(const struct mention *x, size_t i)
{
	uint64_t len = x->end - x->start;
	return (struct skey){(uint64_t)x->field << 48 |
	    (UINT32_MAX - len) << 16 | (uint64_t)(255 - x->prio) << 8 | x->kind,
	    (uint64_t)x->start << 32 | i};
}

/* Reading order: by field and start, the longer first, the nested after
 * the one it is in, then input order. */
static struct skey position_key(const struct mention *x, size_t i)
{
	return (struct skey){(uint64_t)x->field << 32 | x->start,
	    (uint64_t)(UINT32_MAX - x->end) << 32 | (uint64_t)x->nested << 31 | i};
}

/* Gather field f's gazetteer mentions in rs->gaz, by start; their count.
 * gazetteer_match adds them in token order, so they nearly always come
 * sorted, and are sorted only when not. */
static size_t gather_gazetteer(const struct mentions *m, int f,
    struct resolve_scratch *rs)
{
	size_t n = 0;
	int sorted = 1;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].field == f && m->v[i].kind == SRC_GAZETTEER) {
			if (n && rs->sort.keys[n - 1].hi > m->v[i].start)
				sorted = 0;
			rs->sort.keys[n++] = (struct skey){m->v[i].start, i};
		}
	if (!sorted)
		skey_sort(rs->sort.keys, rs->sort.tmp, n);
	for (size_t i = 0; i < n; i++)
		rs->gaz[i] = (size_t)rs->sort.keys[i].lo;
	for (size_t i = 0; i < n; i++) {
		uint32_t e = m->v[rs->gaz[i]].end;
		rs->gaz_maxend[i] = i && rs->gaz_maxend[i - 1] > e ?
		    rs->gaz_maxend[i - 1] : e;
	}
	return n;
}

/* Does x cross one of the ng gazetteer mentions (neither inside the
 * other)? One that starts before x and ends inside it, or one that
 * starts inside x and ends after it. */
static int crosses(const struct mentions *m, const struct mention *x,
    const struct resolve_scratch *rs, size_t ng)
{
	size_t lo = 0, hi = ng;    /* the first that starts at or after x */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->v[rs->gaz[mid]].start < x->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && rs->gaz_maxend[lo - 1] > x->start &&
	    rs->gaz_maxend[lo - 1] < x->end)
		return 1;
	for (size_t i = lo; i < ng && m->v[rs->gaz[i]].start < x->end; i++)
		if (m->v[rs->gaz[i]].start > x->start &&
		    m->v[rs->gaz[i]].end > x->end)
			return 1;
	return 0;
}

void resolve(struct mentions *m, const uint32_t ncp[NFIELDS], int nested,
    struct resolve_scratch *rs)
{
	if (m->n == 0)
		return;
	if (rs->ocap < m->n) {
		rs->ocap = m->n * 2;
		rs->order = realloc(rs->order, rs->ocap * sizeof *rs->order);
		if (!rs->order)
			abort();
	}
	if (rs->gcap < m->n) {
		rs->gcap = m->n * 2;
		rs->gaz = realloc(rs->gaz, rs->gcap * sizeof *rs->gaz);
		rs->gaz_maxend = realloc(rs->gaz_maxend,
		    rs->gcap * sizeof *rs->gaz_maxend);
		if (!rs->gaz || !rs->gaz_maxend)
			abort();
	}
	skey_room_reserve(&rs->sort, m->n);
	for (size_t i = 0; i < m->n; i++)
		rs->sort.keys[i] = strength_key(&m->v[i], i);
	skey_sort(rs->sort.keys, rs->sort.tmp, m->n);
	for (size_t i = 0; i < m->n; i++)
		rs->order[i] = (size_t)(rs->sort.keys[i].lo & UINT32_MAX);

	/* order[] is by field first: each field's mentions are one run */
	size_t k0 = 0;
	for (int f = 0; f < NFIELDS; f++) {
		size_t k1 = k0;
		while (k1 < m->n && m->v[rs->order[k1]].field == f)
			k1++;
		if (k1 == k0)
			continue;
		size_t need = ncp[f] + 1;
		if (rs->cap < need) {
			/* every slot -1 between calls: only what a kept
			 * mention took is set, and set back after the field */
			size_t old = rs->cap;
			rs->cap = need * 2;
			rs->owner = realloc(rs->owner, rs->cap * sizeof *rs->owner);
			if (!rs->owner)
				abort();
			memset(rs->owner + old, 0xff, (rs->cap - old) * sizeof *rs->owner);
		}
		int32_t *owner = rs->owner;
		size_t ng = gather_gazetteer(m, f, rs);
		for (size_t k = k0; k < k1; k++) {
			struct mention *x = &m->v[rs->order[k]];
			if (x->kind == SRC_RULE && ng && crosses(m, x, rs, ng))
				continue;
			/* free (all -1) or inside one mention (all the same
			 * owner): either way every code point as the first.
			 * A kept mention owns its whole span and no other, so
			 * inside it is x ending where it ends or before. */
			int32_t first = owner[x->start];
			int same;
			if (first >= 0) {
				same = x->end <= m->v[first].end;
			} else {
				/* free if every slot is -1: their AND is. No early
				 * exit, so the loop runs many slots at a time. */
				int32_t all = -1;
				for (uint32_t c = x->start; c < x->end; c++)
					all &= owner[c];
				same = all < 0;
			}
			if (same && (first < 0 || x->start == x->end)) {
				x->keep = 1;
				int32_t who = (int32_t)rs->order[k];
				for (uint32_t c = x->start; c < x->end; c++)
					owner[c] = who;
			} else if (nested && same && m->v[first].nested == 0 &&
			    !(m->v[first].start == x->start && m->v[first].end == x->end)) {
				x->keep = 1;
				x->nested = 1;
			}
		}
		for (size_t k = k0; k < k1; k++) {
			const struct mention *x = &m->v[rs->order[k]];
			if (x->keep && !x->nested)
				memset(owner + x->start, 0xff,
				    (x->end - x->start) * sizeof *owner);
		}
		k0 = k1;
	}
	/* the kept ones' keys, by their place in m: each is moved once, to
	 * its place in reading order */
	size_t kept = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].keep)
			rs->sort.keys[kept++] = position_key(&m->v[i], i);
	m->n = kept;
	skey_sort(rs->sort.keys, rs->sort.tmp, kept);
	for (size_t i = 0; i < kept; i++)
		rs->sort.mtmp[i] = m->v[rs->sort.keys[i].lo & INT32_MAX];
	memcpy(m->v, rs->sort.mtmp, kept * sizeof *m->v);
}

int resolve_overlaps(const struct mentions *m, int f, uint32_t s, uint32_t e)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mention *x = &m->v[i];
		if (x->field == f && !x->nested && x->start < e && s < x->end)
			return 1;
	}
	return 0;
}

void resolve_scratch_free(struct resolve_scratch *rs)
{
	free(rs->owner);
	free(rs->order);
	free(rs->gaz);
	free(rs->gaz_maxend);
	skey_room_free(&rs->sort);
	memset(rs, 0, sizeof *rs);
}
