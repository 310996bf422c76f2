/* SPDX-License-Identifier: ISC */

/*
 * Why an offline system does not boot (DaRT's Startup Repair): a table of
 * read-only checks over a root, each adding findings with the evidence
 * and, where a safe one exists, the catalog tool that fixes it. Nothing
 * here changes the root; commands run on its devices only to read them.
 */

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <blkid/blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define DIAG_MAX_FINDINGS	128
#define DIAG_CMD_MAX		(256 * 1024)	/* output kept of a command */
#define DIAG_CMD_TIMEOUT	120		/* seconds */
#define DIAG_LOG_TAIL		(4 * 1024 * 1024) /* bytes of a log read */
#define DIAG_LOG_UNITS		10		/* failed units reported */
#define DIAG_EVIDENCE_MAX	2048		/* bytes of evidence kept */

static void	diag_check_fstab(struct diag *);
static void	diag_check_boot(struct diag *);
static void	diag_check_filesystems(struct diag *);
static void	diag_check_accounts(struct diag *);
static void	diag_check_lastboot(struct diag *);
static void	diag_check_init(struct diag *);
static char	*diag_fs_evidence(char *const *, const char *);

static const struct diag_check {
	const char	*name;
	void		 (*check)(struct diag *);
} diag_checks[] = {
	{ "fstab", diag_check_fstab },
	{ "boot", diag_check_boot },
	{ "filesystems", diag_check_filesystems },
	{ "accounts", diag_check_accounts },
	{ "lastboot", diag_check_lastboot },
	{ "init", diag_check_init },
	{ NULL, NULL }
};

static const char *diag_severities[] = { "error", "warning", "info" };

/* Findings --------------------------------------------------------------- */

static struct diag_finding *
diag_add(struct diag *d, int severity, const char *check, const char *evidence,
    const char *fmt, ...)
{
	struct diag_finding	*f;
	va_list			 ap;

	if (d->n == DIAG_MAX_FINDINGS)
		return (NULL);
	d->findings = xreallocarray(d->findings, d->n + 1, sizeof *f);
	f = &d->findings[d->n++];
	memset(f, 0, sizeof *f);
	f->severity = severity;
	f->check = check;
	va_start(ap, fmt);
	xvasprintf(&f->what, fmt, ap);
	va_end(ap);
	/* A hostile disk's line can be of any length: keep a screenful. */
	if (evidence != NULL && strlen(evidence) > DIAG_EVIDENCE_MAX)
		xasprintf(&f->evidence, "%.*s...", DIAG_EVIDENCE_MAX,
		    evidence);
	else
		f->evidence = evidence != NULL ? xstrdup(evidence) : NULL;
	return (f);
}

/* A catalog call that fixes f, for the technician to run (never run here). */
static void
diag_fix(struct diag_finding *f, const char *tool, const char *arg,
    const char *confirm)
{
	if (f == NULL)
		return;
	f->fix_tool = xstrdup(tool);
	f->fix_arg = arg != NULL ? xstrdup(arg) : NULL;
	f->fix_confirm = confirm != NULL ? xstrdup(confirm) : NULL;
}

const char *
diag_severity_name(int severity)
{
	if (severity < 0 || severity > DIAG_INFO)
		return ("?");
	return (diag_severities[severity]);
}

/* Devices ---------------------------------------------------------------- */

void
diag_device_add(struct diag *d, const char *name, const char *type,
    const char *uuid, const char *label, const char *partuuid)
{
	struct diag_dev	*v;

	d->devs = xreallocarray(d->devs, d->ndevs + 1, sizeof *v);
	v = &d->devs[d->ndevs++];
	v->name = xstrdup(name);
	v->type = type != NULL ? xstrdup(type) : NULL;
	v->uuid = uuid != NULL ? xstrdup(uuid) : NULL;
	v->label = label != NULL ? xstrdup(label) : NULL;
	v->partuuid = partuuid != NULL ? xstrdup(partuuid) : NULL;
}

/* Every device libblkid finds: what the roots scan sees. */
void
diag_devices_blkid(struct diag *d)
{
	blkid_cache		 cache;
	blkid_dev_iterate	 it;
	blkid_dev		 dev;
	blkid_tag_iterate	 ti;
	const char		*type, *value, *t[4];

	if (blkid_get_cache(&cache, "/dev/null") != 0)
		return;
	blkid_probe_all(cache);
	it = blkid_dev_iterate_begin(cache);
	while (blkid_dev_next(it, &dev) == 0) {
		if ((dev = blkid_verify(cache, dev)) == NULL)
			continue;
		memset(t, 0, sizeof t);
		ti = blkid_tag_iterate_begin(dev);
		while (blkid_tag_next(ti, &type, &value) == 0) {
			if (strcmp(type, "TYPE") == 0)
				t[0] = value;
			else if (strcmp(type, "UUID") == 0)
				t[1] = value;
			else if (strcmp(type, "LABEL") == 0)
				t[2] = value;
			else if (strcmp(type, "PARTUUID") == 0)
				t[3] = value;
		}
		blkid_tag_iterate_end(ti);
		diag_device_add(d, blkid_dev_devname(dev), t[0], t[1], t[2],
		    t[3]);
	}
	blkid_dev_iterate_end(it);
	blkid_put_cache(cache);
}

/* The device an fstab or kernel spec names, among those seen; or NULL. */
const struct diag_dev *
diag_device_find(const struct diag *d, const char *spec)
{
	static const struct {
		const char	*prefix;
		size_t		 off;
		int		 icase;
	} tags[] = {
		{ "UUID=", offsetof(struct diag_dev, uuid), 1 },
		{ "/dev/disk/by-uuid/", offsetof(struct diag_dev, uuid), 1 },
		{ "LABEL=", offsetof(struct diag_dev, label), 0 },
		{ "/dev/disk/by-label/", offsetof(struct diag_dev, label), 0 },
		{ "PARTUUID=", offsetof(struct diag_dev, partuuid), 1 },
		{ "/dev/disk/by-partuuid/", offsetof(struct diag_dev,
		    partuuid), 1 },
		{ "", offsetof(struct diag_dev, name), 0 },
	};
	const char	*field;
	char		*v;
	size_t		 i, len;
	int		 j;

	/* The last prefix, "", matches any spec: a device by its name. */
	for (i = 0; i < nitems(tags) - 1; i++) {
		if (strncmp(spec, tags[i].prefix, strlen(tags[i].prefix)) == 0)
			break;
	}
	/* UUID="x" as blkid prints it is allowed in fstab too. */
	v = xstrdup(spec + strlen(tags[i].prefix));
	if (*v == '"' && (len = strlen(v)) >= 2 && v[len - 1] == '"') {
		memmove(v, v + 1, len - 2);
		v[len - 2] = '\0';
	}
	for (j = 0; j < d->ndevs; j++) {
		field = *(char *const *)((const char *)&d->devs[j] +
		    tags[i].off);
		if (field != NULL && (tags[i].icase ? strcasecmp(v, field) :
		    strcmp(v, field)) == 0) {
			free(v);
			return (&d->devs[j]);
		}
	}
	free(v);
	return (NULL);
}

/*
 * The device a root sits on, by its device number, if the root is the top
 * of that filesystem: a directory inside another system has none.
 */
static char *
diag_device_of(const struct diag *d)
{
	struct stat	 st, up, dst;
	int		 i;

	if (fstat(d->rootfd, &st) != 0 ||
	    fstatat(d->rootfd, "..", &up, 0) != 0 ||
	    (up.st_dev == st.st_dev && up.st_ino != st.st_ino))
		return (NULL);
	for (i = 0; i < d->ndevs; i++) {
		if (stat(d->devs[i].name, &dst) == 0 && S_ISBLK(dst.st_mode) &&
		    dst.st_rdev == st.st_dev)
			return (xstrdup(d->devs[i].name));
	}
	return (NULL);
}

/* Commands --------------------------------------------------------------- */

/* Read a child's output until EOF, the cap or the deadline. */
static void
diag_cmd_read(int fd, pid_t pid, char **out)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*buf, chunk[8192];
	size_t		 len = 0;
	ssize_t		 n;
	time_t		 end = time(NULL) + DIAG_CMD_TIMEOUT;

	buf = xmalloc(1);
	for (;;) {
		if (time(NULL) >= end) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if ((n = read(fd, chunk, sizeof chunk)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		if (len + n > DIAG_CMD_MAX)
			n = DIAG_CMD_MAX - len;
		buf = xreallocarray(buf, 1, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
}

/*
 * Run argv with stdout and stderr into *out, stdin from /dev/null; its exit
 * status, 127 if it could not run, or -1 if killed.
 */
int
diag_cmd(char *const *argv, char **out)
{
	pid_t	 pid;
	int	 p[2], status, fd;

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return (-1);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		closefrom(STDERR_FILENO + 1);
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	diag_cmd_read(p[0], pid, out);
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (-1);
	}
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (-1);
}

/* "cmd args: output", the output cut to its first lines, as evidence. */
static char *
diag_cmd_evidence(char *const *argv, const char *out, int lines)
{
	const char	*p = out;
	char		*s, *t;
	int		 i;

	s = xstrdup("$");
	for (i = 0; argv[i] != NULL; i++) {
		xasprintf(&t, "%s %s", s, argv[i]);
		free(s);
		s = t;
	}
	for (i = 0; i < lines && p != NULL && *p != '\0'; i++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	xasprintf(&t, "%s\n%.*s", s, p != NULL ? (int)(p - out) :
	    (int)strlen(out), out);
	free(s);
	return (t);
}

/* Files of the root ------------------------------------------------------ */

/* rel exists inside the root, links resolved there; its stat. */
static int
diag_stat(const struct diag *d, const char *rel, struct stat *st)
{
	int	 fd, rc;

	while (*rel == '/')
		rel++;
	if ((fd = root_openat(d->rootfd, *rel == '\0' ? "." : rel,
	    O_PATH)) == -1)
		return (-1);
	rc = fstat(fd, st);
	close(fd);
	return (rc);
}

static FILE *
diag_fopen(const struct diag *d, const char *rel)
{
	return (root_fopen(d->rootfd, rel));
}

/* The fstab, parsed; -1 with a finding if it does not parse. */
static int
diag_fstab(struct diag *d, struct root_fstab **e, int *n, int report)
{
	FILE	*f;
	char	*cause, *ev;

	*e = NULL;
	*n = 0;
	if ((f = diag_fopen(d, "etc/fstab")) == NULL) {
		if (report)
			diag_add(d, DIAG_WARNING, "fstab", "etc/fstab",
			    "etc/fstab is missing: nothing but / is mounted "
			    "at boot");
		return (-1);
	}
	if (root_fstab_parse(f, e, n, &cause) != 0) {
		fclose(f);
		if (report) {
			xasprintf(&ev, "etc/fstab: %s", cause);
			diag_fix(diag_add(d, DIAG_ERROR, "fstab", ev,
			    "etc/fstab does not parse"), "edit", "etc/fstab",
			    NULL);
			free(ev);
		}
		free(cause);
		return (-1);
	}
	fclose(f);
	return (0);
}

static int
diag_has_opt(const char *opts, const char *word)
{
	char	*copy, *p, *w;
	int	 found = 0;

	copy = p = xstrdup(opts);
	while (!found && (w = strsep(&p, ",")) != NULL)
		found = strcmp(w, word) == 0;
	free(copy);
	return (found);
}

static char *
diag_fstab_evidence(const struct root_fstab *e)
{
	char	*s;

	xasprintf(&s, "etc/fstab:%d: %s %s %s %s", e->line, e->spec, e->file,
	    e->type, e->opts);
	return (s);
}

/* fstab ------------------------------------------------------------------ */

/* One fstab entry whose device is not there. */
static void
diag_fstab_missing(struct diag *d, const struct root_fstab *e,
    const char *ev)
{
	if (diag_has_opt(e->opts, "nofail")) {
		diag_add(d, DIAG_WARNING, "fstab", ev, "%s (%s) is not on any "
		    "disk; nofail lets the boot go on without it", e->spec,
		    e->file);
		return;
	}
	if (strcmp(e->file, "/") == 0 || strcmp(e->type, "swap") == 0) {
		diag_fix(diag_add(d, DIAG_ERROR, "fstab", ev, "%s (%s) is not "
		    "on any disk", e->spec, e->file), "edit", "etc/fstab",
		    NULL);
		return;
	}
	diag_fix(diag_add(d, DIAG_ERROR, "fstab", ev, "%s (%s) is not on any "
	    "disk: the boot stops waiting for it (nofail would let it go "
	    "on)", e->spec, e->file), "edit", "etc/fstab", NULL);
}

/* ext2 and ext3 mount with the ext4 driver; other differences fail. */
static int
diag_type_compatible(const char *want, const char *have)
{
	if (strcmp(want, have) == 0 || strcmp(want, "auto") == 0)
		return (1);
	return (strncmp(want, "ext", 3) == 0 && strncmp(have, "ext", 3) == 0 &&
	    strcmp(want, "ext4") == 0);
}

static void
diag_check_fstab(struct diag *d)
{
	struct root_fstab	*e;
	const struct diag_dev	*v;
	unsigned long		 flags;
	char			*ev, *data;
	int			 n, i, slash = 0, noauto;

	if (diag_fstab(d, &e, &n, 1) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].file, "/") == 0)
			slash = 1;
		root_mount_options(e[i].opts, &flags, &data, &noauto);
		free(data);
		if ((root_fstype_virtual(e[i].type) &&
		    strcmp(e[i].type, "swap") != 0) || noauto ||
		    strchr(e[i].spec, ':') != NULL)
			continue;
		ev = diag_fstab_evidence(&e[i]);
		if ((v = diag_device_find(d, e[i].spec)) == NULL)
			diag_fstab_missing(d, &e[i], ev);
		else if (v->type != NULL && !diag_type_compatible(e[i].type,
		    v->type))
			diag_fix(diag_add(d, DIAG_ERROR, "fstab", ev, "%s is "
			    "listed as %s but %s holds %s", e[i].file,
			    e[i].type, v->name, v->type), "edit", "etc/fstab",
			    NULL);
		free(ev);
	}
	if (!slash)
		diag_fix(diag_add(d, DIAG_WARNING, "fstab", "etc/fstab",
		    "etc/fstab does not list /: it stays as the kernel "
		    "mounted it, read-only on most systems"), "edit",
		    "etc/fstab", NULL);
	root_fstab_free(e, n);
}

/* boot ------------------------------------------------------------------- */

/* Whether boot/NAME exists, from the version of a vmlinuz-VERSION. */
static int
diag_initrd_for(const struct diag *d, const char *version)
{
	static const char *forms[] = {
		"boot/initrd.img-%s", "boot/initramfs-%s.img", "boot/initrd-%s",
		"boot/initramfs-%s", NULL
	};
	struct stat	 st;
	char		*p;
	int		 i, found = 0;

	for (i = 0; !found && forms[i] != NULL; i++) {
		xasprintf(&p, forms[i], version);
		found = diag_stat(d, p, &st) == 0 && S_ISREG(st.st_mode);
		free(p);
	}
	return (found);
}

/* Kernels in /boot, each with its initramfs; the count of kernels. */
static int
diag_boot_kernels(struct diag *d)
{
	DIR		*dir;
	struct dirent	*de;
	const char	*version;
	char		*ev;
	int		 fd, kernels = 0;

	if ((fd = root_openat(d->rootfd, "boot", O_RDONLY | O_DIRECTORY)) ==
	    -1 || (dir = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return (0);
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "vmlinuz-", 8) == 0)
			version = de->d_name + 8;
		else if (strncmp(de->d_name, "vmlinux-", 8) == 0)
			version = de->d_name + 8;
		else
			continue;
		kernels++;
		if (diag_initrd_for(d, version))
			continue;
		xasprintf(&ev, "boot/%s: no boot/initrd.img-%s", de->d_name,
		    version);
		diag_fix(diag_add(d, DIAG_ERROR, "boot", ev, "kernel %s has "
		    "no initramfs", version), "initramfs", version, NULL);
		free(ev);
	}
	closedir(dir);
	return (kernels);
}

/* Every root=UUID= and search --fs-uuid of one bootloader file. */
static void
diag_boot_uuids(struct diag *d, const char *rel, FILE *f)
{
	struct diag_finding	*fi;
	char			*line = NULL, *p, *q, *ev, spec[128];
	size_t			 size = 0;
	int			 lineno = 0, missing = 0;

	while (getline(&line, &size, f) != -1) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		for (p = line; (p = strstr(p, "root=UUID=")) != NULL;
		    p += 10) {
			q = p + 5;
			snprintf(spec, sizeof spec, "%.*s", (int)strcspn(q,
			    " \t\"'"), q);
			if (diag_device_find(d, spec) != NULL || missing++ > 8)
				continue;
			xasprintf(&ev, "%s:%d: %s", rel, lineno, line +
			    strspn(line, " \t"));
			fi = diag_add(d, DIAG_ERROR, "boot", ev, "%s names "
			    "root %s, which is on no disk", rel, spec);
			if (d->disk != NULL)
				diag_fix(fi, "grub", d->disk, d->disk);
			free(ev);
		}
	}
	free(line);
}

static void
diag_boot_loader(struct diag *d)
{
	static const char *cfgs[] = {
		"boot/grub/grub.cfg", "boot/grub2/grub.cfg", NULL
	};
	DIR		*dir;
	struct dirent	*de;
	FILE		*f;
	char		*rel;
	int		 i, fd;

	for (i = 0; cfgs[i] != NULL; i++) {
		if ((f = diag_fopen(d, cfgs[i])) == NULL)
			continue;
		diag_boot_uuids(d, cfgs[i], f);
		fclose(f);
	}
	/* systemd-boot: entries on the ESP or in /boot. */
	for (i = 0; i < 2; i++) {
		rel = i == 0 ? "boot/loader/entries" :
		    "boot/efi/loader/entries";
		if ((fd = root_openat(d->rootfd, rel, O_RDONLY |
		    O_DIRECTORY)) == -1)
			continue;
		if ((dir = fdopendir(fd)) == NULL) {
			close(fd);
			continue;
		}
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			xasprintf(&rel, "%s/%s", i == 0 ?
			    "boot/loader/entries" : "boot/efi/loader/entries",
			    de->d_name);
			if ((f = diag_fopen(d, rel)) != NULL) {
				diag_boot_uuids(d, rel, f);
				fclose(f);
			}
			free(rel);
		}
		closedir(dir);
	}
}

/*
 * Whether the ESP would mount: fsck.fat -n reads its boot sector, FATs
 * and directories and changes nothing.
 */
static void
diag_boot_esp_sound(struct diag *d, const char *dev)
{
	char	*argv[] = { "fsck.fat", "-n", (char *)dev, NULL };
	char	*out, *ev;
	int	 rc;

	rc = diag_cmd(argv, &out);
	if (rc == 127)
		diag_add(d, DIAG_INFO, "boot", NULL, "the EFI system "
		    "partition %s not checked: fsck.fat is not in the rescue "
		    "system", dev);
	else if (rc != 0) {
		ev = diag_fs_evidence(argv, out);
		diag_fix(diag_add(d, DIAG_ERROR, "boot", ev, "the EFI system "
		    "partition %s is damaged: the firmware may not read it",
		    dev), "fsck-repair", dev, dev);
		free(ev);
	}
	free(out);
}

/* A system that boots by UEFI lists its ESP at /boot/efi (or /efi). */
static void
diag_boot_esp(struct diag *d)
{
	struct root_fstab	*e;
	const struct diag_dev	*v;
	char			*ev;
	int			 n, i;

	if (diag_fstab(d, &e, &n, 0) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].file, "/boot/efi") != 0 &&
		    strcmp(e[i].file, "/efi") != 0)
			continue;
		ev = diag_fstab_evidence(&e[i]);
		if ((v = diag_device_find(d, e[i].spec)) == NULL)
			diag_add(d, DIAG_ERROR, "boot", ev, "the EFI system "
			    "partition %s is on no disk", e[i].spec);
		else if (v->type == NULL || strcmp(v->type, "vfat") != 0)
			diag_add(d, DIAG_ERROR, "boot", ev, "the EFI system "
			    "partition %s holds %s, not a FAT filesystem: "
			    "the firmware cannot read it", v->name,
			    v->type != NULL ? v->type : "nothing known");
		else
			diag_boot_esp_sound(d, v->name);
		free(ev);
	}
	root_fstab_free(e, n);
}

/*
 * GRUB's EFI modules, or an EFI directory, say the system boots by UEFI:
 * then it needs an EFI system partition in its fstab.
 */
static void
diag_boot_uefi(struct diag *d)
{
	static const char *signs[] = {
		"boot/grub/x86_64-efi", "boot/grub/arm64-efi",
		"boot/efi/EFI", NULL
	};
	struct root_fstab	*e;
	struct stat		 st;
	char			*ev;
	int			 n, i;

	for (i = 0; signs[i] != NULL; i++) {
		if (diag_stat(d, signs[i], &st) == 0 && S_ISDIR(st.st_mode))
			break;
	}
	if (signs[i] == NULL || diag_fstab(d, &e, &n, 0) != 0)
		return;
	xasprintf(&ev, "%s/ exists; etc/fstab has no /boot/efi", signs[i]);
	for (i = 0; i < n; i++) {
		if (strcmp(e[i].file, "/boot/efi") == 0 ||
		    strcmp(e[i].file, "/efi") == 0)
			break;
	}
	if (i == n)
		diag_fix(diag_add(d, DIAG_WARNING, "boot", ev, "the system "
		    "boots by UEFI but its fstab lists no EFI system "
		    "partition: kernel updates will not reach the boot "
		    "loader"), "edit", "etc/fstab", NULL);
	free(ev);
	root_fstab_free(e, n);
}

static void
diag_check_boot(struct diag *d)
{
	diag_boot_uefi(d);
	if (diag_boot_kernels(d) == 0)
		diag_add(d, DIAG_ERROR, "boot", "boot/: no vmlinuz-*",
		    "no kernel in /boot");
	diag_boot_loader(d);
	diag_boot_esp(d);
}

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
static char *
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

static void
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

static void
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

static void
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

/* init ------------------------------------------------------------------- */

/* init= of the first kernel line of grub.cfg, if any; its evidence. */
static char *
diag_init_param(struct diag *d, char **ev)
{
	FILE	*f;
	char	*line = NULL, *p, *init = NULL;
	size_t	 size = 0;
	int	 lineno = 0;

	*ev = NULL;
	if ((f = diag_fopen(d, "boot/grub/grub.cfg")) == NULL &&
	    (f = diag_fopen(d, "boot/grub2/grub.cfg")) == NULL)
		return (NULL);
	while (init == NULL && getline(&line, &size, f) != -1) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		p = line + strspn(line, " \t");
		if (strncmp(p, "linux", 5) != 0)
			continue;
		if ((p = strstr(p, " init=")) == NULL)
			continue;
		p += 6;
		init = xstrndup(p, strcspn(p, " \t\"'"));
		xasprintf(ev, "boot/grub/grub.cfg:%d: %s", lineno,
		    line + strspn(line, " \t"));
	}
	free(line);
	fclose(f);
	return (init);
}

static void
diag_check_init(struct diag *d)
{
	struct stat	 st;
	char		*init, *ev;

	if ((init = diag_init_param(d, &ev)) == NULL) {
		init = xstrdup("/sbin/init");
		ev = xstrdup("sbin/init");
	}
	if (diag_stat(d, init, &st) != 0)
		diag_add(d, DIAG_ERROR, "init", ev, "%s does not exist in the "
		    "system (%s): the kernel panics after mounting /", init,
		    errno == ELOOP ? "a link loop" : errno == ENOENT ?
		    "not found, or a link to nothing" : strerror(errno));
	else if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
		diag_add(d, DIAG_ERROR, "init", ev, "%s is not an executable "
		    "file", init);
	free(init);
	free(ev);
}

/* The report -------------------------------------------------------------- */

/* Open the root; device may be NULL (found from the devices seen). */
int
diag_open(struct diag *d, const char *root, const char *device, char **cause)
{
	memset(d, 0, sizeof *d);
	if ((d->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		xasprintf(cause, "%s: %s", root, strerror(errno));
		return (-1);
	}
	d->root = xstrdup(root);
	if (device != NULL)
		d->device = xstrdup(device);
	return (0);
}

/* The whole-disk device of a partition, for the grub fix; or NULL. */
static char *
diag_disk_of(const char *dev)
{
	char	*sys, *real, *base, *out = NULL;
	const char *name;

	if (dev == NULL || strncmp(dev, "/dev/", 5) != 0)
		return (NULL);
	name = dev + 5;
	xasprintf(&sys, "/sys/class/block/%s/partition", name);
	if (access(sys, F_OK) != 0) {
		free(sys);
		return (NULL);
	}
	free(sys);
	xasprintf(&sys, "/sys/class/block/%s/..", name);
	if ((real = realpath(sys, NULL)) != NULL &&
	    (base = strrchr(real, '/')) != NULL)
		xasprintf(&out, "/dev/%s", base + 1);
	free(real);
	free(sys);
	return (out);
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return (x->severity - y->severity);
	return (x->order - y->order);
}

/* Every check, then the findings worst first, in check order within. */
void
diag_run(struct diag *d)
{
	const struct diag_check	*c;
	int			 i;

	if (d->device == NULL)
		d->device = diag_device_of(d);
	if (d->disk == NULL)
		d->disk = diag_disk_of(d->device);
	for (c = diag_checks; c->name != NULL; c++)
		c->check(d);
	for (i = 0; i < d->n; i++)
		d->findings[i].order = i;
	if (d->n > 1)
		qsort(d->findings, d->n, sizeof *d->findings, diag_cmp);
}

/* The fix as a catalog call: "run TOOL [--confirm=WORD] [ARG]". */
static char *
diag_fix_command(const struct diag_finding *f)
{
	char	*s;

	xasprintf(&s, "run %s%s%s%s%s", f->fix_tool,
	    f->fix_confirm != NULL ? " --confirm=" : "",
	    f->fix_confirm != NULL ? f->fix_confirm : "",
	    f->fix_arg != NULL ? " " : "",
	    f->fix_arg != NULL ? f->fix_arg : "");
	return (s);
}

void
diag_yaml(struct yw *w, const struct diag *d)
{
	const struct diag_finding	*f;
	char				*cmd;
	int				 i, count[3] = { 0, 0, 0 };

	for (i = 0; i < d->n; i++)
		count[d->findings[i].severity]++;
	yw_map(w);
	yw_kv(w, "root", d->root);
	yw_kv(w, "device", d->device);
	yw_kvint(w, "errors", count[DIAG_ERROR]);
	yw_kvint(w, "warnings", count[DIAG_WARNING]);
	yw_str(w, "findings");
	yw_seq(w);
	for (i = 0; i < d->n; i++) {
		f = &d->findings[i];
		yw_map(w);
		yw_kv(w, "severity", diag_severity_name(f->severity));
		yw_kv(w, "check", f->check);
		yw_kv(w, "what", f->what);
		yw_kv(w, "evidence", f->evidence);
		if (f->fix_tool != NULL) {
			yw_str(w, "fix");
			yw_map(w);
			yw_kv(w, "tool", f->fix_tool);
			yw_kvlist(w, "args", f->fix_arg != NULL ?
			    (char **)&f->fix_arg : NULL, f->fix_arg != NULL);
			yw_kv(w, "confirm", f->fix_confirm);
			cmd = diag_fix_command(f);
			yw_kv(w, "command", cmd);
			free(cmd);
			yw_end(w);
		}
		yw_end(w);
	}
	yw_end(w);
	yw_end(w);
}

void
diag_free(struct diag *d)
{
	int	 i;

	for (i = 0; i < d->n; i++) {
		free(d->findings[i].what);
		free(d->findings[i].evidence);
		free(d->findings[i].fix_tool);
		free(d->findings[i].fix_arg);
		free(d->findings[i].fix_confirm);
	}
	free(d->findings);
	for (i = 0; i < d->ndevs; i++) {
		free(d->devs[i].name);
		free(d->devs[i].type);
		free(d->devs[i].uuid);
		free(d->devs[i].label);
		free(d->devs[i].partuuid);
	}
	free(d->devs);
	free(d->root);
	free(d->device);
	free(d->fstype);
	free(d->disk);
	if (d->rootfd != -1)
		close(d->rootfd);
	memset(d, 0, sizeof *d);
	d->rootfd = -1;
}

/* The report of one root as YAML text, under "diagnosis:". */
char *
diag_report(const char *root, const char *device, int *errors)
{
	struct diag	 d;
	struct yw	*w;
	char		*cause, *text;
	int		 i;

	*errors = 0;
	w = yw_new();
	yw_map(w);
	yw_str(w, "diagnosis");
	if (diag_open(&d, root, device, &cause) != 0) {
		yw_map(w);
		yw_kv(w, "root", root);
		yw_kv(w, "error", cause);
		yw_end(w);
		free(cause);
		*errors = -1;
	} else {
		diag_devices_blkid(&d);
		diag_run(&d);
		diag_yaml(w, &d);
		for (i = 0; i < d.n; i++)
			*errors += d.findings[i].severity == DIAG_ERROR;
		diag_free(&d);
	}
	yw_end(w);
	text = yw_finish(w, NULL);
	return (text);
}

/*
 * tetherd diagnose [-d device] root: the catalog's diagnose tool. Exit 0
 * with no error found, 1 with one or more, 2 on a usage error.
 */
int
diag_main(int argc, char **argv)
{
	const char	*device = NULL;
	char		*text;
	int		 ch, errors;

	optind = 1;
	while ((ch = getopt(argc, argv, "d:")) != -1) {
		switch (ch) {
		case 'd':
			device = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || argv[optind][0] != '/')
		goto usage;
	text = diag_report(argv[optind], device, &errors);
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0)
		return (2);
	return (errors == 0 ? 0 : errors < 0 ? 2 : 1);
usage:
	fprintf(stderr, "usage: tetherd diagnose [-d device] /path/to/root\n");
	return (2);
}
