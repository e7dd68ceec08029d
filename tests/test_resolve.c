/* Overlap resolution: no rule across a gazetteer mention; longest, then
 * priority, then source; nested. */
#include "check.h"
#include "resolve.h"

static struct mention *add(struct mentions *m, uint32_t s, uint32_t e,
    int prio, int kind)
{
	struct mention *x = mentions_add(m);
	x->start = s;
	x->end = e;
	x->prio = (uint8_t)prio;
	x->kind = (uint8_t)kind;
	x->field = FIELD_TEXT;
	x->type = (uint8_t)(s + e + prio + kind); /* a tag to find it by */
	return x;
}

int main(void)
{
	struct mentions m = {0};
	struct resolve_scratch rs = {0};
	uint32_t ncp[NFIELDS] = {0, 100};

	add(&m, 5, 10, 50, SRC_GAZETTEER);
	add(&m, 5, 20, 10, SRC_RULE);  /* holds it, longer: wins */
	add(&m, 30, 35, 40, SRC_RULE);
	add(&m, 30, 35, 60, SRC_RULE); /* same span, higher priority: wins */
	add(&m, 40, 45, 50, SRC_RULE);
	add(&m, 40, 45, 50, SRC_GAZETTEER); /* same, gazetteer first */
	add(&m, 50, 60, 50, SRC_GAZETTEER);
	add(&m, 52, 55, 50, SRC_GAZETTEER); /* inside: nested or dropped */
	/* "صدام حسين" and "حسين عقوبة": the rule's is longer, but crosses
	 * the known name: dropped, from either side */
	add(&m, 70, 79, 50, SRC_GAZETTEER);
	add(&m, 75, 85, 50, SRC_RULE);
	add(&m, 86, 92, 50, SRC_RULE);
	add(&m, 90, 95, 50, SRC_GAZETTEER);
	resolve(&m, ncp, 0, &rs);
	CHECK(m.n == 6);
	CHECK(m.v[0].start == 5 && m.v[0].end == 20);
	CHECK(m.v[1].start == 30 && m.v[1].prio == 60);
	CHECK(m.v[2].start == 40 && m.v[2].kind == SRC_GAZETTEER);
	CHECK(m.v[3].start == 50 && !m.v[3].nested);
	CHECK(m.v[4].start == 70 && m.v[4].kind == SRC_GAZETTEER);
	CHECK(m.v[5].start == 90 && m.v[5].kind == SRC_GAZETTEER);

	m.n = 0;
	add(&m, 50, 60, 50, SRC_GAZETTEER);
	add(&m, 52, 55, 50, SRC_GAZETTEER);
	add(&m, 58, 65, 50, SRC_GAZETTEER); /* crosses the boundary: dropped */
	resolve(&m, ncp, 1, &rs);
	CHECK(m.n == 2);
	CHECK(m.v[0].start == 50 && !m.v[0].nested);
	CHECK(m.v[1].start == 52 && m.v[1].nested);
	CHECK(resolve_overlaps(&m, FIELD_TEXT, 59, 61));
	CHECK(!resolve_overlaps(&m, FIELD_TEXT, 60, 61));
	CHECK(!resolve_overlaps(&m, FIELD_TITLE, 50, 61));

	/* inside up to the winner's end: nested; one past it: dropped;
	 * starting free and running into it: dropped */
	m.n = 0;
	add(&m, 50, 60, 50, SRC_GAZETTEER);
	add(&m, 55, 60, 50, SRC_GAZETTEER);
	add(&m, 56, 61, 50, SRC_GAZETTEER);
	add(&m, 47, 51, 50, SRC_GAZETTEER);
	resolve(&m, ncp, 1, &rs);
	CHECK(m.n == 2);
	CHECK(m.v[0].start == 50 && !m.v[0].nested);
	CHECK(m.v[1].start == 55 && m.v[1].end == 60 && m.v[1].nested);

	/* many disjoint mentions, given backwards and the fields
	 * interleaved: all kept, in reading order */
	m.n = 0;
	ncp[FIELD_TITLE] = 1000;
	ncp[FIELD_TEXT] = 1000;
	for (uint32_t i = 200; i-- > 0;)
		add(&m, 4 * i, 4 * i + 1 + i % 3, 50, i % 2 ? SRC_RULE : SRC_GAZETTEER)
		    ->field = (uint8_t)(i % 5 == 0 ? FIELD_TITLE : FIELD_TEXT);
	resolve(&m, ncp, 0, &rs);
	CHECK(m.n == 200);
	for (size_t i = 1; i < m.n; i++)
		CHECK(m.v[i - 1].field < m.v[i].field ||
		    (m.v[i - 1].field == m.v[i].field &&
		    m.v[i - 1].start < m.v[i].start));

	/* the scratch keeps no owner from one call to the next: the same
	 * spans again, and one inside a span kept before, are all free */
	m.n = 0;
	for (uint32_t i = 100; i-- > 0;)
		add(&m, 4 * i, 4 * i + 1 + i % 3, 50, SRC_RULE)
		    ->field = (uint8_t)(i % 5 == 0 ? FIELD_TITLE : FIELD_TEXT);
	add(&m, 797, 798, 50, SRC_RULE); /* inside 796..798 of the call before */
	resolve(&m, ncp, 1, &rs);
	CHECK(m.n == 101);
	CHECK(m.v[100].start == 797 && m.v[100].field == FIELD_TEXT);
	for (size_t i = 0; i < m.n; i++)
		CHECK(!m.v[i].nested);
	free(m.v);
	resolve_scratch_free(&rs);
	return test_done("resolve");
}
