/*
 * propagate.c - family names and abbreviations, article-wide.
 */
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "propagate.h"
#include "resolve.h"
#include "utf8.h"

/* A word and its length in bytes, for tables of words that are compared
 * with many others (the length first). */
struct word {
	const char *s;
	size_t n;
};
#define WORD(lit) {lit, sizeof lit - 1}

/* Last words that are not family names: a propagated "الله" or "VI" would
 * tag every mention of God or every sixth thing. Compared normalized. */
static const struct word not_family[] = {
	WORD("الله"), WORD("الدين"), WORD("الرحمن"), WORD("الرحيم"),
	WORD("السادس"), WORD("الخامس"), WORD("الرابع"), WORD("الثالث"),
	WORD("الثاني"), WORD("الاول"), WORD("بن"), WORD("ابن"), WORD("jr"),
	WORD("sr"), WORD("ii"), WORD("iii"), WORD("iv"), WORD("vi"), WORD("de"),
	WORD("la"), WORD("le"), WORD("van"), WORD("von"), WORD("al"), WORD("el"),
	WORD("bin"), WORD("ben"), WORD("ibn"), WORD("abu"), WORD("abou"),
	{NULL, 0},
};

#define AR_LAM "\xd9\x84"
#define AR_AL "\xd8\xa7\xd9\x84"

static int is_proclitics(const char *p, size_t n)
{
	/* [وف]?[بلك]? as UTF-8: each letter two bytes */
	static const char *conj[] = {"\xd9\x88", "\xd9\x81"};
	static const char *prep[] = {"\xd8\xa8", "\xd9\x84", "\xd9\x83"};
	if (n == 0)
		return 1;
	size_t i = 0;
	if (n >= 2 && (!memcmp(p, conj[0], 2) || !memcmp(p, conj[1], 2)))
		i = 2;
	if (i == n)
		return 1;
	if (n - i == 2)
		for (int k = 0; k < 3; k++)
			if (!memcmp(p + i, prep[k], 2))
				return 1;
	return 0;
}

/* Does token text w (normalized) name `name`, perhaps behind Arabic
 * proclitics? Returns the number of code points to skip, or -1. */
static int names(const char *w, size_t wn, const char *name, size_t n,
    int arabic)
{
	if (wn == n && !memcmp(w, name, n))
		return 0;
	if (!arabic || wn <= n)
		return -1;
	if (!memcmp(w + wn - n, name, n) && is_proclitics(w, wn - n))
		return (int)(wn - n) / 2;
	/* لل + rest for ال + rest */
	if (n > 4 && !memcmp(name, AR_AL, 4) && wn >= n) {
		size_t rest = n - 4;
		if (wn >= rest + 4 && !memcmp(w + wn - rest, name + 4, rest) &&
		    !memcmp(w + wn - rest - 2, AR_LAM, 2) &&
		    !memcmp(w + wn - rest - 4, AR_LAM, 2) &&
		    is_proclitics(w, wn - rest - 4))
			return (int)(wn - rest - 2) / 2;
	}
	return -1;
}

/*
 * Is the last word of a found name really a word behind a conjunction or
 * a preposition (والشعب، بالقاهرة، وإخراج)? A rule that ran one word too
 * far took it; spreading it would tag the common word all over the
 * article. A family name may start with و (وقاص، وانغ، ويليامز), but
 * not with و before a hamza (وأ وإ: "and" before a word) or before the
 * article.
 */
static int behind_clitic(const struct normtext *t, const struct token *k)
{
	const char *w = t->norm.data + k->b;
	size_t n = k->e - k->b;
	if (!(k->flags & TOK_ARABIC) || n < 6)
		return 0;
	if (!memcmp(w, AR_LAM AR_LAM, 4))
		return 1;
	if (is_proclitics(w, 2) && !memcmp(w + 2, AR_AL, 4))
		return 1;
	if (memcmp(w, "\xd9\x88", 2)) /* و */
		return 0;
	int len;
	const unsigned char *o = (const unsigned char *)t->orig + t->cp_byte[t->n_orig[k->nb]];
	utf8_decode(o, &len);
	uint32_t second = utf8_decode(o + len, &len);
	return second == 0x0623 || second == 0x0625 || second == 0x0622; /* وأ وإ وآ */
}

static uint32_t orig_last_cp(const struct normtext *t, const struct token *k)
{
	int len;
	return utf8_decode((const unsigned char *)t->orig +
	    t->cp_byte[t->n_orig[k->ne - 1]], &len);
}

/* The name to look for: its last word, and the whole name it ends. */
struct name {
	const char *w;            /* the last word, normalized */
	size_t n;
	uint32_t last_cp;         /* its original last code point */
	const struct normtext *t; /* where the full name was found */
	const struct tokens *tk;
	uint32_t tok0, tok1;
	const char *lead;         /* a particle the word must follow, or NULL */
	size_t leadn;
	const struct strmap *alone; /* a given name: no listed given name may
	                             * stand next to the word (NULL: no test) */
};

/* Arabic particles of a patronymic, a kunya or a house (بن، ابن، بنت،
 * ولد، أبو، آل), normalized: in "الحسن بن علي" the last word is the
 * father's given name, not a family name, so the pair is what names the
 * person again ("بن لادن"), never the last word alone. Likewise the
 * European particles as Arabic writes them: "ماركو فان باستن" is named
 * again as "فان باستن". */
static const struct word particle[] = {
	WORD("\xd8\xa8\xd9\x86"),                   /* بن */
	WORD("\xd8\xa7\xd8\xa8\xd9\x86"),           /* ابن */
	WORD("\xd8\xa8\xd9\x86\xd8\xaa"),           /* بنت */
	WORD("\xd9\x88\xd9\x84\xd8\xaf"),           /* ولد */
	WORD("\xd8\xa7\xd8\xa8\xd9\x88"),           /* ابو */
	WORD("\xd8\xa7\xd8\xa8\xd9\x8a"),           /* ابي */
	WORD("\xd8\xa7\xd8\xa8\xd8\xa7"),           /* ابا */
	WORD("\xd8\xa7\xd9\x84"),                   /* ال (آل) */
	WORD("\xd9\x81\xd8\xa7\xd9\x86"),           /* فان (van) */
	WORD("\xd9\x81\xd9\x88\xd9\x86"),           /* فون (von) */
	WORD("\xd8\xaf\xd9\x8a"),                   /* دي (de, di) */
	WORD("\xd8\xaf\xd9\x88"),                   /* دو (du) */
	WORD("\xd8\xaf\xd8\xa7"),                   /* دا (da) */
	WORD("\xd8\xaf\xd9\x84"),                   /* دل (del) */
	WORD("\xd8\xaf\xd9\x8a\xd9\x84"),           /* ديل (del) */
	WORD("\xd8\xaf\xd9\x8a\xd9\x84\xd8\xa7"),   /* ديلا (della) */
	{NULL, 0},
};

/* A particle, perhaps behind proclitics (فأبو، لابن، وبنت). */
static int is_particle(const char *w, size_t n)
{
	/* proclitics are at most two letters, four bytes: most words are
	 * too long for any particle, and most others end in another byte */
	for (int k = 0; particle[k].s; k++) {
		size_t pn = particle[k].n;
		if (pn <= n && n - pn <= 4 &&
		    particle[k].s[pn - 1] == w[n - 1] &&
		    !memcmp(particle[k].s, w + n - pn, pn) &&
		    is_proclitics(w, n - pn))
			return 1;
	}
	return 0;
}

static int same_token(const struct normtext *a, const struct token *x,
    const struct normtext *b, const struct token *y)
{
	return x->e - x->b == y->e - y->b &&
	    !memcmp(a->norm.data + x->b, b->norm.data + y->b, x->e - x->b);
}

/*
 * Where token i of (t, tk) also ends the whole name, the start of the full
 * name there (original code points), else the start of token i alone.
 */
static uint32_t full_start(const struct normtext *t, const struct tokens *tk,
    size_t i, const struct name *nm, uint32_t alone)
{
	size_t len = nm->tok1 - nm->tok0;
	if (i + 1 < len)
		return alone;
	size_t first = i + 1 - len;
	for (size_t k = 1; k < len; k++) {
		const struct token *c = &tk->v[first + k - 1];
		const struct token *g = &nm->tk->v[nm->tok0 + k - 1];
		if (tk->v[first + k].flags & TOK_HARD)
			return alone;
		if (k > 1 && !same_token(t, c, nm->t, g))
			return alone;
		if (k == 1) { /* the first word may carry proclitics */
			const struct token *c0 = &tk->v[first];
			int skip = names(t->norm.data + c0->b, c0->e - c0->b,
			    nm->t->norm.data + g->b, g->e - g->b, c0->flags & TOK_ARABIC);
			if (skip < 0)
				return alone;
			alone = t->n_orig[c0->nb + (uint32_t)skip];
			continue;
		}
	}
	return alone;
}

/*
 * Which original code points of each field a (non-nested) mention holds,
 * one byte each. A propagated name may not overlap a mention; asking the
 * map costs the name's length, where scanning every mention for each
 * candidate word made an article with thousands of mentions cost minutes.
 */
struct taken {
	uint8_t *v[NFIELDS];
};

static int overlaps(const uint8_t *v, uint32_t s, uint32_t e)
{
	for (uint32_t c = s; c < e; c++)
		if (v[c])
			return 1;
	return 0;
}

static void take(struct taken *tm, const struct mention *x)
{
	if (!x->nested && tm->v[x->field])
		memset(tm->v[x->field] + x->start, 1, x->end - x->start);
}

/* The cheap part of try_token's test, inlined where the words are
 * visited: most words are not worth the call. */
static inline int worth_trying(const struct field_view f[NFIELDS], int fi,
    size_t i, const struct name *nm, uint32_t need)
{
	const struct token *k = &f[fi].tk->v[i];
	/* most words end differently: a one-byte look saves the
	 * comparison (every reading of a name ends as the name does) */
	return (k->flags & need) == need &&
	    f[fi].t->norm.data[k->e - 1] == nm->w[nm->n - 1] &&
	    k->e - k->b >= nm->n - 2;
}

/* Is word j a listed given name, as written (in Latin script, with its
 * capital: "said" is no Saïd)? */
static int is_given(const struct tokens *tk, const struct normtext *t,
    size_t j, const struct strmap *given)
{
	const struct token *k = &tk->v[j];
	if (!(k->flags & TOK_ARABIC) && !(k->flags & TOK_CAP))
		return 0;
	uint32_t v = strmap_get(given, t->norm.data + k->b, k->e - k->b);
	return v == GIVEN_ONLY || v == GIVEN_COMMON;
}

/* Is word i next to a listed given name, in the same phrase? "محمد" in
 * "علي محمد الحمادي" is a father's name inside a longer name, not the
 * محمد introduced before. */
static int next_to_given(const struct tokens *tk, const struct normtext *t,
    size_t i, const struct strmap *given)
{
	return (i > 0 && !(tk->v[i].flags & TOK_HARD) &&
		is_given(tk, t, i - 1, given)) ||
	    (i + 1 < tk->n && !(tk->v[i + 1].flags & TOK_HARD) &&
		is_given(tk, t, i + 1, given));
}

/* Tag token i of field fi if it names nm (and is free); the caller has
 * checked worth_trying(). */
static void try_token(struct mentions *m, const struct field_view f[NFIELDS],
    int fi, size_t i, const struct name *nm, const struct mention *from,
    struct taken *tm)
{
	const struct normtext *t = f[fi].t;
	const struct tokens *tk = f[fi].tk;
	const struct token *k = &tk->v[i];
	int skip = names(t->norm.data + k->b, k->e - k->b, nm->w, nm->n,
	    k->flags & TOK_ARABIC);
	if (skip < 0)
		return;
	uint32_t s = t->n_orig[k->nb + (uint32_t)skip];
	uint32_t e = t->n_orig[k->ne - 1] + 1;
	/* most words that name nm are the found mentions themselves: what
	 * follows only moves s back, so a taken word is never tagged */
	if (overlaps(tm->v[fi], s, e))
		return;
	/* ى and ي fold together, but علي (a name) is not على (on) */
	uint32_t lc = orig_last_cp(t, k);
	if ((lc == 0x0649 || nm->last_cp == 0x0649) && lc != nm->last_cp)
		return;
	if (nm->alone && next_to_given(tk, t, i, nm->alone))
		return;
	uint32_t tok0 = (uint32_t)i;
	if (nm->lead) {
		/* the particle, perhaps behind proclitics, then the word as
		 * written */
		if (i == 0 || skip || (k->flags & TOK_HARD))
			return;
		const struct token *p = &tk->v[i - 1];
		int pskip = names(t->norm.data + p->b, p->e - p->b, nm->lead,
		    nm->leadn, 1);
		if (pskip < 0)
			return;
		s = t->n_orig[p->nb + (uint32_t)pskip];
		tok0 = (uint32_t)i - 1;
	}
	if (nm->tk) {
		uint32_t fs = full_start(t, tk, i, nm, s);
		if (fs != s) {
			s = fs;
			tok0 = (uint32_t)(i + 1 - (nm->tok1 - nm->tok0));
		}
	}
	if (overlaps(tm->v[fi], s, e))
		return;
	struct mention *x = mentions_add(m);
	/* from may have moved: mentions_add can realloc */
	x->start = s;
	x->end = e;
	x->tok0 = tok0;
	x->tok1 = (uint32_t)i + 1;
	x->field = (uint8_t)fi;
	x->kind = SRC_PROPAGATION;
	x->keep = 1;
	x->type = from->type;
	x->prio = from->prio;
	x->who = from->who;
	x->source = from->source; /* replaced by the caller */
	x->source_n = from->source_n;
	take(tm, x);
}

/*
 * The words of an article by every form in which they could name
 * something: as written and, for Arabic, without one or two proclitic
 * letters or with لل read as ال. Built only for articles with many names
 * and many words, where trying every word for every name would be
 * quadratic (a megabyte of "President X Y said" with a thousand names);
 * a short article scans its words, which costs less than sorting them.
 */
struct word_form {
	uint64_t h;
	uint32_t field, tok;
};

struct word_index {
	struct word_form *v;
	size_t n, cap;
};

static void index_add(struct word_index *ix, const char *s, size_t n,
    int field, size_t tok)
{
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->v = realloc(ix->v, ix->cap * sizeof *ix->v);
		if (!ix->v)
			abort();
	}
	ix->v[ix->n++] = (struct word_form){hash_bytes(s, n), (uint32_t)field,
	    (uint32_t)tok};
}

static int by_form(const void *pa, const void *pb)
{
	const struct word_form *a = pa, *b = pb;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	if (a->field != b->field)
		return a->field < b->field ? -1 : 1;
	return a->tok < b->tok ? -1 : a->tok > b->tok;
}

static void index_build(struct word_index *ix, const struct field_view f[NFIELDS])
{
	for (int fi = 0; fi < NFIELDS; fi++) {
		if (!f[fi].t)
			continue;
		const struct normtext *t = f[fi].t;
		const struct tokens *tk = f[fi].tk;
		for (size_t i = 0; i < tk->n; i++) {
			const char *w = t->norm.data + tk->v[i].b;
			size_t wn = tk->v[i].e - tk->v[i].b;
			index_add(ix, w, wn, fi, i);
			if (!(tk->v[i].flags & TOK_ARABIC))
				continue;
			for (size_t p = 2; p <= 4 && p + 4 <= wn; p += 2)
				if (is_proclitics(w, p))
					index_add(ix, w + p, wn - p, fi, i);
			/* لل + rest, [وف]لل + rest: also as ال + rest */
			for (size_t p = 0; p <= 2; p += 2) {
				if (p + 4 < wn && is_proclitics(w, p) &&
				    !memcmp(w + p, AR_LAM AR_LAM, 4) && wn - p - 2 < 254) {
					char tmp[256];
					memcpy(tmp, AR_AL, 4);
					memcpy(tmp + 4, w + p + 4, wn - p - 4);
					index_add(ix, tmp, wn - p, fi, i);
				}
			}
		}
	}
	qsort(ix->v, ix->n, sizeof *ix->v, by_form);
}

/*
 * The words of an article bucketed by their last three bytes (normalized,
 * hashed into BY_LAST_BUCKETS), each bucket in field and word order: a
 * name can only be read in a word that ends as it does, so a short
 * article's scan for a name visits its bucket rather than every word.
 * Keyed by one byte, a bucket held a sixth of an English article ("n",
 * "s"); by three, few words besides the name's own. Each bucket is a list
 * threaded through next[], built in one pass over the words, once per
 * article. A word is numbered across the fields: the first field's words,
 * then the second's. A name shorter than three bytes (an abbreviation:
 * "UN") visits every word.
 *
 * Most words of a Latin text are neither capitalized nor Arabic: no bucket
 * holds them, for they name nothing looked for there. A Latin name wants a
 * capital (worth_trying), and an Arabic one (none wanted) reads only in
 * an Arabic word or in a word that is the name itself, which is Arabic
 * too when the name starts with an Arabic letter (tokenize.c tells by the
 * normalized first byte). A name that wants no capital and does not start
 * so (an Arabic word whose first letter normalizes out of the script, as
 * Arabic-Indic digits do) visits every word, as a short one does.
 */
#define NO_WORD UINT32_MAX
#define BY_LAST_BUCKETS 1024
_Static_assert(NFIELDS == 2, "by_last numbers the words of two fields");

struct by_last {
	uint32_t head[BY_LAST_BUCKETS]; /* the first word of each bucket */
	uint32_t *next;       /* [words] the next word of its bucket, or NO_WORD */
	uint32_t first_n;     /* words of the first field */
	uint32_t words;
};

#define BUCKETED (TOK_CAP | TOK_ALLCAPS | TOK_ARABIC)

static inline unsigned last3_hash(uint32_t x)
{
	return (x * 0x9e3779b1u) >> 22; /* 10 bits */
}

static inline unsigned last3(const char *end)
{
	/* one multiply of the three bytes as one number */
	const unsigned char *e = (const unsigned char *)end;
	return last3_hash((uint32_t)e[-3] | (uint32_t)e[-2] << 8 |
	    (uint32_t)e[-1] << 16);
}

/* last3(d + e), the three bytes read as one word with the byte before
 * them where there is one: this runs for every word of every article. */
static inline unsigned last3_at(const char *d, size_t e)
{
	if (e < 4)
		return last3(d + e);
	uint32_t x;
	memcpy(&x, d + e - 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap32(x);
#endif
	return last3_hash(x >> 8);
}
_Static_assert(BY_LAST_BUCKETS == 1 << 10, "last3 gives 10 bits");

/* A table of the scratch ready for an article: p (of *cap elements of sz
 * bytes), or a larger one if it holds fewer than n, what it held dropped.
 * The caller keeps what it returns in p's place. */
static void *scratch_room(void *p, size_t *cap, size_t n, size_t sz)
{
	if (*cap < n) {
		*cap = n * 2;
		free(p);
		if (!(p = malloc(*cap * sz)))
			abort();
	}
	return p;
}

static void by_last_build(struct by_last *bl, const struct field_view f[NFIELDS],
    size_t words, struct propagate_scratch *ps)
{
	memset(bl->head, 0xff, sizeof bl->head);
	ps->next = scratch_room(ps->next, &ps->next_cap, words, sizeof *ps->next);
	uint32_t *next = bl->next = ps->next;
	bl->first_n = f[0].t ? (uint32_t)f[0].tk->n : 0;
	bl->words = (uint32_t)words;
	/* from the last word back, each put at the head of its bucket: the
	 * buckets come out in field and word order with no tail to keep */
	uint32_t w = (uint32_t)words;
	for (int fi = NFIELDS - 1; fi >= 0; fi--) {
		if (!f[fi].t)
			continue;
		const struct token *v = f[fi].tk->v;
		const char *d = f[fi].t->norm.data;
		for (size_t i = f[fi].tk->n; i-- > 0;) {
			w--;
			if (!(v[i].flags & BUCKETED) || v[i].e - v[i].b < 3)
				continue; /* holds no name of three bytes */
			unsigned c = last3_at(d, v[i].e);
			next[w] = bl->head[c];
			bl->head[c] = w;
		}
	}
}

static void tag_all(struct mentions *m, const struct field_view f[NFIELDS],
    const struct name *nm, const struct mention *from, uint32_t need,
    struct taken *tm, const struct word_index *ix, const struct by_last *bl)
{
	if (ix && ix->n) {
		uint64_t h = hash_bytes(nm->w, nm->n);
		size_t lo = 0, hi = ix->n;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (ix->v[mid].h < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* in field and word order, as the scan below visits them;
		 * a word indexed under two forms is tried once */
		for (size_t k = lo; k < ix->n && ix->v[k].h == h; k++)
			if ((k == lo || ix->v[k].tok != ix->v[k - 1].tok ||
				ix->v[k].field != ix->v[k - 1].field) &&
			    worth_trying(f, (int)ix->v[k].field, ix->v[k].tok, nm, need))
				try_token(m, f, (int)ix->v[k].field, ix->v[k].tok, nm,
				    from, tm);
		return;
	}
	unsigned char b0 = (unsigned char)nm->w[0];
	if (nm->n < 3 || (!need && (b0 < 0xD8 || b0 > 0xDB))) {
		for (uint32_t k = 0; k < bl->words; k++) {
			int fi = k < bl->first_n ? 0 : 1;
			size_t i = fi ? k - bl->first_n : k;
			if (worth_trying(f, fi, i, nm, need))
				try_token(m, f, fi, i, nm, from, tm);
		}
		return;
	}
	for (uint32_t k = bl->head[last3(nm->w + nm->n)]; k != NO_WORD;
	    k = bl->next[k]) {
		int fi = k < bl->first_n ? 0 : 1;
		size_t i = fi ? k - bl->first_n : k;
		if (worth_trying(f, fi, i, nm, need))
			try_token(m, f, fi, i, nm, from, tm);
	}
}

/* Reading order: by field and start, the nested after the one it is in,
 * then input order (what a stable sort by the first three gave). */
static struct skey position_key(const struct mention *x, size_t i)
{
	return (struct skey){(uint64_t)x->field << 32 | x->start,
	    (uint64_t)x->nested << 32 | i};
}

/* Put m in reading order. m->v[0..n0), resolve's, is in it already; the
 * mentions added after them are sorted (by ps's keys) and merged in from
 * the back, so that the found ones before every added one stay put. */
static void sort_added(struct mentions *m, size_t n0,
    struct propagate_scratch *ps)
{
	size_t na = m->n - n0;
	struct skey_room *r = &ps->sort;
	skey_room_reserve(r, na);
	for (size_t k = 0; k < na; k++)
		r->keys[k] = position_key(&m->v[n0 + k], n0 + k);
	skey_sort(r->keys, r->tmp, na);
	for (size_t k = 0; k < na; k++)
		r->mtmp[k] = m->v[r->keys[k].lo & UINT32_MAX];
	size_t i = n0, j = na, k = m->n;
	while (j > 0) {
		if (i > 0) {
			struct skey found = position_key(&m->v[i - 1], i - 1);
			if (skey_less(&r->keys[j - 1], &found)) {
				m->v[--k] = m->v[--i];
				continue;
			}
		}
		m->v[--k] = r->mtmp[--j];
	}
}

/* A name that was looked for already, by its words (normalized), its
 * original last code point and its kind: looking again would find every
 * place taken. Open addressing over 64-bit hashes (0: empty). */
struct seen {
	uint64_t *v;
	size_t mask;
};

static int seen_before(struct seen *sn, const struct normtext *t,
    const struct token *v, size_t n, uint32_t last_cp, int kind)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)kind << 32 ^ last_cp;
	for (size_t i = 0; i < n; i++) {
		for (uint32_t b = v[i].b; b < v[i].e; b++)
			h = (h ^ (unsigned char)t->norm.data[b]) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL; /* between words */
	}
	h = h ? h : 1;
	for (size_t k = h & sn->mask;; k = (k + 1) & sn->mask) {
		if (sn->v[k] == h)
			return 1;
		if (!sn->v[k]) {
			sn->v[k] = h;
			return 0;
		}
	}
}

/* The scratch's zeroed map of a field of ncp code points. */
static uint8_t *taken_map(struct propagate_scratch *ps, int fi, uint32_t ncp)
{
	if (ps->taken_cap[fi] < (size_t)ncp + 1) {
		ps->taken_cap[fi] = ((size_t)ncp + 1) * 2;
		free(ps->taken[fi]);
		if (!(ps->taken[fi] = calloc(ps->taken_cap[fi], 1)))
			abort();
	}
	return ps->taken[fi];
}

/* scratch_room with its first n elements zeroed. */
static void *scratch_zeroed(void *p, size_t *cap, size_t n, size_t sz)
{
	p = scratch_room(p, cap, n, sz);
	memset(p, 0, n * sz);
	return p;
}

/*
 * The family name that person x ends with, to look for alone (nm): its last
 * word, unless that is no family name (a number, الله, VI, "عبد X" of one
 * given name, a word behind a proclitic), or after a particle the pair
 * (بن لادن) in nm->lead. 0: nothing to look for. stop: not_family[] as a
 * map.
 */
static int family_name(const struct mention *x, const struct field_view *fv,
    const struct strmap *words, const struct strmap *stop_words,
    struct name *nm)
{
	const struct normtext *t = fv->t;
	const struct tokens *tk = fv->tk;
	const struct token *last = &tk->v[x->tok1 - 1];
	const char *w = t->norm.data + last->b;
	size_t wn = last->e - last->b;
	if (last->ne - last->nb < 3 || (last->flags & TOK_DIGIT))
		return 0;
	int stop = strmap_get(stop_words, w, wn) != UINT32_MAX;
	/* "عبد X" is one given name, not given + family */
	if (x->tok1 == x->tok0 + 2 &&
	    !memcmp(t->norm.data + tk->v[x->tok0].b,
		"\xd8\xb9\xd8\xa8\xd8\xaf", 6) &&
	    tk->v[x->tok0].e - tk->v[x->tok0].b == 6)
		stop = 1;
	if (stop || behind_clitic(t, last) ||
	    (words && strmap_get(words, w, wn) == NATIONALITY))
		return 0;
	*nm = (struct name){w, wn, orig_last_cp(t, last), t, tk,
	    x->tok0, x->tok1, NULL, 0, NULL};
	const struct token *before_last =
	    x->tok1 >= x->tok0 + 2 ? &tk->v[x->tok1 - 2] : NULL;
	if (before_last && (last->flags & TOK_ARABIC) &&
	    is_particle(t->norm.data + before_last->b,
		before_last->e - before_last->b)) {
		if (x->tok1 == x->tok0 + 2)
			return 0; /* the pair alone: nothing shorter */
		nm->lead = t->norm.data + before_last->b;
		nm->leadn = before_last->e - before_last->b;
	}
	return 1;
}

/*
 * The family name of each found mention that is a person named in full, or
 * by one word that a rule found, in ps->fam (n 0: none): the adoptions
 * and the tagging both read it.
 */
static void family_build(const struct mentions *m,
    const struct field_view f[NFIELDS], size_t n0,
    const struct strmap *words, struct propagate_scratch *ps)
{
	if (!ps->not_family) {
		ps->not_family = strmap_new();
		for (int k = 0; not_family[k].s; k++)
			strmap_put(ps->not_family, not_family[k].s, not_family[k].n, 1);
	}
	ps->fam = scratch_room(ps->fam, &ps->fam_cap, n0, sizeof *ps->fam);
	for (size_t i = 0; i < n0; i++) {
		const struct mention *x = &m->v[i];
		ps->fam[i].n = 0;
		if (x->type == 0 /* PERSON */ && !x->nested && f[x->field].t &&
		    x->tok1 <= f[x->field].tk->n &&
		    (x->tok1 >= x->tok0 + 2 ||
			(x->tok1 == x->tok0 + 1 && x->kind == SRC_RULE)) &&
		    !family_name(x, &f[x->field], words, ps->not_family,
			&ps->fam[i]))
			ps->fam[i].n = 0;
	}
}

/*
 * A person that a rule found by one word ("وأضاف هشام أن", "Judge
 * Kavanaugh") and that a full name of the article also ends or starts with
 * is that person: it takes the full name's identity, as a propagated
 * mention would. lone: those one-word mentions (indices into m).
 */
struct lone {
	size_t *v, n;
};

static void lone_build(struct lone *l, const struct mentions *m, size_t n0)
{
	l->n = 0;
	l->v = NULL;
	for (size_t i = 0; i < n0; i++) {
		const struct mention *x = &m->v[i];
		if (x->type != 0 || x->kind != SRC_RULE || x->nested ||
		    x->tok1 != x->tok0 + 1)
			continue;
		if (!l->v && !(l->v = malloc(n0 * sizeof *l->v)))
			abort();
		l->v[l->n++] = i;
	}
}

static void adopt(struct mentions *m, const struct lone *l,
    const struct field_view f[NFIELDS], const struct name *nm,
    const struct mention *from)
{
	for (size_t q = 0; q < l->n; q++) {
		struct mention *x = &m->v[l->v[q]];
		const struct normtext *t = f[x->field].t;
		if (!t || x->tok0 >= f[x->field].tk->n)
			continue;
		const struct token *k = &f[x->field].tk->v[x->tok0];
		int skip = names(t->norm.data + k->b, k->e - k->b, nm->w, nm->n,
		    k->flags & TOK_ARABIC);
		if (skip < 0 || t->n_orig[k->nb + (uint32_t)skip] != x->start)
			continue;
		uint32_t lc = orig_last_cp(t, k);
		if ((lc == 0x0649 || nm->last_cp == 0x0649) && lc != nm->last_cp)
			continue;
		x->who = from->who;
	}
}

/*
 * Given names. A person introduced in full ("كوفي أنان", "Theresa May") may
 * be named again by the given name alone (ANNOTATION.md). Only a listed
 * given name that is not also a common word (the classes given-ar and
 * given-latin less given-amb-ar: not علي, which Egyptian papers write for
 * على, nor نصر, victory) is carried, and only when one person of the
 * article bears it: two men called محمد leave محمد alone.
 */
struct given_slot {
	uint64_t given, full; /* 0: empty slot; full 0: two persons */
};

struct given_map {
	const struct strmap *given;
	struct given_slot *v;
	size_t mask;
};

/* What given_of() gave for a found mention, and its slot of the map:
 * asked once per mention, read by the adoption, the map and the tagging. */
struct given_ref {
	const char *w;
	size_t n;     /* 0: none */
	size_t slot;
};

static uint64_t words_hash(const struct normtext *t, const struct token *v,
    size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		for (uint32_t b = v[i].b; b < v[i].e; b++)
			h = (h ^ (unsigned char)t->norm.data[b]) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL;
	}
	return h ? h : 1;
}

/* The given name that starts person x (its first word less the proclitics
 * before the mention's start), if it is a listed one: its bytes in *w. */
static size_t given_of(const struct mention *x, const struct field_view *fv,
    const struct strmap *given, const char **w)
{
	const struct tokens *tk = fv->tk;
	if (x->type != 0 /* PERSON */ || x->nested || x->tok1 > tk->n ||
	    x->tok1 < x->tok0 + 2)
		return 0;
	const struct normtext *t = fv->t;
	const struct token *g = &tk->v[x->tok0];
	const char *s = t->norm.data + g->b;
	size_t n = g->e - g->b;
	for (size_t p = 0; p <= 4 && p < n; p += 2) {
		if (p && (!(g->flags & TOK_ARABIC) || !is_proclitics(s, p)))
			break;
		if (t->n_orig[g->nb + p / 2] != x->start)
			continue;
		if (n - p < 4 || strmap_get(given, s + p, n - p) != GIVEN_ONLY)
			return 0;
		*w = s + p;
		return n - p;
	}
	return 0;
}

static struct given_slot *given_slot(struct given_map *gm, uint64_t h)
{
	size_t k = h & gm->mask;
	while (gm->v[k].given && gm->v[k].given != h)
		k = (k + 1) & gm->mask;
	return &gm->v[k];
}

/* Which listed given names one person of the article bears alone; each
 * found mention's given name in ps->gref. */
static void given_build(struct given_map *gm, const struct mentions *m,
    const struct field_view f[NFIELDS], size_t n0,
    struct propagate_scratch *ps)
{
	size_t slots = 16;
	while (slots < 2 * n0)
		slots *= 2;
	gm->v = ps->gslots = scratch_zeroed(ps->gslots, &ps->gslots_cap, slots,
	    sizeof *gm->v);
	gm->mask = slots - 1;
	ps->gref = scratch_room(ps->gref, &ps->gref_cap, n0, sizeof *ps->gref);
	for (size_t i = 0; i < n0; i++) {
		const struct mention *x = &m->v[i];
		struct given_ref *r = &ps->gref[i];
		r->n = 0;
		if (!f[x->field].t ||
		    !(r->n = given_of(x, &f[x->field], gm->given, &r->w)))
			continue;
		const struct tokens *tk = f[x->field].tk;
		uint64_t full = words_hash(f[x->field].t, &tk->v[x->tok0 + 1],
		    x->tok1 - x->tok0 - 1);
		uint64_t h = hash_bytes(r->w, r->n);
		struct given_slot *sl = given_slot(gm, h);
		r->slot = (size_t)(sl - gm->v);
		if (!sl->given)
			*sl = (struct given_slot){h, full};
		else if (sl->full != full)
			sl->full = 0;
	}
}

static void set_source(struct mention *x)
{
	x->source = "propagation";
	x->source_n = sizeof "propagation" - 1;
}

static void tag_given(struct mentions *m, const struct field_view f[NFIELDS],
    const struct mention *from, const struct given_ref *r,
    struct given_map *gm, struct seen *sn, struct taken *tm,
    const struct word_index *ix, const struct by_last *bl)
{
	if (!r->n || !gm->v[r->slot].full)
		return;
	const struct normtext *t = f[from->field].t;
	const struct token *g = &f[from->field].tk->v[from->tok0];
	struct name nm = {r->w, r->n, orig_last_cp(t, g), NULL, NULL, 0, 0, NULL,
	    0, gm->given};
	if (seen_before(sn, t, g, 1, nm.last_cp, 2))
		return;
	size_t before = m->n;
	tag_all(m, f, &nm, from, (g->flags & TOK_ARABIC) ? 0 : TOK_CAP, tm,
	    ix, bl);
	for (size_t k = before; k < m->n; k++)
		set_source(&m->v[k]);
}

void propagate(struct mentions *m, const struct field_view f[NFIELDS],
    struct propagate_scratch *ps, const struct strmap *given)
{
	size_t n0 = m->n;
	if (n0 == 0)
		return;
	struct taken tm = {{NULL}};
	for (int fi = 0; fi < NFIELDS; fi++)
		if (f[fi].t)
			tm.v[fi] = taken_map(ps, fi, f[fi].t->ncp);
	for (size_t i = 0; i < n0; i++)
		take(&tm, &m->v[i]);
	/* names times words: past this, index the words once */
	size_t words = 0;
	for (int fi = 0; fi < NFIELDS; fi++)
		if (f[fi].t)
			words += f[fi].tk->n;
	struct word_index ix = {0};
	struct by_last bl; /* its 4 KB of heads are set by by_last_build */
	bl.next = NULL;
	bl.first_n = bl.words = 0;
	if (n0 * words > 2000000)
		index_build(&ix, f);
	else
		by_last_build(&bl, f, words, ps);
	struct seen sn;
	size_t slots = 16;
	while (slots < 2 * n0)
		slots *= 2;
	sn.v = ps->seen = scratch_zeroed(ps->seen, &ps->seen_cap, slots,
	    sizeof *sn.v);
	sn.mask = slots - 1;
	/* one-word persons found by a rule: few, but a hostile article could
	 * make them and the names both many (each name visits each) */
	struct lone lone;
	lone_build(&lone, m, n0);
	if (lone.n * n0 > 4000000)
		lone.n = 0;
	struct given_map gm = {given, NULL, 0};
	if (given)
		given_build(&gm, m, f, n0, ps);
	family_build(m, f, n0, given, ps);
	/* identities first, so that what a one-word mention then carries
	 * is the full name's */
	for (size_t i = 0; i < n0 && lone.n; i++) {
		/* m does not move here: adopt() adds no mention */
		const struct mention *from = &m->v[i];
		if (from->type != 0 || from->nested || !f[from->field].t ||
		    from->tok1 > f[from->field].tk->n || from->tok1 < from->tok0 + 2)
			continue;
		if (ps->fam[i].n && !ps->fam[i].lead)
			adopt(m, &lone, f, &ps->fam[i], from);
		const struct given_ref *r = gm.mask ? &ps->gref[i] : NULL;
		if (r && r->n && gm.v[r->slot].full) {
			const struct token *g = &f[from->field].tk->v[from->tok0];
			struct name nm = {r->w, r->n,
			    orig_last_cp(f[from->field].t, g), NULL, NULL, 0, 0, NULL,
			    0, NULL};
			adopt(m, &lone, f, &nm, from);
		}
	}
	for (size_t i = 0; i < n0; i++) {
		/* tag_all() adds mentions, and m may move: a mention that names
		 * something to look for is copied before */
		const struct mention *x = &m->v[i];
		if (x->nested || !f[x->field].t)
			continue;
		struct mention from;
		const struct normtext *t = f[x->field].t;
		const struct tokens *tk = f[x->field].tk;
		/* a person named in full; or by one word after a title ("Judge
		 * Kavanaugh", القاضي كافانو), which a rule found: a surname */
		if (x->type == 0 /* PERSON */ && x->tok1 <= tk->n &&
		    (x->tok1 >= x->tok0 + 2 ||
			(x->tok1 == x->tok0 + 1 && x->kind == SRC_RULE))) {
			if (!ps->fam[i].n)
				continue;
			from = *x;
			struct name nm = ps->fam[i];
			if (seen_before(&sn, t, &tk->v[from.tok0],
			    from.tok1 - from.tok0, nm.last_cp, 0))
				continue;
			size_t before = m->n;
			tag_all(m, f, &nm, &from,
			    (tk->v[from.tok1 - 1].flags & TOK_ARABIC) ? 0 : TOK_CAP,
			    &tm, &ix, &bl);
			for (size_t k = before; k < m->n; k++)
				set_source(&m->v[k]);
		} else if ((x->type == 1 || x->type == 3) && x->tok1 < tk->n) {
			/* AGENCY or ORGANIZATION, then "(ABBR)" */
			from = *x;
			const struct token *a = &tk->v[from.tok1];
			const struct token *p = &tk->v[from.tok1 - 1];
			const char *gap = t->norm.data + p->e;
			size_t gn = a->b - p->e;
			if (!(a->flags & TOK_ALLCAPS) || !memchr(gap, '(', gn))
				continue;
			size_t after = a->e;
			while (after < t->norm.len && t->norm.data[after] == ' ')
				after++;
			if (after >= t->norm.len || t->norm.data[after] != ')')
				continue;
			struct name nm = {t->norm.data + a->b, a->e - a->b,
			    orig_last_cp(t, a), NULL, NULL, 0, 0, NULL, 0, NULL};
			if (seen_before(&sn, t, a, 1, nm.last_cp, 1))
				continue;
			size_t before = m->n;
			tag_all(m, f, &nm, &from, TOK_ALLCAPS, &tm, &ix, &bl);
			for (size_t k = before; k < m->n; k++)
				set_source(&m->v[k]);
		}
	}
	/* then given names, once every family name has taken its words */
	for (size_t i = 0; i < n0 && gm.mask; i++) {
		if (!f[m->v[i].field].t || !ps->gref[i].n)
			continue; /* no given name to look for */
		struct mention from = m->v[i];
		tag_given(m, f, &from, &ps->gref[i], &gm, &sn, &tm, &ix, &bl);
	}
	free(lone.v);
	free(ix.v);
	/* leave the maps zero for the next article: only what take() set */
	for (size_t i = 0; i < m->n; i++) {
		const struct mention *x = &m->v[i];
		if (!x->nested && tm.v[x->field])
			memset(tm.v[x->field] + x->start, 0, x->end - x->start);
	}
	if (m->n > n0)
		sort_added(m, n0, ps);
}

size_t propagate_scratch_size(const struct propagate_scratch *ps)
{
	size_t n = ps->next_cap * sizeof *ps->next + skey_room_size(&ps->sort) +
	    ps->seen_cap * sizeof *ps->seen +
	    ps->gslots_cap * sizeof *ps->gslots + ps->gref_cap * sizeof *ps->gref +
	    ps->fam_cap * sizeof *ps->fam;
	for (int fi = 0; fi < NFIELDS; fi++)
		n += ps->taken_cap[fi];
	return n;
}

void propagate_scratch_free(struct propagate_scratch *ps)
{
	for (int fi = 0; fi < NFIELDS; fi++)
		free(ps->taken[fi]);
	free(ps->next);
	free(ps->seen);
	free(ps->gslots);
	free(ps->gref);
	free(ps->fam);
	strmap_destroy(&ps->not_family);
	skey_room_free(&ps->sort);
	memset(ps, 0, sizeof *ps);
}
