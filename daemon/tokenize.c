/*
 * tokenize.c - split the normalized copy into words.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tokenize.h"
#include "utf8.h"

/* Per BMP code point: bit 0 word character, bit 1 upper/title case,
 * bit 2 letter. Built once, read-only afterwards (shared after fork). */
static uint8_t *ctype;

enum { C_WORD = 1, C_UPPER = 2, C_LETTER = 4 };

void tokenize_init(void)
{
	if (ctype)
		return;
	uint8_t *t = calloc(0x10000, 1);
	if (!t)
		abort();
	for (uint32_t cp = 0; cp < 0x10000; cp++) {
		utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
		switch (c) {
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LT:
			t[cp] = C_WORD | C_UPPER | C_LETTER;
			break;
		case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
			t[cp] = C_WORD | C_LETTER;
			break;
		case UTF8PROC_CATEGORY_MN:
		case UTF8PROC_CATEGORY_MC:
		case UTF8PROC_CATEGORY_ME:
		case UTF8PROC_CATEGORY_ND:
		case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
			t[cp] = C_WORD;
			break;
		default:
			break;
		}
	}
	ctype = t;
}

static inline uint8_t ctype_of(uint32_t cp)
{
	if (cp < 0x10000)
		return ctype[cp];
	/* Outside the BMP: ask utf8proc (rare in news text). */
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO) ? C_WORD : 0;
}

int tokenize_is_word(uint32_t cp)
{
	tokenize_init();
	return ctype_of(cp) & C_WORD;
}

/* Separators that a multi-word name may cross: spaces, tabs, - and '. */
static inline int soft_sep(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '-' || cp == '\'';
}

/* Shape of the token in the original text: capitals are folded away in
 * the copy, so read them from the original code points it came from.
 * Out of line: the Arabic words that push() settles without it would pay
 * for its registers on every call. */
static __attribute__((noinline)) uint32_t shape(const struct normtext *t,
    const struct token *k)
{
	uint32_t o0 = t->n_orig[k->nb], o1 = t->n_orig[k->ne - 1] + 1;
	const unsigned char *p = (const unsigned char *)t->orig;
	size_t i = t->cp_byte[o0], end = t->cp_byte[o1];
	if (i >= end)
		return 0;
	int len;
	uint32_t cp = utf8_decode(p + i, &len);
	uint8_t c = ctype_of(cp);
	uint32_t flags = 0;
	if (c & C_UPPER)
		flags |= TOK_CAP;
	if (cp >= 0x0600 && cp <= 0x06FF)
		flags |= TOK_ARABIC;
	if (cp >= '0' && cp <= '9')
		flags |= TOK_DIGIT;
	/* What is left to tell is TOK_ALLCAPS: two letters or more, all
	 * upper case. The first letter that is not settles it. */
	unsigned letters = 0;
	for (;;) {
		if (c & C_LETTER) {
			if (!(c & C_UPPER))
				return flags;
			letters++;
		}
		i += (size_t)len;
		if (i >= end)
			break;
		if (p[i] < 0x80) {
			len = 1;
			c = ctype[p[i]];
		} else
			c = ctype_of(utf8_decode(p + i, &len));
	}
	if (letters >= 2)
		flags |= TOK_ALLCAPS;
	return flags;
}

static inline int push(const struct normtext *t, struct tokens *tk,
    struct token *k)
{
	if (tk->n == tk->cap) {
		size_t c = tk->cap ? tk->cap * 2 : 256;
		struct token *v = realloc(tk->v, c * sizeof *v);
		if (!v)
			return -1;
		tk->v = v;
		tk->cap = c;
	}
	/* Arabic has no capitals: the normalized first letter tells all.
	 * Nor has a word that starts with a lower-case ASCII letter in the
	 * original (most words of a Latin text): shape would say 0. */
	unsigned char b0 = (unsigned char)t->norm.data[k->b];
	if (b0 >= 0xD8 && b0 <= 0xDB)
		k->flags |= TOK_ARABIC;
	else {
		unsigned char o = (unsigned char)t->orig[t->cp_byte[t->n_orig[k->nb]]];
		if (o < 'a' || o > 'z')
			k->flags |= shape(t, k);
	}
	tk->v[tk->n++] = *k;
	return 0;
}

/* ASCII word characters: 0-9 A-Z a-z */
static const uint8_t ascii_word[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

int tokenize(const struct normtext *t, struct tokens *tk)
{
	tokenize_init();
	tk->n = 0;
	const unsigned char *p = (const unsigned char *)t->norm.data;
	size_t n = t->norm.len, i = 0;
	uint32_t nc = 0;
	int in = 0, hard = 0;
	struct token cur = {0};
	while (i < n) {
		if (in) {
			/* the rest of a word of one- and two-byte code points
			 * (Latin, Arabic): nothing to do but count them */
			while (i < n) {
				unsigned char b = p[i];
				if (b < 0x80) {
					if (!ascii_word[b])
						break;
					i++;
				} else if (b < 0xE0) {
					uint32_t cp = ((uint32_t)(b & 0x1F) << 6) |
					    (p[i + 1] & 0x3F);
					if (!(ctype[cp] & C_WORD))
						break;
					i += 2;
				} else
					break;
				nc++;
			}
			if (i == n)
				break;
		}
		int len;
		uint32_t cp;
		if (p[i] < 0x80) {
			len = 1;
			cp = p[i];
		} else if (p[i] < 0xE0) {
			len = 2;
			cp = ((uint32_t)(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
		} else
			cp = utf8_decode(p + i, &len);
		int w = p[i] < 0x80 ? ascii_word[cp] : (ctype_of(cp) & C_WORD);
		if (w && !in) {
			cur.b = (uint32_t)i;
			cur.nb = nc;
			cur.flags = hard ? TOK_HARD : 0;
			in = 1;
		} else if (!w && in) {
			cur.e = (uint32_t)i;
			cur.ne = nc;
			if (push(t, tk, &cur) < 0)
				return -1;
			in = 0;
			hard = 0;
		}
		if (!w && !soft_sep(cp))
			hard = 1;
		i += (size_t)len;
		nc++;
	}
	if (in) {
		cur.e = (uint32_t)n;
		cur.ne = nc;
		if (push(t, tk, &cur) < 0)
			return -1;
	}
	return 0;
}

void tokens_free(struct tokens *tk)
{
	free(tk->v);
	memset(tk, 0, sizeof *tk);
}

int tokens_title_case(const struct tokens *tk)
{
	size_t words = 0, caps = 0;
	for (size_t i = 0; i < tk->n; i++) {
		const struct token *k = &tk->v[i];
		if ((k->flags & (TOK_ARABIC | TOK_DIGIT)) || k->ne - k->nb < 4)
			continue;
		words++;
		caps += (k->flags & TOK_CAP) != 0;
	}
	return words >= 3 && caps * 10 >= words * 9;
}
