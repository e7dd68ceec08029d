/*
 * langid.h - which of nerd's languages an article is in, when the producer
 * did not say: Arabic by script; French or English by their commonest
 * words. Returns "ar", "fr" or "en" (English when nothing decides).
 */
#ifndef NERD_LANGID_H
#define NERD_LANGID_H

#include "normalize.h"
#include "tokenize.h"

/* Builds langid's tables; called once before the first langid(), before
 * any threads or forks (as normalize_init). */
void langid_init(void);

const char *langid(const struct normtext *t, const struct tokens *tk);

#endif
