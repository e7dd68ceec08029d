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
 * the copy, so read them from the original code points it came from. */
static uint32_t shape(const struct normtext *t, const struct token *k)
{
	/* Arabic has no capitals: the normalized first letter tells all */
	const unsigned char *np = (const unsigned char *)t->norm.data + k->b;
	if (np[0] == 0xD8 || np[0] == 0xD9 || np[0] == 0xDA || np[0] == 0xDB)
		return TOK_ARABIC;
	uint32_t o0 = t->n_orig[k->nb], o1 = t->n_orig[k->ne - 1] + 1;
	const unsigned char *p = (const unsigned char *)t->orig;
	size_t i = t->cp_byte[o0], end = t->cp_byte[o1];
	unsigned letters = 0, upper = 0;
	uint32_t flags = 0;
	int first = 1;
	while (i < end) {
		int len;
		uint32_t cp = utf8_decode(p + i, &len);
		uint8_t c = ctype_of(cp);
		if (first) {
			if (c & C_UPPER)
				flags |= TOK_CAP;
			if (cp >= 0x0600 && cp <= 0x06FF)
				flags |= TOK_ARABIC;
			if (cp >= '0' && cp <= '9')
				flags |= TOK_DIGIT;
			first = 0;
		}
		if (c & C_LETTER) {
			letters++;
			if (c & C_UPPER)
				upper++;
			else if (flags & TOK_ARABIC)
				return flags; /* no case in Arabic: done */
			else if (letters > 1 && !(flags & TOK_CAP))
				return flags;
		}
		i += (size_t)len;
	}
	if (letters >= 2 && upper == letters)
		flags |= TOK_ALLCAPS;
	return flags;
}

static int push(const struct normtext *t, struct tokens *tk, struct token *k)
{
	if (tk->n == tk->cap) {
		size_t c = tk->cap ? tk->cap * 2 : 256;
		struct token *v = realloc(tk->v, c * sizeof *v);
		if (!v)
			return -1;
		tk->v = v;
		tk->cap = c;
	}
	k->flags |= shape(t, k);
	tk->v[tk->n++] = *k;
	return 0;
}

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
		int w = p[i] < 0x80 ? ((cp | 32) - 'a' < 26 || cp - '0' < 10)
				    : (ctype_of(cp) & C_WORD);
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
