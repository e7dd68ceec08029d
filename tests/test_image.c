/* The compiled image: a good one loads; a truncated, corrupted, foreign
 * or stale one is refused with a reason, never read out of bounds. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "hash.h"
#include "image.h"

static char path[64];

static void write_img(const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(p, 1, n, f);
	fclose(f);
}

static int refused(const char *why_part)
{
	struct image img;
	char err[512] = "";
	int rc = image_load(&img, path, err, sizeof err);
	if (rc == 0) {
		image_close(&img);
		return 0;
	}
	if (!strstr(err, why_part)) {
		fprintf(stderr, "reason was: %s\n", err);
		return 0;
	}
	return strstr(err, path) != NULL; /* the reason names the file */
}

/* The lookups, which read the tables built at load first, give the
 * answer of the slots as written: every word and every edge is found. */
static void lookups(const struct image *img)
{
	const struct image_header *h = img->h;
	size_t words = 0, edges = 0;
	for (uint32_t i = 0; i < h->tok_slots; i++) {
		const struct image_token *t = &img->tokens[i];
		if (!t->hash)
			continue;
		uint32_t trig = UINT32_MAX;
		CHECK(image_token(img, image_str(img, t->str), t->len, &trig) == t->id);
		CHECK(trig == t->triggers);
		/* a prefix or an extension of a word is another word, or none */
		uint32_t id = image_token(img, image_str(img, t->str), t->len + 1, &trig);
		CHECK(id != t->id);
		words++;
	}
	CHECK(words == h->ntokens);
	for (uint32_t i = 0; i < h->trans_slots; i++) {
		const struct image_trans *t = &img->trans[i];
		if (!t->key)
			continue;
		CHECK(image_child(img, (uint32_t)(t->key >> 32),
		    (uint32_t)t->key) == t->child);
		edges++;
	}
	CHECK(edges > 0);
	uint32_t trig;
	CHECK(image_token(img, "zzqxv", 5, &trig) == 0);
	CHECK(image_child(img, 0, 0) == 0);
	CHECK(image_child(img, 0, h->ntokens + 7) == 0);
}

/* The capitals (bits 0-3, as image_may_start numbers them) that the
 * entries of state and of the states under it take of their first word,
 * found by following every edge out of each state. */
static unsigned subtree_takes(const struct image *img, uint32_t state, int depth)
{
	static const unsigned by_shape[4] = {0xF, 0xA, 0xC, 0x5};
	unsigned m = 0;
	const struct image_state *st = &img->states[state];
	for (uint32_t q = 0; q < st->count; q++)
		m |= by_shape[img->entries[st->first + q].shape & 3];
	for (uint32_t i = 0; i < img->h->trans_slots && depth < IMAGE_MAX_TOKENS; i++)
		if (img->trans[i].key && img->trans[i].key >> 32 == state)
			m |= subtree_takes(img, img->trans[i].child, depth + 1);
	return m;
}

/* image_may_start says yes exactly for the capitals some entry under the
 * word's root child takes: the walks it skips would find nothing. */
static void first_takes(const struct image *img)
{
	size_t some = 0, lower_no = 0;
	for (uint32_t tok = 1; tok <= img->h->ntokens; tok++) {
		uint32_t state = image_start(img, tok);
		if (!state)
			continue;
		unsigned m = subtree_takes(img, state, 1);
		for (uint32_t c = 0; c < 4; c++)
			CHECK(!image_may_start(img, tok, c) == !(m >> c & 1));
		some++;
		lower_no += !(m & 1);
	}
	CHECK(some > 0);
	CHECK(lower_no > 0); /* the fixtures have names that ask a capital */
}

/* Where compile puts an edge key (its mix32). */
static uint32_t slot_of(uint64_t k, uint32_t mask)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (uint32_t)k & mask;
}

/* A hostile image may hold one edge twice, or a root edge by a word the
 * dictionary does not have: the lookups still answer as the slots do
 * (the first edge in probe order). */
static void duplicate_edges(const unsigned char *good, size_t len)
{
	unsigned char *b = malloc(len);
	memcpy(b, good, len);
	struct image_header *h = (struct image_header *)b;
	struct image_trans *tr = (struct image_trans *)(b + h->off_trans);
	uint32_t mask = h->trans_slots - 1, tok = 0, first = 0;
	for (uint32_t i = 0; i < h->trans_slots && !tok; i++)
		if (tr[i].key && !(tr[i].key >> 32)) {
			tok = (uint32_t)tr[i].key;
			first = tr[i].child;
		}
	CHECK(tok != 0);
	/* the same key again, later in its probe sequence, another child */
	uint32_t j = slot_of(tok, mask);
	while (tr[j].key)
		j = (j + 1) & mask;
	tr[j].key = tok;
	tr[j].child = first == 1 ? 2 : 1;
	/* and a root edge by word ntokens + 1 */
	uint64_t big = (uint64_t)h->ntokens + 1;
	j = slot_of(big, mask);
	while (tr[j].key)
		j = (j + 1) & mask;
	tr[j].key = big;
	tr[j].child = 1;
	h->checksum = hash_checksum(b + h->header_size, len - h->header_size);
	struct image img;
	char err[256];
	CHECK(image_from_memory(&img, b, len, err, sizeof err) == 0);
	if (img.base) {
		CHECK(image_child(&img, 0, tok) == first);
		CHECK(image_child(&img, 0, (uint32_t)big) == 1);
		/* a state with two edges in: no walk is skipped */
		for (uint32_t c = 0; c < 4; c++)
			CHECK(image_may_start(&img, tok, c));
		image_close(&img);
	}
}

/* hash_fast reads a short word as its first and last bytes: every byte
 * and the length must still count, and the answer is never 0 (an empty
 * slot). */
static void word_hash(void)
{
	char w[48], u[49];
	for (size_t n = 0; n <= 40; n++) {
		for (size_t i = 0; i < n; i++)
			w[i] = (char)('a' + (i * 7) % 26);
		uint64_t h = hash_fast(w, n);
		CHECK(h != 0);
		memcpy(u + 1, w, n); /* the address does not matter */
		CHECK(hash_fast(u + 1, n) == h);
		for (size_t i = 0; i < n; i++) {
			w[i] ^= 0x20;
			CHECK(hash_fast(w, n) != h);
			w[i] ^= 0x20;
		}
		/* a word and its prefixes: same bytes, other lengths */
		for (size_t m = 0; m < n; m++)
			CHECK(hash_fast(w, m) != h);
	}
	/* 8..16 bytes read as two overlapping words: "aaaaaaaaa" (9) and
	 * "aaaaaaaaaa" (10) read the same two words */
	memset(w, 'a', 16);
	for (size_t n = 8; n < 16; n++)
		CHECK(hash_fast(w, n) != hash_fast(w, n + 1));
}

/* A hostile image may store a word under a hash that is not its own:
 * the filter is keyed on the stored hash, and a lookup of the word then
 * finds nothing, without reading out of bounds; the other words stay. */
static void foreign_hash(const unsigned char *good, size_t len)
{
	unsigned char *b = malloc(len);
	memcpy(b, good, len);
	struct image_header *h = (struct image_header *)b;
	struct image_token *tt = (struct image_token *)(b + h->off_tokens);
	const char *str = (const char *)(b + h->off_strings);
	uint32_t victim = UINT32_MAX;
	for (uint32_t i = 0; i < h->tok_slots && victim == UINT32_MAX; i++)
		if (tt[i].hash)
			victim = i;
	CHECK(victim != UINT32_MAX);
	char word[256];
	size_t wn = tt[victim].len < sizeof word ? tt[victim].len : 0;
	memcpy(word, str + tt[victim].str, wn);
	tt[victim].hash = ~tt[victim].hash ? ~tt[victim].hash : 1;
	h->checksum = hash_checksum(b + h->header_size, len - h->header_size);
	struct image img;
	char err[256];
	CHECK(image_from_memory(&img, b, len, err, sizeof err) == 0);
	if (img.base) {
		uint32_t trig;
		CHECK(image_token(&img, word, wn, &trig) == 0);
		for (uint32_t i = 0; i < h->tok_slots; i++)
			if (i != victim && img.tokens[i].hash)
				CHECK(image_token(&img,
				    image_str(&img, img.tokens[i].str),
				    img.tokens[i].len, &trig) == img.tokens[i].id);
		image_close(&img);
	}
}

/* A hostile image's class may hold the empty word, before any other:
 * the map that reads it stores and finds it without touching keys (which
 * is NULL until a word with bytes arrives). Found by fuzz_image. */
static void empty_key(void)
{
	struct strmap *m = strmap_new();
	CHECK(strmap_put(m, "", 0, 7) == 7);
	CHECK(strmap_put(m, "", 0, 9) == 7); /* the first value stays */
	CHECK(strmap_get(m, "", 0) == 7);
	CHECK(strmap_get(m, "a", 1) == UINT32_MAX);
	CHECK(strmap_put(m, "a", 1, 3) == 3);
	CHECK(strmap_get(m, "", 0) == 7 && strmap_get(m, "a", 1) == 3);
	CHECK(strmap_count(m) == 2);
	strmap_destroy(&m);
}

int main(void)
{
	empty_key();
	word_hash();
	struct diag d = {0};
	unsigned char *img;
	size_t len;
	CHECK(compile_image(FIXTURES "/gazetteers", FIXTURES "/rules", 1, &d, &img,
	    &len) == 0);
	CHECK(d.errors == 0);
	snprintf(path, sizeof path, "/tmp/nerd-test-%d.img", (int)getpid());

	write_img(img, len);
	char err[512];
	struct image im;
	CHECK(image_load(&im, path, err, sizeof err) == 0);
	if (im.base) {
		lookups(&im);
		first_takes(&im);
		image_close(&im);
	}
	duplicate_edges(img, len);
	foreign_hash(img, len);
	struct engine *e = engine_open(path, err, sizeof err);
	CHECK(e != NULL);
	if (e) {
		CHECK(strlen(engine_ruleset(e)) == 16);
		CHECK(engine_rule_count(e) == 3);
		engine_close(&e);
	}
	/* the same sources compile to the same bytes */
	unsigned char *img2;
	size_t len2;
	CHECK(compile_image(FIXTURES "/gazetteers", FIXTURES "/rules", 1, &d, &img2,
	    &len2) == 0);
	CHECK(len2 == len && !memcmp(img, img2, len));
	free(img2);

	write_img(img, len / 2);
	CHECK(refused("truncated"));
	write_img(img, 10);
	CHECK(refused("truncated"));

	unsigned char *bad = malloc(len);
	memcpy(bad, img, len);
	bad[len - 20] ^= 0x40;
	write_img(bad, len);
	CHECK(refused("checksum"));

	memcpy(bad, img, len);
	memcpy(bad, "ELF\0\0\0\0\0", 8);
	write_img(bad, len);
	CHECK(refused("not a nerd image"));

	memcpy(bad, img, len);
	((struct image_header *)bad)->version = IMAGE_VERSION + 1;
	write_img(bad, len);
	CHECK(refused("version"));

	free(bad);
	free(img);
	unlink(path);
	CHECK(engine_open("/nonexistent/nerd.img", err, sizeof err) == NULL);
	CHECK(strstr(err, "/nonexistent/nerd.img") != NULL);
	return test_done("image");
}
