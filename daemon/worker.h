/*
 * worker.h - a forked worker process, and the messages it exchanges with
 * the master over one ipc DEALER (worker) / ROUTER (master) pair.
 *
 * The worker's routing id is "w" followed by its serial (4 bytes, host
 * order), unique for the master's lifetime. Messages, frame by frame:
 *
 *   worker -> master   "H"                            ready (hello)
 *                      "A" job result annotation id   an annotation
 *                      "E" job kind id message        an article refused
 *   master -> worker   "J" job frame1 [frame2]        an article
 *                      "Q"                            finish, exit 0
 *
 * job is the master's 8-byte job number, echoed back untouched. result is
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

struct engine;

struct worker_result {
	uint32_t seq_off, seq_len;
	uint64_t elapsed_us;
	uint32_t entities;
	char lang[8];           /* the annotation's "lang", for its topic */
};

struct worker_args {
	const struct engine *engine;  /* the spawner's, copy-on-write */
	const char *endpoint;         /* the master's ipc ROUTER */
	int master_pid;               /* exit if the master is gone */
	unsigned serial;              /* routing id */
	int index;                    /* 1..N, written as stats.worker */
	unsigned generation;
	size_t max_message_bytes;
	int nested;
};

/* Routing id of a worker: writes 5 bytes to id. */
void worker_routing_id(unsigned serial, unsigned char id[5]);

/*
 * The worker process's whole life, called in the spawner's grandchild
 * right after fork(). Never returns: exits 0 when told to quit, 1 on
 * failure.
 */
void worker_main(const struct worker_args *a) __attribute__((noreturn));

#endif
