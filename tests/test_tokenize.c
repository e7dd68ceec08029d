/* Tokens: boundaries, shapes, hard gaps. */
#include "check.h"
#include "tokenize.h"
#include "utf8.h"

static struct normtext t;
static struct tokens tk;

static void run(const char *s)
{
	normalize(&t, s, strlen(s));
	tokenize(&t, &tk);
}

static int tok_is(size_t i, const char *w)
{
	return i < tk.n && tk.v[i].e - tk.v[i].b == strlen(w) &&
	    !memcmp(t.norm.data + tk.v[i].b, w, strlen(w));
}

/* The definition, one code point of the copy at a time: a token is a
 * run of word characters; its gap is hard if it holds a code point that
 * is neither a word character nor a space, tab, - or '. Returns 0 if
 * tk (from tokenize()) has the same tokens and TOK_HARD flags. */
static int same_as_definition(void)
{
	const unsigned char *p = (const unsigned char *)t.norm.data;
	size_t i = 0, n = t.norm.len, k = 0;
	uint32_t nc = 0, b = 0, nb = 0;
	int in = 0, hard = 0, hard_at_b = 0;
	while (i <= n) {
		int len = 1;
		uint32_t cp = i < n ? utf8_decode(p + i, &len) : 0;
		int w = i < n && tokenize_is_word(cp);
		if (w && !in) {
			b = (uint32_t)i;
			nb = nc;
			hard_at_b = hard;
			in = 1;
		} else if (!w && in) {
			const struct token *x = &tk.v[k++];
			if (k > tk.n || x->b != b || x->e != i || x->nb != nb ||
			    x->ne != nc || !(x->flags & TOK_HARD) != !hard_at_b)
				return -1;
			in = 0;
			hard = 0;
		}
		if (!w && cp != ' ' && cp != '\t' && cp != '-' && cp != '\'')
			hard = 1;
		i += (size_t)len;
		nc++;
	}
	return k == tk.n ? 0 : -1;
}

/* The fast paths (ASCII sixteen bytes at a time, Arabic letters eight at
 * a time) against the definition, on mixed text: words and gaps across
 * the edges of blocks, Arabic punctuation, three- and four-byte code
 * points. */
static void fast_paths(void)
{
	static const uint32_t pool[] = {
		'a', 'Z', '0', 'q', ' ', ' ', '\t', '-', '\'', '.', ',', '\n',
		0xE9, 0xDF, 0x0627, 0x0644, 0x0645, 0x064A, 0x0629, 0x0623,
		0x060C, 0x061F, 0x061B, 0x0640, 0x0660, 0x066A, 0x06A9, ' ',
		0x20AC, 0x0394, 0x4E2D, 0x1F600,
	};
	char s[512];
	uint32_t r = 777;
	int bad = 0;
	for (int it = 0; it < 100000 && bad < 5; it++) {
		r = r * 1103515245u + 12345u;
		int n = 0, len = (int)((r >> 16) % 120);
		/* mostly one script per text, as in news */
		uint32_t from = (r >> 8) % 3 == 0 ? 0 : (r >> 8) % 3 == 1 ? 12 : 0;
		for (int j = 0; j < len; j++) {
			r = r * 1103515245u + 12345u;
			uint32_t x = (r >> 16) % 64;
			uint32_t cp = x < 32 ? pool[x] :
			    pool[from + x % (from ? 16 : 12)];
			n += utf8_encode(cp, s + n);
		}
		normalize(&t, s, (size_t)n);
		if (tokenize(&t, &tk) < 0 || same_as_definition() < 0) {
			fprintf(stderr, "tokenize: text %d differs\n", it);
			bad++;
		}
	}
	CHECK(bad == 0);
}

int main(void)
{
	fast_paths();
	run("Le président de l'ONU, M. Guterres.");
	CHECK(tk.n == 7);
	CHECK(tok_is(0, "le") && tok_is(3, "l") && tok_is(4, "onu"));
	CHECK(tk.v[0].flags & TOK_CAP);
	CHECK(!(tk.v[1].flags & TOK_CAP));
	CHECK(tk.v[4].flags & TOK_ALLCAPS);
	CHECK(!(tk.v[4].flags & TOK_HARD));      /* l'ONU: apostrophe is soft */
	CHECK(tk.v[5].flags & TOK_HARD);         /* after the comma */
	CHECK(!(tk.v[5].flags & TOK_ALLCAPS));   /* one letter is not all caps */
	CHECK(tk.v[6].flags & TOK_HARD);         /* after "M." */

	run("وصل حموشي إلى «فيينا»\nأمس");
	CHECK(tk.n == 5);
	CHECK(tk.v[0].flags & TOK_ARABIC);
	CHECK(tok_is(3, "فيينا"));
	CHECK(tk.v[3].flags & TOK_HARD);
	CHECK(tk.v[4].flags & TOK_HARD);         /* newline */

	run("al-Qaeda 2026 U.S.");
	CHECK(tk.n == 5);
	CHECK(tok_is(0, "al") && tok_is(1, "qaeda"));
	CHECK(!(tk.v[1].flags & TOK_HARD));      /* hyphen is soft */
	CHECK(tk.v[2].flags & TOK_DIGIT);

	/* title case: a headline's capitals say nothing of names */
	run("Ex-Minister John Smith Says He Will Resign Before the Vote");
	CHECK(tokens_title_case(&tk));
	run("Former minister John Smith said he would resign");
	CHECK(!tokens_title_case(&tk));
	run("John Smith");                     /* two long words are too few */
	CHECK(!tokens_title_case(&tk));
	run("قال الوزير جون سميث إنه سيستقيل");
	CHECK(!tokens_title_case(&tk));
	/* nine in ten exactly, the words without a capital first (the
	 * answer is read early when it can be) */
	run("ward ward Aaaa Bbbb Cccc Dddd Eeee Ffff Gggg Hhhh Iiii Jjjj Kkkk "
	    "Llll Mmmm Nnnn Oooo Pppp Qqqq Rrrr Ssss Tttt");
	CHECK(tokens_title_case(&tk));
	run("ward ward ward Aaaa Bbbb Cccc Dddd Eeee Ffff Gggg Hhhh Iiii Jjjj "
	    "Kkkk Llll Mmmm Nnnn Oooo Pppp Qqqq Rrrr Ssss Tttt");
	CHECK(!tokens_title_case(&tk));

	run("");
	CHECK(tk.n == 0);
	run("  ... ");
	CHECK(tk.n == 0);
	normtext_free(&t);
	tokens_free(&tk);
	return test_done("tokenize");
}
