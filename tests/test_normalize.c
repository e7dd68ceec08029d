/* Normalization: the folds, and the map back to original offsets. */
#include "check.h"
#include "normalize.h"

static struct buf out;

static const char *norm(const char *s)
{
	normalize_string(s, strlen(s), &out);
	return out.data;
}

int main(void)
{
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
	normtext_free(&t);
	buf_free(&out);
	return test_done("normalize");
}
