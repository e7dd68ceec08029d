/*
 * jsonw.c - append JSON strings and numbers to a buffer.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonw.h"

/* Bytes that need an escape: the quote, the backslash, controls. */
static inline int needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

#ifdef __SSE2__
/* Whether a byte of v needs an escape. */
static inline int block_escapes(__m128i v)
{
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
	__m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i bs = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	return _mm_movemask_epi8(_mm_or_si128(ctl, _mm_or_si128(quote, bs))) != 0;
}
#endif

/* Whether a byte of s[0..n) needs an escape: sixteen bytes at a time,
 * the last block and a short string read as overlapping pieces, so that
 * nothing outside s[0..n) is read. */
static int any_escape(const char *s, size_t n)
{
#ifdef __SSE2__
	if (n >= 16) {
		for (size_t i = 0; i + 16 < n; i += 16)
			if (block_escapes(_mm_loadu_si128((const void *)(s + i))))
				return 1;
		return block_escapes(_mm_loadu_si128((const void *)(s + n - 16)));
	}
	if (n >= 8)
		return block_escapes(_mm_unpacklo_epi64(
		    _mm_loadl_epi64((const void *)s),
		    _mm_loadl_epi64((const void *)(s + n - 8))));
	if (n >= 4) {
		int a, z;
		memcpy(&a, s, 4);
		memcpy(&z, s + n - 4, 4);
		return block_escapes(_mm_setr_epi32(a, z, a, z));
	}
#endif
	for (size_t i = 0; i < n; i++)
		if (needs_escape((unsigned char)s[i]))
			return 1;
	return 0;
}

/* s[0..n) with its escapes written, quotes included. */
__attribute__((noinline, cold)) static void str_escaped(struct buf *b,
    const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF"; /* as jansson writes them */
	buf_reserve(b, n + 2);
	buf_addc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!needs_escape(c))
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\b': buf_add(b, "\\b", 2); break;
		case '\f': buf_add(b, "\\f", 2); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			buf_add(b, e, 6);
		}
		}
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

void jsonw_str(struct buf *b, const char *s, size_t n)
{
	if (any_escape(s, n)) {
		str_escaped(b, s, n);
		return;
	}
	/* the common case, a name or an id: copied whole */
	buf_reserve(b, n + 2);
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len++] = '"';
}
void jsonw_cstr(struct buf *b, const char *s)
{
	jsonw_str(b, s, strlen(s));
}

void jsonw_key(struct buf *b, const char *k)
{
	size_t n = strlen(k);
	buf_reserve(b, n + 3);
	b->data[b->len++] = '"';
	memcpy(b->data + b->len, k, n);
	b->len += n;
	b->data[b->len++] = '"';
	b->data[b->len++] = ':';
}

/* Decimal digits of v: from its bits, log10(2) being about 1233 / 4096,
 * then one comparison with a power of ten, rather than a loop of them.
 * v | 1 counts the same digits (no power of ten above 1 is odd) and has
 * a bit to count. */
static inline int digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
	    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	    10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	    100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	    100000000000000000ULL, 1000000000000000000ULL,
	    10000000000000000000ULL};
	v |= 1;
	int t = ((64 - __builtin_clzll(v)) * 1233) >> 12;
	return t + (v >= pow10[t]);
}

void jsonw_u64(struct buf *b, uint64_t v)
{
	/* two digits at a time from a table, written in place from the
	 * last: one division per pair, no copy */
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930"
	    "31323334353637383940414243444546474849505152535455565758596061"
	    "62636465666768697071727374757677787980818283848586878889909192"
	    "93949596979899";
	int n = digits(v);
	buf_reserve(b, (size_t)n);
	char *p = b->data + b->len + n;
	b->len += (size_t)n;
	while (v >= 100) {
		uint64_t r = v % 100;
		v /= 100;
		p -= 2;
		memcpy(p, pairs + 2 * r, 2);
	}
	if (v >= 10)
		memcpy(p - 2, pairs + 2 * v, 2);
	else
		p[-1] = (char)('0' + v);
}
