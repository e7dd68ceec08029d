/* Propagation: a family name alone takes the full name's identity, and the
 * mentions it adds are merged into the found ones in reading order. */
#include "check.h"
#include "propagate.h"

static struct normtext t;
static struct tokens tk;

/* A mention of the words [w0, w1) of t, found by a rule. */
static void found(struct mentions *m, size_t w0, size_t w1, int type,
    uint32_t id)
{
	struct mention *x = mentions_add(m);
	x->start = t.n_orig[tk.v[w0].nb];
	x->end = t.n_orig[tk.v[w1 - 1].ne - 1] + 1;
	x->tok0 = (uint32_t)w0;
	x->tok1 = (uint32_t)w1;
	x->type = (uint8_t)type;
	x->kind = SRC_RULE;
	x->field = FIELD_TEXT;
	x->keep = 1;
	x->who.hash = id; /* an identity to tell them apart by */
	x->who.form = ID_HASH;
}

int main(void)
{
	const char *s = "John Smith met Jane Doe in Paris. Doe thanked Smith, "
	    "and Smith left Paris before Doe.";
	struct mentions m = {0};
	struct propagate_scratch ps = {0};
	struct field_view f[NFIELDS] = {{NULL, NULL}, {&t, &tk}};
	CHECK(normalize(&t, s, strlen(s)) == 0 && tokenize(&t, &tk) == 0);
	found(&m, 0, 2, 0, 1);        /* John Smith */
	found(&m, 3, 5, 0, 2);        /* Jane Doe */
	found(&m, 6, 7, 2, 3);        /* Paris */
	found(&m, 13, 14, 2, 3);      /* Paris again, after the added ones */
	/* Smith's (10, 12) are added before Doe's (7, 16): out of order */
	propagate(&m, f, &ps, NULL);
	static const uint32_t want_start[] = {0, 15, 27, 34, 46, 57, 68, 81};
	static const uint32_t want_id[] = {1, 2, 3, 2, 1, 1, 3, 2};
	CHECK(m.n == 8);
	for (size_t i = 0; i < m.n && i < 8; i++) {
		CHECK(m.v[i].start == want_start[i]);
		CHECK(m.v[i].who.hash == want_id[i]);
		CHECK(m.v[i].kind == (i == 3 || i == 4 || i == 5 || i == 7 ?
		    SRC_PROPAGATION : SRC_RULE));
	}

	/* again, with more added than found: the scratch grows */
	m.n = 0;
	const char *r = "Ann Lee. Lee Lee Lee Lee Lee Lee Lee Lee Lee Lee Lee "
	    "Lee Lee Lee Lee Lee Lee Lee Lee Lee.";
	CHECK(normalize(&t, r, strlen(r)) == 0 && tokenize(&t, &tk) == 0);
	found(&m, 0, 2, 0, 1);
	propagate(&m, f, &ps, NULL);
	CHECK(m.n == 21);
	for (size_t i = 1; i < m.n; i++)
		CHECK(m.v[i - 1].start < m.v[i].start);

	/* a Latin family name wants its capital: "berg" is no Berg */
	m.n = 0;
	const char *b = "Anna Berg spoke. The berg melted, and Berg left.";
	CHECK(normalize(&t, b, strlen(b)) == 0 && tokenize(&t, &tk) == 0);
	found(&m, 0, 2, 0, 1);
	propagate(&m, f, &ps, NULL);
	CHECK(m.n == 2 && m.v[1].start == 38 && m.v[1].who.hash == 1);

	/* a last word that is Arabic in the original but not once normalized
	 * (Arabic-Indic digits fold to ASCII ones) is found in every word
	 * that reads the same, Arabic or not */
	m.n = 0;
	const char *d = "محمد ٢٠٢٤ قال. ثم 2024 و ٢٠٢٤ اليوم.";
	CHECK(normalize(&t, d, strlen(d)) == 0 && tokenize(&t, &tk) == 0);
	CHECK(tk.n == 8 && (tk.v[1].flags & TOK_ARABIC) &&
	    !(tk.v[4].flags & (TOK_ARABIC | TOK_CAP | TOK_ALLCAPS)));
	found(&m, 0, 2, 0, 1);
	propagate(&m, f, &ps, NULL);
	CHECK(m.n == 3);
	for (size_t i = 1; i < m.n; i++)
		CHECK(m.v[i].who.hash == 1 && m.v[i].kind == SRC_PROPAGATION &&
		    m.v[i].tok0 == (i == 1 ? 4 : 6));

	free(m.v);
	propagate_scratch_free(&ps);
	normtext_free(&t);
	tokens_free(&tk);
	return test_done("propagate");
}
