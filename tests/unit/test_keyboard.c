/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/keyboard.c: which layout the agent sets at start
 * (tether.keymap= on the kernel command line wins over keyboard:) and
 * which names are layouts.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../agentd/tetherd.h"

static char	 path[] = "/tmp/test_keyboard.XXXXXX";

static void
cmdline(const char *text)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
test_boot_layout(void **state)
{
	char	*l;

	(void)state;
	cmdline("BOOT_IMAGE=/vmlinuz console=ttyS0 tether.keymap=de quiet\n");
	assert_string_equal(l = keyboard_boot_layout(path, "fr"), "de");
	free(l);
	assert_string_equal(l = keyboard_boot_layout(path, ""), "de");
	free(l);
	/* The last one given counts, as the kernel's own parameters. */
	cmdline("tether.keymap=de tether.keymap=se\n");
	assert_string_equal(l = keyboard_boot_layout(path, NULL), "se");
	free(l);
	cmdline("console=ttyS0 tether.nomessage\n");
	assert_string_equal(l = keyboard_boot_layout(path, "fr"), "fr");
	free(l);
	assert_null(keyboard_boot_layout(path, ""));
	assert_null(keyboard_boot_layout(path, NULL));
	assert_null(keyboard_boot_layout("/nonexistent/cmdline", ""));
	assert_string_equal(l = keyboard_boot_layout("/nonexistent/cmdline",
	    "uk"), "uk");
	free(l);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(keyboard_name_ok("de"));
	assert_true(keyboard_name_ok("de-latin1"));
	assert_true(keyboard_name_ok("se_nodeadkeys"));
	assert_false(keyboard_name_ok(""));
	assert_false(keyboard_name_ok("De"));
	assert_false(keyboard_name_ok("../us"));
	assert_false(keyboard_name_ok("us.bmap"));
	assert_false(keyboard_name_ok("-us"));
	assert_false(keyboard_name_ok("abcdefghijklmnopq"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_layout),
		cmocka_unit_test(test_names),
	};
	int	 fd, rc;

	if ((fd = mkstemp(path)) == -1) {
		perror("mkstemp");
		return (1);
	}
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return (rc);
}
