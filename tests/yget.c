/* SPDX-License-Identifier: ISC */

/*
 * Test helper: parse a YAML file (or - for stdin) with tether's own libyaml
 * reader and print the value at a dotted path. A sequence prints one item a
 * line. Exit 1 if the YAML does not parse, 3 if the path is not there.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	*buf = NULL;
	size_t	 size = 0, n;

	if (f == NULL)
		fatal("%s", path);
	*len = 0;
	do {
		if (*len + 4096 > size) {
			size = (*len + 4096) * 2;
			buf = xreallocarray(buf, 1, size);
		}
		n = fread(buf + *len, 1, 4096, f);
		*len += n;
	} while (n > 0);
	if (f != stdin)
		fclose(f);
	return (buf);
}

int
main(int argc, char **argv)
{
	yaml_document_t	 doc;
	yaml_node_t	*node;
	yaml_node_item_t *item;
	const char	*v;
	char		*buf, *cause;
	size_t		 len;

	log_open("yget", 0, LOG_TO_STDERR);
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: yget file|- [path]\n");
		return (2);
	}
	buf = slurp(argv[1], &len);
	if (yr_load(buf, len, &doc, &cause) != 0) {
		fprintf(stderr, "yget: %s:%s\n", argv[1], cause);
		free(cause);
		free(buf);
		return (1);
	}
	free(buf);
	if (argc == 2) {
		yaml_document_delete(&doc);
		return (0);
	}
	if ((node = yr_path(&doc, argv[2])) == NULL) {
		fprintf(stderr, "yget: %s: no %s\n", argv[1], argv[2]);
		yaml_document_delete(&doc);
		return (3);
	}
	if (node->type == YAML_SEQUENCE_NODE) {
		for (item = node->data.sequence.items.start;
		    item < node->data.sequence.items.top; item++) {
			v = yr_scalar(yaml_document_get_node(&doc, *item));
			printf("%s\n", v != NULL ? v : "~");
		}
	} else if ((v = yr_scalar(node)) != NULL)
		printf("%s\n", v);
	else
		printf("(mapping)\n");
	yaml_document_delete(&doc);
	return (0);
}
