/*
 * wire.c - framing of the master's and the workers' messages (wire.h).
 */
#include <string.h>

#include "wire.h"

void wire_add(struct buf *b, char type, uint64_t job, unsigned nparts,
    const void *const *parts, const size_t *lens)
{
	struct wire_hdr h = {.type = (unsigned char)type, .nparts = nparts,
	    .job = job};
	size_t total = sizeof h;
	for (unsigned i = 0; i < nparts; i++) {
		h.len[i] = lens[i];
		total += lens[i];
	}
	buf_reserve(b, total);
	buf_add(b, &h, sizeof h);
	for (unsigned i = 0; i < nparts; i++)
		buf_add(b, parts[i], lens[i]);
}

long long wire_next(const char *p, size_t n, struct wire_hdr *h,
    const char *parts[WIRE_MAX_PARTS], size_t *need)
{
	*need = sizeof *h;
	if (n < sizeof *h)
		return 0;
	memcpy(h, p, sizeof *h);
	if (h->nparts > WIRE_MAX_PARTS)
		return -1;
	uint64_t total = sizeof *h;
	for (unsigned i = 0; i < h->nparts; i++) {
		if (h->len[i] > WIRE_MAX_BYTES || total + h->len[i] >
		    WIRE_MAX_BYTES)
			return -1;
		parts[i] = p + total;
		total += h->len[i];
	}
	*need = (size_t)total;
	return total <= n ? (long long)total : 0;
}
