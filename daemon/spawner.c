/*
 * spawner.c - `nerd spawner`, the single-threaded process that holds the
 * engine and forks the workers, and the master's side of its pair (see
 * spawner.h for why it exists and what the two say to each other).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "engine.h"
#include "log.h"
#include "spawner.h"
#include "worker.h"

/* The spawner reads its end of the pair as this descriptor. */
#define SPAWNER_FD 3
/* A fork is quick; a spawner that takes longer is stuck, and replaced. */
#define SPAWN_TIMEOUT_MS 10000
/* A request's largest: "L" and three paths of config.h with their NULs. */
#define REQ_MAX (1 + 3 * 4096 + 3)

struct spawn_req {
	char op;                  /* 'S' */
	uint32_t generation;
	int32_t index, nested, master_pid;
	uint64_t max_message_bytes;
};

struct spawn_rep {
	char op;                  /* 's' */
	int32_t pid;              /* -1: failed, errno in err */
	int32_t err;
};

/* ---- the master's side ---------------------------------------------- */

int spawner_start(struct spawner *s, int verbose, char *err, size_t errlen)
{
	int sv[2];
	char mpid[16];
	s->verbose = verbose;
	if (!*s->exe) {
		ssize_t n = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
		if (n <= 0) {
			snprintf(err, errlen, "readlink /proc/self/exe: %s",
			    strerror(errno));
			return -1;
		}
		s->exe[n] = '\0';
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	snprintf(mpid, sizeof mpid, "%d", (int)getpid());
	char *argv[] = {"nerd", "spawner", mpid, verbose ? "-v" : NULL, NULL};
	sigset_t none;
	sigemptyset(&none);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Async-signal-safe calls only, up to the exec. The master's
		 * blocked signals would outlive the exec: unblock them. */
		if (dup2(sv[1], SPAWNER_FD) == -1)
			_exit(127);
		close_range(SPAWNER_FD + 1, ~0U, 0);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(s->exe, argv);
		_exit(127);
	}
	close(sv[1]);
	s->pid = pid;
	s->fd = sv[0];
	return 0;
}

/* Wait up to timeout_ms (-1: for ever) for the reply; its length, or -1. */
static ssize_t reply(struct spawner *s, void *buf, size_t len, int timeout_ms,
    char *err, size_t errlen)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int rc;
	while ((rc = poll(&p, 1, timeout_ms)) == -1 && errno == EINTR)
		;
	if (rc == 0) {
		snprintf(err, errlen, "the spawner (pid %d) did not answer in "
		    "%d ms", (int)s->pid, timeout_ms);
		kill(s->pid, SIGKILL);      /* reaped and replaced (serve.c) */
		return -1;
	}
	ssize_t n;
	while ((n = recv(s->fd, buf, len, 0)) == -1 && errno == EINTR)
		;
	if (n <= 0) {
		snprintf(err, errlen, "the spawner (pid %d) %s", (int)s->pid,
		    n == 0 ? "is gone" : strerror(errno));
		return -1;
	}
	return n;
}

/* Send one request; with a copy of descriptor fd if it is not -1. */
static int request(struct spawner *s, const void *req, size_t len, int fd,
    char *err, size_t errlen)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = {(void *)req, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (s->fd == -1) {
		snprintf(err, errlen, "the spawner is not running");
		return -1;
	}
	if (fd != -1) {
		memset(&c, 0, sizeof c);
		mh.msg_control = c.b;
		mh.msg_controllen = sizeof c.b;
		struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &fd, sizeof fd);
	}
	ssize_t n;
	while ((n = sendmsg(s->fd, &mh, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	if (n != (ssize_t)len) {
		snprintf(err, errlen, "the spawner (pid %d): %s", (int)s->pid,
		    n == -1 ? strerror(errno) : "short send");
		return -1;
	}
	return 0;
}

static size_t put(char *b, size_t at, const char *str)
{
	size_t n = strlen(str) + 1;
	memcpy(b + at, str, n);
	return at + n;
}

int spawner_load_begin(struct spawner *s, const char *image,
    const char *gazetteers, const char *rules, char *err, size_t errlen)
{
	static char req[REQ_MAX];
	if (strlen(image) >= 4096 || strlen(gazetteers) >= 4096 ||
	    strlen(rules) >= 4096) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	size_t n = 1;
	req[0] = 'L';
	n = put(req, n, image);
	n = put(req, n, gazetteers);
	n = put(req, n, rules);
	return request(s, req, n, -1, err, errlen);
}

int spawner_load_end(struct spawner *s, char ruleset[24], char *err,
    size_t errlen)
{
	char rep[1024];
	/* no time limit: building large lists takes what it takes, and the
	 * master's watchdog is the bound */
	ssize_t got = reply(s, rep, sizeof rep - 1, -1, err, errlen);
	if (got == -1)
		return -1;
	rep[got] = '\0';
	if (got < 2 || rep[0] != 'l') {
		snprintf(err, errlen, "the spawner answered nonsense");
		return -1;
	}
	if (rep[1] != 0) {
		snprintf(err, errlen, "%s", rep + 2);
		return -1;
	}
	snprintf(ruleset, 24, "%.23s", rep + 2);
	return 0;
}

int spawner_load(struct spawner *s, const char *image, const char *gazetteers,
    const char *rules, char ruleset[24], char *err, size_t errlen)
{
	if (spawner_load_begin(s, image, gazetteers, rules, err, errlen) == -1)
		return -1;
	return spawner_load_end(s, ruleset, err, errlen);
}

pid_t spawner_spawn(struct spawner *s, const struct worker_args *a, char *err,
    size_t errlen)
{
	struct spawn_req r;
	/* padding too: it is sent */
	memset(&r, 0, sizeof r);
	r.op = 'S';
	r.generation = a->generation;
	r.index = a->index;
	r.nested = a->nested;
	r.master_pid = a->master_pid;
	r.max_message_bytes = a->max_message_bytes;
	struct spawn_rep rep;
	if (request(s, &r, sizeof r, a->fd, err, errlen) == -1)
		return -1;
	ssize_t got = reply(s, &rep, sizeof rep, SPAWN_TIMEOUT_MS, err, errlen);
	if (got == -1)
		return -1;
	if (got != (ssize_t)sizeof rep || rep.op != 's') {
		snprintf(err, errlen, "the spawner answered nonsense");
		return -1;
	}
	if (rep.pid <= 0) {
		snprintf(err, errlen, "fork: %s", strerror(rep.err));
		return -1;
	}
	return (pid_t)rep.pid;
}

void spawner_stop(struct spawner *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	if (s->pid <= 0)
		return;
	/* it exits on reading the end of the pair; a second at most */
	for (int i = 0; i < 100; i++) {
		if (waitpid(s->pid, NULL, WNOHANG) != 0) {
			s->pid = 0;
			return;
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* ---- the spawner process -------------------------------------------- */

/* A reply that failed with err (its padding zeroed: it is sent). */
static struct spawn_rep failed(int err)
{
	struct spawn_rep rep;
	memset(&rep, 0, sizeof rep);
	rep.op = 's';
	rep.pid = -1;
	rep.err = err;
	return rep;
}

/* The worker's fork: through a child that exits at once (spawner.h). */
static struct spawn_rep fork_worker(const struct engine *e,
    const struct spawn_req *r, int fd)
{
	struct spawn_rep rep = failed(0);
	struct { int32_t pid, err; } x = {-1, 0};
	int p[2];
	if (pipe2(p, O_CLOEXEC) == -1) {
		rep.err = errno;
		return rep;
	}
	fflush(stderr);
	pid_t mid = fork();
	if (mid == -1) {
		rep.err = errno;
		close(p[0]);
		close(p[1]);
		return rep;
	}
	if (mid == 0) {
		close(p[0]);
		pid_t w = fork();
		if (w == 0) {
			close(p[1]);
			struct worker_args a = {
				.engine = e,
				.fd = fd,
				.master_pid = r->master_pid,
				.index = r->index,
				.generation = r->generation,
				.max_message_bytes = (size_t)r->max_message_bytes,
				.nested = r->nested,
			};
			worker_main(&a);
		}
		x.pid = (int32_t)w;
		x.err = w == -1 ? errno : 0;
		ssize_t ignored = write(p[1], &x, sizeof x);
		(void)ignored;
		_exit(0);
	}
	close(p[1]);
	ssize_t n;
	while ((n = read(p[0], &x, sizeof x)) == -1 && errno == EINTR)
		;
	close(p[0]);
	while (waitpid(mid, NULL, 0) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof x) {
		rep.err = EIO;
		return rep;
	}
	rep.pid = x.pid;
	rep.err = x.err;
	return rep;
}

/* Load an engine as "L" asks; the answer goes into rep. Returns its length. */
static size_t load(struct engine **cur, const char *req, size_t len,
    char *rep, size_t replen)
{
	const char *image = req + 1, *end = req + len;
	const char *gaz = memchr(image, '\0', (size_t)(end - image));
	const char *rules = gaz ? memchr(gaz + 1, '\0', (size_t)(end - gaz - 1))
	    : NULL;
	if (!rules || !memchr(rules + 1, '\0', (size_t)(end - rules - 1))) {
		rep[0] = 'l';
		rep[1] = 1;
		return 2 + (size_t)snprintf(rep + 2, replen - 2,
		    "malformed load request");
	}
	gaz++;
	rules++;
	char err[900];
	struct engine *e = *image ? engine_open(image, err, sizeof err) :
	    engine_build(gaz, rules, err, sizeof err);
	rep[0] = 'l';
	if (!e) {
		rep[1] = 1;
		return 2 + (size_t)snprintf(rep + 2, replen - 2, "%s", err);
	}
	engine_close(cur);       /* forked workers keep their own copy */
	*cur = e;
	rep[1] = 0;
	return 2 + (size_t)snprintf(rep + 2, replen - 2, "%s",
	    engine_ruleset(e));
}

/*
 * Read one request into req (at most REQ_MAX bytes). A descriptor that
 * came with it goes to *fd (-1: none); any more are closed (those that
 * did not fit, the kernel closed). Returns the request's length, 0 when
 * the master has gone, -1 on error.
 */
static ssize_t next_request(char *req, int *fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} c;
	struct iovec iov = {req, REQ_MAX};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = c.b, .msg_controllen = sizeof c.b};
	ssize_t n;
	*fd = -1;
	while ((n = recvmsg(SPAWNER_FD, &mh, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	for (struct cmsghdr *ch = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; ch;
	    ch = CMSG_NXTHDR(&mh, ch)) {
		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int x;
			memcpy(&x, CMSG_DATA(ch) + i * sizeof x, sizeof x);
			if (*fd == -1)
				*fd = x;
			else
				close(x);
		}
	}
	if (n > 0 && (mh.msg_flags & MSG_CTRUNC))
		log_warnx("a request's descriptors were cut short");
	return n;
}

int cmd_spawner(int argc, char **argv)
{
	static char req[REQ_MAX + 1];
	char rep[1024];
	struct engine *engine = NULL;
	struct sigaction sa = {.sa_handler = SIG_IGN};

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: nerd spawner MASTER_PID [-v] (started "
		    "by nerd serve, not by hand)\n");
		return 2;
	}
	pid_t master = (pid_t)atoi(argv[1]);
	log_init("nerd spawner", argc == 3 && !strcmp(argv[2], "-v"));
	/* It dies with the master, and only then: the master tells it to go
	 * (by closing the pair), not a ^C or a group-wide SIGTERM. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != master || fcntl(SPAWNER_FD, F_GETFD) == -1) {
		log_warnx("not started by the master (pid %d)", (int)master);
		return 1;
	}
	fcntl(SPAWNER_FD, F_SETFD, FD_CLOEXEC);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	prctl(PR_SET_NAME, "nerd-spawner");

	for (;;) {
		int fd;
		ssize_t n = next_request(req, &fd);
		if (n <= 0)
			break;           /* the master closed its end */
		size_t out;
		if (req[0] == 'L') {
			out = load(&engine, req, (size_t)n, rep, sizeof rep);
		} else if (req[0] == 'S' &&
		    n == (ssize_t)sizeof(struct spawn_req) && engine &&
		    fd != -1) {
			struct spawn_req r;
			memcpy(&r, req, sizeof r);
			struct spawn_rep sr = fork_worker(engine, &r, fd);
			memcpy(rep, &sr, sizeof sr);
			out = sizeof sr;
		} else {
			struct spawn_rep sr = failed(EINVAL);
			log_warnx("bad request from the master (%zd bytes)", n);
			memcpy(rep, &sr, sizeof sr);
			out = sizeof sr;
		}
		/* The worker has its copy; one left here would keep the
		 * worker's end open after it died, and the master would never
		 * read the end of its stream. */
		if (fd != -1)
			close(fd);
		if (send(SPAWNER_FD, rep, out, MSG_NOSIGNAL) == -1) {
			log_warn("send");
			break;
		}
	}
	engine_close(&engine);
	return 0;
}
