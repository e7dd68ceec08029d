/*
 * normalize.h - the working copy that matching runs on, and the map back.
 *
 * normalize() decodes a field once and builds:
 *   - per original code point: its UTF-8 byte offset, and the few code
 *     points outside the BMP, so that a span in code points yields all
 *     three offset kinds (code points, bytes, UTF-16 units);
 *   - the normalized copy (UTF-8) and, per normalized code point, the
 *     original code point it came from, so that a match found in the copy
 *     maps back to the text as received.
 *
 * What is folded: Arabic alef forms (أ إ آ ٱ) to ا, ى to ي, ة to ه,
 * harakat, the superscript alef and Quranic marks removed, tatweel removed,
 * Persian/Urdu letter forms to their Arabic letters, Arabic-Indic digits to
 * ASCII; Latin and other scripts: Unicode case folding and accents removed
 * (utf8proc), typographic quotes and apostrophes to ' and ", dashes to -,
 * no-break spaces to a space, zero-width and bidi controls removed.
 *
 * A normtext owns its arrays and reuses them from call to call; free with
 * normtext_free().
 */
#ifndef NERD_NORMALIZE_H
#define NERD_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct normtext {
	const char *orig;   /* borrowed: the field as received */
	size_t orig_len;
	uint32_t ncp;       /* original code points */
	uint32_t *cp_byte;  /* [ncp + 1] byte offset of each original cp */
	uint32_t *astral;   /* [nastral] the original cps outside the BMP
			     * (two UTF-16 units each), in order: see
			     * normtext_u16() */
	uint32_t nastral;
	struct buf norm;    /* the normalized copy */
	uint32_t nn;        /* normalized code points */
	uint32_t *n_byte;   /* [nn + 1] byte offset in norm of each cp */
	uint32_t *n_orig;   /* [nn + 1] original cp index of each cp */
	size_t cap_cp, cap_n, cap_astral;
};

/* Build the table of folds once; normalize() calls it if needed. */
void normalize_init(void);

/*
 * Normalize s[0..n), which must be valid UTF-8. t keeps a pointer to s.
 * Returns 0, or -1 if the text is larger than 4 GiB.
 */
int normalize(struct normtext *t, const char *s, size_t n);

/* Normalize a short string (a gazetteer surface, a class entry) into out. */
void normalize_string(const char *s, size_t n, struct buf *out);

/* Fold one code point; writes up to 3 code points to out, returns count. */
int normalize_cp(uint32_t cp, uint32_t out[3]);

/* The UTF-16 offset of original code point cp (0..ncp). Only entity
 * offsets need it, so normalize() does not write one per code point: it
 * is cp itself, plus one for each code point outside the BMP before it. */
uint32_t normtext_u16(const struct normtext *t, uint32_t cp);

/* Original code point index that holds byte offset b of the original. */
uint32_t normtext_cp_at_byte(const struct normtext *t, size_t b);
/* Normalized code point index that holds byte offset b of the copy. */
uint32_t normtext_ncp_at_byte(const struct normtext *t, size_t b);

/* The same two, looked for from `near` (an original code point for the
 * first, a normalized one for the second): a few steps when the answer is
 * close to it (a rule's hit, near where the rule ran), twice log n at
 * worst. */
uint32_t normtext_cp_near_byte(const struct normtext *t, size_t b,
    uint32_t near);
uint32_t normtext_ncp_near_byte(const struct normtext *t, size_t b,
    uint32_t near);

/*
 * The normalized copy of original code points [s, e), in t's copy: the
 * bytes that normalize() would give for that text on its own, since it
 * folds each code point by itself, whatever comes before or after. near:
 * a normalized code point at or near the one s became, to look from.
 */
const char *normtext_norm_span(const struct normtext *t, uint32_t s,
    uint32_t e, uint32_t near, size_t *len);

void normtext_free(struct normtext *t);

/* True for the Arabic letters of the basic block (after normalization). */
static inline int is_arabic_cp(uint32_t cp)
{
	return cp >= 0x0600 && cp <= 0x06FF;
}

#endif
