/*
 * rules.c - rule files: parse, expand classes, compile with JIT, match
 * under limits.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "normalize.h"
#include "rules.h"
#include "utf8.h"

/* Limits on every match, so that text built to make a pattern backtrack
 * costs a bounded amount of work (see tests/test_rules.c). */
#define RULE_MATCH_LIMIT 200000
#define RULE_DEPTH_LIMIT 5000
#define RULE_HEAP_LIMIT_KB 16384

static char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		abort();
	return p;
}

static void defines_free(struct rule_define *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].pattern);
	}
	free(v);
}

static void def_free(struct rule_def *r)
{
	defines_free(r->uses, (size_t)r->nuses);
	for (int i = 0; i < r->noutside; i++)
		free(r->outside[i]);
	free(r->outside);
	free(r->name);
	free(r->trigger);
	free(r->context);
	free(r->pattern);
	for (int i = 0; i < r->nex; i++) {
		free(r->ex[i].text);
		for (int k = 0; k < r->ex[i].nexpect; k++)
			free(r->ex[i].expect[k]);
		free(r->ex[i].expect);
	}
	free(r->ex);
}

void rule_defs_free(struct rule_def *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		def_free(&defs[i]);
	free(defs);
}

static int finish(struct rule_def *r, struct diag *d)
{
	int ok = 1;
	if (r->type < 0) {
		diag_error(d, r->file, r->line, "rule %s: no type", r->name);
		ok = 0;
	}
	if (!r->pattern) {
		diag_error(d, r->file, r->line, "rule %s: no pattern", r->name);
		ok = 0;
	}
	if (!r->trigger) {
		diag_error(d, r->file, r->line,
		    "rule %s: no trigger (the prefilter needs one)", r->name);
		ok = 0;
	}
	if (r->context && !r->context[strspn(r->context, " \t")]) {
		/* a rule that could never match, silently */
		diag_error(d, r->file, r->line, "rule %s: context names no "
		    "words", r->name);
		ok = 0;
	}
	if (r->near_line && !r->context) {
		/* `anchor near N` is the trigger's window: say which is meant */
		diag_error(d, r->file, r->near_line,
		    "rule %s: near without context (the window around the "
		    "trigger words is `anchor near N`)", r->name);
		ok = 0;
	}
	return ok ? 0 : -1;
}

static int add_example(struct rule_def *r, const char *v, int nomatch, int line)
{
	struct rule_example *ex = realloc(r->ex, (size_t)(r->nex + 1) * sizeof *ex);
	if (!ex)
		abort();
	r->ex = ex;
	struct rule_example *e = &ex[r->nex++];
	memset(e, 0, sizeof *e);
	e->line = line;
	const char *sep = nomatch ? NULL : strstr(v, " => ");
	if (!nomatch && !sep)
		return -1;
	e->text = xstrndup(v, sep ? (size_t)(sep - v) : strlen(v));
	while (sep) {
		const char *a = sep + 4;
		sep = strstr(a, " => ");
		size_t n = sep ? (size_t)(sep - a) : strlen(a);
		e->expect = realloc(e->expect, (size_t)(e->nexpect + 1) * sizeof(char *));
		if (!e->expect)
			abort();
		e->expect[e->nexpect++] = xstrndup(a, n);
	}
	return 0;
}

/* A group name as PCRE2 takes it: ASCII letters, digits and _, the first
 * not a digit, at most DEFINE_NAME_MAX bytes (PCRE2's own limit). */
#define DEFINE_NAME_MAX 32

static int name_char(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static size_t name_len(const char *s)
{
	size_t n = 0;
	while (name_char(s[n]))
		n++;
	return n;
}

static size_t find_define(const struct rule_define *fd, size_t nfd,
    const char *name, size_t n)
{
	size_t i = 0;
	while (i < nfd && (strlen(fd[i].name) != n || memcmp(fd[i].name, name, n)))
		i++;
	return i;
}

/* `define NAME PATTERN` (val) appended to the file's defines. */
static void add_define(struct rule_define **fd, size_t *nfd, const char *val,
    const char *file, int line, struct diag *d)
{
	size_t n = name_len(val);
	const char *pat = val + n;
	while (*pat == ' ' || *pat == '\t')
		pat++;
	if (!*val) {
		diag_error(d, file, line, "define needs `NAME PATTERN`");
		return;
	}
	if (n == 0 || n > DEFINE_NAME_MAX || (val[0] >= '0' && val[0] <= '9') ||
	    (val[n] && val[n] != ' ' && val[n] != '\t')) {
		diag_error(d, file, line, "define: '%.*s' is no group name (up to %d "
		    "ASCII letters, digits and _, the first not a digit)",
		    (int)strcspn(val, " \t"), val, DEFINE_NAME_MAX);
		return;
	}
	if (!*pat) {
		diag_error(d, file, line, "define %.*s: no pattern", (int)n, val);
		return;
	}
	size_t i = find_define(*fd, *nfd, val, n);
	if (i < *nfd) {
		diag_error(d, file, line, "define %.*s: defined twice (first at %s:%d)",
		    (int)n, val, file, (*fd)[i].line);
		return;
	}
	struct rule_define *v = realloc(*fd, (*nfd + 1) * sizeof *v);
	if (!v)
		abort();
	*fd = v;
	v[*nfd].name = xstrndup(val, n);
	v[*nfd].pattern = xstrndup(pat, strlen(pat));
	v[*nfd].line = line;
	(*nfd)++;
}

/* Whether a pattern names a group NAME itself: (?<NAME>, (?'NAME' or
 * (?P<NAME>. */
static int names_group(const char *pattern, const char *name, size_t n)
{
	static const char *const open[] = {"(?<", "(?'", "(?P<"};
	for (int k = 0; k < 3; k++) {
		size_t ol = strlen(open[k]);
		for (const char *p = pattern; (p = strstr(p, open[k])); p += ol)
			if (!strncmp(p + ol, name, n) &&
			    p[ol + n] == (k == 1 ? '\'' : '>'))
				return 1;
	}
	return 0;
}

/*
 * Mark in need the file's defines that text calls as (?&NAME), and those
 * they call in turn; not a name that the rule's own pattern defines: its
 * group wins, and is the one that every call in the rule reaches. A call
 * that is no define is left to PCRE2 to report.
 */
static void need_calls(const char *text, const char *pattern,
    const struct rule_define *fd, size_t nfd, char *need)
{
	for (const char *p = text; (p = strstr(p, "(?&"));) {
		p += 3;
		size_t n = name_len(p);
		if (p[n] != ')')
			continue;
		size_t i = find_define(fd, nfd, p, n);
		if (i < nfd && !need[i] && !names_group(pattern, p, n)) {
			need[i] = 1; /* before recursing: a define may call itself */
			need_calls(fd[i].pattern, pattern, fd, nfd, need);
		}
	}
}

/* Give each of the file's rules r[0..n) copies of the defines it calls;
 * warn of a define that no rule calls. */
static void resolve_uses(struct rule_def *r, size_t n,
    const struct rule_define *fd, size_t nfd, const char *file, struct diag *d)
{
	if (!nfd)
		return;
	char *need = malloc(nfd), *used = calloc(nfd, 1);
	if (!need || !used)
		abort();
	for (size_t k = 0; k < n; k++) {
		if (!r[k].pattern)
			continue;
		memset(need, 0, nfd);
		need_calls(r[k].pattern, r[k].pattern, fd, nfd, need);
		for (size_t i = 0; i < nfd; i++) {
			if (!need[i])
				continue;
			struct rule_define *u = realloc(r[k].uses,
			    (size_t)(r[k].nuses + 1) * sizeof *u);
			if (!u)
				abort();
			r[k].uses = u;
			u[r[k].nuses].name = xstrndup(fd[i].name, strlen(fd[i].name));
			u[r[k].nuses].pattern = xstrndup(fd[i].pattern,
			    strlen(fd[i].pattern));
			u[r[k].nuses++].line = fd[i].line;
			used[i] = 1;
		}
	}
	for (size_t i = 0; i < nfd; i++)
		if (!used[i])
			diag_warn(d, file, fd[i].line, "define %s: no rule calls it",
			    fd[i].name);
	free(need);
	free(used);
}

int rules_parse(const char *file, const char *text, size_t len,
    struct rule_def **defs, size_t *ndefs, struct diag *d)
{
	int errors = d->errors;
	size_t first = *ndefs;
	struct rule_define *fd = NULL; /* the file's defines */
	size_t nfd = 0;
	struct rule_def *cur = NULL;
	const char *p = text, *end = text + len;
	int line = 0;
	/* Examples are normalized and matched with PCRE2_NO_UTF_CHECK, both
	 * of which trust the text to be UTF-8: refuse the file otherwise. */
	size_t bad;
	if (utf8_validate(text, len, &bad) < 0) {
		line = 1;
		for (size_t i = 0; i < bad; i++)
			line += text[i] == '\n';
		diag_error(d, file, line, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *l = p;
		p = nl ? nl + 1 : end;
		line++;
		while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
			n--;
		if (n == 0) {
			if (cur)
				finish(cur, d); /* problems are reported to d */
			cur = NULL;
			continue;
		}
		if (l[0] == '#')
			continue;
		size_t k = 0;
		while (k < n && l[k] != ' ' && l[k] != '\t')
			k++;
		char key[16];
		if (k >= sizeof key) {
			diag_error(d, file, line, "unknown key '%.*s'", (int)k, l);
			continue;
		}
		memcpy(key, l, k);
		key[k] = '\0';
		size_t v0 = k;
		while (v0 < n && (l[v0] == ' ' || l[v0] == '\t'))
			v0++;
		char *val = xstrndup(l + v0, n - v0);
		if (!strcmp(key, "define")) {
			if (cur)
				diag_error(d, file, line, "define inside rule %s (a define "
				    "stands outside rules: end the rule with a blank line)",
				    cur->name);
			else
				add_define(&fd, &nfd, val, file, line, d);
			free(val);
			continue;
		}
		if (!strcmp(key, "rule")) {
			if (cur)
				finish(cur, d);
			struct rule_def *nd = realloc(*defs, (*ndefs + 1) * sizeof *nd);
			if (!nd)
				abort();
			*defs = nd;
			cur = &nd[(*ndefs)++];
			memset(cur, 0, sizeof *cur);
			cur->name = val;
			cur->type = -1;
			cur->prio = 40;
			cur->near = RULE_NEAR;
			cur->context_near = RULE_NEAR;
			strcpy(cur->lang, "*");
			cur->file = file;
			cur->line = line;
			for (size_t i = 0; i + 1 < *ndefs; i++)
				if (!strcmp((*defs)[i].name, val))
					diag_error(d, file, line,
					    "rule %s: defined twice (first at %s:%d)",
					    val, (*defs)[i].file, (*defs)[i].line);
			continue;
		}
		if (!cur) {
			diag_error(d, file, line, "'%s' outside a rule (start with `rule NAME`)", key);
			free(val);
			continue;
		}
		if (!strcmp(key, "type")) {
			cur->type = ent_type_parse(val);
			if (cur->type < 0)
				diag_error(d, file, line, "unknown type '%s'", val);
		} else if (!strcmp(key, "priority")) {
			char *e;
			long v = strtol(val, &e, 10);
			if (*e || v < 0 || v > 255)
				diag_error(d, file, line, "priority must be 0-255");
			else
				cur->prio = (int)v;
		} else if (!strcmp(key, "lang")) {
			if (strcmp(val, "ar") && strcmp(val, "fr") &&
			    strcmp(val, "en") && strcmp(val, "*"))
				diag_error(d, file, line, "unknown lang '%s'", val);
			else
				strcpy(cur->lang, val);
		} else if (!strcmp(key, "view")) {
			if (!strcmp(val, "normalized"))
				cur->view = VIEW_NORMALIZED;
			else if (!strcmp(val, "original"))
				cur->view = VIEW_ORIGINAL;
			else
				diag_error(d, file, line, "view must be normalized or original");
		} else if (!strcmp(key, "anchor")) {
			if (!strcmp(val, "trigger"))
				cur->anchor = ANCHOR_TRIGGER;
			else if (!strcmp(val, "before")) {
				cur->anchor = ANCHOR_BEFORE;
				cur->before = ANCHOR_BEFORE_TOKENS;
			} else if (!strncmp(val, "before ", 7)) {
				char *end;
				long nb = strtol(val + 7, &end, 10);
				if (*end || nb < 1 || nb > ANCHOR_BEFORE_TOKENS)
					diag_error(d, file, line,
					    "anchor before takes a count of 1 to %d tokens",
					    ANCHOR_BEFORE_TOKENS);
				cur->anchor = ANCHOR_BEFORE;
				cur->before = (int)nb;
			}
			else if (!strcmp(val, "none"))
				cur->anchor = ANCHOR_NONE;
			else if (!strncmp(val, "near ", 5)) {
				char *end;
				long nb = strtol(val + 5, &end, 10);
				if (*end || nb < RULE_NEAR_MIN || nb > RULE_NEAR)
					diag_error(d, file, line,
					    "anchor near takes a count of %d to %d bytes",
					    RULE_NEAR_MIN, RULE_NEAR);
				cur->anchor = ANCHOR_NONE;
				cur->near = (int)nb;
			} else
				diag_error(d, file, line,
				    "anchor must be trigger, before, before N, none or near N");
		} else if (!strcmp(key, "start")) {
			char *save = NULL;
			cur->start = 0;
			for (char *w = strtok_r(val, " ", &save); w;
			    w = strtok_r(NULL, " ", &save)) {
				if (!strcmp(w, "capital"))
					cur->start |= START_CAPITAL;
				else if (!strcmp(w, "digit"))
					cur->start |= START_DIGIT;
				else
					diag_error(d, file, line,
					    "start takes capital and/or digit, not '%s'", w);
			}
		} else if (!strcmp(key, "outside")) {
			/* descriptive words ("شركة", "company") that stay outside
			 * a mention that starts with them (ANNOTATION.md) */
			struct buf nb = {0};
			char *save = NULL;
			for (char *w = strtok_r(val, " ", &save); w;
			     w = strtok_r(NULL, " ", &save)) {
				normalize_string(w, strlen(w), &nb);
				char **o = realloc(cur->outside,
				    (size_t)(cur->noutside + 1) * sizeof *o);
				if (!o)
					abort();
				cur->outside = o;
				cur->outside[cur->noutside++] = xstrndup(nb.data, nb.len);
			}
			buf_free(&nb);
		} else if (!strcmp(key, "context")) {
			free(cur->context);
			cur->context = val;
			val = NULL;
		} else if (!strcmp(key, "near")) {
			char *end;
			long nb = strtol(val, &end, 10);
			if (*end || nb < RULE_NEAR_MIN || nb > RULE_NEAR)
				diag_error(d, file, line,
				    "near takes a count of %d to %d bytes",
				    RULE_NEAR_MIN, RULE_NEAR);
			else
				cur->context_near = (int)nb;
			cur->near_line = line;
		} else if (!strcmp(key, "trigger")) {
			free(cur->trigger);
			cur->trigger = val;
			val = NULL;
		} else if (!strcmp(key, "pattern")) {
			free(cur->pattern);
			cur->pattern = val;
			val = NULL;
		} else if (!strcmp(key, "match") || !strcmp(key, "nomatch")) {
			if (add_example(cur, val, key[0] == 'n', line) < 0)
				diag_error(d, file, line, "match needs `TEXT => MENTION`");
		} else
			diag_error(d, file, line, "unknown key '%s'", key);
		free(val);
	}
	if (cur)
		finish(cur, d);
	/* *defs is NULL while no rule was parsed: no offset into it then */
	resolve_uses(*ndefs > first ? *defs + first : NULL, *ndefs - first, fd,
	    nfd, file, d);
	defines_free(fd, nfd);
	return d->errors > errors ? -1 : 0;
}

static const struct src_text *find_class(const struct src_text *c, size_t n,
    const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(c[i].name) == len && !memcmp(c[i].name, name, len))
			return &c[i];
	return NULL;
}

/* The entries of a class, each normalized if norm is set. */
static size_t class_entries(const struct src_text *c, int norm, char ***out)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	const char *p = c->data, *end = c->data + c->len;
	struct buf b = {0};
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *l = p;
		p = nl ? nl + 1 : end;
		while (len && (l[len - 1] == '\r' || l[len - 1] == ' '))
			len--;
		while (len && *l == ' ')
			l++, len--;
		if (!len || l[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof *v);
			if (!v)
				abort();
		}
		if (norm) {
			normalize_string(l, len, &b);
			v[n++] = xstrndup(b.data, b.len);
		} else
			v[n++] = xstrndup(l, len);
	}
	buf_free(&b);
	*out = v;
	return n;
}

/*
 * The entries of a class reference's name, `name` or `a|b|c` (the union
 * of classes a, b and c: one prefix tree instead of three walked one
 * after the other), appended to *v. -1 if a class is unknown.
 */
static int union_entries(const struct src_text *classes, size_t nclasses,
    const char *name, size_t len, int norm, char ***v, size_t *n)
{
	const char *end = name + len;
	for (const char *p = name; p <= end;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		const char *e = bar ? bar : end;
		const struct src_text *c = find_class(classes, nclasses, p,
		    (size_t)(e - p));
		if (!c)
			return -1;
		char **items;
		size_t k = class_entries(c, norm, &items);
		if (k) {
			*v = realloc(*v, (*n + k) * sizeof **v);
			if (!*v)
				abort();
			memcpy(*v + *n, items, k * sizeof *items);
			*n += k;
		}
		free(items);
		p = e + 1;
	}
	return 0;
}

int rule_class_words(const struct src_text *classes, size_t nclasses,
    const char *name, char ***out)
{
	const struct src_text *c = find_class(classes, nclasses, name,
	    strlen(name));
	if (!c)
		return -1;
	return (int)class_entries(c, 1, out);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The words of text (a trigger or context value), as rule_triggers; a
 * word or class written with a leading '-' is taken out of the others. */
static int rule_words(const struct rule_def *r, const char *text,
    const struct src_text *classes, size_t nclasses, char ***out,
    struct diag *d)
{
	size_t n = 0, cap = 0, nx = 0, capx = 0;
	char **v = NULL, **x = NULL; /* the words, and those taken out */
	struct buf b = {0};
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int out_of = *p == '-' && p[1] && p[1] != ' ';
		p += out_of;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t len = (size_t)(p - w);
		char **items = NULL;
		size_t nitems = 0;
		if (len > 4 && !strncmp(w, "{{", 2) && !strncmp(p - 2, "}}", 2)) {
			if (union_entries(classes, nclasses, w + 2, len - 4, 1,
				&items, &nitems) < 0) {
				diag_error(d, r->file, r->line, "rule %s: unknown class '%.*s'",
				    r->name, (int)len, w);
				free_strv(items, nitems);
				free_strv(v, n);
				free_strv(x, nx);
				buf_free(&b);
				return -1;
			}
		} else {
			normalize_string(w, len, &b);
			items = malloc(sizeof *items);
			if (!items)
				abort();
			items[0] = xstrndup(b.data, b.len);
			nitems = 1;
		}
		char ***to = out_of ? &x : &v;
		size_t *tn = out_of ? &nx : &n, *tcap = out_of ? &capx : &cap;
		for (size_t i = 0; i < nitems; i++) {
			if (*tn == *tcap) {
				*tcap = *tcap ? *tcap * 2 : 16;
				*to = realloc(*to, *tcap * sizeof **to);
				if (!*to)
					abort();
			}
			(*to)[(*tn)++] = items[i];
		}
		free(items);
	}
	buf_free(&b);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < nx && strcmp(v[i], x[j]))
			j++;
		if (j < nx)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	free_strv(x, nx);
	if (n && !k) {
		diag_error(d, r->file, r->line, "rule %s: '%s' takes out every "
		    "word it names", r->name, text);
		free(v);
		return -1;
	}
	*out = v;
	return (int)k;
}

int rule_triggers(const struct rule_def *r, const struct src_text *classes,
    size_t nclasses, char ***out, struct diag *d)
{
	return rule_words(r, r->trigger, classes, nclasses, out, d);
}

int rule_context(const struct rule_def *r, const struct src_text *classes,
    size_t nclasses, char ***out, struct diag *d)
{
	if (!r->context) {
		*out = NULL;
		return 0;
	}
	return rule_words(r, r->context, classes, nclasses, out, d);
}

static int by_bytes(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One character of a class entry, as pattern text: regex syntax escaped,
 * a space as \s+ (an entry's words may be spaced any way in the text). */
static size_t add_char(struct buf *out, const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (c == ' ')
		buf_adds(out, "\\s+");
	else {
		if (c < 0x80 && strchr("\\^$.|?*+()[]{}#", (char)c))
			buf_addc(out, '\\');
		buf_add(out, s, len);
	}
	return len;
}

/*
 * The entries v[lo..hi), sorted and sharing their first `depth` bytes,
 * as a prefix tree of alternatives: (?:محمد|محمود) becomes مح(?:مد|مود).
 * PCRE2 tries an alternation's branches one after the other, so a
 * 500-name class written flat costs 500 attempts per position; as a tree
 * it costs one per letter. An entry that is a prefix of others makes the
 * rest optional and greedy, so the longest entry still wins, as it did
 * when the flat list was sorted longest first.
 */
static void add_trie(struct buf *out, char **v, size_t lo, size_t hi,
    size_t depth)
{
	int terminal = 0;
	if (lo < hi && v[lo][depth] == '\0') {
		terminal = 1;
		lo++;
	}
	if (lo == hi)
		return;
	size_t groups = 0;
	for (size_t i = lo; i < hi;) {
		size_t len = 1;
		unsigned char c = (unsigned char)v[i][depth];
		len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		size_t j = i + 1;
		while (j < hi && !strncmp(v[j] + depth, v[i] + depth, len))
			j++;
		groups++;
		i = j;
	}
	int wrap = terminal || groups > 1;
	if (wrap)
		buf_adds(out, "(?:");
	for (size_t i = lo, g = 0; i < hi; g++) {
		if (g)
			buf_addc(out, '|');
		size_t len = add_char(out, v[i] + depth);
		size_t j = i + 1;
		while (j < hi && !strncmp(v[j] + depth, v[i] + depth, len))
			j++;
		add_trie(out, v, i, j, depth + len);
		i = j;
	}
	if (wrap)
		buf_addc(out, ')');
	if (terminal)
		buf_addc(out, '?');
}

/* Normalize only the non-ASCII code points of a pattern: its ASCII is
 * regex syntax (\S, \p{L}) that folding would break. */
static void add_pattern_text(struct buf *out, const char *s, size_t n, int norm)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 || !norm) {
			buf_addc(out, (char)c);
			i++;
			continue;
		}
		int len;
		uint32_t cp = utf8_decode((const unsigned char *)s + i, &len);
		uint32_t f[3];
		int k = normalize_cp(cp, f);
		for (int j = 0; j < k; j++) {
			char e[4];
			buf_add(out, e, (size_t)utf8_encode(f[j], e));
		}
		i += (size_t)len;
	}
}

/* text with each {{class}} expanded, into out. -1 on an unknown class,
 * whose reference ({{…}}) is *bad, *badlen bytes long. */
static int add_expanded(struct buf *out, const char *text, int norm,
    const struct src_text *classes, size_t nclasses, const char **bad,
    int *badlen)
{
	const char *p = text;
	for (;;) {
		const char *o = strstr(p, "{{");
		const char *c = o ? strstr(o + 2, "}}") : NULL;
		if (!o || !c) {
			add_pattern_text(out, p, strlen(p), norm);
			return 0;
		}
		add_pattern_text(out, p, (size_t)(o - p), norm);
		char **items = NULL;
		size_t n = 0;
		if (union_entries(classes, nclasses, o + 2, (size_t)(c - o - 2),
			norm, &items, &n) < 0) {
			free_strv(items, n);
			*bad = o;
			*badlen = (int)(c - o + 2);
			return -1;
		}
		if (n) /* items is NULL for classes with no entries */
			qsort(items, n, sizeof *items, by_bytes);
		size_t u = 0; /* drop duplicates */
		for (size_t i = 0; i < n; i++) {
			if (u && !strcmp(items[i], items[u - 1]))
				free(items[i]);
			else
				items[u++] = items[i];
		}
		n = u;
		buf_adds(out, "(?:");
		add_trie(out, items, 0, n, 0);
		buf_addc(out, ')');
		free_strv(items, n);
		p = c + 2;
	}
}

/* The length of the (*VERB) items that open a pattern: start-of-pattern
 * options such as (*LIMIT_MATCH=…) must stay first. */
static size_t leading_verbs(const char *p)
{
	size_t n = 0;
	while (!strncmp(p + n, "(*", 2) && strchr(p + n, ')'))
		n = (size_t)(strchr(p + n, ')') - p) + 1;
	return n;
}

int rule_expand(const struct rule_def *r, const struct src_text *classes,
    size_t nclasses, struct buf *out, struct diag *d)
{
	int norm = r->view == VIEW_NORMALIZED;
	const char *bad;
	int badlen;
	buf_reset(out);
	size_t lead = leading_verbs(r->pattern);
	add_pattern_text(out, r->pattern, lead, norm);
	if (r->nuses)
		buf_adds(out, "(?(DEFINE)");
	for (int i = 0; i < r->nuses; i++) {
		const struct rule_define *u = &r->uses[i];
		buf_printf(out, "(?<%s>", u->name);
		if (add_expanded(out, u->pattern, norm, classes, nclasses, &bad,
			&badlen) < 0) {
			diag_error(d, r->file, u->line,
			    "rule %s: define %s: unknown class '%.*s'", r->name,
			    u->name, badlen, bad);
			return -1;
		}
		buf_addc(out, ')');
	}
	if (r->nuses)
		buf_addc(out, ')');
	if (add_expanded(out, r->pattern + lead, norm, classes, nclasses, &bad,
		&badlen) < 0) {
		diag_error(d, r->file, r->line, "rule %s: unknown class '%.*s'",
		    r->name, badlen, bad);
		return -1;
	}
	buf_cstr(out);
	return 0;
}

struct crule {
	const struct rule_def *def;
	pcre2_code *code;
	/* For `anchor trigger` rules, the same pattern compiled anchored:
	 * PCRE2's JIT serves only the anchoring it was compiled with (an
	 * anchored match of unanchored code falls back to the interpreter,
	 * measured 4x slower here). */
	pcre2_code *acode;
	int jit, ajit;     /* JIT-compiled: match through pcre2_jit_match */
	int group;         /* capture group of the mention */
	/* The bytes a match can start with, as PCRE2 works them out for its
	 * own unanchored search (PCRE2_INFO_FIRSTBITMAP), for anchored
	 * attempts: an attempt at any other byte cannot match, and is not
	 * made (see first_bitmap). NULL: no such set. */
	const uint8_t *first;
};

struct ruleset {
	struct crule *v;
	size_t n;
	uint32_t max_groups;
};

struct rule_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
};

/*
 * The first-byte set of a compiled pattern, or NULL. PCRE2 skips the
 * start positions whose byte is not in it when it searches; an anchored
 * attempt at such a position fails the same way, so the engine can skip
 * it before calling PCRE2 (each call costs a few hundred instructions
 * before the pattern's first step). Patterns with backtracking control
 * verbs ((*COMMIT), (*SKIP), …) are left out: the PCRE2 manual warns that
 * start-of-match optimizations can change what those match.
 */
static const uint8_t *first_bitmap(const pcre2_code *code, const char *pattern)
{
	const uint8_t *map = NULL;
	uint32_t minlen = 0;
	if (strstr(pattern, "(*") ||
	    pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &map) != 0 ||
	    pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &minlen) != 0 ||
	    minlen == 0)
		return NULL;
	return map;
}

/*
 * For a rule that does not compile: the first of its defines that does not
 * compile on its own either (the rule's other defines, and the groups its
 * pattern names, there as empty groups that it may call), its message in
 * msg; -1 if each does, and the fault is the rule's.
 */
static int blame_define(const struct rule_def *r,
    const struct src_text *classes, size_t nclasses, PCRE2_UCHAR *msg,
    size_t msglen)
{
	struct buf b = {0};
	const char *bad;
	int badlen, culprit = -1;
	for (int i = 0; i < r->nuses && culprit < 0; i++) {
		const char *text = r->uses[i].pattern;
		buf_reset(&b);
		buf_adds(&b, "(?(DEFINE)");
		for (int j = 0; j < r->nuses; j++)
			if (j != i)
				buf_printf(&b, "(?<%s>)", r->uses[j].name);
		for (const char *p = text; (p = strstr(p, "(?&"));) {
			p += 3;
			size_t n = name_len(p);
			if (p[n] == ')' && names_group(r->pattern, p, n))
				buf_printf(&b, "(?<%.*s>)", (int)n, p);
		}
		buf_printf(&b, "(?<%s>", r->uses[i].name);
		if (add_expanded(&b, text, r->view == VIEW_NORMALIZED, classes,
			nclasses, &bad, &badlen) < 0)
			continue; /* rule_expand reported it */
		buf_adds(&b, "))");
		int ec;
		PCRE2_SIZE eo;
		/* DUPNAMES: a local group called twice gets two stand-ins */
		pcre2_code *code = pcre2_compile((PCRE2_SPTR)b.data, b.len,
		    PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | PCRE2_DUPNAMES,
		    &ec, &eo, NULL);
		if (!code) {
			pcre2_get_error_message(ec, msg, msglen);
			culprit = i;
		}
		pcre2_code_free(code);
	}
	buf_free(&b);
	return culprit;
}

struct ruleset *ruleset_compile(const struct rule_def *defs, size_t n,
    const struct src_text *classes, size_t nclasses, struct diag *d)
{
	struct ruleset *rs = calloc(1, sizeof *rs);
	if (!rs)
		abort();
	rs->v = calloc(n ? n : 1, sizeof *rs->v);
	if (!rs->v)
		abort();
	struct buf pat = {0};
	int errors = d->errors;
	for (size_t i = 0; i < n; i++) {
		const struct rule_def *r = &defs[i];
		struct crule *c = &rs->v[rs->n++];
		c->def = r;
		if (!r->pattern || rule_expand(r, classes, nclasses, &pat, d) < 0)
			continue;
		for (int anchored = 0; anchored <= !!r->anchor; anchored++) {
			int ec;
			PCRE2_SIZE eo;
			pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat.data, pat.len,
			    PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK |
				(anchored ? PCRE2_ANCHORED : 0), &ec, &eo, NULL);
			if (!code) {
				PCRE2_UCHAR msg[160];
				pcre2_get_error_message(ec, msg, sizeof msg);
				int u = blame_define(r, classes, nclasses, msg, sizeof msg);
				if (u >= 0)
					diag_error(d, r->file, r->uses[u].line,
					    "rule %s: define %s: %s", r->name,
					    r->uses[u].name, (const char *)msg);
				else
					diag_error(d, r->file, r->line, "rule %s: pattern: %s",
					    r->name, (const char *)msg);
				break;
			}
			/* JIT failure is not fatal: the interpreter runs under the
			 * same limits, only slower; nerd check says so. */
			int jrc = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
			if (jrc != 0) {
				PCRE2_UCHAR msg[160];
				pcre2_get_error_message(jrc, msg, sizeof msg);
				diag_warn(d, r->file, r->line,
				    "rule %s: no JIT (%s): it runs interpreted, slower",
				    r->name, (const char *)msg);
			}
			if (anchored) {
				c->acode = code;
				c->ajit = jrc == 0;
			} else {
				c->code = code;
				c->jit = jrc == 0;
			}
		}
		if (!c->code)
			continue;
		c->first = first_bitmap(c->code, pat.data);
		int g = pcre2_substring_number_from_name(c->code, (PCRE2_SPTR) "m");
		c->group = g > 0 ? g : 0;
		uint32_t cap;
		pcre2_pattern_info(c->code, PCRE2_INFO_CAPTURECOUNT, &cap);
		if (cap + 1 > rs->max_groups)
			rs->max_groups = cap + 1;
	}
	buf_free(&pat);
	if (d->errors > errors) {
		ruleset_destroy(&rs);
		return NULL;
	}
	return rs;
}

void ruleset_destroy(struct ruleset **prs)
{
	struct ruleset *rs = *prs;
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		pcre2_code_free(rs->v[i].code);
		pcre2_code_free(rs->v[i].acode);
	}
	free(rs->v);
	free(rs);
	*prs = NULL;
}

size_t ruleset_count(const struct ruleset *rs)
{
	return rs ? rs->n : 0;
}

const struct rule_def *ruleset_def(const struct ruleset *rs, size_t i)
{
	return rs->v[i].def;
}

struct rule_scratch *rule_scratch_new(const struct ruleset *rs)
{
	struct rule_scratch *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->md = pcre2_match_data_create(rs && rs->max_groups ? rs->max_groups : 1, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	s->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (!s->md || !s->mctx || !s->jit)
		abort();
	pcre2_set_match_limit(s->mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, RULE_DEPTH_LIMIT);
	pcre2_set_heap_limit(s->mctx, RULE_HEAP_LIMIT_KB);
	pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
	return s;
}

void rule_scratch_destroy(struct rule_scratch **ps)
{
	struct rule_scratch *s = *ps;
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	pcre2_jit_stack_free(s->jit);
	free(s);
	*ps = NULL;
}

int ruleset_run(const struct ruleset *rs, struct rule_scratch *s, size_t i,
    const char *subject, size_t from, size_t n, rule_hit_fn fn, void *ctx)
{
	const struct crule *c = &rs->v[i];
	if (!c->code)
		return 0;
	int found = 0;
	size_t off = from;
	while (off <= n) {
		/* pcre2_jit_match skips pcre2_match's checks: the subject is
		 * known valid UTF-8, and the JIT code exists */
		int rc = c->jit ? pcre2_jit_match(c->code, (PCRE2_SPTR)subject, n,
				      off, 0, s->md, s->mctx)
				: pcre2_match(c->code, (PCRE2_SPTR)subject, n, off,
				      PCRE2_NO_UTF_CHECK, s->md, s->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0)
			return -1; /* match, depth, heap or JIT stack limit */
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
		if (rc > c->group && ov[2 * c->group] != PCRE2_UNSET &&
		    ov[2 * c->group + 1] > ov[2 * c->group]) {
			fn(ctx, i, ov[2 * c->group], ov[2 * c->group + 1]);
			found++;
		}
		size_t next = ov[1];
		if (next <= off) { /* empty match: step one code point */
			next = off + 1;
			while (next < n && ((unsigned char)subject[next] & 0xC0) == 0x80)
				next++;
		}
		off = next;
	}
	return found;
}

void rule_scratch_match(const struct rule_scratch *s, size_t *b, size_t *e)
{
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	*b = ov[0];
	*e = ov[1];
}

int ruleset_run_at(const struct ruleset *rs, struct rule_scratch *s, size_t i,
    const char *subject, size_t at, size_t n, rule_hit_fn fn, void *ctx)
{
	const struct crule *c = &rs->v[i];
	pcre2_code *code = c->acode ? c->acode : c->code;
	if (!code)
		return 0;
	if (c->first && at < n) {
		unsigned char b = (unsigned char)subject[at];
		if (!(c->first[b >> 3] & (1u << (b & 7))))
			return 0; /* no match starts with this byte */
	}
	int rc = c->acode && c->ajit
	    ? pcre2_jit_match(code, (PCRE2_SPTR)subject, n, at, 0, s->md, s->mctx)
	    : pcre2_match(code, (PCRE2_SPTR)subject, n, at,
		  PCRE2_NO_UTF_CHECK | (c->acode ? 0 : PCRE2_ANCHORED), s->md,
		  s->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	if (rc > c->group && ov[2 * c->group] != PCRE2_UNSET &&
	    ov[2 * c->group + 1] > ov[2 * c->group]) {
		fn(ctx, i, ov[2 * c->group], ov[2 * c->group + 1]);
		return 1;
	}
	return 0;
}
