/*
 * config.h - the daemon's configuration file (INI, read with inih).
 *
 * Every key is documented in etc/nerd.conf. Relative paths in [engine]
 * are taken from the configuration file's directory, so that the bundled
 * file works from a checkout and the installed one from anywhere.
 */
#ifndef NERD_CONFIG_H
#define NERD_CONFIG_H

#include <stddef.h>

enum output_mode { OUTPUT_PUB, OUTPUT_PUSH };

struct config {
	char path[4096];          /* the file this was read from */
	int workers;              /* >= 1 after config_load() */
	unsigned deadline_ms;     /* per article, once a worker starts it */
	unsigned reload_timeout_s; /* the spawner's build of a reload's engine */
	size_t max_message_bytes; /* whole input message (both frames) */
	double stats_interval_s;  /* 0: never publish stats */
	unsigned prefetch;        /* articles a worker may hold at once */
	char runtime_dir[256];    /* the control socket's, by default */
	int runtime_dir_tmp;      /* it is the /tmp/nerd-<uid> fallback,
	                             which must be ours and private */

	/* [engine]: image, or gazetteers + rules. Absolute paths. */
	char image[4096];
	char gazetteers[4096];
	char rules[4096];
	int nested;

	/* [endpoints]: "bind:URL" or "connect:URL", several separated by
	 * spaces; "" disables that socket. */
	char ingest[1024];
	char ingest_acked[1024];
	char output[1024];
	enum output_mode output_mode;
	char control[1024];       /* default: bind:ipc://<runtime_dir>/
	                             nerd.control */

	/* [security]: absolute paths, "" when unset. The server's secret
	 * key makes every socket with a network (non-ipc) endpoint a CURVE
	 * server; curve_allowed lists the client keys it accepts. The
	 * client keys are what feed, sub and ctl present. */
	char curve_server_secret[4096];
	char curve_allowed[4096];
	char curve_server_public[4096];
	char curve_client_secret[4096];
};

/* Fill c with the built-in defaults (loopback endpoints, the control
 * socket an ipc socket in the runtime directory). */
void config_defaults(struct config *c);

/*
 * Read path over the defaults already in c. Returns 0, or -1 with a
 * "file:line: message" reason in err.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/*
 * Attach a ZeroMQ socket to every endpoint in spec ("bind:tcp://...
 * connect:ipc://..."). Returns 0, or -1 with the reason in err.
 */
int config_attach(void *sock, const char *spec, char *err, size_t errlen);

/* Undo config_attach() (unbind / disconnect), ignoring errors. */
void config_detach(void *sock, const char *spec);

/* Does spec ("bind:URL connect:URL ...") name a network endpoint (one
 * that is not ipc:// or inproc://)? */
int config_spec_is_network(const char *spec);

/*
 * The address a client should connect to for the first endpoint in spec:
 * "bind:tcp://0.0.0.0:5561" (or a * host) gives "tcp://127.0.0.1:5561". Returns 0 or -1.
 */
int config_client_endpoint(const char *spec, char *out, size_t outlen);

/*
 * The configuration file a client uses when not told: $NERD_CONF, else
 * the installed one if it exists, else NULL (built-in defaults).
 */
const char *config_default_path(void);

#endif
