/*
 * worker.c - the forked worker: article frames in, annotation out.
 *
 * The spawner forks it (spawner.h), and it owns nothing the spawner made
 * except the engine, which it reads (copy-on-write pages shared with the
 * spawner and its siblings), and its end of the socketpair that the
 * master made for it (worker.h). It needs no ZeroMQ context.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "engine.h"
#include "jsonw.h"
#include "log.h"
#include "stats.h"
#include "worker.h"

/* A read buffer or an output past this is given back after its article. */
#define KEEP_BYTES (8u << 20)

/*
 * Close what the spawner left open: its end of the master's pair above
 * all, which must not outlive the spawner. Regular files stay: the engine
 * may have mapped its image from one. keep: our own end of the
 * socketpair.
 */
static void close_inherited(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int fds[1024], n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		int fd = atoi(e->d_name);
		struct stat st;
		if (fd < 3 || fd == dirfd(d) || fd == keep)
			continue;
		if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void reset_signals(void)
{
	sigset_t all;
	struct sigaction sa = {.sa_handler = SIG_IGN};

	/* The master decides when a worker stops (it drains first): a
	 * terminal's ^C or a group-wide SIGTERM must not cut an article. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* The id as JSON text ("null" when there is none), written as the
 * engine writes it in the annotation. */
static void id_json(struct buf *b, const char *id)
{
	buf_reset(b);
	if (id)
		jsonw_cstr(b, id);
	else
		buf_adds(b, "null");
	buf_cstr(b);
}

/* Locate the "seq" number and the "lang" value in the annotation. */
static void locate(const char *ann, size_t len, struct worker_result *r)
{
	size_t lim = len < 4096 ? len : 4096;
	const char *p = memmem(ann, lim, "\"seq\":", 6);
	if (p) {
		p += 6;
		while (p < ann + lim && *p == ' ')
			p++;
		const char *q = p;
		while (q < ann + lim && *q >= '0' && *q <= '9')
			q++;
		if (q > p) {
			r->seq_off = (uint32_t)(p - ann);
			r->seq_len = (uint32_t)(q - p);
		}
	}
	/* The key comes before "meta" (whose values could hold anything),
	 * and a quote inside a string is escaped, so the first hit is it. */
	p = memmem(ann, lim, "\"lang\":", 7);
	if (p) {
		p += 7;
		while (p < ann + lim && *p == ' ')
			p++;
		if (p < ann + lim && *p == '"') {
			size_t i = 0;
			p++;
			while (p + i < ann + lim && p[i] != '"' &&
			    i < sizeof r->lang - 1)
				i++;
			memcpy(r->lang, p, i);
			r->lang[i] = '\0';
		}
	}
}

/* Write all of iov[0..n) to the blocking socket fd. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Send one message in one system call, its parts written from where
 * they are. */
static int send_msg(int fd, char type, uint64_t job, unsigned nparts,
    const void *const *parts, const size_t *lens)
{
	struct wire_hdr h = {.type = (unsigned char)type, .nparts = nparts,
	    .job = job};
	struct iovec iov[1 + WIRE_MAX_PARTS];
	iov[0] = (struct iovec){&h, sizeof h};
	for (unsigned i = 0; i < nparts; i++) {
		h.len[i] = lens[i];
		iov[1 + i] = (struct iovec){(void *)parts[i], lens[i]};
	}
	return write_all(fd, iov, 1 + (int)nparts);
}

static int send_error(int fd, uint64_t job, const char *kind,
    const struct buf *ij, const char *msg)
{
	const void *parts[3] = {kind, ij->data, msg};
	size_t lens[3] = {strlen(kind), ij->len, strlen(msg)};
	return send_msg(fd, 'E', job, 3, parts, lens);
}

void worker_main(const struct worker_args *a)
{
	char name[32], err[256];
	struct buf out = {0}, in = {0}, ij = {0};
	size_t off = 0;
	struct article art = {0};
	struct scratch *scratch = NULL;
	int status = 1, fd = a->fd;

	/* Forked by the spawner's short-lived child (spawner.h): wait to be
	 * the master's, and only then ask to die with it; asked sooner, the
	 * death of that child would kill this worker. */
	for (int i = 0; getppid() != a->master_pid; i++) {
		if (i == 2000)
			_exit(1);        /* never the master's: it is gone */
		usleep(1000);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->master_pid)
		_exit(1);            /* the master died before prctl() */
	reset_signals();
	close_inherited(fd);
	snprintf(name, sizeof name, "worker %d.%u", a->index, a->generation);
	log_setname(name);
	/* in ps and top, not the spawner's name it inherited */
	prctl(PR_SET_NAME, "nerd-worker");

	if (!(scratch = scratch_new())) {
		log_warnx("cannot allocate scratch");
		goto done;
	}
	if (send_msg(fd, 'H', 0, 0, NULL, NULL) == -1)
		goto fail_io;
	log_debug("ready, pid %d", (int)getpid());

	buf_reserve(&in, 65536);
	for (;;) {
		struct wire_hdr h;
		const char *part[WIRE_MAX_PARTS];
		size_t need;
		long long sz = wire_next(in.data + off, in.len - off, &h, part,
		    &need);
		if (sz == -1) {
			log_warnx("malformed message from the master");
			goto done;
		}
		if (sz == 0) {
			/* Read what is there: several articles in one call
			 * when the master is ahead. */
			if (off) {
				memmove(in.data, in.data + off, in.len - off);
				in.len -= off;
				off = 0;
			}
			if (in.len == 0 && in.cap > KEEP_BYTES)
				buf_free(&in);
			size_t want = need > in.len ? need - in.len : 0;
			buf_reserve(&in, want > 65536 ? want : 65536);
			ssize_t r = read(fd, in.data + in.len,
			    in.cap - in.len - 1);
			if (r == 0) {
				log_warnx("the master is gone");
				goto done;
			}
			if (r == -1) {
				if (errno == EINTR)
					continue;
				goto fail_io;
			}
			in.len += (size_t)r;
			continue;
		}
		off += (size_t)sz;
		if (h.type == 'Q') {
			status = 0;
			break;
		}
		if (h.type != 'J' || h.nparts < 1 || h.nparts > 2) {
			log_warnx("unexpected message from the master");
			continue;
		}

		enum input_error ie = article_parse(&art, part[0], h.len[0],
		    h.nparts == 2 ? part[1] : NULL, h.nparts == 2 ? h.len[1] : 0,
		    a->max_message_bytes, err, sizeof err);
		id_json(&ij, art.id);
		if (ie != INPUT_OK) {
			article_clear(&art);
			if (send_error(fd, h.job, input_error_name(ie), &ij,
			    err) == -1)
				goto fail_io;
			continue;
		}

		struct annotate_opts opts = {.seq = 0, .worker = a->index,
		    .timing = 1, .nested = a->nested};
		struct annotate_stats ast = {0};
		buf_reset(&out);
		int rc = engine_annotate(a->engine, scratch, &art, &opts, &out,
		    &ast, err, sizeof err);
		article_clear(&art);
		if (rc == -1) {
			if (send_error(fd, h.job, stats_error_name(ERR_ENGINE),
			    &ij, err) == -1)
				goto fail_io;
		} else {
			struct worker_result r;
			memset(&r, 0, sizeof r);    /* padding too: it is sent */
			r.elapsed_us = ast.elapsed_us;
			r.entities = ast.entities;
			locate(out.data, out.len, &r);
			const void *parts[3] = {&r, out.data, ij.data};
			size_t lens[3] = {sizeof r, out.len, ij.len};
			if (send_msg(fd, 'A', h.job, 3, parts, lens) == -1)
				goto fail_io;
		}
		/* after a very large article, give its memory back */
		scratch_trim(scratch);
		if (out.cap > KEEP_BYTES)
			buf_free(&out);
	}
	goto done;
fail_io:
	log_warnx("master socket: %s", strerror(errno));
done:
	article_clear(&art);
	buf_free(&out);
	buf_free(&in);
	buf_free(&ij);
	scratch_destroy(&scratch);
	close(fd);
	_exit(status);
}
