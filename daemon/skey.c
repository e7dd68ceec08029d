/*
 * skey.c - the sort of skey.h.
 */
#include <stdlib.h>
#include <string.h>

#include "skey.h"

void skey_sort(struct skey *v, struct skey *tmp, size_t n)
{
	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			struct skey k = v[i];
			size_t j = i;
			for (; j > 0 && skey_less(&k, &v[j - 1]); j--)
				v[j] = v[j - 1];
			v[j] = k;
		}
		return;
	}
	size_t h = n / 2;
	skey_sort(v, tmp, h);
	skey_sort(v + h, tmp, n - h);
	if (!skey_less(&v[h], &v[h - 1]))
		return;
	memcpy(tmp, v, h * sizeof *v);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		v[k++] = skey_less(&v[j], &tmp[i]) ? v[j++] : tmp[i++];
	while (i < h)
		v[k++] = tmp[i++];
}

void skey_room_reserve(struct skey_room *r, size_t n)
{
	if (r->cap >= n)
		return;
	r->cap = n * 2;
	r->keys = realloc(r->keys, r->cap * sizeof *r->keys);
	r->tmp = realloc(r->tmp, r->cap * sizeof *r->tmp);
	r->mtmp = realloc(r->mtmp, r->cap * sizeof *r->mtmp);
	if (!r->keys || !r->tmp || !r->mtmp)
		abort();
}

size_t skey_room_size(const struct skey_room *r)
{
	return r->cap * (sizeof *r->keys + sizeof *r->tmp + sizeof *r->mtmp);
}

void skey_room_free(struct skey_room *r)
{
	free(r->keys);
	free(r->tmp);
	free(r->mtmp);
	memset(r, 0, sizeof *r);
}
