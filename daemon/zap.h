/*
 * zap.h - the master's ZAP handler (ZeroMQ RFC 27, ZAP 1.0): libzmq asks
 * it, over inproc://zeromq.zap.01, whether each CURVE client that
 * completed its handshake may connect. It answers 200 for a public key in
 * the allowed set and 400 for any other, counts both, and logs refusals,
 * at most once a minute per peer address.
 *
 * It runs in the master's poll loop (no thread): zap_take() answers one
 * request without blocking. A client waits in its handshake while the
 * loop is busy (a reload), which only delays it.
 */
#ifndef NERD_ZAP_H
#define NERD_ZAP_H

#include <stddef.h>
#include <stdint.h>

#include "curve.h"

#define ZAP_PEERS 64

struct zap {
	void *sock;                 /* REP at inproc://zeromq.zap.01, owned */
	struct curve_keyset allowed;
	char path[4096];            /* where the allowed keys were read */
	uint64_t accepted, refused;
	struct {                    /* refusal log, by peer address */
		char addr[64];
		double last;        /* monotonic s of the last line; 0: free */
		unsigned unlogged;  /* refusals since then */
	} peers[ZAP_PEERS];
};

/*
 * Load the allowed keys from path (a file or a folder of *.pub, see
 * curve_keyset_load) and bind the handler in ctx. Must happen before any
 * CURVE socket of ctx binds. Returns 0, or -1 with err set.
 */
int zap_open(struct zap *z, void *ctx, const char *path, char *err,
    size_t errlen);

/* Read the allowed keys again; on failure keep the old set. 0 or -1. */
int zap_reload(struct zap *z, char *err, size_t errlen);

/* Answer one waiting request. Returns 0, or -1 when none was waiting. */
int zap_take(struct zap *z, double now);

void zap_close(struct zap *z);

#endif
