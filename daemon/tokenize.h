/*
 * tokenize.h - words of the normalized copy.
 *
 * A token is a maximal run of letters, combining marks and digits (Unicode
 * general categories L, M, N); everything else separates tokens. This is
 * the word-boundary rule of UAX #29 for the scripts nerd serves, without its
 * special cases for apostrophes and periods: "l'ONU" is "l" "onu", "U.S." is
 * "u" "s", and gazetteer entries are tokenized the same way, so both sides
 * agree.
 *
 * Each token records its shape in the original text (capitals matter for
 * Latin names) and whether the gap before it is "hard" (a newline or
 * punctuation other than - and '), which a multi-word name may not cross.
 */
#ifndef NERD_TOKENIZE_H
#define NERD_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "normalize.h"

enum {
	TOK_CAP = 1,       /* first letter upper case in the original */
	TOK_ALLCAPS = 2,   /* two or more letters, all upper case */
	TOK_ARABIC = 4,    /* first code point is Arabic */
	TOK_HARD = 8,      /* the gap before it is hard (see above) */
	TOK_DIGIT = 16,    /* starts with a digit */
};

struct token {
	uint32_t b, e;   /* byte range in the normalized copy */
	uint32_t nb, ne; /* normalized code point range */
	uint32_t flags;
};

struct tokens {
	struct token *v;
	size_t n, cap;
};

void tokenize_init(void);

/* Tokenize t's normalized copy into tk (reused from call to call). */
int tokenize(const struct normtext *t, struct tokens *tk);

/*
 * Is the text written in title case, as many English headlines are ("Ex-
 * Minister Says He Will Resign")? Then a capital tells nothing of a name.
 * True when at least three Latin words of four letters or more are seen
 * and nine in ten of them start with a capital (short words such as "of"
 * and "the" stay lower case in title case, so they are not counted).
 */
int tokens_title_case(const struct tokens *tk);

/* True if cp is a word character (L, M, N). */
int tokenize_is_word(uint32_t cp);

void tokens_free(struct tokens *tk);

#endif
