/*
 * propagate.h - carry an identity from a full mention to partial ones.
 *
 * A person named in full (two or more words) is also found by the last
 * word of the name alone, anywhere in the article (title included, before
 * the full name as well as after), with the same entity id. An agency or
 * organization followed by an abbreviation in parentheses ("... (BCIJ)")
 * gives the abbreviation that identity, and so every other occurrence of it.
 * A listed given name that is no common word, borne by one person of the
 * article, names that person alone too.
 */
#ifndef NERD_PROPAGATE_H
#define NERD_PROPAGATE_H

#include "hash.h"
#include "mention.h"
#include "normalize.h"
#include "skey.h"
#include "tokenize.h"

struct given_slot;
struct given_ref;
struct name;

struct field_view {
	const struct normtext *t;   /* NULL: field absent */
	const struct tokens *tk;
};

/* What propagate() keeps from one article to the next, so as not to
 * allocate per article: per field, a byte per code point, all zero
 * between calls; the word lists. */
struct propagate_scratch {
	uint8_t *taken[NFIELDS];
	size_t taken_cap[NFIELDS];
	uint32_t *next;
	size_t next_cap;
	struct skey_room sort; /* the added mentions' keys, and them sorted */
	/* per article, zeroed or overwritten as each begins (propagate.c) */
	uint64_t *seen;                /* the names looked for already */
	struct given_slot *gslots;     /* the given names and their bearers */
	struct given_ref *gref;        /* each found mention's given name */
	struct name *fam;              /* each found person's family name */
	/* made at the first article and kept: the words that are no family
	 * name (propagate.c), to look each last word up once, not compare it
	 * with every one */
	struct strmap *not_family;
	size_t seen_cap, gslots_cap, gref_cap, fam_cap;
};

/* Adds mentions to m (kept, sorted again by field and start). given: words
 * of the classes that propagation reads (normalized; NULL: none): each
 * GIVEN_ONLY, a listed given name that may name an introduced person
 * alone; GIVEN_COMMON, a given name that is also a common word; or
 * NATIONALITY, an adjective that is never a family name alone (the last
 * word of "أبو حمزة المصري" is not carried). */
enum { GIVEN_ONLY = 1, GIVEN_COMMON = 2, NATIONALITY = 3 };
void propagate(struct mentions *m, const struct field_view f[NFIELDS],
    struct propagate_scratch *ps, const struct strmap *given);

/* Bytes held by ps, and their release. */
size_t propagate_scratch_size(const struct propagate_scratch *ps);
void propagate_scratch_free(struct propagate_scratch *ps);

#endif
