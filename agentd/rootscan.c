/* SPDX-License-Identifier: ISC */

/*
 * Finding offline systems: every block device libblkid knows whose
 * filesystem a Linux system can live on, and the roots.extra directories.
 * Each is mounted read-only under the state directory (a btrfs system in a
 * subvolume as that subvolume) and judged for health.
 */

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define ROOT_MAX		64	/* roots in one scan */

/*
 * Where a device is mounted, other than at except; NULL when nowhere.
 * A device matches by number or by the source in mountinfo, since btrfs
 * shows an anonymous number there. With dev NULL, whether anything at all
 * is mounted at except, and if fsroot is not NULL, which directory of its
 * filesystem is mounted there ("/" but for a bind or a subvolume).
 */
static char *
root_mounted_at(const char *dev, dev_t rdev, const char *except,
    char **fsroot)
{
	FILE		*f;
	char		*line = NULL, *where = NULL, *src, mp[PATH_MAX];
	char		 top[PATH_MAX];
	size_t		 size = 0;
	unsigned int	 maj, min;

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return (NULL);
	/* For dev NULL, the last line: the mount on top is the one seen. */
	while ((where == NULL || dev == NULL) &&
	    getline(&line, &size, f) != -1) {
		if (sscanf(line, "%*d %*d %u:%u %4095s %4095s", &maj, &min,
		    top, mp) != 4)
			continue;
		root_unescape(mp);
		if (dev == NULL) {
			if (strcmp(mp, except) != 0)
				continue;
			free(where);
			where = xstrdup(mp);
			if (fsroot != NULL) {
				root_unescape(top);
				free(*fsroot);
				*fsroot = xstrdup(top);
			}
			continue;
		}
		/* After " - ": the filesystem type, then the source. */
		if ((src = strstr(line, " - ")) != NULL &&
		    (src = strchr(src + 3, ' ')) != NULL) {
			src++;
			src[strcspn(src, " ")] = '\0';
			root_unescape(src);
		}
		if (makedev(maj, min) != rdev && (src == NULL ||
		    strcmp(src, dev) != 0))
			continue;
		if (except == NULL || strcmp(mp, except) != 0)
			where = xstrdup(mp);
	}
	free(line);
	fclose(f);
	return (where);
}

static void
root_statvfs(struct root *r)
{
	struct statvfs	 sv;

	if (statvfs(r->path, &sv) != 0)
		return;
	r->size = (long long)sv.f_blocks * sv.f_frsize;
	r->used = (long long)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
}

/*
 * A btrfs whose top level holds no system may hold it in a subvolume, as
 * Fedora ("root") and Ubuntu ("@") install it: the first subvolume at the
 * top, by name, that has an etc/. A subvolume's top directory is inode
 * 256 on btrfs. NULL if there is none.
 */
static char *
root_subvol(const struct root *r, int fd)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*best = NULL, etc[NAME_MAX + 8];
	int		 dfd;

	if (strcmp(r->fstype, "btrfs") != 0 ||
	    (dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		return (NULL);
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		/* A name that would not survive a mount option list. */
		if (de->d_name[0] == '.' || strpbrk(de->d_name, ",\\ ") != NULL)
			continue;
		snprintf(etc, sizeof etc, "%s/etc", de->d_name);
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISDIR(st.st_mode) || st.st_ino != 256 ||
		    faccessat(fd, etc, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (best == NULL || strcmp(de->d_name, best) < 0) {
			free(best);
			best = xstrdup(de->d_name);
		}
	}
	closedir(d);
	return (best);
}

/*
 * A read-only mount of ext3, ext4 or xfs still replays a dirty journal,
 * writing to a disk that may be failing: the option that stops it.
 */
static const char *
root_scan_noreplay(const char *fstype)
{
	if (strcmp(fstype, "ext3") == 0 || strcmp(fstype, "ext4") == 0)
		return ("noload");
	if (strcmp(fstype, "xfs") == 0)
		return ("norecovery");
	return (NULL);
}

/*
 * Whether r's journal needs recovery, read from the device, not the mount:
 * said in its problems, which make it limited, as is a journal that cannot
 * be read (on a failing disk, most likely).
 */
static void
root_scan_journal(struct root *r)
{
	char	*cause = NULL;

	if (r->device == NULL || r->fstype == NULL ||
	    root_scan_noreplay(r->fstype) == NULL)
		return;
	switch (root_log_state(r->device, r->fstype, &cause)) {
	case ROOT_LOG_CLEAN:
		return;
	case ROOT_LOG_DIRTY:
		root_problem(r, "the journal needs recovery (not replayed "
		    "here)");
		break;
	default:
		root_problem(r, "the journal cannot be checked: %s", cause);
		free(cause);
		break;
	}
	r->health = ROOT_LIMITED;
}

/* Mount r read-only at its path: the top level, or subvol if not NULL. */
static int
root_scan_mount_one(struct agent *ag, const char *dir, struct root *r,
    const char *subvol)
{
	unsigned long	 flags;
	const char	*noreplay;
	char		*data, *opts = NULL, *cause;
	int		 rc;

	root_mount_options(ag->conf.roots.mount_options, &flags, &data, NULL);
	if (subvol != NULL)
		xasprintf(&opts, "subvol=%s%s%s", subvol,
		    data != NULL ? "," : "", data != NULL ? data : "");
	else if ((noreplay = root_scan_noreplay(r->fstype)) != NULL)
		xasprintf(&opts, "%s%s%s", noreplay, data != NULL &&
		    *data != '\0' ? "," : "", data != NULL ? data : "");
	rc = root_mount(ag, dir, r->device, r->path, r->fstype,
	    flags | MS_RDONLY, opts != NULL ? opts : data, &cause);
	if (rc != 0) {
		r->health = ROOT_UNREADABLE;
		root_problem(r, "%s", cause);
		free(cause);
		rmdir(r->path);
	}
	free(opts);
	free(data);
	return (rc);
}

/* Whether dir/ID holds a system, that is an etc/. */
static int
root_has_etc(const char *path)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (1);	/* unreadable: listed, with its problem */
	rc = faccessat(fd, "etc", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	close(fd);
	return (rc);
}

/*
 * What of its filesystem is mounted at r's path: r->subvol is set to the
 * subvolume, as subvol= names it from the top level, unless it is that.
 * -1 if nothing is mounted there.
 */
static int
root_scan_fsroot(struct root *r)
{
	char	*where, *top = NULL;

	free(r->subvol);
	r->subvol = NULL;
	if ((where = root_mounted_at(NULL, 0, r->path, &top)) == NULL)
		return (-1);
	if (strcmp(top, "/") != 0)
		r->subvol = xstrdup(top + 1);
	free(where);
	free(top);
	return (0);
}

/*
 * The mounted subvolume of a btrfs has no system, but one right below it
 * may: mount that in its place, named from the top level since subvol=
 * is (the subvolume mounted first is the default one, not always the
 * top). 0 when one is mounted, or when trying failed (r has the problem);
 * -1 when there is none.
 */
static int
root_scan_subvol(struct agent *ag, const char *dir, struct root *r)
{
	char	*name, *sub, *cause;
	int	 fd;

	if ((fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	name = root_subvol(r, fd);
	close(fd);
	if (name == NULL)
		return (-1);
	if (r->subvol != NULL)
		xasprintf(&sub, "%s/%s", r->subvol, name);
	else
		sub = xstrdup(name);
	free(name);
	if (root_unmount(ag, dir, r->path, &cause) != 0) {
		r->health = ROOT_UNREADABLE;
		root_problem(r, "%s", cause);
		free(cause);
	} else if (root_scan_mount_one(ag, dir, r, sub) == 0)
		root_scan_fsroot(r);
	free(sub);
	return (0);
}

/*
 * Mount one device read-only at dir/ID, unless it is there already. 1 if
 * it holds no etc/, not even in a btrfs subvolume, and so is no system
 * (it is unmounted again).
 */
static int
root_scan_mount(struct agent *ag, const char *dir, struct root *r)
{
	char	*cause;

	xasprintf(&r->path, "%s/%s", dir, r->id);
	if (mkdir(r->path, 0700) != 0 && errno != EEXIST) {
		r->health = ROOT_UNREADABLE;
		root_problem(r, "%s: %s", r->path, strerror(errno));
		return (0);
	}
	/* Mounted by an earlier scan: use it as it is. */
	if (root_scan_fsroot(r) != 0) {
		if (root_scan_mount_one(ag, dir, r, NULL) != 0)
			return (0);
		root_scan_fsroot(r);
	}
	if (root_has_etc(r->path) || root_scan_subvol(ag, dir, r) == 0)
		return (0);
	if (root_unmount(ag, dir, r->path, &cause) != 0) {
		error("%s", cause);
		free(cause);
	} else
		rmdir(r->path);
	return (1);
}

/*
 * A Windows volume is no root to select, but its files are what is most
 * often rescued from a machine that does not boot: it is mounted
 * read-only at dir/ID for the Files screen, as DaRT's File Restore reads
 * them, and listed as Windows.
 */
static void
root_scan_windows(struct agent *ag, const char *dir, struct root *r)
{
	char	*cause = NULL;

	r->os_name = xstrdup("Windows (NTFS)");
	r->health = ROOT_LIMITED;
	xasprintf(&r->path, "%s/%s", dir, r->id);
	if (mkdir(r->path, 0700) != 0 && errno != EEXIST)
		xasprintf(&cause, "%s: %s", r->path, strerror(errno));
	else if (root_scan_fsroot(r) != 0 &&
	    root_mount_ntfs(ag, dir, r->device, r->path, &cause) != 0)
		rmdir(r->path);
	if (cause != NULL) {
		r->health = ROOT_UNREADABLE;
		root_problem(r, "%s", cause);
		free(cause);
		free(r->path);
		r->path = NULL;
	} else
		root_problem(r, "Windows is not a root to select; its files "
		    "are read-only at %s", r->path);
}

/* One libblkid device: a root if its filesystem is one Linux lives on. */
static int
root_scan_dev(struct agent *ag, const char *dir, blkid_dev dev,
    struct root *r)
{
	blkid_tag_iterate	 it;
	const char		*name, *type, *value, *base;
	struct stat		 st;
	char			*ours, *where;

	name = blkid_dev_devname(dev);
	if (!layer_wanted(ag, name))
		return (-1);
	memset(r, 0, sizeof *r);
	it = blkid_tag_iterate_begin(dev);
	while (blkid_tag_next(it, &type, &value) == 0) {
		if (strcmp(type, "TYPE") == 0 && r->fstype == NULL)
			r->fstype = xstrdup(value);
		else if (strcmp(type, "LABEL") == 0 && r->label == NULL)
			r->label = xstrdup(value);
		else if (strcmp(type, "UUID") == 0 && r->uuid == NULL)
			r->uuid = xstrdup(value);
	}
	blkid_tag_iterate_end(it);
	base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
	r->id = xstrdup(base);
	r->device = xstrdup(name);
	if (*base == '\0' || *base == '.')
		goto skip;
	if (layer_container(dir, r) == 0)
		return (0);
	if (r->fstype == NULL || (!root_fstype_linux(r->fstype) &&
	    !root_windows(r)))
		goto skip;
	/* The running system's own disks are not offline systems. */
	if (stat(name, &st) != 0 || !S_ISBLK(st.st_mode))
		goto skip;
	xasprintf(&ours, "%s/%s", dir, base);
	where = root_mounted_at(name, st.st_rdev, ours, NULL);
	free(ours);
	if (where != NULL) {
		debug("%s: in use at %s", name, where);
		free(where);
		goto skip;
	}
	if (root_windows(r))
		root_scan_windows(ag, dir, r);
	else if (root_scan_mount(ag, dir, r) != 0)
		goto skip;
	return (0);
skip:
	root_free(r);
	return (-1);
}

/* Whether roots.devices allows a device: every device if it is empty. */
int
root_scan_wanted(const struct agent *ag, const char *name)
{
	const struct strlist	*only = &ag->conf.roots.devices;
	int			 i;

	for (i = 0; i < only->n; i++) {
		if (fnmatch(only->v[i], name, FNM_PATHNAME) == 0)
			return (1);
	}
	return (only->n == 0);
}

static void
root_scan_devices(struct agent *ag, const char *dir, struct root *rs, int *n)
{
	blkid_cache		 cache;
	blkid_dev_iterate	 it;
	blkid_dev		 dev;

	/* /dev/null: no cache file is read or written. */
	if (blkid_get_cache(&cache, "/dev/null") != 0) {
		error("blkid: cannot get a cache");
		return;
	}
	blkid_probe_all(cache);
	it = blkid_dev_iterate_begin(cache);
	while (*n < ROOT_MAX && blkid_dev_next(it, &dev) == 0) {
		if ((dev = blkid_verify(cache, dev)) == NULL)
			continue;
		if (root_scan_dev(ag, dir, dev, &rs[*n]) == 0)
			(*n)++;
	}
	blkid_dev_iterate_end(it);
	blkid_put_cache(cache);
}

/* Every root: block devices (unless roots.scan is off), then directories. */
struct root *
root_scan(struct agent *ag, const char *dir, int *n)
{
	const struct strlist	*extra = &ag->conf.roots.extra;
	struct root		*rs, *r;
	int			 i;

	rs = xcalloc(ROOT_MAX, sizeof *rs);
	*n = 0;
	if (ag->conf.roots.scan) {
		/* Arrays and volume groups first: roots live on them. */
		layer_scan(ag, dir);
		root_scan_devices(ag, dir, rs, n);
	}
	for (i = 0; i < extra->n && *n < ROOT_MAX; i++) {
		r = &rs[(*n)++];
		xasprintf(&r->id, "extra%d", i + 1);
		r->path = xstrdup(extra->v[i]);
	}
	for (i = 0; i < *n; i++) {
		if (rs[i].state != NULL)
			continue;	/* a container: no system itself */
		if (root_windows(&rs[i])) {
			if (rs[i].path != NULL)
				root_statvfs(&rs[i]);
			continue;	/* files to read, no system to check */
		}
		if (rs[i].problems.n == 0)
			root_health(&rs[i]);
		if (rs[i].health != ROOT_UNREADABLE)
			root_scan_journal(&rs[i]);
		layer_describe(&rs[i]);
		if (rs[i].health != ROOT_UNREADABLE || rs[i].device == NULL)
			root_statvfs(&rs[i]);
	}
	return (rs);
}
