/*
 * engine.c - the worker's pipeline for one article:
 *
 *   per field (title, text): normalize -> tokenize -> gazetteers (and the
 *   rules' prefilter) -> the rules that fired
 *   then: resolve overlaps -> propagate names -> write the annotation
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "compile.h"
#include "engine.h"
#include "gazetteer.h"
#include "hash.h"
#include "image.h"
#include "jsonw.h"
#include "langid.h"
#include "mention.h"
#include "normalize.h"
#include "propagate.h"
#include "resolve.h"
#include "rules.h"
#include "tokenize.h"
#include "utf8.h"

struct engine {
	struct image img;
	struct src_text *classes;
	size_t nclasses;
	struct rule_def *defs;
	size_t ndefs;
	struct ruleset *rules;
	struct strmap *words; /* given names, nationalities (propagate.h) */
	/* a rule mention's id up to its hash, "nerd:<type, lower case>:", by
	 * type (the last: any other) */
	char id_prefix[T_NTYPES + 1][48];
	uint8_t id_prefix_len[T_NTYPES + 1];
	/* an entity's JSON up to its start, by type (the last: any other)
	 * and field: {"type":"PERSON","field":"text","start": */
	char ent_head[T_NTYPES + 1][NFIELDS][64];
	uint8_t ent_head_n[T_NTYPES + 1][NFIELDS];
	/* each rule's mention source, "rule:<name>", by rule number */
	char **rule_source;
	uint32_t *rule_source_n;
};

struct field_state {
	struct normtext nt;
	struct tokens tk;
	/* Whether the field has a D9 byte, the lead byte of every tanween:
	 * a Latin text has none, and no mention of it need be searched. */
	int d9;
};

struct scratch {
	struct field_state f[NFIELDS];
	struct mentions m;
	struct fires fires;
	struct fires fires_by_rule; /* fires sorted by rule, then token */
	uint32_t *rule_count;       /* [2 ndefs + 1] for that sort */
	size_t rule_count_n;
	struct token_ids ids;
	struct rule_scratch *rs;
	const struct ruleset *rs_for;
	struct resolve_scratch res;
	struct propagate_scratch prop;
	/* what engine_analyze found, for engine_write */
	const char *lang;
	unsigned limits;
	uint64_t t0;
};

/* Put the one-word entries of class name into m, with value v; with fem
 * set, each also with ة (normalized ه) added, as the rules read them. */
static void class_into(const struct engine *e, const char *name,
    struct strmap *m, uint32_t v, int fem)
{
	char **w;
	int n = rule_class_words(e->classes, e->nclasses, name, &w);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(w[i]);
		if (!memchr(w[i], ' ', len)) {
			strmap_put(m, w[i], len, v);
			if (fem) {
				char f[256];
				if (len + 2 <= sizeof f) {
					memcpy(f, w[i], len);
					memcpy(f + len, "\xd9\x87", 2); /* ه */
					strmap_put(m, f, len + 2, v);
				}
			}
		}
		free(w[i]);
	}
	if (n >= 0)
		free(w);
}

static void ent_heads(struct engine *e)
{
	for (int ty = 0; ty <= T_NTYPES; ty++)
		for (int f = 0; f < NFIELDS; f++)
			e->ent_head_n[ty][f] = (uint8_t)snprintf(e->ent_head[ty][f],
			    sizeof e->ent_head[ty][f],
			    "{\"type\":\"%s\",\"field\":\"%s\",\"start\":",
			    ent_type_name(ty), f == FIELD_TITLE ? "title" : "text");
}

static void id_prefixes(struct engine *e)
{
	for (int ty = 0; ty <= T_NTYPES; ty++) {
		char *p = e->id_prefix[ty];
		size_t n = 5;
		memcpy(p, "nerd:", 5);
		for (const char *tn = ent_type_name(ty); *tn && n < 40; tn++)
			p[n++] = (char)(*tn | 32);
		p[n++] = ':';
		e->id_prefix_len[ty] = (uint8_t)n;
	}
}

/* "rule:<name>" for each rule, made once: its mentions borrow it. */
static void rule_sources(struct engine *e)
{
	e->rule_source = calloc(e->ndefs + 1, sizeof *e->rule_source);
	e->rule_source_n = calloc(e->ndefs + 1, sizeof *e->rule_source_n);
	if (!e->rule_source || !e->rule_source_n)
		abort();
	for (size_t i = 0; i < e->ndefs; i++) {
		/* at most 90 bytes of the name, as the source always had */
		size_t nl = strnlen(e->defs[i].name, 90);
		char *src = malloc(5 + nl + 1);
		if (!src)
			abort();
		memcpy(src, "rule:", 5);
		memcpy(src + 5, e->defs[i].name, nl);
		src[5 + nl] = '\0';
		e->rule_source[i] = src;
		e->rule_source_n[i] = (uint32_t)(5 + nl);
	}
}

static struct engine *engine_from_image(struct image *img, char *err,
    size_t errlen)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e)
		abort();
	e->img = *img;
	memset(img, 0, sizeof *img);
	normalize_init();
	tokenize_init();
	langid_init();
	id_prefixes(e);
	ent_heads(e);
	struct diag d = {0};
	e->classes = calloc(e->img.h->ntexts + 1, sizeof *e->classes);
	if (!e->classes)
		abort();
	for (uint32_t i = 0; i < e->img.h->ntexts; i++) {
		const struct image_text *t = &e->img.texts[i];
		if (t->kind != TEXT_CLASS)
			continue;
		e->classes[e->nclasses++] = (struct src_text){
		    image_str(&e->img, t->name), image_str(&e->img, t->data), t->len};
	}
	for (uint32_t i = 0; i < e->img.h->ntexts; i++) {
		const struct image_text *t = &e->img.texts[i];
		if (t->kind == TEXT_RULES)
			rules_parse(image_str(&e->img, t->name),
			    image_str(&e->img, t->data), t->len, &e->defs,
			    &e->ndefs, &d);
	}
	rule_sources(e);
	/* the words propagation reads: given names, and which may propagate
	 * (those that are no common word: strmap_put keeps a word's first
	 * value); nationality adjectives, never a family name alone */
	e->words = strmap_new();
	class_into(e, "given-amb-ar", e->words, GIVEN_COMMON, 0);
	class_into(e, "given-ar", e->words, GIVEN_ONLY, 0);
	class_into(e, "given-latin", e->words, GIVEN_ONLY, 0);
	class_into(e, "nationality-ar", e->words, NATIONALITY, 1);
	if (!d.errors)
		e->rules = ruleset_compile(e->defs, e->ndefs, e->classes,
		    e->nclasses, &d);
	if (d.errors) {
		snprintf(err, errlen, "%s", d.first);
		engine_close(&e);
		return NULL;
	}
	/* The prefilter's rule numbers index this rule set (a context word
	 * names ndefs + the rule): refuse an image whose trigger lists point
	 * past it. */
	for (uint32_t i = 1; i < e->img.h->ntriggers;) {
		uint32_t n = e->img.triggers[i];
		for (uint32_t k = 1; k <= n && i + k < e->img.h->ntriggers; k++)
			if (e->img.triggers[i + k] >= 2 * e->ndefs) {
				snprintf(err, errlen, "trigger list names rule %u of %zu",
				    e->img.triggers[i + k], e->ndefs);
				engine_close(&e);
				return NULL;
			}
		i += n + 1;
	}
	return e;
}

struct engine *engine_open(const char *path, char *err, size_t errlen)
{
	struct image img;
	if (image_load(&img, path, err, errlen) < 0)
		return NULL;
	return engine_from_image(&img, err, errlen);
}

struct engine *engine_build(const char *gaz_dir, const char *rules_dir,
    char *err, size_t errlen)
{
	struct diag d = {0};
	unsigned char *bytes;
	size_t len;
	if (compile_image(gaz_dir, rules_dir, 0, &d, &bytes, &len) < 0) {
		snprintf(err, errlen, "%s", d.first);
		return NULL;
	}
	struct image img;
	if (image_from_memory(&img, bytes, len, err, errlen) < 0)
		return NULL;
	return engine_from_image(&img, err, errlen);
}

void engine_close(struct engine **pe)
{
	struct engine *e = *pe;
	if (!e)
		return;
	ruleset_destroy(&e->rules);
	strmap_destroy(&e->words);
	for (size_t i = 0; e->rule_source && i < e->ndefs; i++)
		free(e->rule_source[i]);
	free(e->rule_source);
	free(e->rule_source_n);
	rule_defs_free(e->defs, e->ndefs);
	free(e->classes);
	image_close(&e->img);
	free(e);
	*pe = NULL;
}

const char *engine_ruleset(const struct engine *e)
{
	return e->img.h->ruleset;
}

size_t engine_rule_count(const struct engine *e)
{
	return e->ndefs;
}

const struct image *engine_image(const struct engine *e)
{
	return &e->img;
}

struct scratch *scratch_new(void)
{
	struct scratch *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	return s;
}

void scratch_destroy(struct scratch **ps)
{
	struct scratch *s = *ps;
	if (!s)
		return;
	for (int f = 0; f < NFIELDS; f++) {
		normtext_free(&s->f[f].nt);
		tokens_free(&s->f[f].tk);
	}
	free(s->m.v);
	free(s->fires.v);
	free(s->fires_by_rule.v);
	free(s->rule_count);
	token_ids_free(&s->ids);
	rule_scratch_destroy(&s->rs);
	resolve_scratch_free(&s->res);
	propagate_scratch_free(&s->prop);
	free(s);
	*ps = NULL;
}

/* What a scratch may keep between articles: enough for articles of a few
 * hundred KB without reallocating. */
#define SCRATCH_KEEP (8u << 20)

void scratch_trim(struct scratch *s)
{
	size_t held = s->m.cap * sizeof *s->m.v +
	    (s->fires.cap + s->fires_by_rule.cap) * sizeof *s->fires.v +
	    s->ids.cap * 16 + propagate_scratch_size(&s->prop);
	for (int f = 0; f < NFIELDS; f++)
		held += s->f[f].nt.cap_cp * 8 + s->f[f].nt.cap_n * 8 +
		    s->f[f].nt.norm.cap + s->f[f].tk.cap * sizeof *s->f[f].tk.v;
	if (held <= SCRATCH_KEEP)
		return;
	for (int f = 0; f < NFIELDS; f++) {
		normtext_free(&s->f[f].nt);
		tokens_free(&s->f[f].tk);
	}
	free(s->m.v);
	memset(&s->m, 0, sizeof s->m);
	free(s->fires.v);
	memset(&s->fires, 0, sizeof s->fires);
	free(s->fires_by_rule.v);
	memset(&s->fires_by_rule, 0, sizeof s->fires_by_rule);
	token_ids_free(&s->ids);
	resolve_scratch_free(&s->res);
	propagate_scratch_free(&s->prop);
}

static void prepare(const struct engine *e, struct scratch *s)
{
	if (s->rs_for != e->rules) {
		rule_scratch_destroy(&s->rs);
		s->rs = rule_scratch_new(e->rules);
		s->rs_for = e->rules;
	}
	s->m.n = 0;
}

/* First and one-past-last token inside original code points [s, e),
 * looked for from token near: a hit's tokens are a few steps from where
 * its rule ran. */
static void span_tokens(const struct normtext *t, const struct tokens *tk,
    uint32_t s, uint32_t e, size_t near, uint32_t *t0, uint32_t *t1)
{
	size_t i = near < tk->n ? near : tk->n;
	/* the first token ending after s */
	while (i > 0 && t->n_orig[tk->v[i - 1].ne - 1] + 1 > s)
		i--;
	while (i < tk->n && t->n_orig[tk->v[i].ne - 1] + 1 <= s)
		i++;
	*t0 = (uint32_t)i;
	while (i < tk->n && t->n_orig[tk->v[i].nb] < e)
		i++;
	*t1 = (uint32_t)i;
}

static uint32_t orig_cp(const struct normtext *t, uint32_t i)
{
	int len;
	return utf8_decode((const unsigned char *)t->orig + t->cp_byte[i], &len);
}

struct hit_ctx {
	const struct engine *e;
	struct scratch *s;
	int field;
	size_t tok;     /* the token the rule ran from, or the last hit's end */
	/* A rule with context words: where they are in the field (fires,
	 * in token order), and the subject the rule runs over */
	const struct fire *cx;
	size_t ncx;
	const char *subj;
	size_t n;
	int norm;
	size_t cx_end;  /* end of the last match kept: the next starts after */
};

#ifdef __SSE2__
/* Bit i: bytes i, i + 1 of the 17 at p are D9 and one of 8B..8D. */
static inline unsigned tanween_block(const unsigned char *p)
{
	__m128i a = _mm_loadu_si128((const void *)p);
	__m128i b = _mm_loadu_si128((const void *)(p + 1));
	__m128i lead = _mm_cmpeq_epi8(a, _mm_set1_epi8((char)0xD9));
	__m128i in = _mm_cmpeq_epi8(b, _mm_min_epu8(_mm_max_epu8(b,
	    _mm_set1_epi8((char)0x8B)), _mm_set1_epi8((char)0x8D)));
	return (unsigned)_mm_movemask_epi8(_mm_and_si128(lead, in));
}
#endif

/* Tanween (ً ٌ ٍ) marks an indefinite noun or an adverb (كثيرًا، أيضًا):
 * never the last word of a name. */
static int has_tanween(const struct normtext *t, uint32_t a, uint32_t b)
{
	/* U+064B..U+064D are D9 8B..D9 8D in UTF-8; D9 only ever leads a
	 * character, and a continuation byte is never D9, so any such pair
	 * of bytes is one. Sixteen places at a time, the last block
	 * overlapping the one before rather than reading past the span. */
	const unsigned char *p = (const unsigned char *)t->orig + t->cp_byte[a];
	size_t n = t->cp_byte[b] - t->cp_byte[a];
#ifdef __SSE2__
	if (n >= 17) {
		for (size_t i = 0; i + 17 < n; i += 16)
			if (tanween_block(p + i))
				return 1;
		return tanween_block(p + n - 17) != 0;
	}
#endif
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == 0xD9 && p[i + 1] >= 0x8B && p[i + 1] <= 0x8D)
			return 1;
	return 0;
}

/* A listed name read in a word with tanween (ميتًا "dead" is not ميتا,
 * Meta) is an indefinite noun or adjective that normalizes like the name:
 * drop the gazetteer mentions from `from` on whose text has tanween. */
static void drop_indefinite(struct mentions *m, size_t from,
    const struct field_state *fs)
{
	const struct normtext *t = &fs->nt;
	if (!fs->d9)
		return;
	size_t k = from;
	for (size_t i = from; i < m->n; i++)
		if (!has_tanween(t, m->v[i].start, m->v[i].end)) {
			if (k != i) /* most are kept where they are */
				m->v[k] = m->v[i];
			k++;
		}
	m->n = k;
}

/* A guess at the code point (of n, starting at bytes at[]) that holds
 * byte e, from code point a at byte b: the bytes between at a's width,
 * right within one script. */
static uint32_t guess_cp(const uint32_t *at, uint32_t n, uint32_t a,
    size_t b, size_t e)
{
	if (a >= n || e <= b)
		return a;
	size_t g = a + (e - b) / (at[a + 1] - at[a]);
	return g < n ? (uint32_t)g : n;
}

/*
 * A listed organization named by one common al- noun (القاعدة al-Qaeda,
 * "the base, the rule"; الجزيرة Al Jazeera, "the island") is that noun
 * when an al- adjective in ـية follows it and agrees with it: "القاعدة
 * السياسية" (the political basis), "القاعدة العسكرية" (the military
 * base). A nationality stays a description of the organization itself
 * ("النهضة التونسية"). Drop such gazetteer mentions from `from` on.
 */
static int al_word(const char *w, size_t n)
{
	return n > 4 && !memcmp(w, "\xd8\xa7\xd9\x84", 4); /* ال */
}

static void drop_common_noun(const struct engine *e, struct mentions *m,
    size_t from, const struct normtext *t, const struct tokens *tk)
{
	size_t k = from;
	for (size_t i = from; i < m->n; i++) {
		const struct mention *x = &m->v[i];
		int drop = 0;
		if (x->type == T_ORGANIZATION && x->tok1 == x->tok0 + 1 &&
		    x->tok1 < tk->n) {
			const struct token *a = &tk->v[x->tok0];
			const struct token *b = &tk->v[x->tok1];
			const char *w = t->norm.data + a->b + 2 * (x->start -
			    t->n_orig[a->nb]);
			size_t wn = (size_t)(t->norm.data + a->e - w);
			const char *adj = t->norm.data + b->b;
			size_t an = b->e - b->b;
			drop = (a->flags & TOK_ARABIC) && (b->flags & TOK_ARABIC) &&
			    !(b->flags & TOK_HARD) && al_word(w, wn) &&
			    al_word(adj, an) && an > 8 &&
			    !memcmp(adj + an - 4, "\xd9\x8a\xd9\x87", 4) && /* يه */
			    strmap_get(e->words, adj, an) != NATIONALITY;
		}
		if (!drop) {
			if (k != i)
				m->v[k] = *x;
			k++;
		}
	}
	m->n = k;
}

/*
 * A rule's match, bytes [b, e) of its view, as original code points
 * [*s0, *s1): mapped back, with what is not part of a name trimmed from
 * both ends (punctuation, spaces, and trailing words with tanween).
 * near: a normalized code point near b, to look b up from. d9: whether t
 * has a D9 byte (else no tanween). Returns 0 if nothing is left.
 */
static int rule_span(const struct normtext *t, int d9, const struct rule_def *r,
    size_t b, size_t e, uint32_t near, uint32_t *s0, uint32_t *s1)
{
	int view = r->view;
	uint32_t a, z;
	if (view == VIEW_NORMALIZED) {
		uint32_t nb = normtext_ncp_near_byte(t, b, near);
		uint32_t ne = normtext_ncp_near_byte(t, e,
		    guess_cp(t->n_byte, t->nn, nb, b, e));
		if (ne <= nb)
			return 0;
		a = t->n_orig[nb];
		z = t->n_orig[ne - 1] + 1;
	} else {
		a = normtext_cp_near_byte(t, b,
		    near < t->nn ? t->n_orig[near] : t->ncp);
		z = normtext_cp_near_byte(t, e,
		    guess_cp(t->cp_byte, t->ncp, a, b, e));
	}
	while (a < z && !tokenize_is_word(orig_cp(t, a)))
		a++;
	while (z > a && !tokenize_is_word(orig_cp(t, z - 1)))
		z--;
	/* trailing words with tanween: rare, so looked for in the whole
	 * span before the words are walked */
	if (d9 && has_tanween(t, a, z))
		for (;;) {
			uint32_t w = z; /* the last word: [w, z) */
			while (w > a && tokenize_is_word(orig_cp(t, w - 1)))
				w--;
			if (z <= a || !has_tanween(t, w, z))
				break;
			z = w;
			while (z > a && !tokenize_is_word(orig_cp(t, z - 1)))
				z--;
		}
	/* a leading descriptive word (`outside`) is not part of the name */
	if (r->noutside && z > a) {
		uint32_t w = a;
		while (w < z && tokenize_is_word(orig_cp(t, w)))
			w++;
		size_t wn;
		const char *word = normtext_norm_span(t, a, w, near, &wn);
		for (int i = 0; i < r->noutside; i++)
			if (strlen(r->outside[i]) == wn &&
			    !memcmp(word, r->outside[i], wn)) {
				while (w < z && !tokenize_is_word(orig_cp(t, w)))
					w++;
				a = w;
				break;
			}
	}
	*s0 = a;
	*s1 = z;
	return z > a;
}

/* Eight lower-case hex digits of v, the first in the first byte: its
 * nibbles spread one to a byte, then each made a digit, all at once. */
static uint64_t hex8(uint32_t v)
{
	uint64_t x = v;
	x = (x | x << 16) & 0x0000ffff0000ffffULL;
	x = (x | x << 8) & 0x00ff00ff00ff00ffULL;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fULL; /* byte i: nibble i */
	uint64_t letter = ((x + 0x0606060606060606ULL) >> 4) &
	    0x0101010101010101ULL;                /* byte i: nibble i > 9 */
	x += 0x3030303030303030ULL + letter * ('a' - '0' - 10);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* The low 48 bits of h as 12 lower-case hex digits at p. */
static void hex48(char *p, uint64_t h)
{
	uint64_t hi = hex8((uint32_t)(h >> 32) & 0xffff), lo = hex8((uint32_t)h);
	memcpy(p, (const char *)&hi + 4, 4);
	memcpy(p + 4, &lo, 8);
}

/* Bytes [b, e) of token w in a rule's view (normalized or original). */
static inline size_t tok_b(const struct normtext *t, const struct token *w,
    int norm)
{
	return norm ? w->b : t->cp_byte[t->n_orig[w->nb]];
}

static inline size_t tok_e(const struct normtext *t, const struct token *w,
    int norm)
{
	return norm ? w->e : t->cp_byte[t->n_orig[w->ne - 1] + 1];
}

/* The start of the character holding byte i of s[0..n), n past the end. */
static size_t char_start(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return n;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/*
 * The window of near bytes on each side of token w, [*lo, *hi) of the
 * subject, cut to whole characters: where a rule looks around its trigger
 * word, or, for a context rule, around a context word.
 */
static void tok_window(const struct normtext *t, const struct token *w,
    int norm, const char *subj, size_t n, size_t near, size_t *lo, size_t *hi)
{
	size_t b = tok_b(t, w, norm), e = tok_e(t, w, norm);
	*lo = char_start(subj, n, b > near ? b - near : 0);
	*hi = char_start(subj, n, e + near < n ? e + near : n);
}

/*
 * Does the match being reported lie within the window of one of the
 * rule's context words (c->cx)? The windows' ends grow with the token, and
 * so do their starts: the first window that reaches past the match's end
 * is the one to try, joined with those before it that it overlaps.
 */
static int in_context(const struct hit_ctx *c, const struct rule_def *r)
{
	const struct normtext *t = &c->s->f[c->field].nt;
	const struct tokens *tk = &c->s->f[c->field].tk;
	size_t mb, me, lo, hi, a = 0, z = c->ncx;
	rule_scratch_match(c->s->rs, &mb, &me);
	while (a < z) {
		size_t mid = a + (z - a) / 2;
		tok_window(t, &tk->v[c->cx[mid].tok], c->norm, c->subj, c->n,
		    (size_t)r->context_near, &lo, &hi);
		if (hi < me)
			a = mid + 1;
		else
			z = mid;
	}
	if (a == c->ncx)
		return 0;
	tok_window(t, &tk->v[c->cx[a].tok], c->norm, c->subj, c->n,
	    (size_t)r->context_near, &lo, &hi);
	/* Windows that overlap or touch are one, as a trigger's are when
	 * the engine scans them (run_rules): a match may span two. */
	while (lo > mb && a > 0) {
		size_t plo, phi;
		tok_window(t, &tk->v[c->cx[--a].tok], c->norm, c->subj, c->n,
		    (size_t)r->context_near, &plo, &phi);
		if (phi < lo)
			break;
		lo = plo;
	}
	return lo <= mb;
}

/* A rule matched bytes [b, e) of its view: map to the original, trim
 * what is not part of a name, and record the mention. */
static void on_hit(void *vctx, size_t rule, size_t b, size_t e)
{
	struct hit_ctx *c = vctx;
	const struct rule_def *r = ruleset_def(c->e->rules, rule);
	struct field_state *fs = &c->s->f[c->field];
	const struct normtext *t = &fs->nt;
	const struct tokens *tk = &fs->tk;
	if (r->context) {
		if (!in_context(c, r))
			return;
		size_t mb;
		rule_scratch_match(c->s->rs, &mb, &c->cx_end);
	}
	uint32_t near = c->tok < tk->n ? tk->v[c->tok].nb : t->nn;
	uint32_t s0, s1;
	if (!rule_span(t, fs->d9, r, b, e, near, &s0, &s1))
		return;
	struct mention *x = mentions_add(&c->s->m);
	x->start = s0;
	x->end = s1;
	span_tokens(t, tk, s0, s1, c->tok, &x->tok0, &x->tok1);
	c->tok = x->tok1; /* the next hit of a window comes after this one */
	x->type = (uint8_t)r->type;
	x->prio = (uint8_t)r->prio;
	x->kind = SRC_RULE;
	x->field = (uint8_t)c->field;
	/* the id, "nerd:<type, lower case>:<48 bits of the normalized text's
	 * hash>": hashed if resolve keeps the mention (hash_rule_ids), and
	 * written with the output (write_id) */
	x->who.span.end = s1;
	x->who.span.near = x->tok0 < tk->n ? tk->v[x->tok0].nb : near;
	x->who.form = ID_SPAN;
	x->who.canonical = t->orig + t->cp_byte[s0];
	x->who.canonical_n = t->cp_byte[s1] - t->cp_byte[s0];
	x->source = c->e->rule_source[rule];
	x->source_n = c->e->rule_source_n[rule];
}

/* The ids of the rule mentions that resolve kept: fewer than half the
 * matches, most losing to a longer or a listed mention. Before
 * propagation, which copies them. */
static void hash_rule_ids(struct scratch *s)
{
	for (size_t i = 0; i < s->m.n; i++) {
		struct mention *x = &s->m.v[i];
		if (x->who.form != ID_SPAN)
			continue;
		size_t n;
		const char *norm = normtext_norm_span(&s->f[x->field].nt, x->start,
		    x->who.span.end, x->who.span.near, &n);
		x->who.hash = hash_bytes(norm, n);
		x->who.form = ID_HASH;
	}
}

/* "U.S.", "U.N.", "E.A.U.": a name written as letter-period pairs keeps
 * its last period, which the word-boundary spans leave out. */
static void keep_abbreviation_period(struct scratch *s)
{
	for (size_t i = 0; i < s->m.n; i++) {
		struct mention *x = &s->m.v[i];
		const struct normtext *t = &s->f[x->field].nt;
		if (x->end < t->ncp && x->end >= x->start + 3 &&
		    orig_cp(t, x->end) == '.' && orig_cp(t, x->end - 2) == '.' &&
		    tokenize_is_word(orig_cp(t, x->end - 1)))
			x->end++;
	}
}

/*
 * The fires by rule, then token: gazetteer_match records them in token
 * order, so a stable counting sort by rule is that order, in time linear
 * in the fires (a qsort was 2% of the engine).
 */
static const struct fires *fires_by_rule(struct scratch *s, size_t nrules)
{
	const struct fires *in = &s->fires;
	struct fires *out = &s->fires_by_rule;
	if (out->cap < in->n) {
		out->cap = in->n;
		if (!(out->v = realloc(out->v, out->cap * sizeof *out->v)))
			abort();
	}
	if (s->rule_count_n < nrules + 1) {
		s->rule_count_n = nrules + 1;
		if (!(s->rule_count = realloc(s->rule_count,
		    s->rule_count_n * sizeof *s->rule_count)))
			abort();
	}
	uint32_t *c = s->rule_count;
	memset(c, 0, (nrules + 1) * sizeof *c);
	for (size_t i = 0; i < in->n; i++)
		c[in->v[i].rule + 1]++;
	for (size_t r = 0; r < nrules; r++)
		c[r + 1] += c[r];
	for (size_t i = 0; i < in->n; i++)
		out->v[c[in->v[i].rule]++] = in->v[i];
	out->n = in->n;
	return out;
}

/*
 * Run each rule that fired, over windows around its trigger words rather
 * than the whole text: a rule whose triggers are rare costs next to
 * nothing, and the cost of a rule set grows with what fires, not with how
 * many rules there are. Overlapping windows are merged, so no text is
 * scanned twice by one rule. A rule with context words runs only where
 * one is in the field, and keeps the matches that lie in the window of
 * one (on_hit): its trigger can be the rare word, the frequent cue the
 * context, and a few anchored attempts replace a scan around every cue.
 */
static int run_rules(const struct engine *e, struct scratch *s, int field,
    const char *lang, unsigned *limits)
{
	struct hit_ctx c = {.e = e, .s = s, .field = field};
	const struct normtext *t = &s->f[field].nt;
	const struct tokens *tk = &s->f[field].tk;
	/* rule r's trigger words fired as r, its context words as ndefs + r
	 * (compile.c): sorted, the context fires come after all the others,
	 * and rule_count ends each rule's run of them */
	const struct fires *f = fires_by_rule(s, 2 * e->ndefs);
	const uint32_t *ends = s->rule_count;
	/* In a title-case headline every word has its capital: the rules
	 * that read capitals (view original) would take "John Smith Says"
	 * for a name. The field keeps its listed names, and propagation
	 * brings the names the text introduces. */
	int title_case = tokens_title_case(tk);
	for (size_t i = 0; i < f->n && f->v[i].rule < e->ndefs;) {
		size_t r = f->v[i].rule, j = i;
		while (j < f->n && f->v[j].rule == r)
			j++;
		const struct rule_def *d = ruleset_def(e->rules, r);
		if ((strcmp(d->lang, "*") && strcmp(d->lang, lang)) ||
		    (title_case && d->view == VIEW_ORIGINAL)) {
			i = j;
			continue;
		}
		int norm = d->view == VIEW_NORMALIZED;
		const char *subj = norm ? t->norm.data : t->orig;
		size_t n = norm ? t->norm.len : t->orig_len;
		int hit_limit = 0;
		c.cx_end = 0;
		if (d->context) {
			size_t k = e->ndefs + r;
			c.cx = f->v + ends[k - 1];
			c.ncx = ends[k] - ends[k - 1];
			c.subj = subj;
			c.n = n;
			c.norm = norm;
			if (!c.ncx) { /* no context word in the field */
				i = j;
				continue;
			}
		}
		if (d->anchor) {
			/* anchored attempts: where each trigger word starts, or
			 * at the few tokens before it; each token at most once */
			size_t next = 0;
			uint32_t start = (d->start & START_CAPITAL ? TOK_CAP | TOK_ALLCAPS : 0) |
			    (d->start & START_DIGIT ? TOK_DIGIT : 0);
			for (size_t k = i; k < j; k++) {
				size_t tok = f->v[k].tok;
				size_t first = tok;
				if (d->anchor == ANCHOR_BEFORE)
					first = tok > (size_t)d->before ? tok - (size_t)d->before : 0;
				if (first < next)
					first = next;
				for (size_t q = first; q <= tok; q++) {
					const struct token *w = &tk->v[q];
					if (start && !(w->flags & start))
						continue; /* the rule cannot start here */
					size_t b = tok_b(t, w, norm);
					if (b < c.cx_end)
						continue; /* inside a match: as a scan does */
					c.tok = q;
					if (ruleset_run_at(e->rules, s->rs, r, subj, b, n, on_hit, &c) < 0)
						hit_limit = 1;
				}
				next = tok + 1;
			}
			*limits += (unsigned)hit_limit;
			i = j;
			continue;
		}
		for (size_t k = i; k < j;) {
			/* window of this trigger, grown by every trigger that
			 * falls inside it */
			size_t lo = 0, hi = 0;
			c.tok = f->v[k].tok;
			for (; k < j; k++) {
				size_t wlo, whi;
				tok_window(t, &tk->v[f->v[k].tok], norm, subj, n,
				    (size_t)d->near, &wlo, &whi);
				if (hi && wlo > hi)
					break;
				if (!hi)
					lo = wlo;
				hi = whi;
			}
			if (ruleset_run(e->rules, s->rs, r, subj, lo, hi, on_hit, &c) < 0)
				hit_limit = 1;
		}
		*limits += (unsigned)hit_limit;
		i = j;
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A rule mention's id as a JSON string: its type's prefix, then 48 bits
 * of its hash as 12 hex digits, all plain ASCII. */
static void write_id(struct buf *o, const struct engine *e,
    const struct mention *x)
{
	int ty = x->type < T_NTYPES ? x->type : T_NTYPES;
	size_t n = e->id_prefix_len[ty];
	buf_reserve(o, n + 14);
	char *p = o->data + o->len;
	p[0] = '"';
	memcpy(p + 1, e->id_prefix[ty], n);
	hex48(p + 1 + n, x->who.hash);
	p[n + 13] = '"';
	o->len += n + 14;
}

/* The n bytes written at offset at of o, again: a value equal to one
 * written before costs a copy, not its formatting. */
static void again(struct buf *o, size_t at, size_t n)
{
	buf_reserve(o, n);
	memcpy(o->data + o->len, o->data + at, n);
	o->len += n;
}

static void write_entity(struct buf *o, const struct engine *e,
    const struct scratch *s, const struct mention *x)
{
	const struct normtext *t = &s->f[x->field].nt;
	int ty = x->type < T_NTYPES ? x->type : T_NTYPES;
	int f = x->field == FIELD_TITLE ? FIELD_TITLE : FIELD_TEXT;
	buf_add(o, e->ent_head[ty][f], e->ent_head_n[ty][f]);
	size_t start_at = o->len;
	jsonw_u64(o, x->start);
	size_t start_n = o->len - start_at;
	JSONW_NEXT_KEY(o, "end");
	size_t end_at = o->len;
	jsonw_u64(o, x->end);
	size_t end_n = o->len - end_at;
	JSONW_NEXT_KEY(o, "byte_start");
	jsonw_u64(o, t->cp_byte[x->start]);
	JSONW_NEXT_KEY(o, "byte_end");
	jsonw_u64(o, t->cp_byte[x->end]);
	/* without code points beyond the BMP (most texts) the UTF-16
	 * offsets are the code point ones */
	JSONW_NEXT_KEY(o, "utf16_start");
	if (t->nastral)
		jsonw_u64(o, normtext_u16(t, x->start));
	else
		again(o, start_at, start_n);
	JSONW_NEXT_KEY(o, "utf16_end");
	if (t->nastral)
		jsonw_u64(o, normtext_u16(t, x->end));
	else
		again(o, end_at, end_n);
	JSONW_NEXT_KEY(o, "text");
	const char *text = t->orig + t->cp_byte[x->start];
	size_t text_n = t->cp_byte[x->end] - t->cp_byte[x->start];
	size_t text_at = o->len;
	jsonw_str(o, text, text_n);
	size_t text_json_n = o->len - text_at;
	JSONW_NEXT_KEY(o, "entity_id");
	if (x->who.form == ID_HASH)
		write_id(o, e, x);
	else
		jsonw_str(o, x->who.id, x->who.id_n);
	JSONW_NEXT_KEY(o, "canonical");
	/* a rule mention's canonical name is its text */
	if (x->who.canonical == text && x->who.canonical_n == text_n)
		again(o, text_at, text_json_n);
	else
		jsonw_str(o, x->who.canonical, x->who.canonical_n);
	JSONW_NEXT_KEY(o, "source");
	jsonw_str(o, x->source, x->source_n);
	if (x->nested)
		BUF_ADD_LIT(o, ",\"nested\":true}");
	else
		BUF_ADD_LIT(o, ",\"nested\":false}");
}

int engine_analyze(const struct engine *e, struct scratch *s,
    const struct article *a, const struct annotate_opts *o, char *err,
    size_t errlen)
{
	s->t0 = now_us();
	unsigned limits = 0;
	prepare(e, s);
	const char *field_text[NFIELDS] = {a->title, a->text};
	size_t field_len[NFIELDS] = {a->title_len, a->text_len};
	uint32_t ncp[NFIELDS] = {0, 0};
	struct field_view views[NFIELDS] = {{0}};
	const char *lang = a->lang[0] ? a->lang : NULL;

	/* The text first: language detection reads it. */
	for (int k = 0; k < NFIELDS; k++) {
		int f = k == 0 ? FIELD_TEXT : FIELD_TITLE;
		if (!field_text[f])
			continue;
		struct field_state *fs = &s->f[f];
		if (normalize(&fs->nt, field_text[f], field_len[f]) < 0 ||
		    tokenize(&fs->nt, &fs->tk) < 0) {
			snprintf(err, errlen, "%s too large to process",
			    f == FIELD_TEXT ? "text" : "title");
			return -1;
		}
		if (!lang)
			lang = langid(&fs->nt, &fs->tk);
		ncp[f] = fs->nt.ncp;
		views[f] = (struct field_view){&fs->nt, &fs->tk};
		s->fires.n = 0;
		size_t from = s->m.n;
		gazetteer_match(&e->img, &fs->nt, &fs->tk, f, &s->m, &s->fires,
		    &s->ids);
		fs->d9 = memchr(fs->nt.orig, 0xD9, fs->nt.orig_len) != NULL;
		drop_indefinite(&s->m, from, fs);
		drop_common_noun(e, &s->m, from, &fs->nt, &fs->tk);
		run_rules(e, s, f, lang, &limits);
	}
	keep_abbreviation_period(s);
	resolve(&s->m, ncp, o->nested, &s->res);
	hash_rule_ids(s);
	propagate(&s->m, views, &s->prop, e->words);
	s->lang = lang;
	s->limits = limits;
	return 0;
}

void engine_write(const struct engine *e, const struct scratch *s,
    const struct article *a, const struct annotate_opts *o, struct buf *out,
    struct annotate_stats *st)
{
	const char *lang = s->lang;
	unsigned limits = s->limits;
	buf_adds(out, "{\"schema\":\"nerd.annotation/1\",");
	JSONW_KEY(out, "seq");
	jsonw_u64(out, o->seq);
	buf_addc(out, ',');
	JSONW_KEY(out, "id");
	jsonw_cstr(out, a->id);
	buf_addc(out, ',');
	JSONW_KEY(out, "lang");
	jsonw_cstr(out, lang);
	if (a->meta_json) {
		buf_addc(out, ',');
		JSONW_KEY(out, "meta");
		buf_adds(out, a->meta_json);
	}
	buf_adds(out, ",\"entities\":[");
	for (size_t i = 0; i < s->m.n; i++) {
		if (i)
			buf_addc(out, ',');
		write_entity(out, e, s, &s->m.v[i]);
	}
	buf_adds(out, "],\"stats\":{");
	uint64_t elapsed = now_us() - s->t0;
	if (o->timing) {
		JSONW_KEY(out, "elapsed_us");
		jsonw_u64(out, elapsed);
		buf_addc(out, ',');
	}
	JSONW_KEY(out, "worker");
	jsonw_u64(out, (uint64_t)o->worker);
	buf_addc(out, ',');
	JSONW_KEY(out, "ruleset");
	jsonw_cstr(out, engine_ruleset(e));
	if (limits) {
		buf_addc(out, ',');
		JSONW_KEY(out, "rule_limits");
		jsonw_u64(out, limits);
	}
	buf_adds(out, "}}");
	if (st) {
		st->entities = (unsigned)s->m.n;
		st->rule_limits = limits;
		st->elapsed_us = elapsed;
	}
}

int engine_annotate(const struct engine *e, struct scratch *s,
    const struct article *a, const struct annotate_opts *o, struct buf *out,
    struct annotate_stats *st, char *err, size_t errlen)
{
	if (engine_analyze(e, s, a, o, err, errlen) < 0)
		return -1;
	engine_write(e, s, a, o, out, st);
	return 0;
}

struct example_ctx {
	const struct normtext *t;
	const struct rule_def *r;
	char found[8][256];
	int n;
};

static void on_example_hit(void *vctx, size_t rule, size_t b, size_t e)
{
	(void)rule;
	struct example_ctx *c = vctx;
	const struct normtext *t = c->t;
	uint32_t s0, s1;
	if (!rule_span(t, 1, c->r, b, e, 0, &s0, &s1) || c->n >= 8)
		return;
	snprintf(c->found[c->n++], sizeof c->found[0], "%.*s",
	    (int)(t->cp_byte[s1] - t->cp_byte[s0]), t->orig + t->cp_byte[s0]);
}

int engine_check_examples(const struct engine *e, struct diag *d)
{
	struct rule_scratch *rs = rule_scratch_new(e->rules);
	struct normtext t = {0};
	int run = 0;
	for (size_t r = 0; r < e->ndefs; r++) {
		const struct rule_def *def = &e->defs[r];
		for (int k = 0; k < def->nex; k++) {
			const struct rule_example *ex = &def->ex[k];
			normalize(&t, ex->text, strlen(ex->text));
			struct example_ctx c = {.t = &t, .r = def};
			const char *subj = def->view == VIEW_NORMALIZED ? t.norm.data : t.orig;
			size_t n = def->view == VIEW_NORMALIZED ? t.norm.len : t.orig_len;
			int rc = ruleset_run(e->rules, rs, r, subj, 0, n, on_example_hit, &c);
			run++;
			int ok = rc >= 0 && c.n == ex->nexpect;
			for (int i = 0; ok && i < c.n; i++)
				ok = !strcmp(c.found[i], ex->expect[i]);
			if (ok)
				continue;
			char got[600] = "";
			for (int i = 0; i < c.n; i++) {
				size_t l = strlen(got);
				snprintf(got + l, sizeof got - l, "%s'%s'", i ? ", " : "", c.found[i]);
			}
			if (rc < 0)
				diag_error(d, def->file, ex->line, "rule %s: hit a match limit", def->name);
			else if (ex->nexpect == 0)
				diag_error(d, def->file, ex->line,
				    "rule %s: nomatch example matched: %s", def->name, got);
			else
				diag_error(d, def->file, ex->line,
				    "rule %s: expected '%s'%s, found %s", def->name,
				    ex->expect[0], ex->nexpect > 1 ? " and more" : "",
				    c.n ? got : "nothing");
		}
	}
	normtext_free(&t);
	rule_scratch_destroy(&rs);
	return run;
}
