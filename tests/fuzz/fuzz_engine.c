/*
 * fuzz_engine.c - the whole pipeline (normalize, tokenize, gazetteers,
 * rules, resolve, propagate, JSON) over arbitrary valid text, with the
 * test fixture's gazetteers and rules.
 *
 * Input: byte 0 chooses the options (lang given or detected, a title,
 * nested mentions); the rest is the text, or title NUL text. Texts that
 * are not valid UTF-8 are skipped: article_parse refuses them before the
 * engine sees them. Every annotation must parse back as JSON, and every
 * entity's offsets must lie in its field and agree with each other.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "engine.h"
#include "utf8.h"

static struct engine *eng;
static struct scratch *scr;
static struct buf out;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[512];
	eng = engine_build(NERD_SOURCE_DIR "/tests/fixtures/gazetteers",
	    NERD_SOURCE_DIR "/tests/fixtures/rules", err, sizeof err);
	if (!eng) {
		fprintf(stderr, "fuzz_engine: %s\n", err);
		exit(1);
	}
	scr = scratch_new();
	return 0;
}

static void check_entity(json_t *x, const struct article *a)
{
	const char *field = json_string_value(json_object_get(x, "field"));
	if (!field)
		abort();
	const char *f = strcmp(field, "title") ? a->text : a->title;
	size_t flen = strcmp(field, "title") ? a->text_len : a->title_len;
	if (!f)
		abort();
	json_int_t s = json_integer_value(json_object_get(x, "start"));
	json_int_t e = json_integer_value(json_object_get(x, "end"));
	json_int_t bs = json_integer_value(json_object_get(x, "byte_start"));
	json_int_t be = json_integer_value(json_object_get(x, "byte_end"));
	json_int_t us = json_integer_value(json_object_get(x, "utf16_start"));
	json_int_t ue = json_integer_value(json_object_get(x, "utf16_end"));
	if (!(0 <= s && s < e && 0 <= bs && bs < be && (size_t)be <= flen &&
	    0 <= us && us < ue && s <= bs && e <= be && us >= s && ue - us >= e - s))
		abort();
	/* Byte offsets fall on code point boundaries. */
	if (((unsigned char)f[bs] & 0xC0) == 0x80 ||
	    ((size_t)be < flen && ((unsigned char)f[be] & 0xC0) == 0x80))
		abort();
	/* Code point offsets agree with the byte offsets. */
	json_int_t cp = 0;
	for (json_int_t i = 0; i < bs; i++)
		cp += ((unsigned char)f[i] & 0xC0) != 0x80;
	if (cp != s)
		abort();
	for (json_int_t i = bs; i < be; i++)
		cp += ((unsigned char)f[i] & 0xC0) != 0x80;
	if (cp != e)
		abort();
	/* "text" is the mention as received. */
	json_t *t = json_object_get(x, "text");
	if (!json_is_string(t) || json_string_length(t) != (size_t)(be - bs) ||
	    memcmp(json_string_value(t), f + bs, (size_t)(be - bs)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned opt = data[0];
	data++;
	size--;
	struct article a = {0};
	const uint8_t *nul = (opt & 4) ? memchr(data, 0, size) : NULL;
	const uint8_t *tx = data;
	size_t tn = size;
	if (nul) {
		a.title_len = (size_t)(nul - data);
		a.title = malloc(a.title_len + 1);
		memcpy(a.title, data, a.title_len);
		a.title[a.title_len] = '\0';
		tx = nul + 1;
		tn = size - a.title_len - 1;
	}
	a.text = malloc(tn + 1);
	memcpy(a.text, tx, tn);
	a.text[tn] = '\0';
	a.text_len = tn;
	size_t bad;
	if (utf8_validate(a.text, a.text_len, &bad) < 0 ||
	    (a.title && utf8_validate(a.title, a.title_len, &bad) < 0)) {
		free(a.text);
		free(a.title);
		return 0;
	}
	static const char *langs[] = {"", "ar", "fr", "en"};
	strcpy(a.lang, langs[opt & 3]);
	a.id = strdup("fuzz");
	struct annotate_opts o = {.seq = 7, .worker = 1, .nested = !!(opt & 8)};
	struct annotate_stats st;
	char err[256];
	buf_reset(&out);
	if (engine_annotate(eng, scr, &a, &o, &out, &st, err, sizeof err) == 0) {
		json_error_t je;
		json_t *root = json_loadb(out.data, out.len, JSON_ALLOW_NUL, &je);
		if (!root) {
			fprintf(stderr, "annotation is not JSON: %s at %d\n%.*s\n",
			    je.text, je.position, (int)out.len, out.data);
			abort();
		}
		json_t *ents = json_object_get(root, "entities");
		if (!json_is_array(ents) || json_array_size(ents) != st.entities)
			abort();
		size_t i;
		json_t *x;
		json_array_foreach(ents, i, x)
			check_entity(x, &a);
		json_decref(root);
	}
	article_clear(&a);
	return 0;
}
