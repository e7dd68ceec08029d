/*
 * langid.c - script count, then function words.
 */
#include <string.h>

#include "langid.h"

/* Function words, space-delimited so that " w " finds whole words. */
static const char fr_words[] = " le la les des du et est une dans pour qui "
    "que sur au aux pas avec il elle ont ";
static const char en_words[] = " the and of is was to in for that with on "
    "by are from has have he she it were ";

static int is_word(const char *w, size_t n, const char *list, size_t len)
{
	char key[8];
	if (n < 2 || n > 5)
		return 0;
	key[0] = ' ';
	memcpy(key + 1, w, n);
	key[n + 1] = ' ';
	return memmem(list, len, key, n + 2) != NULL;
}

const char *langid(const struct normtext *t, const struct tokens *tk)
{
	size_t arabic = 0, n = tk->n < 400 ? tk->n : 400, seen = 0;
	int f = 0, e = 0;
	for (size_t i = 0; i < n; i++, seen++) {
		const struct token *k = &tk->v[i];
		if (k->flags & TOK_ARABIC) {
			arabic++;
			continue;
		}
		const char *w = t->norm.data + k->b;
		size_t wn = k->e - k->b;
		f += is_word(w, wn, fr_words, sizeof fr_words - 1);
		e += is_word(w, wn, en_words, sizeof en_words - 1);
		/* a clear lead settles it: most articles need a sentence */
		if (seen >= 40 && arabic == 0 && (f >= e + 6 || e >= f + 6))
			break;
	}
	if (seen && arabic * 2 >= seen)
		return "ar";
	return f > e ? "fr" : "en";
}
