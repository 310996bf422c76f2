/* SPDX-License-Identifier: ISC */

/*
 * The root half of a connection. It never reads the network: it starts the
 * session process, which speaks SSH shut in the sandbox, and answers its
 * requests from one table. Credentials are checked here and only here;
 * ptys, processes and sockets are made here and their descriptors passed.
 */

#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define MON_ADMIT_WAIT		40	/* seconds; the local user has 30 */
#define MON_SESSION_FD		3	/* the client's socket, in the session */
#define MON_MONITOR_FD		4	/* and this end's other end */
#define MON_READ_WAIT		10	/* seconds for the rest of a message */

struct mon_handler {
	uint32_t	 type;
	const char	*name;
	int		 preauth;	/* allowed before authentication */
	int		 (*fn)(struct sess *, struct msg *);
};

static int	mon_auth_password(struct sess *, struct msg *);
static int	mon_auth_pubkey(struct sess *, struct msg *);
static int	mon_auth_fail(struct sess *, struct msg *);
static int	mon_start(struct sess *, struct msg *);
static int	mon_close(struct sess *, struct msg *);
static int	mon_kill(struct sess *, struct msg *);
static int	mon_forward(struct sess *, struct msg *);
static int	mon_idle(struct sess *, struct msg *);
static int	mon_sandbox(struct sess *, struct msg *);
static int	mon_log_relay(void);
static int	mon_reason(struct sess *, struct msg *);

/* Every request the session may make; only auth and a trip come early. */
static const struct mon_handler mon_dispatch[] = {
	{ MON_AUTH_PASSWORD, "auth_password", 1, mon_auth_password },
	{ MON_AUTH_PUBKEY, "auth_pubkey", 1, mon_auth_pubkey },
	{ MON_AUTH_FAIL, "auth_fail", 1, mon_auth_fail },
	{ MON_SANDBOX, "sandbox", 1, mon_sandbox },
	{ MON_START, "start", 0, mon_start },
	{ MON_CLOSE, "close", 0, mon_close },
	{ MON_KILL, "kill", 0, mon_kill },
	{ MON_FORWARD, "forward", 0, mon_forward },
	{ MON_IDLE, "idle", 0, mon_idle },
	{ MON_REASON, "reason", 0, mon_reason },
	{ MON_WATCH_DROPPED, "watch_dropped", 0, watch_dropped },
	{ 0, NULL, 0, NULL }
};

static pid_t	 mon_pid = -1;		/* the session process */
static int	 mon_log_fd = -1;	/* its standard error */
static char	 mon_log_buf[1024];	/* a line not yet ended */
static size_t	 mon_log_len;
static int	 mon_status;
static int	 mon_syscall = -1;	/* what tripped the sandbox */

/* Tell the listener something. */
static void
mon_report(struct sess *s, uint32_t type, const char *text)
{
	struct msg	 m;

	msg_init(&m, type);
	if (text != NULL)
		msg_put_str(&m, text);
	if (msg_send(s->report_fd, &m) != 0)
		debug_r("report to listener");
	msg_free(&m);
}

/*
 * The listener's answer, up to wait seconds: its type, and in *why the
 * reason of a refusal. 0 when none came.
 */
static uint32_t
mon_answer(struct sess *s, char **why, int wait)
{
	struct pollfd	 pfd = { s->report_fd, POLLIN, 0 };
	struct msg	 m;
	uint32_t	 type;

	*why = NULL;
	if (poll(&pfd, 1, wait * 1000) != 1 || msg_recv(s->report_fd, &m) != 0)
		return (0);
	type = m.type;
	if (type == MON_L_NO && (msg_get_str(&m, why) != 0 || *why == NULL))
		type = 0;
	msg_free(&m);
	return (type);
}

/* A client's user name, fit for a log line: printable, at most 64. */
static const char *
mon_safe(const char *user)
{
	static char	 buf[65];
	size_t		 i;

	for (i = 0; i < sizeof buf - 1 && user[i] != '\0'; i++)
		buf[i] = user[i] > ' ' && user[i] < 0x7f ? user[i] : '?';
	buf[i] = '\0';
	return (buf);
}

static int
mon_reply_auth(struct sess *s, int verdict, const char *text)
{
	struct msg	 m;
	int		 rc;

	msg_init(&m, MON_AUTH_RESULT);
	msg_put_u32(&m, verdict);
	msg_put_u32(&m, s->ending);
	msg_put_str(&m, text);
	rc = msg_send(s->mon_fd, &m);
	msg_free(&m);
	return (rc);
}

/*
 * Every failed attempt counts, as in OpenSSH. The listener counts it too,
 * and says whether this connection may go on.
 */
static int
mon_fail(struct sess *s, const char *method, const char *user)
{
	char	 tries[16], *why;

	s->auth_tries++;
	info("auth-fail method=%s user=%s from=%s tries=%d", method,
	    mon_safe(user), s->from, s->auth_tries);
	snprintf(tries, sizeof tries, "%d", s->auth_tries);
	audit(s->ag, "auth-fail", "method", method, "user", user, "from",
	    s->from, "tries", tries, (char *)NULL);
	mon_report(s, MON_L_FAIL, NULL);
	if (mon_answer(s, &why, 5) != MON_L_GO) {
		info("the listener ends this connection from %s", s->from);
		s->ending = 1;
	}
	free(why);
	if (s->auth_tries >= s->ag->conf.limits.max_auth_tries) {
		info("too many authentication failures from %s", s->from);
		s->ending = 1;
	}
	return (mon_reply_auth(s, MON_DENIED, NULL));
}

/*
 * Credentials are good; the listener has the last word (max_sessions, or
 * the local user under approve: each). The session shows a banner while
 * the local user decides.
 */
static int
mon_admit(struct sess *s, const char *method, const char *user)
{
	char	*why, *text;
	int	 rc;

	mon_report(s, MON_L_AUTH, mon_safe(user));
	if (s->ag->conf.approve == CONFIG_APPROVE_EACH &&
	    mon_reply_auth(s, MON_WAIT, NULL) != 0)
		return (-1);
	if (mon_answer(s, &why, MON_ADMIT_WAIT) != MON_L_OK) {
		/* No answer at all is a refusal too. */
		info("refused after authentication: %s", why != NULL ? why :
		    "the agent did not answer");
		s->ending = 1;
		xasprintf(&text, "tetherd: %s\n", why != NULL ? why :
		    "the agent did not answer");
		rc = mon_reply_auth(s, MON_REFUSED, text);
		free(text);
		free(why);
		return (rc);
	}
	s->authenticated = 1;
	free(s->user);
	s->user = xstrdup(user);
	/* Logged in: no further login on this connection needs them. */
	ticket_clear(&s->ag->ticket);
	auth_free_keys(s->ag->keys, s->ag->nkeys);
	s->ag->keys = NULL;
	s->ag->nkeys = 0;
	info("auth-ok method=%s user=%s from=%s session=%s", method,
	    mon_safe(user), s->from, s->id);
	audit(s->ag, "auth-ok", "method", method, "user", user, "from",
	    s->from, "session", s->id, (char *)NULL);
	return (mon_reply_auth(s, MON_OK, NULL));
}

static int
mon_auth_password(struct sess *s, struct msg *m)
{
	char	*user, *pass;
	size_t	 len;
	int	 rc;

	if (msg_get_str(m, &user) != 0 || user == NULL)
		return (-1);
	if (msg_get_data(m, &pass, &len) != 0) {
		free(user);
		return (-1);
	}
	if (s->authenticated || s->ending)
		rc = mon_reply_auth(s, MON_DENIED, NULL);
	else if (!s->ag->unattended && strlen(pass) == len &&
	    ticket_matches(&s->ag->ticket, pass)) {
		free(s->cred);
		s->cred = xstrdup("ticket");
		rc = mon_admit(s, "password", user);
	} else
		rc = mon_fail(s, "password", user);
	freezero(pass, len + 1);
	free(user);
	return (rc);
}

/*
 * A key from authorized_keys. A probe (state none) learns whether the key
 * would do; only a checked signature (valid) may authenticate. libssh
 * checks the signature in the session process and does not pass what was
 * signed, so that check is the session's word (tetherd(8), CAVEATS).
 *
 * The ticket's key is not taken here: it is the host key, which the
 * session process holds for the key exchange, so a session process taken
 * over could sign with it. The ticket itself, as the password, is checked
 * here only.
 */
/* Who may attach this login's consoles later: the same key. */
static void
mon_cred_key(struct sess *s, ssh_key key)
{
	unsigned char	*hash = NULL;
	size_t		 len;
	char		*fp;

	free(s->cred);
	s->cred = NULL;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &len) != 0)
		return;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
	ssh_clean_pubkey_hash(&hash);
	if (fp != NULL)
		xasprintf(&s->cred, "key %s", fp);
	ssh_string_free_char(fp);
}

static int
mon_pubkey_verdict(struct sess *s, const char *user, ssh_key key,
    uint32_t state)
{
	struct agent	*ag = s->ag;
	int		 listed;

	listed = auth_key_allowed(ag->keys, ag->nkeys, key);
	if (!listed && ag->hostkey != NULL &&
	    ssh_key_cmp(key, ag->hostkey, SSH_KEY_CMP_PUBLIC) == 0)
		info("the ticket's key is not a login: use the ticket as "
		    "the password");
	if (state == SSH_PUBLICKEY_STATE_NONE) {
		debug("publickey probe from %s: %s", s->from, listed ?
		    "authorized key" : "unknown key");
		if (listed)
			return (mon_reply_auth(s, MON_PROBE_OK, NULL));
	} else if (state == SSH_PUBLICKEY_STATE_VALID && listed) {
		mon_cred_key(s, key);
		return (mon_admit(s, "authorized-key", user));
	}
	return (mon_fail(s, "publickey", user));
}

static int
mon_auth_pubkey(struct sess *s, struct msg *m)
{
	char			*user = NULL, *type = NULL, *b64 = NULL;
	uint32_t		 state;
	ssh_key			 key = NULL;
	enum ssh_keytypes_e	 t;
	int			 rc = -1;

	if (msg_get_str(m, &user) != 0 || user == NULL ||
	    msg_get_str(m, &type) != 0 || type == NULL ||
	    msg_get_str(m, &b64) != 0 || b64 == NULL ||
	    msg_get_u32(m, &state) != 0)
		goto out;
	if (s->authenticated || s->ending)
		rc = mon_reply_auth(s, MON_DENIED, NULL);
	else if ((t = ssh_key_type_from_name(type)) == SSH_KEYTYPE_UNKNOWN ||
	    ssh_pki_import_pubkey_base64(b64, t, &key) != SSH_OK)
		rc = mon_fail(s, "publickey", user);
	else
		rc = mon_pubkey_verdict(s, user, key, state);
out:
	ssh_key_free(key);
	free(user);
	free(type);
	free(b64);
	return (rc);
}

/* Methods with no check of their own: every use is a failed try. */
static int
mon_auth_fail(struct sess *s, struct msg *m)
{
	static const char *methods[] = {
		"none", "keyboard-interactive", "other", NULL
	};
	char		*method = NULL, *user = NULL;
	int		 i, rc = -1;

	if (msg_get_str(m, &method) != 0 || method == NULL ||
	    msg_get_str(m, &user) != 0 || user == NULL)
		goto out;
	for (i = 0; methods[i] != NULL; i++) {
		if (strcmp(method, methods[i]) == 0)
			break;
	}
	if (methods[i] == NULL)
		goto out;
	if (s->authenticated || s->ending)
		rc = mon_reply_auth(s, MON_DENIED, NULL);
	else
		rc = mon_fail(s, methods[i], user);
out:
	free(method);
	free(user);
	return (rc);
}

static struct chan *
mon_chan_find(struct sess *s, uint32_t id)
{
	int	 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->id == id)
			return (s->chans[i]);
	}
	return (NULL);
}

static void
mon_tool_done(struct chan *c, const char *why)
{
	char	 how[32];
	int	 st = c->status;

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
	audit(c->sess->ag, "tool-exit", "name", c->tool, "session",
	    c->sess->id, "exit", how, (char *)NULL);
	free(c->tool);
	c->tool = NULL;
}

static void
mon_chan_free(struct sess *s, struct chan *c)
{
	mon_tool_done(c, "closed");
	hold_chan_free(c);
	console_close(c);
	record_end(c->rec);
	console_free(s, c);
}

/* What the session sent for a channel: checked again, it is not trusted. */
static int
mon_chan_params(struct chan *c, struct msg *m)
{
	uint32_t	 pty, n, i;
	int		 size[4];
	char		*env;

	if (msg_get_u32(m, &pty) != 0 || msg_get_str(m, &c->term) != 0 ||
	    msg_get_int(m, &size[0]) != 0 || msg_get_int(m, &size[1]) != 0 ||
	    msg_get_int(m, &size[2]) != 0 || msg_get_int(m, &size[3]) != 0 ||
	    msg_get_u32(m, &n) != 0 || n > nitems(c->env))
		return (-1);
	for (i = 0; i < n; i++) {
		if (msg_get_str(m, &env) != 0 || env == NULL)
			return (-1);
		c->env[c->nenv++] = env;
		if (strchr(env, '=') == NULL || strlen(env) > 2048 ||
		    !session_env_name_ok(env))
			return (-1);
	}
	if (!pty)
		return (0);
	if (c->term == NULL || !session_term_ok(c->term))
		return (-1);
	console_pty(c, size[0], size[1], size[2], size[3]);
	return (console_openpty(c));
}

static int
mon_subsystem(struct chan *c, const char *name)
{
	struct agent	*ag = c->sess->ag;
	char		*argv[2];

	if (name == NULL || strcmp(name, "sftp") != 0 ||
	    ag->conf.sftp_server[0] == '\0') {
		info("subsystem %s refused", name != NULL ? name : "?");
		return (-1);
	}
	info("sftp");
	audit(ag, "sftp", "session", c->sess->id, (char *)NULL);
	argv[0] = ag->conf.sftp_server;
	argv[1] = NULL;
	return (console_start(c, NULL, argv));
}

static int
mon_shell(struct chan *c)
{
	struct sess	*s = c->sess;

	info("shell pty=%s", c->pty ? "yes" : "no");
	if (console_start(c, NULL, NULL) != 0)
		return (-1);
	hold_keep(c);
	if (c->pty)
		c->rec = record_start(s->ag, s->id, s->user, s->from,
		    c->ws.ws_col, c->ws.ws_row, c->term);
	return (0);
}

/*
 * The answer to a start: a verb's reply, or the process's descriptors
 * (the pty master, or stdin, stdout and stderr), and a recording's. The
 * monitor keeps none of them: relaying is the session's work.
 */
static int
mon_started(struct sess *s, struct chan *c, int rc)
{
	struct msg	 m;
	uint32_t	 flags = 0;
	int		 ret;

	msg_init(&m, MON_STARTED);
	msg_put_u32(&m, c->id);
	msg_put_u32(&m, rc);
	if (rc == 0 && watch_viewing(c))
		flags |= MON_STARTED_WATCH;
	else if (rc == 0 && c->reply != NULL)
		flags |= MON_STARTED_REPLY;
	else if (rc == 0)
		flags |= MON_STARTED_PROC;
	if (rc == 0 && c->rec != NULL)
		flags |= MON_STARTED_RECORD;
	if (rc == 0 && c->ring_fd != -1)
		flags |= MON_STARTED_RING;
	msg_put_u32(&m, flags);
	if (flags & MON_STARTED_REPLY) {
		msg_put_data(&m, c->reply, c->replylen);
		msg_put_str(&m, c->reply_err);
		msg_put_u32(&m, c->reply_status);
	}
	if ((flags & MON_STARTED_PROC) && c->pty)
		msg_put_fd(&m, c->out_fd);
	else if (flags & MON_STARTED_PROC) {
		msg_put_fd(&m, c->in_fd);
		msg_put_fd(&m, c->out_fd);
		msg_put_fd(&m, c->err_fd);
	}
	if (flags & MON_STARTED_RECORD) {
		msg_put_u32(&m, record_ms(c->rec));
		msg_put_fd(&m, record_fd(c->rec));
	}
	if (flags & MON_STARTED_RING) {
		msg_put_data(&m, c->replay, c->replay != NULL ? c->replaylen :
		    0);
		msg_put_fd(&m, c->ring_fd);
	}
	if (flags & MON_STARTED_WATCH)
		watch_started(c, &m);
	ret = msg_send(s->mon_fd, &m);
	m.nfds = 0;	/* ours to close, below */
	msg_free(&m);
	if (c->end_after)
		s->end_after = 1;
	console_close(c);
	/* A console that may be held keeps its recording for the holder. */
	if (c->hold_master == -1) {
		record_end(c->rec);
		c->rec = NULL;
	}
	if (rc != 0 || !(flags & (MON_STARTED_PROC | MON_STARTED_WATCH)))
		mon_chan_free(s, c);
	return (ret);
}

/* A shell, an exec command or verb, or a subsystem, for channel id. */
static int
mon_start(struct sess *s, struct msg *m)
{
	struct chan	*c;
	uint32_t	 id, kind;
	char		*what = NULL;
	int		 i, rc = -1;

	if (msg_get_u32(m, &id) != 0 || msg_get_u32(m, &kind) != 0 ||
	    msg_get_str(m, &what) != 0 || mon_chan_find(s, id) != NULL)
		goto bad;
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == NULL)
			break;
	}
	if (i == TETHERD_MAX_CHANNELS)
		goto bad;
	c = s->chans[i] = xcalloc(1, sizeof *c);
	c->sess = s;
	c->id = id;
	c->master = c->slave = c->in_fd = c->out_fd = c->err_fd = -1;
	c->ring_fd = c->hold_master = c->hold_fd = -1;
	if (mon_chan_params(c, m) != 0) {
		mon_chan_free(s, c);
		goto bad;
	}
	if (kind != MON_START_EXEC && reason_missing(c, NULL))
		rc = verbs_no_reason(c);
	else if (kind == MON_START_SHELL)
		rc = mon_shell(c);
	else if (kind == MON_START_EXEC && what != NULL)
		rc = verbs_exec(c, what);
	else if (kind == MON_START_SUBSYSTEM)
		rc = mon_subsystem(c, what);
	free(what);
	return (mon_started(s, c, rc == 0 ? 0 : -1));
bad:
	free(what);
	return (-1);
}

/* The channel a request names: -1 if malformed; *c NULL if gone. */
static int
mon_chan_arg(struct sess *s, struct msg *m, struct chan **c)
{
	uint32_t	 id;

	if (msg_get_u32(m, &id) != 0)
		return (-1);
	*c = mon_chan_find(s, id);
	return (0);
}

/* The channel is gone; what it started may go on (nohup, a daemon). */
static int
mon_close(struct sess *s, struct msg *m)
{
	struct chan	*c;

	if (mon_chan_arg(s, m, &c) != 0)
		return (-1);
	if (c != NULL)
		mon_chan_free(s, c);
	return (0);
}

/* The client closed the channel: end everything it started. */
static int
mon_kill(struct sess *s, struct msg *m)
{
	struct chan	*c;

	if (mon_chan_arg(s, m, &c) != 0)
		return (-1);
	if (c != NULL) {
		if (c->hold_fd != -1)
			hold_release(c, 1);
		else
			console_kill(c);
		c->reported = 1;
	}
	return (0);
}

/* A direct-tcpip channel: connect here, hand the socket over. */
static int
mon_forward(struct sess *s, struct msg *m)
{
	struct msg	 r;
	char		*host = NULL, to[300];
	const char	*cause = NULL;
	uint32_t	 port;
	int		 fd = -1, rc;

	if (msg_get_str(m, &host) != 0 || host == NULL ||
	    msg_get_u32(m, &port) != 0 || port > 65535) {
		free(host);
		return (-1);
	}
	snprintf(to, sizeof to, "%.255s:%u", host, port);
	if (!s->ag->conf.forwarding.tcp)
		cause = "refused";
	else if ((fd = forward_connect(host, port, &cause)) == -1)
		info("forwarding to %s failed: %s", to, cause);
	else {
		info("forwarding to %s", to);
		cause = "ok";
	}
	if (!s->ag->conf.forwarding.tcp)
		info("forwarding to %s refused: forwarding.tcp is false", to);
	audit(s->ag, "forward", "session", s->id, "to", to, "result", cause,
	    (char *)NULL);
	msg_init(&r, MON_FORWARDED);
	msg_put_u32(&r, fd == -1 ? 1 : 0);
	msg_put_str(&r, cause);
	if (fd != -1)
		msg_put_fd(&r, fd);
	rc = msg_send(s->mon_fd, &r);
	msg_free(&r);
	free(host);
	return (rc);
}

static int
mon_idle(struct sess *s, struct msg *m)
{
	(void)m;
	info("idle for %d seconds, closing", s->ag->conf.limits.idle_timeout);
	s->ending = 1;	/* its consoles end too */
	audit(s->ag, "idle", "from", s->from, "session", s->id, (char *)NULL);
	return (0);
}

static int
mon_sandbox(struct sess *s, struct msg *m)
{
	uint32_t	 nr;

	(void)s;
	if (msg_get_u32(m, &nr) != 0)
		return (-1);
	mon_syscall = (int)nr;
	return (0);
}

/* The technician's reason for the connection (reason.c). */
static int
mon_reason(struct sess *s, struct msg *m)
{
	char	*text = NULL;
	int	 rc;

	if (msg_get_str(m, &text) != 0 || text == NULL)
		return (-1);
	rc = reason_set(s, text);
	free(text);
	return (rc);
}

/*
 * One request from the session, through the table. -1 means the session
 * broke the protocol (or asked early for what needs a login), and the
 * connection ends.
 */
int
monitor_dispatch(struct sess *s, struct msg *m)
{
	const struct mon_handler	*h;

	for (h = mon_dispatch; h->fn != NULL; h++) {
		if (h->type == m->type)
			break;
	}
	if (h->fn == NULL) {
		error_f("unknown request %u from the session process", m->type);
		return (-1);
	}
	if (!h->preauth && !s->authenticated) {
		error_f("request %s before authentication: refused", h->name);
		return (-1);
	}
	if (h->fn(s, m) != 0) {
		error_f("request %s: malformed or not answered", h->name);
		return (-1);
	}
	return (0);
}

/* Tell the session about processes that ended, and enforce time limits. */
static void
mon_watch(struct sess *s)
{
	struct msg	 m;
	struct chan	*c;
	char		 text[256];
	int		 i, n;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if ((c = s->chans[i]) == NULL || c->reported)
			continue;
		if ((n = console_deadline(c, text, sizeof text)) > 0) {
			msg_init(&m, MON_NOTICE);
			msg_put_u32(&m, c->id);
			msg_put_data(&m, text, n);
			msg_send(s->mon_fd, &m);
			msg_free(&m);
		}
		if (!c->exited)
			continue;
		mon_tool_done(c, NULL);
		msg_init(&m, MON_EXITED);
		msg_put_u32(&m, c->id);
		msg_put_u32(&m, c->status);
		msg_put_u32(&m, c->timed_out);
		msg_send(s->mon_fd, &m);
		msg_free(&m);
		c->reported = 1;
	}
}

static void
mon_reap(struct sess *s)
{
	struct chan	*c;
	pid_t		 pid;
	int		 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == mon_pid) {
			mon_status = status;
			mon_pid = -1;
			continue;
		}
		for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
			c = s->chans[i];
			if (c != NULL && c->pid == pid && !c->exited) {
				c->exited = 1;
				c->status = status;
				debug("pid %ld exited, status %d", (long)pid,
				    status);
			}
		}
	}
}

/*
 * What a dead session process left unread: its report of a trip, a
 * channel the client closed or the idle time that ended it, after which
 * its shells are ended rather than held, and what a watcher had dropped.
 */
static void
mon_drain(struct sess *s)
{
	struct msg	 m;

	while (msg_pending(s->mon_fd) && msg_recv(s->mon_fd, &m) == 0) {
		if (m.type == MON_SANDBOX)
			mon_sandbox(s, &m);
		else if (m.type == MON_KILL && s->authenticated)
			mon_kill(s, &m);
		else if (m.type == MON_IDLE && s->authenticated)
			mon_idle(s, &m);
		else if (m.type == MON_WATCH_DROPPED && s->authenticated)
			watch_dropped(s, &m);
		msg_free(&m);
	}
}

/* Why the session process went, in the log and, if it tripped, the audit. */
static void
mon_session_gone(struct sess *s)
{
	char	 nr[16];

	if (!WIFSIGNALED(mon_status))
		return;
	if (WTERMSIG(mon_status) != SIGSYS) {
		info("session process killed by signal %d",
		    WTERMSIG(mon_status));
		return;
	}
	snprintf(nr, sizeof nr, "%d", mon_syscall);
	error("session process killed by the sandbox: system call %s "
	    "is not allowed", mon_syscall == -1 ? "(unknown)" : nr);
	audit(s->ag, "sandbox", "from", s->from, "session", s->id, "syscall",
	    nr, (char *)NULL);
}

/*
 * The session went (or must go): end it, then everything its channels
 * started, then tell the listener if the technician ended it all.
 */
static dead void
mon_end(struct sess *s, int sig_fd)
{
	struct chan	*c;
	int		 i, waited, detach;

	if (mon_pid != -1)
		kill(mon_pid, SIGTERM);
	for (waited = 0; mon_pid != -1 && waited < 2000; waited += 20) {
		mon_reap(s);
		if (mon_pid != -1)
			poll(NULL, 0, 20);
	}
	if (mon_pid != -1) {
		kill(mon_pid, SIGKILL);
		if (waitpid(mon_pid, &mon_status, 0) == mon_pid)
			mon_pid = -1;
	}
	mon_drain(s);
	mon_log_relay();
	mon_session_gone(s);
	mon_reap(s);
	/* A dropped connection, not an ending: its consoles may live on. */
	detach = !s->ending && !s->end_after &&
	    s->ag->conf.limits.detached_timeout > 0;
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if ((c = s->chans[i]) == NULL)
			continue;
		if (detach && c->hold_master != -1 && !c->exited)
			continue;
		if (c->hold_fd != -1)
			hold_release(c, !detach);
		else
			console_kill(c);
		mon_chan_free(s, c);
	}
	if (s->end_after)
		mon_report(s, MON_L_END, NULL);
	if (hold_held(s) > 0) {
		mon_report(s, MON_L_DETACHED, NULL);
		hold_run(s, sig_fd);
	}
	info("closed, from=%s", s->from);
	_exit(0);
}

static void
mon_id(struct sess *s)
{
	uint8_t	 r[8];
	int	 i;

	/* The kernel's, not OpenSSL's: this process does no cryptography. */
	if (getrandom(r, sizeof r, 0) != sizeof r)
		fatal_fr("getrandom");
	for (i = 0; i < 8; i++)
		snprintf(s->id + 2 * i, 3, "%02x", r[i]);
}

/*
 * What the session needs and may know: never the ticket, never the
 * authorized keys. The host key it must have, to prove who it is.
 */
static void
mon_config(struct sess *s)
{
	struct agent	*ag = s->ag;
	struct msg	 m;

	msg_init(&m, MON_CONFIG);
	msg_put_str(&m, TETHER_VERSION);
	msg_put_str(&m, s->id);
	msg_put_str(&m, s->from);
	msg_put_str(&m, ag->hostkey_text);
	msg_put_str(&m, ag->banner);
	msg_put_str(&m, ag->conf.welcome);
	msg_put_u32(&m, ag->unattended);
	msg_put_u32(&m, ag->conf.limits.login_grace_time);
	msg_put_u32(&m, ag->conf.limits.idle_timeout);
	msg_put_u32(&m, log_level());
	msg_put_str(&m, ag->privsep_dir);
	msg_put_u32(&m, ag->privsep_uid);
	msg_put_u32(&m, ag->privsep_gid);
	if (msg_send(s->mon_fd, &m) != 0)
		error_f("the session process did not take its configuration");
	msg_free(&m);
	/* The session signs the key exchange; nothing here signs anything. */
	freezero(ag->hostkey_text, strlen(ag->hostkey_text));
	ag->hostkey_text = NULL;
	ssh_key_free(ag->hostkey);
	ag->hostkey = NULL;
}

/* In the new process: the socket and our end as 3 and 4, then exec. */
static dead void
mon_exec_session(const char *exe, int fd, int sp, int log)
{
	char		*argv[] = { "tetherd", "--session-process", NULL };
	sigset_t	 none;
	int		 null;

	/* Out of the way of 0 to 4 first, whatever they were. */
	if ((fd = fcntl(fd, F_DUPFD, MON_MONITOR_FD + 1)) == -1 ||
	    (sp = fcntl(sp, F_DUPFD, MON_MONITOR_FD + 1)) == -1 ||
	    (log = fcntl(log, F_DUPFD, MON_MONITOR_FD + 1)) == -1)
		_exit(127);
	/* Never the console: its log is a pipe the monitor reads. */
	if ((null = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(null, STDOUT_FILENO) == -1 ||
	    dup2(log, STDERR_FILENO) == -1)
		_exit(127);
	if (dup2(fd, MON_SESSION_FD) == -1 || dup2(sp, MON_MONITOR_FD) == -1)
		_exit(127);
	closefrom(MON_MONITOR_FD + 1);
	/* A session of its own: no terminal, and nothing shared to signal. */
	if (setsid() == -1)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The session must not outlive the monitor that answers it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	execv(exe, argv);
	dprintf(STDERR_FILENO, "tetherd: cannot start the session process: "
	    "%s\n", strerror(errno));
	_exit(127);
}

static int
mon_signals(void)
{
	sigset_t	 set;
	int		 fd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal_fr("signalfd");
	/* If the listener dies, so does this connection and all it started. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* Nothing the connection runs gains privileges through exec. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		debug_r("PR_SET_NO_NEW_PRIVS");
	return (fd);
}

/* Signals: a child ended, or the listener wants this connection gone. */
static int
mon_signal(struct sess *s, int sig_fd)
{
	struct signalfd_siginfo	 si;
	int			 end = 0;

	while (read(sig_fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			mon_reap(s);
		else {
			info("ending on signal %d", si.ssi_signo);
			s->ending = 1;	/* and its consoles with it */
			end = 1;
		}
	}
	return (end || mon_pid == -1);
}

/*
 * The session's grace time, kept here too: a session process taken over
 * could stop its own alarm and hold a pre-authentication slot.
 */
static int
mon_grace_over(struct sess *s, time_t start)
{
	int	 grace = s->ag->conf.limits.login_grace_time;

	if (s->authenticated || grace == 0 || time(NULL) - start <= grace + 5)
		return (0);
	info("no login within %d seconds from %s", grace, s->from);
	return (1);
}

/* The holders of borrowed consoles: they say when a shell ended. */
static int
mon_holders(struct sess *s, struct pollfd *pfd, struct chan **who)
{
	int	 i, n = 0;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == NULL || s->chans[i]->hold_fd == -1)
			continue;
		pfd[n].fd = s->chans[i]->hold_fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		who[n++] = s->chans[i];
	}
	return (n);
}

/* The session went, or began a request and did not finish it in time. */
static void
mon_recv_failed(struct sess *s)
{
	if (errno != ETIMEDOUT)
		return;
	info("the session process did not finish a request in %d seconds",
	    MON_READ_WAIT);
	audit(s->ag, "privsep", "from", s->from, "session", s->id, "error",
	    "timeout", (char *)NULL);
}

/* One line of the session's log, made printable, to ours. */
static void
mon_log_line(const char *p, size_t len)
{
	char	 line[sizeof mon_log_buf + 1];
	size_t	 i;

	for (i = 0; i < len && i < sizeof line - 1; i++) {
		/* C0, DEL and C1: nothing the session writes moves a cursor. */
		line[i] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ||
		    ((unsigned char)p[i] >= 0x80 && (unsigned char)p[i] < 0xa0)
		    ? '?' : p[i];
	}
	line[i] = '\0';
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/*
 * What the session process logged: whole lines, each cut to a bounded
 * length, relayed to the agent's log. Returns 0 once the pipe is closed.
 */
static int
mon_log_relay(void)
{
	char	*nl;
	ssize_t	 n;
	size_t	 used;

	if (mon_log_fd == -1)
		return (0);
	for (;;) {
		n = read(mon_log_fd, mon_log_buf + mon_log_len,
		    sizeof mon_log_buf - mon_log_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (1);
		if (n <= 0)
			break;
		mon_log_len += n;
		while ((nl = memchr(mon_log_buf, '\n', mon_log_len)) != NULL ||
		    mon_log_len == sizeof mon_log_buf) {
			used = nl != NULL ? (size_t)(nl - mon_log_buf) :
			    mon_log_len;
			mon_log_line(mon_log_buf, used);
			used += nl != NULL;
			memmove(mon_log_buf, mon_log_buf + used,
			    mon_log_len - used);
			mon_log_len -= used;
		}
	}
	if (mon_log_len > 0)
		mon_log_line(mon_log_buf, mon_log_len);
	mon_log_len = 0;
	close(mon_log_fd);
	mon_log_fd = -1;
	return (0);
}

static void
mon_loop(struct sess *s, int sig_fd)
{
	struct pollfd	 pfd[3 + TETHERD_MAX_CHANNELS + WATCH_POLL_MAX];
	struct chan	*who[TETHERD_MAX_CHANNELS];
	struct msg	 m;
	time_t		 start = time(NULL);
	int		 i, n, nw;

	pfd[0].fd = s->mon_fd;
	pfd[1].fd = sig_fd;
	pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
	for (;;) {
		pfd[2].fd = mon_log_fd;
		n = mon_holders(s, pfd + 3, who);
		nw = watch_pollfd(s, pfd + 3 + n, WATCH_POLL_MAX);
		if (poll(pfd, 3 + n + nw, 1000) == -1 && errno != EINTR)
			fatal_fr("poll");
		for (i = 0; i < n; i++) {
			if (pfd[3 + i].revents != 0)
				hold_event(who[i]);
		}
		watch_ready(s, pfd + 3 + n, nw);
		if (pfd[2].revents != 0)
			mon_log_relay();
		if ((pfd[1].revents & POLLIN) && mon_signal(s, sig_fd))
			break;
		if (mon_grace_over(s, start))
			break;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (msg_recv(s->mon_fd, &m) != 0) {
				mon_recv_failed(s);
				break;
			}
			if (monitor_dispatch(s, &m) != 0) {
				msg_free(&m);
				audit(s->ag, "privsep", "from", s->from,
				    "session", s->id, "error", "protocol",
				    (char *)NULL);
				s->ending = 1;
				break;
			}
			msg_free(&m);
		}
		mon_watch(s);
	}
}

/*
 * One connection: this process stays root and answers; its child, the
 * session process, speaks SSH without privilege. The socket is never read
 * here.
 */
void
monitor_serve(struct agent *ag, int fd, const char *from, int report_fd)
{
	struct sess	 sess, *s = &sess;
	char		 prefix[128];
	int		 sp[2], lp[2], sig_fd;

	memset(s, 0, sizeof *s);
	s->ag = ag;
	s->from = xstrdup(from);
	s->report_fd = report_fd;
	mon_id(s);
	snprintf(prefix, sizeof prefix, "[%.16s] ", s->id);
	log_set_prefix(prefix);
	sig_fd = mon_signals();
	if (getppid() == 1)
		_exit(0);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0 ||
	    pipe2(lp, O_CLOEXEC) != 0)
		fatal_fr("socketpair");
	switch (mon_pid = fork()) {
	case -1:
		fatal_fr("fork");
	case 0:
		mon_exec_session(ag->exe, fd, sp[1], lp[1]);
	}
	close(fd);
	close(sp[1]);
	close(lp[1]);
	mon_log_fd = lp[0];
	fcntl(mon_log_fd, F_SETFL, O_NONBLOCK);
	/* Room for a burst of debug lines while this process waits. */
	fcntl(mon_log_fd, F_SETPIPE_SZ, 256 * 1024);
	s->mon_fd = sp[0];
	/*
	 * A message comes whole, either way, within the limit: a session
	 * that sends or reads a byte at a time cannot hold this process.
	 */
	msg_set_wait(MON_READ_WAIT * 1000);
	mon_config(s);
	mon_loop(s, sig_fd);
	mon_end(s, sig_fd);
}
