/*
 * utf8.c - strict UTF-8 validation.
 *
 * The scalar validator is the definition: it walks one sequence at a time
 * and reports the first bad one. On x86-64 with AVX2, long texts are
 * checked 32 bytes at a time instead (the "lookup" algorithm of Keiser and
 * Lemire, "Validating UTF-8 in less than one instruction per byte",
 * Software: Practice and Experience 51(5), 2021), which tells only
 * whether a block holds an error; the scalar validator then finds where,
 * starting at the last sequence boundary before that block. News text in
 * Arabic is all two-byte sequences, which the scalar walk takes one
 * branchy step at a time; the blocks take it at a few instructions per
 * 32 bytes. Debian 12 packages no C library for this (simdutf is C++ and
 * came later), hence the sixty lines below.
 */
#include <string.h>

#include "utf8.h"

int utf8_validate_scalar(const char *str, size_t n, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		/* Most news text is ASCII punctuation and spaces between runs
		 * of multi-byte letters: skip ASCII eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint32_t min;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			min = 0x10000;
		} else
			goto fail;
		if (i + need >= n) /* truncated sequence */
			goto fail;
		uint32_t cp = c & (0x3F >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto fail;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto fail;
		i += need + 1;
	}
	return 0;
fail:
	*bad = i;
	return -1;
}

/* The block at s[i] holds an error, blocks before it none: s[0..i) is
 * whole sequences and perhaps the start of one more. Let the scalar
 * validator read on from the start of the last sequence before i. */
static int locate(const unsigned char *s, size_t n, size_t i, size_t *bad)
{
	size_t j = i;
	while (j > 0 && i - j < 4) {
		j--;
		if ((s[j] & 0xC0) != 0x80)
			break;
	}
	size_t at;
	if (utf8_validate_scalar((const char *)s + j, n - j, &at) == 0)
		return 0; /* a false alarm (none is known) costs time only */
	*bad = j + at;
	return -1;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/* Error classes of a byte and the one before it (a bit each). */
enum {
	TOO_SHORT = 1 << 0,  /* lead not followed by a continuation */
	TOO_LONG = 1 << 1,   /* ASCII followed by a continuation */
	OVERLONG_3 = 1 << 2, /* E0 80..9F */
	TOO_LARGE = 1 << 3,  /* F4 90..BF, F5..FF */
	SURROGATE = 1 << 4,  /* ED A0..BF */
	OVERLONG_2 = 1 << 5, /* C0, C1 */
	TOO_LARGE_1000 = 1 << 6,
	OVERLONG_4 = 1 << 6, /* F0 80..8F */
	TWO_CONTS = 1 << 7,  /* continuation after a continuation */
	CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

#define C(x) ((char)(unsigned char)(x))
#define TABLE(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) \
	_mm256_setr_epi8(C(a), C(b), C(c), C(d), C(e), C(f), C(g), C(h), \
	    C(i), C(j), C(k), C(l), C(m), C(n), C(o), C(p), \
	    C(a), C(b), C(c), C(d), C(e), C(f), C(g), C(h), \
	    C(i), C(j), C(k), C(l), C(m), C(n), C(o), C(p))

/* in with its bytes moved n places later, the gap filled from the end of
 * prev (the block before) */
#define PREV(in, prev, n) \
	_mm256_alignr_epi8(in, _mm256_permute2x128_si256(prev, in, 0x21), 16 - (n))

AVX2 static inline __m256i block_errors(__m256i in, __m256i prev)
{
	const __m256i lo4 = _mm256_set1_epi8(0x0F);
	const __m256i b1_high = TABLE(
	    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
	    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
	    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
	    TOO_SHORT | OVERLONG_2,
	    TOO_SHORT,
	    TOO_SHORT | OVERLONG_3 | SURROGATE,
	    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
	const __m256i b1_low = TABLE(
	    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
	    CARRY | OVERLONG_2,
	    CARRY,
	    CARRY,
	    CARRY | TOO_LARGE,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
	    CARRY | TOO_LARGE | TOO_LARGE_1000,
	    CARRY | TOO_LARGE | TOO_LARGE_1000);
	const __m256i b2_high = TABLE(
	    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
	    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
	    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
	    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
	    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
	    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
	    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);
	__m256i p1 = PREV(in, prev, 1);
	__m256i sc = _mm256_and_si256(
	    _mm256_and_si256(
		_mm256_shuffle_epi8(b1_high,
		    _mm256_and_si256(_mm256_srli_epi16(p1, 4), lo4)),
		_mm256_shuffle_epi8(b1_low, _mm256_and_si256(p1, lo4))),
	    _mm256_shuffle_epi8(b2_high,
		_mm256_and_si256(_mm256_srli_epi16(in, 4), lo4)));
	/* the third and fourth bytes of a sequence must be continuations
	 * (bit 7 of sc says "continuation after a continuation") */
	__m256i p2 = PREV(in, prev, 2), p3 = PREV(in, prev, 3);
	__m256i must = _mm256_or_si256(
	    _mm256_subs_epu8(p2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
	    _mm256_subs_epu8(p3, _mm256_set1_epi8((char)(0xF0 - 0x80))));
	must = _mm256_and_si256(must, _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(must, sc);
}

/* Bytes of the block's last three that start a sequence it does not end. */
AVX2 static inline __m256i incomplete(__m256i in)
{
	const __m256i max = _mm256_setr_epi8(
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
	return _mm256_subs_epu8(in, max);
}

AVX2 static int validate_avx2(const unsigned char *s, size_t n, size_t *bad)
{
	__m256i prev = _mm256_setzero_si256(), pending = prev;
	size_t i = 0;
	for (;; i += 32) {
		__m256i in;
		int last = i + 32 > n;
		if (!last)
			in = _mm256_loadu_si256((const __m256i *)(s + i));
		else {
			/* the tail, padded with NULs: ASCII, which ends
			 * nothing, so a truncated sequence shows */
			unsigned char tail[32] = {0};
			memcpy(tail, s + i, n - i);
			in = _mm256_loadu_si256((const __m256i *)tail);
		}
		__m256i err;
		if (!_mm256_movemask_epi8(in)) {
			err = pending;
			pending = _mm256_setzero_si256();
		} else {
			err = block_errors(in, prev);
			pending = incomplete(in);
		}
		if (!_mm256_testz_si256(err, err))
			return locate(s, n, i, bad);
		if (last)
			return 0;
		prev = in;
	}
}

#endif

int utf8_validate(const char *s, size_t n, size_t *bad)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (n >= 32 && __builtin_cpu_supports("avx2"))
		return validate_avx2((const unsigned char *)s, n, bad);
#endif
	return utf8_validate_scalar(s, n, bad);
}
