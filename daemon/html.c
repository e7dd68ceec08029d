/*
 * html.c - annotations as one self-contained HTML page (see html.h).
 *
 * The articles are rendered into a buffer as they come, and the page is
 * written at the end, because the legend at the top counts the mentions
 * of each type.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"

/* The four core types of ANNOTATION.md and LOCATION, the extra type the
 * shipped gazetteers use, with their colours; others get grey. */
static const struct {
	const char *type, *bg, *line;
} known[] = {
	{"PERSON", "#ffe3c2", "#e8590c"},
	{"AGENCY", "#c9f2d0", "#2b8a3e"},
	{"COUNTRY", "#cfe8ff", "#1971c2"},
	{"ORGANIZATION", "#eadcff", "#7048e8"},
	{"LOCATION", "#c3fae8", "#0c8599"},
};
#define NKNOWN (sizeof known / sizeof known[0])
#define MAX_OTHER 16

struct html_page {
	char *title;
	struct buf body;
	unsigned articles, errors;
	unsigned long counts[NKNOWN];
	char *other[MAX_OTHER];           /* other type names seen, owned */
	unsigned long other_counts[MAX_OTHER];
	unsigned nother;
};

struct mention {
	size_t bs, be;       /* byte offsets into the field */
	size_t order;        /* position in the annotation */
	json_t *e;           /* borrowed */
};

/* Text as HTML text or attribute value. Control characters (never in
 * news text, but the stream is not ours) become spaces; the rest of the
 * UTF-8 passes through, checked upstream. */
static void esc(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default:
			buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
		}
	}
}

static void escs(struct buf *b, const char *s)
{
	if (s)
		esc(b, s, strlen(s));
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int known_index(const char *type)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (type && !strcmp(type, known[i].type))
			return (int)i;
	return -1;
}

static void count_type(struct html_page *p, const char *type)
{
	int k = known_index(type);
	if (k >= 0) {
		p->counts[k]++;
		return;
	}
	if (!type)
		type = "?";
	for (unsigned i = 0; i < p->nother; i++)
		if (!strcmp(p->other[i], type)) {
			p->other_counts[i]++;
			return;
		}
	if (p->nother < MAX_OTHER && (p->other[p->nother] = strdup(type)))
		p->other_counts[p->nother++] = 1;
}

/* A language tag safe to write as is (letters, digits, '-'), or NULL. */
static const char *lang_tag(const char *lang)
{
	if (!lang || !*lang || strlen(lang) > 15)
		return NULL;
	for (const char *c = lang; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-'))
			return NULL;
	return lang;
}

/* Languages written right to left (the primary subtag). */
static int lang_rtl(const char *lang)
{
	static const char *const rtl[] = {"ar", "fa", "ur", "he", "ps",
	    "ckb", "yi", "dv", "sd", "ug", "ary", "arz", "arq"};
	if (!lang)
		return 0;
	size_t n = strcspn(lang, "-_");
	for (size_t i = 0; i < sizeof rtl / sizeof rtl[0]; i++)
		if (strlen(rtl[i]) == n && !strncmp(lang, rtl[i], n))
			return 1;
	return 0;
}

/* Open a mention's element: <mark> with its type's class, data
 * attributes and a hover title. */
static void open_mark(struct buf *b, json_t *e)
{
	const char *type = str(e, "type"), *id = str(e, "entity_id"),
	    *canon = str(e, "canonical"), *src = str(e, "source");
	int k = known_index(type);
	buf_printf(b, "<mark class=\"m t-%s\" dir=\"auto\" data-type=\"",
	    k >= 0 ? known[k].type : "other");
	escs(b, type ? type : "?");
	buf_adds(b, "\" data-entity-id=\"");
	escs(b, id);
	buf_adds(b, "\" data-canonical=\"");
	escs(b, canon);
	buf_printf(b, "\" data-field=\"%s\" data-start=\"%" JSON_INTEGER_FORMAT
	    "\" data-end=\"%" JSON_INTEGER_FORMAT "\"",
	    json_is_string(json_object_get(e, "field")) &&
	    !strcmp(str(e, "field"), "title") ? "title" : "text",
	    json_integer_value(json_object_get(e, "start")),
	    json_integer_value(json_object_get(e, "end")));
	if (json_is_true(json_object_get(e, "nested")))
		buf_adds(b, " data-nested=\"true\"");
	buf_adds(b, " title=\"");
	escs(b, type ? type : "?");
	if (canon) {
		buf_adds(b, " \xc2\xb7 ");   /* U+00B7 middle dot */
		escs(b, canon);
	}
	if (id) {
		buf_adds(b, "\n");
		escs(b, id);
	}
	if (src) {
		buf_adds(b, "\n");
		escs(b, src);
	}
	buf_adds(b, "\">");
}

static int by_start(const void *a, const void *b)
{
	const struct mention *x = a, *y = b;
	if (x->bs != y->bs)
		return x->bs < y->bs ? -1 : 1;
	if (x->be != y->be)
		return x->be > y->be ? -1 : 1;  /* the longer one outside */
	return x->order < y->order ? -1 : x->order > y->order;
}

static int is_cont(const char *s, size_t len, size_t i)
{
	return i < len && ((unsigned char)s[i] & 0xc0) == 0x80;
}

/*
 * Text [from, to) of a field: newlines outside mentions end a paragraph
 * (when paras), any other newline is a space.
 */
static void emit_text(struct buf *b, const char *s, size_t from, size_t to,
    int paras, int inside)
{
	size_t run = from;
	for (size_t i = from; i < to; i++) {
		if (s[i] != '\n' && s[i] != '\r')
			continue;
		esc(b, s + run, i - run);
		run = i + 1;
		if (s[i] == '\r')
			continue;
		if (paras && !inside)
			buf_adds(b, "</p>\n<p dir=\"auto\">");
		else
			buf_addc(b, ' ');
	}
	esc(b, s + run, to - run);
}

/*
 * One field with its mentions as nested <mark> elements. Mentions that
 * do not fit the text, or that cross another's end, are appended to left
 * (a JSON array), to be listed instead.
 */
static void render_field(struct buf *b, const char *s, size_t len,
    json_t *ents, const char *field, int paras, json_t *left)
{
	size_t n = json_array_size(ents), k = 0;
	struct mention *m = calloc(n ? n : 1, sizeof *m);
	size_t *stack = calloc(n ? n : 1, sizeof *stack);
	if (!m || !stack) {
		free(m);
		free(stack);
		emit_text(b, s, 0, len, paras, 0);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(ents, i);
		const char *f = str(e, "field");
		if (strcmp(f ? f : "text", field))
			continue;
		json_t *bs = json_object_get(e, "byte_start"),
		    *be = json_object_get(e, "byte_end");
		json_int_t x = json_integer_value(bs), y = json_integer_value(be);
		if (!json_is_integer(bs) || !json_is_integer(be) || x < 0 ||
		    y <= x || (size_t)y > len || is_cont(s, len, (size_t)x) ||
		    is_cont(s, len, (size_t)y)) {
			json_array_append(left, e);
			continue;
		}
		m[k++] = (struct mention){(size_t)x, (size_t)y, i, e};
	}
	qsort(m, k, sizeof *m, by_start);

	size_t pos = 0, top = 0, i = 0;
	for (;;) {
		/* the next event: the innermost open mention ends, or the
		 * next one starts (ends first when both are at pos) */
		size_t end = top ? m[stack[top - 1]].be : (size_t)-1;
		size_t start = i < k ? m[i].bs : (size_t)-1;
		if (end == (size_t)-1 && start == (size_t)-1)
			break;
		size_t at = end <= start ? end : start;
		emit_text(b, s, pos, at, paras, top > 0);
		pos = at;
		if (end <= start) {
			buf_adds(b, "</mark>");
			top--;
			continue;
		}
		if (top && m[i].be > m[stack[top - 1]].be) {
			json_array_append(left, m[i].e);   /* crosses: list it */
			i++;
			continue;
		}
		open_mark(b, m[i].e);
		stack[top++] = i++;
	}
	emit_text(b, s, pos, len, paras, 0);
	free(stack);
	free(m);
}

/* Mentions without their text around them, in the annotation's order. */
static void render_list(struct buf *b, json_t *ents)
{
	size_t i;
	json_t *e;
	json_array_foreach(ents, i, e) {
		if (i)
			buf_adds(b, " \xe2\x80\xa6 ");  /* U+2026 ellipsis */
		open_mark(b, e);
		escs(b, str(e, "text"));
		buf_adds(b, "</mark>");
	}
}

struct html_page *html_page_new(const char *title)
{
	struct html_page *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->title = strdup(title ? title : "nerd");
	if (!p->title) {
		free(p);
		return NULL;
	}
	return p;
}

static void article_open(struct html_page *p, const char *id,
    const char *lang, int rtl, const char *cls)
{
	struct buf *b = &p->body;
	buf_printf(b, "<article class=\"%s\"", cls);
	if (lang)
		buf_printf(b, " lang=\"%s\"", lang);
	buf_printf(b, " dir=\"%s\" data-id=\"", rtl ? "rtl" : "ltr");
	escs(b, id);
	buf_adds(b, "\">\n<header dir=\"ltr\"><code>");
	escs(b, id ? id : "(no id)");
	buf_adds(b, "</code>");
}

int html_page_add(struct html_page *p, json_t *ann, const char *text,
    size_t text_len, const char *title, size_t title_len)
{
	json_t *ents = json_object_get(ann, "entities");
	if (!json_is_object(ann) || !json_is_array(ents))
		return -1;
	struct buf *b = &p->body;
	const char *lang = lang_tag(str(ann, "lang"));
	json_t *meta = json_object_get(ann, "meta");
	json_t *left = json_array();
	size_t i;
	json_t *e;

	p->articles++;
	json_array_foreach(ents, i, e)
		count_type(p, str(e, "type"));
	article_open(p, str(ann, "id"), lang, lang_rtl(lang), "doc");
	if (lang)
		buf_printf(b, " <span class=\"lang\">%s</span>", lang);
	buf_printf(b, " <span class=\"n\">%zu mention%s</span>",
	    json_array_size(ents), json_array_size(ents) == 1 ? "" : "s");
	if (json_is_string(json_object_get(meta, "source"))) {
		buf_adds(b, " <span class=\"src\">");
		escs(b, str(meta, "source"));
		buf_adds(b, "</span>");
	}
	const char *url = str(meta, "url");
	if (url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7))) {
		buf_adds(b, " <a href=\"");
		escs(b, url);
		buf_adds(b, "\" rel=\"noreferrer\">source</a>");
	}
	buf_adds(b, "</header>\n");

	if (title && text) {
		buf_adds(b, "<h2 dir=\"auto\">");
		render_field(b, title, title_len, ents, "title", 0, left);
		buf_adds(b, "</h2>\n");
	}
	if (text) {
		buf_adds(b, "<div class=\"text\"><p dir=\"auto\">");
		render_field(b, text, text_len, ents, "text", 1, left);
		buf_adds(b, "</p></div>\n");
		if (!title) {
			/* title mentions with no title to place them in */
			json_array_foreach(ents, i, e) {
				const char *f = str(e, "field");
				if (f && !strcmp(f, "title"))
					json_array_append(left, e);
			}
		}
	} else {
		/* a stream subscriber has the mentions, not the text */
		buf_adds(b, "<p dir=\"auto\" class=\"list\">");
		render_list(b, ents);
		buf_adds(b, "</p>\n");
		json_array_clear(left);
	}
	if (json_array_size(left)) {
		buf_adds(b, "<p dir=\"auto\" class=\"left\">not placed in the "
		    "text: ");
		render_list(b, left);
		buf_adds(b, "</p>\n");
	}
	buf_adds(b, "</article>\n");
	json_decref(left);
	return 0;
}

void html_page_add_error(struct html_page *p, const char *id,
    const char *kind, const char *message)
{
	struct buf *b = &p->body;
	p->errors++;
	article_open(p, id, NULL, 0, "doc error");
	buf_adds(b, " <span class=\"err\">");
	escs(b, kind);
	buf_adds(b, "</span></header>\n<p dir=\"auto\">");
	escs(b, message);
	buf_adds(b, "</p>\n</article>\n");
}

unsigned html_page_count(const struct html_page *p)
{
	return p->articles + p->errors;
}

static const char css[] =
    "body{font-family:\"DejaVu Sans\",\"Noto Sans\",\"Noto Naskh Arabic\","
    "sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;"
    "color:#212529;background:#fff;line-height:1.9}\n"
    "h1{font-size:1.3rem;margin:.2rem 0}\n"
    ".legend{position:sticky;top:0;background:#fff;padding:.4rem 0;"
    "border-bottom:1px solid #dee2e6;font-size:.9rem}\n"
    ".legend mark{margin-inline-end:.6rem}\n"
    "article{border:1px solid #dee2e6;border-radius:6px;margin:1rem 0;"
    "padding:.5rem 1rem}\n"
    "article[dir=rtl]{font-size:1.15rem}\n"
    "header{font-size:.8rem;color:#6c757d;text-align:left}\n"
    "header span,header a{margin-left:.6rem}\n"
    "h2{font-size:1.2rem;margin:.3rem 0}\n"
    "p{margin:.5rem 0}p:empty{display:none}\n"
    "p.left{font-size:.85rem;color:#6c757d}\n"
    ".error{border-color:#e03131}.err{color:#e03131;font-weight:bold}\n"
    "mark{unicode-bidi:isolate;border-radius:3px;padding:0 .05em;"
    "border-bottom:2px solid #868e96;background:#e9ecef;color:inherit}\n"
    "mark mark{border-bottom-style:dotted}\n";

int html_page_write(struct html_page *p, FILE *f)
{
	struct buf h = {0};
	buf_adds(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"nerd " NERD_VERSION "\">\n"
	    "<title>");
	escs(&h, p->title);
	buf_adds(&h, "</title>\n<style>\n");
	buf_adds(&h, css);
	for (size_t i = 0; i < NKNOWN; i++)
		buf_printf(&h, "mark.t-%s{background:%s;border-bottom-color:%s}\n",
		    known[i].type, known[i].bg, known[i].line);
	buf_adds(&h, "</style>\n</head>\n<body>\n<h1>");
	escs(&h, p->title);
	buf_printf(&h, "</h1>\n<div class=\"legend\">%u article%s%s",
	    p->articles, p->articles == 1 ? "" : "s", p->errors ? "," : "");
	if (p->errors)
		buf_printf(&h, " <span class=\"err\">%u error%s</span>",
		    p->errors, p->errors == 1 ? "" : "s");
	buf_adds(&h, " \xe2\x80\x94 ");   /* U+2014 em dash */
	for (size_t i = 0; i < NKNOWN; i++)
		buf_printf(&h, "<mark class=\"t-%s\" data-legend=\"%s\">%s "
		    "%lu</mark>", known[i].type, known[i].type, known[i].type,
		    p->counts[i]);
	for (unsigned i = 0; i < p->nother; i++) {
		buf_adds(&h, "<mark class=\"t-other\" data-legend=\"");
		escs(&h, p->other[i]);
		buf_adds(&h, "\">");
		escs(&h, p->other[i]);
		buf_printf(&h, " %lu</mark>", p->other_counts[i]);
	}
	buf_adds(&h, "</div>\n");

	static const char tail[] =
	    /* Where each mention was laid out, for tools that read the DOM
	     * of a headless browser (the page needs no script to show). */
	    "<script>\n"
	    "for (const m of document.querySelectorAll('mark[data-type]')) {\n"
	    "  const r = m.getBoundingClientRect();\n"
	    "  m.dataset.x = r.x.toFixed(1); m.dataset.y = r.y.toFixed(1);\n"
	    "  m.dataset.w = r.width.toFixed(1);\n"
	    "  m.dataset.lines = m.getClientRects().length;\n"
	    "}\n"
	    "</script>\n</body>\n</html>\n";
	int rc = 0;
	if (fwrite(h.data, 1, h.len, f) != h.len ||
	    (p->body.len && fwrite(p->body.data, 1, p->body.len, f) !=
	    p->body.len) || fputs(tail, f) == EOF || fflush(f) == EOF)
		rc = -1;
	buf_free(&h);
	return rc;
}

void html_page_destroy(struct html_page **pp)
{
	struct html_page *p = pp ? *pp : NULL;
	if (!p)
		return;
	for (unsigned i = 0; i < p->nother; i++)
		free(p->other[i]);
	buf_free(&p->body);
	free(p->title);
	free(p);
	*pp = NULL;
}
