/* SPDX-License-Identifier: ISC */

/*
 * The session process's side of the monitor: each privileged thing it
 * needs is one request and one answer. The monitor may also say, at any
 * time, that a process ended or ran out of time; those are applied as they
 * come, in between.
 */

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/server.h>

#include "tetherd.h"

static struct chan *
monwrap_chan(struct sess *s, uint32_t id)
{
	int	 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->id == id &&
		    s->chans[i]->started)
			return (s->chans[i]);
	}
	return (NULL);
}

static void
monwrap_exited(struct sess *s, struct msg *m)
{
	struct chan	*c;
	uint32_t	 id, status, timed_out;

	if (msg_get_u32(m, &id) != 0 || msg_get_u32(m, &status) != 0 ||
	    msg_get_u32(m, &timed_out) != 0)
		fatalx("malformed message from the monitor");
	if ((c = monwrap_chan(s, id)) == NULL || c->exited)
		return;
	c->exited = 1;
	c->status = status;
	c->timed_out = timed_out;
	debug("process %u exited, status %u", id, status);
}

static void
monwrap_notice(struct sess *s, struct msg *m)
{
	struct chan	*c;
	uint32_t	 id;
	char		*text;
	size_t		 len;

	if (msg_get_u32(m, &id) != 0 || msg_get_data(m, &text, &len) != 0)
		fatalx("malformed message from the monitor");
	if ((c = monwrap_chan(s, id)) != NULL && !c->finished &&
	    ssh_channel_write_stderr(c->channel, text, len) == SSH_ERROR)
		s->ending = 1;
	free(text);
}

/* A message the monitor sent unasked; 0 if it was one. */
static int
monwrap_async(struct sess *s, struct msg *m)
{
	if (m->type == MON_EXITED)
		monwrap_exited(s, m);
	else if (m->type == MON_NOTICE)
		monwrap_notice(s, m);
	else
		return (-1);
	return (0);
}

/* Without its monitor a session can do nothing: it ends at once. */
static dead void
monwrap_lost(void)
{
	fatalx("the monitor has gone");
}

/* Send a request and wait for the answer of type want. */
static void
monwrap_call(struct sess *s, struct msg *req, uint32_t want,
    struct msg *reply)
{
	if (req != NULL && msg_send(s->mon_fd, req) != 0)
		monwrap_lost();
	for (;;) {
		if (msg_recv(s->mon_fd, reply) != 0)
			monwrap_lost();
		if (reply->type == want)
			return;
		if (monwrap_async(s, reply) != 0)
			fatalx("unexpected message %u from the monitor",
			    reply->type);
		msg_free(reply);
	}
}

static void
monwrap_tell(struct sess *s, struct msg *req)
{
	if (msg_send(s->mon_fd, req) != 0)
		monwrap_lost();
	msg_free(req);
}

/* The monitor's socket is readable: what it says unasked. */
int
monwrap_event(socket_t fd, int revents, void *arg)
{
	struct sess	*s = arg;
	struct msg	 m;

	(void)fd;
	(void)revents;
	if (msg_recv(s->mon_fd, &m) != 0)
		monwrap_lost();
	if (monwrap_async(s, &m) != 0)
		fatalx("unexpected message %u from the monitor", m.type);
	msg_free(&m);
	return (0);
}

/*
 * The monitor's verdict on a login: MON_DENIED, MON_PROBE_OK, MON_OK or
 * MON_REFUSED. While the local user decides, the client sees a banner.
 */
static int
monwrap_verdict(struct sess *s, struct msg *req)
{
	struct msg	 r;
	uint32_t	 verdict, ending;
	char		*text;
	ssh_string	 str;

	monwrap_call(s, req, MON_AUTH_RESULT, &r);
	for (;;) {
		if (msg_get_u32(&r, &verdict) != 0 ||
		    msg_get_u32(&r, &ending) != 0 ||
		    msg_get_str(&r, &text) != 0)
			fatalx("malformed verdict from the monitor");
		msg_free(&r);
		if (ending)
			s->ending = 1;
		if (verdict != MON_WAIT)
			break;
		/* Good credentials: no grace time while someone decides. */
		alarm(0);
		if ((str = ssh_string_from_char("tetherd: waiting for approval "
		    "on the remote machine\n")) != NULL) {
			ssh_send_issue_banner(s->session, str);
			ssh_string_free(str);
			ssh_blocking_flush(s->session, 1000);
		}
		free(text);
		monwrap_call(s, NULL, MON_AUTH_RESULT, &r);
	}
	if (verdict == MON_REFUSED && text != NULL &&
	    (str = ssh_string_from_char(text)) != NULL) {
		ssh_send_issue_banner(s->session, str);
		ssh_string_free(str);
	}
	free(text);
	return (verdict);
}

int
monwrap_auth_password(struct sess *s, const char *user, const char *pass)
{
	struct msg	 m;
	int		 verdict;

	msg_init(&m, MON_AUTH_PASSWORD);
	msg_put_str(&m, user);
	msg_put_str(&m, pass);
	verdict = monwrap_verdict(s, &m);
	msg_free(&m);
	return (verdict);
}

int
monwrap_auth_pubkey(struct sess *s, const char *user, ssh_key key,
    int state)
{
	struct msg	 m;
	char		*b64;
	int		 verdict;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		monwrap_auth_fail(s, "other", user);
		return (MON_DENIED);
	}
	msg_init(&m, MON_AUTH_PUBKEY);
	msg_put_str(&m, user);
	msg_put_str(&m, ssh_key_type_to_char(ssh_key_type(key)));
	msg_put_str(&m, b64);
	msg_put_u32(&m, state);
	free(b64);
	verdict = monwrap_verdict(s, &m);
	msg_free(&m);
	return (verdict);
}

void
monwrap_auth_fail(struct sess *s, const char *method, const char *user)
{
	struct msg	 m;

	msg_init(&m, MON_AUTH_FAIL);
	msg_put_str(&m, method);
	msg_put_str(&m, user);
	monwrap_verdict(s, &m);
	msg_free(&m);
}

static void
monwrap_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* The descriptors of a started process, as console_start would set them. */
static int
monwrap_fds(struct chan *c, struct msg *r)
{
	if (c->pty) {
		if ((c->master = msg_take_fd(r)) == -1)
			return (-1);
		c->out_fd = c->master;
		/* A second descriptor, so input and output poll apart. */
		if ((c->in_fd = fcntl(c->master, F_DUPFD_CLOEXEC, 0)) == -1)
			return (-1);
		c->err_eof = 1;
	} else if ((c->in_fd = msg_take_fd(r)) == -1 ||
	    (c->out_fd = msg_take_fd(r)) == -1 ||
	    (c->err_fd = msg_take_fd(r)) == -1)
		return (-1);
	monwrap_nonblock(c->in_fd);
	monwrap_nonblock(c->out_fd);
	if (c->err_fd != -1)
		monwrap_nonblock(c->err_fd);
	return (0);
}

static int
monwrap_reply(struct chan *c, struct msg *r)
{
	int	 status;

	if (msg_get_data(r, &c->reply, &c->replylen) != 0 ||
	    msg_get_str(r, &c->reply_err) != 0 ||
	    msg_get_int(r, &status) != 0)
		return (-1);
	c->reply_status = status;
	c->exited = 1;
	return (0);
}

/*
 * A console that may outlive the connection: the ring its recent output
 * goes into, and what to show before the output (a reattached screen).
 */
static int
monwrap_ring(struct chan *c, struct msg *r)
{
	int	 fd;

	if (msg_get_data(r, &c->replay, &c->replaylen) != 0 ||
	    (fd = msg_take_fd(r)) == -1)
		return (-1);
	c->ring = hold_ring_map(fd);
	close(fd);
	if (c->replaylen == 0) {
		free(c->replay);
		c->replay = NULL;
	}
	return (c->ring == NULL ? -1 : 0);
}

static void
monwrap_params(struct chan *c, struct msg *m)
{
	int	 i;

	msg_put_u32(m, c->pty);
	msg_put_str(m, c->pty ? c->term : NULL);
	msg_put_u32(m, c->ws.ws_col);
	msg_put_u32(m, c->ws.ws_row);
	msg_put_u32(m, c->ws.ws_xpixel);
	msg_put_u32(m, c->ws.ws_ypixel);
	msg_put_u32(m, c->nenv);
	for (i = 0; i < c->nenv; i++)
		msg_put_str(m, c->env[i]);
}

/*
 * Start the channel's shell, exec command or subsystem in the monitor.
 * What comes back is a verb's answer, or descriptors to relay.
 */
int
monwrap_start(struct chan *c, int kind, const char *what)
{
	struct sess	*s = c->sess;
	struct msg	 m, r;
	uint32_t	 id, rc, flags, ms;
	int		 fd;

	c->id = ++s->next_id;
	msg_init(&m, MON_START);
	msg_put_u32(&m, c->id);
	msg_put_u32(&m, kind);
	msg_put_str(&m, what);
	monwrap_params(c, &m);
	monwrap_call(s, &m, MON_STARTED, &r);
	msg_free(&m);
	if (msg_get_u32(&r, &id) != 0 || id != c->id ||
	    msg_get_u32(&r, &rc) != 0 || msg_get_u32(&r, &flags) != 0)
		fatalx("malformed answer from the monitor");
	if (rc != 0) {
		msg_free(&r);
		return (-1);
	}
	if (((flags & MON_STARTED_REPLY) && monwrap_reply(c, &r) != 0) ||
	    ((flags & MON_STARTED_PROC) && monwrap_fds(c, &r) != 0))
		fatalx("malformed answer from the monitor");
	if ((flags & MON_STARTED_RECORD) && (msg_get_u32(&r, &ms) != 0 ||
	    (fd = msg_take_fd(&r)) == -1))
		fatalx("malformed answer from the monitor");
	if (flags & MON_STARTED_RECORD)
		c->rec = record_adopt(fd, ms);
	if ((flags & MON_STARTED_RING) && monwrap_ring(c, &r) != 0)
		fatalx("malformed answer from the monitor");
	if ((flags & MON_STARTED_WATCH) && watch_session(c, &r) != 0)
		fatalx("malformed answer from the monitor");
	msg_free(&r);
	c->started = 1;
	return (0);
}

/* The channel is gone: the monitor forgets it. */
void
monwrap_close(struct chan *c)
{
	struct msg	 m;

	if (!c->started || c->forward)
		return;
	msg_init(&m, MON_CLOSE);
	msg_put_u32(&m, c->id);
	monwrap_tell(c->sess, &m);
}

/* End the channel's processes; the monitor does the signalling. */
void
monwrap_kill(struct chan *c)
{
	struct msg	 m;

	if (!c->started || c->forward || c->reply != NULL ||
	    c->exited == 2)
		return;
	msg_init(&m, MON_KILL);
	msg_put_u32(&m, c->id);
	monwrap_tell(c->sess, &m);
	c->exited = 2;	/* asked once: the monitor saw to the rest */
}

/* A connection the monitor makes for a direct-tcpip channel. */
int
monwrap_forward(struct sess *s, const char *host, int port,
    const char **cause)
{
	static char	 why[128];
	struct msg	 m, r;
	uint32_t	 rc;
	char		*text;
	int		 fd;

	msg_init(&m, MON_FORWARD);
	msg_put_str(&m, host);
	msg_put_u32(&m, port);
	monwrap_call(s, &m, MON_FORWARDED, &r);
	msg_free(&m);
	if (msg_get_u32(&r, &rc) != 0 || msg_get_str(&r, &text) != 0)
		fatalx("malformed answer from the monitor");
	snprintf(why, sizeof why, "%s", text != NULL ? text : "failed");
	free(text);
	*cause = why;
	fd = rc == 0 ? msg_take_fd(&r) : -1;
	msg_free(&r);
	return (fd);
}

void
monwrap_idle(struct sess *s)
{
	struct msg	 m;

	msg_init(&m, MON_IDLE);
	monwrap_tell(s, &m);
}
