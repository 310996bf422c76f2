/* SPDX-License-Identifier: ISC */

/*
 * Curses set-up and the hand-over to the raw console and back. A fatal
 * error gives the terminal back first, as htop does.
 */

#include <curses.h>
#include <locale.h>
#include <stdlib.h>

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
