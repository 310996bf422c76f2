/* SPDX-License-Identifier: ISC */

/*
 * The listener's counters: failed logins per source address, with a
 * penalty that doubles each time a source earns it again (OpenSSH's
 * PerSourcePenalties), and random early drop of unauthenticated
 * connections (MaxStartups). The table is bounded; the oldest entry goes.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "tetherd.h"

#define LIMIT_SOURCES		1024
#define LIMIT_PENALTY_MAX	(7 * 86400)

struct source {
	char		 addr[64];
	time_t		 first;		/* start of the counting window */
	int		 failures;
	time_t		 until;		/* refused until then */
	int		 penalty;	/* the last penalty, doubled next time */
	time_t		 seen;
};

static struct source	limit_sources[LIMIT_SOURCES];
static int		limit_nsources;

static struct source *
limit_find(const char *addr, int create)
{
	struct source	*s, *oldest = NULL;
	int		 i;

	for (i = 0; i < limit_nsources; i++) {
		s = &limit_sources[i];
		if (strcmp(s->addr, addr) == 0)
			return (s);
		if (oldest == NULL || s->seen < oldest->seen)
			oldest = s;
	}
	if (!create)
		return (NULL);
	if (limit_nsources < LIMIT_SOURCES)
		s = &limit_sources[limit_nsources++];
	else
		s = oldest;
	memset(s, 0, sizeof *s);
	snprintf(s->addr, sizeof s->addr, "%s", addr);
	return (s);
}

/* Seconds a source is still refused for, or 0. */
int
limit_refused(const char *addr, time_t now)
{
	struct source	*s;

	if ((s = limit_find(addr, 0)) == NULL || s->until <= now)
		return (0);
	return ((int)(s->until - now));
}

/*
 * Count a failed login. Returns the penalty in seconds when this failure
 * locks the source out, else 0.
 */
int
limit_fail(const struct conf_per_source *ps, const char *addr, time_t now)
{
	struct source	*s = limit_find(addr, 1);

	s->seen = now;
	if (s->until > now)
		return (0);
	if (s->failures == 0 || now - s->first >= ps->window) {
		s->first = now;
		s->failures = 0;
	}
	if (++s->failures < ps->failures)
		return (0);
	s->penalty = s->penalty == 0 ? ps->penalty : s->penalty * 2;
	if (s->penalty > LIMIT_PENALTY_MAX)
		s->penalty = LIMIT_PENALTY_MAX;
	s->until = now + s->penalty;
	s->failures = 0;
	return (s->penalty);
}

/*
 * MaxStartups start:rate:full: with unauth unauthenticated connections
 * already open, drop the next one never below start, always at full, and
 * in between with a chance rising linearly from rate%.
 */
int
limit_drop_startup(const struct conf_startups *ms, int unauth)
{
	unsigned int	 r;
	int		 p;

	if (unauth < ms->start)
		return (0);
	if (unauth >= ms->full)
		return (1);
	p = ms->rate + (100 - ms->rate) * (unauth - ms->start) /
	    (ms->full - ms->start);
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		return (1);
	return ((int)(r % 100) < p);
}
