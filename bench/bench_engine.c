/*
 * bench_engine.c - the engine's speed on one core, split by stage.
 *
 * usage: bench_engine [-i IMAGE | -g GAZ -r RULES] [--mb N] FILE.txt...
 *
 * Repeats the given texts (as articles of their own size) until N MB
 * (default 50) have been tagged, and prints MB/s for:
 *   prepare  decode (UTF-8 check) + normalize + tokenize
 *   match    gazetteers, the rules that fired, overlaps, propagation
 *   output   writing the annotation JSON
 * and the whole (engine_annotate). The split is measured by running the
 * stages on their own (prepare; prepare + gazetteer match) beside the
 * whole, on the same articles in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile.h"
#include "datadir.h"
#include "engine.h"
#include "gazetteer.h"
#include "normalize.h"
#include "tokenize.h"
#include "utf8.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *image = NULL, *gaz = NULL, *rules = NULL;
	double mb = 50;
	char *texts[64];
	size_t lens[64];
	int nt = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc)
			image = argv[++i];
		else if (!strcmp(argv[i], "-g") && i + 1 < argc)
			gaz = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rules = argv[++i];
		else if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = atof(argv[++i]);
		else if (nt < 64) {
			texts[nt] = read_file(argv[i], &lens[nt]);
			if (!texts[nt]) {
				perror(argv[i]);
				return 1;
			}
			nt++;
		}
	}
	if (!nt) {
		fprintf(stderr, "usage: bench_engine [-i IMAGE | -g GAZ -r RULES] [--mb N] FILE...\n");
		return 2;
	}
	char err[512];
	double t0 = now();
	struct engine *e = datadir_engine(image, gaz, rules, err, sizeof err);
	if (!e) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double load = now() - t0;
	size_t total = 0, target = (size_t)(mb * 1e6);
	size_t reps = 0;
	for (size_t k = 0; total < target; k++, reps++)
		total += lens[k % (size_t)nt];

	/* 1. prepare only */
	struct normtext nt0 = {0};
	struct tokens tk = {0};
	size_t bad, ntok = 0;
	t0 = now();
	for (size_t k = 0; k < reps; k++) {
		const char *s = texts[k % (size_t)nt];
		size_t n = lens[k % (size_t)nt];
		if (utf8_validate(s, n, &bad) == 0) {
			normalize(&nt0, s, n);
			tokenize(&nt0, &tk);
			ntok += tk.n;
		}
	}
	double t_prep = now() - t0;

	/* 2. prepare + gazetteer match */
	struct mentions m = {0};
	struct buf arena = {0};
	uint64_t fired[64];
	size_t nm = 0;
	t0 = now();
	for (size_t k = 0; k < reps; k++) {
		const char *s = texts[k % (size_t)nt];
		size_t n = lens[k % (size_t)nt];
		if (utf8_validate(s, n, &bad) == 0) {
			normalize(&nt0, s, n);
			tokenize(&nt0, &tk);
			m.n = 0;
			buf_reset(&arena);
			memset(fired, 0, sizeof fired);
			gazetteer_match(engine_image(e), &nt0, &tk, 1, &m, &arena, fired);
			nm += m.n;
		}
	}
	double t_gaz = now() - t0;

	/* 3. the whole: validate + engine_annotate (rules, resolve,
	 * propagate, output); output measured by writing twice */
	struct scratch *sc = scratch_new();
	struct buf out = {0};
	struct annotate_opts o = {0};
	struct annotate_stats st;
	size_t ents = 0, outbytes = 0;
	t0 = now();
	for (size_t k = 0; k < reps; k++) {
		struct article a = {.id = "bench", .text = texts[k % (size_t)nt],
		    .text_len = lens[k % (size_t)nt]};
		if (utf8_validate(a.text, a.text_len, &bad) < 0)
			continue;
		buf_reset(&out);
		engine_annotate(e, sc, &a, &o, &out, &st, err, sizeof err);
		ents += st.entities;
		outbytes += out.len;
	}
	double t_all = now() - t0;
	double MB = (double)total / 1e6;
	printf("engine, one core: %.1f MB in %zu articles of %.1f KB avg, %zu tokens, %zu mentions (%.1f per KB)\n",
	    MB, reps, (double)total / (double)reps / 1e3, ntok, ents,
	    (double)ents / ((double)total / 1e3));
	printf("  load (build from sources or map image): %.1f ms, %zu rules\n",
	    load * 1e3, engine_rule_count(e));
	printf("  %-34s %8.1f MB/s  (%5.1f%% of the time)\n",
	    "decode+normalize+tokenize", MB / t_prep, 100 * t_prep / t_all);
	printf("  %-34s %8.1f MB/s  (%5.1f%%)\n", "gazetteer matching",
	    MB / (t_gaz - t_prep), 100 * (t_gaz - t_prep) / t_all);
	printf("  %-34s %8.1f MB/s  (%5.1f%%)\n",
	    "rules+resolve+propagate+output", MB / (t_all - t_gaz),
	    100 * (t_all - t_gaz) / t_all);
	printf("  %-34s %8.1f MB/s  (%.2f output bytes per input byte)\n",
	    "whole engine", MB / t_all, (double)outbytes / (double)total);
	(void)nm;
	buf_free(&out);
	buf_free(&arena);
	free(m.v);
	normtext_free(&nt0);
	tokens_free(&tk);
	scratch_destroy(&sc);
	engine_close(&e);
	return 0;
}
