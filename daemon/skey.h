/*
 * skey.h - 128-bit sort keys and their sort, for the engine's sorts of
 * mentions (resolve, propagate): the comparison inline, where qsort's call
 * per comparison was most of its cost.
 */
#ifndef NERD_SKEY_H
#define NERD_SKEY_H

#include <stddef.h>
#include <stdint.h>

#include "mention.h"

/* Keys compare high word first. A caller ends each key in the index of
 * what it sorts, so that no two are equal and any sort gives the order a
 * stable sort gave. */
struct skey {
	uint64_t hi, lo;
};

static inline int skey_less(const struct skey *a, const struct skey *b)
{
	return a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo);
}

/* Sort v[0..n), tmp holding n / 2 more: a merge sort, insertion below 16,
 * no merge where the halves are already in order (mentions come nearly
 * sorted by position). */
void skey_sort(struct skey *v, struct skey *tmp, size_t n);

/* Room to sort mentions in, kept from one article to the next: their
 * keys, the merge's room, and the mentions being put in order. */
struct skey_room {
	struct skey *keys, *tmp;
	struct mention *mtmp;
	size_t cap;
};

/* Make room for n; abort when there is no memory. */
void skey_room_reserve(struct skey_room *r, size_t n);
size_t skey_room_size(const struct skey_room *r);
void skey_room_free(struct skey_room *r);

#endif
