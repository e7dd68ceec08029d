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
		    normtext_u16(&t, 4) != 4 || t.n_byte[t.nn] != (uint32_t)w) {
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

/* normalize(s) against the definition, one code point at a time with
 * normalize_cp(): the copy and all four offset maps. Returns 0 if equal. */
static int same_as_definition(struct normtext *t, const char *s, size_t n)
{
	if (normalize(t, s, n) < 0)
		return -1;
	const unsigned char *p = (const unsigned char *)s;
	uint32_t ncp = 0, nn = 0, u16 = 0;
	size_t i = 0, ob = 0;
	char want[1024];
	while (i < n) {
		int len;
		uint32_t cp = utf8_decode(p + i, &len), f[3];
		if (t->cp_byte[ncp] != i || normtext_u16(t, ncp) != u16)
			return -1;
		int k = normalize_cp(cp, f);
		for (int j = 0; j < k; j++) {
			if (nn >= t->nn || t->n_byte[nn] != ob ||
			    t->n_orig[nn] != ncp)
				return -1;
			ob += (size_t)utf8_encode(f[j], want + ob);
			nn++;
		}
		u16 += cp > 0xFFFF ? 2 : 1;
		i += (size_t)len;
		ncp++;
	}
	if (t->ncp != ncp || t->nn != nn || t->cp_byte[ncp] != n ||
	    normtext_u16(t, ncp) != u16 || t->n_byte[nn] != ob ||
	    t->n_orig[nn] != ncp || t->norm.len != ob ||
	    memcmp(t->norm.data, want, ob))
		return -1;
	return 0;
}

/* The fast paths (ASCII sixteen bytes at a time, Arabic letters eight at
 * a time) against the definition: every code point inside a run of
 * Arabic letters, at each place in the vector, and runs that end
 * mid-vector, hold folds (أ ة ى), removals (harakat, tatweel),
 * expansions (ß, œ), three- and four-byte code points. */
static void fast_paths(void)
{
	struct normtext t = {0};
	int bad = 0;
	char s[512];
	for (uint32_t cp = 1; cp < 0x10000 && bad < 5; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		for (int at = 0; at < 10; at++) {
			int n = 0;
			for (int j = 0; j < at; j++)
				n += utf8_encode(0x0628 + (uint32_t)j, s + n);
			n += utf8_encode(cp, s + n);
			for (int j = 0; j < 12; j++)
				n += utf8_encode(j == 5 ? cp : 0x0644, s + n);
			if (same_as_definition(&t, s, (size_t)n) < 0) {
				fprintf(stderr, "normalize: U+%04X at %d in a run\n",
				    cp, at);
				bad++;
				break;
			}
		}
	}
	CHECK(bad == 0);
	/* Mixed text from a pool of code points, pseudo-random. */
	static const uint32_t pool[] = {
		0x0627, 0x0644, 0x0645, 0x064A, 0x0621, 0x063A, 0x0641,
		0x0623, 0x0625, 0x0622, 0x0629, 0x0649, 0x0640, 0x064B,
		0x0651, 0x060C, 0x0660, 0x06CC, 0x0671, 0x0620, 0x063F,
		' ', 'a', 'Z', '.', '\n', 0xE9, 0xDF, 0x153, 0xC9,
		0x2019, 0x200F, 0x20AC, 0xFEFB, 0x1F600,
	};
	uint32_t r = 12345;
	bad = 0;
	for (int it = 0; it < 200000 && bad < 5; it++) {
		int n = 0, len = (int)(r % 60);
		for (int j = 0; j < len; j++) {
			r = r * 1103515245u + 12345u;
			/* mostly letters, as in text */
			uint32_t x = (r >> 16) % 64;
			uint32_t cp = x < 35 ? pool[x] : 0x0628 + x % 20;
			n += utf8_encode(cp, s + n);
		}
		r = r * 1103515245u + 12345u;
		if (same_as_definition(&t, s, (size_t)n) < 0) {
			fprintf(stderr, "normalize: mixed text %d differs\n", it);
			bad++;
		}
	}
	CHECK(bad == 0);
	/* Arabic words of one to twelve letters, one space apart, as news
	 * has them: the space between two runs is taken in the run. */
	bad = 0;
	for (int it = 0; it < 20000 && bad < 5; it++) {
		int n = 0;
		while (n < 400) {
			r = r * 1103515245u + 12345u;
			int len = 1 + (int)((r >> 16) % 12);
			for (int j = 0; j < len; j++) {
				r = r * 1103515245u + 12345u;
				uint32_t x = (r >> 16) % 40;
				n += utf8_encode(x < 20 ? pool[x] : 0x0628 + x % 20,
				    s + n);
			}
			s[n++] = ' ';
		}
		if (same_as_definition(&t, s, (size_t)n) < 0) {
			fprintf(stderr, "normalize: Arabic words %d differ\n", it);
			bad++;
		}
	}
	CHECK(bad == 0);
	normtext_free(&t);
}

int main(void)
{
	every_code_point();
	fast_paths();
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
	CHECK(normtext_u16(&t, 6) == 7);             /* the emoji counts two UTF-16 units */
	CHECK(normtext_u16(&t, 7) == 8);
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
