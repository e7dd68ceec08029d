/*
 * config.c - read nerd.conf with inih, check every value, resolve paths.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <zmq.h>

#include "config.h"
#include "curve.h"

struct parse {
	struct config *c;
	char dir[4096];      /* the config file's directory */
	char msg[256];       /* first error, without file:line */
	int failed;
	int control_set;     /* control named in the file */
};

static void default_control(struct config *c)
{
	snprintf(c->control, sizeof c->control, "bind:ipc://%s/nerd.control",
	    c->runtime_dir);
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->workers = 0;
	c->deadline_ms = 10000;
	c->reload_timeout_s = 300;
	c->max_message_bytes = 4u << 20;
	c->stats_interval_s = 10;
	c->prefetch = 8;
	/* systemd's RuntimeDirectory=, else the service's directory when
	 * it exists (so that `nerd ctl` run by an administrator finds the
	 * service's control socket), else a private directory in /tmp. */
	const char *rt = getenv("RUNTIME_DIRECTORY");
	size_t rl = rt ? strcspn(rt, ":") : 0;    /* the first of several */
	struct stat st;
	if (rl && rl <= 80)
		snprintf(c->runtime_dir, sizeof c->runtime_dir, "%.*s",
		    (int)rl, rt);
	else if (stat("/run/nerd", &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(c->runtime_dir, sizeof c->runtime_dir, "/run/nerd");
	else {
		snprintf(c->runtime_dir, sizeof c->runtime_dir, "/tmp/nerd-%u",
		    (unsigned)geteuid());
		c->runtime_dir_tmp = 1;
	}
	snprintf(c->ingest, sizeof c->ingest, "bind:tcp://127.0.0.1:5561");
	snprintf(c->ingest_acked, sizeof c->ingest_acked,
	    "bind:tcp://127.0.0.1:5562");
	snprintf(c->output, sizeof c->output, "bind:tcp://127.0.0.1:5563");
	c->output_mode = OUTPUT_PUB;
	default_control(c);
}

static int fail(struct parse *p, const char *fmt, const char *a, const char *b)
{
	if (!p->failed)
		snprintf(p->msg, sizeof p->msg, fmt, a, b);
	p->failed = 1;
	return 0;            /* inih: error on this line */
}

static int get_long(struct parse *p, const char *key, const char *v,
    long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		fail(p, "%s: bad number '%s'", key, v);
		return -1;
	}
	*out = n;
	return 0;
}

static int get_bool(struct parse *p, const char *key, const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") ||
	    !strcasecmp(v, "on"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = 0;
	else {
		fail(p, "%s: expected yes or no, not '%s'", key, v);
		return -1;
	}
	return 0;
}

static int get_path(struct parse *p, const char *key, const char *v,
    char *out, size_t outlen)
{
	int n;
	if (*v == '\0' || *v == '/')
		n = snprintf(out, outlen, "%s", v);
	else
		n = snprintf(out, outlen, "%s/%s", p->dir, v);
	if (n < 0 || (size_t)n >= outlen) {
		fail(p, "%s: path too long%s", key, "");
		return -1;
	}
	return 0;
}

static int check_endpoints(struct parse *p, const char *key, const char *v)
{
	char tmp[1024];
	if (strlen(v) >= sizeof tmp) {
		fail(p, "%s: value too long%s", key, "");
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s", v);
	char *save = NULL;
	for (char *t = strtok_r(tmp, " \t,", &save); t;
	    t = strtok_r(NULL, " \t,", &save)) {
		if (strncmp(t, "bind:", 5) && strncmp(t, "connect:", 8)) {
			fail(p, "%s: '%s' must start with bind: or connect:",
			    key, t);
			return -1;
		}
		if (!strstr(t, "://")) {
			fail(p, "%s: '%s' is not a ZeroMQ endpoint", key, t);
			return -1;
		}
	}
	return 0;
}

static int set_str(struct parse *p, const char *key, const char *v, char *out,
    size_t outlen)
{
	if (strlen(v) >= outlen)
		return fail(p, "%s: value too long%s", key, "");
	snprintf(out, outlen, "%s", v);
	return 1;
}

static int handler(void *user, const char *section, const char *name,
    const char *v)
{
	struct parse *p = user;
	struct config *c = p->c;
	long n;

	if (!name)           /* a section header alone (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	if (!strcmp(section, "nerd")) {
		if (!strcmp(name, "workers")) {
			if (get_long(p, name, v, 0, 1024, &n))
				return 0;
			c->workers = (int)n;
		} else if (!strcmp(name, "deadline_ms")) {
			if (get_long(p, name, v, 1, 3600 * 1000L, &n))
				return 0;
			c->deadline_ms = (unsigned)n;
		} else if (!strcmp(name, "reload_timeout_s")) {
			if (get_long(p, name, v, 1, 86400, &n))
				return 0;
			c->reload_timeout_s = (unsigned)n;
		} else if (!strcmp(name, "max_message_bytes")) {
			if (get_long(p, name, v, 1, 1L << 30, &n))
				return 0;
			c->max_message_bytes = (size_t)n;
		} else if (!strcmp(name, "stats_interval_s")) {
			char *end;
			double d = strtod(v, &end);
			if (end == v || *end || d < 0 || d > 86400)
				return fail(p, "%s: bad number of seconds '%s'",
				    name, v);
			c->stats_interval_s = d;
		} else if (!strcmp(name, "prefetch")) {
			if (get_long(p, name, v, 1, 64, &n))
				return 0;
			c->prefetch = (unsigned)n;
		} else if (!strcmp(name, "runtime_dir")) {
			/* ipc paths are limited to about 100 bytes */
			if (strlen(v) > 80)
				return fail(p, "%s: '%s' is too long for an ipc "
				    "socket path", name, v);
			if (get_path(p, name, v, c->runtime_dir,
			    sizeof c->runtime_dir))
				return 0;
			c->runtime_dir_tmp = 0;
		} else
			return fail(p, "unknown key '%s' in [%s]", name, section);
	} else if (!strcmp(section, "engine")) {
		if (!strcmp(name, "image")) {
			if (get_path(p, name, v, c->image, sizeof c->image))
				return 0;
		} else if (!strcmp(name, "gazetteers")) {
			if (get_path(p, name, v, c->gazetteers,
			    sizeof c->gazetteers))
				return 0;
		} else if (!strcmp(name, "rules")) {
			if (get_path(p, name, v, c->rules, sizeof c->rules))
				return 0;
		} else if (!strcmp(name, "nested")) {
			if (get_bool(p, name, v, &c->nested))
				return 0;
		} else
			return fail(p, "unknown key '%s' in [%s]", name, section);
	} else if (!strcmp(section, "endpoints")) {
		if (!strcmp(name, "output_mode")) {
			if (!strcmp(v, "pub"))
				c->output_mode = OUTPUT_PUB;
			else if (!strcmp(v, "push"))
				c->output_mode = OUTPUT_PUSH;
			else
				return fail(p, "%s: expected pub or push, not "
				    "'%s'", name, v);
			return 1;
		}
		char *dst = NULL;
		if (!strcmp(name, "ingest"))
			dst = c->ingest;
		else if (!strcmp(name, "ingest_acked"))
			dst = c->ingest_acked;
		else if (!strcmp(name, "output"))
			dst = c->output;
		else if (!strcmp(name, "control")) {
			dst = c->control;
			p->control_set = 1;
		} else
			return fail(p, "unknown key '%s' in [%s]", name, section);
		if (check_endpoints(p, name, v))
			return 0;
		return set_str(p, name, v, dst, sizeof c->ingest);
	} else if (!strcmp(section, "security")) {
		char *dst = NULL;
		if (!strcmp(name, "curve_server_secret"))
			dst = c->curve_server_secret;
		else if (!strcmp(name, "curve_allowed"))
			dst = c->curve_allowed;
		else if (!strcmp(name, "curve_server_public"))
			dst = c->curve_server_public;
		else if (!strcmp(name, "curve_client_secret"))
			dst = c->curve_client_secret;
		else
			return fail(p, "unknown key '%s' in [%s]", name, section);
		if (get_path(p, name, v, dst, sizeof c->curve_allowed))
			return 0;
	} else
		return fail(p, "unknown section [%s]%s", section, "");
	return 1;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct parse p = {.c = c};
	const char *slash = strrchr(path, '/');

	snprintf(c->path, sizeof c->path, "%s", path);
	if (!slash)
		snprintf(p.dir, sizeof p.dir, ".");
	else if (slash == path)
		snprintf(p.dir, sizeof p.dir, "/");
	else
		snprintf(p.dir, sizeof p.dir, "%.*s", (int)(slash - path), path);

	int line = ini_parse(path, handler, &p);
	if (line == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (line == -2) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
		    p.failed ? p.msg : "syntax error");
		return -1;
	}
	if (*c->image && (*c->gazetteers || *c->rules)) {
		snprintf(err, errlen, "%s: [engine] names an image and "
		    "gazetteers/rules; choose one", path);
		return -1;
	}
	if (!*c->image && !(*c->gazetteers && *c->rules)) {
		snprintf(err, errlen, "%s: [engine] needs image, or both "
		    "gazetteers and rules", path);
		return -1;
	}
	if (!*c->ingest && !*c->ingest_acked) {
		snprintf(err, errlen, "%s: [endpoints] needs ingest or "
		    "ingest_acked", path);
		return -1;
	}
	if (!*c->output) {
		snprintf(err, errlen, "%s: [endpoints] needs output", path);
		return -1;
	}
	if (!p.control_set)
		default_control(c);   /* in the runtime_dir the file chose */
	if (!!*c->curve_server_secret != !!*c->curve_allowed) {
		snprintf(err, errlen, "%s: [security] curve_server_secret and "
		    "curve_allowed go together (a CURVE server must know whom "
		    "to accept)", path);
		return -1;
	}
	if (*c->curve_server_secret) {
		/* CURVE is a property of a socket, not of an endpoint: a
		 * socket bound to tcp and ipc would demand keys on both. */
		const char *name[] = {"ingest", "ingest_acked", "output",
		    "control"};
		const char *spec[] = {c->ingest, c->ingest_acked, c->output,
		    c->control};
		for (int i = 0; i < 4; i++) {
			char tmp[1024], *save = NULL;
			int net = 0, local = 0;
			snprintf(tmp, sizeof tmp, "%s", spec[i]);
			for (char *t = strtok_r(tmp, " \t,", &save); t;
			    t = strtok_r(NULL, " \t,", &save)) {
				const char *url = strchr(t, ':') + 1;
				if (curve_url_is_network(url))
					net = 1;
				else
					local = 1;
			}
			if (net && local) {
				snprintf(err, errlen, "%s: [endpoints] %s mixes "
				    "ipc and network endpoints; with CURVE on, "
				    "give it one kind", path, name[i]);
				return -1;
			}
		}
	}
	if (c->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = n > 0 ? (int)n : 1;
	}
	return 0;
}

/* Calls fn(sock, url) for each endpoint; stops at the first failure. */
static int each_endpoint(void *sock, const char *spec, int undo, char *err,
    size_t errlen)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", spec);
	char *save = NULL;
	for (char *t = strtok_r(tmp, " \t,", &save); t;
	    t = strtok_r(NULL, " \t,", &save)) {
		int bind = !strncmp(t, "bind:", 5);
		const char *url = strchr(t, ':') + 1;
		int rc;
		if (undo)
			rc = bind ? zmq_unbind(sock, url) :
			    zmq_disconnect(sock, url);
		else
			rc = bind ? zmq_bind(sock, url) :
			    zmq_connect(sock, url);
		if (rc == -1 && !undo) {
			snprintf(err, errlen, "%s %s: %s",
			    bind ? "bind" : "connect", url,
			    zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	return 0;
}

int config_attach(void *sock, const char *spec, char *err, size_t errlen)
{
	return each_endpoint(sock, spec, 0, err, errlen);
}

void config_detach(void *sock, const char *spec)
{
	char err[8];
	each_endpoint(sock, spec, 1, err, sizeof err);
}

int config_spec_is_network(const char *spec)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", spec);
	char *save = NULL;
	for (char *t = strtok_r(tmp, " \t,", &save); t;
	    t = strtok_r(NULL, " \t,", &save)) {
		const char *url = strchr(t, ':');
		if (url && curve_url_is_network(url + 1))
			return 1;
	}
	return 0;
}

int config_client_endpoint(const char *spec, char *out, size_t outlen)
{
	char tmp[1024];
	snprintf(tmp, sizeof tmp, "%s", spec);
	char *t = strtok(tmp, " \t,");
	if (!t)
		return -1;
	const char *url = strchr(t, ':');
	if (!url)
		return -1;
	url++;
	if (strncmp(t, "bind:", 5)) {          /* we connect: a broker binds */
		snprintf(out, outlen, "%s", url);
		return 0;
	}
	/* A wildcard bind is reached over loopback. */
	const char *host = strstr(url, "://");
	if (host && (!strncmp(host + 3, "*:", 2) ||
	    !strncmp(host + 3, "0.0.0.0:", 8))) {
		snprintf(out, outlen, "%.*s127.0.0.1%s", (int)(host + 3 - url),
		    url, strchr(host + 3, ':'));
		return 0;
	}
	snprintf(out, outlen, "%s", url);
	return 0;
}

const char *config_default_path(void)
{
	const char *env = getenv("NERD_CONF");
	if (env && *env)
		return env;
	if (access(NERD_SYSCONFDIR "/nerd.conf", R_OK) == 0)
		return NERD_SYSCONFDIR "/nerd.conf";
	return NULL;
}
