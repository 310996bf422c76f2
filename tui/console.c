/* SPDX-License-Identifier: ISC */

/*
 * The recovery console: the local terminal in raw mode, passed through to a
 * remote pty. Ctrl-] (or ~. at the start of a line) leaves it; the window
 * size follows the local terminal.
 */

#include <sys/ioctl.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tether.h"

#define CONSOLE_ESCAPE	0x1d	/* Ctrl-] */

static volatile sig_atomic_t console_winch;

static void
console_sigwinch(int sig)
{
	(void)sig;
	console_winch = 1;
}

static void
console_size(int *cols, int *rows)
{
	struct winsize	 ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	} else {
		*cols = 80;
		*rows = 24;
	}
}

static ssh_channel
console_open(struct client *c, const char *command, int tty, int flags,
    char **cause)
{
	ssh_channel	 ch;
	const char	*term = getenv("TERM");
	int		 cols, rows;

	if ((ch = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK)
		goto fail;
	if (tty) {
		console_size(&cols, &rows);
		if (ssh_channel_request_pty_size(ch, term != NULL &&
		    *term != '\0' ? term : "xterm", cols, rows) != SSH_OK)
			goto fail;
	}
	if ((flags & CONSOLE_CHROOT) &&
	    ssh_channel_request_env(ch, "TETHER_CHROOT", "1") != SSH_OK)
		goto fail;
	if ((command == NULL ? ssh_channel_request_shell(ch) :
	    ssh_channel_request_exec(ch, command)) != SSH_OK)
		goto fail;
	return (ch);
fail:
	xasprintf(cause, "%s: %s", c->host, ssh_get_error(c->session));
	if (ch != NULL)
		ssh_channel_free(ch);
	return (NULL);
}

/*
 * Look for the escapes in typed input. Returns how many bytes to send; *out
 * is set when the user asked to leave.
 */
static size_t
console_escape(char *buf, size_t n, int *bol, int *tilde, int *out)
{
	size_t	 i, j = 0;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == CONSOLE_ESCAPE) {
			*out = 1;
			return (j);
		}
		if (*tilde) {
			*tilde = 0;
			if (c == '.') {
				*out = 1;
				return (j);
			}
			if (c != '~')
				buf[j++] = '~';
		} else if (*bol && c == '~') {
			*tilde = 1;
			*bol = 0;
			continue;
		}
		buf[j++] = c;
		*bol = (c == '\r' || c == '\n');
	}
	return (j);
}

/*
 * The agent's notices on the console's standard error say who watches it
 * (tetherd(8), WATCHING); the status bar shows it once back in the menu.
 */
static void
console_notices(struct client *c, const char *buf, size_t n)
{
	static const char	 is[] = " is watching this console";
	static const char	 still[] = "tetherd: still watching: ";
	static const char	 stopped[] = " stopped watching this console";
	const size_t		 sl = sizeof still - 1;
	const char		*line, *end, *p;
	size_t			 len;

	for (line = buf; line < buf + n; line = end + 1) {
		if ((end = memchr(line, '\n', buf + n - line)) == NULL)
			end = buf + n;
		len = end - line;
		while (len > 0 && (line[len - 1] == '\r' ||
		    line[len - 1] == ' '))
			len--;
		if (len > sl && memcmp(line, still, sl) == 0)
			snprintf(c->watched, sizeof c->watched, "%.*s",
			    (int)(len - sl), line + sl);
		else if (len > 9 && memcmp(line, "tetherd: ", 9) == 0 &&
		    (p = memmem(line, len, is, sizeof is - 1)) != NULL)
			snprintf(c->watched, sizeof c->watched, "%.*s",
			    (int)(p - line - 9), line + 9);
		else if (len > 9 && memcmp(line, "tetherd: ", 9) == 0 &&
		    memmem(line, len, stopped, sizeof stopped - 1) != NULL)
			c->watched[0] = '\0';
	}
}

/* Copy channel output to the terminal; returns -1 once the channel ended. */
static int
console_drain(struct client *c, ssh_channel ch)
{
	char	 buf[16384];
	int	 n, is_err;

	for (is_err = 0; is_err <= 1; is_err++) {
		while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof buf,
		    is_err)) > 0) {
			if (is_err)
				console_notices(c, buf, n);
			if (write(is_err ? STDERR_FILENO : STDOUT_FILENO, buf,
			    n) != n)
				return (-1);
		}
		if (n == SSH_ERROR)
			return (-1);
	}
	if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
		return (-1);
	return (0);
}

static int
console_loop(struct client *c, ssh_channel ch, int tty)
{
	struct pollfd	 pfd[2];
	char		 buf[4096];
	ssize_t		 n;
	size_t		 m;
	int		 bol = 1, tilde = 0, out = 0, in_open = 1, cols, rows;

	pfd[0].fd = STDIN_FILENO;
	pfd[1].fd = ssh_get_fd(c->session);
	pfd[1].events = POLLIN;
	for (;;) {
		if (console_drain(c, ch) != 0)
			return (CONSOLE_EXITED);
		if (console_winch && tty) {
			console_winch = 0;
			console_size(&cols, &rows);
			ssh_channel_change_pty_size(ch, cols, rows);
		}
		pfd[0].events = in_open ? POLLIN : 0;
		if (poll(pfd, 2, ssh_channel_poll(ch, 0) > 0 ? 0 : 200) == -1 &&
		    errno != EINTR)
			return (CONSOLE_LOST);
		if (!(pfd[0].revents & (POLLIN | POLLHUP)))
			continue;
		if ((n = read(STDIN_FILENO, buf, sizeof buf)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			/* Local input ended: tell the remote side, keep
			   reading its output. */
			ssh_channel_send_eof(ch);
			in_open = 0;
			continue;
		}
		m = tty ? console_escape(buf, n, &bol, &tilde, &out) : (size_t)n;
		if (m > 0 && ssh_channel_write(ch, buf, m) == SSH_ERROR)
			return (CONSOLE_LOST);
		if (out)
			return (CONSOLE_DETACHED);
	}
}

/*
 * Attach the terminal to a console channel until it ends or the user
 * leaves. With *chp NULL a channel is opened first (a shell when command
 * is NULL); a channel left with Ctrl-] stays in *chp for the next visit,
 * and one that ended is closed and *chp set to NULL. *status gets the
 * remote exit status when it exited.
 */
int
console_attach(struct client *c, ssh_channel *chp, const char *command,
    int flags, int *status, char **cause)
{
	struct termios		 saved, raw;
	struct sigaction	 sa, oldsa;
	int			 tty = isatty(STDIN_FILENO), rc, cols, rows;

	*status = -1;
	if (*chp == NULL) {
		if ((*chp = console_open(c, command, tty, flags, cause)) ==
		    NULL)
			return (CONSOLE_LOST);
	} else if (tty) {
		/* The size may have changed while away; it redraws too. */
		console_size(&cols, &rows);
		ssh_channel_change_pty_size(*chp, cols, rows);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = console_sigwinch;
	sigaction(SIGWINCH, &sa, &oldsa);
	if (tty) {
		tcgetattr(STDIN_FILENO, &saved);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
	}
	rc = console_loop(c, *chp, tty);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	sigaction(SIGWINCH, &oldsa, NULL);
	if (rc == CONSOLE_DETACHED)
		return (rc);
	if (rc == CONSOLE_EXITED)
		*status = ssh_channel_get_exit_status(*chp);
	else
		xasprintf(cause, "%s: connection lost", c->host);
	ssh_channel_close(*chp);
	ssh_channel_free(*chp);
	*chp = NULL;
	return (rc);
}

/*
 * Show a last line under what a full-screen program left, and wait for a
 * key, so that its last screen (an error, "password updated") can be read.
 */
void
console_hold(const char *line)
{
	struct termios	 saved, raw;
	char		 key;
	int		 tty = isatty(STDIN_FILENO);

	printf("\r\n%s; a key goes back\r\n", line);
	fflush(stdout);
	if (!tty)
		return;
	tcgetattr(STDIN_FILENO, &saved);
	raw = saved;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
	while (read(STDIN_FILENO, &key, 1) == -1 && errno == EINTR)
		;
	tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
}

/*
 * Run a shell (command NULL) or a command on a pty when stdin is a
 * terminal, once: leaving closes it.
 */
int
console_run(struct client *c, const char *command, int *status, char **cause)
{
	ssh_channel	 ch = NULL;
	int		 rc;

	rc = console_attach(c, &ch, command, 0, status, cause);
	if (ch != NULL) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	return (rc);
}

/* The session's Console screen: one shell, kept while the menu is up. */
struct console_screen {
	ssh_channel	 ch;
	int		 chrooted;	/* the shell is in the offline root */
	int		 watchable;	/* consoles attached elsewhere */
	char		*held;		/* its stderr read while in the menu */
	size_t		 heldlen;
};

static void *
console_init(void)
{
	return (xcalloc(1, sizeof (struct console_screen)));
}

static void
console_free(void *data)
{
	struct console_screen	*cs = data;

	if (cs->ch != NULL) {
		/* Sent now: without it the agent keeps the shell for a
		   reconnect that is not coming. */
		ssh_channel_close(cs->ch);
		ssh_blocking_flush(ssh_channel_get_session(cs->ch), 1000);
		ssh_channel_free(cs->ch);
	}
	free(cs->held);
	free(cs);
}

static void
console_draw(struct session *s, void *data, int y, int x, int h, int w)
{
	struct console_screen	*cs = data;

	(void)s;
	(void)h;
	if (cs->ch != NULL) {
		mvaddnstr(y, x, cs->chrooted ? "The shell in the offline "
		    "system is running. Enter goes back to it." : "The shell "
		    "is running. Enter goes back to it; Ctrl-] leaves it "
		    "again.", w);
		return;
	}
	mvaddnstr(y, x, "Enter opens a shell on the agent. Ctrl-] comes back "
	    "here.", w);
	mvaddnstr(y + 1, x, "c opens it chrooted into the selected offline "
	    "system (Roots).", w);
	if (cs->watchable > 0)
		mvaddnstr(y + 3, x, "Watch: w watches the console another "
		    "technician has open, view only.", w);
}

/* The consoles attached in another connection: those may be watched. */
static int
console_load(struct session *s, void *data)
{
	struct console_screen	*cs = data;
	yaml_document_t		 doc;
	yaml_node_t		*list, *e;
	yaml_node_item_t	*it;
	char			*error = NULL, *detached;
	int			 lost;

	cs->watchable = 0;
	if (client_yaml(s->c, "consoles", &doc, &error, &lost) != 0) {
		free(error);
		return (0);
	}
	list = yr_path(&doc, "consoles");
	if (list != NULL && list->type == YAML_SEQUENCE_NODE) {
		for (it = list->data.sequence.items.start;
		    it < list->data.sequence.items.top; it++) {
			e = yaml_document_get_node(&doc, *it);
			if ((detached = client_ystr(&doc, e, "detached")) ==
			    NULL)
				cs->watchable++;
			free(detached);
		}
	}
	yaml_document_delete(&doc);
	return (0);
}

/*
 * w: watch the console attached most recently in another connection.
 * The channel goes when the watch ends or is left: nothing to go back to.
 */
static int
console_watch_screen(struct session *s, struct console_screen *cs)
{
	ssh_channel	 ch = NULL;
	char		*cause = NULL;
	int		 rc, status;

	if (cs->ch != NULL) {
		session_note(s, 1, "a shell is running here: leave it first");
		return (SCREEN_MENU);
	}
	ui_suspend();
	printf("tether: watching, view only: what you type is dropped. "
	    "Ctrl-] goes back to the menu.\r\n");
	fflush(stdout);
	rc = console_attach(s->c, &ch, "watch", 0, &status, &cause);
	if (ch != NULL) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	ui_resume();
	session_stale(s, &screen_console);
	if (rc == CONSOLE_LOST) {
		session_note(s, 1, "%s", cause);
		free(cause);
		s->lost = 1;
	} else if (rc == CONSOLE_EXITED && status == 1)
		session_note(s, 1, "no console to watch");
	else if (rc == CONSOLE_EXITED)
		session_note(s, 0, "the watched console ended (exit status %d)",
		    status);
	else
		session_note(s, 0, "stopped watching");
	return (SCREEN_MENU);
}

static int
console_attach_screen(struct session *s, struct console_screen *cs,
    int flags, const char *command)
{
	char	*cause = NULL;
	int	 rc, status;

	if (cs->ch == NULL)
		cs->chrooted = (flags & CONSOLE_CHROOT) != 0;
	ui_suspend();
	if (cs->ch == NULL)
		printf("tether: connected to %s port %d, key matches ticket "
		    "(%d ms). Ctrl-] goes back to the menu.\r\n", s->t->ip,
		    s->t->port, s->c->ms);
	fflush(stdout);
	/* What it wrote on stderr meanwhile; the terminal is ours again. */
	if (cs->heldlen > 0 &&
	    write(STDERR_FILENO, cs->held, cs->heldlen) == -1)
		cs->heldlen = 0;
	free(cs->held);
	cs->held = NULL;
	cs->heldlen = 0;
	rc = console_attach(s->c, &cs->ch, command, flags, &status, &cause);
	ui_resume();
	/* Gone with the connection: the agent keeps the shell a while. */
	if (rc != CONSOLE_DETACHED && !ssh_is_connected(s->c->session))
		s->reattach = 1;
	if (rc == CONSOLE_LOST) {
		session_note(s, 1, "%s", cause);
		free(cause);
		s->lost = 1;
	} else if (rc == CONSOLE_EXITED && command != NULL && status != 0)
		session_note(s, 1, "no detached console to reattach: Console "
		    "opens a new shell");
	else if (rc == CONSOLE_EXITED && status < 0)
		session_note(s, 1, "the shell ended: the agent ended the "
		    "session");
	else if (rc == CONSOLE_EXITED)
		session_note(s, 0, "the shell ended (exit status %d)", status);
	else
		session_note(s, 0, "the shell is still running: Console goes "
		    "back to it");
	return (SCREEN_MENU);
}

static int
console_open_screen(struct session *s, void *data)
{
	return (console_attach_screen(s, data, 0, NULL));
}

/*
 * Connected again after a console was lost: the agent kept its shell, and
 * its attach verb gives it back with the recent output redrawn.
 */
int
console_reattach(struct session *s, void *data)
{
	struct console_screen	*cs = data;

	s->reattach = 0;
	if (cs->ch != NULL)
		return (SCREEN_MENU);
	return (console_attach_screen(s, cs, 0, "attach"));
}

/*
 * In the menu, with the shell kept: its standard error is read, so that
 * the status bar says who starts or stops watching it, and kept to be
 * written when the console is back.
 */
static void
console_poll(struct session *s, void *data)
{
	struct console_screen	*cs = data;
	char			 buf[4096];
	int			 n;

	if (cs->ch == NULL)
		return;
	while ((n = ssh_channel_read_nonblocking(cs->ch, buf, sizeof buf,
	    1)) > 0) {
		console_notices(s->c, buf, n);
		if (cs->heldlen + n > 65536)
			continue;
		cs->held = xreallocarray(cs->held, 1, cs->heldlen + n);
		memcpy(cs->held + cs->heldlen, buf, n);
		cs->heldlen += n;
	}
}

/* A shell is kept on the menu's connection (it goes with it). */
int
console_running(void *data)
{
	return (((struct console_screen *)data)->ch != NULL);
}

/* In the menu: c opens the shell in the selected offline system. */
static int
console_key(struct session *s, void *data, int key)
{
	if (key == 'c')
		return (console_attach_screen(s, data, CONSOLE_CHROOT, NULL));
	if (key == 'w')
		return (console_watch_screen(s, data));
	return (SCREEN_MENU);
}

static const char *
console_busy(void *data)
{
	struct console_screen	*cs = data;

	return (cs->ch != NULL ? "a shell is running" : NULL);
}

const struct screen screen_console = {
	.name = "Console",
	.init = console_init,
	.load = console_load,
	.draw = console_draw,
	.poll = console_poll,
	.key = console_key,
	.free = console_free,
	.open = console_open_screen,
	.busy = console_busy,
};
