/*
 * dispatch.c's slack: how long the master may leave results unread. The
 * send path over a socketpair is tested in test_zretry.c.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "dispatch.h"

/* A stand-in worker holding n jobs (nothing is forked or written). */
static void hold(struct dispatch *d, struct wslot *w, unsigned n, double now)
{
	w->pid = 1;
	w->ready = 1;
	for (unsigned k = 0; k < n; k++) {
		struct job *j = job_new();
		j->id = ++d->next_job;
		if (w->nheld == 0)
			w->head_started = now;
		w->held[w->nheld++] = j;
	}
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

int main(void)
{
	struct dispatch d;
	CHECK(dispatch_init(&d, 2, 8) == 0);
	struct wslot *w = &d.slots[0], *v = &d.slots[1];

	/* no worker, or one whose rate is not known yet: no slack */
	CHECK(dispatch_slack(&d, 0) == 0);
	hold(&d, w, 4, 0);
	CHECK(dispatch_slack(&d, 0) == 0);

	/* the first answer after 1 s sets the rate; the next ones, read
	 * in a batch at the same instant, pull the average down by 1/16 */
	job_free(dispatch_done(&d, w, w->held[0]->id, 1.0));
	CHECK(near(w->job_s, 1.0) && near(w->head_started, 1.0));
	job_free(dispatch_done(&d, w, w->held[0]->id, 1.0));
	CHECK(near(w->job_s, 15.0 / 16));

	/* two held: one job behind the one in work, less what it has done */
	CHECK(near(dispatch_slack(&d, 1.0), 15.0 / 16));
	CHECK(near(dispatch_slack(&d, 1.5), 15.0 / 16 - 0.5));
	CHECK(dispatch_slack(&d, 3.0) == 0);        /* overdue: never < 0 */

	/* a worker on its last job, or idle, cannot wait */
	job_free(dispatch_done(&d, w, w->held[0]->id, 2.0));
	CHECK(w->nheld == 1 && dispatch_slack(&d, 2.0) == 0);
	hold(&d, w, 3, 2.0);
	v->job_s = 0.1;
	hold(&d, v, 0, 2.0);
	CHECK(dispatch_slack(&d, 2.0) == 0);

	/* two busy workers: the one that runs out first */
	hold(&d, v, 3, 2.0);
	CHECK(near(dispatch_slack(&d, 2.0), 0.2));
	/* a retiring worker takes no new jobs: it does not count */
	v->retiring = 1;
	CHECK(dispatch_slack(&d, 2.0) > 0.2);

	w->pid = v->pid = 0;   /* nothing to close: not real slots */
	for (unsigned k = 0; k < w->nheld; k++)
		job_free(w->held[k]);
	for (unsigned k = 0; k < v->nheld; k++)
		job_free(v->held[k]);
	w->nheld = v->nheld = 0;
	dispatch_free(&d);
	return failures;
}
