/*
 * Rules: file errors name file and line; examples are checked; a pattern
 * built to backtrack hits its limit, is counted, and the rest of the
 * article is still tagged. `anchor near N` narrows a rule's window.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "engine.h"
#include "rules.h"

/* Parse text as file from scratch: *defs, *n and *d start empty. */
static int parse(const char *file, const char *text, struct rule_def **defs,
    size_t *n, struct diag *d)
{
	*defs = NULL;
	*n = 0;
	memset(d, 0, sizeof *d);
	return rules_parse(file, text, strlen(text), defs, n, d);
}

int main(void)
{
	/* parse errors */
	struct diag d;
	struct rule_def *defs;
	size_t n;
	const char *bad = "rule a\ntype FOO\ntrigger x\npattern x\n\nrule a\ntype PERSON\nbogus 1\n";
	CHECK(parse("bad.rules", bad, &defs, &n, &d) < 0);
	CHECK(strstr(d.first, "bad.rules:2: error: unknown type 'FOO'") != NULL);
	/* unknown type, then no type; duplicate name; unknown key; the second
	 * rule's missing trigger and pattern */
	CHECK(d.errors == 6);
	rule_defs_free(defs, n);

	/* a pattern that does not compile is reported at its rule's line */
	struct diag d2;
	const char *unbal = "# comment\nrule p\ntype PERSON\ntrigger x\npattern (x\n";
	CHECK(parse("p.rules", unbal, &defs, &n, &d2) == 0);
	struct ruleset *rs = ruleset_compile(defs, n, NULL, 0, &d2);
	CHECK(rs == NULL);
	CHECK(strstr(d2.first, "p.rules:2: error: rule p: pattern:") != NULL);
	rule_defs_free(defs, n);

	/* anchor before N: the count is kept, and held to 1..8 */
	struct diag da;
	const char *anch = "rule a\ntype PERSON\ntrigger x\nanchor before 3\npattern x\n\n"
	    "rule b\ntype PERSON\ntrigger x\nanchor before\npattern x\n\n"
	    "rule c\ntype PERSON\ntrigger x\nanchor before 9\npattern x\n";
	CHECK(parse("a.rules", anch, &defs, &n, &da) < 0);
	CHECK(n == 3 && defs[0].anchor == ANCHOR_BEFORE && defs[0].before == 3);
	CHECK(defs[1].anchor == ANCHOR_BEFORE && defs[1].before == ANCHOR_BEFORE_TOKENS);
	CHECK(da.errors == 1 && strstr(da.first, "a.rules:16: error: anchor before takes a count") != NULL);
	rule_defs_free(defs, n);

	/* start: capital and/or digit, nothing else */
	struct diag ds;
	const char *stxt = "rule a\ntype PERSON\ntrigger x\nanchor before\nstart capital digit\npattern x\n\n"
	    "rule b\ntype PERSON\ntrigger x\nstart lower\npattern x\n";
	CHECK(parse("s.rules", stxt, &defs, &n, &ds) < 0);
	CHECK(n == 2 && defs[0].start == (START_CAPITAL | START_DIGIT) && defs[1].start == 0);
	CHECK(ds.errors == 1 && strstr(ds.first, "s.rules:11: error: start takes capital and/or digit") != NULL);
	rule_defs_free(defs, n);

	/* anchor near N: kept, 400 by default, held to 16..400 */
	struct diag dn;
	const char *ntxt = "rule a\ntype PERSON\ntrigger x\nanchor near 40\npattern x\n\n"
	    "rule b\ntype PERSON\ntrigger x\npattern x\n\n"
	    "rule c\ntype PERSON\ntrigger x\nanchor near 5000\npattern x\n";
	CHECK(parse("n.rules", ntxt, &defs, &n, &dn) < 0);
	CHECK(n == 3 && defs[0].anchor == ANCHOR_NONE && defs[0].near == 40);
	CHECK(defs[1].anchor == ANCHOR_NONE && defs[1].near == RULE_NEAR);
	CHECK(dn.errors == 1 && strstr(dn.first, "n.rules:15: error: anchor near takes a count") != NULL);
	rule_defs_free(defs, n);

	char err[512];
	/* ... and the window it gives: a narrow rule finds its word next to
	 * the trigger, not 100 bytes away; a default one finds both */
	char dir[] = "/tmp/nerd-test-near-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof path, "%s/near.rules", dir);
	FILE *fp = fopen(path, "w");
	CHECK(fp != NULL);
	fputs("rule narrow\ntype PERSON\nlang en\nview original\ntrigger cue\n"
	    "anchor near 20\npattern \\b(?:Alpha|Gamma)\\b\n\n"
	    "rule wide\ntype ORGANIZATION\nlang en\nview original\ntrigger cue\n"
	    "pattern \\b(?:Beta|Delta)\\b\n", fp);
	fclose(fp);
	struct engine *en = engine_build(FIXTURES "/gazetteers", dir, err, sizeof err);
	CHECK(en != NULL);
	if (en) {
		struct buf nt = {0};
		buf_adds(&nt, "the cue Gamma Delta");
		for (int i = 0; i < 20; i++)
			buf_adds(&nt, " word");
		buf_adds(&nt, " Alpha Beta.");
		struct article na = {.id = "n", .lang = "en", .text = nt.data, .text_len = nt.len};
		struct annotate_opts no = {0};
		struct annotate_stats nst;
		struct buf nout = {0};
		struct scratch *ns = scratch_new();
		CHECK(engine_annotate(en, ns, &na, &no, &nout, &nst, err, sizeof err) == 0);
		json_t *nr = json_loadb(nout.data, nout.len, 0, NULL);
		json_t *ents = json_object_get(nr, "entities");
		char got[128] = "";
		for (size_t i = 0; i < json_array_size(ents); i++) {
			strcat(got, json_string_value(json_object_get(json_array_get(ents, i), "text")));
			strcat(got, ";");
		}
		CHECK(!strcmp(got, "Gamma;Delta;Beta;"));
		if (strcmp(got, "Gamma;Delta;Beta;"))
			fprintf(stderr, "near: found %s\n", got);
		json_decref(nr);
		buf_free(&nout);
		buf_free(&nt);
		scratch_destroy(&ns);
		engine_close(&en);
	}
	unlink(path);
	rmdir(dir);

	struct engine *e = engine_build(FIXTURES "/gazetteers", FIXTURES "/rules",
	    err, sizeof err);
	CHECK(e != NULL);
	if (!e) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	CHECK(engine_rule_count(e) == 3);
	struct diag d3 = {0};
	CHECK(engine_check_examples(e, &d3) == 6);
	CHECK(d3.errors == 0);

	/* hostile text: the backtracking rule is skipped, Turkey still found */
	struct buf text = {0};
	buf_adds(&text, "Turkey boom");
	for (int i = 0; i < 40; i++)
		buf_adds(&text, " aaaa");
	buf_adds(&text, " !");
	struct article a = {.id = "h", .text = text.data, .text_len = text.len};
	struct annotate_opts o = {0};
	struct annotate_stats st;
	struct buf out = {0};
	struct scratch *s = scratch_new();
	CHECK(engine_annotate(e, s, &a, &o, &out, &st, err, sizeof err) == 0);
	CHECK(st.rule_limits == 1);
	CHECK(st.entities == 1);
	json_t *root = json_loadb(out.data, out.len, 0, NULL);
	CHECK(root != NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(root, "stats"),
	    "rule_limits")) == 1);
	json_decref(root);

	/* the prefilter: without its trigger word the rule does not run */
	buf_reset(&out);
	const char *quiet = "Turkey aaaa aaaa 1";
	a.text = (char *)quiet;
	a.text_len = strlen(quiet);
	CHECK(engine_annotate(e, s, &a, &o, &out, &st, err, sizeof err) == 0);
	CHECK(st.entities == 1 && st.rule_limits == 0);

	buf_free(&out);
	buf_free(&text);
	scratch_destroy(&s);
	engine_close(&e);
	return test_done("rules");
}
