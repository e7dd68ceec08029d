/*
 * prometheus.h - the daemon's counters (the JSON of `nerd ctl stats`) in
 * Prometheus' text exposition format (version 0.0.4), for `nerd ctl stats
 * --prometheus`: an operator's node_exporter textfile collector, or any
 * scraper that runs a command, reads it as is.
 *
 * Every family has # HELP and # TYPE before its samples; names carry the
 * nerd_ prefix, counters end in _total, latency is a summary in seconds
 * (quantiles over the last STATS_SAMPLES articles, _sum and _count over
 * the whole run), per-worker series carry worker, pid and generation
 * labels. Numeric keys of the JSON that this file does not know (added to
 * the daemon later) are still exported, as untyped nerd_<key>.
 */
#ifndef NERD_PROMETHEUS_H
#define NERD_PROMETHEUS_H

#include <jansson.h>

#include "buf.h"

/*
 * Append the exposition of stats (borrowed: a "nerd.stats/1" object) to
 * out. Returns 0, or -1 if stats is not such an object.
 */
int prometheus_format(json_t *stats, struct buf *out);

#endif
