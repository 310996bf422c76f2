/* SPDX-License-Identifier: ISC */

/*
 * The Tools screen: the agent's catalog (the tools verb), unavailable tools
 * greyed with their reason; a tool's argument form, checked against each
 * pattern before anything is sent, with the confirm word for a destructive
 * tool; its output in a scrollable pane, or the terminal for a pty tool.
 * The agent checks all of it again: this only saves a round trip.
 */

#include <curses.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

static void
tools_clear(struct tools_ui *u)
{
	int	 i, j;

	for (i = 0; i < u->n; i++) {
		struct tool_entry *t = &u->tools[i];

		free(t->name);
		free(t->title);
		free(t->reason);
		free(t->confirm);
		free(t->secret);
		for (j = 0; j < t->nargs; j++) {
			free(t->args[j].name);
			free(t->args[j].prompt);
			free(t->args[j].pattern);
		}
	}
	free(u->tools);
	u->tools = NULL;
	u->n = 0;
}

static void
tools_discard(struct tools_ui *u)
{
	tools_clear(u);
	pane_free(&u->out);
	free(u->error);
	u->error = NULL;
	u->loaded = 0;
}

static int
tools_true(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	const char	*s = yr_scalar(yr_get(doc, map, key));

	return (s != NULL && strcmp(s, "true") == 0);
}

static void
tools_parse_args(yaml_document_t *doc, yaml_node_t *list,
    struct tool_entry *t)
{
	yaml_node_item_t	*it;
	yaml_node_t		*a;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return;
	for (it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top && t->nargs < TOOLS_ARGS_MAX;
	    it++) {
		a = yaml_document_get_node(doc, *it);
		t->args[t->nargs].name = client_ystr(doc, a, "name");
		t->args[t->nargs].prompt = client_ystr(doc, a, "prompt");
		t->args[t->nargs].pattern = client_ystr(doc, a, "pattern");
		if (t->args[t->nargs].name == NULL)
			continue;
		t->nargs++;
	}
}

/* Ask the agent for its catalog; on failure u->error says why. */
static int
tools_fetch(struct tools_ui *u, struct client *c)
{
	yaml_document_t		 doc;
	yaml_node_t		*list, *m;
	yaml_node_item_t	*it;

	tools_clear(u);
	free(u->error);
	u->error = NULL;
	u->loaded = 1;
	if (client_yaml(c, "tools", &doc, &u->error, &u->lost) != 0)
		return (-1);
	list = yr_path(&doc, "tools");
	if (list != NULL && list->type == YAML_SEQUENCE_NODE) {
		for (it = list->data.sequence.items.start;
		    it < list->data.sequence.items.top; it++) {
			m = yaml_document_get_node(&doc, *it);
			u->tools = xreallocarray(u->tools, u->n + 1,
			    sizeof *u->tools);
			memset(&u->tools[u->n], 0, sizeof *u->tools);
			u->tools[u->n].name = client_ystr(&doc, m, "name");
			if (u->tools[u->n].name == NULL)
				continue;
			u->tools[u->n].title = client_ystr(&doc, m, "title");
			u->tools[u->n].reason = client_ystr(&doc, m, "reason");
			u->tools[u->n].confirm = client_ystr(&doc, m, "confirm");
			u->tools[u->n].secret = client_ystr(&doc, m, "secret");
			u->tools[u->n].available = tools_true(&doc, m,
			    "available");
			u->tools[u->n].pty = tools_true(&doc, m, "pty");
			u->tools[u->n].destructive = tools_true(&doc, m,
			    "destructive");
			tools_parse_args(&doc, yr_get(&doc, m, "args"),
			    &u->tools[u->n]);
			u->n++;
		}
	}
	yaml_document_delete(&doc);
	ui_list_clamp(&u->sel, u->n);
	return (0);
}

static void
tools_draw(struct tools_ui *u, int y, int x, int h, int w)
{
	struct tool_entry	*t;
	int			 i, top;

	if (u->running || u->shown) {
		pane_draw(&u->out, y, x, h, w);
		return;
	}
	if (ui_list_blank(y, x, w, u->error, u->n,
	    "The agent's catalog is empty."))
		return;
	top = ui_list_top(u->sel, h - 2);
	for (i = top; i < u->n && i - top < h - 2; i++) {
		t = &u->tools[i];
		if (!t->available)
			attron(A_DIM);
		if (i == u->sel && u->focus)
			attron(A_REVERSE);
		mvprintw(y + i - top, x, "%-14.14s %-*.*s", t->name,
		    w - 15 > 0 ? w - 15 : 0, w - 15 > 0 ? w - 15 : 0,
		    t->title != NULL ? t->title : "");
		attroff(A_REVERSE | A_DIM);
	}
	t = &u->tools[u->sel];
	if (!t->available)
		mvprintw(y + h - 1, x, "%.*s: %s", w - 4, t->name, t->reason !=
		    NULL ? t->reason : "unavailable");
	else
		mvprintw(y + h - 1, x, "%.*s", w, t->destructive ?
		    "Enter runs it (destructive: asks for a confirm word)" :
		    "Enter runs it");
}

/* The confirm word: the catalog's, with its placeholder filled in. */
static const char *
tools_confirm_word(struct tool_entry *t, char vals[][TOOLS_VALUE_MAX])
{
	size_t	 n;
	int	 i;

	if (t->confirm == NULL)
		return (t->name);
	n = strlen(t->confirm);
	if (n < 3 || t->confirm[0] != '{' || t->confirm[n - 1] != '}')
		return (t->confirm);
	for (i = 0; i < t->nargs; i++) {
		if (strlen(t->args[i].name) == n - 2 &&
		    strncmp(t->args[i].name, t->confirm + 1, n - 2) == 0)
			return (vals[i]);
	}
	return (t->confirm);
}

/*
 * NULL if the value matches the pattern; else why not, in words, to free.
 * A path typed with a leading slash (/etc/fstab) means the selected
 * system's own: when only the slash stands in the way, it is dropped.
 */
static char *
tools_check(struct tool_arg_entry *a, char *value)
{
	regex_t	 re;
	char	*why = NULL, what[160];
	int	 rc;

	if (a->pattern == NULL)
		return (NULL);
	if (regcomp(&re, a->pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		xasprintf(&why, "%s: the pattern does not compile here",
		    a->name);
		return (why);
	}
	rc = regexec(&re, value, 0, NULL, 0);
	if (rc != 0 && value[0] == '/' && value[strspn(value, "/")] != '\0' &&
	    regexec(&re, value + strspn(value, "/"), 0, NULL, 0) == 0) {
		memmove(value, value + strspn(value, "/"),
		    strlen(value + strspn(value, "/")) + 1);
		rc = 0;
	}
	regfree(&re);
	if (rc == 0)
		return (NULL);
	/* The prompt says what is wanted; the pattern is for machines. */
	snprintf(what, sizeof what, "%s", a->prompt != NULL ? a->prompt :
	    a->pattern);
	if (what[0] >= 'A' && what[0] <= 'Z' && (what[1] < 'A' ||
	    what[1] > 'Z'))
		what[0] += 'a' - 'A';
	xasprintf(&why, "%s \"%s\" is not accepted: give %s", a->name,
	    value, what);
	return (why);
}

/* Ask for each argument, then the confirm word; -1 if abandoned. */
static int
tools_form(struct tool_entry *t, char vals[][TOOLS_VALUE_MAX], char *confirm,
    size_t len)
{
	char	 prompt[256], *why = NULL;
	int	 i;

	/* Values filled in beforehand (a diagnosis's fix) are kept. */
	for (i = 0; i < t->nargs; i++) {
		for (;;) {
			snprintf(prompt, sizeof prompt, "%s: %s", t->name,
			    t->args[i].prompt != NULL ? t->args[i].prompt :
			    t->args[i].name);
			if (ui_prompt(prompt, vals[i], TOOLS_VALUE_MAX,
			    why) != 0) {
				free(why);
				return (-1);
			}
			free(why);
			if ((why = tools_check(&t->args[i], vals[i])) == NULL)
				break;
		}
	}
	confirm[0] = '\0';
	if (!t->destructive)
		return (0);
	for (;;) {
		snprintf(prompt, sizeof prompt, "%s destroys data. Type %s to "
		    "go on", t->name, tools_confirm_word(t, vals));
		if (ui_prompt(prompt, confirm, len, why) != 0) {
			free(why);
			return (-1);
		}
		free(why);
		why = NULL;
		if (strcmp(confirm, tools_confirm_word(t, vals)) == 0)
			return (0);
		why = xstrdup("that is not the confirm word");
		confirm[0] = '\0';
	}
}

static char *
tools_command(struct tool_entry *t, char vals[][TOOLS_VALUE_MAX],
    const char *confirm)
{
	char	*argv[TOOLS_ARGS_MAX + 4], *flag = NULL, *line;
	int	 argc = 0, i;

	argv[argc++] = "run";
	argv[argc++] = t->name;
	if (t->destructive) {
		xasprintf(&flag, "--confirm=%s", confirm);
		argv[argc++] = flag;
	}
	argv[argc++] = "--";
	for (i = 0; i < t->nargs; i++)
		argv[argc++] = vals[i];
	line = client_quote(argc, argv);
	free(flag);
	return (line);
}

/* A pty tool gets the terminal, as the console does. */
static void
tools_run_pty(struct tools_ui *u, struct client *c, const char *line,
    const char *name)
{
	char	*cause = NULL, msg[128];
	int	 rc, status;

	ui_suspend();
	printf("tether: running %s; Ctrl-] leaves it.\r\n", name);
	fflush(stdout);
	rc = console_run(c, line, &status, &cause);
	pane_free(&u->out);
	if (rc == CONSOLE_LOST) {
		snprintf(msg, sizeof msg, "-- %s", cause);
		free(cause);
		u->lost = 1;
	} else if (rc == CONSOLE_DETACHED)
		snprintf(msg, sizeof msg, "-- left %s; the agent stopped it",
		    name);
	else if (status < 0)
		snprintf(msg, sizeof msg, "-- %s ended without an exit status",
		    name);
	else
		snprintf(msg, sizeof msg, "-- %s ended, exit status %d", name,
		    status);
	/* Its last screen stays until a key: the tool's own words. */
	console_hold(msg);
	ui_resume();
	pane_addstr(&u->out, msg);
	pane_flush(&u->out);
	u->shown = 1;
}

/*
 * The secret a tool reads on standard input (a new password): asked twice,
 * not shown, until both match. -1 if abandoned; buf is wiped then.
 */
static int
tools_ask_secret(struct tool_entry *t, char *buf, size_t len)
{
	char		 again[TOOLS_SECRET_MAX], prompt[256];
	const char	*why = NULL;

	for (;;) {
		snprintf(prompt, sizeof prompt, "%s: %s", t->name, t->secret);
		if (ui_secret(prompt, buf, len, why) != 0)
			return (-1);
		snprintf(prompt, sizeof prompt, "%s: %s again", t->name,
		    t->secret);
		if (ui_secret(prompt, again, sizeof again, NULL) != 0) {
			explicit_bzero(buf, len);
			return (-1);
		}
		if (*buf == '\0')
			why = "empty: type it again";
		else if (strcmp(buf, again) != 0)
			why = "the two did not match: type it again";
		else
			why = NULL;
		explicit_bzero(again, sizeof again);
		if (why == NULL)
			return (0);
		explicit_bzero(buf, len);
	}
}

/*
 * Start a tool whose output streams into the pane. Its standard input is
 * the secret and a newline, if it takes one, then closed: a tool that
 * reads gets an end, not a wait on a key nobody can send.
 */
static void
tools_start(struct tools_ui *u, struct client *c, const char *line,
    const char *secret)
{
	pane_free(&u->out);
	if ((u->ch = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(u->ch) != SSH_OK ||
	    ssh_channel_request_exec(u->ch, line) != SSH_OK ||
	    (secret != NULL && (ssh_channel_write(u->ch, secret,
	    strlen(secret)) != (int)strlen(secret) ||
	    ssh_channel_write(u->ch, "\n", 1) != 1)) ||
	    ssh_channel_send_eof(u->ch) != SSH_OK) {
		pane_addstr(&u->out, ssh_get_error(c->session));
		pane_flush(&u->out);
		if (u->ch != NULL)
			ssh_channel_free(u->ch);
		u->ch = NULL;
		u->lost = !ssh_is_connected(c->session);
		u->shown = 1;
		return;
	}
	u->running = 1;
}

/* Move what the running tool wrote into the pane; note its end. */
static void
tools_poll(struct tools_ui *u, struct client *c)
{
	char	 buf[8192], line[128];
	int	 n, is_err, status;

	if (!u->running)
		return;
	for (is_err = 0; is_err <= 1; is_err++) {
		while ((n = ssh_channel_read_nonblocking(u->ch, buf,
		    sizeof buf, is_err)) > 0)
			pane_add(&u->out, buf, n);
		if (n == SSH_ERROR) {
			u->lost = !ssh_is_connected(c->session);
			break;
		}
	}
	if (!ssh_channel_is_eof(u->ch) && !ssh_channel_is_closed(u->ch) &&
	    !u->lost)
		return;
	status = ssh_channel_get_exit_status(u->ch);
	pane_flush(&u->out);
	if (u->lost)
		snprintf(line, sizeof line, "-- connection lost");
	else if (status < 0)
		snprintf(line, sizeof line, "-- %s ended without an exit "
		    "status", u->running_name);
	else
		snprintf(line, sizeof line, "-- %s ended, exit status %d",
		    u->running_name, status);
	pane_addstr(&u->out, line);
	pane_flush(&u->out);
	ssh_channel_close(u->ch);
	ssh_channel_free(u->ch);
	u->ch = NULL;
	u->running = 0;
	u->shown = 1;
}

/* Stop a running tool: closing the channel makes the agent end it. */
static void
tools_stop(struct tools_ui *u)
{
	if (!u->running)
		return;
	ssh_channel_close(u->ch);
	ssh_channel_free(u->ch);
	u->ch = NULL;
	u->running = 0;
	u->shown = 1;
	pane_flush(&u->out);
	pane_addstr(&u->out, "-- stopped");
	pane_flush(&u->out);
}

static void	tools_launch(struct tools_ui *, struct client *,
		    struct tool_entry *, char [][TOOLS_VALUE_MAX]);

/* A key for the Tools screen; 0 when it leaves the screen. */
static int
tools_key(struct tools_ui *u, struct client *c, int key)
{
	struct tool_entry	*t;
	char			 vals[TOOLS_ARGS_MAX][TOOLS_VALUE_MAX];
	char			 search[128];

	if (u->running || u->shown) {
		if (key == 27 || key == KEY_LEFT || key == 'q') {
			if (u->running)
				tools_stop(u);
			else
				u->shown = 0;
			return (1);
		}
		if (key == '/') {
			search[0] = '\0';
			if (ui_prompt("search", search, sizeof search,
			    NULL) == 0)
				pane_search(&u->out, search);
			return (1);
		}
		pane_key(&u->out, key);
		return (1);
	}
	if (ui_list_key(key, &u->sel, u->n))
		return (1);
	switch (key) {
	case 27:
	case KEY_LEFT:
		return (0);
	case 'r':
		tools_fetch(u, c);
		return (1);
	case '\r':
	case '\n':
	case KEY_ENTER:
		break;
	default:
		return (1);
	}
	if (u->n == 0 || !(t = &u->tools[u->sel])->available)
		return (1);
	memset(vals, 0, sizeof vals);
	tools_launch(u, c, t, vals);
	return (1);
}

/*
 * Open the tool named name with its first argument filled in, as Enter on
 * a diagnosis's fix asks: the technician still reads and confirms it.
 */
int
tools_open(struct session *s, void *data, const char *name, const char *arg)
{
	struct tools_ui	*u = data;
	struct client	*c = s->c;
	char		 vals[TOOLS_ARGS_MAX][TOOLS_VALUE_MAX];
	int		 i;

	if (tools_fetch(u, c) != 0)
		return (-1);
	for (i = 0; i < u->n; i++) {
		if (strcmp(u->tools[i].name, name) == 0)
			break;
	}
	if (i == u->n || !u->tools[i].available)
		return (-1);
	u->sel = i;
	memset(vals, 0, sizeof vals);
	if (arg != NULL && u->tools[i].nargs > 0)
		snprintf(vals[0], sizeof vals[0], "%s", arg);
	tools_launch(u, c, &u->tools[i], vals);
	return (0);
}

/* The form, then the tool: on a pty, or into the pane. */
static void
tools_launch(struct tools_ui *u, struct client *c, struct tool_entry *t,
    char vals[][TOOLS_VALUE_MAX])
{
	char	 confirm[TOOLS_VALUE_MAX], *line, secret[TOOLS_SECRET_MAX];

	if (tools_form(t, vals, confirm, sizeof confirm) != 0)
		return;
	if (t->secret != NULL && tools_ask_secret(t, secret,
	    sizeof secret) != 0)
		return;
	line = tools_command(t, vals, confirm);
	snprintf(u->running_name, sizeof u->running_name, "%s", t->name);
	if (t->pty)
		tools_run_pty(u, c, line, t->name);
	else
		tools_start(u, c, line, t->secret != NULL ? secret : NULL);
	explicit_bzero(secret, sizeof secret);
	free(line);
}

static void *
tools_init(void)
{
	struct tools_ui	*u = xcalloc(1, sizeof *u);

	pane_init(&u->out);
	return (u);
}

static void
tools_screen_free(void *data)
{
	tools_stop(data);
	tools_discard(data);
	free(data);
}

static int
tools_screen_load(struct session *s, void *data)
{
	struct tools_ui	*u = data;
	int		 rc;

	rc = tools_fetch(u, s->c);
	s->lost |= u->lost;
	return (rc);
}

static void
tools_screen_draw(struct session *s, void *data, int y, int x, int h, int w)
{
	struct tools_ui	*u = data;

	u->focus = s->focus;
	tools_draw(u, y, x, h, w);
}

static int
tools_screen_key(struct session *s, void *data, int key)
{
	struct tools_ui	*u = data;
	int		 rc;

	rc = tools_key(u, s->c, key);
	s->lost |= u->lost;
	if (key == 'r' && !u->running && !u->shown && u->error == NULL)
		session_note(s, 0, "the agent's catalog, read again: %d tools",
		    u->n);
	/* A tool may add roots (drivers-load): scan again. */
	session_stale(s, &screen_roots);
	return (rc ? SCREEN_KEYS : SCREEN_MENU);
}

static void
tools_screen_poll(struct session *s, void *data)
{
	struct tools_ui	*u = data;

	tools_poll(u, s->c);
	s->lost |= u->lost;
}

static const char *
tools_help(void *data)
{
	struct tools_ui	*u = data;

	if (u->running || u->shown)
		return ("arrows/PgUp/PgDn scroll, / searches, n next, w wraps, "
		    "Esc back");
	return ("Up/Down choose, Enter runs, r reloads, Esc back");
}

static const char *
tools_busy(void *data)
{
	struct tools_ui	*u = data;

	return (u->running ? "a tool is running" : NULL);
}

const struct screen screen_tools = {
	.name = "Tools",
	.help = tools_help,
	.init = tools_init,
	.load = tools_screen_load,
	.draw = tools_screen_draw,
	.key = tools_screen_key,
	.free = tools_screen_free,
	.poll = tools_screen_poll,
	.busy = tools_busy,
};
