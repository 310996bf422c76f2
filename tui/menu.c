/* SPDX-License-Identifier: ISC */

/*
 * The session screen: a status bar, a menu on the left and the chosen
 * screen on the right. Each screen is a struct screen in its own file; this
 * file walks the table, gives keys to the screen that has them, notices a
 * lost connection (a banner; r connects again with the same ticket) and
 * ends the agent's session when asked.
 */

#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

#define MENU_WIDTH	16

static const struct screen *menu_screens[] = {
	&screen_console,
	&screen_tools,
	&screen_roots,
	&screen_snapshot,
	&screen_files,
	&screen_info,
	&screen_end,
};
#define MENU_COUNT	((int)(sizeof menu_screens / sizeof menu_screens[0]))

struct menu {
	struct session		 s;
	ssh_event		 event;	/* to notice a lost connection */
	int			 item;
	void			*data[MENU_COUNT];
};

void
session_note(struct session *s, int bad, const char *fmt, ...)
{
	va_list	 ap;

	free(s->note);
	va_start(ap, fmt);
	if (vasprintf(&s->note, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	s->note_bad = bad;
}

/* What a screen shows depends on another's doing: load it again. */
void
session_stale(struct session *s, const struct screen *scr)
{
	int	 i;

	for (i = 0; i < MENU_COUNT; i++) {
		if (menu_screens[i] == scr)
			s->loaded[i] = 0;
	}
}

static int	menu_find(const struct screen *);

/*
 * Enter on a diagnosis's fix (Roots): the Tools screen, with the keys and
 * that tool's form. The session is the first member of struct menu.
 */
void
session_open_tool(struct session *s, const char *tool, const char *arg)
{
	struct menu	*m = (struct menu *)s;
	int		 i = menu_find(&screen_tools);

	m->item = i;
	m->s.loaded[i] = 1;
	if (tools_open(s, m->data[i], tool, arg) != 0)
		session_note(s, 1, "%s cannot run now", tool);
}

static void
menu_load(struct menu *m, int i)
{
	if (menu_screens[i]->load != NULL)
		menu_screens[i]->load(&m->s, m->data[i]);
	m->s.loaded[i] = 1;
}

static void
menu_draw_bar(struct menu *m)
{
	int	 x;

	attron(A_REVERSE);
	move(0, 0);
	clrtoeol();
	mvprintw(0, 0, " tether  %s  %s:%d  key %s ticket  %d ms%s",
	    m->s.host[0] != '\0' ? m->s.host : "?", m->s.t->ip, m->s.t->port,
	    MB_CUR_MAX > 1 ? "\u2714" : "ok", m->s.c->ms, m->s.recording ?
	    "  REC" : "");
	/* Someone else sees the console: say so where it is always seen. */
	if (m->s.c->watched[0] != '\0')
		printw("  WATCHED by %s", m->s.c->watched);
	for (x = getcurx(stdscr); x < COLS; x++)
		addch(' ');
	attroff(A_REVERSE);
}

static const char *
menu_help(struct menu *m)
{
	const struct screen	*scr = menu_screens[m->item];

	if (m->s.lost)
		return ("r connects again, q goes back to the form");
	if (!m->s.focus || scr->help == NULL)
		return ("Up/Down choose, Enter opens, q disconnects");
	return (scr->help(m->data[m->item]));
}

static void
menu_draw_lost(struct menu *m)
{
	attron(A_BOLD | COLOR_PAIR(1));
	mvprintw(2, MENU_WIDTH + 1, "Connection to %s lost.", m->s.t->ip);
	attroff(A_BOLD | COLOR_PAIR(1));
	mvprintw(4, MENU_WIDTH + 1, "r connects again with the same ticket; "
	    "q goes back to the form.");
}

static void
menu_draw(struct menu *m)
{
	int	 i, h = LINES - 3, w = COLS - MENU_WIDTH - 2;

	if (ui_too_small())
		return;
	erase();
	curs_set(0);
	menu_draw_bar(m);
	for (i = 0; i < MENU_COUNT; i++) {
		if (i == m->item)
			attron(m->s.focus ? A_BOLD : A_REVERSE);
		mvprintw(2 + i, 1, " %-*s", MENU_WIDTH - 3,
		    menu_screens[i]->name);
		attroff(A_BOLD | A_REVERSE);
	}
	for (i = 1; i <= h; i++)
		mvaddstr(i, MENU_WIDTH - 1, MB_CUR_MAX > 1 ? "\u2502" : "|");
	if (m->s.lost)
		menu_draw_lost(m);
	else if (w > 0 && h > 1 && !m->s.loaded[m->item])
		mvaddnstr(2, MENU_WIDTH + 1, "loading...", w);
	else if (w > 0 && h > 1)
		menu_screens[m->item]->draw(&m->s, m->data[m->item], 2,
		    MENU_WIDTH + 1, h - 1, w);
	if (m->s.note != NULL) {
		attron(COLOR_PAIR(m->s.note_bad ? 1 : 2));
		mvaddnstr(LINES - 2, 1, m->s.note, COLS - 2);
		attroff(COLOR_PAIR(m->s.note_bad ? 1 : 2));
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
		ssh_event_remove_session(m->event, m->s.c->session);
		ssh_event_free(m->event);
		m->event = NULL;
	}
	if (!on)
		return;
	if ((m->event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(m->event, m->s.c->session) != SSH_OK)
		fatalx("ssh_event_new failed");
}

/* Every screen's state, fresh; nothing loaded yet. */
static void
menu_screens_init(struct menu *m)
{
	int	 i;

	for (i = 0; i < MENU_COUNT; i++) {
		m->data[i] = menu_screens[i]->init != NULL ?
		    menu_screens[i]->init() : NULL;
		m->s.loaded[i] = 0;
	}
}

static void
menu_screens_free(struct menu *m)
{
	int	 i;

	for (i = 0; i < MENU_COUNT; i++) {
		if (menu_screens[i]->free != NULL)
			menu_screens[i]->free(m->data[i]);
		m->data[i] = NULL;
	}
}

static int
menu_find(const struct screen *scr)
{
	int	 i;

	for (i = 0; i < MENU_COUNT; i++) {
		if (menu_screens[i] == scr)
			return (i);
	}
	fatalx("screen %s not in the menu", scr->name);
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
	int	 i = menu_find(&screen_console);

	if (console_running(m->data[i]))
		m->s.reattach = 1;
	menu_screens_free(m);
	menu_screens_init(m);
	menu_watch(m, 0);
	client_close(m->s.c);
	session_note(&m->s, 0, "connecting to %s port %d...", m->s.t->ip,
	    m->s.t->port);
	menu_draw(m);
	if (client_connect(m->s.c, m->s.t, menu_note_screen, &cause) !=
	    CLIENT_OK) {
		session_note(&m->s, 1, "%s", cause);
		free(cause);
		return;
	}
	m->s.lost = 0;
	menu_watch(m, 1);
	session_note(&m->s, 0, "connected again (%d ms)", m->s.c->ms);
	menu_load(m, menu_find(&screen_info));
	if (m->s.reattach) {
		m->item = i;
		console_reattach(&m->s, m->data[i]);
	}
}

/* Enter on a menu line. */
static int
menu_open(struct menu *m)
{
	const struct screen	*scr = menu_screens[m->item];

	if (!m->s.loaded[m->item])
		menu_load(m, m->item);
	if (scr->open == NULL)
		return (SCREEN_KEYS);
	return (scr->open(&m->s, m->data[m->item]));
}

/*
 * Leaving ends what runs on the connection: ask first when a screen says
 * something runs (a shell kept for the next visit).
 */
static int
menu_leave(struct menu *m)
{
	const char	*what = NULL;
	char		 q[256];
	int		 i;

	for (i = 0; i < MENU_COUNT && what == NULL; i++) {
		if (menu_screens[i]->busy != NULL)
			what = menu_screens[i]->busy(m->data[i]);
	}
	if (what == NULL)
		return (1);
	snprintf(q, sizeof q, "%s: y disconnects and ends it, any other key "
	    "stays", what);
	if (ui_choose(q) == 'y')
		return (1);
	session_note(&m->s, 0, "still connected");
	return (0);
}

/* A key while the menu has the keys; 1 when the menu is left. */
static int
menu_key(struct menu *m, int key, int *rc)
{
	switch (key) {
	case 'q':
	case 27:
	case KEY_F(10):
		return (menu_leave(m));
	case KEY_UP:
	case 'k':
		if (m->item > 0)
			m->item--;
		return (0);
	case KEY_DOWN:
	case 'j':
		if (m->item + 1 < MENU_COUNT)
			m->item++;
		return (0);
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT:
		break;
	default:
		/* A screen's own key in the menu, such as the console's c. */
		if (menu_screens[m->item]->open == NULL)
			return (0);
		if (menu_screens[m->item]->key(&m->s, m->data[m->item],
		    key) == SCREEN_ENDED) {
			*rc = MENU_ENDED;
			return (1);
		}
		return (0);
	}
	switch (menu_open(m)) {
	case SCREEN_KEYS:
		m->s.focus = 1;
		break;
	case SCREEN_ENDED:
		*rc = MENU_ENDED;
		return (1);
	}
	return (0);
}

/* One turn of the loop: poll, draw, load a preview, read a key. */
static int
menu_turn(struct menu *m)
{
	const struct screen	*scr = menu_screens[m->item];
	int			 i;

	if (m->event != NULL && !m->s.lost)
		ssh_event_dopoll(m->event, 0);
	for (i = 0; i < MENU_COUNT && !m->s.lost; i++) {
		if (menu_screens[i]->poll != NULL)
			menu_screens[i]->poll(&m->s, m->data[i]);
	}
	if (m->s.c->session != NULL && !ssh_is_connected(m->s.c->session))
		m->s.lost = 1;
	menu_draw(m);
	/* "loading..." is on the screen: now ask the agent. */
	if (!m->s.lost && !m->s.loaded[m->item] && scr->load != NULL) {
		menu_load(m, m->item);
		return (ERR);
	}
	m->s.loaded[m->item] |= scr->load == NULL;
	return (getch());
}

/*
 * The agent requires a reason and none was given (--reason, the form):
 * ask once, on the bottom rows; without one only Info works.
 */
static void
menu_reason(struct menu *m)
{
	char	 buf[TETHER_REASON_MAX + 1] = "", *cause = NULL;

	for (;;) {
		if (ui_prompt("Reason for this connection", buf, sizeof buf,
		    cause != NULL ? cause : "this agent requires a reason "
		    "(a ticket number, a few words); Esc goes on without") != 0) {
			free(cause);
			m->s.note = xstrdup("no reason given: this agent runs "
			    "nothing without one");
			m->s.note_bad = 1;
			return;
		}
		free(cause);
		cause = NULL;
		if (*buf == '\0' || args_reason_check(buf, &cause) != 0) {
			if (cause == NULL)
				cause = xstrdup("the reason may not be empty");
			continue;
		}
		if (client_reason(m->s.c, buf, &cause) != 0)
			continue;
		menu_load(m, menu_find(&screen_info));
		return;
	}
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
	m.s.c = c;
	m.s.t = t;
	menu_screens_init(&m);
	menu_load(&m, menu_find(&screen_info));
	if (m.s.need_reason)
		menu_reason(&m);
	menu_watch(&m, 1);
	timeout(100);
	for (;;) {
		if ((key = menu_turn(&m)) == ERR || key == KEY_RESIZE)
			continue;
		free(m.s.note);
		m.s.note = NULL;
		if (m.s.lost) {
			if (key == 'r')
				menu_reconnect(&m);
			else if (key == 'q' || key == 27 || key == KEY_F(10))
				break;
			continue;
		}
		if (m.s.focus) {
			rc = menu_screens[m.item]->key(&m.s, m.data[m.item],
			    key);
			m.s.focus = rc == SCREEN_KEYS;
			if (rc != SCREEN_ENDED) {
				rc = MENU_LEFT;
				continue;
			}
			rc = MENU_ENDED;
			break;
		}
		if (menu_key(&m, key, &rc))
			break;
	}
	timeout(-1);
	/* Channels close while the session is still polled, or their close
	   is never sent and the agent keeps a shell for a reconnect. */
	menu_screens_free(&m);
	menu_watch(&m, 0);
	free(m.s.note);
	if (rc == MENU_ENDED)
		*status = xstrdup("session ended: the agent has stopped");
	else if (m.s.lost)
		xasprintf(status, "connection to %s lost", t->ip);
	else
		*status = xstrdup("disconnected; Enter connects again");
	return (rc);
}

/* End session: y ends the agent's whole session; anything else does not. */
static void
end_draw(struct session *s, void *data, int y, int x, int h, int w)
{
	(void)s;
	(void)data;
	(void)h;
	mvaddnstr(y, x, "Enter ends the remote session: every connection "
	    "closes and the agent stops.", w);
}

static int
end_open(struct session *s, void *data)
{
	struct client_out	 o;
	char			*cause;

	(void)data;
	if (ui_choose("End the remote session for everyone? y ends it, any "
	    "other key keeps it") != 'y') {
		session_note(s, 0, "the session goes on");
		return (SCREEN_MENU);
	}
	if (client_run(s->c, "end", &o, &cause) != 0) {
		session_note(s, 1, "%s", cause);
		free(cause);
		s->lost = !ssh_is_connected(s->c->session);
		return (SCREEN_MENU);
	}
	client_out_free(&o);
	return (SCREEN_ENDED);
}

static int
end_key(struct session *s, void *data, int key)
{
	(void)s;
	(void)data;
	(void)key;
	return (SCREEN_MENU);
}

const struct screen screen_end = {
	.name = "End session",
	.draw = end_draw,
	.key = end_key,
	.open = end_open,
};
