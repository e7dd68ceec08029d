/*
 * article.h - the input contract: one article, parsed from either form.
 *
 * One-frame form: a JSON object with "id" and "text" (and optional "title",
 * "lang", "meta"). Two-frame form: the same object without "text", followed
 * by the text as raw UTF-8 in a second frame.
 *
 * An article borrows nothing: article_parse() copies what it keeps into
 * the article's own buffers, and article_clear() frees them.
 */
#ifndef NERD_ARTICLE_H
#define NERD_ARTICLE_H

#include <stddef.h>

/* Why an input was refused; each kind has its own counter and err event. */
enum input_error {
	INPUT_OK = 0,
	INPUT_NOT_JSON,     /* not parseable as JSON, or not an object */
	INPUT_NO_ID,        /* "id" missing, or not a string/number */
	INPUT_BAD_TEXT,     /* "text" missing, or not a string */
	INPUT_BAD_FIELD,    /* "title"/"lang" not a string */
	INPUT_BAD_UTF8,     /* text or title is not valid UTF-8 */
	INPUT_EMPTY,        /* zero-length message */
	INPUT_TOO_LARGE,    /* over the configured size limit */
	INPUT_ERROR_KINDS
};

/* "not_json", "no_id", ... as used in err events and stats. */
const char *input_error_name(enum input_error e);

struct article {
	char *id;          /* owned, NUL-terminated */
	char *text;        /* owned, NUL-terminated, text_len bytes */
	size_t text_len;
	char *title;       /* owned or NULL */
	size_t title_len;
	char lang[8];      /* "" when absent: the engine detects it */
	char *meta_json;   /* owned compact JSON of "meta", or NULL */
};

/*
 * Parse one input message. json/json_len is the first frame; text/text_len
 * is the second frame of the two-frame form, or NULL for the one-frame
 * form. max_len bounds the total size (0: no bound). On failure returns the
 * error kind and writes a one-line reason to err; *a is left cleared, but
 * a->id is set when an id could be read (so the err event can carry it).
 */
enum input_error article_parse(struct article *a, const char *json,
    size_t json_len, const char *text, size_t text_len, size_t max_len,
    char *err, size_t errlen);

/*
 * The one-frame form made two (for a producer such as `nerd feed -2`): the
 * members of json other than "text", as they are written, into env (a JSON
 * object), and the text, decoded, into *text (malloc'd, *text_len bytes).
 * A scan, not a parse: the values are skipped, not checked, so the daemon
 * still judges them. Returns 1; 0 if the object has no "text" (*text NULL,
 * env the object); -1 if the scan cannot tell (not an object, an escaped
 * key, a text that is not a string or is there twice, a bad string):
 * parse it instead.
 */
struct buf;
int article_split(const char *json, size_t len, struct buf *env,
    char **text, size_t *text_len);

/* Free what the article owns and zero it. Safe on a zeroed article. */
void article_clear(struct article *a);

#endif
