/*
 * fuzz_rules.c - rule-file text: parse, expand classes, compile, and run
 * each compiled rule over its own examples and a fixed subject.
 *
 * Patterns are compiled with JIT for every input, so executions are slow
 * (a few hundred a second); that is the price of reaching the compiler.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compile.h"
#include "diag.h"
#include "rules.h"

/* The shipped word classes (so that the shipped rules in the seed corpus
 * compile), and two small ones of our own. */
static const char titles[] = "# titles\nالسيد\nالرئيس\nMr\nministre\n";
static const char orgs[] = "Ministry\nAgency\n\n";
static struct src_text classes[64] = {
	{"titles", titles, sizeof titles - 1},
	{"orgs", orgs, sizeof orgs - 1},
};
static size_t nclasses = 2;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = NERD_SOURCE_DIR "/gazetteers/classes";
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)) && nclasses < 64) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt"))
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t len;
		char *data = read_file(path, &len);
		if (!data)
			continue;
		classes[nclasses++] = (struct src_text){
		    strndup(de->d_name, n - 4), data, len};
	}
	if (d)
		closedir(d);
	return 0;
}

static const char subject[] =
    "the Ministry of Finance said Mr Smith met \xd8\xa7\xd9\x84\xd8\xb3"
    "\xd9\x8a\xd8\xaf \xd9\x83\xd8\xb1\xd9\x8a\xd9\x85 in 2024; boom aa bb 1";

static void on_hit(void *ctx, size_t rule, size_t b, size_t e)
{
	size_t n = *(size_t *)ctx;
	(void)rule;
	if (b >= e || e > n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096) /* a rule file's worth; longer adds only cost */
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct rule_def *defs = NULL;
	size_t ndefs = 0;
	struct diag d = {0};
	rules_parse("fuzz.rules", text, size, &defs, &ndefs, &d);
	free(text); /* the definitions must own what they keep */
	if (d.errors) {
		if (!d.first[0])
			abort();
		rule_defs_free(defs, ndefs);
		return 0;
	}
	for (size_t i = 0; i < ndefs; i++) {
		char **trig = NULL;
		struct diag d2 = {0};
		int nt = rule_triggers(&defs[i], classes, nclasses, &trig, &d2);
		for (int k = 0; k < nt; k++)
			free(trig[k]);
		free(trig);
		struct buf b = {0};
		rule_expand(&defs[i], classes, nclasses, &b, &d2);
		buf_free(&b);
	}
	struct ruleset *rs = ruleset_compile(defs, ndefs, classes, nclasses, &d);
	if (rs) {
		if (ruleset_count(rs) != ndefs)
			abort();
		struct rule_scratch *s = rule_scratch_new(rs);
		for (size_t i = 0; i < ndefs; i++) {
			const struct rule_def *r = ruleset_def(rs, i);
			size_t n = sizeof subject - 1;
			ruleset_run(rs, s, i, subject, 0, n, on_hit, &n);
			for (int k = 0; k < r->nex && k < 4; k++) {
				n = strlen(r->ex[k].text);
				ruleset_run(rs, s, i, r->ex[k].text, 0, n, on_hit, &n);
			}
		}
		rule_scratch_destroy(&s);
		ruleset_destroy(&rs);
	} else if (!d.errors) {
		abort(); /* NULL must come with a reason */
	}
	rule_defs_free(defs, ndefs);
	return 0;
}
