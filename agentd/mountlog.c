/* SPDX-License-Identifier: ISC */

/*
 * The mount journal: every mount a root selection or scan makes is written
 * to the state directory before it is made, so that the listener can undo
 * all of them, newest first, at start and at shutdown, even after the
 * child that made them died. Also the lock that serialises the children.
 */

#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

static void	root_mounted(struct agent *, const char *, const char *,
	    const char *, unsigned long);

#define ROOT_JOURNAL_MAX	512	/* mounts the journal may hold */
#define ROOT_LOCK_TRIES		300	/* tenths of a second */
#define ROOT_UMOUNT_TRIES	8	/* mounts stacked on one path */
#define ROOT_FILE_MAX		(4 * 1024 * 1024) /* state files we read */

/* Replace dir/name with text. */
int
root_write_file(const char *dir, const char *name, const char *text,
    char **cause)
{
	return (file_write_atomic(dir, name, text, strlen(text), 0600,
	    cause));
}

/* Load dir/name as YAML; -1 if absent, unreadable or broken. */
int
root_read_yaml(const char *dir, const char *name, yaml_document_t *doc)
{
	char	*path, *cause, *buf;
	size_t	 len;
	int	 rc = -1;

	xasprintf(&path, "%s/%s", dir, name);
	if ((buf = file_read_all(path, ROOT_FILE_MAX, &len, &cause)) == NULL) {
		/* No journal or selection yet is the normal case. */
		if (errno != ENOENT)
			error("%s", cause);
		free(cause);
		free(path);
		return (-1);
	}
	if (len == 0)
		goto out;
	if (yr_load(buf, len, doc, &cause) != 0) {
		error("%s: %s", path, cause);
		free(cause);
		goto out;
	}
	if (yr_root(doc) == NULL) {
		yaml_document_delete(doc);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(path);
	return (rc);
}

/* The journal: every mount that may exist, in the order made. */
void
root_journal_read(const char *dir, struct strlist *l)
{
	yaml_document_t	 doc;
	yaml_node_t	*seq, *item;
	yaml_node_item_t *i;
	const char	*s;

	if (root_read_yaml(dir, "mounts.yaml", &doc) != 0)
		return;
	seq = yr_get(&doc, yr_root(&doc), "mounts");
	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE) {
		for (i = seq->data.sequence.items.start;
		    i < seq->data.sequence.items.top; i++) {
			item = yaml_document_get_node(&doc, *i);
			if ((s = yr_scalar(item)) != NULL && *s == '/')
				strlist_add(l, s);
		}
	}
	yaml_document_delete(&doc);
}

static int
root_journal_write(const char *dir, const struct strlist *l)
{
	struct yw	*w;
	char		*text, *cause;
	int		 rc;

	w = yw_new();
	yw_map(w);
	yw_str(w, "mounts");
	yw_seq(w);
	for (rc = 0; rc < l->n; rc++)
		yw_str(w, l->v[rc]);
	yw_end(w);
	yw_end(w);
	text = yw_finish(w, NULL);
	if ((rc = root_write_file(dir, "mounts.yaml", text, &cause)) != 0) {
		error("%s", cause);
		free(cause);
	}
	free(text);
	return (rc);
}

/* Record path before it is mounted: a crash after this loses nothing. */
int
root_journal_add(const char *dir, const char *path, char **cause)
{
	struct strlist	 l = { NULL, 0 };
	int			 i, rc = 0;

	root_journal_read(dir, &l);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], path) == 0)
			break;
	}
	if (i == l.n) {
		if (l.n >= ROOT_JOURNAL_MAX) {
			xasprintf(cause, "too many mounts (%d)",
			    ROOT_JOURNAL_MAX);
			rc = -1;
		} else {
			strlist_add(&l, path);
			if ((rc = root_journal_write(dir, &l)) != 0)
				xasprintf(cause, "cannot write the mount "
				    "journal in %s", dir);
		}
	}
	strlist_clear(&l);
	return (rc);
}

void
root_journal_del(const char *dir, const char *path)
{
	struct strlist	 l = { NULL, 0 }, keep = { NULL, 0 };
	int			 i;

	root_journal_read(dir, &l);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], path) != 0)
			strlist_add(&keep, l.v[i]);
	}
	if (keep.n != l.n)
		root_journal_write(dir, &keep);
	strlist_clear(&l);
	strlist_clear(&keep);
}

int
root_lock(const char *dir, char **cause)
{
	char	*path;
	int	 fd, i;

	xasprintf(&path, "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd == -1) {
		xasprintf(cause, "%s/lock: %s", dir, strerror(errno));
		return (-1);
	}
	for (i = 0; i < ROOT_LOCK_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return (fd);
		if (errno != EWOULDBLOCK)
			break;
		poll(NULL, 0, 100);
	}
	xasprintf(cause, "roots are busy: another scan or select is running");
	close(fd);
	return (-1);
}

/*
 * Unmount path and anything stacked on it. Not mounted (EINVAL) or gone
 * (ENOENT) counts as done; a busy tree is detached.
 */
static int
root_umount(const char *path, char **cause)
{
	int	 i;

	for (i = 0; i < ROOT_UMOUNT_TRIES; i++) {
		if (umount2(path, UMOUNT_NOFOLLOW) == 0)
			continue;
		if (errno == EINVAL || errno == ENOENT)
			return (0);
		if (errno == EBUSY && umount2(path, MNT_DETACH |
		    UMOUNT_NOFOLLOW) == 0)
			continue;
		xasprintf(cause, "umount %s: %s", path, strerror(errno));
		return (-1);
	}
	xasprintf(cause, "umount %s: still mounted", path);
	return (-1);
}

/* Journal, then mount; on failure the journal entry goes again. */
int
root_mount(struct agent *ag, const char *dir, const char *src,
    const char *target, const char *type, unsigned long flags,
    const char *data, char **cause)
{
	int	 saved;

	if (root_journal_add(dir, target, cause) != 0)
		return (-1);
	if (mount(src, target, type, flags, data) != 0) {
		saved = errno;
		xasprintf(cause, "mount %s on %s: %s", src, target,
		    strerror(saved));
		root_journal_del(dir, target);
		errno = saved;	/* ENODEV: no such filesystem type here */
		return (-1);
	}
	root_mounted(ag, src, target, type != NULL ? type : "bind", flags);
	return (0);
}

/* Said once something is mounted at target, however it was mounted. */
static void
root_mounted(struct agent *ag, const char *src, const char *target,
    const char *type, unsigned long flags)
{
	/* Nothing mounted below it may propagate back to the system. */
	if (mount(NULL, target, NULL, MS_PRIVATE | ((flags & MS_REC) ?
	    MS_REC : 0), NULL) != 0)
		debug_r("make %s private", target);
	info("mounted %s on %s", src, target);
	audit(ag, "mount", "source", src, "target", target, "type", type,
	    "options", (flags & MS_RDONLY) ? "ro" : "rw", (char *)NULL);
}

/*
 * NTFS, read-only: with the kernel's ntfs3 where it has it, else with
 * ntfs-3g, through FUSE, which is how Debian's kernel reads it. Read-only
 * also lets a volume that Windows left hibernated (Fast Startup) be read.
 * The FUSE daemon ends when the journal unmounts it.
 */
int
root_mount_ntfs(struct agent *ag, const char *dir, const char *src,
    const char *target, char **cause)
{
	struct layer_out	 o;
	char			*argv[] = { "ntfs-3g", "-o", "ro,nosuid,nodev",
				    (char *)src, (char *)target, NULL };
	unsigned long		 flags = MS_RDONLY | MS_NOSUID | MS_NODEV;
	int			 rc;

	if (root_mount(ag, dir, src, target, "ntfs3", flags, NULL,
	    cause) == 0)
		return (0);
	if (errno != ENODEV)
		return (-1);
	debug("%s: no ntfs3 in this kernel, trying ntfs-3g", src);
	free(*cause);
	*cause = NULL;
	if (root_journal_add(dir, target, cause) != 0)
		return (-1);
	if ((rc = layer_run(argv, NULL, 0, &o)) != 0) {
		if (rc == 127)
			xasprintf(cause, "%s: this kernel has no ntfs3 and "
			    "there is no ntfs-3g to read NTFS with", src);
		else
			xasprintf(cause, "ntfs-3g %s: %s", src, rc == -1 ?
			    "killed or timed out" : layer_out_why(&o));
		layer_out_free(&o);
		root_journal_del(dir, target);
		return (-1);
	}
	layer_out_free(&o);
	root_mounted(ag, src, target, "ntfs-3g", flags);
	return (0);
}

int
root_unmount(struct agent *ag, const char *dir, const char *target,
    char **cause)
{
	if (root_umount(target, cause) != 0)
		return (-1);
	root_journal_del(dir, target);
	info("unmounted %s", target);
	if (ag != NULL)
		audit(ag, "umount", "target", target, (char *)NULL);
	return (0);
}

/*
 * Undo every mount in the journal, newest first, whoever made it and
 * whether or not it still lives: at start (a previous agent died) and at
 * shutdown. The listener knows nothing else of roots.
 */
void
root_cleanup(struct agent *ag)
{
	struct strlist	 l = { NULL, 0 };
	char			*dir, *cause, *path;
	size_t			 len;
	int			 fd, i, failed = 0;

	xasprintf(&dir, "%s/roots", ag->conf.state_dir);
	if (access(dir, F_OK) != 0) {
		free(dir);
		return;
	}
	/* A journal someone else could write would make root unmount at
	   their word. */
	if (state_safe_path(dir, &cause) != 0) {
		error("mount journal %s not replayed: %s", dir, cause);
		free(cause);
		free(dir);
		return;
	}
	if ((fd = root_lock(dir, &cause)) == -1) {
		/* A stuck child must not keep the mounts alive. */
		error("%s; unmounting anyway", cause);
		free(cause);
	}
	root_journal_read(dir, &l);
	len = strlen(dir);
	for (i = l.n - 1; i >= 0; i--) {
		if (root_unmount(ag, dir, l.v[i], &cause) != 0) {
			error("%s", cause);
			free(cause);
			failed = 1;
			continue;
		}
		/* Only the directories made by scan go. */
		if (strncmp(l.v[i], dir, len) == 0 && l.v[i][len] == '/' &&
		    strchr(l.v[i] + len + 1, '/') == NULL)
			rmdir(l.v[i]);
	}
	strlist_clear(&l);
	/* Then the arrays, volume groups and containers, newest first. */
	if (!failed)
		layer_cleanup(ag, dir);
	if (!failed) {
		xasprintf(&path, "%s/mounts.yaml", dir);
		unlink(path);
		free(path);
	}
	xasprintf(&path, "%s/current.yaml", dir);
	unlink(path);
	free(path);
	if (fd != -1)
		close(fd);
	free(dir);
}
