/* Tokens: boundaries, shapes, hard gaps. */
#include "check.h"
#include "tokenize.h"

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

int main(void)
{
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

	run("");
	CHECK(tk.n == 0);
	run("  ... ");
	CHECK(tk.n == 0);
	normtext_free(&t);
	tokens_free(&tk);
	return test_done("tokenize");
}
