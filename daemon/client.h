/*
 * client.h - what the client commands (feed, sub, ctl) share: finding
 * the daemon's endpoint from -e or from the configuration file.
 */
#ifndef NERD_CLIENT_H
#define NERD_CLIENT_H

#include <stddef.h>

enum client_endpoint { CLIENT_INGEST, CLIENT_ACKED, CLIENT_OUTPUT,
	CLIENT_CONTROL };

/*
 * The URL to connect to: endpoint if given, else the key of the
 * configuration file conf (or the default file, or the built-in
 * defaults). Returns 0, or -1 after printing why to stderr.
 * *push_output is set when the configured output is a PUSH (may be NULL).
 */
int client_endpoint(const char *endpoint, const char *conf,
    enum client_endpoint which, char *out, size_t outlen, int *push_output);

/* Monotonic seconds. */
double client_now(void);

#endif
