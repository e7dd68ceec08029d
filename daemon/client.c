/*
 * client.c - endpoint and key resolution for nerd feed, sub and ctl.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "client.h"
#include "config.h"

double client_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *key_name(enum client_endpoint which)
{
	return which == CLIENT_INGEST ? "ingest" : which == CLIENT_ACKED ?
	    "ingest_acked" : which == CLIENT_OUTPUT ? "output" : "control";
}

int client_target(const char *who, const char *endpoint, const char *conf,
    enum client_endpoint which, const char *client_key, const char *server_key,
    struct client_target *t)
{
	static struct config c;
	char err[1024];

	memset(t, 0, sizeof *t);
	config_defaults(&c);
	if (!conf && !endpoint)
		conf = config_default_path();
	if (conf && config_load(&c, conf, err, sizeof err) == -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	t->push_output = c.output_mode == OUTPUT_PUSH;
	const char *spec = which == CLIENT_INGEST ? c.ingest :
	    which == CLIENT_ACKED ? c.ingest_acked :
	    which == CLIENT_OUTPUT ? c.output : c.control;
	if (endpoint) {
		if (!strncmp(endpoint, "bind:", 5))
			t->bind = 1;
		snprintf(t->url, sizeof t->url, "%s", t->bind ? endpoint + 5 :
		    !strncmp(endpoint, "connect:", 8) ? endpoint + 8 : endpoint);
	} else if (config_client_endpoint(spec, t->url, sizeof t->url) == -1) {
		fprintf(stderr, "%s: %s: no %s endpoint configured\n", who,
		    conf ? conf : "defaults", key_name(which));
		return -1;
	}
	if (!curve_url_is_network(t->url))
		return 0;            /* ipc: the file system's permissions */

	if (!client_key && *c.curve_client_secret)
		client_key = c.curve_client_secret;
	if (!client_key) {
		if (!endpoint && *c.curve_server_secret &&
		    config_spec_is_network(spec)) {
			fprintf(stderr, "%s: %s: the daemon demands CURVE keys "
			    "on %s; give --client-key FILE or [security] "
			    "curve_client_secret\n", who, t->url,
			    key_name(which));
			return -1;
		}
		return 0;            /* plain */
	}
	if (!curve_available()) {
		fprintf(stderr, "%s: this libzmq has no CURVE support\n", who);
		return -1;
	}
	if (curve_read_key(client_key, 1, t->client_secret, err,
	    sizeof err) == -1)
		goto fail;
	if (server_key || *c.curve_server_public) {
		if (curve_read_key(server_key ? server_key :
		    c.curve_server_public, 0, t->server_public, err,
		    sizeof err) == -1)
			goto fail;
	} else if (*c.curve_server_secret) {
		uint8_t s[CURVE_KEY_BYTES];
		int rc = curve_read_key(c.curve_server_secret, 1, s, err,
		    sizeof err);
		if (rc == 0)
			rc = curve_public_of(s, t->server_public);
		memset(s, 0, sizeof s);
		if (rc == -1) {
			fprintf(stderr, "%s: %s (and no curve_server_public "
			    "or --server-key)\n", who, err);
			client_target_clear(t);
			return -1;
		}
	} else {
		fprintf(stderr, "%s: a client key but no server key: give "
		    "--server-key FILE or [security] curve_server_public\n",
		    who);
		client_target_clear(t);
		return -1;
	}
	t->curve = 1;
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", who, err);
	client_target_clear(t);
	return -1;
}

int client_connect(const char *who, void *sock, const struct client_target *t)
{
	if (t->curve && curve_client_setup(sock, t->server_public,
	    t->client_secret) == -1) {
		fprintf(stderr, "%s: CURVE keys: %s\n", who,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	if ((t->bind ? zmq_bind(sock, t->url) : zmq_connect(sock, t->url))
	    == -1) {
		fprintf(stderr, "%s: %s: %s\n", who, t->url,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

void client_target_clear(struct client_target *t)
{
	memset(t->client_secret, 0, sizeof t->client_secret);
	t->curve = 0;
}
