/* SPDX-License-Identifier: ISC */

/*
 * The reason for a connection: a ticket-system reference or a few words,
 * sent by the viewer as the TETHER_REASON environment variable. The
 * session process passes it to its monitor, which keeps it, audits it,
 * puts it in the recordings' headers and has the listener show it on the
 * agent's screen. With require_reason, a connection without one gets no
 * shell, command or sftp.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tetherd.h"

/* One connection a monitor: the reason is the connection's. */
static char	*reason_text;

/*
 * The length of the printable UTF-8 character at s, or 0: a C0 or C1
 * control (a terminal takes U+009B as CSI), DEL, or a byte that is not
 * part of a well-formed sequence.
 */
static size_t
reason_char(const unsigned char *s)
{
	uint32_t	 cp;
	size_t		 n, i;

	if (*s < 0x80)
		return (*s >= 0x20 && *s != 0x7f);
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return (0);
	cp = *s & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong, surrogates, past U+10FFFF, and the C1 controls. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp < 0xa0))
		return (0);
	return (n);
}

/* Printable text, no control characters, not too long. */
int
reason_valid(const char *s)
{
	size_t	 len = strlen(s), i, n;

	if (len == 0 || len > TETHERD_REASON_MAX)
		return (0);
	for (i = 0; i < len; i += n) {
		if ((n = reason_char((const unsigned char *)s + i)) == 0)
			return (0);
	}
	return (1);
}

/*
 * Text from elsewhere made fit for the local console, in place: every
 * byte that is not part of a printable character becomes '?'.
 */
void
reason_clean(char *s)
{
	size_t	 n;

	while (*s != '\0') {
		if ((n = reason_char((unsigned char *)s)) == 0) {
			*s++ = '?';
			continue;
		}
		s += n;
	}
}

/*
 * In the session process: TETHER_REASON arrived on a channel. Text the
 * monitor would refuse is refused here, so that the client learns it.
 */
int
reason_send(struct sess *s, const char *value)
{
	struct msg	 m;
	int		 rc;

	if (!reason_valid(value)) {
		debug("TETHER_REASON refused");
		return (-1);
	}
	msg_init(&m, MON_REASON);
	msg_put_str(&m, value);
	rc = msg_send(s->mon_fd, &m);
	msg_free(&m);
	return (rc == 0 ? 0 : -1);
}

/*
 * In the monitor. The first reason is the connection's; the viewer sends
 * it once, and a later one that differs is logged but does not replace
 * what the audit already holds. The session checked the text; a session
 * that sends what it should have refused has broken the protocol.
 */
int
reason_set(struct sess *s, const char *value)
{
	struct msg	 m;

	if (!reason_valid(value))
		return (-1);
	if (reason_text != NULL) {
		if (strcmp(reason_text, value) != 0)
			info("a second reason ignored");
		return (0);
	}
	reason_text = xstrdup(value);
	info("reason: %s", reason_text);
	audit(s->ag, "reason", "from", s->from, "session", s->id, "reason",
	    reason_text, (char *)NULL);
	msg_init(&m, MON_L_REASON);
	msg_put_str(&m, reason_text);
	if (msg_send(s->report_fd, &m) != 0)
		debug_r("reason to listener");
	msg_free(&m);
	return (0);
}

const char *
reason_get(void)
{
	return (reason_text);
}

/*
 * In the monitor: require_reason and none given refuses what would act on
 * the machine. info and help only read, and tell the viewer one is wanted.
 */
int
reason_missing(struct chan *c, const char *verb)
{
	if (!c->sess->ag->conf.require_reason || reason_text != NULL)
		return (0);
	if (verb != NULL && (strcmp(verb, "info") == 0 ||
	    strcmp(verb, "help") == 0))
		return (0);
	info("refused: no reason given");
	audit(c->sess->ag, "refused", "from", c->sess->from, "session",
	    c->sess->id, "reason", "require_reason", (char *)NULL);
	return (1);
}

/* In the listener: the reason on the local user's screen. */
void
reason_report(struct agent *ag, struct conn *c, const char *text)
{
	char	 safe[TETHERD_REASON_MAX + 1];
	size_t	 i;

	(void)ag;
	/* From a monitor: cleaned again all the same. */
	for (i = 0; i < sizeof safe - 1 && text[i] != '\0'; i++)
		safe[i] = text[i];
	safe[i] = '\0';
	reason_clean(safe);
	printf("\r\nconnected: %s, reason: %s\r\n", c->from, safe);
	fflush(stdout);
}
