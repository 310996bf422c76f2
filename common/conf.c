/* SPDX-License-Identifier: ISC */

/*
 * Configuration files through key tables. conf_load reads and parses a
 * file; conf_map walks one mapping against its table, refusing unknown and
 * duplicate keys; each type parses, checks and prints its own values. All
 * errors are collected as "file:line:col: message" with the line and a
 * caret, and shown together.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common.h"

#define CONF_MAX_SIZE	(1024 * 1024)

static const char *
conf_line(const struct conf_file *f, size_t line, size_t *len)
{
	const char	*p = f->text, *end = f->text + f->len, *nl;

	while (line > 0 && p < end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			return (NULL);
		p = nl + 1;
		line--;
	}
	if (p >= end)
		return (NULL);
	nl = memchr(p, '\n', end - p);
	*len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
	if (*len > 0 && p[*len - 1] == '\r')
		(*len)--;
	return (p);
}

static void
conf_add(struct conf_errors *errs, char *msg)
{
	errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
	errs->v[errs->n++] = msg;
}

/* An error at a mark: file:line:col: message, then the line and a caret. */
static void
conf_verror_at(struct conf_ctx *ctx, size_t line, size_t col,
    const char *fmt, va_list ap)
{
	const char	*text;
	char		*msg, *full;
	size_t		 len;

	xvasprintf(&msg, fmt, ap);
	text = conf_line(ctx->file, line, &len);
	if (text != NULL && len < 200 && col <= len)
		xasprintf(&full, "%s:%zu:%zu: %s\n    %.*s\n    %*s^",
		    ctx->file->path, line + 1, col + 1, msg, (int)len, text,
		    (int)col, "");
	else
		xasprintf(&full, "%s:%zu:%zu: %s", ctx->file->path, line + 1,
		    col + 1, msg);
	free(msg);
	conf_add(ctx->errs, full);
}

void
conf_error(struct conf_ctx *ctx, yaml_node_t *node, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conf_verror_at(ctx, node->start_mark.line, node->start_mark.column, fmt,
	    ap);
	va_end(ap);
}

/* An error about a whole file, with no position. */
void
conf_error_file(struct conf_errors *errs, const char *path, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg, *full;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&full, "%s: %s", path, msg);
	free(msg);
	conf_add(errs, full);
}

void
conf_errors_free(struct conf_errors *errs)
{
	int	 i;

	for (i = 0; i < errs->n; i++)
		free(errs->v[i]);
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

static char *
conf_read(const char *path, size_t *len, struct conf_errors *errs)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	/* O_NONBLOCK: a FIFO must not hang the open before it is refused. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		conf_error_file(errs, path, "%s", strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &sb) != 0) {
		conf_error_file(errs, path, "%s", strerror(errno));
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(sb.st_mode)) {
		conf_error_file(errs, path, S_ISDIR(sb.st_mode) ?
		    "is a directory, not a file" : "not a regular file");
		close(fd);
		return (NULL);
	}
	if (sb.st_size > CONF_MAX_SIZE) {
		conf_error_file(errs, path, "file is larger than 1 MiB");
		close(fd);
		return (NULL);
	}
	buf = xmalloc(sb.st_size + 1);
	*len = 0;
	while ((size_t)sb.st_size > *len &&
	    (n = read(fd, buf + *len, sb.st_size - *len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			conf_error_file(errs, path, "%s", strerror(errno));
			close(fd);
			free(buf);
			return (NULL);
		}
		*len += n;
	}
	close(fd);
	buf[*len] = '\0';
	return (buf);
}

static int
conf_blank(const char *s, size_t len)
{
	const char	*p = s, *end = s + len;

	/* Only blanks and comments: as good as empty. */
	while (p < end) {
		p += strspn(p, " \t\r\n");
		if (p < end && *p == '#')
			p += strcspn(p, "\n");
		else if (p < end)
			return (0);
	}
	return (1);
}

/*
 * libyaml's error. A bad UTF-8 byte comes with only its offset, so the
 * line and column are counted from the text.
 */
static void
conf_parse_error(struct conf_ctx *ctx, yaml_parser_t *parser)
{
	size_t		 line = parser->problem_mark.line;
	size_t		 col = parser->problem_mark.column, i;
	const char	*text = ctx->file->text;

	if (parser->error == YAML_READER_ERROR &&
	    parser->problem_offset <= ctx->file->len) {
		line = col = 0;
		for (i = 0; i < parser->problem_offset; i++) {
			if (text[i] == '\n') {
				line++;
				col = 0;
			} else if (((unsigned char)text[i] & 0xc0) != 0x80)
				col++;
		}
	}
	conf_error_at(ctx, line, col, "%s%s%s", parser->problem != NULL ?
	    parser->problem : "malformed YAML", parser->context != NULL ?
	    " " : "", parser->context != NULL ? parser->context : "");
}

/* Read and parse path into f. Returns -1 with the errors added. */
int
conf_load(const char *path, struct conf_file *f, struct conf_errors *errs)
{
	struct conf_ctx	 ctx = { f, errs, NULL };
	yaml_parser_t	 parser;
	yaml_document_t	 extra;
	int		 before = errs->n;

	memset(f, 0, sizeof *f);
	f->path = xstrdup(path);
	if ((f->text = conf_read(path, &f->len, errs)) == NULL)
		return (-1);
	if (memchr(f->text, '\0', f->len) != NULL) {
		conf_error_file(errs, path, "file holds a NUL byte (is it "
		    "text?)");
		return (-1);
	}
	if (conf_blank(f->text, f->len)) {
		conf_error_file(errs, path, "file is empty");
		return (-1);
	}
	if (!yaml_parser_initialize(&parser))
		fatalx("yaml: cannot initialise parser");
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (unsigned char *)f->text,
	    f->len);
	if (!yaml_parser_load(&parser, &f->doc)) {
		conf_parse_error(&ctx, &parser);
		yaml_parser_delete(&parser);
		return (-1);
	}
	f->loaded = 1;
	if (yaml_document_get_root_node(&f->doc) == NULL) {
		yaml_parser_delete(&parser);
		conf_error_file(errs, path, "file is empty");
		return (-1);
	}
	/* A second document would be silently ignored: refuse it. */
	if (!yaml_parser_load(&parser, &extra))
		conf_parse_error(&ctx, &parser);
	else {
		if (yaml_document_get_root_node(&extra) != NULL)
			conf_error(&ctx, yaml_document_get_root_node(&extra),
			    "a second YAML document (after ---) is not "
			    "allowed");
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&parser);
	return (errs->n == before ? 0 : -1);
}

void
conf_error_at(struct conf_ctx *ctx, size_t line, size_t col,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conf_verror_at(ctx, line, col, fmt, ap);
	va_end(ap);
}

void
conf_file_free(struct conf_file *f)
{
	if (f->loaded)
		yaml_document_delete(&f->doc);
	free(f->text);
	free(f->path);
	memset(f, 0, sizeof *f);
}

/* Levenshtein distance, capped: only "close enough" matters. */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, prev, cur, diag;
	size_t	 row[64];

	if (la >= 64 || lb >= 64)
		return (99);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			prev = row[j];
			cur = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
			diag = prev;
		}
	}
	return (row[lb]);
}

static const struct conf_key *
conf_find(const struct conf_key *table, const char *name)
{
	for (; table->name != NULL; table++) {
		if (strcmp(table->name, name) == 0)
			return (table);
	}
	return (NULL);
}

static void
conf_unknown(struct conf_ctx *ctx, yaml_node_t *k, const char *name,
    const struct conf_key *table)
{
	const struct conf_key	*best = NULL;
	size_t			 d, bestd = 3;

	for (; table->name != NULL; table++) {
		d = conf_distance(name, table->name);
		/* A cut-short name is close too: max_auth_try. */
		if (d > 2 && strlen(name) >= 6 && strncmp(name, table->name,
		    strlen(name) - 1) == 0)
			d = 2;
		if (d < bestd) {
			bestd = d;
			best = table;
		}
	}
	if (best != NULL)
		conf_error(ctx, k, "unknown key \"%s\" (did you mean \"%s\"?)",
		    name, best->name);
	else
		conf_error(ctx, k, "unknown key \"%s\"", name);
}

/*
 * Walk a mapping node against a table: every key must be known and appear
 * once; each value goes to its type's parser with base + offset.
 */
int
conf_map(struct conf_ctx *ctx, yaml_node_t *node, void *base,
    const struct conf_key *table)
{
	yaml_node_pair_t	*pair, *p2;
	yaml_node_t		*k, *v, *k2;
	const struct conf_key	*key;
	const char		*name;
	int			 before = ctx->errs->n;

	if (node->type != YAML_MAPPING_NODE) {
		conf_error(ctx, node, "expected a mapping of keys");
		return (-1);
	}
	for (pair = node->data.mapping.pairs.start;
	    pair < node->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(&ctx->file->doc, pair->key);
		v = yaml_document_get_node(&ctx->file->doc, pair->value);
		if (k->type != YAML_SCALAR_NODE) {
			conf_error(ctx, k, "a key must be a plain word");
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (p2 = node->data.mapping.pairs.start; p2 < pair; p2++) {
			k2 = yaml_document_get_node(&ctx->file->doc, p2->key);
			if (k2->type == YAML_SCALAR_NODE && strcmp(name,
			    (char *)k2->data.scalar.value) == 0)
				break;
		}
		if (p2 < pair) {
			conf_error(ctx, k, "duplicate key \"%s\" (first at "
			    "line %zu)", name, k2->start_mark.line + 1);
			continue;
		}
		if ((key = conf_find(table, name)) == NULL) {
			conf_unknown(ctx, k, name, table);
			continue;
		}
		key->type->parse(ctx, v, (char *)base + key->off, key);
	}
	return (ctx->errs->n == before ? 0 : -1);
}

/* Print a mapping's values through each key's type, in table order. */
void
conf_emit(struct yw *w, const void *base, const struct conf_key *table)
{
	yw_map(w);
	for (; table->name != NULL; table++) {
		/* An unset optional string (a tool's confirm) is left out. */
		if (table->type == &conf_string &&
		    *(char *const *)((const char *)base + table->off) == NULL)
			continue;
		yw_str(w, table->name);
		table->type->emit(w, (const char *)base + table->off, table);
	}
	yw_end(w);
}

void
conf_free(void *base, const struct conf_key *table)
{
	for (; table->name != NULL; table++) {
		if (table->type->free != NULL)
			table->type->free((char *)base + table->off, table);
	}
}

/* The scalar text of a node, or an error naming what was expected. */
const char *
conf_scalar(struct conf_ctx *ctx, yaml_node_t *node,
    const struct conf_key *key, const char *what)
{
	if (node->type != YAML_SCALAR_NODE) {
		conf_error(ctx, node, "%s: expected %s, not a %s", key->name,
		    what, node->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return (NULL);
	}
	return ((const char *)node->data.scalar.value);
}

/* A quoted scalar is a string even when it looks like a number. */
int
conf_quoted(yaml_node_t *node)
{
	return (node->type == YAML_SCALAR_NODE &&
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE);
}

/* bool: true/false (and yes/no, on/off), not quoted. */
static void
conf_bool_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	static const char *yes[] = { "true", "yes", "on", NULL };
	static const char *no[] = { "false", "no", "off", NULL };
	const char	*s, **p;

	if ((s = conf_scalar(ctx, node, key, "true or false")) == NULL)
		return;
	for (p = yes; *p != NULL && !conf_quoted(node); p++) {
		if (strcasecmp(s, *p) == 0) {
			*(int *)dst = 1;
			return;
		}
	}
	for (p = no; *p != NULL && !conf_quoted(node); p++) {
		if (strcasecmp(s, *p) == 0) {
			*(int *)dst = 0;
			return;
		}
	}
	conf_error(ctx, node, "%s: expected true or false, not \"%s\"",
	    key->name, s);
}

static void
conf_bool_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	(void)key;
	yw_bool(w, *(const int *)src);
}

const struct conf_type conf_bool = { conf_bool_parse, conf_bool_emit, NULL };

/* int: a whole number within [min, max]. */
int
conf_number(struct conf_ctx *ctx, yaml_node_t *node,
    const struct conf_key *key, long long *v)
{
	const char	*s;
	char		*end;

	if ((s = conf_scalar(ctx, node, key, "a number")) == NULL)
		return (-1);
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (*s == '\0' || *s == '+' || *end != '\0' || errno != 0 ||
	    conf_quoted(node)) {
		conf_error(ctx, node, "%s: expected a whole number, not \"%s\"",
		    key->name, s);
		return (-1);
	}
	if (*v < key->min || *v > key->max) {
		conf_error(ctx, node, "%s: %lld is out of range (%lld to %lld)",
		    key->name, *v, key->min, key->max);
		return (-1);
	}
	return (0);
}

static void
conf_int_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	long long	 v;

	if (conf_number(ctx, node, key, &v) == 0)
		*(int *)dst = (int)v;
}

static void
conf_int_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	(void)key;
	yw_int(w, *(const int *)src);
}

const struct conf_type conf_int = { conf_int_parse, conf_int_emit, NULL };

/*
 * duration: a number with a unit, s, m, h or d (30s, 10m, 1h), kept in
 * seconds within [min, max]. A bare number is refused: "30" is ambiguous.
 */
int
conf_parse_duration(const char *s, long long *v)
{
	static const struct { char unit; long long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }
	};
	char	*end;
	size_t	 i;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0' || *v > 1000000000)
		return (-1);
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (*end == units[i].unit) {
			*v *= units[i].mult;
			return (0);
		}
	}
	return (-1);
}

static void
conf_duration_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	const char	*s;
	long long	 v;

	if ((s = conf_scalar(ctx, node, key, "a duration")) == NULL)
		return;
	if (conf_parse_duration(s, &v) != 0) {
		conf_error(ctx, node, "%s: bad duration \"%s\" (use a number "
		    "and s, m, h or d, as in 30s, 10m, 1h)", key->name, s);
		return;
	}
	if (v < key->min || v > key->max) {
		conf_error(ctx, node, "%s: %s is out of range (%llds to %llds)",
		    key->name, s, key->min, key->max);
		return;
	}
	*(int *)dst = (int)v;
}

/* The largest unit that divides exactly, so the text reads back the same. */
void
conf_format_duration(int v, char *buf, size_t len)
{
	if (v != 0 && v % 86400 == 0)
		snprintf(buf, len, "%dd", v / 86400);
	else if (v != 0 && v % 3600 == 0)
		snprintf(buf, len, "%dh", v / 3600);
	else if (v != 0 && v % 60 == 0)
		snprintf(buf, len, "%dm", v / 60);
	else
		snprintf(buf, len, "%ds", v);
}

static void
conf_duration_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	char	 buf[32];

	(void)key;
	conf_format_duration(*(const int *)src, buf, sizeof buf);
	yw_str(w, buf);
}

const struct conf_type conf_duration = {
	conf_duration_parse, conf_duration_emit, NULL
};

/* string: text up to max bytes (min 1 means it may not be empty). */
static void
conf_string_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	const char	*s;
	char		*cause;
	size_t		 len;

	if ((s = conf_scalar(ctx, node, key, "text")) == NULL)
		return;
	/* Characters, not bytes: UTF-8 continuation bytes do not count. */
	for (len = 0; *s != '\0'; s++)
		len += ((unsigned char)*s & 0xc0) != 0x80;
	s = (const char *)node->data.scalar.value;
	if (len > (size_t)key->max) {
		conf_error(ctx, node, "%s: %zu characters is longer than the "
		    "%lld allowed", key->name, len, key->max);
		return;
	}
	if (len < (size_t)key->min) {
		conf_error(ctx, node, "%s: may not be empty", key->name);
		return;
	}
	if (key->arg != NULL && strcmp(key->arg, "path") == 0 && len > 0 &&
	    *s != '/') {
		conf_error(ctx, node, "%s: \"%s\" is not an absolute path",
		    key->name, s);
		return;
	}
	if (key->check != NULL && key->check(s, &cause) != 0) {
		conf_error(ctx, node, "%s: %s", key->name, cause);
		free(cause);
		return;
	}
	free(*(char **)dst);
	*(char **)dst = xstrdup(s);
}

static void
conf_string_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	(void)key;
	yw_str(w, *(char *const *)src != NULL ? *(char *const *)src : "");
}

static void
conf_string_free(void *dst, const struct conf_key *key)
{
	(void)key;
	free(*(char **)dst);
	*(char **)dst = NULL;
}

const struct conf_type conf_string = {
	conf_string_parse, conf_string_emit, conf_string_free
};

/* list: a sequence of strings, each checked by key->arg's checker. */
static void
conf_list_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	conf_check_fn		 check = key->check;
	struct strlist	 l = { NULL, 0 };
	yaml_node_item_t	*item;
	yaml_node_t		*v;
	const char		*s;
	char			*cause;
	int			 bad = 0;

	if (node->type == YAML_SCALAR_NODE &&
	    node->data.scalar.length == 0 && !conf_quoted(node)) {
		strlist_clear(dst);	/* "key:" alone: an empty list */
		return;
	}
	if (node->type != YAML_SEQUENCE_NODE) {
		conf_error(ctx, node, "%s: expected a list", key->name);
		return;
	}
	for (item = node->data.sequence.items.start;
	    item < node->data.sequence.items.top; item++) {
		v = yaml_document_get_node(&ctx->file->doc, *item);
		if ((s = conf_scalar(ctx, v, key, "text")) == NULL) {
			bad = 1;
			continue;
		}
		if (l.n >= key->max) {
			conf_error(ctx, v, "%s: more than %lld items",
			    key->name, key->max);
			bad = 1;
			break;
		}
		if (check != NULL && check(s, &cause) != 0) {
			conf_error(ctx, v, "%s: %s", key->name, cause);
			free(cause);
			bad = 1;
			continue;
		}
		strlist_add(&l, s);
	}
	if (bad) {
		strlist_clear(&l);
		return;
	}
	strlist_clear(dst);
	*(struct strlist *)dst = l;
}

static void
conf_list_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	const struct strlist	*l = src;
	int			 i;

	(void)key;
	yw_flow_seq(w);
	for (i = 0; i < l->n; i++)
		yw_str(w, l->v[i]);
	yw_end(w);
}

static void
conf_list_free(void *dst, const struct conf_key *key)
{
	(void)key;
	strlist_clear(dst);
}

const struct conf_type conf_list = {
	conf_list_parse, conf_list_emit, conf_list_free
};

/* enum: one of the words in key->arg (a NULL-ended array), kept as index. */
static void
conf_enum_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	const char *const	*names = key->arg;
	const char		*s;
	char			*all = NULL, *t;
	int			 i;

	if ((s = conf_scalar(ctx, node, key, "a word")) == NULL)
		return;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0) {
			*(int *)dst = i;
			return;
		}
	}
	for (i = 0; names[i] != NULL; i++) {
		xasprintf(&t, "%s%s%s", all != NULL ? all : "",
		    all != NULL ? ", " : "", names[i]);
		free(all);
		all = t;
	}
	conf_error(ctx, node, "%s: \"%s\" is not one of %s", key->name, s, all);
	free(all);
}

static void
conf_enum_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	const char *const	*names = key->arg;

	yw_str(w, names[*(const int *)src]);
}

const struct conf_type conf_enum = { conf_enum_parse, conf_enum_emit, NULL };

/* map: a nested mapping with its own table in key->arg. */
static void
conf_sub_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	conf_map(ctx, node, dst, key->arg);
}

static void
conf_sub_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	conf_emit(w, src, key->arg);
}

static void
conf_sub_free(void *dst, const struct conf_key *key)
{
	conf_free(dst, key->arg);
}

const struct conf_type conf_sub = {
	conf_sub_parse, conf_sub_emit, conf_sub_free
};
