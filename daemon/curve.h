/*
 * curve.h - CURVE keys: the files `nerd keygen` writes, the set of client
 * keys a server accepts, and the socket options that make a ZeroMQ socket
 * a CURVE server or client.
 *
 * A key file holds one key as 40 Z85 characters on a line of its own;
 * blank lines and lines starting with # are comments. A secret key file
 * must not be readable by group or others (as ssh insists for its keys):
 * curve_read_key() refuses one that is.
 */
#ifndef NERD_CURVE_H
#define NERD_CURVE_H

#include <stddef.h>
#include <stdint.h>

#define CURVE_KEY_BYTES 32
#define CURVE_Z85_LEN 40

/* Is CURVE built into this libzmq (it needs libsodium)? */
int curve_available(void);

/*
 * Read the first key of the file at path into key. secret: the file is a
 * secret key, whose mode must keep group and others out. Returns 0, or -1
 * with "path: reason" in err.
 */
int curve_read_key(const char *path, int secret, uint8_t key[CURVE_KEY_BYTES],
    char *err, size_t errlen);

/* The public key of a secret key. Returns 0 or -1. */
int curve_public_of(const uint8_t secret[CURVE_KEY_BYTES],
    uint8_t public_key[CURVE_KEY_BYTES]);

/* key as 40 Z85 characters and a NUL (out has room for 41). */
void curve_z85(const uint8_t key[CURVE_KEY_BYTES], char out[CURVE_Z85_LEN + 1]);

/* The client public keys a server accepts, sorted for bsearch. */
struct curve_keyset {
	uint8_t (*keys)[CURVE_KEY_BYTES];   /* owned */
	size_t n;
};

/*
 * Load the set from path: a file of keys (every key line counts, so one
 * file may list many), or a folder whose *.pub files are read so. An
 * empty set is an error (it would refuse everyone, surely by mistake).
 * On success *s is replaced (the old set freed); on failure *s is left as
 * it was. Returns 0, or -1 with the reason in err.
 */
int curve_keyset_load(struct curve_keyset *s, const char *path, char *err,
    size_t errlen);
int curve_keyset_has(const struct curve_keyset *s,
    const uint8_t key[CURVE_KEY_BYTES]);
void curve_keyset_free(struct curve_keyset *s);

/*
 * Make sock a CURVE server with this secret key, authenticated through
 * the ZAP handler under domain "nerd". Before bind/connect. Returns 0 or
 * -1 (zmq_errno() says why). The ZAP handler must be bound first and
 * live as long as the socket: libzmq 4.3 lets every client in when no
 * handler is there (ZMQ_ZAP_ENFORCE_DOMAIN is a draft option).
 */
int curve_server_setup(void *sock, const uint8_t secret[CURVE_KEY_BYTES]);

/* Make sock a CURVE client of the server with server_public. Before
 * connect. Returns 0 or -1. */
int curve_client_setup(void *sock,
    const uint8_t server_public[CURVE_KEY_BYTES],
    const uint8_t client_secret[CURVE_KEY_BYTES]);

/*
 * Is the endpoint URL (no bind:/connect: prefix) one that leaves the
 * host's file system, i.e. anything but ipc:// and inproc://? Those are
 * the ones CURVE protects.
 */
int curve_url_is_network(const char *url);

#endif
