/* SPDX-License-Identifier: ISC */

/*
 * The tool catalog: tools.yaml and every .yaml file in tools.d, each a
 * "tools:" list.
 * Every entry is checked when it loads: known keys only, patterns that
 * compile, placeholders that name an argument or {root} and stand as whole
 * words, confirm only on destructive tools, names unique across files.
 */

#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define TOOLS_MAX	256
#define TOOL_ARGS_MAX	16

static void	tool_args_parse(struct conf_ctx *, yaml_node_t *, void *,
		    const struct conf_key *);
static void	tool_args_emit(struct yw *, const void *,
		    const struct conf_key *);
static const struct conf_type tool_args_type = {
	tool_args_parse, tool_args_emit, NULL
};

#define T(name, type, st, f, min, max, arg) \
	{ name, &type, offsetof(st, f), min, max, arg, NULL }

static const struct conf_key tool_arg_keys[] = {
	T("name", conf_string, struct tool_arg, name, 1, 32, NULL),
	T("prompt", conf_string, struct tool_arg, prompt, 1, 128, NULL),
	T("pattern", conf_string, struct tool_arg, pattern, 1, 512, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key tool_keys[] = {
	T("name", conf_string, struct tool, name, 1, 32, NULL),
	T("title", conf_string, struct tool, title, 1, 128, NULL),
	T("dart", conf_string, struct tool, dart, 0, 64, NULL),
	T("command", conf_list, struct tool, command, 1, 64, NULL),
	T("args", tool_args_type, struct tool, args, 0, TOOL_ARGS_MAX, NULL),
	T("needs_root", conf_bool, struct tool, needs_root, 0, 1, NULL),
	T("needs_files", conf_list, struct tool, needs_files, 0, 32, NULL),
	T("in_root", conf_list, struct tool, in_root, 0, 32, NULL),
	T("needs", conf_list, struct tool, needs, 0, 32, NULL),
	T("pty", conf_bool, struct tool, pty, 0, 1, NULL),
	T("timeout", conf_duration, struct tool, timeout, 1, 7 * 86400, NULL),
	T("destructive", conf_bool, struct tool, destructive, 0, 1, NULL),
	T("confirm", conf_string, struct tool, confirm, 1, 64, NULL),
	T("secret", conf_string, struct tool, secret, 1, 128, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static int
tool_word_ok(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > max || s[0] < 'a' || s[0] > 'z')
		return (0);
	return (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n);
}

/* "{name}" as a whole word: 1 and the name copied; else 0. */
static int
tool_placeholder(const char *s, char *name, size_t len)
{
	size_t	 n = strlen(s);

	if (n < 3 || s[0] != '{' || s[n - 1] != '}' || n - 2 >= len)
		return (0);
	memcpy(name, s + 1, n - 2);
	name[n - 2] = '\0';
	return (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
	    n - 2 && name[0] >= 'a' && name[0] <= 'z');
}

/* A {word} that is not a whole element would be interpolation: refused. */
static int
tool_embedded(const char *s)
{
	const char	*open, *close;
	char		 word[64], name[64];

	for (open = strchr(s, '{'); open != NULL; open = strchr(open + 1,
	    '{')) {
		if ((close = strchr(open, '}')) == NULL)
			return (0);
		if ((size_t)(close - open + 2) > sizeof word)
			continue;
		memcpy(word, open, close - open + 1);
		word[close - open + 1] = '\0';
		if (tool_placeholder(word, name, sizeof name))
			return (1);
	}
	return (0);
}

static struct tool_arg *
tool_find_arg(struct tool *t, const char *name)
{
	int	 i;

	for (i = 0; i < t->nargs; i++) {
		if (strcmp(t->args[i].name, name) == 0)
			return (&t->args[i]);
	}
	return (NULL);
}

static void
tool_args_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	struct tool		*t = ctx->arg;
	yaml_node_item_t	*item;
	yaml_node_t		*v;
	struct tool_arg		*a;
	char			 err[256];
	int			 rc;

	(void)dst;
	if (node->type != YAML_SEQUENCE_NODE) {
		conf_error(ctx, node, "%s: expected a list of arguments",
		    key->name);
		return;
	}
	for (item = node->data.sequence.items.start;
	    item < node->data.sequence.items.top; item++) {
		v = yaml_document_get_node(&ctx->file->doc, *item);
		if (t->nargs == TOOL_ARGS_MAX) {
			conf_error(ctx, v, "args: more than %d", TOOL_ARGS_MAX);
			return;
		}
		t->args = xreallocarray(t->args, t->nargs + 1, sizeof *t->args);
		a = &t->args[t->nargs];
		memset(a, 0, sizeof *a);
		if (conf_map(ctx, v, a, tool_arg_keys) != 0) {
			conf_free(a, tool_arg_keys);
			continue;
		}
		if (a->name == NULL || a->prompt == NULL || a->pattern == NULL) {
			conf_error(ctx, v, "an argument needs name, prompt and "
			    "pattern");
			conf_free(a, tool_arg_keys);
			continue;
		}
		if (!tool_word_ok(a->name, 32) || strchr(a->name, '-') != NULL ||
		    strcmp(a->name, "root") == 0) {
			conf_error(ctx, v, "bad argument name \"%s\"", a->name);
			conf_free(a, tool_arg_keys);
			continue;
		}
		if (tool_find_arg(t, a->name) != NULL) {
			conf_error(ctx, v, "argument \"%s\" appears twice",
			    a->name);
			conf_free(a, tool_arg_keys);
			continue;
		}
		if ((rc = regcomp(&a->re, a->pattern, REG_EXTENDED |
		    REG_NOSUB)) != 0) {
			regerror(rc, &a->re, err, sizeof err);
			conf_error(ctx, yr_get(&ctx->file->doc, v, "pattern"),
			    "pattern \"%s\" does not compile: %s", a->pattern,
			    err);
			conf_free(a, tool_arg_keys);
			continue;
		}
		a->compiled = 1;
		t->nargs++;
	}
}

static void
tool_args_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	const struct tool	*t = (const struct tool *)((const char *)src -
	    offsetof(struct tool, args));
	int			 i;

	(void)key;
	yw_seq(w);
	for (i = 0; i < t->nargs; i++)
		conf_emit(w, &t->args[i], tool_arg_keys);
	yw_end(w);
}

/* The node of key (and of its item i, if i >= 0), for error positions. */
static yaml_node_t *
tool_node(struct conf_ctx *ctx, yaml_node_t *node, const char *key, int i)
{
	yaml_node_t	*v;

	if ((v = yr_get(&ctx->file->doc, node, key)) == NULL)
		return (node);
	if (i < 0 || v->type != YAML_SEQUENCE_NODE ||
	    i >= v->data.sequence.items.top - v->data.sequence.items.start)
		return (v);
	return (yaml_document_get_node(&ctx->file->doc,
	    v->data.sequence.items.start[i]));
}

/* Checks across a tool's keys, once its mapping has been read. */
static void
tool_validate(struct conf_ctx *ctx, yaml_node_t *node, struct tool *t)
{
	yaml_node_t	*at;
	char		 name[64];
	int		 i;

	if (t->name == NULL || t->title == NULL || t->command.n == 0) {
		conf_error(ctx, node, "a tool needs name, title and command");
		return;
	}
	if (!tool_word_ok(t->name, 32))
		conf_error(ctx, node, "bad tool name \"%s\" (lower case "
		    "letters, digits, - and _)", t->name);
	for (i = 0; i < t->command.n; i++) {
		const char *w = t->command.v[i];

		at = tool_node(ctx, node, "command", i);
		if (tool_placeholder(w, name, sizeof name)) {
			if (strcmp(name, "root") == 0 && !t->needs_root)
				conf_error(ctx, at, "%s: {root} needs "
				    "needs_root: true", t->name);
			else if (strcmp(name, "root") != 0 &&
			    tool_find_arg(t, name) == NULL)
				conf_error(ctx, at, "%s: unknown placeholder "
				    "{%s} in command", t->name, name);
		} else if (tool_embedded(w))
			conf_error(ctx, at, "%s: placeholder inside the word "
			    "\"%s\" (a placeholder is a whole argument)",
			    t->name, w);
	}
	for (i = 0; i < t->in_root.n; i++) {
		const char *w = t->in_root.v[i];

		at = tool_node(ctx, node, "in_root", i);
		if (!t->needs_root)
			conf_error(ctx, at, "%s: in_root needs needs_root: true",
			    t->name);
		else if (tool_placeholder(w, name, sizeof name) &&
		    tool_find_arg(t, name) == NULL)
			conf_error(ctx, at, "%s: unknown placeholder {%s} in "
			    "in_root", t->name, name);
		else if (w[0] == '/')
			conf_error(ctx, at, "%s: in_root path \"%s\" is "
			    "absolute (paths are relative to the root)",
			    t->name, w);
	}
	at = tool_node(ctx, node, "confirm", -1);
	if (t->confirm != NULL && !t->destructive)
		conf_error(ctx, at, "%s: confirm is only for destructive "
		    "tools", t->name);
	if (t->confirm != NULL && tool_placeholder(t->confirm, name,
	    sizeof name) && tool_find_arg(t, name) == NULL)
		conf_error(ctx, at, "%s: unknown placeholder {%s} in confirm",
		    t->name, name);
	/* A pty tool asks on its terminal itself. */
	if (t->secret != NULL && t->pty)
		conf_error(ctx, tool_node(ctx, node, "secret", -1), "%s: "
		    "secret is for tools that read standard input, not pty "
		    "tools", t->name);
}

void
tool_free(struct tool *t)
{
	int	 i;

	for (i = 0; i < t->nargs; i++) {
		if (t->args[i].compiled)
			regfree(&t->args[i].re);
		conf_free(&t->args[i], tool_arg_keys);
	}
	free(t->args);
	conf_free(t, tool_keys);
	free(t->file);
}

void
tools_free(struct catalog *cat)
{
	int	 i;

	for (i = 0; i < cat->n; i++)
		tool_free(&cat->tools[i]);
	free(cat->tools);
	cat->tools = NULL;
	cat->n = 0;
}

static struct tool *
tools_find(struct catalog *cat, const char *name)
{
	int	 i;

	for (i = 0; i < cat->n; i++) {
		if (strcmp(cat->tools[i].name, name) == 0)
			return (&cat->tools[i]);
	}
	return (NULL);
}

static void
tools_load_file(const char *path, struct catalog *cat,
    struct conf_errors *errs)
{
	struct conf_file	 f;
	struct conf_ctx		 ctx = { &f, errs, NULL };
	yaml_node_t		*root, *list, *v;
	yaml_node_item_t	*item;
	struct tool		 t, *old;
	int			 before;

	if (conf_load(path, &f, errs) != 0) {
		conf_file_free(&f);
		return;
	}
	root = yr_root(&f.doc);
	if (root->type != YAML_MAPPING_NODE || root->data.mapping.pairs.top -
	    root->data.mapping.pairs.start != 1 ||
	    (list = yr_get(&f.doc, root, "tools")) == NULL) {
		conf_error(&ctx, root, "a catalog file holds one key, "
		    "\"tools\", with a list of tools");
		conf_file_free(&f);
		return;
	}
	if (list->type != YAML_SEQUENCE_NODE) {
		conf_error(&ctx, list, "tools: expected a list of tools");
		conf_file_free(&f);
		return;
	}
	for (item = list->data.sequence.items.start;
	    item < list->data.sequence.items.top; item++) {
		v = yaml_document_get_node(&f.doc, *item);
		memset(&t, 0, sizeof t);
		t.timeout = 3600;
		ctx.arg = &t;
		before = errs->n;
		if (conf_map(&ctx, v, &t, tool_keys) == 0)
			tool_validate(&ctx, v, &t);
		if (errs->n == before && (old = tools_find(cat, t.name)) !=
		    NULL)
			conf_error(&ctx, v, "tool \"%s\" is already defined at "
			    "%s:%d", t.name, old->file, old->line);
		if (errs->n == before && cat->n == TOOLS_MAX)
			conf_error(&ctx, v, "more than %d tools", TOOLS_MAX);
		if (errs->n != before) {
			tool_free(&t);
			continue;
		}
		t.file = xstrdup(path);
		t.line = v->start_mark.line + 1;
		cat->tools = xreallocarray(cat->tools, cat->n + 1,
		    sizeof *cat->tools);
		cat->tools[cat->n++] = t;
	}
	conf_file_free(&f);
}

static int
tools_yaml_name(const struct dirent *de)
{
	size_t	 n = strlen(de->d_name);

	return (de->d_name[0] != '.' && n > 5 &&
	    strcmp(de->d_name + n - 5, ".yaml") == 0);
}

/*
 * Load every catalog path: a file, or a directory of .yaml files in name
 * order. A missing default path is fine (explicit = 0); a missing path the
 * configuration names is an error.
 */
int
tools_load(const struct strlist *paths, int explicit, struct catalog *cat,
    struct conf_errors *errs)
{
	struct dirent	**names;
	struct stat	  sb;
	char		 *p;
	int		  i, j, n, before = errs->n;

	memset(cat, 0, sizeof *cat);
	for (i = 0; i < paths->n; i++) {
		if (stat(paths->v[i], &sb) != 0) {
			if (errno != ENOENT || explicit)
				conf_error_file(errs, paths->v[i], "%s",
				    strerror(errno));
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			tools_load_file(paths->v[i], cat, errs);
			continue;
		}
		n = scandir(paths->v[i], &names, tools_yaml_name, alphasort);
		if (n < 0) {
			conf_error_file(errs, paths->v[i], "%s",
			    strerror(errno));
			continue;
		}
		for (j = 0; j < n; j++) {
			xasprintf(&p, "%s/%s", paths->v[i], names[j]->d_name);
			tools_load_file(p, cat, errs);
			free(p);
			free(names[j]);
		}
		free(names);
	}
	if (errs->n != before) {
		tools_free(cat);
		return (-1);
	}
	return (0);
}

/* The catalog as YAML, for -T (printed there as comments). */
char *
tools_print(const struct catalog *cat)
{
	struct yw	*w;
	int		 i;

	w = yw_new();
	yw_map(w);
	yw_str(w, "tools");
	yw_seq(w);
	for (i = 0; i < cat->n; i++)
		conf_emit(w, &cat->tools[i], tool_keys);
	yw_end(w);
	yw_end(w);
	return (yw_finish(w, NULL));
}

/*
 * Running tools: the tools and run verbs. A tool is available when the
 * programs it needs are on PATH and, for a tool that works on an offline
 * system, one is selected and holds the files the tool needs.
 */

/* name as run: a path as given, else the first match on PATH. */
static char *
tool_which(const char *name)
{
	const char	*path = getenv("PATH"), *p, *end;
	char		*full;

	/* The agent's own commands (diagnose) run from its own binary. */
	if (strcmp(name, "tetherd") == 0)
		return (realpath("/proc/self/exe", NULL));
	if (strchr(name, '/') != NULL)
		return (access(name, X_OK) == 0 ? xstrdup(name) : NULL);
	if (path == NULL || *path == '\0')
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p != '\0'; p = *end == ':' ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		xasprintf(&full, "%.*s/%s", (int)(end - p), p, name);
		if (access(full, X_OK) == 0)
			return (full);
		free(full);
	}
	return (NULL);
}

/* Append ", what" (or "what") to a reason being built. */
/*
 * Does the offline system hold rel? Its links are followed as that
 * system sees them (an absolute link must not find the rescue system's
 * file, as /usr/bin/passwd did).
 */
static int
tool_root_has(const char *root, const char *rel)
{
	int	 rootfd, fd;

	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (0);
	fd = root_openat(rootfd, rel, O_PATH);
	close(rootfd);
	if (fd == -1)
		return (0);
	close(fd);
	return (1);
}

static void
tool_reason_add(char **reason, const char *what)
{
	char	*s;

	if (*reason == NULL) {
		*reason = xstrdup(what);
		return;
	}
	xasprintf(&s, "%s, %s", *reason, what);
	free(*reason);
	*reason = s;
}

/* NULL if the tool can run now; else why not, to free. */
char *
tool_unavailable(const struct tool *t, const char *root)
{
	char	*reason = NULL, *p, *missing = NULL;
	int	 i;

	if ((p = tool_which(t->command.v[0])) == NULL)
		tool_reason_add(&missing, t->command.v[0]);
	free(p);
	for (i = 0; i < t->needs.n; i++) {
		if (strcmp(t->needs.v[i], t->command.v[0]) == 0)
			continue;
		if ((p = tool_which(t->needs.v[i])) == NULL)
			tool_reason_add(&missing, t->needs.v[i]);
		free(p);
	}
	if (missing != NULL) {
		xasprintf(&reason, "command not found: %s", missing);
		free(missing);
		missing = NULL;
	}
	if ((t->needs_root || t->needs_files.n > 0) && root == NULL)
		tool_reason_add(&reason, "needs a selected root "
		    "(roots select ID)");
	else {
		for (i = 0; i < t->needs_files.n; i++) {
			if (tool_root_has(root, t->needs_files.v[i]))
				continue;
			xasprintf(&p, "%s missing", t->needs_files.v[i]);
			tool_reason_add(&missing, p);
			free(p);
		}
		if (missing != NULL) {
			xasprintf(&p, "root is limited: %s", missing);
			tool_reason_add(&reason, p);
			free(p);
			free(missing);
		}
	}
	return (reason);
}

/* The tools verb's answer: every tool, whether it can run, and why not. */
char *
tools_list(const struct catalog *cat, const char *root)
{
	const struct tool	*t;
	struct yw		*w;
	char			*why;
	int			 i, j;

	w = yw_new();
	yw_map(w);
	yw_kvint(w, "tether", 1);
	yw_kv(w, "root", root);
	yw_str(w, "tools");
	yw_seq(w);
	for (i = 0; i < cat->n; i++) {
		t = &cat->tools[i];
		why = tool_unavailable(t, root);
		yw_map(w);
		yw_kv(w, "name", t->name);
		yw_kv(w, "title", t->title);
		yw_kv(w, "dart", t->dart);
		yw_kvbool(w, "available", why == NULL);
		yw_kv(w, "reason", why);
		yw_kvbool(w, "needs_root", t->needs_root);
		yw_kvbool(w, "pty", t->pty);
		yw_kvbool(w, "destructive", t->destructive);
		yw_kv(w, "confirm", t->destructive ? (t->confirm != NULL ?
		    t->confirm : t->name) : NULL);
		yw_kv(w, "secret", t->secret);
		yw_kvint(w, "timeout", t->timeout);
		yw_str(w, "args");
		yw_seq(w);
		for (j = 0; j < t->nargs; j++) {
			yw_map(w);
			yw_kv(w, "name", t->args[j].name);
			yw_kv(w, "prompt", t->args[j].prompt);
			yw_kv(w, "pattern", t->args[j].pattern);
			yw_end(w);
		}
		yw_end(w);
		yw_end(w);
		free(why);
	}
	yw_end(w);
	yw_end(w);
	return (yw_finish(w, NULL));
}

/* What {name} stands for: the root, or the value given for an argument. */
static const char *
tool_value(const struct tool *t, const char *name, char **vals,
    const char *root)
{
	int	 i;

	if (strcmp(name, "root") == 0)
		return (root);
	for (i = 0; i < t->nargs; i++) {
		if (strcmp(t->args[i].name, name) == 0)
			return (vals[i]);
	}
	return (NULL);
}

/* A catalog word with its placeholder, if it is one, replaced. */
static const char *
tool_expand(const struct tool *t, const char *word, char **vals,
    const char *root)
{
	char	 name[64];

	if (!tool_placeholder(word, name, sizeof name))
		return (word);
	return (tool_value(t, name, vals, root));
}

/*
 * Whether rel, a path in the root, stays inside it when the kernel follows
 * its symbolic links: an offline system's absolute link (etc/motd to
 * /etc/shadow) would otherwise hand the tool a file of the rescue system.
 * A path that does not exist is fine.
 */
static int
tool_in_root(const char *root, const char *rel, char **err)
{
	struct open_how	 how;
	int		 rootfd, fd, saved;

	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		xasprintf(err, "%s: %s", root, strerror(errno));
		return (-1);
	}
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
	saved = errno;
	close(rootfd);
	if (fd != -1) {
		close(fd);
		return (0);
	}
	if (saved == ENOENT || saved == ENOTDIR)
		return (0);
	if (saved == EXDEV || saved == ELOOP)
		xasprintf(err, "%s leaves the root (a symbolic link in the "
		    "offline system points outside it)", rel);
	else
		xasprintf(err, "%s: %s", rel, strerror(saved));
	return (-1);
}

/* Every in_root path of the tool, placeholders replaced, checked. */
static int
tool_check_in_root(const struct tool *t, char **vals, const char *root,
    char **err)
{
	const char	*rel;
	char		*why;
	int		 i;

	for (i = 0; i < t->in_root.n; i++) {
		rel = tool_expand(t, t->in_root.v[i], vals, root);
		if (rel == NULL || tool_in_root(root, rel, &why) == 0)
			continue;
		xasprintf(err, "%s cannot run: %s", t->name, why);
		free(why);
		return (-1);
	}
	return (0);
}

/*
 * Check a run request, "run TOOL [--confirm=WORD] [--] ARG...", and build
 * the argv to execute. Nothing runs unless every argument matches its
 * pattern and a destructive tool has been confirmed with its word. On
 * error, return NULL with *err set (to free).
 */
char **
tool_prepare(const struct catalog *cat, int argc, char **argv,
    const char *root, const struct tool **tp, char **err, int *status)
{
	const struct tool	*t;
	const char		*confirm = NULL, *want;
	char			**vals, **run, *why;
	int			 i, n;

	*err = NULL;
	*status = TOOL_REFUSED;
	if (argc < 2) {
		*err = xstrdup("usage: run TOOL [--confirm=WORD] [ARG...]");
		return (NULL);
	}
	if ((t = tools_find((struct catalog *)cat, argv[1])) == NULL) {
		xasprintf(err, "no tool \"%s\" (the tools verb lists them)",
		    argv[1]);
		return (NULL);
	}
	for (i = 2; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strncmp(argv[i], "--confirm=", 10) != 0) {
			xasprintf(err, "%s: unknown option %s", t->name,
			    argv[i]);
			return (NULL);
		}
		confirm = argv[i] + 10;
	}
	vals = argv + i;
	n = argc - i;
	if (n != t->nargs) {
		xasprintf(err, "%s takes %d argument%s, not %d", t->name,
		    t->nargs, t->nargs == 1 ? "" : "s", n);
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		if (regexec(&t->args[i].re, vals[i], 0, NULL, 0) != 0) {
			xasprintf(err, "%s: %s \"%s\" does not match %s",
			    t->name, t->args[i].name, vals[i],
			    t->args[i].pattern);
			return (NULL);
		}
	}
	if ((why = tool_unavailable(t, root)) != NULL) {
		xasprintf(err, "%s cannot run: %s", t->name, why);
		free(why);
		return (NULL);
	}
	if (root != NULL && tool_check_in_root(t, vals, root, err) != 0)
		return (NULL);
	if (t->destructive) {
		want = t->confirm != NULL ? tool_expand(t, t->confirm, vals,
		    root) : t->name;
		if (confirm == NULL) {
			xasprintf(err, "%s is destructive: confirm with "
			    "--confirm=%s", t->name, want);
			*status = TOOL_UNCONFIRMED;
			return (NULL);
		}
		if (strcmp(confirm, want) != 0) {
			xasprintf(err, "%s: --confirm=%s does not match; type "
			    "--confirm=%s", t->name, confirm, want);
			*status = TOOL_UNCONFIRMED;
			return (NULL);
		}
	} else if (confirm != NULL) {
		xasprintf(err, "%s is not destructive: no --confirm", t->name);
		return (NULL);
	}

	run = xcalloc(t->command.n + 1, sizeof *run);
	run[0] = tool_which(t->command.v[0]);
	for (i = 1; i < t->command.n; i++)
		run[i] = xstrdup(tool_expand(t, t->command.v[i], vals, root));
	*tp = t;
	return (run);
}
