/*
 * worker.h - a forked worker process, and the messages it exchanges with
 * the master over a Unix stream socketpair made before the fork.
 *
 * Not ZeroMQ: between two processes of one host that already share a
 * parent, a socketpair has no I/O thread on either side and no mailbox
 * to wake, and that was most of a worker's time outside the engine
 * (measured, issue 7: the worker's ZeroMQ I/O thread woke 1.7 times per
 * article and took a fifth of its CPU, the master's 2.4 times).
 *
 * Each message is a struct wire_hdr, then its parts back to back:
 *
 *   worker -> master   'H'                          ready (hello)
 *                      'A' job: result annotation id    an annotation
 *                      'E' job: kind id message         an article refused
 *   master -> worker   'J' job: frame1 [frame2]     an article
 *                      'Q'                          finish, exit 0
 *
 * job is the master's job number, echoed back untouched. result is
 * struct worker_result. annotation is the engine's JSON written with
 * seq 0; result.seq_off/seq_len locate that 0 so the master can splice in
 * the real seq. id is the article's id as JSON text ("null" if unknown),
 * kind an error name of stats.h ("not_json", ..., "engine").
 *
 * A worker processes its articles in the order received, so the first
 * article the master sent and has not seen answered is the one in work.
 */
#ifndef NERD_WORKER_H
#define NERD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct engine;

#define WIRE_MAX_PARTS 4

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
 * is malformed.
 */
long long wire_next(const char *p, size_t n, struct wire_hdr *h,
    const char *parts[WIRE_MAX_PARTS], size_t *need);

struct worker_result {
	uint32_t seq_off, seq_len;
	uint64_t elapsed_us;
	uint32_t entities;
	char lang[8];           /* the annotation's "lang", for its topic */
};

struct worker_args {
	const struct engine *engine;  /* borrowed: the master's, copy-on-write */
	int fd;                       /* the worker's end of the socketpair */
	int master_pid;               /* exit if the master is gone */
	int index;                    /* 1..N, written as stats.worker */
	unsigned generation;
	size_t max_message_bytes;
	int nested;
};

/*
 * The worker process's whole life, called in the child right after
 * fork(). Never returns: exits 0 when told to quit, 1 on failure.
 */
void worker_main(const struct worker_args *a) __attribute__((noreturn));

#endif
