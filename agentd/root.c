/* SPDX-License-Identifier: ISC */

/*
 * Selecting an offline system ("root"): the kernel filesystems are bound
 * into the chosen one and its fstab mounted under it, so chrooted tools
 * see it as it was online; release undoes that. Also the roots verb, and
 * what a channel's process needs of the selection (TETHER_ROOT, chroot).
 */

#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/openat2.h>

#include <blkid/blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"


/* The selected root, as current.yaml holds it. */
struct root_sel {
	char	*id;
	char	*path;
	char	*device;
	int	 rw;
};

/* The kernel filesystems bound into a selected root, in order. */
static const struct {
	const char	*dir;
	unsigned long	 flags;
} root_binds[] = {
	{ "dev", MS_BIND | MS_REC },
	{ "proc", MS_BIND },
	{ "sys", MS_BIND | MS_REC },
	{ "run", MS_BIND },
	{ NULL, 0 }
};

void
root_free(struct root *r)
{
	free(r->id);
	free(r->device);
	free(r->fstype);
	free(r->label);
	free(r->uuid);
	free(r->path);
	free(r->subvol);
	free(r->os_name);
	free(r->os_version);
	free(r->on);
	free(r->state);
	strlist_clear(&r->problems);
}

void
root_free_all(struct root *rs, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		root_free(&rs[i]);
	free(rs);
}

static void
root_sel_free(struct root_sel *s)
{
	free(s->id);
	free(s->path);
	free(s->device);
	memset(s, 0, sizeof *s);
}

/* State files ------------------------------------------------------------ */

static char *
root_dir(struct agent *ag)
{
	char	*dir;

	xasprintf(&dir, "%s/roots", ag->conf.state_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		error_r("%s", dir);
	return (dir);
}

static int
root_current_read(const char *dir, struct root_sel *s)
{
	yaml_document_t	 doc;
	yaml_node_t	*top;
	const char	*id, *path, *dev, *rw;

	memset(s, 0, sizeof *s);
	if (root_read_yaml(dir, "current.yaml", &doc) != 0)
		return (-1);
	top = yr_root(&doc);
	id = yr_scalar(yr_get(&doc, top, "id"));
	path = yr_scalar(yr_get(&doc, top, "path"));
	dev = yr_scalar(yr_get(&doc, top, "device"));
	rw = yr_scalar(yr_get(&doc, top, "rw"));
	if (id == NULL || path == NULL || *path != '/') {
		yaml_document_delete(&doc);
		return (-1);
	}
	s->id = xstrdup(id);
	s->path = xstrdup(path);
	if (dev != NULL && *dev == '/')
		s->device = xstrdup(dev);
	s->rw = rw != NULL && strcmp(rw, "true") == 0;
	yaml_document_delete(&doc);
	return (0);
}

/* Health goes with the selection, for whatever needs to know it. */
static int
root_current_write(const char *dir, const struct root *r, int rw,
    char **cause)
{
	struct yw	*w;
	char		*text;
	int		 rc;

	w = yw_new();
	yw_map(w);
	yw_kv(w, "id", r->id);
	yw_kv(w, "path", r->path);
	yw_kv(w, "device", r->device);
	yw_str(w, "rw");
	yw_bool(w, rw);
	yw_kv(w, "health", root_health_name(r->health));
	yw_kvlist(w, "problems", r->problems.v, r->problems.n);
	yw_end(w);
	text = yw_finish(w, NULL);
	rc = root_write_file(dir, "current.yaml", text, cause);
	free(text);
	return (rc);
}

static void
root_yaml(struct yw *w, const struct root *r, const char *current)
{
	yw_map(w);
	yw_kv(w, "id", r->id);
	yw_kv(w, "device", r->device);
	yw_kv(w, "path", r->path);
	yw_kv(w, "fstype", r->fstype);
	yw_kv(w, "subvolume", r->subvol);
	yw_kv(w, "label", r->label);
	yw_kv(w, "uuid", r->uuid);
	yw_kvint(w, "size", r->size);
	yw_kvint(w, "used", r->used);
	yw_kv(w, "os_name", r->os_name);
	yw_kv(w, "os_version", r->os_version);
	yw_kv(w, "health", root_health_name(r->health));
	yw_kvlist(w, "problems", r->problems.v, r->problems.n);
	yw_kv(w, "on", r->on);
	if (r->state != NULL)
		yw_kv(w, "state", r->state);
	yw_str(w, "selected");
	yw_bool(w, current != NULL && strcmp(current, r->id) == 0);
	yw_end(w);
}

/* Selecting --------------------------------------------------------------- */

static void
root_status(struct yw *w, const char *what, const char *target,
    const char *source, const char *status)
{
	yw_map(w);
	yw_kv(w, what, target);
	yw_kv(w, "source", source);
	yw_kv(w, "status", status);
	yw_end(w);
}

/* Bind /dev, /proc, /sys and /run in; any failure undoes the select. */
static int
root_select_binds(struct agent *ag, const char *dir, const char *path,
    struct yw *w, char **cause)
{
	char	*target, *why, src[16];
	int	 i;

	yw_str(w, "binds");
	yw_seq(w);
	for (i = 0; root_binds[i].dir != NULL; i++) {
		snprintf(src, sizeof src, "/%s", root_binds[i].dir);
		xasprintf(&target, "%s/%s", path, root_binds[i].dir);
		if (root_safe_dir(path, root_binds[i].dir, &why) != 0) {
			/* Whose /dev is missing: the offline system's. */
			xasprintf(cause, "cannot bind the rescue system's %s: "
			    "the offline system's %s", src, why);
			free(why);
			free(target);
			yw_end(w);
			return (-1);
		}
		if (root_mount(ag, dir, src, target, NULL, root_binds[i].flags,
		    NULL, cause) != 0) {
			free(target);
			yw_end(w);
			return (-1);
		}
		root_status(w, "path", target, src, "mounted");
		free(target);
	}
	yw_end(w);
	return (0);
}

static int
root_fstab_depth(const void *a, const void *b)
{
	const struct root_fstab	*x = a, *y = b;
	const char		*p;
	int			 dx = 0, dy = 0;

	for (p = x->file; *p != '\0'; p++)
		dx += *p == '/';
	for (p = y->file; *p != '\0'; p++)
		dy += *p == '/';
	if (dx != dy)
		return (dx - dy);
	return (x < y ? -1 : x > y);
}

/* One fstab entry under the root; its status for the answer. */
static char *
root_remap_one(struct agent *ag, const char *dir, const char *path,
    const struct root_fstab *e, int rw, char **device)
{
	unsigned long	 base, flags;
	char		*data, *target, *type, *cause, *status, *ignore, *bad;
	struct stat	 sb;
	int		 noauto;

	*device = NULL;
	root_mount_options(e->opts, &flags, &data, &noauto);
	if (noauto) {
		free(data);
		return (xstrdup("skipped: noauto or bind"));
	}
	if (!root_data_ok(data, &bad)) {
		xasprintf(&status, "refused: option %s", bad);
		free(bad);
		free(data);
		return (status);
	}
	if ((*device = blkid_evaluate_spec(e->spec, NULL)) == NULL) {
		free(data);
		return (xstrdup("skipped: device not found"));
	}
	if (root_safe_dir(path, e->file, &cause) != 0) {
		xasprintf(&status, "error: mount point %s", cause);
		free(cause);
		free(data);
		return (status);
	}
	/* The source must be a disk, of a type the remap mounts. */
	type = strcmp(e->type, "auto") == 0 ?
	    blkid_get_tag_value(NULL, "TYPE", *device) : xstrdup(e->type);
	if (stat(*device, &sb) != 0 || !S_ISBLK(sb.st_mode) || type == NULL ||
	    !root_fstab_type_ok(type)) {
		if (type == NULL || !root_fstab_type_ok(type))
			xasprintf(&status, "refused: filesystem type %s",
			    type != NULL ? type : "unknown");
		else
			xasprintf(&status, "refused: %s is not a block device",
			    *device);
		free(type);
		free(data);
		return (status);
	}
	root_mount_options(ag->conf.roots.mount_options, &base, &ignore, NULL);
	free(ignore);
	base |= MS_RDONLY;
	if (rw)
		base &= ~MS_RDONLY;
	xasprintf(&target, "%s%s", path, e->file);
	if (root_mount(ag, dir, *device, target, type, base |
	    (flags & MS_RDONLY), data, &cause) != 0) {
		xasprintf(&status, "error: %s", cause);
		free(cause);
	} else
		status = xstrdup("mounted");
	free(target);
	free(type);
	free(data);
	return (status);
}

/*
 * The remap: the root's own fstab, parents before children. A broken or
 * missing entry is reported and the rest still mounted.
 */
static void
root_select_remap(struct agent *ag, const char *dir, const char *path,
    int rw, struct yw *w)
{
	struct root_fstab	*e;
	FILE			*f;
	char			*cause, *status, *device;
	int			 rootfd, n, i;

	yw_str(w, "remap");
	yw_seq(w);
	if ((rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (f = root_fopen(rootfd, "etc/fstab")) == NULL) {
		if (rootfd != -1)
			close(rootfd);
		yw_end(w);
		return;
	}
	close(rootfd);
	if (root_fstab_parse(f, &e, &n, &cause) != 0) {
		fclose(f);
		root_status(w, "mountpoint", "/etc/fstab", NULL, cause);
		free(cause);
		yw_end(w);
		return;
	}
	fclose(f);
	if (n > 0)
		qsort(e, n, sizeof *e, root_fstab_depth);
	for (i = 0; i < n; i++) {
		if (e[i].file[0] != '/' || strcmp(e[i].file, "/") == 0 ||
		    root_fstype_virtual(e[i].type))
			continue;
		status = root_remap_one(ag, dir, path, &e[i], rw, &device);
		yw_map(w);
		yw_kv(w, "mountpoint", e[i].file);
		yw_kv(w, "spec", e[i].spec);
		yw_kv(w, "device", device);
		yw_kv(w, "status", status);
		yw_end(w);
		free(device);
		free(status);
	}
	root_fstab_free(e, n);
	yw_end(w);
}

/*
 * Undo a selection: everything journalled below its path, newest first,
 * then a read-write remount goes back to read-only.
 */
static int
root_release_mounts(struct agent *ag, const char *dir,
    const struct root_sel *s, struct strlist *done, char **cause)
{
	struct strlist	 l = { NULL, 0 };
	unsigned long		 flags;
	char			*data;
	size_t			 len = strlen(s->path);
	int			 i, rc = 0;

	root_journal_read(dir, &l);
	for (i = l.n - 1; i >= 0; i--) {
		if (strncmp(l.v[i], s->path, len) != 0 || l.v[i][len] != '/')
			continue;
		if (root_unmount(ag, dir, l.v[i], cause) != 0) {
			rc = -1;
			break;
		}
		if (done != NULL)
			strlist_add(done, l.v[i]);
	}
	strlist_clear(&l);
	if (rc == 0 && s->rw && s->device != NULL) {
		root_mount_options(ag->conf.roots.mount_options, &flags, &data,
		    NULL);
		if (mount(NULL, s->path, NULL, MS_REMOUNT | flags | MS_RDONLY,
		    data) != 0)
			error_r("remount %s read-only", s->path);
		free(data);
	}
	return (rc);
}

static int
root_remount_rw(struct agent *ag, const struct root *r, char **cause)
{
	unsigned long	 flags;
	char		*data;

	if (r->device == NULL)
		return (0);
	if (layer_writable(ag, r, cause) != 0)
		return (-1);
	root_mount_options(ag->conf.roots.mount_options, &flags, &data, NULL);
	if (mount(NULL, r->path, NULL, MS_REMOUNT | (flags & ~MS_RDONLY),
	    data) != 0) {
		xasprintf(cause, "remount %s read-write: %s", r->path,
		    strerror(errno));
		free(data);
		return (-1);
	}
	free(data);
	audit(ag, "mount", "target", r->path, "options", "remount,rw", (char *)NULL);
	return (0);
}

static int
root_select_checks(const struct root *r, char **cause)
{
	char	*real;

	if (r->state != NULL && strcmp(r->fstype, "BitLocker") == 0) {
		xasprintf(cause, "%s is a Windows BitLocker volume: Windows is "
		    "not a root to select%s", r->id, r->path != NULL ?
		    "; its files are read-only at its path" :
		    "; unlock it to read its files");
		return (-1);
	}
	if (root_windows(r)) {
		xasprintf(cause, "%s is a Windows volume: Windows is not a "
		    "root to select%s", r->id, r->path != NULL ?
		    "; its files are read-only at its path" : "");
		return (-1);
	}
	if (r->state != NULL && r->health == ROOT_LOCKED) {
		xasprintf(cause, "%s is a locked LUKS container: unlock it "
		    "first (roots unlock %s)", r->id, r->id);
		return (-1);
	}
	if (r->state != NULL) {
		xasprintf(cause, "%s is an unlocked LUKS container: select "
		    "a root on it", r->id);
		return (-1);
	}
	if (r->health == ROOT_UNREADABLE) {
		xasprintf(cause, "root %s is unreadable: %s", r->id,
		    r->problems.n > 0 ? r->problems.v[0] : "?");
		return (-1);
	}
	/* The running system is not an offline one. */
	if ((real = realpath(r->path, NULL)) == NULL ||
	    strcmp(real, "/") == 0) {
		xasprintf(cause, "root %s: %s", r->id, real == NULL ?
		    strerror(errno) : "is the running system");
		free(real);
		return (-1);
	}
	free(real);
	return (0);
}

/*
 * Startup Repair runs by itself on the selected root, after the remap so
 * that /boot and the ESP are there: its report follows the selection's.
 */
static char *
root_select_diagnose(const struct root *r, char *text)
{
	char	*report, *both;
	int	 errors;

	report = diag_report(r->path, r->device, &errors);
	xasprintf(&both, "%s%s", text, report);
	free(report);
	free(text);
	return (both);
}

static int
root_select(struct agent *ag, const char *dir, const char *id, int rw,
    char **out)
{
	struct root_sel	 s;
	struct root	*rs, *r = NULL;
	struct yw	*w;
	char		*cause = NULL, *why;
	int		 n, i;

	if (root_current_read(dir, &s) == 0) {
		xasprintf(out, "roots: %s is selected; release it first\n",
		    s.id);
		root_sel_free(&s);
		return (1);
	}
	rs = root_scan(ag, dir, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(rs[i].id, id) == 0)
			r = &rs[i];
	}
	if (r == NULL) {
		xasprintf(out, "roots: no such root: %s\n", id);
		root_free_all(rs, n);
		return (1);
	}
	if (root_select_checks(r, &cause) != 0 ||
	    root_current_write(dir, r, rw, &cause) != 0)
		goto fail;
	s.id = xstrdup(r->id);
	s.path = xstrdup(r->path);
	s.device = r->device != NULL ? xstrdup(r->device) : NULL;
	if (rw && root_remount_rw(ag, r, &cause) != 0)
		goto undo;
	s.rw = rw;
	w = yw_new();
	yw_map(w);
	yw_kv(w, "selected", r->id);
	yw_kv(w, "path", r->path);
	yw_str(w, "rw");
	yw_bool(w, rw);
	if (root_select_binds(ag, dir, r->path, w, &cause) != 0) {
		yw_end(w);
		free(yw_finish(w, NULL));
		goto undo;
	}
	root_select_remap(ag, dir, r->path, rw, w);
	yw_end(w);
	*out = root_select_diagnose(r, yw_finish(w, NULL));
	audit(ag, "roots", "action", "select", "id", r->id, "path", r->path,
	    "rw", rw ? "yes" : "no", (char *)NULL);
	root_sel_free(&s);
	root_free_all(rs, n);
	return (0);
undo:
	if (root_release_mounts(ag, dir, &s, NULL, &why) != 0) {
		error("%s", why);
		free(why);
	} else {
		xasprintf(&why, "%s/current.yaml", dir);
		unlink(why);
		free(why);
	}
	root_sel_free(&s);
fail:
	xasprintf(out, "roots: select %s: %s\n", id, cause);
	free(cause);
	root_free_all(rs, n);
	return (1);
}

static int
root_release(struct agent *ag, const char *dir, char **out)
{
	struct strlist	 done = { NULL, 0 };
	struct root_sel		 s;
	struct yw		*w;
	char			*cause, *path;

	if (root_current_read(dir, &s) != 0) {
		*out = xstrdup("roots: no root is selected\n");
		return (1);
	}
	if (root_release_mounts(ag, dir, &s, &done, &cause) != 0) {
		xasprintf(out, "roots: release %s: %s\n", s.id, cause);
		free(cause);
		strlist_clear(&done);
		root_sel_free(&s);
		return (1);
	}
	xasprintf(&path, "%s/current.yaml", dir);
	unlink(path);
	free(path);
	audit(ag, "roots", "action", "release", "id", s.id, (char *)NULL);
	w = yw_new();
	yw_map(w);
	yw_kv(w, "released", s.id);
	yw_kv(w, "path", s.path);
	yw_kvlist(w, "unmounted", done.v, done.n);
	yw_end(w);
	*out = yw_finish(w, NULL);
	strlist_clear(&done);
	root_sel_free(&s);
	return (0);
}

static int
root_list(struct agent *ag, const char *dir, char **out)
{
	struct root_sel	 s;
	struct root	*rs;
	struct yw	*w;
	int		 n, i, have;

	have = root_current_read(dir, &s) == 0;
	rs = root_scan(ag, dir, &n);
	w = yw_new();
	yw_map(w);
	yw_kv(w, "current", have ? s.id : NULL);
	/* Whether the selection is writable: the viewer marks it so. */
	yw_str(w, "rw");
	yw_bool(w, have && s.rw);
	yw_str(w, "roots");
	yw_seq(w);
	for (i = 0; i < n; i++)
		root_yaml(w, &rs[i], have ? s.id : NULL);
	yw_end(w);
	yw_end(w);
	*out = yw_finish(w, NULL);
	root_free_all(rs, n);
	if (have)
		root_sel_free(&s);
	return (0);
}

/*
 * roots unlock ID: the key comes on stdin; the answer names the roots
 * found inside, so the technician can select one at once.
 */
static int
root_unlock(struct agent *ag, const char *dir, const char *id, int keyfile,
    char **out)
{
	struct root	*rs;
	struct yw	*w;
	char		*cause, *mark;
	size_t		 len;
	int		 n, i;

	if (layer_unlock(ag, dir, id, keyfile, &cause) != 0) {
		xasprintf(out, "roots: unlock %s: %s\n", id, cause);
		free(cause);
		return (1);
	}
	rs = root_scan(ag, dir, &n);
	xasprintf(&mark, " %s (unlocked)", id);
	len = strlen(mark);
	w = yw_new();
	yw_map(w);
	yw_kv(w, "unlocked", id);
	yw_str(w, "roots");
	yw_seq(w);
	for (i = 0; i < n; i++) {
		if (rs[i].on != NULL && strlen(rs[i].on) >= len &&
		    strstr(rs[i].on, mark) != NULL)
			yw_str(w, rs[i].id);
	}
	yw_end(w);
	yw_end(w);
	*out = yw_finish(w, NULL);
	free(mark);
	root_free_all(rs, n);
	return (0);
}

static int
root_lock_box(struct agent *ag, const char *dir, const char *id, char **out)
{
	char	*cause;

	if (layer_lock(ag, dir, id, &cause) != 0) {
		xasprintf(out, "roots: lock %s: %s\n", id, cause);
		free(cause);
		return (1);
	}
	xasprintf(out, "locked: %s\n", id);
	return (0);
}

#define ROOT_USAGE "usage: roots [scan | select ID [--rw] | release | " \
	"unlock ID [--key-file] | lock ID]\n"

/* The roots verb: the words are checked here, before any lock is taken. */
static int
root_verb_run(struct agent *ag, const char *dir, int argc, char **argv,
    char **out)
{
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "scan") == 0))
		return (root_list(ag, dir, out));
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--rw") == 0)) &&
	    strcmp(argv[1], "select") == 0)
		return (root_select(ag, dir, argv[2], argc == 4, out));
	if (argc == 2 && strcmp(argv[1], "release") == 0)
		return (root_release(ag, dir, out));
	if ((argc == 3 || (argc == 4 && strcmp(argv[3], "--key-file") == 0)) &&
	    strcmp(argv[1], "unlock") == 0)
		return (root_unlock(ag, dir, argv[2], argc == 4, out));
	if (argc == 3 && strcmp(argv[1], "lock") == 0)
		return (root_lock_box(ag, dir, argv[2], out));
	*out = xstrdup(ROOT_USAGE);
	return (2);
}

/* The roots verb: scan, select, release, unlock, lock. */
int
root_verb(struct chan *c, int argc, char **argv, char **out)
{
	struct agent	*ag = c->sess->ag;
	char		*dir, *cause;
	int		 fd, rc;

	if (argc > 4 || (argc > 1 && strcmp(argv[1], "scan") != 0 &&
	    strcmp(argv[1], "select") != 0 && strcmp(argv[1], "release") != 0 &&
	    strcmp(argv[1], "unlock") != 0 && strcmp(argv[1], "lock") != 0)) {
		*out = xstrdup(ROOT_USAGE);
		return (2);
	}
	dir = root_dir(ag);
	if ((fd = root_lock(dir, &cause)) == -1) {
		xasprintf(out, "roots: %s\n", cause);
		free(cause);
		free(dir);
		return (1);
	}
	rc = root_verb_run(ag, dir, argc, argv, out);
	close(fd);
	free(dir);
	return (rc);
}

/* For processes a channel starts --------------------------------------- */

/* The selected root's path, or NULL. */
char *
root_current_path(const char *state_dir)
{
	struct root_sel	 s;
	char		*dir, *path;

	xasprintf(&dir, "%s/roots", state_dir);
	if (root_current_read(dir, &s) != 0) {
		free(dir);
		return (NULL);
	}
	free(dir);
	path = s.path;
	s.path = NULL;
	root_sel_free(&s);
	return (path);
}

/*
 * In a channel's new process: TETHER_ROOT for the selected root, and a
 * chroot into it when the client asked with TETHER_CHROOT=1.
 */
int
root_enter(struct chan *c, int chroot_ok)
{
	char	*path;
	int	 i, want = 0;

	for (i = 0; i < c->nenv; i++) {
		if (strcmp(c->env[i], "TETHER_CHROOT=1") == 0)
			want = 1;
	}
	path = root_current_path(c->sess->ag->conf.state_dir);
	if (path != NULL && (size_t)c->nextra_env < sizeof c->extra_env /
	    sizeof c->extra_env[0])
		xasprintf(&c->extra_env[c->nextra_env++], "TETHER_ROOT=%s",
		    path);
	if (!want || !chroot_ok) {
		free(path);
		return (0);
	}
	if (path == NULL) {
		dprintf(STDERR_FILENO, "tetherd: TETHER_CHROOT: no root is "
		    "selected (roots select ID)\n");
		return (-1);
	}
	if (chroot(path) != 0 || chdir("/") != 0) {
		dprintf(STDERR_FILENO, "tetherd: chroot %s: %s\n", path,
		    strerror(errno));
		free(path);
		return (-1);
	}
	free(path);
	return (0);
}
