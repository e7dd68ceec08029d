/*
 * article.c - parse the input contract: the common flat envelope directly
 * (fast_envelope), anything else with jansson. In the two-frame form the
 * text never goes through JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "buf.h"
#include "utf8.h"

static const char *names[INPUT_ERROR_KINDS] = {
	"ok", "not_json", "no_id", "bad_text", "bad_field", "bad_utf8",
	"empty", "too_large",
};

const char *input_error_name(enum input_error e)
{
	return e >= 0 && e < INPUT_ERROR_KINDS ? names[e] : "unknown";
}

void article_clear(struct article *a)
{
	free(a->id);
	free(a->text);
	free(a->title);
	free(a->meta_json);
	memset(a, 0, sizeof *a);
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * The fast path of the envelope (issue 7): jansson builds a tree of the
 * whole object, text included, at about 60 MB/s, as much time as the
 * engine takes for the article. Most messages are a flat object of
 * strings: fast_envelope() reads those directly and gives each value
 * other than a string of a known key (meta, unknown keys) to jansson
 * alone. It accepts only what it is sure of, with the values jansson
 * would give; at anything else (a bad or unusual message: escaped keys,
 * duplicate keys, an integer id, null, a lone surrogate, \u0000, ...) it
 * answers 0 and the message goes through jansson as before, which says
 * precisely what is wrong with it. The frame is valid UTF-8 already.
 */
enum { K_ID, K_TEXT, K_TITLE, K_LANG, K_META, NKEYS };

struct span {
	const char *p;          /* inside the quotes, or the value's bytes */
	size_t n;
	int esc;                /* a string with a backslash in it */
};

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Whether any byte of w is a quote, a backslash or a control character:
 * bytes that are 0 after an XOR with the quote's or the backslash's, or
 * below 0x20 (the "has less" test of Bit Twiddling Hacks; a false hit
 * only ever comes above a true one, so the answer is exact). */
#define LANES(b) (0x0101010101010101ULL * (b))

static inline int special8(uint64_t w)
{
	uint64_t q = w ^ LANES('"'), b = w ^ LANES('\\');
	return (((q - LANES(1)) & ~q) | ((b - LANES(1)) & ~b) |
	    ((w - LANES(0x20)) & ~w)) & LANES(0x80) ? 1 : 0;
}

/* A string's body from just after its opening quote: the address after
 * its closing quote, or NULL. A raw control character is not JSON. The
 * one-frame form's text is most of its message: eight bytes at a time
 * between the bytes that matter, it costs a fifth of what it did byte by
 * byte (issue 7). */
static const char *scan_string(const char *p, const char *e, int *esc)
{
	*esc = 0;
	while (p < e) {
		uint64_t w;
		while (e - p >= 8 && (memcpy(&w, p, 8), !special8(w)))
			p += 8;
		if (p >= e)
			break;
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			*esc = 1;
			p += 2;
			continue;
		}
		if (c < 0x20)
			return NULL;
		p++;
	}
	return NULL;
}

static int hex4(const char *p, const char *e, uint32_t *v)
{
	*v = 0;
	if (e - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* The decoded string, malloc'd, or NULL where jansson would refuse it or
 * would give a NUL. */
static char *decode_string(const struct span *s, size_t *len)
{
	if (!s->esc) {
		*len = s->n;
		return dup_n(s->p, s->n);
	}
	char *out = malloc(s->n + 1), *o = out;
	const char *p = s->p, *e = s->p + s->n;
	if (!out)
		abort();
	while (p < e) {
		const char *b = memchr(p, '\\', (size_t)(e - p));
		if (!b)
			b = e;
		memcpy(o, p, (size_t)(b - p));
		o += b - p;
		if (b == e)
			break;
		p = b + 2;
		switch (b[1]) {
		case '"': *o++ = '"'; continue;
		case '\\': *o++ = '\\'; continue;
		case '/': *o++ = '/'; continue;
		case 'b': *o++ = '\b'; continue;
		case 'f': *o++ = '\f'; continue;
		case 'n': *o++ = '\n'; continue;
		case 'r': *o++ = '\r'; continue;
		case 't': *o++ = '\t'; continue;
		case 'u': break;
		default: goto bad;
		}
		uint32_t cp, lo;
		if (hex4(p, e, &cp) == -1)
			goto bad;
		p += 4;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
			    hex4(p + 2, e, &lo) == -1 || lo < 0xDC00 ||
			    lo > 0xDFFF)
				goto bad;
			p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		} else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0)
			goto bad;
		/* an escape is at least 6 bytes, its UTF-8 at most 4 */
		if (cp < 0x80)
			*o++ = (char)cp;
		else if (cp < 0x800) {
			*o++ = (char)(0xC0 | (cp >> 6));
			*o++ = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			*o++ = (char)(0xE0 | (cp >> 12));
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*o++ = (char)(0xF0 | (cp >> 18));
			*o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
bad:
	free(out);
	return NULL;
}

/* The end of the value at p (any JSON value, not checked: jansson checks
 * it), or NULL. Deep nesting is left to the slow path. */
static const char *skip_value(const char *p, const char *e)
{
	int depth = 0, esc;
	do {
		p = skip_ws(p, e);
		if (p >= e)
			return NULL;
		switch (*p) {
		case '"':
			if (!(p = scan_string(p + 1, e, &esc)))
				return NULL;
			break;
		case '{': case '[':
			if (++depth > 100)
				return NULL;
			p++;
			break;
		case '}': case ']':
			if (--depth < 0)
				return NULL;
			p++;
			break;
		case ',': case ':':
			if (depth == 0)
				return NULL;
			p++;
			break;
		default: {
			const char *s = p;
			while (p < e && *p && !strchr(",:{}[]\" \t\n\r", *p))
				p++;
			if (p == s)
				return NULL;      /* a NUL, say */
		}
		}
	} while (depth > 0);
	return p;
}

/*
 * The compact JSON of a value (meta, an unknown key's), as jansson would
 * write it back after its parse (json_dumps, JSON_COMPACT), written
 * without jansson: parsing and dumping a two-member meta took it 12,000
 * instructions, 4% of a worker's article (issue 7). Only where the bytes
 * are sure to be jansson's: strings without a backslash (an escape may
 * come back written another way), integers as jansson writes them
 * (not -0, at most 18 digits), true, false, null, objects without a
 * duplicate key, arrays; white space dropped. Anything else answers NULL
 * and jansson reads the value, which says what is wrong with it. The
 * frame is valid UTF-8 already. Returns the end of the value at p.
 */
#define COMPACT_DEPTH 16
#define COMPACT_KEYS 32

static const char *compact_string(const char *p, const char *e,
    struct buf *out)
{
	const char *s = p + 1;
	while (s < e && *s != '"') {
		if (*s == '\\' || (unsigned char)*s < 0x20)
			return NULL;
		s++;
	}
	if (s >= e)
		return NULL;
	buf_add(out, p, (size_t)(s + 1 - p));
	return s + 1;
}

static const char *compact(const char *p, const char *e, struct buf *out,
    int depth)
{
	const char *s = p;
	if (p >= e || depth > COMPACT_DEPTH)
		return NULL;
	switch (*p) {
	case '"':
		return compact_string(p, e, out);
	case '{': case '[': {
		char close = *p == '{' ? '}' : ']';
		struct span keys[COMPACT_KEYS];
		int nk = 0;
		buf_addc(out, *p);
		p = skip_ws(p + 1, e);
		if (p < e && *p == close) {
			buf_addc(out, close);
			return p + 1;
		}
		for (;;) {
			if (close == '}') {
				if (p >= e || *p != '"' || nk == COMPACT_KEYS)
					return NULL;
				struct span k = {p + 1, 0, 0};
				if (!(p = compact_string(p, e, out)))
					return NULL;
				k.n = (size_t)(p - 1 - k.p);
				for (int i = 0; i < nk; i++)
					if (keys[i].n == k.n &&
					    !memcmp(keys[i].p, k.p, k.n))
						return NULL;   /* a duplicate */
				keys[nk++] = k;
				p = skip_ws(p, e);
				if (p >= e || *p++ != ':')
					return NULL;
				buf_addc(out, ':');
				p = skip_ws(p, e);
			}
			if (!(p = compact(p, e, out, depth + 1)))
				return NULL;
			p = skip_ws(p, e);
			if (p < e && *p == ',') {
				buf_addc(out, ',');
				p = skip_ws(p + 1, e);
				continue;
			}
			if (p < e && *p == close) {
				buf_addc(out, close);
				return p + 1;
			}
			return NULL;
		}
	}
	case 't':
		if (e - p >= 4 && !memcmp(p, "true", 4))
			s = p + 4;
		break;
	case 'f':
		if (e - p >= 5 && !memcmp(p, "false", 5))
			s = p + 5;
		break;
	case 'n':
		if (e - p >= 4 && !memcmp(p, "null", 4))
			s = p + 4;
		break;
	default: {
		const char *d = *p == '-' ? p + 1 : p;
		s = d;
		while (s < e && *s >= '0' && *s <= '9')
			s++;
		if (s == d || s - d > 18 || (*d == '0' && (s - d > 1 ||
		    d > p)))
			return NULL;  /* none, too long, 01, or -0 (0) */
		if (s < e && (*s == '.' || *s == 'e' || *s == 'E'))
			return NULL;  /* a real: jansson writes it its way */
	}
	}
	if (s == p)
		return NULL;
	/* What follows a literal or a number must end it ("truex", "1a"
	 * are not JSON): the caller looks for , ] } or the end. */
	buf_add(out, p, (size_t)(s - p));
	return s;
}

/* The value p[0..n) written compact into a new string, or NULL. */
static char *compact_value(const char *p, size_t n)
{
	struct buf out = {0};
	const char *e = p + n, *q;
	buf_reserve(&out, n);
	if (!(q = compact(skip_ws(p, e), e, &out, 0)) || skip_ws(q, e) != e) {
		buf_free(&out);
		return NULL;
	}
	buf_cstr(&out);
	return out.data;
}

/* A value other than a known key's string: jansson reads it alone. */
static json_t *load_value(const char *p, size_t n)
{
	return json_loadb(p, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
}

/* A member's key and its colon, from *pp at the key's opening quote: 0
 * with *pp at the value (white space skipped), or -1. An escaped key is
 * refused: it could spell any name, which only a parser can tell. */
static int read_key(const char **pp, const char *e, struct span *key)
{
	const char *p = *pp;
	if (p >= e || *p != '"')
		return -1;
	key->p = p + 1;
	if (!(p = scan_string(p + 1, e, &key->esc)) || key->esc)
		return -1;
	key->n = (size_t)(p - 1 - key->p);
	p = skip_ws(p, e);
	if (p >= e || *p++ != ':')
		return -1;
	*pp = skip_ws(p, e);
	return 0;
}

/* After a member's value at *pp: 1 with *pp at the next key; 0 if the
 * object closes there and nothing but white space follows; -1 else. */
static int next_member(const char **pp, const char *e)
{
	const char *p = skip_ws(*pp, e);
	if (p < e && *p == ',') {
		*pp = skip_ws(p + 1, e);
		return 1;
	}
	return p < e && *p == '}' && skip_ws(p + 1, e) == e ? 0 : -1;
}

int article_split(const char *json, size_t len, struct buf *env,
    char **text, size_t *text_len)
{
	const char *p = json, *e = json + len;
	struct span t = {0};
	int have = 0, members = 0;

	*text = NULL;
	p = skip_ws(p, e);
	if (p >= e || *p++ != '{')
		return -1;
	buf_reset(env);
	buf_addc(env, '{');
	p = skip_ws(p, e);
	if (p < e && *p == '}') {
		buf_addc(env, '}');
		return skip_ws(p + 1, e) == e ? 0 : -1;
	}
	for (int more = 1; more;) {
		const char *member = p;
		struct span key;
		if (read_key(&p, e, &key) == -1)
			return -1;
		if (key.n == 4 && !memcmp(key.p, "text", 4)) {
			if (have++ || p >= e || *p != '"')
				return -1; /* twice, or not a string */
			t.p = p + 1;
			if (!(p = scan_string(p + 1, e, &t.esc)))
				return -1;
			t.n = (size_t)(p - 1 - t.p);
		} else {
			if (!(p = skip_value(p, e)))
				return -1;
			if (members++)
				buf_addc(env, ',');
			buf_add(env, member, (size_t)(p - member));
		}
		if ((more = next_member(&p, e)) == -1)
			return -1;
	}
	buf_addc(env, '}');
	if (!have)
		return 0;
	if (!(*text = decode_string(&t, text_len)))
		return -1;
	return 1;
}

/* 1: the envelope is read into *a (text only if it is in the JSON);
 * 0: take the slow path. */
static int fast_envelope(struct article *a, const char *json, size_t len)
{
	static const char *const keys[NKEYS] = {"id", "text", "title", "lang",
	    "meta"};
	struct span v[NKEYS] = {{0}}, other[8];
	int seen[NKEYS] = {0}, nother = 0;
	json_t *meta = NULL;
	const char *p = json, *e = json + len;

	p = skip_ws(p, e);
	if (p >= e || *p++ != '{')
		return 0;
	p = skip_ws(p, e);
	for (int more = 1; more;) {
		struct span key;
		if (read_key(&p, e, &key) == -1)
			goto slow;
		int k = 0;
		while (k < NKEYS && (strlen(keys[k]) != key.n ||
		    memcmp(keys[k], key.p, key.n)))
			k++;
		if (k < NKEYS && seen[k]++)
			goto slow;            /* a duplicate: jansson says so */
		if (k < K_META) {
			if (p >= e || *p != '"')
				goto slow;
			v[k].p = p + 1;
			if (!(p = scan_string(p + 1, e, &v[k].esc)))
				goto slow;
			v[k].n = (size_t)(p - 1 - v[k].p);
		} else {
			if (k == NKEYS) {
				for (int i = 0; i < nother; i++)
					if (other[i].n == key.n &&
					    !memcmp(other[i].p, key.p, key.n))
						goto slow;
				if (nother == 8)
					goto slow;
				other[nother++] = key;
			}
			const char *s = p;
			if (!(p = skip_value(p, e)))
				goto slow;
			char *c = compact_value(s, (size_t)(p - s));
			if (c && k == K_META)
				a->meta_json = c;
			else if (c)
				free(c);
			else {
				json_t *j = load_value(s, (size_t)(p - s));
				if (!j)
					goto slow;
				if (k == K_META)
					meta = j;
				else
					json_decref(j);
			}
		}
		if ((more = next_member(&p, e)) == -1)
			goto slow;
	}
	if (!seen[K_ID] || v[K_ID].n == 0)
		goto slow;
	size_t n;
	if (seen[K_LANG]) {
		char *l = decode_string(&v[K_LANG], &n);
		if (!l || n >= sizeof a->lang || (strcmp(l, "ar") &&
		    strcmp(l, "fr") && strcmp(l, "en") && *l)) {
			free(l);
			goto slow;
		}
		memcpy(a->lang, l, n + 1);
		free(l);
	}
	if (!(a->id = decode_string(&v[K_ID], &n)))
		goto slow;
	if (seen[K_TEXT] && !(a->text = decode_string(&v[K_TEXT],
	    &a->text_len)))
		goto slow;
	if (seen[K_TITLE] && !(a->title = decode_string(&v[K_TITLE],
	    &a->title_len)))
		goto slow;
	if (meta) {
		a->meta_json = json_dumps(meta, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER);
		json_decref(meta);
		if (!a->meta_json)
			goto slow;
	}
	return 1;
slow:
	json_decref(meta);
	article_clear(a);
	return 0;
}

#define REFUSE(kind, ...)                           \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		rc = kind;                          \
		goto fail;                          \
	} while (0)

enum input_error article_parse(struct article *a, const char *json,
    size_t json_len, const char *text, size_t text_len, size_t max_len,
    char *err, size_t errlen)
{
	enum input_error rc = INPUT_OK;
	json_t *root = NULL;
	json_error_t je;
	size_t bad;

	memset(a, 0, sizeof *a);
	if (json_len == 0)
		REFUSE(INPUT_EMPTY, "empty message");
	if (max_len && json_len + text_len > max_len)
		REFUSE(INPUT_TOO_LARGE, "message of %zu bytes exceeds the limit of %zu",
		    json_len + text_len, max_len);
	/* jansson checks UTF-8 itself, but says only "invalid UTF-8";
	 * find the offset first so that the producer knows where. */
	if (utf8_validate(json, json_len, &bad) < 0)
		REFUSE(INPUT_BAD_UTF8, "invalid UTF-8 at byte %zu of the JSON frame", bad);
	if (fast_envelope(a, json, json_len)) {
		if (!text && a->text)
			return INPUT_OK;
		if (!text || a->text) {
			article_clear(a);
			goto slow;
		}
		if (utf8_validate(text, text_len, &bad) < 0)
			REFUSE(INPUT_BAD_UTF8, "invalid UTF-8 at byte %zu of the text", bad);
		a->text = dup_n(text, text_len);
		a->text_len = text_len;
		return INPUT_OK;
	}
slow:
	root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		REFUSE(INPUT_NOT_JSON, "not JSON: %s at line %d column %d", je.text,
		    je.line, je.column);
	if (!json_is_object(root))
		REFUSE(INPUT_NOT_JSON, "not a JSON object");
	json_t *id = json_object_get(root, "id");
	if (json_is_string(id) && json_string_length(id) > 0)
		a->id = dup_n(json_string_value(id), json_string_length(id));
	else if (json_is_integer(id)) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(id));
		a->id = dup_n(tmp, strlen(tmp));
	} else
		REFUSE(INPUT_NO_ID, "\"id\" is missing or not a string");
	json_t *t = json_object_get(root, "text");
	if (text) {
		if (t)
			REFUSE(INPUT_BAD_TEXT, "\"text\" given in both frames");
		if (utf8_validate(text, text_len, &bad) < 0)
			REFUSE(INPUT_BAD_UTF8, "invalid UTF-8 at byte %zu of the text", bad);
		a->text = dup_n(text, text_len);
		a->text_len = text_len;
	} else {
		if (!json_is_string(t))
			REFUSE(INPUT_BAD_TEXT, "\"text\" is missing or not a string");
		a->text_len = json_string_length(t);
		if (memchr(json_string_value(t), '\0', a->text_len))
			REFUSE(INPUT_BAD_TEXT, "\"text\" contains a NUL character");
		a->text = dup_n(json_string_value(t), a->text_len);
	}
	json_t *ti = json_object_get(root, "title");
	if (ti && !json_is_null(ti)) {
		if (!json_is_string(ti))
			REFUSE(INPUT_BAD_FIELD, "\"title\" is not a string");
		a->title_len = json_string_length(ti);
		a->title = dup_n(json_string_value(ti), a->title_len);
	}
	json_t *la = json_object_get(root, "lang");
	if (la && !json_is_null(la)) {
		const char *l = json_is_string(la) ? json_string_value(la) : NULL;
		if (!l || strlen(l) >= sizeof a->lang)
			REFUSE(INPUT_BAD_FIELD, "\"lang\" is not a short string");
		if (strcmp(l, "ar") && strcmp(l, "fr") && strcmp(l, "en") && *l)
			REFUSE(INPUT_BAD_FIELD, "\"lang\" must be ar, fr or en");
		strcpy(a->lang, l);
	}
	json_t *meta = json_object_get(root, "meta");
	if (meta)
		a->meta_json = json_dumps(meta, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_PRESERVE_ORDER);
	json_decref(root);
	return INPUT_OK;
fail:
	json_decref(root);
	{
		char *keep = a->id;
		a->id = NULL;
		article_clear(a);
		a->id = keep;
	}
	return rc;
}
