/*
 * feed.c - `nerd feed`: JSON Lines articles from files or stdin into the
 * daemon, one message per line.
 *
 * Plain mode pushes (PUSH to the ingest PULL). Acknowledged mode sends on
 * a DEALER to the acked ingest ROUTER, keeps up to --window articles
 * unacknowledged, and resends one that has no answer after --timeout
 * (at least once: the daemon may then annotate it twice, under its id).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <zmq.h>

#include "article.h"
#include "buf.h"
#include "client.h"
#include "commands.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct slot {
	char *line;          /* owned; NULL: the slot is free */
	size_t len;
	char *key;           /* the id as text; "" when it has none */
	uint64_t hash;
	double sent;
	int tries;
};

struct feed {
	void *sock;
	int acked, two_frame, progress;
	long window, retries;
	double timeout_s;
	FILE *ack_log;
	struct slot *slots;
	long used;
	uint64_t lines, bytes, sent, ok, errors, resent, given_up, bad;
	double t0, last_progress;
	double give_up_s;    /* no acknowledgement for this long: stop */
	double last_ack;
	int gave_up;
	struct buf env;      /* the envelope frame, reused line to line */
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The id as text: a string's value, a number's digits, else "". */
static char *key_of(json_t *id)
{
	if (json_is_string(id))
		return strdup(json_string_value(id));
	if (json_is_integer(id)) {
		char b[32];
		snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(id));
		return strdup(b);
	}
	return strdup("");
}

/* Send one line as one or two frames. Returns 0, or -1 if it would
 * block (acked mode: no daemon connected) or failed. */
static int send_line(struct feed *f, const char *line, size_t len)
{
	int flags = f->acked ? ZMQ_DONTWAIT : 0;
	if (f->two_frame) {
		/* a scan splits the line (article_split); jansson only where
		 * the scan cannot tell: parsing every article cost the feeder
		 * as much CPU as a worker's parse of it */
		char *raw;
		size_t tlen;
		if (article_split(line, len, &f->env, &raw, &tlen) == 1) {
			int rc = zmq_send(f->sock, f->env.data, f->env.len,
			    flags | ZMQ_SNDMORE);
			if (rc != -1)
				rc = zmq_send(f->sock, raw, tlen, 0);
			free(raw);
			return rc == -1 ? -1 : 0;
		}
		json_t *o = json_loadb(line, len, 0, NULL);
		json_t *text = json_object_get(o, "text");
		if (json_is_string(text)) {
			json_incref(text);
			json_object_del(o, "text");
			char *env = json_dumps(o, JSON_COMPACT);
			int rc = zmq_send(f->sock, env, strlen(env),
			    flags | ZMQ_SNDMORE);
			if (rc != -1)
				rc = zmq_send(f->sock, json_string_value(text),
				    json_string_length(text), 0);
			free(env);
			json_decref(text);
			json_decref(o);
			return rc == -1 ? -1 : 0;
		}
		json_decref(o);  /* not an article: sent as is, to be refused */
	}
	while (zmq_send(f->sock, line, len, flags) == -1) {
		if (zmq_errno() != EINTR || stop)
			return -1;
	}
	return 0;
}

static void show_progress(struct feed *f, int force)
{
	double now = client_now();
	if (!f->progress || (!force && now - f->last_progress < 0.25))
		return;
	f->last_progress = now;
	double dt = now - f->t0 > 0 ? now - f->t0 : 1e-9;
	if (f->acked)
		fprintf(stderr, "\r%llu sent, %llu acked, %ld waiting, %.0f/s   ",
		    (unsigned long long)f->sent, (unsigned long long)(f->ok +
		    f->errors), f->used, (double)(f->ok + f->errors) / dt);
	else
		fprintf(stderr, "\r%llu sent, %.1f MB, %.0f/s   ",
		    (unsigned long long)f->sent, f->bytes / 1e6,
		    (double)f->sent / dt);
}

static void take_ack(struct feed *f, const char *p, size_t n)
{
	json_t *a = json_loadb(p, n, 0, NULL);
	if (!a) {
		fprintf(stderr, "nerd feed: unreadable acknowledgement\n");
		return;
	}
	char *key = key_of(json_object_get(a, "id"));
	const char *st = json_string_value(json_object_get(a, "status"));
	int ok = st && !strcmp(st, "ok");
	uint64_t h = fnv(key);
	/* The oldest matching one: a resent article may be acked twice. */
	struct slot *best = NULL;
	for (long i = 0; i < f->window; i++) {
		struct slot *s = &f->slots[i];
		if (s->line && s->hash == h && !strcmp(s->key, key) &&
		    (!best || s->sent < best->sent))
			best = s;
	}
	f->last_ack = client_now();
	if (best) {
		if (ok)
			f->ok++;
		else
			f->errors++;
		if (f->ack_log)
			fprintf(f->ack_log, "%s\t%s\n", key, st ? st : "?");
		free(best->line);
		free(best->key);
		memset(best, 0, sizeof *best);
		f->used--;
	}
	free(key);
	json_decref(a);
}

/* Read acks for up to ms, then resend what waited too long. */
static void pump(struct feed *f, long ms)
{
	zmq_pollitem_t it = {f->sock, 0, ZMQ_POLLIN, 0};
	if (zmq_poll(&it, 1, ms) > 0) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		while (zmq_msg_recv(&m, f->sock, ZMQ_DONTWAIT) != -1)
			take_ack(f, zmq_msg_data(&m), zmq_msg_size(&m));
		zmq_msg_close(&m);
	}
	double now = client_now();
	if (f->used && f->give_up_s > 0 && now - f->last_ack > f->give_up_s &&
	    !f->gave_up) {
		fprintf(stderr, "nerd feed: no acknowledgement for %.1f s: "
		    "giving up\n", now - f->last_ack);
		f->gave_up = 1;
		stop = 1;
	}
	for (long i = 0; i < f->window; i++) {
		struct slot *s = &f->slots[i];
		if (!s->line || now - s->sent < f->timeout_s)
			continue;
		if (s->tries > f->retries) {
			fprintf(stderr, "nerd feed: no acknowledgement for "
			    "'%s' after %d tries\n", s->key, s->tries);
			f->given_up++;
			free(s->line);
			free(s->key);
			memset(s, 0, sizeof *s);
			f->used--;
			continue;
		}
		s->tries++;
		s->sent = now;
		f->resent++;
		send_line(f, s->line, s->len);
	}
	show_progress(f, 0);
}

static int feed_line(struct feed *f, char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;                       /* blank lines separate nothing */
	f->lines++;
	f->bytes += len;
	if (!f->acked) {
		if (send_line(f, line, len) == -1)
			return -1;
		f->sent++;
		show_progress(f, 0);
		return 0;
	}
	while (f->used >= f->window && !stop)
		pump(f, 100);
	if (stop)
		return -1;
	struct slot *s = NULL;
	for (long i = 0; i < f->window && !s; i++)
		if (!f->slots[i].line)
			s = &f->slots[i];
	json_t *o = json_loadb(line, len, 0, NULL);
	s->key = key_of(json_object_get(o, "id"));
	json_decref(o);
	s->hash = fnv(s->key);
	s->line = malloc(len);
	memcpy(s->line, line, len);
	s->len = len;
	s->sent = client_now();
	s->tries = 1;
	if (f->used++ == 0)
		f->last_ack = s->sent;   /* the wait starts now */
	send_line(f, line, len);  /* if it would block, the resend covers it */
	f->sent++;
	pump(f, 0);
	return 0;
}

static int feed_file(struct feed *f, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while (!stop && (n = getline(&line, &cap, in)) != -1)
		if (feed_line(f, line, (size_t)n) == -1) {
			rc = -1;
			break;
		}
	free(line);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nerd feed [-c FILE | -e ENDPOINT] [-a] [-2] "
	    "[-w N] [--timeout MS] [--retries N] [--ack-log FILE] [FILE...]\n"
	    "  -a, --acked     wait for each article's acknowledgement; resend "
	    "unacknowledged\n"
	    "  -2, --two-frame send the envelope and the raw text as two frames\n"
	    "  -w, --window N  articles unacknowledged at once (default 1000)\n"
	    "  --timeout MS    resend after MS without an answer (default 10000)\n"
	    "  --retries N     resends before giving up on one (default 3)\n"
	    "  --give-up MS    stop when nothing is acknowledged for MS "
	    "(default 60000)\n"
	    "  --ack-log FILE  write \"id<TAB>status\" per acknowledgement\n"
	    "  --linger MS     plain mode: wait this long for the queue to "
	    "leave (default 60000)\n"
	    "  -q              no progress line\n"
	    "  --client-key FILE  CURVE secret key to present (tcp only)\n"
	    "  --server-key FILE  the daemon's CURVE public key\n"
	    "No FILE, or -, reads standard input.\n");
}

int cmd_feed(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"endpoint", required_argument, NULL, 'e'},
		{"acked", no_argument, NULL, 'a'},
		{"two-frame", no_argument, NULL, '2'},
		{"window", required_argument, NULL, 'w'},
		{"timeout", required_argument, NULL, 'T'},
		{"retries", required_argument, NULL, 'R'},
		{"ack-log", required_argument, NULL, 'L'},
		{"linger", required_argument, NULL, 'G'},
		{"give-up", required_argument, NULL, 'U'},
		{"quiet", no_argument, NULL, 'q'},
		{"client-key", required_argument, NULL, 'K'},
		{"server-key", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct feed f = {.window = 1000, .retries = 3, .timeout_s = 10,
	    .give_up_s = 60};
	const char *conf = NULL, *ep = NULL, *ack_log = NULL, *ckey = NULL,
	    *skey = NULL;
	int c, quiet = 0, linger = 60000, status = 0;
	struct client_target t;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:e:a2w:qh", longopts, NULL))
	    != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'e': ep = optarg; break;
		case 'a': f.acked = 1; break;
		case '2': f.two_frame = 1; break;
		case 'w': f.window = atol(optarg); break;
		case 'T': f.timeout_s = atol(optarg) / 1000.0; break;
		case 'R': f.retries = atol(optarg); break;
		case 'L': ack_log = optarg; break;
		case 'G': linger = atoi(optarg); break;
		case 'U': f.give_up_s = atol(optarg) / 1000.0; break;
		case 'q': quiet = 1; break;
		case 'K': ckey = optarg; break;
		case 'S': skey = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (f.window < 1)
		f.window = 1;
	if (client_target("nerd feed", ep, conf, f.acked ? CLIENT_ACKED :
	    CLIENT_INGEST, ckey, skey, &t))
		return 1;
	if (ack_log && !(f.ack_log = fopen(ack_log, "w"))) {
		fprintf(stderr, "nerd feed: %s: %s\n", ack_log, strerror(errno));
		client_target_clear(&t);
		return 1;
	}
	f.progress = !quiet && isatty(STDERR_FILENO);
	f.slots = calloc((size_t)f.window, sizeof *f.slots);

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	void *ctx = zmq_ctx_new();
	f.sock = zmq_socket(ctx, f.acked ? ZMQ_DEALER : ZMQ_PUSH);
	int hwm = 10000;
	zmq_setsockopt(f.sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
	int rc = client_connect("nerd feed", f.sock, &t);
	client_target_clear(&t);
	if (rc == -1) {
		status = 1;
		goto done;
	}
	f.t0 = client_now();
	if (optind == argc)
		status = feed_file(&f, stdin) ? 1 : 0;
	for (int i = optind; i < argc && !status && !stop; i++) {
		FILE *in = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;
		if (!in) {
			fprintf(stderr, "nerd feed: %s: %s\n", argv[i],
			    strerror(errno));
			status = 1;
			break;
		}
		if (feed_file(&f, in) == -1)
			status = 1;
		if (in != stdin)
			fclose(in);
	}
	while (f.acked && f.used > 0 && !stop)
		pump(&f, 100);
	show_progress(&f, 1);
	if (f.progress)
		fputc('\n', stderr);

	double dt = client_now() - f.t0;
	if (dt <= 0)
		dt = 1e-9;
	if (f.acked) {
		fprintf(stderr, "nerd feed: %llu articles (%.1f MB) in %.2f s, "
		    "%.0f/s: %llu acknowledged ok, %llu refused, %llu resent, "
		    "%llu unacknowledged\n", (unsigned long long)f.lines,
		    f.bytes / 1e6, dt, (double)f.lines / dt,
		    (unsigned long long)f.ok, (unsigned long long)f.errors,
		    (unsigned long long)f.resent,
		    (unsigned long long)(f.given_up + (uint64_t)f.used));
		if (f.given_up || f.used || f.gave_up)
			status = 1;
	} else
		fprintf(stderr, "nerd feed: %llu articles (%.1f MB) in %.2f s, "
		    "%.0f/s\n", (unsigned long long)f.sent, f.bytes / 1e6, dt,
		    (double)f.sent / dt);
done:
	zmq_setsockopt(f.sock, ZMQ_LINGER, f.acked ? &(int){0} : &linger,
	    sizeof linger);
	zmq_close(f.sock);
	zmq_ctx_term(ctx);
	for (long i = 0; i < f.window; i++) {
		free(f.slots[i].line);
		free(f.slots[i].key);
	}
	free(f.slots);
	buf_free(&f.env);
	if (f.ack_log)
		fclose(f.ack_log);
	return stop && !status ? 1 : status;
}
