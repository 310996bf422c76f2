/* SPDX-License-Identifier: ISC */

/*
 * Startup Repair's checks of the system's state: its filesystems (error or
 * dirty state, full), its account files, and what the last boot left in
 * the journal or /var/log (failed units, a panic or an oops).
 */

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"
#define DIAG_LOG_UNITS		10		/* failed units reported */

#define DIAG_LOG_TAIL		(4 * 1024 * 1024) /* bytes of a log read */

/* filesystems ------------------------------------------------------------ */

/* "Key:   value" of dumpe2fs -h output, as a number; -1 if absent. */
static long long
diag_field(const char *out, const char *key)
{
	const char	*p = out;
	size_t		 len = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, len) == 0 && p[len] == ':')
			return (strtoll(p + len + 1, NULL, 10));
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (-1);
}

static void
diag_fs_full(struct diag *d, const char *dev, long long blocks,
    long long bfree, long long inodes, long long ifree, const char *ev)
{
	if (blocks > 0 && bfree >= 0 && bfree * 100 < blocks)
		diag_add(d, DIAG_ERROR, "filesystems", ev, "%s is full: %lld "
		    "of %lld blocks free", dev, bfree, blocks);
	if (inodes > 0 && ifree >= 0 && ifree * 100 < inodes)
		diag_add(d, DIAG_ERROR, "filesystems", ev, "%s has no inodes "
		    "left: %lld of %lld free", dev, ifree, inodes);
}

static void
diag_fs_ext(struct diag *d, const char *dev)
{
	char	*argv[] = { "dumpe2fs", "-h", (char *)dev, NULL };
	char	*out, *ev, state[64] = "";
	const char *p;
	int	 rc;

	rc = diag_cmd(argv, &out);
	if (rc == 127) {
		diag_add(d, DIAG_INFO, "filesystems", NULL, "%s not checked: "
		    "dumpe2fs is not in the rescue system", dev);
		free(out);
		return;
	}
	if ((p = strstr(out, "Filesystem state:")) != NULL)
		sscanf(p + 17, " %63[^\n]", state);
	ev = diag_cmd_evidence(argv, p != NULL ? p : out, 1);
	if (rc != 0 || *state == '\0')
		diag_add(d, DIAG_ERROR, "filesystems", ev, "%s: dumpe2fs "
		    "cannot read the superblock", dev);
	else if (strstr(state, "error") != NULL)
		diag_fix(diag_add(d, DIAG_ERROR, "filesystems", ev, "%s has "
		    "recorded errors: it needs a check", dev), "fsck-repair",
		    dev, dev);
	else if (strcmp(state, "clean") != 0)
		diag_fix(diag_add(d, DIAG_WARNING, "filesystems", ev, "%s was "
		    "not cleanly unmounted", dev), "fsck-repair", dev, dev);
	free(ev);
	ev = diag_cmd_evidence(argv, "", 0);
	diag_fs_full(d, dev, diag_field(out, "Block count"),
	    diag_field(out, "Free blocks"), diag_field(out, "Inode count"),
	    diag_field(out, "Free inodes"), ev);
	free(ev);
	free(out);
}

/*
 * What a checker found, without its progress lines ("Phase 3...",
 * "        - agno = 0") and the warnings an image file gets, as evidence.
 */
char *
diag_fs_evidence(char *const *argv, const char *out)
{
	static const char *noise[] = {
		"Phase ", "Cannot get host filesystem geometry",
		"Repair may fail if", "the image and the host", "Opening ",
		"Checking filesystem on", "UUID: ", "[", NULL
	};
	const char	*p, *nl;
	char		*kept, *ev;
	size_t		 len = 0;
	int		 i, lines = 0;

	kept = xmalloc(strlen(out) + 1);
	for (p = out; *p != '\0' && lines < 12; p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		if (p[strspn(p, " \t")] == '-' || nl == p)
			continue;
		for (i = 0; noise[i] != NULL; i++) {
			if (strncmp(p, noise[i], strlen(noise[i])) == 0)
				break;
		}
		if (noise[i] != NULL)
			continue;
		memcpy(kept + len, p, nl - p + (*nl != '\0'));
		len += nl - p + (*nl != '\0');
		lines++;
	}
	kept[len] = '\0';
	ev = diag_cmd_evidence(argv, kept, 12);
	free(kept);
	return (ev);
}

/* xfs_repair -n and btrfs check --readonly: non-zero is trouble. */
static void
diag_fs_tool(struct diag *d, const char *dev, char **argv)
{
	char	*out, *ev;
	int	 rc;

	rc = diag_cmd(argv, &out);
	if (rc == 127)
		diag_add(d, DIAG_INFO, "filesystems", NULL, "%s not checked: "
		    "%s is not in the rescue system", dev, argv[0]);
	else if (rc != 0) {
		ev = diag_fs_evidence(argv, out);
		diag_fix(diag_add(d, DIAG_ERROR, "filesystems", ev, "%s: %s "
		    "finds damage", dev, argv[0]), "fsck-repair", dev, dev);
		free(ev);
	}
	free(out);
}

static void
diag_fs_one(struct diag *d, const char *dev, const char *type)
{
	char	*xfs[] = { "xfs_repair", "-n", "-f", (char *)dev, NULL };
	char	*btrfs[] = { "btrfs", "check", "--readonly", "--force",
	    (char *)dev, NULL };

	if (strncmp(type, "ext", 3) == 0)
		diag_fs_ext(d, dev);
	else if (strcmp(type, "xfs") == 0)
		diag_fs_tool(d, dev, xfs);
	else if (strcmp(type, "btrfs") == 0)
		diag_fs_tool(d, dev, btrfs);
}

/* A root with no device of its own: how full it is, from statvfs. */
static void
diag_fs_dir(struct diag *d)
{
	struct statvfs	 sv;
	char		*ev;

	if (statvfs(d->root, &sv) != 0)
		return;
	xasprintf(&ev, "statvfs %s", d->root);
	diag_fs_full(d, d->root, (long long)sv.f_blocks,
	    (long long)sv.f_bavail, (long long)sv.f_files,
	    (long long)sv.f_favail, ev);
	free(ev);
}

void
diag_check_filesystems(struct diag *d)
{
	const struct diag_dev	*v;
	struct root_fstab	*e;
	int			 n, i, j;

	if (d->device == NULL)
		diag_fs_dir(d);
	else {
		v = diag_device_find(d, d->device);
		diag_fs_one(d, d->device, d->fstype != NULL ? d->fstype :
		    v != NULL && v->type != NULL ? v->type : "");
	}
	if (diag_fstab(d, &e, &n, 0) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].file, "/") == 0 ||
		    (v = diag_device_find(d, e[i].spec)) == NULL ||
		    v->type == NULL || (d->device != NULL &&
		    strcmp(v->name, d->device) == 0))
			continue;
		for (j = 0; j < i; j++) {
			if (diag_device_find(d, e[j].spec) == v)
				break;
		}
		if (j == i)
			diag_fs_one(d, v->name, v->type);
	}
	root_fstab_free(e, n);
}

/* accounts --------------------------------------------------------------- */

static int
diag_colon(struct diag *d, const char *rel, int fields, unsigned int numeric)
{
	FILE	*f;
	char	*cause, *ev;
	int	 rc;

	if ((f = diag_fopen(d, rel)) == NULL) {
		diag_add(d, DIAG_ERROR, "accounts", rel, "%s is missing%s",
		    rel, strcmp(rel, "etc/group") != 0 ? ": no one can log in" :
		    "");
		return (-1);
	}
	rc = root_check_colon(f, fields, numeric, &cause);
	fclose(f);
	if (rc == 0)
		return (0);
	xasprintf(&ev, "%s: %s", rel, cause);
	diag_fix(diag_add(d, DIAG_ERROR, "accounts", ev, "%s does not parse",
	    rel), "edit", rel, NULL);
	free(ev);
	free(cause);
	return (-1);
}

/* root's shell runs; every other uid 0 is named. */
static void
diag_passwd_users(struct diag *d)
{
	struct stat	 st;
	FILE		*f;
	char		*line = NULL, *fl[7], *p, *ev;
	size_t		 size = 0;
	int		 lineno = 0, n;

	if ((f = diag_fopen(d, "etc/passwd")) == NULL)
		return;
	while (getline(&line, &size, f) != -1) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		xasprintf(&ev, "etc/passwd:%d: %s", lineno, line);
		for (n = 0, p = line; n < 7 && p != NULL; n++)
			fl[n] = strsep(&p, ":");
		if (n != 7 || strcmp(fl[2], "0") != 0) {
			free(ev);
			continue;
		}
		if (strcmp(fl[0], "root") != 0)
			diag_add(d, DIAG_WARNING, "accounts", ev, "%s has uid "
			    "0: it is root under another name", fl[0]);
		else if (*fl[6] != '\0' && (diag_stat(d, fl[6], &st) != 0 ||
		    !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0))
			diag_fix(diag_add(d, DIAG_ERROR, "accounts", ev,
			    "root's shell %s does not exist in the system",
			    fl[6]), "edit", "etc/passwd", NULL);
		free(ev);
	}
	free(line);
	fclose(f);
}

void
diag_check_accounts(struct diag *d)
{
	if (diag_colon(d, "etc/passwd", 7, (1U << 2) | (1U << 3)) == 0)
		diag_passwd_users(d);
	diag_colon(d, "etc/shadow", 9, 0);
	diag_colon(d, "etc/group", 4, 1U << 2);
}

/* lastboot --------------------------------------------------------------- */

/* What a log line tells of the last boot, in the order of the table. */
static const struct {
	const char	*needle;
	int		 panic;		/* 1: a panic or oops; 0: a unit */
} diag_log_marks[] = {
	{ "Kernel panic", 1 },
	{ "Oops:", 1 },
	{ "BUG: ", 1 },
	{ "Failed to start ", 0 },
	{ ": Failed with result ", 0 },
	{ NULL, 0 }
};

struct diag_log {
	char			*panic;		/* evidence of the last one */
	char			*units[DIAG_LOG_UNITS];
	char			*unit_ev[DIAG_LOG_UNITS];
	int			 nunits;
};

/* A failed unit's name from its line: "Failed to start X" or "X: Failed". */
static char *
diag_log_unit(const char *line, const char *mark)
{
	const char	*p, *s;
	size_t		 len;

	if ((p = strstr(line, mark)) == NULL)
		return (NULL);
	if (strcmp(mark, "Failed to start ") == 0) {
		p += strlen(mark);
		len = strcspn(p, "\r\n");
		if (len > 0 && p[len - 1] == '.')
			len--;
		return (xstrndup(p, len));
	}
	for (s = p; s > line && s[-1] != ' '; s--)
		;
	return (xstrndup(s, p - s));
}

static void
diag_log_line(struct diag_log *l, const char *src, int lineno,
    const char *line)
{
	char	*unit;
	int	 i, j;

	for (i = 0; diag_log_marks[i].needle != NULL; i++) {
		if (strstr(line, diag_log_marks[i].needle) != NULL)
			break;
	}
	if (diag_log_marks[i].needle == NULL)
		return;
	if (diag_log_marks[i].panic) {
		free(l->panic);
		if (lineno > 0)
			xasprintf(&l->panic, "%s:%d: %s", src, lineno, line);
		else
			xasprintf(&l->panic, "%s: %s", src, line);
		return;
	}
	if ((unit = diag_log_unit(line, diag_log_marks[i].needle)) == NULL)
		return;
	for (j = 0; j < l->nunits && strcmp(l->units[j], unit) != 0; j++)
		;
	if (j < l->nunits || l->nunits == DIAG_LOG_UNITS) {
		free(unit);
		return;
	}
	l->units[l->nunits] = unit;
	if (lineno > 0)
		xasprintf(&l->unit_ev[l->nunits++], "%s:%d: %s", src, lineno,
		    line);
	else
		xasprintf(&l->unit_ev[l->nunits++], "%s: %s", src, line);
}

static void
diag_log_text(struct diag_log *l, const char *src, const char *text,
    int numbered)
{
	const char	*p = text, *nl;
	char		*line;
	int		 lineno = 0;

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		lineno++;
		line = xstrndup(p, nl - p);
		diag_log_line(l, src, numbered ? lineno : 0, line);
		free(line);
	}
}

/* The journal's last boot, if the root has a journal; 0 if read. */
static int
diag_log_journal(struct diag *d, struct diag_log *l)
{
	struct stat	 st;
	char		*dir, *out;
	char		*argv[] = { "journalctl", "-D", NULL, "-b", "-0",
	    "-p", "warning", "-n", "5000", "-q", "--no-pager", "-o", "short",
	    NULL };
	int		 rc;

	if (diag_stat(d, "var/log/journal", &st) != 0 || !S_ISDIR(st.st_mode))
		return (-1);
	xasprintf(&dir, "%s/var/log/journal", d->root);
	argv[2] = dir;
	rc = diag_cmd(argv, &out);
	if (rc == 0 && *out != '\0')
		diag_log_text(l, "journalctl -D var/log/journal -b", out, 0);
	free(dir);
	free(out);
	return (rc == 0 ? 0 : -1);
}

/* The last part of a log file of the root. */
static char *
diag_log_tail(struct diag *d, const char *rel)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	off_t		 off = 0;
	int		 fd;

	if ((fd = root_openat(d->rootfd, rel, O_RDONLY)) == -1)
		return (NULL);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (NULL);
	}
	if (st.st_size > DIAG_LOG_TAIL)
		off = st.st_size - DIAG_LOG_TAIL;
	buf = xmalloc(DIAG_LOG_TAIL + 1);
	while (len < DIAG_LOG_TAIL && (n = pread(fd, buf + len,
	    DIAG_LOG_TAIL - len, off + len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return (buf);
}

static int
diag_log_files(struct diag *d, struct diag_log *l)
{
	static const char *files[] = {
		"var/log/syslog", "var/log/messages", "var/log/kern.log", NULL
	};
	char	*text;
	int	 i, read = 0;

	for (i = 0; files[i] != NULL; i++) {
		if ((text = diag_log_tail(d, files[i])) == NULL)
			continue;
		diag_log_text(l, files[i], text, 1);
		free(text);
		read++;
	}
	return (read > 0 ? 0 : -1);
}

void
diag_check_lastboot(struct diag *d)
{
	struct diag_log	 l;
	int		 i;

	memset(&l, 0, sizeof l);
	if (diag_log_journal(d, &l) != 0 && diag_log_files(d, &l) != 0) {
		diag_add(d, DIAG_INFO, "lastboot", NULL, "no journal and no "
		    "log in /var/log: nothing tells how the last boot went");
		return;
	}
	if (l.panic != NULL)
		diag_fix(diag_add(d, DIAG_ERROR, "lastboot", l.panic, "the "
		    "kernel crashed in the last boot"), "crash", NULL, NULL);
	for (i = 0; i < l.nunits; i++) {
		diag_add(d, DIAG_WARNING, "lastboot", l.unit_ev[i], "%s failed "
		    "in the last boot", l.units[i]);
		free(l.units[i]);
		free(l.unit_ev[i]);
	}
	free(l.panic);
}
