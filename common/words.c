/* SPDX-License-Identifier: ISC */

/*
 * Split an exec command line into words. Quoting is 'single', "double" and
 * backslash, with no expansion of any kind; a verb never sees a shell.
 */

#include <stdlib.h>
#include <string.h>

#include "common.h"

static int
words_fail(char **cause, const char *why, int argc, char **argv, char *cur)
{
	*cause = xstrdup(why);
	free(cur);
	words_free(argc, argv);
	return (-1);
}

/*
 * Split line (len bytes, which may hold a NUL to be refused) into argv.
 * Returns 0, or -1 with *cause set.
 */
int
words_split(const char *line, size_t len, int *argcp, char ***argvp,
    char **cause)
{
	char	**argv = NULL, *cur = NULL;
	size_t	  i, n = 0;
	int	  argc = 0, inword = 0;
	char	  quote = 0, c;

	if (len > WORDS_MAX_LINE) {
		xasprintf(cause, "command is longer than %d bytes",
		    WORDS_MAX_LINE);
		return (-1);
	}
	if (memchr(line, '\0', len) != NULL)
		return (words_fail(cause, "command holds a NUL byte", 0, NULL,
		    NULL));
	argv = xcalloc(WORDS_MAX + 1, sizeof *argv);
	cur = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		c = line[i];
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				cur[n++] = c;
			continue;
		}
		if (c == '\\') {
			if (++i == len)
				return (words_fail(cause, "command ends with "
				    "a backslash", argc, argv, cur));
			if (quote == '"' && strchr("\"\\", line[i]) == NULL)
				cur[n++] = '\\';
			cur[n++] = line[i];
			inword = 1;
			continue;
		}
		if (quote == '"') {
			if (c == '"')
				quote = 0;
			else
				cur[n++] = c;
			continue;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			inword = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n') {
			if (!inword)
				continue;
			if (argc == WORDS_MAX)
				return (words_fail(cause, "too many words",
				    argc, argv, cur));
			argv[argc++] = xstrndup(cur, n);
			n = 0;
			inword = 0;
			continue;
		}
		cur[n++] = c;
		inword = 1;
	}
	if (quote != 0)
		return (words_fail(cause, quote == '"' ? "unbalanced \"" :
		    "unbalanced '", argc, argv, cur));
	if (inword) {
		if (argc == WORDS_MAX)
			return (words_fail(cause, "too many words", argc, argv,
			    cur));
		argv[argc++] = xstrndup(cur, n);
	}
	free(cur);
	*argcp = argc;
	*argvp = argv;
	return (0);
}

void
words_free(int argc, char **argv)
{
	int	 i;

	if (argv == NULL)
		return;
	/* argc < 0: a NULL-terminated vector. */
	for (i = 0; argc < 0 ? argv[i] != NULL : i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* The first blank-separated word, enough to decide if a line is a verb. */
char *
words_first(const char *line)
{
	size_t	 skip, n;

	skip = strspn(line, " \t\n");
	n = strcspn(line + skip, " \t\n");
	return (xstrndup(line + skip, n));
}
