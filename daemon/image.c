/*
 * image.c - map, verify and read the compiled image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "image.h"
#include "utf8.h"

static const char *type_names[T_NTYPES] = {
	"PERSON", "AGENCY", "COUNTRY", "ORGANIZATION", "LOCATION", "NORP",
};

const char *ent_type_name(int t)
{
	return t >= 0 && t < T_NTYPES ? type_names[t] : "?";
}

int ent_type_parse(const char *s)
{
	for (int t = 0; t < T_NTYPES; t++)
		if (!strcmp(s, type_names[t]))
			return t;
	return -1;
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -1;                          \
	} while (0)

static int section(const struct image_header *h, uint64_t off, uint64_t n,
    size_t elem)
{
	if (off % 8 || off < h->header_size || off > h->file_size)
		return -1;
	if (elem && n > (h->file_size - off) / elem)
		return -1;
	return 0;
}

/* Check every index the matcher will follow, so that a corrupt or hostile
 * image can be refused here rather than read out of bounds later. */
static int verify(struct image *img, char *err, size_t errlen)
{
	const struct image_header *h = img->h;
	if (img->size < sizeof *h)
		FAIL("truncated (%zu bytes, header needs %zu)", img->size,
		    sizeof *h);
	if (memcmp(h->magic, IMAGE_MAGIC, 8))
		FAIL("not a nerd image (bad magic)");
	if (h->version != IMAGE_VERSION)
		FAIL("image format version %u, this nerd reads version %u: "
		     "recompile with `nerd compile`", h->version, IMAGE_VERSION);
	if (h->header_size != sizeof *h)
		FAIL("bad header size %u", h->header_size);
	if (h->file_size != img->size)
		FAIL("truncated or extended (%zu bytes, header says %llu)",
		    img->size, (unsigned long long)h->file_size);
	uint64_t sum = hash_checksum(img->base + h->header_size,
	    img->size - h->header_size);
	if (sum != h->checksum)
		FAIL("checksum mismatch: the image is corrupted");
	if (!h->tok_slots || (h->tok_slots & (h->tok_slots - 1)) ||
	    !h->trans_slots || (h->trans_slots & (h->trans_slots - 1)))
		FAIL("bad table sizes");
	if (section(h, h->off_tokens, h->tok_slots, sizeof *img->tokens) ||
	    section(h, h->off_trans, h->trans_slots, sizeof *img->trans) ||
	    section(h, h->off_states, h->nstates, sizeof *img->states) ||
	    section(h, h->off_entries, h->nentries, sizeof *img->entries) ||
	    section(h, h->off_texts, h->ntexts, sizeof *img->texts) ||
	    section(h, h->off_triggers, h->ntriggers, 4) ||
	    section(h, h->off_strings, h->len_strings, 1))
		FAIL("a section lies outside the file");
	if (h->nstates < 1 || h->len_strings < 1)
		FAIL("empty tables");
	/* every token id has its slot: a count past the slots would size the
	 * load-time root table (accelerate) from a number nothing bounds */
	if (h->ntokens > h->tok_slots)
		FAIL("%u token ids for %u slots", h->ntokens, h->tok_slots);
	const unsigned char *b = img->base;
	img->tokens = (const void *)(b + h->off_tokens);
	img->trans = (const void *)(b + h->off_trans);
	img->states = (const void *)(b + h->off_states);
	img->entries = (const void *)(b + h->off_entries);
	img->texts = (const void *)(b + h->off_texts);
	img->triggers = (const void *)(b + h->off_triggers);
	img->strings = (const char *)(b + h->off_strings);
	uint64_t ls = h->len_strings;
	if (img->strings[ls - 1] != '\0')
		FAIL("string section not terminated");
#define STR_OK(o) ((o) < ls)
	for (uint32_t i = 0; i < h->tok_slots; i++) {
		const struct image_token *t = &img->tokens[i];
		if (!t->hash)
			continue;
		if ((uint64_t)t->str + t->len > ls || !t->id ||
		    t->id > h->ntokens || t->triggers >= h->ntriggers + !h->ntriggers)
			FAIL("token slot %u out of range", i);
		if (t->triggers && (uint64_t)t->triggers + 1 +
			img->triggers[t->triggers] > h->ntriggers)
			FAIL("trigger list %u out of range", i);
	}
	/* The trigger lists ([count, rule...]) tile the section from word 1,
	 * and a token must point at the start of one: engine_from_image checks
	 * the rule numbers of the lists as they tile, so a token pointing into
	 * the middle of one would fire rules nobody checked. */
	if (h->ntriggers > 1) {
		unsigned char *start = calloc(h->ntriggers, 1);
		if (!start)
			FAIL("out of memory");
		/* ...exactly: engine_from_image walks them the same way, and
		 * a count that overruns would stop that walk or wrap it */
		uint64_t w = 1;
		for (; w < h->ntriggers; w += 1 + (uint64_t)img->triggers[w])
			start[w] = 1;
		uint32_t bad = UINT32_MAX;
		for (uint32_t i = 0; i < h->tok_slots && bad == UINT32_MAX; i++)
			if (img->tokens[i].hash && img->tokens[i].triggers &&
			    !start[img->tokens[i].triggers])
				bad = i;
		free(start);
		if (w != h->ntriggers)
			FAIL("trigger lists overrun their section");
		if (bad != UINT32_MAX)
			FAIL("token slot %u: trigger list %u out of place", bad,
			    img->tokens[bad].triggers);
	}
	uint32_t used = 0;
	for (uint32_t i = 0; i < h->tok_slots; i++)
		used += img->tokens[i].hash != 0;
	if (used >= h->tok_slots)
		FAIL("token table full");
	used = 0;
	for (uint32_t i = 0; i < h->trans_slots; i++)
		used += img->trans[i].key != 0;
	if (used >= h->trans_slots)
		FAIL("trie table full");
	for (uint32_t i = 0; i < h->trans_slots; i++)
		if (img->trans[i].key && (img->trans[i].child == 0 ||
					     img->trans[i].child >= h->nstates))
			FAIL("trie edge %u out of range", i);
	for (uint32_t i = 0; i < h->nstates; i++)
		if ((uint64_t)img->states[i].first + img->states[i].count >
		    h->nentries)
			FAIL("state %u out of range", i);
	for (uint32_t i = 0; i < h->nentries; i++) {
		const struct image_entry *e = &img->entries[i];
		if (e->type >= T_NTYPES || !STR_OK(e->id) ||
		    !STR_OK(e->canonical) || !STR_OK(e->source) ||
		    e->ntok < 1 || e->ntok > IMAGE_MAX_TOKENS)
			FAIL("entry %u out of range", i);
	}
	for (uint32_t i = 0; i < h->ntexts; i++) {
		const struct image_text *t = &img->texts[i];
		if (!STR_OK(t->name) || (uint64_t)t->data + t->len >= ls ||
		    img->strings[t->data + t->len] != '\0')
			FAIL("text %u out of range", i);
		/* Rule and class texts are parsed and normalized as UTF-8. */
		size_t bad;
		if (utf8_validate(img->strings + t->data, t->len, &bad) < 0)
			FAIL("text %u is not UTF-8", i);
	}
	if (memchr(h->ruleset, '\0', sizeof h->ruleset) == NULL)
		FAIL("bad ruleset name");
#undef STR_OK
	return 0;
}

static int accelerate(struct image *img, char *err, size_t errlen);
static void accel_free(struct image *img);

int image_from_memory(struct image *img, unsigned char *base, size_t size,
    char *err, size_t errlen)
{
	memset(img, 0, sizeof *img);
	img->base = base;
	img->size = size;
	img->h = (const void *)base;
	if (verify(img, err, errlen) < 0 || accelerate(img, err, errlen) < 0) {
		accel_free(img);
		free(base);
		memset(img, 0, sizeof *img);
		return -1;
	}
	return 0;
}

int image_load(struct image *img, const char *path, char *err, size_t errlen)
{
	char why[256];
	memset(img, 0, sizeof *img);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(struct image_header)) {
		close(fd);
		FAIL("%s: truncated (%lld bytes)", path, (long long)st.st_size);
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		FAIL("%s: mmap: %s", path, strerror(errno));
	img->base = p;
	img->size = (size_t)st.st_size;
	img->mapped = 1;
	img->h = p;
	if (verify(img, why, sizeof why) < 0 ||
	    accelerate(img, why, sizeof why) < 0) {
		accel_free(img);
		munmap(p, img->size);
		memset(img, 0, sizeof *img);
		FAIL("%s: %s", path, why);
	}
	return 0;
}

void image_close(struct image *img)
{
	if (!img->base)
		return;
	accel_free(img);
	if (img->mapped)
		munmap((void *)img->base, img->size);
	else
		free((void *)img->base);
	memset(img, 0, sizeof *img);
}

static inline uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* The trie edge lookup on the slots alone (as the image was written). */
static uint32_t child_slots(const struct image *img, uint64_t key)
{
	uint32_t mask = img->h->trans_slots - 1;
	for (uint32_t i = (uint32_t)mix64(key) & mask;; i = (i + 1) & mask) {
		const struct image_trans *t = &img->trans[i];
		if (t->key == key)
			return t->child;
		if (!t->key)
			return 0;
	}
}

/* Which of the four capitals of a first word (image_may_start) does an
 * entry of shape bits `shape` (SHAPE_*) take? */
static uint8_t takes(uint32_t shape)
{
	switch (shape) {
	case SHAPE_CAP:
		return 1u << 1 | 1u << 3;
	case SHAPE_ALLCAPS:
		return 1u << 2 | 1u << 3;
	case SHAPE_LOWER:
		return 1u << 0 | 1u << 2;
	default:
		return 0xF;
	}
}

/*
 * img->first_takes: for each word, the capitals of a first word that the
 * entries under its root child take. Each state's entries are carried up
 * the trie to the root child their surface starts with, through the one
 * edge that leads to each state. An image where a state has two edges in,
 * or a chain does not reach the root's child within IMAGE_MAX_TOKENS
 * steps (nerd compile writes none), says every shape for every word, so
 * that no walk is skipped. Returns 0, or -1 if out of memory.
 */
static int first_takes(struct image *img)
{
	const struct image_header *h = img->h;
	uint32_t ns = h->nstates;
	uint8_t *fs = calloc((size_t)h->ntokens + 1, 1);
	uint32_t *up = malloc((size_t)ns * sizeof *up);
	uint32_t *via = calloc(ns, sizeof *via); /* 0: no edge in */
	if (!fs || !up || !via) {
		free(fs);
		free(up);
		free(via);
		return -1;
	}
	int sound = 1;
	for (uint32_t i = 0; i < h->trans_slots && sound; i++) {
		uint64_t key = img->trans[i].key;
		uint32_t from = (uint32_t)(key >> 32), tok = (uint32_t)key;
		if (!key || from >= ns || !tok || tok > h->ntokens)
			continue; /* a walk never asks for it */
		uint32_t c = img->trans[i].child;
		if (via[c])
			sound = 0;
		via[c] = tok;
		up[c] = from;
	}
	for (uint32_t s = 1; s < ns && sound; s++) {
		const struct image_state *st = &img->states[s];
		if (!st->count)
			continue;
		uint8_t m = 0;
		for (uint32_t q = 0; q < st->count; q++)
			m |= takes(img->entries[st->first + q].shape & 3);
		uint32_t x = s;
		for (int d = 0; via[x] && up[x] && d < IMAGE_MAX_TOKENS; d++)
			x = up[x];
		if (!via[x] || up[x] || img->root[via[x]] != x)
			sound = 0;
		else
			fs[via[x]] |= m;
	}
	if (!sound)
		memset(fs, 0xF, (size_t)h->ntokens + 1);
	free(up);
	free(via);
	img->first_takes = fs;
	return 0;
}

/* Build the load-time tables of struct image; every answer they give is
 * the one the slots give (a hostile image's duplicate edges included). */
static int accelerate(struct image *img, char *err, size_t errlen)
{
	const struct image_header *h = img->h;
	img->tok_tag = malloc(h->tok_slots);
	img->trans_tag = malloc(h->trans_slots);
	img->root = calloc((size_t)h->ntokens + 1, sizeof *img->root);
	img->tok_filter = calloc(IMAGE_FILTER_BITS / 64, sizeof *img->tok_filter);
	if (!img->tok_tag || !img->trans_tag || !img->root || !img->tok_filter)
		FAIL("out of memory");
	for (uint32_t i = 0; i < h->tok_slots; i++) {
		const struct image_token *t = &img->tokens[i];
		img->tok_tag[i] = t->hash ? image_tag(t->hash) : 0;
		if (t->hash) {
			uint32_t k = image_filter_bit(t->hash);
			img->tok_filter[k / 64] |= (uint64_t)1 << (k % 64);
		}
	}
	for (uint32_t i = 0; i < h->trans_slots; i++) {
		uint64_t key = img->trans[i].key;
		img->trans_tag[i] = key ? image_tag(mix64(key)) : 0;
		if (!key || key >> 32 || key > h->ntokens)
			continue;
		/* the first edge of a key in its probe order is the one a
		 * lookup finds: ask the slots when a key comes twice */
		img->root[key] = img->root[key] ? child_slots(img, key)
		    : img->trans[i].child;
	}
	if (first_takes(img) < 0)
		FAIL("out of memory");
	return 0;
}

static void accel_free(struct image *img)
{
	free(img->tok_tag);
	free(img->trans_tag);
	free(img->root);
	free(img->tok_filter);
	free(img->first_takes);
	img->tok_tag = img->trans_tag = NULL;
	img->root = NULL;
	img->tok_filter = NULL;
	img->first_takes = NULL;
}

uint32_t image_child(const struct image *img, uint32_t state, uint32_t tok)
{
	if (!state && tok <= img->h->ntokens)
		return tok ? img->root[tok] : 0;
	uint64_t key = ((uint64_t)state << 32) | tok, m = mix64(key);
	uint8_t tag = image_tag(m);
	uint32_t mask = img->h->trans_slots - 1;
	const uint8_t *tags = img->trans_tag;
	for (uint32_t i = (uint32_t)m & mask;; i = (i + 1) & mask) {
		uint8_t g = tags[i];
		if (!g)
			return 0;
		if (g == tag && img->trans[i].key == key)
			return img->trans[i].child;
	}
}
