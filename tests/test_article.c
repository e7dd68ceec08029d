/* The input contract: both forms, and every kind of bad input refused
 * with its own kind and a reason (the id kept where one could be read). */
#include <jansson.h>
#include <stdlib.h>

#include "article.h"
#include "buf.h"
#include "check.h"

static enum input_error parse(const char *json, const char *text, char *id)
{
	struct article a;
	char err[256];
	enum input_error k = article_parse(&a, json, strlen(json), text,
	    text ? strlen(text) : 0, 1 << 20, err, sizeof err);
	if (id)
		snprintf(id, 64, "%s", a.id ? a.id : "");
	if (k != INPUT_OK && !err[0])
		k = INPUT_ERROR_KINDS; /* every refusal must say why */
	article_clear(&a);
	return k;
}

/*
 * meta as the parse gives it, against jansson's parse and dump of the
 * same message: equal bytes (written without jansson or with it), or the
 * same refusal.
 */
static void check_meta(const char *meta)
{
	char json[512], err[256];
	struct article a;
	snprintf(json, sizeof json, "{\"id\":\"m\",\"text\":\"t\",\"meta\":%s}",
	    meta);
	enum input_error k = article_parse(&a, json, strlen(json), NULL, 0, 0,
	    err, sizeof err);
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	char *want = root ? json_dumps(json_object_get(root, "meta"),
	    JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) : NULL;
	if (want) {
		CHECK(k == INPUT_OK);
		CHECK_STR(a.meta_json, want);
	} else
		CHECK(k == INPUT_NOT_JSON);
	free(want);
	json_decref(root);
	article_clear(&a);
}

int main(void)
{
	char id[64];
	struct article a;
	char err[256];
	const char *one = "{\"id\":\"x1\",\"text\":\"Le Maroc\",\"title\":\"T\",\"lang\":\"fr\",\"meta\":{\"source\":\"s\",\"n\":[1,2]}}";
	CHECK(article_parse(&a, one, strlen(one), NULL, 0, 0, err, sizeof err) == INPUT_OK);
	CHECK_STR(a.id, "x1");
	CHECK_STR(a.text, "Le Maroc");
	CHECK_STR(a.title, "T");
	CHECK_STR(a.lang, "fr");
	CHECK_STR(a.meta_json, "{\"source\":\"s\",\"n\":[1,2]}");
	article_clear(&a);

	const char *env = "{\"id\":\"x2\"}";
	CHECK(article_parse(&a, env, strlen(env), "المغرب", strlen("المغرب"), 0, err,
	    sizeof err) == INPUT_OK);
	CHECK_STR(a.text, "المغرب");
	article_clear(&a);

	CHECK(parse("not json", NULL, NULL) == INPUT_NOT_JSON);
	CHECK(parse("{\"id\":\"a\",\"text\":", NULL, NULL) == INPUT_NOT_JSON);
	CHECK(parse("[1,2]", NULL, NULL) == INPUT_NOT_JSON);
	CHECK(parse("{\"text\":\"t\"}", NULL, NULL) == INPUT_NO_ID);
	CHECK(parse("{\"id\":\"\",\"text\":\"t\"}", NULL, NULL) == INPUT_NO_ID);
	CHECK(parse("{\"id\":\"a\",\"text\":5}", NULL, id) == INPUT_BAD_TEXT);
	CHECK_STR(id, "a");
	CHECK(parse("{\"id\":\"a\"}", NULL, NULL) == INPUT_BAD_TEXT);
	CHECK(parse("{\"id\":\"a\",\"text\":\"t\",\"title\":[]}", NULL, NULL) == INPUT_BAD_FIELD);
	CHECK(parse("{\"id\":\"a\",\"text\":\"t\",\"lang\":\"de\"}", NULL, NULL) == INPUT_BAD_FIELD);
	CHECK(parse("{\"id\":\"a\",\"text\":\"\\u0000\"}", NULL, NULL) == INPUT_NOT_JSON);
	CHECK(parse("{\"id\":\"a\",\"text\":\"\\ud800\"}", NULL, NULL) == INPUT_NOT_JSON);
	CHECK(parse("{\"id\":\"a\",\"text\":\"\xff\"}", NULL, NULL) == INPUT_BAD_UTF8);
	CHECK(parse("{\"id\":\"a\"}", "ok \xc3", id) == INPUT_BAD_UTF8);
	CHECK_STR(id, "a");
	CHECK(parse("{\"id\":\"a\",\"text\":\"t\"}", "t", NULL) == INPUT_BAD_TEXT);
	CHECK(parse("", NULL, NULL) == INPUT_EMPTY);
	CHECK(parse("{\"id\":7,\"text\":\"\"}", NULL, id) == INPUT_OK);
	CHECK_STR(id, "7");
	/* deep nesting is refused by the parser, not by the stack */
	char deep[5000];
	memset(deep, '[', sizeof deep - 1);
	deep[sizeof deep - 1] = '\0';
	CHECK(parse(deep, NULL, NULL) == INPUT_NOT_JSON);
	/* over the size limit */
	CHECK(article_parse(&a, one, strlen(one), NULL, 0, 10, err, sizeof err) == INPUT_TOO_LARGE);
	article_clear(&a);
	CHECK_STR(input_error_name(INPUT_BAD_UTF8), "bad_utf8");

	/* a text scanned eight bytes at a time: an escape, a quote or a raw
	 * control character found at every offset within the word, in ASCII
	 * and in Arabic (bytes 0xD8..0xDF and 0x80..0xBF) */
	for (int arabic = 0; arabic < 2; arabic++)
		for (int i = 0; i < 24; i++) {
			char js[256], want[128];
			char fill[64] = "";
			for (int k = 0; k < i; k++)
				strcat(fill, arabic ? "\xd9\x85" : "a");
			if (arabic)
				fill[i] = '\0'; /* i bytes, cut mid-letter or not */
			snprintf(js, sizeof js, "{\"id\":\"e\",\"text\":\"%s\\\"q%s\"}",
			    fill, fill);
			snprintf(want, sizeof want, "%s\"q%s", fill, fill);
			enum input_error k = article_parse(&a, js, strlen(js), NULL, 0,
			    0, err, sizeof err);
			/* cut mid-letter: bad UTF-8, refused before the scan */
			CHECK(k == INPUT_OK || (arabic && (i & 1)));
			if (k == INPUT_OK)
				CHECK_STR(a.text, want);
			article_clear(&a);
			snprintf(js, sizeof js, "{\"id\":\"e\",\"text\":\"%s\n%s\"}",
			    fill, fill);
			k = article_parse(&a, js, strlen(js), NULL, 0, 0, err,
			    sizeof err);
			CHECK(k == INPUT_NOT_JSON || (arabic && (i & 1)));
			article_clear(&a);
		}

	/* meta comes back as jansson writes it, whether written by our
	 * compaction (the plain cases) or by jansson (the others) */
	static const char *const metas[] = {
		"{\"source\": \"s\", \"n\": 0}", "{}", "[]", "[ ]", "{ }",
		"\"str\"", "7", "-7", "0", "-0", "007", "1.0", "1e3", "-1.5E-3",
		"123456789012345678", "1234567890123456789",
		"-123456789012345678", "99999999999999999999", "true", "false",
		"null", "truex", "nul", "[1,2 , 3]", "[1,]", "{\"a\":1,}",
		"{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":2}}",
		"{\"a\":{\"b\":1},\"c\":{\"b\":2}}", "{\"\":1}",
		"{\"a\\u0062\":1,\"ab\":2}", "\"\\/\\u00e9\\n\"",
		"\"\xd8\xa7\xe2\x80\xa8/\x7f\"", "{\"url\":\"https:\\/\\/x\"}",
		"\t{\"a\"\r\n:\n[true ,false,null]\t}", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]",
		"{\"a\" 1}", "{1:2}", "[1 2]", "{\"a\":}", "-", "+1", "1a",
	};
	for (size_t i = 0; i < sizeof metas / sizeof *metas; i++)
		check_meta(metas[i]);
	char many[600] = "{";
	for (int i = 0; i < 40; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
		    "%s\"k%d\":%d", i ? "," : "", i, i);
	strcat(many, "}");
	check_meta(many);

	/* the one-frame form split in two by a scan (nerd feed -2): the other
	 * members as written, the text decoded; and what the scan leaves to
	 * a parser */
	struct buf ev = {0};
	char *t;
	size_t tn;
	const char *j = "{ \"id\" : \"x1\", \"text\":\"Le \\\"Maroc\\\"\\n\\u00e9\","
	    "\"lang\":\"fr\",\"meta\":{\"text\":[1,\"}\"]} }";
	CHECK(article_split(j, strlen(j), &ev, &t, &tn) == 1);
	CHECK_STR(buf_cstr(&ev), "{\"id\" : \"x1\",\"lang\":\"fr\",\"meta\":{\"text\":[1,\"}\"]}}");
	CHECK(tn == 13 && t && !memcmp(t, "Le \"Maroc\"\n\xc3\xa9", 13));
	/* the two frames read as the one did */
	struct article b;
	CHECK(article_parse(&a, j, strlen(j), NULL, 0, 0, err, sizeof err) == INPUT_OK);
	CHECK(article_parse(&b, ev.data, ev.len, t, tn, 0, err, sizeof err) == INPUT_OK);
	CHECK(a.text_len == b.text_len && !memcmp(a.text, b.text, a.text_len) &&
	    !strcmp(a.id, b.id) && !strcmp(a.lang, b.lang) &&
	    !strcmp(a.meta_json, b.meta_json));
	article_clear(&a);
	article_clear(&b);
	free(t);
	const char *only = "{\"text\":\"t\"}";
	CHECK(article_split(only, strlen(only), &ev, &t, &tn) == 1);
	CHECK_STR(buf_cstr(&ev), "{}");
	free(t);
	const char *none = "{\"id\":\"a\"}";
	CHECK(article_split(none, strlen(none), &ev, &t, &tn) == 0 && !t);
	CHECK_STR(buf_cstr(&ev), "{\"id\":\"a\"}");
	CHECK(article_split("{}", 2, &ev, &t, &tn) == 0);
	static const char *const unsure[] = {
		"{\"id\":\"a\",\"text\":5}",           /* not a string */
		"{\"id\":\"a\",\"t\\u0065xt\":\"t\"}",    /* an escaped key */
		"{\"text\":\"a\",\"text\":\"b\"}",         /* twice */
		"{\"id\":\"a\",\"text\":\"t\"} x",      /* something after */
		"{\"id\":\"a\",\"text\":\"\\ud800\"}",  /* a bad escape */
		"[1]", "", "{\"id\":", "{\"id\":\"a\"",
	};
	for (size_t i = 0; i < sizeof unsure / sizeof *unsure; i++)
		CHECK(article_split(unsure[i], strlen(unsure[i]), &ev, &t, &tn) == -1);
	buf_free(&ev);
	return test_done("article");
}
