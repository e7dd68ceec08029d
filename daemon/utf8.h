/*
 * utf8.h - UTF-8 validation, decoding and encoding.
 *
 * Validation is strict (RFC 3629): no overlong forms, no surrogates, nothing
 * above U+10FFFF. Invalid input is refused with the byte offset of the
 * first bad sequence; nerd never repairs text silently, because the
 * offsets it reports must index the text the producer sent.
 */
#ifndef NERD_UTF8_H
#define NERD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 0 if s[0..n) is valid UTF-8, else -1 with *bad set to the byte offset
 * of the first bad sequence. 32 bytes at a time where the CPU can. */
int utf8_validate(const char *s, size_t n, size_t *bad);
/* The same answer, one sequence at a time: the definition (and the tests'
 * reference). */
int utf8_validate_scalar(const char *s, size_t n, size_t *bad);

/* Decode one code point of valid UTF-8 at s; *len gets its byte length. */
static inline uint32_t utf8_decode(const unsigned char *s, int *len)
{
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] < 0xE0) {
		*len = 2;
		return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if (s[0] < 0xF0) {
		*len = 3;
		return ((uint32_t)(s[0] & 0x0F) << 12) |
		    ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	}
	*len = 4;
	return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
	    ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* Encode cp into out (at least 4 bytes); returns the byte count. */
static inline int utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

#ifdef __SSE2__
#include <emmintrin.h>

/*
 * Eight two-byte code points at once (normalize.c, tokenize.c): v holds
 * sixteen bytes of UTF-8 read as sixteen-bit lanes (lead byte low, as in
 * memory). The mask of the lanes whose two bytes, lead byte first, lie
 * strictly between lo and hi (as signed sixteen-bit numbers: both bounds
 * in C0..DF) and whose second byte is a continuation byte (the range
 * alone would take lead, C0..FF, which valid UTF-8 never has).
 */
static inline __m128i utf8_pairs_between(__m128i v, uint16_t lo, uint16_t hi)
{
	__m128i be = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
	__m128i in = _mm_and_si128(
	    _mm_cmpgt_epi16(be, _mm_set1_epi16((short)lo)),
	    _mm_cmplt_epi16(be, _mm_set1_epi16((short)hi)));
	return _mm_and_si128(in, _mm_cmpeq_epi16(
	    _mm_and_si128(v, _mm_set1_epi16((short)0xC000)),
	    _mm_set1_epi16((short)0x8000)));
}

/* How many lanes of a mask from utf8_pairs_between, from the first, are
 * set: the run of such code points at the start of the sixteen bytes. */
static inline unsigned utf8_pairs_run(__m128i mask)
{
	return (unsigned)__builtin_ctz(
	    ~(unsigned)_mm_movemask_epi8(mask) | 0x10000) / 2;
}
#endif

#endif
