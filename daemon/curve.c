/*
 * curve.c - CURVE key files, the allowed-key set, socket options.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "curve.h"

/* Key files are a few lines; anything this large is not one. */
#define KEYFILE_MAX (1 << 20)

static const char z85_chars[] = "0123456789abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

int curve_available(void)
{
	return zmq_has("curve");
}

void curve_z85(const uint8_t key[CURVE_KEY_BYTES], char out[CURVE_Z85_LEN + 1])
{
	zmq_z85_encode(out, key, CURVE_KEY_BYTES);
}

int curve_public_of(const uint8_t secret[CURVE_KEY_BYTES],
    uint8_t public_key[CURVE_KEY_BYTES])
{
	char zs[CURVE_Z85_LEN + 1], zp[CURVE_Z85_LEN + 1];
	curve_z85(secret, zs);
	int rc = zmq_curve_public(zp, zs);
	memset(zs, 0, sizeof zs);
	if (rc == -1 || !zmq_z85_decode(public_key, zp))
		return -1;
	return 0;
}

/* Read a whole small file; the caller frees. secret: refuse one that
 * group or others may read. */
static char *slurp(const char *path, int secret, size_t *len, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	if (fd == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEYFILE_MAX) {
		snprintf(err, errlen, "%s: not a key file", path);
		goto fail;
	}
	if (secret && (st.st_mode & 077)) {
		snprintf(err, errlen, "%s: a secret key readable by group or "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, n == 0 ?
			    "short read" : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
	close(fd);
	return buf;
fail:
	free(buf);
	if (fd != -1)
		close(fd);
	return NULL;
}

/*
 * The keys of a file's text: fn(key, arg) for each. A line is a key when
 * its first word is 40 Z85 characters (optionally followed by a #
 * comment); otherwise it must be blank or a comment (# or ;). Z85 itself
 * uses '#', hence this order. Returns the number of keys, or -1 with
 * "path:line: reason" in err.
 */
static int each_key(const char *path, char *text,
    int (*fn)(const uint8_t *, void *), void *arg, char *err, size_t errlen)
{
	int n = 0, lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line += strspn(line, " \t\r");
		size_t w = strcspn(line, " \t\r");
		if (w == 0)
			continue;
		const char *rest = line + w + strspn(line + w, " \t\r");
		if (w == CURVE_Z85_LEN && strspn(line, z85_chars) >= w &&
		    (*rest == '\0' || *rest == '#')) {
			uint8_t key[CURVE_KEY_BYTES];
			char z[CURVE_Z85_LEN + 1];
			memcpy(z, line, CURVE_Z85_LEN);
			z[CURVE_Z85_LEN] = '\0';
			if (!zmq_z85_decode(key, z)) {
				snprintf(err, errlen, "%s:%d: not a Z85 key",
				    path, lineno);
				return -1;
			}
			n++;
			int rc = fn(key, arg);
			memset(key, 0, sizeof key);
			memset(z, 0, sizeof z);
			if (rc == -1) {
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
			continue;
		}
		if (*line == '#' || *line == ';')
			continue;
		snprintf(err, errlen, "%s:%d: not a key (40 Z85 characters) "
		    "nor a # comment", path, lineno);
		return -1;
	}
	return n;
}

static int take_first(const uint8_t *key, void *arg)
{
	uint8_t *out = arg;
	if (out[CURVE_KEY_BYTES] == 0) {
		memcpy(out, key, CURVE_KEY_BYTES);
		out[CURVE_KEY_BYTES] = 1;
	}
	return 0;
}

int curve_read_key(const char *path, int secret, uint8_t key[CURVE_KEY_BYTES],
    char *err, size_t errlen)
{
	size_t len;
	char *text = slurp(path, secret, &len, err, errlen);
	if (!text)
		return -1;
	uint8_t first[CURVE_KEY_BYTES + 1] = {0};
	int n = each_key(path, text, take_first, first, err, errlen);
	memset(text, 0, len);
	free(text);
	if (n == 0)
		snprintf(err, errlen, "%s: no key in the file", path);
	if (n <= 0)
		return -1;
	memcpy(key, first, CURVE_KEY_BYTES);
	memset(first, 0, sizeof first);
	return 0;
}

struct growing {
	uint8_t (*keys)[CURVE_KEY_BYTES];
	size_t n, cap;
};

static int add_key(const uint8_t *key, void *arg)
{
	struct growing *g = arg;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		void *p = realloc(g->keys, cap * sizeof *g->keys);
		if (!p)
			return -1;
		g->keys = p;
		g->cap = cap;
	}
	memcpy(g->keys[g->n++], key, CURVE_KEY_BYTES);
	return 0;
}

static int load_file(struct growing *g, const char *path, char *err,
    size_t errlen)
{
	size_t len;
	char *text = slurp(path, 0, &len, err, errlen);
	if (!text)
		return -1;
	int n = each_key(path, text, add_key, g, err, errlen);
	free(text);
	return n;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, CURVE_KEY_BYTES);
}

int curve_keyset_load(struct curve_keyset *s, const char *path, char *err,
    size_t errlen)
{
	struct growing g = {0};
	struct stat st;
	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		if (!d) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (l < 5 || strcmp(e->d_name + l - 4, ".pub") ||
			    e->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof p, "%s/%s", path, e->d_name);
			if (load_file(&g, p, err, errlen) == -1) {
				closedir(d);
				goto fail;
			}
		}
		closedir(d);
	} else if (load_file(&g, path, err, errlen) == -1)
		goto fail;
	if (g.n == 0) {
		snprintf(err, errlen, "%s: no client key in %s", path,
		    S_ISDIR(st.st_mode) ? "its *.pub files" : "the file");
		goto fail;
	}
	qsort(g.keys, g.n, sizeof *g.keys, cmp_key);
	size_t u = 1;              /* the same key listed twice is fine */
	for (size_t i = 1; i < g.n; i++)
		if (memcmp(g.keys[i], g.keys[u - 1], CURVE_KEY_BYTES))
			memcpy(g.keys[u++], g.keys[i], CURVE_KEY_BYTES);
	curve_keyset_free(s);
	s->keys = g.keys;
	s->n = u;
	return 0;
fail:
	free(g.keys);
	return -1;
}

int curve_keyset_has(const struct curve_keyset *s,
    const uint8_t key[CURVE_KEY_BYTES])
{
	return s->n && bsearch(key, s->keys, s->n, sizeof *s->keys, cmp_key);
}

void curve_keyset_free(struct curve_keyset *s)
{
	free(s->keys);
	s->keys = NULL;
	s->n = 0;
}

int curve_server_setup(void *sock, const uint8_t secret[CURVE_KEY_BYTES])
{
	int one = 1;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) == -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret,
	    CURVE_KEY_BYTES) == -1 ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "nerd", 4) == -1)
		return -1;
	return 0;
}

int curve_client_setup(void *sock,
    const uint8_t server_public[CURVE_KEY_BYTES],
    const uint8_t client_secret[CURVE_KEY_BYTES])
{
	uint8_t pub[CURVE_KEY_BYTES];
	if (curve_public_of(client_secret, pub) == -1)
		return -1;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public,
	    CURVE_KEY_BYTES) == -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub,
	    CURVE_KEY_BYTES) == -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client_secret,
	    CURVE_KEY_BYTES) == -1)
		return -1;
	return 0;
}

int curve_url_is_network(const char *url)
{
	return strncmp(url, "ipc://", 6) && strncmp(url, "inproc://", 9);
}
