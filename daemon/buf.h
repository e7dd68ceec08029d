/*
 * buf.h - a growable byte buffer. The buffer owns its bytes; buf_free()
 * releases them. Allocation failure aborts: the daemon cannot do useful
 * work without memory, and every caller would otherwise have to unwind.
 */
#ifndef NERD_BUF_H
#define NERD_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_grow(struct buf *b, size_t extra);
/* Room for extra more bytes and a NUL. The check is inline: the JSON
 * writer calls these per field. */
static inline void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
		buf_grow(b, extra);
}
static inline void buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}
static inline void buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
}
void buf_adds(struct buf *b, const char *s);
/* A string literal, its length known at compile time. */
#define BUF_ADD_LIT(b, lit) buf_add((b), lit, sizeof(lit) - 1)
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void buf_reset(struct buf *b) { b->len = 0; }
void buf_free(struct buf *b);
/* NUL-terminate without counting the NUL in len. */
const char *buf_cstr(struct buf *b);

#endif
