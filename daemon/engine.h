/*
 * engine.h - one article in, its annotation out.
 *
 * The engine is the compiled, read-only part: the gazetteer image (mapped
 * from a file, shared by every worker after fork) and the JIT-compiled
 * rules. A scratch holds one worker's per-article working memory; it is
 * reused from article to article so that the hot path does not allocate.
 *
 *   struct engine *e = engine_open("nerd.img", err, sizeof err);
 *   struct scratch *s = scratch_new();
 *   engine_annotate(e, s, &article, &opts, &out);   // out: JSON bytes
 *   scratch_destroy(&s); engine_close(&e);
 */
#ifndef NERD_ENGINE_H
#define NERD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "article.h"
#include "buf.h"

struct engine;
struct scratch;

/*
 * Open a compiled image (see `nerd compile`) and compile its rules. On
 * failure returns NULL and writes why (file name included) to err.
 * The caller owns the engine and frees it with engine_close().
 */
struct engine *engine_open(const char *image_path, char *err, size_t errlen);

/*
 * Build an engine in memory straight from source folders (gazetteers and
 * rules), as `nerd compile` would, without writing an image.
 */
struct engine *engine_build(const char *gazetteer_dir, const char *rules_dir,
    char *err, size_t errlen);

void engine_close(struct engine **e);

/* Hex digest that names this engine's gazetteers and rules ("ruleset"). */
const char *engine_ruleset(const struct engine *e);

/* Rules in the engine, and its image (read-only). */
size_t engine_rule_count(const struct engine *e);
const struct image *engine_image(const struct engine *e);

/*
 * Run every rule's examples (rules/README.md): each `match` must find
 * exactly its mentions, each `nomatch` nothing. Failures go to d with the
 * rule file's name and line. Returns the number of examples run.
 */
struct diag;
int engine_check_examples(const struct engine *e, struct diag *d);

struct scratch *scratch_new(void);
/*
 * Give back a scratch's memory if one large article grew it past what
 * ordinary articles need (a worker would otherwise keep hundreds of MB
 * after a 4 MiB article). Cheap to call after every article.
 */
void scratch_trim(struct scratch *s);
void scratch_destroy(struct scratch **s);

struct annotate_opts {
	uint64_t seq;        /* written as "seq" */
	int worker;          /* written as stats.worker */
	int timing;          /* write stats.elapsed_us (breaks byte-identity) */
	int nested;          /* keep nested mentions, marked "nested": true */
};

/* Per-article counters the caller may add to its statistics. */
struct annotate_stats {
	unsigned entities;
	unsigned rule_limits;   /* rules skipped because a PCRE2 limit hit */
	uint64_t elapsed_us;
};

/*
 * Tag one article and append its annotation (one JSON object, no newline)
 * to out. The article must already be valid (article_parse checks UTF-8).
 * Returns 0, or -1 with err set if the text cannot be processed.
 */
int engine_annotate(const struct engine *e, struct scratch *s,
    const struct article *a, const struct annotate_opts *o, struct buf *out,
    struct annotate_stats *st, char *err, size_t errlen);

/* engine_annotate in its two halves, for measuring them apart: the
 * analysis (normalize ... propagate) leaves its mentions in s, and
 * engine_write writes them as the annotation. */
int engine_analyze(const struct engine *e, struct scratch *s,
    const struct article *a, const struct annotate_opts *o, char *err,
    size_t errlen);
void engine_write(const struct engine *e, const struct scratch *s,
    const struct article *a, const struct annotate_opts *o, struct buf *out,
    struct annotate_stats *st);

#endif
