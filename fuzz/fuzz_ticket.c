/* SPDX-License-Identifier: ISC */

/*
 * The ticket as typed: ticket_parse() (viewer form and flags) and
 * ticket_matches() (the agent's password check), against the rule in the
 * design: drop spaces and dashes, then exactly twelve digits.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* The rule written out again, plainly: 1 and the digits if s is a ticket. */
static int
fuzz_ticket_rule(const char *s, char *digits)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '-')
			continue;
		if (*s < '0' || *s > '9' || n == TICKET_DIGITS)
			return (0);
		digits[n++] = *s;
	}
	digits[n] = '\0';
	return (n == TICKET_DIGITS);
}

static int
fuzz_ticket_zero(const struct ticket *t)
{
	const unsigned char	*p = (const unsigned char *)t;
	size_t			 i;

	for (i = 0; i < sizeof *t; i++) {
		if (p[i] != 0)
			return (0);
	}
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 known[] = "482109375563";
	struct ticket		 t, k, again;
	char			*s, *cause = NULL, want[TICKET_DIGITS + 1];
	char			 text[TICKET_TEXT];
	int			 ok, valid;

	s = fuzz_cstr(data, size);
	memset(&t, 0xa5, sizeof t);
	ok = ticket_parse(s, &t, &cause) == 0;
	valid = fuzz_ticket_rule(s, want);
	if (ok != valid)
		fuzz_fail("ticket_parse says %d, the rule says %d", ok, valid);
	if (!ok) {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		if (!fuzz_ticket_zero(&t))
			fuzz_fail("refused ticket not wiped");
		free(cause);
	} else {
		if (cause != NULL)
			fuzz_fail("cause set on success");
		if (strcmp(t.digits, want) != 0)
			fuzz_fail("digits \"%s\", want \"%s\"", t.digits, want);
		ticket_format(&t, text, sizeof text);
		if (strlen(text) != TICKET_TEXT - 1)
			fuzz_fail("formatted ticket \"%s\"", text);
		if (ticket_parse(text, &again, &cause) != 0 ||
		    strcmp(again.digits, t.digits) != 0)
			fuzz_fail("formatted ticket does not parse back");
		if (!ticket_matches(&t, s))
			fuzz_fail("a ticket does not match its own text");
	}
	if (ticket_parse(known, &k, &cause) != 0)
		fuzz_fail("known ticket refused");
	if (ticket_matches(&k, s) != (valid && strcmp(want, known) == 0))
		fuzz_fail("ticket_matches wrong for the known ticket");
	free(s);
	return (0);
}
