/* UTF-8 validation: what is refused, and where it is reported. */
#include "check.h"
#include "utf8.h"

static int bad_at(const char *s, size_t n)
{
	size_t bad = (size_t)-1;
	return utf8_validate(s, n, &bad) < 0 ? (int)bad : -1;
}

int main(void)
{
	CHECK(bad_at("", 0) == -1);
	CHECK(bad_at("plain ASCII text, long enough to take the fast path", 51) == -1);
	CHECK(bad_at("المغرب", strlen("المغرب")) == -1);
	CHECK(bad_at("Côte d’Ivoire 😀", strlen("Côte d’Ivoire 😀")) == -1);
	CHECK(bad_at("abc\xff", 4) == 3);            /* invalid byte */
	CHECK(bad_at("abcdefghij\x80", 11) == 10);   /* lone continuation */
	CHECK(bad_at("a\xc0\xaf", 3) == 1);          /* overlong '/' */
	CHECK(bad_at("a\xe0\x80\xaf", 4) == 1);      /* overlong, 3 bytes */
	CHECK(bad_at("\xed\xa0\x80", 3) == 0);       /* UTF-16 surrogate */
	CHECK(bad_at("\xf4\x90\x80\x80", 4) == 0);   /* above U+10FFFF */
	CHECK(bad_at("ok \xd8", 4) == 3);            /* truncated at the end */
	CHECK(bad_at("ok \xe2\x82", 5) == 3);
	CHECK(bad_at("a\0b", 3) == -1);              /* NUL is valid UTF-8 */

	char out[4];
	int len;
	CHECK(utf8_encode(0x0627, out) == 2);
	CHECK(utf8_decode((const unsigned char *)out, &len) == 0x0627 && len == 2);
	CHECK(utf8_encode(0x1F600, out) == 4);
	CHECK(utf8_decode((const unsigned char *)out, &len) == 0x1F600 && len == 4);
	return test_done("utf8");
}
