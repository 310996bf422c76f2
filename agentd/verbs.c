/* SPDX-License-Identifier: ISC */

/*
 * Exec verbs: reserved first words of an exec request, answered by the
 * agent itself. Any other command goes to the shell, as sshd does.
 */

#include <sys/utsname.h>

#include <errno.h>
#include <inttypes.h>
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
static int	verbs_snapshot(struct chan *, int, char **, char **);
static void	verbs_snapshot_audit(struct chan *, int, char **);

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
	    "[--hash] [--unless HASH]", "the screen: a framebuffer or a text "
	    "console", verbs_snapshot, VERB_FORK, verbs_snapshot_audit },
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

/*
 * snapshot: what a screen shows, as the bytes of an image or text on
 * stdout. Statuses: 0 written, 1 capture failed, 2 usage, 3 unchanged.
 */
#define SNAP_USAGE "usage: snapshot [fbN|vcN] [--format png|ppm|txt|ansi] " \
	"[--hash] [--unless HASH]\n"
#define SNAP_UNCHANGED	3

struct snap_req {
	const char	*dev;		/* fbN, vcN or NULL for the default */
	const char	*format;	/* NULL for the device's default */
	const char	*unless;
	int		 hash;
};

static int
verbs_snapshot_args(int argc, char **argv, struct snap_req *r, char **out)
{
	int	 i;

	memset(r, 0, sizeof *r);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hash") == 0)
			r->hash = 1;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			r->format = argv[++i];
		else if (strcmp(argv[i], "--unless") == 0 && i + 1 < argc)
			r->unless = argv[++i];
		else if (argv[i][0] != '-' && r->dev == NULL)
			r->dev = argv[i];
		else {
			xasprintf(out, "snapshot: bad argument \"%s\"\n"
			    SNAP_USAGE, argv[i]);
			return (-1);
		}
	}
	if (r->dev != NULL && (strlen(r->dev) < 3 || strlen(r->dev) > 5 ||
	    (strncmp(r->dev, "fb", 2) != 0 && strncmp(r->dev, "vc", 2) != 0) ||
	    strspn(r->dev + 2, "0123456789") != strlen(r->dev + 2))) {
		xasprintf(out, "snapshot: \"%s\" is not fbN or vcN\n"
		    SNAP_USAGE, r->dev);
		return (-1);
	}
	if (r->format != NULL && strcmp(r->format, "png") != 0 &&
	    strcmp(r->format, "ppm") != 0 && strcmp(r->format, "txt") != 0 &&
	    strcmp(r->format, "ansi") != 0) {
		xasprintf(out, "snapshot: unknown format \"%s\"\n" SNAP_USAGE,
		    r->format);
		return (-1);
	}
	return (0);
}

/* The listed device whose last component is name, as "fb1" or "vcsa2". */
static const char *
verbs_snapshot_dev(const struct conf_list *l, const char *name)
{
	const char	*base;
	int		 i;

	for (i = 0; i < l->n; i++) {
		base = strrchr(l->v[i], '/');
		base = base != NULL ? base + 1 : l->v[i];
		if (strcmp(base, name) == 0)
			return (l->v[i]);
	}
	return (NULL);
}

/* --unless HASH: is the frame the one the client has? */
static int
verbs_snapshot_same(const struct snap_req *r, uint64_t h, char **out)
{
	char	 hex[32];

	snprintf(hex, sizeof hex, "%016" PRIx64, h);
	if (r->unless == NULL || strcmp(r->unless, hex) != 0)
		return (0);
	xasprintf(out, "unchanged %s\n", hex);
	return (1);
}

/* --hash or --unless: the hash of the frame sent, first, on stderr. */
static void
verbs_snapshot_say(const struct snap_req *r, uint64_t h)
{
	if (r->hash || r->unless != NULL) {
		fprintf(stderr, "hash %016" PRIx64 "\n", h);
		fflush(stderr);
	}
}

static int
verbs_snapshot_write(const void *p, size_t len, char **out)
{
	if (fwrite(p, 1, len, stdout) != len || fflush(stdout) != 0) {
		xasprintf(out, "snapshot: write: %s\n", strerror(errno));
		return (1);
	}
	return (0);
}

static int
verbs_snapshot_fb(struct chan *c, const struct snap_req *r, const char *path,
    char **out)
{
	const struct conf_fake_fb	*fake = &c->sess->ag->conf.snapshot.fake_fb;
	struct snap_geom		 g;
	struct snap_image		 img;
	const uint8_t			*mem;
	uint8_t				*png;
	uint64_t			 h;
	size_t				 len;
	char				*cause;
	int				 rc;

	if (r->format != NULL && strcmp(r->format, "png") != 0 &&
	    strcmp(r->format, "ppm") != 0) {
		xasprintf(out, "snapshot: %s: a framebuffer is an image: "
		    "format png or ppm\n", path);
		return (2);
	}
	if (path == fake->path)
		rc = snap_fake_map(fake, &g, &mem, &cause);
	else
		rc = snap_fb_map(path, &g, &mem, &cause);
	if (rc != 0) {
		xasprintf(out, "snapshot: %s\n", cause);
		free(cause);
		return (1);
	}
	/* Unchanged: one pass over the memory, and no copy. */
	if (r->unless != NULL && verbs_snapshot_same(r, snap_hash(&g,
	    snap_visible(&g, mem), g.stride), out)) {
		snap_unmap(&g, mem);
		return (SNAP_UNCHANGED);
	}
	/* The hash of the very bytes encoded, if the screen moved since. */
	snap_capture(&g, mem, &img, r->hash || r->unless != NULL ? &h : NULL);
	snap_unmap(&g, mem);
	if (r->hash || r->unless != NULL)
		verbs_snapshot_say(r, h);
	if (r->format != NULL && strcmp(r->format, "ppm") == 0) {
		png = (uint8_t *)snap_encode_ppm(&img, &len);
		rc = 0;
	} else
		rc = snap_encode_png(&img, &snap_png_default, &png, &len,
		    &cause);
	snap_image_free(&img);
	if (rc != 0) {
		xasprintf(out, "snapshot: %s: %s\n", path, cause);
		free(cause);
		return (1);
	}
	rc = verbs_snapshot_write(png, len, out);
	free(png);
	return (rc);
}

static int
verbs_snapshot_vc(const struct snap_req *r, const char *vcsa, const char *vcsu,
    char **out)
{
	struct snap_text	 t;
	uint64_t		 h;
	char			*text, *cause;
	size_t			 len;
	int			 rc;

	if (r->format != NULL && strcmp(r->format, "txt") != 0 &&
	    strcmp(r->format, "ansi") != 0) {
		xasprintf(out, "snapshot: %s: a text console is text: format "
		    "txt or ansi\n", vcsa);
		return (2);
	}
	if (snap_vc_read(vcsa, vcsu, &t, &cause) != 0) {
		xasprintf(out, "snapshot: %s\n", cause);
		free(cause);
		return (1);
	}
	text = snap_text_format(&t, r->format == NULL ||
	    strcmp(r->format, "ansi") == 0, &len);
	snap_text_free(&t);
	h = snap_hash_bytes(text, len);
	if (verbs_snapshot_same(r, h, out))
		rc = SNAP_UNCHANGED;
	else {
		verbs_snapshot_say(r, h);
		rc = verbs_snapshot_write(text, len, out);
	}
	free(text);
	return (rc);
}

/* vcN: the listed /dev/vcsaN (or the fake for vc1), and vcsuN if there. */
static int
verbs_snapshot_text(struct chan *c, const struct snap_req *r, const char *n,
    char **out)
{
	const struct conf_snapshot	*cs = &c->sess->ag->conf.snapshot;
	const char			*vcsa;
	char				 name[16], *vcsu;
	int				 rc;

	if (strcmp(n, "1") == 0 && cs->fake_vc.vcsa[0] != '\0')
		return (verbs_snapshot_vc(r, cs->fake_vc.vcsa,
		    cs->fake_vc.vcsu[0] != '\0' ? cs->fake_vc.vcsu : NULL,
		    out));
	snprintf(name, sizeof name, "vcsa%s", n);
	if ((vcsa = verbs_snapshot_dev(&cs->vc, name)) == NULL) {
		xasprintf(out, "snapshot: vc%s: no %s in snapshot.vc\n", n,
		    name);
		return (1);
	}
	/* /dev/vcsuN has the characters as code points (Linux 5.3+). */
	vcsu = xstrdup(vcsa);
	memcpy(strrchr(vcsu, '/') != NULL ? strrchr(vcsu, '/') + 4 : vcsu + 3,
	    "u", 1);
	if (access(vcsu, R_OK) != 0) {
		free(vcsu);
		vcsu = NULL;
	}
	rc = verbs_snapshot_vc(r, vcsa, vcsu, out);
	free(vcsu);
	return (rc);
}

static int
verbs_snapshot_image(struct chan *c, const struct snap_req *r, const char *n,
    char **out)
{
	const struct conf_snapshot	*cs = &c->sess->ag->conf.snapshot;
	const char			*path;
	char				 name[16];

	if (strcmp(n, "0") == 0 && cs->fake_fb.path[0] != '\0')
		return (verbs_snapshot_fb(c, r, cs->fake_fb.path, out));
	snprintf(name, sizeof name, "fb%s", n);
	if ((path = verbs_snapshot_dev(&cs->fb, name)) == NULL) {
		xasprintf(out, "snapshot: %s: not in snapshot.fb\n", name);
		return (1);
	}
	return (verbs_snapshot_fb(c, r, path, out));
}

/* No device named: fb0, or vc1 as ansi when there is no framebuffer. */
static int
verbs_snapshot_default(struct chan *c, struct snap_req *r, char **out)
{
	const struct conf_snapshot	*cs = &c->sess->ag->conf.snapshot;
	const char			*fb0;

	if (r->format != NULL) {
		if (strcmp(r->format, "png") == 0 ||
		    strcmp(r->format, "ppm") == 0)
			return (verbs_snapshot_image(c, r, "0", out));
		return (verbs_snapshot_text(c, r, "1", out));
	}
	fb0 = verbs_snapshot_dev(&cs->fb, "fb0");
	if (cs->fake_fb.path[0] != '\0' || (fb0 != NULL &&
	    access(fb0, F_OK) == 0))
		return (verbs_snapshot_image(c, r, "0", out));
	return (verbs_snapshot_text(c, r, "1", out));
}

static int
verbs_snapshot(struct chan *c, int argc, char **argv, char **out)
{
	struct snap_req	 r;

	if (verbs_snapshot_args(argc, argv, &r, out) != 0)
		return (2);
	if (r.dev == NULL)
		return (verbs_snapshot_default(c, &r, out));
	if (strncmp(r.dev, "fb", 2) == 0)
		return (verbs_snapshot_image(c, &r, r.dev + 2, out));
	return (verbs_snapshot_text(c, &r, r.dev + 2, out));
}

/* In the listener, before the verb's own process: who asked for what. */
static void
verbs_snapshot_audit(struct chan *c, int argc, char **argv)
{
	struct snap_req	 r;
	char		*out = NULL;

	if (verbs_snapshot_args(argc, argv, &r, &out) != 0) {
		free(out);
		return;
	}
	audit(c->sess->ag, "snapshot", "session", c->sess->id, "device",
	    r.dev != NULL ? r.dev : "default", "format",
	    r.format != NULL ? r.format : "default", "unless",
	    r.unless != NULL ? r.unless : "", (char *)NULL);
}
