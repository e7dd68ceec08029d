/*
 * publish.c - numbered output messages, an outbox for PUSH backpressure,
 * and acknowledgements sent only after publication.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "publish.h"
#include "zretry.h"

struct outmsg {
	char topic[24];
	zmq_msg_t body;
	struct ackroute ack;
	char *ack_body;          /* owned, or NULL */
	struct outmsg *next;
};

void publish_open(struct publisher *p, void *sock, enum output_mode mode,
    void *ack_sock)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
	p->ack_sock = ack_sock;
	p->sock = sock;
}

void ackroute_clear(struct ackroute *r)
{
	for (int i = 0; i < r->n; i++)
		zmq_msg_close(&r->frames[i]);
	r->n = 0;
}

static void send_ack(struct publisher *p, struct ackroute *r, const char *body)
{
	if (!r || r->n == 0)
		return;
	if (p->ack_sock) {
		int ok = 1;
		for (int i = 0; i < r->n && ok; i++)
			ok = zr_msg_send(&r->frames[i], p->ack_sock,
			    ZMQ_SNDMORE | ZMQ_DONTWAIT) != -1;
		/* The producer may be gone: ROUTER then drops, as it should. */
		if (ok && zr_send(p->ack_sock, body, strlen(body),
		    ZMQ_DONTWAIT) != -1)
			p->acks++;
	}
	ackroute_clear(r);
}

static void ack_body(char *out, size_t outlen, const char *id_json,
    const char *kind)
{
	if (kind)
		snprintf(out, outlen, "{\"id\":%s,\"status\":\"error\","
		    "\"error\":\"%s\"}", id_json ? id_json : "null", kind);
	else
		snprintf(out, outlen, "{\"id\":%s,\"status\":\"ok\"}",
		    id_json ? id_json : "null");
}

/*
 * Try to send topic + body now. Returns 0 once the socket has taken both
 * frames, 1 if it is full (EAGAIN: the message waits in the outbox), -1
 * if the send failed otherwise (logged): then nothing was published, and
 * the message must not be acknowledged; an acked producer will resend it.
 * A signal (EINTR) is neither: it is retried (zretry.h). Taking it for
 * "sent" acknowledged annotations that no subscriber ever saw.
 */
static int try_send(struct publisher *p, const char *topic, zmq_msg_t *body)
{
	if (zr_send(p->sock, topic, strlen(topic),
	    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1) {
		if (zmq_errno() == EAGAIN)
			return 1;
		log_warnx("output: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	/* Once the first frame is taken the rest of the message is too. */
	if (zr_msg_send(body, p->sock, 0) == -1) {
		log_warnx("output: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

/* Publish body (moved) or keep it in the outbox; ack after publication. */
static void emit(struct publisher *p, const char *topic, zmq_msg_t *body,
    struct ackroute *r, const char *ackbody)
{
	int rc = p->head ? 1 : try_send(p, topic, body);
	if (rc != 1) {
		zmq_msg_close(body);
		if (rc == 0)
			send_ack(p, r, ackbody);
		else if (r)
			ackroute_clear(r);
		return;
	}
	struct outmsg *m = calloc(1, sizeof *m);
	if (!m)
		abort();
	snprintf(m->topic, sizeof m->topic, "%s", topic);
	zmq_msg_init(&m->body);
	zmq_msg_move(&m->body, body);
	zmq_msg_close(body);
	if (r && r->n) {
		for (int i = 0; i < r->n; i++) {
			zmq_msg_init(&m->ack.frames[i]);
			zmq_msg_move(&m->ack.frames[i], &r->frames[i]);
		}
		m->ack.n = r->n;
		ackroute_clear(r);
		m->ack_body = strdup(ackbody);
	}
	if (p->tail)
		p->tail->next = m;
	else
		p->head = m;
	p->tail = m;
	p->queued++;
}

void publish_flush(struct publisher *p)
{
	while (p->head) {
		struct outmsg *m = p->head;
		int rc = try_send(p, m->topic, &m->body);
		if (rc == 1)
			return;
		zmq_msg_close(&m->body);
		if (rc == 0)
			send_ack(p, &m->ack, m->ack_body);
		else
			ackroute_clear(&m->ack);
		free(m->ack_body);
		p->head = m->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		free(m);
	}
}

void publish_annotation(struct publisher *p, const char *lang,
    const char *ann, size_t len, size_t seq_off, size_t seq_len,
    struct ackroute *r, const char *id_json)
{
	char topic[24], ack[512];
	zmq_msg_t body;
	uint64_t seq = ++p->seq;

	snprintf(topic, sizeof topic, "ann.%s", *lang ? lang : "und");
	if (seq_len == 0 || seq_off + seq_len > len) {
		zmq_msg_init_size(&body, len);
		memcpy(zmq_msg_data(&body), ann, len);
	} else {
		/* Splice the seq in: the worker cannot know it, since results
		 * come back out of order and seq follows publication. */
		char digits[24];
		size_t n = (size_t)snprintf(digits, sizeof digits, "%" PRIu64,
		    seq);
		zmq_msg_init_size(&body, len - seq_len + n);
		char *d = zmq_msg_data(&body);
		memcpy(d, ann, seq_off);
		memcpy(d + seq_off, digits, n);
		memcpy(d + seq_off + n, ann + seq_off + seq_len,
		    len - seq_off - seq_len);
	}
	if (r && r->n && strlen(id_json ? id_json : "null") > 400)
		id_json = NULL;   /* an ack names the id; a huge one is cut */
	ack_body(ack, sizeof ack, id_json, NULL);
	emit(p, topic, &body, r, ack);
}

void publish_error(struct publisher *p, const char *id_json, const char *kind,
    const char *msg, struct ackroute *r)
{
	json_t *id = NULL;
	if (id_json)
		id = json_loads(id_json, JSON_DECODE_ANY, NULL);
	json_t *o = json_pack("{s:s, s:I, s:o, s:s, s:s}",
	    "schema", "nerd.error/1", "seq", (json_int_t)++p->seq,
	    "id", id ? id : json_null(), "error", kind, "message", msg ? msg : "");
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!s) {
		log_warnx("cannot write the err event for %s", kind);
		ackroute_clear(r);
		return;
	}
	zmq_msg_t body;
	zmq_msg_init_size(&body, strlen(s));
	memcpy(zmq_msg_data(&body), s, strlen(s));
	free(s);
	char ack[512];
	ack_body(ack, sizeof ack, id_json && strlen(id_json) < 400 ? id_json :
	    NULL, kind);
	emit(p, "err", &body, r, ack);
}

void publish_stats(struct publisher *p, void *json_stats)
{
	json_t *o = json_stats;
	json_object_set_new(o, "seq", json_integer((json_int_t)++p->seq));
	char *s = json_dumps(o, JSON_COMPACT);
	if (!s)
		return;
	zmq_msg_t body;
	zmq_msg_init_size(&body, strlen(s));
	memcpy(zmq_msg_data(&body), s, strlen(s));
	free(s);
	emit(p, "stats", &body, NULL, NULL);
}

void publish_close(struct publisher *p, int linger_ms)
{
	while (p->head) {
		struct outmsg *m = p->head;
		p->head = m->next;
		zmq_msg_close(&m->body);
		ackroute_clear(&m->ack);
		free(m->ack_body);
		free(m);
	}
	p->tail = NULL;
	p->queued = 0;
	if (p->sock) {
		zmq_setsockopt(p->sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
		zmq_close(p->sock);
		p->sock = NULL;
	}
}
