/* SPDX-License-Identifier: ISC */

/*
 * tetherd's entry point: options and configuration, consent, the ticket and
 * its host key (or the persistent key of an unattended agent), the status
 * screen, then the listener loop.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tetherd.h"

static const char *main_sftp_paths[] = {
	"/usr/lib/openssh/sftp-server",
	"/usr/libexec/openssh/sftp-server",
	"/usr/libexec/sftp-server",
	"/usr/lib/sftp-server",
	NULL
};

static dead void
usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: tetherd [-dtT] [-b address] [-f file] [-p port] "
	    "[--no-message]\n"
	    "               [--state-dir dir] [--log-dir dir]\n"
	    "       tetherd wait [--state-dir dir] [--timeout seconds]\n"
	    "       tetherd diagnose [-d device] root\n"
	    "       tetherd drivers [load module | load /path/file.ko]\n"
	    "       tetherd keyboard [layout]\n"
	    "\n"
	    "  -b, --bind ADDR       listen on ADDR (repeatable; default all)\n"
	    "  -p, --port PORT       listen on PORT (default %d, 0 picks one)\n"
	    "  -f, --config FILE     configuration (default %s)\n"
	    "  -t                    check the configuration and tool catalog\n"
	    "  -T                    print the effective configuration\n"
	    "      --no-message      start without asking the local user\n"
	    "      --state-dir DIR   where connection.yaml goes (default %s)\n"
	    "      --log-dir DIR     where the audit log and recordings go\n"
	    "                        (default %s)\n"
	    "  -d, --debug           log debug lines to stderr\n"
	    "  -h, --help            show this help\n"
	    "  -V, --version         show the version\n",
	    TETHER_PORT, CONFIG_FILE, TETHERD_STATE_DIR, TETHERD_LOG_DIR);
	exit(status);
}

static void
main_options(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind",	required_argument,	NULL, 'b' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "config",	required_argument,	NULL, 'f' },
		{ "no-message",	no_argument,		NULL, 'n' },
		{ "state-dir",	required_argument,	NULL, 's' },
		{ "log-dir",	required_argument,	NULL, 'L' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*cause;
	int			 ch;

	cli->port = -1;
	cli->file = CONFIG_FILE;
	while ((ch = getopt_long(argc, argv, "b:f:p:dhtTV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (cli->nbinds == TETHERD_MAX_LISTEN)
				fatalx("too many -b addresses (at most %d)",
				    TETHERD_MAX_LISTEN);
			if (net_parse_ip(optarg, &ss, &len, &cause) != 0)
				fatalx("%s", cause);
			cli->binds[cli->nbinds++] = optarg;
			break;
		case 'p':
			if (net_parse_port(optarg, &cli->port, &cause) != 0)
				fatalx("%s", cause);
			break;
		case 'f':
			cli->file = optarg;
			cli->file_given = 1;
			break;
		case 'n':
			cli->no_message = 1;
			break;
		case 's':
			if (*optarg != '/')
				fatalx("--state-dir: \"%s\" is not an absolute "
				    "path", optarg);
			cli->state_dir = optarg;
			break;
		case 'L':
			if (*optarg != '/')
				fatalx("--log-dir: \"%s\" is not an absolute "
				    "path", optarg);
			cli->log_dir = optarg;
			break;
		case 'd':
			cli->debug++;
			break;
		case 't':
			cli->test = 1;
			break;
		case 'T':
			cli->dump = 1;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("tetherd %s\n", TETHER_VERSION);
			exit(0);
		default:
			usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tetherd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(2);
	}
}

/*
 * The audit file and the recordings left at their defaults live under
 * log_dir, so that one option moves every log.
 */
static void
main_log_path(const char *log_dir, char **path, const char *def,
    const char *name)
{
	if (strcmp(*path, def) != 0 || strcmp(log_dir, TETHERD_LOG_DIR) == 0)
		return;
	free(*path);
	xasprintf(path, "%s/%s", log_dir, name);
}

static void
main_log_paths(struct config *c)
{
	main_log_path(c->log_dir, &c->audit.file, TETHERD_LOG_DIR "/audit.log",
	    "audit.log");
	main_log_path(c->log_dir, &c->recording.dir,
	    TETHERD_LOG_DIR "/sessions", "sessions");
}

/* The command line over the file. */
static void
main_apply_cli(struct config *c, const struct cli *cli)
{
	char	*s;
	int	 i;

	if (cli->nbinds > 0) {
		strlist_clear(&c->listen);
		for (i = 0; i < cli->nbinds; i++) {
			if (strchr(cli->binds[i], ':') != NULL &&
			    cli->binds[i][0] != '[')
				xasprintf(&s, "[%s]", cli->binds[i]);
			else
				s = xstrdup(cli->binds[i]);
			strlist_add(&c->listen, s);
			free(s);
		}
	}
	if (cli->port != -1)
		c->port = cli->port;
	if (cli->state_dir != NULL) {
		free(c->state_dir);
		c->state_dir = xstrdup(cli->state_dir);
	}
	if (cli->log_dir != NULL) {
		free(c->log_dir);
		c->log_dir = xstrdup(cli->log_dir);
	}
	if (cli->no_message)
		c->consent = 0;
	main_log_paths(c);
}

/* Empty shell and sftp_server mean "find one"; -T shows what was found. */
static void
main_resolve(struct config *c)
{
	const char	**p, *shell;

	if (c->shell[0] == '\0') {
		shell = getenv("SHELL");
		if (shell == NULL || *shell != '/' || access(shell, X_OK) != 0)
			shell = "/bin/sh";
		free(c->shell);
		c->shell = xstrdup(shell);
	}
	if (c->sftp_server[0] == '\0') {
		for (p = main_sftp_paths; *p != NULL; p++) {
			if (access(*p, X_OK) == 0) {
				free(c->sftp_server);
				c->sftp_server = xstrdup(*p);
				break;
			}
		}
	}
}

static void
main_print_errors(const struct conf_errors *errs)
{
	int	 i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "tetherd: %s\n", errs->v[i]);
}

/*
 * Read the file, the catalog and the keys into a new configuration. A
 * missing default file means built-in defaults; a missing -f file is an
 * error. On failure nothing of ag changes.
 */
int
main_configure(struct agent *ag, struct conf_errors *errs)
{
	struct config	 c;
	struct catalog	 cat;
	ssh_key		*keys;
	int		 nkeys;

	config_defaults(&c);
	if ((ag->cli.file_given || access(ag->cli.file, F_OK) == 0) &&
	    config_load(ag->cli.file, &c, errs) != 0) {
		config_free(&c);
		return (-1);
	}
	main_apply_cli(&c, &ag->cli);
	config_relay_boot(&c, "/proc/cmdline");
	main_resolve(&c);
	if (tools_load(&c.tools, !config_tools_default(&c), &cat, errs) != 0) {
		config_free(&c);
		return (-1);
	}
	if (auth_load_keys(&c.authorized_keys, &keys, &nkeys, errs) != 0) {
		tools_free(&cat);
		config_free(&c);
		return (-1);
	}
	/* Files in authorized_keys may hold no key at all. */
	if (!c.ticket.enabled && nkeys == 0) {
		conf_error_file(errs, ag->cli.file, "ticket disabled, and "
		    "authorized_keys holds no key: nobody could log in");
		auth_free_keys(keys, nkeys);
		tools_free(&cat);
		config_free(&c);
		return (-1);
	}
	config_free(&ag->conf);
	tools_free(&ag->catalog);
	auth_free_keys(ag->keys, ag->nkeys);
	ag->conf = c;
	ag->catalog = cat;
	ag->keys = keys;
	ag->nkeys = nkeys;
	return (0);
}

/*
 * An agent with no tools still works (a console, files, the screen), but a
 * build tree run without an install finds none and used to say nothing:
 * say where it looked.
 */
static void
main_warn_catalog(const struct agent *ag)
{
	char	*where = NULL, *t;
	int	 i;

	if (ag->catalog.n > 0)
		return;
	for (i = 0; i < ag->conf.tools.n; i++) {
		xasprintf(&t, "%s%s%s", where != NULL ? where : "",
		    where != NULL ? ", " : "", ag->conf.tools.v[i]);
		free(where);
		where = t;
	}
	error("warning: the tool catalog is empty: no tool in %s (tools: in "
	    "tetherd.yaml)", where != NULL ? where : "no file (tools: is "
	    "empty)");
	free(where);
}

/* -T: the configuration, then the catalog as comments so it reads back. */
static void
main_dump(struct agent *ag)
{
	char	*s, *line, *last;

	s = config_print(&ag->conf);
	fputs(s, stdout);
	free(s);
	printf("# tool catalog: %d tools\n", ag->catalog.n);
	s = tools_print(&ag->catalog);
	for (line = strtok_r(s, "\n", &last); line != NULL;
	    line = strtok_r(NULL, "\n", &last))
		printf("#   %s\n", line);
	free(s);
}

/*
 * The DaRT question, asked before a ticket exists or a port opens. Without
 * a terminal there is nobody to ask, and starting anyway would hand out a
 * root shell unseen, so that needs --no-message.
 */
static void
main_consent(void)
{
	char	 line[64];

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		fatalx("no terminal to ask for consent on; start with "
		    "--no-message to allow connections without asking");
	printf("A technician will get full control of this computer. "
	    "Allow remote connection? [y/N] ");
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL ||
	    (strcasecmp(line, "y\n") != 0 && strcasecmp(line, "yes\n") != 0))
		fatalx("remote connection not allowed by the local user");
}

static struct termios	main_saved_tty;

static void	main_status(struct agent *);

/* A ticket and its salt: all the status screen needs. */
static void
main_ticket_new(struct agent *ag)
{
	ticket_new(&ag->ticket);
	kdf_params_new(&ag->kdf, ag->conf.ticket.kdf_cost);
	free(ag->fingerprint);
	ag->fingerprint = NULL;
	ag->created = time(NULL);
	ag->expires = ag->created + ag->conf.ticket.lifetime;
}

/*
 * The host key the ticket derives, and the banner that announces its
 * salt. scrypt takes a while on a slow machine, so this runs with the
 * ticket already on screen; connections wait in the listen queue.
 */
/*
 * The host key as each session process is given it, made once here: a
 * monitor then sends it with no cryptography of its own to do.
 */
static void
main_hostkey_text(struct agent *ag)
{
	if (ag->hostkey_text != NULL)
		freezero(ag->hostkey_text, strlen(ag->hostkey_text));
	ag->hostkey_text = NULL;
	if (ssh_pki_export_privkey_base64(ag->hostkey, NULL, NULL, NULL,
	    &ag->hostkey_text) != SSH_OK)
		fatalx("cannot export the host key");
}

static void
main_hostkey(struct agent *ag)
{
	char	*cause;

	if (kdf_hostkey(&ag->ticket, &ag->kdf, &ag->hostkey, &cause) != 0)
		fatalx("cannot derive the host key: %s", cause);
	main_hostkey_text(ag);
	free(ag->banner);
	ag->banner = wire_banner(&ag->kdf);
	free(ag->fingerprint);
	ag->fingerprint = kdf_fingerprint(ag->hostkey);
}

static void
main_ticket(struct agent *ag)
{
	main_ticket_new(ag);
	main_hostkey(ag);
}

/* No ticket: the persistent host key, and a banner with no salt. */
static void
main_unattended(struct agent *ag)
{
	char	*cause;

	ag->unattended = 1;
	if (auth_host_key(ag->conf.host_key, &ag->hostkey, &cause) != 0)
		fatalx("%s", cause);
	main_hostkey_text(ag);
	ag->fingerprint = kdf_fingerprint(ag->hostkey);
	xasprintf(&ag->banner, "tether_%s", TETHER_VERSION);
	ag->created = time(NULL);
}

/*
 * A new ticket, salt and host key, on expiry or after too many failed
 * logins. Sessions already open keep going (their processes hold the old
 * key); new connections need the new ticket.
 */
void
main_rotate(struct agent *ag, const char *reason)
{
	char	*cause;

	ticket_clear(&ag->ticket);
	ssh_key_free(ag->hostkey);
	ag->hostkey = NULL;
	main_ticket(ag);
	if (state_write(ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	info("new ticket (%s), host key %s", reason, ag->fingerprint);
	audit(ag, "rotate", "reason", reason, "fingerprint", ag->fingerprint,
	    (char *)NULL);
	if (strcmp(reason, "expired") == 0)
		printf("\r\nThe ticket expired; here is a new one.\r\n");
	else
		printf("\r\nHere is a new ticket.\r\n");
	main_status(ag);
}

/* Which addresses to show: the bound ones, or every address for "any". */
static void
main_ips(struct agent *ag)
{
	struct listener	*l;
	int		 i, any = 0;

	for (i = 0; i < ag->nips; i++)
		free(ag->ips[i]);
	free(ag->ips);
	ag->ips = NULL;
	ag->nips = 0;

	for (i = 0; i < ag->nlisteners; i++) {
		if (netinfo_is_any((struct sockaddr *)&ag->listeners[i].ss))
			any = 1;
	}
	if (any) {
		ag->nips = netinfo_ips(&ag->ips);
		return;
	}
	ag->ips = xcalloc(ag->nlisteners, sizeof *ag->ips);
	for (i = 0; i < ag->nlisteners; i++) {
		l = &ag->listeners[i];
		ag->ips[ag->nips++] = net_ntop((struct sockaddr *)&l->ss);
	}
}

/*
 * The machine's addresses changed (a lease came, or went): the status
 * screen, connection.yaml and discovery's answers follow.
 */
void
main_addresses(struct agent *ag)
{
	char	**old = ag->ips, *cause;
	int	  nold = ag->nips, i, same;

	ag->ips = NULL;
	ag->nips = 0;
	main_ips(ag);
	same = nold == ag->nips;
	for (i = 0; same && i < nold; i++)
		same = strcmp(old[i], ag->ips[i]) == 0;
	for (i = 0; i < nold; i++)
		free(old[i]);
	free(old);
	if (same)
		return;
	if (state_write(ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	info("addresses now: %d", ag->nips);
	printf("\r\nThe addresses changed.\r\n");
	main_status(ag);
}

static void
main_status(struct agent *ag)
{
	char		 text[TICKET_TEXT], when[64], life[32];
	struct tm	 tm;
	int		 i;

	/* In cbreak mode the terminal needs CR too. */
	printf("\ntetherd %s: remote connection ready\n\n", TETHER_VERSION);
	if (ag->unattended)
		printf("  Ticket:       none (unattended: authorized keys "
		    "only)\n");
	else {
		ticket_format(&ag->ticket, text, sizeof text);
		printf("  Ticket:       %s\n", text);
	}
	for (i = 0; i < ag->nips; i++) {
		printf("  %s %s\n", i == 0 ? "IP address:  " : "             ",
		    ag->ips[i]);
	}
	if (ag->nips == 0)
		printf("  IP address:   no address yet (DHCP may still be "
		    "asking); to set one, boot with\n"
		    "                ip=ADDRESS::GATEWAY:NETMASK::INTERFACE:off "
		    "on the kernel command line\n");
	printf("  Port:         %d\n", ag->bound_port);
	relay_status(ag);
	if (ag->fingerprint != NULL)
		printf("  Host key:     %s\n", ag->fingerprint);
	else
		printf("  Host key:     being made; connections wait until "
		    "it is ready\n");
	if (!ag->unattended) {
		localtime_r(&ag->expires, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", &tm);
		conf_format_duration(ag->conf.ticket.lifetime, life,
		    sizeof life);
		printf("  Expires:      %s (in %s)\n", when, life);
	}
	/* An unattended agent has no ticket to give. */
	printf("\nGive %s and the port to the technician.\n%s ends the "
	    "remote connection.\n\n", ag->unattended ? "an IP address" :
	    "the ticket, an IP address", ag->tty ? "q or Ctrl-C" : "Ctrl-C");
	fflush(stdout);
}

/* Everything main made, so a leak checker sees only real leaks. */
static void
main_free(struct agent *ag)
{
	int	 i;

	for (i = 0; i < ag->nips; i++)
		free(ag->ips[i]);
	free(ag->ips);
	if (ag->addr_fd != -1)
		close(ag->addr_fd);
	for (i = 0; i < ag->nlisteners; i++)
		free(ag->listeners[i].text);
	ticket_clear(&ag->ticket);
	ssh_key_free(ag->hostkey);
	if (ag->hostkey_text != NULL)
		freezero(ag->hostkey_text, strlen(ag->hostkey_text));
	free(ag->fingerprint);
	free(ag->banner);
	free(ag->exe);
	config_free(&ag->conf);
	tools_free(&ag->catalog);
	auth_free_keys(ag->keys, ag->nkeys);
}

/*
 * With a terminal, the status screen takes single keys (q, y, n), so the
 * terminal goes to cbreak mode, given back on every way out.
 */
static void
main_tty_restore(void)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &main_saved_tty);
}

static void
main_tty(struct agent *ag)
{
	struct termios	 t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t) != 0)
		return;
	main_saved_tty = t;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) != 0)
		return;
	ag->tty = 1;
	atexit(main_tty_restore);
	log_set_fatal_hook(main_tty_restore);
}

/*
 * The local console's layout, before the consent question is typed; a
 * layout that cannot be set is reported and the agent goes on.
 */
static void
main_keyboard(struct agent *ag)
{
	char	*layout, *cause;

	layout = keyboard_boot_layout("/proc/cmdline", ag->conf.keyboard);
	if (layout == NULL)
		return;
	if (keyboard_set(layout, &cause) != 0) {
		error("keyboard: %s", cause);
		free(cause);
	} else {
		info("keyboard: console layout %s", layout);
		audit(ag, "keyboard", "layout", layout, (char *)NULL);
	}
	free(layout);
}

/* Commands of their own, run instead of the agent. */
static const struct {
	const char	*name;
	int		 (*main)(int, char **);
} main_commands[] = {
	{ "wait", wait_main },
	{ "diagnose", diag_main },
	{ "drivers", drivers_main },
	{ "keyboard", keyboard_main },
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	struct agent		 ag;
	struct conf_errors	 errs = { NULL, 0 };
	char			*cause, port[8];
	int			 rc, i;

	for (i = 0; argc > 1 && main_commands[i].name != NULL; i++) {
		if (strcmp(argv[1], main_commands[i].name) != 0)
			continue;
		log_open("tetherd", 0, LOG_TO_STDERR);
		return (main_commands[i].main(argc - 1, argv + 1));
	}
	/* The unprivileged half of a connection, started by its monitor. */
	if (argc == 2 && strcmp(argv[1], "--session-process") == 0)
		return (session_main(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "rescue-next-boot") == 0) {
		log_open("tetherd", 0, LOG_TO_STDERR);
		return (rescue_main(argc - 1, argv + 1));
	}
	memset(&ag, 0, sizeof ag);
	ag.state = "waiting";
	ag.addr_fd = -1;
	if (gethostname(ag.host, sizeof ag.host - 1) != 0)
		snprintf(ag.host, sizeof ag.host, "localhost");
	log_open("tetherd", 0, LOG_TO_STDERR);
	main_options(&ag.cli, argc, argv);
	log_open("tetherd", ag.cli.debug, LOG_TO_STDERR);
	ssh_init();
	config_defaults(&ag.conf);

	rc = main_configure(&ag, &errs);
	main_print_errors(&errs);
	conf_errors_free(&errs);
	if (rc != 0)
		exit(1);
	main_warn_catalog(&ag);
	if (ag.cli.test || ag.cli.dump) {
		if (ag.cli.dump)
			main_dump(&ag);
		main_free(&ag);
		ssh_finalize();
		return (0);
	}

	if (state_check_dir(ag.conf.state_dir, &cause) != 0)
		fatalx("%s", cause);
	if (ag.conf.approve == CONFIG_APPROVE_EACH && !isatty(STDIN_FILENO))
		fatalx("approve: each needs a terminal to ask on");
	audit_open(&ag);
	main_keyboard(&ag);
	/* An unattended agent has nobody in front of it to ask. */
	if (ag.conf.ticket.enabled && ag.conf.consent) {
		main_consent();
		audit(&ag, "consent", "answer", "yes", (char *)NULL);
	}
	if (sandbox_prepare(&ag, &cause) != 0)
		fatalx("%s", cause);
	/* Each connection's session process is this program, run afresh. */
	if ((ag.exe = realpath("/proc/self/exe", NULL)) == NULL)
		fatal_fr("/proc/self/exe");
	server_listen(&ag);
	netinfo_watch(&ag);
	main_ips(&ag);
	main_tty(&ag);
	if (ag.conf.ticket.enabled) {
		/* The ticket first, the host key with it on screen. */
		main_ticket_new(&ag);
		ag.state = "starting";
		if (state_write(&ag, &cause) != 0)
			fatalx("%s", cause);
		main_status(&ag);
		main_hostkey(&ag);
		ag.state = "waiting";
		printf("  Host key:     %s (ready)\n\n", ag.fingerprint);
		fflush(stdout);
	} else {
		main_unattended(&ag);
		main_status(&ag);
	}
	/*
	 * Mounts and layers a previous agent left behind go before anyone
	 * is told the agent is ready: a script that waits for "waiting" must
	 * not meet them.
	 */
	root_cleanup(&ag);
	hold_sweep(&ag);
	if (state_write(&ag, &cause) != 0)
		fatalx("%s", cause);
	info("listening on port %d, host key %s", ag.bound_port,
	    ag.fingerprint);
	snprintf(port, sizeof port, "%d", ag.bound_port);
	audit(&ag, "start", "version", TETHER_VERSION, "port", port,
	    "fingerprint", ag.fingerprint, "mode", ag.unattended ?
	    "unattended" : "ticket", (char *)NULL);

	relay_start(&ag);
	rc = server_loop(&ag);
	sandbox_cleanup(&ag);
	hold_sweep(&ag);

	ag.state = ag.expired ? "expired" : "ended";
	if (state_write(&ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	main_free(&ag);
	ssh_finalize();
	info("ended");
	return (rc);
}
