/*
 * worker.h - a forked worker process, and the messages it exchanges with
 * the master over a Unix stream socketpair: the master makes it, and
 * hands the worker's end to the spawner, which forks the worker with it
 * (spawner.h).
 *
 * Not ZeroMQ: between a process and its own child on one host, a
 * socketpair has no I/O thread on either side, no mailbox to wake and no
 * file to lose, and the I/O threads were most of a worker's time outside
 * the engine
 * (measured, issue 7: the worker's ZeroMQ I/O thread woke 1.7 times per
 * article and took a fifth of its CPU, the master's 2.4 times).
 *
 * Each message is framed as wire.h says:
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

#include "wire.h"

struct engine;

struct worker_result {
	uint32_t seq_off, seq_len;
	uint64_t elapsed_us;
	uint32_t entities;
	char lang[8];           /* the annotation's "lang", for its topic */
};

struct worker_args {
	const struct engine *engine;  /* the spawner's, copy-on-write */
	int fd;                       /* the worker's end of the socketpair */
	int master_pid;               /* exit if the master is gone */
	int index;                    /* 1..N, written as stats.worker */
	unsigned generation;
	size_t max_message_bytes;
	int nested;
};

/*
 * The worker process's whole life, called in the spawner's grandchild
 * right after fork(). Never returns: exits 0 when told to quit, 1 on
 * failure.
 */
void worker_main(const struct worker_args *a) __attribute__((noreturn));

#endif
