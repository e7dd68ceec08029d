/* UTF-8 validation: what is refused, and where it is reported. */
#include "check.h"
#include "utf8.h"

static int bad_at(const char *s, size_t n)
{
	size_t bad = (size_t)-1;
	return utf8_validate(s, n, &bad) < 0 ? (int)bad : -1;
}

/* utf8_validate (32 bytes at a time where the CPU can) against the
 * scalar definition: the same verdict and the same offset. */
static long mismatches;
static void same(const unsigned char *s, size_t n)
{
	size_t b1 = (size_t)-1, b2 = (size_t)-1;
	int r1 = utf8_validate((const char *)s, n, &b1);
	int r2 = utf8_validate_scalar((const char *)s, n, &b2);
	if (r1 != r2 || (r1 < 0 && b1 != b2)) {
		if (mismatches++ < 5) {
			fprintf(stderr, "utf8: %zu bytes: %d at %zu, scalar %d at %zu:",
			    n, r1, b1, r2, b2);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, " %02x", s[i]);
			fprintf(stderr, "\n");
		}
	}
}

/* Every class of bad sequence, at every offset around the block edges,
 * in ASCII, Arabic (two-byte) and mixed text. */
static void blocks(void)
{
	static const char *bad[] = {
		"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80", "\xfe", "\xff", "\xe0\x80\xaf",
		"\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80",
		"\xf7\xbf\xbf\xbf", "\xd8", "\xd8\xd8", "\xd8" "a", "\xe2\x82",
		"\xe2\x82" "a", "\xe2" "a\x82", "\xf0\x9f\x98", "\xf0\x9f\x98" "a",
		"\xf0\x9f", "\xf0", "\xd8\xa7\x80", "\xe2\x82\xac\x80",
		"\xf0\x9f\x98\x80\x80", "a\x80",
	};
	static const char *fill[] = {
		"abcdefgh ", "\xd8\xa7\xd9\x84 ", "\xd8\xa7\xd9\x84",
		"e\xcc\x81 \xe2\x80\x99\xf0\x9f\x98\x80 ",
	};
	unsigned char buf[160];
	for (size_t f = 0; f < sizeof fill / sizeof *fill; f++) {
		size_t fl = strlen(fill[f]);
		for (size_t total = 0; total <= 140; total += total < 70 ? 1 : 7) {
			/* whole fill units up to total, then the bad bytes at
			 * each offset (cut to a sequence boundary) */
			size_t n = 0;
			while (n + fl <= total)
				memcpy(buf + n, fill[f], fl), n += fl;
			same(buf, n); /* valid */
			for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
				size_t bl = strlen(bad[b]);
				for (size_t at = 0; at + fl <= n + fl && at <= n;
				     at += fl) {
					unsigned char t[160];
					memcpy(t, buf, at);
					memcpy(t + at, bad[b], bl);
					memcpy(t + at + bl, buf + at, n - at);
					same(t, n + bl);
					same(t, at + bl); /* at the very end */
				}
			}
		}
	}
}

/* Every two- and three-byte sequence, and every four-byte one over a set
 * of telling continuation values, astride a block edge and inside one. */
static void exhaustive(void)
{
	unsigned char t[96];
	static const size_t offs[] = {0, 30, 31, 62};
	static const unsigned char tell[] = {0x00, 0x41, 0x7f, 0x80, 0x8f,
		0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xf0, 0xf4, 0xff};
	memset(t, 'x', sizeof t);
	for (size_t o = 0; o < 4; o++) {
		size_t at = offs[o];
		for (unsigned a = 0x80; a < 0x100; a++)
			for (unsigned b = 0; b < 0x100; b++) {
				t[at] = (unsigned char)a;
				t[at + 1] = (unsigned char)b;
				same(t, sizeof t);
				same(t, at + 2);
				if (o == 0 || o == 2) /* three bytes: two offsets */
					for (unsigned c = 0; c < 0x100; c++) {
						t[at + 2] = (unsigned char)c;
						same(t, sizeof t);
					}
				t[at + 2] = 'x';
			}
		for (unsigned a = 0xf0; a < 0x100; a++)
			for (unsigned b = 0; b < 0x100; b++)
				for (size_t c = 0; c < sizeof tell; c++)
					for (size_t d = 0; d < sizeof tell; d++) {
						t[at] = (unsigned char)a;
						t[at + 1] = (unsigned char)b;
						t[at + 2] = tell[c];
						t[at + 3] = tell[d];
						same(t, sizeof t);
						same(t, at + 4);
					}
		memset(t, 'x', sizeof t);
	}
}

/* Random mixtures of valid sequences and stray bytes. */
static void random_texts(void)
{
	static const char *piece[] = {"a", " ", "\xd8\xa7", "\xd9\x84",
		"\xc3\xa9", "\xe2\x80\x99", "\xef\xbf\xbf", "\xf0\x9f\x98\x80",
		"\xf4\x8f\xbf\xbf", "\xee\x80\x80"};
	uint64_t x = 88172645463325252ULL;
	unsigned char t[400];
	for (int r = 0; r < 200000; r++) {
		size_t n = 0, want;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		want = x % 300;
		while (n < want) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x % 97 == 0) /* a stray byte, rarely */
				t[n++] = (unsigned char)(x >> 20);
			else {
				const char *p = piece[(x >> 8) % 10];
				memcpy(t + n, p, strlen(p));
				n += strlen(p);
			}
		}
		same(t, n);
	}
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

	blocks();
	exhaustive();
	random_texts();
	CHECK(mismatches == 0);
	/* the first error is reported even when a later block has more */
	{
		char big[300];
		memset(big, 'a', sizeof big);
		big[100] = (char)0xd8; /* truncated by the ASCII after it */
		big[250] = (char)0xff;
		CHECK(bad_at(big, sizeof big) == 100);
		memcpy(big + 31, "\xd8\xa7", 2); /* astride the first edge */
		CHECK(bad_at(big, sizeof big) == 100);
		big[32] = 'a';
		CHECK(bad_at(big, sizeof big) == 31);
	}

	char out[4];
	int len;
	CHECK(utf8_encode(0x0627, out) == 2);
	CHECK(utf8_decode((const unsigned char *)out, &len) == 0x0627 && len == 2);
	CHECK(utf8_encode(0x1F600, out) == 4);
	CHECK(utf8_decode((const unsigned char *)out, &len) == 0x1F600 && len == 4);
	return test_done("utf8");
}
