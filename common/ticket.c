/* SPDX-License-Identifier: ISC */

/*
 * The ticket: twelve decimal digits from the CSPRNG, shown NNNN-NNNN-NNNN.
 * Typed input may carry spaces and dashes; anything else is refused.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common.h"

/* Each digit takes one random byte below 250, so all ten are equally likely. */
void
ticket_new(struct ticket *t)
{
	uint8_t	 buf[32];
	size_t	 i, n = 0;

	while (n < TICKET_DIGITS) {
		if (RAND_bytes(buf, sizeof buf) != 1)
			fatalx("ticket: RAND_bytes failed");
		for (i = 0; i < sizeof buf && n < TICKET_DIGITS; i++) {
			if (buf[i] < 250)
				t->digits[n++] = '0' + buf[i] % 10;
		}
	}
	t->digits[n] = '\0';
	explicit_bzero(buf, sizeof buf);
}

int
ticket_parse(const char *s, struct ticket *t, char **cause)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '-')
			continue;
		if (!isdigit((unsigned char)*s)) {
			*cause = xstrdup("a ticket has only digits, spaces "
			    "and dashes");
			ticket_clear(t);
			return (-1);
		}
		if (n == TICKET_DIGITS) {
			*cause = xstrdup("a ticket has 12 digits, this has "
			    "more");
			ticket_clear(t);
			return (-1);
		}
		t->digits[n++] = *s;
	}
	t->digits[n] = '\0';
	if (n != TICKET_DIGITS) {
		xasprintf(cause, "a ticket has 12 digits, this has %zu", n);
		ticket_clear(t);
		return (-1);
	}
	return (0);
}

void
ticket_format(const struct ticket *t, char *buf, size_t len)
{
	const char	*d = t->digits;

	if (len < TICKET_TEXT)
		fatalx("ticket_format: buffer too small");
	memcpy(buf, d, 4);
	buf[4] = '-';
	memcpy(buf + 5, d + 4, 4);
	buf[9] = '-';
	memcpy(buf + 10, d + 8, 4);
	buf[14] = '\0';
}

/*
 * Does typed text (a password) name this ticket? The comparison of the
 * digits takes the same time wherever they differ.
 */
int
ticket_matches(const struct ticket *t, const char *typed)
{
	struct ticket	 u;
	char		*cause;
	int		 ok;

	if (ticket_parse(typed, &u, &cause) != 0) {
		free(cause);
		return (0);
	}
	ok = CRYPTO_memcmp(t->digits, u.digits, TICKET_DIGITS) == 0;
	ticket_clear(&u);
	return (ok);
}

void
ticket_clear(struct ticket *t)
{
	explicit_bzero(t, sizeof *t);
}
