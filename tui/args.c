/* SPDX-License-Identifier: ISC */

/*
 * The viewer's command line. DaRT's -ticket= -ipaddress= -port= and the GNU
 * --ticket --ip --port mean the same; then the DaRT rule: all three given and
 * valid connects at once, any one invalid starts the form blank.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tether.h"

enum args_field { ARG_TICKET, ARG_IP, ARG_PORT, ARG_HELP, ARG_VERSION,
	ARG_DISCOVER, ARG_RELAY, ARG_REASON };

static const struct args_opt {
	const char	*name;
	enum args_field	 field;
	int		 dart;	/* single dash, "=value" only, any case */
} args_opts[] = {
	{ "ticket",	ARG_TICKET,	1 },
	{ "ipaddress",	ARG_IP,		1 },
	{ "port",	ARG_PORT,	1 },
	{ "ticket",	ARG_TICKET,	0 },
	{ "ip",		ARG_IP,		0 },
	{ "ipaddress",	ARG_IP,		0 },
	{ "port",	ARG_PORT,	0 },
	{ "help",	ARG_HELP,	0 },
	{ "version",	ARG_VERSION,	0 },
	{ "discover-on", ARG_DISCOVER,	0 },
	{ "relay",	ARG_RELAY,	0 },
	{ "reason",	ARG_REASON,	0 },
	{ NULL,		0,		0 }
};

/* --discover-on eth0,wlan0 --discover-on lo: a list, duplicates dropped. */
static void
args_discover(struct args *a, const char *v)
{
	char	*copy, *name, *last;
	int	 i;

	copy = xstrdup(v);
	for (name = strtok_r(copy, ", ", &last); name != NULL;
	    name = strtok_r(NULL, ", ", &last)) {
		for (i = 0; i < a->ndiscover; i++) {
			if (strcmp(a->discover[i], name) == 0)
				break;
		}
		if (i < a->ndiscover)
			continue;
		a->discover = xreallocarray(a->discover, a->ndiscover + 1,
		    sizeof *a->discover);
		a->discover[a->ndiscover++] = xstrdup(name);
	}
	a->discover_given = 1;
	free(copy);
}

static void
args_set(struct args *a, enum args_field f, const char *v,
    const struct args_opt *o)
{
	char	**slot = NULL, *spelt = NULL;

	switch (f) {
	case ARG_TICKET:
		slot = &a->ticket;
		spelt = a->ticket_opt;
		break;
	case ARG_IP:
		slot = &a->ip;
		spelt = a->ip_opt;
		break;
	case ARG_PORT:
		slot = &a->port;
		spelt = a->port_opt;
		break;
	case ARG_HELP:
		a->help = 1;
		return;
	case ARG_VERSION:
		a->version = 1;
		return;
	case ARG_DISCOVER:
		args_discover(a, v);
		return;
	case ARG_RELAY:
		free(a->relay);
		a->relay = xstrdup(v);
		return;
	case ARG_REASON:
		free(a->reason);
		a->reason = xstrdup(v);
		return;
	}
	snprintf(spelt, sizeof a->ticket_opt, "%s%s", o->dart ? "-" : "--",
	    o->name);
	free(*slot);
	*slot = xstrdup(v);
}

/* Match one argument; returns how many argv entries it used, or -1. */
static int
args_one(struct args *a, int argc, char **argv, int i, char **cause)
{
	const struct args_opt	*o;
	const char		*arg = argv[i], *name, *eq;
	size_t			 len;
	int			 dashes = arg[1] == '-' ? 2 : 1;

	name = arg + dashes;
	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	for (o = args_opts; o->name != NULL; o++) {
		if (strlen(o->name) != len || (o->dart != (dashes == 1)))
			continue;
		if (o->dart ? strncasecmp(name, o->name, len) != 0 :
		    strncmp(name, o->name, len) != 0)
			continue;
		if (o->field == ARG_HELP || o->field == ARG_VERSION) {
			if (eq != NULL)
				break;
			args_set(a, o->field, NULL, o);
			return (1);
		}
		if (eq != NULL) {
			args_set(a, o->field, eq + 1, o);
			return (1);
		}
		if (o->dart || i + 1 >= argc) {
			xasprintf(cause, "option %s needs a value", arg);
			return (-1);
		}
		args_set(a, o->field, argv[i + 1], o);
		return (2);
	}
	if (strcmp(arg, "-h") == 0) {
		a->help = 1;
		return (1);
	}
	if (strcmp(arg, "-V") == 0) {
		a->version = 1;
		return (1);
	}
	xasprintf(cause, "unknown option %s", arg);
	return (-1);
}

int
args_parse(int argc, char **argv, struct args *a, char **cause)
{
	int	 i = 1, n;

	memset(a, 0, sizeof *a);
	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if ((n = args_one(a, argc, argv, i, cause)) < 0) {
			args_free(a);
			return (-1);
		}
		i += n;
	}
	a->cmdc = argc - i;
	a->cmdv = argv + i;
	return (0);
}

/*
 * A relay as ssh takes it: [user@]host[:port], host a name or an address
 * ([v6]:port with a port). It goes into a shell command line, so only
 * characters that need no quoting.
 */
int
args_relay_check(const char *s, char **cause)
{
	size_t	 n = strlen(s);

	if (n == 0 || n >= TETHER_RELAY_MAX || *s == '-' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_@:[]") != n || strchr(s, '@') != strrchr(s, '@')) {
		xasprintf(cause, "not [user@]host[:port]");
		return (-1);
	}
	return (0);
}

/* A reason: printable text the agent takes, at most 200 bytes. */
int
args_reason_check(const char *s, char **cause)
{
	size_t	 i, n = strlen(s);

	if (n > TETHER_REASON_MAX) {
		xasprintf(cause, "longer than %d characters",
		    TETHER_REASON_MAX);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			xasprintf(cause, "has a control character");
			return (-1);
		}
	}
	return (0);
}

/* With a relay the address is as the relay sees it: localhost, often. */
static int
args_ip_check(const struct args *a, char **cause)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	if (a->relay != NULL && strcmp(a->ip, "localhost") == 0)
		return (0);
	return (net_parse_ip(a->ip, &ss, &len, cause));
}

static void
args_note(char **ignored, const char *opt, const char *value, const char *why)
{
	char	*s;

	if (*ignored == NULL)
		xasprintf(ignored, "ignored %s=%s (%s)", opt, value, why);
	else {
		xasprintf(&s, "%s, %s=%s (%s)", *ignored, opt, value, why);
		free(*ignored);
		*ignored = s;
	}
}

/*
 * Judge the three values. With DART_CONNECT, t is filled. With DART_FORM,
 * pf holds what the form starts with: the given values if all that were
 * given are valid, nothing if any was not; *ignored then names what was
 * dropped and why, for the form's status line.
 */
enum dart
args_dart(const struct args *a, struct target *t, struct prefill *pf,
    char **ignored)
{
	char			*cause;
	int			 bad = 0, n = 0;

	memset(t, 0, sizeof *t);
	memset(pf, 0, sizeof *pf);
	*ignored = NULL;
	if (a->ticket != NULL) {
		n++;
		if (ticket_parse(a->ticket, &t->ticket, &cause) != 0) {
			args_note(ignored, a->ticket_opt, a->ticket, cause);
			free(cause);
			bad = 1;
		}
	}
	if (a->ip != NULL) {
		n++;
		if (strlen(a->ip) >= sizeof t->ip ||
		    args_ip_check(a, &cause) != 0) {
			if (strlen(a->ip) >= sizeof t->ip)
				cause = xstrdup("too long");
			args_note(ignored, a->ip_opt, a->ip, cause);
			free(cause);
			bad = 1;
		} else
			snprintf(t->ip, sizeof t->ip, "%s", a->ip);
	}
	if (a->port != NULL) {
		n++;
		if (net_parse_port(a->port, &t->port, &cause) != 0) {
			args_note(ignored, a->port_opt, a->port, cause);
			free(cause);
			bad = 1;
		} else if (t->port == 0) {
			args_note(ignored, a->port_opt, a->port,
			    "port 0 cannot be connected to");
			bad = 1;
		}
	}
	/* The relay and the reason go with any address, or the form. */
	if (a->relay != NULL && args_relay_check(a->relay, &cause) != 0) {
		args_note(ignored, "--relay", a->relay, cause);
		free(cause);
		bad = 1;
	} else if (a->relay != NULL)
		snprintf(t->relay, sizeof t->relay, "%s", a->relay);
	if (a->reason != NULL && args_reason_check(a->reason, &cause) != 0) {
		args_note(ignored, "--reason", a->reason, cause);
		free(cause);
		bad = 1;
	} else if (a->reason != NULL)
		snprintf(t->reason, sizeof t->reason, "%s", a->reason);
	snprintf(pf->relay, sizeof pf->relay, "%s", t->relay);
	snprintf(pf->reason, sizeof pf->reason, "%s", t->reason);
	if (!bad && n == 3)
		return (DART_CONNECT);
	if (!bad) {
		memcpy(pf->ticket, t->ticket.digits, sizeof pf->ticket);
		snprintf(pf->ip, sizeof pf->ip, "%s", t->ip);
		if (a->port != NULL)
			snprintf(pf->port, sizeof pf->port, "%d", t->port);
	}
	ticket_clear(&t->ticket);
	memset(t, 0, sizeof *t);
	return (DART_FORM);
}

void
args_free(struct args *a)
{
	if (a->ticket != NULL)
		freezero(a->ticket, strlen(a->ticket));
	free(a->ip);
	free(a->port);
	free(a->relay);
	free(a->reason);
	a->ticket = a->ip = a->port = a->relay = a->reason = NULL;
	while (a->ndiscover > 0)
		free(a->discover[--a->ndiscover]);
	free(a->discover);
	a->discover = NULL;
}

/*
 * After parsing, wipe the ticket from the command line in place, so that
 * /proc/PID/cmdline and ps no longer show it (TETHER_TICKET never did).
 */
void
args_hide_ticket(int argc, char **argv)
{
	const char	*name;
	int		 i, dashes;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			continue;
		dashes = argv[i][1] == '-' ? 2 : 1;
		name = argv[i] + dashes;
		if (dashes == 2 ? strncmp(name, "ticket", 6) != 0 :
		    strncasecmp(name, "ticket", 6) != 0)
			continue;
		if (name[6] == '=')
			explicit_bzero(argv[i] + dashes + 7, strlen(name + 7));
		else if (name[6] == '\0' && dashes == 2 && i + 1 < argc)
			explicit_bzero(argv[i + 1], strlen(argv[i + 1]));
	}
}
