/* SPDX-License-Identifier: ISC */

/*
 * The viewer's command line and the DaRT rule: the input split on NUL bytes
 * is argv[1..], args_parse() reads it and args_dart() judges the values.
 */

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tether.h"

#define FUZZ_ARGS_MAX	64

static int
fuzz_args_ended(const char *s, size_t size)
{
	return (memchr(s, '\0', size) != NULL);
}

static void
fuzz_args_spelt(const char *value, const char *opt)
{
	if (value == NULL)
		return;
	if (!fuzz_args_ended(opt, 16) || opt[0] != '-')
		fuzz_fail("option spelling \"%.16s\"", opt);
}

/* DART_CONNECT needs all three, each valid; then t holds them checked. */
static void
fuzz_args_connect(const struct args *a, const struct target *t)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*cause;
	size_t			 i;

	if (a->ticket == NULL || a->ip == NULL || a->port == NULL)
		fuzz_fail("connect without all three values");
	for (i = 0; i < TICKET_DIGITS; i++) {
		if (t->ticket.digits[i] < '0' || t->ticket.digits[i] > '9')
			fuzz_fail("connect with a bad ticket");
	}
	if (t->ticket.digits[TICKET_DIGITS] != '\0')
		fuzz_fail("ticket not terminated");
	if (t->port < 1 || t->port > 65535)
		fuzz_fail("connect to port %d", t->port);
	if (!fuzz_args_ended(t->ip, sizeof t->ip) || strcmp(t->ip, a->ip) != 0)
		fuzz_fail("target ip is not the given one");
	if (net_parse_ip(t->ip, &ss, &len, &cause) != 0)
		fuzz_fail("connect to an address that does not parse");
}

/* DART_FORM: the given values if none was refused, else a blank form. */
static void
fuzz_args_form(const struct args *a, const struct prefill *pf,
    const char *ignored)
{
	static const struct prefill	 blank;

	if (!fuzz_args_ended(pf->ticket, sizeof pf->ticket) ||
	    !fuzz_args_ended(pf->ip, sizeof pf->ip) ||
	    !fuzz_args_ended(pf->port, sizeof pf->port))
		fuzz_fail("prefill not terminated");
	if (ignored != NULL) {
		if (memcmp(pf, &blank, sizeof blank) != 0)
			fuzz_fail("a value was refused but the form is filled");
		return;
	}
	if (a->ticket != NULL && a->ip != NULL && a->port != NULL)
		fuzz_fail("all three valid, yet the form");
	if (a->ip != NULL && strcmp(pf->ip, a->ip) != 0)
		fuzz_fail("prefill ip \"%s\", given \"%s\"", pf->ip, a->ip);
	if (a->ticket != NULL && strlen(pf->ticket) != TICKET_DIGITS)
		fuzz_fail("prefill ticket \"%s\"", pf->ticket);
	if ((a->port != NULL) != (pf->port[0] != '\0'))
		fuzz_fail("prefill port \"%s\"", pf->port);
}

static void
fuzz_args_judge(const struct args *a)
{
	struct target	 t;
	struct prefill	 pf;
	char		*ignored = NULL;

	fuzz_args_spelt(a->ticket, a->ticket_opt);
	fuzz_args_spelt(a->ip, a->ip_opt);
	fuzz_args_spelt(a->port, a->port_opt);
	switch (args_dart(a, &t, &pf, &ignored)) {
	case DART_CONNECT:
		if (ignored != NULL)
			fuzz_fail("connect, yet ignored: %s", ignored);
		fuzz_args_connect(a, &t);
		break;
	case DART_FORM:
		fuzz_args_form(a, &pf, ignored);
		break;
	default:
		fuzz_fail("args_dart verdict out of range");
	}
	free(ignored);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct args	 a;
	char		*argv[FUZZ_ARGS_MAX + 2], *cause = NULL;
	const uint8_t	*p = data, *end = data + size, *nul;
	int		 argc = 1, i;

	argv[0] = xstrdup("tether");
	while (p < end && argc <= FUZZ_ARGS_MAX) {
		if ((nul = memchr(p, '\0', end - p)) == NULL)
			nul = end;
		argv[argc++] = fuzz_cstr(p, nul - p);
		p = nul + 1;
	}
	argv[argc] = NULL;
	if (args_parse(argc, argv, &a, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		if (a.ticket != NULL || a.ip != NULL || a.port != NULL)
			fuzz_fail("refusal leaves values behind");
		free(cause);
	} else {
		if (a.cmdc < 0 || a.cmdc > argc - 1 ||
		    a.cmdv != argv + argc - a.cmdc)
			fuzz_fail("command words %d at %td", a.cmdc,
			    a.cmdv - argv);
		fuzz_args_judge(&a);
		args_free(&a);
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return (0);
}
