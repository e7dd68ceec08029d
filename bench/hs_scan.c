/*
 * hs_scan.c - the Hyperscan reference: the raw speed of multi-literal
 * matching over nerd's normalized text, with the same literal set.
 *
 * usage: hs_scan -g GAZ_DIR [-g GAZ_DIR...] [--no-variants] [--compile-only]
 *                [--spans OUT --spans-n N] [--json OUT] [--label NAME]
 *                FILE...
 *
 * The literals: every surface of every *.tsv under the GAZ_DIRs, normalized
 * by nerd's own normalize_string(), and, for a surface that starts with an
 * Arabic word of two letters or more, its forms with the proclitics that
 * nerd strips (و ف, then ب ك ل, and ل + ال written لل) unless
 * --no-variants. Compiled with hs_compile_lit_multi (block mode, every
 * match reported); compile time, database size and peak RSS are printed.
 *
 * The texts (FILE: plain text, articles separated by \f, or .jsonl with a
 * "text" per line) are normalized by nerd's normalize() outside the timed
 * part; the timed part is hs_scan() over each article's normalized copy,
 * counting matches (times are the thread's CPU time, as in bench_engine).
 * That is all Hyperscan does: no token boundaries, no
 * capitalisation, no longest match, no offsets back into the original,
 * no rules, no output. MB/s is given against the original text's bytes.
 *
 * --spans OUT writes, for the first N articles (default 300), the matches
 * that fall on token boundaries, as code-point spans of the original text
 * (the proclitic left outside), one JSON line per article, for the
 * comparison with nerd (bench/compare.py).
 */
#include <dirent.h>
#include <hs/hs.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "compile.h"
#include "normalize.h"
#include "tokenize.h"
#include "utf8.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the literal set */

struct lit {
	char *s;
	unsigned len, skip;
};
static struct lit *lits;
static size_t nlits, cap_lits;
static size_t nsurfaces;

static void add_lit(const char *s, size_t n, unsigned skip)
{
	if (nlits == cap_lits) {
		cap_lits = cap_lits ? 2 * cap_lits : 65536;
		lits = realloc(lits, cap_lits * sizeof *lits);
		if (!lits)
			abort();
	}
	char *c = malloc(n + 1);
	memcpy(c, s, n);
	c[n] = 0;
	lits[nlits++] = (struct lit){c, (unsigned)n, skip};
}

static int is_ar_lead(unsigned char c)
{
	return c >= 0xD8 && c <= 0xDB;
}

static void add_surface(const char *s, size_t n, int variants)
{
	static struct buf b;
	buf_reset(&b);
	normalize_string(s, n, &b);
	/* collapse runs of spaces, trim */
	size_t w = 0;
	for (size_t i = 0; i < b.len; i++) {
		char c = b.data[i];
		if (c == ' ' && (w == 0 || b.data[w - 1] == ' '))
			continue;
		b.data[w++] = c;
	}
	while (w && b.data[w - 1] == ' ')
		w--;
	if (!w)
		return;
	nsurfaces++;
	add_lit(b.data, w, 0);
	if (!variants || !is_ar_lead((unsigned char)b.data[0]))
		return;
	/* first word of two Arabic letters or more */
	size_t fw = 0;
	while (fw < w && b.data[fw] != ' ')
		fw++;
	if (fw < 4)
		return;
	static const char *conj[] = {"", "\xd9\x88", "\xd9\x81"};  /* و ف */
	static const char *prep[] = {"", "\xd8\xa8", "\xd9\x83", "\xd9\x84"};  /* ب ك ل */
	char tmp[1024];
	if (w + 8 > sizeof tmp)
		return;
	for (int c = 0; c < 3; c++)
		for (int p = 0; p < 4; p++) {
			if (!c && !p)
				continue;
			size_t k = 0;
			unsigned skip = 0;
			if (c) {
				memcpy(tmp, conj[c], 2);
				k += 2;
				skip++;
			}
			if (p) {
				memcpy(tmp + k, prep[p], 2);
				k += 2;
				skip++;
			}
			memcpy(tmp + k, b.data, w);
			add_lit(tmp, k + w, skip);
		}
	/* ل + ال written لل: the alef dropped, the span from the second lam */
	if (w > 4 && !memcmp(b.data, "\xd8\xa7\xd9\x84", 4))
		for (int c = 0; c < 3; c++) {
			size_t k = 0;
			unsigned skip = 1;
			if (c) {
				memcpy(tmp, conj[c], 2);
				k += 2;
				skip++;
			}
			memcpy(tmp + k, "\xd9\x84", 2);
			memcpy(tmp + k + 2, b.data + 2, w - 2);
			add_lit(tmp, k + w, skip);
		}
}

static void read_tsv(const char *path, int variants)
{
	size_t len;
	char *all = read_file(path, &len);
	if (!all) {
		perror(path);
		exit(1);
	}
	char *p = all, *end = all + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && *p != '#') {
			char *tab = memchr(p, '\t', n);
			if (tab)
				add_surface(p, (size_t)(tab - p), variants);
		}
		p += n + 1;
	}
	free(all);
}

static void walk(const char *dir, int variants)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		exit(1);
	}
	struct dirent *de;
	char path[4096];
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st))
			continue;
		size_t l = strlen(de->d_name);
		if (S_ISDIR(st.st_mode))
			walk(path, variants);
		else if (l > 4 && !strcmp(de->d_name + l - 4, ".tsv"))
			read_tsv(path, variants);
	}
	closedir(d);
}

static int cmp_lit(const void *a, const void *b)
{
	const struct lit *x = a, *y = b;
	unsigned n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (int)x->skip - (int)y->skip;
}

/* ---- the texts */

struct art {
	char *s;
	size_t n;
	char *norm;
	size_t nn;
};
static struct art *arts;
static size_t narts, cap_arts;

static void add_art(char *s, size_t n)
{
	if (narts == cap_arts) {
		cap_arts = cap_arts ? 2 * cap_arts : 1024;
		arts = realloc(arts, cap_arts * sizeof *arts);
		if (!arts)
			abort();
	}
	arts[narts++] = (struct art){s, n, NULL, 0};
}

static void load(const char *path)
{
	size_t len;
	char *all = read_file(path, &len);
	if (!all) {
		perror(path);
		exit(1);
	}
	size_t pl = strlen(path);
	int jsonl = pl > 6 && !strcmp(path + pl - 6, ".jsonl");
	char sep = jsonl ? '\n' : '\f';
	char *p = all, *end = all + len;
	while (p < end) {
		char *q = memchr(p, sep, (size_t)(end - p));
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
		if (n && jsonl) {
			json_error_t je;
			json_t *o = json_loadb(p, n, 0, &je);
			const char *t;
			size_t tl;
			if (!o || json_unpack(o, "{s:s%}", "text", &t, &tl)) {
				fprintf(stderr, "%s: a line without text\n", path);
				exit(1);
			}
			char *c = malloc(tl + 1);
			memcpy(c, t, tl + 1);
			add_art(c, tl);
			json_decref(o);
		} else if (n)
			add_art(p, n);
		p += n + 1;
	}
}

/* ---- scanning */

static unsigned long long nmatch;

static int count_cb(unsigned id, unsigned long long from,
    unsigned long long to, unsigned flags, void *ctx)
{
	(void)id, (void)from, (void)to, (void)flags, (void)ctx;
	nmatch++;
	return 0;
}

struct hit {
	unsigned id;
	unsigned long long to;
};
struct hits {
	struct hit *v;
	size_t n, cap;
};

static int collect_cb(unsigned id, unsigned long long from,
    unsigned long long to, unsigned flags, void *ctx)
{
	(void)from, (void)flags;
	struct hits *h = ctx;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 256;
		h->v = realloc(h->v, h->cap * sizeof *h->v);
		if (!h->v)
			abort();
	}
	h->v[h->n++] = (struct hit){id, to};
	return 0;
}

/* The code point that ends just before byte b of s, or 0 at the start. */
static uint32_t cp_before(const char *s, size_t b)
{
	if (!b)
		return 0;
	size_t i = b - 1;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	int l;
	return utf8_decode((const unsigned char *)s + i, &l);
}

static uint32_t cp_at(const char *s, size_t n, size_t b)
{
	if (b >= n)
		return 0;
	int l;
	return utf8_decode((const unsigned char *)s + b, &l);
}

int main(int argc, char **argv)
{
	const char *gaz[16], *spans_out = NULL, *json_out = NULL, *label = "";
	int ngaz = 0, variants = 1, compile_only = 0;
	size_t spans_n = 300;
	const char *files[64];
	int nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-g") && i + 1 < argc && ngaz < 16)
			gaz[ngaz++] = argv[++i];
		else if (!strcmp(argv[i], "--no-variants"))
			variants = 0;
		else if (!strcmp(argv[i], "--compile-only"))
			compile_only = 1;
		else if (!strcmp(argv[i], "--spans") && i + 1 < argc)
			spans_out = argv[++i];
		else if (!strcmp(argv[i], "--spans-n") && i + 1 < argc)
			spans_n = (size_t)atol(argv[++i]);
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json_out = argv[++i];
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			label = argv[++i];
		else if (nfiles < 64)
			files[nfiles++] = argv[i];
	}
	if (!ngaz || (!nfiles && !compile_only)) {
		fprintf(stderr, "usage: hs_scan -g GAZ_DIR... [--no-variants] "
		    "[--compile-only] [--spans OUT [--spans-n N]] [--json OUT] "
		    "[--label NAME] FILE...\n");
		return 2;
	}
	normalize_init();
	tokenize_init();
	for (int i = 0; i < ngaz; i++)
		walk(gaz[i], variants);
	qsort(lits, nlits, sizeof *lits, cmp_lit);
	size_t w = 0;
	for (size_t i = 0; i < nlits; i++)
		if (!w || lits[w - 1].len != lits[i].len ||
		    memcmp(lits[w - 1].s, lits[i].s, lits[i].len))
			lits[w++] = lits[i];
	nlits = w;

	const char **exprs = malloc(nlits * sizeof *exprs);
	unsigned *ids = malloc(nlits * sizeof *ids), *flags = calloc(nlits,
	    sizeof *flags);
	size_t *lens = malloc(nlits * sizeof *lens);
	for (size_t i = 0; i < nlits; i++) {
		exprs[i] = lits[i].s;
		ids[i] = (unsigned)i;
		lens[i] = lits[i].len;
	}
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	double t0 = now();
	hs_error_t rc = hs_compile_lit_multi(exprs, flags, ids, lens,
	    (unsigned)nlits, HS_MODE_BLOCK, NULL, &db, &cerr);
	double t_compile = now() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	if (rc != HS_SUCCESS) {
		fprintf(stderr, "hs_compile_lit_multi: %s\n",
		    cerr ? cerr->message : "failed");
		return 1;
	}
	size_t dbsize = 0;
	hs_database_size(db, &dbsize);
	printf("hyperscan %s%s%s: %zu surfaces, %zu literals%s; compile %.2f s, "
	    "database %.1f MB, peak RSS %.0f MB\n", hs_version(),
	    *label ? ", " : "", label, nsurfaces, nlits,
	    variants ? " (proclitic variants included)" : "", t_compile,
	    (double)dbsize / 1e6, (double)ru.ru_maxrss / 1e3);
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:b, s:f, s:f, s:f}",
	    "label", label, "version", hs_version(),
	    "surfaces", (json_int_t)nsurfaces, "literals", (json_int_t)nlits,
	    "variants", variants, "compile_s", t_compile,
	    "database_mb", (double)dbsize / 1e6,
	    "peak_rss_mb", (double)ru.ru_maxrss / 1e3);

	if (!compile_only) {
		for (int i = 0; i < nfiles; i++)
			load(files[i]);
		hs_scratch_t *scr = NULL;
		if (hs_alloc_scratch(db, &scr) != HS_SUCCESS) {
			fprintf(stderr, "hs_alloc_scratch failed\n");
			return 1;
		}
		/* normalize outside the timed scan (nerd's own normalize) */
		struct normtext nt = {0};
		size_t total = 0, ntotal = 0, bad;
		t0 = now();
		for (size_t k = 0; k < narts; k++) {
			struct art *a = &arts[k];
			if (utf8_validate(a->s, a->n, &bad))
				continue;
			normalize(&nt, a->s, a->n);
			a->norm = malloc(nt.norm.len + 1);
			memcpy(a->norm, nt.norm.data, nt.norm.len);
			a->nn = nt.norm.len;
			total += a->n;
			ntotal += a->nn;
		}
		double t_norm = now() - t0;
		t0 = now();
		for (size_t k = 0; k < narts; k++)
			if (arts[k].norm)
				hs_scan(db, arts[k].norm, (unsigned)arts[k].nn, 0, scr,
				    count_cb, NULL);
		double t_scan = now() - t0;
		double MB = (double)total / 1e6;
		printf("  %.1f MB in %zu articles (%.1f MB normalized): "
		    "%llu raw matches (%.1f per KB)\n", MB, narts,
		    (double)ntotal / 1e6, nmatch, (double)nmatch / (MB * 1e3));
		printf("  %-34s %8.1f MB/s\n", "hs_scan of the normalized text",
		    MB / t_scan);
		printf("  %-34s %8.1f MB/s  (nerd's normalize, then hs_scan)\n",
		    "normalize + hs_scan", MB / (t_scan + t_norm));
		json_object_set_new(j, "mb", json_real(MB));
		json_object_set_new(j, "articles", json_integer((json_int_t)narts));
		json_object_set_new(j, "raw_matches", json_integer((json_int_t)nmatch));
		json_object_set_new(j, "scan_mbs", json_real(MB / t_scan));
		json_object_set_new(j, "normalize_scan_mbs",
		    json_real(MB / (t_scan + t_norm)));

		if (spans_out) {
			FILE *f = fopen(spans_out, "w");
			if (!f) {
				perror(spans_out);
				return 1;
			}
			struct hits h = {0};
			for (size_t k = 0; k < narts && k < spans_n; k++) {
				struct art *a = &arts[k];
				if (!a->norm)
					continue;
				normalize(&nt, a->s, a->n);
				h.n = 0;
				hs_scan(db, a->norm, (unsigned)a->nn, 0, scr,
				    collect_cb, &h);
				fprintf(f, "{\"i\":%zu,\"spans\":[", k);
				int first = 1;
				for (size_t q = 0; q < h.n; q++) {
					const struct lit *l = &lits[h.v[q].id];
					size_t e = (size_t)h.v[q].to, s = e - l->len;
					uint32_t before = cp_before(a->norm, s);
					uint32_t after = cp_at(a->norm, a->nn, e);
					if ((before && tokenize_is_word(before)) ||
					    (after && tokenize_is_word(after)))
						continue;
					/* a surface starts on a word (it may end on a
					 * period: U.S.) */
					if (!tokenize_is_word(cp_at(a->norm, a->nn, s)))
						continue;
					uint32_t ns = normtext_ncp_at_byte(&nt, s) + l->skip;
					uint32_t ne = normtext_ncp_at_byte(&nt, e - 1) + 1;
					fprintf(f, "%s[%u,%u]", first ? "" : ",",
					    nt.n_orig[ns], nt.n_orig[ne - 1] + 1);
					first = 0;
				}
				fprintf(f, "]}\n");
			}
			fclose(f);
			free(h.v);
		}
		normtext_free(&nt);
		hs_free_scratch(scr);
	}
	if (json_out) {
		FILE *f = fopen(json_out, "a");
		if (!f) {
			perror(json_out);
			return 1;
		}
		json_dumpf(j, f, JSON_COMPACT);
		fputc('\n', f);
		fclose(f);
	}
	json_decref(j);
	hs_free_database(db);
	return 0;
}
