/* SPDX-License-Identifier: ISC */

/*
 * The Roots screen: the offline systems the agent found (the roots verb),
 * with their OS, size, health and what they sit on. Enter selects one
 * (read-only), w selects it read-write, u releases the selection; Enter
 * on a locked container asks for its passphrase, l locks it again. The
 * diagnosis that follows a select is shown below, worst first; Tab moves
 * into it, and Enter on a finding with a fix opens that tool.
 */

#include <curses.h>
#include <yaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

static void
roots_entry_free(struct root_entry *r)
{
	free(r->id);
	free(r->os);
	free(r->health);
	free(r->problems);
	free(r->where);
	free(r->on);
	free(r->state);
}

static void
roots_clear(struct roots_ui *u)
{
	int	 i;

	for (i = 0; i < u->n; i++)
		roots_entry_free(&u->roots[i]);
	free(u->roots);
	u->roots = NULL;
	u->n = 0;
	free(u->current);
	u->current = NULL;
}

static void
roots_findings_clear(struct roots_ui *u)
{
	struct finding_entry	*f;
	int			 i;

	for (i = 0; i < u->nfind; i++) {
		f = &u->findings[i];
		free(f->severity);
		free(f->check);
		free(f->what);
		free(f->evidence);
		free(f->fix_tool);
		free(f->fix_arg);
		free(f->fix_command);
	}
	free(u->findings);
	u->findings = NULL;
	u->nfind = u->fsel = u->in_findings = 0;
}

/* The findings of a select's answer ("diagnosis:"), in its order. */
static void
roots_findings(struct roots_ui *u, const char *text, size_t len)
{
	yaml_document_t		 doc;
	yaml_node_t		*list, *m, *fix, *args;
	yaml_node_item_t	*it;
	struct finding_entry	*f;
	char			*cause;

	roots_findings_clear(u);
	if (yr_load(text, len, &doc, &cause) != 0) {
		free(cause);
		return;
	}
	list = yr_path(&doc, "diagnosis.findings");
	for (it = list != NULL && list->type == YAML_SEQUENCE_NODE ?
	    list->data.sequence.items.start : NULL; it != NULL &&
	    it < list->data.sequence.items.top; it++) {
		m = yaml_document_get_node(&doc, *it);
		u->findings = xreallocarray(u->findings, u->nfind + 1,
		    sizeof *u->findings);
		f = &u->findings[u->nfind++];
		memset(f, 0, sizeof *f);
		f->severity = client_ystr(&doc, m, "severity");
		f->check = client_ystr(&doc, m, "check");
		f->what = client_ystr(&doc, m, "what");
		f->evidence = client_ystr(&doc, m, "evidence");
		if ((fix = yr_get(&doc, m, "fix")) == NULL)
			continue;
		f->fix_tool = client_ystr(&doc, fix, "tool");
		f->fix_command = client_ystr(&doc, fix, "command");
		args = yr_get(&doc, fix, "args");
		if (args != NULL && args->type == YAML_SEQUENCE_NODE &&
		    args->data.sequence.items.top >
		    args->data.sequence.items.start)
			f->fix_arg = xstrdup(yr_scalar(yaml_document_get_node(
			    &doc, *args->data.sequence.items.start)));
	}
	yaml_document_delete(&doc);
}

static void
roots_unmounted_clear(struct roots_ui *u)
{
	int	 i;

	for (i = 0; i < u->nunmounted; i++)
		free(u->unmounted[i]);
	free(u->unmounted);
	u->unmounted = NULL;
	u->nunmounted = 0;
}

static void
roots_free(struct roots_ui *u)
{
	roots_findings_clear(u);
	free(u->open_tool);
	free(u->open_arg);
	u->open_tool = u->open_arg = NULL;
	roots_clear(u);
	roots_unmounted_clear(u);
	free(u->error);
	u->error = NULL;
	u->loaded = 0;
}

/* "etc/shadow missing, ..." from a list, or NULL. */
static char *
roots_join(yaml_document_t *doc, yaml_node_t *list)
{
	yaml_node_item_t	*it;
	const char		*s;
	char			*out = NULL, *t;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return (NULL);
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++) {
		if ((s = yr_scalar(yaml_document_get_node(doc, *it))) == NULL)
			continue;
		xasprintf(&t, "%s%s%s", out != NULL ? out : "", out != NULL ?
		    ", " : "", s);
		free(out);
		out = t;
	}
	return (out);
}

static void
roots_entry(yaml_document_t *doc, yaml_node_t *m, struct root_entry *r)
{
	const char	*name, *version, *size, *device, *path;

	memset(r, 0, sizeof *r);
	r->id = client_ystr(doc, m, "id");
	name = yr_scalar(yr_get(doc, m, "os_name"));
	version = yr_scalar(yr_get(doc, m, "os_version"));
	if (name == NULL || strcmp(name, "null") == 0)
		name = "unknown system";
	if (version == NULL || strcmp(version, "null") == 0)
		version = "";
	xasprintf(&r->os, "%s%s%s", name, *version != '\0' ? " " : "",
	    version);
	r->windows = strncmp(name, "Windows", 7) == 0;
	r->health = client_ystr(doc, m, "health");
	r->problems = roots_join(doc, yr_get(doc, m, "problems"));
	size = yr_scalar(yr_get(doc, m, "size"));
	r->size = size != NULL ? strtoull(size, NULL, 10) : 0;
	device = yr_scalar(yr_get(doc, m, "device"));
	path = yr_scalar(yr_get(doc, m, "path"));
	r->where = xstrdup(device != NULL && strcmp(device, "null") != 0 ?
	    device : path != NULL ? path : "");
	r->on = client_ystr(doc, m, "on");
	r->state = client_ystr(doc, m, "state");
}

/* Ask the agent for its offline systems; on failure u->error says why. */
static int
roots_load(struct roots_ui *u, struct client *c)
{
	yaml_document_t		 doc;
	yaml_node_t		*list;
	yaml_node_item_t	*it;

	roots_clear(u);
	free(u->error);
	u->error = NULL;
	u->loaded = 1;
	if (client_yaml(c, "roots", &doc, &u->error, &u->lost) != 0)
		return (-1);
	u->current = client_ystr(&doc, yr_root(&doc), "current");
	u->rw = yr_scalar(yr_path(&doc, "rw")) != NULL &&
	    strcmp(yr_scalar(yr_path(&doc, "rw")), "true") == 0;
	if (u->current == NULL)
		roots_unmounted_clear(u);
	list = yr_path(&doc, "roots");
	if (list != NULL && list->type == YAML_SEQUENCE_NODE) {
		for (it = list->data.sequence.items.start;
		    it < list->data.sequence.items.top; it++) {
			u->roots = xreallocarray(u->roots, u->n + 1,
			    sizeof *u->roots);
			roots_entry(&doc, yaml_document_get_node(&doc, *it),
			    &u->roots[u->n]);
			if (u->roots[u->n].id == NULL) {
				roots_entry_free(&u->roots[u->n]);
				continue;
			}
			u->n++;
		}
	}
	yaml_document_delete(&doc);
	ui_list_clamp(&u->sel, u->n);
	return (0);
}

/* The diagnosis: one line a finding, then the chosen one's evidence. */
static void
roots_draw_findings(struct roots_ui *u, int y, int x, int h, int w)
{
	struct finding_entry	*f;
	const char		*p, *nl;
	int			 i, top, rows, line;

	attron(A_BOLD);
	mvprintw(y, x, "%.*s", w, "Why it may not boot (Tab to choose a "
	    "finding, Enter opens its fix):");
	attroff(A_BOLD);
	rows = (h - 2) / 2;
	top = ui_list_top(u->fsel, rows);
	for (i = top; i < u->nfind && i - top < rows; i++) {
		f = &u->findings[i];
		if (i == u->fsel && u->in_findings && u->focus)
			attron(A_REVERSE);
		if (strcmp(f->severity, "info") != 0)
			attron(COLOR_PAIR(1));
		mvprintw(y + 1 + i - top, x, "  %-7.7s", f->severity);
		attroff(COLOR_PAIR(1));
		printw(" %-11.11s %.*s%s", f->check, w > 32 ? w - 32 : 0,
		    f->what, f->fix_tool != NULL ? " [fix]" : "");
		attroff(A_REVERSE);
	}
	f = &u->findings[u->fsel];
	line = y + 2 + (u->nfind - top < rows ? u->nfind - top : rows);
	if (f->evidence != NULL) {
		for (p = f->evidence; *p != '\0' && line < y + h; p = nl) {
			nl = strchrnul(p, '\n');
			mvprintw(line++, x, "  %s%.*s", p == f->evidence ?
			    "evidence: " : "          ", (int)(nl - p) >
			    w - 14 ? w - 14 : (int)(nl - p), p);
			if (*nl == '\n')
				nl++;
		}
	}
	if (f->fix_command != NULL && line < y + h)
		mvprintw(line, x, "  fix:      %.*s", w - 14, f->fix_command);
}

/* Column widths for w columns: the system and health share what is left. */
static void
roots_columns(int w, int *sys, int *health, int *dev)
{
	int	 rest = w - 27;		/* mark, id, size and the gaps */

	*sys = rest * 30 / 100;
	*sys = *sys < 10 ? 10 : *sys > 28 ? 28 : *sys;
	*health = rest * 25 / 100;
	*health = *health < 8 ? 8 : *health > 24 ? 24 : *health;
	*dev = rest - *sys - *health;
	if (*dev < 0)
		*dev = 0;
}

/* "ok", or what is wrong: "limited: etc/shadow missing, ...". */
static void
roots_health(const struct root_entry *r, char *buf, size_t len)
{
	if (r->problems != NULL && r->health != NULL &&
	    strcmp(r->health, "ok") != 0)
		snprintf(buf, len, "%s: %s", r->health, r->problems);
	else
		snprintf(buf, len, "%s", r->health != NULL ? r->health : "?");
}

static void
roots_draw_row(struct roots_ui *u, int i, int y, int x, int w)
{
	struct root_entry	*r = &u->roots[i];
	char			 size[16], health[256];
	const char		*mark = "   ";
	int			 sys, hw, dw;

	roots_columns(w, &sys, &hw, &dw);
	ui_size(r->size, size, sizeof size);
	roots_health(r, health, sizeof health);
	if (u->current != NULL && strcmp(u->current, r->id) == 0)
		mark = u->rw ? "*rw" : "*ro";
	if (i == u->sel && u->focus)
		attron(A_REVERSE);
	mvprintw(y, x, "%s %-10.10s %-*.*s %6s ", mark, r->id, sys, sys,
	    r->os, size);
	if (r->health != NULL && strcmp(r->health, "ok") != 0)
		attron(COLOR_PAIR(1));
	printw("%-*.*s", hw, hw, health);
	attroff(COLOR_PAIR(1));
	printw(" %-*.*s", dw, dw, r->where);
	attroff(A_REVERSE);
}

/* The selected root's fstab entries that were not mounted, and why. */
static int
roots_draw_unmounted(struct roots_ui *u, int y, int x, int rows, int w)
{
	int	 i;

	if (u->nunmounted == 0 || rows < 2)
		return (0);
	attron(A_BOLD);
	mvaddnstr(y, x, "Not mounted from its fstab:", w);
	attroff(A_BOLD);
	for (i = 0; i < u->nunmounted && i + 1 < rows; i++) {
		attron(COLOR_PAIR(1));
		mvaddnstr(y + 1 + i, x + 2, u->unmounted[i], w - 2);
		attroff(COLOR_PAIR(1));
	}
	return (i + 1);
}

static void
roots_draw(struct roots_ui *u, int y, int x, int h, int w)
{
	struct root_entry	*r;
	int			 i, top, sys, hw, dw, list, unm, rows, yy;

	if (ui_list_blank(y, x, w, u->error, u->n,
	    "The agent found no offline system."))
		return;
	roots_columns(w, &sys, &hw, &dw);
	attron(A_BOLD);
	mvprintw(y, x, "    %-10.10s %-*.*s %6s %-*.*s %-*.*s", "ID", sys, sys,
	    "SYSTEM", "SIZE", hw, hw, "HEALTH", dw, dw, "DEVICE");
	attroff(A_BOLD);
	/* The list, then what a select left unmounted, then the diagnosis. */
	rows = h - 3;
	unm = u->nunmounted > 0 ? u->nunmounted + 1 : 0;
	if (unm > rows / 2)
		unm = rows / 2;
	list = u->n < rows - (unm > 0 ? unm + 1 : 0) ? u->n :
	    rows - (unm > 0 ? unm + 1 : 0);
	top = ui_list_top(u->sel, list);
	for (i = top; i < u->n && i - top < list; i++)
		roots_draw_row(u, i, y + 1 + i - top, x, w);
	yy = y + 2 + list;
	if (unm > 0)
		yy += roots_draw_unmounted(u, yy, x, unm, w) + 1;
	if (u->nfind > 0 && y + h - 2 - yy >= 6)
		roots_draw_findings(u, yy, x, y + h - 2 - yy, w);
	r = &u->roots[u->sel];
	if (r->on != NULL && r->state == NULL && u->nfind == 0)
		mvprintw(y + h - 3, x, "%.*s: root on %.*s", 16, r->id, w - 30,
		    r->on);
	if (r->problems != NULL)
		mvprintw(y + h - 2, x, "%.*s: %.*s", 16, r->id, w - 20,
		    r->problems);
	if (r->state != NULL && !u->in_findings)
		mvprintw(y + h - 1, x, "%.*s", w, strcmp(r->state, "locked") ==
		    0 ? "Enter unlocks it (asks for the passphrase)." :
		    r->windows ? "Unlocked: its files are on the Files screen "
		    "at its path. l locks it again." :
		    "Unlocked: select a root on it. l locks it again.");
	else if (r->windows && !u->in_findings)
		mvprintw(y + h - 1, x, "%.*s", w, "Windows: its files are on "
		    "the Files screen, read-only, at its path.");
	else
		mvprintw(y + h - 1, x, "%.*s", w, u->in_findings ? "Enter "
		    "opens the fix's tool, Tab goes back to the roots." :
		    u->current != NULL ? "* selected (ro read-only, rw "
		    "read-write). u releases it." : "Enter selects "
		    "(read-only), w selects read-write.");
}

/*
 * What a select left unmounted: each fstab entry whose status is not
 * "mounted", with the agent's reason, kept for the screen.
 */
static int
roots_select_result(struct roots_ui *u, const char *out, size_t len)
{
	yaml_document_t		 doc;
	yaml_node_t		*seq, *e;
	yaml_node_item_t	*it;
	const char		*mp, *spec, *status;
	char			*cause, *line;

	roots_unmounted_clear(u);
	if (yr_load(out, len, &doc, &cause) != 0) {
		free(cause);
		return (0);
	}
	seq = yr_path(&doc, "remap");
	for (it = seq != NULL && seq->type == YAML_SEQUENCE_NODE ?
	    seq->data.sequence.items.start : NULL; it != NULL &&
	    it < seq->data.sequence.items.top; it++) {
		e = yaml_document_get_node(&doc, *it);
		status = yr_scalar(yr_get(&doc, e, "status"));
		if (status == NULL || strcmp(status, "mounted") == 0)
			continue;
		mp = yr_scalar(yr_get(&doc, e, "mountpoint"));
		spec = yr_scalar(yr_get(&doc, e, "spec"));
		xasprintf(&line, "%s%s%s: %s", mp != NULL ? mp : "?",
		    spec != NULL && strcmp(spec, "null") != 0 ? " " : "",
		    spec != NULL && strcmp(spec, "null") != 0 ? spec : "",
		    status);
		u->unmounted = xreallocarray(u->unmounted, u->nunmounted + 1,
		    sizeof *u->unmounted);
		u->unmounted[u->nunmounted++] = line;
	}
	yaml_document_delete(&doc);
	return (u->nunmounted);
}

/* Run "roots ARGS..." and say how it went on the note line. */
static void
roots_act(struct roots_ui *u, struct client *c, int argc, char **argv,
    char **note, int *bad)
{
	struct client_out	 o;
	char			*line, *cause, *nl;

	line = client_quote(argc, argv);
	if (client_run(c, line, &o, &cause) != 0) {
		*note = cause;
		*bad = 1;
		u->lost = !ssh_is_connected(c->session);
		free(line);
		return;
	}
	free(line);
	if (o.status != 0) {
		if ((nl = strchr(o.err, '\n')) != NULL)
			*nl = '\0';
		*note = xstrdup(o.errlen > 0 ? o.err : "roots: failed");
		*bad = 1;
	} else if (strcmp(argv[1], "release") == 0)
		xasprintf(note, "released %s", u->current != NULL ?
		    u->current : "the selection");
	else if (strcmp(argv[1], "lock") == 0)
		xasprintf(note, "locked %s", argv[2]);
	else {
		if (roots_select_result(u, o.out, o.outlen) > 0) {
			xasprintf(note, "selected %s%s, but %d fstab entr%s "
			    "not mounted: see below", argv[2], argc > 3 ?
			    " read-write" : "", u->nunmounted,
			    u->nunmounted == 1 ? "y was" : "ies were");
			*bad = 1;
		} else
			xasprintf(note, "selected %s%s: its fstab is mounted "
			    "under it, with /dev, /proc, /sys and /run",
			    argv[2], argc > 3 ? " read-write" : "");
		roots_findings(u, o.out, o.outlen);
	}
	if (o.status == 0 && strcmp(argv[1], "release") == 0)
		roots_findings_clear(u);
	client_out_free(&o);
	roots_load(u, c);
}

/* A key in the findings: Enter on one with a fix asks for its tool. */
static int
roots_findings_key(struct roots_ui *u, int key)
{
	struct finding_entry	*f;

	if (ui_list_key(key, &u->fsel, u->nfind))
		return (1);
	switch (key) {
	case 27:
	case KEY_LEFT:
	case 'q':
		u->in_findings = 0;
		return (1);
	case '\r':
	case '\n':
	case KEY_ENTER:
		break;
	default:
		return (1);
	}
	f = &u->findings[u->fsel];
	if (f->fix_tool == NULL)
		return (1);
	free(u->open_tool);
	free(u->open_arg);
	u->open_tool = xstrdup(f->fix_tool);
	u->open_arg = f->fix_arg != NULL ? xstrdup(f->fix_arg) : NULL;
	return (1);
}

/*
 * The passphrase of a locked container, read with nothing shown, sent as
 * the unlock's standard input and wiped. The agent's answer names the
 * roots found inside.
 */
static void
roots_unlock(struct roots_ui *u, struct client *c, const char *id,
    char **note, int *bad)
{
	struct client_out	 o;
	char			 key[1024], *line, *cause, *nl;
	size_t			 n = 0;
	int			 ch;

	curs_set(1);
	move(LINES - 1, 0);
	clrtoeol();
	mvprintw(LINES - 1, 1, "Passphrase for %s (not shown; Esc "
	    "cancels): ", id);
	refresh();
	while ((ch = getch()) != '\r' && ch != '\n' && ch != KEY_ENTER) {
		if (ch == 27 || ch == 3) {
			curs_set(0);
			explicit_bzero(key, sizeof key);
			return;
		}
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0)
			n--;
		else if (ch >= 32 && ch < 256 && ch != 127 &&
		    n + 2 < sizeof key)
			key[n++] = (char)ch;
	}
	curs_set(0);
	key[n++] = '\n';
	xasprintf(&line, "roots unlock %s", id);
	if (client_run_input(c, line, key, n, &o, &cause) != 0) {
		*note = cause;
		*bad = 1;
		u->lost = !ssh_is_connected(c->session);
	} else {
		if (o.status != 0) {
			if ((nl = strchr(o.err, '\n')) != NULL)
				*nl = '\0';
			*note = xstrdup(o.errlen > 0 ? o.err : "roots: failed");
			*bad = 1;
		} else
			xasprintf(note, "unlocked %s: its roots are listed",
			    id);
		client_out_free(&o);
		roots_load(u, c);
	}
	explicit_bzero(key, sizeof key);
	free(line);
}

/* A key for the Roots screen; 0 when it leaves the screen. */
static int
roots_key(struct roots_ui *u, struct client *c, int key, char **note,
    int *bad)
{
	char	*argv[4];

	if (key == '\t' && u->nfind > 0) {
		u->in_findings = !u->in_findings;
		return (1);
	}
	if (u->in_findings)
		return (roots_findings_key(u, key));
	if (ui_list_key(key, &u->sel, u->n))
		return (1);
	switch (key) {
	case 27:
	case KEY_LEFT:
	case 'q':
		return (0);
	case 'r':
		if (roots_load(u, c) == 0)
			xasprintf(note, "the agent's offline systems, read "
			    "again: %d", u->n);
		return (1);
	case 'u':
		argv[0] = "roots";
		argv[1] = "release";
		roots_act(u, c, 2, argv, note, bad);
		return (1);
	case 'l':
		if (u->n == 0 || u->roots[u->sel].state == NULL)
			return (1);
		argv[0] = "roots";
		argv[1] = "lock";
		argv[2] = u->roots[u->sel].id;
		roots_act(u, c, 3, argv, note, bad);
		return (1);
	case '\r':
	case '\n':
	case KEY_ENTER:
	case 'w':
		break;
	default:
		return (1);
	}
	if (u->n == 0)
		return (1);
	if (u->roots[u->sel].state != NULL &&
	    strcmp(u->roots[u->sel].state, "locked") == 0) {
		roots_unlock(u, c, u->roots[u->sel].id, note, bad);
		return (1);
	}
	argv[0] = "roots";
	argv[1] = "select";
	argv[2] = u->roots[u->sel].id;
	argv[3] = "--rw";
	roots_act(u, c, key == 'w' ? 4 : 3, argv, note, bad);
	return (1);
}

static void *
roots_init(void)
{
	return (xcalloc(1, sizeof (struct roots_ui)));
}

static void
roots_screen_free(void *data)
{
	roots_free(data);
	free(data);
}

static int
roots_screen_load(struct session *s, void *data)
{
	struct roots_ui	*u = data;
	int		 rc;

	rc = roots_load(u, s->c);
	s->lost |= u->lost;
	return (rc);
}

static void
roots_screen_draw(struct session *s, void *data, int y, int x, int h, int w)
{
	struct roots_ui	*u = data;

	u->focus = s->focus;
	roots_draw(u, y, x, h, w);
}

static int
roots_screen_key(struct session *s, void *data, int key)
{
	struct roots_ui	*u = data;
	int		 rc;

	rc = roots_key(u, s->c, key, &s->note, &s->note_bad);
	s->lost |= u->lost;
	/* What can run, and where, may have changed. */
	session_stale(s, &screen_tools);
	if (u->open_tool != NULL) {
		/* Enter on a diagnosis's fix: that tool's form. */
		session_open_tool(s, u->open_tool, u->open_arg);
		free(u->open_tool);
		free(u->open_arg);
		u->open_tool = u->open_arg = NULL;
		return (SCREEN_KEYS);
	}
	return (rc ? SCREEN_KEYS : SCREEN_MENU);
}

static const char *
roots_help(void *data)
{
	(void)data;
	return ("Enter selects, w selects read-write, u releases, r reloads, "
	    "Esc back");
}

const struct screen screen_roots = {
	.name = "Roots",
	.help = roots_help,
	.init = roots_init,
	.load = roots_screen_load,
	.draw = roots_screen_draw,
	.key = roots_screen_key,
	.free = roots_screen_free,
};
