/*
 * langid.c - script count, then function words.
 */
#include <string.h>

#include "langid.h"

static int is_word(const char *w, size_t n, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !memcmp(list[i], w, n))
			return 1;
	return 0;
}

const char *langid(const struct normtext *t, const struct tokens *tk)
{
	static const char *const fr[] = {"le", "la", "les", "des", "du", "et",
	    "est", "une", "dans", "pour", "qui", "que", "sur", "au", "aux",
	    "pas", "avec", "il", "elle", "ont", NULL};
	static const char *const en[] = {"the", "and", "of", "is", "was",
	    "to", "in", "for", "that", "with", "on", "by", "are", "from",
	    "has", "have", "he", "she", "it", "were", NULL};
	size_t arabic = 0, n = tk->n < 400 ? tk->n : 400;
	int f = 0, e = 0;
	for (size_t i = 0; i < n; i++) {
		const struct token *k = &tk->v[i];
		if (k->flags & TOK_ARABIC) {
			arabic++;
			continue;
		}
		const char *w = t->norm.data + k->b;
		size_t wn = k->e - k->b;
		f += is_word(w, wn, fr);
		e += is_word(w, wn, en);
	}
	if (n && arabic * 2 >= n)
		return "ar";
	return f > e ? "fr" : "en";
}
