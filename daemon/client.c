/*
 * client.c - endpoint resolution for nerd feed, sub and ctl.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "config.h"

double client_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int client_endpoint(const char *endpoint, const char *conf,
    enum client_endpoint which, char *out, size_t outlen, int *push_output)
{
	static struct config c;
	char err[1024];

	config_defaults(&c);
	if (push_output)
		*push_output = 0;
	if (!conf && !endpoint)
		conf = config_default_path();
	if (conf && config_load(&c, conf, err, sizeof err) == -1) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (push_output)
		*push_output = c.output_mode == OUTPUT_PUSH;
	if (endpoint) {
		snprintf(out, outlen, "%s", endpoint);
		return 0;
	}
	const char *spec = which == CLIENT_INGEST ? c.ingest :
	    which == CLIENT_ACKED ? c.ingest_acked :
	    which == CLIENT_OUTPUT ? c.output : c.control;
	if (config_client_endpoint(spec, out, outlen) == -1) {
		fprintf(stderr, "%s: no %s endpoint configured\n",
		    conf ? conf : "defaults", which == CLIENT_INGEST ? "ingest" :
		    which == CLIENT_ACKED ? "ingest_acked" :
		    which == CLIENT_OUTPUT ? "output" : "control");
		return -1;
	}
	return 0;
}
