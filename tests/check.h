/*
 * check.h - the few macros every C unit test uses. A test binary returns
 * the number of failed checks (0: pass), which is what ctest reads.
 */
#ifndef NERD_TEST_CHECK_H
#define NERD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
			    __FILE__, __LINE__, #cond);                    \
			failures++;                                        \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (!a_ || !b_ || strcmp(a_, b_)) {                        \
			fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, \
			    __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
			failures++;                                        \
		}                                                          \
	} while (0)

#define FIXTURES NERD_SOURCE_DIR "/tests/fixtures"

static inline int test_done(const char *name)
{
	if (failures)
		fprintf(stderr, "%s: %d checks failed\n", name, failures);
	else
		printf("%s: ok\n", name);
	return failures ? 1 : 0;
}

#endif
