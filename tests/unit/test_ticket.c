/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/ticket.c: new tickets are twelve uniform digits,
 * typed input is normalised (spaces and dashes dropped) or refused with a
 * cause, tickets print as NNNN-NNNN-NNNN, and a password matches only its own.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"

/* Twenty thousand digits; each of the ten is expected 2000 times. */
#define SAMPLE_TICKETS	1667
#define SAMPLE_DIGITS	(SAMPLE_TICKETS * TICKET_DIGITS)

static void
assert_all_digits(const struct ticket *t)
{
	size_t	 i;

	assert_int_equal(strlen(t->digits), TICKET_DIGITS);
	for (i = 0; i < TICKET_DIGITS; i++)
		assert_true(t->digits[i] >= '0' && t->digits[i] <= '9');
}

/* A refused ticket leaves no digits behind. */
static void
assert_wiped(const struct ticket *t)
{
	static const struct ticket	 zero;

	assert_memory_equal(t, &zero, sizeof *t);
}

static void
assert_refused(const char *typed, const char *want)
{
	struct ticket	 t;
	char		*cause = NULL;

	memset(&t, 'x', sizeof t);
	assert_int_equal(ticket_parse(typed, &t, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	assert_wiped(&t);
}

static void
assert_parses(const char *typed, const char *want)
{
	struct ticket	 t;
	char		*cause = NULL;

	assert_int_equal(ticket_parse(typed, &t, &cause), 0);
	assert_null(cause);
	assert_string_equal(t.digits, want);
}

static void
test_new_twelve_digits(void **state)
{
	struct ticket	 t;

	(void)state;
	memset(&t, 'x', sizeof t);
	ticket_new(&t);
	assert_all_digits(&t);
}

static void
test_new_differs(void **state)
{
	struct ticket	 a, b;

	(void)state;
	ticket_new(&a);
	ticket_new(&b);
	assert_all_digits(&a);
	assert_all_digits(&b);
	/* Equal by chance once in 10^12 runs. */
	assert_string_not_equal(a.digits, b.digits);
}

/*
 * A sanity check, not a test of uniformity: the standard deviation of each
 * count is about 42, so the bound is seven of them and never trips by
 * chance, but a digit that is missing or twice as common is caught.
 */
static void
test_new_distribution(void **state)
{
	struct ticket	 t;
	unsigned int	 count[10] = { 0 };
	size_t		 i, j;

	(void)state;
	for (i = 0; i < SAMPLE_TICKETS; i++) {
		ticket_new(&t);
		assert_all_digits(&t);
		for (j = 0; j < TICKET_DIGITS; j++)
			count[t.digits[j] - '0']++;
	}
	for (i = 0; i < 10; i++) {
		assert_in_range(count[i], SAMPLE_DIGITS / 10 - 300,
		    SAMPLE_DIGITS / 10 + 300);
	}
}

static void
test_parse_normalises(void **state)
{
	(void)state;
	assert_parses("4821 0937-5563", "482109375563");
	assert_parses("482109375563", "482109375563");
	assert_parses("4821-0937-5563", "482109375563");
	assert_parses(" - 4821--0937  5563 -", "482109375563");
	assert_parses("000000000000", "000000000000");
}

static void
test_parse_refuses_count(void **state)
{
	(void)state;
	assert_refused("48210937556", "a ticket has 12 digits, this has 11");
	assert_refused("4821-0937-556", "a ticket has 12 digits, this has 11");
	assert_refused("4821093755631",
	    "a ticket has 12 digits, this has more");
	assert_refused("", "a ticket has 12 digits, this has 0");
	assert_refused(" - -", "a ticket has 12 digits, this has 0");
}

static void
test_parse_refuses_characters(void **state)
{
	static const char	*only =
	    "a ticket has only digits, spaces and dashes";

	(void)state;
	assert_refused("4821-0937-556a", only);
	assert_refused("abcd-efgh-ijkl", only);
	assert_refused("4821\t0937\t5563", only);
	assert_refused("4821_0937_5563", only);
	assert_refused("+48210937556", only);
	assert_refused("4821.0937.5563", only);
	/* Fullwidth digit four, U+FF14, is not an ASCII digit. */
	assert_refused("\xef\xbc\x94" "82109375563", only);
}

static void
test_format(void **state)
{
	struct ticket	 t;
	char		 buf[32];
	char		*cause = NULL;

	(void)state;
	assert_int_equal(ticket_parse("482109375563", &t, &cause), 0);
	memset(buf, 'X', sizeof buf);
	ticket_format(&t, buf, sizeof buf);
	assert_string_equal(buf, "4821-0937-5563");
	assert_int_equal(buf[TICKET_TEXT], 'X');

	/* The exact size is enough. */
	memset(buf, 'X', sizeof buf);
	ticket_format(&t, buf, TICKET_TEXT);
	assert_string_equal(buf, "4821-0937-5563");
	assert_int_equal(buf[TICKET_TEXT], 'X');
}

static void
test_format_parses_back(void **state)
{
	struct ticket	 t, u;
	char		 buf[TICKET_TEXT];
	char		*cause = NULL;

	(void)state;
	ticket_new(&t);
	ticket_format(&t, buf, sizeof buf);
	assert_int_equal(ticket_parse(buf, &u, &cause), 0);
	assert_string_equal(t.digits, u.digits);
}

static void
test_matches(void **state)
{
	struct ticket	 t;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(ticket_parse("482109375563", &t, &cause), 0);

	assert_int_equal(ticket_matches(&t, "482109375563"), 1);
	assert_int_equal(ticket_matches(&t, "4821-0937-5563"), 1);
	assert_int_equal(ticket_matches(&t, "4821 0937 5563"), 1);
	assert_int_equal(ticket_matches(&t, "4821 0937-5563"), 1);

	/* One digit off, at either end or in the middle. */
	assert_int_equal(ticket_matches(&t, "382109375563"), 0);
	assert_int_equal(ticket_matches(&t, "482109375564"), 0);
	assert_int_equal(ticket_matches(&t, "4821-0947-5563"), 0);

	/* A prefix, an extension, and garbage. */
	assert_int_equal(ticket_matches(&t, "48210937556"), 0);
	assert_int_equal(ticket_matches(&t, "4821093755630"), 0);
	assert_int_equal(ticket_matches(&t, "4821-0937-556a"), 0);
	assert_int_equal(ticket_matches(&t, "password"), 0);
	assert_int_equal(ticket_matches(&t, ""), 0);
}

static void
test_clear(void **state)
{
	struct ticket	 t;

	(void)state;
	ticket_new(&t);
	ticket_clear(&t);
	assert_wiped(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_twelve_digits),
		cmocka_unit_test(test_new_differs),
		cmocka_unit_test(test_new_distribution),
		cmocka_unit_test(test_parse_normalises),
		cmocka_unit_test(test_parse_refuses_count),
		cmocka_unit_test(test_parse_refuses_characters),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parses_back),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_clear),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
