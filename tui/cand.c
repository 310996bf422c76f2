/* SPDX-License-Identifier: ISC */

/*
 * The candidates screen, after the form: discovery's agents that hold the
 * ticket plus any typed address, probed live, working ones first. Enter
 * connects, r probes again, a adds an address, q or Esc goes back. Every
 * network wait is bounded and the screen is redrawn while it lasts.
 */

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tether.h"

struct cand {
	const struct target	*t;
	char			**ifaces;
	int			 nifaces;
	struct cand_list	 list;
	int			 sel;
	const char		*busy;		/* what is being waited for */
	struct timespec		 busy_since;
	char			*status;
	int			 status_bad;
	int			 cancelled;
};

static void
cand_status(struct cand *c, int bad, char *msg)
{
	free(c->status);
	c->status = msg;
	c->status_bad = bad;
}

/* The address column takes what 80 columns leave, and more if there is. */
static int
cand_addr_width(void)
{
	int	 w = COLS - 56;

	return (w < 24 ? 24 : w > 46 ? 46 : w);
}

static void
cand_draw_row(struct cand *c, int i, int y)
{
	struct candidate	*k = &c->list.v[i];
	const char		*v = probe_verdict(k->verdict);
	char			 lat[16];
	int			 w = cand_addr_width(), room;

	if (k->verdict == CAND_PROBING || k->us == 0 ||
	    (k->verdict != CAND_OK && k->verdict != CAND_MISMATCH &&
	    k->verdict != CAND_NOT_TETHER))
		snprintf(lat, sizeof lat, "-");
	else
		snprintf(lat, sizeof lat, "%.1f ms", k->us / 1000.0);
	if (i == c->sel)
		attron(A_REVERSE);
	mvprintw(y, 2, "%c %-14.14s %-*.*s %5d %9s  ", i == c->sel ? '>' :
	    ' ', k->host, w, w, k->ip, k->port, lat);
	if (i == c->sel)
		attroff(A_REVERSE);
	if (k->verdict == CAND_OK || k->verdict == CAND_MISMATCH)
		attron(COLOR_PAIR(k->verdict == CAND_OK ? 2 : 1));
	/* Every verdict is at most 18 columns; clip on a narrow screen. */
	room = COLS - getcurx(stdscr);
	if (room >= 18)
		addstr(v);
	else if (room > 0)
		addnstr(v, room);
	attroff(COLOR_PAIR(1) | COLOR_PAIR(2));
}

static void
cand_draw(struct cand *c)
{
	struct timespec	 now;
	int		 i, y = 5, rows = LINES - 9, first = 0, ms;

	if (ui_too_small())
		return;
	erase();
	attron(A_BOLD | COLOR_PAIR(3));
	mvprintw(1, 2, "tether %s - candidates", TETHER_VERSION);
	attroff(A_BOLD | COLOR_PAIR(3));
	attron(A_BOLD);
	mvprintw(3, 2, "  %-14s %-*s %5s %9s  %s", "HOST", cand_addr_width(),
	    "ADDRESS", "PORT", "LATENCY", "VERDICT");
	attroff(A_BOLD);
	if (rows < 1)
		rows = 1;
	if (c->sel >= rows)
		first = c->sel - rows + 1;
	for (i = first; i < c->list.n && i < first + rows; i++)
		cand_draw_row(c, i, y++);
	if (c->list.n == 0 && c->busy == NULL)
		mvaddstr(y, 4, "no candidates: a adds an address, q goes back");
	mvaddstr(LINES - 4, 2,
	    "Enter connects, r probes again, a adds an address, q/Esc back");
	if (c->busy != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - c->busy_since.tv_sec) * 1000 +
		    (now.tv_nsec - c->busy_since.tv_nsec) / 1000000;
		mvprintw(LINES - 2, 2, "%s (%.1f s)", c->busy, ms / 1000.0);
	} else if (c->status != NULL) {
		attron(COLOR_PAIR(c->status_bad ? 1 : 2));
		mvaddnstr(LINES - 2, 2, c->status, COLS - 4);
		attroff(COLOR_PAIR(c->status_bad ? 1 : 2));
	}
	curs_set(0);
	refresh();
}

/* While waiting on the network: redraw, and let q or Esc stop the wait. */
static int
cand_tick(void *arg)
{
	struct cand	*c = arg;
	int		 key;

	cand_draw(c);
	while ((key = getch()) != ERR) {
		if (key == 'q' || key == 27 || key == 3)
			c->cancelled = 1;
	}
	return (c->cancelled);
}

static void
cand_busy(struct cand *c, const char *what)
{
	c->busy = what;
	clock_gettime(CLOCK_MONOTONIC, &c->busy_since);
	timeout(0);
}

static void
cand_idle(struct cand *c)
{
	c->busy = NULL;
	timeout(-1);
}

static void
cand_probe(struct cand *c)
{
	int	 i, ok = 0;
	char	*msg;

	cand_busy(c, "probing");
	probe_run(&c->t->ticket, &c->list, cand_tick, c);
	cand_idle(c);
	probe_sort(&c->list);
	c->sel = 0;
	for (i = 0; i < c->list.n; i++)
		ok += c->list.v[i].verdict == CAND_OK;
	xasprintf(&msg, "%d of %d candidate%s hold%s the ticket", ok,
	    c->list.n, c->list.n == 1 ? "" : "s", ok == 1 ? "s" : "");
	cand_status(c, ok == 0, msg);
}

static void
cand_discover(struct cand *c)
{
	struct discover_result	 res;
	char			*msg, *busy;

	xasprintf(&busy, "discovering agents on the LAN (%d interface%s)",
	    c->nifaces, c->nifaces == 1 ? "" : "s");
	cand_busy(c, busy);
	discover_find(&c->t->ticket, c->t->port, c->ifaces, c->nifaces,
	    &c->list, &res, cand_tick, c);
	cand_idle(c);
	free(busy);
	/* An agent answers once per interface and address family. */
	if (res.replies == 0)
		xasprintf(&msg, "discovery: no agent answered%s%s",
		    res.errors != NULL ? "; " : "", res.errors != NULL ?
		    res.errors : "");
	else
		xasprintf(&msg, "discovery: %d agent%s in %d repl%s, %d "
		    "holding the ticket%s%s", res.agents, res.agents == 1 ?
		    "" : "s", res.replies, res.replies == 1 ? "y" : "ies",
		    res.matched, res.errors != NULL ? "; " : "",
		    res.errors != NULL ? res.errors : "");
	free(res.errors);
	cand_status(c, 0, msg);
}

/* A line editor on the status line for the a key; NULL if abandoned. */
static char *
cand_prompt(struct cand *c, const char *label)
{
	char	 buf[TETHER_IP_MAX];
	size_t	 n = 0;
	int	 key;

	buf[0] = '\0';
	for (;;) {
		cand_draw(c);
		move(LINES - 2, 0);
		clrtoeol();
		mvprintw(LINES - 2, 2, "%s: %s", label, buf);
		curs_set(1);
		refresh();
		key = getch();
		if (key == 27 || key == 3 || key == KEY_F(10))
			return (NULL);
		if (key == '\r' || key == '\n' || key == KEY_ENTER)
			return (xstrdup(buf));
		if ((key == KEY_BACKSPACE || key == 127 || key == 8) && n > 0)
			buf[--n] = '\0';
		else if (key >= 32 && key < 127 && n < sizeof buf - 1 &&
		    strchr("0123456789abcdefABCDEF.:[]% " "ghijklmnopqrstuvwxyz",
		    key) != NULL) {
			buf[n++] = (char)key;
			buf[n] = '\0';
		}
	}
}

/* a: "ADDRESS" (the form's port) or "ADDRESS PORT". */
static void
cand_add(struct cand *c)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*line, *ip, *port, *last, *cause;
	int			 p = c->t->port;

	if ((line = cand_prompt(c, "Address [port]")) == NULL)
		return;
	ip = strtok_r(line, " ", &last);
	port = strtok_r(NULL, " ", &last);
	if (ip == NULL || strtok_r(NULL, " ", &last) != NULL)
		cause = xstrdup("type an address and, if need be, a port");
	else if (net_parse_ip(ip, &ss, &len, &cause) == 0 && (port == NULL ||
	    net_parse_port(port, &p, &cause) == 0)) {
		if (p != 0) {
			probe_add(&c->list, NULL, ip, p);
			free(line);
			cand_probe(c);
			return;
		}
		cause = xstrdup("port 0 cannot be connected to");
	}
	cand_status(c, 1, cause);
	free(line);
}

static int
cand_connect(struct cand *c, struct target *out)
{
	struct candidate	*k;
	char			*msg;

	if (c->list.n == 0)
		return (-1);
	k = &c->list.v[c->sel];
	if (k->verdict != CAND_OK) {
		xasprintf(&msg, "%s: %s%s%s; r probes again", k->ip,
		    probe_verdict(k->verdict), k->why != NULL ? ": " : "",
		    k->why != NULL ? k->why : "");
		cand_status(c, 1, msg);
		return (-1);
	}
	memset(out, 0, sizeof *out);
	out->ticket = c->t->ticket;
	snprintf(out->ip, sizeof out->ip, "%s", k->ip);
	out->port = k->port;
	return (0);
}

/*
 * Run the screen for target t (its ticket, port and address if typed).
 * On CAND_CONNECT, out is the chosen agent; *status says why otherwise.
 */
int
cand_run(const struct target *t, char **ifaces, int nifaces,
    struct target *out, char **status)
{
	struct cand	 c;
	int		 key, rc = CAND_BACK;

	memset(&c, 0, sizeof c);
	c.t = t;
	c.ifaces = ifaces;
	c.nifaces = nifaces;
	if (t->ip[0] != '\0')
		probe_add(&c.list, NULL, t->ip, t->port);
	if (nifaces > 0)
		cand_discover(&c);
	if (!c.cancelled && c.list.n > 0)
		cand_probe(&c);
	else if (!c.cancelled && c.status == NULL)
		cand_status(&c, 1, xstrdup("no interface to look for agents "
		    "on (see --discover-on); a adds an address"));
	while (!c.cancelled) {
		cand_draw(&c);
		key = getch();
		if (key == 'q' || key == 27 || key == 3 || key == KEY_F(10))
			break;
		if ((key == KEY_DOWN || key == 'j') && c.sel + 1 < c.list.n)
			c.sel++;
		else if ((key == KEY_UP || key == 'k') && c.sel > 0)
			c.sel--;
		else if (key == 'r')
			cand_probe(&c);
		else if (key == 'a')
			cand_add(&c);
		else if ((key == '\r' || key == '\n' || key == KEY_ENTER) &&
		    cand_connect(&c, out) == 0) {
			rc = CAND_CONNECT;
			break;
		}
	}
	cand_idle(&c);
	curs_set(1);
	*status = c.status;
	if (rc == CAND_CONNECT) {
		free(c.status);
		*status = NULL;
	}
	probe_free(&c.list);
	return (rc);
}
