/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/file.c: a replaced file holds exactly the new bytes
 * with the mode asked for, no temporary file is left, a symlink at the name
 * is replaced and never written through, and reads refuse links, non-files
 * and files over the limit with a cause that names the path.
 */

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"

static char	 dir[] = "/tmp/tether-file.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tether-file.XXXXXX");
	return (mkdtemp(dir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static char *
path_of(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, name);
	return (p);
}

/* Entries in dir other than . and .. */
static int
entries(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return (n);
}

static void
test_write_replace(void **state)
{
	struct stat	 sb;
	char		*p, *buf, *cause = NULL;
	size_t		 len;

	(void)state;
	p = path_of("a.yaml");
	assert_int_equal(file_write_atomic(dir, "a.yaml", "first\n", 6, 0600,
	    &cause), 0);
	assert_int_equal(file_write_atomic(dir, "a.yaml", "second", 6, 0640,
	    &cause), 0);
	assert_null(cause);
	assert_non_null(buf = file_read_all(p, 100, &len, &cause));
	assert_int_equal(len, 6);
	assert_string_equal(buf, "second");
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(entries(), 1);
	free(buf);
	free(p);
}

/* A link planted at the name is replaced, its target left alone. */
static void
test_write_over_symlink(void **state)
{
	struct stat	 sb;
	char		*p, *victim, *buf, *cause = NULL;
	size_t		 len;

	(void)state;
	p = path_of("state.yaml");
	victim = path_of("victim");
	assert_int_equal(file_write_atomic(dir, "victim", "keep", 4, 0600,
	    &cause), 0);
	assert_int_equal(symlink(victim, p), 0);
	assert_int_equal(file_write_atomic(dir, "state.yaml", "new", 3, 0600,
	    &cause), 0);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_non_null(buf = file_read_all(victim, 100, &len, &cause));
	assert_string_equal(buf, "keep");
	free(buf);
	free(victim);
	free(p);
}

static void
test_write_no_dir(void **state)
{
	char	*cause = NULL;

	(void)state;
	assert_int_equal(file_write_atomic("/nonexistent/x", "a", "b", 1, 0600,
	    &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "/nonexistent/x/a"));
	free(cause);
}

static void
test_read_refusals(void **state)
{
	char	*p, *l, *cause = NULL;
	size_t	 len = 99;

	(void)state;
	p = path_of("big");
	l = path_of("link");
	assert_int_equal(file_write_atomic(dir, "big", "0123456789", 10, 0600,
	    &cause), 0);
	/* Exactly max is fine; one byte more is not. */
	free(file_read_all(p, 10, &len, &cause));
	assert_int_equal(len, 10);
	assert_null(file_read_all(p, 9, &len, &cause));
	assert_non_null(strstr(cause, "larger than 9 bytes"));
	free(cause);
	assert_int_equal(symlink(p, l), 0);
	assert_null(file_read_all(l, 100, &len, &cause));
	assert_non_null(strstr(cause, "symbolic link"));
	free(cause);
	assert_null(file_read_all(dir, 100, &len, &cause));
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	free(p);
	free(l);
}

/* A file larger than the first guess (st_size 0, as in /proc) still reads. */
static void
test_read_grows(void **state)
{
	char	*buf, *cause = NULL;
	size_t	 len;

	(void)state;
	assert_non_null(buf = file_read_all("/proc/self/status", 1 << 20,
	    &len, &cause));
	assert_true(len > 0);
	assert_int_equal(strlen(buf), len);
	assert_non_null(strstr(buf, "Name:"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_replace, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_over_symlink, setup,
		    teardown),
		cmocka_unit_test(test_write_no_dir),
		cmocka_unit_test_setup_teardown(test_read_refusals, setup,
		    teardown),
		cmocka_unit_test(test_read_grows),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
