/*
 * tokenize.c - split the normalized copy into words.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	/* what arabic_word8() takes without the table */
	for (uint32_t cp = 0x0620; cp <= 0x0669; cp++)
		if (!(t[cp] & C_WORD))
			abort();
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
 * Out of line: the words that settle() settles without it would pay for
 * its registers on every call. */
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

/* The flags that a token's text gives (TOK_HARD is the gap's, set by the
 * tokenizer): after the split, in a loop of its own over the tokens, so
 * that the split's loop keeps its state in registers. */
static void settle(const struct normtext *t, struct token *v, size_t n)
{
	const unsigned char *norm = (const unsigned char *)t->norm.data;
	const unsigned char *orig = (const unsigned char *)t->orig;
	const uint32_t *n_orig = t->n_orig, *cp_byte = t->cp_byte;
	for (size_t x = 0; x < n; x++) {
		struct token *k = &v[x];
		/* Arabic has no capitals: the normalized first letter tells
		 * all. */
		unsigned char b0 = norm[k->b];
		if (b0 >= 0xD8 && b0 <= 0xDB) {
			k->flags |= TOK_ARABIC;
			continue;
		}
		/* Nor has a word that starts with a lower-case ASCII letter
		 * in the original (most words of a Latin text): shape would
		 * say 0. Nor a capital ASCII letter followed by a lower-case
		 * one (most names, the first word of a sentence): shape
		 * would stop there, with TOK_CAP. That second byte is the
		 * token's: a one-byte capital folds to one code point, so
		 * the token's second code point comes from a later one. */
		const unsigned char *o = orig + cp_byte[n_orig[k->nb]];
		if ((unsigned)(o[0] - 'a') <= 'z' - 'a')
			continue;
		if ((unsigned)(o[0] - 'A') <= 'Z' - 'A' && k->ne - k->nb >= 2 &&
		    (unsigned)(o[1] - 'a') <= 'z' - 'a')
			k->flags |= TOK_CAP;
		else
			k->flags |= shape(t, k);
	}
}

/* ASCII word characters: 0-9 A-Z a-z */
static const uint8_t ascii_word[256] = {
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

#ifdef __SSE2__
/* How many of the eight two-byte code points at p, from the first, are
 * in U+0620..U+0669 (Arabic letters, harakat, Arabic-Indic digits: all
 * word characters; tokenize_init() checks that against the table). Read
 * as sixteen-bit lanes, bytes swapped to the code point's order for a
 * range test: D8 A0 to D9 A9. */
static inline unsigned arabic_word8(const unsigned char *p)
{
	const __m128i v = _mm_loadu_si128((const void *)p);
	return utf8_pairs_run(utf8_pairs_between(v, 0xD89F, 0xD9AA));
}
#endif

/* Where tokenize() is: the byte and code point it reads next, whether
 * it is inside a word (cur, begun), and whether the gap so far is hard. */
struct tokstate {
	size_t i;
	uint32_t nc;
	int in, hard;
	struct token cur;
	struct token *v; /* the tokens so far, n of them: room for all */
	size_t n;
};

/* Append k. k comes by value, so that tokenize()'s state stays in
 * registers; tokenize() made room for every token the text can hold. */
static inline void push(struct tokstate *s, struct token k)
{
	s->v[s->n++] = k;
}

/* The definition, one code point at a time, until s->i reaches end (or
 * passes it, by the rest of a word): the tail of the copy, and the text
 * that block16() leaves (Arabic, mostly). */
static inline void scalar_until(const struct normtext *t, struct tokstate *s,
    size_t end)
{
	const unsigned char *p = (const unsigned char *)t->norm.data;
	size_t n = t->norm.len, i = s->i;
	uint32_t nc = s->nc;
	int in = s->in, hard = s->hard;
	while (i < end) {
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
#ifdef __SSE2__
					/* Arabic letters eight at a time:
					 * most of a word */
					unsigned k;
					if ((b & 0xFE) == 0xD8 && i + 16 <= n &&
					    (k = arabic_word8(p + i)) != 0) {
						i += 2 * k;
						nc += k;
						/* A space, then another Arabic
						 * word: this one ends, the next
						 * begins, here. (A space is soft:
						 * the gap is not hard.) */
						if (k < 8 && p[i] == ' ' &&
						    (p[i + 1] & 0xFE) == 0xD8 &&
						    (ctype[((uint32_t)(p[i + 1] & 0x1F) << 6) |
							(p[i + 2] & 0x3F)] & C_WORD)) {
							s->cur.e = (uint32_t)i;
							s->cur.ne = nc;
							push(s, s->cur);
							hard = 0;
							s->cur.b = (uint32_t)i + 1;
							s->cur.nb = nc + 1;
							s->cur.flags = 0;
							i++;
							nc++;
						}
						continue;
					}
#endif
					uint32_t cp = ((uint32_t)(b & 0x1F) << 6) |
					    (p[i + 1] & 0x3F);
					if (!(ctype[cp] & C_WORD))
						break;
					i += 2;
				} else
					break;
				nc++;
			}
			if (i >= end)
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
			s->cur.b = (uint32_t)i;
			s->cur.nb = nc;
			s->cur.flags = hard ? TOK_HARD : 0;
			in = 1;
		} else if (!w && in) {
			s->cur.e = (uint32_t)i;
			s->cur.ne = nc;
			push(s, s->cur);
			in = 0;
			hard = 0;
		}
		if (!w && !soft_sep(cp))
			hard = 1;
		i += (size_t)len;
		nc++;
	}
	s->i = i;
	s->nc = nc;
	s->in = in;
	s->hard = hard;
}

#ifdef __SSE2__
/* In block16(): the word open ends at byte j of the block, where a gap
 * starts: hard bytes before j no longer count. */
static inline void block_end(struct tokstate *s, unsigned j, unsigned *hm)
{
	s->cur.e = (uint32_t)(s->i + j);
	s->cur.ne = s->nc + j;
	push(s, s->cur);
	s->in = 0;
	s->hard = 0;
	*hm &= ~0u << j;
}

/*
 * Sixteen bytes of ASCII at s->i at once (most of a French or English
 * copy, where accents are gone): masks of the bytes that are word
 * characters and of those that make a gap hard, then the tokens' ends
 * and starts read from the masks, bit by bit. Returns 1 if it took the
 * block, 0 if the block holds other bytes (left to scalar_until()). tests/test_tokenize.c checks it against the scalar
 * definition.
 */
static inline int block16(const struct normtext *t, struct tokstate *s)
{
	const unsigned char *p = (const unsigned char *)t->norm.data + s->i;
	const __m128i v = _mm_loadu_si128((const void *)p);
	if (_mm_movemask_epi8(v))
		return 0;
	/* word characters, 0-9 A-Z a-z */
	const __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
	const __m128i aw = _mm_or_si128(
	    _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
		_mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1))),
	    _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
		_mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1))));
	/* the separators a name may cross: space, tab, - and ' */
	const __m128i soft = _mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('\''))));
	unsigned wm = (unsigned)_mm_movemask_epi8(aw);
	unsigned hm = ~(unsigned)_mm_movemask_epi8(_mm_or_si128(aw, soft));
	/* a word ends at the first byte after it, starts at its first */
	unsigned before = (wm << 1) | (unsigned)s->in;
	unsigned events = (wm ^ before) & 0xFFFF;
	/* One byte, one code point: byte j is code point s->nc + j. The
	 * word left open by the text before ends first; then a start and
	 * its end, by pairs (the last start may end in a later block). */
	if (s->in && events) {
		unsigned j = (unsigned)__builtin_ctz(events);
		events &= events - 1;
		block_end(s, j, &hm);
	}
	while (events) {
		unsigned j = (unsigned)__builtin_ctz(events);
		events &= events - 1;
		s->hard |= (hm & ((1u << j) - 1)) != 0;
		s->cur.b = (uint32_t)(s->i + j);
		s->cur.nb = s->nc + j;
		s->cur.flags = s->hard ? TOK_HARD : 0;
		s->in = 1;
		if (!events)
			break;
		j = (unsigned)__builtin_ctz(events);
		events &= events - 1;
		block_end(s, j, &hm);
	}
	if (!s->in)
		s->hard |= (hm & 0xFFFF) != 0;
	s->i += 16;
	s->nc += 16;
	return 1;
}
#endif

int tokenize(const struct normtext *t, struct tokens *tk)
{
	tokenize_init();
	tk->n = 0;
	size_t n = t->norm.len;
	/* Room for every token the copy can hold (a byte each and a byte
	 * between two), once: then a token's append is one store, with
	 * no test. Pages of it that the text does not reach are never
	 * touched. */
	size_t most = n / 2 + 1;
	if (tk->cap < most) {
		size_t c = tk->cap ? tk->cap : 256;
		while (c < most)
			c *= 2;
		struct token *v = realloc(tk->v, c * sizeof *v);
		if (!v)
			return -1;
		tk->v = v;
		tk->cap = c;
	}
	struct tokstate s = {.v = tk->v};
	while (s.i < n) {
#ifdef __SSE2__
		if (s.i + 16 <= n && block16(t, &s))
			continue;
#endif
		/* text of other bytes (Arabic...), or the last ones: the
		 * definition, for a while, before a block is tried again */
		scalar_until(t, &s, s.i + 64 < n ? s.i + 64 : n);
	}
	if (s.in) {
		s.cur.e = (uint32_t)n;
		s.cur.ne = s.nc;
		push(&s, s.cur);
	}
	settle(t, s.v, s.n);
	tk->n = s.n;
	return 0;
}

void tokens_free(struct tokens *tk)
{
	free(tk->v);
	memset(tk, 0, sizeof *tk);
}

int tokens_title_case(const struct tokens *tk)
{
	if (!tk->n)
		return 0; /* and tk->v may be NULL */
	size_t words = 0, caps = 0;
	const struct token *end = tk->v + tk->n;
	for (const struct token *k = tk->v; k < end; k++) {
		if ((k->flags & (TOK_ARABIC | TOK_DIGIT)) || k->ne - k->nb < 4)
			continue;
		words++;
		if (k->flags & TOK_CAP)
			caps++;
		else if ((words - caps) * 10 > words + (size_t)(end - k - 1))
			/* even if every token left were a long word with
			 * a capital, more than one in ten have none: the
			 * answer is known, most of an ordinary text early */
			return 0;
	}
	return words >= 3 && caps * 10 >= words * 9;
}
