/*
 * sockmon.c - monitor events of the master's sockets: counted, and
 * logged at most once a minute per socket and kind.
 */
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "log.h"
#include "sockmon.h"
#include "zretry.h"

#define LOG_EVERY_S 60.0
#define EVENTS (ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL \
    | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

int sockmon_open(struct sockmon *m, void *ctx, void *sock, const char *name,
    int log_disconnects, size_t max_msg, char *err, size_t errlen)
{
	char ep[64];
	int zero = 0;
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	m->log_disconnects = log_disconnects;
	m->max_msg = max_msg;
	m->last_disc_log = m->last_hs_log = -LOG_EVERY_S;
	snprintf(ep, sizeof ep, "inproc://nerd.monitor.%s", name);
	if (zmq_socket_monitor(sock, ep, EVENTS) == -1)
		goto fail;
	if (!(m->pair = zmq_socket(ctx, ZMQ_PAIR)))
		goto fail;
	zmq_setsockopt(m->pair, ZMQ_LINGER, &zero, sizeof zero);
	if (zmq_connect(m->pair, ep) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: monitor: %s", name, zmq_strerror(zmq_errno()));
	if (m->pair)
		zmq_close(m->pair);
	m->pair = NULL;
	return -1;
}

/* Log now, or count the line towards the next one. */
static int due(double *last, unsigned *unlogged, double now)
{
	if (now - *last < LOG_EVERY_S) {
		(*unlogged)++;
		return 0;
	}
	*last = now;
	return 1;
}

int sockmon_take(struct sockmon *m, double now)
{
	zmq_msg_t ev, addr;
	zmq_msg_init(&ev);
	zmq_msg_init(&addr);
	if (zmq_msg_recv(&ev, m->pair, ZMQ_DONTWAIT) == -1) {
		zmq_msg_close(&ev);
		zmq_msg_close(&addr);
		return -1;
	}
	/* libzmq 4.x: 6 bytes (uint16 event, uint32 value), then the
	 * endpoint; a malformed event is skipped. */
	if (zmq_msg_more(&ev))
		zr_msg_recv(&addr, m->pair, 0);
	if (zmq_msg_size(&ev) != 6)
		goto done;
	uint16_t event;
	uint32_t value;
	memcpy(&event, zmq_msg_data(&ev), 2);
	memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);

	if (event == ZMQ_EVENT_DISCONNECTED) {
		/* The disconnect that follows a failed handshake is not a
		 * connection that ended: it never began. */
		if (m->pending_failed) {
			m->pending_failed--;
			goto done;
		}
		m->disconnects++;
		if (!m->log_disconnects ||
		    !due(&m->last_disc_log, &m->unlogged_disc, now))
			goto done;
		char more[64] = "";
		if (m->unlogged_disc)
			snprintf(more, sizeof more, "; %u more since the last "
			    "such line", m->unlogged_disc);
		log_info("%s: a producer's connection ended: it closed, or it "
		    "sent a message over %zu bytes, which ZeroMQ drops with "
		    "the connection (ZMQ_MAXMSGSIZE)%s", m->name, m->max_msg,
		    more);
		m->unlogged_disc = 0;
		goto done;
	}
	if (event != ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL &&
	    event != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
	    event != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		goto done;          /* MONITOR_STOPPED and the like */
	m->handshake_failed++;
	m->pending_failed++;
	/* Refusals are logged by the ZAP handler, with the address. */
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
	    !due(&m->last_hs_log, &m->unlogged_hs, now))
		goto done;
	char why[160], more[64] = "";
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
		snprintf(why, sizeof why, "%s", zmq_strerror((int)value));
	else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
		snprintf(why, sizeof why, "security mechanisms differ (a "
		    "client without CURVE, or CURVE against a plain socket)");
	else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
		snprintf(why, sizeof why, "cryptographic error (a client "
		    "with the wrong server key?)");
	else
		snprintf(why, sizeof why, "protocol error 0x%x",
		    (unsigned)value);
	if (m->unlogged_hs)
		snprintf(more, sizeof more, "; %u more since the last such "
		    "line", m->unlogged_hs);
	log_warnx("%s: a client's handshake failed: %s%s", m->name, why, more);
	m->unlogged_hs = 0;
done:
	zmq_msg_close(&ev);
	zmq_msg_close(&addr);
	return 0;
}

void sockmon_close(struct sockmon *m)
{
	if (m->pair)
		zmq_close(m->pair);
	m->pair = NULL;
}
