/* SPDX-License-Identifier: ISC */

/*
 * Exec verbs: reserved first words of an exec request, answered by the
 * agent itself. Any other command goes to the shell, as sshd does.
 */

#include <sys/utsname.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

struct verb {
	const char	*name;
	const char	*usage;
	const char	*help;
	int		 (*exec)(struct chan *, int, char **, char **);
	int		 flags;
	/* What the audit line says beyond the verb's name, if anything. */
	void		 (*audit)(struct chan *, int, char **);
};

static int	verbs_info(struct chan *, int, char **, char **);
static int	verbs_end(struct chan *, int, char **, char **);
static int	verbs_help(struct chan *, int, char **, char **);
static int	verbs_tools(struct chan *, int, char **, char **);
static int	verbs_run(struct chan *, int, char **, char **);
static int	verbs_reply(struct chan *, char *, int);

static const struct verb verbs[] = {
	{ "info", "info", "agent and machine facts (YAML)", verbs_info, 0,
	    NULL },
	{ "tools", "tools", "the tool catalog, with what can run now (YAML)",
	    verbs_tools, VERB_FORK, NULL },
	{ "run", "run TOOL [--confirm=WORD] [ARG...]", "run a catalog tool",
	    verbs_run, 0, NULL },
	{ "roots", "roots [scan|select ID [--rw]|release|unlock ID|lock ID]",
	    "offline systems: list, select (and remap), release, unlock "
	    "(key on stdin), lock (YAML)", root_verb, VERB_FORK, NULL },
	{ "snapshot", "snapshot [fbN|vcN] [--format png|ppm|txt|ansi] "
	    "[--hash] [--unless HASH] [--tiles]", "the screen: a framebuffer "
	    "or a text console", snap_verb, VERB_FORK, snap_verb_audit },
	{ "consoles", "consoles", "the detached consoles this login may "
	    "attach (YAML)", hold_verb_consoles, 0, NULL },
	{ "attach", "attach [ID]", "attach a detached console, the last one "
	    "without ID (needs a pty)", hold_verb_attach, 0, NULL },
	{ "watch", "watch [ID]", "watch an attached console, view only, the "
	    "last one attached without ID (needs a pty)", watch_verb, 0, NULL },
	{ "end", "end", "end the remote session: every connection closes",
	    verbs_end, 0, NULL },
	{ "help", "help", "this list", verbs_help, 0, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL }
};

static int
verbs_info(struct chan *c, int argc, char **argv, char **out)
{
	struct agent	*ag = c->sess->ag;
	struct utsname	 u;
	struct yw	*w;
	char		 kernel[512];

	(void)argv;
	if (argc != 1) {
		*out = xstrdup("usage: info\n");
		return (2);
	}
	uname(&u);
	snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release,
	    u.machine);
	w = yw_new();
	yw_map(w);
	yw_kvint(w, "tether", 1);
	yw_kv(w, "version", TETHER_VERSION);
	yw_kv(w, "host", ag->host);
	yw_kv(w, "kernel", kernel);
	yw_kvint(w, "port", ag->bound_port);
	yw_kvlist(w, "ips", ag->ips, ag->nips);
	relay_yaml(w, ag);
	yw_kv(w, "fingerprint", ag->fingerprint);
	if (ag->unattended)
		yw_kv(w, "expires", NULL);
	else
		yw_kvtime(w, "expires", ag->expires);
	yw_kv(w, "session", c->sess->id);
	yw_kv(w, "user", c->sess->user);
	yw_kv(w, "from", c->sess->from);
	yw_kv(w, "shell", ag->conf.shell);
	yw_kv(w, "sftp", ag->conf.sftp_server[0] != '\0' ?
	    ag->conf.sftp_server : NULL);
	yw_kv(w, "welcome", ag->conf.welcome);
	yw_kvbool(w, "recording", ag->conf.recording.enabled);
	yw_kvbool(w, "require_reason", ag->conf.require_reason);
	yw_kv(w, "reason", reason_get());
	yw_end(w);
	*out = yw_finish(w, NULL);
	return (0);
}

/* The reply goes out first; then the listener is told to end it all. */
static int
verbs_end(struct chan *c, int argc, char **argv, char **out)
{
	(void)argv;
	if (argc != 1) {
		*out = xstrdup("usage: end\n");
		return (2);
	}
	c->end_after = 1;
	*out = xstrdup("ending the remote session\n");
	return (0);
}

static void
verbs_setenv(struct chan *c, const char *name, const char *value)
{
	if ((size_t)c->nextra_env >= nitems(c->extra_env))
		fatalx("too many variables for a channel");
	xasprintf(&c->extra_env[c->nextra_env++], "%s=%s", name, value);
}

/* Runs in a process of its own: finding programs may take a while. */
static int
verbs_tools(struct chan *c, int argc, char **argv, char **out)
{
	struct agent	*ag = c->sess->ag;

	char		*root;

	(void)argv;
	if (argc != 1) {
		*out = xstrdup("usage: tools\n");
		return (2);
	}
	root = root_current_path(ag->conf.state_dir);
	*out = tools_list(&ag->catalog, root);
	free(root);
	return (0);
}

/*
 * Check the request, then start the tool as the channel's process, on the
 * channel's pty if it has one. A tool that talks to the technician needs
 * one. The time limit is kept by the session loop.
 */
static int
verbs_run(struct chan *c, int argc, char **argv, char **out)
{
	struct agent		*ag = c->sess->ag;
	const struct tool	*t;
	char			**run, *err, *args = NULL, *s, *root;
	int			 i, rc, status;

	root = root_current_path(ag->conf.state_dir);
	run = tool_prepare(&ag->catalog, argc, argv, root, &t, &err, &status);
	free(root);
	if (run == NULL) {
		xasprintf(out, "run: %s\n", err);
		free(err);
		return (status);
	}
	if (t->pty && !c->pty) {
		xasprintf(out, "run: %s needs a terminal: use ssh -t, or "
		    "the viewer\n", t->name);
		words_free(-1, run);
		return (2);
	}
	for (i = 0; t->nargs > 0 && i < t->nargs; i++) {
		xasprintf(&s, "%s%s%s", args != NULL ? args : "",
		    args != NULL ? " " : "", argv[argc - t->nargs + i]);
		free(args);
		args = s;
	}
	audit(ag, "tool", "name", t->name, "args", args != NULL ? args : "",
	    "session", c->sess->id, (char *)NULL);
	free(args);
	/* TETHER_ROOT comes with every process (root_enter). */
	verbs_setenv(c, "TETHER_TOOL", t->name);
	/* The agent's own keymaps go with it to its keyboard command. */
	if ((s = getenv("TETHER_KEYMAPS")) != NULL && *s == '/')
		verbs_setenv(c, "TETHER_KEYMAPS", s);
	rc = console_start(c, NULL, run);
	words_free(-1, run);
	if (rc != 0) {
		xasprintf(out, "run: %s: cannot start\n", t->name);
		return (1);
	}
	c->tool = xstrdup(t->name);
	clock_gettime(CLOCK_MONOTONIC, &c->deadline);
	c->deadline.tv_sec += t->timeout;
	if (c->pty)
		c->rec = record_start(ag, c->sess->id, c->sess->user,
		    c->sess->from, c->ws.ws_col, c->ws.ws_row, c->term);
	return (VERB_STARTED);
}

static int
verbs_help(struct chan *c, int argc, char **argv, char **out)
{
	const struct verb	*v;
	char			*s, *t;

	(void)argv;
	if (argc != 1) {
		*out = xstrdup("usage: help\n");
		return (2);
	}
	xasprintf(&s, "tetherd verbs (anything else runs with %s -c):\n",
	    c->sess->ag->conf.shell);
	for (v = verbs; v->name != NULL; v++) {
		xasprintf(&t, "%s  %-24s %s\n", s, v->usage, v->help);
		free(s);
		s = t;
	}
	*out = s;
	return (0);
}

/*
 * Answer an exec request. A verb's output is kept on the channel and sent
 * once libssh has acknowledged the request; a shell command starts now.
 */
int
verbs_exec(struct chan *c, const char *command)
{
	const struct verb	*v;
	char			*first, **argv, *cause, *out = NULL;
	int			 argc;

	first = words_first(command);
	if (reason_missing(c, first)) {
		free(first);
		return (verbs_no_reason(c));
	}
	for (v = verbs; v->name != NULL; v++) {
		if (strcmp(first, v->name) == 0)
			break;
	}
	free(first);
	if (v->name == NULL) {
		info("exec command=%zu bytes",
		    strlen(command));
		audit(c->sess->ag, "exec", "session", c->sess->id, "command",
		    command, (char *)NULL);
		return (console_start(c, command, NULL));
	}
	info("verb name=%s", v->name);
	audit(c->sess->ag, "verb", "name", v->name, "session", c->sess->id,
	    (char *)NULL);
	if (words_split(command, strlen(command), &argc, &argv, &cause) != 0) {
		xasprintf(&out, "%s: %s\n", v->name, cause);
		free(cause);
		return (verbs_reply(c, out, 2));
	}
	if (v->audit != NULL)
		v->audit(c, argc, argv);
	if (v->flags & VERB_FORK) {
		c->verb = v->exec;
		c->verb_argc = argc;
		c->verb_argv = argv;
		return (console_start(c, NULL, NULL));
	}
	c->reply_status = v->exec(c, argc, argv, &out);
	words_free(argc, argv);
	if (c->reply_status == VERB_STARTED)
		return (0);
	return (verbs_reply(c, out, c->reply_status));
}

/* require_reason, and none given: the request fails with a word why. */
int
verbs_no_reason(struct chan *c)
{
	return (verbs_reply(c, xstrdup("tetherd: this agent requires a reason "
	    "for the connection (tether --reason, or TETHER_REASON)\n"), 3));
}

/* A verb answered at once: out goes after the request's reply. */
static int
verbs_reply(struct chan *c, char *out, int status)
{
	c->started = 1;
	c->exited = 1;
	c->reply_status = status;
	if (c->reply_status != 0) {
		c->reply_err = out;
		c->reply = xstrdup("");
	} else
		c->reply = out;
	c->replylen = strlen(c->reply);
	return (0);
}
