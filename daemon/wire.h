/*
 * wire.h - the framing of the messages between the master and a worker
 * over their socketpair (worker.h says what the messages are).
 *
 * A stream socket keeps no message boundaries, so each message is a
 * fixed header that gives its type, its job number and the length of
 * each of its parts, then the parts back to back. Both ends are
 * processes of one build on one host: the header is in host order.
 */
#ifndef NERD_WIRE_H
#define NERD_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define WIRE_MAX_PARTS 4
/* A message announcing more is malformed: its reader would otherwise
 * reserve what the length says (an article is at most max_message_bytes,
 * 8 MiB by default; its annotation a few times that). */
#define WIRE_MAX_BYTES (1ull << 30)

struct wire_hdr {
	uint32_t type;          /* 'H', 'A', 'E', 'J', 'Q' */
	uint32_t nparts;        /* 0..WIRE_MAX_PARTS */
	uint64_t job;
	uint64_t len[WIRE_MAX_PARTS];
};

/* Append one message to b. */
void wire_add(struct buf *b, char type, uint64_t job, unsigned nparts,
    const void *const *parts, const size_t *lens);

/*
 * The message at the start of p[0..n): its header in *h and its parts'
 * addresses in parts[]. Returns its whole size, 0 if it is not all there
 * yet (*need then says how many bytes it takes, when known), or -1 if it
 * is malformed (over WIRE_MAX_PARTS parts or WIRE_MAX_BYTES bytes).
 */
long long wire_next(const char *p, size_t n, struct wire_hdr *h,
    const char *parts[WIRE_MAX_PARTS], size_t *need);

#endif
