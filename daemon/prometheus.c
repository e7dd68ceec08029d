/*
 * prometheus.c - stats JSON to Prometheus text format (see prometheus.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prometheus.h"

/* The top-level keys with a meaning of their own. */
static const struct {
	const char *key, *name, *type, *help;
} known[] = {
	{"uptime_s", "nerd_uptime_seconds", "gauge",
	    "Seconds since the daemon started."},
	{"received", "nerd_articles_received_total", "counter",
	    "Messages read from the ingest sockets (plain and acked)."},
	{"published", "nerd_annotations_published_total", "counter",
	    "Annotations published."},
	{"retries", "nerd_retries_total", "counter",
	    "Articles dispatched again after their worker died."},
	{"worker_deaths", "nerd_worker_deaths_total", "counter",
	    "Workers that died unasked."},
	{"deadline_kills", "nerd_deadline_kills_total", "counter",
	    "Workers killed past their per-article deadline."},
	{"hello_kills", "nerd_hello_kills_total", "counter",
	    "Workers killed for saying nothing 10 s after they started."},
	{"reloads", "nerd_reloads_total", "counter",
	    "Engine reloads that succeeded."},
	{"reload_failures", "nerd_reload_failures_total", "counter",
	    "Engine reloads that failed (the old engine kept serving)."},
	{"acks", "nerd_acks_total", "counter",
	    "Acknowledgements sent on the acked ingest socket."},
	{"spawner_restarts", "nerd_spawner_restarts_total", "counter",
	    "Times the process that forks the workers died and was "
	    "replaced."},
	{"auth_accepted", "nerd_auth_accepted_total", "counter",
	    "CURVE clients admitted by the ZAP handler."},
	{"auth_refused", "nerd_auth_refused_total", "counter",
	    "CURVE clients refused by the ZAP handler."},
	{"handshake_failed", "nerd_handshake_failed_total", "counter",
	    "Connections whose ZeroMQ handshake failed."},
	{"disconnects", "nerd_disconnects_total", "counter",
	    "Producers disconnected (closed, or dropped over the size limit)."},
	{"queued", "nerd_queued", "gauge",
	    "Articles waiting for a worker."},
	{"in_flight", "nerd_in_flight", "gauge",
	    "Articles held by workers."},
	{"reloading_s", "nerd_reloading_seconds", "gauge",
	    "Seconds the spawner has been building a reload's engine "
	    "(0: no reload under way)."},
	{"generation", "nerd_generation", "gauge",
	    "Engine generation serving (1 at start, +1 per reload)."},
	{"curve", "nerd_curve_enabled", "gauge",
	    "1 when CURVE protects the network endpoints."},
	{"pid", "nerd_pid", "gauge", "Process id of the master."},
};
#define NKNOWN (sizeof known / sizeof known[0])

/* Handled by their own code below, or not numbers worth exporting. */
static const char *const special[] = {"schema", "seq", "errors",
	"errors_by_kind", "poison", "latency_us", "ruleset", "workers"};

static void help_type(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A sample value: integers exactly, reals with full precision. */
static void value(struct buf *b, json_t *v)
{
	if (json_is_integer(v))
		buf_printf(b, "%" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
	else if (json_is_true(v))
		buf_adds(b, "1\n");
	else if (json_is_false(v) || json_is_null(v))
		buf_adds(b, "0\n");
	else {
		double d = json_number_value(v);
		if (isnan(d))
			buf_adds(b, "NaN\n");
		else if (isinf(d))
			buf_adds(b, d > 0 ? "+Inf\n" : "-Inf\n");
		else
			buf_printf(b, "%.17g\n", d);
	}
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_addc(b, '\\');
		if (*s == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *s);
	}
}

static int is_number(json_t *v)
{
	return json_is_number(v) || json_is_boolean(v);
}

/* A metric name from a key: nerd_ then [a-zA-Z0-9_], others as '_'. */
static void name_of(struct buf *b, const char *key)
{
	buf_adds(b, "nerd_");
	for (; *key; key++) {
		char c = *key;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_';
		buf_addc(b, ok ? c : '_');
	}
}

static void workers(struct buf *b, json_t *ws)
{
	static const struct {
		const char *key, *name, *type, *help;
	} per[] = {
		{"done", "nerd_worker_articles_total", "counter",
		    "Articles a worker process has finished."},
		{"held", "nerd_worker_held", "gauge",
		    "Articles a worker process holds now."},
		{"retiring", "nerd_worker_retiring", "gauge",
		    "1 while a worker of an older generation finishes its "
		    "articles."},
	};
	help_type(b, "nerd_workers", "gauge", "Worker processes alive.");
	buf_printf(b, "nerd_workers %zu\n", json_array_size(ws));
	for (size_t k = 0; k < sizeof per / sizeof per[0]; k++) {
		help_type(b, per[k].name, per[k].type, per[k].help);
		size_t i;
		json_t *w;
		json_array_foreach(ws, i, w) {
			json_t *v = json_object_get(w, per[k].key);
			if (!is_number(v))
				continue;
			buf_printf(b, "%s{worker=\"%" JSON_INTEGER_FORMAT
			    "\",pid=\"%" JSON_INTEGER_FORMAT "\",generation=\"%"
			    JSON_INTEGER_FORMAT "\"} ", per[k].name,
			    json_integer_value(json_object_get(w, "worker")),
			    json_integer_value(json_object_get(w, "pid")),
			    json_integer_value(json_object_get(w, "generation")));
			value(b, v);
		}
	}
}

static void latency(struct buf *b, json_t *lat)
{
	static const struct {
		const char *key, *q;
	} qs[] = {{"p50", "0.5"}, {"p90", "0.9"}, {"p99", "0.99"}};
	help_type(b, "nerd_latency_seconds", "summary",
	    "Time from reading an article to publishing its annotation; "
	    "quantiles over the last 8192 articles.");
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		json_t *v = json_object_get(lat, qs[i].key);
		if (json_is_number(v))
			buf_printf(b, "nerd_latency_seconds{quantile=\"%s\"} "
			    "%.6f\n", qs[i].q, json_number_value(v) / 1e6);
		else
			buf_printf(b, "nerd_latency_seconds{quantile=\"%s\"} "
			    "NaN\n", qs[i].q);
	}
	json_t *sum = json_object_get(lat, "sum"),
	    *count = json_object_get(lat, "count");
	buf_printf(b, "nerd_latency_seconds_sum %.6f\n",
	    json_is_number(sum) ? json_number_value(sum) / 1e6 : 0.0);
	buf_printf(b, "nerd_latency_seconds_count %" JSON_INTEGER_FORMAT "\n",
	    json_is_integer(count) ? json_integer_value(count) : 0);
}

int prometheus_format(json_t *st, struct buf *b)
{
	if (!json_is_object(st))
		return -1;
	const char *schema = json_string_value(json_object_get(st, "schema"));
	if (!schema || strcmp(schema, "nerd.stats/1"))
		return -1;

	help_type(b, "nerd_info", "gauge", "The serving engine: always 1, "
	    "with the ruleset hash and the version as labels.");
	buf_adds(b, "nerd_info{version=\"" NERD_VERSION "\",ruleset=\"");
	label_value(b, json_string_value(json_object_get(st, "ruleset")));
	buf_adds(b, "\"} 1\n");

	for (size_t i = 0; i < NKNOWN; i++) {
		json_t *v = json_object_get(st, known[i].key);
		if (!is_number(v))
			continue;
		help_type(b, known[i].name, known[i].type, known[i].help);
		buf_printf(b, "%s ", known[i].name);
		value(b, v);
	}

	json_t *errs = json_object_get(st, "errors_by_kind");
	help_type(b, "nerd_errors_total", "counter", "Articles that got an "
	    "err event instead of an annotation, by kind.");
	const char *k;
	json_t *v;
	json_object_foreach(errs, k, v) {
		if (!is_number(v))
			continue;
		buf_adds(b, "nerd_errors_total{kind=\"");
		label_value(b, k);
		buf_adds(b, "\"} ");
		value(b, v);
	}

	latency(b, json_object_get(st, "latency_us"));
	json_t *ws = json_object_get(st, "workers");
	if (json_is_array(ws))
		workers(b, ws);

	/* what the daemon counts that this file does not know yet */
	json_object_foreach(st, k, v) {
		int seen = 0;
		for (size_t i = 0; i < NKNOWN && !seen; i++)
			seen = !strcmp(k, known[i].key);
		for (size_t i = 0; i < sizeof special / sizeof special[0] &&
		    !seen; i++)
			seen = !strcmp(k, special[i]);
		if (seen || !is_number(v))
			continue;
		struct buf name = {0};
		name_of(&name, k);
		const char *n = buf_cstr(&name);
		buf_printf(b, "# HELP %s \"%s\" of nerd ctl stats.\n# TYPE %s "
		    "untyped\n%s ", n, n + 5, n, n);
		value(b, v);
		buf_free(&name);
	}
	return 0;
}
