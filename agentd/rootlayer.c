/* SPDX-License-Identifier: ISC */

/*
 * Storage layers under offline systems: md arrays assembled read-only and
 * LVM volume groups activated without a metadata change before a scan,
 * what each root sits on, and closing it all again. The stock programs do
 * the work, run with a fixed argv and no shell. Every layer opened goes
 * into a journal first, so that End session and the agent's exit close
 * them, newest first. Containers are in rootcrypt.c.
 */

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define LAYER_OUT_MAX		(64 * 1024)	/* a program's output kept */
#define LAYER_RUN_SECONDS	120	/* argon2 on a slow machine, mdadm */
#define LAYER_JOURNAL_MAX	64
#define LAYER_MEMBERS		16	/* disks of one array */
#define LAYER_PATH		"/usr/sbin:/usr/bin:/sbin:/bin"

void
layer_out_free(struct layer_out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof *o);
}

/* The first line of what a program said on stderr, for a message. */
const char *
layer_out_why(struct layer_out *o)
{
	char	*p = o->err;

	if (p == NULL)
		return ("no message");
	p += strspn(p, " \n");
	p[strcspn(p, "\n")] = '\0';
	return (*p != '\0' ? p : "no message");
}

/* In the child: stdin from in (or /dev/null), stdout and stderr to pipes. */
static dead void
layer_exec(char *const *argv, int in, int out, int err)
{
	int	 null;

	if (in == -1 && (null = open("/dev/null", O_RDONLY)) != -1)
		in = null;
	if (dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(err, STDERR_FILENO) == -1)
		_exit(127);
	closefrom(STDERR_FILENO + 1);
	signal(SIGPIPE, SIG_DFL);
	clearenv();
	setenv("PATH", LAYER_PATH, 1);
	setenv("LC_ALL", "C", 1);
	/* lvm would complain of every descriptor; there are none left. */
	setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int
layer_read(int fd, char **buf, size_t *len)
{
	char	 tmp[4096];
	ssize_t	 n;

	if ((n = read(fd, tmp, sizeof tmp)) <= 0)
		return (n == -1 && errno == EINTR ? 1 : 0);
	if (*len + n <= LAYER_OUT_MAX) {
		*buf = xreallocarray(*buf, 1, *len + n + 1);
		memcpy(*buf + *len, tmp, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
	return (1);
}

/* Both pipes until EOF, or until the time is up; then the exit status. */
static int
layer_collect(pid_t pid, int out, int err, struct layer_out *o)
{
	struct pollfd	 pfd[2];
	time_t		 end = time(NULL) + LAYER_RUN_SECONDS;
	int		 status, left;

	pfd[0].fd = out;
	pfd[1].fd = err;
	pfd[0].events = pfd[1].events = POLLIN;
	while ((pfd[0].fd != -1 || pfd[1].fd != -1) && time(NULL) < end) {
		if (poll(pfd, 2, 1000) == -1 && errno != EINTR)
			break;
		for (left = 0; left < 2; left++) {
			if (pfd[left].fd == -1 || pfd[left].revents == 0)
				continue;
			if (!layer_read(pfd[left].fd, left ? &o->err : &o->out,
			    left ? &o->errlen : &o->outlen))
				pfd[left].fd = -1;
		}
	}
	if (pfd[0].fd != -1 || pfd[1].fd != -1)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (-1);
	}
	if (!WIFEXITED(status))
		return (-1);
	return (WEXITSTATUS(status));
}

/*
 * Run a program with a fixed argv, the key (if any) on its stdin through a
 * pipe, never on its command line. Its exit status, or -1 if it did not
 * run or was killed.
 */
int
layer_run(char *const *argv, const void *key, size_t keylen,
    struct layer_out *o)
{
	int	 in[2] = { -1, -1 }, out[2], err[2], rc;
	pid_t	 pid;

	memset(o, 0, sizeof *o);
	/* A key fits the pipe: written whole before the program reads. */
	if (keylen > LAYER_KEY_MAX)
		fatalx("layer key over %d bytes", LAYER_KEY_MAX);
	if (key != NULL && pipe2(in, O_CLOEXEC) != 0)
		return (-1);
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0)
		layer_exec(argv, in[0], out[1], err[1]);
	close(out[1]);
	close(err[1]);
	if (key != NULL) {
		close(in[0]);
		if (write(in[1], key, keylen) != (ssize_t)keylen)
			error("%s: cannot write the key: %s", argv[0],
			    strerror(errno));
		close(in[1]);
	}
	rc = layer_collect(pid, out[0], err[0], o);
	close(out[0]);
	close(err[0]);
	debug("%s %s: exit %d", argv[0], argv[1], rc);
	return (rc);
}

/* The journal --------------------------------------------------------- */

/* Every layer opened, in order, as "kind name": md md127, lvm vg0. */
static void
layer_journal_read(const char *dir, struct strlist *l)
{
	yaml_document_t	 doc;
	yaml_node_t	*seq;
	yaml_node_item_t *i;
	const char	*s;

	if (root_read_yaml(dir, "layers.yaml", &doc) != 0)
		return;
	seq = yr_get(&doc, yr_root(&doc), "layers");
	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE) {
		for (i = seq->data.sequence.items.start;
		    i < seq->data.sequence.items.top; i++) {
			s = yr_scalar(yaml_document_get_node(&doc, *i));
			if (s != NULL && strchr(s, ' ') != NULL)
				strlist_add(l, s);
		}
	}
	yaml_document_delete(&doc);
}

static int
layer_journal_write(const char *dir, const struct strlist *l)
{
	struct yw	*w;
	char		*text, *cause;
	int		 rc;

	w = yw_new();
	yw_map(w);
	yw_kvlist(w, "layers", l->v, l->n);
	yw_end(w);
	text = yw_finish(w, NULL);
	if ((rc = root_write_file(dir, "layers.yaml", text, &cause)) != 0) {
		error("%s", cause);
		free(cause);
	}
	free(text);
	return (rc);
}

/* Written before the layer is opened: a crash after it loses nothing. */
int
layer_journal_add(const char *dir, const char *kind, const char *name)
{
	struct strlist	 l = { NULL, 0 };
	char			*e;
	int			 i, rc = 0;

	xasprintf(&e, "%s %s", kind, name);
	layer_journal_read(dir, &l);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], e) == 0)
			break;
	}
	if (i == l.n) {
		if (l.n >= LAYER_JOURNAL_MAX)
			rc = -1;
		else {
			strlist_add(&l, e);
			rc = layer_journal_write(dir, &l);
		}
	}
	strlist_clear(&l);
	free(e);
	return (rc);
}

void
layer_journal_del(const char *dir, const char *kind, const char *name)
{
	struct strlist	 l = { NULL, 0 }, keep = { NULL, 0 };
	char			*e;
	int			 i;

	xasprintf(&e, "%s %s", kind, name);
	layer_journal_read(dir, &l);
	for (i = 0; i < l.n; i++) {
		if (strcmp(l.v[i], e) != 0)
			strlist_add(&keep, l.v[i]);
	}
	if (keep.n != l.n)
		layer_journal_write(dir, &keep);
	strlist_clear(&l);
	strlist_clear(&keep);
	free(e);
}

/* sysfs ---------------------------------------------------------------- */

/*
 * The kernel's name of a device node: /dev/mapper/vg0-root is dm-2. By
 * its number, since with no udev device-mapper makes real nodes there,
 * not links.
 */
int
layer_kname(const char *dev, char *buf, size_t len)
{
	struct stat	 st;
	char		 path[64], link[PATH_MAX], *base;
	ssize_t		 n;

	if (stat(dev, &st) != 0 || !S_ISBLK(st.st_mode))
		return (-1);
	snprintf(path, sizeof path, "/sys/dev/block/%u:%u",
	    major(st.st_rdev), minor(st.st_rdev));
	if ((n = readlink(path, link, sizeof link - 1)) <= 0)
		return (-1);
	link[n] = '\0';
	base = strrchr(link, '/') != NULL ? strrchr(link, '/') + 1 : link;
	if ((size_t)snprintf(buf, len, "%s", base) >= len || *buf == '\0')
		return (-1);
	return (0);
}

/* /sys/class/block/KNAME/ATTR, one line; -1 if it cannot be read. */
int
layer_sys(const char *kname, const char *attr, char *buf, size_t len)
{
	char	*path;
	ssize_t	 n;
	int	 fd;

	xasprintf(&path, "/sys/class/block/%s/%s", kname, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (-1);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (0);
}

/* The devices below (slaves) or above (holders) one, by kernel name. */
void
layer_sys_list(const char *kname, const char *which, struct strlist *l)
{
	struct dirent	*de;
	DIR		*d;
	char		*path;

	xasprintf(&path, "/sys/class/block/%s/%s", kname, which);
	d = opendir(path);
	free(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			strlist_add(l, de->d_name);
	}
	closedir(d);
}

/*
 * A device roots.devices allows, or one made only of such devices (an
 * array or a mapping on allowed disks).
 */
static int
layer_wanted_below(const struct agent *ag, const char *dev, int depth)
{
	struct strlist	 l = { NULL, 0 };
	char			 k[NAME_MAX + 1], *d;
	int			 i, ok;

	if (root_scan_wanted(ag, dev))
		return (1);
	if (depth >= LAYER_DEPTH || layer_kname(dev, k, sizeof k) != 0)
		return (0);
	layer_sys_list(k, "slaves", &l);
	ok = l.n > 0;
	for (i = 0; ok && i < l.n; i++) {
		xasprintf(&d, "/dev/%s", l.v[i]);
		ok = layer_wanted_below(ag, d, depth + 1);
		free(d);
	}
	strlist_clear(&l);
	return (ok);
}

int
layer_wanted(const struct agent *ag, const char *dev)
{
	return (layer_wanted_below(ag, dev, 0));
}

/* Devices of one libblkid TYPE, with their UUID (or "") alongside. */
void
layer_find(const struct agent *ag, const char *type, struct strlist *devs,
    struct strlist *uuids)
{
	blkid_cache		 cache;
	blkid_dev_iterate	 it;
	blkid_dev		 dev;
	char			*t, *u;

	if (blkid_get_cache(&cache, "/dev/null") != 0)
		return;
	blkid_probe_all(cache);
	it = blkid_dev_iterate_begin(cache);
	while (blkid_dev_next(it, &dev) == 0) {
		if ((dev = blkid_verify(cache, dev)) == NULL)
			continue;
		t = blkid_get_tag_value(cache, "TYPE", blkid_dev_devname(dev));
		if (t != NULL && strcmp(t, type) == 0 &&
		    layer_wanted(ag, blkid_dev_devname(dev))) {
			strlist_add(devs, blkid_dev_devname(dev));
			u = blkid_get_tag_value(cache, "UUID",
			    blkid_dev_devname(dev));
			strlist_add(uuids, u != NULL ? u : "");
			free(u);
		}
		free(t);
	}
	blkid_dev_iterate_end(it);
	blkid_put_cache(cache);
}

/* Scan: md, then LVM ---------------------------------------------------- */

/* The first md number from 127 down that no array has. */
static int
layer_md_free(char *name, size_t len)
{
	char	 path[64];
	int	 n;

	for (n = 127; n >= 0; n--) {
		snprintf(path, sizeof path, "/sys/block/md%d", n);
		if (access(path, F_OK) != 0) {
			snprintf(name, len, "md%d", n);
			return (0);
		}
	}
	return (-1);
}

/* One array, read-only, even degraded (--run): that is what we report. */
static void
layer_md_one(struct agent *ag, const char *dir, char **members, int n)
{
	struct layer_out	 o;
	char			*argv[8 + LAYER_MEMBERS], md[16], node[32];
	int			 i, argc = 0, rc;

	if (layer_md_free(md, sizeof md) != 0)
		return;
	snprintf(node, sizeof node, "/dev/%s", md);
	argv[argc++] = "mdadm";
	argv[argc++] = "--assemble";
	argv[argc++] = "--readonly";
	argv[argc++] = "--run";
	argv[argc++] = node;
	for (i = 0; i < n && i < LAYER_MEMBERS; i++)
		argv[argc++] = members[i];
	argv[argc] = NULL;
	if (layer_journal_add(dir, "md", md) != 0)
		return;
	if ((rc = layer_run(argv, NULL, 0, &o)) != 0) {
		error("mdadm --assemble %s: %s", node, layer_out_why(&o));
		layer_journal_del(dir, "md", md);
	} else {
		info("assembled %s read-only from %s", node, members[0]);
		audit(ag, "layer", "action", "assemble", "device", node,
		    "from", members[0], (char *)NULL);
	}
	layer_out_free(&o);
}

/* Arrays whose members are no array's yet, one UUID at a time. */
static void
layer_scan_md(struct agent *ag, const char *dir)
{
	struct strlist	 devs = { NULL, 0 }, uuids = { NULL, 0 };
	struct strlist	 held = { NULL, 0 };
	char			*members[LAYER_MEMBERS], k[NAME_MAX + 1];
	int			 i, j, n, *done;

	layer_find(ag, "linux_raid_member", &devs, &uuids);
	done = xcalloc(devs.n + 1, sizeof *done);
	for (i = 0; i < devs.n; i++) {
		strlist_clear(&held);
		if (layer_kname(devs.v[i], k, sizeof k) == 0)
			layer_sys_list(k, "holders", &held);
		if (held.n > 0 || *uuids.v[i] == '\0')
			done[i] = 1;
	}
	strlist_clear(&held);
	for (i = 0; i < devs.n; i++) {
		if (done[i])
			continue;
		for (n = 0, j = i; j < devs.n && n < LAYER_MEMBERS; j++) {
			if (!done[j] && strcmp(uuids.v[j], uuids.v[i]) == 0) {
				members[n++] = devs.v[j];
				done[j] = 1;
			}
		}
		layer_md_one(ag, dir, members, n);
	}
	free(done);
	strlist_clear(&devs);
	strlist_clear(&uuids);
}

/*
 * lvm's settings for us: no metadata written, not even a backup; no
 * event daemon; and with no udev running, device nodes made by lvm.
 */
static const char *
layer_lvm_config(void)
{
	if (access("/run/udev/control", F_OK) == 0)
		return ("global{metadata_read_only=1} backup{backup=0 "
		    "archive=0} activation{monitoring=0}");
	return ("global{metadata_read_only=1} backup{backup=0 archive=0} "
	    "activation{monitoring=0 udev_sync=0 udev_rules=0} "
	    "devices{obtain_device_list_from_udev=0}");
}

/* lvm pvs or lvs with these names, into o; its exit status. */
static int
layer_lvm_report(const char *what, const char *fields,
    const struct strlist *names, struct layer_out *o)
{
	char	**argv;
	int	 i, argc = 0, rc;

	argv = xcalloc(names->n + 12, sizeof *argv);
	argv[argc++] = "lvm";
	argv[argc++] = (char *)what;
	argv[argc++] = "--noheadings";
	argv[argc++] = "--readonly";
	argv[argc++] = "--separator";
	argv[argc++] = "|";
	argv[argc++] = "-o";
	argv[argc++] = (char *)fields;
	argv[argc++] = "--config";
	argv[argc++] = (char *)layer_lvm_config();
	for (i = 0; i < names->n; i++)
		argv[argc++] = names->v[i];
	rc = layer_run(argv, NULL, 0, o);
	free(argv);
	return (rc);
}

int
layer_vgchange(struct agent *ag, const char *vg, int on)
{
	struct layer_out	 o;
	char			*argv[8];
	int			 rc;

	argv[0] = "lvm";
	argv[1] = "vgchange";
	argv[2] = on ? "-ay" : "-an";
	argv[3] = "--config";
	argv[4] = (char *)layer_lvm_config();
	argv[5] = (char *)vg;
	argv[6] = NULL;
	if ((rc = layer_run(argv, NULL, 0, &o)) != 0)
		error("lvm vgchange %s %s: %s", argv[2], vg, layer_out_why(&o));
	else
		audit(ag, "layer", "action", on ? "activate" : "deactivate",
		    "vg", vg, (char *)NULL);
	layer_out_free(&o);
	return (rc == 0 ? 0 : -1);
}

/* Volume groups on allowed PVs that nobody has activated. */
static void
layer_scan_lvm(struct agent *ag, const char *dir)
{
	struct strlist	 devs = { NULL, 0 }, uuids = { NULL, 0 };
	struct strlist	 vgs = { NULL, 0 };
	struct layer_out	 o;
	char			*cause;
	int			 i;

	layer_find(ag, "LVM2_member", &devs, &uuids);
	strlist_clear(&uuids);
	memset(&o, 0, sizeof o);
	if (devs.n == 0)
		goto out;
	if (layer_lvm_report("pvs", "pv_name,vg_name", &devs, &o) != 0) {
		error("lvm pvs: %s", layer_out_why(&o));
		goto out;
	}
	if (layer_pvs_parse(o.out != NULL ? o.out : "", &vgs, &cause) != 0) {
		error("lvm %s", cause);
		free(cause);
		goto out;
	}
	layer_out_free(&o);
	if (vgs.n == 0 || layer_lvm_report("lvs", "vg_name,lv_name,lv_active",
	    &vgs, &o) != 0)
		goto out;
	for (i = 0; i < vgs.n; i++) {
		if (layer_lvs_active(o.out != NULL ? o.out : "", vgs.v[i]) != 0)
			continue;
		if (layer_journal_add(dir, "lvm", vgs.v[i]) != 0)
			continue;
		if (layer_vgchange(ag, vgs.v[i], 1) != 0)
			layer_journal_del(dir, "lvm", vgs.v[i]);
	}
out:
	layer_out_free(&o);
	strlist_clear(&devs);
	strlist_clear(&vgs);
}

/* Before a scan: arrays first, since a volume group may sit on one. */
void
layer_scan(struct agent *ag, const char *dir)
{
	layer_scan_md(ag, dir);
	layer_scan_lvm(ag, dir);
}

/* What a root sits on ------------------------------------------------- */

/* One device-mapper device as a link; -1 if it is not a layer of ours. */
int
layer_link_dm(const char *k, const char *below, struct layer_link *l)
{
	char	 uuid[256], name[LAYER_NAME_MAX];

	if (layer_sys(k, "dm/uuid", uuid, sizeof uuid) != 0 ||
	    layer_sys(k, "dm/name", name, sizeof name) != 0)
		return (-1);
	memset(l, 0, sizeof *l);
	if (strncmp(uuid, "LVM-", 4) == 0) {
		l->kind = LAYER_LVM;
		return (layer_dm_lvname(name, l->name, sizeof l->name));
	}
	if (strncmp(uuid, "CRYPT-LUKS", 10) == 0)
		l->kind = LAYER_LUKS;
	else if (strncmp(uuid, "CRYPT-BITLK", 11) == 0)
		l->kind = LAYER_BITLK;
	else
		return (-1);
	snprintf(l->name, sizeof l->name, "%s", below);
	return (0);
}

static int
layer_link_md(const char *k, struct layer_link *l)
{
	char	 buf[32];

	memset(l, 0, sizeof *l);
	if (layer_sys(k, "md/level", l->level, sizeof l->level) != 0)
		return (-1);
	l->kind = LAYER_MD;
	snprintf(l->name, sizeof l->name, "%s", k);
	if (layer_sys(k, "md/raid_disks", buf, sizeof buf) == 0)
		l->total = atoi(buf);
	l->working = l->total;
	if (layer_sys(k, "md/degraded", buf, sizeof buf) == 0)
		l->working -= atoi(buf);
	return (0);
}

/* The layers under dev, top first, down to the disks; their number. */
static int
layer_chain(const char *dev, struct layer_link *links, int max)
{
	struct strlist	 below = { NULL, 0 };
	char			 k[NAME_MAX + 1];
	int			 n = 0;

	if (layer_kname(dev, k, sizeof k) != 0)
		return (0);
	while (n < max) {
		strlist_clear(&below);
		layer_sys_list(k, "slaves", &below);
		if (strncmp(k, "md", 2) == 0 && layer_link_md(k, &links[n]) == 0) {
			n++;
			break;	/* its members are disks */
		}
		if (below.n == 0 || layer_link_dm(k, below.v[0],
		    &links[n]) != 0)
			break;
		n++;
		snprintf(k, sizeof k, "%s", below.v[0]);
	}
	strlist_clear(&below);
	return (n);
}

/* r's "on" text and a degraded array's health problem. */
void
layer_describe(struct root *r)
{
	struct layer_link	 links[LAYER_DEPTH];
	char			*s;
	int			 i, n;

	if (r->device == NULL || r->state != NULL)
		return;
	if ((n = layer_chain(r->device, links, LAYER_DEPTH)) == 0)
		return;
	free(r->on);
	r->on = layer_chain_text(links, n);
	for (i = 0; i < n; i++) {
		if ((s = layer_md_problem(&links[i])) == NULL)
			continue;
		root_problem(r, "%s", s);
		free(s);
		if (r->health == ROOT_OK)
			r->health = ROOT_LIMITED;
	}
}

/* A root selected read-write: its arrays, assembled read-only, go rw. */
int
layer_writable(struct agent *ag, const struct root *r, char **cause)
{
	struct layer_link	 links[LAYER_DEPTH];
	struct layer_out	 o;
	char			*argv[4], node[LAYER_NAME_MAX + 8];
	int			 i, n;

	if (r->device == NULL)
		return (0);
	n = layer_chain(r->device, links, LAYER_DEPTH);
	for (i = 0; i < n; i++) {
		if (links[i].kind != LAYER_MD)
			continue;
		snprintf(node, sizeof node, "/dev/%s", links[i].name);
		argv[0] = "mdadm";
		argv[1] = "--readwrite";
		argv[2] = node;
		argv[3] = NULL;
		if (layer_run(argv, NULL, 0, &o) != 0) {
			xasprintf(cause, "mdadm --readwrite %s: %s", node,
			    layer_out_why(&o));
			layer_out_free(&o);
			return (-1);
		}
		layer_out_free(&o);
		audit(ag, "layer", "action", "readwrite", "device", node,
		    (char *)NULL);
	}
	return (0);
}

/* A journalled layer that is closed already, by hand or by a lock. */
static int
layer_gone(const char *kind, const char *name)
{
	char	*path;
	int	 gone;

	if (strcmp(kind, "md") == 0)
		xasprintf(&path, "/sys/block/%s/md", name);
	else if (strcmp(kind, "lvm") == 0)
		xasprintf(&path, "/dev/%s", name);	/* while any LV is */
	else
		xasprintf(&path, "/dev/mapper/%s", name);
	gone = access(path, F_OK) != 0;
	free(path);
	return (gone);
}

/*
 * Close every layer in the journal, newest first, whoever opened it: at
 * start (a previous agent died) and at shutdown, after the mounts.
 */
void
layer_cleanup(struct agent *ag, const char *dir)
{
	struct strlist	 l = { NULL, 0 };
	struct layer_out	 o;
	char			*argv[6], *name, node[LAYER_NAME_MAX + 8];
	int			 i;

	layer_journal_read(dir, &l);
	for (i = l.n - 1; i >= 0; i--) {
		memset(&o, 0, sizeof o);
		name = strchr(l.v[i], ' ') + 1;
		name[-1] = '\0';
		if (strcmp(l.v[i], "lvm") == 0) {
			if (layer_gone("lvm", name) ||
			    layer_vgchange(ag, name, 0) == 0) {
				layer_journal_del(dir, "lvm", name);
				info("closed lvm %s", name);
			}
			continue;
		}
		if (strcmp(l.v[i], "crypt") == 0) {
			argv[0] = "cryptsetup";
			argv[1] = "close";
			argv[2] = name;
		} else if (strcmp(l.v[i], "md") == 0) {
			snprintf(node, sizeof node, "/dev/%s", name);
			argv[0] = "mdadm";
			argv[1] = "--stop";
			argv[2] = node;
		} else
			continue;
		argv[3] = NULL;
		if (layer_gone(l.v[i], name) || layer_run(argv, NULL, 0,
		    &o) == 0) {
			layer_journal_del(dir, l.v[i], name);
			info("closed %s %s", l.v[i], name);
			audit(ag, "layer", "action", "close", "name", name,
			    (char *)NULL);
		} else
			error("%s %s %s: %s", argv[0], argv[1], argv[2],
			    layer_out_why(&o));
		layer_out_free(&o);
	}
	strlist_clear(&l);
}
