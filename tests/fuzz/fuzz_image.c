/*
 * fuzz_image.c - the compiled-image loader: a corrupted or hostile image
 * must be refused, never read out of bounds.
 *
 * Input: byte 0 is a mode, the rest the image. Random bytes never get past
 * the checksum, so the mode can repair what a mutation breaks first:
 *   bit 0: set the header's file size to the real size;
 *   bit 1: recompute the checksum;
 *   bit 2: if the image is accepted, open it as an engine (which compiles
 *          its rule texts) and annotate a few sentences with it.
 * An accepted image is then read the way the matcher reads it: every
 * token looked up, the trie walked, every entry's strings read.
 * The seed corpus holds the test fixture's real image (run.sh adds one
 * freshly compiled by the build's own `nerd compile`).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "article.h"
#include "buf.h"
#include "engine.h"
#include "hash.h"
#include "image.h"

static void read_image(const struct image *img)
{
	const struct image_header *h = img->h;
	volatile size_t sink = 0;
	for (uint32_t i = 0; i < h->tok_slots; i++) {
		const struct image_token *t = &img->tokens[i];
		if (!t->hash)
			continue;
		uint32_t trig = 0;
		uint32_t id = image_token(img, image_str(img, t->str), t->len, &trig);
		if (id && trig) {
			const uint32_t *l = img->triggers + trig;
			for (uint32_t q = 1; q <= l[0]; q++)
				sink += l[q];
		}
		/* Walk down from the root along this token, twice over. */
		uint32_t s = image_child(img, 0, id);
		if (s)
			s = image_child(img, s, id);
		if (s)
			sink += img->states[s].count;
	}
	for (uint32_t i = 0; i < h->nstates; i++) {
		const struct image_state *st = &img->states[i];
		for (uint32_t q = 0; q < st->count; q++) {
			const struct image_entry *e = &img->entries[st->first + q];
			sink += strlen(image_str(img, e->id)) +
			    strlen(image_str(img, e->canonical)) +
			    strlen(image_str(img, e->source));
		}
	}
	for (uint32_t i = 0; i < h->ntexts; i++) {
		const struct image_text *t = &img->texts[i];
		sink += strlen(image_str(img, t->name));
		sink += (size_t)memchr(image_str(img, t->data), 0, t->len + 1);
	}
	(void)sink;
}

static const char *sentences[] = {
	"استقبل السيد كريم بناني الوفد في المغرب والمملكة المغربية",
	"The United Nations and the US met in Turkey; the Ministry of Finance said.",
	"Le Maroc et les Nations unies, boom aa bb cc dd ee ff gg",
};

static void run_engine(const uint8_t *img, size_t n)
{
	int fd = memfd_create("fuzz.img", MFD_CLOEXEC);
	if (fd < 0 || write(fd, img, n) != (ssize_t)n) {
		perror("memfd");
		abort();
	}
	char path[64], err[512];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct engine *e = engine_open(path, err, sizeof err);
	close(fd);
	if (!e)
		return;
	struct scratch *s = scratch_new();
	struct buf out = {0};
	for (size_t i = 0; i < sizeof sentences / sizeof *sentences; i++) {
		struct article a = {0};
		a.id = (char *)"fuzz";
		a.text = (char *)sentences[i];
		a.text_len = strlen(sentences[i]);
		buf_reset(&out);
		engine_annotate(e, s, &a, &(struct annotate_opts){0}, &out, NULL,
		    err, sizeof err);
	}
	buf_free(&out);
	scratch_destroy(&s);
	engine_close(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0];
	size--;
	unsigned char *base = malloc(size ? size : 1);
	memcpy(base, data + 1, size);
	struct image_header *h = (void *)base;
	if (size >= sizeof *h) {
		if (mode & 1)
			h->file_size = size;
		if ((mode & 2) && h->header_size <= size)
			h->checksum = hash_checksum(base + h->header_size,
			    size - h->header_size);
	}
	/* image_from_memory takes base; keep a copy for the engine. */
	unsigned char *copy = (mode & 4) ? malloc(size ? size : 1) : NULL;
	if (copy)
		memcpy(copy, base, size);
	struct image img;
	char err[256];
	if (image_from_memory(&img, base, size, err, sizeof err) == 0) {
		read_image(&img);
		image_close(&img);
		if (copy)
			run_engine(copy, size);
	} else if (!err[0]) {
		abort();
	}
	free(copy);
	return 0;
}
