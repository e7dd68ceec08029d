/* The master-worker framing: whole messages, partial ones, bad ones. */
#include <stdlib.h>

#include "check.h"
#include "wire.h"

int main(void)
{
	struct buf b = {0};
	struct wire_hdr h;
	const char *parts[WIRE_MAX_PARTS];
	size_t need;
	const void *p2[] = {"article", "text"};
	size_t l2[] = {7, 4};

	wire_add(&b, 'J', 42, 2, p2, l2);
	wire_add(&b, 'Q', 0, 0, NULL, NULL);
	size_t first = sizeof h + 11;

	/* nothing, then all but one byte: not there yet, and how much */
	CHECK(wire_next(b.data, 0, &h, parts, &need) == 0 && need == sizeof h);
	CHECK(wire_next(b.data, first - 1, &h, parts, &need) == 0 &&
	    need == first);
	/* the first message whole, its parts where they are */
	CHECK(wire_next(b.data, b.len, &h, parts, &need) == (long long)first);
	CHECK(h.type == 'J' && h.job == 42 && h.nparts == 2);
	CHECK(h.len[0] == 7 && !memcmp(parts[0], "article", 7));
	CHECK(h.len[1] == 4 && !memcmp(parts[1], "text", 4));
	/* then the second, a bare header */
	CHECK(wire_next(b.data + first, b.len - first, &h, parts, &need) ==
	    (long long)sizeof h && h.type == 'Q' && h.nparts == 0);

	/* malformed: too many parts, or a length past WIRE_MAX_BYTES
	 * (announced before any of it arrived: nothing is reserved) */
	struct wire_hdr bad = {.type = 'A', .nparts = WIRE_MAX_PARTS + 1};
	CHECK(wire_next((const char *)&bad, sizeof bad, &h, parts, &need) == -1);
	bad.nparts = 2;
	bad.len[0] = WIRE_MAX_BYTES / 2 + 1;
	bad.len[1] = WIRE_MAX_BYTES / 2 + 1;
	CHECK(wire_next((const char *)&bad, sizeof bad, &h, parts, &need) == -1);
	bad.len[0] = ~0ull;
	bad.len[1] = 2;   /* a sum that would wrap */
	CHECK(wire_next((const char *)&bad, sizeof bad, &h, parts, &need) == -1);

	buf_free(&b);
	return test_done("wire");
}
