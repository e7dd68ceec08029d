/*
 * hash.h - hashing, and the two small hash maps that compiling needs.
 *
 * The maps are build-time only (nerd compile, a reload): the engine's
 * run-time tables are flat arrays inside the image (see image.h).
 */
#ifndef NERD_HASH_H
#define NERD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 64-bit hash of a byte string (FNV-1a with a final avalanche). Stable
 * across releases and hosts: it is part of the image format. */
static inline uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return h ? h : 1; /* 0 marks an empty slot */
}

/* 64-bit hash for the image's token table: a lookup per word is the
 * matcher's hot loop, and it also keys the load-time word filter (image.h).
 * A word of up to 16 bytes is read as its first and last (up to) eight
 * bytes, which together with its length say every byte, then mixed by one
 * 64 x 64 -> 128-bit multiply folded to 64 bits; no loop, so nothing
 * mispredicts on the word's length. Longer words fold their leading
 * bytes in first, 8 at a time. Part of the image format (a change bumps
 * IMAGE_VERSION); never 0. */
static inline uint64_t hash_fast(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = n * 0x9e3779b97f4a7c15ULL, a = 0, z = 0;
	while (n > 16) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		s += 8;
		n -= 8;
	}
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
	} else if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		a = lo;
		z = hi;
	} else if (n) {
		a = (uint64_t)s[0] | (uint64_t)s[n >> 1] << 8 |
		    (uint64_t)s[n - 1] << 16;
	}
	unsigned __int128 m = (unsigned __int128)(a ^ h ^ 0xa0761d6478bd642fULL) *
	    (z ^ 0xe7037ed1a0b428dbULL);
	h = (uint64_t)m ^ (uint64_t)(m >> 64);
	return h | (h == 0);
}

/* Fast 64-bit checksum of a large block, 8 bytes at a time. */
uint64_t hash_checksum(const void *p, size_t n);

/* string -> uint32 map; keys are copied into the map's own storage. */
struct strmap;
struct strmap *strmap_new(void);
/* Value for key, or UINT32_MAX. */
uint32_t strmap_get(const struct strmap *m, const char *k, size_t n);
/* Insert if absent; returns the existing or new value. */
uint32_t strmap_put(struct strmap *m, const char *k, size_t n, uint32_t v);
size_t strmap_count(const struct strmap *m);
void strmap_destroy(struct strmap **m);

/* uint64 (non-zero) -> uint32 map. */
struct u64map;
struct u64map *u64map_new(void);
uint32_t u64map_get(const struct u64map *m, uint64_t k);
void u64map_set(struct u64map *m, uint64_t k, uint32_t v);
size_t u64map_count(const struct u64map *m);
/* Iterate: *pos starts at 0; returns 0 when done. */
int u64map_next(const struct u64map *m, size_t *pos, uint64_t *k, uint32_t *v);
void u64map_destroy(struct u64map **m);

#endif
