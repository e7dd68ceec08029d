/* The compiled image: a good one loads; a truncated, corrupted, foreign
 * or stale one is refused with a reason, never read out of bounds. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "engine.h"
#include "image.h"

static char path[64];

static void write_img(const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(p, 1, n, f);
	fclose(f);
}

static int refused(const char *why_part)
{
	struct image img;
	char err[512] = "";
	int rc = image_load(&img, path, err, sizeof err);
	if (rc == 0) {
		image_close(&img);
		return 0;
	}
	if (!strstr(err, why_part)) {
		fprintf(stderr, "reason was: %s\n", err);
		return 0;
	}
	return strstr(err, path) != NULL; /* the reason names the file */
}

int main(void)
{
	struct diag d = {0};
	unsigned char *img;
	size_t len;
	CHECK(compile_image(FIXTURES "/gazetteers", FIXTURES "/rules", 1, &d, &img,
	    &len) == 0);
	CHECK(d.errors == 0);
	snprintf(path, sizeof path, "/tmp/nerd-test-%d.img", (int)getpid());

	write_img(img, len);
	char err[512];
	struct engine *e = engine_open(path, err, sizeof err);
	CHECK(e != NULL);
	if (e) {
		CHECK(strlen(engine_ruleset(e)) == 16);
		CHECK(engine_rule_count(e) == 3);
		engine_close(&e);
	}
	/* the same sources compile to the same bytes */
	unsigned char *img2;
	size_t len2;
	CHECK(compile_image(FIXTURES "/gazetteers", FIXTURES "/rules", 1, &d, &img2,
	    &len2) == 0);
	CHECK(len2 == len && !memcmp(img, img2, len));
	free(img2);

	write_img(img, len / 2);
	CHECK(refused("truncated"));
	write_img(img, 10);
	CHECK(refused("truncated"));

	unsigned char *bad = malloc(len);
	memcpy(bad, img, len);
	bad[len - 20] ^= 0x40;
	write_img(bad, len);
	CHECK(refused("checksum"));

	memcpy(bad, img, len);
	memcpy(bad, "ELF\0\0\0\0\0", 8);
	write_img(bad, len);
	CHECK(refused("not a nerd image"));

	memcpy(bad, img, len);
	((struct image_header *)bad)->version = IMAGE_VERSION + 1;
	write_img(bad, len);
	CHECK(refused("version"));

	free(bad);
	free(img);
	unlink(path);
	CHECK(engine_open("/nonexistent/nerd.img", err, sizeof err) == NULL);
	CHECK(strstr(err, "/nonexistent/nerd.img") != NULL);
	return test_done("image");
}
