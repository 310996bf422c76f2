/* SPDX-License-Identifier: ISC */

/*
 * Startup Repair's checks of what starts the system: fstab (every entry
 * resolves to a device the scan saw, with the type blkid finds), the boot
 * loader and kernels in /boot with the ESP, and init inside the root.
 */

#include <sys/stat.h>

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

void
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

void
diag_check_boot(struct diag *d)
{
	diag_boot_uefi(d);
	if (diag_boot_kernels(d) == 0)
		diag_add(d, DIAG_ERROR, "boot", "boot/: no vmlinuz-*",
		    "no kernel in /boot");
	diag_boot_loader(d);
	diag_boot_esp(d);
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

void
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
