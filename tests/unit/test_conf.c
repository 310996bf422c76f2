/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/conf.c: each key type against a small table of its
 * own, through conf_load and conf_map on real files, with the exact error
 * text; conf_load's refusals; duration text; and conf_emit read back.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

/* What every field holds before a file is read: no file can set it. */
#define UNSET		-99999
#define UNSET_TEXT	"unset"

struct inner {
	int		 depth;
	char		*label;
};

struct sample {
	int		 flag;
	int		 port;
	int		 offset;
	int		 retry_interval;
	int		 mode;
	char		*name;
	char		*dir;
	struct strlist users;
	struct inner	 nested;
};

static const char *const sample_modes[] = { "none", "local", "remote", NULL };

static int	check_user(const char *, char **);

static const struct conf_key inner_keys[] = {
	{ "depth", &conf_int, offsetof(struct inner, depth), 0, 9, NULL,
	    NULL },
	{ "label", &conf_string, offsetof(struct inner, label), 0, 16, NULL,
	    NULL },
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key sample_keys[] = {
	{ "flag", &conf_bool, offsetof(struct sample, flag), 0, 1, NULL,
	    NULL },
	{ "port", &conf_int, offsetof(struct sample, port), 1, 65535, NULL,
	    NULL },
	{ "offset", &conf_int, offsetof(struct sample, offset), -10, 10, NULL,
	    NULL },
	{ "retry_interval", &conf_duration,
	    offsetof(struct sample, retry_interval), 1, 2 * 86400, NULL, NULL },
	{ "mode", &conf_enum, offsetof(struct sample, mode), 0, 0,
	    sample_modes, NULL },
	{ "name", &conf_string, offsetof(struct sample, name), 1, 8, NULL,
	    NULL },
	{ "dir", &conf_string, offsetof(struct sample, dir), 0, 64, "path",
	    NULL },
	{ "users", &conf_list, offsetof(struct sample, users), 0, 3, NULL,
	    check_user },
	{ "nested", &conf_sub, offsetof(struct sample, nested), 0, 0,
	    inner_keys, NULL },
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

/* A case for an int field: the YAML, then the value or the error. */
struct int_case {
	const char	*yaml;
	int		 want;
	const char	*err;	/* first line of the error, after "path:" */
};

struct str_case {
	const char	*yaml;
	const char	*want;
	const char	*err;
};

struct list_case {
	const char	*yaml;
	int		 n;
	const char	*want;	/* the items joined with "|" */
	const char	*err;
};

/* The directory for the group, and the one file every case rewrites. */
static char	*conf_dir;
static char	*conf_path;

static int
check_user(const char *s, char **cause)
{
	if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
	    strlen(s)) {
		xasprintf(cause, "bad user name \"%s\"", s);
		return (-1);
	}
	return (0);
}

static void
sample_defaults(struct sample *s)
{
	memset(s, 0, sizeof *s);
	s->flag = s->port = s->offset = s->retry_interval = s->mode = UNSET;
	s->name = xstrdup(UNSET_TEXT);
	s->dir = xstrdup(UNSET_TEXT);
	strlist_add(&s->users, UNSET_TEXT);
	s->nested.depth = UNSET;
	s->nested.label = xstrdup(UNSET_TEXT);
}

static void
put_file(const char *text, size_t len)
{
	int	 fd;

	fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), len);
	assert_int_equal(close(fd), 0);
}

/* Write text out, load it and walk it into s, which starts at UNSET. */
static int
load_map(const char *text, struct sample *s, struct conf_errors *errs)
{
	struct conf_file	 f = { 0 };
	struct conf_ctx		 ctx = { &f, errs, NULL };
	int			 rv;

	put_file(text, strlen(text));
	sample_defaults(s);
	if (conf_load(conf_path, &f, errs) != 0)
		fail_msg("\"%s\": conf_load: %s", text, errs->v[0]);
	rv = conf_map(&ctx, yr_root(&f.doc), s, sample_keys);
	conf_file_free(&f);
	return (rv);
}

/* The first line of an error, which is path:line:col: message. */
static void
check_line(const char *what, const char *got, const char *want)
{
	char	*first, *full;

	xasprintf(&full, "%s%s", conf_path, want);
	first = xstrndup(got, strcspn(got, "\n"));
	if (strcmp(first, full) != 0)
		fail_msg("\"%s\":\n  got  \"%s\"\n  want \"%s\"", what, first,
		    full);
	free(first);
	free(full);
}

/* No error if want is NULL, else exactly one that reads path:want. */
static void
check_errors(const char *yaml, int rv, const struct conf_errors *errs,
    const char *want)
{
	char	*colon;

	if (want == NULL) {
		if (rv != 0 || errs->n != 0)
			fail_msg("\"%s\": unexpected error (%d): %s", yaml, rv,
			    errs->n > 0 ? errs->v[0] : "none");
		return;
	}
	if (rv != -1 || errs->n != 1)
		fail_msg("\"%s\": returned %d with %d errors, want 1", yaml, rv,
		    errs->n);
	xasprintf(&colon, ":%s", want);
	check_line(yaml, errs->v[0], colon);
	free(colon);
}

/* Every case against the int at off in struct sample. */
static void
run_int_cases(const struct int_case *cases, size_t n, size_t off)
{
	const struct int_case	*c;
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };
	int			 rv, got, want;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		rv = load_map(c->yaml, &s, &errs);
		check_errors(c->yaml, rv, &errs, c->err);
		got = *(int *)((char *)&s + off);
		want = c->err == NULL ? c->want : UNSET;
		if (got != want)
			fail_msg("\"%s\": got %d, want %d", c->yaml, got, want);
		conf_free(&s, sample_keys);
		conf_errors_free(&errs);
	}
}

static void
run_str_cases(const struct str_case *cases, size_t n, size_t off)
{
	const struct str_case	*c;
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };
	const char		*got, *want;
	int			 rv;
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		rv = load_map(c->yaml, &s, &errs);
		check_errors(c->yaml, rv, &errs, c->err);
		got = *(char **)((char *)&s + off);
		want = c->err == NULL ? c->want : UNSET_TEXT;
		assert_non_null(got);
		if (strcmp(got, want) != 0)
			fail_msg("\"%s\": got \"%s\", want \"%s\"", c->yaml,
			    got, want);
		conf_free(&s, sample_keys);
		conf_errors_free(&errs);
	}
}

static char *
list_join(const struct strlist *l)
{
	char	*all = xstrdup(""), *t;
	int	 i;

	for (i = 0; i < l->n; i++) {
		xasprintf(&t, "%s%s%s", all, i > 0 ? "|" : "", l->v[i]);
		free(all);
		all = t;
	}
	return (all);
}

static void
test_bool(void **state)
{
	static const struct int_case cases[] = {
		{ "flag: true\n", 1, NULL },
		{ "flag: false\n", 0, NULL },
		{ "flag: yes\n", 1, NULL },
		{ "flag: no\n", 0, NULL },
		{ "flag: on\n", 1, NULL },
		{ "flag: off\n", 0, NULL },
		{ "flag: True\n", 1, NULL },
		{ "flag: OFF\n", 0, NULL },
		{ "flag: \"true\"\n", 0,
		    "1:7: flag: expected true or false, not \"true\"" },
		{ "flag: 'no'\n", 0,
		    "1:7: flag: expected true or false, not \"no\"" },
		{ "flag: maybe\n", 0,
		    "1:7: flag: expected true or false, not \"maybe\"" },
		{ "flag: 1\n", 0,
		    "1:7: flag: expected true or false, not \"1\"" },
		{ "flag:\n", 0,
		    "1:6: flag: expected true or false, not \"\"" },
		{ "flag: [true]\n", 0,
		    "1:7: flag: expected true or false, not a list" },
		{ "flag:\n  - true\n", 0,
		    "2:3: flag: expected true or false, not a list" },
		{ "flag: {a: 1}\n", 0,
		    "1:7: flag: expected true or false, not a mapping" },
	};

	(void)state;
	run_int_cases(cases, nitems(cases), offsetof(struct sample, flag));
}

static void
test_int(void **state)
{
	static const struct int_case cases[] = {
		{ "port: 1\n", 1, NULL },
		{ "port: 65535\n", 65535, NULL },
		{ "port: 8080\n", 8080, NULL },
		{ "port: 0\n", 0,
		    "1:7: port: 0 is out of range (1 to 65535)" },
		{ "port: 65536\n", 0,
		    "1:7: port: 65536 is out of range (1 to 65535)" },
		{ "port: -1\n", 0,
		    "1:7: port: -1 is out of range (1 to 65535)" },
		{ "port: 12abc\n", 0,
		    "1:7: port: expected a whole number, not \"12abc\"" },
		{ "port: \"12\"\n", 0,
		    "1:7: port: expected a whole number, not \"12\"" },
		{ "port:\n", 0,
		    "1:6: port: expected a whole number, not \"\"" },
		{ "port: 1.5\n", 0,
		    "1:7: port: expected a whole number, not \"1.5\"" },
		{ "port: 99999999999999999999\n", 0, "1:7: port: expected a "
		    "whole number, not \"99999999999999999999\"" },
		{ "port: [1]\n", 0,
		    "1:7: port: expected a number, not a list" },
		{ "offset: -10\n", -10, NULL },
		{ "offset: 10\n", 10, NULL },
		{ "offset: 0\n", 0, NULL },
		{ "offset: -11\n", 0,
		    "1:9: offset: -11 is out of range (-10 to 10)" },
		{ "offset: 11\n", 0,
		    "1:9: offset: 11 is out of range (-10 to 10)" },
	};
	size_t	 i;

	(void)state;
	/* The port cases first, then the offset ones. */
	for (i = 0; strncmp(cases[i].yaml, "port", 4) == 0; i++)
		;
	run_int_cases(cases, i, offsetof(struct sample, port));
	run_int_cases(cases + i, nitems(cases) - i,
	    offsetof(struct sample, offset));
}

static void
test_duration(void **state)
{
#define BAD_DURATION(s) "1:17: retry_interval: bad duration \"" s "\" " \
	"(use a number and s, m, h or d, as in 30s, 10m, 1h)"
	static const struct int_case cases[] = {
		{ "retry_interval: 30s\n", 30, NULL },
		{ "retry_interval: 10m\n", 600, NULL },
		{ "retry_interval: 1h\n", 3600, NULL },
		{ "retry_interval: 2d\n", 172800, NULL },
		{ "retry_interval: 1s\n", 1, NULL },
		{ "retry_interval: 172800s\n", 172800, NULL },
		{ "retry_interval: 48h\n", 172800, NULL },
		{ "retry_interval: 30\n", 0, BAD_DURATION("30") },
		{ "retry_interval: 1x\n", 0, BAD_DURATION("1x") },
		{ "retry_interval: -5s\n", 0, BAD_DURATION("-5s") },
		{ "retry_interval: m\n", 0, BAD_DURATION("m") },
		{ "retry_interval: 1h30m\n", 0, BAD_DURATION("1h30m") },
		{ "retry_interval: 5 s\n", 0, BAD_DURATION("5 s") },
		{ "retry_interval:\n", 0,
		    "1:16: retry_interval: bad duration \"\" (use a number and "
		    "s, m, h or d, as in 30s, 10m, 1h)" },
		{ "retry_interval: 0s\n", 0, "1:17: retry_interval: 0s is out "
		    "of range (1s to 172800s)" },
		{ "retry_interval: 3d\n", 0, "1:17: retry_interval: 3d is out "
		    "of range (1s to 172800s)" },
		{ "retry_interval: 172801s\n", 0, "1:17: retry_interval: "
		    "172801s is out of range (1s to 172800s)" },
		{ "retry_interval: [1s]\n", 0, "1:17: retry_interval: "
		    "expected a duration, not a list" },
	};
#undef BAD_DURATION

	(void)state;
	run_int_cases(cases, nitems(cases),
	    offsetof(struct sample, retry_interval));
}

static void
test_duration_text(void **state)
{
	static const struct {
		int		 v;
		const char	*text;
	} cases[] = {
		{ 0, "0s" },
		{ 1, "1s" },
		{ 90, "90s" },
		{ 60, "1m" },
		{ 5400, "90m" },
		{ 3600, "1h" },
		{ 7200, "2h" },
		{ 90000, "25h" },
		{ 86400, "1d" },
		{ 604800, "7d" },
	};
	static const char *bad[] = { "", "30", "s", "-1s", "+1s", " 1s",
	    "1s ", "1ss", "1S", "1w", "0x10s", "1000000001s", NULL };
	char		 buf[32];
	long long	 v;
	size_t		 i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		conf_format_duration(cases[i].v, buf, sizeof buf);
		assert_string_equal(buf, cases[i].text);
		v = -1;
		assert_int_equal(conf_parse_duration(buf, &v), 0);
		assert_int_equal(v, cases[i].v);
	}
	assert_int_equal(conf_parse_duration("1000000s", &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(conf_parse_duration("1000000d", &v), 0);
	assert_int_equal(v, 86400000000LL);
	for (i = 0; bad[i] != NULL; i++) {
		if (conf_parse_duration(bad[i], &v) != -1)
			fail_msg("\"%s\" was taken as %lld", bad[i], v);
	}
}

static void
test_string(void **state)
{
	static const struct str_case cases[] = {
		{ "name: tether\n", "tether", NULL },
		{ "name: x\n", "x", NULL },
		{ "name: abcdefgh\n", "abcdefgh", NULL },
		{ "name: abcdefghi\n", NULL,
		    "1:7: name: 9 characters is longer than the 8 allowed" },
		/* 8 characters in 10 bytes, then 9 in 11. */
		{ "name: na\xc3\xafvet\xc3\xa9!\n", "na\xc3\xafvet\xc3\xa9!",
		    NULL },
		{ "name: na\xc3\xafvet\xc3\xa9!!\n", NULL,
		    "1:7: name: 9 characters is longer than the 8 allowed" },
		/* 8 characters in 32 bytes. */
		{ "name: \"\xf0\x9f\x99\x82\xf0\x9f\x99\x82\xf0\x9f\x99\x82"
		    "\xf0\x9f\x99\x82\xf0\x9f\x99\x82\xf0\x9f\x99\x82"
		    "\xf0\x9f\x99\x82\xf0\x9f\x99\x82\"\n",
		    "\xf0\x9f\x99\x82\xf0\x9f\x99\x82\xf0\x9f\x99\x82"
		    "\xf0\x9f\x99\x82\xf0\x9f\x99\x82\xf0\x9f\x99\x82"
		    "\xf0\x9f\x99\x82\xf0\x9f\x99\x82", NULL },
		{ "name: \"a b\"\n", "a b", NULL },
		{ "name: 123\n", "123", NULL },
		{ "name: 'yes'\n", "yes", NULL },
		{ "name:\n", NULL, "1:6: name: may not be empty" },
		{ "name: \"\"\n", NULL, "1:7: name: may not be empty" },
		{ "name: [a]\n", NULL, "1:7: name: expected text, not a list" },
		{ "name: {a: b}\n", NULL,
		    "1:7: name: expected text, not a mapping" },
		{ "dir: /var/lib/tether\n", "/var/lib/tether", NULL },
		{ "dir: /\n", "/", NULL },
		{ "dir:\n", "", NULL },
		{ "dir: var/lib\n", NULL,
		    "1:6: dir: \"var/lib\" is not an absolute path" },
		{ "dir: ./x\n", NULL,
		    "1:6: dir: \"./x\" is not an absolute path" },
		{ "dir: ~/x\n", NULL,
		    "1:6: dir: \"~/x\" is not an absolute path" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; strncmp(cases[i].yaml, "name", 4) == 0; i++)
		;
	run_str_cases(cases, i, offsetof(struct sample, name));
	run_str_cases(cases + i, nitems(cases) - i,
	    offsetof(struct sample, dir));
}

static void
test_list(void **state)
{
	static const struct list_case cases[] = {
		{ "users: [alice, bob]\n", 2, "alice|bob", NULL },
		{ "users:\n  - alice\n  - bob\n  - carol\n", 3,
		    "alice|bob|carol", NULL },
		{ "users:\n- root\n", 1, "root", NULL },
		{ "users: [\"x_1\"]\n", 1, "x_1", NULL },
		{ "users:\n", 0, "", NULL },
		{ "users: []\n", 0, "", NULL },
		{ "users: [a, b, c, d]\n", 0, NULL,
		    "1:18: users: more than 3 items" },
		{ "users:\n  - a\n  - b\n  - c\n  - d\n  - e\n", 0, NULL,
		    "5:5: users: more than 3 items" },
		{ "users: [alice, Root]\n", 0, NULL,
		    "1:16: users: bad user name \"Root\"" },
		{ "users:\n  - \"\"\n", 0, NULL,
		    "2:5: users: bad user name \"\"" },
		{ "users:\n  - alice\n  - {x: 1}\n", 0, NULL,
		    "3:5: users: expected text, not a mapping" },
		{ "users: [[a]]\n", 0, NULL,
		    "1:9: users: expected text, not a list" },
		{ "users: alice\n", 0, NULL, "1:8: users: expected a list" },
		{ "users: \"\"\n", 0, NULL, "1:8: users: expected a list" },
		{ "users: {a: b}\n", 0, NULL, "1:8: users: expected a list" },
	};
	const struct list_case	*c;
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };
	char			*got;
	int			 rv;
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		c = &cases[i];
		rv = load_map(c->yaml, &s, &errs);
		check_errors(c->yaml, rv, &errs, c->err);
		got = list_join(&s.users);
		/* A refused list leaves the one that was there. */
		if (c->err != NULL ? s.users.n != 1 ||
		    strcmp(got, UNSET_TEXT) != 0 : s.users.n != c->n ||
		    strcmp(got, c->want) != 0)
			fail_msg("\"%s\": got %d \"%s\"", c->yaml, s.users.n,
			    got);
		free(got);
		conf_free(&s, sample_keys);
		assert_int_equal(s.users.n, 0);
		assert_null(s.users.v);
		conf_errors_free(&errs);
	}
}

static void
test_list_helpers(void **state)
{
	struct strlist	 a = { NULL, 0 }, b = { NULL, 0 };
	char			*got;

	(void)state;
	strlist_add(&a, "one");
	strlist_add(&a, "two");
	strlist_add(&b, "old");
	strlist_copy(&b, &a);
	strlist_clear(&a);
	assert_int_equal(a.n, 0);
	assert_null(a.v);
	got = list_join(&b);
	assert_string_equal(got, "one|two");
	free(got);
	strlist_clear(&b);
}

static void
test_enum(void **state)
{
	static const struct int_case cases[] = {
		{ "mode: none\n", 0, NULL },
		{ "mode: local\n", 1, NULL },
		{ "mode: remote\n", 2, NULL },
		{ "mode: \"remote\"\n", 2, NULL },
		{ "mode: far\n", 0,
		    "1:7: mode: \"far\" is not one of none, local, remote" },
		{ "mode: Local\n", 0,
		    "1:7: mode: \"Local\" is not one of none, local, remote" },
		{ "mode:\n", 0,
		    "1:6: mode: \"\" is not one of none, local, remote" },
		{ "mode: [local]\n", 0,
		    "1:7: mode: expected a word, not a list" },
	};

	(void)state;
	run_int_cases(cases, nitems(cases), offsetof(struct sample, mode));
}

static void
test_sub(void **state)
{
	static const struct int_case depth[] = {
		{ "nested:\n  depth: 0\n", 0, NULL },
		{ "nested:\n  depth: 9\n  label: x\n", 9, NULL },
		{ "nested: {depth: 4}\n", 4, NULL },
		{ "nested:\n  depth: 10\n", 0,
		    "2:10: depth: 10 is out of range (0 to 9)" },
		{ "nested:\n  depht: 1\n", 0,
		    "2:3: unknown key \"depht\" (did you mean \"depth\"?)" },
		{ "nested:\n  port: 1\n", 0, "2:3: unknown key \"port\"" },
		{ "nested: 5\n", 0, "1:9: expected a mapping of keys" },
		{ "nested:\n  - depth\n", 0,
		    "2:3: expected a mapping of keys" },
	};
	static const struct str_case label[] = {
		{ "nested:\n  label: deep\n", "deep", NULL },
		{ "nested:\n  label:\n", "", NULL },
		{ "nested:\n  depth: 1\n  label: abcdefghijklmnopq\n", NULL,
		    "3:10: label: 17 characters is longer than the 16 "
		    "allowed" },
	};
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };

	(void)state;
	run_int_cases(depth, nitems(depth),
	    offsetof(struct sample, nested.depth));
	run_str_cases(label, nitems(label),
	    offsetof(struct sample, nested.label));

	/* Both inner keys, and an outer one after the mapping. */
	assert_int_equal(load_map("nested:\n  label: deep\n  depth: 7\n"
	    "port: 22\n", &s, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(s.nested.depth, 7);
	assert_string_equal(s.nested.label, "deep");
	assert_int_equal(s.port, 22);
	conf_free(&s, sample_keys);
	assert_null(s.nested.label);
	assert_null(s.name);
}

static void
test_map(void **state)
{
	static const struct int_case cases[] = {
		{ "prot: 1\n", 0,
		    "1:1: unknown key \"prot\" (did you mean \"port\"?)" },
		{ "flags: yes\n", 0,
		    "1:1: unknown key \"flags\" (did you mean \"flag\"?)" },
		{ "retry_int: 5s\n", 0, "1:1: unknown key \"retry_int\" "
		    "(did you mean \"retry_interval\"?)" },
		/* Cut short with its last letter wrong, as in max_auth_try. */
		{ "retry_intr: 5s\n", 0, "1:1: unknown key \"retry_intr\" "
		    "(did you mean \"retry_interval\"?)" },
		{ "users_allowed: [a]\n", 0,
		    "1:1: unknown key \"users_allowed\"" },
		{ "colour: red\n", 0, "1:1: unknown key \"colour\"" },
		{ "Port: 1\n", 0,
		    "1:1: unknown key \"Port\" (did you mean \"port\"?)" },
		{ "? [a, b]\n: 1\n", 0, "1:3: a key must be a plain word" },
		{ "- a\n- b\n", 0, "1:1: expected a mapping of keys" },
		{ "hello\n", 0, "1:1: expected a mapping of keys" },
		{ "[port, 1]\n", 0, "1:1: expected a mapping of keys" },
	};

	(void)state;
	run_int_cases(cases, nitems(cases), offsetof(struct sample, port));
}

/* A repeated key is refused, and the first one stands. */
static void
test_duplicate(void **state)
{
	static const struct int_case cases[] = {
		{ "port: 2\nport: 3\n", 2,
		    "2:1: duplicate key \"port\" (first at line 1)" },
		{ "port: 2\nflag: on\n\n\"port\": 3\n", 2,
		    "4:1: duplicate key \"port\" (first at line 1)" },
		{ "flag: on\nport: 5\nport: 5\n", 5,
		    "3:1: duplicate key \"port\" (first at line 2)" },
		{ "nested:\n  depth: 1\n  depth: 2\n", 1,
		    "3:3: duplicate key \"depth\" (first at line 2)" },
	};
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };
	int			 rv, got;
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		rv = load_map(cases[i].yaml, &s, &errs);
		check_errors(cases[i].yaml, rv, &errs, cases[i].err);
		got = i < 3 ? s.port : s.nested.depth;
		if (got != cases[i].want)
			fail_msg("\"%s\": got %d", cases[i].yaml, got);
		conf_free(&s, sample_keys);
		conf_errors_free(&errs);
	}
}

/* The whole message: the file's line under it, and a caret. */
static void
test_caret(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*err;
	} cases[] = {
		{ "prot: 1\n", ":1:1: unknown key \"prot\" "
		    "(did you mean \"port\"?)\n    prot: 1\n    ^" },
		{ "flag: on\nnested:\n  depth: 12\n",
		    ":3:10: depth: 12 is out of range (0 to 9)\n"
		    "      depth: 12\n             ^" },
		{ "users: [a, b, c, d]",
		    ":1:18: users: more than 3 items\n"
		    "    users: [a, b, c, d]\n                     ^" },
	};
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };
	char			*want;
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		assert_int_equal(load_map(cases[i].yaml, &s, &errs), -1);
		assert_int_equal(errs.n, 1);
		xasprintf(&want, "%s%s", conf_path, cases[i].err);
		assert_string_equal(errs.v[0], want);
		free(want);
		conf_free(&s, sample_keys);
		conf_errors_free(&errs);
	}
}

/* Every error is kept, in file order, and the good keys still apply. */
static void
test_many_errors(void **state)
{
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };

	(void)state;
	assert_int_equal(load_map("prot: 1\nflag: maybe\nname: ok\nnested:\n"
	    "  depth: 10\nport: 80\n", &s, &errs), -1);
	assert_int_equal(errs.n, 3);
	check_line("1", errs.v[0],
	    ":1:1: unknown key \"prot\" (did you mean \"port\"?)");
	check_line("2", errs.v[1],
	    ":2:7: flag: expected true or false, not \"maybe\"");
	check_line("3", errs.v[2], ":5:10: depth: 10 is out of range (0 to 9)");
	assert_string_equal(s.name, "ok");
	assert_int_equal(s.port, 80);
	assert_int_equal(s.flag, UNSET);
	assert_int_equal(s.nested.depth, UNSET);
	conf_free(&s, sample_keys);
	conf_errors_free(&errs);
}

/* conf_load alone: want is what follows the path. */
static void
check_load(const char *path, const char *text, size_t len, const char *want)
{
	struct conf_file	 f = { 0 };
	struct conf_errors	 errs = { NULL, 0 };
	char			*full, *first;

	if (text != NULL)
		put_file(text, len);
	assert_int_equal(conf_load(path, &f, &errs), -1);
	assert_int_equal(errs.n, 1);
	xasprintf(&full, "%s%s", path, want);
	first = xstrndup(errs.v[0], strcspn(errs.v[0], "\n"));
	assert_string_equal(first, full);
	free(first);
	free(full);
	conf_file_free(&f);
	assert_null(f.path);
	assert_null(f.text);
	conf_errors_free(&errs);
}

static void
test_load(void **state)
{
	static const struct {
		const char	*text;
		size_t		 len;
		const char	*err;
	} cases[] = {
		{ "", 0, ": file is empty" },
		{ "\n\n  \t\n", 6, ": file is empty" },
		{ "# nothing here\n\n   # nor here\n", 30, ": file is empty" },
		{ "# no newline at the end", 23, ": file is empty" },
		{ "port: 1\n\0", 9, ": file holds a NUL byte (is it text?)" },
		{ "\0port: 1\n", 9, ": file holds a NUL byte (is it text?)" },
		{ "\xff: 1\n", 5, ":1:1: invalid leading UTF-8 octet" },
		{ "\xc3: 1\n", 5, ":1:2: invalid trailing UTF-8 octet" },
		{ "port: [1\n", 9, ":2:1: did not find expected ',' or ']' "
		    "while parsing a flow sequence" },
		{ "port: 1\n  flag: on\n", 19,
		    ":2:7: mapping values are not allowed in this context" },
		{ "name: \"abc\n", 11, ":2:1: found unexpected end of stream "
		    "while scanning a quoted scalar" },
		{ "port: 1\n\tflag: on\n", 18, ":2:1: found a tab character "
		    "that violates indentation while scanning a plain scalar" },
		{ "port: *nowhere\n", 15, ":1:7: found undefined alias" },
	};
	char	*missing, *s;
	size_t	 i;

	(void)state;
	for (i = 0; i < nitems(cases); i++)
		check_load(conf_path, cases[i].text, cases[i].len,
		    cases[i].err);

	xasprintf(&missing, "%s/missing.yaml", conf_dir);
	xasprintf(&s, ": %s", strerror(ENOENT));
	check_load(missing, NULL, 0, s);
	free(s);
	free(missing);
	check_load(conf_dir, NULL, 0, ": is a directory, not a file");
	check_load("/dev/null", NULL, 0, ": not a regular file");
}

static void
test_load_utf8_later_line(void **state)
{
	struct conf_file	 f = { 0 };
	struct conf_errors	 errs = { NULL, 0 };
	char			*want;

	(void)state;
	/* libyaml gives only an offset here; the position is counted. */
	put_file("port: 1\nname: \xff\n", 15);
	assert_int_equal(conf_load(conf_path, &f, &errs), -1);
	assert_int_equal(errs.n, 1);
	xasprintf(&want, "%s:2:7: invalid leading UTF-8 octet\n", conf_path);
	assert_int_equal(strncmp(errs.v[0], want, strlen(want)), 0);
	free(want);
	conf_file_free(&f);
	conf_errors_free(&errs);
}

/* A second document is refused, not silently ignored. */
static void
test_load_two_documents(void **state)
{
	struct conf_file	 f = { 0 };
	struct conf_errors	 errs = { NULL, 0 };
	char			*want;

	(void)state;
	put_file("b: true\n---\nb: junk\n", 20);
	assert_int_equal(conf_load(conf_path, &f, &errs), -1);
	assert_int_equal(errs.n, 1);
	xasprintf(&want, "%s:3:1: a second YAML document (after ---) is not "
	    "allowed\n", conf_path);
	assert_int_equal(strncmp(errs.v[0], want, strlen(want)), 0);
	free(want);
	conf_file_free(&f);
	conf_errors_free(&errs);
}

/* The limit is 1 MiB exactly: a file that size loads, one byte more not. */
static void
test_load_size(void **state)
{
	struct conf_file	 f = { 0 };
	struct conf_errors	 errs = { NULL, 0 };
	struct conf_ctx		 ctx = { &f, &errs, NULL };
	struct sample		 s;
	size_t			 len = 1024 * 1024;
	char			*text;

	(void)state;
	text = xmalloc(len + 1);
	memcpy(text, "port: 7\n#", 9);
	memset(text + 9, 'x', len - 9);
	text[len - 1] = '\n';
	put_file(text, len);
	assert_int_equal(conf_load(conf_path, &f, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(f.len, len);
	sample_defaults(&s);
	assert_int_equal(conf_map(&ctx, yr_root(&f.doc), &s, sample_keys), 0);
	assert_int_equal(s.port, 7);
	conf_free(&s, sample_keys);
	conf_file_free(&f);

	text[len - 1] = 'x';
	text[len] = '\n';
	check_load(conf_path, text, len + 1, ": file is larger than 1 MiB");
	free(text);
}

/* A good file loads, and conf_file_free leaves nothing behind. */
static void
test_load_good(void **state)
{
	struct conf_file	 f = { 0 };
	struct conf_errors	 errs = { NULL, 0 };
	yaml_node_t		*root;

	(void)state;
	put_file("# comment\nport: 1\n", 18);
	assert_int_equal(conf_load(conf_path, &f, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_null(errs.v);
	assert_string_equal(f.path, conf_path);
	assert_int_equal(f.len, 18);
	assert_int_equal(memcmp(f.text, "# comment\nport: 1\n", 19), 0);
	assert_int_equal(f.loaded, 1);
	root = yr_root(&f.doc);
	assert_non_null(root);
	assert_int_equal(root->type, YAML_MAPPING_NODE);
	assert_string_equal(yr_scalar(yr_get(&f.doc, root, "port")), "1");
	conf_file_free(&f);
	assert_int_equal(f.loaded, 0);
	assert_null(f.path);
}

static void
test_emit(void **state)
{
	static const char *yaml =
	    "flag: yes\n"
	    "port: 8080\n"
	    "offset: -3\n"
	    "retry_interval: 5400s\n"
	    "mode: remote\n"
	    "name: \"123\"\n"
	    "dir: /var/lib/tether\n"
	    "users:\n"
	    "  - alice\n"
	    "  - bob\n"
	    "nested:\n"
	    "  depth: 2\n"
	    "  label: \"true\"\n";
	static const char *want =
	    "flag: true\n"
	    "port: 8080\n"
	    "offset: -3\n"
	    "retry_interval: 90m\n"
	    "mode: remote\n"
	    "name: \"123\"\n"
	    "dir: /var/lib/tether\n"
	    "users: [alice, bob]\n"
	    "nested:\n"
	    "  depth: 2\n"
	    "  label: \"true\"\n";
	struct sample		 a, b;
	struct conf_errors	 errs = { NULL, 0 };
	struct yw		*w;
	char			*text, *again, *la, *lb;

	(void)state;
	assert_int_equal(load_map(yaml, &a, &errs), 0);
	assert_int_equal(errs.n, 0);
	w = yw_new();
	conf_emit(w, &a, sample_keys);
	text = yw_finish(w, NULL);
	assert_string_equal(text, want);

	assert_int_equal(load_map(text, &b, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(b.flag, a.flag);
	assert_int_equal(b.port, a.port);
	assert_int_equal(b.offset, a.offset);
	assert_int_equal(b.retry_interval, 5400);
	assert_int_equal(b.mode, a.mode);
	assert_string_equal(b.name, a.name);
	assert_string_equal(b.dir, a.dir);
	la = list_join(&a.users);
	lb = list_join(&b.users);
	assert_string_equal(lb, la);
	assert_string_equal(lb, "alice|bob");
	free(la);
	free(lb);
	assert_int_equal(b.nested.depth, a.nested.depth);
	assert_string_equal(b.nested.label, a.nested.label);

	/* And once more: the text is a fixed point. */
	w = yw_new();
	conf_emit(w, &b, sample_keys);
	again = yw_finish(w, NULL);
	assert_string_equal(again, text);
	free(again);
	free(text);
	conf_free(&a, sample_keys);
	conf_free(&b, sample_keys);
}

/* An empty list and strings that would read back as something else. */
static void
test_emit_edges(void **state)
{
	struct sample		 s;
	struct conf_errors	 errs = { NULL, 0 };
	struct yw		*w;
	char			*text;

	(void)state;
	assert_int_equal(load_map("flag: off\nport: 1\noffset: 0\n"
	    "retry_interval: 2d\nmode: none\nname: \"null\"\ndir:\n"
	    "users: []\nnested: {depth: 0, label: \"~\"}\n", &s, &errs), 0);
	w = yw_new();
	conf_emit(w, &s, sample_keys);
	text = yw_finish(w, NULL);
	conf_free(&s, sample_keys);
	assert_string_equal(text, "flag: false\nport: 1\noffset: 0\n"
	    "retry_interval: 2d\nmode: none\nname: \"null\"\ndir: \"\"\n"
	    "users: []\nnested:\n  depth: 0\n  label: \"~\"\n");

	assert_int_equal(load_map(text, &s, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(s.flag, 0);
	assert_int_equal(s.retry_interval, 172800);
	assert_string_equal(s.name, "null");
	assert_string_equal(s.dir, "");
	assert_int_equal(s.users.n, 0);
	assert_string_equal(s.nested.label, "~");
	free(text);
	conf_free(&s, sample_keys);
}

static int
setup(void **state)
{
	char	 tmpl[] = "/tmp/test_conf.XXXXXX";

	(void)state;
	if (mkdtemp(tmpl) == NULL)
		return (-1);
	conf_dir = xstrdup(tmpl);
	xasprintf(&conf_path, "%s/t.yaml", conf_dir);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	rmdir(conf_dir);
	free(conf_path);
	free(conf_dir);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_text),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_helpers),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_caret),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_utf8_later_line),
		cmocka_unit_test(test_load_two_documents),
		cmocka_unit_test(test_load_size),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_emit),
		cmocka_unit_test(test_emit_edges),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
