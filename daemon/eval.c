/*
 * eval.c - `nerd eval`: precision, recall and F1 against gold data.
 *
 * Two gold forms, scored exactly as ../shared/tools/score.py scores them
 * (tests/test_eval.py checks that both print the same figures):
 *   json:  the seed's form, code-point spans, optional mentions ignored;
 *   conll: token/tag lines, documents of 20 sentences, scored per token
 *          span, with a type mapping (anercorp or newsfane).
 * The tagger runs in-process; its annotations are read back with jansson,
 * exactly as a subscriber would read them.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "commands.h"
#include "compile.h"
#include "datadir.h"
#include "engine.h"
#include "utf8.h"

#define CORE_N 4
static const char *core[CORE_N] = {"AGENCY", "COUNTRY", "ORGANIZATION", "PERSON"};

struct counts {
	long tp, fp, fn;
};

struct ev {
	struct engine *e;
	struct scratch *s;
	int verbose;
	struct counts c[8]; /* per type index in names[] */
	char names[8][16];
	int ntypes;
};

static int type_slot(struct ev *v, const char *t)
{
	for (int i = 0; i < v->ntypes; i++)
		if (!strcmp(v->names[i], t))
			return i;
	if (v->ntypes == 8)
		return 7;
	snprintf(v->names[v->ntypes], sizeof v->names[0], "%s", t);
	return v->ntypes++;
}

/* Code points of s as an array (for slicing like Python's text[a:b]). */
static uint32_t *decode_all(const char *s, size_t n, size_t *ncp)
{
	uint32_t *v = malloc((n + 1) * sizeof *v);
	if (!v)
		abort();
	size_t i = 0, k = 0;
	while (i < n) {
		int len;
		v[k++] = utf8_decode((const unsigned char *)s + i, &len);
		i += (size_t)len;
	}
	*ncp = k;
	return v;
}

/* Tag text; returns the annotation's entities (non-nested) or NULL. */
static json_t *tag(struct ev *v, const char *id, const char *text, size_t len)
{
	struct article a = {0};
	a.id = (char *)id;
	a.text = (char *)text;
	a.text_len = len;
	struct annotate_opts o = {0};
	struct buf out = {0};
	char err[256];
	if (engine_annotate(v->e, v->s, &a, &o, &out, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "nerd eval: %s: %s\n", id, err);
		buf_free(&out);
		return NULL;
	}
	json_t *root = json_loadb(out.data, out.len, 0, NULL);
	buf_free(&out);
	if (!root)
		return NULL;
	json_t *ents = json_array();
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(root, "entities"), i, x)
		if (!json_is_true(json_object_get(x, "nested")))
			json_array_append(ents, x);
	json_decref(root);
	return ents;
}

static int is_core(const char *t)
{
	for (int i = 0; i < CORE_N; i++)
		if (!strcmp(core[i], t))
			return 1;
	return 0;
}

static int proclitic_prefix(const uint32_t *cp, size_t a, size_t b)
{
	/* ^[وف]?[بلك]?$ over cp[a..b) */
	size_t i = a;
	if (i < b && (cp[i] == 0x0648 || cp[i] == 0x0641))
		i++;
	if (i < b && (cp[i] == 0x0628 || cp[i] == 0x0644 || cp[i] == 0x0643))
		i++;
	return i == b;
}

static void print_span(const uint32_t *cp, long a, long b)
{
	for (long i = a; i < b; i++) {
		char e[4];
		fwrite(e, 1, (size_t)utf8_encode(cp[i], e), stdout);
	}
}

static int eval_json_file(struct ev *v, const char *path)
{
	json_error_t je;
	json_t *g = json_load_file(path, 0, &je);
	if (!g) {
		fprintf(stderr, "nerd eval: %s:%d: %s\n", path, je.line, je.text);
		return -1;
	}
	const char *doc = json_string_value(json_object_get(g, "document"));
	if (!doc) {
		fprintf(stderr, "nerd eval: %s: no \"document\"\n", path);
		json_decref(g);
		return -1;
	}
	char tpath[4096];
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(tpath, sizeof tpath, "%.*s/%s", (int)(slash - path), path, doc);
	else
		snprintf(tpath, sizeof tpath, "%s", doc);
	size_t len, ncp;
	char *text = read_file(tpath, &len);
	if (!text) {
		fprintf(stderr, "nerd eval: %s: %m\n", tpath);
		json_decref(g);
		return -1;
	}
	uint32_t *cp = decode_all(text, len, &ncp);
	json_t *sys = tag(v, doc, text, len);
	size_t nsys = json_array_size(sys);
	char *used = calloc(nsys + 1, 1);
	size_t i, k;
	json_t *ge, *se;
	json_array_foreach(json_object_get(g, "entities"), i, ge) {
		const char *gt = json_string_value(json_object_get(ge, "type"));
		long gs = (long)json_integer_value(json_object_get(ge, "start"));
		long gend = (long)json_integer_value(json_object_get(ge, "end"));
		int hit = -1;
		json_array_foreach(sys, k, se) {
			const char *st = json_string_value(json_object_get(se, "type"));
			if (used[k] || !is_core(st) || strcmp(st, gt))
				continue;
			long ss = (long)json_integer_value(json_object_get(se, "start"));
			long send = (long)json_integer_value(json_object_get(se, "end"));
			if (send != gend)
				continue;
			if (ss == gs || (ss < gs && gs <= ss + 2 &&
					    proclitic_prefix(cp, (size_t)ss, (size_t)gs))) {
				hit = (int)k;
				break;
			}
		}
		int slot = type_slot(v, gt);
		if (hit < 0) {
			v->c[slot].fn++;
			if (v->verbose) {
				printf("FN %s %s %ld:%ld ", doc, gt, gs, gend);
				print_span(cp, gs, gend);
				printf("\n");
			}
		} else {
			used[hit] = 1;
			v->c[slot].tp++;
		}
	}
	json_t *opt = json_object_get(g, "optional");
	json_array_foreach(sys, k, se) {
		const char *st = json_string_value(json_object_get(se, "type"));
		if (used[k] || !is_core(st))
			continue;
		long ss = (long)json_integer_value(json_object_get(se, "start"));
		long send = (long)json_integer_value(json_object_get(se, "end"));
		int covered = 0;
		json_t *o;
		json_array_foreach(opt, i, o) {
			long os = (long)json_integer_value(json_object_get(o, "start"));
			long oe = (long)json_integer_value(json_object_get(o, "end"));
			if (ss < oe && os < send)
				covered = 1;
		}
		if (covered)
			continue;
		v->c[type_slot(v, st)].fp++;
		if (v->verbose) {
			printf("FP %s %s %ld:%ld ", doc, st, ss, send);
			print_span(cp, ss, send);
			const char *src = json_string_value(json_object_get(se, "source"));
			printf("\t[%s]\n", src ? src : "");
		}
	}
	free(used);
	json_decref(sys);
	free(cp);
	free(text);
	json_decref(g);
	return 0;
}

static void prf(struct counts c, double *p, double *r, double *f)
{
	*p = c.tp + c.fp ? (double)c.tp / (double)(c.tp + c.fp) : 0.0;
	*r = c.tp + c.fn ? (double)c.tp / (double)(c.tp + c.fn) : 0.0;
	*f = *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0.0;
}

static double report(struct ev *v, const char **types, int n)
{
	struct counts all = {0};
	double p, r, f;
	for (int i = 0; i < n; i++) {
		struct counts c = v->c[type_slot(v, types[i])];
		prf(c, &p, &r, &f);
		printf("%-13s P=%.3f R=%.3f F1=%.3f  tp=%ld fp=%ld fn=%ld\n", types[i],
		    p, r, f, c.tp, c.fp, c.fn);
		all.tp += c.tp;
		all.fp += c.fp;
		all.fn += c.fn;
	}
	prf(all, &p, &r, &f);
	printf("%-13s P=%.3f R=%.3f F1=%.3f  tp=%ld fp=%ld fn=%ld\n", "ALL", p, r,
	    f, all.tp, all.fp, all.fn);
	printf("micro-F1 %.3f\n", f);
	return f;
}

/* ---- CoNLL ---- */

struct tok {
	char *w, *tag;
	long a, b; /* code points in the document text */
};

struct span {
	long a, b;
	char t[16];
	char src[48]; /* what found it (a system span, for -v) */
};

static const char *map_newsfane(const char *k)
{
	static const char *person[] = {"Politician", "Athlete", "Artist",
	    "Other_PER", "Religious_PER", "Scientist", "Businessperson", "Lawyer",
	    "Engineer", NULL};
	static const char *org[] = {"Non-Governmental", "Sports", "Media",
	    "Commercial", "Educational", "Religious_ORG", "Medical-Science",
	    "Entertainment", NULL};
	if (!strcmp(k, "Nation"))
		return "COUNTRY";
	if (!strcmp(k, "Government") || !strcmp(k, "Police"))
		return "AGENCY";
	for (int i = 0; person[i]; i++)
		if (!strcmp(k, person[i]))
			return "PERSON";
	for (int i = 0; org[i]; i++)
		if (!strcmp(k, org[i]))
			return "ORGANIZATION";
	return NULL;
}

static const char *map_anercorp(const char *k)
{
	if (!strcmp(k, "PERS"))
		return "PERSON";
	if (!strcmp(k, "ORG"))
		return "ORG";
	if (!strcmp(k, "LOC"))
		return "LOC";
	return NULL;
}

static int has_span(const struct span *v, size_t n, long a, long b, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].a == a && v[i].b == b && !strcmp(v[i].t, t))
			return 1;
	return 0;
}

static void add_span(struct span **v, size_t *n, long a, long b, const char *t,
    const char *src)
{
	if (has_span(*v, *n, a, b, t))
		return; /* a set, as the reference scorer keeps */
	*v = realloc(*v, (*n + 1) * sizeof **v);
	if (!*v)
		abort();
	(*v)[*n].a = a;
	(*v)[*n].b = b;
	snprintf((*v)[*n].t, sizeof (*v)[*n].t, "%s", t);
	snprintf((*v)[*n].src, sizeof (*v)[*n].src, "%s", src ? src : "");
	(*n)++;
}

/* Python's tag[2:] */
static const char *suffix(const char *tag)
{
	return strlen(tag) >= 2 ? tag + 2 : "";
}

static void score_conll_doc(struct ev *v, struct tok *tk, size_t nt, int aner,
    struct counts *loc, const char *docid)
{
	const char *(*map)(const char *) = aner ? map_anercorp : map_newsfane;
	struct buf text = {0};
	for (size_t i = 0; i < nt; i++) {
		if (i)
			buf_addc(&text, ' ');
		buf_adds(&text, tk[i].w);
	}
	struct span *gold = NULL, *sys = NULL;
	size_t ng = 0, ns = 0;
	for (size_t i = 0; i < nt;) {
		const char *t = tk[i].tag;
		int starts = !strncmp(t, "B-", 2) ||
		    (!strncmp(t, "I-", 2) &&
			(i == 0 || strcmp(suffix(tk[i - 1].tag), t + 2)));
		if (!starts) {
			i++;
			continue;
		}
		size_t j = i + 1;
		while (j < nt && !strncmp(tk[j].tag, "I-", 2) && !strcmp(tk[j].tag + 2, t + 2))
			j++;
		const char *m = map(t + 2);
		if (m)
			add_span(&gold, &ng, (long)i, (long)j, m, NULL);
		i = j;
	}
	json_t *ents = tag(v, docid, text.data ? text.data : "", text.len);
	size_t k;
	json_t *x;
	json_array_foreach(ents, k, x) {
		const char *t = json_string_value(json_object_get(x, "type"));
		if (!is_core(t))
			continue;
		long s = (long)json_integer_value(json_object_get(x, "start"));
		long e = (long)json_integer_value(json_object_get(x, "end"));
		long first = -1, last = -1;
		for (size_t i = 0; i < nt; i++)
			if (tk[i].a < e && s < tk[i].b) {
				if (first < 0)
					first = (long)i;
				last = (long)i;
			}
		if (first < 0)
			continue;
		const char *typ = t;
		if (aner)
			typ = !strcmp(t, "PERSON") ? "PERSON" : !strcmp(t, "COUNTRY") ? "LOC" : "ORG";
		add_span(&sys, &ns, first, last + 1, typ,
		    json_string_value(json_object_get(x, "source")));
	}
	json_decref(ents);
	if (aner) {
		for (size_t i = 0; i < ns; i++) {
			if (strcmp(sys[i].t, "LOC"))
				continue;
			int all = 1;
			for (long q = sys[i].a; q < sys[i].b && all; q++) {
				int in = 0;
				for (size_t g = 0; g < ng && !in; g++)
					in = !strcmp(gold[g].t, "LOC") && gold[g].a <= q && q < gold[g].b;
				all = in;
			}
			if (all)
				loc->tp++;
			else
				loc->fp++;
		}
	}
	for (size_t g = 0; g < ng; g++) {
		if (aner && !strcmp(gold[g].t, "LOC"))
			continue;
		int slot = type_slot(v, gold[g].t);
		if (has_span(sys, ns, gold[g].a, gold[g].b, gold[g].t))
			v->c[slot].tp++;
		else
			v->c[slot].fn++;
	}
	for (size_t i = 0; i < ns; i++) {
		if (aner && !strcmp(sys[i].t, "LOC"))
			continue;
		if (has_span(gold, ng, sys[i].a, sys[i].b, sys[i].t))
			continue;
		v->c[type_slot(v, sys[i].t)].fp++;
		if (v->verbose) {
			printf("FP %s %s ", docid, sys[i].t);
			for (long q = sys[i].a; q < sys[i].b; q++)
				printf("%s%s", q > sys[i].a ? " " : "", tk[q].w);
			printf("\t[%s]\n", sys[i].src);
		}
	}
	if (v->verbose)
		for (size_t g = 0; g < ng; g++) {
			if ((aner && !strcmp(gold[g].t, "LOC")) ||
			    has_span(sys, ns, gold[g].a, gold[g].b, gold[g].t))
				continue;
			printf("FN %s %s ", docid, gold[g].t);
			for (long q = gold[g].a; q < gold[g].b; q++)
				printf("%s%s", q > gold[g].a ? " " : "", tk[q].w);
			printf("\n");
		}
	free(gold);
	free(sys);
	buf_free(&text);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static size_t cp_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int eval_conll(struct ev *v, const char *path, int aner, long limit)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "nerd eval: %s: %m\n", path);
		return -1;
	}
	struct tok *tk = NULL;
	size_t nt = 0, cap = 0;
	long sents = 0, doc_sents = 0, docno = 0;
	long pos = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;
	struct counts loc = {0};
	int first_line = 1;
	int in_sent = 0;
	for (;;) {
		n = getline(&line, &lcap, f);
		int eof = n < 0;
		char *l = eof ? (char *)"" : line;
		if (!eof) {
			if (first_line && !strncmp(l, "\xef\xbb\xbf", 3))
				l += 3;
			first_line = 0;
			/* drop CR/LF and the LRM/RLM marks, as the reference does */
			size_t w = 0;
			for (size_t r = 0; l[r]; r++) {
				if (l[r] == '\r' || l[r] == '\n')
					continue;
				if (!strncmp(l + r, "\xe2\x80\x8e", 3) || !strncmp(l + r, "\xe2\x80\x8f", 3)) {
					r += 2;
					continue;
				}
				l[w++] = l[r];
			}
			l[w] = '\0';
		}
		int blank = 1;
		for (char *c = l; *c; c++)
			if (*c != ' ' && *c != '\t')
				blank = 0;
		if (blank) {
			if (in_sent) {
				sents++;
				doc_sents++;
				in_sent = 0;
				if (limit && sents >= limit)
					eof = 1;
			}
			if ((doc_sents == 20 || eof) && nt) {
				char id[32];
				snprintf(id, sizeof id, "d%ld", docno * 20);
				score_conll_doc(v, tk, nt, aner, &loc, id);
				for (size_t i = 0; i < nt; i++) {
					free(tk[i].w);
					free(tk[i].tag);
				}
				nt = 0;
				pos = 0;
				doc_sents = 0;
				docno++;
			}
			if (eof)
				break;
			continue;
		}
		char *tab = strchr(l, '\t');
		char *word, *tagp;
		if (tab) {
			*tab = '\0';
			word = l;
			char *lasttab = strrchr(tab + 1, '\t');
			tagp = lasttab ? lasttab + 1 : tab + 1;
		} else {
			char *sp = strrchr(l, ' ');
			if (!sp)
				continue;
			*sp = '\0';
			word = l;
			tagp = sp + 1;
		}
		word = trim(word);
		tagp = trim(tagp);
		if (!*word)
			continue;
		if (nt == cap) {
			cap = cap ? cap * 2 : 1024;
			tk = realloc(tk, cap * sizeof *tk);
			if (!tk)
				abort();
		}
		tk[nt].w = strdup(word);
		tk[nt].tag = strdup(tagp);
		tk[nt].a = pos;
		tk[nt].b = pos + (long)cp_len(word);
		pos = tk[nt].b + 1;
		nt++;
		in_sent = 1;
	}
	free(line);
	free(tk);
	fclose(f);
	if (aner) {
		const char *types[] = {"PERSON", "ORG"};
		double f1 = report(v, types, 2);
		double p = loc.tp + loc.fp ? (double)loc.tp / (double)(loc.tp + loc.fp) : 0.0;
		printf("COUNTRY-as-LOC precision %.3f (n=%ld)\n", p, loc.tp + loc.fp);
		printf("micro-F1 %.3f\n", f1);
	} else
		report(v, core, CORE_N);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: nerd eval [-i IMAGE | -g GAZ -r RULES] [-v] json GOLD.json...\n"
	    "       nerd eval [...] [-v] [--limit N] conll FILE --map anercorp|newsfane\n"
	    "Scores the tagger: precision, recall, F1 per type and overall (micro).\n"
	    "-v lists every miss (FN) and false alarm (FP), each false alarm\n"
	    "with the rule or list that made it ([rule:NAME], [gazetteer:LIST]).\n");
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{"image", required_argument, NULL, 'i'},
		{"gazetteers", required_argument, NULL, 'g'},
		{"rules", required_argument, NULL, 'r'},
		{"map", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'l'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *image = NULL, *gaz = NULL, *rules = NULL, *map = "newsfane";
	long limit = 0;
	struct ev v = {0};
	int c;
	while ((c = getopt_long(argc, argv, "+i:g:r:m:l:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'g': gaz = optarg; break;
		case 'r': rules = optarg; break;
		case 'm': map = optarg; break;
		case 'l': limit = atol(optarg); break;
		case 'v': v.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* options may also follow the mode and files */
	char **rest = argv + optind;
	int nrest = argc - optind;
	char *files[4096];
	int nf = 0;
	const char *mode = NULL;
	for (int i = 0; i < nrest; i++) {
		if (!strcmp(rest[i], "--map") && i + 1 < nrest)
			map = rest[++i];
		else if (!strcmp(rest[i], "--limit") && i + 1 < nrest)
			limit = atol(rest[++i]);
		else if (!strcmp(rest[i], "-v"))
			v.verbose = 1;
		else if (!mode)
			mode = rest[i];
		else if (nf < 4096)
			files[nf++] = rest[i];
	}
	if (!mode || nf == 0 || (strcmp(mode, "json") && strcmp(mode, "conll"))) {
		usage(stderr);
		return 2;
	}
	char err[512];
	v.e = datadir_engine(image, gaz, rules, err, sizeof err);
	if (!v.e) {
		fprintf(stderr, "nerd eval: %s\n", err);
		return 1;
	}
	v.s = scratch_new();
	int rc = 0;
	if (!strcmp(mode, "json")) {
		for (int i = 0; i < CORE_N; i++)
			type_slot(&v, core[i]);
		for (int i = 0; i < nf; i++)
			if (eval_json_file(&v, files[i]) < 0)
				rc = 1;
		if (!rc)
			report(&v, core, CORE_N);
	} else {
		if (strcmp(map, "anercorp") && strcmp(map, "newsfane")) {
			fprintf(stderr, "nerd eval: --map must be anercorp or newsfane\n");
			rc = 2;
		} else if (eval_conll(&v, files[0], !strcmp(map, "anercorp"), limit) < 0)
			rc = 1;
	}
	scratch_destroy(&v.s);
	engine_close(&v.e);
	return rc;
}
