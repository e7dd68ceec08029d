/* Normalization: the folds, and the map back to original offsets. */
#include "check.h"
#include "normalize.h"
#include "utf8.h"

static struct buf out;

static const char *norm(const char *s)
{
	normalize_string(s, strlen(s), &out);
	return out.data;
}

/* Every code point of the BMP, alone between two letters and in a run
 * of its own kind, folds as normalize_cp says, with the offset maps
 * pointing back at it (the one- and two-byte ones take a table of their
 * own in normalize). */
static void every_code_point(void)
{
	struct normtext t = {0};
	int bad = 0;
	for (uint32_t cp = 1; cp < 0x10000 && bad < 5; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char s[32], want[40];
		int n = 0, w = 0;
		s[n++] = 'A';
		n += utf8_encode(cp, s + n);
		n += utf8_encode(cp, s + n);
		s[n++] = 'b';
		uint32_t f[3];
		int k = normalize_cp(cp, f);
		want[w++] = 'a';
		for (int r = 0; r < 2; r++)
			for (int j = 0; j < k; j++)
				w += utf8_encode(f[j], want + w);
		want[w++] = 'b';
		if (normalize(&t, s, (size_t)n) < 0 || t.norm.len != (size_t)w ||
		    memcmp(t.norm.data, want, (size_t)w) || t.ncp != 4 ||
		    t.nn != (uint32_t)(2 + 2 * k) || t.n_orig[0] != 0 ||
		    t.n_orig[t.nn - 1] != 3 || t.cp_byte[3] != (uint32_t)n - 1 ||
		    t.cp_u16[4] != 4 || t.n_byte[t.nn] != (uint32_t)w) {
			fprintf(stderr, "normalize: U+%04X\n", cp);
			bad++;
			continue;
		}
		for (int j = 0; j < 2 * k; j++) {
			int len;
			const unsigned char *q =
			    (const unsigned char *)t.norm.data + t.n_byte[1 + j];
			if (utf8_decode(q, &len) != f[j % k] ||
			    t.n_orig[1 + j] != 1 + (uint32_t)(j / k)) {
				fprintf(stderr, "normalize: U+%04X map\n", cp);
				bad++;
				break;
			}
		}
	}
	CHECK(bad == 0);
	normtext_free(&t);
}

int main(void)
{
	every_code_point();
	/* Arabic letter forms */
	CHECK_STR(norm("أإآٱا"), "ااااا");
	CHECK_STR(norm("مستشفى"), "مستشفي");
	CHECK_STR(norm("المتحدة"), "المتحده");
	CHECK_STR(norm("الأُمَمُ المُتَّحِدَةُ"), "الامم المتحده"); /* harakat */
	CHECK_STR(norm("هٰذا"), "هذا");                        /* superscript alef */
	CHECK_STR(norm("المـــغرب"), "المغرب");                /* tatweel */
	CHECK_STR(norm("کتاب یک"), "كتاب يك");                 /* Persian forms */
	CHECK_STR(norm("ڤيينا"), "فيينا");                     /* Maghreb veh */
	CHECK_STR(norm("٢٠٢٦ ۱۲"), "2026 12");                 /* Arabic-Indic digits */
	CHECK_STR(norm("مسؤول"), "مسؤول");                     /* hamza on waw kept */
	/* Latin */
	CHECK_STR(norm("Émirats Arabes Unis"), "emirats arabes unis");
	CHECK_STR(norm("Côte d’Ivoire"), "cote d'ivoire");
	CHECK_STR(norm("Straße"), "strasse");
	CHECK_STR(norm("Œuvre"), "oeuvre");
	CHECK_STR(norm("«Daech» – “EI”"), "\"daech\" - \"ei\"");
	CHECK_STR(norm("a\xc2\xa0" "b"), "a b");                 /* no-break space */
	CHECK_STR(norm("a\xe2\x80\x8b" "b\xe2\x80\x8f"), "ab");  /* zero-width, RLM */

	/* Offsets: a removed code point and an expanded one. */
	struct normtext t = {0};
	const char *s = "aـb ß😀c";
	CHECK(normalize(&t, s, strlen(s)) == 0);
	CHECK_STR(t.norm.data, "ab ss😀c");
	CHECK(t.ncp == 7);
	CHECK(t.nn == 7);
	CHECK(t.n_orig[1] == 2);             /* 'b' came from cp 2 */
	CHECK(t.n_orig[3] == 4 && t.n_orig[4] == 4); /* both s from ß */
	CHECK(t.cp_byte[2] == 3);            /* tatweel is 2 bytes */
	CHECK(t.cp_u16[6] == 7);             /* the emoji counts two UTF-16 units */
	CHECK(t.cp_u16[7] == 8);
	CHECK(normtext_cp_at_byte(&t, 3) == 2);

	/* Looked up from any place, near or far: the same answers. */
	s = "Le président «عبدُ الله» a dit : ß 😀 ـ";
	CHECK(normalize(&t, s, strlen(s)) == 0);
	for (uint32_t near = 0; near <= t.ncp + 2; near++) {
		for (size_t b = 0; b <= t.orig_len + 1; b++)
			CHECK(normtext_cp_near_byte(&t, b, near) ==
			    normtext_cp_at_byte(&t, b));
		for (size_t b = 0; b <= t.norm.len + 1; b++)
			CHECK(normtext_ncp_near_byte(&t, b, near) ==
			    normtext_ncp_at_byte(&t, b));
		for (uint32_t a = 0; a <= t.ncp; a++)
			for (uint32_t z = a; z <= t.ncp; z++) {
				uint32_t i = 0, j;  /* the copy of a, z: by walking */
				while (i < t.nn && t.n_orig[i] < a)
					i++;
				for (j = i; j < t.nn && t.n_orig[j] < z; j++)
					;
				size_t n;
				const char *p = normtext_norm_span(&t, a, z, near, &n);
				CHECK(p == t.norm.data + t.n_byte[i] &&
				    n == t.n_byte[j] - t.n_byte[i]);
			}
	}
	size_t sn;
	const char *sp = normtext_norm_span(&t, 14, 23, 5, &sn);
	CHECK(sn == 15 && !memcmp(sp, "عبد الله", sn));
	normtext_free(&t);
	buf_free(&out);
	return test_done("normalize");
}
