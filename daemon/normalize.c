/*
 * normalize.c - fold a field into its matching form, keeping the offset map.
 *
 * Every code point of the Basic Multilingual Plane is folded once, at
 * start-up, into a table (utf8proc gives case folding and accent removal;
 * the Arabic and punctuation folds are ours), so that the per-article work
 * is one table lookup per code point.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "normalize.h"
#include "utf8.h"

struct fold {
	uint16_t c[3];
	uint8_t n;       /* 0: removed; 1..3: replacement length */
	uint8_t same;    /* 1: the code point maps to itself */
};

#ifdef __SSE2__
/* dst[0..16) = base, base + 1, ..., base + 15. One broadcast and four
 * adds, written out: as a loop, the compiler broadcast four times. */
static inline void count_up16(uint32_t *dst, uint32_t base)
{
	const __m128i b = _mm_set1_epi32((int)base);
	_mm_storeu_si128((void *)dst, _mm_add_epi32(b, _mm_setr_epi32(0, 1, 2, 3)));
	_mm_storeu_si128((void *)(dst + 4),
	    _mm_add_epi32(b, _mm_setr_epi32(4, 5, 6, 7)));
	_mm_storeu_si128((void *)(dst + 8),
	    _mm_add_epi32(b, _mm_setr_epi32(8, 9, 10, 11)));
	_mm_storeu_si128((void *)(dst + 12),
	    _mm_add_epi32(b, _mm_setr_epi32(12, 13, 14, 15)));
}

/* dst[0..8) = base, base + 2, ..., base + 14: the offsets of eight
 * two-byte code points */
static inline void count_up8_by2(uint32_t *dst, uint32_t base)
{
	const __m128i b = _mm_set1_epi32((int)base);
	_mm_storeu_si128((void *)dst, _mm_add_epi32(b, _mm_setr_epi32(0, 2, 4, 6)));
	_mm_storeu_si128((void *)(dst + 4),
	    _mm_add_epi32(b, _mm_setr_epi32(8, 10, 12, 14)));
}

/* dst[0..8) = base, base + 1, ..., base + 7 */
static inline void count_up8(uint32_t *dst, uint32_t base)
{
	const __m128i b = _mm_set1_epi32((int)base);
	_mm_storeu_si128((void *)dst, _mm_add_epi32(b, _mm_setr_epi32(0, 1, 2, 3)));
	_mm_storeu_si128((void *)(dst + 4),
	    _mm_add_epi32(b, _mm_setr_epi32(4, 5, 6, 7)));
}

/*
 * Eight two-byte code points of Arabic at once. Most letters of an Arabic
 * text (U+0621..U+064A) fold to themselves, and the common ones that do
 * not fold to one other letter of two bytes: the alef forms آ أ إ to ا,
 * ى to ي, ة to ه. Both kinds are read as sixteen-bit lanes (lead byte
 * low, as they sit in memory) and written, folded, to out[0..16).
 * Returns how many of the eight, from the first, were such letters; the
 * lanes after them are written too, as slack the caller writes over.
 * Anything else (harakat and tatweel, which are removed; other scripts;
 * ASCII) ends the run for the scalar loop. tests/test_normalize.c checks
 * every code point against the table through this path.
 */
static inline unsigned fold_arabic8(const unsigned char *p, char *out)
{
	const __m128i v = _mm_loadu_si128((const void *)p);
	/* D8 A1 (U+0621) to D9 8A (U+064A), but tatweel (D9 80) */
	__m128i ok = utf8_pairs_between(v, 0xD8A0, 0xD98B);
	ok = _mm_andnot_si128(_mm_cmpeq_epi16(v, _mm_set1_epi16((short)0x80D9)), ok);
	unsigned k = utf8_pairs_run(ok);
	/* the folds: each a sixteen-bit difference added where it applies */
	__m128i d = _mm_and_si128(
	    _mm_cmpeq_epi16(v, _mm_set1_epi16((short)0xA2D8)), /* آ */
	    _mm_set1_epi16(0x0500));
	d = _mm_or_si128(d, _mm_and_si128(
	    _mm_cmpeq_epi16(v, _mm_set1_epi16((short)0xA3D8)), /* أ */
	    _mm_set1_epi16(0x0400)));
	d = _mm_or_si128(d, _mm_and_si128(
	    _mm_cmpeq_epi16(v, _mm_set1_epi16((short)0xA5D8)), /* إ */
	    _mm_set1_epi16(0x0200)));
	d = _mm_or_si128(d, _mm_and_si128(
	    _mm_cmpeq_epi16(v, _mm_set1_epi16((short)0x89D9)), /* ى */
	    _mm_set1_epi16(0x0100)));
	d = _mm_or_si128(d, _mm_and_si128(
	    _mm_cmpeq_epi16(v, _mm_set1_epi16((short)0xA9D8)), /* ة: D8 A9 to D9 87 */
	    _mm_set1_epi16((short)(0x87D9 - 0xA9D8))));
	_mm_storeu_si128((void *)out, _mm_add_epi16(v, d));
	return k;
}
#endif

static struct fold *folds; /* [0x10000], built once, read-only after */

/* The same folds for the code points of one and two bytes (ASCII, Latin,
 * Greek, Cyrillic, Arabic...), as the UTF-8 bytes to write: 16 KB that
 * stay in the L1 cache, read without a branch on what the fold is. */
struct fold2 {
	uint8_t ncp;     /* code points written: 0 (removed), 1, or 2+: see folds */
	uint8_t nbytes;  /* their UTF-8 length when ncp is 1 */
	uint8_t b[4];    /* the UTF-8 bytes */
	uint16_t pad;
};
static struct fold2 *folds2; /* [0x800] */

/* The folds that are ours rather than Unicode's; -1 means "remove". */
static int32_t own_fold(uint32_t cp)
{
	switch (cp) {
	/* Arabic: hamza-carrying alef forms and the wasla alef to bare alef */
	case 0x0622: case 0x0623: case 0x0625: case 0x0671:
	case 0x0672: case 0x0673:
		return 0x0627;
	case 0x0649: return 0x064A; /* alef maksura to ya */
	case 0x0629: return 0x0647; /* ta marbuta to ha */
	case 0x0640: return -1;     /* tatweel */
	/* Persian and Urdu letter forms */
	case 0x06A9: case 0x06AA: case 0x06AF: return 0x0643; /* keheh, gaf */
	case 0x06CC: case 0x06D2: case 0x06D3: case 0x06CD: return 0x064A;
	case 0x06D5: case 0x06BE: case 0x06C0: case 0x06C1: return 0x0647;
	case 0x067E: return 0x0628; /* peh */
	case 0x0686: return 0x062C; /* tcheh */
	case 0x0698: return 0x0632; /* jeh */
	case 0x06A4: case 0x06A5: return 0x0641; /* veh (Maghreb v) */
	case 0x06A8: case 0x06A7: return 0x0642; /* Maghreb qaf and gaf */
	/* punctuation that news sets typographically */
	case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032:
	case 0x02BC: case 0x00B4: case 0x0060:
		return '\'';
	case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x00AB:
	case 0x00BB: case 0x2033: case 0x2039: case 0x203A:
		return '"';
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
	case 0x2015: case 0x2212: case 0xFE58: case 0xFE63: case 0xFF0D:
		return '-';
	case 0x00A0: case 0x2007: case 0x202F: case 0x2000: case 0x2001:
	case 0x2002: case 0x2003: case 0x2004: case 0x2005: case 0x2006:
	case 0x2008: case 0x2009: case 0x200A: case 0x3000:
		return ' ';
	case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:
	case 0x200E: case 0x200F: case 0x061C: case 0x00AD:
		return -1;
	/* ligatures that case folding keeps */
	case 0x0152: case 0x0153: return 0x10000 | 'o'; /* Œ œ: two letters, below */
	case 0x00C6: case 0x00E6: return 0x10000 | 'a'; /* Æ æ */
	}
	if (cp >= 0x064B && cp <= 0x065F) return -1; /* harakat */
	if (cp == 0x0670) return -1;                  /* superscript alef */
	if (cp >= 0x0610 && cp <= 0x061A) return -1;  /* Quranic marks */
	if (cp >= 0x06D6 && cp <= 0x06ED) return -1;
	if (cp >= 0x202A && cp <= 0x202E) return -1;  /* bidi embeddings */
	if (cp >= 0x2066 && cp <= 0x2069) return -1;  /* bidi isolates */
	if (cp >= 0x0660 && cp <= 0x0669) return '0' + (int32_t)(cp - 0x0660);
	if (cp >= 0x06F0 && cp <= 0x06F9) return '0' + (int32_t)(cp - 0x06F0);
	return 0;
}

static void fold_one(uint32_t cp, struct fold *f)
{
	int32_t own = own_fold(cp);
	f->same = 0;
	if (own == -1) {
		f->n = 0;
		return;
	}
	if (own & 0x10000) { /* two-letter ligature: œ -> oe, æ -> ae */
		f->c[0] = (uint16_t)(own & 0xFFFF);
		f->c[1] = 'e';
		f->n = 2;
		return;
	}
	if (own > 0) {
		f->c[0] = (uint16_t)own;
		f->n = 1;
		return;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF) { /* never in valid UTF-8 */
		f->c[0] = (uint16_t)cp;
		f->n = 1;
		f->same = 1;
		return;
	}
	/* Arabic letters that we do not fold stay as they are: utf8proc's
	 * decomposition would split hamza carriers we keep (ؤ ئ). */
	if (cp >= 0x0600 && cp <= 0x06FF) {
		f->c[0] = (uint16_t)cp;
		f->n = 1;
		f->same = 1;
		return;
	}
	utf8proc_int32_t out[8];
	utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, out,
	    8, UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
		UTF8PROC_COMPAT, NULL);
	if (k < 0 || k > 3) {
		f->c[0] = (uint16_t)cp;
		f->n = 1;
		f->same = 1;
		return;
	}
	/* A compatibility form may decompose to something we fold too
	 * (a presentation-form alef with hamza, a fullwidth dash). */
	int n = 0;
	for (utf8proc_ssize_t i = 0; i < k && n < 3; i++) {
		uint32_t c = (uint32_t)out[i];
		if (c > 0xFFFF)
			c = cp;
		int32_t o2 = own_fold(c);
		if (o2 == -1)
			continue;
		f->c[n++] = (uint16_t)(o2 > 0 && !(o2 & 0x10000) ? (uint32_t)o2 : c);
	}
	f->n = (uint8_t)n;
	f->same = (n == 1 && f->c[0] == cp);
}

void normalize_init(void)
{
	if (folds)
		return;
	struct fold *t = calloc(0x10000, sizeof *t);
	if (!t)
		abort();
	for (uint32_t cp = 0; cp < 0x10000; cp++) {
		if (cp < 0x80) {
			t[cp].c[0] = (uint16_t)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
			t[cp].n = 1;
			t[cp].same = !(cp >= 'A' && cp <= 'Z');
			continue;
		}
		fold_one(cp, &t[cp]);
	}
	struct fold2 *t2 = calloc(0x800, sizeof *t2);
	if (!t2)
		abort();
	for (uint32_t cp = 0; cp < 0x800; cp++) {
		t2[cp].ncp = t[cp].n;
		if (t[cp].n == 1)
			t2[cp].nbytes = (uint8_t)utf8_encode(t[cp].c[0], (char *)t2[cp].b);
	}
	folds2 = t2;
	folds = t;
}

int normalize_cp(uint32_t cp, uint32_t out[3])
{
	normalize_init();
	if (cp > 0xFFFF) {
		out[0] = cp;
		return 1;
	}
	const struct fold *f = &folds[cp];
	for (int i = 0; i < f->n; i++)
		out[i] = f->c[i];
	return f->n;
}

static int grow(uint32_t **p, size_t *cap, size_t need, int arrays,
    uint32_t **q)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 1024;
	while (c < need)
		c *= 2;
	uint32_t *a = realloc(*p, c * sizeof **p);
	if (!a)
		return -1;
	*p = a;
	if (arrays == 2) {
		uint32_t *b = realloc(*q, c * sizeof **q);
		if (!b)
			return -1;
		*q = b;
	}
	*cap = c;
	return 0;
}

int normalize(struct normtext *t, const char *s, size_t n)
{
	normalize_init();
	if (n >= UINT32_MAX / 4)
		return -1;
	t->orig = s;
	t->orig_len = n;
	t->nastral = 0;
	/* Upper bounds: one cp per byte; a cp folds to at most 3. */
	size_t capo = t->cap_cp, capn = t->cap_n;
	if (grow(&t->cp_byte, &capo, n + 1, 1, NULL) < 0)
		return -1;
	t->cap_cp = capo;
	if (grow(&t->n_byte, &capn, 3 * n + 1, 2, &t->n_orig) < 0)
		return -1;
	t->cap_n = capn;
	buf_reset(&t->norm);
	buf_reserve(&t->norm, 3 * n + 8);

	const unsigned char *p = (const unsigned char *)s;
	/* locals, so that the compiler need not reload them after each
	 * store into the arrays */
	uint32_t *cpb = t->cp_byte, *nby = t->n_byte, *nor = t->n_orig;
	const struct fold *fl = folds;
	char *out = t->norm.data;
	uint32_t ncp = 0, nn = 0;
	size_t i = 0, ob = 0;
	while (i < n) {
		cpb[ncp] = (uint32_t)i;
		unsigned char c = p[i];
		if (c < 0x80) { /* ASCII: the common case, no table */
#ifdef __SSE2__
			/* a run of ASCII, up to sixteen bytes at once: the copy
			 * lower-cased, the three offset arrays counting up by one.
			 * Sixteen of each are stored, the run's k kept; the rest
			 * is written over after (the arrays and the copy have
			 * room: ncp, nn <= i and ob <= 3 i, i + 16 <= n). */
			if (i + 16 <= n) {
				__m128i v = _mm_loadu_si128((const void *)(p + i));
				unsigned k = (unsigned)__builtin_ctz(
				    (unsigned)_mm_movemask_epi8(v) | 0x10000);
				if (k >= 4) {
					__m128i up = _mm_and_si128(
					    _mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
					    _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
					v = _mm_add_epi8(v, _mm_and_si128(up,
					    _mm_set1_epi8(32)));
					_mm_storeu_si128((void *)(out + ob), v);
					/* ASCII: every offset map counts up by one */
					count_up16(cpb + ncp, (uint32_t)i);
					count_up16(nby + nn, (uint32_t)ob);
					count_up16(nor + nn, (uint32_t)ncp);
					i += k;
					ob += k;
					ncp += k;
					nn += k;
					continue;
				}
			}
#endif
			nby[nn] = (uint32_t)ob;
			nor[nn++] = ncp;
			out[ob++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			i++;
			ncp++;
			continue;
		}
		if (c < 0xE0) {
			/* a run of two-byte code points (Arabic, accented
			 * Latin...): one table read each, no branch on the
			 * fold but for expansions (œ, ß). The stores past what
			 * is kept land in the slack that the arrays and the copy
			 * have. */
			for (;;) {
#ifdef __SSE2__
				/* Arabic letters eight at a time: the offset
				 * maps count up, by two bytes in the text and
				 * in the copy, by one code point in both.
				 * Eight of each are stored, k kept: the same
				 * room as for an ASCII run above. */
				unsigned k;
				if ((c & 0xFE) == 0xD8 && i + 16 <= n &&
				    (k = fold_arabic8(p + i, out + ob)) != 0) {
					count_up8_by2(cpb + ncp, (uint32_t)i);
					count_up8_by2(nby + nn, (uint32_t)ob);
					count_up8(nor + nn, ncp);
					i += 2 * k;
					ob += 2 * k;
					ncp += k;
					nn += k;
					/* the space between two Arabic words,
					 * here rather than by the ASCII path */
					if (k < 8 && i + 1 < n && p[i] == ' ' &&
					    (p[i + 1] & 0xFE) == 0xD8) {
						cpb[ncp] = (uint32_t)i;
						nby[nn] = (uint32_t)ob;
						nor[nn++] = ncp++;
						out[ob++] = ' ';
						i++;
					}
					if (i >= n || (c = p[i]) < 0xC2 || c >= 0xE0)
						break;
					cpb[ncp] = (uint32_t)i;
					continue;
				}
#endif
				uint32_t cp = ((uint32_t)(c & 0x1F) << 6) |
				    (p[i + 1] & 0x3F);
				const struct fold2 *f = &folds2[cp];
				if (f->ncp <= 1) {
					nby[nn] = (uint32_t)ob;
					nor[nn] = ncp;
					nn += f->ncp;
					memcpy(out + ob, f->b, 4);
					ob += f->nbytes;
				} else {
					const struct fold *g = &fl[cp];
					for (int k = 0; k < g->n; k++) {
						nby[nn] = (uint32_t)ob;
						nor[nn++] = ncp;
						ob += (size_t)utf8_encode(g->c[k],
						    out + ob);
					}
				}
				i += 2;
				ncp++;
				if (i >= n || (c = p[i]) < 0xC2 || c >= 0xE0)
					break;
				cpb[ncp] = (uint32_t)i;
			}
			continue;
		}
		int len;
		uint32_t cp = utf8_decode(p + i, &len);
		if (cp > 0xFFFF) {
			nby[nn] = (uint32_t)ob;
			nor[nn++] = ncp;
			memcpy(out + ob, p + i, (size_t)len);
			ob += (size_t)len;
			if (t->nastral == t->cap_astral &&
			    grow(&t->astral, &t->cap_astral, t->nastral + 1, 1,
				NULL) < 0)
				return -1;
			t->astral[t->nastral++] = ncp;
		} else {
			const struct fold *f = &fl[cp];
			if (f->same) {
				nby[nn] = (uint32_t)ob;
				nor[nn++] = ncp;
				memcpy(out + ob, p + i, (size_t)len);
				ob += (size_t)len;
			} else {
				for (int k = 0; k < f->n; k++) {
					nby[nn] = (uint32_t)ob;
					nor[nn++] = ncp;
					ob += (size_t)utf8_encode(f->c[k], out + ob);
				}
			}
		}
		i += (size_t)len;
		ncp++;
	}
	t->cp_byte[ncp] = (uint32_t)n;
	t->n_byte[nn] = (uint32_t)ob;
	t->n_orig[nn] = ncp;
	t->ncp = ncp;
	t->nn = nn;
	t->norm.len = ob;
	out[ob] = '\0';
	return 0;
}

void normalize_string(const char *s, size_t n, struct buf *out)
{
	/* Called for every gazetteer surface and class word at load (tens of
	 * thousands): one working normtext per thread, kept, instead of five
	 * arrays allocated and freed per call. Short strings stay small;
	 * a long one is not kept. */
	static _Thread_local struct normtext t;
	buf_reset(out);
	if (normalize(&t, s, n) == 0)
		buf_add(out, t.norm.data, t.norm.len);
	buf_cstr(out);
	if (t.cap_cp > 4096 || t.cap_n > 4096)
		normtext_free(&t);
}

/* The first i of a[lo..hi) with a[i] > x, or hi; a never decreases. */
static uint32_t bisect(const uint32_t *a, uint32_t lo, uint32_t hi, int64_t x)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (a[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* bisect() over a[0..n) for an answer expected near `near`: steps that
 * double out from there bracket it first, so that an answer a few places
 * away costs a few comparisons rather than log n. */
static uint32_t bisect_near(const uint32_t *a, uint32_t n, int64_t x,
    uint32_t near)
{
	uint32_t lo, hi;
	uint64_t step = 1;
	if (near > n)
		near = n;
	if (near < n && a[near] <= x) {
		for (lo = near + 1;; step *= 2) { /* the answer is at lo or after */
			if (step > n - lo) {
				hi = n;
				break;
			}
			if (a[lo + step - 1] > x) {
				hi = lo + step - 1;
				break;
			}
			lo += step;
		}
	} else {
		for (hi = near;; step *= 2) {    /* the answer is at hi or before */
			if (step > hi) {
				lo = 0;
				break;
			}
			if (a[hi - step] <= x) {
				lo = hi - step + 1;
				break;
			}
			hi -= step;
		}
	}
	return bisect(a, lo, hi, x);
}

uint32_t normtext_u16(const struct normtext *t, uint32_t cp)
{
	if (!t->nastral)
		return cp;
	return cp + bisect(t->astral, 0, t->nastral, (int64_t)cp - 1);
}

uint32_t normtext_cp_at_byte(const struct normtext *t, size_t b)
{
	if (b >= t->orig_len)
		return t->ncp;
	return bisect(t->cp_byte, 0, t->ncp, (int64_t)b) - 1;
}

uint32_t normtext_ncp_at_byte(const struct normtext *t, size_t b)
{
	if (b >= t->norm.len)
		return t->nn;
	return bisect(t->n_byte, 0, t->nn, (int64_t)b) - 1;
}

uint32_t normtext_cp_near_byte(const struct normtext *t, size_t b,
    uint32_t near)
{
	if (b >= t->orig_len)
		return t->ncp;
	return bisect_near(t->cp_byte, t->ncp, (int64_t)b, near) - 1;
}

uint32_t normtext_ncp_near_byte(const struct normtext *t, size_t b,
    uint32_t near)
{
	if (b >= t->norm.len)
		return t->nn;
	return bisect_near(t->n_byte, t->nn, (int64_t)b, near) - 1;
}

/* The first normalized code point that comes from original code point
 * cp or a later one (n_orig never decreases), looked for near `near`. */
static uint32_t first_from(const struct normtext *t, uint32_t cp,
    uint32_t near)
{
	return bisect_near(t->n_orig, t->nn, (int64_t)cp - 1, near);
}

const char *normtext_norm_span(const struct normtext *t, uint32_t s,
    uint32_t e, uint32_t near, size_t *len)
{
	uint32_t a = first_from(t, s, near);
	/* e's, guessed one for one from s's: folds rarely change a count */
	size_t g = (size_t)a + (e > s ? e - s : 0);
	uint32_t b = first_from(t, e, g < t->nn ? (uint32_t)g : t->nn);
	*len = t->n_byte[b] - t->n_byte[a];
	return t->norm.data + t->n_byte[a];
}

void normtext_free(struct normtext *t)
{
	free(t->cp_byte);
	free(t->astral);
	free(t->n_byte);
	free(t->n_orig);
	buf_free(&t->norm);
	memset(t, 0, sizeof *t);
}
