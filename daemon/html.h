/*
 * html.h - annotations as one self-contained HTML page, for people to
 * look at: `nerd tag --format html` and `nerd sub --format html`.
 *
 * Each article becomes an <article> with its mentions highlighted by type
 * (a legend at the top), a hover title with the type, canonical name and
 * entity id, and data attributes (data-type, data-entity-id, data-canonical,
 * data-start, data-end, data-field) that tests and scripts can select on.
 * Arabic articles are dir="rtl" lang="ar"; every paragraph is dir="auto"
 * and every mention a bidi isolate, so that mixed Arabic and Latin lines lay
 * out as they read. The page has inline CSS and needs no script; a short
 * inline one records each mention's laid-out box in data-x / data-y
 * (harmless, and what lets a headless browser's --dump-dom show the layout).
 *
 * The annotation's byte offsets (byte_start/byte_end) index the field's
 * text as received, which is what the caller hands in.
 */
#ifndef NERD_HTML_H
#define NERD_HTML_H

#include <stdio.h>

#include <jansson.h>

struct html_page;

/* A new, empty page with this title (copied). The caller owns it. */
struct html_page *html_page_new(const char *title);

/*
 * Add one article: ann is its annotation (borrowed, as `nerd tag` or the
 * daemon writes it); text and title are the fields it was made from
 * (borrowed; either may be NULL). Without the text the article shows its
 * mentions alone, in text order (what a stream subscriber has). Mentions
 * whose offsets do not fit the text are listed, not highlighted. Returns
 * 0, or -1 if ann is not an annotation.
 */
int html_page_add(struct html_page *p, json_t *ann, const char *text,
    size_t text_len, const char *title, size_t title_len);

/* Add an article that could not be tagged: its id (may be NULL), the
 * error kind and message. */
void html_page_add_error(struct html_page *p, const char *id,
    const char *kind, const char *message);

/* Articles added so far. */
unsigned html_page_count(const struct html_page *p);

/* Write the whole page (head, legend with counts, articles) to f.
 * Returns 0, or -1 on a write error. */
int html_page_write(struct html_page *p, FILE *f);

/* Free the page and set *p to NULL. Safe on NULL. */
void html_page_destroy(struct html_page **p);

#endif
