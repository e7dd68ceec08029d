/*
 * spawner.h - the process that forks the workers.
 *
 * The master cannot fork its workers itself: by the time it needs one it
 * runs ZeroMQ's I/O threads, and a child forked from a threaded process
 * inherits every lock another thread held at that instant, still held by
 * a thread that no longer exists. Such a child (seen in CI, with and
 * without AddressSanitizer) said nothing for ever: its own ZeroMQ context
 * never connected. POSIX allows a threaded process's child only
 * async-signal-safe calls until it execs.
 *
 * So the master starts `nerd spawner` (fork, then exec at once: nothing
 * but async-signal-safe calls in between). The spawner has one thread for
 * its whole life. It loads the engine, and for each worker the master
 * asks for it forks twice: the intermediate child forks the worker and
 * exits, and the worker, an orphan, is re-parented to the master, a
 * child subreaper (prctl(2)). The master therefore sees its workers'
 * deaths by SIGCHLD and waitpid() as before, and the workers share the
 * spawner's engine pages copy-on-write, as they once shared the master's.
 *
 * The two talk over a SOCK_SEQPACKET pair, one request and one reply at a
 * time:
 *   "L" image \0 gazetteers \0 rules \0   load (image, or the two sources)
 *        -> "l" 0 ruleset                 loaded; the old engine is freed
 *        -> "l" 1 message                 failed; the old engine stays
 *   "S" struct spawn_req + 1 descriptor   fork a worker of the engine
 *        -> "s" struct spawn_rep          its pid, or the fork's errno
 *
 * The descriptor of "S" travels as SCM_RIGHTS ancillary data: the
 * worker's end of the Unix socketpair that the master made for it
 * (worker.h). The worker inherits it across both forks; the spawner
 * closes its own copy before it replies, and the master closes its copy
 * once the reply is in, whatever it says. So when the worker dies, its
 * end is closed everywhere, and the master reads the end of its stream.
 * An "S" without a descriptor is refused (EINVAL).
 */
#ifndef NERD_SPAWNER_H
#define NERD_SPAWNER_H

#include <stddef.h>
#include <sys/types.h>

struct worker_args;

struct spawner {
	pid_t pid;            /* 0: not running */
	int fd;               /* the master's end of the pair, or -1 */
	int verbose;
	char exe[4096];       /* this program, as the kernel knows it */
};

/* Fork and exec `nerd spawner`. Returns 0, or -1 with err set. */
int spawner_start(struct spawner *s, int verbose, char *err, size_t errlen);

/*
 * Have the spawner load an engine: from image if it is not empty, else
 * built from gazetteers and rules. On success writes the ruleset (24
 * bytes with its NUL) and the time taken; returns 0, or -1 with err set.
 */
int spawner_load(struct spawner *s, const char *image, const char *gazetteers,
    const char *rules, char ruleset[24], char *err, size_t errlen);

/*
 * spawner_load in two halves, for a master that keeps serving while the
 * engine builds: _begin sends the request; _end reads the answer, without
 * waiting once the pair is readable. Between the two, nothing else may be
 * asked of the spawner (it answers one request at a time, in order).
 */
int spawner_load_begin(struct spawner *s, const char *image,
    const char *gazetteers, const char *rules, char *err, size_t errlen);
int spawner_load_end(struct spawner *s, char ruleset[24], char *err,
    size_t errlen);

/*
 * Have the spawner fork a worker with a (its engine field is ignored: the
 * worker gets the spawner's), passing it a copy of a->fd. The caller still
 * owns a->fd and closes it. Returns the worker's pid, by then a child of
 * the calling process, or -1 with err set.
 */
pid_t spawner_spawn(struct spawner *s, const struct worker_args *a, char *err,
    size_t errlen);

/* Close the pair (the spawner exits when it reads its end), and reap it
 * if it is gone. The workers it forked are not touched. */
void spawner_stop(struct spawner *s);

#endif
