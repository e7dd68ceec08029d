/*
 * The streaming writer against jansson: every string it writes parses
 * back to the same bytes, and golden annotations parse back to what
 * jansson itself would dump.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "compile.h"
#include "jsonw.h"

static void roundtrip(const char *s, size_t n)
{
	struct buf b = {0};
	jsonw_str(&b, s, n);
	json_error_t je;
	json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	CHECK(v && json_is_string(v));
	if (v) {
		CHECK(json_string_length(v) == n);
		CHECK(!memcmp(json_string_value(v), s, n));
		/* jansson's own dump of the string is byte-identical */
		char *j = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		buf_cstr(&b);
		CHECK_STR(j, b.data);
		free(j);
	}
	json_decref(v);
	buf_free(&b);
}

int main(void)
{
	roundtrip("", 0);
	roundtrip("plain", 5);
	roundtrip("quote \" backslash \\ slash /", 27);
	roundtrip("\n\r\t\b\f\x01\x1f", 7);
	roundtrip("a\0b", 3);
	roundtrip("المملكة «المغربية» 😀", strlen("المملكة «المغربية» 😀"));
	char all[128];
	for (int i = 0; i < 127; i++)
		all[i] = (char)(i + 1);
	roundtrip(all, 127);
	/* every length that the block scan reads in its own way, with no
	 * escape, and with one at each place */
	char s[48];
	for (size_t n = 0; n <= sizeof s; n++) {
		memset(s, 'a', n);
		roundtrip(s, n);
		for (size_t i = 0; i < n; i++) {
			s[i] = i % 3 == 0 ? '"' : i % 3 == 1 ? '\\' : '\x1f';
			roundtrip(s, n);
			s[i] = 'a';
		}
	}

	struct buf b = {0};
	jsonw_u64(&b, 0);
	buf_addc(&b, ' ');
	jsonw_u64(&b, 18446744073709551615ULL);
	buf_cstr(&b);
	CHECK_STR(b.data, "0 18446744073709551615");
	/* each side of every power of ten, as printf writes them */
	for (uint64_t p = 1; p <= 10000000000000000000ULL; p *= 10) {
		for (uint64_t v = p - 1; v <= p + 1; v++) {
			char want[24];
			snprintf(want, sizeof want, "%llu", (unsigned long long)v);
			buf_reset(&b);
			jsonw_u64(&b, v);
			buf_cstr(&b);
			CHECK_STR(b.data, want);
		}
		if (p == 10000000000000000000ULL)
			break;
	}
	buf_free(&b);

	/* Every line of the golden annotations: jansson parses it, and its
	 * compact dump equals what we wrote. */
	size_t len;
	char *golden = read_file(NERD_SOURCE_DIR "/tests/golden/sample.ann.jsonl", &len);
	CHECK(golden != NULL);
	int lines = 0;
	for (char *line = golden, *nl; golden && (nl = strchr(line, '\n')); line = nl + 1) {
		json_t *v = json_loadb(line, (size_t)(nl - line), 0, NULL);
		CHECK(v != NULL);
		char *j = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		CHECK(j && strlen(j) == (size_t)(nl - line) && !memcmp(j, line, strlen(j)));
		free(j);
		json_decref(v);
		lines++;
	}
	CHECK(lines >= 3);
	free(golden);
	return test_done("jsonw");
}
