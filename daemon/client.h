/*
 * client.h - what the client commands (feed, sub, ctl) share: finding
 * the daemon's endpoint from -e or from the configuration file, and the
 * CURVE keys to present there.
 */
#ifndef NERD_CLIENT_H
#define NERD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "curve.h"

enum client_endpoint { CLIENT_INGEST, CLIENT_ACKED, CLIENT_OUTPUT,
	CLIENT_CONTROL };

struct client_target {
	char url[1024];
	int bind;             /* bind to url instead (-e bind:URL): hosts
	                         connect to this producer or subscriber */
	int push_output;      /* the configured output is a PUSH */
	int curve;            /* connect as a CURVE client with these keys */
	uint8_t server_public[CURVE_KEY_BYTES];
	uint8_t client_secret[CURVE_KEY_BYTES];
};

/*
 * Where and how to connect: endpoint if given ("URL", "connect:URL", or
 * "bind:URL" for a producer or subscriber that nerd hosts connect to,
 * the scale-out topology of the README), else the key of the
 * configuration file conf (or the default file, or the built-in
 * defaults). CURVE is used for a network (non-ipc) URL when a client
 * secret key is known (client_key, else [security] curve_client_secret);
 * the server's public key is server_key, else curve_server_public, else
 * derived from curve_server_secret when that file is readable. A
 * configuration whose daemon demands CURVE on that socket, with no client
 * key at hand, is an error. client_key and server_key may be NULL.
 * Returns 0, or -1 after printing why to stderr (prefixed with who).
 */
int client_target(const char *who, const char *endpoint, const char *conf,
    enum client_endpoint which, const char *client_key, const char *server_key,
    struct client_target *t);

/* Apply t's CURVE keys to sock and connect it to t->url (bind, with
 * t->bind). Returns 0, or -1 after printing why. */
int client_connect(const char *who, void *sock, const struct client_target *t);

/* Forget the secret key held in t. */
void client_target_clear(struct client_target *t);

/* Monotonic seconds. */
double client_now(void);

#endif
