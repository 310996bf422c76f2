/* SPDX-License-Identifier: ISC */

/*
 * The listener's counters: failed logins per source, with a penalty that
 * doubles each time a source earns it again (OpenSSH's PerSourcePenalties);
 * the global budget of wrong guesses; random early drop of unauthenticated
 * connections (MaxStartups). IPv6 sources count by /64, and a source that
 * is locked out keeps its entry while the table is full.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "tetherd.h"

#define LIMIT_SOURCES		1024
#define LIMIT_PENALTY_MAX	(7 * 86400)

struct source {
	char		 key[64];	/* an address, or an IPv6 /64 */
	time_t		 first;		/* start of the counting window */
	int		 failures;
	int		 noauth;	/* connections that tried nothing */
	time_t		 until;		/* refused until then */
	int		 penalty;	/* the last penalty, doubled next time */
	time_t		 seen;
};

static struct source	limit_sources[LIMIT_SOURCES];
static int		limit_nsources;

/* The global budget of wrong guesses: tokens, and when one last came. */
static double		limit_tokens = -1;
static double		limit_filled;

/*
 * What a source is counted as: an IPv4 address as it is, an IPv6 address
 * by its /64, since one host is given a whole /64 to pick from.
 */
void
limit_key(const char *addr, char *key, size_t len)
{
	struct in6_addr	 a6;
	char		 buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, addr, &a6) != 1) {
		snprintf(key, len, "%s", addr);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		inet_ntop(AF_INET, &a6.s6_addr[12], buf, sizeof buf);
		snprintf(key, len, "%s", buf);
		return;
	}
	memset(&a6.s6_addr[8], 0, 8);
	inet_ntop(AF_INET6, &a6, buf, sizeof buf);
	snprintf(key, len, "%s/64", buf);
}

/* Whether two addresses are counted as the same source. */
int
limit_same_source(const char *a, const char *b)
{
	char	 ka[64], kb[64];

	limit_key(a, ka, sizeof ka);
	limit_key(b, kb, sizeof kb);
	return (strcmp(ka, kb) == 0);
}

/*
 * The entry for addr's source. With create and a full table, the oldest
 * entry that is not locked out makes room; when every entry is locked out
 * there is none, and only the global budget limits that source.
 */
static struct source *
limit_find(const char *addr, int create, time_t now)
{
	struct source	*s, *oldest = NULL;
	char		 key[64];
	int		 i;

	limit_key(addr, key, sizeof key);
	for (i = 0; i < limit_nsources; i++) {
		s = &limit_sources[i];
		if (strcmp(s->key, key) == 0)
			return (s);
		if (s->until > now)
			continue;
		if (oldest == NULL || s->seen < oldest->seen)
			oldest = s;
	}
	if (!create)
		return (NULL);
	if (limit_nsources < LIMIT_SOURCES)
		s = &limit_sources[limit_nsources++];
	else if ((s = oldest) == NULL)
		return (NULL);
	memset(s, 0, sizeof *s);
	snprintf(s->key, sizeof s->key, "%s", key);
	return (s);
}

/* Seconds a source is still refused for, or 0. */
int
limit_refused(const char *addr, time_t now)
{
	struct source	*s;

	if ((s = limit_find(addr, 0, now)) == NULL || s->until <= now)
		return (0);
	return ((int)(s->until - now));
}

/* One more failure in the source's window; the penalty if it locks out. */
static int
limit_count(const struct conf_per_source *ps, struct source *s, time_t now)
{
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
	s->noauth = 0;
	return (s->penalty);
}

/*
 * Count a failed login. Returns the penalty in seconds when this failure
 * locks the source out, else 0.
 */
int
limit_fail(const struct conf_per_source *ps, const char *addr, time_t now)
{
	struct source	*s;

	if ((s = limit_find(addr, 1, now)) == NULL)
		return (0);
	s->seen = now;
	if (s->until > now)
		return (0);
	return (limit_count(ps, s, now));
}

/*
 * A connection that ended without trying to authenticate: every
 * per_source.noauth of them count as one failure, as OpenSSH's "noauth"
 * penalty is a fraction of a failed login's.
 */
int
limit_noauth(const struct conf_per_source *ps, const char *addr, time_t now)
{
	struct source	*s;

	if ((s = limit_find(addr, 1, now)) == NULL)
		return (0);
	s->seen = now;
	if (s->until > now || ++s->noauth < ps->noauth)
		return (0);
	s->noauth = 0;
	return (limit_count(ps, s, now));
}

/*
 * Take a token from the global budget of wrong guesses: burst at once,
 * one more each refill seconds. Returns 0 when the budget is empty.
 */
int
limit_guess(const struct conf_guesses *g, double now)
{
	if (limit_tokens < 0) {
		limit_tokens = g->burst;
		limit_filled = now;
	}
	limit_tokens += (now - limit_filled) / g->refill;
	limit_filled = now;
	if (limit_tokens > g->burst)
		limit_tokens = g->burst;
	if (limit_tokens < 1)
		return (0);
	limit_tokens -= 1;
	return (1);
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
