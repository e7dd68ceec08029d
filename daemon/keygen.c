/*
 * keygen.c - `nerd keygen`: a CURVE key pair for the daemon or a client.
 *
 * BASENAME.key holds the secret key (mode 0600, created so: it is never
 * readable by others, not even for a moment); BASENAME.pub the public
 * key, which is what the other side is given. Both are text: # comments,
 * then the key as 40 Z85 characters.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "commands.h"
#include "curve.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: nerd keygen [-f] [-o BASENAME]\n"
	    "  -o BASENAME  write BASENAME.key (secret, mode 0600) and "
	    "BASENAME.pub\n"
	    "               (default: nerd)\n"
	    "  -f           overwrite existing files\n"
	    "The public key is also printed on standard output.\n");
}

/* Write text to path, created with mode; 0 or -1 after a message. */
static int write_file(const char *path, mode_t mode, int force,
    const char *text)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, mode);
	if (fd == -1) {
		fprintf(stderr, "nerd keygen: %s: %s%s\n", path,
		    strerror(errno), errno == EEXIST ? " (-f overwrites)" : "");
		return -1;
	}
	/* An existing file (with -f) keeps its mode unless told. */
	size_t len = strlen(text), off = 0;
	int rc = fchmod(fd, mode);
	while (rc == 0 && off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = -1;
		else
			off += (size_t)n;
	}
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) == -1)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "nerd keygen: %s: %s\n", path, strerror(errno));
	return rc;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *base = "nerd";
	int c, force = 0, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': base = optarg; break;
		case 'f': force = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !*base) {
		usage(stderr);
		return 2;
	}
	if (!curve_available()) {
		fprintf(stderr, "nerd keygen: this libzmq has no CURVE support "
		    "(it needs libsodium)\n");
		return 1;
	}
	char pub[CURVE_Z85_LEN + 1], sec[CURVE_Z85_LEN + 1];
	if (zmq_curve_keypair(pub, sec) == -1) {
		fprintf(stderr, "nerd keygen: %s\n", zmq_strerror(zmq_errno()));
		return 1;
	}

	char keypath[4096], pubpath[4096], stamp[64], text[1024];
	if ((size_t)snprintf(keypath, sizeof keypath, "%s.key", base) >=
	    sizeof keypath || (size_t)snprintf(pubpath, sizeof pubpath,
	    "%s.pub", base) >= sizeof pubpath) {
		fprintf(stderr, "nerd keygen: %s: name too long\n", base);
		goto done;
	}
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ",
	    gmtime_r(&now, &tm));

	snprintf(text, sizeof text,
	    "# nerd CURVE secret key, made by `nerd keygen` on %s.\n"
	    "# Keep it secret: readable by its owner only (mode 0600); nerd\n"
	    "# refuses a secret key file that others may read.\n"
	    "# A daemon names it in [security] curve_server_secret, a client\n"
	    "# in curve_client_secret (or --client-key).\n"
	    "# Its public key (%s.pub): %s\n"
	    "%s\n", stamp, base, pub, sec);
	if (write_file(keypath, 0600, force, text) == -1)
		goto done;
	snprintf(text, sizeof text,
	    "# nerd CURVE public key, made by `nerd keygen` on %s.\n"
	    "# Give it to the other side: a daemon lists its clients' keys in\n"
	    "# [security] curve_allowed, a client names its daemon's key in\n"
	    "# curve_server_public (or --server-key).\n"
	    "%s\n", stamp, pub);
	if (write_file(pubpath, 0644, force, text) == -1) {
		unlink(keypath);
		goto done;
	}
	printf("%s\n", pub);
	fprintf(stderr, "nerd keygen: wrote %s (secret) and %s\n", keypath,
	    pubpath);
	status = 0;
done:
	memset(sec, 0, sizeof sec);
	memset(text, 0, sizeof text);
	return status;
}
