/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/rootfile.c, the parsers: fstab, os-release, passwd and
 * shadow, dpkg status and mount options, and the health of trees made in a
 * temporary directory.
 */

#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

static FILE *
text(const char *s)
{
	FILE	*f;

	f = fmemopen((void *)s, strlen(s), "r");
	assert_non_null(f);
	return (f);
}

static void
test_fstab_good(void **state)
{
	struct root_fstab	*e;
	FILE			*f;
	char			*cause = NULL;
	int			 n;

	(void)state;
	f = text("# comment\n\n  \t# indented comment\n"
	    "UUID=abc / ext4 errors=remount-ro 0 1\n"
	    "LABEL=my\\040disk /mnt/my\\040dir vfat umask=0077 0 2\n"
	    "/dev/sda3\t/home\text4\tdefaults\n"
	    "tmpfs /tmp tmpfs defaults 0\n");
	assert_int_equal(root_fstab_parse(f, &e, &n, &cause), 0);
	fclose(f);
	assert_int_equal(n, 4);
	assert_string_equal(e[0].spec, "UUID=abc");
	assert_string_equal(e[0].file, "/");
	assert_string_equal(e[0].opts, "errors=remount-ro");
	assert_string_equal(e[1].spec, "LABEL=my disk");
	assert_string_equal(e[1].file, "/mnt/my dir");
	assert_string_equal(e[1].type, "vfat");
	assert_string_equal(e[2].spec, "/dev/sda3");
	assert_string_equal(e[2].file, "/home");
	assert_string_equal(e[3].type, "tmpfs");
	root_fstab_free(e, n);
}

static void
fstab_bad(const char *in, const char *want)
{
	struct root_fstab	*e = (void *)1;
	FILE			*f;
	char			*cause = NULL;
	int			 n = 7;

	f = text(in);
	assert_int_equal(root_fstab_parse(f, &e, &n, &cause), -1);
	fclose(f);
	assert_null(e);
	assert_int_equal(n, 0);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_fstab_bad(void **state)
{
	(void)state;
	fstab_bad("garbage\n", "line 1: expected 4 to 6 fields, got 1");
	fstab_bad("# ok\n/dev/a / ext4 defaults 0 1\n/dev/b /x\n",
	    "line 3: expected 4 to 6 fields, got 2");
	fstab_bad("a b c d 0 1 7\n", "line 1: expected 4 to 6 fields, got 7");
	fstab_bad("a b c d x\n", "line 1: dump and pass must be numbers");
	fstab_bad("a b c d 0 y\n", "line 1: dump and pass must be numbers");
	fstab_bad("a /x\\012y c d\n", "line 1: mount point has a newline");
}

static void
test_fstab_empty(void **state)
{
	struct root_fstab	*e;
	FILE			*f;
	char			*cause = NULL;
	int			 n;

	(void)state;
	f = text("# only a comment\n");
	assert_int_equal(root_fstab_parse(f, &e, &n, &cause), 0);
	fclose(f);
	assert_int_equal(n, 0);
	root_fstab_free(e, n);
}

static void
os_release(const char *in, const char *name, const char *version)
{
	FILE	*f;
	char	*n, *v;

	f = text(in);
	assert_int_equal(root_os_release(f, &n, &v), name != NULL ? 0 : -1);
	fclose(f);
	if (name == NULL)
		assert_null(n);
	else
		assert_string_equal(n, name);
	if (version == NULL)
		assert_null(v);
	else
		assert_string_equal(v, version);
	free(n);
	free(v);
}

static void
test_os_release(void **state)
{
	(void)state;
	os_release("NAME=\"Debian GNU/Linux\"\nVERSION=\"12 (bookworm)\"\n",
	    "Debian GNU/Linux", "12 (bookworm)");
	os_release("NAME='Fedora Linux'\nVERSION_ID=39\n", "Fedora Linux",
	    "39");
	os_release("PRETTY_NAME=\"Alpine Linux v3.19\"\nVERSION_ID=3.19.1\n",
	    "Alpine Linux v3.19", "3.19.1");
	os_release("NAME=\"a \\\"quoted\\\" \\\\ name\"\n",
	    "a \"quoted\" \\ name", NULL);
	os_release("NAME=plain\nNAME=second\n", "second", NULL);
	os_release("NAME=\"unterminated\n", "unterminated", NULL);
	os_release("# nothing\nID=debian\n", NULL, NULL);
	os_release("", NULL, NULL);
}

static void
colon(const char *in, int fields, unsigned int numeric, const char *want)
{
	FILE	*f;
	char	*cause = NULL;

	f = text(in);
	assert_int_equal(root_check_colon(f, fields, numeric, &cause),
	    want == NULL ? 0 : -1);
	fclose(f);
	if (want != NULL) {
		assert_string_equal(cause, want);
		free(cause);
	}
}

static void
test_passwd_shadow(void **state)
{
	(void)state;
	colon("root:x:0:0:root:/root:/bin/bash\n\nbin:x:2:2::/:/bin/false\n",
	    7, 0xc, NULL);
	colon("root:x:0:0:root:/root\n", 7, 0xc, "line 1: 6 fields, not 7");
	colon("root:x:zero:0:root:/root:/bin/sh\n", 7, 0xc,
	    "line 1: field 3 is not a number");
	colon(":x:0:0::/:/bin/sh\n", 7, 0xc, "line 1: empty name");
	colon("", 7, 0xc, "no entries");
	colon("root:*:19000:0:99999:7:::\n", 9, 0, NULL);
	colon("root:*:19000\n", 9, 0, "line 1: 3 fields, not 9");
}

static void
dpkg(const char *in, const char *want)
{
	FILE	*f;
	char	*cause = NULL;

	f = text(in);
	assert_int_equal(root_check_dpkg(f, &cause), want == NULL ? 0 : -1);
	fclose(f);
	if (want != NULL) {
		assert_string_equal(cause, want);
		free(cause);
	}
}

static void
test_dpkg(void **state)
{
	(void)state;
	dpkg("Package: a\nStatus: install ok installed\nDescription: x\n"
	    " more\n .\n\nPackage: b\n", NULL);
	dpkg("", "no packages");
	dpkg(" leading continuation\n",
	    "line 1: continuation outside a field");
	dpkg("Package: a\nnot a field\n", "line 2: expected \"Field: value\"");
	dpkg("Status: x\n", "no packages");
}

static void
test_mount_options(void **state)
{
	unsigned long	 flags;
	char		*data;
	int		 noauto;

	(void)state;
	root_mount_options("ro,nosuid,nodev", &flags, &data, NULL);
	assert_int_equal(flags, MS_RDONLY | MS_NOSUID | MS_NODEV);
	assert_string_equal(data, "");
	free(data);
	root_mount_options("defaults,noatime,errors=remount-ro,x-systemd.auto,"
	    "nofail,umask=0077", &flags, &data, &noauto);
	assert_int_equal(flags, MS_NOATIME);
	assert_string_equal(data, "errors=remount-ro,umask=0077");
	assert_int_equal(noauto, 0);
	free(data);
	root_mount_options("ro,rw,,noauto", &flags, &data, &noauto);
	assert_int_equal(flags, 0);
	assert_int_equal(noauto, 1);
	free(data);
	root_mount_options("bind", &flags, &data, &noauto);
	assert_int_equal(noauto, 1);
	free(data);
}

/* A tree under a temporary directory, one file per "path=text" item. */
static char *
tree(const char *const *files)
{
	char	 tmpl[] = "/tmp/test_root.XXXXXX", *dir, *path, *p;
	int	 fd;

	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	dir = xstrdup(dir);
	for (; *files != NULL; files++) {
		xasprintf(&path, "%s/%s", dir, *files);
		if ((p = strchr(path + strlen(dir), '=')) != NULL)
			*p = '\0';
		for (p = strchr(path + strlen(dir) + 1, '/'); p != NULL;
		    p = strchr(p + 1, '/')) {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
		if (path[strlen(path) - 1] == '/')
			mkdir(path, 0700);
		else {
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			assert_true(fd != -1);
			p = strchr(*files, '=');
			if (p != NULL)
				assert_true(write(fd, p + 1, strlen(p + 1)) ==
				    (ssize_t)strlen(p + 1));
			close(fd);
		}
		free(path);
	}
	return (dir);
}

static void
rmtree(const char *dir)
{
	char	*cmd;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void
health(const char *const *files, int want, const char *problems)
{
	struct root	 r;
	char		*dir, *all, *next;
	int		 i;

	dir = tree(files);
	memset(&r, 0, sizeof r);
	r.path = dir;
	root_health(&r);
	all = xstrdup("");
	for (i = 0; i < r.problems.n; i++) {
		next = all;
		xasprintf(&all, "%s%s%s", next, i == 0 ? "" : "; ",
		    r.problems.v[i]);
		free(next);
	}
	assert_string_equal(root_health_name(r.health),
	    root_health_name(want));
	assert_string_equal(all, problems);
	free(all);
	strlist_clear(&r.problems);
	free(r.os_name);
	free(r.os_version);
	rmtree(dir);
	free(dir);
}

#define GOOD_PASSWD	"etc/passwd=root:x:0:0:root:/root:/bin/sh\n"
#define GOOD_SHADOW	"etc/shadow=root:*:19000:0:99999:7:::\n"
#define GOOD_FSTAB	"etc/fstab=/dev/sda1 / ext4 defaults 0 1\n"
#define GOOD_DPKG	"var/lib/dpkg/status=Package: a\n"

static void
test_health(void **state)
{
	static const char *ok[] = { GOOD_PASSWD, GOOD_SHADOW, GOOD_FSTAB,
	    GOOD_DPKG, "boot/", NULL };
	static const char *rpm[] = { GOOD_PASSWD, GOOD_SHADOW, GOOD_FSTAB,
	    "var/lib/rpm/rpmdb.sqlite=SQLite format 3", "boot/", NULL };
	static const char *limited[] = { GOOD_PASSWD, "etc/fstab=junk\n",
	    "var/lib/dpkg/status=junk\n", NULL };
	static const char *nothing[] = { "etc/", NULL };
	static const char *noetc[] = { "etc=a file\n", NULL };

	(void)state;
	health(ok, ROOT_OK, "");
	health(rpm, ROOT_OK, "");
	health(limited, ROOT_LIMITED, "etc/shadow missing; etc/fstab: line 1: "
	    "expected 4 to 6 fields, got 1; boot/ missing; "
	    "var/lib/dpkg/status: line 1: expected \"Field: value\"");
	health(nothing, ROOT_LIMITED, "etc/passwd missing; etc/shadow missing; "
	    "etc/fstab missing; boot/ missing; package database missing");
	health(noetc, ROOT_UNREADABLE, "etc: Not a directory");
}

/* An absolute symlink in the root must resolve inside it, not in ours. */
static void
test_health_symlink(void **state)
{
	static const char *files[] = { GOOD_SHADOW, GOOD_FSTAB, GOOD_DPKG,
	    "boot/", "usr/lib/os-release=NAME=Inside\n", NULL };
	struct root	 r;
	char		*dir, *link;

	(void)state;
	dir = tree(files);
	xasprintf(&link, "%s/etc/passwd", dir);
	assert_int_equal(symlink("/nonexistent-in-root/passwd", link), 0);
	free(link);
	xasprintf(&link, "%s/etc/os-release", dir);
	assert_int_equal(symlink("/usr/lib/os-release", link), 0);
	free(link);
	memset(&r, 0, sizeof r);
	r.path = dir;
	root_health(&r);
	assert_int_equal(r.health, ROOT_LIMITED);
	assert_int_equal(r.problems.n, 1);
	assert_string_equal(r.problems.v[0], "etc/passwd missing");
	assert_string_equal(r.os_name, "Inside");
	strlist_clear(&r.problems);
	free(r.os_name);
	free(r.os_version);
	rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fstab_good),
		cmocka_unit_test(test_fstab_bad),
		cmocka_unit_test(test_fstab_empty),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_passwd_shadow),
		cmocka_unit_test(test_dpkg),
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_health_symlink),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
