/*
 * gazsrc.h - one line of a gazetteer source (TSV, see gazetteers/README.md).
 */
#ifndef NERD_GAZSRC_H
#define NERD_GAZSRC_H

#include <stddef.h>

struct gaz_line {
	const char *surface, *id, *canonical, *lang; /* point into the line */
	int type;        /* enum ent_type */
	int prio;        /* 0..255 */
	int shape_mode;  /* 0: default, 1: `case`, 2: `nocase` */
};

/*
 * Parse line (modified in place: TABs become NULs). Returns 1 for an entry,
 * 0 for a blank or comment line, -1 with a message in err.
 */
int gazsrc_parse(char *line, struct gaz_line *g, char *err, size_t errlen);

#endif
