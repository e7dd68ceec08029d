/*
 * stats.c - counters and latency percentiles of the master.
 */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static const char *const own_names[] = {"engine", "poison"};

const char *stats_error_name(int kind)
{
	if (kind >= 0 && kind < INPUT_ERROR_KINDS)
		return input_error_name((enum input_error)kind);
	if (kind >= INPUT_ERROR_KINDS && kind < ERR_KINDS)
		return own_names[kind - INPUT_ERROR_KINDS];
	return "unknown";
}

int stats_error_kind(const char *name)
{
	for (int k = 1; k < ERR_KINDS; k++)
		if (!strcmp(stats_error_name(k), name))
			return k;
	return -1;
}

void stats_init(struct stats *s, double now)
{
	memset(s, 0, sizeof *s);
	s->started = now;
}

void stats_latency(struct stats *s, uint64_t us)
{
	s->lat[s->lat_pos] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	s->lat_pos = (s->lat_pos + 1) % STATS_SAMPLES;
	if (s->lat_n < STATS_SAMPLES)
		s->lat_n++;
	s->lat_count++;
	s->lat_sum_us += (double)us;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

json_t *stats_json(const struct stats *s, double now, json_t *workers,
    unsigned generation, const char *ruleset)
{
	json_t *o = json_object();
	json_t *errs = json_object();
	uint64_t nerr = 0;

	for (int k = 1; k < ERR_KINDS; k++) {
		json_object_set_new(errs, stats_error_name(k),
		    json_integer((json_int_t)s->errors[k]));
		nerr += s->errors[k];
	}
	json_object_set_new(o, "schema", json_string("nerd.stats/1"));
	/* a place near the front for the publisher's seq, where subscribers
	 * look for it */
	json_object_set_new(o, "seq", json_integer(0));
	json_object_set_new(o, "uptime_s", json_real(now - s->started));
	json_object_set_new(o, "received", json_integer((json_int_t)s->received));
	json_object_set_new(o, "published",
	    json_integer((json_int_t)s->published));
	json_object_set_new(o, "errors", json_integer((json_int_t)nerr));
	json_object_set_new(o, "errors_by_kind", errs);
	json_object_set_new(o, "retries", json_integer((json_int_t)s->retries));
	json_object_set_new(o, "poison",
	    json_integer((json_int_t)s->errors[ERR_POISON]));
	json_object_set_new(o, "worker_deaths",
	    json_integer((json_int_t)s->worker_deaths));
	json_object_set_new(o, "deadline_kills",
	    json_integer((json_int_t)s->deadline_kills));
	json_object_set_new(o, "hello_kills",
	    json_integer((json_int_t)s->hello_kills));
	json_object_set_new(o, "reloads", json_integer((json_int_t)s->reloads));
	json_object_set_new(o, "reload_failures",
	    json_integer((json_int_t)s->reload_failures));
	json_object_set_new(o, "acks", json_integer((json_int_t)s->acks));
	json_object_set_new(o, "spawner_restarts",
	    json_integer((json_int_t)s->spawner_restarts));

	json_t *lat = json_object();
	if (s->lat_n) {
		uint32_t *v = malloc(s->lat_n * sizeof *v);
		if (v) {
			memcpy(v, s->lat, s->lat_n * sizeof *v);
			qsort(v, s->lat_n, sizeof *v, cmp_u32);
			json_object_set_new(lat, "p50",
			    json_integer(v[(s->lat_n - 1) * 50 / 100]));
			json_object_set_new(lat, "p90",
			    json_integer(v[(s->lat_n - 1) * 90 / 100]));
			json_object_set_new(lat, "p99",
			    json_integer(v[(s->lat_n - 1) * 99 / 100]));
			json_object_set_new(lat, "samples",
			    json_integer(s->lat_n));
			free(v);
		}
	}
	/* over the whole run, beside the percentiles of the last samples */
	json_object_set_new(lat, "count", json_integer((json_int_t)s->lat_count));
	json_object_set_new(lat, "sum", json_real(s->lat_sum_us));
	json_object_set_new(o, "latency_us", lat);
	json_object_set_new(o, "generation", json_integer(generation));
	json_object_set_new(o, "ruleset", json_string(ruleset ? ruleset : ""));
	json_object_set_new(o, "workers", workers ? workers : json_array());
	return o;
}
