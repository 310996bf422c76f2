/* SPDX-License-Identifier: ISC */

/*
 * An offline system's own files, read by tetherd as the analogue of
 * DaRT's hive check: fstab (root_fstab_parse), os-release, passwd and
 * shadow (root_check_colon), dpkg's status (root_check_dpkg), and the
 * option field of an fstab line (root_mount_options), all on one input.
 */

#include <sys/mount.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../agentd/tetherd.h"

static FILE *
fuzz_root_file(const uint8_t *data, size_t size)
{
	FILE	*f;

	if ((f = fmemopen((void *)data, size, "r")) == NULL)
		fuzz_fail("fmemopen");
	return (f);
}

/* Entries are bounded, their mount points one line, fields non-empty. */
static void
fuzz_root_fstab(const uint8_t *data, size_t size)
{
	struct root_fstab	*e;
	FILE			*f;
	char			*cause = NULL;
	int			 n, i;

	f = fuzz_root_file(data, size);
	if (root_fstab_parse(f, &e, &n, &cause) != 0) {
		if (cause == NULL || strncmp(cause, "line ", 5) != 0 ||
		    e != NULL || n != 0)
			fuzz_fail("fstab refusal without a line number");
		free(cause);
		fclose(f);
		return;
	}
	fclose(f);
	if (cause != NULL || n < 0 || n > 256)
		fuzz_fail("fstab: %d entries", n);
	for (i = 0; i < n; i++) {
		if (strchr(e[i].file, '\n') != NULL)
			fuzz_fail("fstab: mount point with a newline");
		if (*e[i].type == '\0' || *e[i].opts == '\0')
			fuzz_fail("fstab: empty field");
		if (strlen(e[i].spec) > size || strlen(e[i].file) > size)
			fuzz_fail("fstab: field longer than the file");
	}
	root_fstab_free(e, n);
}

static void
fuzz_root_os(const uint8_t *data, size_t size)
{
	FILE	*f;
	char	*name, *version;
	int	 rc;

	f = fuzz_root_file(data, size);
	rc = root_os_release(f, &name, &version);
	fclose(f);
	if ((rc == 0) != (name != NULL))
		fuzz_fail("os-release: status and name disagree");
	if ((name != NULL && strchr(name, '\n') != NULL) ||
	    (version != NULL && strchr(version, '\n') != NULL))
		fuzz_fail("os-release: value with a newline");
	free(name);
	free(version);
}

static void
fuzz_root_checks(const uint8_t *data, size_t size)
{
	FILE	*f;
	char	*cause;
	int	 i;

	for (i = 0; i < 3; i++) {
		cause = NULL;
		f = fuzz_root_file(data, size);
		if ((i == 0 ? root_check_colon(f, 7, 0xc, &cause) :
		    i == 1 ? root_check_colon(f, 9, 0, &cause) :
		    root_check_dpkg(f, &cause)) != 0) {
			if (cause == NULL)
				fuzz_fail("check %d refused without cause", i);
		} else if (cause != NULL)
			fuzz_fail("check %d passed with a cause", i);
		free(cause);
		fclose(f);
	}
}

/* Data keeps only what is not a flag, and is never longer. */
static void
fuzz_root_options(const uint8_t *data, size_t size)
{
	unsigned long	 flags, known = MS_RDONLY | MS_NOSUID | MS_NODEV |
	    MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
	    MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC;
	char		*s, *out;
	int		 noauto;

	s = fuzz_cstr(data, size);
	root_mount_options(s, &flags, &out, &noauto);
	if ((flags & ~known) != 0)
		fuzz_fail("options: unknown flag bits %lx", flags);
	if (strlen(out) > strlen(s))
		fuzz_fail("options: data longer than the input");
	if (*out == ',' || (*out != '\0' && out[strlen(out) - 1] == ','))
		fuzz_fail("options: stray comma in \"%s\"", out);
	free(out);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return (0);
	fuzz_root_fstab(data, size);
	fuzz_root_os(data, size);
	fuzz_root_checks(data, size);
	fuzz_root_options(data, size);
	return (0);
}
