/*
 * sockmon.h - what happens to the connections of one of the master's
 * sockets, from ZeroMQ's monitor events (zmq_socket_monitor).
 *
 * ZeroMQ drops a message over ZMQ_MAXMSGSIZE by closing its sender's
 * connection without a word to anyone (issue 8): the monitor is the only
 * place that shows it. libzmq 4.3 gives a disconnect no reason, so a drop
 * and a producer that simply closed look alike: `disconnects` counts both
 * (the connections that had completed their handshake and then ended),
 * and the log says so. Failed handshakes (a client without CURVE, a
 * wrong server key, a key the ZAP handler refused, a port scanner) are
 * counted apart in `handshake_failed`.
 */
#ifndef NERD_SOCKMON_H
#define NERD_SOCKMON_H

#include <stddef.h>
#include <stdint.h>

struct sockmon {
	void *pair;            /* PAIR reading the monitor's events, owned */
	char name[24];         /* "ingest", "ingest_acked", "output", ... */
	int log_disconnects;   /* ingest sockets: log each (rate-limited) */
	size_t max_msg;        /* the socket's ZMQ_MAXMSGSIZE, for the log */
	uint64_t disconnects;  /* handshaked connections that ended */
	uint64_t handshake_failed;
	unsigned pending_failed;   /* failed handshakes whose disconnect
	                              is still to come */
	double last_disc_log, last_hs_log;   /* monotonic s */
	unsigned unlogged_disc, unlogged_hs;
};

/*
 * Start monitoring sock (owned by the caller, who must close it before
 * sockmon_close) under name. Returns 0, or -1 with err set.
 */
int sockmon_open(struct sockmon *m, void *ctx, void *sock, const char *name,
    int log_disconnects, size_t max_msg, char *err, size_t errlen);

/* Take one event. Returns 0, or -1 when none was waiting. */
int sockmon_take(struct sockmon *m, double now);

void sockmon_close(struct sockmon *m);

#endif
