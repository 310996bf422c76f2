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

/* Printable text, no control characters, not too long. */
int
reason_valid(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > TETHERD_REASON_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	}
	return (1);
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
		safe[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ?
		    '?' : text[i];
	safe[i] = '\0';
	printf("\r\nconnected: %s, reason: %s\r\n", c->from, safe);
	fflush(stdout);
}
