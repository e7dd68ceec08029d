/*
 * gazetteer.c - longest-match lookup of gazetteer entries over tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "gazetteer.h"

/* Arabic letters as UTF-8 (two bytes each) */
#define AR_WAW "\xd9\x88"
#define AR_FA "\xd9\x81"
#define AR_BA "\xd8\xa8"
#define AR_LAM "\xd9\x84"
#define AR_KAF "\xd9\x83"
#define AR_ALEF "\xd8\xa7"

static int starts(const char *s, size_t n, const char *p)
{
	return n >= 2 && s[0] == p[0] && s[1] == p[1];
}

static int add(const struct image *img, const char *s, size_t n, uint32_t skip,
    struct reading *out, int k)
{
	if (n < 4) /* keep at least two Arabic letters */
		return k;
	uint32_t trig = 0;
	uint32_t id = image_token(img, s, n, &trig);
	if (id)
		out[k++] = (struct reading){id, trig, skip};
	return k;
}

/* Can token tok of t be read without a proclitic: is it Arabic, of three
 * letters or more, and its first letter one of و ف ب ك ل? Most words are
 * not, and have only their reading as written. */
static inline int may_strip(const struct normtext *t, const struct token *tok)
{
	if (!(tok->flags & TOK_ARABIC) || tok->e - tok->b < 6)
		return 0;
	const char *s = t->norm.data + tok->b;
	size_t n = tok->e - tok->b;
	return starts(s, n, AR_WAW) || starts(s, n, AR_FA) ||
	    starts(s, n, AR_BA) || starts(s, n, AR_KAF) || starts(s, n, AR_LAM);
}

int gazetteer_readings(const struct image *img, const struct normtext *t,
    const struct token *tok, uint32_t id, uint32_t trig, struct reading out[6])
{
	const char *s = t->norm.data + tok->b;
	size_t n = tok->e - tok->b;
	int k = 0;
	if (id)
		out[k++] = (struct reading){id, trig, 0};
	if (!may_strip(t, tok))
		return k;
	for (int conj = 0; conj <= 1; conj++) {
		const char *r = s;
		size_t rn = n;
		uint32_t skip = 0;
		if (conj) {
			if (!starts(s, n, AR_WAW) && !starts(s, n, AR_FA))
				break;
			r += 2;
			rn -= 2;
			skip = 1;
			k = add(img, r, rn, skip, out, k);
		}
		if (starts(r, rn, AR_BA) || starts(r, rn, AR_KAF))
			k = add(img, r + 2, rn - 2, skip + 1, out, k);
		else if (starts(r, rn, AR_LAM)) {
			if (rn > 4 && starts(r + 2, rn - 2, AR_LAM)) {
				/* لل: ل + ال with the alef dropped; read ال + rest,
				 * the span starting at the second lam */
				char tmp[256];
				if (rn - 2 <= sizeof tmp - 2) {
					memcpy(tmp, AR_ALEF, 2);
					memcpy(tmp + 2, r + 2, rn - 2);
					k = add(img, tmp, rn, skip + 1, out, k);
				}
			} else
				k = add(img, r + 2, rn - 2, skip + 1, out, k);
		}
	}
	return k;
}

/* Does entry e accept tokens v[0 .. e->ntok) as they appear in the text? */
static int accepts(const struct image_entry *e, const struct token *v)
{
	for (uint32_t i = 0; i < e->ntok; i++) {
		uint32_t f = v[i].flags;
		switch ((e->shape >> (2 * i)) & 3) {
		case SHAPE_CAP:
			if (!(f & TOK_CAP))
				return 0;
			break;
		case SHAPE_ALLCAPS:
			if (!(f & TOK_ALLCAPS))
				return 0;
			break;
		case SHAPE_LOWER:
			if (f & TOK_CAP)
				return 0;
			break;
		}
		if (i && (f & TOK_HARD) && !(e->hardgap & (1u << i)))
			return 0;
	}
	return 1;
}

/*
 * A short alef-initial word behind ب or ك is nearly always a longer word,
 * not a preposition before a name: كابل (Kabul) is not ك + ابل (Apple),
 * بابل (Babylon) not ب + ابل, باب (door) not ب + اب. A reading that
 * strips ب or ك and leaves three letters or fewer starting with an alef
 * may only name a country or a place, as a one-word entry. Other short
 * rests stay readable: ببوش (with Bush), بمصر (in Egypt).
 */
static int short_behind_bk(const struct normtext *t, const struct token *k,
    uint32_t skip)
{
	if (!skip)
		return 0;
	const unsigned char *w = (const unsigned char *)t->norm.data + k->b;
	size_t n = k->e - k->b, at = 2 * (size_t)(skip - 1);
	if (at + 4 > n || n - at - 2 > 6 || w[at + 2] != 0xd8 || w[at + 3] != 0xa7)
		return 0; /* the rest: up to three letters, the first an alef */
	return (w[at] == 0xd8 && w[at + 1] == 0xa8) || /* ب */
	    (w[at] == 0xd9 && w[at + 1] == 0x83);     /* ك */
}

static int place_only(const struct image_entry *e)
{
	return e->ntok == 1 && (e->type == T_COUNTRY || e->type == T_LOCATION);
}

/* Record a fire for every rule whose trigger list l names token i. */
static void fire(struct fires *f, const uint32_t *l, size_t i)
{
	for (uint32_t q = 1; q <= l[0]; q++) {
		if (f->n && f->v[f->n - 1].tok == i && f->v[f->n - 1].rule == l[q])
			continue; /* two readings, one trigger */
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->v = realloc(f->v, f->cap * sizeof *f->v);
			if (!f->v)
				abort();
		}
		f->v[f->n++] = (struct fire){l[q], (uint32_t)i};
	}
}

/*
 * Walk the trie from state, the root's child by reading r of token i:
 * the end (one past the last token) of the longest entry that accepts the
 * tokens, 0 if none; *best gets the state it ends at. Inline: from most
 * starts the walk stops at the first or second step.
 */
static inline size_t walk(const struct image *img, const struct normtext *t,
    const struct tokens *tk, const uint32_t *ids, size_t i,
    const struct reading *r, uint32_t state, uint32_t *best)
{
	int shortbk = r->skip && short_behind_bk(t, &tk->v[i], r->skip);
	size_t best_end = 0;
	for (size_t j = i; state;) {
		const struct image_state *st = &img->states[state];
		for (uint32_t q = 0; q < st->count; q++)
			if (accepts(&img->entries[st->first + q], &tk->v[i]) &&
			    (!shortbk || place_only(&img->entries[st->first + q]))) {
				best_end = j + 1;
				*best = state;
				break;
			}
		if (++j >= tk->n || j - i >= IMAGE_MAX_TOKENS)
			break;
		state = ids[j] ? image_child(img, state, ids[j]) : 0;
	}
	return best_end;
}

/* The mentions of reading r of token i: the entries of state (which ends
 * at token end) that accept the tokens. walk() found one that does: a
 * state of one entry (most) needs no second look. */
static void emit(const struct image *img, const struct normtext *t,
    const struct tokens *tk, size_t i, const struct reading *r,
    uint32_t state, size_t end, int field, struct mentions *m)
{
	const struct image_state *st = &img->states[state];
	int one = st->count == 1;
	int shortbk = !one && short_behind_bk(t, &tk->v[i], r->skip);
	uint32_t nb = tk->v[i].nb + r->skip;
	uint32_t ne = tk->v[end - 1].ne;
	for (uint32_t q = 0; q < st->count; q++) {
		const struct image_entry *e = &img->entries[st->first + q];
		if (!one &&
		    (!accepts(e, &tk->v[i]) || (shortbk && !place_only(e))))
			continue;
		struct mention *x = mentions_add(m);
		x->start = t->n_orig[nb];
		x->end = t->n_orig[ne - 1] + 1;
		x->tok0 = (uint32_t)i;
		x->tok1 = (uint32_t)end;
		x->type = e->type;
		x->prio = e->prio;
		x->kind = SRC_GAZETTEER;
		x->field = (uint8_t)field;
		/* the image's strings, borrowed: it outlives the article */
		x->who.id = image_str(img, e->id);
		x->who.id_n = (uint32_t)strlen(x->who.id);
		x->who.canonical = image_str(img, e->canonical);
		x->who.canonical_n = (uint32_t)strlen(x->who.canonical);
		x->source = image_str(img, e->source);
		x->source_n = (uint32_t)strlen(x->source);
	}
}

void token_ids_free(struct token_ids *ids)
{
	free(ids->id);
	free(ids->trig);
	free(ids->hash);
	memset(ids, 0, sizeof *ids);
}

void gazetteer_match(const struct image *img, const struct normtext *t,
    const struct tokens *tk, int field, struct mentions *m, struct fires *f,
    struct token_ids *ids)
{
	/* Each word's id as written, looked up once: the walks below read
	 * the same words again from every start that reaches them. */
	if (ids->cap < tk->n) {
		ids->cap = tk->n * 2;
		ids->id = realloc(ids->id, ids->cap * sizeof *ids->id);
		ids->trig = realloc(ids->trig, ids->cap * sizeof *ids->trig);
		ids->hash = realloc(ids->hash, ids->cap * sizeof *ids->hash);
		if (!ids->id || !ids->trig || !ids->hash)
			abort();
	}
	/* Locals, not loads through tk and ids on every token: the stores
	 * below may alias them as far as the compiler knows. */
	const struct token *v = tk->v;
	const char *text = t->norm.data;
	uint32_t *id = ids->id, *trig = ids->trig;
	uint64_t *hash = ids->hash;
	size_t n = tk->n;
	/* Two passes: the dictionary's slots are megabytes, seldom in the
	 * cache, and a lookup's time is mostly the wait for its slot. The
	 * first pass hashes every word and has the CPU fetch the slots of
	 * those the filter lets through; the second finds them there. */
	for (size_t i = 0; i < n; i++) {
		uint64_t h = hash_fast(text + v[i].b, v[i].e - v[i].b);
		hash[i] = image_maybe_token(img, h) ? h : 0;
		if (hash[i])
			image_token_prefetch(img, h);
	}
	for (size_t i = 0; i < n; i++)
		id[i] = hash[i] ? image_token_at(img, hash[i], text + v[i].b,
		    v[i].e - v[i].b, &trig[i]) : 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t best = 0;
		size_t end;
		if (!may_strip(t, &v[i])) {
			/* No proclitics to read: the word as written. Most
			 * words are in no entry, or start none and trigger
			 * no rule, and cost no more than this. */
			if (!id[i])
				continue;
			if (trig[i] && f)
				fire(f, img->triggers + trig[i], i);
			uint32_t state = image_start(img, id[i]);
			/* Most walks of a Latin text would start at a
			 * lower-case word ("la", "the") whose entries all
			 * ask a capital ("La Poste"): none would accept. */
			if (!state || !image_may_start(img, id[i],
			    v[i].flags & (TOK_CAP | TOK_ALLCAPS)))
				continue;
			struct reading r = {id[i], trig[i], 0};
			end = walk(img, t, tk, id, i, &r, state, &best);
			if (end)
				emit(img, t, tk, i, &r, best, end, field, m);
			continue;
		}
		struct reading rd[6];
		int nr = gazetteer_readings(img, t, &v[i], id[i], trig[i], rd);
		for (int r = 0; r < nr && f; r++)
			if (rd[r].trig)
				fire(f, img->triggers + rd[r].trig, i);
		for (int r = 0; r < nr; r++) {
			uint32_t state = image_start(img, rd[r].tok);
			end = walk(img, t, tk, id, i, &rd[r], state, &best);
			if (!end)
				continue;
			emit(img, t, tk, i, &rd[r], best, end, field, m);
			/* A reading as written that matched wins over its
			 * proclitic-stripped readings. */
			break;
		}
	}
}
