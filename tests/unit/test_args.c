/* SPDX-License-Identifier: ISC */

/*
 * The viewer's command line and the DaRT rule, as a table: what was typed,
 * whether it connects at once, what the form starts with, what is named as
 * ignored.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tui/tether.h"

struct dart_case {
	const char	*argv[8];
	enum dart	 verdict;
	const char	*ticket;	/* target or prefill digits */
	const char	*ip;
	const char	*port;		/* prefill text, or target port */
	const char	*ignored;	/* NULL: nothing ignored */
	int		 cmdc;
};

static const struct dart_case dart_cases[] = {
	/* All three valid, in every spelling: connect at once. */
	{ { "tether", "-ticket=4821-0937-5563", "-ipaddress=10.0.0.5",
	    "-port=7022" }, DART_CONNECT, "482109375563", "10.0.0.5", "7022",
	    NULL, 0 },
	{ { "tether", "-TICKET=482109375563", "-IPAddress=::1",
	    "-Port=22" }, DART_CONNECT, "482109375563", "::1", "22", NULL, 0 },
	{ { "tether", "--ticket", "4821 0937 5563", "--ip", "127.0.0.1",
	    "--port", "1" }, DART_CONNECT, "482109375563", "127.0.0.1", "1",
	    NULL, 0 },
	{ { "tether", "--ticket=482109375563", "--ipaddress=[fe80::1]",
	    "--port=65535", "info" }, DART_CONNECT, "482109375563",
	    "[fe80::1]", "65535", NULL, 1 },
	/* A link-local address with its interface, as the agent shows it. */
	{ { "tether", "-ticket=482109375563", "-ipaddress=fe80::1%lo",
	    "-port=7022" }, DART_CONNECT, "482109375563", "fe80::1%lo",
	    "7022", NULL, 0 },
	{ { "tether", "-ticket=482109375563", "-ipaddress=fe80::1%nosuch0",
	    "-port=7022" }, DART_FORM, "", "", "",
	    "ignored -ipaddress=fe80::1%nosuch0 (bad address \"fe80::1%nosuch0\": "
	    "not an IPv4 or IPv6 address)", 0 },
	/* Nothing given: a blank form, nothing ignored. */
	{ { "tether" }, DART_FORM, "", "", "", NULL, 0 },
	/* Some valid, not all: the form starts with them. */
	{ { "tether", "-ticket=482109375563" }, DART_FORM, "482109375563",
	    "", "", NULL, 0 },
	{ { "tether", "-ipaddress=10.1.2.3", "-port=2222" }, DART_FORM, "",
	    "10.1.2.3", "2222", NULL, 0 },
	/* Any invalid: blank, and the status line says what and why. */
	{ { "tether", "-ticket=48210937556", "-ipaddress=10.0.0.5",
	    "-port=7022" }, DART_FORM, "", "", "",
	    "ignored -ticket=48210937556 (a ticket has 12 digits, this has 11)",
	    0 },
	{ { "tether", "-ticket=4821093755631", "-ipaddress=10.0.0.5",
	    "-port=7022" }, DART_FORM, "", "", "",
	    "ignored -ticket=4821093755631 (a ticket has 12 digits, this has "
	    "more)", 0 },
	{ { "tether", "-ticket=482109375563", "-ipaddress=10.0.0.256",
	    "-port=7022" }, DART_FORM, "", "", "",
	    "ignored -ipaddress=10.0.0.256 (bad address \"10.0.0.256\": not an "
	    "IPv4 or IPv6 address)", 0 },
	{ { "tether", "-ticket=482109375563", "-ipaddress=10.0.0.5",
	    "-port=0" }, DART_FORM, "", "", "",
	    "ignored -port=0 (port 0 cannot be connected to)", 0 },
	{ { "tether", "--ticket", "abc", "--ip", "host", "--port", "x" },
	    DART_FORM, "", "", "",
	    "ignored --ticket=abc (a ticket has only digits, spaces and "
	    "dashes), --ip=host (bad address \"host\": not an IPv4 or IPv6 "
	    "address), --port=x (bad port \"x\": not a number)", 0 },
	{ { "tether", "-ticket=482109375563" , "-port=65536" }, DART_FORM, "",
	    "", "", "ignored -port=65536 (bad port \"65536\": must be "
	    "0-65535)", 0 },
};

static int
argv_count(const char *const *argv)
{
	int	 n = 0;

	while (n < 8 && argv[n] != NULL)
		n++;
	return (n);
}

static void
test_dart_table(void **state)
{
	const struct dart_case	*dc;
	struct args		 a;
	struct target		 t;
	struct prefill		 pf;
	enum dart		 v;
	char			*cause, *ignored, port[8];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof dart_cases / sizeof dart_cases[0]; i++) {
		dc = &dart_cases[i];
		assert_int_equal(args_parse(argv_count(dc->argv),
		    (char **)dc->argv, &a, &cause), 0);
		v = args_dart(&a, &t, &pf, &ignored);
		assert_int_equal(v, dc->verdict);
		assert_int_equal(a.cmdc, dc->cmdc);
		if (v == DART_CONNECT) {
			assert_string_equal(t.ticket.digits, dc->ticket);
			assert_string_equal(t.ip, dc->ip);
			snprintf(port, sizeof port, "%d", t.port);
			assert_string_equal(port, dc->port);
		} else {
			assert_string_equal(pf.ticket, dc->ticket);
			assert_string_equal(pf.ip, dc->ip);
			assert_string_equal(pf.port, dc->port);
			/* Nothing of a refused command line survives. */
			assert_string_equal(t.ticket.digits, "");
		}
		if (dc->ignored == NULL)
			assert_null(ignored);
		else
			assert_string_equal(ignored, dc->ignored);
		free(ignored);
		args_free(&a);
	}
}

static void
test_parse_errors(void **state)
{
	const char	*missing[] = { "tether", "--ticket" };
	const char	*dart_bare[] = { "tether", "-ticket", "1" };
	const char	*unknown[] = { "tether", "-ipaddr=1.2.3.4" };
	const char	*help[] = { "tether", "-h", "--version" };
	const char	*dashdash[] = { "tether", "--", "-ticket=1" };
	struct args	 a;
	char		*cause;

	(void)state;
	assert_int_equal(args_parse(2, (char **)missing, &a, &cause), -1);
	assert_string_equal(cause, "option --ticket needs a value");
	free(cause);
	/* The DaRT spelling takes its value after "=" only. */
	assert_int_equal(args_parse(3, (char **)dart_bare, &a, &cause), -1);
	assert_string_equal(cause, "option -ticket needs a value");
	free(cause);
	assert_int_equal(args_parse(2, (char **)unknown, &a, &cause), -1);
	assert_string_equal(cause, "unknown option -ipaddr=1.2.3.4");
	free(cause);
	assert_int_equal(args_parse(3, (char **)help, &a, &cause), 0);
	assert_true(a.help);
	assert_true(a.version);
	args_free(&a);
	assert_int_equal(args_parse(3, (char **)dashdash, &a, &cause), 0);
	assert_null(a.ticket);
	assert_int_equal(a.cmdc, 1);
	assert_string_equal(a.cmdv[0], "-ticket=1");
	args_free(&a);
}

/* The last of a repeated option wins, as with getopt. */
static void
test_repeat(void **state)
{
	const char	*argv[] = { "tether", "--port", "1", "-port=2" };
	struct args	 a;
	char		*cause;

	(void)state;
	assert_int_equal(args_parse(4, (char **)argv, &a, &cause), 0);
	assert_string_equal(a.port, "2");
	assert_string_equal(a.port_opt, "-port");
	args_free(&a);
}

/* --discover-on: repeatable, comma lists, duplicates once, GNU form only. */
static void
test_discover_on(void **state)
{
	const char	*argv[] = { "tether", "--discover-on", "eth0,wlan0",
	    "--discover-on=lo", "--discover-on", "eth0", "info" };
	const char	*none[] = { "tether", "--ticket=1" };
	const char	*dart[] = { "tether", "-discover-on=lo" };
	struct args	 a;
	char		*cause;

	(void)state;
	assert_int_equal(args_parse(7, (char **)argv, &a, &cause), 0);
	assert_true(a.discover_given);
	assert_int_equal(a.ndiscover, 3);
	assert_string_equal(a.discover[0], "eth0");
	assert_string_equal(a.discover[1], "wlan0");
	assert_string_equal(a.discover[2], "lo");
	assert_int_equal(a.cmdc, 1);
	args_free(&a);
	assert_null(a.discover);
	assert_int_equal(args_parse(2, (char **)none, &a, &cause), 0);
	assert_false(a.discover_given);
	assert_int_equal(a.ndiscover, 0);
	args_free(&a);
	assert_int_equal(args_parse(2, (char **)dart, &a, &cause), -1);
	assert_string_equal(cause, "unknown option -discover-on=lo");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dart_table),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_discover_on),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
