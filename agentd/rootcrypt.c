/* SPDX-License-Identifier: ISC */

/*
 * LUKS and BitLocker containers: listed locked or unlocked, opened with a
 * passphrase or key file read from standard input and given to cryptsetup
 * through a pipe, counted when wrong, and locked again with everything on
 * them. The key lives in locked memory and is wiped as soon as it is sent.
 */

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

/* A container as libblkid finds it. */
struct layer_box {
	char	*device;
	char	*uuid;
	char	*label;
	int	 bitlk;
	char	 map[LAYER_NAME_MAX];	/* its device-mapper name */
};

/* Containers ------------------------------------------------------------ */

/* Its device-mapper name: luks-UUID as systemd names it, bitlk-UUID. */
static void
layer_box_name(struct layer_box *b, const char *id)
{
	const char	*u = b->uuid;

	if (u == NULL || *u == '\0' || strlen(u) > 64 ||
	    strspn(u, "0123456789abcdefABCDEF-") != strlen(u))
		u = id;
	snprintf(b->map, sizeof b->map, "%s-%s", b->bitlk ? "bitlk" : "luks",
	    u);
}

static void
layer_box_free(struct layer_box *b)
{
	free(b->device);
	free(b->uuid);
	free(b->label);
	memset(b, 0, sizeof *b);
}

/* The allowed container whose device's last component is id. */
static int
layer_box_find(struct agent *ag, const char *id, struct layer_box *b)
{
	static const char	*types[] = { "crypto_LUKS", "BitLocker" };
	struct strlist	 devs, uuids;
	const char		*base;
	int			 t, i, found = 0;

	memset(b, 0, sizeof *b);
	for (t = 0; t < 2 && !found; t++) {
		memset(&devs, 0, sizeof devs);
		memset(&uuids, 0, sizeof uuids);
		layer_find(ag, types[t], &devs, &uuids);
		for (i = 0; i < devs.n; i++) {
			base = strrchr(devs.v[i], '/');
			base = base != NULL ? base + 1 : devs.v[i];
			if (strcmp(base, id) != 0)
				continue;
			b->device = xstrdup(devs.v[i]);
			b->uuid = xstrdup(uuids.v[i]);
			b->bitlk = t == 1;
			layer_box_name(b, id);
			found = 1;
			break;
		}
		strlist_clear(&devs);
		strlist_clear(&uuids);
	}
	return (found ? 0 : -1);
}

static int
layer_box_open(const struct layer_box *b)
{
	char	*path;
	int	 rc;

	xasprintf(&path, "/dev/mapper/%s", b->map);
	rc = access(path, F_OK) == 0;
	free(path);
	return (rc);
}

/* A locked LUKS volume with a TPM token: the technician must know. */
static int
layer_box_tpm(const struct layer_box *b)
{
	struct layer_out	 o;
	char			*argv[] = { "cryptsetup", "luksDump",
				    b->device, NULL };
	int			 rc = 0;

	if (b->bitlk)
		return (0);
	if (layer_run(argv, NULL, 0, &o) == 0)
		rc = layer_luks_tpm(o.out != NULL ? o.out : "");
	layer_out_free(&o);
	return (rc);
}

static long long
layer_size(const char *dev)
{
	char	 k[NAME_MAX + 1], buf[32];

	if (layer_kname(dev, k, sizeof k) != 0 ||
	    layer_sys(k, "size", buf, sizeof buf) != 0)
		return (0);
	return (strtoll(buf, NULL, 10) * 512);
}

/* The mapping someone else opened on a container, as /dev/NAME, or NULL. */
static char *
layer_box_held(const char *dev)
{
	struct strlist	 h = { NULL, 0 };
	char			 k[NAME_MAX + 1], *s = NULL;

	if (layer_kname(dev, k, sizeof k) != 0)
		return (NULL);
	layer_sys_list(k, "holders", &h);
	if (h.n > 0)
		xasprintf(&s, "/dev/%s", h.v[0]);
	strlist_clear(&h);
	return (s);
}

/*
 * A LUKS or BitLocker device is listed, locked or unlocked, but is no
 * root itself: what it holds is scanned once it is unlocked. -1 if r's
 * device is not one.
 */
int
layer_container(const char *dir, struct root *r)
{
	struct layer_box	 b;
	char			*path, *held;

	if (r->fstype == NULL || (strcmp(r->fstype, "crypto_LUKS") != 0 &&
	    strcmp(r->fstype, "BitLocker") != 0))
		return (-1);
	memset(&b, 0, sizeof b);
	b.device = r->device;
	b.uuid = r->uuid;
	b.bitlk = strcmp(r->fstype, "BitLocker") == 0;
	layer_box_name(&b, r->id);
	r->size = layer_size(r->device);
	if (layer_box_open(&b)) {
		r->health = ROOT_UNLOCKED;
		r->state = xstrdup("unlocked");
		xasprintf(&r->on, "/dev/mapper/%s", b.map);
	} else if ((held = layer_box_held(r->device)) != NULL) {
		/* Opened by the running system, under a name of its own. */
		r->health = ROOT_UNLOCKED;
		r->state = xstrdup("unlocked");
		r->on = held;
		root_problem(r, "in use by the running system");
	} else {
		r->health = ROOT_LOCKED;
		r->state = xstrdup("locked");
		if (layer_box_tpm(&b))
			root_problem(r, "%s", LAYER_TPM_SAY);
	}
	if (b.bitlk) {
		r->os_name = xstrdup("Windows (BitLocker)");
		root_problem(r, "Windows is not a root to select; unlock it "
		    "and its files are read-only at %s/%s", dir, r->id);
		xasprintf(&path, "%s/%s", dir, r->id);
		if (r->health == ROOT_UNLOCKED && access(path, F_OK) == 0)
			r->path = path;
		else
			free(path);
	} else
		r->os_name = xstrdup("encrypted (LUKS)");
	return (0);
}

/* Unlock ---------------------------------------------------------------- */

static void
layer_tries_path(const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "unlock-%s.yaml", id);
}

static void
layer_tries_read(const char *dir, const char *id, struct layer_tries *t)
{
	yaml_document_t	 doc;
	yaml_node_t	*seq;
	yaml_node_item_t *i;
	const char	*s;
	char		 name[NAME_MAX + 1];

	memset(t, 0, sizeof *t);
	layer_tries_path(id, name, sizeof name);
	if (root_read_yaml(dir, name, &doc) != 0)
		return;
	if ((s = yr_scalar(yr_get(&doc, yr_root(&doc), "until"))) != NULL)
		t->until = strtoll(s, NULL, 10);
	seq = yr_get(&doc, yr_root(&doc), "fails");
	if (seq != NULL && seq->type == YAML_SEQUENCE_NODE) {
		for (i = seq->data.sequence.items.start; t->n < LAYER_TRIES &&
		    i < seq->data.sequence.items.top; i++) {
			s = yr_scalar(yaml_document_get_node(&doc, *i));
			if (s != NULL)
				t->fail[t->n++] = strtoll(s, NULL, 10);
		}
	}
	yaml_document_delete(&doc);
}

static void
layer_tries_write(const char *dir, const char *id,
    const struct layer_tries *t)
{
	struct yw	*w;
	char		*text, *cause, name[NAME_MAX + 1];
	int		 i;

	layer_tries_path(id, name, sizeof name);
	w = yw_new();
	yw_map(w);
	yw_kvint(w, "until", (long long)t->until);
	yw_str(w, "fails");
	yw_seq(w);
	for (i = 0; i < t->n; i++)
		yw_int(w, (long long)t->fail[i]);
	yw_end(w);
	yw_end(w);
	text = yw_finish(w, NULL);
	if (root_write_file(dir, name, text, &cause) != 0) {
		error("%s", cause);
		free(cause);
	}
	free(text);
}

/*
 * The key from stdin into locked memory: a passphrase line, hidden if
 * stdin is a terminal, or a key file's bytes. Its length, or -1.
 */
static ssize_t
layer_key_read(const char *id, char *key, int keyfile, char **cause)
{
	char		*prompt;
	ssize_t		 n;
	size_t		 len;

	xasprintf(&prompt, "passphrase for %s", id);
	n = readkey(prompt, key, LAYER_KEY_MAX, cause);
	free(prompt);
	if (n < 0)
		return (-1);
	len = (size_t)n;
	len = layer_key_len(key, len, keyfile);
	if (len == 0) {
		xasprintf(cause, "no passphrase on standard input");
		return (-1);
	}
	return ((ssize_t)len);
}

/* BitLocker holds Windows: its files, read-only, for the Files screen. */
static void
layer_bitlk_mount(struct agent *ag, const char *dir, const char *id,
    const struct layer_box *b)
{
	char	*src, *dst, *cause = NULL;

	xasprintf(&src, "/dev/mapper/%s", b->map);
	xasprintf(&dst, "%s/%s", dir, id);
	if (mkdir(dst, 0700) != 0 && errno != EEXIST)
		error("%s: %s", dst, strerror(errno));
	else if (root_mount_ntfs(ag, dir, src, dst, &cause) != 0) {
		error("%s", cause);
		rmdir(dst);
	}
	free(cause);
	free(src);
	free(dst);
}

/* cryptsetup open, the key on a pipe; its exit status. */
static int
layer_crypt_open(const char *dir, const struct layer_box *b,
    const char *key, size_t len, char **why)
{
	struct layer_out	 o;
	char			*argv[10];
	int			 argc = 0, rc;

	argv[argc++] = "cryptsetup";
	argv[argc++] = "open";
	argv[argc++] = "--type";
	argv[argc++] = b->bitlk ? "bitlk" : "luks";
	if (b->bitlk)
		argv[argc++] = "--readonly";
	argv[argc++] = "--key-file=-";
	argv[argc++] = b->device;
	argv[argc++] = (char *)b->map;
	argv[argc] = NULL;
	if (layer_journal_add(dir, "crypt", b->map) != 0) {
		*why = xstrdup("cannot write the layer journal");
		return (-1);
	}
	rc = layer_run(argv, key, len, &o);
	if (rc != 0) {
		layer_journal_del(dir, "crypt", b->map);
		*why = xstrdup(rc == 2 ? layer_crypt_status(rc) :
		    layer_out_why(&o));
	}
	layer_out_free(&o);
	return (rc);
}

/* A wrong passphrase: counted, and the third within a minute locks. */
static void
layer_unlock_wrong(struct agent *ag, const char *dir, const char *id,
    const struct layer_box *b, struct layer_tries *t, char **cause)
{
	int	 locked;

	locked = layer_tries_fail(t, time(NULL));
	layer_tries_write(dir, id, t);
	audit(ag, "unlock", "id", id, "result", "wrong", (char *)NULL);
	if (locked)
		audit(ag, "unlock-lockout", "id", id, "seconds", "60",
		    (char *)NULL);
	xasprintf(cause, "wrong passphrase for %s%s%s", id, locked ?
	    "; that was the third try within a minute: locked for 60 s" : "",
	    layer_box_tpm(b) ? "; " LAYER_TPM_SAY : "");
}

/*
 * roots unlock ID: the passphrase (or with keyfile, the key file's bytes)
 * from stdin. The key lives in locked memory and is wiped at once.
 */
int
layer_unlock(struct agent *ag, const char *dir, const char *id, int keyfile,
    char **cause)
{
	struct layer_box	 b;
	struct layer_tries	 t;
	char			*key, *why = NULL;
	ssize_t			 len;
	int			 left, rc = -1;

	if (!ag->conf.roots.scan) {
		xasprintf(cause, "block devices are not scanned "
		    "(roots.scan: false)");
		return (-1);
	}
	if (layer_box_find(ag, id, &b) != 0) {
		xasprintf(cause, "no LUKS or BitLocker container %s", id);
		return (-1);
	}
	layer_tries_read(dir, id, &t);
	if ((left = layer_tries_left(&t, time(NULL))) > 0) {
		audit(ag, "unlock", "id", id, "result", "locked-out",
		    (char *)NULL);
		xasprintf(cause, "%s is locked after %d wrong passphrases: "
		    "try again in %d s", id, LAYER_TRIES, left);
		layer_box_free(&b);
		return (-1);
	}
	if (layer_box_open(&b)) {
		xasprintf(cause, "%s is unlocked already", id);
		layer_box_free(&b);
		return (-1);
	}
	key = xmalloc(LAYER_KEY_MAX + 1);
	if (mlock(key, LAYER_KEY_MAX + 1) != 0)
		debug("mlock: %s", strerror(errno));
	if ((len = layer_key_read(id, key, keyfile, cause)) >= 0) {
		rc = layer_crypt_open(dir, &b, key, len, &why);
		if (rc == 2)
			layer_unlock_wrong(ag, dir, id, &b, &t, cause);
		else if (rc != 0)
			xasprintf(cause, "cryptsetup open %s: %s", id, why);
	}
	explicit_bzero(key, LAYER_KEY_MAX + 1);
	munlock(key, LAYER_KEY_MAX + 1);
	free(key);
	free(why);
	if (rc == 0) {
		layer_tries_ok(&t);
		layer_tries_write(dir, id, &t);
		audit(ag, "unlock", "id", id, "result", "ok", "mapping", b.map,
		    (char *)NULL);
		/* The scan goes on inside: a volume group, an array. */
		layer_scan(ag, dir);
		if (b.bitlk)
			layer_bitlk_mount(ag, dir, id, &b);
	}
	layer_box_free(&b);
	return (rc == 0 ? 0 : -1);
}

/* Lock ------------------------------------------------------------------ */

/* Every device above k, holders before the device they hold. */
static void
layer_above(const char *k, struct strlist *l, int depth)
{
	struct strlist	 h = { NULL, 0 };
	int			 i;

	layer_sys_list(k, "holders", &h);
	for (i = 0; i < h.n && depth < LAYER_DEPTH; i++)
		layer_above(h.v[i], l, depth + 1);
	strlist_clear(&h);
	strlist_add(l, k);
}

/*
 * Unmount what is mounted from device k: only our mounts under dir, the
 * scan's and a selection's. Another mount is an error.
 */
static int
layer_unmount_dev(struct agent *ag, const char *dir, const char *k,
    char **cause)
{
	struct strlist	 mps = { NULL, 0 };
	FILE			*f;
	char			*line = NULL, mp[PATH_MAX], dev[32];
	size_t			 size = 0, len = strlen(dir);
	unsigned int		 maj, min;
	int			 i, rc = 0;

	if (layer_sys(k, "dev", dev, sizeof dev) != 0 ||
	    (f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return (0);
	while (getline(&line, &size, f) != -1) {
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min,
		    mp) != 3)
			continue;
		snprintf(line, size, "%u:%u", maj, min);
		if (strcmp(line, dev) != 0)
			continue;
		root_unescape(mp);
		strlist_add(&mps, mp);
	}
	free(line);
	fclose(f);
	for (i = mps.n - 1; i >= 0 && rc == 0; i--) {
		if (strncmp(mps.v[i], dir, len) != 0 || mps.v[i][len] != '/') {
			xasprintf(cause, "/dev/%s is in use at %s", k,
			    mps.v[i]);
			rc = -1;
		} else if ((rc = root_unmount(ag, dir, mps.v[i], cause)) == 0 &&
		    strchr(mps.v[i] + len + 1, '/') == NULL)
			rmdir(mps.v[i]);
	}
	strlist_clear(&mps);
	return (rc);
}

/* Close one device above a container: its volume group, array, mapping. */
static int
layer_close_dev(struct agent *ag, const char *dir, const char *k,
    char **cause)
{
	struct layer_link	 l;
	struct layer_out	 o;
	char			*argv[4], name[LAYER_NAME_MAX], *slash;
	int			 rc;

	if (access("/sys/class/block", F_OK) == 0 && layer_sys(k, "dev",
	    name, sizeof name) != 0)
		return (0);	/* gone with its volume group */
	if (layer_link_dm(k, k, &l) == 0 && l.kind == LAYER_LVM) {
		if ((slash = strchr(l.name, '/')) != NULL)
			*slash = '\0';
		if (layer_vgchange(ag, l.name, 0) != 0) {
			xasprintf(cause, "cannot deactivate volume group %s",
			    l.name);
			return (-1);
		}
		layer_journal_del(dir, "lvm", l.name);
		return (0);
	}
	if (layer_sys(k, "dm/name", name, sizeof name) == 0) {
		argv[0] = "cryptsetup";
		argv[1] = "close";
		argv[2] = name;
	} else {
		snprintf(name, sizeof name, "/dev/%s", k);
		argv[0] = "mdadm";
		argv[1] = "--stop";
		argv[2] = name;
	}
	argv[3] = NULL;
	if ((rc = layer_run(argv, NULL, 0, &o)) != 0)
		xasprintf(cause, "%s %s %s: %s", argv[0], argv[1], name,
		    layer_out_why(&o));
	else
		layer_journal_del(dir, argv[0][0] == 'c' ? "crypt" : "md",
		    argv[0][0] == 'c' ? name : k);
	layer_out_free(&o);
	return (rc == 0 ? 0 : -1);
}

/* Whether the selected root is k or sits on it. */
static int
layer_selected_on(const char *dir, const struct strlist *above)
{
	yaml_document_t	 doc;
	const char	*dev;
	char		 k[NAME_MAX + 1];
	int		 i, on = 0;

	if (root_read_yaml(dir, "current.yaml", &doc) != 0)
		return (0);
	dev = yr_scalar(yr_get(&doc, yr_root(&doc), "device"));
	if (dev != NULL && *dev == '/' && layer_kname(dev, k, sizeof k) == 0) {
		for (i = 0; i < above->n; i++)
			on |= strcmp(above->v[i], k) == 0;
	}
	yaml_document_delete(&doc);
	return (on);
}

/* roots lock ID: unmount and close everything on it, then close it. */
int
layer_lock(struct agent *ag, const char *dir, const char *id, char **cause)
{
	struct strlist	 above = { NULL, 0 };
	struct layer_box	 b;
	char			*node, k[NAME_MAX + 1];
	int			 i, rc = -1;

	if (layer_box_find(ag, id, &b) != 0) {
		xasprintf(cause, "no LUKS or BitLocker container %s", id);
		return (-1);
	}
	xasprintf(&node, "/dev/mapper/%s", b.map);
	if (!layer_box_open(&b) || layer_kname(node, k, sizeof k) != 0) {
		xasprintf(cause, "%s is not unlocked", id);
		goto out;
	}
	layer_above(k, &above, 0);
	if (layer_selected_on(dir, &above)) {
		xasprintf(cause, "the selected root sits on %s: release it "
		    "first", id);
		goto out;
	}
	for (i = 0; i < above.n; i++) {
		if (layer_unmount_dev(ag, dir, above.v[i], cause) != 0)
			goto out;
	}
	for (i = 0; i < above.n; i++) {
		if (layer_close_dev(ag, dir, above.v[i], cause) != 0)
			goto out;
	}
	audit(ag, "lock", "id", id, "mapping", b.map, (char *)NULL);
	rc = 0;
out:
	strlist_clear(&above);
	free(node);
	layer_box_free(&b);
	return (rc);
}

