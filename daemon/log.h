/*
 * log.h - logging for every nerd process.
 *
 * Lines go to stderr with a "<N>" priority prefix (sd-daemon(3)), which
 * journald turns into the entry's priority when nerd runs under systemd,
 * and which stays readable on a terminal. log_warn() appends strerror(errno),
 * log_warnx() does not (as in OpenBSD's daemons).
 */
#ifndef NERD_LOG_H
#define NERD_LOG_H

#define NERD_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* name: the process's name in each line ("nerd", "worker 2"). */
void log_init(const char *name, int verbose);
void log_setname(const char *name);
void log_warn(const char *fmt, ...) NERD_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) NERD_PRINTF(1, 2);
void log_info(const char *fmt, ...) NERD_PRINTF(1, 2);
void log_debug(const char *fmt, ...) NERD_PRINTF(1, 2);
void log_err(const char *fmt, ...) NERD_PRINTF(1, 2);

#endif
