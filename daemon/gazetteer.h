/*
 * gazetteer.h - find gazetteer entries in a field's tokens.
 *
 * For each token, longest match first: the token (and, for an Arabic
 * token, its forms without proclitics) starts a walk down the image's
 * token trie; the deepest state whose entries accept the tokens'
 * capitalisation and gaps gives the mention. The same token lookups feed
 * the rules' prefilter: a token that is a rule's trigger marks the rule.
 */
#ifndef NERD_GAZETTEER_H
#define NERD_GAZETTEER_H

#include <stdint.h>

#include "image.h"
#include "mention.h"
#include "normalize.h"
#include "tokenize.h"

/* One way to read a token: its id after stripping `skip` code points of
 * proclitics (0 for the token as written). */
struct reading {
	uint32_t tok, trig, skip;
};

/*
 * Readings of token k of t (id and trig: its own lookup, image_token()):
 * as written and without Arabic proclitics
 * (و ف, then ب ل ك, with ل + ال written لل read as ال). At most 6; returns
 * the count (readings of unknown words are left out).
 */
int gazetteer_readings(const struct image *img, const struct normtext *t,
    const struct token *k, uint32_t id, uint32_t trig, struct reading out[6]);

/* A rule's trigger word seen at token tok: the rule runs around it. */
struct fire {
	uint32_t rule, tok;
};

struct fires {
	struct fire *v;
	size_t n, cap;
};

/* Per-word dictionary lookups, reused from article to article
 * (token_ids_free when done). */
struct token_ids {
	uint32_t *id, *trig;
	uint64_t *hash;    /* slot hash, 0 for a word the filter turned away */
	size_t cap;
};

void token_ids_free(struct token_ids *ids);

/*
 * Append the field's gazetteer mentions to m (their strings borrowed from
 * img), and, if f is not NULL, a fire for every (rule, token) where a
 * token is one of the rule's trigger words.
 */
void gazetteer_match(const struct image *img, const struct normtext *t,
    const struct tokens *tk, int field, struct mentions *m, struct fires *f,
    struct token_ids *ids);

#endif
