/*
 * fuzz_normalize.c - UTF-8 validation, then normalization and
 * tokenization of whatever is valid, with the offset maps' invariants
 * checked (every annotation's offsets come from them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "tokenize.h"
#include "utf8.h"

/* Reused from input to input, as a worker reuses its scratch. */
static struct normtext nt;
static struct tokens tk;
static struct buf sb;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	memcpy(s, data, size);
	size_t bad = 0, bad_s = 0;
	/* the fast validator (32 bytes at a time) and the scalar definition
	 * agree on the verdict and on the offset */
	int ok = utf8_validate(s, size, &bad);
	if (ok != utf8_validate_scalar(s, size, &bad_s) || (ok < 0 && bad != bad_s))
		abort();
	if (ok < 0) {
		if (bad >= size)
			abort();
		/* The prefix before the bad byte must validate. */
		size_t bad2;
		if (utf8_validate(s, bad, &bad2) < 0)
			abort();
		free(s);
		return 0;
	}
	if (normalize(&nt, s, size) < 0)
		abort(); /* only over 4 GiB */
	if (nt.cp_byte[0] != 0 || nt.cp_byte[nt.ncp] != size)
		abort();
	for (uint32_t i = 0; i < nt.ncp; i++)
		if (nt.cp_byte[i] >= nt.cp_byte[i + 1] ||
		    normtext_u16(&nt, i) >= normtext_u16(&nt, i + 1))
			abort();
	if (nt.n_byte[0] != 0 || nt.n_byte[nt.nn] != nt.norm.len)
		abort();
	for (uint32_t i = 0; i < nt.nn; i++)
		if (nt.n_byte[i] >= nt.n_byte[i + 1] || nt.n_orig[i] >= nt.ncp ||
		    (i && nt.n_orig[i] < nt.n_orig[i - 1]))
			abort();
	if (utf8_validate(nt.norm.data, nt.norm.len, &bad) < 0)
		abort();
	for (size_t b = 0; b < size; b++)
		if (normtext_cp_at_byte(&nt, b) >= nt.ncp)
			abort();
	if (tokenize(&nt, &tk) < 0)
		abort();
	for (size_t i = 0; i < tk.n; i++) {
		const struct token *t = &tk.v[i];
		if (t->b >= t->e || t->e > nt.norm.len || t->nb >= t->ne ||
		    t->ne > nt.nn || nt.n_byte[t->nb] != t->b ||
		    nt.n_byte[t->ne] != t->e)
			abort();
		if (i && t->b < tk.v[i - 1].e)
			abort();
		if (normtext_ncp_at_byte(&nt, t->b) != t->nb)
			abort();
	}
	buf_reset(&sb);
	normalize_string(s, size, &sb);
	if (utf8_validate(sb.data ? sb.data : "", sb.len, &bad) < 0)
		abort();
	free(s);
	return 0;
}
