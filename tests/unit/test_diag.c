/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/diagnose.c: a healthy system made in a temporary
 * directory has no finding; each fixture adds one fault to it and must
 * get the finding that names it, and nothing else. Filesystem states come
 * from small ext4 images made with mkfs.ext4 -d (no loop device).
 */

#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../agentd/tetherd.h"

#define UUID_ROOT	"11111111-2222-3333-4444-555555555555"
#define UUID_ESP	"ABCD-1234"
#define KVER		"6.1.0-13-amd64"

static char	 tmp[] = "/tmp/test_diag.XXXXXX";
static char	 root[256];
static char	 esp[256];	/* the ESP: a FAT image */

static void
put(const char *rel, const char *text, int mode)
{
	char	 path[512], *p;
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
del(const char *rel)
{
	char	 path[512];

	snprintf(path, sizeof path, "%s/%s", root, rel);
	assert_int_equal(unlink(path), 0);
}

static void
link_to(const char *target, const char *rel)
{
	char	 path[512];

	snprintf(path, sizeof path, "%s/%s", root, rel);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

#define FSTAB_OK \
	"# <file system> <mount point> <type> <options> <dump> <pass>\n" \
	"UUID=" UUID_ROOT " / ext4 errors=remount-ro 0 1\n" \
	"UUID=" UUID_ESP " /boot/efi vfat umask=0077 0 1\n" \
	"tmpfs /tmp tmpfs defaults 0 0\n"
#define GRUB_OK \
	"menuentry 'Debian GNU/Linux' {\n" \
	"\tsearch --no-floppy --fs-uuid --set=root " UUID_ROOT "\n" \
	"\tlinux /boot/vmlinuz-" KVER " root=UUID=" UUID_ROOT " ro quiet\n" \
	"\tinitrd /boot/initrd.img-" KVER "\n}\n"

/* A healthy Debian-like system: no check finds anything. */
static int
setup(void **state)
{
	char	 cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s/root %s/esp.img; mkfs.vfat -C "
	    "%s/esp.img 4096 >/dev/null", tmp, tmp, tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(esp, sizeof esp, "%s/esp.img", tmp);
	snprintf(root, sizeof root, "%s/root", tmp);
	mkdir(root, 0755);
	put("etc/fstab", FSTAB_OK, 0644);
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
	    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n", 0644);
	put("etc/shadow", "root:*:19000:0:99999:7:::\n"
	    "alice:!:19000:0:99999:7:::\n", 0640);
	put("etc/group", "root:x:0:\nalice:x:1000:\n", 0644);
	put("bin/sh", "#!shell\n", 0755);
	put("lib/systemd/systemd", "systemd\n", 0755);
	put("sbin/.keep", "", 0644);
	/* An absolute link: it must resolve inside the root. */
	link_to("/lib/systemd/systemd", "sbin/init");
	put("boot/vmlinuz-" KVER, "kernel\n", 0644);
	put("boot/initrd.img-" KVER, "initrd\n", 0644);
	put("boot/grub/grub.cfg", GRUB_OK, 0644);
	put("var/log/syslog", "Nov 25 10:00:00 host systemd[1]: Started "
	    "ssh.service - OpenBSD Secure Shell server.\n"
	    "Nov 25 10:00:01 host kernel: EXT4-fs (sda1): mounted\n", 0644);
	return (0);
}

/* Diagnose the fixture with the two devices a scan would have seen. */
static void
diagnose_fs(struct diag *d, const char *device, const char *fstype,
    const char *esp_type)
{
	char	*cause = NULL;

	assert_int_equal(diag_open(d, root, NULL, &cause), 0);
	if (device != NULL) {
		d->device = xstrdup(device);
		d->fstype = xstrdup(fstype);
	}
	diag_device_add(d, "/dev/test1", "ext4", UUID_ROOT, "root", NULL);
	diag_device_add(d, esp, esp_type, UUID_ESP, NULL, "0badf00d-01");
	diag_run(d);
}

static void
diagnose(struct diag *d, const char *device, const char *esp_type)
{
	diagnose_fs(d, device, "ext4", esp_type);
}

static void
dump(const struct diag *d)
{
	int	 i;

	for (i = 0; i < d->n; i++)
		print_message("# %s %s: %s [%s]\n",
		    diag_severity_name(d->findings[i].severity),
		    d->findings[i].check, d->findings[i].what,
		    d->findings[i].evidence != NULL ?
		    d->findings[i].evidence : "");
}

/* Exactly n findings, the first of check and severity, what has text. */
static const struct diag_finding *
expect(struct diag *d, int n, const char *check, int severity,
    const char *text)
{
	const struct diag_finding *f;

	dump(d);
	assert_int_equal(d->n, n);
	f = &d->findings[0];
	assert_string_equal(f->check, check);
	assert_int_equal(f->severity, severity);
	assert_non_null(strstr(f->what, text));
	return (f);
}

static void
test_healthy(void **state)
{
	struct diag	 d;
	struct yw	*w;
	char		*text;

	(void)state;
	diagnose(&d, NULL, "vfat");
	dump(&d);
	assert_int_equal(d.n, 0);
	w = yw_new();
	diag_yaml(w, &d);
	text = yw_finish(w, NULL);
	assert_non_null(strstr(text, "errors: 0\n"));
	assert_non_null(strstr(text, "findings: []\n"));
	free(text);
	diag_free(&d);
}

static void
test_fstab_uuid(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("etc/fstab", "UUID=" UUID_ROOT " / ext4 defaults 0 1\n"
	    "UUID=99999999-dead-beef-0000-000000000000 /home ext4 defaults "
	    "0 2\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "fstab", DIAG_ERROR, "is not on any disk");
	assert_non_null(strstr(f->what, "nofail would let it go on"));
	assert_string_equal(f->evidence, "etc/fstab:2: UUID=99999999-dead-"
	    "beef-0000-000000000000 /home ext4 defaults");
	assert_string_equal(f->fix_tool, "edit");
	assert_string_equal(f->fix_arg, "etc/fstab");
	diag_free(&d);
}

/* A hostile disk's endless line is cut in the evidence. */
static void
test_fstab_long(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;
	char		*line;

	(void)state;
	line = xmalloc(6000);
	memset(line, 'o', 5000);
	memcpy(line + 5000, "\n", 2);
	memcpy(line, "LABEL=x /srv ext4 ", 18);
	put("etc/fstab", "UUID=" UUID_ROOT " / ext4 defaults 0 1\n", 0644);
	{
		char	 path[512];
		FILE	*fp;

		snprintf(path, sizeof path, "%s/etc/fstab", root);
		assert_non_null(fp = fopen(path, "a"));
		fputs(line, fp);
		fclose(fp);
	}
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "fstab", DIAG_ERROR, "LABEL=x (/srv) is not on any "
	    "disk");
	assert_int_equal(strlen(f->evidence), 2048 + 3);
	assert_string_equal(f->evidence + 2048, "...");
	diag_free(&d);
	free(line);
}

static void
test_fstab_nofail(void **state)
{
	struct diag	 d;

	(void)state;
	put("etc/fstab", "UUID=" UUID_ROOT " / ext4 defaults 0 1\n"
	    "LABEL=backup /backup ext4 defaults,nofail 0 2\n", 0644);
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "fstab", DIAG_WARNING, "nofail lets the boot go on");
	diag_free(&d);
}

static void
test_fstab_type(void **state)
{
	struct diag	 d;

	(void)state;
	put("etc/fstab", "/dev/test1 / xfs defaults 0 1\n", 0644);
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "fstab", DIAG_ERROR, "listed as xfs but /dev/test1 "
	    "holds ext4");
	diag_free(&d);
}

static void
test_fstab_no_slash(void **state)
{
	struct diag	 d;

	(void)state;
	put("etc/fstab", "PARTUUID=0badf00d-01 /boot/efi vfat defaults 0 1\n",
	    0644);
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "fstab", DIAG_WARNING, "does not list /");
	diag_free(&d);
}

static void
test_fstab_parse(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("etc/fstab", "UUID=" UUID_ROOT " / ext4 defaults 0 1\n"
	    "this-is-not-an-fstab\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "fstab", DIAG_ERROR, "does not parse");
	assert_string_equal(f->evidence, "etc/fstab: line 2: expected 4 to 6 "
	    "fields, got 1");
	diag_free(&d);
}

static void
test_boot_no_kernel(void **state)
{
	struct diag	 d;

	(void)state;
	del("boot/vmlinuz-" KVER);
	del("boot/initrd.img-" KVER);
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "boot", DIAG_ERROR, "no kernel in /boot");
	diag_free(&d);
}

static void
test_boot_no_initrd(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	del("boot/initrd.img-" KVER);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "boot", DIAG_ERROR, "kernel " KVER " has no "
	    "initramfs");
	assert_string_equal(f->fix_tool, "initramfs");
	assert_string_equal(f->fix_arg, KVER);
	diag_free(&d);
}

static void
test_boot_grub_uuid(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("boot/grub/grub.cfg", "menuentry 'Debian' {\n"
	    "\tlinux /boot/vmlinuz-" KVER " root=UUID=77777777-0000-0000-0000-"
	    "000000000000 ro\n}\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "boot", DIAG_ERROR, "names root UUID=77777777");
	assert_string_equal(f->evidence, "boot/grub/grub.cfg:2: linux "
	    "/boot/vmlinuz-" KVER " root=UUID=77777777-0000-0000-0000-"
	    "000000000000 ro");
	diag_free(&d);
}

static void
test_boot_loader_entry(void **state)
{
	struct diag	 d;

	(void)state;
	put("boot/loader/entries/debian.conf", "title Debian\n"
	    "linux /vmlinuz\noptions root=UUID=0000 rw\n", 0644);
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "boot", DIAG_ERROR, "boot/loader/entries/debian.conf "
	    "names root UUID=0000");
	diag_free(&d);
}

/* A FAT that fsck.fat -n does not accept: its sector size changed. */
static void
test_boot_esp_damaged(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;
	char		 cmd[600];

	(void)state;
	snprintf(cmd, sizeof cmd, "printf XX | dd of=%s bs=1 seek=11 "
	    "conv=notrunc status=none", esp);
	assert_int_equal(system(cmd), 0);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "boot", DIAG_ERROR, "is damaged");
	assert_non_null(strstr(f->evidence, "$ fsck.fat -n "));
	assert_non_null(strstr(f->evidence, "Logical sector size"));
	assert_string_equal(f->fix_tool, "fsck-repair");
	assert_string_equal(f->fix_arg, esp);
	diag_free(&d);
}

static void
test_boot_esp(void **state)
{
	struct diag	 d;
	int		 i, nesp = 0;

	(void)state;
	diagnose(&d, NULL, "ntfs");
	dump(&d);
	/* The fstab's type and the ESP's both say it. */
	assert_int_equal(d.n, 2);
	for (i = 0; i < d.n; i++)
		nesp += strcmp(d.findings[i].check, "boot") == 0 &&
		    strstr(d.findings[i].what, "not a FAT filesystem") != NULL;
	assert_int_equal(nesp, 1);
	diag_free(&d);
}

static void
image(const char *name, const char *fill, const char *after)
{
	char	 cmd[1024];

	snprintf(cmd, sizeof cmd, "set -e; cd %s; rm -rf fill; mkdir fill; "
	    "cd fill; %s; cd ..; mkfs.ext4 -q -F -O ^has_journal %s -d fill "
	    "%s 1M >/dev/null 2>&1; %s", tmp, fill,
	    strcmp(name, "inodes.img") == 0 ? "-N 16" : "", name, after);
	assert_int_equal(system(cmd), 0);
}

static void
test_fs_clean_image(void **state)
{
	struct diag	 d;
	char		 img[300];

	(void)state;
	image("clean.img", "echo x >a", "true");
	snprintf(img, sizeof img, "%s/clean.img", tmp);
	diagnose(&d, img, "vfat");
	dump(&d);
	assert_int_equal(d.n, 0);
	diag_free(&d);
}

static void
test_fs_errors(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;
	char		 img[300];

	(void)state;
	image("errors.img", "echo x >a", "debugfs -w -R 'ssv state 3' "
	    "errors.img >/dev/null 2>&1");
	snprintf(img, sizeof img, "%s/errors.img", tmp);
	diagnose(&d, img, "vfat");
	f = expect(&d, 1, "filesystems", DIAG_ERROR, "has recorded errors");
	assert_non_null(strstr(f->evidence, "$ dumpe2fs -h "));
	assert_non_null(strstr(f->evidence, "Filesystem state:"));
	assert_string_equal(f->fix_tool, "fsck-repair");
	assert_string_equal(f->fix_arg, img);
	assert_string_equal(f->fix_confirm, img);
	diag_free(&d);
}

static void
test_fs_dirty(void **state)
{
	struct diag	 d;
	char		 img[300];

	(void)state;
	image("dirty.img", "echo x >a", "debugfs -w -R 'ssv state 0' "
	    "dirty.img >/dev/null 2>&1");
	snprintf(img, sizeof img, "%s/dirty.img", tmp);
	diagnose(&d, img, "vfat");
	expect(&d, 1, "filesystems", DIAG_WARNING, "not cleanly unmounted");
	diag_free(&d);
}

static void
test_fs_full(void **state)
{
	struct diag	 d;
	char		 img[300];

	(void)state;
	image("full.img", "head -c 985000 /dev/urandom >big", "true");
	snprintf(img, sizeof img, "%s/full.img", tmp);
	diagnose(&d, img, "vfat");
	expect(&d, 1, "filesystems", DIAG_ERROR, "is full");
	diag_free(&d);
}

static void
test_fs_inodes(void **state)
{
	struct diag	 d;
	char		 img[300];

	(void)state;
	image("inodes.img", ": >1; : >2; : >3; : >4; : >5", "true");
	snprintf(img, sizeof img, "%s/inodes.img", tmp);
	diagnose(&d, img, "vfat");
	expect(&d, 1, "filesystems", DIAG_ERROR, "has no inodes left");
	diag_free(&d);
}

/* A system with GRUB's EFI modules and no ESP in its fstab. */
static void
test_boot_uefi_no_esp(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("boot/grub/x86_64-efi/normal.mod", "mod\n", 0644);
	put("etc/fstab", "UUID=" UUID_ROOT " / ext4 defaults 0 1\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "boot", DIAG_WARNING, "boots by UEFI but its fstab "
	    "lists no EFI system partition");
	assert_string_equal(f->evidence, "boot/grub/x86_64-efi/ exists; "
	    "etc/fstab has no /boot/efi");
	diag_free(&d);
}

/* Images of 300 MiB (xfs's least) and 120 MiB, sparse. */
static void
fs_image(const char *name, const char *make, const char *after)
{
	char	 cmd[1024];

	snprintf(cmd, sizeof cmd, "set -e; cd %s; rm -rf fill %s; mkdir fill; "
	    "echo x >fill/a; %s >/dev/null 2>&1; %s", tmp, name, make, after);
	assert_int_equal(system(cmd), 0);
}

static void
test_fs_xfs(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;
	char		 img[300];

	(void)state;
	if (system("command -v mkfs.xfs xfs_db xfs_repair >/dev/null") != 0)
		skip();
	fs_image("x.img", "truncate -s 300M x.img; mkfs.xfs -q x.img", "true");
	snprintf(img, sizeof img, "%s/x.img", tmp);
	diagnose_fs(&d, img, "xfs", "vfat");
	dump(&d);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	fs_image("x.img", "truncate -s 300M x.img; mkfs.xfs -q x.img",
	    "xfs_db -x -c 'sb 0' -c 'write -d icount 12345' x.img "
	    ">/dev/null 2>&1");
	diagnose_fs(&d, img, "xfs", "vfat");
	f = expect(&d, 1, "filesystems", DIAG_ERROR, "xfs_repair finds "
	    "damage");
	assert_non_null(strstr(f->evidence, "$ xfs_repair -n -f "));
	assert_non_null(strstr(f->evidence, "sb_icount 12345, counted"));
	assert_null(strstr(f->evidence, "Phase "));
	assert_string_equal(f->fix_tool, "fsck-repair");
	diag_free(&d);
	unlink(img);
}

static void
test_fs_btrfs(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;
	char		 img[300];

	(void)state;
	if (system("command -v mkfs.btrfs btrfs >/dev/null") != 0)
		skip();
	fs_image("b.img", "truncate -s 120M b.img; mkfs.btrfs -q --rootdir "
	    "fill b.img", "true");
	snprintf(img, sizeof img, "%s/b.img", tmp);
	diagnose_fs(&d, img, "btrfs", "vfat");
	dump(&d);
	assert_int_equal(d.n, 0);
	diag_free(&d);
	/* One byte of the superblock changed: its checksum fails. */
	fs_image("b.img", "truncate -s 120M b.img; mkfs.btrfs -q --rootdir "
	    "fill b.img", "printf '\\377' | dd of=b.img bs=1 "
	    "seek=65736 conv=notrunc status=none");
	diagnose_fs(&d, img, "btrfs", "vfat");
	f = expect(&d, 1, "filesystems", DIAG_ERROR, "btrfs finds damage");
	assert_non_null(strstr(f->evidence, "superblock checksum mismatch"));
	diag_free(&d);
	unlink(img);
}

static void
test_accounts_parse(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("etc/shadow", "root:*:19000:0:99999:7:::\nalice:!:19000\n", 0640);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "accounts", DIAG_ERROR, "etc/shadow does not parse");
	assert_string_equal(f->evidence, "etc/shadow: line 2: 3 fields, not "
	    "9");
	diag_free(&d);
}

static void
test_accounts_shell(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("etc/passwd", "root:x:0:0:root:/root:/bin/zsh\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "accounts", DIAG_ERROR, "root's shell /bin/zsh");
	assert_string_equal(f->evidence, "etc/passwd:1: root:x:0:0:root:/root:"
	    "/bin/zsh");
	diag_free(&d);
}

static void
test_accounts_uid0(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
	    "toor:x:0:0::/root:/bin/sh\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "accounts", DIAG_WARNING, "toor has uid 0");
	assert_string_equal(f->evidence, "etc/passwd:2: toor:x:0:0::/root:"
	    "/bin/sh");
	diag_free(&d);
}

static void
test_lastboot_panic(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("var/log/kern.log", "Nov 25 10:00:00 host kernel: Oops: 0002 "
	    "[#1] SMP\nNov 25 10:00:02 host kernel: Kernel panic - not "
	    "syncing: Fatal exception\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "lastboot", DIAG_ERROR, "kernel crashed");
	assert_string_equal(f->evidence, "var/log/kern.log:2: Nov 25 10:00:02 "
	    "host kernel: Kernel panic - not syncing: Fatal exception");
	assert_string_equal(f->fix_tool, "crash");
	diag_free(&d);
}

static void
test_lastboot_units(void **state)
{
	struct diag	 d;

	(void)state;
	put("var/log/syslog", "Nov 25 10:00:00 host systemd[1]: Failed to "
	    "start nginx.service - A web server.\n"
	    "Nov 25 10:00:00 host systemd[1]: home.mount: Failed with result "
	    "'exit-code'.\n", 0644);
	diagnose(&d, NULL, "vfat");
	assert_int_equal(d.n, 2);
	expect(&d, 2, "lastboot", DIAG_WARNING, "nginx.service - A web server "
	    "failed");
	assert_string_equal(d.findings[1].what, "home.mount failed in the "
	    "last boot");
	diag_free(&d);
}

static void
test_lastboot_none(void **state)
{
	struct diag	 d;

	(void)state;
	del("var/log/syslog");
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "lastboot", DIAG_INFO, "no journal");
	diag_free(&d);
}

static void
test_init_missing(void **state)
{
	struct diag	 d;

	(void)state;
	del("lib/systemd/systemd");
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "init", DIAG_ERROR, "/sbin/init does not exist");
	diag_free(&d);
}

/* A link to a file that exists on the rescue system, not in the root. */
static void
test_init_outside(void **state)
{
	struct diag	 d;

	(void)state;
	assert_int_equal(access("/usr/bin/env", X_OK), 0);
	link_to("/usr/bin/env", "sbin/init");
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "init", DIAG_ERROR, "/sbin/init does not exist");
	link_to("../../../../../../usr/bin/env", "sbin/init");
	diag_free(&d);
	diagnose(&d, NULL, "vfat");
	expect(&d, 1, "init", DIAG_ERROR, "/sbin/init does not exist");
	diag_free(&d);
}

static void
test_init_param(void **state)
{
	const struct diag_finding *f;
	struct diag	 d;

	(void)state;
	put("boot/grub/grub.cfg", "menuentry 'Debian' {\n"
	    "\tlinux /boot/vmlinuz-" KVER " root=UUID=" UUID_ROOT " ro "
	    "init=/bin/nosuch\n}\n", 0644);
	diagnose(&d, NULL, "vfat");
	f = expect(&d, 1, "init", DIAG_ERROR, "/bin/nosuch does not exist");
	assert_non_null(strstr(f->evidence, "boot/grub/grub.cfg:2: linux"));
	diag_free(&d);
}

/* Worst first, whatever order the checks ran in. */
static void
test_order(void **state)
{
	struct diag	 d;
	int		 i;

	(void)state;
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
	    "toor:x:0:0::/root:/bin/sh\n", 0644);
	del("lib/systemd/systemd");
	del("var/log/syslog");
	diagnose(&d, NULL, "vfat");
	dump(&d);
	assert_int_equal(d.n, 3);
	for (i = 1; i < d.n; i++)
		assert_true(d.findings[i - 1].severity <=
		    d.findings[i].severity);
	assert_string_equal(d.findings[0].check, "init");
	diag_free(&d);
}

static void
test_device_find(void **state)
{
	struct diag	 d;

	(void)state;
	memset(&d, 0, sizeof d);
	diag_device_add(&d, "/dev/sda1", "ext4", "ABC-def", "my disk", "p-1");
	assert_non_null(diag_device_find(&d, "UUID=abc-DEF"));
	assert_non_null(diag_device_find(&d, "UUID=\"ABC-def\""));
	assert_non_null(diag_device_find(&d, "/dev/disk/by-uuid/ABC-def"));
	assert_non_null(diag_device_find(&d, "LABEL=my disk"));
	assert_null(diag_device_find(&d, "LABEL=My disk"));
	assert_non_null(diag_device_find(&d, "PARTUUID=P-1"));
	assert_non_null(diag_device_find(&d, "/dev/sda1"));
	assert_null(diag_device_find(&d, "/dev/sda"));
	assert_null(diag_device_find(&d, "UUID="));
	d.rootfd = -1;
	diag_free(&d);
}

static int
teardown_all(void **state)
{
	char	 cmd[300];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
	return (system(cmd));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_healthy, setup),
		cmocka_unit_test_setup(test_fstab_uuid, setup),
		cmocka_unit_test_setup(test_fstab_long, setup),
		cmocka_unit_test_setup(test_fstab_nofail, setup),
		cmocka_unit_test_setup(test_fstab_type, setup),
		cmocka_unit_test_setup(test_fstab_no_slash, setup),
		cmocka_unit_test_setup(test_fstab_parse, setup),
		cmocka_unit_test_setup(test_boot_no_kernel, setup),
		cmocka_unit_test_setup(test_boot_no_initrd, setup),
		cmocka_unit_test_setup(test_boot_grub_uuid, setup),
		cmocka_unit_test_setup(test_boot_loader_entry, setup),
		cmocka_unit_test_setup(test_boot_esp, setup),
		cmocka_unit_test_setup(test_boot_esp_damaged, setup),
		cmocka_unit_test_setup(test_fs_clean_image, setup),
		cmocka_unit_test_setup(test_fs_errors, setup),
		cmocka_unit_test_setup(test_fs_dirty, setup),
		cmocka_unit_test_setup(test_fs_full, setup),
		cmocka_unit_test_setup(test_fs_inodes, setup),
		cmocka_unit_test_setup(test_boot_uefi_no_esp, setup),
		cmocka_unit_test_setup(test_fs_xfs, setup),
		cmocka_unit_test_setup(test_fs_btrfs, setup),
		cmocka_unit_test_setup(test_accounts_parse, setup),
		cmocka_unit_test_setup(test_accounts_shell, setup),
		cmocka_unit_test_setup(test_accounts_uid0, setup),
		cmocka_unit_test_setup(test_lastboot_panic, setup),
		cmocka_unit_test_setup(test_lastboot_units, setup),
		cmocka_unit_test_setup(test_lastboot_none, setup),
		cmocka_unit_test_setup(test_init_missing, setup),
		cmocka_unit_test_setup(test_init_outside, setup),
		cmocka_unit_test_setup(test_init_param, setup),
		cmocka_unit_test_setup(test_order, setup),
		cmocka_unit_test(test_device_find),
	};

	if (mkdtemp(tmp) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	return (cmocka_run_group_tests(tests, NULL, teardown_all));
}
