/* SPDX-License-Identifier: ISC */

/*
 * Load Drivers, as DaRT has it: the devices no driver has bound (PCI, USB
 * and virtio, by their modalias) with the module of the image that would
 * bind each, and loading a module by name or from a .ko file, refused
 * plainly when a locked-down kernel would refuse it. A load ends with the
 * block devices that appeared, which the next roots scan lists.
 */

#include <sys/stat.h>
#include <sys/utsname.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define DRIVERS_ALIAS_MAX	200000	/* lines of modules.alias */
#define DRIVERS_WAIT_MS		10000	/* for a new disk after a load */
#define DRIVERS_SETTLE_MS	1500	/* and for its partitions */
#define DRIVERS_MAX_DEVS	1024

/* The buses whose devices carry a modalias that modules.alias matches. */
static const char *drivers_buses[] = { "pci", "usb", "virtio", NULL };

/* Appended to a signed module by the kernel's sign-file. */
#define DRIVERS_SIG_MAGIC	"~Module signature appended~\n"

/* A name as modules.dep spells it: dashes are underscores. */
static void
drivers_norm(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '-')
			*s = '_';
	}
}

/* Whether the image holds module name: in modules.dep, its file there. */
static int
drivers_in_image(const char *moddir, const char *name)
{
	FILE	*f;
	char	*path, *line = NULL, *colon, *base, *dot, *file;
	size_t	 size = 0;
	int	 found = 0;

	xasprintf(&path, "%s/modules.dep", moddir);
	f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return (0);
	while (!found && getline(&line, &size, f) != -1) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		base = strrchr(line, '/') != NULL ? strrchr(line, '/') + 1 :
		    line;
		if ((dot = strstr(base, ".ko")) == NULL)
			continue;
		*dot = '\0';
		drivers_norm(base);
		if (strcmp(base, name) != 0)
			continue;
		*dot = '.';
		xasprintf(&file, "%s/%s", moddir, line);
		found = access(file, R_OK) == 0;
		free(file);
	}
	free(line);
	fclose(f);
	return (found);
}

/* Load modules.alias: "alias PATTERN MODULE" lines. */
int
drivers_aliases(const char *moddir, struct drivers_alias **out, int *n,
    char **cause)
{
	struct drivers_alias	*a = NULL;
	FILE			*f;
	char			*path, *line = NULL, pat[512], mod[128];
	size_t			 size = 0;

	*n = 0;
	xasprintf(&path, "%s/modules.alias", moddir);
	if ((f = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	free(path);
	while (*n < DRIVERS_ALIAS_MAX && getline(&line, &size, f) != -1) {
		if (sscanf(line, "alias %511s %127s", pat, mod) != 2)
			continue;
		a = xreallocarray(a, *n + 1, sizeof *a);
		a[*n].pattern = xstrdup(pat);
		drivers_norm(mod);
		a[*n].module = xstrdup(mod);
		(*n)++;
	}
	free(line);
	fclose(f);
	*out = a;
	return (0);
}

void
drivers_aliases_free(struct drivers_alias *a, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		free(a[i].pattern);
		free(a[i].module);
	}
	free(a);
}

/* The module whose alias matches modalias, or NULL. */
const char *
drivers_match(const struct drivers_alias *a, int n, const char *modalias)
{
	int	 i;

	for (i = 0; i < n; i++) {
		if (fnmatch(a[i].pattern, modalias, 0) == 0)
			return (a[i].module);
	}
	return (NULL);
}

/* One device directory: unbound and with a modalias, or skipped. */
static int
drivers_device(const char *dir, const char *bus, const char *name,
    struct drivers_dev *d)
{
	FILE	*f;
	char	*path, alias[512];

	xasprintf(&path, "%s/%s/driver", dir, name);
	if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		free(path);
		return (-1);
	}
	free(path);
	xasprintf(&path, "%s/%s/modalias", dir, name);
	f = fopen(path, "re");
	free(path);
	if (f == NULL)
		return (-1);
	if (fgets(alias, sizeof alias, f) == NULL || *alias == '\n') {
		fclose(f);
		return (-1);
	}
	fclose(f);
	alias[strcspn(alias, "\n")] = '\0';
	memset(d, 0, sizeof *d);
	d->bus = xstrdup(bus);
	d->name = xstrdup(name);
	d->modalias = xstrdup(alias);
	return (0);
}

/* Every device of the buses under sysfs with no driver bound, by name. */
int
drivers_unbound(const char *sysfs, struct drivers_dev **out, int *n)
{
	struct drivers_dev	*d = NULL;
	struct dirent		**de;
	char			*dir;
	int			 b, i, nde;

	*n = 0;
	for (b = 0; drivers_buses[b] != NULL; b++) {
		xasprintf(&dir, "%s/bus/%s/devices", sysfs, drivers_buses[b]);
		if ((nde = scandir(dir, &de, NULL, alphasort)) == -1) {
			free(dir);
			continue;
		}
		for (i = 0; i < nde; i++) {
			if (de[i]->d_name[0] != '.' && *n < DRIVERS_MAX_DEVS) {
				d = xreallocarray(d, *n + 1, sizeof *d);
				if (drivers_device(dir, drivers_buses[b],
				    de[i]->d_name, &d[*n]) == 0)
					(*n)++;
			}
			free(de[i]);
		}
		free(de);
		free(dir);
	}
	*out = d;
	return (0);
}

void
drivers_devs_free(struct drivers_dev *d, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		free(d[i].bus);
		free(d[i].name);
		free(d[i].modalias);
	}
	free(d);
}

static char *
drivers_moddir(void)
{
	struct utsname	 u;
	char		*dir;

	uname(&u);
	xasprintf(&dir, "/lib/modules/%s", u.release);
	return (dir);
}

/* drivers: the list, as YAML. */
static int
drivers_list(const char *sysfs, const char *moddir)
{
	struct drivers_alias	*a = NULL;
	struct drivers_dev	*d;
	struct yw		*w;
	const char		*mod;
	char			*cause = NULL, *text;
	int			 na = 0, nd, i;

	if (drivers_aliases(moddir, &a, &na, &cause) != 0) {
		fprintf(stderr, "drivers: %s\n", cause);
		free(cause);
	}
	drivers_unbound(sysfs, &d, &nd);
	w = yw_new();
	yw_map(w);
	yw_str(w, "unbound");
	yw_seq(w);
	for (i = 0; i < nd; i++) {
		mod = drivers_match(a, na, d[i].modalias);
		yw_map(w);
		yw_kv(w, "bus", d[i].bus);
		yw_kv(w, "device", d[i].name);
		yw_kv(w, "modalias", d[i].modalias);
		yw_kv(w, "module", mod);
		yw_kvbool(w, "in_image", mod != NULL &&
		    drivers_in_image(moddir, mod));
		yw_end(w);
	}
	yw_end(w);
	yw_end(w);
	text = yw_finish(w, NULL);
	fputs(text, stdout);
	free(text);
	drivers_devs_free(d, nd);
	drivers_aliases_free(a, na);
	return (0);
}

/* Whether the running kernel loads only signed modules, and why. */
static const char *
drivers_locked(const char *sysfs)
{
	FILE	*f;
	char	*path, buf[256] = "";

	xasprintf(&path, "%s/kernel/security/lockdown", sysfs);
	f = fopen(path, "re");
	free(path);
	if (f != NULL) {
		if (fgets(buf, sizeof buf, f) == NULL)
			*buf = '\0';
		fclose(f);
		if (*buf != '\0' && strstr(buf, "[none]") == NULL)
			return ("the kernel is locked down (Secure Boot)");
	}
	xasprintf(&path, "%s/module/module/parameters/sig_enforce", sysfs);
	f = fopen(path, "re");
	free(path);
	if (f != NULL) {
		if (fgets(buf, sizeof buf, f) == NULL)
			*buf = '\0';
		fclose(f);
		if (*buf == 'Y')
			return ("the kernel enforces module signatures");
	}
	return (NULL);
}

/* Whether a module file carries a signature at its end. */
int
drivers_signed(const char *path)
{
	struct stat	 st;
	char		 tail[sizeof DRIVERS_SIG_MAGIC - 1];
	int		 fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof tail &&
	    pread(fd, tail, sizeof tail, st.st_size - sizeof tail) ==
	    (ssize_t)sizeof tail)
		ok = memcmp(tail, DRIVERS_SIG_MAGIC, sizeof tail) == 0;
	close(fd);
	return (ok);
}

/* A .ko file: a module for this kernel, signed if the kernel says so. */
static int
drivers_check_file(const char *sysfs, const char *path)
{
	struct utsname	 u;
	struct stat	 st;
	const char	*why, *p;
	char		*out;
	char		*argv[] = { "modinfo", (char *)path, NULL };
	int		 rc;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "drivers: %s: %s\n", path, errno != 0 ?
		    strerror(errno) : "not a file");
		return (-1);
	}
	rc = diag_cmd(argv, &out);
	if (rc != 0 || (p = strstr(out, "vermagic:")) == NULL) {
		fprintf(stderr, "drivers: %s is not a kernel module (modinfo "
		    "%s)\n", path, rc == 127 ? "is missing" : "says no");
		free(out);
		return (-1);
	}
	/* Said first: a technician can do nothing else about it. */
	if ((why = drivers_locked(sysfs)) != NULL && !drivers_signed(path)) {
		fprintf(stderr, "drivers: %s is not signed, and %s: it loads "
		    "only modules signed with a key it trusts. Use the "
		    "distribution's own module, or turn Secure Boot off in the "
		    "firmware\n", path, why);
		free(out);
		return (-1);
	}
	uname(&u);
	p += strlen("vermagic:");
	p += strspn(p, " \t");
	if (strncmp(p, u.release, strlen(u.release)) != 0 ||
	    (p[strlen(u.release)] != ' ' && p[strlen(u.release)] != '\n')) {
		fprintf(stderr, "drivers: %s is built for kernel %.*s, and "
		    "this one is %s\n", path, (int)strcspn(p, " \n"), p,
		    u.release);
		free(out);
		return (-1);
	}
	free(out);
	return (0);
}

/* The names under /sys/class/block. */
static int
drivers_blocks(const char *sysfs, struct strlist *l)
{
	DIR		*d;
	struct dirent	*de;
	char		*dir;

	strlist_clear(l);
	xasprintf(&dir, "%s/class/block", sysfs);
	d = opendir(dir);
	free(dir);
	if (d == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			strlist_add(l, de->d_name);
	}
	closedir(d);
	return (0);
}

static int
drivers_has(const struct strlist *l, const char *s)
{
	int	 i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0)
			return (1);
	}
	return (0);
}

/* What appeared since before: new disks come a moment after the load. */
static void
drivers_wait_new(const char *sysfs, const struct strlist *before,
    struct strlist *added)
{
	struct strlist	 now = { NULL, 0 };
	struct timespec		 ts = { 0, 100 * 1000 * 1000 };
	int			 ms, settle = -1, i;

	for (ms = 0; ms < DRIVERS_WAIT_MS; ms += 100) {
		drivers_blocks(sysfs, &now);
		strlist_clear(added);
		for (i = 0; i < now.n; i++) {
			if (!drivers_has(before, now.v[i]))
				strlist_add(added, now.v[i]);
		}
		if (added->n > 0 && settle == -1)
			settle = ms;
		if (settle != -1 && ms - settle >= DRIVERS_SETTLE_MS)
			break;
		nanosleep(&ts, NULL);
	}
	strlist_clear(&now);
}

/* drivers load NAME|PATH.ko */
static int
drivers_load(const char *sysfs, const char *what)
{
	struct strlist	 before = { NULL, 0 }, added = { NULL, 0 };
	struct diag		 d;
	struct yw		*w;
	const char		*type;
	char			*argv[3], *out, *text, dev[PATH_MAX];
	size_t			 len = strlen(what);
	int			 rc, i, j;

	if (what[0] == '/') {
		if (len < 4 || strcmp(what + len - 3, ".ko") != 0) {
			fprintf(stderr, "drivers: %s: a module file ends in "
			    ".ko\n", what);
			return (2);
		}
		if (drivers_check_file(sysfs, what) != 0)
			return (1);
		argv[0] = "insmod";
	} else {
		if (len == 0 || len > 64 || strspn(what, "abcdefghijklmnopq"
		    "rstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len) {
			fprintf(stderr, "drivers: bad module name \"%s\"\n",
			    what);
			return (2);
		}
		argv[0] = "modprobe";
	}
	argv[1] = (char *)what;
	argv[2] = NULL;
	drivers_blocks(sysfs, &before);
	if ((rc = diag_cmd(argv, &out)) != 0) {
		fprintf(stderr, "drivers: %s %s failed%s%s", argv[0], what,
		    *out != '\0' ? ": " : "\n", out);
		free(out);
		strlist_clear(&before);
		return (1);
	}
	free(out);
	drivers_wait_new(sysfs, &before, &added);
	memset(&d, 0, sizeof d);
	diag_devices_blkid(&d);
	w = yw_new();
	yw_map(w);
	yw_kv(w, "loaded", what);
	yw_str(w, "new_devices");
	yw_seq(w);
	for (i = 0; i < added.n; i++) {
		snprintf(dev, sizeof dev, "/dev/%s", added.v[i]);
		for (type = NULL, j = 0; j < d.ndevs; j++) {
			if (strcmp(d.devs[j].name, dev) == 0)
				type = d.devs[j].type;
		}
		yw_map(w);
		yw_kv(w, "device", dev);
		yw_kv(w, "fstype", type);
		yw_end(w);
	}
	yw_end(w);
	yw_kv(w, "roots", "scanned again by the next roots (or the viewer's "
	    "Roots screen)");
	yw_end(w);
	text = yw_finish(w, NULL);
	fputs(text, stdout);
	free(text);
	d.rootfd = -1;
	diag_free(&d);
	strlist_clear(&before);
	strlist_clear(&added);
	return (0);
}

/*
 * tetherd drivers [-m moddir] [-s sysfs] [load NAME|PATH.ko]: the
 * catalog's drivers and drivers-load tools. Exit 0, 1 when a load failed
 * or was refused, 2 on a usage error.
 */
int
drivers_main(int argc, char **argv)
{
	const char	*sysfs = "/sys";
	char		*moddir = NULL;
	int		 ch, rc;

	optind = 1;
	while ((ch = getopt(argc, argv, "m:s:")) != -1) {
		switch (ch) {
		case 'm':
			free(moddir);
			moddir = xstrdup(optarg);
			break;
		case 's':
			sysfs = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (moddir == NULL)
		moddir = drivers_moddir();
	if (argc == 0)
		rc = drivers_list(sysfs, moddir);
	else if (argc == 2 && strcmp(argv[0], "load") == 0)
		rc = drivers_load(sysfs, argv[1]);
	else {
		free(moddir);
		goto usage;
	}
	free(moddir);
	return (rc);
usage:
	fprintf(stderr, "usage: tetherd drivers [-m moddir] [-s sysfs] "
	    "[load module | load /path/to/file.ko]\n");
	return (2);
}
