/*
 * dispatch.c - ready-worker selection, in-flight tracking, redispatch and
 * poison detection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dispatch.h"
#include "log.h"
#include "wire.h"

int dispatch_init(struct dispatch *d, int nslots, unsigned prefetch)
{
	memset(d, 0, sizeof *d);
	d->slots = calloc((size_t)nslots, sizeof *d->slots);
	if (!d->slots)
		return -1;
	d->nslots = nslots;
	d->prefetch = prefetch > DISPATCH_MAX_PREFETCH ? DISPATCH_MAX_PREFETCH :
	    prefetch ? prefetch : 1;
	return 0;
}

struct job *job_new(void)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		abort();         /* as buf.h: no useful work without memory */
	return j;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	for (int i = 0; i < j->nframes; i++)
		zmq_msg_close(&j->frames[i]);
	ackroute_clear(&j->ack);
	free(j);
}

/* Close the slot's socket and free its buffers. */
static void slot_close(struct wslot *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	buf_free(&w->out);
	buf_free(&w->in);
	w->out_off = 0;
}

void dispatch_free(struct dispatch *d)
{
	while (d->head) {
		struct job *j = d->head;
		d->head = j->next;
		job_free(j);
	}
	d->tail = NULL;
	d->queued = 0;
	for (int i = 0; i < d->nslots; i++)
		for (unsigned k = 0; k < d->slots[i].nheld; k++)
			job_free(d->slots[i].held[k]);
	for (int i = 0; i < d->nslots; i++)
		if (d->slots[i].pid)
			slot_close(&d->slots[i]);
	free(d->slots);
	d->slots = NULL;
	d->nslots = 0;
}

void dispatch_submit(struct dispatch *d, struct job *j)
{
	j->id = ++d->next_job;
	j->next = NULL;
	if (d->tail)
		d->tail->next = j;
	else
		d->head = j;
	d->tail = j;
	d->queued++;
}

static void push_front(struct dispatch *d, struct job *j)
{
	j->next = d->head;
	d->head = j;
	if (!d->tail)
		d->tail = j;
	d->queued++;
}

static struct wslot *pick(struct dispatch *d)
{
	struct wslot *best = NULL;
	for (int i = 0; i < d->nslots; i++) {
		struct wslot *w = &d->slots[i];
		if (!w->pid || !w->ready || w->retiring || w->killed ||
		    w->nheld >= d->prefetch)
			continue;
		/* the least busy; between equals, the one that has done the
		 * least, so that articles arriving one at a time (each done
		 * before the next comes) still spread over the workers */
		if (!best || w->nheld < best->nheld ||
		    (w->nheld == best->nheld && w->done < best->done))
			best = w;
	}
	return best;
}

/* What a slot's output buffer may keep once written out. */
#define KEEP_BYTES (8u << 20)

int dispatch_flush(struct wslot *w)
{
	while (w->out_off < w->out.len) {
		ssize_t n = send(w->fd, w->out.data + w->out_off,
		    w->out.len - w->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			/* EPIPE, ECONNRESET: the worker is gone; SIGCHLD
			 * follows, and its jobs are dispatched again then. */
			log_debug("worker %d (pid %d) unreachable: %s", w->index,
			    (int)w->pid, strerror(errno));
			w->ready = 0;
			break;
		}
		w->out_off += (size_t)n;
	}
	w->out.len = w->out_off = 0;
	if (w->out.cap > KEEP_BYTES)
		buf_free(&w->out);
	return 0;
}

void dispatch_send(struct wslot *w, char type, uint64_t job, unsigned nparts,
    const void *const *parts, const size_t *lens)
{
	wire_add(&w->out, type, job, nparts, parts, lens);
	dispatch_flush(w);
}

/* Queue job j for w (written by dispatch_flush). The job keeps its
 * frames for a redispatch. */
static void send_job(struct wslot *w, struct job *j)
{
	const void *parts[2];
	size_t lens[2];
	for (int i = 0; i < j->nframes; i++) {
		parts[i] = zmq_msg_data(&j->frames[i]);
		lens[i] = zmq_msg_size(&j->frames[i]);
	}
	wire_add(&w->out, 'J', j->id, (unsigned)j->nframes, parts, lens);
}

void dispatch_run(struct dispatch *d, double now)
{
	struct wslot *w;
	int sent = 0;
	while (d->head && (w = pick(d))) {
		struct job *j = d->head;
		send_job(w, j);
		sent = 1;
		d->head = j->next;
		if (!d->head)
			d->tail = NULL;
		d->queued--;
		j->next = NULL;
		if (w->nheld == 0)
			w->head_started = now;
		w->held[w->nheld++] = j;
	}
	/* One write per worker for all the jobs it was given. */
	for (int i = 0; sent && i < d->nslots; i++)
		if (d->slots[i].pid && d->slots[i].out.len > d->slots[i].out_off)
			dispatch_flush(&d->slots[i]);
}

struct wslot *dispatch_by_pid(struct dispatch *d, pid_t pid)
{
	for (int i = 0; i < d->nslots; i++)
		if (d->slots[i].pid == pid)
			return &d->slots[i];
	return NULL;
}

struct wslot *dispatch_free_slot(struct dispatch *d)
{
	for (int i = 0; i < d->nslots; i++)
		if (!d->slots[i].pid)
			return &d->slots[i];
	int n = d->nslots ? d->nslots * 2 : 4;
	struct wslot *s = realloc(d->slots, (size_t)n * sizeof *s);
	if (!s)
		return NULL;
	memset(s + d->nslots, 0, (size_t)(n - d->nslots) * sizeof *s);
	d->slots = s;
	int first = d->nslots;
	d->nslots = n;
	return &d->slots[first];
}

struct job *dispatch_done(struct dispatch *d, struct wslot *w, uint64_t id,
    double now)
{
	(void)d;
	for (unsigned k = 0; k < w->nheld; k++) {
		if (w->held[k]->id != id)
			continue;
		struct job *j = w->held[k];
		memmove(&w->held[k], &w->held[k + 1],
		    (w->nheld - k - 1) * sizeof w->held[0]);
		w->nheld--;
		if (k == 0) {
			/* Results read in a batch time the first one long
			 * and the others near 0: the average stays the
			 * worker's rate, which is what dispatch_slack needs. */
			double t = now - w->head_started;
			w->job_s = w->job_s > 0 ? w->job_s + (t - w->job_s) / 16 :
			    t;
			w->head_started = now;   /* the next one starts now */
		}
		w->done++;
		return j;
	}
	return NULL;
}

double dispatch_slack(const struct dispatch *d, double now)
{
	double slack = -1;
	for (int i = 0; i < d->nslots; i++) {
		const struct wslot *w = &d->slots[i];
		if (!w->pid || !w->ready || w->retiring || w->killed)
			continue;
		/* An idle worker waits for the next input, a worker on its
		 * last job for the master: neither can wait longer. */
		if (w->nheld < 2 || w->job_s <= 0)
			return 0;
		double s = (w->nheld - 1) * w->job_s - (now - w->head_started);
		if (slack < 0 || s < slack)
			slack = s;
	}
	return slack > 0 ? slack : 0;
}

struct job *dispatch_worker_gone(struct dispatch *d, struct wslot *w,
    unsigned *retried)
{
	struct job *poison = NULL;
	*retried = 0;
	if (w->nheld) {
		w->held[0]->deaths++;
		if (w->held[0]->deaths >= POISON_DEATHS) {
			poison = w->held[0];
			memmove(&w->held[0], &w->held[1],
			    (w->nheld - 1) * sizeof w->held[0]);
			w->nheld--;
		}
	}
	/* Back to the front, keeping their order. */
	for (unsigned k = w->nheld; k > 0; k--) {
		push_front(d, w->held[k - 1]);
		(*retried)++;
	}
	slot_close(w);
	memset(w, 0, sizeof *w);
	return poison;
}

struct wslot *dispatch_overdue(struct dispatch *d, double now,
    double deadline_s)
{
	for (int i = 0; i < d->nslots; i++) {
		struct wslot *w = &d->slots[i];
		if (w->pid && !w->killed && w->nheld &&
		    now - w->head_started > deadline_s)
			return w;
	}
	return NULL;
}

double dispatch_next_deadline(struct dispatch *d, double now,
    double deadline_s)
{
	double next = 1e9;
	for (int i = 0; i < d->nslots; i++) {
		struct wslot *w = &d->slots[i];
		if (w->pid && !w->killed && w->nheld) {
			double t = w->head_started + deadline_s - now;
			if (t < next)
				next = t;
		}
	}
	return next < 0 ? 0 : next;
}

size_t dispatch_in_flight(const struct dispatch *d)
{
	size_t n = 0;
	for (int i = 0; i < d->nslots; i++)
		n += d->slots[i].nheld;
	return n;
}
