/* SPDX-License-Identifier: ISC */

/*
 * A second technician who can only watch. The monitor of a connection with
 * a console listens on state_dir/consoles/ID.sock while the console is
 * attached there; a later connection with the same credential asks for it
 * and gets the console's output ring, read-only. Its session process
 * copies what is new in the ring to its own channel every few
 * milliseconds, so a slow watcher never slows the console; whatever the
 * watcher types, resizes or signals is dropped here and audited.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/server.h>

#include "tetherd.h"

/* Room the console's writer may have used while a copy was made. */
#define WATCH_SLACK	4096

struct watch {
	/* The console's own monitor: its listener and its watchers. */
	int			 lfd;
	char			 id[HOLD_ID_MAX];
	int			 fds[WATCH_MAX];
	char			*who[WATCH_MAX];
	int			 n;

	/* A watcher's monitor: what it watches, and the ring to pass. */
	char			*console;
	int			 ring_fd;
	char			*replay;
	size_t			 replaylen;
	uint64_t		 from;	/* where the replay ended */

	/* A watcher's session: the ring, how far it has sent, drops. */
	const struct hold_ring	*ring;
	uint64_t		 seen;
	uint32_t		 bytes;
	uint32_t		 resizes;
	uint32_t		 signals;
	int			 told;
};

static struct watch *
watch_new(void)
{
	struct watch	*w;
	int		 i;

	w = xcalloc(1, sizeof *w);
	w->lfd = w->ring_fd = -1;
	for (i = 0; i < WATCH_MAX; i++)
		w->fds[i] = -1;
	return (w);
}

/*
 * Up to len bytes of the ring from position at, into buf; *total is the
 * ring's total when the copy was made. 0 when nothing is new, and
 * (size_t)-1 when at is no longer in the ring (the watcher fell behind,
 * or the writer overtook the copy).
 */
size_t
watch_ring_copy(const struct hold_ring *r, uint64_t at, char *buf,
    size_t len, uint64_t *total)
{
	uint64_t	 t, after;
	size_t		 n, off, first;

	t = __atomic_load_n(&r->total, __ATOMIC_ACQUIRE);
	*total = t;
	if (at > t || t - at > HOLD_RING_SIZE - WATCH_SLACK)
		return ((size_t)-1);
	n = t - at < len ? t - at : len;
	off = at % HOLD_RING_SIZE;
	first = HOLD_RING_SIZE - off < n ? HOLD_RING_SIZE - off : n;
	memcpy(buf, r->data + off, first);
	memcpy(buf + first, r->data, n - first);
	after = __atomic_load_n(&r->total, __ATOMIC_ACQUIRE);
	if (after - at > HOLD_RING_SIZE)
		return ((size_t)-1);
	return (n);
}

/* The console's monitor --------------------------------------------------- */

/* A new console in this connection: findable, for watchers. */
void
watch_listen(struct chan *c)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	struct watch		*w;
	char			*dir;

	if (c->watch != NULL || (dir = hold_dir(c->sess->ag)) == NULL)
		return;
	w = watch_new();
	snprintf(w->id, sizeof w->id, "%s-%u", c->sess->id, c->id);
	if (hold_sockaddr(&sun, dir, w->id) != 0)
		goto fail;
	if (lstat(sun.sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(sun.sun_path);
	if ((w->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(w->lfd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    chmod(sun.sun_path, 0600) != 0 || listen(w->lfd, 4) != 0) {
		error_r("console %s: %s", w->id, sun.sun_path);
		goto fail;
	}
	hold_record(c, dir, w->id, time(NULL), 0, time(NULL));
	c->watch = w;
	free(dir);
	return;
fail:
	if (w->lfd != -1)
		close(w->lfd);
	free(w);
	free(dir);
}

/* A line to the agent's screen, through the listener. */
static void
watch_tell_listener(struct sess *s, const char *fmt, ...)
{
	struct msg	 m;
	va_list		 ap;
	char		*text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		fatal_f("vasprintf");
	va_end(ap);
	msg_init(&m, MON_L_WATCH);
	msg_put_str(&m, text);
	if (msg_send(s->report_fd, &m) != 0)
		debug_r("report to listener");
	msg_free(&m);
	free(text);
}

/* A line on the stderr of the console's own channel. */
static void
watch_notice(struct chan *c, const char *fmt, ...)
{
	struct msg	 m;
	va_list		 ap;
	char		*text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		fatal_f("vasprintf");
	va_end(ap);
	msg_init(&m, MON_NOTICE);
	msg_put_u32(&m, c->id);
	msg_put_data(&m, text, strlen(text));
	if (msg_send(c->sess->mon_fd, &m) != 0)
		debug_r("notice");
	msg_free(&m);
	free(text);
}

/* The watchers of c, in a few words: "10.0.0.7, 10.0.0.9". */
static void
watch_who(struct watch *w, char *buf, size_t len)
{
	size_t	 used = 0;
	int	 i, n;

	buf[0] = '\0';
	for (i = 0; i < w->n && used < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" :
		    ", ", w->who[i]);
		if (n < 0)
			break;
		used += n;
	}
}

static void
watch_gone(struct chan *c, int i)
{
	struct watch	*w = c->watch;
	char		 now[256];

	info("console %s: %s stopped watching", w->id, w->who[i]);
	audit(c->sess->ag, "watch-end", "session", c->sess->id, "console",
	    w->id, "from", w->who[i], (char *)NULL);
	watch_tell_listener(c->sess, "%s stopped watching console %s",
	    w->who[i], w->id);
	if (!c->exited)
		watch_notice(c, "\r\ntetherd: %s stopped watching this "
		    "console\r\n", w->who[i]);
	close(w->fds[i]);
	free(w->who[i]);
	w->fds[i] = w->fds[w->n - 1];
	w->who[i] = w->who[w->n - 1];
	w->fds[--w->n] = -1;
	watch_who(w, now, sizeof now);
	if (w->n > 0 && !c->exited)
		watch_notice(c, "tetherd: still watching: %s\r\n", now);
}

void
watch_refuse(int fd, const char *why)
{
	struct msg	 m;

	msg_init(&m, MON_H_WATCHED);
	msg_put_u32(&m, 1);
	msg_put_str(&m, why);
	if (msg_send(fd, &m) != 0)
		debug_r("watch answer");
	msg_free(&m);
}

/* An attach, as a holder would answer it: not while attached here. */
static void
watch_refuse_attach(int fd)
{
	struct msg	 m;

	msg_init(&m, MON_H_GRANT);
	msg_put_u32(&m, 1);
	msg_put_str(&m, "attached by another connection (watch it instead)");
	if (msg_send(fd, &m) != 0)
		debug_r("attach answer");
	msg_free(&m);
}

/* The ring, reopened read-only: a watcher cannot write the console's. */
static int
watch_ring_ro(struct chan *c)
{
	char	 path[64];

	snprintf(path, sizeof path, "/proc/self/fd/%d", c->ring_fd);
	return (open(path, O_RDONLY | O_CLOEXEC));
}

static void
watch_grant(struct chan *c, int fd, const char *from)
{
	struct watch	*w = c->watch;
	struct winsize	 ws = c->ws;
	struct msg	 m;
	int		 ro;

	if ((ro = watch_ring_ro(c)) == -1) {
		error_r("console %s: its ring", w->id);
		watch_refuse(fd, "its output cannot be shared");
		close(fd);
		return;
	}
	/* The pty's size now: the console's own client may have resized. */
	ioctl(c->hold_master, TIOCGWINSZ, &ws);
	msg_init(&m, MON_H_WATCHED);
	msg_put_u32(&m, 0);
	msg_put_str(&m, NULL);
	msg_put_u32(&m, ws.ws_col);
	msg_put_u32(&m, ws.ws_row);
	msg_put_str(&m, c->sess->from);
	msg_put_fd(&m, ro);
	if (msg_send(fd, &m) != 0) {
		debug_r("watch answer");
		msg_free(&m);
		close(fd);
		return;
	}
	msg_free(&m);
	w->fds[w->n] = fd;
	w->who[w->n++] = xstrdup(from);
	info("console %s: %s is watching", w->id, from);
	audit(c->sess->ag, "watch", "session", c->sess->id, "console", w->id,
	    "from", from, (char *)NULL);
	watch_tell_listener(c->sess, "%s is watching console %s (of %s)",
	    from, w->id, c->sess->from);
	watch_notice(c, "\r\ntetherd: %s is watching this console "
	    "(view only)\r\n", from);
}

/*
 * Safe to show and log: an address, or relay:HOST for a relayed
 * connection. A monitor's word, but checked all the same.
 */
static int
watch_from_ok(const char *from)
{
	size_t	 i;

	if (from == NULL || *from == '\0' || strlen(from) > 300)
		return (0);
	for (i = 0; from[i] != '\0'; i++) {
		if (from[i] <= ' ' || from[i] >= 0x7f)
			return (0);
	}
	return (1);
}

/* Another monitor asks to watch: the same credential may. */
static void
watch_accept(struct chan *c)
{
	struct watch	*w = c->watch;
	struct ucred	 cr;
	socklen_t	 crlen = sizeof cr;
	struct msg	 m;
	char		*cred = NULL, *from = NULL, *sid = NULL;
	int		 fd;

	if ((fd = accept4(w->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 ||
	    cr.uid != geteuid() || hold_recv(fd, &m) != 0) {
		close(fd);
		return;
	}
	if (m.type == MON_H_ATTACH)
		watch_refuse_attach(fd);
	else if (m.type != MON_H_WATCH || msg_get_str(&m, &cred) != 0 ||
	    msg_get_str(&m, &from) != 0 || msg_get_str(&m, &sid) != 0 ||
	    !watch_from_ok(from))
		watch_refuse(fd, "a bad request");
	else if (cred == NULL || c->sess->cred == NULL ||
	    strcmp(cred, c->sess->cred) != 0) {
		info("console %s: a watch from %s refused: another login",
		    w->id, from);
		audit(c->sess->ag, "watch-refused", "session", c->sess->id,
		    "console", w->id, "from", from, (char *)NULL);
		watch_refuse(fd, "started by another login");
	} else if (w->n == WATCH_MAX)
		watch_refuse(fd, "watched by too many already");
	else if (c->exited)
		watch_refuse(fd, "its shell has ended");
	else {
		watch_grant(c, fd, from);
		fd = -1;
	}
	if (fd != -1)
		close(fd);
	free(cred);
	free(from);
	free(sid);
	msg_free(&m);
}

/* The console's monitor polls its listeners and its watchers. */
int
watch_pollfd(struct sess *s, struct pollfd *pfd, int max)
{
	struct watch	*w;
	int		 i, j, n = 0;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == NULL || (w = s->chans[i]->watch) == NULL ||
		    w->lfd == -1)
			continue;
		for (j = -1; j < w->n && n < max; j++) {
			pfd[n].fd = j == -1 ? w->lfd : w->fds[j];
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
	}
	return (n);
}

/* What was ready: a new watcher, or one that went. */
void
watch_ready(struct sess *s, struct pollfd *pfd, int n)
{
	struct watch	*w;
	struct chan	*c;
	int		 i, j, k;

	for (k = 0; k < n; k++) {
		if (pfd[k].revents == 0)
			continue;
		for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
			if ((c = s->chans[i]) == NULL ||
			    (w = c->watch) == NULL || w->lfd == -1)
				continue;
			if (pfd[k].fd == w->lfd)
				watch_accept(c);
			for (j = 0; j < w->n; j++) {
				/* A watcher sends nothing: this is its end. */
				if (pfd[k].fd == w->fds[j])
					watch_gone(c, j);
			}
		}
	}
}

/*
 * The console ends, or is detached (keep: its holder replaces the record
 * and the socket): its watchers' views end too.
 */
void
watch_stop(struct chan *c, int keep)
{
	struct watch	*w = c->watch;
	struct msg	 m;
	char		*dir = NULL;
	int		 i;

	if (w == NULL || w->lfd == -1)
		return;
	for (i = 0; i < w->n; i++) {
		if (c->exited) {
			msg_init(&m, MON_H_EXITED);
			msg_put_u32(&m, c->status);
			msg_send(w->fds[i], &m);
			msg_free(&m);
		}
		audit(c->sess->ag, "watch-end", "session", c->sess->id,
		    "console", w->id, "from", w->who[i], (char *)NULL);
		close(w->fds[i]);
		free(w->who[i]);
	}
	w->n = 0;
	close(w->lfd);
	w->lfd = -1;
	if (!keep && (dir = hold_dir(c->sess->ag)) != NULL)
		hold_unlink(dir, w->id);
	free(dir);
}

void
watch_free(struct chan *c)
{
	struct watch	*w = c->watch;

	if (w == NULL)
		return;
	watch_stop(c, 0);
	if (w->ring_fd != -1)
		close(w->ring_fd);
	if (w->ring != NULL)
		munmap((void *)w->ring, sizeof *w->ring);
	free(w->console);
	free(w->replay);
	free(w);
	c->watch = NULL;
}

/* The watcher's monitor --------------------------------------------------- */

/* The console attached most recently, of those this login may watch. */
static void
watch_latest(struct hold_rec *r, void *arg)
{
	struct hold_rec	*best = arg;

	if (r->attached == 0 || r->attached < best->attached)
		return;
	free(best->id);
	best->id = xstrdup(r->id);
	best->attached = r->attached;
}

/*
 * The recent output into buf (HOLD_RING_SIZE), and in *at where it ends,
 * for the live output to go on from. Once the ring has wrapped its first
 * line is cut, as hold_ring_get does.
 */
static size_t
watch_recent(const struct hold_ring *r, char *buf, uint64_t *at)
{
	uint64_t	 total, t;
	size_t		 n, skip = 0;

	total = __atomic_load_n(&r->total, __ATOMIC_ACQUIRE);
	n = total < HOLD_RING_SIZE - WATCH_SLACK ? total :
	    HOLD_RING_SIZE - WATCH_SLACK;
	if (watch_ring_copy(r, total - n, buf, n, &t) != n) {
		*at = t;
		return (0);
	}
	*at = total;
	if (total > n) {
		while (skip < n && buf[skip] != '\n')
			skip++;
		skip = skip < n ? skip + 1 : n;
		memmove(buf, buf + skip, n - skip);
	}
	return (n - skip);
}

/* What the watcher sees first: the recent output, then who and how big. */
static void
watch_replay(struct watch *w, const char *owner, uint32_t cols,
    uint32_t rows)
{
	static const char	 clear[] = "\033[H\033[2J";
	struct hold_ring	*r;
	char			*recent, *note;
	size_t			 len, nlen;

	recent = xmalloc(HOLD_RING_SIZE);
	r = mmap(NULL, sizeof *r, PROT_READ, MAP_SHARED, w->ring_fd, 0);
	len = r == MAP_FAILED ? 0 : watch_recent(r, recent, &w->from);
	if (r != MAP_FAILED)
		munmap(r, sizeof *r);
	xasprintf(&note, "\r\ntetherd: watching console %s of %s, %ux%u, "
	    "view only: what you type is dropped\r\n", w->console, owner,
	    cols, rows);
	nlen = strlen(note);
	w->replaylen = sizeof clear - 1 + len + nlen;
	w->replay = xmalloc(w->replaylen);
	memcpy(w->replay, clear, sizeof clear - 1);
	memcpy(w->replay + sizeof clear - 1, recent, len);
	memcpy(w->replay + sizeof clear - 1 + len, note, nlen);
	free(recent);
	free(note);
}

/* The console's monitor's answer: 0 and the ring, or -1 and why. */
static int
watch_answer(int fd, struct watch *w, char **owner, uint32_t *cols,
    uint32_t *rows, char **why)
{
	struct msg	 m;
	uint32_t	 rc;

	*why = *owner = NULL;
	if (hold_recv(fd, &m) != 0)
		return (-1);
	if (m.type != MON_H_WATCHED || msg_get_u32(&m, &rc) != 0 ||
	    msg_get_str(&m, why) != 0 || (rc == 0 &&
	    (msg_get_u32(&m, cols) != 0 || msg_get_u32(&m, rows) != 0 ||
	    msg_get_str(&m, owner) != 0 ||
	    (w->ring_fd = msg_take_fd(&m)) == -1)) || rc != 0) {
		msg_free(&m);
		return (-1);
	}
	msg_free(&m);
	return (0);
}

/* Ask the monitor of console id to watch it. */
static int
watch_ask(struct chan *c, const char *dir, const char *id, char **out)
{
	struct sockaddr_un	 sun;
	struct watch		*w;
	struct msg		 m;
	char			*owner = NULL, *why = NULL;
	uint32_t		 cols = 0, rows = 0;
	int			 fd, rc;

	if (hold_sockaddr(&sun, dir, id) != 0 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(out, "watch: %s: cannot connect\n", id);
		return (1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		close(fd);
		xasprintf(out, "watch: no such console: %s\n", id);
		return (1);
	}
	msg_init(&m, MON_H_WATCH);
	msg_put_str(&m, c->sess->cred);
	msg_put_str(&m, c->sess->from);
	msg_put_str(&m, c->sess->id);
	rc = msg_send(fd, &m);
	msg_free(&m);
	w = watch_new();
	if (rc != 0 || watch_answer(fd, w, &owner, &cols, &rows, &why) != 0) {
		xasprintf(out, "watch: %s: %s\n", id, why != NULL ? why :
		    "no answer");
		free(why);
		free(owner);
		free(w);
		close(fd);
		return (1);
	}
	free(why);
	w->console = xstrdup(id);
	watch_replay(w, owner != NULL ? owner : "?", cols, rows);
	free(owner);
	c->watch = w;
	c->hold_fd = fd;	/* its end, or the console's, ends the watch */
	c->pid = 0;
	c->started = 1;
	info("watching console %s", id);
	return (VERB_STARTED);
}

/* watch [ID]: this channel shows a console another connection has. */
int
watch_verb(struct chan *c, int argc, char **argv, char **out)
{
	struct hold_rec	 best;
	char		*dir;
	int		 rc;

	if ((rc = hold_verb_check(c, "watch", argc, argv, out)) != -1)
		return (rc);
	memset(&best, 0, sizeof best);
	if (argc == 2)
		best.id = xstrdup(argv[1]);
	else if (hold_scan(c->sess, watch_latest, &best, NULL) == 0 ||
	    best.id == NULL) {
		free(best.id);
		*out = xstrdup("watch: no attached console\n");
		return (1);
	}
	if ((dir = hold_dir(c->sess->ag)) == NULL) {
		free(best.id);
		*out = xstrdup("watch: no console directory\n");
		return (1);
	}
	rc = watch_ask(c, dir, best.id, out);
	free(dir);
	free(best.id);
	return (rc);
}

/* The channel watches another's console (and has no process). */
int
watch_viewing(struct chan *c)
{
	return (c->watch != NULL && c->watch->console != NULL);
}

/* The answer to the session's start: the replay and the ring's fd. */
int
watch_started(struct chan *c, struct msg *m)
{
	struct watch	*w = c->watch;

	msg_put_data(m, w->replay, w->replaylen);
	msg_put_u32(m, w->from >> 32);
	msg_put_u32(m, w->from & 0xffffffff);
	msg_put_fd(m, w->ring_fd);
	return (0);
}

/* The session dropped what a watcher sent: the audit says so. */
int
watch_dropped(struct sess *s, struct msg *m)
{
	struct chan	*c = NULL;
	uint32_t	 id, v[4];
	char		 n[3][16];
	int		 i;

	if (msg_get_u32(m, &id) != 0)
		return (-1);
	for (i = 0; i < 4; i++) {
		if (msg_get_u32(m, &v[i]) != 0)
			return (-1);
	}
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->id == id)
			c = s->chans[i];
	}
	if (c == NULL || !watch_viewing(c))
		return (0);
	for (i = 0; i < 3; i++)
		snprintf(n[i], sizeof n[i], "%u", v[i]);
	if (!v[3])
		info("console %s: a watcher's input dropped",
		    c->watch->console);
	audit(s->ag, v[3] ? "watch-dropped" : "watch-input", "session", s->id,
	    "console", c->watch->console, "bytes", n[0], "resizes", n[1],
	    "signals", n[2], (char *)NULL);
	return (0);
}

/* The listener ---------------------------------------------------------- */

/* On the agent's screen: who watches which console. */
void
watch_report(struct agent *ag, struct conn *c, const char *text)
{
	char	 safe[200];
	size_t	 i;

	(void)ag;
	(void)c;
	for (i = 0; i < sizeof safe - 1 && text[i] != '\0'; i++)
		safe[i] = text[i] >= ' ' && text[i] < 0x7f ? text[i] : '?';
	safe[i] = '\0';
	printf("\r\nwatching: %s\r\n", safe);
	fflush(stdout);
}

/* The watcher's session --------------------------------------------------- */

static void
watch_tell(struct chan *c, int final)
{
	struct watch	*w = c->watch;
	struct msg	 m;

	msg_init(&m, MON_WATCH_DROPPED);
	msg_put_u32(&m, c->id);
	msg_put_u32(&m, w->bytes);
	msg_put_u32(&m, w->resizes);
	msg_put_u32(&m, w->signals);
	msg_put_u32(&m, final);
	if (msg_send(c->sess->mon_fd, &m) != 0)
		fatalx("the monitor has gone");
	msg_free(&m);
}

/* Something was dropped: the first time, the audit hears of it now. */
static void
watch_drop(struct chan *c)
{
	if (c->watch->told)
		return;
	c->watch->told = 1;
	watch_tell(c, 0);
}

static void
watch_signal(ssh_session session, ssh_channel channel, const char *sig,
    void *arg)
{
	struct chan	*c = arg;

	(void)session;
	(void)channel;
	(void)sig;
	c->watch->signals++;
	watch_drop(c);
}

/* In the session: the monitor's answer to a watch, as monwrap_start got it. */
int
watch_session(struct chan *c, struct msg *r)
{
	struct watch	*w;
	uint32_t	 hi, lo;
	int		 fd;
	void		*p;

	w = watch_new();
	c->watch = w;
	if (msg_get_data(r, &c->replay, &c->replaylen) != 0 ||
	    msg_get_u32(r, &hi) != 0 || msg_get_u32(r, &lo) != 0 ||
	    (fd = msg_take_fd(r)) == -1)
		return (-1);
	p = mmap(NULL, sizeof *w->ring, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return (-1);
	w->ring = p;
	w->seen = (uint64_t)hi << 32 | lo;
	c->err_eof = 1;
	c->cb.channel_signal_function = watch_signal;
	return (0);
}

/* Keys from a watcher: taken from libssh, counted, and dropped. */
uint32_t
watch_input(struct chan *c, uint32_t len)
{
	c->watch->bytes += len;
	watch_drop(c);
	return (len);
}

/* A watcher's window change: the console keeps its own size. */
int
watch_resize(struct chan *c)
{
	c->watch->resizes++;
	watch_drop(c);
	return (0);
}

/* The session polls this often while one of its channels watches. */
int
watch_poll_ms(struct sess *s)
{
	int	 i;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->watch != NULL &&
		    !s->chans[i]->out_eof)
			return (WATCH_TICK_MS);
	}
	return (1000);
}

/* A watcher fell behind by more than the ring: on to the newest output. */
static void
watch_skip(struct chan *c, uint64_t total)
{
	struct watch	*w = c->watch;
	char		 note[128];
	int		 n;

	n = snprintf(note, sizeof note, "\r\ntetherd: this view fell behind; "
	    "%llu bytes of output skipped\r\n",
	    (unsigned long long)(total - w->seen));
	w->seen = total;
	if (ssh_channel_write(c->channel, note, n) == SSH_ERROR)
		c->sess->ending = 1;
}

/*
 * What is new in the ring, to the channel, as far as its window goes.
 * Once the console has ended and all of it was sent, the output ends.
 */
void
watch_pump(struct chan *c)
{
	struct watch	*w = c->watch;
	char		 buf[32768];
	uint32_t	 win;
	uint64_t	 total;
	size_t		 n;

	if (w == NULL || w->ring == NULL || c->finished || c->replay != NULL ||
	    c->out_eof)
		return;
	for (;;) {
		if ((ssh_get_poll_flags(c->sess->session) &
		    SSH_WRITE_PENDING) != 0 ||
		    (win = ssh_channel_window_size(c->channel)) == 0)
			return;
		n = watch_ring_copy(w->ring, w->seen, buf, win < sizeof buf ?
		    win : sizeof buf, &total);
		if (n == (size_t)-1) {
			watch_skip(c, total);
			continue;
		}
		if (n == 0)
			break;
		if (ssh_channel_write(c->channel, buf, n) == SSH_ERROR) {
			c->sess->ending = 1;
			return;
		}
		w->seen += n;
		c->sess->last = time(NULL);
	}
	if (c->exited)
		c->out_eof = 1;
}

/* The session's channel goes: the count of what was dropped, if any. */
void
watch_session_end(struct chan *c)
{
	struct watch	*w = c->watch;

	if (w == NULL)
		return;
	if (w->told)
		watch_tell(c, 1);
	if (w->ring != NULL)
		munmap((void *)w->ring, sizeof *w->ring);
	free(w);
	c->watch = NULL;
}
