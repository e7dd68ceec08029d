/*
 * publish.h - the output socket: annotations, error events and stats,
 * each numbered with this publisher's seq, and the acknowledgements that
 * must follow publication.
 *
 * Every message is two frames: a topic ("ann.<lang>", "err", "stats"),
 * then one JSON object. With output_mode = pub the socket is a PUB, which
 * drops for a subscriber past its high-water mark (seq shows the gap).
 * With push it is a PUSH: when no consumer can take a message it waits in
 * an outbox, in order, and the master stops reading input until the
 * outbox drains (backpressure instead of loss). An acknowledgement is
 * sent only once its message has left the outbox.
 */
#ifndef NERD_PUBLISH_H
#define NERD_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "config.h"

struct outmsg;

/* Where an acknowledgement goes: the acked ROUTER's routing frames. */
struct ackroute {
	zmq_msg_t frames[2];   /* identity, then REQ's empty delimiter */
	int n;                 /* 0: the article came unacknowledged */
};

struct publisher {
	void *sock;            /* PUB or PUSH, owned */
	void *ack_sock;        /* the acked ingest ROUTER, borrowed */
	enum output_mode mode;
	uint64_t seq;          /* last seq used */
	struct outmsg *head, *tail;
	size_t queued;         /* messages in the outbox */
	uint64_t acks;         /* acknowledgements sent */
};

/*
 * Start publishing on sock, a PUB or PUSH (per mode) already attached to
 * its endpoints; the publisher takes it (publish_close closes it).
 * ack_sock is borrowed.
 */
void publish_open(struct publisher *p, void *sock, enum output_mode mode,
    void *ack_sock);
/* Close, waiting up to linger_ms for queued messages to leave. */
void publish_close(struct publisher *p, int linger_ms);

/*
 * Publish an annotation written by a worker with seq 0: the digits at
 * ann[seq_off .. seq_off + seq_len) are replaced by this publisher's next
 * seq (seq_len 0: nothing to replace). lang names the topic. The ack
 * route, if any, is moved into the publisher (r->n is 0 afterwards), and
 * {"id": id_json, "status": "ok"} is sent on it after publication.
 */
void publish_annotation(struct publisher *p, const char *lang,
    const char *ann, size_t len, size_t seq_off, size_t seq_len,
    struct ackroute *r, const char *id_json);

/*
 * Publish {"schema":"nerd.error/1","seq":N,"id":id,"error":kind,
 * "message":msg} on "err". id_json is the id as JSON text, or NULL for
 * null. The ack route, if any, is answered with status "error".
 */
void publish_error(struct publisher *p, const char *id_json, const char *kind,
    const char *msg, struct ackroute *r);

/* Publish a stats object (borrowed; "seq" is added to it) on "stats". */
void publish_stats(struct publisher *p, void *json_stats);

/* Send what the outbox holds, as far as the socket takes it. */
void publish_flush(struct publisher *p);

/* Free an ack route that will not be answered. */
void ackroute_clear(struct ackroute *r);

#endif
