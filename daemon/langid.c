/*
 * langid.c - script count, then function words.
 */
#include <stdint.h>
#include <string.h>

#include "langid.h"

/* Function words of each language. */
static const char *const fr_words[] = {"le", "la", "les", "des", "du", "et",
    "est", "une", "dans", "pour", "qui", "que", "sur", "au", "aux", "pas",
    "avec", "il", "elle", "ont", NULL};
static const char *const en_words[] = {"the", "and", "of", "is", "was", "to",
    "in", "for", "that", "with", "on", "by", "are", "from", "has", "have",
    "he", "she", "it", "were", NULL};

/* A word of 2 to 5 bytes as one number (its bytes, then its length), so
 * that a word is looked for by comparing numbers: searching a string of
 * the words for it (memmem) took 3% of the engine on English text. */
static uint64_t packed(const char *w, size_t n)
{
	uint64_t k = n;
	for (size_t i = 0; i < n; i++)
		k |= (uint64_t)(unsigned char)w[i] << (8 * (i + 1));
	return k;
}

#define NWORDS 20
static uint64_t fr_keys[NWORDS], en_keys[NWORDS];

static void pack_all(const char *const *words, uint64_t *keys)
{
	for (int i = 0; i < NWORDS; i++)
		keys[i] = packed(words[i], strlen(words[i]));
}

static int is_word(uint64_t k, const uint64_t *keys)
{
	for (int i = 0; i < NWORDS; i++)
		if (keys[i] == k)
			return 1;
	return 0;
}

void langid_init(void)
{
	if (fr_keys[0])
		return;
	pack_all(fr_words, fr_keys);
	pack_all(en_words, en_keys);
}

const char *langid(const struct normtext *t, const struct tokens *tk)
{
	langid_init();
	size_t arabic = 0, n = tk->n < 400 ? tk->n : 400, seen = 0;
	int f = 0, e = 0;
	for (size_t i = 0; i < n; i++, seen++) {
		const struct token *k = &tk->v[i];
		if (k->flags & TOK_ARABIC) {
			arabic++;
			continue;
		}
		size_t wn = k->e - k->b;
		if (wn >= 2 && wn <= 5) {
			uint64_t key = packed(t->norm.data + k->b, wn);
			f += is_word(key, fr_keys);
			e += is_word(key, en_keys);
		}
		/* a clear lead settles it: most articles need a sentence */
		if (seen >= 40 && arabic == 0 && (f >= e + 6 || e >= f + 6))
			break;
	}
	if (seen && arabic * 2 >= seen)
		return "ar";
	return f > e ? "fr" : "en";
}
