/*
 * tag.c - `nerd tag`: the engine offline, JSON Lines in, annotations out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "commands.h"
#include "compile.h"
#include "datadir.h"
#include "engine.h"
#include "html.h"
#include "jsonw.h"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: nerd tag [-i IMAGE | -g GAZETTEERS -r RULES] [--nested] [--timing]\n"
	    "                [--format json|html] [--text FILE | FILE...]\n"
	    "Reads articles as JSON Lines ({\"id\", \"text\", ...}) from the files or\n"
	    "stdin and writes one annotation per line, in order. Input that cannot be\n"
	    "tagged gives an error object on that line and a message on stderr;\n"
	    "the exit status is then 1.\n"
	    "--format html writes one self-contained HTML page instead, with the\n"
	    "mentions highlighted by type.\n");
}

struct tagger {
	struct engine *e;
	struct scratch *s;
	struct annotate_opts o;
	struct buf out;
	int failed;
	struct html_page *html;  /* --format html: the page, written at the end */
};

static void error_line(struct tagger *t, const char *where, long line,
    const struct article *a, enum input_error kind, const char *msg)
{
	fprintf(stderr, "nerd tag: %s:%ld: %s: %s\n", where, line,
	    input_error_name(kind), msg);
	t->failed = 1;
	if (t->html) {
		html_page_add_error(t->html, a->id, input_error_name(kind), msg);
		return;
	}
	buf_reset(&t->out);
	buf_adds(&t->out, "{\"schema\":\"nerd.error/1\",");
	jsonw_key(&t->out, "seq");
	jsonw_u64(&t->out, t->o.seq);
	buf_addc(&t->out, ',');
	jsonw_key(&t->out, "id");
	if (a->id)
		jsonw_cstr(&t->out, a->id);
	else
		buf_adds(&t->out, "null");
	buf_addc(&t->out, ',');
	jsonw_key(&t->out, "error");
	jsonw_cstr(&t->out, input_error_name(kind));
	buf_addc(&t->out, ',');
	jsonw_key(&t->out, "message");
	jsonw_cstr(&t->out, msg);
	buf_adds(&t->out, "}\n");
	fwrite(t->out.data, 1, t->out.len, stdout);
}

static void tag_one(struct tagger *t, struct article *a, const char *where,
    long line)
{
	char err[256];
	buf_reset(&t->out);
	if (engine_annotate(t->e, t->s, a, &t->o, &t->out, NULL, err, sizeof err) < 0) {
		error_line(t, where, line, a, INPUT_BAD_TEXT, err);
		return;
	}
	if (t->html) {
		json_t *ann = json_loadb(t->out.data, t->out.len, 0, NULL);
		html_page_add(t->html, ann, a->text, a->text_len, a->title,
		    a->title_len);
		json_decref(ann);
		return;
	}
	buf_addc(&t->out, '\n');
	fwrite(t->out.data, 1, t->out.len, stdout);
}

static void tag_stream(struct tagger *t, FILE *f, const char *where)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long ln = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue; /* blank lines separate nothing in JSON Lines */
		t->o.seq++;
		struct article a;
		char err[256];
		enum input_error k = article_parse(&a, line, (size_t)n, NULL, 0, 0,
		    err, sizeof err);
		if (k != INPUT_OK)
			error_line(t, where, ln, &a, k, err);
		else
			tag_one(t, &a, where, ln);
		article_clear(&a);
	}
	free(line);
}

int cmd_tag(int argc, char **argv)
{
	static const struct option opts[] = {
		{"image", required_argument, NULL, 'i'},
		{"gazetteers", required_argument, NULL, 'g'},
		{"rules", required_argument, NULL, 'r'},
		{"text", required_argument, NULL, 't'},
		{"nested", no_argument, NULL, 'N'},
		{"timing", no_argument, NULL, 'T'},
		{"format", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *image = NULL, *gaz = NULL, *rules = NULL, *text = NULL,
	    *format = "json";
	struct tagger t = {0};
	int c;
	while ((c = getopt_long(argc, argv, "i:g:r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i': image = optarg; break;
		case 'g': gaz = optarg; break;
		case 'r': rules = optarg; break;
		case 't': text = optarg; break;
		case 'N': t.o.nested = 1; break;
		case 'T': t.o.timing = 1; break;
		case 'F': format = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(format, "json") && strcmp(format, "html")) {
		fprintf(stderr, "nerd tag: --format: json or html, not '%s'\n",
		    format);
		return 2;
	}
	char err[512];
	t.e = datadir_engine(image, gaz, rules, err, sizeof err);
	if (!t.e) {
		fprintf(stderr, "nerd tag: %s\n", err);
		return 1;
	}
	t.s = scratch_new();
	if (!strcmp(format, "html")) {
		const char *what = text ? text : optind < argc ? argv[optind] :
		    "stdin";
		const char *base = strrchr(what, '/');
		char title[512];
		snprintf(title, sizeof title, "nerd tag: %s%s", base ? base + 1 :
		    what, !text && argc - optind > 1 ? ", \xe2\x80\xa6" : "");
		t.html = html_page_new(title);
	}
	if (text) {
		size_t len;
		char *data = read_file(text, &len);
		if (!data) {
			fprintf(stderr, "nerd tag: %s: %m\n", text);
			t.failed = 1;
		} else {
			/* the plain text becomes an article's text, checked like
			 * any other input */
			const char *base = strrchr(text, '/');
			base = base ? base + 1 : text;
			struct buf env = {0};
			buf_adds(&env, "{\"id\":");
			jsonw_cstr(&env, base);
			buf_addc(&env, '}');
			struct article a;
			enum input_error k = article_parse(&a, env.data, env.len,
			    data, len, 0, err, sizeof err);
			t.o.seq = 1;
			if (k != INPUT_OK)
				error_line(&t, text, 0, &a, k, err);
			else
				tag_one(&t, &a, text, 0);
			article_clear(&a);
			buf_free(&env);
			free(data);
		}
	} else if (optind == argc)
		tag_stream(&t, stdin, "<stdin>");
	else
		for (int i = optind; i < argc; i++) {
			FILE *f = !strcmp(argv[i], "-") ? stdin : fopen(argv[i], "r");
			if (!f) {
				fprintf(stderr, "nerd tag: %s: %m\n", argv[i]);
				t.failed = 1;
				continue;
			}
			tag_stream(&t, f, argv[i]);
			if (f != stdin)
				fclose(f);
		}
	if (t.html && html_page_write(t.html, stdout) == -1) {
		fprintf(stderr, "nerd tag: writing the page: %m\n");
		t.failed = 1;
	}
	html_page_destroy(&t.html);
	fflush(stdout);
	buf_free(&t.out);
	scratch_destroy(&t.s);
	engine_close(&t.e);
	return t.failed ? 1 : 0;
}
