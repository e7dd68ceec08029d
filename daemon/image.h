/*
 * image.h - the compiled gazetteer image: its format, loading and lookups.
 *
 * One file holds everything an engine needs: the token dictionary, the
 * token trie of every gazetteer entry, the entries, their strings, and the
 * rule files and word classes as text (rules are JIT-compiled at load; PCRE2
 * cannot store JIT code). The file is mapped read-only, so every worker
 * forked after loading shares one copy, and loading does no parsing.
 *
 * Layout: a fixed header, then sections at 8-byte aligned offsets. The
 * header carries a format version and a checksum of everything after it;
 * image_load() refuses a foreign, stale, truncated or corrupted file, and
 * checks every index in the tables, so that the matcher may trust them.
 */
#ifndef NERD_IMAGE_H
#define NERD_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

#define IMAGE_MAGIC "NERDIMG\0"
#define IMAGE_VERSION 4 /* 2: token slots hashed with hash_fast; 3: trigger
                          * lists name context words as ndefs + rule;
                          * 4: hash_fast without a loop below 17 bytes */
#define IMAGE_MAX_TOKENS 16   /* tokens per gazetteer entry */

enum ent_type {
	T_PERSON, T_AGENCY, T_COUNTRY, T_ORGANIZATION, T_LOCATION, T_NORP,
	T_NTYPES
};
const char *ent_type_name(int t);
int ent_type_parse(const char *s); /* -1 if unknown */

/* Capitalisation a gazetteer entry asks of each of its tokens. */
enum { SHAPE_ANY = 0, SHAPE_CAP = 1, SHAPE_ALLCAPS = 2, SHAPE_LOWER = 3 };

struct image_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;
	uint64_t file_size;
	uint64_t checksum;     /* hash_checksum of bytes [header_size, size) */
	uint32_t tok_slots;    /* power of two */
	uint32_t ntokens;
	uint32_t trans_slots;  /* power of two */
	uint32_t nstates;
	uint32_t nentries;
	uint32_t ntexts;
	uint32_t ntriggers;    /* uint32 words in the trigger section */
	uint32_t pad;
	uint64_t off_tokens, off_trans, off_states, off_entries, off_texts;
	uint64_t off_triggers, off_strings, len_strings;
	char ruleset[24];      /* hex digest naming the content */
};

struct image_token {       /* token dictionary slot; hash 0 = empty */
	uint64_t hash;
	uint32_t str, len;     /* bytes in the string section */
	uint32_t id;           /* 1..ntokens */
	uint32_t triggers;     /* offset in the trigger section, 0: none */
};

struct image_trans {       /* trie edge slot; key 0 = empty */
	uint64_t key;          /* state << 32 | token id */
	uint32_t child;
	uint32_t pad;
};

struct image_state {       /* the entries whose surface ends here */
	uint32_t first, count;
};

struct image_entry {
	uint8_t type, prio, lang, ntok;
	uint32_t id, canonical, source; /* string offsets */
	uint32_t shape;        /* SHAPE_* per token, 2 bits each */
	uint32_t hardgap;      /* bit i: the surface has punctuation before token i */
};

enum { TEXT_RULES = 1, TEXT_CLASS = 2 };
struct image_text {        /* a rule file or a word class, as text */
	uint32_t kind, name, data, len;
};

/* The token filter: one bit per value of 16 bits of a word's slot hash
 * (image_filter_bit), set for every word of the dictionary (image.c).
 * Most words of a text are in no entry; 8 KB that stay in the L1 cache
 * turn most of them away before their hash is computed and slots read. */
#define IMAGE_FILTER_BITS (1u << 16)

struct image {
	const unsigned char *base;
	size_t size;
	int mapped;            /* 1: munmap on close; 0: free */
	const struct image_header *h;
	const struct image_token *tokens;
	const struct image_trans *trans;
	const struct image_state *states;
	const struct image_entry *entries;
	const struct image_text *texts;
	const uint32_t *triggers;
	const char *strings;
	/* Built at load from the tables above, private to the process (and
	 * shared by the workers forked after): a lookup reads these small,
	 * cache-resident arrays first and the big slots only on a likely hit. */
	uint8_t *tok_tag;      /* [tok_slots] 0: empty slot, else image_tag(hash) */
	uint8_t *trans_tag;    /* [trans_slots] the same for the trie edges */
	uint32_t *root;        /* [ntokens + 1] child of the root by token id */
	uint64_t *tok_filter;  /* [IMAGE_FILTER_BITS / 64] the token filter */
	uint8_t *first_takes;  /* [ntokens + 1] bit c: an entry under the root's
	                        * child by this word takes a first word of
	                        * capitals c (image_may_start) */
};

/*
 * Map and verify the image at path. Returns 0, or -1 with err saying why
 * ("nerd.img: truncated (1024 of 4096 bytes)"). img owns the mapping.
 */
int image_load(struct image *img, const char *path, char *err, size_t errlen);
/* Verify an image held in memory; takes ownership of base (malloc'd). */
int image_from_memory(struct image *img, unsigned char *base, size_t size,
    char *err, size_t errlen);
void image_close(struct image *img);

static inline const char *image_str(const struct image *img, uint32_t off)
{
	return img->strings + off;
}

/* The filter's bit for a word of slot hash h: bits the slot index (the
 * low ones, for any dictionary of fewer than 2^32 words) and the tag (the
 * top byte) do not use. */
static inline uint32_t image_filter_bit(uint64_t h)
{
	return (uint32_t)(h >> 32) & (IMAGE_FILTER_BITS - 1);
}

/* One byte of a slot's hash, never 0 (0 marks an empty slot). The slot
 * index takes the low bits, the tag the top ones. */
static inline uint8_t image_tag(uint64_t h)
{
	uint8_t t = (uint8_t)(h >> 56);
	return t ? t : 1;
}

/* a[0..n) == b[0..n), inline: most words are a few bytes, and a call to
 * memcmp costs more than the comparison. Reads only the n bytes, with
 * no loop below eight (its trip count would follow the word's length). */
static inline int image_same(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	while (n > 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
		a += 8;
		b += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t u, v, u2, v2;
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		memcpy(&u2, a + n - 4, 4);
		memcpy(&v2, b + n - 4, 4);
		return u == v && u2 == v2;
	}
	if (!n)
		return 1;
	/* first, middle and last cover one to three bytes */
	return a[0] == b[0] && a[n >> 1] == b[n >> 1] && a[n - 1] == b[n - 1];
}

/* Might a word of slot hash h be in the dictionary? The filter's answer:
 * no for most words, at the cost of one load from 8 KB. */
static inline int image_maybe_token(const struct image *img, uint64_t h)
{
	uint32_t k = image_filter_bit(h);
	return img->tok_filter[k / 64] >> (k % 64) & 1;
}

/* Have the CPU fetch the tag and the slot where the probe for a word of
 * slot hash h starts, for a lookup (image_token_at) a little later. */
static inline void image_token_prefetch(const struct image *img, uint64_t h)
{
	uint32_t i = (uint32_t)h & (img->h->tok_slots - 1);
	__builtin_prefetch(&img->tok_tag[i]);
	__builtin_prefetch(&img->tokens[i]);
}

/* Token id of s[0..n), whose slot hash is h, 0 if unknown; *trig gets its
 * trigger list offset (0: none). Reads the tags, and a slot and its
 * string only on a likely hit. */
static inline __attribute__((always_inline)) uint32_t image_token_at(
    const struct image *img, uint64_t h, const char *s, size_t n,
    uint32_t *trig)
{
	uint8_t tag = image_tag(h);
	uint32_t mask = img->h->tok_slots - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint8_t g = img->tok_tag[i];
		if (!g)
			return 0;
		if (g != tag)
			continue;
		const struct image_token *t = &img->tokens[i];
		if (t->hash == h && t->len == n &&
		    image_same(img->strings + t->str, s, n)) {
			*trig = t->triggers;
			return t->id;
		}
	}
}

/*
 * Token id of s[0..n) (normalized), 0 if unknown; *trig gets its trigger
 * list offset (0: none). The word's hash is computed once, asked of the
 * filter (which turns most words away), then of the tags (image_token_at).
 */
static inline __attribute__((always_inline)) uint32_t image_token(
    const struct image *img, const char *s, size_t n, uint32_t *trig)
{
	uint64_t h = hash_fast(s, n);
	return image_maybe_token(img, h) ? image_token_at(img, h, s, n, trig) : 0;
}

/* The state a walk from word tok starts at (the root's child by tok), or
 * 0: inline, as it is asked for every word the dictionary knows. */
static inline uint32_t image_start(const struct image *img, uint32_t tok)
{
	return tok <= img->h->ntokens ? img->root[tok] : 0;
}

/* Can an entry under the root's child by word tok (its state, as
 * image_start says) take a first word of capitals c: 0 none, 1 a capital
 * first letter, 3 all capitals, 2 all capitals after a digit (the token
 * flags TOK_CAP and TOK_ALLCAPS, which are 1 and 2)? Most walks of a
 * Latin text would start at a lower-case word ("la", "the") whose entries
 * all ask a capital ("La Poste"): no. */
static inline int image_may_start(const struct image *img, uint32_t tok,
    uint32_t c)
{
	return img->first_takes[tok] >> c & 1;
}

/* Child of state by token id, or 0 (the root is never a child). */
uint32_t image_child(const struct image *img, uint32_t state, uint32_t tok);

#endif
