/*
 * fuzz_gazsrc.c - one line of a gazetteer source (TSV), and what
 * `nerd compile` does with an accepted line's surface (normalize and
 * tokenize it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gazsrc.h"
#include "image.h"
#include "normalize.h"
#include "tokenize.h"

static struct normtext nt;
static struct tokens tk;

static int inside(const char *p, const char *b, size_t n)
{
	return p >= b && p <= b + n && memchr(p, '\0', (size_t)(b + n + 1 - p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	struct gaz_line g;
	char err[256] = "";
	int rc = gazsrc_parse(line, &g, err, sizeof err);
	if (rc == 1) {
		if (!inside(g.surface, line, size) || !inside(g.id, line, size) ||
		    !inside(g.canonical, line, size) ||
		    !inside(g.lang, line, size))
			abort();
		if (!g.surface[0] || g.type < 0 || g.type >= T_NTYPES ||
		    g.prio < 0 || g.prio > 255 || g.shape_mode < 0 ||
		    g.shape_mode > 2)
			abort();
		/* What `nerd compile` does next with an accepted line. */
		size_t n = strlen(g.surface);
		char *surface = malloc(n ? n : 1); /* exact, for ASan */
		memcpy(surface, g.surface, n);
		if (normalize(&nt, surface, n) < 0 || tokenize(&nt, &tk) < 0)
			abort();
		free(surface);
	} else if (rc == -1) {
		if (!err[0])
			abort();
	} else if (rc != 0)
		abort();
	free(line);
	return 0;
}
