/*
 * ctl.c - `nerd ctl stats|ping|reload`: one request to the control socket.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "buf.h"
#include "client.h"
#include "commands.h"
#include "prometheus.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: nerd ctl [-c FILE | -e ENDPOINT] [-t MS] "
	    "[--client-key FILE --server-key FILE] stats|ping|reload\n"
	    "       nerd ctl [-c FILE | -e ENDPOINT] stats --prometheus\n"
	    "  -c FILE      read the control endpoint from this configuration\n"
	    "               (default: an ipc socket in the runtime directory)\n"
	    "  -e ENDPOINT  the control socket (e.g. ipc:///run/nerd/"
	    "nerd.control)\n"
	    "  -t MS        wait this long for the answer (default 5000, "
	    "reload 120000)\n"
	    "  --client-key FILE  CURVE secret key to present (tcp only)\n"
	    "  --server-key FILE  the daemon's CURVE public key\n"
	    "  --prometheus the counters in Prometheus' text format\n");
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"endpoint", required_argument, NULL, 'e'},
		{"timeout", required_argument, NULL, 't'},
		{"client-key", required_argument, NULL, 'K'},
		{"server-key", required_argument, NULL, 'S'},
		{"prometheus", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *ep = NULL, *ckey = NULL, *skey = NULL;
	long timeout = -1;
	int c, status = 1, prom = 0;
	struct client_target t;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:e:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'e': ep = optarg; break;
		case 't': timeout = atol(optarg); break;
		case 'K': ckey = optarg; break;
		case 'S': skey = optarg; break;
		case 'P': prom = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	if (strcmp(cmd, "stats") && strcmp(cmd, "ping") && strcmp(cmd, "reload")) {
		usage(stderr);
		return 2;
	}
	if (prom && strcmp(cmd, "stats")) {
		fprintf(stderr, "nerd ctl: --prometheus goes with stats\n");
		return 2;
	}
	if (timeout < 0)
		timeout = !strcmp(cmd, "reload") ? 120000 : 5000;
	if (client_target("nerd ctl", ep, conf, CLIENT_CONTROL, ckey, skey, &t))
		return 1;
	/* An ipc socket that is not there would only time out: say why. */
	struct stat st;
	if (!strncmp(t.url, "ipc://", 6) && t.url[6] != '@' &&
	    stat(t.url + 6, &st) == -1) {
		fprintf(stderr, "nerd ctl: %s: %s (is the daemon running with "
		    "this configuration?)\n", t.url + 6, strerror(errno));
		return 1;
	}

	void *ctx = zmq_ctx_new();
	void *s = zmq_socket(ctx, ZMQ_REQ);
	int zero = 0;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	if (client_connect("nerd ctl", s, &t) == -1)
		goto done;
	zmq_send(s, cmd, strlen(cmd), 0);
	zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
	if (zmq_poll(&it, 1, timeout) <= 0) {
		fprintf(stderr, "nerd ctl: no answer from %s in %ld ms%s\n",
		    t.url, timeout, t.curve ? " (refused CURVE keys look "
		    "like this too)" : "");
		goto done;
	}
	zmq_msg_t m;
	zmq_msg_init(&m);
	if (zmq_msg_recv(&m, s, 0) == -1) {
		zmq_msg_close(&m);
		goto done;
	}
	json_t *r = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
	if (r && prom) {
		struct buf out = {0};
		if (prometheus_format(r, &out) == 0) {
			fwrite(out.data, 1, out.len, stdout);
			status = 0;
		} else
			fprintf(stderr, "nerd ctl: the answer is not stats\n");
		buf_free(&out);
		json_decref(r);
	} else if (r) {
		char *out = json_dumps(r, isatty(STDOUT_FILENO) ?
		    JSON_INDENT(2) : JSON_COMPACT);
		puts(out);
		free(out);
		const char *st = json_string_value(json_object_get(r, "status"));
		status = st && strcmp(st, "ok") ? 1 : 0;
		if (status)
			fprintf(stderr, "nerd ctl: %s\n", json_string_value(
			    json_object_get(r, "message")));
		json_decref(r);
	} else
		printf("%.*s\n", (int)zmq_msg_size(&m), (char *)zmq_msg_data(&m));
	zmq_msg_close(&m);
done:
	client_target_clear(&t);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return status;
}
