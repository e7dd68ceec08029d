/*
 * datadir.h - where the bundled gazetteers and rules are when the user
 * names none: beside the sources for a binary run from its build tree,
 * else the installed data directory ($NERD_DATA overrides both).
 */
#ifndef NERD_DATADIR_H
#define NERD_DATADIR_H

#include <stddef.h>

/* Writes "<base>/gazetteers" and "<base>/rules" into the two buffers. */
void datadir_default(char *gaz, size_t gn, char *rules, size_t rn);


struct engine;
/*
 * Open the engine a command-line tool asked for: the image if given, else
 * the gazetteer and rule folders given, else the bundled ones. NULL with
 * the reason in err.
 */
struct engine *datadir_engine(const char *image, const char *gaz,
    const char *rules, char *err, size_t errlen);

#endif
