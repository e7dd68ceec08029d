/*
 * check.c - `nerd check` (validate sources, run rule examples) and
 * `nerd compile` (write the image).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "compile.h"
#include "datadir.h"
#include "diag.h"
#include "engine.h"
#include "image.h"

/* The directories an option leaves out: the bundled ones (datadir.h). */
struct dirs {
	char gaz[4096], rules[4096];
};

/* Options -g, -r, -o; *gaz and *rules default to the bundled directories,
 * written into dd. */
static int parse_dirs(int argc, char **argv, const char *usage,
    const char **gaz, const char **rules, const char **out, struct dirs *dd)
{
	static const struct option opts[] = {
		{"gazetteers", required_argument, NULL, 'g'},
		{"rules", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "g:r:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': *gaz = optarg; break;
		case 'r': *rules = optarg; break;
		case 'o': *out = optarg; break;
		case 'h': printf("%s", usage); exit(0);
		default: fprintf(stderr, "%s", usage); return -1;
		}
	}
	datadir_default(dd->gaz, sizeof dd->gaz, dd->rules, sizeof dd->rules);
	if (!*gaz)
		*gaz = dd->gaz;
	if (!*rules)
		*rules = dd->rules;
	return 0;
}

int cmd_check(int argc, char **argv)
{
	const char *gaz = NULL, *rules = NULL, *out = NULL;
	struct dirs dd;
	if (parse_dirs(argc, argv,
		"usage: nerd check [-g GAZETTEERS] [-r RULES]\n"
		"Validates every gazetteer list, word class and rule file, and runs\n"
		"every rule's examples. Problems are printed as file:line.\n",
		&gaz, &rules, &out, &dd) < 0)
		return 2;
	struct diag d = {.out = stderr};
	unsigned char *img;
	size_t len;
	if (compile_image(gaz, rules, 1, &d, &img, &len) < 0) {
		fprintf(stderr, "nerd check: %d errors, %d warnings\n", d.errors,
		    d.warnings);
		return 1;
	}
	struct image im;
	char err[512];
	if (image_from_memory(&im, img, len, err, sizeof err) < 0) {
		fprintf(stderr, "nerd check: %s\n", err);
		return 1;
	}
	unsigned entries = im.h->nentries, tokens = im.h->ntokens;
	image_close(&im);
	struct engine *e = engine_build(gaz, rules, err, sizeof err);
	if (!e) {
		fprintf(stderr, "nerd check: %s\n", err);
		return 1;
	}
	int ex = engine_check_examples(e, &d);
	printf("nerd check: %u entries, %u distinct words, %zu rules, %d examples; "
	       "%d errors, %d warnings\n", entries, tokens, engine_rule_count(e),
	    ex, d.errors, d.warnings);
	engine_close(&e);
	return d.errors ? 1 : 0;
}

int cmd_compile(int argc, char **argv)
{
	const char *gaz = NULL, *rules = NULL, *out = "nerd.img";
	struct dirs dd;
	if (parse_dirs(argc, argv,
		"usage: nerd compile [-g GAZETTEERS] [-r RULES] [-o IMAGE]\n"
		"Compiles the gazetteers and rules into one image (default nerd.img)\n"
		"that `nerd tag -i` and the daemon's `image =` load without parsing.\n",
		&gaz, &rules, &out, &dd) < 0)
		return 2;
	struct diag d = {.out = stderr};
	unsigned char *img;
	size_t len;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (compile_image(gaz, rules, 0, &d, &img, &len) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Write beside, then rename: a daemon reloading never maps half a file. */
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%d", out, (int)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(img, 1, len, f) != len || fclose(f) != 0 ||
	    rename(tmp, out) < 0) {
		fprintf(stderr, "nerd compile: %s: %s\n", out, strerror(errno));
		unlink(tmp);
		free(img);
		return 1;
	}
	const struct image_header *h = (const void *)img;
	fprintf(stderr, "nerd compile: %s: %u entries, %u words, %u states, "
	    "%zu bytes, ruleset %s, %.0f ms\n", out, h->nentries, h->ntokens,
	    h->nstates, len, h->ruleset,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	free(img);
	return 0;
}
