/*
 * diag.h - problems found in gazetteer and rule sources, reported as
 * "file:line: error: message" (or warning), counted for the caller.
 */
#ifndef NERD_DIAG_H
#define NERD_DIAG_H

#include <stdio.h>

struct diag {
	FILE *out;        /* where messages go; NULL: collected only */
	int errors, warnings;
	char first[512];  /* the first error, for callers that log one line */
};

void diag_error(struct diag *d, const char *file, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
void diag_warn(struct diag *d, const char *file, int line, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

#endif
