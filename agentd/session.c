/* SPDX-License-Identifier: ISC */

/*
 * One SSH connection, in its own child. Key exchange, authentication by
 * the ticket's key or the ticket as password, then session channels. No
 * channel, request or subsystem is honoured before authentication, whatever
 * libssh's own state machine would allow.
 */

#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include <libssh/server.h>

#include "tetherd.h"

#define SESSION_ADMIT_WAIT	40	/* seconds; the local user has 30 */

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

/* Tell the listener something: one message per packet. */
void
session_report(struct sess *s, const char *fmt, ...)
{
	char	 buf[256];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf)
		return;
	if (send(s->report_fd, buf, n, MSG_NOSIGNAL) != n)
		debug_r("report to listener");
}

/* A client's user name, fit for a log line: printable, at most 64. */
static const char *
session_safe(const char *user)
{
	static char	 buf[65];
	size_t		 i;

	for (i = 0; i < sizeof buf - 1 && user[i] != '\0'; i++)
		buf[i] = user[i] > ' ' && user[i] < 0x7f ? user[i] : '?';
	buf[i] = '\0';
	return (buf);
}

/*
 * Wait for the listener's answer to a report, up to wait seconds; an
 * empty string when there is none.
 */
static void
session_answer(struct sess *s, char *buf, size_t len, int wait)
{
	struct pollfd	 pfd = { s->report_fd, POLLIN, 0 };
	ssize_t		 n;

	if (poll(&pfd, 1, wait * 1000) != 1 ||
	    (n = recv(s->report_fd, buf, len - 1, 0)) <= 0)
		n = 0;
	buf[n] = '\0';
}

/*
 * Every failed attempt counts, as in OpenSSH: a wrong password, a public
 * key that is refused (signed or only offered), keyboard-interactive, and
 * "none" after the first. The listener counts it too, and says whether
 * this connection may go on.
 */
static void
session_auth_fail(struct sess *s, const char *method, const char *user)
{
	char	 tries[16], verdict[16];

	s->auth_tries++;
	info("auth-fail method=%s user=%s from=%s tries=%d", method,
	    session_safe(user), s->from, s->auth_tries);
	snprintf(tries, sizeof tries, "%d", s->auth_tries);
	audit(s->ag, "auth-fail", "method", method, "user", user, "from",
	    s->from, "tries", tries, (char *)NULL);
	session_report(s, "fail");
	session_answer(s, verdict, sizeof verdict, 5);
	if (strcmp(verdict, "go") != 0) {
		info("the listener ends this connection from %s", s->from);
		s->ending = 1;
	}
	if (s->auth_tries >= s->ag->conf.limits.max_auth_tries) {
		info("too many authentication failures from %s", s->from);
		s->ending = 1;
	}
}

/*
 * Credentials are good; the listener has the last word (max_sessions, or
 * the local user under approve: each). Waiting here holds the client's
 * authentication request, which is what it should see.
 */
static int
session_auth_ok(struct sess *s, const char *method, const char *user)
{
	char		 reply[256], *banner;
	ssh_string	 str;

	alarm(0);
	session_report(s, "auth %s", session_safe(user));
	if (s->ag->conf.approve == CONFIG_APPROVE_EACH &&
	    (str = ssh_string_from_char("tetherd: waiting for approval on "
	    "the remote machine\n")) != NULL) {
		ssh_send_issue_banner(s->session, str);
		ssh_string_free(str);
		/* Out now: we are about to block until the user answers. */
		ssh_blocking_flush(s->session, 1000);
	}
	session_answer(s, reply, sizeof reply, SESSION_ADMIT_WAIT);
	/* Anything but "ok" or "no REASON" is no answer. */
	if (strcmp(reply, "ok") != 0 && strncmp(reply, "no ", 3) != 0)
		snprintf(reply, sizeof reply, "no the agent did not answer");
	if (strcmp(reply, "ok") != 0) {
		info("refused after authentication: %s", reply + 3);
		xasprintf(&banner, "tetherd: %s\n", reply + 3);
		if ((str = ssh_string_from_char(banner)) != NULL) {
			ssh_send_issue_banner(s->session, str);
			ssh_string_free(str);
		}
		free(banner);
		s->ending = 1;
		return (-1);
	}
	s->authenticated = 1;
	free(s->user);
	s->user = xstrdup(user);
	s->last = time(NULL);
	info("auth-ok method=%s user=%s from=%s session=%s", method,
	    session_safe(user), s->from, s->id);
	audit(s->ag, "auth-ok", "method", method, "user", user, "from",
	    s->from, "session", s->id, (char *)NULL);
	return (0);
}

static int
session_password(ssh_session session, const char *user, const char *pass,
    void *arg)
{
	struct sess	*s = arg;

	(void)session;
	if (s->authenticated || s->ending)
		return (SSH_AUTH_DENIED);
	if (!s->ag->unattended && ticket_matches(&s->ag->ticket, pass))
		return (session_auth_ok(s, "password", user) == 0 ?
		    SSH_AUTH_SUCCESS : SSH_AUTH_DENIED);
	session_auth_fail(s, "password", user);
	return (SSH_AUTH_DENIED);
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
	struct agent	*ag = s->ag;
	int		 ticket, listed;

	(void)session;
	if (s->authenticated || s->ending)
		return (SSH_AUTH_DENIED);
	/* The ticket's key, or a key from authorized_keys. */
	ticket = !ag->unattended &&
	    ssh_key_cmp(key, ag->hostkey, SSH_KEY_CMP_PUBLIC) == 0;
	listed = auth_key_allowed(ag->keys, ag->nkeys, key);
	if (state == SSH_PUBLICKEY_STATE_NONE) {
		debug("publickey probe from %s: %s", s->from, ticket ?
		    "ticket key" : listed ? "authorized key" : "unknown key");
		if (ticket || listed)
			return (SSH_AUTH_SUCCESS);
		session_auth_fail(s, "publickey", user);
		return (SSH_AUTH_DENIED);
	}
	if (state == SSH_PUBLICKEY_STATE_VALID && (ticket || listed))
		return (session_auth_ok(s, ticket ? "publickey" :
		    "authorized-key", user) == 0 ? SSH_AUTH_SUCCESS :
		    SSH_AUTH_DENIED);
	session_auth_fail(s, "publickey", user);
	return (SSH_AUTH_DENIED);
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
		session_auth_fail(s, "none", user);
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
		session_auth_fail(s, ssh_message_subtype(msg) ==
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

static void	session_tool_done(struct chan *, const char *);

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
	int	 i;

	/* A tool whose client went before it ended. */
	session_tool_done(c, "closed");
	console_close(c);
	record_end(c->rec);
	if (c->channel != NULL) {
		ssh_remove_channel_callbacks(c->channel, &c->cb);
		ssh_channel_free(c->channel);
	}
	for (i = 0; i < c->nenv; i++)
		free(c->env[i]);
	for (i = 0; i < c->nextra_env; i++)
		free(c->extra_env[i]);
	if (c->verb_argv != NULL)
		words_free(c->verb_argc, c->verb_argv);
	free(c->term);
	free(c->tool);
	freezero(c->inbuf, c->inlen);
	free(c->reply);
	free(c->reply_err);
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == c)
			s->chans[i] = NULL;
	}
	free(c);
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
	if (strlen(term) > 64 || strspn(term, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+") != strlen(term))
		return (-1);
	free(c->term);
	c->term = xstrdup(term);
	return (console_pty(c, cols, rows, px, py) == 0 ? 0 : -1);
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
	console_resize(c, cols, rows, px, py);
	return (0);
}

static int
session_env_allowed(const char *name)
{
	const char	**p;
	size_t		  n;

	for (p = session_env_ok; *p != NULL; p++) {
		n = strlen(*p);
		if ((*p)[n - 1] == '*' && strncmp(name, *p, n - 1) == 0)
			return (1);
		if (strcmp(name, *p) == 0)
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
	if (!session_env_allowed(name) || strlen(value) > 1024 ||
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
	info("shell pty=%s", c->pty ? "yes" : "no");
	if (console_start(c, NULL, NULL) != 0)
		return (-1);
	c->welcome = c->pty && c->sess->ag->conf.welcome[0] != '\0';
	if (c->pty)
		c->rec = record_start(c->sess->ag, c->sess->id, c->sess->user,
		    c->sess->from, c->ws.ws_col, c->ws.ws_row, c->term);
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
	return (verbs_exec(c, command) == 0 ? 0 : -1);
}

static int
session_subsystem_req(ssh_session session, ssh_channel channel,
    const char *name, void *arg)
{
	struct chan	*c = arg;
	char		*argv[2];

	(void)session;
	(void)channel;
	if (!session_chan_ok(c) || c->started)
		return (-1);
	if (strcmp(name, "sftp") != 0 || c->sess->ag->conf.sftp_server[0] ==
	    '\0') {
		info("subsystem %s refused", name);
		return (-1);
	}
	info("sftp");
	audit(c->sess->ag, "sftp", "session", c->sess->id, (char *)NULL);
	argv[0] = c->sess->ag->conf.sftp_server;
	argv[1] = NULL;
	return (console_start(c, NULL, argv) == 0 ? 0 : -1);
}

static int
session_data(ssh_session session, ssh_channel channel, void *data,
    uint32_t len, int is_stderr, void *arg)
{
	struct chan	*c = arg;
	uint32_t	 took;

	(void)session;
	(void)channel;
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
	console_kill(c);
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
	/* The listener is told when this client has gone, with the reply. */
	if (c->end_after)
		c->sess->end_after = 1;
}

static void
session_tool_done(struct chan *c, const char *why)
{
	struct agent	*ag = c->sess->ag;
	char		 how[32];
	int		 st = c->status;

	if (c->tool == NULL)
		return;
	if (why != NULL)
		snprintf(how, sizeof how, "%s", why);
	else if (c->timed_out)
		snprintf(how, sizeof how, "timeout");
	else if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "%s", sigabbrev_np(WTERMSIG(st)) !=
		    NULL ? sigabbrev_np(WTERMSIG(st)) : "signal");
	else
		snprintf(how, sizeof how, "%d", WEXITSTATUS(st));
	info("tool %s ended: %s", c->tool, how);
	audit(ag, "tool-exit", "name", c->tool, "session", c->sess->id,
	    "exit", how, (char *)NULL);
	free(c->tool);
	c->tool = NULL;
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
	session_tool_done(c, NULL);
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
		session_reply(c);
		console_deadline(c);
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
		if (si.ssi_signo == SIGCHLD)
			console_reap(s);
		else {
			info("ending on signal %d",
			    si.ssi_signo);
			s->ending = 1;
		}
	}
	return (0);
}

static void
session_setup_signals(struct sess *s)
{
	sigset_t	 set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal_fr("signalfd");
	/* If the listener dies, so does this session and all it started. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/*
	 * Nothing this process or its children run may gain privileges
	 * through exec, from the first byte a client sends on.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		debug_r("PR_SET_NO_NEW_PRIVS");
	if (getppid() == 1)
		s->ending = 1;
}

static void
session_id(struct sess *s)
{
	uint8_t	 r[8];
	int	 i;

	if (RAND_bytes(r, sizeof r) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < 8; i++)
		snprintf(s->id + 2 * i, 3, "%02x", r[i]);
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
	info("idle for %d seconds, closing", idle);
	audit(s->ag, "idle", "from", s->from, "session", s->id, (char *)NULL);
	s->ending = 1;
}

static dead void
session_end(struct sess *s, int status)
{
	int	 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL)
			console_kill(s->chans[i]);
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
	if (s->end_after)
		session_report(s, "end");
	if (s->event != NULL) {
		/* libssh frees the handle of an added fd only on removal. */
		ssh_event_remove_fd(s->event, s->sig_fd);
		ssh_event_free(s->event);
	}
	ssh_free(s->session);
	info("closed, from=%s", s->from);
	_exit(status);
}

void
session_serve(struct agent *ag, int fd, const char *from, int report_fd)
{
	struct sess	 sess, *s = &sess;
	ssh_bind	 b;
	char		 prefix[128];
	int		 one = 1;

	memset(s, 0, sizeof *s);
	s->ag = ag;
	s->from = xstrdup(from);
	s->report_fd = report_fd;
	session_id(s);
	snprintf(prefix, sizeof prefix, "[%.16s] ", s->id);
	log_set_prefix(prefix);
	session_setup_signals(s);

	/* Login grace time: unauthenticated, the child just goes away. */
	signal(SIGALRM, SIG_DFL);
	alarm(ag->conf.limits.login_grace_time);

	/*
	 * Small packets (exit status, EOF, close; the key exchange) must not
	 * wait for Nagle and a delayed ACK: 40 ms each otherwise.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		debug_r("TCP_NODELAY");
	b = session_bind(ag);
	if ((s->session = ssh_new()) == NULL)
		fatalx("ssh_new failed");
	if (ssh_bind_accept_fd(b, s->session, fd) != SSH_OK) {
		error("accept from %s: %s", from, ssh_get_error(b));
		_exit(1);
	}
	ssh_bind_free(b);
	session_callbacks(s);
	if (ssh_handle_key_exchange(s->session) != SSH_OK) {
		info("key exchange with %s failed: %s", from,
		    ssh_get_error(s->session));
		session_end(s, 1);
	}
	debug("key exchange with %s done", from);

	s->event = ssh_event_new();
	ssh_event_add_session(s->event, s->session);
	ssh_event_add_fd(s->event, s->sig_fd, POLLIN, session_sigfd, s);
	while (session_live(s)) {
		if (ssh_event_dopoll(s->event, 1000) == SSH_ERROR &&
		    !ssh_is_connected(s->session))
			break;
		session_step(s);
		session_idle(s);
	}
	/* Say why libssh gave up, as a refused pre-auth packet. */
	if (ssh_get_status(s->session) & SSH_CLOSED_ERROR)
		info("connection error: %s", ssh_get_error(s->session));
	session_end(s, 0);
}
