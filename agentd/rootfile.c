/* SPDX-License-Identifier: ISC */

/*
 * The files of an offline system, parsed: fstab and its mount options,
 * os-release, the colon files (passwd, shadow, group) and dpkg's status.
 * Pure functions over a FILE: no mounts, no libblkid, no audit, so the unit
 * test and the fuzzer link this file alone.
 */

#include <sys/mount.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tetherd.h"

#define ROOT_FSTAB_MAX		256	/* entries read from one fstab */

static int	root_in(const char *, const char **);

/* Filesystems a Linux system can live on; others are not mounted. */
static const char *root_fstypes[] = {
	"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs",
	"nilfs2", NULL
};

/*
 * What the remap mounts from a root's fstab: the types above, and vfat
 * for an EFI system partition. An fstab is the offline system's word, so
 * overlay, bind-like or pseudo filesystems, which could bring the rescue
 * system's own files (or kernel interfaces) into the root, are refused.
 */
static const char *root_fstab_types[] = {
	"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "jfs", "reiserfs",
	"nilfs2", "vfat", NULL
};

/* Filesystem options (mount(2) data) the remap passes on; no others. */
static const char *root_data_opts[] = {
	"errors=*", "data=*", "barrier", "barrier=*", "nobarrier", "discard",
	"nodiscard", "commit=*", "journal_checksum", "user_xattr",
	"nouser_xattr", "acl", "noacl", "subvol=*", "subvolid=*",
	"compress", "compress=*", "compress-force=*", "space_cache",
	"space_cache=*", "nospace_cache", "ssd", "nossd", "autodefrag",
	"noautodefrag", "inode64", "inode32", "logbufs=*", "logbsize=*",
	"allocsize=*", "largeio", "nolargeio", "uid=*", "gid=*", "umask=*",
	"fmask=*", "dmask=*", "shortname=*", "utf8", "utf8=*", "iocharset=*",
	"codepage=*", "flush", "quiet", "lazytime", "nolazytime", "usrquota",
	"grpquota", "prjquota", "quota", "noquota", "uquota", "gquota",
	"pquota", "delalloc", "nodelalloc", "stripe=*", "stripe_width=*",
	"init_itable=*", "noinit_itable", "auto_da_alloc", "noauto_da_alloc",
	"i_version", "dax", "dax=*", "nouuid", NULL
};

/* Whether the remap may mount this fstab type. */
int
root_fstab_type_ok(const char *fstype)
{
	return (root_in(fstype, root_fstab_types));
}

/*
 * Whether every word of a mount(2) data string is allowed; the first one
 * that is not goes to *bad (a copy).
 */
int
root_data_ok(const char *data, char **bad)
{
	char	*copy, *p, *word;
	int	 ok = 1;

	*bad = NULL;
	copy = xstrdup(data);
	for (p = copy; ok && (word = strsep(&p, ",")) != NULL;) {
		if (*word != '\0' && !root_in(word, root_data_opts)) {
			*bad = xstrdup(word);
			ok = 0;
		}
	}
	free(copy);
	return (ok);
}

/* fstab types never mounted by the remap: virtual, network or swap. */
static const char *root_fstab_skip[] = {
	"swap", "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup",
	"cgroup2", "securityfs", "debugfs", "tracefs", "efivarfs", "nfs",
	"nfs4", "cifs", "smb3", "sshfs", "autofs", "ramfs", "none", NULL
};

/* Mount options that are flags to mount(2) rather than data. */
static const struct {
	const char	*name;
	unsigned long	 set;
	unsigned long	 clear;
} root_flags[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "noatime", MS_NOATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "defaults", 0, 0 },
	{ NULL, 0, 0 }
};

/* fstab options for mount(8) or systemd, not for the kernel. */
static const char *root_user_opts[] = {
	"auto", "noauto", "nofail", "user", "users", "nouser", "owner",
	"group", "_netdev", "sw", "x-*", "comment=*", "pri=*", "nobootwait",
	"bind", "rbind", "loop*", NULL
};

static int
root_in(const char *s, const char **list)
{
	for (; *list != NULL; list++) {
		if (fnmatch(*list, s, 0) == 0)
			return (1);
	}
	return (0);
}

/* Whether fstype is one a Linux system can live on. */
int
root_fstype_linux(const char *fstype)
{
	return (root_in(fstype, root_fstypes));
}

/* Whether r is a plain Windows volume: files to read, no root to select. */
int
root_windows(const struct root *r)
{
	return (r->device != NULL && r->fstype != NULL &&
	    strcmp(r->fstype, "ntfs") == 0);
}

/* Whether an fstab type is virtual, network or swap: never mounted. */
int
root_fstype_virtual(const char *fstype)
{
	return (root_in(fstype, root_fstab_skip));
}

/*
 * Split mount options into mount(2) flags and the data string. The words
 * for mount(8) or systemd are dropped; *noauto says if "noauto" or a bind
 * was among them.
 */
int
root_mount_options(const char *opts, unsigned long *flags, char **data,
    int *noauto)
{
	char	*copy, *p, *word, *d;
	size_t	 dlen, len;
	int	 i;

	*flags = 0;
	if (noauto != NULL)
		*noauto = 0;
	copy = xstrdup(opts);
	dlen = strlen(opts) + 1;
	d = xcalloc(1, dlen);
	for (p = copy; (word = strsep(&p, ",")) != NULL;) {
		if (*word == '\0')
			continue;
		for (i = 0; root_flags[i].name != NULL; i++) {
			if (strcmp(word, root_flags[i].name) == 0)
				break;
		}
		if (root_flags[i].name != NULL) {
			*flags |= root_flags[i].set;
			*flags &= ~root_flags[i].clear;
			continue;
		}
		if (root_in(word, root_user_opts)) {
			if (noauto != NULL && (strcmp(word, "noauto") == 0 ||
			    strcmp(word, "bind") == 0 ||
			    strcmp(word, "rbind") == 0))
				*noauto = 1;
			continue;
		}
		len = strlen(d);
		snprintf(d + len, dlen - len, "%s%s", len != 0 ? "," : "",
		    word);
	}
	free(copy);
	*data = d;
	return (0);
}

/* Undo fstab's and mountinfo's octal escapes (\040 for a space) in place. */
void
root_unescape(char *s)
{
	char	*out = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 4;
		} else
			*out++ = *s++;
	}
	*out = '\0';
}

static int
root_numeric(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return (0);
	}
	return (1);
}

void
root_fstab_free(struct root_fstab *e, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		free(e[i].spec);
		free(e[i].file);
		free(e[i].type);
		free(e[i].opts);
	}
	free(e);
}

/* One fstab line into e; -1 and *cause when it is not 4 to 6 fields. */
static int
root_fstab_line(char *line, struct root_fstab *e, char **cause)
{
	char	*f[6], *p = line, *w;
	int	 n = 0;

	while ((w = strsep(&p, " \t\r\n")) != NULL) {
		if (*w == '\0')
			continue;
		if (n < 6)
			f[n] = w;
		n++;
	}
	if (n < 4 || n > 6) {
		xasprintf(cause, "expected 4 to 6 fields, got %d", n);
		return (-1);
	}
	if ((n >= 5 && !root_numeric(f[4])) || (n == 6 &&
	    !root_numeric(f[5]))) {
		xasprintf(cause, "dump and pass must be numbers");
		return (-1);
	}
	root_unescape(f[0]);
	root_unescape(f[1]);
	if (strchr(f[1], '\n') != NULL) {
		xasprintf(cause, "mount point has a newline");
		return (-1);
	}
	e->spec = xstrdup(f[0]);
	e->file = xstrdup(f[1]);
	e->type = xstrdup(f[2]);
	e->opts = xstrdup(f[3]);
	return (0);
}

/*
 * Parse an fstab as mount(8) reads it: blank lines and # comments skipped,
 * 4 to 6 whitespace-separated fields, octal escapes in the first two.
 */
int
root_fstab_parse(FILE *f, struct root_fstab **entries, int *n, char **cause)
{
	struct root_fstab	*e = NULL;
	char			*line = NULL, *p, *why;
	size_t			 size = 0;
	int			 lineno = 0;

	*n = 0;
	while (getline(&line, &size, f) != -1) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		if (*n == ROOT_FSTAB_MAX) {
			xasprintf(cause, "line %d: more than %d entries",
			    lineno, ROOT_FSTAB_MAX);
			goto fail;
		}
		e = xreallocarray(e, *n + 1, sizeof *e);
		if (root_fstab_line(p, &e[*n], &why) != 0) {
			xasprintf(cause, "line %d: %s", lineno, why);
			free(why);
			goto fail;
		}
		e[*n].line = lineno;
		(*n)++;
	}
	free(line);
	*entries = e;
	return (0);
fail:
	free(line);
	root_fstab_free(e, *n);
	*n = 0;
	*entries = NULL;
	return (-1);
}

/* An os-release value: quotes removed, backslash escapes undone. */
static char *
root_os_value(const char *v)
{
	char	*out, *o;
	char	 q = 0;

	out = o = xmalloc(strlen(v) + 1);
	if (*v == '"' || *v == '\'')
		q = *v++;
	for (; *v != '\0' && *v != '\n' && *v != '\r'; v++) {
		if (q != 0 && *v == q)
			break;
		if (q == '"' && *v == '\\' && v[1] != '\0' && v[1] != '\n')
			v++;
		*o++ = *v;
	}
	*o = '\0';
	return (out);
}

/* NAME and VERSION (or VERSION_ID) from os-release(5) text. */
int
root_os_release(FILE *f, char **name, char **version)
{
	char	*line = NULL, *pretty = NULL, *id = NULL, **slot;
	size_t	 size = 0;

	*name = *version = NULL;
	while (getline(&line, &size, f) != -1) {
		if (strncmp(line, "NAME=", 5) == 0)
			slot = name;
		else if (strncmp(line, "VERSION=", 8) == 0)
			slot = version;
		else if (strncmp(line, "PRETTY_NAME=", 12) == 0)
			slot = &pretty;
		else if (strncmp(line, "VERSION_ID=", 11) == 0)
			slot = &id;
		else
			continue;
		free(*slot);
		*slot = root_os_value(strchr(line, '=') + 1);
	}
	free(line);
	if (*name == NULL) {
		*name = pretty;
		pretty = NULL;
	}
	if (*version == NULL) {
		*version = id;
		id = NULL;
	}
	free(pretty);
	free(id);
	return (*name != NULL ? 0 : -1);
}

/*
 * A colon file (passwd: 7 fields, shadow: 9): every line has the fields,
 * a name, and numbers where numeric says; at least one entry.
 */
int
root_check_colon(FILE *f, int nfields, unsigned int numeric, char **cause)
{
	char	*line = NULL, *p, *w;
	size_t	 size = 0;
	int	 lineno = 0, n, entries = 0, rc = -1;

	while (getline(&line, &size, f) != -1) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (*line == '\0')
			continue;
		for (n = 0, p = line; (w = strsep(&p, ":")) != NULL; n++) {
			if (n == 0 && *w == '\0') {
				xasprintf(cause, "line %d: empty name",
				    lineno);
				goto out;
			}
			if (n < 32 && (numeric & (1U << n)) &&
			    !root_numeric(w)) {
				xasprintf(cause, "line %d: field %d is not a "
				    "number", lineno, n + 1);
				goto out;
			}
		}
		if (n != nfields) {
			xasprintf(cause, "line %d: %d fields, not %d", lineno,
			    n, nfields);
			goto out;
		}
		entries++;
	}
	if (entries == 0) {
		xasprintf(cause, "no entries");
		goto out;
	}
	rc = 0;
out:
	free(line);
	return (rc);
}

/* dpkg's status file: RFC 822-like stanzas with at least one Package. */
int
root_check_dpkg(FILE *f, char **cause)
{
	char	*line = NULL, *p;
	size_t	 size = 0;
	int	 lineno = 0, packages = 0, infield = 0, rc = -1;

	while (getline(&line, &size, f) != -1) {
		lineno++;
		if (*line == '\n') {
			infield = 0;
			continue;
		}
		if (*line == ' ' || *line == '\t') {
			if (!infield) {
				xasprintf(cause, "line %d: continuation "
				    "outside a field", lineno);
				goto out;
			}
			continue;
		}
		for (p = line; isalnum((unsigned char)*p) || *p == '-'; p++)
			;
		if (p == line || *p != ':') {
			xasprintf(cause, "line %d: expected \"Field: "
			    "value\"", lineno);
			goto out;
		}
		if (strncmp(line, "Package:", 8) == 0)
			packages++;
		infield = 1;
	}
	if (packages == 0) {
		xasprintf(cause, "no packages");
		goto out;
	}
	rc = 0;
out:
	free(line);
	return (rc);
}
