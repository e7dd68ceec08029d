/*
 * compile.h - build an image from gazetteer and rule sources.
 */
#ifndef NERD_COMPILE_H
#define NERD_COMPILE_H

#include <stddef.h>

#include "diag.h"

/*
 * Read every gazetteer list (every .tsv under gaz_dir), word class (the
 * .txt files of gaz_dir/classes) and rule file (the .rules files of
 * rules_dir), and build the
 * image in memory. Problems go to d as file:line; duplicates and conflicts
 * are warnings (the first entry wins) unless strict, where conflicts are
 * errors. On success returns 0 and *out (caller frees) holds *outlen bytes.
 */
int compile_image(const char *gaz_dir, const char *rules_dir, int strict,
    struct diag *d, unsigned char **out, size_t *outlen);

/* Read a whole file (NUL-terminated, caller frees); NULL with errno set. */
char *read_file(const char *path, size_t *len);

#endif
