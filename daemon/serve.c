/*
 * serve.c - `nerd serve`: the master. It binds the sockets, has the
 * spawner (spawner.h) fork the workers and supervises them, moves articles from the ingest sockets to them
 * and their annotations to the output, and answers the control socket.
 * It never reads article text: it checks sizes and forwards frames.
 *
 * Signals are blocked and read from a signalfd that the poll watches (see
 * setup_signals); the loop does the work: SIGCHLD reaps and replaces,
 * SIGHUP reloads, SIGTERM and SIGINT drain and exit.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "commands.h"
#include "config.h"
#include "curve.h"
#include "dispatch.h"
#include "log.h"
#include "publish.h"
#include "sockmon.h"
#include "spawner.h"
#include "stats.h"
#include "worker.h"
#include "zap.h"
#include "zretry.h"

/* Stop reading input while this many articles wait for a worker or this
 * many messages wait for the output: ZeroMQ's queues then push back. */
#define MAX_QUEUED 1024
#define MAX_OUTBOX 10000
/* Messages taken from one socket per loop turn, so none starves. */
#define BATCH 256
/*
 * Under load the master takes the workers' results in batches (issue 7):
 * woken for every result, it spent about 55 us of CPU per article (most
 * of it in the kernel: a sleep and a wakeup of its thread, then of
 * ZeroMQ's I/O thread, per article), on the two cores the workers need,
 * and preempted the worker thousands of times a second. While every
 * worker has jobs queued behind the one in work, it sleeps half the time
 * they could last (dispatch_slack), then takes all that came. Not below
 * the minimum, where the sleep saves no wakeup; not above the maximum,
 * which bounds what it adds to an article's latency under load (one at a
 * time, articles never wait: a worker holding one job has no slack).
 */
#define COALESCE_MIN_S 100e-6
#define COALESCE_MAX_S 1e-3
/* Sockets watched through monitor events: ingest, acked, output, control. */
#define MAX_MONITORS 4
/* A control command is a word; nothing longer is read. */
#define CONTROL_MAX_MSG 4096
/*
 * PUB output drops what no subscriber is there to take, and after a
 * restart the subscribers are still reconnecting (ZeroMQ retries every
 * 100 ms plus up to 100 ms more by default) while producers, whose
 * messages waited in their queues, deliver at once: measured by
 * tests/fault_injection.py, a restarted master published a few hundred
 * acknowledged articles to nobody. So input is not read until the first
 * subscription has arrived and SUB_SETTLE_S more have passed (for the
 * other subscribers), or SUB_GRACE_S after the sockets were bound if
 * nobody subscribes.
 */
#define SUB_SETTLE_S 0.3
#define SUB_GRACE_S 1.0
/* Messages ZeroMQ may hold for a PUSH consumer (see open_sockets): 1
 * measured no slower than 100,000 (over 10,000 annotations a second). */
#define OUTPUT_PUSH_HWM 1

static volatile sig_atomic_t got_hup, got_term, got_chld;

/* A `ctl reload` waiting for its answer: the requester's routing frames
 * (identity, REQ's empty delimiter), answered when load `seq` ends. */
#define MAX_RELOAD_WAITERS 16
struct reload_waiter {
	zmq_msg_t route[2];
	int nroute;
	unsigned seq;
};

/*
 * A reload under way. The spawner builds the new engine while the master
 * goes on serving with the old generation: the master only sent the
 * request, and reads the answer when the spawner's pair is readable.
 * A reload asked for meanwhile (SIGHUP, ctl) runs once this one ends, so
 * that it sees the files as they are then; several such asks are one.
 */
struct loading {
	int active, again;
	int restart;               /* the load is a restarted spawner's first
				    * (restart_spawner), not a reload */
	int timed_out;             /* the spawner was killed for taking too long */
	unsigned seq;              /* loads begun so far */
	int fresh;                 /* the spawner was started for it */
	double t0;
	char kerr[512];            /* curve_allowed failed to reload */
	struct reload_waiter waiters[MAX_RELOAD_WAITERS];
	int nwaiters;
};

struct master {
	struct config cfg;
	void *ctx;
	void *ingest, *acked, *control;
	struct publisher pub;
	struct dispatch disp;
	struct stats stats;
	struct spawner spawner;    /* holds the engine, forks the workers */
	char ruleset[24];          /* the serving engine's (image.h) */
	struct loading load;       /* a reload under way (see reload_begin) */
	double next_fill;          /* see fill_workers */
	int spawner_quiet;         /* failed spawner starts since it last ran:
				    * one warning per outage, not per second */
	int verbose;
	int curve;                 /* [security] curve_server_secret is set */
	uint8_t server_secret[CURVE_KEY_BYTES];   /* wiped once applied */
	struct zap zap;
	struct sockmon mon[MAX_MONITORS];
	int nmon;
	unsigned generation;
	zmq_pollitem_t *items;     /* the poll set, grown with the slots */
	int nitems;
	int sigfd;                 /* signalfd of the blocked signals */
	int stopping;
	int ready_sent;
	double next_stats;
	double next_watchdog;
	int input_open;            /* see SUB_GRACE_S */
	double bound_at, first_sub;
	uint64_t watchdog_usec;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

/* A backstop only: the signals are blocked in every thread (see below). */
static void on_signal(int sig)
{
	note_signal(sig);
}

/*
 * SIGHUP, SIGTERM, SIGINT and SIGCHLD are blocked and read from a
 * signalfd in the poll, so that no handler ever runs in this thread. A
 * handler runs wherever the thread happens to be, and inside a ZeroMQ
 * call it makes the call fail with EINTR, even a non-blocking one
 * (zretry.h). With handlers, a dead worker's SIGCHLD or a SIGHUP landing
 * in a send cost an annotation, acknowledged but never published
 * (publish.c took the failed send for a sent one), or a live worker, taken
 * for gone (dispatch.c), given no more work, and after a reload never told
 * to quit: the two failures that CI saw once each on a loaded 2-core
 * machine (fault_injection_quick, daemon_reload), and that the daemon
 * test signal_storm provokes in seconds. ZeroMQ's I/O threads block every
 * signal themselves; this runs before the context exists, so they would
 * inherit the mask anyway. Workers unblock them (worker.c).
 */
static int setup_signals(struct master *m)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_warn("signalfd");
		return -1;
	}
	/* Handlers too: should one of these ever reach a thread that does
	 * not block it, it sets a flag (seen within the poll's 100 ms)
	 * instead of killing the daemon. */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags |= SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* Have the spawner load the configured engine; its ruleset into rs. */
static int load_engine(struct master *m, char rs[24], char *err, size_t errlen)
{
	return spawner_load(&m->spawner, m->cfg.image, m->cfg.gazetteers,
	    m->cfg.rules, rs, err, errlen);
}

static int spawn(struct master *m, int index)
{
	char err[512];
	if (m->load.active) {
		/* the spawner is building, and answers in order: the worker
		 * starts once the load ends (start_generation, fill_workers) */
		log_debug("worker %d: start deferred until the reload ends",
		    index);
		return -1;
	}
	struct wslot *w = dispatch_free_slot(&m->disp);
	if (!w) {
		log_warnx("out of memory for worker %d", index);
		return -1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair for worker %d", index);
		return -1;
	}
	struct worker_args a = {
		.fd = sv[1],
		.master_pid = (int)getpid(),
		.index = index,
		.generation = m->generation,
		.max_message_bytes = m->cfg.max_message_bytes,
		.nested = m->cfg.nested,
	};
	pid_t pid = spawner_spawn(&m->spawner, &a, err, sizeof err);
	/* The spawner (and through it the worker) has its own copy of the
	 * worker's end now; the master keeps only its own. */
	close(sv[1]);
	if (pid == -1) {
		log_warnx("worker %d.%u not started: %s", index, m->generation,
		    err);
		close(sv[0]);
		return -1;
	}
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	memset(w, 0, sizeof *w);
	w->pid = pid;
	w->fd = sv[0];
	w->index = index;
	w->generation = m->generation;
	w->started = now_s();
	log_debug("worker %d.%u started, pid %d", index, m->generation,
	    (int)pid);
	return 0;
}

/* Tell w to finish and exit: "Q" goes to w's output buffer, which is
 * written out whole (dispatch_flush) unless w is gone, and then reap()
 * sees that. */
static void send_quit(struct wslot *w)
{
	if (w->quit_sent || !w->ready)
		return;
	dispatch_send(w, 'Q', 0, 0, NULL, NULL);
	w->quit_sent = 1;
}

/* What the signalfd holds, as the flags the loop acts on. */
static void take_signals(struct master *m)
{
	struct signalfd_siginfo si;
	while (read(m->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		note_signal((int)si.ssi_signo);
}

/* The id of a job, read from its envelope: only on the error paths. */
static char *job_id_json(const struct job *j, size_t limit)
{
	if (j->nframes == 0 || zmq_msg_size((zmq_msg_t *)&j->frames[0]) > limit)
		return NULL;
	json_t *o = json_loadb(zmq_msg_data((zmq_msg_t *)&j->frames[0]),
	    zmq_msg_size((zmq_msg_t *)&j->frames[0]), 0, NULL);
	json_t *id = json_object_get(o, "id");
	char *s = NULL;
	if (json_is_string(id) || json_is_integer(id))
		s = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(o);
	return s;
}

static void refuse(struct master *m, struct job *j, int kind,
    const char *id_json, const char *msg)
{
	m->stats.errors[kind]++;
	publish_error(&m->pub, id_json, stats_error_name(kind), msg, &j->ack);
	job_free(j);
}

static void start_generation(struct master *m, const char *ruleset);
static void reload_failed(struct master *m, const char *err);
static void answer_waiters(struct master *m, unsigned seq, const char *err);

/* Start a spawner when none runs (it died, or the last start failed);
 * it holds no engine yet. 0 when one runs. */
static int spawner_up(struct master *m, int *fresh, char *err, size_t errlen)
{
	*fresh = m->spawner.fd == -1;
	if (!*fresh)
		return 0;
	return spawner_start(&m->spawner, m->verbose, err, errlen);
}

/* A spawner could not start, or could not load: none runs, and no worker
 * can start until fill_workers tries again, a second later. */
static void restart_failed(struct master *m, const char *err)
{
	if (!m->spawner_quiet++)
		log_warnx("no spawner: %s; no worker can start until one does "
		    "(trying again every second)", err);
	spawner_stop(&m->spawner);
	m->next_fill = now_s() + 1.0;
}

/*
 * Start a spawner when none runs, and have it load the engine. The master
 * serves on with the workers it has while the engine builds (a load like
 * a reload's: check_load bounds it, reloads asked for meanwhile follow
 * it), and restart_end takes the answer. Returns 0 when a spawner is
 * ready.
 */
static int restart_spawner(struct master *m)
{
	char err[1024];
	int fresh;
	if (m->spawner.fd != -1)
		return 0;
	if (spawner_up(m, &fresh, err, sizeof err) == -1 ||
	    spawner_load_begin(&m->spawner, m->cfg.image, m->cfg.gazetteers,
	    m->cfg.rules, err, sizeof err) == -1) {
		restart_failed(m, err);
		return -1;
	}
	struct loading *l = &m->load;
	l->active = l->restart = l->fresh = 1;
	l->timed_out = 0;
	l->t0 = now_s();
	return -1; /* workers start once it has loaded */
}

/*
 * The restarted spawner's answer. Its engine was built from the files as
 * they are now: should they have changed since the serving generation was
 * loaded, its workers would not be that generation's, so a new one
 * starts, as after a reload.
 */
static void restart_end(struct master *m)
{
	struct loading *l = &m->load;
	char err[1024], rs[24];
	l->active = l->restart = 0;
	m->next_fill = 0;    /* the missing workers, now */
	if (spawner_load_end(&m->spawner, rs, err, sizeof err) == -1) {
		if (l->timed_out)
			snprintf(err, sizeof err, "the build took longer than "
			    "reload_timeout_s (%u s): abandoned",
			    m->cfg.reload_timeout_s);
		restart_failed(m, err);
		return;
	}
	m->spawner_quiet = 0;
	log_info("spawner restarted, pid %d: engine built in %.0f ms, "
	    "ruleset %s", (int)m->spawner.pid, (now_s() - l->t0) * 1000, rs);
	if (strcmp(rs, m->ruleset) && !m->stopping) {
		log_warnx("the engine's files changed since generation %u was "
		    "loaded (ruleset %s, now %s): starting generation %u",
		    m->generation, m->ruleset, rs, m->generation + 1);
		start_generation(m, rs);
	}
}

/*
 * Once a second: every worker of the serving generation that is missing
 * (its start failed, or the spawner was down when it died) is started.
 */
static void fill_workers(struct master *m, double now)
{
	if (m->stopping || m->load.active || now < m->next_fill)
		return;
	m->next_fill = now + 1.0;
	if (restart_spawner(m) == -1)
		return;
	for (int i = 1; i <= m->cfg.workers; i++) {
		int found = 0;
		for (int k = 0; k < m->disp.nslots && !found; k++)
			found = m->disp.slots[k].pid &&
			    m->disp.slots[k].index == i &&
			    m->disp.slots[k].generation == m->generation;
		if (!found)
			spawn(m, i);
	}
}

/* The spawner is gone: its fd is closed, a new one starts at once. */
static void spawner_died(struct master *m, int st)
{
	m->stats.spawner_restarts++;
	if (WIFSIGNALED(st))
		log_warnx("the spawner (pid %d) was killed by signal %d",
		    (int)m->spawner.pid, WTERMSIG(st));
	else
		log_warnx("the spawner (pid %d) exited with status %d",
		    (int)m->spawner.pid, WEXITSTATUS(st));
	if (m->spawner.fd != -1)
		close(m->spawner.fd);
	m->spawner.fd = -1;
	m->spawner.pid = 0;
	if (m->load.active) {
		char why[160];
		if (m->load.timed_out)
			snprintf(why, sizeof why, "the build took longer than "
			    "reload_timeout_s (%u s): abandoned",
			    m->cfg.reload_timeout_s);
		else
			snprintf(why, sizeof why, "the spawner died building "
			    "the engine");
		int restart = m->load.restart;
		m->load.active = m->load.timed_out = m->load.restart = 0;
		if (restart)
			restart_failed(m, why);
		else
			reload_failed(m, why);
		/* restart_spawner loads the files anew, and a generation
		 * follows if they changed: no reload is left to follow */
		m->load.again = 0;
		answer_waiters(m, UINT_MAX, why);
	}
	if (!m->stopping && !m->spawner_quiet)
		m->next_fill = 0;    /* fill_workers restarts it now */
}

static void take_results(struct master *m, struct wslot *w);

static void reap(struct master *m)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == m->spawner.pid) {
			spawner_died(m, st);
			continue;
		}
		struct wslot *w = dispatch_by_pid(&m->disp, pid);
		if (!w)
			continue;
		int index = w->index, expected = w->quit_sent;
		unsigned gen = w->generation;
		if (!expected) {
			m->stats.worker_deaths++;
			if (WIFSIGNALED(st))
				log_warnx("worker %d.%u (pid %d) killed by "
				    "signal %d%s", index, gen, (int)pid,
				    WTERMSIG(st), w->killed == 1 ?
				    " past its deadline" : w->killed == 2 ?
				    " before its hello" : "");
			else
				log_warnx("worker %d.%u (pid %d) exited with "
				    "status %d", index, gen, (int)pid,
				    WEXITSTATUS(st));
		} else
			log_debug("worker %d.%u (pid %d) retired", index, gen,
			    (int)pid);
		/* What it answered before it went is as good as any. */
		take_results(m, w);
		unsigned retried = 0;
		struct job *poison = dispatch_worker_gone(&m->disp, w, &retried);
		m->stats.retries += retried;
		if (poison) {
			char *id = job_id_json(poison, m->cfg.max_message_bytes);
			log_warnx("article %s killed %d workers: dropped as "
			    "poison", id ? id : "(no id)", POISON_DEATHS);
			char msg[128];
			snprintf(msg, sizeof msg, "the article killed %d "
			    "workers; dropped", POISON_DEATHS);
			refuse(m, poison, ERR_POISON, id, msg);
			free(id);
		}
		if (!expected && gen == m->generation && !m->stopping)
			spawn(m, index);
	}
}

/* Has w held its article in work, or its silence since its start,
 * for longer than allowed? */
static int overdue(const struct wslot *w, double now, double dl)
{
	if (!w->pid || w->killed)
		return 0;
	return (w->nheld && now - w->head_started > dl) ||
	    (!w->greeted && now - w->started >= HELLO_DEADLINE_S);
}

/*
 * Kill the workers whose article in work is past the deadline, and those
 * still silent HELLO_DEADLINE_S after their start. An answer or a hello
 * may be waiting unread in the socket (the loop checks deadlines before
 * it reads, and may itself have been held up by a spawner's restart, a
 * fork or a starved CPU): each overdue worker's socket is read first, and only one
 * still overdue is killed, not one that met its deadline and would have
 * its articles done twice.
 */
static void check_deadlines(struct master *m, double now)
{
	struct wslot *w;
	double dl = m->cfg.deadline_ms / 1000.0;
	int late = 0;
	for (int i = 0; i < m->disp.nslots; i++)
		if (overdue(w = &m->disp.slots[i], now, dl)) {
			take_results(m, w);
			late = 1;
		}
	if (!late)
		return;
	now = now_s();
	while ((w = dispatch_overdue(&m->disp, now, dl))) {
		log_warnx("worker %d.%u (pid %d) passed its deadline of %u ms; "
		    "killing it", w->index, w->generation, (int)w->pid,
		    m->cfg.deadline_ms);
		kill(w->pid, SIGKILL);
		w->killed = 1;
		m->stats.deadline_kills++;
	}
	/* A worker still silent long after its start is stuck starting (or
	 * stopped): nothing it was sent gets done. Kill it; reap() replaces
	 * it like any worker that died, and an old generation's is not left
	 * behind unretired. */
	for (int i = 0; i < m->disp.nslots; i++) {
		w = &m->disp.slots[i];
		if (!w->pid || w->greeted || w->killed ||
		    now - w->started < HELLO_DEADLINE_S)
			continue;
		log_warnx("worker %d.%u (pid %d) has not said hello %d s after "
		    "it started; killing it", w->index, w->generation,
		    (int)w->pid, HELLO_DEADLINE_S);
		kill(w->pid, SIGKILL);
		w->killed = 2;
		m->stats.hello_kills++;
	}
}

/*
 * The spawner's engine (ruleset) serves from now on: a new generation of
 * workers starts, and the old one retires (each old worker finishes what
 * it holds, then is told to quit; it keeps its copy of the old engine).
 */
static void start_generation(struct master *m, const char *ruleset)
{
	snprintf(m->ruleset, sizeof m->ruleset, "%s", ruleset);
	m->generation++;
	for (int i = 0; i < m->disp.nslots; i++) {
		struct wslot *w = &m->disp.slots[i];
		if (!w->pid)
			continue;
		w->retiring = 1;
		if (w->nheld == 0)
			send_quit(w);
	}
	for (int i = 1; i <= m->cfg.workers; i++)
		spawn(m, i);
}

/* Answer the `ctl reload` requests waiting for a load up to seq: with
 * the serving generation, or err. */
static void answer_waiters(struct master *m, unsigned seq, const char *err)
{
	struct loading *l = &m->load;
	int k = 0;
	for (int i = 0; i < l->nwaiters; i++) {
		struct reload_waiter *w = &l->waiters[i];
		if (w->seq > seq) {    /* kept: moved down to k */
			struct reload_waiter *to = &l->waiters[k++];
			if (to != w) {
				for (int f = 0; f < w->nroute; f++) {
					zmq_msg_init(&to->route[f]);
					zmq_msg_move(&to->route[f], &w->route[f]);
					zmq_msg_close(&w->route[f]);
				}
				to->nroute = w->nroute;
				to->seq = w->seq;
			}
			continue;
		}
		json_t *r = err ? json_pack("{s:s, s:s}", "status", "error",
		    "message", err) : json_pack("{s:s, s:i, s:s}", "status",
		    "ok", "generation", (int)m->generation, "ruleset",
		    m->ruleset);
		char *txt = json_dumps(r, JSON_COMPACT);
		json_decref(r);
		for (int f = 0; f < w->nroute; f++)
			zr_msg_send(&w->route[f], m->control,
			    ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zr_send(m->control, txt ? txt : "{}", txt ? strlen(txt) : 2,
		    ZMQ_DONTWAIT);
		free(txt);
		for (int f = 0; f < w->nroute; f++)
			zmq_msg_close(&w->route[f]);
	}
	l->nwaiters = k;
}

static void reload_failed(struct master *m, const char *err)
{
	m->stats.reload_failures++;
	log_warnx("reload failed, still serving generation %u: %s",
	    m->generation, err);
	sd_notifyf(0, "READY=1\nSTATUS=reload failed, serving "
	    "generation %u", m->generation);
	answer_waiters(m, m->load.seq, err);
}

/*
 * Have the spawner build the new engine beside the old; reload_end starts
 * a new generation on it if it loads, and retires the old one (each old
 * worker finishes what it holds first). Meanwhile the master serves on.
 */
static void reload_begin(struct master *m)
{
	struct loading *l = &m->load;
	if (l->active) {
		l->again = 1;
		log_info("reload asked for while one is under way: it follows");
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading",
	    (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
	log_info("reloading %s", *m->cfg.image ? m->cfg.image :
	    m->cfg.gazetteers);
	l->seq++;
	/* The allowed client keys first: new ones take effect for the next
	 * handshake (connected clients stay); a bad file keeps the old set. */
	l->kerr[0] = '\0';
	if (m->curve) {
		if (zap_reload(&m->zap, l->kerr, sizeof l->kerr) == -1)
			log_warnx("curve_allowed not reloaded, still %zu keys: "
			    "%s", m->zap.allowed.n, l->kerr);
		else
			log_info("curve_allowed: %zu client keys",
			    m->zap.allowed.n);
	}
	/* A spawner that was down starts here and loads once: through
	 * restart_spawner() it would load, start a generation for the
	 * changed files, and this reload would start another. */
	char err[512];
	if (spawner_up(m, &l->fresh, err, sizeof err) == -1 ||
	    spawner_load_begin(&m->spawner, m->cfg.image, m->cfg.gazetteers,
	    m->cfg.rules, err, sizeof err) == -1) {
		if (l->fresh)
			spawner_stop(&m->spawner); /* it holds no engine */
		reload_failed(m, err);
		return;
	}
	l->active = 1;
	l->timed_out = 0;
	l->t0 = now_s();
}

/*
 * A build past reload_timeout_s is abandoned: the spawner is killed, and
 * spawner_died fails the reload; the old workers serve on, and those that
 * died meanwhile start again from the spawner that replaces it. Without
 * this, a hung build would hold off every worker's replacement for ever,
 * while the loop goes on telling systemd's watchdog that all is well.
 */
static void check_load(struct master *m, double now)
{
	struct loading *l = &m->load;
	if (!l->active || l->timed_out ||
	    now - l->t0 < (double)m->cfg.reload_timeout_s)
		return;
	log_warnx("the spawner (pid %d) has been building the engine for "
	    "%u s (reload_timeout_s): killing it", (int)m->spawner.pid,
	    m->cfg.reload_timeout_s);
	l->timed_out = 1;
	kill(m->spawner.pid, SIGKILL);
}

/* The spawner's answer to a reload. */
static void reload_end(struct master *m)
{
	struct loading *l = &m->load;
	char err[1024], rs[24];
	l->active = 0;
	m->next_fill = 0;    /* workers whose start waited, now */
	if (spawner_load_end(&m->spawner, rs, err, sizeof err) == -1) {
		if (l->fresh)
			spawner_stop(&m->spawner);
		if (l->timed_out) /* check_load killed it: say so */
			snprintf(err, sizeof err, "the build took longer than "
			    "reload_timeout_s (%u s): abandoned",
			    m->cfg.reload_timeout_s);
		reload_failed(m, err);
	} else if (m->stopping) {
		/* draining: no new generation to start only to stop it */
		log_info("reload done while stopping: generation %u stays",
		    m->generation);
		answer_waiters(m, UINT_MAX, "the daemon is stopping");
	} else {
		start_generation(m, rs);
		m->stats.reloads++;
		log_info("reloaded in %.0f ms: generation %u, ruleset %s",
		    (now_s() - l->t0) * 1000, m->generation, m->ruleset);
		sd_notifyf(0, "READY=1\nSTATUS=serving generation %u, "
		    "ruleset %.12s", m->generation, m->ruleset);
		if (*l->kerr) {
			m->stats.reload_failures++;
			snprintf(err, sizeof err, "engine reloaded, but "
			    "curve_allowed was not: %s", l->kerr);
			answer_waiters(m, l->seq, err);
		} else
			answer_waiters(m, l->seq, NULL);
	}
}

/* The spawner's pair is readable (or closed) during a load: its answer;
 * then the reload asked for meanwhile, if one was. */
static void load_end(struct master *m)
{
	struct loading *l = &m->load;
	if (l->restart)
		restart_end(m);
	else
		reload_end(m);
	if (l->again && !m->stopping) {
		l->again = 0;
		reload_begin(m);
	}
}

/* Read one message from the plain or acked ingest socket. */
static int take_input(struct master *m, void *sock, int acked)
{
	struct job *j = job_new();
	size_t total = 0;
	int nframes = 0, first = 1, more = 1;

	while (more) {
		zmq_msg_t f;
		zmq_msg_init(&f);
		if (zmq_msg_recv(&f, sock, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&f);
			if (first) {
				job_free(j);
				return -1;     /* EAGAIN: nothing there */
			}
			continue;          /* the rest of a multipart is atomic */
		}
		more = zmq_msg_more(&f);
		if (acked && j->ack.n == 0) {
			zmq_msg_init(&j->ack.frames[0]);
			zmq_msg_move(&j->ack.frames[j->ack.n++], &f);
		} else if (acked && j->ack.n == 1 && first && more &&
		    zmq_msg_size(&f) == 0) {
			/* A REQ producer's empty delimiter. */
			zmq_msg_init(&j->ack.frames[1]);
			zmq_msg_move(&j->ack.frames[j->ack.n++], &f);
		} else {
			first = 0;
			nframes++;
			total += zmq_msg_size(&f);
			if (j->nframes < 2) {
				zmq_msg_init(&j->frames[j->nframes]);
				zmq_msg_move(&j->frames[j->nframes++], &f);
			}
		}
		if (acked && j->ack.n == 1)
			first = 0;
		zmq_msg_close(&f);
	}
	m->stats.received++;

	char msg[128];
	if (nframes == 0 || (nframes == 1 && total == 0)) {
		refuse(m, j, INPUT_EMPTY, NULL, "empty message");
		return 0;
	}
	if (nframes > 2) {
		snprintf(msg, sizeof msg, "expected 1 or 2 frames, not %d",
		    nframes);
		refuse(m, j, INPUT_NOT_JSON, NULL, msg);
		return 0;
	}
	if (total > m->cfg.max_message_bytes) {
		snprintf(msg, sizeof msg, "message of %zu bytes is over the "
		    "limit of %zu", total, m->cfg.max_message_bytes);
		/* Only the small envelope of the two-frame form is read. */
		char *id = nframes == 2 ? job_id_json(j, 65536) : NULL;
		refuse(m, j, INPUT_TOO_LARGE, id, msg);
		free(id);
		return 0;
	}
	j->received = now_s();
	dispatch_submit(&m->disp, j);
	return 0;
}

/*
 * A worker's hello: it is ready. The stream cannot lose it, nor anything
 * sent after it, so there is nothing to answer and nothing to say again.
 */
static void take_hello(struct wslot *w)
{
	if (w->greeted) {
		log_warnx("worker %d.%u (pid %d) said hello twice", w->index,
		    w->generation, (int)w->pid);
		return;
	}
	log_debug("worker %d.%u (pid %d) ready after %.0f ms", w->index,
	    w->generation, (int)w->pid, (now_s() - w->started) * 1000);
	w->ready = 1;
	w->greeted = 1;
	if (w->retiring && w->nheld == 0)
		send_quit(w);
}

/* One message from worker w (worker.h); its parts point into w->in. */
static void take_result(struct master *m, struct wslot *w,
    const struct wire_hdr *h, const char *const *part)
{
	double now = now_s();

	if (h->type == 'H') {
		take_hello(w);
		return;
	}
	if ((h->type != 'A' && h->type != 'E') || h->nparts != 3) {
		log_warnx("worker %d: malformed message", w->index);
		return;
	}
	struct job *j = dispatch_done(&m->disp, w, h->job, now);
	if (!j)
		return;               /* answered after a redispatch */

	/* NUL-terminated copies of the short parts. */
	char idj[512], kind[32], text[512];
	size_t il = h->len[h->type == 'A' ? 2 : 1];
	snprintf(idj, sizeof idj, "%.*s", (int)(il < 511 ? il : 0),
	    part[h->type == 'A' ? 2 : 1]);
	if (!*idj)
		snprintf(idj, sizeof idj, "null");

	if (h->type == 'A') {
		struct worker_result r;
		if (h->len[0] != sizeof r) {
			log_warnx("worker %d: malformed result", w->index);
			job_free(j);
			return;
		}
		memcpy(&r, part[0], sizeof r);
		r.lang[sizeof r.lang - 1] = '\0';
		publish_annotation(&m->pub, r.lang, part[1], h->len[1],
		    r.seq_off, r.seq_len, &j->ack, idj);
		m->stats.published++;
		stats_latency(&m->stats, (uint64_t)((now - j->received) * 1e6));
	} else {
		snprintf(kind, sizeof kind, "%.*s", (int)(h->len[0] < 31 ?
		    h->len[0] : 31), part[0]);
		snprintf(text, sizeof text, "%.*s", (int)(h->len[2] < 511 ?
		    h->len[2] : 511), part[2]);
		int k = stats_error_kind(kind);
		m->stats.errors[k < 0 ? ERR_ENGINE : k]++;
		publish_error(&m->pub, idj, kind, text, &j->ack);
	}
	job_free(j);
	if (w->retiring && w->nheld == 0)
		send_quit(w);
}

/* What a slot's read buffer may keep once emptied. */
#define KEEP_BYTES (8u << 20)

/* Take every whole message in w->in, keep the rest. Returns -1 if the
 * stream is malformed, else the size of the next message when known. */
static long long take_buffered(struct master *m, struct wslot *w)
{
	size_t off = 0, need = 0;
	for (;;) {
		struct wire_hdr h;
		const char *part[WIRE_MAX_PARTS];
		long long sz = wire_next(w->in.data + off, w->in.len - off, &h,
		    part, &need);
		if (sz == -1)
			return -1;
		if (sz == 0)
			break;
		take_result(m, w, &h, part);
		off += (size_t)sz;
	}
	if (off) {
		memmove(w->in.data, w->in.data + off, w->in.len - off);
		w->in.len -= off;
	}
	if (w->in.len == 0 && w->in.cap > KEEP_BYTES)
		buf_free(&w->in);
	return (long long)need;
}

/*
 * Read what worker w has sent and take every whole message in it. At the
 * end of its stream (the worker exited) w is no longer polled; SIGCHLD
 * does the rest.
 */
static void take_results(struct master *m, struct wslot *w)
{
	size_t need = 0;
	while (!w->eof) {
		size_t want = need > w->in.len ? need - w->in.len : 0;
		buf_reserve(&w->in, want > 65536 ? want : 65536);
		size_t room = w->in.cap - w->in.len - 1;
		ssize_t r = read(w->fd, w->in.data + w->in.len, room);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			/* 0: the worker closed its end; or ECONNRESET */
			w->eof = 1;
			w->ready = 0;
			return;
		}
		w->in.len += (size_t)r;
		long long nx = take_buffered(m, w);
		if (nx == -1) {
			log_warnx("worker %d (pid %d): malformed stream; "
			    "killing it", w->index, (int)w->pid);
			kill(w->pid, SIGKILL);
			w->eof = 1;
			w->ready = 0;
			w->in.len = 0;
			return;
		}
		need = (size_t)nx;
		if ((size_t)r < room)
			return;       /* a short read: the socket is empty */
	}
}

static json_t *workers_json(struct master *m)
{
	json_t *a = json_array();
	for (int i = 0; i < m->disp.nslots; i++) {
		struct wslot *w = &m->disp.slots[i];
		if (!w->pid)
			continue;
		json_array_append_new(a, json_pack("{s:i, s:i, s:i, s:I, s:i, "
		    "s:b, s:b, s:b}", "worker", w->index, "pid", (int)w->pid,
		    "generation", (int)w->generation, "done", (json_int_t)w->done,
		    "held", (int)w->nheld, "retiring", w->retiring, "ready",
		    w->ready, "greeted", w->greeted));
	}
	return a;
}

static json_t *current_stats(struct master *m)
{
	json_t *o = stats_json(&m->stats, now_s(), workers_json(m),
	    m->generation, m->ruleset);
	json_object_set_new(o, "acks", json_integer((json_int_t)m->pub.acks));
	json_object_set_new(o, "queued", json_integer((json_int_t)m->disp.queued));
	json_object_set_new(o, "in_flight",
	    json_integer((json_int_t)dispatch_in_flight(&m->disp)));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "spawner_pid", json_integer(m->spawner.pid));
	/* how long the spawner has been building a reload's engine: the
	 * old generation serves meanwhile (reload_begin) */
	json_object_set_new(o, "reloading_s", json_real(m->load.active ?
	    now_s() - m->load.t0 : 0.0));
	/* Connections (sockmon.h, zap.h): disconnects are those of the
	 * ingest sockets' producers, which include ZMQ_MAXMSGSIZE drops. */
	uint64_t disc = 0, hs = 0;
	for (int i = 0; i < m->nmon; i++) {
		if (m->mon[i].log_disconnects)
			disc += m->mon[i].disconnects;
		hs += m->mon[i].handshake_failed;
	}
	json_object_set_new(o, "curve", json_boolean(m->curve));
	json_object_set_new(o, "auth_accepted",
	    json_integer((json_int_t)m->zap.accepted));
	json_object_set_new(o, "auth_refused",
	    json_integer((json_int_t)m->zap.refused));
	json_object_set_new(o, "handshake_failed", json_integer((json_int_t)hs));
	json_object_set_new(o, "disconnects", json_integer((json_int_t)disc));
	return o;
}

static void take_control(struct master *m)
{
	zmq_msg_t f[3];
	int n = 0, more = 1;
	while (more) {
		zmq_msg_t x;
		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, m->control, ZMQ_DONTWAIT) == -1) {
			zmq_msg_close(&x);
			if (n == 0)
				return;
			continue;
		}
		more = zmq_msg_more(&x);
		if (n < 3) {
			zmq_msg_init(&f[n]);
			zmq_msg_move(&f[n++], &x);
		}
		zmq_msg_close(&x);
	}
	/* identity, [REQ's empty delimiter], command */
	int cmdi = n - 1;
	char cmd[32];
	snprintf(cmd, sizeof cmd, "%.*s", (int)zmq_msg_size(&f[cmdi]),
	    (char *)zmq_msg_data(&f[cmdi]));
	cmd[strcspn(cmd, " \r\n")] = '\0';

	json_t *r;
	if (!strcmp(cmd, "ping"))
		r = json_pack("{s:s, s:i, s:i, s:s}", "status", "ok", "pid",
		    (int)getpid(), "generation", (int)m->generation, "ruleset",
		    m->ruleset);
	else if (!strcmp(cmd, "stats")) {
		r = current_stats(m);
		json_object_del(r, "seq");   /* only published messages have one */
	}
	else if (!strcmp(cmd, "reload")) {
		/* answered when the load it asks for ends (answer_waiters) */
		struct loading *l = &m->load;
		if (l->nwaiters == MAX_RELOAD_WAITERS)
			r = json_pack("{s:s, s:s}", "status", "error",
			    "message", "too many reloads waiting; try again");
		else {
			struct reload_waiter *w = &l->waiters[l->nwaiters++];
			w->nroute = cmdi;
			for (int i = 0; i < cmdi; i++) {
				zmq_msg_init(&w->route[i]);
				zmq_msg_move(&w->route[i], &f[i]);
			}
			/* a load under way read the files before this ask */
			w->seq = l->seq + 1;
			reload_begin(m);
			for (int i = 0; i < n; i++)
				zmq_msg_close(&f[i]);
			return;
		}
	} else
		r = json_pack("{s:s, s:s}", "status", "error", "message",
		    "unknown command (stats, ping, reload)");
	char *s = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	for (int i = 0; i < cmdi; i++)
		zr_msg_send(&f[i], m->control, ZMQ_SNDMORE | ZMQ_DONTWAIT);
	zr_send(m->control, s ? s : "{}", s ? strlen(s) : 2, ZMQ_DONTWAIT);
	free(s);
	for (int i = 0; i < n; i++)
		zmq_msg_close(&f[i]);
}

/* Is this bind reachable from other hosts? (Not loopback, not ipc.) */
static int bind_is_public(const char *url)
{
	if (strncmp(url, "tcp://", 6) && strncmp(url, "ws://", 5) &&
	    strncmp(url, "wss://", 6))
		return curve_url_is_network(url);   /* pgm, tipc, ...: yes */
	const char *h = strstr(url, "://") + 3;
	return strncmp(h, "127.", 4) && strncmp(h, "localhost:", 10) &&
	    strncmp(h, "[::1]:", 6) && strncmp(h, "lo:", 3);
}

/*
 * A socket of the master: its size limit, its CURVE server keys when it
 * has a network endpoint and CURVE is on, its endpoints, its monitor.
 * sndhwm 0: the default.
 */
static void *open_socket(struct master *m, int type, const char *spec,
    const char *what, int64_t max_msg, int sndhwm, int ingest)
{
	char err[512];
	void *s = zmq_socket(m->ctx, type);
	if (!s) {
		log_warnx("%s: %s", what, zmq_strerror(zmq_errno()));
		return NULL;
	}
	/* ZeroMQ drops the connection of a peer that sends more (issue 8);
	 * the monitor counts it. */
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max_msg, sizeof max_msg);
	if (sndhwm)
		zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
	int curve = m->curve && config_spec_is_network(spec);
	if (curve && curve_server_setup(s, m->server_secret) == -1) {
		log_warnx("%s: CURVE: %s", what, zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (m->nmon < MAX_MONITORS) {
		if (sockmon_open(&m->mon[m->nmon], m->ctx, s, what, ingest,
		    (size_t)max_msg, err, sizeof err) == -1) {
			log_warnx("%s", err);
			goto fail;
		}
		m->nmon++;
	}
	if (config_attach(s, spec, err, sizeof err) == -1) {
		log_warnx("%s: %s", what, err);
		goto fail;
	}
	/* Say it once, loudly: a plain socket that other hosts can reach. */
	char tmp[1024], *save = NULL;
	snprintf(tmp, sizeof tmp, "%s", spec);
	for (char *t = strtok_r(tmp, " \t,", &save); t && !curve;
	    t = strtok_r(NULL, " \t,", &save))
		if (!strncmp(t, "bind:", 5) && bind_is_public(t + 5))
			log_warnx("%s: %s is reachable from other hosts without "
			    "CURVE: anyone who reaches it can %s (see [security] "
			    "in nerd.conf)", what, t + 5, !strcmp(what, "output") ?
			    "read every annotation" : !strcmp(what, "control") ?
			    "reload or inspect the daemon" : "feed it");
	return s;
fail:
	zmq_close(s);
	return NULL;
}

/* The runtime directory: made private (0700) if missing; the /tmp
 * fallback must also be ours and private, or another user could own
 * our sockets. */
static int runtime_dir_ready(const struct config *c)
{
	struct stat st;
	if (mkdir(c->runtime_dir, 0700) == -1 && errno != EEXIST) {
		log_warn("runtime_dir %s", c->runtime_dir);
		return -1;
	}
	if (lstat(c->runtime_dir, &st) == -1) {
		log_warn("runtime_dir %s", c->runtime_dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_warnx("runtime_dir %s is not a directory", c->runtime_dir);
		return -1;
	}
	if (c->runtime_dir_tmp && (st.st_uid != geteuid() ||
	    (st.st_mode & 077))) {
		log_warnx("%s is not private to uid %u (owner %u, mode %04o): "
		    "remove it, or set runtime_dir", c->runtime_dir,
		    (unsigned)geteuid(), (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int open_sockets(struct master *m)
{
	char err[512];
	int rc = -1;

	if (!(m->ctx = zmq_ctx_new())) {
		log_warnx("zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	if (runtime_dir_ready(&m->cfg) == -1)
		return -1;
	/* An ipc socket (the control socket by default) is created 0600,
	 * with no window in which it is not. */
	mode_t umask_was = umask(077);

	/* The ZAP handler before any CURVE socket binds: without one,
	 * libzmq 4.3 would admit every client. */
	if (m->curve && zap_open(&m->zap, m->ctx, m->cfg.curve_allowed, err,
	    sizeof err) == -1) {
		log_warnx("%s", err);
		goto done;
	}

	/* Room for both frames of an article at its largest, and CURVE's
	 * few bytes per frame; past this ZeroMQ drops the connection. */
	int64_t max = (int64_t)m->cfg.max_message_bytes * 2 + 65536;
	if (*m->cfg.ingest && !(m->ingest = open_socket(m, ZMQ_PULL,
	    m->cfg.ingest, "ingest", max, 0, 1)))
		goto done;
	if (*m->cfg.ingest_acked && !(m->acked = open_socket(m, ZMQ_ROUTER,
	    m->cfg.ingest_acked, "ingest_acked", max, 0, 1)))
		goto done;
	if (*m->cfg.control && !(m->control = open_socket(m, ZMQ_ROUTER,
	    m->cfg.control, "control", CONTROL_MAX_MSG, 0, 0)))
		goto done;
	/* Output: PUB deep enough for a burst, and it drops past it. PUSH
	 * shallow: a message is acknowledged once ZeroMQ took it, and what
	 * ZeroMQ holds dies with the master (tests/fault_injection.py lost
	 * 2,474 acknowledged articles to a queue of 100,000 behind a stalled
	 * consumer, 2 to a queue of 1); past OUTPUT_PUSH_HWM they wait
	 * unacknowledged in the outbox, and the master stops reading. What
	 * comes in on the PUB is subscriptions only: an XPUB, which sends as
	 * a PUB does, shows them (SUB_GRACE_S). */
	void *out = open_socket(m, m->cfg.output_mode == OUTPUT_PUSH ?
	    ZMQ_PUSH : ZMQ_XPUB, m->cfg.output, "output", 65536,
	    m->cfg.output_mode == OUTPUT_PUSH ? OUTPUT_PUSH_HWM : 100000, 0);
	if (!out)
		goto done;
	m->bound_at = now_s();
	m->input_open = m->cfg.output_mode == OUTPUT_PUSH;
	publish_open(&m->pub, out, m->cfg.output_mode, m->acked);
	if (*m->cfg.control && !config_spec_is_network(m->cfg.control)) {
		/* ipc: owner only, whatever umask the file system honoured */
		char tmp[1024], *save = NULL;
		snprintf(tmp, sizeof tmp, "%s", m->cfg.control);
		for (char *t = strtok_r(tmp, " \t,", &save); t;
		    t = strtok_r(NULL, " \t,", &save))
			if (!strncmp(t, "bind:ipc://", 11) && t[11] != '@')
				chmod(t + 11, 0600);
	}
	rc = 0;
done:
	umask(umask_was);
	/* libzmq keeps its own copy; ours is no longer needed, and the
	 * workers forked from here should not carry it. */
	memset(m->server_secret, 0, sizeof m->server_secret);
	return rc;
}

static void close_sockets(struct master *m)
{
	int zero = 0, some = 2000;
	publish_close(&m->pub, some);
	if (m->ingest) {
		zmq_setsockopt(m->ingest, ZMQ_LINGER, &zero, sizeof zero);
		zmq_close(m->ingest);
	}
	if (m->acked) {
		/* let the last acknowledgements leave */
		zmq_setsockopt(m->acked, ZMQ_LINGER, &some, sizeof some);
		zmq_close(m->acked);
	}
	if (m->control) {
		zmq_setsockopt(m->control, ZMQ_LINGER, &zero, sizeof zero);
		zmq_close(m->control);
	}
	for (int i = 0; i < m->nmon; i++)
		sockmon_close(&m->mon[i]);
	zap_close(&m->zap);       /* last: it guards the CURVE sockets */
	if (m->ctx)
		zmq_ctx_term(m->ctx);
}

/*
 * Stop accepting: take what has already reached the ingest sockets (it
 * was accepted), then close the plain one so that producers send
 * elsewhere. The acked socket stays open for the acknowledgements still
 * owed, but is no longer read.
 */
static void begin_stop(struct master *m)
{
	m->stopping = 1;
	sd_notify(0, "STOPPING=1\nSTATUS=draining");
	if (m->ingest) {
		for (int i = 0; i < 100000 && take_input(m, m->ingest, 0) == 0;
		    i++)
			;
		int zero = 0;
		zmq_setsockopt(m->ingest, ZMQ_LINGER, &zero, sizeof zero);
		zmq_close(m->ingest);
		m->ingest = NULL;
	}
	log_info("stopping: %zu queued, %zu in flight, %zu to publish",
	    m->disp.queued, dispatch_in_flight(&m->disp), m->pub.queued);
}

static int drained(struct master *m)
{
	return m->disp.queued == 0 && dispatch_in_flight(&m->disp) == 0 &&
	    m->pub.queued == 0;
}

/* Tell every worker to quit, and wait (SIGKILL after 5 s). */
static void stop_workers(struct master *m)
{
	m->stopping = 1;           /* reap() must not replace anyone now */
	for (int i = 0; i < m->disp.nslots; i++)
		if (m->disp.slots[i].pid) {
			m->disp.slots[i].retiring = 1;
			send_quit(&m->disp.slots[i]);
		}
	double until = now_s() + 5;
	for (;;) {
		int alive = 0;
		reap(m);
		for (int i = 0; i < m->disp.nslots; i++)
			if (m->disp.slots[i].pid) {
				alive++;
				if (now_s() > until)
					kill(m->disp.slots[i].pid, SIGKILL);
				else if (!m->disp.slots[i].quit_sent) {
					m->disp.slots[i].ready = 1;
					send_quit(&m->disp.slots[i]);
				}
			}
		if (!alive)
			break;
		/* answers still arriving must be read, or the workers
		 * could block on a full pipe */
		for (int i = 0; i < m->disp.nslots; i++)
			if (m->disp.slots[i].pid) {
				take_results(m, &m->disp.slots[i]);
				dispatch_flush(&m->disp.slots[i]);
			}
		usleep(10000);
	}
}

/* The XPUB's (un)subscription messages: only the first one matters. */
static void take_subscriptions(struct master *m)
{
	char b[256];
	int n;
	for (int k = 0; k < BATCH && (n = zmq_recv(m->pub.sock, b, sizeof b,
	    ZMQ_DONTWAIT)) != -1; k++)
		if (n > 0 && b[0] == 1 && m->first_sub == 0) {
			m->first_sub = now_s();
			log_debug("first subscription, %.0f ms after the bind",
			    (m->first_sub - m->bound_at) * 1000);
		}
}

/* Sleep while the workers have work enough (COALESCE_MIN_S above). */
static void coalesce(struct master *m, double now)
{
	double t = dispatch_slack(&m->disp, now) / 2;
	if (m->stopping || t < COALESCE_MIN_S)
		return;
	if (t > COALESCE_MAX_S)
		t = COALESCE_MAX_S;
	struct timespec ts = {0, (long)(t * 1e9)};
	nanosleep(&ts, NULL);
}

static void serve_loop(struct master *m)
{
	double dl = m->cfg.deadline_ms / 1000.0;

	for (;;) {
		double now = now_s();
		if (got_term) {
			got_term = 0;
			if (m->stopping) {
				log_warnx("second stop signal: exiting with %zu "
				    "queued and %zu in flight", m->disp.queued,
				    dispatch_in_flight(&m->disp));
				return;
			}
			begin_stop(m);
		}
		if (got_chld) {
			got_chld = 0;
			reap(m);
		}
		if (got_hup) {
			got_hup = 0;
			reload_begin(m);
		}
		if (m->stopping && drained(m))
			return;
		check_deadlines(m, now);
		check_load(m, now);
		fill_workers(m, now);
		dispatch_run(&m->disp, now);

		if (!m->ready_sent) {
			int ready = 0;
			for (int i = 0; i < m->disp.nslots; i++)
				ready += m->disp.slots[i].pid &&
				    m->disp.slots[i].ready;
			if (ready >= m->cfg.workers) {
				sd_notifyf(0, "READY=1\nSTATUS=serving with %d "
				    "workers, ruleset %.12s", m->cfg.workers,
				    m->ruleset);
				log_info("ready: %d workers", ready);
				m->ready_sent = 1;
			}
		}

		if (!m->input_open && (now >= m->bound_at + SUB_GRACE_S ||
		    (m->first_sub > 0 && now >= m->first_sub + SUB_SETTLE_S))) {
			m->input_open = 1;
			log_info("reading input: %s", m->first_sub > 0 ?
			    "subscribers connected" : "no subscriber yet");
		}
		int accepting = m->input_open && !m->stopping &&
		    m->disp.queued < MAX_QUEUED &&
		    m->pub.queued < MAX_OUTBOX;
		if (m->nitems < 8 + MAX_MONITORS + m->disp.nslots) {
			m->nitems = 8 + MAX_MONITORS + m->disp.nslots;
			m->items = realloc(m->items, (size_t)m->nitems *
			    sizeof *m->items);
			if (!m->items)
				abort();
		}
		zmq_pollitem_t *it = m->items;
		int n = 0, i_sig, i_in = -1, i_ack = -1, i_ctl = -1;
		int i_zap = -1, i_mon = -1, i_w = -1, i_load = -1;
		it[i_sig = n++] = (zmq_pollitem_t){NULL, m->sigfd, ZMQ_POLLIN,
		    0};
		if (m->load.active)
			it[i_load = n++] = (zmq_pollitem_t){NULL,
			    m->spawner.fd, ZMQ_POLLIN, 0};
		if (accepting && m->ingest)
			it[i_in = n++] = (zmq_pollitem_t){m->ingest, 0,
			    ZMQ_POLLIN, 0};
		if (accepting && m->acked)
			it[i_ack = n++] = (zmq_pollitem_t){m->acked, 0,
			    ZMQ_POLLIN, 0};
		if (m->control)
			it[i_ctl = n++] = (zmq_pollitem_t){m->control, 0,
			    ZMQ_POLLIN, 0};
		if (m->zap.sock)
			it[i_zap = n++] = (zmq_pollitem_t){m->zap.sock, 0,
			    ZMQ_POLLIN, 0};
		i_mon = n;
		for (int k = 0; k < m->nmon; k++)
			it[n++] = (zmq_pollitem_t){m->mon[k].pair, 0,
			    ZMQ_POLLIN, 0};
		int i_out = -1;
		short out_ev = (m->pub.queued ? ZMQ_POLLOUT : 0) |
		    (m->cfg.output_mode == OUTPUT_PUB ? ZMQ_POLLIN : 0);
		if (out_ev)
			it[i_out = n++] = (zmq_pollitem_t){m->pub.sock, 0,
			    out_ev, 0};

		/* The workers' sockets, in slot order: slot[i] is it[i_w + k]
		 * for the k-th slot polled. */
		i_w = n;
		for (int i = 0; i < m->disp.nslots; i++) {
			struct wslot *w = &m->disp.slots[i];
			if (w->pid && !w->eof)
				it[n++] = (zmq_pollitem_t){NULL, w->fd,
				    (short)(ZMQ_POLLIN | (w->out.len >
				    w->out_off ? ZMQ_POLLOUT : 0)), 0};
		}

		double t = dispatch_next_deadline(&m->disp, now, dl);
		if (m->cfg.stats_interval_s > 0 && m->next_stats - now < t)
			t = m->next_stats - now;
		if (t > 0.1)
			t = 0.1;
		if (t < 0)
			t = 0;
		coalesce(m, now);
		if (zmq_poll(it, n, (long)(t * 1000) + 1) == -1 &&
		    zmq_errno() != EINTR) {
			log_warnx("poll: %s", zmq_strerror(zmq_errno()));
			return;
		}
		if (it[i_sig].revents)
			take_signals(m);
		for (int i = 0, k = i_w; i < m->disp.nslots; i++) {
			struct wslot *w = &m->disp.slots[i];
			if (!w->pid || w->eof || it[k].fd != w->fd)
				continue;
			short ev = it[k++].revents;
			if (ev & ZMQ_POLLOUT)
				dispatch_flush(w);
			if (ev & (ZMQ_POLLIN | ZMQ_POLLERR))
				take_results(m, w);
		}
		if (i_in >= 0 && it[i_in].revents)
			for (int k = 0; k < BATCH && take_input(m, m->ingest, 0)
			    == 0; k++)
				;
		if (i_ack >= 0 && it[i_ack].revents)
			for (int k = 0; k < BATCH && take_input(m, m->acked, 1)
			    == 0; k++)
				;
		if (i_ctl >= 0 && it[i_ctl].revents)
			take_control(m);
		if (i_zap >= 0 && it[i_zap].revents)
			for (int k = 0; k < BATCH && zap_take(&m->zap, now_s())
			    == 0; k++)
				;
		for (int k = 0; k < m->nmon; k++)
			if (it[i_mon + k].revents)
				for (int e = 0; e < BATCH &&
				    sockmon_take(&m->mon[k], now_s()) == 0; e++)
					;
		if (i_out >= 0 && (it[i_out].revents & ZMQ_POLLIN))
			take_subscriptions(m);
		publish_flush(&m->pub);
		/* Last: a new generation adds slots that the poll set above
		 * does not have. (A spawner that died meanwhile ended the load
		 * already: spawner_died.) */
		if (i_load >= 0 && it[i_load].revents && m->load.active)
			load_end(m);

		now = now_s();
		if (m->cfg.stats_interval_s > 0 && now >= m->next_stats) {
			json_t *o = current_stats(m);
			publish_stats(&m->pub, o);
			json_decref(o);
			sd_notifyf(0, "STATUS=%s generation %u: %" PRIu64
			    " received, %" PRIu64 " published", m->stopping ?
			    "draining" : "serving", m->generation,
			    m->stats.received, m->stats.published);
			m->next_stats = now + m->cfg.stats_interval_s;
		}
		if (m->watchdog_usec && now >= m->next_watchdog) {
			sd_notify(0, "WATCHDOG=1");
			m->next_watchdog = now + m->watchdog_usec / 2e6;
		}
	}
}

/*
 * Read the server's secret key and check the allowed client keys (the
 * ZAP handler reads them again when it opens). Returns 0, or -1 with err
 * set; *nallowed is the number of distinct client keys.
 */
static int load_security(struct master *m, size_t *nallowed, char *err,
    size_t errlen)
{
	struct curve_keyset ks = {0};
	*nallowed = 0;
	if (!*m->cfg.curve_server_secret)
		return 0;
	if (!curve_available()) {
		snprintf(err, errlen, "%.300s: [security] asks for CURVE, which this "
		    "libzmq lacks (it needs libsodium)", m->cfg.path);
		return -1;
	}
	if (curve_read_key(m->cfg.curve_server_secret, 1, m->server_secret,
	    err, errlen) == -1 ||
	    curve_keyset_load(&ks, m->cfg.curve_allowed, err, errlen) == -1)
		return -1;
	*nallowed = ks.n;
	curve_keyset_free(&ks);
	m->curve = 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: nerd serve [-nv] [-c FILE]\n"
	    "  -c FILE  configuration (default %s/nerd.conf)\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       log debug messages too\n", NERD_SYSCONFDIR);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NERD_SYSCONFDIR "/nerd.conf";
	int check = 0, verbose = 0, c, status = 1;
	static struct master m;     /* static: large, and one per process */
	char err[1024];

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("nerd", verbose);
	m.verbose = verbose;
	m.spawner.fd = -1;
	config_defaults(&m.cfg);
	if (config_load(&m.cfg, path, err, sizeof err) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	size_t nallowed;
	if (load_security(&m, &nallowed, err, sizeof err) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (check) {
		memset(m.server_secret, 0, sizeof m.server_secret);
		const char *p = *m.cfg.image ? m.cfg.image : m.cfg.gazetteers;
		if (access(p, R_OK) == -1 || (!*m.cfg.image &&
		    access(p = m.cfg.rules, R_OK) == -1)) {
			fprintf(stderr, "%s: %s: %s\n", path, p, strerror(errno));
			return 1;
		}
		if (m.curve)
			fprintf(stderr, "%s: configuration OK (CURVE on, %zu "
			    "client keys allowed)\n", path, nallowed);
		else
			fprintf(stderr, "%s: configuration OK\n", path);
		return 0;
	}

	/* The workers, forked by the spawner's short-lived children, become
	 * this process's children (spawner.h). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1) {
		log_warn("prctl PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	double t0 = now_s();
	if (spawner_start(&m.spawner, verbose, err, sizeof err) == -1 ||
	    load_engine(&m, m.ruleset, err, sizeof err) == -1) {
		log_err("cannot load the engine: %s", err);
		spawner_stop(&m.spawner);
		return 1;
	}
	log_info("engine loaded in %.0f ms, ruleset %s", (now_s() - t0) * 1000,
	    m.ruleset);
	if (m.curve) {
		uint8_t pub[CURVE_KEY_BYTES];
		char z[CURVE_Z85_LEN + 1] = "?";
		if (curve_public_of(m.server_secret, pub) == 0)
			curve_z85(pub, z);
		log_info("CURVE on for network endpoints: server key %s, %zu "
		    "client keys allowed", z, nallowed);
	}
	stats_init(&m.stats, now_s());
	m.generation = 1;
	if (setup_signals(&m) == -1 || open_sockets(&m) == -1)
		goto fail;
	if (dispatch_init(&m.disp, m.cfg.workers, m.cfg.prefetch) == -1)
		goto fail;
	for (int i = 1; i <= m.cfg.workers; i++)
		if (spawn(&m, i) == -1)
			goto fail;
	m.next_stats = now_s() + m.cfg.stats_interval_s;
	if (sd_watchdog_enabled(0, &m.watchdog_usec) <= 0)
		m.watchdog_usec = 0;
	log_info("serving: %d workers, ingest %s, acked %s, output %s (%s), "
	    "control %s", m.cfg.workers, *m.cfg.ingest ? m.cfg.ingest : "-",
	    *m.cfg.ingest_acked ? m.cfg.ingest_acked : "-", m.cfg.output,
	    m.cfg.output_mode == OUTPUT_PUSH ? "push" : "pub",
	    *m.cfg.control ? m.cfg.control : "-");

	serve_loop(&m);
	/* a ctl reload still waiting gets its answer, not a timeout */
	answer_waiters(&m, UINT_MAX, "the daemon stopped before its reload "
	    "was done");
	stop_workers(&m);
	log_info("stopped: received %" PRIu64 ", published %" PRIu64
	    ", errors %" PRIu64 ", poison %" PRIu64, m.stats.received,
	    m.stats.published, m.stats.errors[0] + m.stats.errors[1] +
	    m.stats.errors[2] + m.stats.errors[3] + m.stats.errors[4] +
	    m.stats.errors[5] + m.stats.errors[6] + m.stats.errors[7] +
	    m.stats.errors[ERR_ENGINE], m.stats.errors[ERR_POISON]);
	status = 0;
fail:
	if (status) {
		/* workers already forked must not outlive a failed start */
		for (int i = 0; i < m.disp.nslots; i++)
			if (m.disp.slots[i].pid)
				kill(m.disp.slots[i].pid, SIGKILL);
	}
	dispatch_free(&m.disp);
	free(m.items);
	close_sockets(&m);
	spawner_stop(&m.spawner);
	return status;
}
