/* SPDX-License-Identifier: ISC */

/*
 * The YAML writer and reader: what yw_* write reads back through yr_*,
 * strings that look like other types stay strings, and text that is not
 * UTF-8 (a client's user name) comes out as valid YAML instead of
 * breaking the emitter.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"

static char *
one(const char *key, const char *value, size_t *len)
{
	struct yw	*w = yw_new();

	yw_map(w);
	yw_kv(w, key, value);
	yw_end(w);
	return (yw_finish(w, len));
}

static void
check_round(const char *value, const char *want)
{
	yaml_document_t	 doc;
	char		*text, *cause;
	size_t		 len;

	text = one("k", value, &len);
	assert_int_equal(yr_load(text, len, &doc, &cause), 0);
	assert_string_equal(yr_scalar(yr_path(&doc, "k")), want);
	yaml_document_delete(&doc);
	free(text);
}

static void
test_round_trip(void **state)
{
	(void)state;
	check_round("plain", "plain");
	check_round("4821-0937-5563", "4821-0937-5563");
	check_round("7022", "7022");
	check_round("yes", "yes");
	check_round("", "");
	check_round("a: b # c", "a: b # c");
	check_round("line\nbreak\ttab", "line\nbreak\ttab");
	check_round("caf\xc3\xa9", "caf\xc3\xa9");
}

/* Strings that a reader would take for numbers or bools are quoted. */
static void
test_quoting(void **state)
{
	char	*text;
	size_t	 len;

	(void)state;
	text = one("port", "7022", &len);
	assert_non_null(strstr(text, "port: \"7022\""));
	free(text);
	text = one("ok", "true", &len);
	assert_non_null(strstr(text, "ok: \"true\""));
	free(text);
	text = one("name", "vm", &len);
	assert_non_null(strstr(text, "name: vm"));
	free(text);
}

static void
test_not_utf8(void **state)
{
	(void)state;
	check_round("\xff", "?");
	check_round("ab\xc3", "ab?");
	check_round("\xc3\x28x", "?(x");
	check_round("ok\xe2\x82\xac\xf5z", "ok\xe2\x82\xac?z");
	check_round("\xed\xa0\x80", "???");
}

static void
test_nested(void **state)
{
	yaml_document_t	 doc;
	struct yw	*w = yw_new();
	char		*text, *cause, *items[] = { "10.0.0.5", "fe80::1%eth0" };
	size_t		 len;

	(void)state;
	yw_map(w);
	yw_kvint(w, "tether", 1);
	yw_kvlist(w, "ips", items, 2);
	yw_str(w, "connections");
	yw_seq(w);
	yw_map(w);
	yw_kv(w, "from", "10.0.0.9");
	yw_end(w);
	yw_end(w);
	yw_kvtime(w, "created", 0);
	yw_end(w);
	text = yw_finish(w, &len);
	assert_int_equal(yr_load(text, len, &doc, &cause), 0);
	assert_string_equal(yr_scalar(yr_path(&doc, "tether")), "1");
	assert_string_equal(yr_scalar(yr_path(&doc, "ips.1")), "fe80::1%eth0");
	assert_null(yr_path(&doc, "ips.2"));
	assert_string_equal(yr_scalar(yr_path(&doc, "connections.0.from")),
	    "10.0.0.9");
	assert_string_equal(yr_scalar(yr_path(&doc, "created")),
	    "1970-01-01T00:00:00Z");
	yaml_document_delete(&doc);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_nested),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
