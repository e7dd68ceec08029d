/*
 * datadir.c - locate the bundled data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"
#include "engine.h"

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void datadir_default(char *gaz, size_t gn, char *rules, size_t rn)
{
	const char *base = getenv("NERD_DATA");
	char src[4096];
	snprintf(src, sizeof src, "%s/gazetteers", NERD_SOURCE_DIR);
	if (!base || !*base) {
		/* A binary outside the install prefix is a build-tree binary:
		 * it reads the checkout it was built from. */
		char exe[4096];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
		char datadir_gaz[4096];
		snprintf(datadir_gaz, sizeof datadir_gaz, "%s/gazetteers", NERD_DATADIR);
		if (is_dir(src) && strncmp(exe, NERD_BINDIR, strlen(NERD_BINDIR)))
			base = NERD_SOURCE_DIR;
		else if (is_dir(datadir_gaz))
			base = NERD_DATADIR;
		else
			base = NERD_SOURCE_DIR;
	}
	snprintf(gaz, gn, "%s/gazetteers", base);
	snprintf(rules, rn, "%s/rules", base);
}

struct engine *datadir_engine(const char *image, const char *gaz,
    const char *rules, char *err, size_t errlen)
{
	if (image)
		return engine_open(image, err, errlen);
	char g[4096], r[4096];
	datadir_default(g, sizeof g, r, sizeof r);
	return engine_build(gaz ? gaz : g, rules ? rules : r, err, errlen);
}
