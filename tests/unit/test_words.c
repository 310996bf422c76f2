/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/words.c: the exec line splitter's quoting rules
 * ('single', "double", backslash), its refusals and their causes, its limits
 * on length and word count, and words_first.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"

/* Split s and check the words against want, a NULL-terminated list. */
static void
assert_split(const char *s, const char **want)
{
	char	**argv = NULL, *cause = NULL;
	int	  argc = -1, i;

	assert_int_equal(words_split(s, strlen(s), &argc, &argv, &cause), 0);
	assert_null(cause);
	assert_non_null(argv);
	for (i = 0; want[i] != NULL; i++) {
		assert_true(i < argc);
		assert_string_equal(argv[i], want[i]);
	}
	assert_int_equal(argc, i);
	assert_null(argv[argc]);
	words_free(argc, argv);
}

/* Split len bytes of s and expect a refusal with cause want. */
static void
assert_refused_len(const char *s, size_t len, const char *want)
{
	char	**argv = NULL, *cause = NULL;
	int	  argc = -1;

	assert_int_equal(words_split(s, len, &argc, &argv, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	assert_int_equal(argc, -1);
	assert_null(argv);
}

static void
assert_refused(const char *s, const char *want)
{
	assert_refused_len(s, strlen(s), want);
}

/* A line of n words "w". */
static char *
many_words(int n, const char *sep)
{
	char	*s;
	size_t	 len = strlen(sep) + 1, i;

	s = xcalloc(n, len + 1);
	for (i = 0; i < (size_t)n; i++) {
		s[i * len] = 'w';
		memcpy(s + i * len + 1, sep, len - 1);
	}
	return (s);
}

static void
test_plain(void **state)
{
	const char	*want[] = { "roots", "select", "2", NULL };
	const char	*one[] = { "snap", NULL };

	(void)state;
	assert_split("roots select 2", want);
	assert_split("snap", one);
}

static void
test_blanks(void **state)
{
	const char	*want[] = { "roots", "select", "2", NULL };
	const char	*none[] = { NULL };

	(void)state;
	assert_split("  roots \t\t select   2\t ", want);
	assert_split("roots\nselect\n2\n", want);
	assert_split("\t \troots  select \t2", want);
	assert_split("", none);
	assert_split("   \t \n ", none);
}

static void
test_single_quotes(void **state)
{
	const char	*want[] = { "echo", "a b  c", "x\"y", "back\\slash",
			    "\\", NULL };

	(void)state;
	/* Nothing is special inside single quotes, not even a backslash. */
	assert_split("echo 'a b  c' 'x\"y' 'back\\slash' '\\'", want);
}

static void
test_double_quotes(void **state)
{
	const char	*want[] = { "echo", "a 'b'  c", "say \"hi\"", "c:\\dir",
			    "keep \\n \\$x", NULL };

	(void)state;
	/* Only \" and \\ are escapes inside double quotes. */
	assert_split("echo \"a 'b'  c\" \"say \\\"hi\\\"\" \"c:\\\\dir\" "
	    "\"keep \\n \\$x\"", want);
}

static void
test_backslash(void **state)
{
	const char	*want[] = { "a b", "c\\d", "'e\"", "n", "x\ty", NULL };

	(void)state;
	/* Outside quotes a backslash takes the next byte as it is. */
	assert_split("a\\ b c\\\\d \\'e\\\" \\n x\\\ty", want);
}

static void
test_joined(void **state)
{
	const char	*want[] = { "ab cd ef", "g", NULL };

	(void)state;
	/* Quoted and bare pieces with no blank between make one word. */
	assert_split("a'b c'\"d e\"f g", want);
}

static void
test_empty_quoted(void **state)
{
	const char	*want[] = { "cmd", "", "", "x", NULL };
	const char	*one[] = { "", NULL };

	(void)state;
	assert_split("cmd '' \"\" x", want);
	assert_split("''", one);
	assert_split("  \"\"  ", one);
}

static void
test_unbalanced(void **state)
{
	(void)state;
	assert_refused("echo 'abc", "unbalanced '");
	assert_refused("echo abc'", "unbalanced '");
	assert_refused("echo \"abc", "unbalanced \"");
	assert_refused("echo \"a'b'c", "unbalanced \"");
	assert_refused("echo 'a\"b\"c", "unbalanced '");
	assert_refused("echo \"abc\\\"", "unbalanced \"");
}

static void
test_trailing_backslash(void **state)
{
	(void)state;
	assert_refused("echo abc\\", "command ends with a backslash");
	assert_refused("\\", "command ends with a backslash");
	assert_refused("echo \"abc\\", "command ends with a backslash");
}

static void
test_nul(void **state)
{
	static const char	 line[] = "echo a\0b";
	static const char	 last[] = "echo\0";

	(void)state;
	assert_refused_len(line, sizeof line - 1, "command holds a NUL byte");
	assert_refused_len(last, sizeof last - 1, "command holds a NUL byte");
}

static void
test_long_line(void **state)
{
	char		*s, **argv = NULL, *cause = NULL;
	int		 argc = -1;

	(void)state;
	s = xmalloc(WORDS_MAX_LINE + 2);
	memset(s, 'a', WORDS_MAX_LINE + 1);
	s[WORDS_MAX_LINE + 1] = '\0';
	assert_refused(s, "command is longer than 4096 bytes");

	/* Exactly the limit is allowed. */
	s[WORDS_MAX_LINE] = '\0';
	assert_int_equal(words_split(s, WORDS_MAX_LINE, &argc, &argv, &cause),
	    0);
	assert_int_equal(argc, 1);
	assert_int_equal(strlen(argv[0]), WORDS_MAX_LINE);
	words_free(argc, argv);
	free(s);
}

static void
test_too_many_words(void **state)
{
	char		*s, **argv = NULL, *cause = NULL;
	int		 argc = -1, i;

	(void)state;
	/* WORDS_MAX words are fine, whether the line ends in a blank or not. */
	s = many_words(WORDS_MAX, " ");
	assert_int_equal(words_split(s, strlen(s), &argc, &argv, &cause), 0);
	assert_int_equal(argc, WORDS_MAX);
	for (i = 0; i < argc; i++)
		assert_string_equal(argv[i], "w");
	assert_null(argv[argc]);
	words_free(argc, argv);
	s[strlen(s) - 1] = '\0';
	assert_int_equal(words_split(s, strlen(s), &argc, &argv, &cause), 0);
	assert_int_equal(argc, WORDS_MAX);
	words_free(argc, argv);
	free(s);

	/* One more is refused, ending in a blank (in the loop) or not. */
	s = many_words(WORDS_MAX + 1, " ");
	assert_refused(s, "too many words");
	s[strlen(s) - 1] = '\0';
	assert_refused(s, "too many words");
	free(s);
}

static void
test_first(void **state)
{
	char	*s;

	(void)state;
	s = words_first("roots select 2");
	assert_string_equal(s, "roots");
	free(s);
	s = words_first(" \t\nsnap\t-o x");
	assert_string_equal(s, "snap");
	free(s);
	s = words_first("tools\n");
	assert_string_equal(s, "tools");
	free(s);
	s = words_first("");
	assert_string_equal(s, "");
	free(s);
	s = words_first(" \t ");
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_single_quotes),
		cmocka_unit_test(test_double_quotes),
		cmocka_unit_test(test_backslash),
		cmocka_unit_test(test_joined),
		cmocka_unit_test(test_empty_quoted),
		cmocka_unit_test(test_unbalanced),
		cmocka_unit_test(test_trailing_backslash),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_too_many_words),
		cmocka_unit_test(test_first),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
