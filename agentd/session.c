/* SPDX-License-Identifier: ISC */

/*
 * One SSH connection, in its own child. Key exchange, authentication by
 * the ticket's key or the ticket as password, then session channels. No
 * channel, request or subsystem is honoured before authentication, whatever
 * libssh's own state machine would allow.
 */

#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/server.h>

#include "tetherd.h"

#define SESSION_SOCKET_FD	3	/* as the monitor passes them */
#define SESSION_MONITOR_FD	4

/*
 * Only what no audit faults: curve25519 key exchange (no NIST curves, and
 * no group exchange, whose small-group requests a client could make us
 * wait on), AEAD or CTR ciphers, and MACs that are computed over the
 * ciphertext. OpenSSH, PuTTY, paramiko and asyncssh all have these.
 */
#define SESSION_KEX \
	"curve25519-sha256,curve25519-sha256@libssh.org"
#define SESSION_CIPHERS \
	"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com," \
	"aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
#define SESSION_MACS \
	"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"

/* What a request without a user name is logged as. */
static const char session_nouser[64] = "?";

/* Environment names a client may set, as sshd's AcceptEnv would list. */
static const char *session_env_ok[] = {
	"LANG", "LC_*", "TZ", "COLORTERM", "TETHER_CHROOT", NULL
};

/*
 * The monitor's verdict, as libssh wants it. Only the monitor knows the
 * ticket and the authorized keys; this process asks and takes the answer.
 */
static int
session_verdict(struct sess *s, int verdict, const char *user)
{
	if (verdict != MON_OK)
		return (SSH_AUTH_DENIED);
	alarm(0);
	s->authenticated = 1;
	free(s->user);
	s->user = xstrdup(user);
	s->last = time(NULL);
	return (SSH_AUTH_SUCCESS);
}

static int
session_password(ssh_session session, const char *user, const char *pass,
    void *arg)
{
	struct sess	*s = arg;

	(void)session;
	if (s->authenticated || s->ending)
		return (SSH_AUTH_DENIED);
#ifdef TETHER_SANDBOX_TEST
	/* A build for the tests only: a call the sandbox must not allow. */
	if (strcmp(user, "sandbox-trip") == 0)
		execve("/bin/true", (char *[]){ "true", NULL }, NULL);
	/* And a session that starts a request and never ends it. */
	if (strcmp(user, "monitor-stall") == 0 && write(s->mon_fd,
	    (uint32_t[]){ MON_AUTH_PASSWORD, 1000 }, 8) == 8)
		poll(NULL, 0, -1);
#endif
	return (session_verdict(s, monwrap_auth_password(s, user, pass), user));
}

/*
 * libssh calls this twice per key: with STATE_NONE for the "would you take
 * this key" probe, and with STATE_VALID once a signature checked out. Only
 * the second may authenticate; every other state is refused.
 */
static int
session_pubkey(ssh_session session, const char *user,
    struct ssh_key_struct *key, char state, void *arg)
{
	struct sess	*s = arg;
	int		 verdict;

	(void)session;
	if (s->authenticated || s->ending)
		return (SSH_AUTH_DENIED);
	verdict = monwrap_auth_pubkey(s, user, key, state);
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return (verdict == MON_PROBE_OK ? SSH_AUTH_SUCCESS :
		    SSH_AUTH_DENIED);
	if (state != SSH_PUBLICKEY_STATE_VALID)
		return (SSH_AUTH_DENIED);
	return (session_verdict(s, verdict, user));
}

/* The first "none" asks which methods there are; any other is a try. */
static int
session_none(ssh_session session, const char *user, void *arg)
{
	struct sess	*s = arg;

	(void)session;
	if (s->authenticated || s->ending)
		return (SSH_AUTH_DENIED);
	if (s->none_asked++ > 0)
		monwrap_auth_fail(s, "none", user);
	return (SSH_AUTH_DENIED);
}

/*
 * Requests no callback took: keyboard-interactive and other methods we do
 * not offer count as failed attempts; channel opens go to forwarding.
 */
static int
session_message(ssh_session session, ssh_message msg, void *arg)
{
	struct sess	*s = arg;
	const char	*user;

	if (ssh_message_type(msg) != SSH_REQUEST_AUTH)
		return (forward_message(session, msg, arg));
	if (!s->authenticated && !s->ending) {
		if ((user = ssh_message_auth_user(msg)) == NULL)
			user = session_nouser;
		monwrap_auth_fail(s, ssh_message_subtype(msg) ==
		    SSH_AUTH_METHOD_INTERACTIVE ? "keyboard-interactive" :
		    "other", user);
	}
	return (1);
}

static int
session_service(ssh_session session, const char *service, void *arg)
{
	(void)session;
	(void)arg;
	return (strcmp(service, "ssh-userauth") == 0 ? 0 : -1);
}

struct chan *
session_chan_new(struct sess *s)
{
	int	 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == NULL)
			break;
	}
	if (i == TETHERD_MAX_CHANNELS)
		return (NULL);
	s->chans[i] = xcalloc(1, sizeof *s->chans[i]);
	s->chans[i]->sess = s;
	return (s->chans[i]);
}

void
session_chan_free(struct sess *s, struct chan *c)
{
	watch_session_end(c);
	if (!c->keep)
		monwrap_close(c);
	console_close(c);
	record_end(c->rec);
	hold_ring_free(c->ring);
	free(c->replay);
	if (c->channel != NULL) {
		ssh_remove_channel_callbacks(c->channel, &c->cb);
		ssh_channel_free(c->channel);
	}
	console_free(s, c);
}

/* Every channel request below checks this first. */
static int
session_chan_ok(struct chan *c)
{
	return (c->sess->authenticated && !c->sess->ending && !c->finished);
}

static int
session_pty_req(ssh_session session, ssh_channel channel, const char *term,
    int cols, int rows, int px, int py, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || c->started || c->pty)
		return (-1);
	if (!session_term_ok(term))
		return (-1);
	free(c->term);
	c->term = xstrdup(term);
	console_pty(c, cols, rows, px, py);
	return (0);
}

static int
session_pty_resize(ssh_session session, ssh_channel channel, int cols,
    int rows, int px, int py, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || !c->pty)
		return (-1);
	if (c->watch != NULL)
		return (watch_resize(c));
	console_resize(c, cols, rows, px, py);
	return (0);
}

/* A terminal name: what terminfo names are made of, at most 64. */
int
session_term_ok(const char *term)
{
	return (strlen(term) <= 64 && strspn(term, "abcdefghijklmnopqrstuvwxy"
	    "zABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+") == strlen(term));
}

/* NAME, or the NAME of NAME=value, is one a client may set. */
int
session_env_name_ok(const char *name)
{
	const char	**p;
	size_t		  n, len = strcspn(name, "=");

	for (p = session_env_ok; *p != NULL; p++) {
		n = strlen(*p);
		if ((*p)[n - 1] == '*' && len >= n - 1 &&
		    strncmp(name, *p, n - 1) == 0)
			return (1);
		if (len == n && strncmp(name, *p, n) == 0)
			return (1);
	}
	return (0);
}

static int
session_env_req(ssh_session session, ssh_channel channel, const char *name,
    const char *value, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || c->started)
		return (-1);
	if (strcmp(name, "TETHER_REASON") == 0)
		return (reason_send(c->sess, value));
	if (!session_env_name_ok(name) || strchr(name, '=') != NULL ||
	    strlen(value) > 1024 ||
	    (size_t)c->nenv >= sizeof c->env / sizeof c->env[0]) {
		debug("env request %s refused", name);
		return (-1);
	}
	xasprintf(&c->env[c->nenv++], "%s=%s", name, value);
	return (0);
}

static int
session_shell_req(ssh_session session, ssh_channel channel, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || c->started)
		return (-1);
	if (monwrap_start(c, MON_START_SHELL, NULL) != 0)
		return (-1);
	c->welcome = c->pty && c->sess->ag->conf.welcome[0] != '\0';
	return (0);
}

static int
session_exec_req(ssh_session session, ssh_channel channel,
    const char *command, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || c->started)
		return (-1);
	return (monwrap_start(c, MON_START_EXEC, command));
}

static int
session_subsystem_req(ssh_session session, ssh_channel channel,
    const char *name, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || c->started)
		return (-1);
	if (monwrap_start(c, MON_START_SUBSYSTEM, name) != 0)
		return (-1);
	/* The monitor starts no subsystem but sftp. */
	c->pace = sftppace_new();
	return (0);
}

static int
session_data(ssh_session session, ssh_channel channel, void *data,
    uint32_t len, int is_stderr, void *arg)
{
	struct chan	*c = arg;
	uint32_t	 took;

	(void)session;
	(void)channel;
	if (c->watch != NULL)
		return (watch_input(c, len));
	if (is_stderr || !c->started || c->in_fd == -1)
		return (len);	/* nobody to give it to: drop it */
	if (c->pulling) {
		c->backlog = 1;
		return (0);	/* console_pull reads it, in order */
	}
	c->sess->last = time(NULL);
	took = console_take(c, data, len);
	if (took < len)
		c->backlog = 1;
	console_input(c);
	return (took);
}

static void
session_eof(ssh_session session, ssh_channel channel, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	c->in_eof = 1;
}

static void
session_close(ssh_session session, ssh_channel channel, void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	debug("channel %u closed by the client", c->id);
	monwrap_kill(c);
	c->finished = 1;
}

/*
 * Data, EOF and close for every channel; the requests that start a
 * process only for a session channel, not for a forwarded connection.
 */
void
session_chan_callbacks(struct chan *c, int requests)
{
	c->cb.userdata = c;
	if (requests) {
		c->cb.channel_pty_request_function = session_pty_req;
		c->cb.channel_pty_window_change_function = session_pty_resize;
		c->cb.channel_env_request_function = session_env_req;
		c->cb.channel_shell_request_function = session_shell_req;
		c->cb.channel_exec_request_function = session_exec_req;
		c->cb.channel_subsystem_request_function =
		    session_subsystem_req;
	}
	c->cb.channel_data_function = session_data;
	c->cb.channel_eof_function = session_eof;
	c->cb.channel_close_function = session_close;
	ssh_callbacks_init(&c->cb);
	ssh_set_channel_callbacks(c->channel, &c->cb);
}

static ssh_channel
session_open(ssh_session session, void *arg)
{
	struct sess	*s = arg;
	struct chan	*c;

	if (!s->authenticated || s->ending) {
		info("channel refused before authentication from %s", s->from);
		return (NULL);
	}
	if ((c = session_chan_new(s)) == NULL) {
		info("channel refused: already %d channels",
		    TETHERD_MAX_CHANNELS);
		return (NULL);
	}
	c->master = c->slave = c->in_fd = c->out_fd = c->err_fd = -1;
	c->channel = ssh_channel_new(session);
	if (c->channel == NULL) {
		session_chan_free(s, c);
		return (NULL);
	}
	session_chan_callbacks(c, 1);
	return (c->channel);
}

/* The welcome text opens a console, as a motd would, with CRLF lines. */
static void
session_welcome(struct chan *c)
{
	const char	*p;
	size_t		 n;

	if (!c->welcome)
		return;
	c->welcome = 0;
	for (p = c->sess->ag->conf.welcome; *p != '\0'; p += n) {
		n = strcspn(p, "\n");
		ssh_channel_write(c->channel, p, n);
		if (p[n] == '\n') {
			ssh_channel_write(c->channel, "\r\n", 2);
			n++;
		}
	}
	if (p[-1] != '\n')
		ssh_channel_write(c->channel, "\r\n", 2);
}

/* A console attached again: its recent output, then the live one. */
static void
session_replay(struct chan *c)
{
	if (c->replay == NULL || c->finished)
		return;
	if (ssh_channel_write(c->channel, c->replay, c->replaylen) ==
	    SSH_ERROR)
		c->sess->ending = 1;
	free(c->replay);
	c->replay = NULL;
}

/* A verb's reply goes out after the request's success reply did. */
static void
session_reply(struct chan *c)
{
	if (c->reply == NULL || c->finished)
		return;
	if (c->replylen > 0 &&
	    ssh_channel_write(c->channel, c->reply, c->replylen) == SSH_ERROR)
		c->sess->ending = 1;
	if (c->reply_err != NULL && ssh_channel_write_stderr(c->channel,
	    c->reply_err, strlen(c->reply_err)) == SSH_ERROR)
		c->sess->ending = 1;
	free(c->reply);
	free(c->reply_err);
	c->reply = c->reply_err = NULL;
	ssh_channel_request_send_exit_status(c->channel, c->reply_status);
	ssh_channel_send_eof(c->channel);
	ssh_channel_close(c->channel);
	c->finished = 1;
}

/*
 * Once the process is gone and its output drained, the client learns the
 * exit status (or signal), then EOF, then close, in the order sshd uses.
 */
static void
session_finish(struct chan *c)
{
	int	 st = c->status;

	if (c->finished || !c->exited || !c->out_eof || !c->err_eof)
		return;
	if (c->forward) {
		/* A forwarded connection has no exit status. */
	} else if (c->timed_out) {
		/* As timeout(1) says it: the limit, not the signal it took. */
		ssh_channel_request_send_exit_status(c->channel, 124);
	} else if (WIFSIGNALED(st)) {
		ssh_channel_request_send_exit_signal(c->channel,
		    sigabbrev_np(WTERMSIG(st)) != NULL ?
		    sigabbrev_np(WTERMSIG(st)) : "KILL", WCOREDUMP(st), "", "");
	} else
		ssh_channel_request_send_exit_status(c->channel,
		    WEXITSTATUS(st));
	ssh_channel_send_eof(c->channel);
	ssh_channel_close(c->channel);
	c->finished = 1;
	debug("channel done, status %d", st);
}

static void
session_step(struct sess *s)
{
	struct chan	*c;
	int		 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if ((c = s->chans[i]) == NULL)
			continue;
		session_welcome(c);
		session_replay(c);
		watch_pump(c);
		session_reply(c);
		console_flow(c);
		console_output(c);
		session_finish(c);
		if (c->finished)
			session_chan_free(s, c);
	}
}

static int
session_sigfd(socket_t fd, int revents, void *arg)
{
	struct sess		*s = arg;
	struct signalfd_siginfo	 si;

	(void)revents;
	while (read(fd, &si, sizeof si) == sizeof si) {
		info("ending on signal %d", si.ssi_signo);
		s->ending = 1;
	}
	return (0);
}

static void
session_setup_signals(struct sess *s)
{
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal_fr("signalfd");
	signal(SIGPIPE, SIG_IGN);
}

static ssh_bind
session_bind(struct agent *ag)
{
	ssh_bind	 b;
	ssh_key		 key;
	int		 off = 0;

	if ((b = ssh_bind_new()) == NULL)
		fatalx("ssh_bind_new failed");
	/* The bind takes ownership of the key it is given. */
	if ((key = ssh_key_dup(ag->hostkey)) == NULL)
		fatalx("cannot copy the host key");
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_PROCESS_CONFIG,
	    &off) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, key) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_BANNER, ag->banner) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
	    "ssh-ed25519") != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE,
	    SESSION_KEX) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S,
	    SESSION_CIPHERS) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C,
	    SESSION_CIPHERS) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_C_S,
	    SESSION_MACS) != 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_S_C,
	    SESSION_MACS) != 0)
		fatalx("ssh_bind options: %s", ssh_get_error(b));
	return (b);
}

static void
session_callbacks(struct sess *s)
{
	s->cb.userdata = s;
	s->cb.auth_password_function = session_password;
	s->cb.auth_pubkey_function = session_pubkey;
	s->cb.auth_none_function = session_none;
	s->cb.service_request_function = session_service;
	s->cb.channel_open_request_session_function = session_open;
	ssh_callbacks_init(&s->cb);
	ssh_set_server_callbacks(s->session, &s->cb);
	ssh_set_message_callback(s->session, session_message, s);
	/* The ticket as password exists only where there is a ticket. */
	ssh_set_auth_methods(s->session, SSH_AUTH_METHOD_PUBLICKEY |
	    (s->ag->unattended ? 0 : SSH_AUTH_METHOD_PASSWORD));
}

static int
session_live(struct sess *s)
{
	if (s->ending || !ssh_is_connected(s->session))
		return (0);
	return ((ssh_get_status(s->session) &
	    (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0);
}

/* limits.idle_timeout: no data either way for that long ends it. */
static void
session_idle(struct sess *s)
{
	int	 idle = s->ag->conf.limits.idle_timeout, i;

	if (!s->authenticated || idle == 0 || time(NULL) - s->last < idle)
		return;
	/* A command without a pty may work long in silence (fsck). */
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->started &&
		    !s->chans[i]->exited && !s->chans[i]->pty)
			return;
	}
	monwrap_idle(s);
	s->ending = 1;
}

static dead void
session_end(struct sess *s, int status)
{
	int	 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == NULL)
			continue;
		/* A console may live on: the monitor knows why we end. */
		if (s->chans[i]->ring != NULL && !s->chans[i]->exited)
			s->chans[i]->keep = 1;
		else
			monwrap_kill(s->chans[i]);
	}
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL)
			session_chan_free(s, s->chans[i]);
	}
	/* A refusal banner and the failure reply must leave before we do. */
	if (ssh_is_connected(s->session)) {
		ssh_blocking_flush(s->session, 1000);
		ssh_disconnect(s->session);
	}
	if (s->event != NULL) {
		/* libssh frees the handle of an added fd only on removal. */
		ssh_event_remove_fd(s->event, s->sig_fd);
		ssh_event_free(s->event);
	}
	ssh_free(s->session);
	debug("session process done");
	_exit(status);
}

/*
 * What the monitor sends first: who this is, the host key, the few
 * settings this process needs, and the cell it is to enter.
 */
static void
session_config(struct sess *s, struct agent *ag, char **dir, uid_t *uid,
    gid_t *gid)
{
	struct msg	 m;
	char		*key = NULL, *id = NULL, *version = NULL;
	uint32_t	 v[6];
	size_t		 i;

	if (msg_recv(s->mon_fd, &m) != 0 || m.type != MON_CONFIG ||
	    msg_get_str(&m, &version) != 0 || version == NULL)
		fatalx("no configuration from the monitor");
	/* A package upgrade replaced the program under a running agent. */
	if (strcmp(version, TETHER_VERSION) != 0)
		fatalx("tetherd %s is running, but the program is now %s: "
		    "restart tetherd", version, TETHER_VERSION);
	free(version);
	if (msg_get_str(&m, &id) != 0 || id == NULL ||
	    strlen(id) != sizeof s->id - 1 ||
	    msg_get_str(&m, &s->from) != 0 || s->from == NULL ||
	    msg_get_str(&m, &key) != 0 || key == NULL ||
	    msg_get_str(&m, &ag->banner) != 0 ||
	    msg_get_str(&m, &ag->conf.welcome) != 0 ||
	    ag->conf.welcome == NULL)
		fatalx("no configuration from the monitor");
	for (i = 0; i < 4; i++) {
		if (msg_get_u32(&m, &v[i]) != 0)
			fatalx("no configuration from the monitor");
	}
	if (msg_get_str(&m, dir) != 0 ||
	    msg_get_u32(&m, &v[4]) != 0 || msg_get_u32(&m, &v[5]) != 0)
		fatalx("no configuration from the monitor");
	memcpy(s->id, id, sizeof s->id);
	free(id);
	ag->unattended = v[0];
	ag->conf.limits.login_grace_time = v[1];
	ag->conf.limits.idle_timeout = v[2];
	log_open("tetherd", v[3], LOG_TO_STDERR);
	*uid = v[4];
	*gid = v[5];
	if (ssh_pki_import_privkey_base64(key, NULL, NULL, NULL,
	    &ag->hostkey) != SSH_OK)
		fatalx("the host key from the monitor does not load");
	freezero(key, strlen(key));
	msg_free(&m);
}

/* This process is started by the monitor, never by hand. */
static void
session_check_fds(void)
{
	struct stat	 sb;

	if (fstat(SESSION_SOCKET_FD, &sb) != 0 || !S_ISSOCK(sb.st_mode) ||
	    fstat(SESSION_MONITOR_FD, &sb) != 0 || !S_ISSOCK(sb.st_mode))
		fatalx("--session-process: only tetherd starts this");
}

/*
 * ACK what the client sent at once. A client that has not turned Nagle
 * off (ssh running a command, scp, sftp, psftp) holds each small packet
 * until the one before it is acknowledged, and Linux delays that ACK by
 * up to 40 ms while it expects a reply to carry it: a connect took 60-70
 * ms on loopback, 20-30 without the wait. TCP_QUICKACK holds only until
 * the kernel chooses again, so it is set after every read. Not once a
 * terminal is asked for: such a client sends at once anyway (ssh turns
 * Nagle off for one), and the echo of a keystroke carries its ACK
 * sooner than a packet of its own would.
 */
static void
session_quickack(struct sess *s)
{
	int	 one = 1, i;

	if (!s->quickack)
		return;
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->pty)
			return;
	}
	if (setsockopt(SESSION_SOCKET_FD, IPPROTO_TCP, TCP_QUICKACK, &one,
	    sizeof one) != 0)
		s->quickack = 0;
}

static void
session_accept(struct sess *s, struct agent *ag, int fd)
{
	ssh_bind	 b;
	int		 one = 1;

	/*
	 * Small packets (exit status, EOF, close; the key exchange) must not
	 * wait for Nagle and a delayed ACK: 40 ms each otherwise. A relayed
	 * connection is a socketpair, with neither.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		debug_r("TCP_NODELAY");
	else
		s->quickack = 1;
	b = session_bind(ag);
	if ((s->session = ssh_new()) == NULL)
		fatalx("ssh_new failed");
	if (ssh_bind_accept_fd(b, s->session, fd) != SSH_OK)
		fatalx("accept from %s: %s", s->from, ssh_get_error(b));
	ssh_bind_free(b);
	session_callbacks(s);
}

/*
 * The key exchange, a step at a time so that each read is acknowledged
 * at once. The login grace time's alarm bounds it.
 */
static int
session_kex(struct sess *s)
{
	struct pollfd	 pfd = { SESSION_SOCKET_FD, POLLIN, 0 };
	int		 rc;

	ssh_set_blocking(s->session, 0);
	for (;;) {
		rc = ssh_handle_key_exchange(s->session);
		session_quickack(s);
		if (rc != SSH_AGAIN)
			break;
		pfd.events = POLLIN;
		if (ssh_get_poll_flags(s->session) & SSH_WRITE_PENDING)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR) {
			rc = SSH_ERROR;
			break;
		}
	}
	ssh_set_blocking(s->session, 1);
	return (rc);
}

/*
 * The session process: shut in the sandbox before the first byte from the
 * client is read, it speaks SSH and relays; the monitor does the rest.
 */
int
session_main(int argc, char **argv)
{
	static struct agent	 ag;
	struct sess		 sess, *s = &sess;
	char			 prefix[128], *dir;
	uid_t			 uid;
	gid_t			 gid;

	(void)argc;
	(void)argv;
	session_check_fds();
	/*
	 * The log is a pipe its monitor reads between its own waits: a line
	 * that finds it full is lost rather than stalling the connection.
	 */
	fcntl(STDERR_FILENO, F_SETFL, fcntl(STDERR_FILENO, F_GETFL) |
	    O_NONBLOCK);
	memset(s, 0, sizeof *s);
	s->ag = &ag;
	s->mon_fd = SESSION_MONITOR_FD;
	ssh_init();
	session_config(s, &ag, &dir, &uid, &gid);
	snprintf(prefix, sizeof prefix, "[%.16s] ", s->id);
	log_set_prefix(prefix);
	session_setup_signals(s);
	/* Login grace time: unauthenticated, the process just goes away. */
	signal(SIGALRM, SIG_DFL);
	alarm(ag.conf.limits.login_grace_time);
	session_accept(s, &ag, SESSION_SOCKET_FD);
	sandbox_enter(s->mon_fd, dir, uid, gid);
	free(dir);
	if (session_kex(s) != SSH_OK) {
		info("key exchange with %s failed: %s", s->from,
		    ssh_get_error(s->session));
		session_end(s, 1);
	}
	debug("key exchange with %s done", s->from);

	s->event = ssh_event_new();
	ssh_event_add_session(s->event, s->session);
	ssh_event_add_fd(s->event, s->sig_fd, POLLIN, session_sigfd, s);
	ssh_event_add_fd(s->event, s->mon_fd, POLLIN, monwrap_event, s);
	while (session_live(s)) {
		/* A watching channel looks at its console's output often. */
		if (ssh_event_dopoll(s->event, watch_poll_ms(s)) ==
		    SSH_ERROR && !ssh_is_connected(s->session))
			break;
		session_quickack(s);
		session_step(s);
		session_idle(s);
	}
	/* Say why libssh gave up, as a refused pre-auth packet. */
	if (ssh_get_status(s->session) & SSH_CLOSED_ERROR)
		info("connection error: %s", ssh_get_error(s->session));
	session_end(s, 0);
}
