/* SPDX-License-Identifier: ISC */

/*
 * The exec command line: words_split() on the raw bytes of an exec request
 * (not NUL-terminated, so an over-read shows), and words_first(), which
 * decides whether the line names a verb, on the same line as a C string.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Quote every word in '' and join them with spaces. */
static char *
fuzz_words_join(int argc, char **argv, size_t *lenp)
{
	const char	*c;
	char		*s, *p;
	size_t		 size = 1;
	int		 i;

	for (i = 0; i < argc; i++)
		size += 4 * strlen(argv[i]) + 3;
	p = s = xmalloc(size);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			*p++ = ' ';
		*p++ = '\'';
		for (c = argv[i]; *c != '\0'; c++) {
			if (*c == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else
				*p++ = *c;
		}
		*p++ = '\'';
	}
	*p = '\0';
	*lenp = p - s;
	return (s);
}

/* The words, quoted again, must split back into themselves. */
static void
fuzz_words_again(int argc, char **argv)
{
	char	*line, **again, *cause;
	size_t	 len;
	int	 n, i;

	line = fuzz_words_join(argc, argv, &len);
	if (len > WORDS_MAX_LINE) {
		free(line);
		return;
	}
	if (words_split(line, len, &n, &again, &cause) != 0)
		fuzz_fail("quoted words refused: %s", cause);
	if (n != argc)
		fuzz_fail("quoted words split into %d words, not %d", n, argc);
	for (i = 0; i < argc; i++) {
		if (strcmp(again[i], argv[i]) != 0)
			fuzz_fail("quoted word %d changed", i);
	}
	words_free(n, again);
	free(line);
}

/*
 * The verb is chosen by words_first() and run with words_split()'s argv:
 * when the first word has no quoting, the two must agree on it.
 */
static void
fuzz_words_first(const char *line, int argc, char **argv)
{
	char	*first;
	int	 same;

	first = words_first(line);
	if (first[strcspn(first, "'\"\\")] == '\0') {
		if (*first == '\0')
			same = argc == 0;
		else
			same = argc > 0 && strcmp(first, argv[0]) == 0;
		if (!same)
			fuzz_fail("words_first \"%s\", argv[0] \"%s\"", first,
			    argc > 0 ? argv[0] : "(none)");
	}
	free(first);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*line, **argv = NULL, *cause = NULL, *first;
	int	 argc = -1, i;

	line = fuzz_cstr(data, size);
	if (words_split((const char *)data, size, &argc, &argv, &cause) != 0) {
		if (cause == NULL || argv != NULL || argc != -1)
			fuzz_fail("refusal without cause, or with output");
		free(cause);
		first = words_first(line);
		free(first);
		free(line);
		return (0);
	}
	if (cause != NULL || argv == NULL || argc < 0 || argc > WORDS_MAX)
		fuzz_fail("bad success: argc %d", argc);
	if (size > WORDS_MAX_LINE || memchr(data, '\0', size) != NULL)
		fuzz_fail("accepted a line it must refuse");
	if (argv[argc] != NULL)
		fuzz_fail("argv not NULL-terminated");
	for (i = 0; i < argc; i++) {
		if (strlen(argv[i]) > size)
			fuzz_fail("word %d longer than the line", i);
	}
	fuzz_words_first(line, argc, argv);
	fuzz_words_again(argc, argv);
	words_free(argc, argv);
	free(line);
	return (0);
}
