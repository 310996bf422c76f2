/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/rootfile.c, the parsers: fstab, os-release, passwd and
 * shadow, dpkg status and mount options, and the health of trees made in a
 * temporary directory; and for agentd/rootlog.c, the journal's state, on
 * xfs and ext4 images written in memory.
 */

#include <sys/mman.h>
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

/* Only a scanned NTFS device is Windows: not a directory, not BitLocker. */
static void
test_windows(void **state)
{
	struct root	 r;

	(void)state;
	memset(&r, 0, sizeof r);
	assert_false(root_windows(&r));
	r.fstype = "ntfs";
	assert_false(root_windows(&r));		/* roots.extra: no device */
	r.device = "/dev/vdh";
	assert_true(root_windows(&r));
	r.fstype = "BitLocker";
	assert_false(root_windows(&r));
	r.fstype = "ntfs3";
	assert_false(root_windows(&r));
	r.fstype = "ext4";
	assert_false(root_windows(&r));
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

/*
 * An xfs image in a memory file: a superblock (4 KiB blocks, 4 groups of
 * 4096 blocks, v5) and an internal log in group 1 at block 10, written as
 * the kernel writes it: every block carries the cycle it was written in,
 * a record's header holds it after the magic, and the cycle goes up by
 * one each time the writing wraps round the end of the log.
 */
#define XL_BB		512
#define XL_AGBLOCKS	4096
#define XL_LOGBLOCK	(1 << 12 | 10)	/* group 1, block 10 */
#define XL_LOGOFF	((off_t)(XL_AGBLOCKS + 10) * 4096)

struct xl {
	int		 fd;
	int64_t		 nbb;
	int64_t		 pos;		/* where the next block goes */
	uint32_t	 cycle;		/* and its cycle */
	uint8_t		 uuid[16];
};

static void
xl_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
xl_put(struct xl *x, int64_t blk, const uint8_t *b)
{
	assert_int_equal(pwrite(x->fd, b, XL_BB, XL_LOGOFF + blk * XL_BB),
	    XL_BB);
}

static void
xl_new(struct xl *x, int64_t nbb)
{
	uint8_t	 sb[XL_BB];

	memset(x, 0, sizeof *x);
	x->fd = memfd_create("xfs", MFD_CLOEXEC);
	assert_true(x->fd != -1);
	assert_int_equal(ftruncate(x->fd, 4 * XL_AGBLOCKS * 4096LL), 0);
	x->nbb = nbb;
	x->cycle = 1;
	memset(x->uuid, 0x5a, sizeof x->uuid);
	memset(sb, 0, sizeof sb);
	memcpy(sb, "XFSB", 4);
	xl_be32(sb + 4, 4096);
	xl_be32(sb + 12, 4 * XL_AGBLOCKS);	/* sb_dblocks, low half */
	memcpy(sb + 32, x->uuid, 16);
	xl_be32(sb + 52, XL_LOGBLOCK);		/* sb_logstart, low half */
	xl_be32(sb + 84, XL_AGBLOCKS);
	xl_be32(sb + 88, 4);
	xl_be32(sb + 96, nbb * XL_BB / 4096);
	sb[100] = 0xb4;				/* sb_versionnum 0xb4a5 */
	sb[101] = 0xa5;
	sb[120] = 12;				/* sb_blocklog */
	sb[124] = 12;				/* sb_agblklog */
	assert_int_equal(pwrite(x->fd, sb, sizeof sb, 0), sizeof sb);
}

/* The next block of the stream: b with the cycle in its first word. */
static void
xl_next(struct xl *x, uint8_t *b, int header)
{
	if (header)
		xl_be32(b + 4, x->cycle);
	else
		xl_be32(b, x->cycle);
	xl_put(x, x->pos, b);
	if (++x->pos == x->nbb) {
		x->pos = 0;
		x->cycle++;
	}
}

/*
 * A record of ops operations, data blocks long, with hsize as its h_size
 * (one header block per 32 KiB of it); flags is its first operation's.
 */
static void
xl_rec(struct xl *x, uint32_t ops, uint8_t flags, int data, uint32_t hsize)
{
	uint8_t	 b[XL_BB];
	int	 i;

	memset(b, 0, sizeof b);
	xl_be32(b, 0xfeedbabe);
	xl_be32(b + 8, 2);
	xl_be32(b + 12, data * XL_BB);
	xl_be32(b + 40, ops);
	xl_be32(b + 300, 1);
	memcpy(b + 304, x->uuid, 16);
	xl_be32(b + 320, hsize);
	xl_next(x, b, 1);
	for (i = 1; i < (int)((hsize + 32767) / 32768); i++) {
		memset(b, 0, sizeof b);
		xl_next(x, b, 0);
	}
	for (i = 0; i < data; i++) {
		memset(b, 0, sizeof b);
		if (i == 0) {
			xl_be32(b + 4, 8);	/* oh_len */
			b[8] = 0xaa;		/* oh_clientid: the log */
			b[9] = flags;
		}
		xl_next(x, b, 0);
	}
}

#define xl_unmount(x)	xl_rec(x, 1, 0x20, 1, 32768)
#define xl_trans(x, n)	xl_rec(x, 5, 0, n, 32768)

/* Transactions up to block to of the second cycle. */
static void
xl_fill_to(struct xl *x, int64_t to)
{
	while (x->cycle < 2 || x->pos < to - 300)
		xl_trans(x, 3);
	xl_trans(x, to - x->pos - 1);
	assert_int_equal(x->pos, to);
}

/* Blocks of cycle c, none a record header, up to the end of the log. */
static void
xl_stale(struct xl *x, uint32_t cycle)
{
	uint8_t		 b[XL_BB];
	int64_t		 i;

	for (i = x->pos; i < x->nbb; i++) {
		memset(b, 0, sizeof b);
		xl_be32(b, cycle);
		xl_put(x, i, b);
	}
}

static void
xl_want(struct xl *x, int want, const char *why)
{
	char	*cause = NULL;

	assert_int_equal(root_log_xfs(x->fd, &cause), want);
	if (why == NULL)
		assert_null(cause);
	else
		assert_string_equal(cause, why);
	free(cause);
	close(x->fd);
}

/* A log never full: the cycle-0 blocks after the last record are unused. */
static void
test_log_xfs_fresh(void **state)
{
	struct xl	 x;
	int		 i;

	(void)state;
	xl_new(&x, 10000);
	xl_want(&x, ROOT_LOG_CLEAN, NULL);	/* all zero: nothing to do */
	xl_new(&x, 10000);
	xl_unmount(&x);				/* as mkfs leaves it */
	xl_want(&x, ROOT_LOG_CLEAN, NULL);
	xl_new(&x, 10000);
	xl_unmount(&x);
	for (i = 0; i < 20; i++)
		xl_trans(&x, 1 + i % 7);
	xl_want(&x, ROOT_LOG_DIRTY, NULL);
	xl_new(&x, 10000);
	xl_unmount(&x);
	for (i = 0; i < 20; i++)
		xl_trans(&x, 1 + i % 7);
	xl_unmount(&x);
	xl_want(&x, ROOT_LOG_CLEAN, NULL);
	xl_new(&x, 10000);			/* two operations: not one */
	xl_trans(&x, 3);
	xl_rec(&x, 2, 0x20, 1, 32768);
	xl_want(&x, ROOT_LOG_DIRTY, NULL);
}

/* After wrapping: "c ... c, c - 1 ... c - 1", records across the end. */
static void
test_log_xfs_wrapped(void **state)
{
	struct xl	 x;
	int64_t		 nbb[] = { 10000, 1000 };	/* 1000: one window */
	int		 i, j, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		for (j = 0; j < 8; j++) {
			xl_new(&x, nbb[k]);
			while (x.cycle < 3 || x.pos < nbb[k] / 2 + j * 3)
				xl_trans(&x, 1 + x.pos % 5);
			if (j & 1)
				xl_unmount(&x);
			xl_want(&x, (j & 1) ? ROOT_LOG_CLEAN : ROOT_LOG_DIRTY,
			    NULL);
		}
		/* The unmount record's data past the end, its header not. */
		xl_new(&x, nbb[k]);
		xl_fill_to(&x, nbb[k] - 1);
		xl_unmount(&x);
		assert_int_equal(x.pos, 1);
		xl_want(&x, ROOT_LOG_CLEAN, NULL);
		/* Ending at the very end: every block the same cycle. */
		xl_new(&x, nbb[k]);
		xl_fill_to(&x, nbb[k] - 2);
		i = x.cycle;
		xl_unmount(&x);
		assert_int_equal(x.pos, 0);
		assert_int_equal(x.cycle, i + 1);
		xl_want(&x, ROOT_LOG_CLEAN, NULL);
	}
}

/* What a crash leaves: holes, torn records, records out of order. */
static void
test_log_xfs_torn(void **state)
{
	struct xl	 x;
	uint8_t		 b[XL_BB];
	int64_t		 at;
	int		 i, k;

	(void)state;
	/* The unmount record's data never written: the head goes back. */
	xl_new(&x, 10000);
	for (i = 0; i < 30; i++)
		xl_trans(&x, 4);
	xl_unmount(&x);
	memset(b, 0, sizeof b);
	xl_put(&x, x.pos - 1, b);
	xl_want(&x, ROOT_LOG_DIRTY, NULL);
	/* A record torn after an unmount record: nothing was lost. */
	xl_new(&x, 10000);
	xl_trans(&x, 4);
	xl_unmount(&x);
	xl_trans(&x, 6);
	xl_put(&x, x.pos - 1, b);
	xl_want(&x, ROOT_LOG_CLEAN, NULL);
	/*
	 * A hole in the last records, with later records written after it,
	 * near the start of the log (the check wraps) and past its window.
	 */
	for (k = 0; k < 2; k++) {
		xl_new(&x, 10000);
		xl_fill_to(&x, 3000 + k * 4000);
		at = x.pos;
		xl_unmount(&x);
		for (i = 0; i < 40; i++) /* beyond the binary search's probes */
			xl_trans(&x, 6);
		memset(b, 0, sizeof b);
		xl_be32(b, x.cycle - 1);
		xl_put(&x, at + 2, b);	/* the first after the unmount */
		xl_want(&x, ROOT_LOG_CLEAN, NULL);
		/* The same hole before the unmount record: not clean. */
		xl_new(&x, 10000);
		xl_fill_to(&x, 3000 + k * 4000);
		at = x.pos;
		for (i = 0; i < 40; i++)
			xl_trans(&x, 6);
		xl_unmount(&x);
		xl_put(&x, at + 3, b);
		xl_want(&x, ROOT_LOG_DIRTY, NULL);
	}
}

/* Records of several header blocks (h_size 64 KiB and 256 KiB). */
static void
test_log_xfs_headers(void **state)
{
	struct xl	 x;
	int		 i;

	(void)state;
	xl_new(&x, 10000);
	for (i = 0; i < 30; i++)
		xl_rec(&x, 9, 0, 100, 65536);
	xl_rec(&x, 1, 0x20, 1, 262144);
	xl_want(&x, ROOT_LOG_CLEAN, NULL);
	xl_new(&x, 10000);
	xl_rec(&x, 1, 0x20, 1, 262144);
	xl_rec(&x, 9, 0, 504, 262144);
	xl_want(&x, ROOT_LOG_DIRTY, NULL);
}

/* What cannot be told, and why: the state is then unknown (-1). */
static void
test_log_xfs_unknown(void **state)
{
	struct xl	 x;
	uint8_t		 b[XL_BB];

	(void)state;
	xl_new(&x, 10000);
	xl_unmount(&x);
	assert_int_equal(pwrite(x.fd, "XFSC", 4, 0), 4);
	xl_want(&x, -1, "no xfs superblock");
	xl_new(&x, 10000);
	memset(b, 0, 8);
	assert_int_equal(pwrite(x.fd, b, 8, 48), 8);	/* sb_logstart 0 */
	xl_want(&x, -1, "the log is on another device");
	xl_new(&x, 10000);
	xl_be32(b, 0x7fffffff);				/* sb_logblocks */
	assert_int_equal(pwrite(x.fd, b, 4, 96), 4);
	xl_want(&x, -1, "the superblock's log is out of bounds");
	xl_new(&x, 10000);
	xl_be32(b, XL_AGBLOCKS + 20);			/* sb_dblocks */
	assert_int_equal(pwrite(x.fd, b, 4, 12), 4);
	xl_want(&x, -1, "the superblock's log is out of bounds");
	xl_new(&x, 10000);
	xl_be32(b, 0xffffffff);				/* sb_agcount */
	assert_int_equal(pwrite(x.fd, b, 4, 88), 4);
	xl_be32(b, 100 << 12 | 10);	/* sb_logstart: group 100 of 4 */
	assert_int_equal(pwrite(x.fd, b, 4, 52), 4);
	xl_want(&x, -1, "the superblock's log is out of bounds");
	xl_new(&x, 10000);
	xl_be32(b, 3000);				/* sb_blocksize */
	assert_int_equal(pwrite(x.fd, b, 4, 4), 4);
	xl_want(&x, -1, "the superblock is damaged");
	xl_new(&x, 10000);
	xl_unmount(&x);
	assert_int_equal(ftruncate(x.fd, XL_LOGOFF + 4096), 0);
	xl_want(&x, -1, "the log cannot be read");
	xl_new(&x, 10000);
	memset(x.uuid, 0x33, sizeof x.uuid);
	xl_trans(&x, 2);
	xl_unmount(&x);
	xl_want(&x, -1, "the log belongs to another filesystem");
	xl_new(&x, 10000);		/* a header whose size is absurd */
	xl_unmount(&x);
	xl_be32(b, 1U << 30);
	assert_int_equal(pwrite(x.fd, b, 4, XL_LOGOFF + 320), 4);
	xl_want(&x, -1, "a log record header is damaged");
	xl_new(&x, 10000);		/* cycle 1 everywhere, no header */
	xl_stale(&x, 1);
	xl_want(&x, -1, "no log record before the head");
}

/* ext3 and ext4: the recovery flag of the superblock. */
static void
test_log_ext(void **state)
{
	uint8_t	 sb[1024];
	char	*cause = NULL;
	int	 fd;

	(void)state;
	fd = memfd_create("ext", MFD_CLOEXEC);
	assert_true(fd != -1);
	assert_int_equal(ftruncate(fd, 64 * 1024), 0);
	assert_int_equal(root_log_ext(fd, &cause), -1);
	assert_string_equal(cause, "no ext superblock");
	free(cause);
	memset(sb, 0, sizeof sb);
	sb[0x38] = 0x53;
	sb[0x39] = 0xef;
	sb[0x60] = 0x02 | 0x40;		/* filetype, extents */
	assert_int_equal(pwrite(fd, sb, sizeof sb, 1024), sizeof sb);
	assert_int_equal(root_log_ext(fd, &cause), ROOT_LOG_CLEAN);
	sb[0x60] |= 0x04;		/* needs_recovery */
	assert_int_equal(pwrite(fd, sb, sizeof sb, 1024), sizeof sb);
	assert_int_equal(root_log_ext(fd, &cause), ROOT_LOG_DIRTY);
	close(fd);
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
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_health_symlink),
		cmocka_unit_test(test_log_xfs_fresh),
		cmocka_unit_test(test_log_xfs_wrapped),
		cmocka_unit_test(test_log_xfs_torn),
		cmocka_unit_test(test_log_xfs_headers),
		cmocka_unit_test(test_log_xfs_unknown),
		cmocka_unit_test(test_log_ext),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
