/*
 * rules.h - PCRE2 rules: parsing rule files, compiling, matching.
 *
 * A rule set is parsed from rule-file text (see rules/README.md), its
 * {{class}} references expanded from the word classes, and every pattern
 * compiled once with UTF, UCP and JIT. The compiled set is read-only and
 * shared by every worker; a rule_scratch holds one worker's match data.
 */
#ifndef NERD_RULES_H
#define NERD_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"

enum { VIEW_NORMALIZED = 0, VIEW_ORIGINAL = 1 };

/* Where a rule's matches may start (the `anchor` key):
 *   NONE     anywhere in a window around each trigger word;
 *   TRIGGER  where a trigger word's token starts;
 *   BEFORE   where one of the ANCHOR_BEFORE_TOKENS tokens before a
 *            trigger word (or the trigger itself) starts: for names
 *            that precede their cue ("X Y said", "X Y Party");
 *            `anchor before N` looks back N tokens (1..8) instead.
 * A NONE rule's window reaches RULE_NEAR bytes on each side of the
 * trigger word; `anchor near N` narrows it to N bytes (RULE_NEAR_MIN..),
 * and the scan costs in proportion. */
enum { ANCHOR_NONE = 0, ANCHOR_TRIGGER = 1, ANCHOR_BEFORE = 2 };
#define ANCHOR_BEFORE_TOKENS 8
#define RULE_NEAR 400
#define RULE_NEAR_MIN 16

/* What the word where an anchored match starts must be (the `start` key):
 * a promise of the rule's author that lets the engine skip attempts at
 * other words. 0: any word. */
enum { START_CAPITAL = 1, START_DIGIT = 2 };

struct rule_example {
	char *text;
	char **expect;     /* mentions the rule must find; NULL for nomatch */
	int nexpect;
	int line;
};

/* A file-level `define NAME PATTERN`: a named subpattern that the rules of
 * its file call as (?&NAME) (see rules/README.md). */
struct rule_define {
	char *name;
	char *pattern;     /* as written */
	int line;
};

struct rule_def {
	char *name;
	int type, prio, view;
	int anchor;        /* ANCHOR_*: where matches may start */
	int before;        /* ANCHOR_BEFORE: tokens looked back (1..8) */
	int near;          /* ANCHOR_NONE: window bytes on each side */
	int start;         /* START_*: what an anchored match starts with */
	char lang[4];      /* "ar", "fr", "en" or "*" */
	char *trigger;     /* as written */
	char *context;     /* `context` words as written, or NULL: a match
			    * counts only within context_near bytes of one */
	int context_near;  /* `near N`: 16..400, RULE_NEAR by default */
	int near_line;     /* line of the `near` key, 0 if none */
	char **outside;    /* normalized words that stay outside the mention
			    * when it starts with them (`outside` key) */
	int noutside;
	char *pattern;     /* as written */
	/* The defines of the rule's file that its pattern calls, directly or
	 * through other defines, less the names the pattern defines itself;
	 * in file order. Copies, owned by the rule. */
	struct rule_define *uses;
	int nuses;
	struct rule_example *ex;
	int nex;
	const char *file;  /* borrowed from the caller */
	int line;
};

/* A source text: a rule file or a class file (name without .txt). */
struct src_text {
	const char *name;
	const char *data;
	size_t len;
};

/*
 * Parse one rule file's text. Appends to *defs (caller frees with
 * rule_defs_free). Errors go to d as file:line. The file's defines are
 * resolved here: each rule keeps copies of those it calls (uses).
 */
int rules_parse(const char *file, const char *text, size_t len,
    struct rule_def **defs, size_t *ndefs, struct diag *d);
void rule_defs_free(struct rule_def *defs, size_t n);

/*
 * The trigger words of a rule, normalized, one per element of out (a
 * {{class}} trigger yields every entry of the class). Returns the count or
 * -1 (unknown class, reported to d).
 */
int rule_triggers(const struct rule_def *r, const struct src_text *classes,
    size_t nclasses, char ***out, struct diag *d);

/*
 * The context words of a rule (the `context` key), normalized, as
 * rule_triggers gives the trigger words; 0 if the rule has none.
 */
int rule_context(const struct rule_def *r, const struct src_text *classes,
    size_t nclasses, char ***out, struct diag *d);

/* The entries of the class called name, normalized, one per element of
 * *out (caller frees each and the array); -1 if there is no such class. */
int rule_class_words(const struct src_text *classes, size_t nclasses,
    const char *name, char ***out);

/* The pattern as compiled into out: one (?(DEFINE)…) group holding the
 * rule's uses first, then the pattern, {{class}} expanded in both (in the
 * rule's view). -1 on an unknown class. */
int rule_expand(const struct rule_def *r, const struct src_text *classes,
    size_t nclasses, struct buf *out, struct diag *d);

struct ruleset;
struct rule_scratch;

/* Compile parsed rules; errors (with file:line) to d. NULL on error. */
struct ruleset *ruleset_compile(const struct rule_def *defs, size_t n,
    const struct src_text *classes, size_t nclasses, struct diag *d);
void ruleset_destroy(struct ruleset **rs);
size_t ruleset_count(const struct ruleset *rs);
const struct rule_def *ruleset_def(const struct ruleset *rs, size_t i);

struct rule_scratch *rule_scratch_new(const struct ruleset *rs);
void rule_scratch_destroy(struct rule_scratch **s);

/* Called for each match: byte range [b, e) in the subject. */
typedef void (*rule_hit_fn)(void *ctx, size_t rule, size_t b, size_t e);

/*
 * Run rule i over subject[from..to): matches start at or after from and
 * end by to; the bytes before from are visible to lookbehinds. Returns the
 * number of matches, or -1 if the rule hit its match, depth or heap limit
 * (the caller counts and moves on; matches found before are kept).
 */
int ruleset_run(const struct ruleset *rs, struct rule_scratch *s, size_t i,
    const char *subject, size_t from, size_t to, rule_hit_fn fn, void *ctx);

/* For a rule_hit_fn: the whole match being reported (lookarounds left
 * out), [*b, *e) in the subject; the mention is a part of it. */
void rule_scratch_match(const struct rule_scratch *s, size_t *b, size_t *e);

/* One anchored attempt of rule i at byte at of subject[0..n): 1 if it
 * matched (fn called), 0 if not, -1 on a limit. */
int ruleset_run_at(const struct ruleset *rs, struct rule_scratch *s, size_t i,
    const char *subject, size_t at, size_t n, rule_hit_fn fn, void *ctx);

#endif
