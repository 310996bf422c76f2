/* SPDX-License-Identifier: ISC */

/*
 * The Files screen: two panes, this machine on the left and the agent's on
 * the right (over its sftp subsystem), each a directory listing. A file or
 * a directory tree is copied from the active pane to the other pane's
 * directory, with a progress bar, rate and time left; nothing is
 * overwritten without a question, and a cut get can be resumed.
 */

#include <sys/stat.h>

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/sftp.h>

#include "tether.h"

#define BROWSE_DEPTH	32	/* directory levels a copy goes down */

static void	browse_close(struct browse_ui *);

static int
browse_cmp(const void *a, const void *b)
{
	const struct browse_entry	*x = a, *y = b;

	if (x->dir != y->dir)
		return (y->dir - x->dir);
	return (strcmp(x->name, y->name));
}

static void
browse_clear(struct browse_pane *p)
{
	int	 i;

	for (i = 0; i < p->n; i++)
		free(p->e[i].name);
	free(p->e);
	p->e = NULL;
	p->n = 0;
}

static void
browse_add(struct browse_pane *p, const char *name, int dir, uint64_t size)
{
	p->e = xreallocarray(p->e, p->n + 1, sizeof *p->e);
	p->e[p->n].name = xstrdup(name);
	p->e[p->n].dir = dir;
	p->e[p->n].size = size;
	p->n++;
}

/* Read the pane's directory again; ".." first, then directories, files. */
static int
browse_list(struct browse_ui *u, struct browse_pane *p, char **cause)
{
	sftp_dir		 d;
	sftp_attributes		 a;
	DIR			*ld;
	struct dirent		*de;
	struct stat		 sb;
	char			*full;

	browse_clear(p);
	if (p->remote) {
		if ((d = sftp_opendir(u->xfer.sftp, p->path)) == NULL) {
			xasprintf(cause, "%s: %s", p->path,
			    ssh_get_error(u->xfer.sftp->session));
			return (-1);
		}
		while ((a = sftp_readdir(u->xfer.sftp, d)) != NULL) {
			if (strcmp(a->name, ".") != 0 &&
			    strcmp(a->name, "..") != 0)
				browse_add(p, a->name, a->type ==
				    SSH_FILEXFER_TYPE_DIRECTORY, a->size);
			sftp_attributes_free(a);
		}
		sftp_closedir(d);
	} else {
		if ((ld = opendir(p->path)) == NULL) {
			xasprintf(cause, "%s: %s", p->path, strerror(errno));
			return (-1);
		}
		while ((de = readdir(ld)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			xasprintf(&full, "%s/%s", p->path, de->d_name);
			if (stat(full, &sb) == 0)
				browse_add(p, de->d_name, S_ISDIR(sb.st_mode),
				    sb.st_size);
			free(full);
		}
		closedir(ld);
	}
	if (p->n > 0)
		qsort(p->e, p->n, sizeof *p->e, browse_cmp);
	if (strcmp(p->path, "/") != 0) {
		p->e = xreallocarray(p->e, p->n + 1, sizeof *p->e);
		memmove(p->e + 1, p->e, p->n * sizeof *p->e);
		p->e[0].name = xstrdup("..");
		p->e[0].dir = 1;
		p->e[0].size = 0;
		p->n++;
	}
	ui_list_clamp(&p->sel, p->n);
	return (0);
}

/* The parent of a path, in place: "/a/b" -> "/a", "/a" -> "/". */
static void
browse_up(char *path)
{
	char	*slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		snprintf(path, PATH_MAX, "%s", "/");
	else
		*slash = '\0';
}

/* dir/name; a path too long for PATH_MAX is cut, and then not found. */
static void
browse_join(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s%s%s", dir, strcmp(dir, "/") == 0 ?
	    "" : "/", name) >= PATH_MAX)
		out[0] = '\0';
}

/*
 * The agent's side opens where the repair is: the selected offline
 * system's / when there is one, else the rescue system's home, which ~
 * goes back to.
 */
static int
browse_open(struct browse_ui *u, struct client *c, char **cause)
{
	char	*home, *root, cwd[PATH_MAX];

	memset(u, 0, sizeof *u);
	if (transfer_open(c, &u->xfer, cause) != 0)
		return (-1);
	u->loaded = 1;
	u->pane[1].remote = 1;
	if ((home = sftp_canonicalize_path(u->xfer.sftp, ".")) == NULL)
		home = xstrdup("/");
	snprintf(u->home, sizeof u->home, "%s", home);
	ssh_string_free_char(home);
	if ((root = client_root_path(c)) != NULL) {
		snprintf(u->root, sizeof u->root, "%s", root);
		free(root);
	}
	snprintf(u->pane[1].path, sizeof u->pane[1].path, "%s",
	    u->root[0] != '\0' ? u->root : u->home);
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, "%s", "/");
	snprintf(u->pane[0].path, sizeof u->pane[0].path, "%s", cwd);
	if (browse_list(u, &u->pane[0], cause) != 0 ||
	    browse_list(u, &u->pane[1], cause) != 0) {
		browse_close(u);
		return (-1);
	}
	return (0);
}

static void
browse_close(struct browse_ui *u)
{
	browse_clear(&u->pane[0]);
	browse_clear(&u->pane[1]);
	if (u->loaded)
		transfer_close(&u->xfer);
	u->loaded = 0;
}

/* Is path the selected system's root or under it? */
static int
browse_in_root(const struct browse_ui *u, const char *path)
{
	size_t	 n = strlen(u->root);

	return (strncmp(path, u->root, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/'));
}

static void
browse_draw_pane(struct browse_ui *u, int which, int y, int x, int h, int w)
{
	struct browse_pane	*p = &u->pane[which];
	char			 size[16];
	int			 i, top, active = u->focus && u->active == which;

	attron(A_BOLD);
	if (!which)
		mvprintw(y, x, "%-*.*s", w, w, "this machine");
	else if (u->root[0] != '\0' && browse_in_root(u, p->path))
		mvprintw(y, x, "%-*.*s", w, w, "agent: the selected system "
		    "(~ rescue system)");
	else
		mvprintw(y, x, "%-*.*s", w, w, "agent: the rescue system");
	attroff(A_BOLD);
	mvprintw(y + 1, x, "%-*.*s", w, w, p->path);
	/* A row to spare below the chosen entry when it scrolls. */
	top = ui_list_top(p->sel, h - 3);
	for (i = top; i < p->n && i - top < h - 2; i++) {
		if (i == p->sel && active)
			attron(A_REVERSE);
		else if (i == p->sel)
			attron(A_UNDERLINE);
		ui_size(p->e[i].size, size, sizeof size);
		mvprintw(y + 2 + i - top, x, "%-*.*s%s %7s", w - 9, w - 9,
		    p->e[i].name, p->e[i].dir ? "/" : " ", p->e[i].dir ? "" :
		    size);
		attroff(A_REVERSE | A_UNDERLINE);
	}
}

static void
browse_draw(struct browse_ui *u, int y, int x, int h, int w)
{
	int	 half = (w - 1) / 2;

	if (!u->loaded) {
		mvaddnstr(y, x, "Enter opens the file panels.", w);
		return;
	}
	browse_draw_pane(u, 0, y, x, h - 1, half);
	browse_draw_pane(u, 1, y, x + half + 1, h - 1, w - half - 1);
	if (u->progress[0] != '\0')
		mvaddnstr(y + h - 1, x, u->progress, w);
}

/*
 * Esc or Ctrl-C typed during a transfer stops it. Other keys are dropped,
 * so a key pressed while waiting does not act on the panels afterwards.
 */
static int
browse_cancelled(void)
{
	int	 delay = wgetdelay(stdscr), ch, stop = 0;

	timeout(0);
	while ((ch = getch()) != ERR)
		stop |= ch == 27 || ch == 3;
	timeout(delay);
	return (stop);
}

/* The progress line: a bar, bytes, rate and time left, drawn in place. */
static int
browse_progress(void *arg, uint64_t done, uint64_t total, double rate)
{
	struct browse_ui	*u = arg;
	char			 bar[21], a[16], b[16];
	int			 i, fill = total > 0 ? (int)(done * 20 / total) :
	    20;
	long			 left = rate > 0 && total > done ?
	    (long)((total - done) / rate) : 0;

	for (i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	ui_size(done, a, sizeof a);
	ui_size(total, b, sizeof b);
	snprintf(u->progress, sizeof u->progress, "%s %.40s [%s] %s/%s  "
	    "%.1f MB/s  %ld:%02ld left  Esc stops", u->verb, u->current, bar,
	    a, b, rate / 1e6, left / 60, left % 60);
	move(LINES - 2, 0);
	clrtoeol();
	mvaddnstr(LINES - 2, 1, u->progress, COLS - 2);
	refresh();
	return (browse_cancelled());
}

static int	browse_copy(struct browse_ui *, int, const char *, const char *,
		    int, int, char **);

static int
browse_isdir(struct browse_ui *u, int remote, const char *path)
{
	sftp_attributes	 a;
	struct stat	 sb;
	int		 dir;

	if (!remote)
		return (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
	if ((a = sftp_stat(u->xfer.sftp, path)) == NULL)
		return (0);
	dir = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
	sftp_attributes_free(a);
	return (dir);
}

/* A directory tree, one entry at a time, the other way round for put. */
static int
browse_copy_dir(struct browse_ui *u, int get, const char *src,
    const char *dst, int depth, char **cause)
{
	struct browse_pane	 p;
	char			 s[PATH_MAX], d[PATH_MAX];
	int			 i, rc = 0;

	if (depth > BROWSE_DEPTH) {
		xasprintf(cause, "%s: more than %d levels deep", src,
		    BROWSE_DEPTH);
		return (-1);
	}
	if (!browse_isdir(u, !get, dst) && (get ? mkdir(dst, 0755) :
	    sftp_mkdir(u->xfer.sftp, dst, 0755)) != 0) {
		xasprintf(cause, "%s: cannot make the directory", dst);
		return (-1);
	}
	memset(&p, 0, sizeof p);
	p.remote = get;
	snprintf(p.path, sizeof p.path, "%s", src);
	if (browse_list(u, &p, cause) != 0)
		return (-1);
	for (i = 0; i < p.n && rc == 0; i++) {
		if (strcmp(p.e[i].name, "..") == 0)
			continue;
		browse_join(s, src, p.e[i].name);
		browse_join(d, dst, p.e[i].name);
		rc = browse_copy(u, get, s, d, p.e[i].dir, depth + 1, cause);
	}
	browse_clear(&p);
	return (rc);
}

static int
browse_copy(struct browse_ui *u, int get, const char *src, const char *dst,
    int dir, int depth, char **cause)
{
	const char	*base = strrchr(src, '/') != NULL ? strrchr(src, '/') +
	    1 : src;

	if (dir)
		return (browse_copy_dir(u, get, src, dst, depth, cause));
	snprintf(u->current, sizeof u->current, "%s", base);
	if (get)
		return (transfer_get(&u->xfer, src, dst, u->flags, cause));
	return (transfer_put(&u->xfer, src, dst, u->flags, cause));
}

/* Does the target exist, and for a get, is there a .part to resume? */
static int
browse_exists(struct browse_ui *u, int get, const char *dst, int *part)
{
	sftp_attributes	 a;
	struct stat	 sb;
	char		 p[PATH_MAX + 8];

	*part = 0;
	if (get) {
		snprintf(p, sizeof p, "%s.part", dst);
		*part = stat(p, &sb) == 0;
		return (lstat(dst, &sb) == 0);
	}
	if ((a = sftp_lstat(u->xfer.sftp, dst)) == NULL)
		return (0);
	sftp_attributes_free(a);
	return (1);
}

/* Copy the selected entry to the other pane's directory. */
static void
browse_transfer(struct browse_ui *u, char **note, int *bad)
{
	struct browse_pane	*from = &u->pane[u->active];
	struct browse_pane	*to = &u->pane[!u->active];
	struct browse_entry	*e;
	char			 src[PATH_MAX], dst[PATH_MAX];
	char			 q[PATH_MAX + 64], *cause = NULL;
	int			 get = from->remote, part, exists, rc;
	int			 answer;

	if (from->n == 0 || strcmp((e = &from->e[from->sel])->name, "..") == 0)
		return;
	browse_join(src, from->path, e->name);
	browse_join(dst, to->path, e->name);
	u->flags = 0;
	exists = browse_exists(u, get, dst, &part);
	if (exists || (part && !e->dir)) {
		snprintf(q, sizeof q, "%s %s: %s", dst, exists ? "exists" :
		    "was cut short", part && !e->dir ? "r resumes, o starts "
		    "again, Esc keeps it" : "o overwrites, Esc keeps it");
		answer = ui_choose(q);
		if (answer != 'o' && !(answer == 'r' && part)) {
			*note = xstrdup("nothing copied");
			*bad = 0;
			return;
		}
		u->flags = TRANSFER_FORCE | (answer == 'r' ?
		    TRANSFER_RESUME : 0);
	}
	u->verb = get ? "get" : "put";
	u->xfer.progress = browse_progress;
	u->xfer.arg = u;
	u->xfer.cancelled = 0;
	rc = browse_copy(u, get, src, dst, e->dir, 0, &cause);
	u->progress[0] = '\0';
	if (rc != 0 && u->xfer.cancelled) {
		/*
		 * A get keeps its .part to resume; a put leaves none. What a
		 * directory copy finished before stays where it went.
		 */
		xasprintf(note, "%s %s: stopped%s; %s", u->verb, u->current,
		    e->dir ? ", what was copied before it stays" : "", get ?
		    "its .part is kept: copy it again and r resumes" :
		    "no .part is left on the agent");
		*bad = 0;
		free(cause);
	} else if (rc != 0) {
		xasprintf(note, "%s: %s", u->verb, cause);
		*bad = 1;
		free(cause);
	} else {
		xasprintf(note, "%s %s: done", u->verb, e->name);
		*bad = 0;
	}
	if (browse_list(u, to, &cause) != 0)
		free(cause);
}

/* Show path in pane p; if it cannot be read, say why and stay. */
static void
browse_go(struct browse_ui *u, struct browse_pane *p, const char *path,
    char **note, int *bad)
{
	char	 old[PATH_MAX], *cause;

	snprintf(old, sizeof old, "%s", p->path);
	snprintf(p->path, sizeof p->path, "%s", path);
	p->sel = 0;
	if (browse_list(u, p, &cause) == 0)
		return;
	*note = cause;
	*bad = 1;
	snprintf(p->path, sizeof p->path, "%s", old);
	if (browse_list(u, p, &cause) != 0)
		free(cause);
}

/* Enter on a directory goes into it; on ".." up. */
static void
browse_enter(struct browse_ui *u, char **note, int *bad)
{
	struct browse_pane	*p = &u->pane[u->active];
	char			 path[PATH_MAX];

	if (p->n == 0 || !p->e[p->sel].dir)
		return;
	snprintf(path, sizeof path, "%s", p->path);
	if (strcmp(p->e[p->sel].name, "..") == 0)
		browse_up(path);
	else
		browse_join(path, p->path, p->e[p->sel].name);
	browse_go(u, p, path, note, bad);
}

/* c: type a directory for the active pane. */
static void
browse_chdir(struct browse_ui *u, char **note, int *bad)
{
	char	 path[PATH_MAX] = "";

	if (ui_prompt("directory", path, sizeof path, NULL) != 0 ||
	    path[0] == '\0')
		return;
	if (path[0] != '/') {
		*note = xstrdup("give the whole path, from /");
		*bad = 1;
		return;
	}
	browse_go(u, &u->pane[u->active], path, note, bad);
}

/* /: the next entry whose name holds the text typed. */
static void
browse_find(struct browse_ui *u, char **note, int *bad)
{
	struct browse_pane	*p = &u->pane[u->active];
	char			 what[256] = "";
	int			 i, k;

	if (ui_prompt("find", what, sizeof what, NULL) != 0 ||
	    what[0] == '\0' || p->n == 0)
		return;
	for (k = 1; k <= p->n; k++) {
		i = (p->sel + k) % p->n;
		if (strstr(p->e[i].name, what) != NULL) {
			p->sel = i;
			return;
		}
	}
	xasprintf(note, "no \"%s\" here", what);
	*bad = 1;
}

/* Read p again and choose name in it, if it is there. */
static void
browse_reload(struct browse_ui *u, struct browse_pane *p, const char *name,
    char **note, int *bad)
{
	char	*cause;
	int	 i;

	if (browse_list(u, p, &cause) != 0) {
		free(*note);
		*note = cause;
		*bad = 1;
		return;
	}
	for (i = 0; name != NULL && i < p->n; i++) {
		if (strcmp(p->e[i].name, name) == 0)
			p->sel = i;
	}
}

/* An error of the side p shows: errno here, sftp's status on the agent. */
static const char *
browse_error(struct browse_ui *u, struct browse_pane *p)
{
	return (p->remote ? transfer_error(u->xfer.sftp) : strerror(errno));
}

/* m (F7): a new directory in the active pane's directory. */
static void
browse_mkdir(struct browse_ui *u, char **note, int *bad)
{
	struct browse_pane	*p = &u->pane[u->active];
	char			 name[256] = "", path[PATH_MAX];
	int			 rc;

	if (ui_prompt("new directory", name, sizeof name, NULL) != 0 ||
	    name[0] == '\0')
		return;
	if (strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		xasprintf(note, "\"%s\": give a name, without /", name);
		*bad = 1;
		return;
	}
	for (rc = 0; rc < p->n; rc++) {
		if (strcmp(p->e[rc].name, name) == 0) {
			xasprintf(note, "%s: exists", name);
			*bad = 1;
			return;
		}
	}
	browse_join(path, p->path, name);
	rc = p->remote ? sftp_mkdir(u->xfer.sftp, path, 0755) :
	    mkdir(path, 0755);
	if (rc != 0) {
		xasprintf(note, "%s: %s", path, browse_error(u, p));
		*bad = 1;
		return;
	}
	xasprintf(note, "%s: made", name);
	*bad = 0;
	browse_reload(u, p, name, note, bad);
}

/*
 * d (F8): the chosen file, link or empty directory goes, once confirmed.
 * A link goes itself, not what it points to; a directory with anything
 * in it stays: that is a job for the console, where it can be seen.
 */
static void
browse_delete(struct browse_ui *u, char **note, int *bad)
{
	struct browse_pane	*p = &u->pane[u->active];
	sftp_attributes		 a;
	struct stat		 sb;
	char			 path[PATH_MAX], q[512];
	const char		*name;
	int			 dir, rc;

	if (p->n == 0 || strcmp((name = p->e[p->sel].name), "..") == 0)
		return;
	browse_join(path, p->path, name);
	if (p->remote && (a = sftp_lstat(u->xfer.sftp, path)) != NULL) {
		dir = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
		sftp_attributes_free(a);
	} else if (!p->remote && lstat(path, &sb) == 0)
		dir = S_ISDIR(sb.st_mode);
	else {
		xasprintf(note, "%s: %s", path, browse_error(u, p));
		*bad = 1;
		return;
	}
	snprintf(q, sizeof q, "delete %s%s on %s? y deletes, Esc keeps it",
	    name, dir ? "/" : "", p->remote ? "the agent" : "this machine");
	if (ui_choose(q) != 'y') {
		*note = xstrdup("nothing deleted");
		*bad = 0;
		return;
	}
	if (p->remote)
		rc = dir ? sftp_rmdir(u->xfer.sftp, path) :
		    sftp_unlink(u->xfer.sftp, path);
	else
		rc = dir ? rmdir(path) : unlink(path);
	if (rc != 0 && dir)
		xasprintf(note, "%s: not deleted (%s): only an empty directory "
		    "is deleted here", path, p->remote && sftp_get_error(
		    u->xfer.sftp) == SSH_FX_FAILURE ? "not empty?" :
		    browse_error(u, p));
	else if (rc != 0)
		xasprintf(note, "%s: not deleted: %s", path,
		    browse_error(u, p));
	else
		xasprintf(note, "%s: deleted", name);
	*bad = rc != 0;
	browse_reload(u, p, NULL, note, bad);
}

/* A key for the Files screen; 0 when it leaves the screen. */
static int
browse_key(struct browse_ui *u, int key, char **note, int *bad)
{
	struct browse_pane	*p = &u->pane[u->active];
	char			*cause, path[PATH_MAX];

	if (ui_list_key(key, &p->sel, p->n))
		return (1);
	switch (key) {
	case 27:
	case 'q':
		return (0);
	case '\t':
	case KEY_LEFT:
	case KEY_RIGHT:
		u->active = !u->active;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		browse_enter(u, note, bad);
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		snprintf(path, sizeof path, "%s", p->path);
		browse_up(path);
		browse_go(u, p, path, note, bad);
		break;
	case 'c':
		browse_chdir(u, note, bad);
		break;
	case '~':
		/* The rescue system's home; on this side, this one's. */
		if (p->remote)
			browse_go(u, p, u->home, note, bad);
		else if (getenv("HOME") != NULL)
			browse_go(u, p, getenv("HOME"), note, bad);
		break;
	case '/':
		browse_find(u, note, bad);
		break;
	case 'r':
		if (browse_list(u, &u->pane[0], &cause) != 0 ||
		    browse_list(u, &u->pane[1], &cause) != 0) {
			*note = cause;
			*bad = 1;
		} else
			*note = xstrdup("both sides read again");
		break;
	case 'g':
	case KEY_F(5):
		browse_transfer(u, note, bad);
		break;
	case 'm':
	case KEY_F(7):
		browse_mkdir(u, note, bad);
		break;
	case 'd':
	case KEY_F(8):
		browse_delete(u, note, bad);
		break;
	}
	return (1);
}

static void *
browse_init(void)
{
	return (xcalloc(1, sizeof (struct browse_ui)));
}

static void
browse_screen_free(void *data)
{
	browse_close(data);
	free(data);
}

/*
 * A root selected or released since the screen was opened moves the
 * agent's side to where the repair now is, as a first open would.
 */
static void
browse_follow_root(struct browse_ui *u, struct session *s)
{
	char	*root, *cause;

	root = client_root_path(s->c);
	if (strcmp(root != NULL ? root : "", u->root) == 0) {
		free(root);
		return;
	}
	snprintf(u->root, sizeof u->root, "%s", root != NULL ? root : "");
	free(root);
	snprintf(u->pane[1].path, sizeof u->pane[1].path, "%s",
	    u->root[0] != '\0' ? u->root : u->home);
	if (browse_list(u, &u->pane[1], &cause) != 0) {
		session_note(s, 1, "%s", cause);
		free(cause);
	}
}

/* The sftp session opens on Enter, not on a mere look at the menu. */
static int
browse_screen_open(struct session *s, void *data)
{
	struct browse_ui	*u = data;
	char			*cause;

	if (u->loaded) {
		browse_follow_root(u, s);
		return (SCREEN_KEYS);
	}
	if (browse_open(u, s->c, &cause) != 0) {
		session_note(s, 1, "%s", cause);
		free(cause);
		s->lost = !ssh_is_connected(s->c->session);
		return (SCREEN_MENU);
	}
	return (SCREEN_KEYS);
}

static void
browse_screen_draw(struct session *s, void *data, int y, int x, int h, int w)
{
	struct browse_ui	*u = data;

	u->focus = s->focus;
	browse_draw(u, y, x, h, w);
}

static int
browse_screen_key(struct session *s, void *data, int key)
{
	struct browse_ui	*u = data;

	if (!u->loaded)
		return (SCREEN_MENU);
	return (browse_key(u, key, &s->note, &s->note_bad) ? SCREEN_KEYS :
	    SCREEN_MENU);
}

static const char *
browse_help(void *data)
{
	(void)data;
	/* Enter and Backspace, as everywhere: the rest fits 80. */
	return ("Tab side, g copy, m mkdir, d del, / find, c path, ~ home, "
	    "r reload, Esc back");
}

const struct screen screen_files = {
	.name = "Files",
	.help = browse_help,
	.init = browse_init,
	.draw = browse_screen_draw,
	.key = browse_screen_key,
	.free = browse_screen_free,
	.open = browse_screen_open,
};
