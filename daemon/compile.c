/*
 * compile.c - gazetteer and rule sources in, one image out.
 *
 * Every surface is normalized and tokenized exactly as article text is, so
 * that the matcher compares like with like. The trie is keyed by
 * (state, token id); tokens are interned in a dictionary that also carries,
 * per token, the rules it triggers (the rules' literal prefilter).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compile.h"
#include "gazsrc.h"
#include "hash.h"
#include "image.h"
#include "normalize.h"
#include "rules.h"
#include "tokenize.h"
#include "utf8.h"

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_free(&b);
		errno = EIO;
		return NULL;
	}
	buf_cstr(&b);
	*len = b.len;
	return b.data;
}

struct paths {
	char **v;
	size_t n;
};

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* Files under dir ending in suffix, sorted, so that builds are repeatable;
 * recurse into subfolders except skip (the classes folder). */
static void list_files(const char *dir, const char *suffix, int recurse,
    const char *skip, struct paths *out)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			abort();
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (recurse && (!skip || strcmp(e->d_name, skip)))
				list_files(p, suffix, recurse, skip, out);
			free(p);
			continue;
		}
		if (!has_suffix(e->d_name, suffix)) {
			free(p);
			continue;
		}
		out->v = realloc(out->v, (out->n + 1) * sizeof *out->v);
		if (!out->v)
			abort();
		out->v[out->n++] = p;
	}
	closedir(d);
	qsort(out->v, out->n, sizeof *out->v, cmpstr);
}

static void paths_free(struct paths *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
}

struct bentry {
	uint32_t state;
	uint32_t file, line; /* for duplicate and conflict reports */
	uint32_t order;
	struct image_entry e;
};

struct builder {
	struct buf strings;
	struct strmap *strs;   /* string -> offset */
	struct strmap *toks;   /* token text -> id */
	uint32_t *tok_str;     /* per token id: string offset */
	size_t tok_cap;
	struct u64map *trans;
	uint32_t nstates;
	struct bentry *ents;
	size_t nents, cap_ents;
	struct normtext nt;
	struct tokens tk;
	struct buf tmp;
};

static uint32_t intern_str(struct builder *b, const char *s, size_t n)
{
	uint32_t off = strmap_get(b->strs, s, n);
	if (off != UINT32_MAX)
		return off;
	off = (uint32_t)b->strings.len;
	buf_add(&b->strings, s, n);
	buf_addc(&b->strings, '\0');
	return strmap_put(b->strs, s, n, off);
}

static uint32_t intern_tok(struct builder *b, const char *s, size_t n)
{
	uint32_t id = strmap_get(b->toks, s, n);
	if (id != UINT32_MAX)
		return id;
	id = (uint32_t)strmap_count(b->toks) + 1;
	if (id >= b->tok_cap) {
		b->tok_cap = b->tok_cap ? b->tok_cap * 2 : 4096;
		b->tok_str = realloc(b->tok_str, b->tok_cap * sizeof *b->tok_str);
		if (!b->tok_str)
			abort();
	}
	b->tok_str[id] = intern_str(b, s, n);
	return strmap_put(b->toks, s, n, id);
}

static const char *lang_codes[] = {"*", "ar", "fr", "en"};

static int lang_index(const char *l)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(l, lang_codes[i]))
			return i;
	return 0;
}

static void add_entry(struct builder *b, const struct gaz_line *g,
    uint32_t file, uint32_t line, uint32_t source, struct diag *d,
    const char *fname)
{
	size_t slen = strlen(g->surface);
	if (normalize(&b->nt, g->surface, slen) < 0 || tokenize(&b->nt, &b->tk) < 0)
		abort();
	if (b->tk.n == 0) {
		diag_error(d, fname, (int)line, "surface '%s' has no word in it",
		    g->surface);
		return;
	}
	if (b->tk.n > IMAGE_MAX_TOKENS) {
		diag_warn(d, fname, (int)line,
		    "surface has %zu words (at most %d): skipped", b->tk.n,
		    IMAGE_MAX_TOKENS);
		return;
	}
	uint32_t state = 0, shape = 0, hardgap = 0;
	for (size_t i = 0; i < b->tk.n; i++) {
		const struct token *t = &b->tk.v[i];
		uint32_t id = intern_tok(b, b->nt.norm.data + t->b, t->e - t->b);
		uint64_t key = ((uint64_t)state << 32) | id;
		uint32_t child = u64map_get(b->trans, key);
		if (child == UINT32_MAX) {
			child = ++b->nstates;
			u64map_set(b->trans, key, child);
		}
		state = child;
		uint32_t s = SHAPE_ANY;
		if (g->shape_mode != 2 && !(t->flags & TOK_ARABIC)) {
			if (t->flags & TOK_ALLCAPS)
				s = SHAPE_ALLCAPS;
			else if (t->flags & TOK_CAP)
				s = SHAPE_CAP;
			else if (g->shape_mode == 1)
				s = SHAPE_LOWER;
		}
		shape |= s << (2 * i);
		if (i && (t->flags & TOK_HARD))
			hardgap |= 1u << i;
	}
	if (b->nents == b->cap_ents) {
		b->cap_ents = b->cap_ents ? b->cap_ents * 2 : 4096;
		b->ents = realloc(b->ents, b->cap_ents * sizeof *b->ents);
		if (!b->ents)
			abort();
	}
	struct bentry *be = &b->ents[b->nents];
	be->state = state;
	be->file = file;
	be->line = line;
	be->order = (uint32_t)b->nents++;
	be->e.type = (uint8_t)g->type;
	be->e.prio = (uint8_t)g->prio;
	be->e.lang = (uint8_t)lang_index(g->lang);
	be->e.ntok = (uint8_t)b->tk.n;
	be->e.id = intern_str(b, g->id, strlen(g->id));
	be->e.canonical = intern_str(b, g->canonical, strlen(g->canonical));
	be->e.source = source;
	be->e.shape = shape;
	be->e.hardgap = hardgap;
}

static int by_state(const void *pa, const void *pb)
{
	const struct bentry *a = pa, *b = pb;
	if (a->state != b->state)
		return a->state < b->state ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t pow2_for(size_t n, int pct)
{
	uint32_t s = 16;
	while ((size_t)s * pct / 100 < n + 1)
		s *= 2;
	return s;
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static uint32_t mix32(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (uint32_t)k;
}

int compile_image(const char *gaz_dir, const char *rules_dir, int strict,
    struct diag *d, unsigned char **out, size_t *outlen)
{
	int errors0 = d->errors;
	struct builder b = {0};
	struct paths lists = {0}, classes = {0}, rulefiles = {0};
	char *cdir = NULL;
	struct src_text *texts = NULL; /* classes first, then rule files */
	char **textdata = NULL;
	size_t ntexts = 0, nclasses = 0;
	struct rule_def *defs = NULL;
	size_t ndefs = 0;
	uint32_t *trig = NULL;
	size_t ntrig = 1;
	unsigned char *img = NULL;

	struct stat st;
	if (stat(gaz_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		diag_error(d, gaz_dir, 0, "not a folder of gazetteers");
		return -1;
	}
	if (rules_dir && (stat(rules_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		diag_error(d, rules_dir, 0, "not a folder of rules");
		return -1;
	}
	b.strs = strmap_new();
	b.toks = strmap_new();
	b.trans = u64map_new();
	buf_addc(&b.strings, '\0'); /* offset 0: the empty string */
	strmap_put(b.strs, "", 0, 0);

	list_files(gaz_dir, ".tsv", 1, "classes", &lists);
	if (asprintf(&cdir, "%s/classes", gaz_dir) < 0)
		abort();
	list_files(cdir, ".txt", 0, NULL, &classes);
	if (rules_dir)
		list_files(rules_dir, ".rules", 0, NULL, &rulefiles);
	if (lists.n == 0)
		diag_warn(d, gaz_dir, 0, "no gazetteer lists (*.tsv)");

	for (size_t f = 0; f < lists.n; f++) {
		FILE *fp = fopen(lists.v[f], "r");
		if (!fp) {
			diag_error(d, lists.v[f], 0, "%s", strerror(errno));
			continue;
		}
		const char *base = strrchr(lists.v[f], '/');
		base = base ? base + 1 : lists.v[f];
		char src[256];
		snprintf(src, sizeof src, "gazetteer:%.*s", (int)(strlen(base) - 4), base);
		uint32_t source = intern_str(&b, src, strlen(src));
		char *line = NULL;
		size_t cap = 0;
		uint32_t ln = 0;
		while (getline(&line, &cap, fp) > 0) {
			ln++;
			struct gaz_line g;
			char why[200];
			int r = gazsrc_parse(line, &g, why, sizeof why);
			if (r < 0)
				diag_error(d, lists.v[f], (int)ln, "%s", why);
			else if (r > 0)
				add_entry(&b, &g, (uint32_t)f, ln, source, d, lists.v[f]);
		}
		free(line);
		fclose(fp);
	}

	/* Texts: word classes, then rule files, stored whole in the image. */
	ntexts = classes.n + rulefiles.n;
	texts = calloc(ntexts + 1, sizeof *texts);
	textdata = calloc(ntexts + 1, sizeof *textdata);
	if (!texts || !textdata)
		abort();
	for (size_t i = 0; i < ntexts; i++) {
		const char *p = i < classes.n ? classes.v[i] : rulefiles.v[i - classes.n];
		size_t len = 0;
		textdata[i] = read_file(p, &len);
		if (!textdata[i]) {
			diag_error(d, p, 0, "%s", strerror(errno));
			textdata[i] = strdup("");
		}
		/* A class's words are normalized, which reads them as UTF-8
		 * (rules_parse checks the rule files). */
		size_t bad;
		if (i < classes.n && utf8_validate(textdata[i], len, &bad) < 0) {
			int ln = 1;
			for (size_t k = 0; k < bad; k++)
				ln += textdata[i][k] == '\n';
			diag_error(d, p, ln, "invalid UTF-8 at byte %zu", bad);
		}
		const char *base = strrchr(p, '/');
		base = base ? base + 1 : p;
		texts[i].data = textdata[i];
		texts[i].len = len;
		if (i < classes.n) {
			texts[i].name = strndup(base, strlen(base) - 4); /* .txt */
			nclasses++;
		} else {
			/* "rules/ar.rules": the folder's own name and the file,
			 * so that messages point at it and the image (and its
			 * ruleset digest) does not depend on where it was built */
			const char *dir = rules_dir + strlen(rules_dir);
			while (dir > rules_dir && dir[-1] == '/')
				dir--;
			const char *dend = dir;
			while (dir > rules_dir && dir[-1] != '/')
				dir--;
			if (asprintf((char **)&texts[i].name, "%.*s/%s",
				(int)(dend - dir), dir, base) < 0)
				abort();
		}
	}
	for (size_t i = classes.n; i < ntexts; i++)
		rules_parse(texts[i].name, texts[i].data, texts[i].len, &defs,
		    &ndefs, d);

	/* The prefilter: each trigger word's first token names the rules it
	 * can fire, as rule numbers; each context word's first token names
	 * the rules it is context for, as ndefs + rule number (the engine
	 * finds a rule's context words there). Collect (token, number)
	 * pairs, then group them per token. */
	struct u64map *pairs = u64map_new();
	for (size_t r = 0; r < 2 * ndefs; r++) {
		const struct rule_def *rd = &defs[r % ndefs];
		int ctx = r >= ndefs;
		if (!rd->trigger)
			continue;
		char **words;
		int nw = ctx ? rule_context(rd, texts, nclasses, &words, d)
			     : rule_triggers(rd, texts, nclasses, &words, d);
		/* named classes, all empty (a blank context is rules.c's) */
		if (ctx && rd->context && nw == 0 &&
		    rd->context[strspn(rd->context, " \t")])
			diag_error(d, rd->file, rd->line, "rule %s: context "
			    "names no words", rd->name);
		for (int w = 0; w < nw; w++) {
			/* words are normalized already; take the first token */
			if (normalize(&b.nt, words[w], strlen(words[w])) == 0 &&
			    tokenize(&b.nt, &b.tk) == 0 && b.tk.n > 0) {
				const struct token *t = &b.tk.v[0];
				const char *tw = b.nt.norm.data + t->b;
				size_t tn = t->e - t->b;
				uint32_t id = intern_tok(&b, tw, tn);
				u64map_set(pairs, ((uint64_t)id << 32) | r, 1);
				/* A context rule's trigger word is where its match
				 * starts, and its pattern may take the proclitics
				 * (وبرشلونة), which the gazetteer reads off the word.
				 * But it reads لل as ل + ال (للحكومة), so a word that
				 * starts with ل, after ل (لليفربول), is not read as
				 * itself: fire on that form as written too. */
				if (!ctx && rd->context && tn >= 2 && tn < 254 &&
				    !memcmp(tw, "\xd9\x84", 2)) {
					char ll[256];
					memcpy(ll, "\xd9\x84", 2);
					memcpy(ll + 2, tw, tn);
					id = intern_tok(&b, ll, tn + 2);
					u64map_set(pairs, ((uint64_t)id << 32) | r, 1);
				}
			}
			free(words[w]);
		}
		if (nw >= 0)
			free(words);
	}
	/* A rule set compiled here proves the patterns compile before an
	 * image is written (check and reload rely on it). */
	if (d->errors == errors0) {
		struct ruleset *rs = ruleset_compile(defs, ndefs, texts, nclasses, d);
		ruleset_destroy(&rs);
	}

	/* Group the pairs per token, each list in rule order. */
	size_t ntok = strmap_count(b.toks);
	uint32_t *tok_trig = calloc(ntok + 2, sizeof *tok_trig);
	size_t npairs = u64map_count(pairs), pos = 0;
	uint64_t *pv = calloc(npairs + 1, sizeof *pv);
	if (!tok_trig || !pv)
		abort();
	uint64_t k;
	uint32_t v;
	for (size_t i = 0; u64map_next(pairs, &pos, &k, &v); i++)
		pv[i] = k;
	qsort(pv, npairs, sizeof *pv, cmp_u64);
	trig = calloc(npairs * 2 + 2, sizeof *trig);
	if (!trig)
		abort();
	for (size_t i = 0; i < npairs; i++) {
		uint32_t t = (uint32_t)(pv[i] >> 32);
		if (!tok_trig[t]) {
			tok_trig[t] = (uint32_t)ntrig;
			trig[ntrig++] = 0;
		}
		trig[tok_trig[t]]++;
		trig[ntrig++] = (uint32_t)pv[i];
	}
	free(pv);
	u64map_destroy(&pairs);

	/* Entries grouped by final state; same state and type with another id
	 * is a conflict, with the same id a duplicate. */
	qsort(b.ents, b.nents, sizeof *b.ents, by_state);
	size_t kept = 0;
	for (size_t i = 0; i < b.nents; i++) {
		int drop = 0;
		for (size_t j = kept; j-- > 0 && b.ents[j].state == b.ents[i].state;) {
			if (b.ents[j].e.type != b.ents[i].e.type)
				continue;
			const char *fi = lists.v[b.ents[i].file];
			const char *fj = lists.v[b.ents[j].file];
			if (b.ents[j].e.id == b.ents[i].e.id)
				diag_warn(d, fi, (int)b.ents[i].line,
				    "duplicate of %s:%u", fj, b.ents[j].line);
			else if (strict)
				diag_error(d, fi, (int)b.ents[i].line,
				    "conflict: same surface and type as %s:%u with entity id %s, here %s",
				    fj, b.ents[j].line, b.strings.data + b.ents[j].e.id,
				    b.strings.data + b.ents[i].e.id);
			else
				diag_warn(d, fi, (int)b.ents[i].line,
				    "conflict with %s:%u (entity id %s kept)", fj,
				    b.ents[j].line, b.strings.data + b.ents[j].e.id);
			drop = 1;
			break;
		}
		if (!drop)
			b.ents[kept++] = b.ents[i];
	}
	b.nents = kept;

	/* Texts' names and data go into the string section. */
	struct image_text *itexts = calloc(ntexts + 1, sizeof *itexts);
	if (!itexts)
		abort();
	for (size_t i = 0; i < ntexts; i++) {
		itexts[i].kind = i < nclasses ? TEXT_CLASS : TEXT_RULES;
		itexts[i].name = intern_str(&b, texts[i].name, strlen(texts[i].name));
		itexts[i].data = (uint32_t)b.strings.len;
		itexts[i].len = (uint32_t)texts[i].len;
		buf_add(&b.strings, texts[i].data, texts[i].len);
		buf_addc(&b.strings, '\0');
	}
	if (b.strings.len >= UINT32_MAX)
		diag_error(d, gaz_dir, 0, "string section over 4 GiB");

	if (d->errors > errors0) {
		free(itexts);
		free(tok_trig);
		goto done;
	}

	struct image_header h = {0};
	memcpy(h.magic, IMAGE_MAGIC, 8);
	h.version = IMAGE_VERSION;
	h.header_size = sizeof h;
	h.ntokens = (uint32_t)ntok;
	h.tok_slots = pow2_for(ntok, 50);
	h.trans_slots = pow2_for(u64map_count(b.trans), 60);
	h.nstates = b.nstates + 1;
	h.nentries = (uint32_t)b.nents;
	h.ntexts = (uint32_t)ntexts;
	h.ntriggers = (uint32_t)ntrig;
	size_t off = align8(sizeof h);
	h.off_tokens = off;
	off = align8(off + (size_t)h.tok_slots * sizeof(struct image_token));
	h.off_trans = off;
	off = align8(off + (size_t)h.trans_slots * sizeof(struct image_trans));
	h.off_states = off;
	off = align8(off + (size_t)h.nstates * sizeof(struct image_state));
	h.off_entries = off;
	off = align8(off + (size_t)h.nentries * sizeof(struct image_entry));
	h.off_texts = off;
	off = align8(off + (size_t)h.ntexts * sizeof(struct image_text));
	h.off_triggers = off;
	off = align8(off + ntrig * 4);
	h.off_strings = off;
	h.len_strings = b.strings.len;
	off = align8(off + b.strings.len);
	h.file_size = off;

	img = calloc(1, off);
	if (!img)
		abort();
	struct image_token *tt = (void *)(img + h.off_tokens);
	for (size_t t = 1; t <= ntok; t++) {
		const char *s = b.strings.data + b.tok_str[t];
		size_t n = strlen(s);
		uint64_t hh = hash_fast(s, n);
		uint32_t m = h.tok_slots - 1, i = (uint32_t)hh & m;
		while (tt[i].hash)
			i = (i + 1) & m;
		tt[i] = (struct image_token){hh, b.tok_str[t], (uint32_t)n,
		    (uint32_t)t, tok_trig[t]};
	}
	free(tok_trig);
	struct image_trans *tr = (void *)(img + h.off_trans);
	pos = 0;
	while (u64map_next(b.trans, &pos, &k, &v)) {
		uint32_t m = h.trans_slots - 1, i = mix32(k) & m;
		while (tr[i].key)
			i = (i + 1) & m;
		tr[i].key = k;
		tr[i].child = v;
	}
	struct image_state *ss = (void *)(img + h.off_states);
	struct image_entry *ee = (void *)(img + h.off_entries);
	for (size_t i = 0; i < b.nents; i++) {
		ee[i] = b.ents[i].e;
		struct image_state *s = &ss[b.ents[i].state];
		if (!s->count)
			s->first = (uint32_t)i;
		s->count++;
	}
	memcpy(img + h.off_texts, itexts, ntexts * sizeof *itexts);
	free(itexts);
	memcpy(img + h.off_triggers, trig, ntrig * 4);
	memcpy(img + h.off_strings, b.strings.data, b.strings.len);
	h.checksum = hash_checksum(img + h.header_size, off - h.header_size);
	snprintf(h.ruleset, sizeof h.ruleset, "%016llx",
	    (unsigned long long)h.checksum);
	memcpy(img, &h, sizeof h);
	*out = img;
	*outlen = off;

done:
	for (size_t i = 0; i < ntexts; i++) {
		free((char *)texts[i].name);
		free(textdata[i]);
	}
	free(texts);
	free(textdata);
	rule_defs_free(defs, ndefs);
	free(trig);
	free(cdir);
	paths_free(&lists);
	paths_free(&classes);
	paths_free(&rulefiles);
	strmap_destroy(&b.strs);
	strmap_destroy(&b.toks);
	u64map_destroy(&b.trans);
	free(b.tok_str);
	free(b.ents);
	buf_free(&b.strings);
	buf_free(&b.tmp);
	normtext_free(&b.nt);
	tokens_free(&b.tk);
	return d->errors > errors0 ? -1 : 0;
}
