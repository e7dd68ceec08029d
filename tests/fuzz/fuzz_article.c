/*
 * fuzz_article.c - the input contract (article_parse), both forms.
 *
 * The input is split at its first NUL: without one it is a one-frame
 * message; with one, the bytes before are the JSON frame and the bytes
 * after are the raw text frame of the two-frame form (which may itself
 * hold NULs). What an accepted article must satisfy is checked, not only
 * that parsing survives: the engine trusts it.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "utf8.h"

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
	free(jf);
	free(tf);
	return 0;
}
