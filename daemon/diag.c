/*
 * diag.c - file:line diagnostics.
 */
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

static void emit(struct diag *d, const char *kind, const char *file, int line,
    const char *fmt, va_list ap)
{
	char msg[400];
	vsnprintf(msg, sizeof msg, fmt, ap);
	char full[512];
	if (line > 0)
		snprintf(full, sizeof full, "%s:%d: %s: %s", file, line, kind, msg);
	else
		snprintf(full, sizeof full, "%s: %s: %s", file, kind, msg);
	if (d->out)
		fprintf(d->out, "%s\n", full);
	if (kind[0] == 'e' && d->errors == 1)
		snprintf(d->first, sizeof d->first, "%s", full);
}

void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	d->errors++;
	va_start(ap, fmt);
	emit(d, "error", file, line, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	d->warnings++;
	va_start(ap, fmt);
	emit(d, "warning", file, line, fmt, ap);
	va_end(ap);
}
