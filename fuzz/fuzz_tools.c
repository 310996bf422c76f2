/* SPDX-License-Identifier: ISC */

/*
 * The tool catalog and a run request against it. The input is a catalog,
 * then, after a line "#run", the words of a run request, one a line.
 * Loading either succeeds or names the file in every message; a loaded
 * catalog lists (the tools verb) as YAML that parses, and prints (-T) as
 * a catalog that loads again with as many tools. A run request is either
 * refused with a reason or gives the tool's argv, one word per command
 * item, never a NULL or an unexpanded placeholder of an argument.
 */

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "tetherd.h"

#define FUZZ_TOOLS_WORDS	32

static int
fuzz_tools_load(const char *text, size_t len, struct catalog *cat,
    struct conf_errors *errs)
{
	struct strlist	 paths;
	char			 path[64];
	int			 fd, rc, i;

	if ((fd = memfd_create("tools.yaml", 0)) == -1)
		fuzz_fail("memfd_create");
	if (len > 0 && write(fd, text, len) != (ssize_t)len)
		fuzz_fail("write");
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	memset(&paths, 0, sizeof paths);
	strlist_add(&paths, path);
	rc = tools_load(&paths, 1, cat, errs);
	if (rc != 0) {
		if (errs->n == 0)
			fuzz_fail("refused without a message");
		for (i = 0; i < errs->n; i++) {
			if (strncmp(errs->v[i], path, strlen(path)) != 0)
				fuzz_fail("message without its file: %s",
				    errs->v[i]);
		}
	}
	strlist_clear(&paths);
	close(fd);
	return (rc);
}

static void
fuzz_tools_run(struct catalog *cat, char *words)
{
	const struct tool	*t;
	char			*argv[FUZZ_TOOLS_WORDS], **run, *err, *p;
	int			 argc = 0, i, status;

	for (p = strtok(words, "\n"); p != NULL && argc < FUZZ_TOOLS_WORDS;
	    p = strtok(NULL, "\n"))
		argv[argc++] = p;
	run = tool_prepare(cat, argc, argv, "/nonexistent/root", &t, &err,
	    &status);
	if (run == NULL) {
		if (err == NULL || *err == '\0')
			fuzz_fail("refused without a reason");
		if (status != TOOL_REFUSED && status != TOOL_UNCONFIRMED)
			fuzz_fail("refused with status %d", status);
		free(err);
		return;
	}
	if (err != NULL)
		fuzz_fail("ran with a reason");
	for (i = 0; i < t->command.n; i++) {
		if (run[i] == NULL)
			fuzz_fail("argv[%d] is NULL", i);
	}
	if (run[t->command.n] != NULL)
		fuzz_fail("argv is not NULL-terminated");
	words_free(-1, run);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog		 cat, again;
	struct conf_errors	 errs;
	yaml_document_t		 doc;
	char			*text, *sep, *list, *printed, *cause;
	size_t			 len;

	text = fuzz_cstr(data, size);
	len = strlen(text);
	if ((sep = strstr(text, "\n#run\n")) != NULL)
		len = sep - text + 1;
	memset(&errs, 0, sizeof errs);
	if (fuzz_tools_load(text, len, &cat, &errs) != 0) {
		conf_errors_free(&errs);
		free(text);
		return (0);
	}
	list = tools_list(&cat, NULL);
	if (yr_load(list, strlen(list), &doc, &cause) != 0)
		fuzz_fail("the tools verb's YAML does not parse: %s", cause);
	yaml_document_delete(&doc);
	free(list);
	printed = tools_print(&cat);
	if (fuzz_tools_load(printed, strlen(printed), &again, &errs) != 0)
		fuzz_fail("the printed catalog does not load: %s\n%s",
		    errs.v[0], printed);
	if (again.n != cat.n)
		fuzz_fail("%d tools printed, %d loaded", cat.n, again.n);
	tools_free(&again);
	free(printed);
	if (sep != NULL)
		fuzz_tools_run(&cat, sep + 6);
	tools_free(&cat);
	free(text);
	return (0);
}
