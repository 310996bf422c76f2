/* SPDX-License-Identifier: ISC */

/*
 * The ticket form: ticket (dashes appear as the digits are typed), IP
 * address and port; then, optional, the relay to go through and the
 * reason for the connection. Enter checks them and connects; Esc leaves.
 */

#include <ctype.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

enum { FIELD_TICKET, FIELD_IP, FIELD_PORT, FIELD_RELAY, FIELD_REASON,
	FIELD_CONNECT, FIELD_COUNT };

#define FORM_TEXT_MAX	(TETHER_RELAY_MAX > TETHER_REASON_MAX ? \
			    TETHER_RELAY_MAX : TETHER_REASON_MAX + 1)
#define FORM_PRINTABLE	""	/* any printable character */

struct form_field {
	const char	*label;
	size_t		 max;		/* characters the field holds */
	const char	*allowed;	/* characters it takes, NULL: none */
	int		 width;		/* on the screen */
};

static const struct form_field form_fields[FIELD_COUNT] = {
	{ "Ticket",	TICKET_DIGITS,	"0123456789", 14 },
	{ "IP address",	TETHER_IP_MAX - 1,
	    "0123456789abcdefABCDEF.:[]%" "ghijklmnopqrstuvwxyz", 40 },
	{ "Port",	5,		"0123456789", 5 },
	{ "Relay",	TETHER_RELAY_MAX - 1,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_@:[]", 40 },
	{ "Reason",	TETHER_REASON_MAX, FORM_PRINTABLE, 60 },
	{ NULL,		0,		NULL, 0 }
};

struct form {
	char	 text[FIELD_COUNT][FORM_TEXT_MAX];
	int	 focus;
	char	*status;
	int	 status_bad;
};

static void
form_draw_field(struct form *f, int i, int y, int x)
{
	char	 shown[FORM_TEXT_MAX + 4];
	size_t	 n, k, w = form_fields[i].width;

	if (i == FIELD_CONNECT) {
		if (f->focus == i)
			attron(A_REVERSE);
		mvaddstr(y, x, "[ Connect ]");
		attroff(A_REVERSE);
		return;
	}
	mvprintw(y, 2, "%-12s", form_fields[i].label);
	if (i == FIELD_TICKET) {
		/* 482109375563 shows as 4821-0937-5563 while typed. */
		for (n = 0, k = 0; f->text[i][n] != '\0'; n++) {
			if (n == 4 || n == 8)
				shown[k++] = '-';
			shown[k++] = f->text[i][n];
		}
		shown[k] = '\0';
	} else if (i >= FIELD_RELAY && (n = strlen(f->text[i])) >= w)
		/* A long reason scrolls: its end, where the typing is. */
		snprintf(shown, sizeof shown, "%s", f->text[i] + n - (w - 1));
	else
		snprintf(shown, sizeof shown, "%s", f->text[i]);
	attron(A_UNDERLINE);
	mvprintw(y, x, "%-*s", (int)w, shown);
	attroff(A_UNDERLINE);
}

static void
form_draw(struct form *f)
{
	int	 i, y = 4, x = 16, cy = 0, cx = 0;
	size_t	 n;

	if (ui_too_small())
		return;
	erase();
	attron(A_BOLD | COLOR_PAIR(3));
	mvprintw(1, 2, "tether %s - remote rescue viewer", TETHER_VERSION);
	attroff(A_BOLD | COLOR_PAIR(3));
	for (i = 0; i < FIELD_COUNT; i++, y += 2) {
		form_draw_field(f, i, y, x);
		if (i == f->focus) {
			n = strlen(f->text[i]);
			cy = y;
			if (i >= FIELD_RELAY &&
			    n >= (size_t)form_fields[i].width)
				n = form_fields[i].width - 1;
			cx = x + (int)n + (i == FIELD_TICKET ? (n > 8 ? 2 :
			    n > 4 ? 1 : 0) : 0);
		}
	}
	mvaddstr(y + 1, 2, "Tab/arrows move, Enter connects, Esc quits");
	mvaddstr(y + 2, 2, "With no address, Enter looks for agents on the LAN");
	if (f->status != NULL) {
		attron(COLOR_PAIR(f->status_bad ? 1 : 2));
		mvaddnstr(LINES - 2, 2, f->status, COLS - 4);
		attroff(COLOR_PAIR(f->status_bad ? 1 : 2));
	}
	if (f->focus == FIELD_CONNECT) {
		curs_set(0);
	} else {
		curs_set(1);
		move(cy, cx);
	}
	refresh();
}

static void
form_status(struct form *f, int bad, const char *msg)
{
	free(f->status);
	f->status = msg != NULL ? xstrdup(msg) : NULL;
	f->status_bad = bad;
}

/* Check the three fields; on error focus the bad one and say why. */
static int
form_check(struct form *f, struct target *t)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*cause;

	if (ticket_parse(f->text[FIELD_TICKET], &t->ticket, &cause) != 0) {
		f->focus = FIELD_TICKET;
		goto bad;
	}
	/* No address: the candidates screen looks for agents on the LAN. */
	if (f->text[FIELD_RELAY][0] != '\0' &&
	    args_relay_check(f->text[FIELD_RELAY], &cause) != 0) {
		f->focus = FIELD_RELAY;
		goto bad;
	}
	if (f->text[FIELD_REASON][0] != '\0' &&
	    args_reason_check(f->text[FIELD_REASON], &cause) != 0) {
		f->focus = FIELD_REASON;
		goto bad;
	}
	/* Through a relay, the address is as the relay sees it. */
	if (f->text[FIELD_RELAY][0] != '\0' &&
	    f->text[FIELD_IP][0] == '\0') {
		cause = xstrdup("through a relay, the address is the one the "
		    "relay reaches the agent at (localhost)");
		f->focus = FIELD_IP;
		goto bad;
	}
	if (f->text[FIELD_IP][0] != '\0' && !(f->text[FIELD_RELAY][0] !=
	    '\0' && strcmp(f->text[FIELD_IP], "localhost") == 0) &&
	    net_parse_ip(f->text[FIELD_IP], &ss, &len, &cause) != 0) {
		f->focus = FIELD_IP;
		goto bad;
	}
	if (net_parse_port(f->text[FIELD_PORT], &t->port, &cause) != 0) {
		f->focus = FIELD_PORT;
		goto bad;
	}
	if (t->port == 0) {
		cause = xstrdup("port 0 cannot be connected to");
		f->focus = FIELD_PORT;
		goto bad;
	}
	snprintf(t->ip, sizeof t->ip, "%.*s", (int)sizeof t->ip - 1,
	    f->text[FIELD_IP]);
	snprintf(t->relay, sizeof t->relay, "%s", f->text[FIELD_RELAY]);
	snprintf(t->reason, sizeof t->reason, "%.*s", TETHER_REASON_MAX,
	    f->text[FIELD_REASON]);
	return (0);
bad:
	form_status(f, 1, cause);
	free(cause);
	return (-1);
}

static void
form_type(struct form *f, int key)
{
	char	*s = f->text[f->focus];
	size_t	 n = strlen(s);

	if (f->focus == FIELD_CONNECT)
		return;
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		if (n > 0)
			s[n - 1] = '\0';
		return;
	}
	if (key == 21) {	/* ^U */
		s[0] = '\0';
		return;
	}
	if (key >= 0x20 && key < 0x7f && (*form_fields[f->focus].allowed ==
	    '\0' || strchr(form_fields[f->focus].allowed, key) != NULL) &&
	    n < form_fields[f->focus].max) {
		s[n] = (char)key;
		s[n + 1] = '\0';
	}
}

/*
 * Run the form until the user connects or quits. On entry pf and *status
 * say how to start (bad: the status is an error); on FORM_CONNECT t is a
 * checked target, and pf keeps the text so the form comes back as it was
 * left.
 */
int
form_run(struct prefill *pf, struct target *t, char **status, int bad)
{
	struct form	 f;
	int		 key, rc = FORM_QUIT;

	memset(&f, 0, sizeof f);
	memset(t, 0, sizeof *t);
	snprintf(f.text[FIELD_TICKET], sizeof f.text[0], "%s", pf->ticket);
	snprintf(f.text[FIELD_IP], sizeof f.text[0], "%s", pf->ip);
	snprintf(f.text[FIELD_PORT], sizeof f.text[0], "%s",
	    pf->port[0] != '\0' ? pf->port : "7022");
	snprintf(f.text[FIELD_RELAY], sizeof f.text[0], "%s", pf->relay);
	snprintf(f.text[FIELD_REASON], sizeof f.text[0], "%s", pf->reason);
	if (f.text[FIELD_TICKET][0] != '\0')
		f.focus = f.text[FIELD_IP][0] == '\0' ? FIELD_IP :
		    FIELD_CONNECT;
	if (*status != NULL) {
		form_status(&f, bad, *status);
		free(*status);
		*status = NULL;
	}
	for (;;) {
		form_draw(&f);
		key = getch();
		if (key == 27 || key == KEY_F(10) || key == 3)
			break;
		if (key == '\t' || key == KEY_DOWN)
			f.focus = (f.focus + 1) % FIELD_COUNT;
		else if (key == KEY_BTAB || key == KEY_UP)
			f.focus = (f.focus + FIELD_COUNT - 1) % FIELD_COUNT;
		else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
			if (form_check(&f, t) == 0) {
				rc = FORM_CONNECT;
				break;
			}
		} else
			form_type(&f, key);
	}
	memcpy(pf->ticket, f.text[FIELD_TICKET], sizeof pf->ticket);
	snprintf(pf->ip, sizeof pf->ip, "%.*s", (int)sizeof pf->ip - 1,
	    f.text[FIELD_IP]);
	snprintf(pf->port, sizeof pf->port, "%.5s", f.text[FIELD_PORT]);
	snprintf(pf->relay, sizeof pf->relay, "%s", f.text[FIELD_RELAY]);
	snprintf(pf->reason, sizeof pf->reason, "%.*s", TETHER_REASON_MAX,
	    f.text[FIELD_REASON]);
	explicit_bzero(f.text[FIELD_TICKET], sizeof f.text[FIELD_TICKET]);
	free(f.status);
	return (rc);
}
