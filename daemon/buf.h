/*
 * buf.h - a growable byte buffer. The buffer owns its bytes; buf_free()
 * releases them. Allocation failure aborts: the daemon cannot do useful
 * work without memory, and every caller would otherwise have to unwind.
 */
#ifndef NERD_BUF_H
#define NERD_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void buf_reset(struct buf *b) { b->len = 0; }
void buf_free(struct buf *b);
/* NUL-terminate without counting the NUL in len. */
const char *buf_cstr(struct buf *b);

#endif
