/* SPDX-License-Identifier: ISC */

/*
 * tether's entry point. With a command it runs that command and exits (for
 * scripts); without one it opens the form, or connects at once when the
 * DaRT rule says so.
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tether.h"

static dead void
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: tether [-ticket=T -ipaddress=IP -port=P] [command]\n"
	    "       tether [--ticket T --ip IP --port P] [command]\n"
	    "\n"
	    "With all three values valid, tether connects at once; with any\n"
	    "invalid, it starts with a blank form. Commands, for scripts:\n"
	    "  shell    the recovery console; exits with the shell's status\n"
	    "  info     print the agent's facts (YAML)\n"
	    "  snapshot [-o file] [fbN|vcN] [--format png|ppm|txt|ansi]\n"
	    "           save the screen, or show it full screen\n"
	    "\n"
	    "  -h, --help       show this help\n"
	    "  -V, --version    show the version\n");
	exit(status);
}

static void
main_note_stderr(const char *msg)
{
	fprintf(stderr, "tether: %s\n", msg);
}

static void
main_note_screen(const char *msg)
{
	mvprintw(LINES - 2, 2, "%s...", msg);
	clrtoeol();
	refresh();
}

static int
main_connect(struct client *c, const struct target *t)
{
	char	*cause;

	if (client_connect(c, t, main_note_stderr, &cause) != CLIENT_OK) {
		fprintf(stderr, "tether: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static int
main_shell(const struct target *t)
{
	struct client	 c;
	char		*cause = NULL;
	int		 status, rc;

	if (main_connect(&c, t) != 0)
		return (TETHER_EXIT_CONNECT);
	rc = console_run(&c, NULL, &status, &cause);
	client_close(&c);
	if (rc == CONSOLE_LOST) {
		fprintf(stderr, "tether: %s\n", cause);
		free(cause);
		return (TETHER_EXIT_CONNECT);
	}
	/* As ssh's ~. does: the script did not see the shell finish. */
	if (rc == CONSOLE_DETACHED)
		return (TETHER_EXIT_CONNECT);
	return (status < 0 ? TETHER_EXIT_CONNECT : status);
}

static int
main_verb(const struct target *t, const char *verb)
{
	struct client	 c;
	char		*out, *cause;
	size_t		 len;
	int		 status;

	if (main_connect(&c, t) != 0)
		return (TETHER_EXIT_CONNECT);
	if (client_exec(&c, verb, &out, &len, &status, &cause) != 0) {
		fprintf(stderr, "tether: %s\n", cause);
		free(cause);
		client_close(&c);
		return (TETHER_EXIT_CONNECT);
	}
	fwrite(out, 1, len, stdout);
	free(out);
	client_close(&c);
	return (status < 0 ? TETHER_EXIT_CONNECT : status);
}

static int
main_command(enum dart verdict, const struct target *t, const char *ignored,
    int cmdc, char **cmdv)
{
	int	 snap = strcmp(cmdv[0], "snapshot") == 0;

	if (strcmp(cmdv[0], "shell") != 0 && strcmp(cmdv[0], "info") != 0 &&
	    !snap) {
		fprintf(stderr, "tether: unknown command \"%s\"\n", cmdv[0]);
		usage(TETHER_EXIT_USAGE);
	}
	if (cmdc != 1 && !snap) {
		fprintf(stderr, "tether: %s takes no arguments\n", cmdv[0]);
		usage(TETHER_EXIT_USAGE);
	}
	if (verdict != DART_CONNECT) {
		fprintf(stderr, "tether: %s needs a valid ticket, address and "
		    "port%s%s\n", cmdv[0], ignored != NULL ? "; " : "",
		    ignored != NULL ? ignored : "");
		return (TETHER_EXIT_USAGE);
	}
	if (strcmp(cmdv[0], "shell") == 0)
		return (main_shell(t));
	if (snap)
		return (snapview_main(t, cmdc, cmdv));
	return (main_verb(t, cmdv[0]));
}

/* One round: connect, console, back to the form with what happened. */
static void
main_session(const struct target *t, char **status, int *bad)
{
	struct client	 c;
	char		*cause = NULL;
	int		 rc, exit_status;

	mvprintw(LINES - 2, 2, "connecting to %s port %d...", t->ip, t->port);
	clrtoeol();
	refresh();
	*bad = 1;
	if (client_connect(&c, t, main_note_screen, &cause) != CLIENT_OK) {
		*status = cause;
		return;
	}
	ui_suspend();
	printf("tether: connected to %s port %d, key matches ticket "
	    "(%d ms). Ctrl-] leaves the console.\r\n", t->ip, t->port, c.ms);
	fflush(stdout);
	rc = console_run(&c, NULL, &exit_status, &cause);
	client_close(&c);
	ui_resume();
	*bad = rc == CONSOLE_LOST;
	if (rc == CONSOLE_LOST)
		*status = cause;
	else if (rc == CONSOLE_DETACHED)
		*status = xstrdup("console left (its shell was ended); Enter "
		    "connects again");
	else if (exit_status < 0)
		*status = xstrdup("session ended (no exit status: killed by a "
		    "signal?)");
	else
		xasprintf(status, "session ended (exit status %d)",
		    exit_status);
}

static int
main_interactive(enum dart verdict, struct target *t, struct prefill *pf,
    char *ignored)
{
	char	*status = ignored;
	int	 bad = 1;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "tether: the form needs a terminal; give a "
		    "command (shell, info) to run without one\n");
		return (TETHER_EXIT_USAGE);
	}
	ui_start();
	if (verdict == DART_CONNECT) {
		snprintf(pf->ticket, sizeof pf->ticket, "%s",
		    t->ticket.digits);
		snprintf(pf->ip, sizeof pf->ip, "%s", t->ip);
		snprintf(pf->port, sizeof pf->port, "%d", t->port);
		main_session(t, &status, &bad);
	}
	while (form_run(pf, t, &status, bad) == FORM_CONNECT) {
		main_session(t, &status, &bad);
		ticket_clear(&t->ticket);
	}
	ui_end();
	free(status);
	return (0);
}

int
main(int argc, char **argv)
{
	struct args	 a;
	struct target	 t;
	struct prefill	 pf;
	enum dart	 verdict;
	char		*cause, *ignored;
	int		 rc;

	log_open("tether", 0, LOG_TO_STDERR);
	if (args_parse(argc, argv, &a, &cause) != 0) {
		fprintf(stderr, "tether: %s\n", cause);
		free(cause);
		usage(TETHER_EXIT_USAGE);
	}
	if (a.help)
		usage(0);
	if (a.version) {
		printf("tether %s\n", TETHER_VERSION);
		return (0);
	}
	ssh_init();
	verdict = args_dart(&a, &t, &pf, &ignored);
	if (a.cmdc > 0) {
		rc = main_command(verdict, &t, ignored, a.cmdc, a.cmdv);
		free(ignored);
	} else
		rc = main_interactive(verdict, &t, &pf, ignored);
	ticket_clear(&t.ticket);
	explicit_bzero(&pf, sizeof pf);
	args_free(&a);
	ssh_finalize();
	return (rc);
}
