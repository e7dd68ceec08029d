/*
 * jsonw.h - the streaming JSON writer of the hot path.
 *
 * jansson builds a tree before it writes; for an annotation that costs more
 * than tagging the article (DESIGN.md). These helpers append JSON tokens
 * straight into a buffer. They write what jansson's compact dump would
 * parse back to the same values; tests/test_jsonw.c checks that on every
 * golden file.
 */
#ifndef NERD_JSONW_H
#define NERD_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A JSON string for valid UTF-8 s[0..n), quotes included. */
void jsonw_str(struct buf *b, const char *s, size_t n);
void jsonw_cstr(struct buf *b, const char *s);
/* "key": (the key must be plain ASCII without escapes) */
void jsonw_key(struct buf *b, const char *k);
/* The same for a string literal, its length known at compile time. */
#define JSONW_KEY(b, lit) buf_add((b), "\"" lit "\":", sizeof(lit) + 2)
/* ,"key": after a member, in one copy */
#define JSONW_NEXT_KEY(b, lit) buf_add((b), ",\"" lit "\":", sizeof(lit) + 3)
void jsonw_u64(struct buf *b, uint64_t v);

#endif
