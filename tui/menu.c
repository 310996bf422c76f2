/* SPDX-License-Identifier: ISC */

/*
 * The session screen: a status bar, a menu on the left (Console, Tools,
 * Roots, Snapshot, Files, Info, End session) and the chosen screen on the
 * right. The console's
 * shell lives on while the menu is up, for the next visit. A lost
 * connection puts up a banner; r connects again with the same ticket.
 */

#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

#define MENU_WIDTH	16

enum menu_item {
	ITEM_CONSOLE, ITEM_TOOLS, ITEM_ROOTS, ITEM_SNAPSHOT, ITEM_FILES,
	ITEM_INFO, ITEM_END, ITEM_COUNT
};

static const char *menu_names[ITEM_COUNT] = {
	"Console", "Tools", "Roots", "Snapshot", "Files", "Info",
	"End session"
};

struct menu {
	struct client		*c;
	ssh_event		 event;		/* to notice a lost connection */
	const struct target	*t;
	ssh_channel		 console;
	int			 chrooted;	/* the console's shell is */
	int			 item;
	int			 in_pane;	/* keys go to the screen */
	int			 lost;
	int			 recording;
	char			 host[256];	/* the agent's, from info */
	char			*note;		/* the bottom line */
	int			 note_bad;
	struct pane		 info;
	int			 info_loaded;
	struct tools_ui		 tools;
	struct roots_ui		 roots;
	struct browse_ui	 files;
};

static void
menu_note(struct menu *m, int bad, const char *fmt, ...)
	printflike(3, 4);

static void
menu_note(struct menu *m, int bad, const char *fmt, ...)
{
	va_list	 ap;

	free(m->note);
	va_start(ap, fmt);
	if (vasprintf(&m->note, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	m->note_bad = bad;
}

/* The agent's facts, also for the status bar's REC. */
static void
menu_load_info(struct menu *m)
{
	struct client_out	 o;
	yaml_document_t		 doc;
	char			*cause;
	const char		*rec;

	pane_free(&m->info);
	m->info_loaded = 1;
	if (client_run(m->c, "info", &o, &cause) != 0) {
		pane_addstr(&m->info, cause);
		pane_flush(&m->info);
		free(cause);
		m->lost = !ssh_is_connected(m->c->session);
		return;
	}
	pane_add(&m->info, o.out, o.outlen);
	pane_add(&m->info, o.err, o.errlen);
	pane_flush(&m->info);
	m->info.follow = 0;
	m->info.top = 0;
	if (yr_load(o.out, o.outlen, &doc, &cause) == 0) {
		rec = yr_scalar(yr_path(&doc, "recording"));
		m->recording = rec != NULL && strcmp(rec, "true") == 0;
		if ((rec = yr_scalar(yr_path(&doc, "host"))) != NULL)
			snprintf(m->host, sizeof m->host, "%s", rec);
		yaml_document_delete(&doc);
	} else
		free(cause);
	client_out_free(&o);
}

static void
menu_draw_bar(struct menu *m)
{
	int	 x;

	attron(A_REVERSE);
	move(0, 0);
	clrtoeol();
	mvprintw(0, 0, " tether  %s  %s:%d  key %s ticket  %d ms%s",
	    m->host[0] != '\0' ? m->host : "?", m->t->ip, m->t->port,
	    MB_CUR_MAX > 1 ? "\u2714" : "ok", m->c->ms, m->recording ?
	    "  REC" : "");
	for (x = getcurx(stdscr); x < COLS; x++)
		addch(' ');
	attroff(A_REVERSE);
}

static const char *
menu_help(struct menu *m)
{
	if (m->lost)
		return ("r connects again, q goes back to the form");
	if (!m->in_pane)
		return ("Up/Down choose, Enter opens, q disconnects");
	switch (m->item) {
	case ITEM_TOOLS:
		if (m->tools.running || m->tools.shown)
			return ("arrows/PgUp/PgDn scroll, / searches, n next, "
			    "Esc back");
		return ("Up/Down choose, Enter runs, r reloads, Esc back");
	case ITEM_ROOTS:
		return ("Enter selects, w selects read-write, u releases, "
		    "r reloads, Esc back");
	case ITEM_FILES:
		/* Enter and Backspace, as everywhere: the rest fits 80. */
		return ("Tab side, g copy, m mkdir, d delete, / find, c path, "
		    "r reload, Esc back");
	case ITEM_INFO:
		return ("arrows scroll, r reloads, Esc back");
	}
	return ("Esc back");
}

static void
menu_draw(struct menu *m)
{
	int	 i, h = LINES - 3, w = COLS - MENU_WIDTH - 2;

	erase();
	curs_set(0);
	menu_draw_bar(m);
	for (i = 0; i < ITEM_COUNT; i++) {
		if (i == m->item)
			attron(m->in_pane ? A_BOLD : A_REVERSE);
		mvprintw(2 + i, 1, " %-*s", MENU_WIDTH - 3, menu_names[i]);
		attroff(A_BOLD | A_REVERSE);
	}
	for (i = 1; i <= h; i++)
		mvaddstr(i, MENU_WIDTH - 1, MB_CUR_MAX > 1 ? "\u2502" : "|");
	if (m->lost) {
		attron(A_BOLD | COLOR_PAIR(1));
		mvprintw(2, MENU_WIDTH + 1, "Connection to %s lost.",
		    m->t->ip);
		attroff(A_BOLD | COLOR_PAIR(1));
		mvprintw(4, MENU_WIDTH + 1, "r connects again with the same "
		    "ticket; q goes back to the form.");
	} else if (w > 0 && h > 1) {
		switch (m->item) {
		case ITEM_CONSOLE:
			if (m->console != NULL)
				mvaddnstr(2, MENU_WIDTH + 1, m->chrooted ?
				    "The shell in the offline system is "
				    "running. Enter goes back to it." :
				    "The shell is running. Enter goes back "
				    "to it; Ctrl-] leaves it again.", w);
			else {
				mvaddnstr(2, MENU_WIDTH + 1, "Enter opens a "
				    "shell on the agent. Ctrl-] comes back "
				    "here.", w);
				mvaddnstr(3, MENU_WIDTH + 1, "c opens it "
				    "chrooted into the selected offline "
				    "system (Roots).", w);
			}
			break;
		case ITEM_ROOTS:
			m->roots.focus = m->in_pane;
			roots_draw(&m->roots, 2, MENU_WIDTH + 1, h - 1, w);
			break;
		case ITEM_SNAPSHOT:
			mvaddnstr(2, MENU_WIDTH + 1, "Enter shows the agent's "
			    "screen (its framebuffer, or its text console).",
			    w);
			mvaddnstr(3, MENU_WIDTH + 1, "There: s saves, r "
			    "refreshes, l live view, +/- zoom, q comes back.",
			    w);
			break;
		case ITEM_FILES:
			m->files.focus = m->in_pane;
			browse_draw(&m->files, 2, MENU_WIDTH + 1, h - 1, w);
			break;
		case ITEM_TOOLS:
			m->tools.focus = m->in_pane;
			tools_draw(&m->tools, 2, MENU_WIDTH + 1, h - 1, w);
			break;
		case ITEM_INFO:
			pane_draw(&m->info, 2, MENU_WIDTH + 1, h - 1, w);
			break;
		case ITEM_END:
			mvaddnstr(2, MENU_WIDTH + 1, "Enter ends the remote "
			    "session: every connection closes and the agent "
			    "stops.", w);
			break;
		}
	}
	if (m->note != NULL) {
		attron(COLOR_PAIR(m->note_bad ? 1 : 2));
		mvaddnstr(LINES - 2, 1, m->note, COLS - 2);
		attroff(COLOR_PAIR(m->note_bad ? 1 : 2));
	}
	mvaddnstr(LINES - 1, 1, menu_help(m), COLS - 2);
	refresh();
}

/*
 * Between keys nothing reads the connection, so a dead agent would go
 * unnoticed: an event on the session lets libssh see the close.
 */
static void
menu_watch(struct menu *m, int on)
{
	if (m->event != NULL) {
		ssh_event_remove_session(m->event, m->c->session);
		ssh_event_free(m->event);
		m->event = NULL;
	}
	if (!on)
		return;
	if ((m->event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(m->event, m->c->session) != SSH_OK)
		fatalx("ssh_event_new failed");
}

static void
menu_note_screen(const char *msg)
{
	move(LINES - 2, 0);
	clrtoeol();
	mvprintw(LINES - 2, 1, "%s...", msg);
	refresh();
}

/* Drop what lives on the old connection, then connect again. */
static void
menu_reconnect(struct menu *m)
{
	char	*cause;

	tools_stop(&m->tools);
	m->tools.shown = 0;
	if (m->console != NULL) {
		ssh_channel_free(m->console);
		m->console = NULL;
	}
	browse_close(&m->files);
	menu_watch(m, 0);
	client_close(m->c);
	menu_note(m, 0, "connecting to %s port %d...", m->t->ip, m->t->port);
	menu_draw(m);
	if (client_connect(m->c, m->t, menu_note_screen, &cause) != CLIENT_OK) {
		menu_note(m, 1, "%s", cause);
		free(cause);
		return;
	}
	m->lost = 0;
	m->tools.lost = 0;
	m->roots.lost = 0;
	m->roots.loaded = 0;
	menu_watch(m, 1);
	menu_note(m, 0, "connected again (%d ms)", m->c->ms);
	menu_load_info(m);
	m->tools.loaded = 0;
}

static void
menu_console(struct menu *m, int flags)
{
	char	*cause = NULL;
	int	 rc, status;

	if (m->console == NULL)
		m->chrooted = (flags & CONSOLE_CHROOT) != 0;

	ui_suspend();
	if (m->console == NULL)
		printf("tether: connected to %s port %d, key matches ticket "
		    "(%d ms). Ctrl-] goes back to the menu.\r\n", m->t->ip,
		    m->t->port, m->c->ms);
	fflush(stdout);
	rc = console_attach(m->c, &m->console, NULL, flags, &status, &cause);
	ui_resume();
	if (rc == CONSOLE_LOST) {
		menu_note(m, 1, "%s", cause);
		free(cause);
		m->lost = 1;
	} else if (rc == CONSOLE_EXITED)
		menu_note(m, 0, "the shell ended (exit status %d)", status);
	else
		menu_note(m, 0, "the shell is still running: Console goes "
		    "back to it");
}

/* y ends the agent's whole session; anything else does not. */
static int
menu_end(struct menu *m)
{
	struct client_out	 o;
	char			 answer[8] = "", *cause;

	if (tools_prompt("End the remote session for everyone? (y/N)",
	    answer, sizeof answer, NULL) != 0 || (answer[0] != 'y' &&
	    answer[0] != 'Y')) {
		menu_note(m, 0, "the session goes on");
		return (0);
	}
	if (client_run(m->c, "end", &o, &cause) != 0) {
		menu_note(m, 1, "%s", cause);
		free(cause);
		m->lost = !ssh_is_connected(m->c->session);
		return (0);
	}
	client_out_free(&o);
	return (1);
}

static void
menu_open(struct menu *m)
{
	char	*cause;

	switch (m->item) {
	case ITEM_CONSOLE:
		menu_console(m, 0);
		return;
	case ITEM_SNAPSHOT:
		snapview_session(m->c);
		timeout(100);
		return;
	case ITEM_TOOLS:
		if (!m->tools.loaded)
			tools_load(&m->tools, m->c);
		break;
	case ITEM_ROOTS:
		if (!m->roots.loaded)
			roots_load(&m->roots, m->c);
		break;
	case ITEM_FILES:
		if (!m->files.loaded && browse_open(&m->files, m->c,
		    &cause) != 0) {
			menu_note(m, 1, "%s", cause);
			free(cause);
			m->lost = !ssh_is_connected(m->c->session);
			return;
		}
		break;
	case ITEM_INFO:
		if (!m->info_loaded)
			menu_load_info(m);
		break;
	}
	m->in_pane = 1;
}

/* Enter on a diagnosis's fix: the Tools screen, that tool's form. */
static void
menu_open_fix(struct menu *m)
{
	char	*tool = m->roots.open_tool, *arg = m->roots.open_arg;

	m->roots.open_tool = m->roots.open_arg = NULL;
	m->item = ITEM_TOOLS;
	if (tools_open(&m->tools, m->c, tool, arg) != 0)
		menu_note(m, 1, "%s cannot run now", tool);
	free(tool);
	free(arg);
}

/* A key while a screen has the keys; 0 gives them back to the menu. */
static int
menu_pane_key(struct menu *m, int key)
{
	int	 rc;

	switch (m->item) {
	case ITEM_TOOLS:
		/* A tool may add roots (drivers-load): scan again. */
		m->roots.loaded = 0;
		return (tools_key(&m->tools, m->c, key));
	case ITEM_FILES:
		return (browse_key(&m->files, key, &m->note, &m->note_bad));
	case ITEM_ROOTS:
		rc = roots_key(&m->roots, m->c, key, &m->note, &m->note_bad);
		/* What can run, and where, may have changed. */
		m->tools.loaded = 0;
		if (m->roots.open_tool != NULL)
			menu_open_fix(m);
		return (rc);
	case ITEM_INFO:
		if (key == 'r') {
			menu_load_info(m);
			return (1);
		}
		if (key == 27 || key == KEY_LEFT || key == 'q')
			return (0);
		pane_key(&m->info, key);
		return (1);
	}
	return (0);
}

/*
 * Run the session screen on a connected client until the technician
 * leaves (MENU_LEFT) or ends the session (MENU_ENDED). *status says what
 * happened, for the form.
 */
int
menu_run(struct client *c, const struct target *t, char **status)
{
	struct menu	 m;
	int		 key, rc = MENU_LEFT;

	memset(&m, 0, sizeof m);
	m.c = c;
	m.t = t;
	pane_init(&m.info);
	pane_init(&m.tools.out);
	menu_load_info(&m);
	menu_watch(&m, 1);
	timeout(100);
	for (;;) {
		if (m.event != NULL && !m.lost)
			ssh_event_dopoll(m.event, 0);
		tools_poll(&m.tools, c);
		if (m.tools.lost || m.roots.lost || (c->session != NULL &&
		    !ssh_is_connected(c->session)))
			m.lost = 1;
		menu_draw(&m);
		if ((key = getch()) == ERR)
			continue;
		if (key == KEY_RESIZE)
			continue;
		free(m.note);
		m.note = NULL;
		if (m.lost) {
			if (key == 'r')
				menu_reconnect(&m);
			else if (key == 'q' || key == 27 || key == KEY_F(10))
				break;
			continue;
		}
		if (m.in_pane) {
			m.in_pane = menu_pane_key(&m, key);
			continue;
		}
		if (key == 'q' || key == KEY_F(10))
			break;
		if ((key == KEY_UP || key == 'k') && m.item > 0)
			m.item--;
		else if ((key == KEY_DOWN || key == 'j') &&
		    m.item + 1 < ITEM_COUNT)
			m.item++;
		else if (key == 'c' && m.item == ITEM_CONSOLE)
			menu_console(&m, CONSOLE_CHROOT);
		else if (key == '\r' || key == '\n' || key == KEY_ENTER ||
		    key == KEY_RIGHT) {
			if (m.item == ITEM_END) {
				if (menu_end(&m)) {
					rc = MENU_ENDED;
					break;
				}
			} else
				menu_open(&m);
		}
	}
	timeout(-1);
	menu_watch(&m, 0);
	tools_stop(&m.tools);
	if (m.console != NULL) {
		ssh_channel_close(m.console);
		ssh_channel_free(m.console);
	}
	tools_free(&m.tools);
	roots_free(&m.roots);
	browse_close(&m.files);
	pane_free(&m.info);
	free(m.note);
	if (rc == MENU_ENDED)
		*status = xstrdup("session ended: the agent has stopped");
	else if (m.lost)
		xasprintf(status, "connection to %s lost", t->ip);
	else
		*status = xstrdup("disconnected; Enter connects again");
	return (rc);
}
