/*
 * stats.h - the master's counters and latency percentiles.
 *
 * Latency is end to end inside the daemon: from the moment the master
 * reads an article to the moment its annotation is handed to the output
 * socket. The last STATS_SAMPLES latencies are kept; percentiles are taken
 * over them when asked (rarely), so recording one is O(1).
 */
#ifndef NERD_STATS_H
#define NERD_STATS_H

#include <stdint.h>

#include <jansson.h>

#include "article.h"

/* Error kinds: the input errors of article.h, then the daemon's own. */
enum {
	ERR_ENGINE = INPUT_ERROR_KINDS,  /* engine_annotate() failed */
	ERR_POISON,                      /* killed workers twice, dropped */
	ERR_KINDS
};

#define STATS_SAMPLES 8192

struct stats {
	uint64_t received;       /* messages read from the ingest sockets */
	uint64_t published;      /* annotations published */
	uint64_t errors[ERR_KINDS];
	uint64_t retries;        /* articles dispatched again after a death */
	uint64_t worker_deaths;  /* workers that died unasked */
	uint64_t deadline_kills; /* workers killed past their deadline */
	uint64_t hello_kills;    /* workers killed silent after their start */
	uint64_t reloads, reload_failures;
	uint64_t acks;           /* acknowledgements sent */
	uint64_t spawner_restarts;  /* spawners that died and were replaced */
	double started;          /* monotonic seconds */
	uint32_t lat[STATS_SAMPLES];
	unsigned lat_n, lat_pos;
	uint64_t lat_count;      /* every latency recorded, since start */
	double lat_sum_us;       /* and their sum (a Prometheus summary's) */
};

/* "not_json", ..., "engine", "poison". */
const char *stats_error_name(int kind);
/* The kind for a name, or -1. */
int stats_error_kind(const char *name);

void stats_init(struct stats *s, double now);
void stats_latency(struct stats *s, uint64_t us);

/*
 * The counters as a new JSON object (the caller owns the reference).
 * workers (stolen) is the per-worker array, generation and ruleset
 * describe the serving engine.
 */
json_t *stats_json(const struct stats *s, double now, json_t *workers,
    unsigned generation, const char *ruleset);

#endif
