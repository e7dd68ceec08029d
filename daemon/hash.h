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

/* 64-bit hash for the image's tables, 8 bytes at a time: a token lookup
 * per word is the matcher's hot loop. Part of the image format (a change
 * bumps IMAGE_VERSION); never 0. */
static inline uint64_t hash_fast(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		s += 8;
		n -= 8;
	}
	/* the last n < 8 bytes as a little-endian word, without a loop: its
	 * trip count follows the word's length and mispredicts */
	uint64_t w = 0;
	if (n >= 4) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		w = (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
	} else if (n) {
		w = (uint64_t)s[0] | (uint64_t)s[n >> 1] << (8 * (n >> 1)) |
		    (uint64_t)s[n - 1] << (8 * (n - 1));
	}
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h ? h : 1;
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
