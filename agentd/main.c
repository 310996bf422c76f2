/* SPDX-License-Identifier: ISC */

/*
 * tetherd's entry point: options, consent, the ticket and its host key, the
 * status screen, then the listener loop.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	    "usage: tetherd [-d] [-b address] [-p port] [--no-message] "
	    "[--state-dir dir]\n"
	    "\n"
	    "  -b, --bind ADDR       listen on ADDR (repeatable; default all)\n"
	    "  -p, --port PORT       listen on PORT (default %d, 0 picks one)\n"
	    "      --no-message      start without asking the local user\n"
	    "      --state-dir DIR   where connection.yaml goes (default %s)\n"
	    "  -d, --debug           log debug lines to stderr\n"
	    "  -h, --help            show this help\n"
	    "  -V, --version         show the version\n",
	    TETHER_PORT, TETHERD_STATE_DIR);
	exit(status);
}

static void
main_options(struct agent *ag, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bind",	required_argument,	NULL, 'b' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "no-message",	no_argument,		NULL, 'n' },
		{ "state-dir",	required_argument,	NULL, 's' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*cause;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "b:p:dhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (ag->nbinds == TETHERD_MAX_LISTEN)
				fatalx("too many -b addresses (at most %d)",
				    TETHERD_MAX_LISTEN);
			if (net_parse_ip(optarg, &ss, &len, &cause) != 0)
				fatalx("%s", cause);
			ag->binds[ag->nbinds++] = optarg;
			break;
		case 'p':
			if (net_parse_port(optarg, &ag->port, &cause) != 0)
				fatalx("%s", cause);
			break;
		case 'n':
			ag->no_message = 1;
			break;
		case 's':
			ag->state_dir = optarg;
			break;
		case 'd':
			ag->debug++;
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

static void
main_defaults(struct agent *ag)
{
	const char	**p;
	const char	 *shell;

	ag->port = TETHER_PORT;
	ag->state_dir = TETHERD_STATE_DIR;
	ag->kdf_cost = KDF_COST;
	ag->lifetime = TETHERD_TICKET_LIFETIME;
	ag->grace = TETHERD_GRACE;
	ag->max_auth_tries = TETHERD_MAX_AUTH_TRIES;
	ag->state = "waiting";

	shell = getenv("SHELL");
	if (shell == NULL || *shell != '/' || access(shell, X_OK) != 0)
		shell = "/bin/sh";
	ag->shell = xstrdup(shell);
	for (p = main_sftp_paths; *p != NULL; p++) {
		if (access(*p, X_OK) == 0) {
			ag->sftp_server = xstrdup(*p);
			break;
		}
	}
	if (gethostname(ag->host, sizeof ag->host) != 0)
		snprintf(ag->host, sizeof ag->host, "localhost");
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

/* A ticket, its salt, its host key, and the banner that announces it. */
static void
main_ticket(struct agent *ag)
{
	char	*cause;

	ticket_new(&ag->ticket);
	kdf_params_new(&ag->kdf, ag->kdf_cost);
	if (kdf_hostkey(&ag->ticket, &ag->kdf, &ag->hostkey, &cause) != 0)
		fatalx("cannot derive the host key: %s", cause);
	ag->fingerprint = kdf_fingerprint(ag->hostkey);
	ag->banner = wire_banner(&ag->kdf);
	ag->created = time(NULL);
	ag->expires = ag->created + ag->lifetime;
}

/* Which addresses to show: the bound ones, or every address for "any". */
static void
main_ips(struct agent *ag)
{
	struct listener	*l;
	int		 i, any = 0;

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

static void
main_status(struct agent *ag)
{
	char		 text[TICKET_TEXT], when[64];
	struct tm	 tm;
	int		 i;

	ticket_format(&ag->ticket, text, sizeof text);
	localtime_r(&ag->expires, &tm);
	strftime(when, sizeof when, "%H:%M %Z", &tm);
	printf("\ntetherd %s: remote connection ready\n\n", TETHER_VERSION);
	printf("  Ticket:       %s\n", text);
	for (i = 0; i < ag->nips; i++) {
		printf("  %s %s\n", i == 0 ? "IP address:  " : "             ",
		    ag->ips[i]);
	}
	if (ag->nips == 0)
		printf("  IP address:   (none: the network is not up)\n");
	printf("  Port:         %d\n", ag->bound_port);
	printf("  Host key:     %s\n", ag->fingerprint);
	printf("  Expires:      %s (%d minutes)\n\n", when, ag->lifetime / 60);
	printf("Give the ticket, an IP address and the port to the "
	    "technician.\nCtrl-C ends the remote connection.\n\n");
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
	for (i = 0; i < ag->nlisteners; i++)
		free(ag->listeners[i].text);
	ticket_clear(&ag->ticket);
	ssh_key_free(ag->hostkey);
	free(ag->fingerprint);
	free(ag->banner);
	free(ag->shell);
	free(ag->sftp_server);
}

int
main(int argc, char **argv)
{
	struct agent	 ag;
	char		*cause;
	int		 rc;

	memset(&ag, 0, sizeof ag);
	log_open("tetherd", 0, LOG_TO_STDERR);
	main_defaults(&ag);
	main_options(&ag, argc, argv);
	log_open("tetherd", ag.debug, LOG_TO_STDERR);
	ssh_init();

	if (state_check_dir(ag.state_dir, &cause) != 0)
		fatalx("%s", cause);
	if (!ag.no_message)
		main_consent();
	server_listen(&ag);
	main_ticket(&ag);
	main_ips(&ag);
	if (state_write(&ag, &cause) != 0)
		fatalx("%s", cause);
	main_status(&ag);
	info("listening on port %d, host key %s", ag.bound_port,
	    ag.fingerprint);

	rc = server_loop(&ag);

	ag.state = "ended";
	if (state_write(&ag, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	main_free(&ag);
	ssh_finalize();
	info("ended");
	return (rc);
}
