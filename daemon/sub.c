/*
 * sub.c - `nerd sub`: print the daemon's output stream as JSON Lines, or
 * (--format html) a snapshot of it as one HTML page.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zmq.h>

#include "client.h"
#include "commands.h"
#include "html.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nerd sub [-c FILE | -e ENDPOINT] [-t PREFIX]... "
	    "[-n COUNT] [-i MS] [-T] [--pull] [--format json|html]\n"
	    "  -t PREFIX    only topics starting with PREFIX (ann., ann.ar, "
	    "err, stats); repeatable\n"
	    "  -n COUNT     exit after COUNT messages\n"
	    "  -i MS        exit after MS milliseconds without a message\n"
	    "  -T           print the topic and a TAB before each object\n"
	    "  --pull       the output is a PUSH socket (output_mode = push)\n"
	    "  --format html  write one HTML page of the annotations and errors\n"
	    "               received, when the stream ends (-n, -i or a signal)\n"
	    "  --client-key FILE  CURVE secret key to present (tcp only)\n"
	    "  --server-key FILE  the daemon's CURVE public key\n");
}

/* The "seq" of a message, or 0: a text search, not a parse. */
static uint64_t seq_of(const char *p, size_t n)
{
	size_t lim = n < 256 ? n : 256;
	const char *s = memmem(p, lim, "\"seq\":", 6);
	return s ? strtoull(s + 6, NULL, 10) : 0;
}

/* One message into the page: annotations and error events; the rest
 * (stats) is not for people to read there. */
static void html_add(struct html_page *page, const char *topic,
    size_t topic_len, const char *p, size_t len)
{
	json_t *o = json_loadb(p, len, 0, NULL);
	if (topic_len >= 4 && !memcmp(topic, "ann.", 4))
		html_page_add(page, o, NULL, 0, NULL, 0);
	else if (topic_len == 3 && !memcmp(topic, "err", 3))
		html_page_add_error(page,
		    json_string_value(json_object_get(o, "id")),
		    json_string_value(json_object_get(o, "error")),
		    json_string_value(json_object_get(o, "message")));
	json_decref(o);
}

int cmd_sub(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"endpoint", required_argument, NULL, 'e'},
		{"topic", required_argument, NULL, 't'},
		{"count", required_argument, NULL, 'n'},
		{"idle", required_argument, NULL, 'i'},
		{"with-topic", no_argument, NULL, 'T'},
		{"pull", no_argument, NULL, 'P'},
		{"format", required_argument, NULL, 'F'},
		{"client-key", required_argument, NULL, 'K'},
		{"server-key", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *ep = NULL, *topics[32], *ckey = NULL,
	    *skey = NULL, *format = "json";
	struct html_page *html = NULL;
	int ntopics = 0, with_topic = 0, pull = -1, c;
	long count = -1, idle = -1;
	struct client_target t;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:e:t:n:i:Th", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'e': ep = optarg; break;
		case 't':
			if (ntopics < 32)
				topics[ntopics++] = optarg;
			break;
		case 'n': count = atol(optarg); break;
		case 'i': idle = atol(optarg); break;
		case 'T': with_topic = 1; break;
		case 'P': pull = 1; break;
		case 'F': format = optarg; break;
		case 'K': ckey = optarg; break;
		case 'S': skey = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(format, "json") && strcmp(format, "html")) {
		fprintf(stderr, "nerd sub: --format: json or html, not '%s'\n",
		    format);
		return 2;
	}
	if (client_target("nerd sub", ep, conf, CLIENT_OUTPUT, ckey, skey, &t))
		return 1;
	if (pull == -1)
		pull = !ep && t.push_output;

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	void *ctx = zmq_ctx_new();
	void *s = zmq_socket(ctx, pull ? ZMQ_PULL : ZMQ_SUB);
	int zero = 0, hwm = 100000;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
	if (!pull) {
		if (ntopics == 0)
			zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
		for (int i = 0; i < ntopics; i++)
			zmq_setsockopt(s, ZMQ_SUBSCRIBE, topics[i],
			    strlen(topics[i]));
	}
	int rc = client_connect("nerd sub", s, &t);
	client_target_clear(&t);
	if (rc == -1) {
		zmq_close(s);
		zmq_ctx_term(ctx);
		return 1;
	}

	uint64_t last_seq = 0, gaps = 0, n = 0;
	int status = 0;
	if (!strcmp(format, "html"))
		html = html_page_new("nerd sub: a snapshot of the stream");
	while (!stop && (count < 0 || (long)n < count)) {
		zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
		int rc = zmq_poll(&it, 1, idle >= 0 ? idle : 200);
		if (rc == -1 && zmq_errno() != EINTR)
			break;
		if (rc <= 0) {
			fflush(stdout);
			if (idle >= 0 && rc == 0)
				break;
			continue;
		}
		zmq_msg_t topic, body;
		zmq_msg_init(&topic);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&topic, s, 0) == -1)
			goto next;
		if (!zmq_msg_more(&topic)) {
			/* a one-frame message: print it as is */
			zmq_msg_move(&body, &topic);
		} else if (zmq_msg_recv(&body, s, 0) == -1)
			goto next;
		const char *p = zmq_msg_data(&body);
		size_t len = zmq_msg_size(&body);
		uint64_t seq = seq_of(p, len);
		if (seq && last_seq && seq > last_seq + 1 && ntopics == 0) {
			gaps += seq - last_seq - 1;
			fprintf(stderr, "nerd sub: gap: %" PRIu64 " messages "
			    "missed before seq %" PRIu64 "\n",
			    seq - last_seq - 1, seq);
		}
		if (seq)
			last_seq = seq;
		if (html) {
			html_add(html, zmq_msg_data(&topic), zmq_msg_size(&topic),
			    p, len);
			n++;
			goto next;
		}
		if (with_topic)
			printf("%.*s\t", (int)zmq_msg_size(&topic),
			    (char *)zmq_msg_data(&topic));
		if (fwrite(p, 1, len, stdout) != len || putchar('\n') == EOF) {
			status = 1;
			stop = 1;
		}
		n++;
next:
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
	if (html && html_page_write(html, stdout) == -1)
		status = 1;
	html_page_destroy(&html);
	fflush(stdout);
	if (gaps)
		fprintf(stderr, "nerd sub: %" PRIu64 " messages missed in "
		    "all\n", gaps);
	zmq_close(s);
	zmq_ctx_term(ctx);
	return status;
}
