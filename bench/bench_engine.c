/*
 * bench_engine.c - the engine's speed on one core, split by stage.
 *
 * usage: bench_engine [-i IMAGE | -g GAZ [-r RULES]] [--no-rules] [--mb N]
 *                     [--repeat N] [--json OUT] [--label NAME] [--whole-only] FILE...
 *
 * A FILE ending in .jsonl holds one article per line (its "text" is
 * tagged; the lines are also parsed with jansson, timed, to give the speed
 * of a JSON parse of the same articles, and with the daemon's own
 * article_parse, timed beside it); any other FILE is plain text,
 * articles separated by a form feed (\f), or one article if it has none.
 * The articles are tagged in turn, repeated until N MB (default 50; 0 means
 * exactly one pass) have been tagged, and MB/s is printed for:
 *   prepare  decode (UTF-8 check) + normalize + tokenize
 *   match    gazetteer matching (and the rules' prefilter)
 *   analysis rules, overlaps and propagation
 *   output   the annotation written as JSON
 * and the whole (engine_annotate: text in as bytes, JSON out). The split
 * is measured by running the first stages on their own (prepare; prepare +
 * gazetteer match) beside the whole, on the same articles in the same
 * run; the output is timed article by article inside the whole.
 * --no-rules builds the engine from the gazetteer folder (-g, else the
 * bundled one) with an empty rules folder. --json appends one JSON object
 * with every figure to OUT; --repeat N keeps each stage's best of N rounds.
 * Times are the thread's CPU time, so that other work on a shared machine
 * does not count against the engine (it still shares the caches and the
 * memory bus). --whole-only skips the stage passes (for a profile of
 * engine_annotate alone: perf record bench_engine --whole-only).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "article.h"
#include "compile.h"
#include "datadir.h"
#include "engine.h"
#include "gazetteer.h"
#include "normalize.h"
#include "tokenize.h"
#include "utf8.h"

/* a/b, or 0 where the stage was not run (--whole-only) */
static double rate(double a, double b)
{
	return b > 1e-9 ? a / b : 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct art {
	char *s;
	size_t n;
};
static struct art *arts;
static size_t narts, cap_arts;
static double json_s, json_bytes;
static double parse_s; /* article_parse of the same lines: the daemon's
			* one-frame path, without jansson */

static void add_art(char *s, size_t n)
{
	if (narts == cap_arts) {
		cap_arts = cap_arts ? 2 * cap_arts : 1024;
		arts = realloc(arts, cap_arts * sizeof *arts);
		if (!arts)
			abort();
	}
	arts[narts++] = (struct art){s, n};
}

static int load(const char *path)
{
	size_t len;
	char *all = read_file(path, &len);
	if (!all) {
		perror(path);
		return -1;
	}
	size_t pl = strlen(path);
	if (pl > 6 && !strcmp(path + pl - 6, ".jsonl")) {
		char *p = all, *end = all + len;
		while (p < end) {
			char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (n) {
				json_error_t je;
				double t0 = now();
				json_t *o = json_loadb(p, n, 0, &je);
				json_s += now() - t0;
				json_bytes += (double)n;
				struct article a = {0};
				char err[160];
				t0 = now();
				enum input_error ie = article_parse(&a, p, n, NULL, 0, 0,
				    err, sizeof err);
				parse_s += now() - t0;
				article_clear(&a);
				if (ie != INPUT_OK) {
					fprintf(stderr, "%s: %s\n", path, err);
					return -1;
				}
				const char *text;
				size_t tl;
				if (!o || json_unpack(o, "{s:s%}", "text", &text, &tl)) {
					fprintf(stderr, "%s: a line without text\n", path);
					return -1;
				}
				char *c = malloc(tl + 1);
				memcpy(c, text, tl + 1);
				add_art(c, tl);
				json_decref(o);
			}
			p += n + 1;
		}
		free(all);
		return 0;
	}
	char *p = all, *end = all + len;
	while (p < end) {
		char *ff = memchr(p, '\f', (size_t)(end - p));
		size_t n = ff ? (size_t)(ff - p) : (size_t)(end - p);
		if (n)
			add_art(p, n);
		p += n + 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *image = NULL, *gaz = NULL, *rules = NULL, *json_out = NULL;
	const char *label = "";
	int no_rules = 0, whole_only = 0, repeat = 1;
	double mb = 50;
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc)
			image = argv[++i];
		else if (!strcmp(argv[i], "-g") && i + 1 < argc)
			gaz = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rules = argv[++i];
		else if (!strcmp(argv[i], "--no-rules"))
			no_rules = 1;
		else if (!strcmp(argv[i], "--whole-only"))
			whole_only = 1;
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
		else if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = atof(argv[++i]);
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json_out = argv[++i];
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else {
			if (load(argv[i]))
				return 1;
			nfiles++;
		}
	}
	if (!narts) {
		fprintf(stderr, "usage: bench_engine [-i IMAGE | -g GAZ [-r RULES]] "
		    "[--no-rules] [--mb N] [--repeat N] [--json OUT] [--label NAME] FILE...\n");
		return 2;
	}
	char err[512];
	char empty[] = "/tmp/nerd-bench-norules-XXXXXX";
	if (no_rules) {
		if (image) {
			fprintf(stderr, "--no-rules builds from -g GAZ, not an image\n");
			return 2;
		}
		if (!mkdtemp(empty)) {
			perror("mkdtemp");
			return 1;
		}
		rules = empty;
		if (!gaz) {
			static char g[4096], r[4096];
			datadir_default(g, sizeof g, r, sizeof r);
			gaz = g;
		}
	}
	double t0 = now();
	struct engine *e = datadir_engine(image, gaz, rules, err, sizeof err);
	double load_s = now() - t0;
	if (no_rules)
		rmdir(empty);
	if (!e) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	size_t total = 0, target = (size_t)(mb * 1e6);
	size_t reps = 0;
	for (size_t k = 0; mb > 0 ? total < target : k < narts; k++, reps++)
		total += arts[k % narts].n;

	struct normtext nt0 = {0};
	struct tokens tk = {0};
	size_t bad, ntok = 0;
	struct mentions m = {0};
	struct fires fired = {0};
	struct token_ids ids = {0};
	size_t nm = 0;
	struct scratch *sc = scratch_new();
	struct buf out = {0};
	struct annotate_opts o = {0};
	struct annotate_stats st;
	size_t ents = 0, outbytes = 0;
	/* --repeat N: each stage's best time over N rounds (a shared machine
	 * slows some rounds down, never speeds one up) */
	double t_prep = 1e30, t_gaz = 1e30, t_all = 1e30, t_out = 1e30;
	for (int round = 0; round < repeat; round++) {
	/* 1. prepare only */
	ntok = 0;
	t0 = now();
	for (size_t k = 0; k < reps && !whole_only; k++) {
		const struct art *a = &arts[k % narts];
		if (utf8_validate(a->s, a->n, &bad) == 0) {
			normalize(&nt0, a->s, a->n);
			tokenize(&nt0, &tk);
			ntok += tk.n;
		}
	}
	double tp = now() - t0;

	/* 2. prepare + gazetteer match */
	nm = 0;
	t0 = now();
	for (size_t k = 0; k < reps && !whole_only; k++) {
		const struct art *a = &arts[k % narts];
		if (utf8_validate(a->s, a->n, &bad) == 0) {
			normalize(&nt0, a->s, a->n);
			tokenize(&nt0, &tk);
			m.n = 0;
			fired.n = 0;
			gazetteer_match(engine_image(e), &nt0, &tk, 1, &m, &fired, &ids);
			nm += m.n;
		}
	}
	double tg = now() - t0;

	/* 3. the whole: validate + engine_analyze (rules, resolve, propagate)
	 * + engine_write (the annotation as JSON), which is what
	 * engine_annotate does; the writing is timed inside the same pass,
	 * article by article, so that its share does not depend on two passes
	 * meeting the same load on a shared machine */
	ents = outbytes = 0;
	double to = 0;
	t0 = now();
	for (size_t k = 0; k < reps; k++) {
		const struct art *x = &arts[k % narts];
		struct article a = {.id = "bench", .text = x->s, .text_len = x->n};
		if (utf8_validate(a.text, a.text_len, &bad) < 0)
			continue;
		buf_reset(&out);
		if (engine_analyze(e, sc, &a, &o, err, sizeof err) < 0)
			continue;
		double w0 = whole_only ? 0 : now();
		engine_write(e, sc, &a, &o, &out, &st);
		if (!whole_only)
			to += now() - w0;
		ents += st.entities;
		outbytes += out.len;
	}
	double ta = now() - t0;
	if (tp < t_prep)
		t_prep = tp;
	if (tg < t_gaz)
		t_gaz = tg;
	if (ta < t_all) {
		t_all = ta;
		t_out = to;
	}
	}
	if (whole_only)
		t_prep = t_gaz = 0;
	double t_ana = t_all - t_out;
	double MB = (double)total / 1e6;
	printf("engine, one core%s%s: %.1f MB in %zu articles of %.1f KB avg, "
	    "%zu tokens, %zu gazetteer mentions, %zu entities (%.1f per KB)\n",
	    *label ? ", " : "", label, MB, reps,
	    (double)total / (double)reps / 1e3, ntok, nm, ents,
	    (double)ents / ((double)total / 1e3));
	printf("  load (build from sources or map image): %.1f ms, %zu rules\n",
	    load_s * 1e3, engine_rule_count(e));
	if (!whole_only) {
	printf("  %-34s %8.1f MB/s  (%5.1f%% of the time)\n",
	    "decode+normalize+tokenize", rate(MB, t_prep), 100 * t_prep / t_all);
	printf("  %-34s %8.1f MB/s  (%5.1f%%)\n", "gazetteer matching",
	    rate(MB, t_gaz - t_prep), 100 * (t_gaz - t_prep) / t_all);
	printf("  %-34s %8.1f MB/s  (%5.1f%%)\n",
	    "rules+resolve+propagate", rate(MB, t_ana - t_gaz),
	    100 * (t_ana - t_gaz) / t_all);
	printf("  %-34s %8.1f MB/s  (%5.1f%%)\n",
	    "output (annotation JSON)", rate(MB, t_all - t_ana),
	    100 * (t_all - t_ana) / t_all);
	}
	printf("  %-34s %8.1f MB/s  (%.2f output bytes per input byte)\n",
	    "whole engine", MB / t_all, (double)outbytes / (double)total);
	if (json_s > 0)
		printf("  %-34s %8.1f MB/s  (json_loadb of the JSON Lines)\n",
		    "jansson parse (reference)", json_bytes / 1e6 / json_s);
	if (parse_s > 0)
		printf("  %-34s %8.1f MB/s  (article_parse, one-frame form)\n",
		    "nerd's own parse", json_bytes / 1e6 / parse_s);
	if (json_out) {
		json_t *j = json_pack("{s:s, s:f, s:I, s:I, s:I, s:I, s:f, s:I, "
		    "s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
		    "label", label, "mb", MB, "articles", (json_int_t)reps,
		    "tokens", (json_int_t)ntok, "gazetteer_mentions", (json_int_t)nm,
		    "entities", (json_int_t)ents,
		    "entities_per_kb", (double)ents / ((double)total / 1e3),
		    "rules", (json_int_t)engine_rule_count(e),
		    "load_ms", load_s * 1e3,
		    "prepare_mbs", rate(MB, t_prep),
		    "gazetteer_mbs", rate(MB, t_gaz - t_prep),
		    "rest_mbs", rate(MB, t_all - t_gaz),
		    "analysis_mbs", rate(MB, t_ana - t_gaz),
		    "output_mbs", rate(MB, t_all - t_ana),
		    "whole_mbs", MB / t_all,
		    "prepare_share", whole_only ? 0 : t_prep / t_all,
		    "gazetteer_share", whole_only ? 0 : (t_gaz - t_prep) / t_all,
		    "output_share", whole_only ? 0 : (t_all - t_ana) / t_all,
		    "output_bytes_per_input_byte", (double)outbytes / (double)total);
		if (json_s > 0)
			json_object_set_new(j, "jansson_parse_mbs",
			    json_real(json_bytes / 1e6 / json_s));
		if (parse_s > 0)
			json_object_set_new(j, "article_parse_mbs",
			    json_real(json_bytes / 1e6 / parse_s));
		FILE *f = fopen(json_out, "a");
		if (!f) {
			perror(json_out);
			return 1;
		}
		json_dumpf(j, f, JSON_COMPACT);
		fputc('\n', f);
		fclose(f);
		json_decref(j);
	}
	(void)nfiles;
	buf_free(&out);
	free(m.v);
	free(fired.v);
	free(ids.id);
	free(ids.trig);
	normtext_free(&nt0);
	tokens_free(&tk);
	scratch_destroy(&sc);
	engine_close(&e);
	return 0;
}
