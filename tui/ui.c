/* SPDX-License-Identifier: ISC */

/*
 * Curses set-up and the hand-over to the raw console and back (a fatal
 * error gives the terminal back first, as htop does); the list helpers
 * and the bottom-line prompts every screen uses.
 */

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

static int	ui_on;

static void
ui_fatal_hook(void)
{
	ui_end();
}

void
ui_start(void)
{
	setlocale(LC_ALL, "");
	if (initscr() == NULL)
		fatalx("cannot start curses (is TERM set?)");
	ui_on = 1;
	log_set_fatal_hook(ui_fatal_hook);
	client_set_cancel(ui_cancelled);
	raw();		/* Ctrl-C is a key here: the form wipes the ticket */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	if (has_colors() && getenv("NO_COLOR") == NULL) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_RED, -1);	/* errors */
		init_pair(2, COLOR_GREEN, -1);	/* good news */
		init_pair(3, COLOR_CYAN, -1);	/* titles */
	}
}

/* Leave curses for the raw console, remembering the screen mode. */
void
ui_suspend(void)
{
	def_prog_mode();
	endwin();
}

void
ui_resume(void)
{
	reset_prog_mode();
	clear();
	refresh();
}

void
ui_end(void)
{
	if (!ui_on)
		return;
	ui_on = 0;
	endwin();
}

int
ui_active(void)
{
	return (ui_on);
}

/*
 * While the network is waited on: 1 when Esc or Ctrl-C was typed. Other
 * keys are dropped, so that none acts on the screen that comes next.
 */
int
ui_cancelled(void)
{
	int	 key, stop = 0, delay;

	if (!ui_on)
		return (0);
	delay = wgetdelay(stdscr);
	timeout(0);
	while ((key = getch()) != ERR)
		stop |= key == 27 || key == 3;
	timeout(delay);
	return (stop);
}

/*
 * Below 80x24 the screens do not fit: say so instead of drawing them cut
 * (the status bar wrapping, columns gone). 1 if the terminal is too small.
 */
int
ui_too_small(void)
{
	if (COLS >= UI_MIN_COLS && LINES >= UI_MIN_LINES)
		return (0);
	erase();
	mvprintw(0, 0, "tether needs at least %dx%d", UI_MIN_COLS,
	    UI_MIN_LINES);
	mvprintw(1, 0, "(this terminal is %dx%d)", COLS, LINES);
	refresh();
	return (1);
}

/* Up/k and Down/j in a list of n; 1 if the key was one of them. */
int
ui_list_key(int key, int *sel, int n)
{
	switch (key) {
	case KEY_UP:
	case 'k':
		if (*sel > 0)
			(*sel)--;
		return (1);
	case KEY_DOWN:
	case 'j':
		if (*sel + 1 < n)
			(*sel)++;
		return (1);
	}
	return (0);
}

/* A list read again may be shorter: keep sel on an entry. */
void
ui_list_clamp(int *sel, int n)
{
	if (*sel >= n)
		*sel = n > 0 ? n - 1 : 0;
}

/* The first entry to draw, so that sel is within the rows shown. */
int
ui_list_top(int sel, int rows)
{
	return (sel >= rows ? sel - (rows - 1) : 0);
}

/*
 * In place of a list: why it could not be read, in the error colour, or
 * what an empty one means. 1 if either was drawn and the list is not.
 */
int
ui_list_blank(int y, int x, int w, const char *error, int n,
    const char *empty)
{
	if (error != NULL) {
		attron(COLOR_PAIR(1));
		mvaddnstr(y, x, error, w);
		attroff(COLOR_PAIR(1));
		return (1);
	}
	if (n == 0) {
		mvaddnstr(y, x, empty, w);
		return (1);
	}
	return (0);
}

/* A size for a listing: 512, 2.9M, 252.0G. */
void
ui_size(uint64_t n, char *buf, size_t len)
{
	const char	*unit = "KMGTP";
	double		 v = n;

	if (n < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)n);
		return;
	}
	for (v /= 1024; v >= 1024 && unit[1] != '\0'; unit++)
		v /= 1024;
	snprintf(buf, len, "%.1f%c", v, *unit);
}

/* The bottom two rows of a prompt: its note, if any, and a clear line. */
static void
ui_prompt_rows(const char *note)
{
	move(LINES - 2, 0);
	clrtoeol();
	if (note != NULL) {
		attron(COLOR_PAIR(1));
		mvaddnstr(LINES - 2, 1, note, COLS - 2);
		attroff(COLOR_PAIR(1));
	}
	move(LINES - 1, 0);
	clrtoeol();
}

/*
 * A line edit on the bottom rows: prompt, text, Enter or Esc. Returns 0
 * with buf filled, or -1 for Esc.
 */
int
ui_prompt(const char *prompt, char *buf, size_t len, const char *note)
{
	size_t	 n = strlen(buf);
	int	 key;

	curs_set(1);
	for (;;) {
		ui_prompt_rows(note);
		mvprintw(LINES - 1, 1, "%s: %s", prompt, buf);
		refresh();
		key = getch();
		if (key == 27 || key == 3) {
			curs_set(0);
			return (-1);
		}
		if (key == '\r' || key == '\n' || key == KEY_ENTER)
			break;
		if ((key == KEY_BACKSPACE || key == 127 || key == 8) && n > 0)
			buf[--n] = '\0';
		else if (key == 21) {
			n = 0;
			buf[0] = '\0';
		} else if (key >= 32 && key < 256 && key != 127 &&
		    n + 1 < len) {
			buf[n++] = (char)key;
			buf[n] = '\0';
		}
	}
	curs_set(0);
	return (0);
}

/*
 * ui_prompt with nothing shown, for a password: the same keys, the text
 * kept only in buf, which the caller wipes.
 */
int
ui_secret(const char *prompt, char *buf, size_t len, const char *note)
{
	size_t	 n = 0;
	int	 key;

	curs_set(1);
	for (;;) {
		ui_prompt_rows(note);
		mvprintw(LINES - 1, 1, "%s (not shown, Esc cancels): ", prompt);
		refresh();
		key = getch();
		if (key == 27 || key == 3) {
			explicit_bzero(buf, len);
			curs_set(0);
			return (-1);
		}
		if (key == '\r' || key == '\n' || key == KEY_ENTER)
			break;
		if ((key == KEY_BACKSPACE || key == 127 || key == 8) && n > 0)
			n--;
		else if (key == 21)
			n = 0;
		else if (key >= 32 && key < 256 && key != 127 && n + 1 < len)
			buf[n++] = (char)key;
	}
	buf[n] = '\0';
	curs_set(0);
	return (0);
}

/*
 * A question answered with one key, such as "y deletes, Esc keeps it":
 * the key, lower-cased, or -1 for Esc or Ctrl-C.
 */
int
ui_choose(const char *question)
{
	int	 key;

	move(LINES - 1, 0);
	clrtoeol();
	mvaddnstr(LINES - 1, 1, question, COLS - 2);
	refresh();
	while ((key = getch()) == ERR || key == KEY_RESIZE)
		;
	if (key == 27 || key == 3)
		return (-1);
	return (key >= 'A' && key <= 'Z' ? key - 'A' + 'a' : key);
}
