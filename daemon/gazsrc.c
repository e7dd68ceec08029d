/*
 * gazsrc.c - parse gazetteer source lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gazsrc.h"
#include "image.h"
#include "utf8.h"

int gazsrc_parse(char *line, struct gaz_line *g, char *err, size_t errlen)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0 || line[0] == '#')
		return 0;
	/* The surface is normalized, which reads it as UTF-8: a stray
	 * Latin-1 byte would send the decoder past the field's end. */
	size_t bad;
	if (utf8_validate(line, n, &bad) < 0) {
		snprintf(err, errlen, "invalid UTF-8 at byte %zu", bad);
		return -1;
	}
	char *f[7];
	int nf = 0;
	char *p = line;
	while (nf < 7) {
		f[nf++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf < 5 || nf > 6) {
		snprintf(err, errlen, "expected 5 or 6 TAB-separated fields, got %d%s",
		    nf, nf == 7 ? " or more" : "");
		return -1;
	}
	static const char *names[] = {"surface", "type", "entity id",
	    "canonical", "lang"};
	for (int i = 0; i < 5; i++)
		if (!f[i][0]) {
			snprintf(err, errlen, "empty %s", names[i]);
			return -1;
		}
	memset(g, 0, sizeof *g);
	g->surface = f[0];
	g->type = ent_type_parse(f[1]);
	if (g->type < 0) {
		snprintf(err, errlen, "unknown type '%s'", f[1]);
		return -1;
	}
	g->id = f[2];
	g->canonical = f[3];
	g->lang = f[4];
	if (strcmp(g->lang, "ar") && strcmp(g->lang, "fr") &&
	    strcmp(g->lang, "en") && strcmp(g->lang, "*")) {
		snprintf(err, errlen, "unknown lang '%s' (ar, fr, en or *)", g->lang);
		return -1;
	}
	g->prio = 50;
	if (nf == 6 && f[5][0]) {
		char *save = NULL;
		for (char *fl = strtok_r(f[5], ",", &save); fl;
		     fl = strtok_r(NULL, ",", &save)) {
			if (!strcmp(fl, "case"))
				g->shape_mode = 1;
			else if (!strcmp(fl, "nocase"))
				g->shape_mode = 2;
			else if (!strncmp(fl, "prio=", 5)) {
				char *end;
				long v = strtol(fl + 5, &end, 10);
				if (*end || v < 0 || v > 255) {
					snprintf(err, errlen, "bad priority '%s'", fl + 5);
					return -1;
				}
				g->prio = (int)v;
			} else {
				snprintf(err, errlen, "unknown flag '%s'", fl);
				return -1;
			}
		}
	}
	return 1;
}
