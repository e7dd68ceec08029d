/*
 * hash.c - checksum and build-time hash maps (open addressing, linear
 * probing, power-of-two tables kept under 70% full).
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"

uint64_t hash_checksum(const void *p, size_t n)
{
	/* Four independent lanes keep the multiplier pipeline busy: a 200 MB
	 * image checks in a few tens of milliseconds. */
	const unsigned char *s = p;
	uint64_t h[4] = {1, 2, 3, 4};
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		for (int k = 0; k < 4; k++) {
			uint64_t w;
			memcpy(&w, s + i + 8 * k, 8);
			h[k] = (h[k] ^ w) * 0x9e3779b97f4a7c15ULL;
			h[k] ^= h[k] >> 29;
		}
	}
	uint64_t r = hash_bytes(s + i, n - i);
	for (int k = 0; k < 4; k++)
		r = (r ^ h[k]) * 0xff51afd7ed558ccdULL;
	return r ^ (r >> 33) ^ n;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (!p)
		abort();
	return p;
}

struct strslot {
	uint64_t h;
	uint32_t off, len, val;
};

struct strmap {
	struct strslot *slots;
	size_t cap, count;
	char *keys;
	size_t klen, kcap;
};

struct strmap *strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof *m);
	m->cap = 1024;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	return m;
}

static struct strslot *str_find(const struct strmap *m, uint64_t h,
    const char *k, size_t n)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strslot *s = &m->slots[i];
		/* the empty key has no bytes, and keys is NULL until the
		 * first non-empty key: compare only what there is */
		if (!s->h || (s->h == h && s->len == n &&
				 (!n || !memcmp(m->keys + s->off, k, n))))
			return s;
	}
}

uint32_t strmap_get(const struct strmap *m, const char *k, size_t n)
{
	struct strslot *s = str_find(m, hash_bytes(k, n), k, n);
	return s->h ? s->val : UINT32_MAX;
}

static void str_grow(struct strmap *m)
{
	struct strslot *old = m->slots;
	size_t oc = m->cap;
	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (size_t i = 0; i < oc; i++) {
		if (!old[i].h)
			continue;
		size_t mask = m->cap - 1, j = old[i].h & mask;
		while (m->slots[j].h)
			j = (j + 1) & mask;
		m->slots[j] = old[i];
	}
	free(old);
}

uint32_t strmap_put(struct strmap *m, const char *k, size_t n, uint32_t v)
{
	uint64_t h = hash_bytes(k, n);
	struct strslot *s = str_find(m, h, k, n);
	if (s->h)
		return s->val;
	if (m->klen + n > m->kcap) {
		size_t c = m->kcap ? m->kcap : 4096;
		while (c < m->klen + n)
			c *= 2;
		char *p = realloc(m->keys, c);
		if (!p)
			abort();
		m->keys = p;
		m->kcap = c;
	}
	if (n) /* the empty key has no bytes (and keys may be NULL) */
		memcpy(m->keys + m->klen, k, n);
	s->h = h;
	s->off = (uint32_t)m->klen;
	s->len = (uint32_t)n;
	s->val = v;
	m->klen += n;
	if (++m->count * 10 > m->cap * 7)
		str_grow(m);
	return v;
}

size_t strmap_count(const struct strmap *m)
{
	return m->count;
}

void strmap_destroy(struct strmap **pm)
{
	if (!*pm)
		return;
	free((*pm)->slots);
	free((*pm)->keys);
	free(*pm);
	*pm = NULL;
}

struct u64slot {
	uint64_t k;
	uint32_t v;
};

struct u64map {
	struct u64slot *slots;
	size_t cap, count;
};

struct u64map *u64map_new(void)
{
	struct u64map *m = xcalloc(1, sizeof *m);
	m->cap = 1024;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	return m;
}

static inline size_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

uint32_t u64map_get(const struct u64map *m, uint64_t k)
{
	size_t mask = m->cap - 1;
	for (size_t i = mix(k) & mask;; i = (i + 1) & mask) {
		if (m->slots[i].k == k)
			return m->slots[i].v;
		if (!m->slots[i].k)
			return UINT32_MAX;
	}
}

void u64map_set(struct u64map *m, uint64_t k, uint32_t v)
{
	size_t mask = m->cap - 1, i = mix(k) & mask;
	while (m->slots[i].k && m->slots[i].k != k)
		i = (i + 1) & mask;
	if (m->slots[i].k == k) {
		m->slots[i].v = v;
		return;
	}
	m->slots[i].k = k;
	m->slots[i].v = v;
	if (++m->count * 10 > m->cap * 7) {
		struct u64slot *old = m->slots;
		size_t oc = m->cap;
		m->cap *= 2;
		m->slots = xcalloc(m->cap, sizeof *m->slots);
		mask = m->cap - 1;
		for (size_t j = 0; j < oc; j++) {
			if (!old[j].k)
				continue;
			size_t p = mix(old[j].k) & mask;
			while (m->slots[p].k)
				p = (p + 1) & mask;
			m->slots[p] = old[j];
		}
		free(old);
	}
}

size_t u64map_count(const struct u64map *m)
{
	return m->count;
}

int u64map_next(const struct u64map *m, size_t *pos, uint64_t *k, uint32_t *v)
{
	while (*pos < m->cap) {
		const struct u64slot *s = &m->slots[(*pos)++];
		if (s->k) {
			*k = s->k;
			*v = s->v;
			return 1;
		}
	}
	return 0;
}

void u64map_destroy(struct u64map **pm)
{
	if (!*pm)
		return;
	free((*pm)->slots);
	free(*pm);
	*pm = NULL;
}
