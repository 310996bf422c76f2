/* SPDX-License-Identifier: ISC */

/*
 * Probing candidates, all at once: a non-blocking connect, then libssh's
 * key exchange without blocking, then the same key check as a real
 * connection (client_check). The whole round has PROBE_BUDGET_MS; what is
 * still going then is a timeout. Nothing secret is sent to anyone.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tether.h"

enum probe_state { PROBE_CONNECT, PROBE_SSH, PROBE_DONE };

struct probe {
	struct candidate	*c;
	enum probe_state	 state;
	int			 fd;
	struct client		 cl;
};

static const char *probe_words[] = {
	"\xe2\x9c\x94 matches ticket",	/* U+2714 */
	"\xe2\x9c\x98 key mismatch",	/* U+2718 */
	"not a tether agent",
	"refused",
	"timeout",
	"unreachable",
	"error",
	"probing..."
};

const char *
probe_verdict(enum cand_verdict v)
{
	return (probe_words[v]);
}

/* Add a candidate unless that address and port are in the list already. */
void
probe_add(struct cand_list *cl, const char *host, const char *ip, int port)
{
	struct candidate	*c;
	int			 i;

	if (strlen(ip) >= sizeof c->ip)
		return;
	for (i = 0; i < cl->n; i++) {
		c = &cl->v[i];
		if (strcmp(c->ip, ip) == 0 && c->port == port) {
			if (strcmp(c->host, "-") == 0 && host != NULL)
				snprintf(c->host, sizeof c->host, "%s", host);
			return;
		}
	}
	cl->v = xreallocarray(cl->v, cl->n + 1, sizeof *cl->v);
	c = &cl->v[cl->n];
	memset(c, 0, sizeof *c);
	snprintf(c->host, sizeof c->host, "%s", host != NULL ? host : "-");
	snprintf(c->ip, sizeof c->ip, "%s", ip);
	c->port = port;
	c->order = cl->n++;
	c->verdict = CAND_PROBING;
}

static void
probe_done(struct probe *p, enum cand_verdict v, const char *why)
{
	p->c->verdict = v;
	free(p->c->why);
	p->c->why = why != NULL ? xstrdup(why) : NULL;
	if (p->cl.session != NULL)
		client_close(&p->cl);	/* closes the socket too */
	else if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	p->state = PROBE_DONE;
}

static enum cand_verdict
probe_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return (CAND_REFUSED);
	case ETIMEDOUT:
		return (CAND_TIMEOUT);
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
	case ENETDOWN:
	case EHOSTDOWN:
		return (CAND_UNREACHABLE);
	}
	return (CAND_ERROR);
}

static void
probe_start(struct probe *p)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*cause;

	p->fd = -1;
	p->state = PROBE_CONNECT;
	if (net_parse_ip(p->c->ip, &ss, &len, &cause) != 0) {
		probe_done(p, CAND_ERROR, cause);
		free(cause);
		return;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(p->c->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(p->c->port);
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		probe_done(p, CAND_ERROR, strerror(errno));
		return;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, len) != 0 &&
	    errno != EINPROGRESS)
		probe_done(p, probe_errno(errno), strerror(errno));
}

/* One step of key exchange; at its end, the key check. */
static void
probe_ssh(struct probe *p, const struct ticket *t)
{
	enum client_err	 err;
	char		*cause = NULL;
	int		 rc;

	rc = ssh_connect(p->cl.session);
	if (rc == SSH_AGAIN)
		return;
	if (rc != SSH_OK) {
		probe_done(p, CAND_NOT_TETHER, ssh_get_error(p->cl.session));
		return;
	}
	err = client_check(&p->cl, t, &cause);
	if (err == CLIENT_OK)
		probe_done(p, CAND_OK, NULL);
	else
		probe_done(p, err == CLIENT_ERR_MISMATCH ? CAND_MISMATCH :
		    err == CLIENT_ERR_NOT_TETHER ? CAND_NOT_TETHER : CAND_ERROR,
		    cause);
	free(cause);
}

/* The TCP connect finished: note its time and hand the socket to libssh. */
static void
probe_connected(struct probe *p, const struct ticket *t,
    const struct timespec *t0)
{
	struct target	 tg;
	socklen_t	 len = sizeof(int);
	int		 e = 0;

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		e = errno;
	if (e != 0) {
		probe_done(p, probe_errno(e), strerror(e));
		return;
	}
	p->c->us = (int)client_us(t0);
	memset(&tg, 0, sizeof tg);
	snprintf(tg.ip, sizeof tg.ip, "%s", p->c->ip);
	tg.port = p->c->port;
	memset(&p->cl, 0, sizeof p->cl);
	p->cl.session = client_session(&tg);
	if (ssh_options_set(p->cl.session, SSH_OPTIONS_FD, &p->fd) != 0) {
		probe_done(p, CAND_ERROR, ssh_get_error(p->cl.session));
		return;
	}
	ssh_set_blocking(p->cl.session, 0);
	p->state = PROBE_SSH;
	probe_ssh(p, t);
}

static int
probe_pending(struct probe *ps, int n, struct pollfd *pfd)
{
	int	 i, k = 0;

	for (i = 0; i < n; i++) {
		pfd[i].fd = ps[i].state == PROBE_DONE ? -1 : ps[i].fd;
		pfd[i].events = ps[i].state == PROBE_CONNECT ? POLLOUT : POLLIN;
		pfd[i].revents = 0;
		k += ps[i].state != PROBE_DONE;
	}
	return (k);
}

void
probe_run(const struct ticket *t, struct cand_list *cl, cand_tick_fn tick,
    void *arg)
{
	struct probe	*ps;
	struct pollfd	*pfd;
	struct timespec	 t0;
	int		 i, left;

	if (cl->n == 0)
		return;
	ps = xcalloc(cl->n, sizeof *ps);
	pfd = xcalloc(cl->n, sizeof *pfd);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < cl->n; i++) {
		ps[i].c = &cl->v[i];
		ps[i].c->verdict = CAND_PROBING;
		ps[i].c->us = 0;
		probe_start(&ps[i]);
	}
	while (probe_pending(ps, cl->n, pfd) > 0 &&
	    (left = PROBE_BUDGET_MS - (int)client_us(&t0) / 1000) > 0) {
		if (tick != NULL && tick(arg) != 0)
			break;
		/* libssh may hold data it read already: wake up often. */
		poll(pfd, cl->n, left < 20 ? left : 20);
		for (i = 0; i < cl->n; i++) {
			if (ps[i].state == PROBE_CONNECT && pfd[i].revents)
				probe_connected(&ps[i], t, &t0);
			else if (ps[i].state == PROBE_SSH)
				probe_ssh(&ps[i], t);
		}
	}
	for (i = 0; i < cl->n; i++) {
		if (ps[i].state != PROBE_DONE)
			probe_done(&ps[i], CAND_TIMEOUT, NULL);
	}
	free(pfd);
	free(ps);
}

/* Working first, fastest first; then by verdict, then as they came. */
static int
probe_cmp(const void *a, const void *b)
{
	const struct candidate	*x = a, *y = b;

	if (x->verdict != y->verdict)
		return (x->verdict < y->verdict ? -1 : 1);
	if (x->verdict == CAND_OK && x->us != y->us)
		return (x->us < y->us ? -1 : 1);
	return (x->order - y->order);
}

void
probe_sort(struct cand_list *cl)
{
	if (cl->n > 1)
		qsort(cl->v, cl->n, sizeof *cl->v, probe_cmp);
}

void
probe_free(struct cand_list *cl)
{
	int	 i;

	for (i = 0; i < cl->n; i++)
		free(cl->v[i].why);
	free(cl->v);
	cl->v = NULL;
	cl->n = 0;
}
