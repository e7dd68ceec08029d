/*
 * article.c - parse the input contract with jansson (envelopes are small;
 * in the two-frame form the text never goes through JSON).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "utf8.h"

static const char *names[INPUT_ERROR_KINDS] = {
	"ok", "not_json", "no_id", "bad_text", "bad_field", "bad_utf8",
	"empty", "too_large",
};

const char *input_error_name(enum input_error e)
{
	return e >= 0 && e < INPUT_ERROR_KINDS ? names[e] : "unknown";
}

void article_clear(struct article *a)
{
	free(a->id);
	free(a->text);
	free(a->title);
	free(a->meta_json);
	memset(a, 0, sizeof *a);
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

#define REFUSE(kind, ...)                           \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		rc = kind;                          \
		goto fail;                          \
	} while (0)

enum input_error article_parse(struct article *a, const char *json,
    size_t json_len, const char *text, size_t text_len, size_t max_len,
    char *err, size_t errlen)
{
	enum input_error rc = INPUT_OK;
	json_t *root = NULL;
	json_error_t je;
	size_t bad;

	memset(a, 0, sizeof *a);
	if (json_len == 0)
		REFUSE(INPUT_EMPTY, "empty message");
	if (max_len && json_len + text_len > max_len)
		REFUSE(INPUT_TOO_LARGE, "message of %zu bytes exceeds the limit of %zu",
		    json_len + text_len, max_len);
	/* jansson checks UTF-8 itself, but says only "invalid UTF-8";
	 * find the offset first so that the producer knows where. */
	if (utf8_validate(json, json_len, &bad) < 0)
		REFUSE(INPUT_BAD_UTF8, "invalid UTF-8 at byte %zu of the JSON frame", bad);
	root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		REFUSE(INPUT_NOT_JSON, "not JSON: %s at line %d column %d", je.text,
		    je.line, je.column);
	if (!json_is_object(root))
		REFUSE(INPUT_NOT_JSON, "not a JSON object");
	json_t *id = json_object_get(root, "id");
	if (json_is_string(id) && json_string_length(id) > 0)
		a->id = dup_n(json_string_value(id), json_string_length(id));
	else if (json_is_integer(id)) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(id));
		a->id = dup_n(tmp, strlen(tmp));
	} else
		REFUSE(INPUT_NO_ID, "\"id\" is missing or not a string");
	json_t *t = json_object_get(root, "text");
	if (text) {
		if (t)
			REFUSE(INPUT_BAD_TEXT, "\"text\" given in both frames");
		if (utf8_validate(text, text_len, &bad) < 0)
			REFUSE(INPUT_BAD_UTF8, "invalid UTF-8 at byte %zu of the text", bad);
		a->text = dup_n(text, text_len);
		a->text_len = text_len;
	} else {
		if (!json_is_string(t))
			REFUSE(INPUT_BAD_TEXT, "\"text\" is missing or not a string");
		a->text_len = json_string_length(t);
		if (memchr(json_string_value(t), '\0', a->text_len))
			REFUSE(INPUT_BAD_TEXT, "\"text\" contains a NUL character");
		a->text = dup_n(json_string_value(t), a->text_len);
	}
	json_t *ti = json_object_get(root, "title");
	if (ti && !json_is_null(ti)) {
		if (!json_is_string(ti))
			REFUSE(INPUT_BAD_FIELD, "\"title\" is not a string");
		a->title_len = json_string_length(ti);
		a->title = dup_n(json_string_value(ti), a->title_len);
	}
	json_t *la = json_object_get(root, "lang");
	if (la && !json_is_null(la)) {
		const char *l = json_is_string(la) ? json_string_value(la) : NULL;
		if (!l || strlen(l) >= sizeof a->lang)
			REFUSE(INPUT_BAD_FIELD, "\"lang\" is not a short string");
		if (strcmp(l, "ar") && strcmp(l, "fr") && strcmp(l, "en") && *l)
			REFUSE(INPUT_BAD_FIELD, "\"lang\" must be ar, fr or en");
		strcpy(a->lang, l);
	}
	json_t *meta = json_object_get(root, "meta");
	if (meta)
		a->meta_json = json_dumps(meta, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER);
	json_decref(root);
	return INPUT_OK;
fail:
	json_decref(root);
	{
		char *keep = a->id;
		a->id = NULL;
		article_clear(a);
		a->id = keep;
	}
	return rc;
}
