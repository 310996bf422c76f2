/* SPDX-License-Identifier: ISC */

/*
 * The listener. It binds, accepts the socket itself and forks a child per
 * connection, as sshd and dropbear do; it holds no session state, only what
 * each child reports over its pipe (who authenticated), for the state file.
 */

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
	const struct conf_list	*listen = &ag->conf.listen;
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
		fatal("signalfd");
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
		n += ag->conns[i].authed;
	return (n);
}

static void
server_update_state(struct agent *ag)
{
	char		*cause;
	const char	*state;

	state = server_authed(ag) > 0 ? "connected" : "waiting";
	ag->state = state;
	if (state_write(ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
}

/*
 * A report line from a child: "auth USER" once it authenticated. Anything
 * else is ignored; the child is not trusted to say more.
 */
static void
server_report(struct agent *ag, struct conn *c)
{
	char	 buf[256];
	ssize_t	 n;

	n = read(c->fd, buf, sizeof buf - 1);
	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(buf, "auth ", 5) == 0 && !c->authed) {
		c->authed = 1;
		free(c->user);
		c->user = xstrdup(buf + 5);
		c->since = time(NULL);
		server_update_state(ag);
	}
}

static void
server_reap(struct agent *ag)
{
	struct conn	*c;
	pid_t		 pid;
	int		 status, changed = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((c = server_conn(ag, pid)) == NULL)
			continue;
		debug("connection from %s ended (pid %ld)", c->from,
		    (long)pid);
		changed |= c->authed;
		server_conn_remove(ag, c);
	}
	if (changed)
		server_update_state(ag);
}

static void
server_accept(struct agent *ag, struct listener *l, const sigset_t *old,
    int sig_fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof ss;
	struct conn		*c;
	char			*from;
	int			 fd, p[2], i;
	pid_t			 pid;

	fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			error("accept: %s", strerror(errno));
		return;
	}
	from = net_ntop((struct sockaddr *)&ss);
	if (ag->nconns == TETHERD_MAX_CHILDREN) {
		info("refused %s: too many connections", from);
		close(fd);
		free(from);
		return;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		error("pipe: %s", strerror(errno));
		close(fd);
		free(from);
		return;
	}
	switch (pid = fork()) {
	case -1:
		error("fork: %s", strerror(errno));
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
		for (i = 0; i < ag->nconns; i++) {
			if (ag->conns[i].fd != -1)
				close(ag->conns[i].fd);
		}
		sigprocmask(SIG_SETMASK, old, NULL);
		session_serve(ag, fd, from, p[1]);
	}
	close(fd);
	close(p[1]);
	c = &ag->conns[ag->nconns++];
	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->fd = p[0];
	c->from = from;
	info("connection from %s port %d (pid %ld)", from,
	    net_sockaddr_port((struct sockaddr *)&ss), (long)pid);
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
	struct conf_list	 listen = { NULL, 0 };
	char			*state_dir;
	int			 i, port, ticket, changed;

	conf_list_copy(&listen, &ag->conf.listen);
	state_dir = xstrdup(ag->conf.state_dir);
	port = ag->conf.port;
	ticket = ag->conf.ticket.enabled;
	if (main_configure(ag, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			error("reload: %s", errs.v[i]);
		error("reload failed; keeping the configuration in use");
		conf_errors_free(&errs);
		conf_list_clear(&listen);
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
	conf_list_clear(&ag->conf.listen);
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
			return (1);
		}
	}
	return (0);
}

int
server_loop(struct agent *ag)
{
	struct pollfd	 pfd[TETHERD_MAX_LISTEN + 1 + TETHERD_MAX_CHILDREN];
	struct conn	*who[TETHERD_MAX_CHILDREN];
	sigset_t	 old;
	int		 sig_fd, i, n, nl;

	sig_fd = server_signals(&old);
	for (;;) {
		n = 0;
		pfd[n].fd = sig_fd;
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
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		/* Reports first: a reap below may move the conns. */
		for (i = nl; i < n; i++) {
			if (pfd[i].revents != 0)
				server_report(ag, who[i - nl]);
		}
		if (pfd[0].revents != 0 && server_signal(ag, sig_fd))
			break;
		for (i = 1; i < nl; i++) {
			if (pfd[i].revents & POLLIN)
				server_accept(ag, &ag->listeners[i - 1], &old,
				    sig_fd);
		}
	}
	for (i = 0; i < ag->nlisteners; i++)
		close(ag->listeners[i].fd);
	server_end_children(ag);
	close(sig_fd);
	return (0);
}
