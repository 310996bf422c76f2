/* SPDX-License-Identifier: ISC */

/*
 * Relays: the agent connects out to an ordinary sshd and has it listen on
 * its loopback (as ssh -R 0 does), so that a technician on another network
 * reaches the agent through that sshd. Each relay runs in a process of its
 * own, so that a slow or hostile relay never stalls the listener; it hands
 * every forwarded connection to the listener as one end of a socketpair,
 * which the listener then treats as a socket it accepted itself.
 */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define RELAY_BACKOFF_MAX	60	/* seconds between tries, at most */
#define RELAY_TIMEOUT		10	/* seconds to connect and log in */
#define RELAY_BUF		32768
#define RELAY_MAX_CHANS		(2 * TETHERD_MAX_CHILDREN)
#define RELAY_RESPAWN		10	/* a process that died sooner stays */
#define RELAY_KEEPIDLE		30	/* TCP keepalive: a link that died */
#define RELAY_KEEPINTVL		10	/* silently (a NAT that forgot us) */
#define RELAY_KEEPCNT		3	/* is found in about a minute */

/* One forwarded connection in the relay's process. */
struct relay_chan {
	ssh_channel	 ch;
	int		 fd;		/* our end of the socketpair */
	char		*out;		/* channel data the socket did not take */
	size_t		 outlen;
	size_t		 outoff;
	int		 fd_eof;	/* the session is done sending */
	int		 shut;		/* and we told it the technician is */
};

static int	relay_stopping;

/*
 * Nothing may come from the relay for hours, and libssh sends nothing on
 * its own: without keepalives a dead link would hold a port that no
 * longer leads here.
 */
static void
relay_keepalive(int fd)
{
	int	 on = 1, idle = RELAY_KEEPIDLE, intvl = RELAY_KEEPINTVL;
	int	 cnt = RELAY_KEEPCNT;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof intvl) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) != 0)
		debug_r("relay keepalive");
}

/* The identity, read while this process could still read it. */
static ssh_key	 relay_identity;

/* Connect, check the host key, log in and have the relay listen. */
static ssh_session
relay_connect(const struct conf_relay *r, int *port, char **cause)
{
	ssh_session	 s;
	ssh_key		 server = NULL;
	long		 timeout = RELAY_TIMEOUT;
	int		 off = 0, verbosity = SSH_LOG_NOLOG, rc;

	if ((s = ssh_new()) == NULL)
		fatalx("ssh_new failed");
	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &off) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_HOST, r->host) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &r->port) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, r->user) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) != 0)
		fatalx("relay options: %s", ssh_get_error(s));
	relaykey_want_type(s, r->host_key);
	if (ssh_connect(s) != SSH_OK) {
		xasprintf(cause, "connect: %s", ssh_get_error(s));
		goto fail;
	}
	if (ssh_get_server_publickey(s, &server) != SSH_OK) {
		xasprintf(cause, "the relay showed no host key");
		goto fail;
	}
	rc = relaykey_ok(r->host_key, server, cause);
	ssh_key_free(server);
	if (rc != 0)
		goto fail;
	rc = ssh_userauth_publickey(s, NULL, relay_identity);
	if (rc != SSH_AUTH_SUCCESS) {
		xasprintf(cause, "the relay refused the identity %s for %s",
		    r->identity, r->user);
		goto fail;
	}
	if (ssh_channel_listen_forward(s, "localhost", 0, port) != SSH_OK) {
		xasprintf(cause, "the relay refused to listen: %s",
		    ssh_get_error(s));
		goto fail;
	}
	relay_keepalive(ssh_get_fd(s));
	return (s);
fail:
	ssh_disconnect(s);
	ssh_free(s);
	return (NULL);
}

/* A message to the listener; if it is gone, so is the reason to relay. */
static void
relay_send(int sock, struct msg *m)
{
	if (msg_send(sock, m) != 0)
		_exit(0);
	msg_free(m);
}

/* A forwarded channel: a socketpair, one end to the listener. */
static void
relay_new_chan(int sock, ssh_channel ch, const char *orig, int oport,
    struct relay_chan *chans, int *n)
{
	struct msg	 m;
	int		 p[2], size = 256 * 1024;

	if (*n == RELAY_MAX_CHANS ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0) {
		error("relay: connection from %s refused: %s", orig,
		    *n == RELAY_MAX_CHANS ? "too many" : strerror(errno));
		ssh_channel_close(ch);
		ssh_channel_free(ch);
		return;
	}
	setsockopt(p[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	setsockopt(p[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	msg_init(&m, MON_R_CONN);
	msg_put_u32(&m, oport);
	msg_put_str(&m, orig);
	msg_put_fd(&m, p[1]);
	relay_send(sock, &m);
	close(p[1]);
	memset(&chans[*n], 0, sizeof chans[*n]);
	chans[*n].ch = ch;
	chans[*n].fd = p[0];
	(*n)++;
}

static void
relay_chan_free(struct relay_chan *chans, int *n, int i)
{
	struct relay_chan	*rc = &chans[i];

	if (!ssh_channel_is_closed(rc->ch))
		ssh_channel_close(rc->ch);
	ssh_channel_free(rc->ch);
	close(rc->fd);
	free(rc->out);
	chans[i] = chans[--(*n)];
}

/* Channel to socket: what is left over first, then more. 0: keep it. */
static int
relay_down(struct relay_chan *rc)
{
	char	 buf[RELAY_BUF];
	ssize_t	 w;
	int	 r;

	for (;;) {
		while (rc->outoff < rc->outlen) {
			w = send(rc->fd, rc->out + rc->outoff, rc->outlen -
			    rc->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w == -1 && (errno == EAGAIN || errno == EINTR))
				return (0);
			if (w <= 0)
				return (-1);
			rc->outoff += w;
		}
		r = ssh_channel_read_nonblocking(rc->ch, buf, sizeof buf, 0);
		if (r == 0 || r == SSH_EOF)
			break;
		if (r < 0)
			return (-1);
		free(rc->out);
		rc->out = xmalloc(r);
		memcpy(rc->out, buf, r);
		rc->outlen = r;
		rc->outoff = 0;
	}
	if (!rc->shut && ssh_channel_is_eof(rc->ch)) {
		shutdown(rc->fd, SHUT_WR);
		rc->shut = 1;
	}
	return (0);
}

/*
 * Socket to channel, no more than the window takes, so a write never
 * blocks the other connections. Returns 1 when the window is shut.
 */
static int
relay_up(struct relay_chan *rc, int *error)
{
	char		 buf[RELAY_BUF];
	uint32_t	 win;
	ssize_t		 r;

	*error = 0;
	while (!rc->fd_eof) {
		if ((win = ssh_channel_window_size(rc->ch)) == 0)
			return (1);
		r = recv(rc->fd, buf, win < sizeof buf ? win : sizeof buf,
		    MSG_DONTWAIT);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			return (0);
		if (r <= 0) {
			rc->fd_eof = 1;
			ssh_channel_send_eof(rc->ch);
			break;
		}
		if (ssh_channel_write(rc->ch, buf, r) != r) {
			*error = 1;
			return (0);
		}
	}
	return (0);
}

/*
 * Move data until the relay goes. Every connection is in this one loop;
 * nothing in it blocks.
 */
static void
relay_pump(ssh_session s, int sock, char **cause)
{
	struct relay_chan	 chans[RELAY_MAX_CHANS];
	struct pollfd		 pfd[RELAY_MAX_CHANS + 2];
	ssh_channel		 ch;
	char			*orig;
	int			 n = 0, i, np, dport, oport, shut, err;
	int			 blocked = 0, flags;

	ssh_set_blocking(s, 0);
	for (;;) {
		np = 0;
		flags = ssh_get_poll_flags(s);
		pfd[np].fd = ssh_get_fd(s);
		pfd[np++].events = POLLIN |
		    ((flags & SSH_WRITE_PENDING) ? POLLOUT : 0);
		pfd[np].fd = sock;
		pfd[np++].events = POLLIN;
		for (i = 0; i < n; i++) {
			/* A hung-up socket would wake poll at once. */
			pfd[np].fd = chans[i].fd_eof && chans[i].outoff ==
			    chans[i].outlen ? -1 : chans[i].fd;
			pfd[np++].events = (chans[i].fd_eof ? 0 : POLLIN) |
			    (chans[i].outoff < chans[i].outlen ? POLLOUT : 0);
		}
		if (poll(pfd, np, blocked ? 20 : 1000) == -1 && errno != EINTR)
			fatal_fr("poll");
		if (pfd[1].revents & (POLLIN | POLLHUP))
			_exit(0);
		/* This reads the socket too, and flushes what waits. */
		while ((ch = ssh_channel_open_forward_port(s, 0, &dport, &orig,
		    &oport)) != NULL) {
			relay_new_chan(sock, ch, orig != NULL ? orig : "?",
			    oport, chans, &n);
			ssh_string_free_char(orig);
		}
		if (!ssh_is_connected(s)) {
			/* libssh's last error is of a poll, not the cause. */
			*cause = xstrdup("the connection to the relay was lost");
			break;
		}
		blocked = 0;
		for (i = 0; i < n; i++) {
			shut = relay_up(&chans[i], &err);
			blocked |= shut;
			/* Closed: once what it sent has reached the socket. */
			if (err || relay_down(&chans[i]) != 0 ||
			    ((ssh_channel_is_closed(chans[i].ch) ||
			    (chans[i].fd_eof && chans[i].shut)) &&
			    chans[i].outoff == chans[i].outlen)) {
				relay_chan_free(chans, &n, i);
				i--;
			}
		}
		ssh_blocking_flush(s, 0);
	}
	while (n > 0)
		relay_chan_free(chans, &n, 0);
}

/*
 * The relay's process: connect, relay until the connection drops, and
 * again after 1, 2, 4 ... 60 seconds. A connection that came up starts
 * the wait from 1 again.
 */
static dead void
relay_main(struct agent *ag, const struct conf_relay *r, int sock)
{
	ssh_session	 s;
	struct msg	 m;
	char		*cause = NULL;
	int		 port, backoff = 1;

	(void)ag;
	for (;;) {
		if ((s = relay_connect(r, &port, &cause)) != NULL) {
			info("relay %s: listening on its port %d", r->host,
			    port);
			msg_init(&m, MON_R_UP);
			msg_put_u32(&m, port);
			relay_send(sock, &m);
			backoff = 1;
			relay_pump(s, sock, &cause);
			ssh_disconnect(s);
			ssh_free(s);
		}
		info("relay %s: %s; again in %d s", r->host, cause, backoff);
		msg_init(&m, MON_R_DOWN);
		msg_put_u32(&m, backoff);
		msg_put_str(&m, cause);
		relay_send(sock, &m);
		free(cause);
		cause = NULL;
		sleep(backoff);
		if ((backoff *= 2) > RELAY_BACKOFF_MAX)
			backoff = RELAY_BACKOFF_MAX;
	}
}

/*
 * What needs root is read now, the identity and a host_key file; then the
 * process becomes privsep_user, for it speaks SSH to the network too. A
 * key it cannot read is said, and tried again a minute later.
 */
static void
relay_drop(struct agent *ag, struct conf_relay *r, int sock)
{
	struct msg	 m;
	char		*cause = NULL, *line;

	if (ssh_pki_import_privkey_file(r->identity, NULL, NULL, NULL,
	    &relay_identity) != SSH_OK) {
		xasprintf(&cause, "identity %s: cannot read the key",
		    r->identity);
		goto fail;
	}
	if (*r->host_key == '/') {
		if ((line = relaykey_read(r->host_key, &cause)) == NULL)
			goto fail;
		free(r->host_key);
		r->host_key = line;
	}
	if (geteuid() == 0 && (setgroups(0, NULL) != 0 ||
	    setresgid(ag->privsep_gid, ag->privsep_gid, ag->privsep_gid) != 0 ||
	    setresuid(ag->privsep_uid, ag->privsep_uid, ag->privsep_uid) != 0))
		fatal_fr("relay: cannot become %s", ag->conf.privsep_user);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0) != 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1)
		_exit(0);
	return;
fail:
	info("relay %s: %s; again in %d s", r->host, cause, RELAY_BACKOFF_MAX);
	msg_init(&m, MON_R_DOWN);
	msg_put_u32(&m, RELAY_BACKOFF_MAX);
	msg_put_str(&m, cause);
	relay_send(sock, &m);
	free(cause);
	sleep(RELAY_BACKOFF_MAX);
	_exit(1);
}

/* The relay's process keeps its socket and the configuration only. */
static void
relay_child(struct agent *ag, int idx, int sock)
{
	sigset_t	 none;
	int		 i;

	for (i = 0; i < ag->nlisteners; i++) {
		if (ag->listeners[i].fd != -1)
			close(ag->listeners[i].fd);
	}
	/* As disc_close(), which the monitor's unit test does not link. */
	for (i = 0; i < ag->ndisc; i++)
		close(ag->disc_fds[i]);
	ag->ndisc = 0;
	if (ag->addr_fd != -1)
		close(ag->addr_fd);
	for (i = 0; i < ag->nconns; i++) {
		if (ag->conns[i].fd != -1)
			close(ag->conns[i].fd);
	}
	relay_close_fds(ag);
	/* It needs neither the ticket nor the key, and should hold neither. */
	ticket_clear(&ag->ticket);
	ssh_key_free(ag->hostkey);
	ag->hostkey = NULL;
	if (ag->hostkey_text != NULL)
		freezero(ag->hostkey_text, strlen(ag->hostkey_text));
	ag->hostkey_text = NULL;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_IGN);	/* Ctrl-C on the status screen is the
					   listener's to handle */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1)
		_exit(0);
	log_set_prefix("[relay] ");
	relay_drop(ag, &ag->relays[idx].conf, sock);
	relay_main(ag, &ag->relays[idx].conf, sock);
}

static void
relay_spawn(struct agent *ag, struct relay *rl, int idx)
{
	int	 p[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0) {
		error_r("relay socketpair");
		return;
	}
	switch (rl->pid = fork()) {
	case -1:
		error_r("relay fork");
		close(p[0]);
		close(p[1]);
		rl->pid = 0;
		return;
	case 0:
		close(p[0]);
		relay_child(ag, idx, p[1]);
		_exit(1);
	}
	close(p[1]);
	rl->fd = p[0];
	rl->started = time(NULL);
	rl->port = 0;
}

/* One process per relay of the configuration. */
void
relay_start(struct agent *ag)
{
	const struct conf_relay	*r;
	struct relay		*rl;
	int			 i;

	for (i = 0; i < ag->conf.relay.n && i < TETHERD_MAX_RELAYS; i++) {
		r = &ag->conf.relay.v[i];
		rl = &ag->relays[i];
		memset(rl, 0, sizeof *rl);
		rl->fd = -1;
		rl->conf.host = xstrdup(r->host);
		rl->conf.port = r->port;
		rl->conf.user = xstrdup(r->user);
		rl->conf.identity = xstrdup(r->identity);
		rl->conf.host_key = xstrdup(r->host_key);
		if (r->port == 22)
			rl->label = xstrdup(r->host);
		else
			xasprintf(&rl->label, "%s:%d", r->host, r->port);
		relay_spawn(ag, rl, i);
		ag->nrelays++;
	}
}

/* The listener's ends, closed in every process it starts. */
void
relay_close_fds(struct agent *ag)
{
	int	 i;

	for (i = 0; i < ag->nrelays; i++) {
		if (ag->relays[i].fd != -1)
			close(ag->relays[i].fd);
		ag->relays[i].fd = -1;
	}
}

/* End the relays: no more connections come through them. */
void
relay_stop(struct agent *ag)
{
	struct relay	*rl;
	int		 i;

	relay_stopping = 1;
	for (i = 0; i < ag->nrelays; i++) {
		rl = &ag->relays[i];
		if (rl->pid > 0) {
			kill(rl->pid, SIGTERM);
			while (waitpid(rl->pid, NULL, 0) == -1 &&
			    errno == EINTR)
				;
		}
		rl->pid = 0;
		rl->port = 0;
		free(rl->label);
		free(rl->why);
		free(rl->conf.host);
		free(rl->conf.user);
		free(rl->conf.identity);
		free(rl->conf.host_key);
	}
	relay_close_fds(ag);
	ag->nrelays = 0;
}

/* The relays' pids, for the sweep of orphans; how many were put in. */
int
relay_pids(struct agent *ag, pid_t *pids, int max)
{
	int	 i, n = 0;

	for (i = 0; i < ag->nrelays && n < max; i++) {
		if (ag->relays[i].pid > 0)
			pids[n++] = ag->relays[i].pid;
	}
	return (n);
}

static void
relay_changed(struct agent *ag)
{
	char	*cause;

	if (state_write(ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
}

/*
 * A relay's process ended. It is started again, unless it died soon after
 * it started, which would only repeat. Returns 0 if pid was no relay.
 */
int
relay_reaped(struct agent *ag, pid_t pid)
{
	struct relay	*rl;
	int		 i;

	for (i = 0; i < ag->nrelays; i++) {
		rl = &ag->relays[i];
		if (rl->pid != pid)
			continue;
		rl->pid = 0;
		rl->port = 0;
		if (rl->fd != -1)
			close(rl->fd);
		rl->fd = -1;
		if (relay_stopping)
			return (1);
		if (time(NULL) - rl->started < RELAY_RESPAWN) {
			error("relay %s: its process keeps ending; not started "
			    "again", rl->label);
			relay_changed(ag);
			return (1);
		}
		relay_spawn(ag, rl, i);
		relay_changed(ag);
		return (1);
	}
	return (0);
}

/* Up on a port, or down and why: the screen, the state file, the audit. */
static void
relay_note(struct agent *ag, struct relay *rl, struct msg *m)
{
	char		 port[16], *why = NULL;
	uint32_t	 n, backoff;
	int		 was = rl->port;

	if (m->type == MON_R_UP) {
		if (msg_get_u32(m, &n) != 0 || n == 0 || n > 65535)
			return;
		rl->port = n;
		free(rl->why);
		rl->why = NULL;
		printf("\r\nrelay: %s port %u\r\n", rl->label, n);
		fflush(stdout);
		snprintf(port, sizeof port, "%u", n);
		audit(ag, "relay", "host", rl->label, "port", port,
		    (char *)NULL);
		relay_changed(ag);
		return;
	}
	if (m->type != MON_R_DOWN || msg_get_u32(m, &backoff) != 0 ||
	    msg_get_str(m, &why) != 0 || why == NULL) {
		free(why);
		return;
	}
	rl->port = 0;
	/* Once for each new reason, not once a retry. */
	if (was == 0 && rl->why != NULL && strcmp(rl->why, why) == 0) {
		free(why);
		return;
	}
	free(rl->why);
	rl->why = why;
	/* The relay, or anyone on the way to it, may have worded it. */
	reason_clean(rl->why);
	printf("\r\nrelay: %s down (%s); trying again\r\n", rl->label,
	    rl->why);
	fflush(stdout);
	audit(ag, "relay", "host", rl->label, "down", why, (char *)NULL);
	relay_changed(ag);
}

/*
 * A message from a relay's process. Returns the fd of a connection that
 * came through it, for the listener to take like an accepted socket, with
 * *from and *port set; otherwise -1.
 */
int
relay_input(struct agent *ag, struct relay *rl, char **from, int *port)
{
	struct msg	 m;
	uint32_t	 oport;
	int		 fd = -1;

	if (!msg_pending(rl->fd))
		return (-1);
	if (msg_recv(rl->fd, &m) != 0) {
		/* The process went; the reap starts it again. */
		close(rl->fd);
		rl->fd = -1;
		rl->port = 0;
		return (-1);
	}
	if (m.type == MON_R_CONN && msg_get_u32(&m, &oport) == 0 &&
	    (fd = msg_take_fd(&m)) != -1) {
		*port = (int)oport;
		xasprintf(from, "relay:%s", rl->label);
	} else
		relay_note(ag, rl, &m);
	msg_free(&m);
	return (fd);
}

/* The status screen's lines. */
void
relay_status(struct agent *ag)
{
	struct relay	*rl;
	int		 i;

	for (i = 0; i < ag->nrelays; i++) {
		rl = &ag->relays[i];
		if (rl->port != 0)
			printf("  Relay:        %s port %d\n", rl->label,
			    rl->port);
		else
			printf("  Relay:        %s (connecting)\n", rl->label);
	}
}

/* connection.yaml and info: relay: [{host: H, port: N or null}]. */
void
relay_yaml(struct yw *w, struct agent *ag)
{
	struct relay	*rl;
	int		 i;

	yw_str(w, "relay");
	if (ag->nrelays == 0) {
		yw_flow_seq(w);
		yw_end(w);
		return;
	}
	yw_seq(w);
	for (i = 0; i < ag->nrelays; i++) {
		rl = &ag->relays[i];
		yw_map(w);
		yw_kv(w, "host", rl->label);
		if (rl->port != 0)
			yw_kvint(w, "port", rl->port);
		else
			yw_kv(w, "port", NULL);
		yw_end(w);
	}
	yw_end(w);
}
