/*
 * dispatch.h - the queue of articles waiting for a worker, the workers
 * that are ready, and what each one holds.
 *
 * A job is one input message as it came (its frames are forwarded to a
 * worker untouched; the master never reads the text). A worker may hold
 * up to `prefetch` jobs, so that it never waits for the round trip to the
 * master; it works on them in order, so the oldest is the one in work,
 * and its deadline runs from the moment the previous one was answered.
 *
 * When a worker dies, what it held goes back to the front of the queue in
 * its order; the one in work is charged with the death. A job charged
 * twice is poison: it is handed back to the caller, who reports and drops
 * it, instead of being dispatched a third time.
 */
#ifndef NERD_DISPATCH_H
#define NERD_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zmq.h>

#include "buf.h"
#include "publish.h"

#define DISPATCH_MAX_PREFETCH 64
#define POISON_DEATHS 2

struct job {
	uint64_t id;
	zmq_msg_t frames[2];     /* envelope or whole JSON, then the text */
	int nframes;
	struct ackroute ack;     /* where to acknowledge; n == 0: nowhere */
	double received;         /* monotonic seconds, for latency */
	int deaths;              /* workers that died holding it in work */
	struct job *next;
};

struct wslot {
	pid_t pid;               /* 0: the slot is free */
	int fd;                  /* the master's end of its socketpair */
	int eof;                 /* the worker closed it: not polled */
	struct buf out;          /* messages not yet written to fd */
	size_t out_off;          /* how much of out is written */
	struct buf in;           /* bytes read from fd, not yet taken */
	int index;               /* 1..N within its generation */
	unsigned generation;
	int ready;               /* said hello, and reachable */
	int greeted;             /* its hello has arrived, ever */
	int retiring;            /* old generation or stopping: no new jobs */
	int quit_sent;
	int killed;              /* SIGKILLed: 1 past its deadline, 2 silent
				  * HELLO_DEADLINE_S after its fork */
	double started;          /* fork time */
	double head_started;     /* when its oldest job went into work */
	struct job *held[DISPATCH_MAX_PREFETCH];   /* oldest first */
	unsigned nheld;
	uint64_t done;
	double job_s;            /* seconds per job, a moving average; 0:
				  * none answered yet */
};

/* Seconds a new worker has to say hello before it is taken for stuck. */
#define HELLO_DEADLINE_S 10

struct dispatch {
	struct job *head, *tail; /* waiting for a worker */
	size_t queued;
	struct wslot *slots;
	int nslots;
	unsigned prefetch;
	uint64_t next_job;
};

int dispatch_init(struct dispatch *d, int nslots, unsigned prefetch);
/* Free every queued and held job (shutdown). */
void dispatch_free(struct dispatch *d);

/* A new job (owned by the caller until submitted, then by dispatch). */
struct job *job_new(void);
void job_free(struct job *j);

/* Queue a job at the end. Takes ownership; sets j->id. */
void dispatch_submit(struct dispatch *d, struct job *j);

/*
 * Send queued jobs to ready, non-retiring workers with room, least loaded
 * first, over their sockets (worker.h). A worker that cannot be reached
 * is left for the caller to notice (it will die or be reaped); it is no
 * longer ready. now: monotonic seconds.
 */
void dispatch_run(struct dispatch *d, double now);

/* Queue a message for worker w and write what its socket takes now. */
void dispatch_send(struct wslot *w, char type, uint64_t job, unsigned nparts,
    const void *const *parts, const size_t *lens);
/* Write what the socket of w takes of its queued messages. Returns 1 if
 * some remain queued (poll for POLLOUT), else 0. */
int dispatch_flush(struct wslot *w);

/* The slot with that pid, or NULL. */
struct wslot *dispatch_by_pid(struct dispatch *d, pid_t pid);
/* A free slot (pid 0), growing the table if needed. */
struct wslot *dispatch_free_slot(struct dispatch *d);

/*
 * Worker w answered job id: returns the job, now owned by the caller, or
 * NULL if w did not hold it (a late answer after a redispatch).
 */
struct job *dispatch_done(struct dispatch *d, struct wslot *w, uint64_t id,
    double now);

/*
 * How long the master may leave every worker's results unread (seconds,
 * >= 0) before one of them could run out of work: 0 unless each ready
 * worker holds jobs behind the one in work, from what each holds and how
 * long its jobs have taken. now: monotonic seconds.
 */
double dispatch_slack(const struct dispatch *d, double now);

/*
 * Worker w is gone: requeue what it held at the front of the queue and
 * free the slot. Returns the job in work if it is now poison (owned by the
 * caller), else NULL. *retried counts the jobs requeued.
 */
struct job *dispatch_worker_gone(struct dispatch *d, struct wslot *w,
    unsigned *retried);

/* The first non-killed worker whose job in work is past deadline_s. */
struct wslot *dispatch_overdue(struct dispatch *d, double now,
    double deadline_s);

/* Seconds until the earliest deadline may pass (for the poll timeout). */
double dispatch_next_deadline(struct dispatch *d, double now,
    double deadline_s);

/* Jobs held by workers, in total. */
size_t dispatch_in_flight(const struct dispatch *d);

#endif
