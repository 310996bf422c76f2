/* SPDX-License-Identifier: ISC */

/*
 * The listener. It binds, accepts the socket itself and forks a child per
 * connection, as sshd and dropbear do; it holds no session state, only what
 * each child reports over its pipe (who authenticated), for the state file.
 */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define SERVER_KILL_WAIT_MS	3000
#define SERVER_APPROVE_WAIT	30	/* seconds the local user has */
#define SERVER_GRACE_MARGIN	30	/* past login_grace_time: a backstop */

static int
server_bind_one(struct agent *ag, const char *addr, int port,
    struct listener *l, char **cause)
{
	socklen_t	 len;
	int		 on = 1, fd;

	if (net_parse_ip(addr, &l->ss, &len, cause) != 0)
		return (-1);
	if (l->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&l->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&l->ss)->sin6_port = htons(port);
	xasprintf(&l->text, l->ss.ss_family == AF_INET6 ? "[%s]:%d" :
	    "%s:%d", addr, port);

	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(cause, "%s: socket: %s", l->text, strerror(errno));
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (l->ss.ss_family == AF_INET6) {
		/* "::" means both families, as sshd's default does. */
		on = !netinfo_is_any((struct sockaddr *)&l->ss);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	}
	if (bind(fd, (struct sockaddr *)&l->ss, len) != 0 ||
	    listen(fd, 64) != 0) {
		xasprintf(cause, "%s: %s", l->text, strerror(errno));
		close(fd);
		return (-1);
	}
	len = sizeof l->ss;
	getsockname(fd, (struct sockaddr *)&l->ss, &len);
	l->fd = fd;
	(void)ag;
	return (0);
}

/*
 * Bind every listen address, each on its own port or the common one. With
 * port 0 the first bind picks the port and the others follow it, so the
 * agent shows one port for all its addresses.
 */
void
server_listen(struct agent *ag)
{
	const struct strlist	*listen = &ag->conf.listen;
	struct listener		*l;
	char			 addr[128], *cause;
	int			 i, port, common = ag->conf.port;

	if (listen->n == 0) {
		if (server_bind_one(ag, "::", common, &ag->listeners[0],
		    &cause) != 0) {
			/* No IPv6 on this kernel: fall back to IPv4 only. */
			debug("%s", cause);
			free(cause);
			free(ag->listeners[0].text);
			if (server_bind_one(ag, "0.0.0.0", common,
			    &ag->listeners[0], &cause) != 0)
				fatalx("%s", cause);
		}
		ag->nlisteners = 1;
	}
	for (i = 0; i < listen->n; i++) {
		l = &ag->listeners[i];
		if (config_split_listen(listen->v[i], addr, sizeof addr, &port,
		    &cause) != 0)
			fatalx("%s", cause);
		if (server_bind_one(ag, addr, port == -1 ? common : port, l,
		    &cause) != 0)
			fatalx("%s", cause);
		if (port == -1 && common == 0)
			common = net_sockaddr_port((struct sockaddr *)&l->ss);
		ag->nlisteners++;
	}
	ag->bound_port = net_sockaddr_port(
	    (struct sockaddr *)&ag->listeners[0].ss);
	disc_open(ag);
}

static int
server_signals(sigset_t *old)
{
	sigset_t	 set;
	int		 fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal_fr("signalfd");
	signal(SIGPIPE, SIG_IGN);
	return (fd);
}

static struct conn *
server_conn(struct agent *ag, pid_t pid)
{
	int	 i;

	for (i = 0; i < ag->nconns; i++) {
		if (ag->conns[i].pid == pid)
			return (&ag->conns[i]);
	}
	return (NULL);
}

static void
server_conn_remove(struct agent *ag, struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->from);
	free(c->user);
	*c = ag->conns[--ag->nconns];
}

static int
server_authed(struct agent *ag)
{
	int	 i, n = 0;

	for (i = 0; i < ag->nconns; i++)
		n += ag->conns[i].authed && !ag->conns[i].held;
	return (n);
}

static int
server_unauthed(struct agent *ag)
{
	int	 i, n = 0;

	for (i = 0; i < ag->nconns; i++)
		n += !ag->conns[i].authed;
	return (n);
}

/* Connections from this address not yet authenticated. */
static int
server_startups_from(struct agent *ag, const char *from)
{
	int	 i, n = 0;

	for (i = 0; i < ag->nconns; i++) {
		if (!ag->conns[i].authed && ag->conns[i].from != NULL &&
		    limit_same_source(ag->conns[i].from, from))
			n++;
	}
	return (n);
}

static void
server_update_state(struct agent *ag)
{
	char		*cause;
	const char	*state;

	if (ag->expired)
		state = "expired";
	else
		state = server_authed(ag) > 0 ? "connected" : "waiting";
	ag->state = state;
	if (state_write(ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
}

/* A word to a connection's monitor, with a reason for a refusal. */
static void
server_reply(struct conn *c, uint32_t type, const char *text)
{
	struct msg	 m;

	if (c->fd == -1)
		return;
	msg_init(&m, type);
	if (text != NULL)
		msg_put_str(&m, text);
	if (msg_send(c->fd, &m) != 0)
		debug_r("reply to pid %ld", (long)c->pid);
	msg_free(&m);
}

static void
server_admit_now(struct agent *ag, struct conn *c)
{
	c->asking = 0;
	c->authed = 1;
	c->since = time(NULL);
	/* connection.yaml says "connected" before the technician is in. */
	server_update_state(ag);
	server_reply(c, MON_L_OK, NULL);
}

static void
server_deny(struct agent *ag, struct conn *c, const char *why)
{
	/* Recorded before the child is told, so the record is never late. */
	audit(ag, "refused", "from", c->from, "user", c->user, "reason", why,
	    (char *)NULL);
	info("refused %s: %s", c->from, why);
	c->asking = 0;
	server_reply(c, MON_L_NO, why);
}

/* max_sessions: refuse c when the authenticated connections fill it. */
static int
server_full(struct agent *ag, struct conn *c)
{
	char	 why[64];

	if (server_authed(ag) < ag->conf.limits.max_sessions)
		return (0);
	snprintf(why, sizeof why, "too many sessions (%d); try again later",
	    ag->conf.limits.max_sessions);
	server_deny(ag, c, why);
	return (1);
}

/* The connection whose approval the local user is asked for, if any. */
static struct conn *
server_asking(struct agent *ag)
{
	struct conn	*c, *first = NULL;
	int		 i;

	for (i = 0; i < ag->nconns; i++) {
		c = &ag->conns[i];
		if (c->asking && (first == NULL || c->ask_since <
		    first->ask_since))
			first = c;
	}
	return (first);
}

static void
server_ask(struct agent *ag)
{
	struct conn	*c;

	if ((c = server_asking(ag)) == NULL || c->asked)
		return;
	c->asked = 1;
	printf("\r\nAllow %s to connect? [y/N] ", c->from);
	fflush(stdout);
}

/* The local user's answer, or a timeout, for the head of the queue. */
static void
server_answer(struct agent *ag, int yes, const char *why)
{
	struct conn	*c;

	if ((c = server_asking(ag)) == NULL)
		return;
	printf("%s\r\n", yes ? "yes" : why);
	fflush(stdout);
	audit(ag, yes ? "approve" : "deny", "from", c->from, "user", c->user,
	    (char *)NULL);
	/* Others may have come in while the question was on the screen. */
	if (!yes)
		server_deny(ag, c, why);
	else if (!server_full(ag, c))
		server_admit_now(ag, c);
	server_ask(ag);
}

/*
 * A child has checked credentials: admit it, refuse it (max_sessions), or
 * ask the local user first (approve: each). The child waits for the word.
 */
static void
server_admit(struct agent *ag, struct conn *c, const char *user)
{
	free(c->user);
	c->user = xstrdup(user);
	if (server_full(ag, c))
		return;
	if (ag->conf.approve == CONFIG_APPROVE_EACH) {
		c->asking = 1;
		c->ask_since = time(NULL);
		server_ask(ag);
		return;
	}
	server_admit_now(ag, c);
}

/*
 * A source's lockout starts: its unauthenticated connections already open
 * go at once, or each would still have its own tries.
 */
static void
server_lock_out(struct agent *ag, struct conn *c, int penalty)
{
	char	 secs[16];
	int	 i, n = 0;

	snprintf(secs, sizeof secs, "%d", penalty);
	info("lockout: %s refused for %d seconds", c->from, penalty);
	audit(ag, "lockout", "from", c->from, "seconds", secs, (char *)NULL);
	for (i = 0; i < ag->nconns; i++) {
		if (&ag->conns[i] == c || ag->conns[i].authed ||
		    !limit_same_source(ag->conns[i].from, c->from))
			continue;
		kill(ag->conns[i].pid, SIGKILL);
		n++;
	}
	if (n > 0)
		info("lockout: closed %d unauthenticated connection(s) from %s",
		    n, c->from);
}

/* The global budget of wrong guesses, as a monotonic clock sees it. */
static int
server_guess(struct agent *ag)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (limit_guess(&ag->conf.limits.guesses, ts.tv_sec +
	    ts.tv_nsec / 1e9));
}

/*
 * A failed login: the source's count, then the global budget. The child
 * waits for the word: "go" on, or "end" when its source is now locked out
 * or the budget is spent. A wrong guess then costs the connection; the
 * ticket stays, so the technician's right one still gets in.
 */
static void
server_fail(struct agent *ag, struct conn *c)
{
	int	 penalty, go = 1;

	c->tried = 1;
	penalty = c->relayed ? 0 : limit_fail(&ag->conf.limits.per_source,
	    c->from, time(NULL));
	if (penalty > 0) {
		server_lock_out(ag, c, penalty);
		go = 0;
	} else if (!c->relayed && limit_refused(c->from, time(NULL)) > 0)
		go = 0;
	if (go && !server_guess(ag)) {
		info("guess budget spent: closing the connection from %s",
		    c->from);
		audit(ag, "refused", "from", c->from, "reason",
		    "limits.guesses", (char *)NULL);
		go = 0;
	}
	server_reply(c, go ? MON_L_GO : MON_L_STOP, NULL);
}

/* One message from a monitor, as server_report describes. */
static void
server_report_one(struct agent *ag, struct conn *c, struct msg *m)
{
	char	*user, *text;

	if (m->type == MON_L_FAIL)
		server_fail(ag, c);
	else if (m->type == MON_L_AUTH && !c->authed && !c->asking &&
	    msg_get_str(m, &user) == 0 && user != NULL) {
		server_admit(ag, c, user);
		free(user);
	} else if (m->type == MON_L_REASON && c->authed &&
	    msg_get_str(m, &text) == 0 && text != NULL) {
		reason_report(ag, c, text);
		free(text);
	} else if (m->type == MON_L_WATCH && c->authed &&
	    msg_get_str(m, &text) == 0 && text != NULL) {
		watch_report(ag, c, text);
		free(text);
	} else if (m->type == MON_L_DETACHED && c->authed) {
		/* Only held consoles: no longer a technician connected. */
		c->held = 1;
		server_update_state(ag);
	} else if (m->type == MON_L_END && c->authed) {
		audit(ag, "end", "by", "technician", "from", c->from, (char *)NULL);
		ag->end_reason = "Session ended by technician";
	}
}

/*
 * Messages from a monitor: MON_L_FAIL after each failed login (it then
 * waits for MON_L_GO or MON_L_STOP), MON_L_AUTH once credentials check out
 * (it then waits for MON_L_OK or MON_L_NO), MON_L_END when the technician
 * ends the whole session. Every queued message is read, so a burst of
 * failures is counted in full.
 */
static void
server_report(struct agent *ag, struct conn *c)
{
	struct msg	 m;

	while (c->fd != -1 && msg_pending(c->fd)) {
		if (msg_recv(c->fd, &m) != 0) {
			close(c->fd);
			c->fd = -1;
			break;
		}
		server_report_one(ag, c, &m);
		msg_free(&m);
	}
}

static void	server_sweep(struct agent *);

/* A connection that ended without trying to log in (OpenSSH's noauth). */
static void
server_noauth(struct agent *ag, struct conn *c)
{
	int	 penalty;

	if (c->authed || c->tried || c->relayed)
		return;
	penalty = limit_noauth(&ag->conf.limits.per_source, c->from,
	    time(NULL));
	if (penalty > 0)
		server_lock_out(ag, c, penalty);
}

static void
server_reap(struct agent *ag)
{
	struct conn	*c;
	pid_t		 pid;
	int		 status, changed = 0, killed = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((c = server_conn(ag, pid)) == NULL) {
			relay_reaped(ag, pid);
			continue;
		}
		debug("connection from %s ended (pid %ld)", c->from,
		    (long)pid);
		changed |= c->authed;
		killed |= WIFSIGNALED(status);
		if (c->asking && c->asked) {
			printf("gone\r\n");
			fflush(stdout);
		}
		/* What it said before it went still counts. */
		server_report(ag, c);
		server_noauth(ag, c);
		server_conn_remove(ag, c);
	}
	if (killed)
		server_sweep(ag);
	if (changed)
		server_update_state(ag);
	server_ask(ag);
}

/*
 * A connection's process that was killed could not end what it started;
 * as subreaper the listener inherits those processes and ends them.
 */
static void
server_sweep(struct agent *ag)
{
	pid_t	 known[TETHERD_MAX_CHILDREN + TETHERD_MAX_RELAYS];
	char	 count[16];
	int	 i, n, nknown;

	for (i = 0; i < ag->nconns; i++)
		known[i] = ag->conns[i].pid;
	nknown = ag->nconns + relay_pids(ag, known + ag->nconns,
	    TETHERD_MAX_RELAYS);
	if ((n = procscan_orphans(known, nknown)) == 0)
		return;
	info("ended %d process group(s) left by a killed connection", n);
	snprintf(count, sizeof count, "%d", n);
	audit(ag, "orphans", "sessions", count, (char *)NULL);
}

/*
 * A locked-out source gets one line before the close, as RFC 4253 lets a
 * server send before its version string, so that the viewer can say why
 * instead of showing a reset. It costs no more than the close.
 */
static void
server_lockout_line(int fd, int left)
{
	char	 line[128];
	int	 n, min = (left + 59) / 60;

	n = snprintf(line, sizeof line, "tetherd: this address is locked out "
	    "for %d minute%s after failed logins\r\n", min, min == 1 ? "" :
	    "s");
	if (n > 0 && (size_t)n < sizeof line &&
	    send(fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL) != n)
		debug_r("lockout line");
}

static void
server_accept(struct agent *ag, struct listener *l, const sigset_t *old,
    int sig_fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	char			*from;
	int			 fd;

	fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			error_r("accept");
		return;
	}
	from = net_ntop((struct sockaddr *)&ss);
	server_take(ag, fd, from, net_sockaddr_port((struct sockaddr *)&ss), 0,
	    old, sig_fd);
}

/*
 * A connection, accepted here or handed over by a relay's process: the
 * limits, then a child for it. A relayed one has the relay for a source,
 * shared by every technician behind it, so only the global limits apply
 * (the guess budget and max_startups): a per-source lockout would lock
 * them all out. Takes fd and from.
 */
void
server_take(struct agent *ag, int fd, char *from, int fromport, int relayed,
    const sigset_t *old, int sig_fd)
{
	struct conn		*c;
	char			 port[8], child[16];
	int			 p[2], i, left;
	pid_t			 pid;

	if (ag->expired) {
		close(fd);
		free(from);
		return;
	}
	/* Refusals here cost no key exchange: not even a banner is sent. */
	if (!relayed && (left = limit_refused(from, time(NULL))) > 0) {
		debug("refused %s: locked out for %d more seconds", from, left);
		server_lockout_line(fd, left);
		close(fd);
		free(from);
		return;
	}
	/* One source cannot hold every pre-authentication slot. */
	if (!relayed && server_startups_from(ag, from) >=
	    ag->conf.limits.per_source.max_startups) {
		info("dropped %s: too many unauthenticated connections from "
		    "it", from);
		audit(ag, "refused", "from", from, "reason",
		    "per_source.max_startups", (char *)NULL);
		close(fd);
		free(from);
		return;
	}
	if (ag->nconns == TETHERD_MAX_CHILDREN || limit_drop_startup(
	    &ag->conf.limits.max_startups, server_unauthed(ag))) {
		info("dropped %s: too many unauthenticated connections", from);
		audit(ag, "refused", "from", from, "reason", "max_startups",
		    (char *)NULL);
		close(fd);
		free(from);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0) {
		error_r("socketpair");
		close(fd);
		free(from);
		return;
	}
	switch (pid = fork()) {
	case -1:
		error_r("fork");
		close(fd);
		close(p[0]);
		close(p[1]);
		free(from);
		return;
	case 0:
		/* The child keeps its socket and pipe, nothing else. */
		close(p[0]);
		close(sig_fd);
		for (i = 0; i < ag->nlisteners; i++)
			close(ag->listeners[i].fd);
		disc_close(ag);
		if (ag->addr_fd != -1)
			close(ag->addr_fd);
		for (i = 0; i < ag->nconns; i++) {
			if (ag->conns[i].fd != -1)
				close(ag->conns[i].fd);
		}
		relay_close_fds(ag);
		sigprocmask(SIG_SETMASK, old, NULL);
		monitor_serve(ag, fd, from, p[1]);
	}
	close(fd);
	close(p[1]);
	c = &ag->conns[ag->nconns++];
	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->fd = p[0];
	c->from = from;
	c->relayed = relayed;
	c->accepted = time(NULL);
	info("connection from %s port %d (pid %ld)", from, fromport,
	    (long)pid);
	snprintf(port, sizeof port, "%d", fromport);
	snprintf(child, sizeof child, "%ld", (long)pid);
	/* The child's pid is on its own lines: this joins them. */
	audit(ag, "connect", "from", from, "port", port, "child", child,
	    (char *)NULL);
}

/* End every child: SIGTERM, then SIGKILL for any that does not go. */
static void
server_end_children(struct agent *ag)
{
	int	 i, waited;

	for (i = 0; i < ag->nconns; i++)
		kill(ag->conns[i].pid, SIGTERM);
	for (waited = 0; ag->nconns > 0; waited += 50) {
		if (waited >= SERVER_KILL_WAIT_MS) {
			for (i = 0; i < ag->nconns; i++)
				kill(ag->conns[i].pid, SIGKILL);
		}
		poll(NULL, 0, 50);
		server_reap(ag);
	}
	server_sweep(ag);
}

/*
 * SIGHUP: read the configuration again, as sshd does. A broken file keeps
 * the old configuration. Sessions already running keep theirs; what needs
 * a new socket or a new ticket waits for a restart.
 */
static void
server_reload(struct agent *ag)
{
	struct conf_errors	 errs = { NULL, 0 };
	struct strlist	 listen = { NULL, 0 };
	char			*state_dir;
	int			 i, port, ticket, changed;

	strlist_copy(&listen, &ag->conf.listen);
	state_dir = xstrdup(ag->conf.state_dir);
	port = ag->conf.port;
	ticket = ag->conf.ticket.enabled;
	if (main_configure(ag, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			error("reload: %s", errs.v[i]);
		error("reload failed; keeping the configuration in use");
		conf_errors_free(&errs);
		strlist_clear(&listen);
		free(state_dir);
		return;
	}
	changed = port != ag->conf.port || ticket != ag->conf.ticket.enabled ||
	    strcmp(state_dir, ag->conf.state_dir) != 0 ||
	    listen.n != ag->conf.listen.n;
	for (i = 0; !changed && i < listen.n; i++)
		changed = strcmp(listen.v[i], ag->conf.listen.v[i]) != 0;
	if (changed)
		info("reload: listen, port, state_dir and ticket.enabled "
		    "change only at restart");
	if (ag->conf.approve == CONFIG_APPROVE_EACH && !ag->tty) {
		error("reload: approve: each needs a terminal to ask on; "
		    "not asking");
		ag->conf.approve = CONFIG_APPROVE_NONE;
	}
	audit_open(ag);
	strlist_clear(&ag->conf.listen);
	ag->conf.listen = listen;
	ag->conf.port = port;
	ag->conf.ticket.enabled = ticket;
	free(ag->conf.state_dir);
	ag->conf.state_dir = state_dir;
	info("reloaded %s: %d tools, %d authorized keys", ag->cli.file,
	    ag->catalog.n, ag->nkeys);
}

static int
server_signal(struct agent *ag, int sig_fd)
{
	struct signalfd_siginfo	 si;

	while (read(sig_fd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			server_reap(ag);
			break;
		case SIGHUP:
			server_reload(ag);
			break;
		case SIGTERM:
		case SIGINT:
			info("ending on signal %d", si.ssi_signo);
			audit(ag, "end", "by", "signal", "signal",
			    sigabbrev_np(si.ssi_signo), (char *)NULL);
			return (1);
		}
	}
	return (0);
}

/* Milliseconds until the next timer: ticket expiry or an approval. */
/* When a connection not logged in is ended, whatever its monitor does. */
static time_t
server_grace_end(struct agent *ag, struct conn *c)
{
	return (c->accepted + ag->conf.limits.login_grace_time +
	    SERVER_GRACE_MARGIN);
}

static struct conn *
server_oldest_unauthed(struct agent *ag)
{
	struct conn	*c, *first = NULL;
	int		 i;

	if (ag->conf.limits.login_grace_time == 0)
		return (NULL);
	for (i = 0; i < ag->nconns; i++) {
		c = &ag->conns[i];
		if (!c->authed && !c->asking && !c->overdue && (first == NULL ||
		    c->accepted < first->accepted))
			first = c;
	}
	return (first);
}

/*
 * The monitors keep the login grace time; this is the listener's own
 * check behind theirs, so that a monitor stuck on its session process
 * cannot hold a slot.
 */
static void
server_grace_backstop(struct agent *ag, time_t now)
{
	struct conn	*c;
	int		 i;

	if (ag->conf.limits.login_grace_time == 0)
		return;
	for (i = 0; i < ag->nconns; i++) {
		c = &ag->conns[i];
		if (c->authed || c->asking || c->overdue ||
		    now < server_grace_end(ag, c))
			continue;
		info("no login from %s after %lld seconds: ending it",
		    c->from, (long long)(now - c->accepted));
		kill(c->pid, SIGKILL);
		c->overdue = 1;		/* once; the reap removes it */
	}
}

static int
server_timeout(struct agent *ag)
{
	struct conn	*c;
	time_t		 now = time(NULL), next = 0;

	if (!ag->unattended && !ag->expired)
		next = ag->expires;
	if ((c = server_asking(ag)) != NULL && (next == 0 ||
	    c->ask_since + SERVER_APPROVE_WAIT < next))
		next = c->ask_since + SERVER_APPROVE_WAIT;
	if ((c = server_oldest_unauthed(ag)) != NULL && (next == 0 ||
	    server_grace_end(ag, c) < next))
		next = server_grace_end(ag, c);
	if (next == 0)
		return (-1);
	return (next <= now ? 0 : (int)(next - now) * 1000);
}

/*
 * ticket.on_expiry: end. The port closes, so no one can try the dead
 * ticket; a technician already in stays, and the agent ends after.
 */
static void
server_expire(struct agent *ag)
{
	char	*cause;
	int	 i;

	for (i = 0; i < ag->nlisteners; i++) {
		if (ag->listeners[i].fd != -1)
			close(ag->listeners[i].fd);
		ag->listeners[i].fd = -1;
	}
	relay_stop(ag);
	ag->expired = 1;
	ag->state = "expired";
	if (state_write(ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	info("ticket expired: no new connections");
	audit(ag, "expire", "sessions", ag->nconns > 0 ? "kept" : "none",
	    (char *)NULL);
	if (ag->nconns > 0) {
		printf("\r\nThe ticket expired. No new connection is taken; "
		    "the agent ends when the technician leaves.\r\n");
		fflush(stdout);
	}
}

static void
server_timers(struct agent *ag)
{
	struct conn	*c;
	time_t		 now = time(NULL);

	if (!ag->unattended && !ag->expired && now >= ag->expires) {
		if (ag->conf.ticket.on_expiry == CONFIG_EXPIRY_END)
			server_expire(ag);
		else
			main_rotate(ag, "expired");
	}
	if (ag->expired && ag->nconns == 0 && ag->end_reason == NULL)
		ag->end_reason = "The ticket expired";
	if ((c = server_asking(ag)) != NULL &&
	    now >= c->ask_since + SERVER_APPROVE_WAIT)
		server_answer(ag, 0, "no answer from the local user");
	server_grace_backstop(ag, now);
}

/* A key on the status screen: y/n for a question, q to end everything. */
static void
server_key(struct agent *ag)
{
	char	 ch;

	if (read(STDIN_FILENO, &ch, 1) != 1)
		return;
	if (server_asking(ag) != NULL)
		server_answer(ag, ch == 'y' || ch == 'Y',
		    "denied by the local user");
	else if (ch == 'q' || ch == 'Q') {
		audit(ag, "end", "by", "local", (char *)NULL);
		ag->end_reason = "Session ended by the local user";
	}
}

/* A relay's process said something, or handed over a connection. */
static void
server_relayed(struct agent *ag, struct relay *rl, const sigset_t *old,
    int sig_fd)
{
	char	*from;
	int	 fd, port;

	if (rl->fd != -1 && (fd = relay_input(ag, rl, &from, &port)) != -1)
		server_take(ag, fd, from, port, 1, old, sig_fd);
}

int
server_loop(struct agent *ag)
{
	struct pollfd	 pfd[2 * TETHERD_MAX_LISTEN + 3 + TETHERD_MAX_CHILDREN +
			     TETHERD_MAX_RELAYS];
	struct conn	*who[TETHERD_MAX_CHILDREN];
	sigset_t	 old;
	int		 sig_fd, i, n, nl, nc, nd;

	sig_fd = server_signals(&old);
	/* What a killed connection leaves running comes to us, not init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		error_r("PR_SET_CHILD_SUBREAPER");
	while (ag->end_reason == NULL) {
		n = 0;
		pfd[n].fd = sig_fd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = ag->tty ? STDIN_FILENO : -1;
		pfd[n++].events = POLLIN;
		pfd[n].fd = ag->addr_fd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < ag->nlisteners; i++) {
			pfd[n].fd = ag->listeners[i].fd;
			pfd[n++].events = POLLIN;
		}
		nl = n;
		for (i = 0; i < ag->nconns; i++) {
			if (ag->conns[i].fd == -1)
				continue;
			who[n - nl] = &ag->conns[i];
			pfd[n].fd = ag->conns[i].fd;
			pfd[n++].events = POLLIN;
		}
		nc = n;
		for (i = 0; i < ag->ndisc; i++) {
			pfd[n].fd = ag->disc_fds[i];
			pfd[n++].events = POLLIN;
		}
		nd = n;
		for (i = 0; i < ag->nrelays; i++) {
			pfd[n].fd = ag->relays[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, server_timeout(ag)) == -1) {
			if (errno == EINTR)
				continue;
			fatal_fr("poll");
		}
		/* Reports first: a reap below may move the conns. */
		for (i = nl; i < nc; i++) {
			if (pfd[i].revents != 0)
				server_report(ag, who[i - nl]);
		}
		if (pfd[0].revents != 0 && server_signal(ag, sig_fd))
			break;
		if (pfd[1].revents != 0)
			server_key(ag);
		if (pfd[2].revents != 0)
			netinfo_changed(ag);
		server_timers(ag);
		for (i = 3; i < nl && ag->end_reason == NULL; i++) {
			if (pfd[i].revents & POLLIN)
				server_accept(ag, &ag->listeners[i - 3], &old,
				    sig_fd);
		}
		for (i = nc; i < nd; i++) {
			if (pfd[i].revents & POLLIN)
				disc_input(ag, pfd[i].fd);
		}
		for (i = nd; i < n && ag->end_reason == NULL; i++) {
			if (pfd[i].revents != 0)
				server_relayed(ag, &ag->relays[i - nd], &old,
				    sig_fd);
		}
	}
	if (ag->end_reason != NULL) {
		printf("\r\n%s.\r\n", ag->end_reason);
		fflush(stdout);
	}
	for (i = 0; i < ag->nlisteners; i++) {
		if (ag->listeners[i].fd != -1)
			close(ag->listeners[i].fd);
	}
	disc_close(ag);
	relay_stop(ag);
	server_end_children(ag);
	root_cleanup(ag);
	close(sig_fd);
	return (0);
}
