/*
 * propagate.h - carry an identity from a full mention to partial ones.
 *
 * A person named in full (two or more words) is also found by the last
 * word of the name alone, anywhere in the article (title included, before
 * the full name as well as after), with the same entity id. An agency or
 * organization followed by an abbreviation in parentheses ("... (BCIJ)")
 * gives the abbreviation that identity, and so every other occurrence of it.
 */
#ifndef NERD_PROPAGATE_H
#define NERD_PROPAGATE_H

#include "mention.h"
#include "normalize.h"
#include "tokenize.h"

struct field_view {
	const struct normtext *t;   /* NULL: field absent */
	const struct tokens *tk;
};

/* Adds mentions to m (kept, sorted again by field and start). */
void propagate(struct mentions *m, const struct field_view f[NFIELDS],
    struct buf *arena);

#endif
