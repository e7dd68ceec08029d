/*
 * log.c - priority-prefixed lines on stderr (journald reads the prefix).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static char log_name[32] = "nerd";
static int log_verbose;

void log_init(const char *name, int verbose)
{
	log_setname(name);
	log_verbose = verbose;
}

void log_setname(const char *name)
{
	snprintf(log_name, sizeof log_name, "%s", name);
}

static void vlog(int prio, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_errno)
		fprintf(stderr, "<%d>%s: %s: %s\n", prio, log_name, msg,
		    strerror(saved));
	else
		fprintf(stderr, "<%d>%s: %s\n", prio, log_name, msg);
	errno = saved;
}

#define LOGFN(fn, prio, with_errno, cond)          \
	void fn(const char *fmt, ...)              \
	{                                          \
		if (!(cond))                       \
			return;                    \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		vlog(prio, with_errno, fmt, ap);   \
		va_end(ap);                        \
	}

LOGFN(log_err, 3, 0, 1)
LOGFN(log_warn, 4, 1, 1)
LOGFN(log_warnx, 4, 0, 1)
LOGFN(log_info, 6, 0, 1)
LOGFN(log_debug, 7, 0, log_verbose)
