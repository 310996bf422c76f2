/* SPDX-License-Identifier: ISC */

/*
 * The wire YAML the viewer reads (the replies to info, tools, roots):
 * yr_load() on the raw reply, then the lookups the viewer makes with
 * yr_path(), yr_get() and yr_scalar(), checked against a plain walk.
 */

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "fuzz.h"

#define FUZZ_YAML_DEPTH	16
#define FUZZ_YAML_NODES	2048

/* Paths the viewer reads from info, roots and tools replies. */
static const char *fuzz_yaml_paths[] = {
	"tether", "version", "host", "kernel", "port", "ips", "ips.0",
	"ips.1", "fingerprint", "expires", "session", "user", "from",
	"shell", "sftp", "state", "connections.0.from", "roots.0.id",
	"tools.0.name", "tools.0.args.0.pattern", "a.b.c.d.e.f.g.h",
	"0", "-1", "ips.-1", "ips.+0", "ips. 0", "ips.99999999999999999999",
	"", ".", "..", "ips..0", NULL
};

static int	fuzz_yaml_budget;

static const char *
fuzz_yaml_key(yaml_document_t *doc, yaml_node_pair_t *pair)
{
	return (yr_scalar(yaml_document_get_node(doc, pair->key)));
}

/* yr_get() gives the value of the first pair whose key is that text. */
static void
fuzz_yaml_map(yaml_document_t *doc, yaml_node_t *map)
{
	yaml_node_pair_t	*pair, *first;
	const char		*key, *k;

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		if ((key = fuzz_yaml_key(doc, pair)) == NULL)
			continue;
		for (first = map->data.mapping.pairs.start; first < pair;
		    first++) {
			k = fuzz_yaml_key(doc, first);
			if (k != NULL && strcmp(k, key) == 0)
				break;
		}
		if (yr_get(doc, map, key) !=
		    yaml_document_get_node(doc, first->value))
			fuzz_fail("yr_get(\"%s\") is not the first such key",
			    key);
	}
}

/* Visit a bounded part of the graph: anchors can make it a cycle. */
static void
fuzz_yaml_walk(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	yaml_node_pair_t	*pair;
	yaml_node_item_t	*item;

	if (node == NULL || depth > FUZZ_YAML_DEPTH ||
	    fuzz_yaml_budget-- <= 0)
		return;
	switch (node->type) {
	case YAML_SCALAR_NODE:
		if (yr_scalar(node) != (const char *)node->data.scalar.value)
			fuzz_fail("yr_scalar on a scalar");
		break;
	case YAML_SEQUENCE_NODE:
		if (yr_scalar(node) != NULL || yr_get(doc, node, "") != NULL)
			fuzz_fail("sequence read as a scalar or mapping");
		for (item = node->data.sequence.items.start;
		    item < node->data.sequence.items.top; item++)
			fuzz_yaml_walk(doc, yaml_document_get_node(doc, *item),
			    depth + 1);
		break;
	case YAML_MAPPING_NODE:
		if (yr_scalar(node) != NULL)
			fuzz_fail("mapping read as a scalar");
		fuzz_yaml_map(doc, node);
		for (pair = node->data.mapping.pairs.start;
		    pair < node->data.mapping.pairs.top; pair++)
			fuzz_yaml_walk(doc, yaml_document_get_node(doc,
			    pair->value), depth + 1);
		break;
	default:
		fuzz_fail("node of type %d", node->type);
	}
}

/* yr_path() of a plain top-level key, or an index, is one step. */
static void
fuzz_yaml_top(yaml_document_t *doc)
{
	yaml_node_t		*root = yr_root(doc);
	yaml_node_pair_t	*pair;
	const char		*key;
	char			*path;
	long			 i, n;

	if (root->type == YAML_SEQUENCE_NODE) {
		n = root->data.sequence.items.top -
		    root->data.sequence.items.start;
		for (i = 0; i < n && i < 16; i++) {
			xasprintf(&path, "%ld", i);
			if (yr_path(doc, path) != yaml_document_get_node(doc,
			    root->data.sequence.items.start[i]))
				fuzz_fail("yr_path(\"%s\") is not item %ld",
				    path, i);
			free(path);
		}
		return;
	}
	if (root->type != YAML_MAPPING_NODE)
		return;
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top; pair++) {
		key = fuzz_yaml_key(doc, pair);
		if (key == NULL || *key == '\0' || strchr(key, '.') != NULL)
			continue;
		if (yr_path(doc, key) != yr_get(doc, root, key))
			fuzz_fail("yr_path(\"%s\") differs from yr_get", key);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yaml_document_t	 doc;
	yaml_node_t	*node;
	const char	**p;
	char		*cause = NULL;

	if (yr_load((const char *)data, size, &doc, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		free(cause);
		return (0);
	}
	if (cause != NULL || yr_root(&doc) == NULL)
		fuzz_fail("loaded without a root");
	for (p = fuzz_yaml_paths; *p != NULL; p++) {
		node = yr_path(&doc, *p);
		yr_scalar(node);
		if (**p == '\0' && node != yr_root(&doc))
			fuzz_fail("the empty path is not the root");
	}
	fuzz_yaml_budget = FUZZ_YAML_NODES;
	fuzz_yaml_walk(&doc, yr_root(&doc), 0);
	fuzz_yaml_top(&doc);
	yaml_document_delete(&doc);
	return (0);
}
