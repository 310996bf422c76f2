/* SPDX-License-Identifier: ISC */

/*
 * tether's entry point. With a command it runs that command and exits (for
 * scripts); without one it opens the form, or connects at once when the
 * DaRT rule says so.
 */

#include <curses.h>
#include <errno.h>
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
	    "       tether [--discover-on IFACE[,IFACE...]]...\n"
	    "       tether --relay [USER@]HOST[:PORT] --ip localhost --port N "
	    "...\n"
	    "\n"
	    "With all three values valid, tether connects at once; with any\n"
	    "invalid, it starts with a blank form. Commands, for scripts:\n"
	    "  shell [--attach [ID] | --watch [ID]]\n"
	    "                    the recovery console (or a detached one, or\n"
	    "                    another's to watch, the last without ID);\n"
	    "                    exits with its status\n"
	    "  consoles          list the consoles to attach or watch (YAML)\n"
	    "  info              print the agent's facts (YAML)\n"
	    "  tools             print the tool catalog (YAML)\n"
	    "  run TOOL [ARG...] run a catalog tool; exits with its status\n"
	    "  get [-f|-c] REMOTE LOCAL   copy a file from the agent\n"
	    "  put [-f] LOCAL REMOTE      copy a file to the agent\n"
	    "  known-hosts       print a known_hosts line for the agent\n"
	    "  roots [scan | select ID [--rw] | release]\n"
	    "                    list, select or release offline systems\n"
	    "  snapshot [-o file] [fbN|vcN] [--format png|ppm|txt|ansi]\n"
	    "                    save the screen, or show it full screen\n"
	    "  end               end the session: the agent closes and stops\n"
	    "\n"
	    "TETHER_TICKET, TETHER_RELAY and TETHER_REASON in the environment\n"
	    "stand for --ticket, --relay and --reason.\n"
	    "\n"
	    "      --relay [USER@]HOST[:PORT]\n"
	    "                   reach the agent through this ssh server, with\n"
	    "                   the address and port as the server sees them\n"
	    "      --reason TEXT\n"
	    "                   why you connect (a ticket number), for the\n"
	    "                   agent's audit and its screen\n"
	    "      --discover-on IFACE[,IFACE...]\n"
	    "                   look for agents on these interfaces\n"
	    "  -h, --help       show this help\n"
	    "  -V, --version    show the version\n");
	exit(status);
}

static void
main_note_stderr(const char *msg)
{
	error("%s", msg);
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
		error("%s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* The console, or a command streamed both ways (on a pty if a terminal). */
static int
main_stream(const struct target *t, const char *command)
{
	struct client	 c;
	char		*cause = NULL;
	int		 status, rc;

	if (main_connect(&c, t) != 0)
		return (TETHER_EXIT_CONNECT);
	rc = console_run(&c, command, &status, &cause);
	client_close(&c);
	if (rc == CONSOLE_LOST) {
		error("%s", cause);
		free(cause);
		return (TETHER_EXIT_CONNECT);
	}
	/* As ssh's ~. does: the script did not see the command finish. */
	if (rc == CONSOLE_DETACHED)
		return (TETHER_EXIT_CONNECT);
	return (status < 0 ? TETHER_EXIT_CONNECT : status);
}

/*
 * shell, or shell --attach [ID] or --watch [ID]: the agent's attach or
 * watch verb on a pty.
 */
static int
main_shell(const struct target *t, int argc, char **argv)
{
	char	*line;
	int	 rc;

	if (argc == 1)
		return (main_stream(t, NULL));
	if ((strcmp(argv[1], "--attach") != 0 &&
	    strcmp(argv[1], "--watch") != 0) ||
	    (argc == 3 && argv[2][0] == '-')) {
		error("usage: shell [--attach [ID] | --watch [ID]]");
		return (TETHER_EXIT_USAGE);
	}
	argv[1] = strcmp(argv[1], "--watch") == 0 ? "watch" : "attach";
	line = client_quote(argc - 1, argv + 1);
	rc = main_stream(t, line);
	free(line);
	return (rc);
}

static int
main_run(const struct target *t, int argc, char **argv)
{
	char	*line;
	int	 rc;

	line = client_quote(argc, argv);
	rc = main_stream(t, line);
	free(line);
	return (rc);
}

/* A verb with a short answer: print it, exit with its status. */
static int
main_verb(const struct target *t, int argc, char **argv)
{
	struct client	 c;
	char		*out, *cause, *line;
	size_t		 len;
	int		 status, rc;

	if (main_connect(&c, t) != 0)
		return (TETHER_EXIT_CONNECT);
	line = client_quote(argc, argv);
	rc = client_exec(&c, line, &out, &len, &status, &cause);
	free(line);
	if (rc != 0) {
		error("%s", cause);
		free(cause);
		client_close(&c);
		return (TETHER_EXIT_CONNECT);
	}
	fwrite(out, 1, len, stdout);
	free(out);
	client_close(&c);
	return (status < 0 ? TETHER_EXIT_CONNECT : status);
}

/* A line on stderr, rewritten in place, while a transfer runs. */
static int
main_progress(void *arg, uint64_t done, uint64_t total, double rate)
{
	const char	*name = arg;
	int		 pct = total > 0 ? (int)(done * 100 / total) : 100;

	fprintf(stderr, "\r%s: %3d%% %llu/%llu bytes, %.1f MB/s ", name,
	    pct > 100 ? 100 : pct, (unsigned long long)done,
	    (unsigned long long)total, rate / 1e6);
	if (done >= total)
		fputc('\n', stderr);
	return (0);
}

/*
 * The agent's path for remote: as given, or, with --root or a "root:"
 * prefix, inside the selected offline system. NULL when none is selected.
 */
static char *
main_remote(struct client *c, const char *remote, int inroot)
{
	char	*root, *path;

	if (strncmp(remote, "root:", 5) == 0) {
		remote += 5;
		inroot = 1;
	}
	if (!inroot)
		return (xstrdup(remote));
	if ((root = client_root_path(c)) == NULL) {
		error("no offline system is selected: roots select ID first");
		return (NULL);
	}
	xasprintf(&path, "%s/%s", root, remote + strspn(remote, "/"));
	free(root);
	return (path);
}

/* get [-f | -c] [--root] REMOTE LOCAL, put [-f] [--root] LOCAL REMOTE. */
static int
main_transfer(const struct target *t, int argc, char **argv)
{
	struct client	 c;
	struct transfer	 f;
	char		*cause, *remote;
	int		 flags = 0, get = strcmp(argv[0], "get") == 0, i, rc;
	int		 inroot = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "-f") == 0)
			flags |= TRANSFER_FORCE;
		else if (strcmp(argv[i], "-c") == 0 && get)
			flags |= TRANSFER_RESUME;
		else if (strcmp(argv[i], "--root") == 0)
			inroot = 1;
		else {
			error("%s: unknown option %s", argv[0], argv[i]);
			return (TETHER_EXIT_USAGE);
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: tether %s\n", get ?
		    "get [-f | -c] [--root] REMOTE LOCAL" :
		    "put [-f] [--root] LOCAL REMOTE");
		return (TETHER_EXIT_USAGE);
	}
	if (main_connect(&c, t) != 0)
		return (TETHER_EXIT_CONNECT);
	if ((remote = main_remote(&c, argv[get ? i : i + 1], inroot)) ==
	    NULL) {
		client_close(&c);
		return (1);
	}
	if (transfer_open(&c, &f, &cause) != 0) {
		error("%s", cause);
		free(cause);
		free(remote);
		client_close(&c);
		return (TETHER_EXIT_CONNECT);
	}
	if (isatty(STDERR_FILENO)) {
		f.progress = main_progress;
		f.arg = argv[i];
	}
	if (get)
		rc = transfer_get(&f, remote, argv[i + 1], flags, &cause);
	else
		rc = transfer_put(&f, argv[i], remote, flags, &cause);
	free(remote);
	if (rc != 0) {
		error("%s: %s", argv[0], cause);
		free(cause);
	}
	transfer_close(&f);
	client_close(&c);
	return (rc == 0 ? 0 : 1);
}

/*
 * A known_hosts line for the agent, once its key has been checked against
 * the ticket, so that stock ssh need not trust on first use.
 */
static int
main_known_hosts(const struct target *t, int argc, char **argv)
{
	struct client	 c;
	char		*b64;

	(void)argc;
	(void)argv;
	if (main_connect(&c, t) != 0)
		return (TETHER_EXIT_CONNECT);
	if (ssh_pki_export_pubkey_base64(c.key, &b64) != SSH_OK) {
		error("cannot export the agent's key");
		client_close(&c);
		return (TETHER_EXIT_CONNECT);
	}
	if (t->port == 22)
		printf("%s ssh-ed25519 %s\n", t->ip, b64);
	else
		printf("[%s]:%d ssh-ed25519 %s\n", t->ip, t->port, b64);
	ssh_string_free_char(b64);
	client_close(&c);
	return (0);
}

#define MAIN_KEY_MAX	8192	/* the agent's limit for a key */

/*
 * The key for roots unlock: a line typed with echo off at a terminal, or
 * standard input as it comes (the agent drops one final newline unless
 * --key-file). Its length, or -1.
 */
static ssize_t
main_key_read(const char *id, char *key)
{
	char		*prompt, *cause;
	ssize_t		 n;

	xasprintf(&prompt, "Passphrase for %s", id);
	if ((n = readkey(prompt, key, MAIN_KEY_MAX, &cause)) < 0) {
		error("%s", cause);
		free(cause);
	}
	free(prompt);
	return (n);
}

/* roots unlock ID [--key-file]: the key goes as the verb's stdin. */
static int
main_unlock(const struct target *t, int argc, char **argv)
{
	struct client		 c;
	struct client_out	 o;
	char			*key, *line, *cause;
	ssize_t			 len;
	int			 rc;

	key = xmalloc(MAIN_KEY_MAX + 1);
	if ((len = main_key_read(argv[2], key)) < 0) {
		freezero(key, MAIN_KEY_MAX + 1);
		return (TETHER_EXIT_USAGE);
	}
	if (main_connect(&c, t) != 0) {
		freezero(key, MAIN_KEY_MAX + 1);
		return (TETHER_EXIT_CONNECT);
	}
	line = client_quote(argc, argv);
	rc = client_run_input(&c, line, key, len, &o, &cause);
	freezero(key, MAIN_KEY_MAX + 1);
	free(line);
	client_close(&c);
	if (rc != 0) {
		error("%s", cause);
		free(cause);
		return (TETHER_EXIT_CONNECT);
	}
	fwrite(o.out, 1, o.outlen, stdout);
	fwrite(o.err, 1, o.errlen, stderr);
	rc = o.status < 0 ? TETHER_EXIT_CONNECT : o.status;
	client_out_free(&o);
	return (rc);
}

static int
main_root_id(const char *id)
{
	return (*id != '\0' && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(id));
}

/*
 * roots [scan | select ID [--rw] | release | unlock ID [--key-file] |
 * lock ID], checked before connecting.
 */
static int
main_roots(const struct target *t, int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && (strcmp(argv[1], "scan") == 0 ||
	    strcmp(argv[1], "release") == 0)))
		return (main_verb(t, argc, argv));
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--rw") == 0)) &&
	    strcmp(argv[1], "select") == 0 && main_root_id(argv[2]))
		return (main_verb(t, argc, argv));
	if (argc == 3 && strcmp(argv[1], "lock") == 0 && main_root_id(argv[2]))
		return (main_verb(t, argc, argv));
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--key-file") == 0)) &&
	    strcmp(argv[1], "unlock") == 0 && main_root_id(argv[2]))
		return (main_unlock(t, argc, argv));
	error("usage: roots [scan | select ID [--rw] | release | unlock ID "
	    "[--key-file] | lock ID]");
	return (TETHER_EXIT_USAGE);
}

static const struct command {
	const char	*name;
	int		 min, max;	/* words after the name */
	int		 (*fn)(const struct target *, int, char **);
} commands[] = {
	{ "shell", 0, 2, main_shell },
	{ "consoles", 0, 0, main_verb },
	{ "info", 0, 0, main_verb },
	{ "tools", 0, 0, main_verb },
	{ "roots", 0, 3, main_roots },
	{ "run", 1, 64, main_run },
	{ "get", 2, 4, main_transfer },
	{ "put", 2, 4, main_transfer },
	{ "known-hosts", 0, 0, main_known_hosts },
	{ "snapshot", 0, 8, snapview_main },
	{ "end", 0, 0, main_verb },
	{ NULL, 0, 0, NULL }
};

static int
main_command(enum dart verdict, const struct target *t, const char *ignored,
    int cmdc, char **cmdv)
{
	const struct command	*cmd;

	for (cmd = commands; cmd->name != NULL; cmd++) {
		if (strcmp(cmdv[0], cmd->name) == 0)
			break;
	}
	if (cmd->name == NULL) {
		error("unknown command \"%s\"", cmdv[0]);
		usage(TETHER_EXIT_USAGE);
	}
	if (cmdc - 1 < cmd->min || cmdc - 1 > cmd->max) {
		if (cmd->max == 0)
			error("%s takes no arguments", cmdv[0]);
		else
			error("%s needs %d to %d arguments", cmdv[0],
			    cmd->min, cmd->max);
		usage(TETHER_EXIT_USAGE);
	}
	if (verdict != DART_CONNECT) {
		error("%s needs a valid ticket, address and port%s%s",
		    cmdv[0], ignored != NULL ? "; " : "",
		    ignored != NULL ? ignored : "");
		return (TETHER_EXIT_USAGE);
	}
	return (cmd->fn(t, cmdc, cmdv));
}

/* One round: connect, the session screen, back to the form. */
static void
main_session(const struct target *t, char **status, int *bad)
{
	struct client	 c;
	char		*cause = NULL;

	mvprintw(LINES - 2, 2, "connecting to %s port %d...", t->ip, t->port);
	clrtoeol();
	refresh();
	*bad = 1;
	if (client_connect(&c, t, main_note_screen, &cause) != CLIENT_OK) {
		*status = cause;
		return;
	}
	menu_run(&c, t, status);
	client_close(&c);
	*bad = 0;
}

/*
 * After the form: with an address typed and no --discover-on, connect to
 * it; otherwise the candidates screen, which discovers and probes first.
 */
static void
main_candidates(struct target *t, const struct args *a, char **status,
    int *bad)
{
	struct target	 chosen;
	char		**ifaces = a->discover;
	int		 nifaces = a->ndiscover, own = 0;

	if (t->ip[0] != '\0' && !a->discover_given) {
		main_session(t, status, bad);
		return;
	}
	if (!a->discover_given && (own = 1))
		nifaces = discover_default_ifaces(&ifaces);
	*bad = 1;
	if (cand_run(t, ifaces, nifaces, &chosen, status) == CAND_CONNECT) {
		memcpy(chosen.reason, t->reason, sizeof chosen.reason);
		main_session(&chosen, status, bad);
	}
	ticket_clear(&chosen.ticket);
	while (own && nifaces > 0)
		free(ifaces[--nifaces]);
	if (own)
		free(ifaces);
}

static int
main_interactive(enum dart verdict, struct target *t, struct prefill *pf,
    char *ignored, const struct args *a)
{
	char	*status = ignored;
	int	 bad = 1;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		error("the form needs a terminal; give a command (shell, "
		    "info) to run without one");
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
		main_candidates(t, a, &status, &bad);
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
	char		*cause, *ignored, *env;
	int		 rc;

	log_open("tether", 0, LOG_TO_STDERR);
	if (args_parse(argc, argv, &a, &cause) != 0) {
		error("%s", cause);
		free(cause);
		usage(TETHER_EXIT_USAGE);
	}
	args_hide_ticket(argc, argv);
	if (a.help)
		usage(0);
	/* Not in argv, where other users of the machine can read it. */
	if (a.ticket == NULL && (env = getenv("TETHER_TICKET")) != NULL &&
	    *env != '\0') {
		a.ticket = xstrdup(env);
		snprintf(a.ticket_opt, sizeof a.ticket_opt, "TETHER_TICKET");
	}
	if (a.relay == NULL && (env = getenv("TETHER_RELAY")) != NULL &&
	    *env != '\0')
		a.relay = xstrdup(env);
	if (a.reason == NULL && (env = getenv("TETHER_REASON")) != NULL &&
	    *env != '\0')
		a.reason = xstrdup(env);
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
		rc = main_interactive(verdict, &t, &pf, ignored, &a);
	ticket_clear(&t.ticket);
	explicit_bzero(&pf, sizeof pf);
	args_free(&a);
	ssh_finalize();
	return (rc);
}
