/* SPDX-License-Identifier: ISC */

/*
 * Consoles that outlive their connection. A shell on a pty keeps its
 * recent output in a ring that the monitor and the session process share
 * (a memfd), and the monitor keeps a copy of its pty. When the connection
 * drops, the monitor becomes the console's holder: it goes on reading the
 * pty into the ring and the recording, and waits on a socket in
 * state_dir/consoles for the monitor of a later connection with the same
 * credential. That monitor borrows the pty; the holder stays the shell's
 * parent, reaps it and says when it ended, and holds the console again if
 * the borrower's connection drops too. Nothing here emulates a terminal:
 * the redraw is the recent output replayed on a cleared screen.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define HOLD_WAIT_MS	5000	/* for the other side of an attach */
#define HOLD_YAML_MAX	4096

/* A console this process holds, once its connection has gone. */
struct held {
	struct chan	*c;
	char		 id[HOLD_ID_MAX];
	int		 lfd;		/* where a borrower connects */
	int		 afd;		/* the borrower, -1: detached */
	int		 eof;		/* the pty reads no more */
	time_t		 started;
	time_t		 since;		/* detached since */
};

static struct held	 hold_list[TETHERD_MAX_CHANNELS];
static int		 hold_n;

/* The ring ------------------------------------------------------------- */

struct hold_ring *
hold_ring_map(int fd)
{
	struct stat	 sb;
	void		*p;

	/* Mapped past its end, a read would be a SIGBUS. */
	if (fstat(fd, &sb) != 0 || sb.st_size < (off_t)sizeof(struct hold_ring))
		return (NULL);
	p = mmap(NULL, sizeof(struct hold_ring), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	return (p == MAP_FAILED ? NULL : p);
}

/* A ring for a new console, and in *fd the memfd to share it by. */
struct hold_ring *
hold_ring_new(int *fd)
{
	struct hold_ring	*r = NULL;

	if ((*fd = memfd_create("tether-console", MFD_CLOEXEC)) == -1) {
		error_r("memfd_create");
		return (NULL);
	}
	if (ftruncate(*fd, sizeof *r) != 0 || (r = hold_ring_map(*fd)) == NULL) {
		error_r("console ring");
		close(*fd);
		*fd = -1;
	}
	return (r);
}

void
hold_ring_put(struct hold_ring *r, const void *p, size_t len)
{
	const char	*s = p;
	size_t		 at, n;

	if (r == NULL)
		return;
	if (len > HOLD_RING_SIZE) {
		r->total += len - HOLD_RING_SIZE;
		s += len - HOLD_RING_SIZE;
		len = HOLD_RING_SIZE;
	}
	while (len > 0) {
		at = r->total % HOLD_RING_SIZE;
		n = HOLD_RING_SIZE - at < len ? HOLD_RING_SIZE - at : len;
		memcpy(r->data + at, s, n);
		/* A watcher reads the data up to total: it goes last. */
		__atomic_store_n(&r->total, r->total + n, __ATOMIC_RELEASE);
		s += n;
		len -= n;
	}
}

/*
 * The recent output, oldest first. Once the ring has wrapped its first
 * line is cut, most likely in the middle of an escape sequence.
 */
char *
hold_ring_get(struct hold_ring *r, size_t *len)
{
	uint64_t	 total = r->total;	/* read once: it is shared */
	size_t		 n, at, first, skip = 0;
	char		*out;

	n = total < HOLD_RING_SIZE ? total : HOLD_RING_SIZE;
	at = (total - n) % HOLD_RING_SIZE;
	out = xmalloc(n + 1);
	first = HOLD_RING_SIZE - at < n ? HOLD_RING_SIZE - at : n;
	memcpy(out, r->data + at, first);
	memcpy(out + first, r->data, n - first);
	if (total > HOLD_RING_SIZE) {
		while (skip < n && out[skip] != '\n')
			skip++;
		skip = skip < n ? skip + 1 : 0;
		memmove(out, out + skip, n - skip);
	}
	*len = n - skip;
	return (out);
}

void
hold_ring_free(struct hold_ring *r)
{
	if (r != NULL)
		munmap(r, sizeof *r);
}

/* The monitor's side, while the connection lives ----------------------- */

/* A new shell on a pty: keep what a holder would need. */
int
hold_keep(struct chan *c)
{
	if (!c->pty || c->sess->ag->conf.limits.detached_timeout == 0)
		return (0);
	if ((c->ring = hold_ring_new(&c->ring_fd)) == NULL)
		return (0);
	if ((c->hold_master = fcntl(c->master, F_DUPFD_CLOEXEC, 0)) == -1) {
		error_r("dup");
		hold_ring_free(c->ring);
		c->ring = NULL;
		close(c->ring_fd);
		c->ring_fd = -1;
		return (0);
	}
	watch_listen(c);
	return (0);
}

void
hold_chan_free(struct chan *c)
{
	int	*fds[] = { &c->ring_fd, &c->hold_master, &c->hold_fd };
	size_t	 i;

	watch_free(c);
	hold_ring_free(c->ring);
	c->ring = NULL;
	for (i = 0; i < nitems(fds); i++) {
		if (*fds[i] != -1)
			close(*fds[i]);
		*fds[i] = -1;
	}
	free(c->replay);
	c->replay = NULL;
}

/* Consoles the monitor may hold now that its session has gone. */
int
hold_held(struct sess *s)
{
	int	 i, n = 0;

	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->hold_master != -1 &&
		    !s->chans[i]->exited)
			n++;
	}
	return (n);
}

/* A borrowed console's connection ends: give it back, or end it. */
void
hold_release(struct chan *c, int end)
{
	struct msg	 m;

	if (c->hold_fd == -1)
		return;
	/* A watcher's end is never the console's. */
	if (end && !watch_viewing(c)) {
		msg_init(&m, MON_H_KILL);
		msg_send(c->hold_fd, &m);
		msg_free(&m);
	}
	close(c->hold_fd);
	c->hold_fd = -1;
}

/* The holder of a borrowed console says something: the shell ended. */
int
hold_event(struct chan *c)
{
	struct msg	 m;
	uint32_t	 status;

	if (msg_recv(c->hold_fd, &m) != 0 || m.type != MON_H_EXITED ||
	    msg_get_u32(&m, &status) != 0)
		status = SIGHUP;	/* the holder went: as a hangup */
	else
		msg_free(&m);
	close(c->hold_fd);
	c->hold_fd = -1;
	c->exited = 1;
	c->status = status;
	return (0);
}

/* The directory of detached consoles -------------------------------------- */

char *
hold_dir(struct agent *ag)
{
	struct stat	 sb;
	char		*dir;

	xasprintf(&dir, "%s/consoles", ag->conf.state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		error_r("%s", dir);
		free(dir);
		return (NULL);
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != geteuid() || (sb.st_mode & 077) != 0) {
		error("%s: not a directory of ours, mode 0700", dir);
		free(dir);
		return (NULL);
	}
	return (dir);
}

/*
 * Every holder is a child of the agent, so when the agent starts or ends
 * whatever is in the directory belongs to no one: a crashed agent's
 * records would otherwise be offered to a later login.
 */
void
hold_sweep(struct agent *ag)
{
	struct dirent	*de;
	DIR		*d;
	char		*dir, *id, *dot;

	xasprintf(&dir, "%s/consoles", ag->conf.state_dir);
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			error_r("%s", dir);
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		id = xstrdup(de->d_name);
		if ((dot = strrchr(id, '.')) != NULL &&
		    (strcmp(dot, ".sock") == 0 || strcmp(dot, ".yaml") == 0)) {
			*dot = '\0';
			if (hold_id_ok(id))
				hold_unlink(dir, id);
		}
		free(id);
	}
	closedir(d);
	/* Anything else in it is not ours to remove; say so and keep it. */
	if (rmdir(dir) != 0 && errno != ENOENT)
		error_r("%s", dir);
	free(dir);
}

int
hold_id_ok(const char *id)
{
	size_t	 n = strlen(id);

	return (n > 0 && n < HOLD_ID_MAX &&
	    strspn(id, "0123456789abcdef-") == n);
}

int
hold_sockaddr(struct sockaddr_un *sun, const char *dir, const char *id)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if ((size_t)snprintf(sun->sun_path, sizeof sun->sun_path, "%s/%s.sock",
	    dir, id) >= sizeof sun->sun_path) {
		error("%s/%s.sock: path too long for a socket", dir, id);
		return (-1);
	}
	return (0);
}

/* Wait up to HOLD_WAIT_MS for one message on fd. */
int
hold_recv(int fd, struct msg *m)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };

	if (poll(&pfd, 1, HOLD_WAIT_MS) != 1)
		return (-1);
	return (msg_recv(fd, m));
}

/*
 * The record that makes a console findable: by its holder once detached,
 * and by the monitor of its own connection while attached there (with
 * attached set), for a watcher.
 */
void
hold_record(struct chan *c, const char *dir, const char *id, time_t started,
    time_t detached, time_t attached)
{
	struct sess	*s = c->sess;
	struct yw	*w;
	char		*buf, *name, *cause;
	size_t		 len;

	w = yw_new();
	yw_map(w);
	yw_kv(w, "id", id);
	yw_kv(w, "user", s->user);
	yw_kv(w, "from", s->from);
	yw_kv(w, "credential", s->cred);
	yw_kvint(w, "started", started);
	yw_kvint(w, "detached", detached);
	if (attached != 0)
		yw_kvint(w, "attached", attached);
	yw_kvint(w, "pid", c->pid);
	yw_kvint(w, "holder", getpid());
	yw_end(w);
	buf = yw_finish(w, &len);
	xasprintf(&name, "%s.yaml", id);
	if (file_write_atomic(dir, name, buf, len, 0600, &cause) != 0) {
		error("console %s: %s", id, cause);
		free(cause);
	}
	free(name);
	free(buf);
}

static void
hold_write(struct held *h, const char *dir)
{
	hold_record(h->c, dir, h->id, h->started, h->afd == -1 ? h->since : 0,
	    0);
}

void
hold_unlink(const char *dir, const char *id)
{
	char	*path;

	xasprintf(&path, "%s/%s.yaml", dir, id);
	unlink(path);
	free(path);
	xasprintf(&path, "%s/%s.sock", dir, id);
	unlink(path);
	free(path);
}

void
hold_rec_free(struct hold_rec *r)
{
	free(r->id);
	free(r->user);
	free(r->from);
	free(r->cred);
	memset(r, 0, sizeof *r);
}

static const char *
hold_field(yaml_document_t *doc, const char *key)
{
	const char	*v = yr_scalar(yr_get(doc, yr_root(doc), key));

	return (v != NULL ? v : "");
}

/* The record dir/name; 0 if it is one and its holder is alive. */
static int
hold_rec_read(const char *dir, const char *name, struct hold_rec *r)
{
	yaml_document_t	 doc;
	char		*path, *buf, *cause = NULL;
	size_t		 len;
	long		 holder;

	memset(r, 0, sizeof *r);
	xasprintf(&path, "%s/%s", dir, name);
	buf = file_read_all(path, HOLD_YAML_MAX, &len, &cause);
	free(path);
	free(cause);
	cause = NULL;
	if (buf == NULL)
		return (-1);
	if (yr_load(buf, len, &doc, &cause) != 0) {
		free(cause);
		free(buf);
		return (-1);
	}
	r->id = xstrdup(hold_field(&doc, "id"));
	r->user = xstrdup(hold_field(&doc, "user"));
	r->from = xstrdup(hold_field(&doc, "from"));
	r->cred = xstrdup(hold_field(&doc, "credential"));
	r->started = strtoll(hold_field(&doc, "started"), NULL, 10);
	r->detached = strtoll(hold_field(&doc, "detached"), NULL, 10);
	r->attached = strtoll(hold_field(&doc, "attached"), NULL, 10);
	r->pid = strtol(hold_field(&doc, "pid"), NULL, 10);
	holder = strtol(hold_field(&doc, "holder"), NULL, 10);
	yaml_document_delete(&doc);
	free(buf);
	/* A holder that was killed left its record behind. */
	if (!hold_id_ok(r->id) || holder <= 1 || kill(holder, 0) != 0) {
		hold_rec_free(r);
		return (-1);
	}
	return (0);
}

/*
 * Each console the credential may attach or watch, through fn; the one
 * detached last is in *latest when that is not NULL.
 */
int
hold_scan(struct sess *s, void (*fn)(struct hold_rec *, void *), void *arg,
    char **latest)
{
	struct hold_rec	 r;
	struct dirent	*de;
	DIR		*d;
	char		*dir;
	time_t		 best = 0;
	size_t		 n;
	int		 count = 0;

	if (latest != NULL)
		*latest = NULL;
	if ((dir = hold_dir(s->ag)) == NULL || (d = opendir(dir)) == NULL) {
		free(dir);
		return (0);
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.' || n < 6 ||
		    strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		if (hold_rec_read(dir, de->d_name, &r) != 0)
			continue;
		if (s->cred != NULL && strcmp(r.cred, s->cred) == 0) {
			count++;
			if (fn != NULL)
				fn(&r, arg);
			if (latest != NULL && r.detached > best) {
				best = r.detached;
				free(*latest);
				*latest = xstrdup(r.id);
			}
		}
		hold_rec_free(&r);
	}
	closedir(d);
	free(dir);
	return (count);
}

/* The verbs ------------------------------------------------------------ */

static void
hold_list_one(struct hold_rec *r, void *arg)
{
	struct yw	*w = arg;

	yw_map(w);
	yw_kv(w, "id", r->id);
	yw_kv(w, "user", r->user);
	yw_kv(w, "from", r->from);
	yw_kvtime(w, "started", r->started);
	if (r->detached != 0)
		yw_kvtime(w, "detached", r->detached);
	else
		yw_kv(w, "detached", NULL);
	yw_kvint(w, "pid", r->pid);
	yw_end(w);
}

/* consoles: the held consoles this login may attach, as YAML. */
int
hold_verb_consoles(struct chan *c, int argc, char **argv, char **out)
{
	struct yw	*w;

	(void)argv;
	if (argc != 1) {
		*out = xstrdup("usage: consoles\n");
		return (2);
	}
	w = yw_new();
	yw_map(w);
	yw_str(w, "consoles");
	yw_seq(w);
	hold_scan(c->sess, hold_list_one, w, NULL);
	yw_end(w);
	yw_end(w);
	*out = yw_finish(w, NULL);
	return (0);
}

static void
hold_duration(char *buf, size_t len, long long secs)
{
	if (secs >= 3600)
		snprintf(buf, len, "%lldh %lldm", secs / 3600,
		    secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(buf, len, "%lldm %llds", secs / 60, secs % 60);
	else
		snprintf(buf, len, "%llds", secs);
}

/* What the new client sees first: the recent output on a clear screen. */
static void
hold_replay(struct chan *c, uint32_t away)
{
	static const char	 clear[] = "\033[H\033[2J";
	char			*recent, *note, took[32];
	size_t			 len, nlen;

	recent = hold_ring_get(c->ring, &len);
	hold_duration(took, sizeof took, away);
	xasprintf(&note, "\r\ntetherd: reattached (the shell kept running "
	    "for %s)\r\n", took);
	nlen = strlen(note);
	free(c->replay);
	c->replaylen = sizeof clear - 1 + len + nlen;
	c->replay = xmalloc(c->replaylen);
	memcpy(c->replay, clear, sizeof clear - 1);
	memcpy(c->replay + sizeof clear - 1, recent, len);
	memcpy(c->replay + sizeof clear - 1 + len, note, nlen);
	free(recent);
	free(note);
}

/* The holder's answer to an attach: 0 and the fields, or -1. */
static int
hold_answer(int fd, struct msg *m, uint32_t *rc, char **text)
{
	*text = NULL;
	if (hold_recv(fd, m) != 0)
		return (-1);
	if (m->type != MON_H_GRANT || msg_get_u32(m, rc) != 0 ||
	    msg_get_str(m, text) != 0) {
		msg_free(m);
		return (-1);
	}
	return (0);
}

/* Ask the holder of id for its console; the fds go to the channel. */
static int
hold_borrow(struct chan *c, const char *dir, const char *id, char **out)
{
	struct sockaddr_un	 sun;
	struct msg		 m;
	uint32_t		 rc, pid, away, ms, hasrec;
	char			*text = NULL;
	int			 fd, master, ringfd, recfd = -1;

	if (hold_sockaddr(&sun, dir, id) != 0 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(out, "attach: %s: cannot connect\n", id);
		return (1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		close(fd);
		xasprintf(out, "attach: no such console: %s\n", id);
		return (1);
	}
	msg_init(&m, MON_H_ATTACH);
	msg_put_str(&m, c->sess->cred);
	rc = msg_send(fd, &m);
	msg_free(&m);
	if (rc != 0 || hold_answer(fd, &m, &rc, &text) != 0) {
		close(fd);
		xasprintf(out, "attach: %s: no answer from its holder\n", id);
		return (1);
	}
	if (rc != 0) {
		xasprintf(out, "attach: %s: %s\n", id, text != NULL ? text :
		    "refused");
		free(text);
		msg_free(&m);
		close(fd);
		return (1);
	}
	free(text);
	if (msg_get_u32(&m, &pid) != 0 || msg_get_u32(&m, &away) != 0 ||
	    msg_get_u32(&m, &ms) != 0 || msg_get_u32(&m, &hasrec) != 0 ||
	    (master = msg_take_fd(&m)) == -1 ||
	    (ringfd = msg_take_fd(&m)) == -1 ||
	    (hasrec && (recfd = msg_take_fd(&m)) == -1)) {
		msg_free(&m);
		close(fd);
		xasprintf(out, "attach: %s: a bad answer from its holder\n",
		    id);
		return (1);
	}
	msg_free(&m);
	c->hold_fd = fd;
	c->out_fd = master;
	c->ring_fd = ringfd;
	if ((c->ring = hold_ring_map(ringfd)) == NULL)
		fatalx("the ring of console %s does not map", id);
	if (recfd != -1)
		c->rec = record_adopt(recfd, ms);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	/* The new terminal's size, and the programs in it redraw. */
	ioctl(master, TIOCSWINSZ, &c->ws);
	c->pid = 0;	/* not ours: the holder signals and reaps it */
	c->started = 1;
	hold_replay(c, away);
	info("attached console %s (shell pid %u), detached for %u seconds",
	    id, pid, away);
	audit(c->sess->ag, "attach", "session", c->sess->id, "console", id,
	    (char *)NULL);
	return (VERB_STARTED);
}

/*
 * What attach and watch [ID] ask alike: a terminal, and an ID that can be
 * one. The exit status and *out when not, -1 when it may go on.
 */
int
hold_verb_check(struct chan *c, const char *verb, int argc, char **argv,
    char **out)
{
	if (argc > 2) {
		xasprintf(out, "usage: %s [ID]\n", verb);
		return (2);
	}
	if (!c->pty) {
		xasprintf(out, "%s: a console needs a terminal (ssh -t)\n",
		    verb);
		return (2);
	}
	if (argc == 2 && !hold_id_ok(argv[1])) {
		xasprintf(out, "%s: no such console: %s\n", verb, argv[1]);
		return (1);
	}
	return (-1);
}

/* attach [ID]: this channel's pty becomes a held console's. */
int
hold_verb_attach(struct chan *c, int argc, char **argv, char **out)
{
	char	*id = NULL, *dir;
	int	 rc;

	if ((rc = hold_verb_check(c, "attach", argc, argv, out)) != -1)
		return (rc);
	if (argc == 2)
		id = xstrdup(argv[1]);
	else if (hold_scan(c->sess, NULL, NULL, &id) == 0 || id == NULL) {
		free(id);
		*out = xstrdup("attach: no detached console\n");
		return (1);
	}
	if ((dir = hold_dir(c->sess->ag)) == NULL) {
		free(id);
		*out = xstrdup("attach: no console directory\n");
		return (1);
	}
	rc = hold_borrow(c, dir, id, out);
	free(dir);
	free(id);
	return (rc);
}

/* The holder ----------------------------------------------------------- */

static void
hold_grant(int fd, struct held *h, const char *why)
{
	struct chan	*c = h->c;
	struct msg	 m;

	msg_init(&m, MON_H_GRANT);
	msg_put_u32(&m, why != NULL);
	msg_put_str(&m, why);
	if (why == NULL) {
		msg_put_u32(&m, c->pid);
		msg_put_u32(&m, time(NULL) - h->since);
		msg_put_u32(&m, c->rec != NULL ? record_ms(c->rec) : 0);
		msg_put_u32(&m, c->rec != NULL);
		msg_put_fd(&m, c->hold_master);
		msg_put_fd(&m, c->ring_fd);
		if (c->rec != NULL)
			msg_put_fd(&m, record_fd(c->rec));
	}
	if (msg_send(fd, &m) != 0)
		debug_r("grant");
	m.nfds = 0;	/* still ours */
	msg_free(&m);
}

/* A monitor asks for the console; the same credential gets it. */
static void
hold_accept(struct held *h, const char *dir)
{
	struct sess	*s = h->c->sess;
	struct ucred	 cr;
	socklen_t	 crlen = sizeof cr;
	struct msg	 m;
	char		*cred = NULL;
	int		 fd;

	if ((fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 ||
	    cr.uid != geteuid() || hold_recv(fd, &m) != 0) {
		close(fd);
		return;
	}
	if (m.type == MON_H_WATCH)
		watch_refuse(fd, h->afd == -1 ? "detached: attach it instead" :
		    "attached again after a detach: only a console in its "
		    "first connection can be watched");
	else if (m.type != MON_H_ATTACH || msg_get_str(&m, &cred) != 0)
		hold_grant(fd, h, "a bad request");
	else if (h->afd != -1)
		hold_grant(fd, h, "attached by another connection");
	else if (cred == NULL || s->cred == NULL || strcmp(cred, s->cred) != 0)
		hold_grant(fd, h, "started by another login");
	else {
		hold_grant(fd, h, NULL);
		h->afd = fd;
		fd = -1;
		info("console %s attached", h->id);
		hold_write(h, dir);
	}
	free(cred);
	msg_free(&m);
	if (fd != -1)
		close(fd);
}

/* Detached: the output goes on into the ring and the recording. */
static void
hold_read(struct held *h)
{
	char	 buf[32768];
	ssize_t	 n;

	while ((n = read(h->c->hold_master, buf, sizeof buf)) > 0) {
		hold_ring_put(h->c->ring, buf, n);
		record_output(h->c->rec, buf, n);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		h->eof = 1;
}

static void
hold_detach(struct held *h, const char *dir)
{
	close(h->afd);
	h->afd = -1;
	h->since = time(NULL);
	info("console %s detached again", h->id);
	audit(h->c->sess->ag, "detach", "session", h->c->sess->id,
	    "console", h->id, (char *)NULL);
	hold_write(h, dir);
}

/* The borrower speaks: it ended the console, or its connection went. */
static void
hold_borrower(struct held *h, const char *dir)
{
	struct msg	 m;

	if (msg_recv(h->afd, &m) != 0) {
		debug("console %s: its borrower has gone", h->id);
		hold_detach(h, dir);
		return;
	}
	if (m.type == MON_H_KILL) {
		info("console %s ended by its client", h->id);
		console_kill(h->c);
	}
	msg_free(&m);
}

/* The console ends: its processes, its files, its borrower is told. */
static void
hold_drop(struct held *h, const char *dir, const char *why)
{
	struct msg	 m;

	if (h->afd == -1 && !h->eof)
		hold_read(h);
	console_kill(h->c);
	if (h->afd != -1) {
		msg_init(&m, MON_H_EXITED);
		msg_put_u32(&m, h->c->status);
		msg_send(h->afd, &m);
		msg_free(&m);
		close(h->afd);
	}
	close(h->lfd);
	hold_unlink(dir, h->id);
	info("console %s ended: %s", h->id, why);
	audit(h->c->sess->ag, "console-end", "session", h->c->sess->id,
	    "console", h->id, "reason", why, (char *)NULL);
	*h = hold_list[--hold_n];
}

static int
hold_listen(struct held *h, const char *dir)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;

	if (hold_sockaddr(&sun, dir, h->id) != 0)
		return (-1);
	if (lstat(sun.sun_path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(sun.sun_path);
	if ((h->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    bind(h->lfd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
	    chmod(sun.sun_path, 0600) != 0 || listen(h->lfd, 4) != 0) {
		error_r("console %s: %s", h->id, sun.sun_path);
		if (h->lfd != -1)
			close(h->lfd);
		return (-1);
	}
	return (0);
}

/* Start holding the channel's console; -1 if it cannot be held. */
static int
hold_start(struct chan *c, const char *dir)
{
	struct held	*h = &hold_list[hold_n];
	char		 secs[16];

	memset(h, 0, sizeof *h);
	h->c = c;
	h->afd = -1;
	snprintf(h->id, sizeof h->id, "%s-%u", c->sess->id, c->id);
	h->started = h->since = time(NULL);
	/* Its watchers go with the connection; the holder takes the name. */
	watch_stop(c, 1);
	if (c->ring == NULL || hold_listen(h, dir) != 0)
		return (-1);
	fcntl(c->hold_master, F_SETFL, fcntl(c->hold_master, F_GETFL) |
	    O_NONBLOCK);
	hold_write(h, dir);
	hold_n++;
	snprintf(secs, sizeof secs, "%d",
	    c->sess->ag->conf.limits.detached_timeout);
	info("console %s detached (shell pid %ld), kept for %s seconds",
	    h->id, (long)c->pid, secs);
	audit(c->sess->ag, "detach", "session", c->sess->id, "console", h->id,
	    "timeout", secs, (char *)NULL);
	return (0);
}

static void
hold_reap(void)
{
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < hold_n; i++) {
			if (hold_list[i].c->pid == pid) {
				hold_list[i].c->exited = 1;
				hold_list[i].c->status = status;
			}
		}
	}
}

/* Signals: children to reap, or the agent ends and the consoles with it. */
static int
hold_signal(int sig_fd)
{
	struct signalfd_siginfo	 si;
	int			 end = 0;

	while (read(sig_fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			hold_reap();
		else
			end = 1;
	}
	return (end);
}

/* One round over the consoles: what is ready, what ended, what expired. */
static void
hold_round(struct pollfd *pfd, const char *dir, int timeout)
{
	struct held	*h;
	int		 i;

	for (i = hold_n - 1; i >= 0; i--) {
		h = &hold_list[i];
		if (pfd[2 * i + 1].revents & POLLIN)
			hold_accept(h, dir);
		/* What was polled: an attach in this round changes it. */
		if (pfd[2 * i + 2].revents != 0 && pfd[2 * i + 2].fd != -1) {
			if (pfd[2 * i + 2].fd == h->afd)
				hold_borrower(h, dir);
			else if (h->afd == -1)
				hold_read(h);
		}
		if (h->c->exited)
			hold_drop(h, dir, "exited");
		else if (h->afd == -1 && time(NULL) - h->since >= timeout)
			hold_drop(h, dir, "timeout");
	}
}

/*
 * The connection has gone and only held consoles are left: serve them
 * until each has ended, been ended by a borrower, or was detached for
 * limits.detached_timeout.
 */
dead void
hold_run(struct sess *s, int sig_fd)
{
	struct pollfd	 pfd[1 + 2 * TETHERD_MAX_CHANNELS];
	struct held	*h;
	char		*dir;
	int		 i, timeout = s->ag->conf.limits.detached_timeout;

	dir = hold_dir(s->ag);
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] != NULL && s->chans[i]->hold_master != -1 &&
		    !s->chans[i]->exited &&
		    (dir == NULL || hold_start(s->chans[i], dir) != 0))
			console_kill(s->chans[i]);
	}
	while (hold_n > 0) {
		pfd[0].fd = sig_fd;
		pfd[0].events = POLLIN;
		for (i = 0; i < hold_n; i++) {
			h = &hold_list[i];
			pfd[2 * i + 1].fd = h->lfd;
			pfd[2 * i + 1].events = POLLIN;
			pfd[2 * i + 2].fd = h->afd != -1 ? h->afd :
			    h->eof ? -1 : h->c->hold_master;
			pfd[2 * i + 2].events = POLLIN;
		}
		if (poll(pfd, 1 + 2 * hold_n, 1000) == -1 && errno != EINTR)
			fatal_fr("poll");
		if ((pfd[0].revents & POLLIN) && hold_signal(sig_fd)) {
			while (hold_n > 0)
				hold_drop(&hold_list[0], dir, "agent ending");
			break;
		}
		hold_round(pfd, dir, timeout);
	}
	free(dir);
	info("closed, from=%s", s->from);
	_exit(0);
}
