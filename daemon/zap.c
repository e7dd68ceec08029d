/*
 * zap.c - the ZAP 1.0 handler: allowed CURVE client keys in, 200 or 400
 * out.
 *
 * A request is: version "1.0", request id, domain, peer address, routing
 * id, mechanism, then the credentials (for CURVE one frame: the client's
 * 32-byte public key). The reply is: version, the same request id, status
 * code, status text, user id, metadata (empty).
 */
#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "log.h"
#include "zap.h"
#include "zretry.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 8
#define LOG_EVERY_S 60.0

int zap_open(struct zap *z, void *ctx, const char *path, char *err,
    size_t errlen)
{
	memset(z, 0, sizeof *z);
	snprintf(z->path, sizeof z->path, "%s", path);
	if (curve_keyset_load(&z->allowed, path, err, errlen) == -1)
		return -1;
	int zero = 0;
	z->sock = zmq_socket(ctx, ZMQ_REP);
	if (!z->sock || zmq_setsockopt(z->sock, ZMQ_LINGER, &zero,
	    sizeof zero) == -1 || zmq_bind(z->sock, ZAP_ENDPOINT) == -1) {
		snprintf(err, errlen, "ZAP handler %s: %s", ZAP_ENDPOINT,
		    zmq_strerror(zmq_errno()));
		zap_close(z);
		return -1;
	}
	return 0;
}

int zap_reload(struct zap *z, char *err, size_t errlen)
{
	return curve_keyset_load(&z->allowed, z->path, err, errlen);
}

/* Log a refusal unless this address had its line in the last minute. */
static void log_refusal(struct zap *z, const char *addr, const char *key,
    const char *why, double now)
{
	int slot = -1, oldest = 0;
	for (int i = 0; i < ZAP_PEERS; i++) {
		if (z->peers[i].last && !strcmp(z->peers[i].addr, addr)) {
			slot = i;
			break;
		}
		if (z->peers[i].last < z->peers[oldest].last)
			oldest = i;
	}
	if (slot >= 0 && now - z->peers[slot].last < LOG_EVERY_S) {
		z->peers[slot].unlogged++;
		return;
	}
	unsigned more = slot >= 0 ? z->peers[slot].unlogged : 0;
	if (slot < 0) {
		slot = oldest;
		snprintf(z->peers[slot].addr, sizeof z->peers[slot].addr, "%s",
		    addr);
	}
	z->peers[slot].last = now;
	z->peers[slot].unlogged = 0;
	if (more)
		log_warnx("refused a client from %s: %s%s (and %u more "
		    "refusals from there in the last minute)", addr, why, key,
		    more);
	else
		log_warnx("refused a client from %s: %s%s", addr, why, key);
}

int zap_take(struct zap *z, double now)
{
	zmq_msg_t f[ZAP_FRAMES];
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t x;
		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, z->sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&x);
			if (n == 0)
				return -1;
			continue;   /* the rest of a multipart is there */
		}
		more = zmq_msg_more(&x);
		if (n < ZAP_FRAMES) {
			zmq_msg_init(&f[n]);
			zmq_msg_move(&f[n++], &x);
		}
		zmq_msg_close(&x);
	}

	char addr[64] = "?", mech[16] = "", key[CURVE_Z85_LEN + 1] = "";
	const char *code = "400", *text = "not an allowed client key", *why;
	if (n >= 4)
		snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]),
		    (char *)zmq_msg_data(&f[3]));
	if (n >= 6)
		snprintf(mech, sizeof mech, "%.*s", (int)zmq_msg_size(&f[5]),
		    (char *)zmq_msg_data(&f[5]));
	if (n < 6 || zmq_msg_size(&f[0]) != 3 ||
	    memcmp(zmq_msg_data(&f[0]), "1.0", 3)) {
		code = "500";
		text = "malformed ZAP request";
		why = "malformed ZAP request";
	} else if (strcmp(mech, "CURVE") || n != 7 ||
	    zmq_msg_size(&f[6]) != CURVE_KEY_BYTES) {
		/* Only CURVE sockets ask; anything else is refused. */
		why = "mechanism is not CURVE";
	} else {
		curve_z85(zmq_msg_data(&f[6]), key);
		if (curve_keyset_has(&z->allowed, zmq_msg_data(&f[6]))) {
			code = "200";
			text = "OK";
		}
		why = "unknown client key ";
	}
	if (*code == '2') {
		z->accepted++;
		log_debug("accepted client %s from %s", key, addr);
	} else {
		z->refused++;
		log_refusal(z, addr, key, why, now);
	}

	/* The reply: echo the version and request id. */
	const char *user = *code == '2' ? key : "";
	int ok = 1;
	if (n >= 2) {
		ok = zr_send(z->sock, "1.0", 3, ZMQ_SNDMORE) != -1 &&
		    zr_msg_send(&f[1], z->sock, ZMQ_SNDMORE) != -1;
	} else
		ok = zr_send(z->sock, "1.0", 3, ZMQ_SNDMORE) != -1 &&
		    zr_send(z->sock, "", 0, ZMQ_SNDMORE) != -1;
	if (ok) {
		zr_send(z->sock, code, 3, ZMQ_SNDMORE);
		zr_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
		zr_send(z->sock, user, strlen(user), ZMQ_SNDMORE);
		zr_send(z->sock, "", 0, 0);
	}
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
	return 0;
}

void zap_close(struct zap *z)
{
	if (z->sock)
		zmq_close(z->sock);
	z->sock = NULL;
	curve_keyset_free(&z->allowed);
}
