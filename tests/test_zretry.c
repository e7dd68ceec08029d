/*
 * A signal that lands inside a ZeroMQ send makes it fail with EINTR
 * before anything was queued. The master blocks its signals (serve.c), so
 * that should not happen there any more; this test holds the second line
 * of defence, the senders themselves (zretry.h), without any signal: it
 * defines zmq_send() and zmq_msg_send() over libzmq's own (the program's
 * definitions win over the shared library's) and makes chosen calls fail.
 *
 * What it pins down, each found broken in CI under load before:
 * - publish.c: an annotation whose send was interrupted is still
 *   published, whole, and acknowledged only then; a send that really
 *   failed is not acknowledged (so an acked producer resends it).
 * - dispatch.c (a socketpair, not ZeroMQ, since issue 7): a send to a
 *   live worker that is interrupted or takes only part of a message does
 *   not mark it unreachable (it would get no work, nor a quit, again),
 *   and the rest is written later: the jobs reach it intact and in order.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zmq.h>

#include "check.h"
#include "dispatch.h"
#include "publish.h"
#include "worker.h"

/* 0: off; n: the n-th send from now fails with fail_errno. */
static int fail_in, fail_errno;
static int failed;

static int inject(void)
{
	if (fail_in && --fail_in == 0) {
		failed++;
		errno = fail_errno;
		return -1;
	}
	return 0;
}

int zmq_send(void *s, const void *buf, size_t len, int flags)
{
	static int (*real)(void *, const void *, size_t, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "zmq_send");
	if (inject() == -1)
		return -1;
	return real(s, buf, len, flags);
}

int zmq_msg_send(zmq_msg_t *m, void *s, int flags)
{
	static int (*real)(zmq_msg_t *, void *, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "zmq_msg_send");
	if (inject() == -1)
		return -1;
	return real(m, s, flags);
}

static void arm(int nth, int err)
{
	fail_in = nth;
	fail_errno = err;
	failed = 0;
}

/* Receive one whole message into frames (at most max, each NUL-ended,
 * up to 255 bytes). Returns the number of frames, 0 on timeout. */
static int recv_frames(void *s, char frames[][256], int max, long ms)
{
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	if (zmq_poll(&it, 1, ms) <= 0)
		return 0;
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s, 0) == -1) {
			zmq_msg_close(&m);
			break;
		}
		more = zmq_msg_more(&m);
		if (n < max) {
			size_t l = zmq_msg_size(&m) < 255 ? zmq_msg_size(&m) : 255;
			memcpy(frames[n], zmq_msg_data(&m), l);
			frames[n][l] = '\0';
		}
		n++;
		zmq_msg_close(&m);
	}
	return n;
}

/* The producer's DEALER says something, so that the acked ROUTER knows
 * its route; r receives the route as serve.c would keep it. */
static void ack_route(void *router, void *dealer, struct ackroute *r)
{
	zmq_msg_t id, body;
	zmq_send(dealer, "x", 1, 0);
	zmq_msg_init(&id);
	zmq_msg_init(&body);
	CHECK(zmq_msg_recv(&id, router, 0) != -1);
	CHECK(zmq_msg_recv(&body, router, 0) != -1);
	zmq_msg_close(&body);
	zmq_msg_init(&r->frames[0]);
	zmq_msg_move(&r->frames[0], &id);
	zmq_msg_close(&id);
	r->n = 1;
}

static void test_publish(void *ctx)
{
	static const char ann[] = "{\"schema\":\"nerd.annotation/1\",\"seq\":0,"
	    "\"id\":\"a\"}";
	const size_t seq_off = strstr(ann, "\"seq\":") - ann + 6;
	char f[4][256];
	int zero = 0;
	void *xpub = zmq_socket(ctx, ZMQ_XPUB);
	void *sub = zmq_socket(ctx, ZMQ_SUB);
	void *acks = zmq_socket(ctx, ZMQ_ROUTER);
	void *producer = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(acks, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(producer, ZMQ_LINGER, &zero, sizeof zero);
	CHECK(zmq_bind(xpub, "inproc://out") == 0);
	CHECK(zmq_bind(acks, "inproc://acks") == 0);
	CHECK(zmq_connect(sub, "inproc://out") == 0);
	CHECK(zmq_connect(producer, "inproc://acks") == 0);
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	char b[8];
	CHECK(zmq_recv(xpub, b, sizeof b, 0) == 1 && b[0] == 1);

	struct publisher p;
	struct ackroute r = {0};
	publish_open(&p, xpub, OUTPUT_PUB, acks);

	/* 1. the topic frame interrupted: published whole, then acked */
	ack_route(acks, producer, &r);
	arm(1, EINTR);
	publish_annotation(&p, "en", ann, strlen(ann), seq_off, 1, &r, "\"a1\"");
	CHECK(failed == 1);
	CHECK(recv_frames(sub, f, 4, 1000) == 2);
	CHECK_STR(f[0], "ann.en");
	CHECK(strstr(f[1], "\"seq\":1,") != NULL);
	CHECK(recv_frames(producer, f, 4, 1000) == 1);
	CHECK_STR(f[0], "{\"id\":\"a1\",\"status\":\"ok\"}");

	/* 2. the body frame interrupted: still two frames, not a topic
	 * alone with the next message glued to it */
	ack_route(acks, producer, &r);
	arm(2, EINTR);
	publish_annotation(&p, "fr", ann, strlen(ann), seq_off, 1, &r, "\"a2\"");
	CHECK(failed == 1);
	publish_error(&p, "\"a3\"", "not_json", "test", NULL);
	CHECK(recv_frames(sub, f, 4, 1000) == 2);
	CHECK_STR(f[0], "ann.fr");
	CHECK(strstr(f[1], "\"seq\":2,") != NULL);
	CHECK(recv_frames(sub, f, 4, 1000) == 2);
	CHECK_STR(f[0], "err");
	CHECK(recv_frames(producer, f, 4, 1000) == 1);
	CHECK_STR(f[0], "{\"id\":\"a2\",\"status\":\"ok\"}");

	/* 3. a send that really failed: not published, so not acked */
	ack_route(acks, producer, &r);
	arm(1, ENOTSUP);
	publish_annotation(&p, "ar", ann, strlen(ann), seq_off, 1, &r, "\"a4\"");
	CHECK(failed == 1);
	CHECK(r.n == 0);
	CHECK(recv_frames(sub, f, 4, 200) == 0);
	CHECK(recv_frames(producer, f, 4, 200) == 0);
	CHECK(p.queued == 0);
	arm(0, 0);

	publish_close(&p, 0);
	zmq_close(sub);
	zmq_close(acks);
	zmq_close(producer);
}

/*
 * send() over libc's for the master's end of a worker's socketpair: the
 * nth call fails with EINTR, and every call writes at most send_cap
 * bytes (a short count, as a full socket buffer gives).
 */
static int send_fd = -1, send_eintr_in, send_cap, send_calls;

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, const void *, size_t, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "send");
	if (fd == send_fd) {
		send_calls++;
		if (send_eintr_in && --send_eintr_in == 0) {
			errno = EINTR;
			return -1;
		}
		if (send_cap && len > (size_t)send_cap)
			len = (size_t)send_cap;
	}
	return real(fd, buf, len, flags);
}

/* Read what the worker's end holds into b (non-blocking). */
static void drain(int fd, struct buf *b)
{
	for (;;) {
		buf_reserve(b, 65536);
		ssize_t r = recv(fd, b->data + b->len, 65536, MSG_DONTWAIT);
		if (r <= 0)
			return;
		b->len += (size_t)r;
	}
}

/*
 * dispatch.c over a socketpair: jobs larger than the socket buffer, sent
 * in short counts with a signal in between, reach the worker whole and in
 * order once the master has flushed on POLLOUT; the worker stays ready.
 */
static void test_dispatch(void)
{
	enum { NJOBS = 3, TEXT = 300000 };
	int sv[2], small = 4096;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);

	struct dispatch d;
	CHECK(dispatch_init(&d, 1, 4) == 0);
	struct wslot *w = &d.slots[0];
	w->pid = 1;            /* a stand-in: nothing is forked here */
	w->fd = sv[0];
	w->index = 1;
	w->ready = 1;

	static char text[TEXT];
	for (int i = 0; i < TEXT; i++)
		text[i] = (char)('a' + i % 26);
	uint64_t ids[NJOBS];
	for (int k = 0; k < NJOBS; k++) {
		struct job *j = job_new();
		zmq_msg_init_size(&j->frames[0], 9);
		memcpy(zmq_msg_data(&j->frames[0]), "{\"id\":42}", 9);
		zmq_msg_init_size(&j->frames[1], TEXT - k);
		memcpy(zmq_msg_data(&j->frames[1]), text, TEXT - k);
		j->nframes = 2;
		dispatch_submit(&d, j);
		ids[k] = j->id;
	}
	send_fd = sv[0];
	send_eintr_in = 2;
	send_cap = 1000;
	send_calls = 0;
	dispatch_run(&d, 0);
	CHECK(d.queued == 0);
	CHECK(w->nheld == NJOBS);
	CHECK(w->ready == 1);
	CHECK(w->out.len > w->out_off);     /* the rest waits for POLLOUT */

	struct buf in = {0};
	for (int rounds = 0; rounds < 100000; rounds++) {
		drain(sv[1], &in);
		if (w->out.len == w->out_off)
			break;
		if (rounds == 5)
			send_eintr_in = 1;
		dispatch_flush(w);
		CHECK(w->ready == 1);
	}
	drain(sv[1], &in);
	CHECK(w->out.len == 0 && w->out_off == 0);
	CHECK(send_calls > NJOBS * 2 * TEXT / 1000 / 2);

	size_t off = 0;
	for (int k = 0; k < NJOBS; k++) {
		struct wire_hdr h;
		const char *part[WIRE_MAX_PARTS];
		size_t need;
		long long sz = wire_next(in.data + off, in.len - off, &h, part,
		    &need);
		CHECK(sz > 0);
		if (sz <= 0)
			break;
		CHECK(h.type == 'J' && h.job == ids[k] && h.nparts == 2);
		CHECK(h.len[0] == 9 && !memcmp(part[0], "{\"id\":42}", 9));
		CHECK(h.len[1] == (uint64_t)(TEXT - k) &&
		    !memcmp(part[1], text, TEXT - k));
		off += (size_t)sz;
	}
	CHECK(off == in.len);
	send_fd = -1;
	send_eintr_in = send_cap = 0;

	buf_free(&in);
	dispatch_free(&d);     /* closes sv[0] */
	close(sv[1]);
}

int main(void)
{
	void *ctx = zmq_ctx_new();
	test_publish(ctx);
	test_dispatch();
	zmq_ctx_term(ctx);
	return test_done("zretry");
}
