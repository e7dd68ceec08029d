/*
 * fuzz_article.c - the input contract (article_parse), both forms.
 *
 * The input is split at its first NUL: without one it is a one-frame
 * message; with one, the bytes before are the JSON frame and the bytes
 * after are the raw text frame of the two-frame form (which may itself
 * hold NULs). What an accepted article must satisfy is checked, not only
 * that parsing survives: the engine trusts it. A one-frame input is also
 * split by article_split, and the two frames must read as the one; and
 * meta must be what jansson writes back from the message.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "utf8.h"

/* A one-frame article split in two by article_split (nerd feed -2) reads
 * as the one frame does. */
static void check_split(const char *jf, size_t json_len)
{
	struct buf env = {0};
	char *st, err[256];
	size_t sn;
	if (article_split(jf, json_len, &env, &st, &sn) == 1) {
		struct article one, two;
		enum input_error r1 = article_parse(&one, jf, json_len, NULL, 0,
		    0, err, sizeof err);
		enum input_error r2 = article_parse(&two, env.data, env.len, st,
		    sn, 0, err, sizeof err);
		if (r1 == INPUT_OK && (r2 != INPUT_OK ||
		    one.text_len != two.text_len ||
		    memcmp(one.text, two.text, one.text_len) ||
		    strcmp(one.id, two.id)))
			abort();
		article_clear(&one);
		article_clear(&two);
		free(st);
	}
	buf_free(&env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	size_t json_len = size;
	const char *text = NULL;
	size_t text_len = 0;
	const uint8_t *nul = memchr(data, 0, size);
	if (nul) {
		json_len = (size_t)(nul - data);
		text = (const char *)nul + 1;
		text_len = size - json_len - 1;
	}
	/* Exact copies, so that ASan sees a read one past either frame. */
	char *jf = malloc(json_len ? json_len : 1);
	char *tf = text ? malloc(text_len ? text_len : 1) : NULL;
	memcpy(jf, json, json_len);
	if (tf)
		memcpy(tf, text, text_len);

	/* A limit the input sometimes crosses (sizes near it matter). */
	size_t max_len = size & 1 ? 0 : 512;
	struct article a;
	char err[256];
	enum input_error rc = article_parse(&a, jf, json_len, tf, text_len,
	    max_len, err, sizeof err);
	if (rc == INPUT_OK) {
		size_t bad;
		if (!a.id || !a.id[0] || !a.text)
			abort();
		if (a.text[a.text_len] != '\0' ||
		    utf8_validate(a.text, a.text_len, &bad) < 0)
			abort();
		if (a.title && (a.title[a.title_len] != '\0' ||
		    utf8_validate(a.title, a.title_len, &bad) < 0))
			abort();
		if (!memchr(a.lang, '\0', sizeof a.lang))
			abort();
		if (a.meta_json) {
			json_t *m = json_loads(a.meta_json, JSON_DECODE_ANY |
			    JSON_ALLOW_NUL, NULL);
			if (!m)
				abort();
			json_decref(m);
		}
		/* meta as jansson writes it back, whoever wrote it */
		json_t *root = json_loadb(jf, json_len, JSON_REJECT_DUPLICATES,
		    NULL);
		json_t *meta = json_object_get(root, "meta");
		char *want = meta ? json_dumps(meta, JSON_COMPACT |
		    JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) : NULL;
		if (root && (!want != !a.meta_json ||
		    (want && strcmp(want, a.meta_json))))
			abort();
		free(want);
		json_decref(root);
		if (tf && (a.text_len != text_len ||
		    memcmp(a.text, tf, text_len)))
			abort(); /* the two-frame text is taken as sent */
	} else {
		if (rc >= INPUT_ERROR_KINDS || !err[0])
			abort();
		if (a.text || a.title || a.meta_json)
			abort(); /* "*a is left cleared" but for the id */
	}
	if (strcmp(input_error_name(rc), "unknown") == 0)
		abort();
	article_clear(&a);
	if (!tf)
		check_split(jf, json_len);
	free(jf);
	free(tf);
	return 0;
}
