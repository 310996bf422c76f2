/* SPDX-License-Identifier: ISC */

/*
 * YAML through libyaml. yw_* emit a document into memory (state files and
 * the verbs' replies); yr_* load one and walk it by key.
 */

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common.h"

#define YW_DEPTH	32

struct yw {
	yaml_emitter_t	 emitter;
	char		*buf;
	size_t		 len;
	size_t		 size;
	char		 open[YW_DEPTH];	/* 'm' or 's' per open level */
	int		 depth;
};

static int
yw_output(void *arg, unsigned char *data, size_t size)
{
	struct yw	*w = arg;

	if (w->len + size + 1 > w->size) {
		w->size = (w->len + size + 1) * 2;
		w->buf = xreallocarray(w->buf, 1, w->size);
	}
	memcpy(w->buf + w->len, data, size);
	w->len += size;
	return (1);
}

static void
yw_emit(struct yw *w, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&w->emitter, ev))
		fatalx("yaml: emitter: %s", w->emitter.problem != NULL ?
		    w->emitter.problem : "unknown error");
}

struct yw *
yw_new(void)
{
	struct yw	*w;
	yaml_event_t	 ev;

	w = xcalloc(1, sizeof *w);
	if (!yaml_emitter_initialize(&w->emitter))
		fatalx("yaml: cannot initialise emitter");
	yaml_emitter_set_output(&w->emitter, yw_output, w);
	yaml_emitter_set_unicode(&w->emitter, 1);
	yaml_emitter_set_width(&w->emitter, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yw_emit(w, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	yw_emit(w, &ev);
	return (w);
}

void
yw_map(struct yw *w)
{
	yaml_event_t	 ev;

	if (w->depth == YW_DEPTH)
		fatalx("yaml: nested too deep");
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    YAML_BLOCK_MAPPING_STYLE);
	yw_emit(w, &ev);
	w->open[w->depth++] = 'm';
}

static void
yw_seq_style(struct yw *w, yaml_sequence_style_t style)
{
	yaml_event_t	 ev;

	if (w->depth == YW_DEPTH)
		fatalx("yaml: nested too deep");
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style);
	yw_emit(w, &ev);
	w->open[w->depth++] = 's';
}

void
yw_seq(struct yw *w)
{
	yw_seq_style(w, YAML_BLOCK_SEQUENCE_STYLE);
}

void
yw_flow_seq(struct yw *w)
{
	yw_seq_style(w, YAML_FLOW_SEQUENCE_STYLE);
}

/*
 * Close the innermost mapping or sequence. The writer keeps its own stack:
 * libyaml's emitter holds events back to look ahead, so its state lags.
 */
void
yw_end(struct yw *w)
{
	yaml_event_t	 ev;

	if (w->depth == 0)
		fatalx("yaml: end with nothing open");
	if (w->open[--w->depth] == 'm')
		yaml_mapping_end_event_initialize(&ev);
	else
		yaml_sequence_end_event_initialize(&ev);
	yw_emit(w, &ev);
}

/*
 * The length of the UTF-8 sequence at p, or 0 if it is not one: overlong
 * forms, surrogates and code points past U+10FFFF are refused (libyaml
 * lets surrogates through, then its own reader refuses what it wrote).
 */
static size_t
yw_utf8_len(const unsigned char *p)
{
	size_t	 n, j;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return (0);
	for (j = 1; j < n; j++) {
		if ((p[j] & 0xc0) != 0x80)
			return (0);
	}
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return (0);
	return (n);
}

/* s itself if it is valid UTF-8, else a copy with '?' for each bad byte. */
static char *
yw_utf8(const char *s, char **copy)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n;

	*copy = NULL;
	while (p[i] != '\0') {
		if ((n = yw_utf8_len(p + i)) == 0) {
			if (*copy == NULL)
				*copy = xstrdup(s);
			(*copy)[i++] = '?';
		} else
			i += n;
	}
	return (*copy != NULL ? *copy : (char *)s);
}

/*
 * libyaml refuses text that is not UTF-8 and leaves the event as it was;
 * emitting it then would free the last event twice. Client-supplied text
 * (a user name) can be anything, so it is made valid first.
 */
static void
yw_scalar(struct yw *w, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t	 ev;
	char		*copy;
	const char	*v = yw_utf8(s, &copy);

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)v,
	    strlen(v), 1, 1, style))
		fatalx("yaml: cannot make a scalar event");
	free(copy);
	yw_emit(w, &ev);
}

/*
 * Strings that a YAML 1.1 reader would take for a number, bool or null are
 * quoted, so every consumer reads back the text that was written.
 */
void
yw_str(struct yw *w, const char *s)
{
	static const char *special[] = { "", "~", "null", "true", "false",
	    "yes", "no", "on", "off", "y", "n", NULL };
	const char	**p;
	char		*end;

	for (p = special; *p != NULL; p++) {
		if (strcasecmp(s, *p) == 0) {
			yw_scalar(w, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
			return;
		}
	}
	if (*s != '\0') {
		strtod(s, &end);
		if (*end == '\0') {
			yw_scalar(w, s, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
			return;
		}
	}
	yw_scalar(w, s, YAML_ANY_SCALAR_STYLE);
}

void
yw_int(struct yw *w, long long v)
{
	char	 buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	yw_scalar(w, buf, YAML_PLAIN_SCALAR_STYLE);
}

void
yw_bool(struct yw *w, int v)
{
	yw_scalar(w, v ? "true" : "false", YAML_PLAIN_SCALAR_STYLE);
}

void
yw_null(struct yw *w)
{
	yw_scalar(w, "null", YAML_PLAIN_SCALAR_STYLE);
}

void
yw_kv(struct yw *w, const char *k, const char *v)
{
	yw_str(w, k);
	if (v == NULL)
		yw_null(w);
	else
		yw_str(w, v);
}

void
yw_kvint(struct yw *w, const char *k, long long v)
{
	yw_str(w, k);
	yw_int(w, v);
}

void
yw_kvbool(struct yw *w, const char *k, int v)
{
	yw_str(w, k);
	yw_bool(w, v);
}

/* A short list of strings, on one line: ips: [10.0.0.5, fe80::1%eth0]. */
void
yw_kvlist(struct yw *w, const char *k, char **v, int n)
{
	int	 i;

	yw_str(w, k);
	yw_flow_seq(w);
	for (i = 0; i < n; i++)
		yw_str(w, v[i]);
	yw_end(w);
}

/* Times are UTC, ISO 8601, to the second. */
void
yw_kvtime(struct yw *w, const char *k, time_t t)
{
	char		 buf[32];
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	yw_kv(w, k, buf);
}

/* End the document and hand back its text; the writer is freed. */
char *
yw_finish(struct yw *w, size_t *lenp)
{
	yaml_event_t	 ev;
	char		*s;

	yaml_document_end_event_initialize(&ev, 1);
	yw_emit(w, &ev);
	yaml_stream_end_event_initialize(&ev);
	yw_emit(w, &ev);
	if (!yaml_emitter_flush(&w->emitter))
		fatalx("yaml: cannot flush emitter");
	yaml_emitter_delete(&w->emitter);
	if (w->buf == NULL)
		w->buf = xcalloc(1, 1);
	w->buf[w->len] = '\0';
	s = w->buf;
	if (lenp != NULL)
		*lenp = w->len;
	free(w);
	return (s);
}

/* Load one document; on error, cause has line:col: problem. */
int
yr_load(const char *buf, size_t len, yaml_document_t *doc, char **cause)
{
	yaml_parser_t	 parser;

	if (!yaml_parser_initialize(&parser))
		fatalx("yaml: cannot initialise parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, doc)) {
		xasprintf(cause, "%zu:%zu: %s", parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1, parser.problem != NULL ?
		    parser.problem : "malformed YAML");
		yaml_parser_delete(&parser);
		return (-1);
	}
	yaml_parser_delete(&parser);
	if (yaml_document_get_root_node(doc) == NULL) {
		yaml_document_delete(doc);
		*cause = xstrdup("1:1: empty document");
		return (-1);
	}
	return (0);
}

yaml_node_t *
yr_root(yaml_document_t *doc)
{
	return (yaml_document_get_root_node(doc));
}

/* The value under key in a mapping node, or NULL. */
yaml_node_t *
yr_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return (NULL);
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		k = yaml_document_get_node(doc, pair->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return (yaml_document_get_node(doc, pair->value));
	}
	return (NULL);
}

const char *
yr_scalar(yaml_node_t *node)
{
	if (node == NULL || node->type != YAML_SCALAR_NODE)
		return (NULL);
	return ((const char *)node->data.scalar.value);
}

/*
 * Walk a dotted path from the root: "a.b" for keys, "ips.0" for the first
 * item of a sequence.
 */
yaml_node_t *
yr_path(yaml_document_t *doc, const char *path)
{
	yaml_node_t	*node = yr_root(doc);
	char		*copy, *part, *last, *end;
	long		 idx;

	copy = xstrdup(path);
	for (part = strtok_r(copy, ".", &last); part != NULL && node != NULL;
	    part = strtok_r(NULL, ".", &last)) {
		if (node->type == YAML_SEQUENCE_NODE) {
			idx = strtol(part, &end, 10);
			if (*end != '\0' || idx < 0 || idx >=
			    node->data.sequence.items.top -
			    node->data.sequence.items.start)
				node = NULL;
			else
				node = yaml_document_get_node(doc,
				    node->data.sequence.items.start[idx]);
		} else
			node = yr_get(doc, node, part);
	}
	free(copy);
	return (node);
}
