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

#endif
