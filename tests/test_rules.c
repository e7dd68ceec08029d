/*
 * Rules: file errors name file and line; examples are checked; a pattern
 * built to backtrack hits its limit, is counted, and the rest of the
 * article is still tagged. `anchor near N` narrows a rule's window. A
 * file's defines reach the rules that call them, and only those. A
 * `context` rule's match counts only near one of its context words.
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

static void on_hit(void *ctx, size_t rule, size_t b, size_t e)
{
	size_t *span = ctx;
	(void)rule;
	if (span[1] == 0) { /* the first match */
		span[0] = b;
		span[1] = e;
	}
}

/* The first mention rule i finds in text, as "b-e", or "" for none. */
static const char *hit(const struct ruleset *rs, size_t i, const char *text)
{
	static char got[32];
	size_t span[2] = {0, 0};
	struct rule_scratch *s = rule_scratch_new(rs);
	ruleset_run(rs, s, i, text, 0, strlen(text), on_hit, span);
	rule_scratch_destroy(&s);
	if (span[1])
		snprintf(got, sizeof got, "%zu-%zu", span[0], span[1]);
	else
		got[0] = '\0';
	return got;
}

/* The pattern of rule i as compiled, defines and classes expanded, in
 * xb (or the error); valid until the next call. */
static struct buf xb;
static struct diag xd;

static const char *expanded(const struct rule_def *defs, size_t i,
    const struct src_text *classes, size_t nclasses)
{
	memset(&xd, 0, sizeof xd);
	if (rule_expand(&defs[i], classes, nclasses, &xb, &xd) < 0)
		return xd.first;
	return xb.data;
}

#define RULE(name, view) "rule " name "\ntype PERSON\ntrigger x\nview " view "\n"

static void test_defines(void)
{
	struct diag d;
	struct rule_def *defs;
	size_t n;
	const struct src_text cls[] = {{"names", "أحمد\nزيد\n", strlen("أحمد\nزيد\n")}};

	/* a rule gets the defines it calls, directly (w) and through another
	 * (a calls b, defined after it), in one group, in file order, with
	 * {{class}} expanded in the rule's view; c, which nothing calls, stays
	 * out (it would not compile) and is warned of */
	const char *txt = "# defines\n"
	    "define a  (?&b)-{{names}}\n"
	    "define w  (?:alpha|beta)\n"
	    "define c  {{nosuch}}(\n"
	    "\n"
	    RULE("r1", "normalized") "pattern \\b(?&w)\\b\n\n"
	    RULE("r2", "normalized") "pattern (?<m>(?&a))\n\n"
	    RULE("r3", "original") "pattern (?<m>(?&a)|(?&w))\n\n"
	    "define b  [0-9]+\n";
	CHECK(parse("d.rules", txt, &defs, &n, &d) == 0);
	CHECK(n == 3 && d.errors == 0 && d.warnings == 1);
	CHECK(defs[0].nuses == 1 && !strcmp(defs[0].uses[0].name, "w") &&
	    defs[0].uses[0].line == 3);
	CHECK(defs[1].nuses == 2 && !strcmp(defs[1].uses[0].name, "a") &&
	    !strcmp(defs[1].uses[1].name, "b"));
	CHECK_STR(expanded(defs, 0, cls, 1),
	    "(?(DEFINE)(?<w>(?:alpha|beta)))\\b(?&w)\\b");
	CHECK_STR(expanded(defs, 1, cls, 1),
	    "(?(DEFINE)(?<a>(?&b)-(?:(?:احمد|زيد)))(?<b>[0-9]+))(?<m>(?&a))");
	CHECK_STR(expanded(defs, 2, cls, 1),
	    "(?(DEFINE)(?<a>(?&b)-(?:(?:أحمد|زيد)))(?<w>(?:alpha|beta))"
	    "(?<b>[0-9]+))(?<m>(?&a)|(?&w))");
	struct ruleset *rs = ruleset_compile(defs, n, cls, 1, &d);
	CHECK(rs != NULL && d.errors == 0);
	if (rs) {
		CHECK_STR(hit(rs, 0, "an alphabet, a beta"), "15-19");
		CHECK_STR(hit(rs, 1, "no 12-زيد"), "3-12");
		CHECK_STR(hit(rs, 2, "no 7-أحمد"), "3-13");
		ruleset_destroy(&rs);
	}
	rule_defs_free(defs, n);

	/* the unused define is warned of at its line */
	struct diag dw = {0};
	struct rule_def *wd = NULL;
	size_t wn = 0;
	CHECK(rules_parse("w.rules", "define u  x\n", 11, &wd, &wn, &dw) == 0);
	CHECK(wn == 0 && dw.warnings == 1 && dw.errors == 0);
	rule_defs_free(wd, wn);

	/* a group the rule names itself wins, also where a define it pulls in
	 * calls that name: nw is not pulled in, t is, and reaches the rule's
	 * nw. (Both in the group would not compile: a name defined twice.) */
	const char *loc = "define nw  x+\n"
	    "define t   (?&nw)z\n\n"
	    RULE("own", "original") "pattern (?(DEFINE)(?<nw>y+))(?<m>(?&nw))\n\n"
	    RULE("via", "original") "pattern (?(DEFINE)(?'nw'y+))(?<m>(?&t))\n\n"
	    RULE("file", "original") "pattern (?<m>(?&t))\n";
	CHECK(parse("l.rules", loc, &defs, &n, &d) == 0);
	CHECK(n == 3 && defs[0].nuses == 0 && defs[1].nuses == 1 &&
	    !strcmp(defs[1].uses[0].name, "t") && defs[2].nuses == 2);
	rs = ruleset_compile(defs, n, NULL, 0, &d);
	CHECK(rs != NULL);
	if (rs) {
		CHECK_STR(hit(rs, 0, "xx yy"), "3-5");
		CHECK_STR(hit(rs, 1, "xz yz"), "3-5");
		CHECK_STR(hit(rs, 2, "xz yz"), "0-2");
		ruleset_destroy(&rs);
	}
	rule_defs_free(defs, n);

	/* a define may call itself (PCRE2 recursion); the group goes after a
	 * start-of-pattern (*…) item, which must stay first */
	const char *rec = "define p  \\((?:[^()]|(?&p))*\\)\n\n"
	    RULE("rec", "original") "pattern (*LIMIT_MATCH=100000)(?&p)\n";
	CHECK(parse("r.rules", rec, &defs, &n, &d) == 0);
	CHECK(n == 1 && defs[0].nuses == 1);
	rs = ruleset_compile(defs, n, NULL, 0, &d);
	CHECK(rs != NULL);
	if (rs) {
		CHECK_STR(hit(rs, 0, "f(a(b)c)"), "1-8");
		ruleset_destroy(&rs);
	}
	rule_defs_free(defs, n);

	/* defines are the file's: another file's rule does not see them */
	CHECK(parse("a.rules", "define w  x\n", &defs, &n, &d) == 0);
	const char *other = RULE("o", "original") "pattern (?&w)\n";
	CHECK(rules_parse("b.rules", other, strlen(other), &defs, &n, &d) == 0);
	CHECK(n == 1 && defs[0].nuses == 0);
	rs = ruleset_compile(defs, n, NULL, 0, &d);
	CHECK(rs == NULL && strstr(d.first, "b.rules:1: error: rule o: pattern:") != NULL);
	rule_defs_free(defs, n);

	/* errors, each at its line: a name twice, a bad name, no pattern, a
	 * define inside a rule */
	const char *bad = "define w  x\n"
	    "define 9w  x\n"
	    "define w  y\n"
	    "define n-m  x\n"
	    "define e\n"
	    "\n"
	    RULE("r", "original") "define z  x\npattern (?&w)\n";
	CHECK(parse("e.rules", bad, &defs, &n, &d) < 0);
	CHECK(d.errors == 5);
	CHECK(strstr(d.first, "e.rules:2: error: define: '9w' is no group name") != NULL);
	rule_defs_free(defs, n);
	CHECK(parse("e.rules", "\ndefine n-m  x\n", &defs, &n, &d) < 0);
	CHECK(strstr(d.first, "e.rules:2: error: define: 'n-m' is no group name") != NULL);
	rule_defs_free(defs, n);
	const char *twice = "define w  x\n# a comment\ndefine w  y\n";
	CHECK(parse("t.rules", twice, &defs, &n, &d) < 0);
	CHECK(d.errors == 1 && !strcmp(d.first,
	    "t.rules:3: error: define w: defined twice (first at t.rules:1)"));
	rule_defs_free(defs, n);
	const char *empty = "define e\n";
	CHECK(parse("t.rules", empty, &defs, &n, &d) < 0);
	CHECK(!strcmp(d.first, "t.rules:1: error: define e: no pattern"));
	rule_defs_free(defs, n);
	const char *inside = RULE("r", "original") "define z  x\npattern x\n";
	CHECK(parse("t.rules", inside, &defs, &n, &d) < 0);
	CHECK(strstr(d.first, "t.rules:5: error: define inside rule r") != NULL);
	rule_defs_free(defs, n);

	/* a define that does not compile, or names an unknown class, is
	 * reported at its own line, for each rule that calls it */
	const char *broken = "define ok  a\n"
	    "define w   (?:a(?&ok)\n"
	    "define k   {{nosuch}}\n\n"
	    RULE("r1", "original") "pattern (?&w)b\n\n"
	    RULE("r2", "original") "pattern (?&k)\n";
	CHECK(parse("b.rules", broken, &defs, &n, &d) == 0);
	rs = ruleset_compile(defs, n, NULL, 0, &d);
	CHECK(rs == NULL && d.errors == 2);
	CHECK(strstr(d.first, "b.rules:2: error: rule r1: define w: missing closing parenthesis") != NULL);
	if (!strstr(d.first, "b.rules:2: error: rule r1: define w:"))
		fprintf(stderr, "got: %s\n", d.first);
	struct diag dk = {0};
	struct buf kb = {0};
	CHECK(rule_expand(&defs[1], NULL, 0, &kb, &dk) < 0);
	CHECK(!strcmp(dk.first, "b.rules:3: error: rule r2: define k: unknown class '{{nosuch}}'"));
	buf_free(&kb);
	rule_defs_free(defs, n);
	/* {{a|b}} is one tree of both classes' entries (shared prefixes
	 * merged, duplicates once); an unknown member is an error naming the
	 * whole reference */
	const struct src_text two[] = {{"x", "ab\nc\n", 5}, {"y", "ad\nc\n", 5}};
	const char *uni = RULE("u", "original") "pattern (?!{{x|y}})\\w+\n\n"
	    RULE("v", "original") "pattern {{x|nosuch}}\n";
	CHECK(parse("u.rules", uni, &defs, &n, &d) == 0 && n == 2);
	CHECK(!strcmp(expanded(defs, 0, two, 2), "(?!(?:(?:a(?:b|d)|c)))\\w+"));
	CHECK(!strcmp(expanded(defs, 1, two, 2),
	    "u.rules:7: error: rule v: unknown class '{{x|nosuch}}'"));
	rs = ruleset_compile(defs, 1, two, 2, &d);
	CHECK(rs != NULL);
	if (rs) {
		CHECK(!strcmp(hit(rs, 0, "ab"), "1-2"));  /* not at a, but at b */
		CHECK(!strcmp(hit(rs, 0, "cd ae"), "1-2"));
		ruleset_destroy(&rs);
	}
	rule_defs_free(defs, n);
	/* ... but a rule's own fault stays at the rule's line */
	const char *own = "define w  a\n\n" RULE("r", "original") "pattern (?&w)(b\n";
	CHECK(parse("o.rules", own, &defs, &n, &d) == 0);
	rs = ruleset_compile(defs, n, NULL, 0, &d);
	CHECK(rs == NULL && strstr(d.first, "o.rules:3: error: rule r: pattern:") != NULL);
	rule_defs_free(defs, n);
	buf_free(&xb);
}

/* The texts of the entities the engine finds in text, each followed by
 * ';', in got (of size 256). */
static const char *tag_texts(struct engine *en, const char *lang,
    const char *text, char got[256])
{
	char err[512];
	struct article a = {.id = "c", .text = (char *)text,
	    .text_len = strlen(text)};
	snprintf(a.lang, sizeof a.lang, "%s", lang);
	struct annotate_opts o = {0};
	struct annotate_stats st;
	struct buf out = {0};
	struct scratch *s = scratch_new();
	got[0] = '\0';
	CHECK(engine_annotate(en, s, &a, &o, &out, &st, err, sizeof err) == 0);
	json_t *root = json_loadb(out.data, out.len, 0, NULL);
	json_t *ents = json_object_get(root, "entities");
	for (size_t i = 0; i < json_array_size(ents); i++) {
		const char *x = json_string_value(json_object_get(json_array_get(ents, i), "text"));
		if (strlen(got) + strlen(x) + 2 < 256) {
			strcat(got, x);
			strcat(got, ";");
		}
	}
	json_decref(root);
	buf_free(&out);
	scratch_destroy(&s);
	return got;
}

/* An engine of the fixture gazetteers and the rules in text, built from
 * a rules directory made for it (and removed: the engine keeps nothing
 * of the files). */
static struct engine *engine_of_rules(const char *text)
{
	char dir[] = "/tmp/nerd-test-rules-XXXXXX", path[64], err[512];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/test.rules", dir);
	FILE *fp = fopen(path, "w");
	CHECK(fp != NULL);
	if (!fp)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	struct engine *en = engine_build(FIXTURES "/gazetteers", dir, err,
	    sizeof err);
	if (!en)
		fprintf(stderr, "engine_build: %s\n", err);
	unlink(path);
	rmdir(dir);
	return en;
}

/*
 * context WORDS, near N: the rule runs at its (rare) trigger words, and a
 * match counts only within N bytes of a context word, on either side; a
 * lam-initial trigger word also fires after the preposition ل.
 */
static void test_context(void)
{
	struct rule_def *defs;
	size_t n;
	struct diag d;
	const char *txt = "rule a\ntype PERSON\ntrigger x\nanchor trigger\ncontext y z\nnear 40\npattern x\n\n"
	    "rule b\ntype PERSON\ntrigger x\ncontext y\npattern x\n\n"
	    "rule c\ntype PERSON\ntrigger x\ncontext y\nnear 5000\npattern x\n\n"
	    "rule d\ntype PERSON\ntrigger x\nnear 40\npattern x\n";
	CHECK(parse("c.rules", txt, &defs, &n, &d) < 0);
	CHECK(n == 4 && !strcmp(defs[0].context, "y z") && defs[0].context_near == 40);
	CHECK(defs[1].context_near == RULE_NEAR && defs[3].context == NULL);
	CHECK(d.errors == 2 && strstr(d.first, "c.rules:19: error: near takes a count") != NULL);
	rule_defs_free(defs, n);
	/* a context of no words would make a rule that never matches */
	CHECK(parse("e.rules", "rule e\ntype PERSON\ntrigger x\ncontext\npattern x\n",
	    &defs, &n, &d) < 0);
	CHECK(d.errors == 1 && strstr(d.first, "e.rules:1: error: rule e: context names no words") != NULL);
	rule_defs_free(defs, n);

	char got[256];
	struct engine *en = engine_of_rules("rule club\ntype ORGANIZATION\nlang en\nview original\n"
	    "trigger Alpha\nanchor trigger\ncontext goal\nnear 250\n"
	    "pattern \\bAlpha\\b\n\n"
	    "rule span\ntype ORGANIZATION\nlang en\nview original\n"
	    "trigger Bravo\nanchor trigger\ncontext goal\nnear 40\n"
	    "pattern \\bBravo(?: x)+\n\n"
	    "rule club-ar\ntype ORGANIZATION\nlang ar\ntrigger ليون\n"
	    "anchor trigger\ncontext هدف\nnear 100\n"
	    "pattern (?:^|(?<=\\s))[وف]?[بلك]?(?<m>ليون)(?!\\p{Arabic})\n");
	CHECK(en != NULL);
	if (en) {
		struct buf t = {0};
		/* the context word 200 bytes after the name: found; 300: not */
		for (int far = 0; far <= 1; far++) {
			buf_reset(&t);
			buf_adds(&t, "Alpha");
			for (int i = 0; i < (far ? 60 : 40); i++)
				buf_adds(&t, " word");
			buf_adds(&t, " goal.");
			CHECK(!strcmp(tag_texts(en, "en", buf_cstr(&t), got), far ? "" : "Alpha;"));
		}
		/* ... and before it, the same */
		for (int far = 0; far <= 1; far++) {
			buf_reset(&t);
			buf_adds(&t, "goal");
			for (int i = 0; i < (far ? 60 : 40); i++)
				buf_adds(&t, " word");
			buf_adds(&t, " Alpha.");
			CHECK(!strcmp(tag_texts(en, "en", buf_cstr(&t), got), far ? "" : "Alpha;"));
		}
		/* a match in neither of two windows that overlap, but in the
		 * two as one: found, as a trigger's joined windows find it.
		 * goal [0, 4) gives [0, 44), goal [71, 75) gives [31, 115);
		 * the match is [29, 70). */
		buf_reset(&t);
		buf_adds(&t, "goal");
		for (int i = 0; i < 12; i++)
			buf_adds(&t, " w");
		buf_adds(&t, " Bravo");
		for (int i = 0; i < 18; i++)
			buf_adds(&t, " x");
		buf_adds(&t, " goal.");
		CHECK(!strcmp(tag_texts(en, "en", buf_cstr(&t), got),
		    "Bravo x x x x x x x x x x x x x x x x x x;"));
		/* no context word at all: the trigger alone does nothing */
		CHECK(!strcmp(tag_texts(en, "en", "Alpha won.", got), ""));
		/* the pattern still decides: lower case is no match */
		CHECK(!strcmp(tag_texts(en, "en", "alpha goal", got), ""));
		/* ل + ليون is written لليون, which the proclitic reader takes
		 * for ل + اليون: the trigger fires on it all the same */
		CHECK(!strcmp(tag_texts(en, "ar", "هدف لليون أمس", got), "ليون;"));
		CHECK(!strcmp(tag_texts(en, "ar", "هدف وبليون أمس", got), "ليون;"));
		buf_free(&t);
		engine_close(&en);
	}
}

/*
 * The context window against the reference, the window a rule
 * gets around its trigger word (`anchor near N`): the same text with the
 * names swapped must be found by both or by neither, at every distance
 * around the edge, on either side, and with many context words (the
 * binary search over overlapping windows).
 */
static void test_context_edges(void)
{
	char got[256];
	struct engine *en = engine_of_rules("rule club\ntype ORGANIZATION\nlang en\nview original\n"
	    "trigger Alpha\nanchor trigger\ncontext goal\nnear 50\n"
	    "pattern \\bAlpha\\b\n\n"
	    "rule ref\ntype ORGANIZATION\nlang en\nview original\n"
	    "trigger goal\nanchor near 50\n"
	    "pattern \\bBravo\\b\n");
	CHECK(en != NULL);
	int bad = 0;
	if (en) {
		struct buf t = {0};
		for (int many = 0; many <= 1; many++)
		for (int after = 0; after <= 1; after++)
		for (int k = 30; k < 70; k++) {
			int found[2];
			for (int w = 0; w <= 1; w++) {
				const char *name = w ? "Bravo" : "Alpha";
				buf_reset(&t);
				if (many)   /* context words all over, far and near */
					for (int i = 0; i < 12; i++) {
						buf_adds(&t, "goal ");
						for (int j = 0; j < 7 + i; j++)
							buf_adds(&t, "q");
						buf_adds(&t, " ");
					}
				if (!after)
					buf_adds(&t, "goal ");
				else {
					buf_adds(&t, name);
					buf_adds(&t, " ");
				}
				for (int j = 0; j < k; j++)
					buf_adds(&t, "w");
				if (!after) {
					buf_adds(&t, " ");
					buf_adds(&t, name);
					buf_adds(&t, ".");
				} else
					buf_adds(&t, " goal.");
				if (many) {
					buf_adds(&t, " ");
					for (int j = 0; j < 120; j++)
						buf_adds(&t, "z");
					buf_adds(&t, " goal goal goal.");
				}
				found[w] = strstr(tag_texts(en, "en", buf_cstr(&t), got),
				    name) != NULL;
			}
			if (found[0] != found[1]) {
				fprintf(stderr, "context edge: many %d after %d gap "
				    "%d: context %d, reference %d\n", many, after,
				    k, found[0], found[1]);
				bad++;
			}
		}
		buf_free(&t);
		engine_close(&en);
	}
	CHECK(bad == 0);
}

static void free_words(char **w, int n)
{
	for (int i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/*
 * A trigger word or class written with a leading '-' is taken out of the
 * others: `{{names}} -زيد` fires on every name of the class but زيد (as
 * normalized, whatever its spelling in the file); taking out every word
 * is an error, and an unknown class after '-' too.
 */
static void test_trigger_exclusion(void)
{
	struct rule_def *defs;
	size_t n;
	struct diag d;
	const struct src_text cls[] = {
	    {"names", "أحمد\nزيد\nعلى\n", strlen("أحمد\nزيد\nعلى\n")},
	    {"few", "زيد\n", strlen("زيد\n")}};
	const char *txt =
	    RULE("a", "normalized") "pattern x\n\n"
	    "rule b\ntype PERSON\ntrigger {{names}} -زيد -علي\npattern x\n\n"
	    "rule c\ntype PERSON\ntrigger {{names}} -{{few}}\npattern x\n\n"
	    "rule d\ntype PERSON\ntrigger زيد -{{few}}\npattern x\n\n"
	    "rule e\ntype PERSON\ntrigger {{names}} -{{nosuch}}\npattern x\n";
	CHECK(parse("t.rules", txt, &defs, &n, &d) == 0 && n == 5);
	char **w;
	int k = rule_triggers(&defs[1], cls, 2, &w, &d);
	CHECK(k == 1 && !strcmp(w[0], "احمد"));   /* على folds to علي */
	free_words(w, k);
	k = rule_triggers(&defs[2], cls, 2, &w, &d);
	CHECK(k == 2 && !strcmp(w[0], "احمد") && !strcmp(w[1], "علي"));
	free_words(w, k);
	memset(&d, 0, sizeof d);
	CHECK(rule_triggers(&defs[3], cls, 2, &w, &d) < 0);
	CHECK(d.first && strstr(d.first, "t.rules:17: error: rule d: 'زيد -{{few}}' "
	    "takes out every word it names"));
	memset(&d, 0, sizeof d);
	CHECK(rule_triggers(&defs[4], cls, 2, &w, &d) < 0);
	CHECK(d.first && strstr(d.first, "rule e: unknown class '{{nosuch}}'"));
	rule_defs_free(defs, n);
}

int main(void)
{
	test_defines();
	test_trigger_exclusion();
	test_context_edges();

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
	struct engine *en = engine_of_rules("rule narrow\ntype PERSON\nlang en\n"
	    "view original\ntrigger cue\nanchor near 20\n"
	    "pattern \\b(?:Alpha|Gamma)\\b\n\n"
	    "rule wide\ntype ORGANIZATION\nlang en\nview original\n"
	    "trigger cue\npattern \\b(?:Beta|Delta)\\b\n");
	CHECK(en != NULL);
	if (en) {
		struct buf nt = {0};
		char got[256];
		buf_adds(&nt, "the cue Gamma Delta");
		for (int i = 0; i < 20; i++)
			buf_adds(&nt, " word");
		buf_adds(&nt, " Alpha Beta.");
		tag_texts(en, "en", buf_cstr(&nt), got);
		CHECK(!strcmp(got, "Gamma;Delta;Beta;"));
		if (strcmp(got, "Gamma;Delta;Beta;"))
			fprintf(stderr, "near: found %s\n", got);
		buf_free(&nt);
		engine_close(&en);
	}

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
	test_context();
	return test_done("rules");
}
