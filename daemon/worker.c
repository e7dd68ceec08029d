/*
 * worker.c - the forked worker: article frames in, annotation out.
 *
 * The spawner forks it (spawner.h), and it owns nothing the spawner made
 * except the engine, which it reads (copy-on-write pages shared with the
 * spawner and its siblings). It makes its own ZeroMQ context.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "article.h"
#include "buf.h"
#include "engine.h"
#include "log.h"
#include "stats.h"
#include "worker.h"

#define MAX_FRAMES 5
/*
 * A worker's hello unanswered for this long is said again over a new
 * connection; the wait doubles up to HELLO_MAX_MS. The master answers
 * within one turn of its loop (100 ms at most when idle; a reload's
 * engine build holds the loop longer, hence the doubling).
 */
#define HELLO_FIRST_MS 1000
#define HELLO_MAX_MS 8000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void worker_routing_id(unsigned serial, unsigned char id[5])
{
	id[0] = 'w';
	memcpy(id + 1, &serial, 4);
}

/*
 * Close what the master's ZeroMQ context, sockets and self-pipe left
 * open. Regular files stay: the engine may have mapped its image from one.
 * Above all this releases the listening TCP sockets, which must not
 * outlive the master.
 */
static void close_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		int fd = atoi(e->d_name);
		struct stat st;
		if (fd < 3 || fd == dirfd(d))
			continue;
		if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void reset_signals(void)
{
	sigset_t all;
	struct sigaction sa = {.sa_handler = SIG_IGN};

	/* The master decides when a worker stops (it drains first): a
	 * terminal's ^C or a group-wide SIGTERM must not cut an article. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* The worker's DEALER towards the master, connected; NULL on failure. */
static void *open_dealer(void *ctx, const struct worker_args *a)
{
	unsigned char rid[5];
	int zero = 0, hwm = 0;
	void *sock = zmq_socket(ctx, ZMQ_DEALER);
	if (!sock) {
		log_warnx("zmq: %s", zmq_strerror(zmq_errno()));
		return NULL;
	}
	worker_routing_id(a->serial, rid);
	zmq_setsockopt(sock, ZMQ_ROUTING_ID, rid, sizeof rid);
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
	zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
	if (zmq_connect(sock, a->endpoint) == -1) {
		log_warnx("connect %s: %s", a->endpoint,
		    zmq_strerror(zmq_errno()));
		zmq_close(sock);
		return NULL;
	}
	return sock;
}

/*
 * Say hello ("H") until the master answers: its "K", or any message at
 * all (a job, "Q"), which the main loop then reads. A hello that has no
 * answer within HELLO_FIRST_MS (doubling up to HELLO_MAX_MS) is sent
 * again over a new socket and a new connection. ZeroMQ sends nothing
 * again by itself: a hello written into a connection that the master
 * never serves (one left in the queue of a listener that nobody accepts
 * from, as once seen under load) waits there for ever, and the master
 * never hands this worker an article. The hello carries its attempt
 * number, so that the master counts what was lost; it takes a repeated
 * hello for what it is.
 * Returns 0 with *sockp connected, or -1.
 */
static int say_hello(void *ctx, void **sockp, const struct worker_args *a)
{
	long wait_ms = HELLO_FIRST_MS;
	double t0 = now_ms();
	for (int attempt = 1;; attempt++) {
		if (!(*sockp = open_dealer(ctx, a)))
			return -1;
		uint32_t n = (uint32_t)attempt;
		if (zmq_send(*sockp, "H", 1, ZMQ_SNDMORE) == -1 ||
		    zmq_send(*sockp, &n, sizeof n, 0) == -1) {
			log_warnx("hello: %s", zmq_strerror(zmq_errno()));
			return -1;
		}
		double until = now_ms() + (double)wait_ms;
		int rc;
		zmq_pollitem_t it = {*sockp, 0, ZMQ_POLLIN, 0};
		do {
			double left = until - now_ms();
			rc = zmq_poll(&it, 1, left > 0 ? (long)left : 0);
		} while (rc == -1 && zmq_errno() == EINTR);
		if (rc == -1) {
			log_warnx("poll: %s", zmq_strerror(zmq_errno()));
			return -1;
		}
		if (rc > 0) {
			if (attempt > 1)
				log_warnx("the master answered hello %d, %.0f ms "
				    "after the first", attempt, now_ms() - t0);
			return 0;
		}
		log_warnx("no answer to hello %d from %s in %ld ms: connecting "
		    "again", attempt, a->endpoint, wait_ms);
		zmq_close(*sockp);
		*sockp = NULL;
		if (wait_ms < HELLO_MAX_MS)
			wait_ms = wait_ms * 2 < HELLO_MAX_MS ? wait_ms * 2 :
			    HELLO_MAX_MS;
	}
}

/* The id as JSON text, malloc'd; "null" when there is none. */
static char *id_json(const char *id)
{
	if (!id)
		return strdup("null");
	json_t *s = json_string(id);
	char *out = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	json_decref(s);
	return out ? out : strdup("null");
}

/* Locate the "seq" number and the "lang" value in the annotation. */
static void locate(const char *ann, size_t len, struct worker_result *r)
{
	size_t lim = len < 4096 ? len : 4096;
	const char *p = memmem(ann, lim, "\"seq\":", 6);
	if (p) {
		p += 6;
		while (p < ann + lim && *p == ' ')
			p++;
		const char *q = p;
		while (q < ann + lim && *q >= '0' && *q <= '9')
			q++;
		if (q > p) {
			r->seq_off = (uint32_t)(p - ann);
			r->seq_len = (uint32_t)(q - p);
		}
	}
	/* The key comes before "meta" (whose values could hold anything),
	 * and a quote inside a string is escaped, so the first hit is it. */
	p = memmem(ann, lim, "\"lang\":", 7);
	if (p) {
		p += 7;
		while (p < ann + lim && *p == ' ')
			p++;
		if (p < ann + lim && *p == '"') {
			size_t i = 0;
			p++;
			while (p + i < ann + lim && p[i] != '"' &&
			    i < sizeof r->lang - 1)
				i++;
			memcpy(r->lang, p, i);
			r->lang[i] = '\0';
		}
	}
}

static int send_error(void *sock, const zmq_msg_t *job, const char *kind,
    const char *id, const char *msg)
{
	char *ij = id_json(id);
	int rc = 0;
	if (zmq_send(sock, "E", 1, ZMQ_SNDMORE) == -1 ||
	    zmq_send(sock, zmq_msg_data((zmq_msg_t *)job), 8, ZMQ_SNDMORE) == -1 ||
	    zmq_send(sock, kind, strlen(kind), ZMQ_SNDMORE) == -1 ||
	    zmq_send(sock, ij, strlen(ij), ZMQ_SNDMORE) == -1 ||
	    zmq_send(sock, msg, strlen(msg), 0) == -1)
		rc = -1;
	free(ij);
	return rc;
}

void worker_main(const struct worker_args *a)
{
	char name[32], err[256];
	struct buf out = {0};
	struct article art = {0};
	void *ctx = NULL, *sock = NULL;
	struct scratch *scratch = NULL;
	int status = 1;

	/* Forked by the spawner's short-lived child (spawner.h): wait to be
	 * the master's, and only then ask to die with it; asked sooner, the
	 * death of that child would kill this worker. */
	for (int i = 0; getppid() != a->master_pid; i++) {
		if (i == 2000)
			_exit(1);        /* never the master's: it is gone */
		usleep(1000);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->master_pid)
		_exit(1);            /* the master died before prctl() */
	reset_signals();
	close_inherited();
	snprintf(name, sizeof name, "worker %d.%u", a->index, a->generation);
	log_setname(name);

	if (!(ctx = zmq_ctx_new())) {
		log_warnx("zmq: %s", zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (!(scratch = scratch_new())) {
		log_warnx("cannot allocate scratch");
		goto fail;
	}
	if (say_hello(ctx, &sock, a) == -1)
		goto fail;
	log_debug("ready, pid %d", (int)getpid());

	for (;;) {
		zmq_msg_t f[MAX_FRAMES];
		int n = 0, more = 1;
		while (more) {
			zmq_msg_t m;
			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, sock, 0) == -1) {
				zmq_msg_close(&m);
				if (zmq_errno() == EINTR)
					continue;
				log_warnx("recv: %s", zmq_strerror(zmq_errno()));
				goto fail;
			}
			more = zmq_msg_more(&m);
			if (n < MAX_FRAMES) {
				zmq_msg_init(&f[n]);
				zmq_msg_move(&f[n++], &m);
			}
			zmq_msg_close(&m);
		}
		const char *type = zmq_msg_size(&f[0]) ? zmq_msg_data(&f[0]) : "";
		if (*type == 'K') {          /* a hello's answer: nothing to do */
			for (int i = 0; i < n; i++)
				zmq_msg_close(&f[i]);
			continue;
		}
		if (*type == 'Q') {
			for (int i = 0; i < n; i++)
				zmq_msg_close(&f[i]);
			status = 0;
			break;
		}
		if (*type != 'J' || n < 3 || n > 4 || zmq_msg_size(&f[1]) != 8) {
			log_warnx("unexpected message from the master");
			for (int i = 0; i < n; i++)
				zmq_msg_close(&f[i]);
			continue;
		}

		enum input_error ie = article_parse(&art, zmq_msg_data(&f[2]),
		    zmq_msg_size(&f[2]), n == 4 ? zmq_msg_data(&f[3]) : NULL,
		    n == 4 ? zmq_msg_size(&f[3]) : 0, a->max_message_bytes,
		    err, sizeof err);
		if (ie != INPUT_OK) {
			if (send_error(sock, &f[1], input_error_name(ie), art.id,
			    err) == -1)
				goto fail_frames;
			article_clear(&art);
			goto next;
		}

		struct annotate_opts opts = {.seq = 0, .worker = a->index,
		    .timing = 1, .nested = a->nested};
		struct annotate_stats ast = {0};
		buf_reset(&out);
		if (engine_annotate(a->engine, scratch, &art, &opts, &out, &ast,
		    err, sizeof err) == -1) {
			if (send_error(sock, &f[1], stats_error_name(ERR_ENGINE),
			    art.id, err) == -1)
				goto fail_frames;
			article_clear(&art);
			goto next;
		}

		struct worker_result r = {0};
		r.elapsed_us = ast.elapsed_us;
		r.entities = ast.entities;
		locate(out.data, out.len, &r);
		char *ij = id_json(art.id);
		article_clear(&art);
		int rc = zmq_send(sock, "A", 1, ZMQ_SNDMORE);
		if (rc != -1)
			rc = zmq_send(sock, zmq_msg_data(&f[1]), 8, ZMQ_SNDMORE);
		if (rc != -1)
			rc = zmq_send(sock, &r, sizeof r, ZMQ_SNDMORE);
		if (rc != -1)
			rc = zmq_send(sock, out.data, out.len, ZMQ_SNDMORE);
		if (rc != -1)
			rc = zmq_send(sock, ij, strlen(ij), 0);
		free(ij);
		if (rc == -1)
			goto fail_frames;
next:
		for (int i = 0; i < n; i++)
			zmq_msg_close(&f[i]);
		/* after a very large article, give its memory back */
		scratch_trim(scratch);
		if (out.cap > (8u << 20))
			buf_free(&out);
		continue;
fail_frames:
		log_warnx("send: %s", zmq_strerror(zmq_errno()));
		for (int i = 0; i < n; i++)
			zmq_msg_close(&f[i]);
		goto fail;
	}
fail:
	article_clear(&art);
	buf_free(&out);
	scratch_destroy(&scratch);
	if (sock)
		zmq_close(sock);
	if (ctx)
		zmq_ctx_term(ctx);
	_exit(status);
}
