/* SPDX-License-Identifier: ISC */

/*
 * The health of an offline system: whether its account files, fstab and
 * package database can be read and parse, and its name from os-release.
 * Each problem is a sentence the technician reads in the Roots list.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

/* One problem, a sentence, on r's list. */
void
root_problem(struct root *r, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal_fr("vasprintf");
	va_end(ap);
	strlist_add(&r->problems, s);
	free(s);
}

/* A colon file or fstab: missing, broken (with why) or fine. */
static void
root_health_file(struct root *r, int rootfd, const char *rel)
{
	struct root_fstab	*e;
	FILE			*f;
	char			*cause = NULL;
	int			 n, rc;

	if ((f = root_fopen(rootfd, rel)) == NULL) {
		if (errno == ENOENT)
			root_problem(r, "%s missing", rel);
		else
			root_problem(r, "%s: %s", rel, strerror(errno));
		return;
	}
	if (strcmp(rel, "etc/passwd") == 0)
		rc = root_check_colon(f, 7, 0xc, &cause);
	else if (strcmp(rel, "etc/shadow") == 0)
		rc = root_check_colon(f, 9, 0, &cause);
	else if ((rc = root_fstab_parse(f, &e, &n, &cause)) == 0)
		root_fstab_free(e, n);
	if (rc == 0 && ferror(f)) {
		rc = -1;
		cause = xstrdup(strerror(errno));
	}
	if (rc != 0)
		root_problem(r, "%s: %s", rel, cause);
	free(cause);
	fclose(f);
}

/* dpkg status, an rpm database or pacman's: the first one found counts. */
static void
root_health_packages(struct root *r, int rootfd)
{
	static const char *rpm[] = {
		"var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite",
		"var/lib/rpm/Packages", "var/lib/rpm/Packages.db", NULL
	};
	struct stat	 st;
	FILE		*f;
	char		*cause = NULL;
	int		 i, fd;

	if ((f = root_fopen(rootfd, "var/lib/dpkg/status")) != NULL) {
		if (root_check_dpkg(f, &cause) != 0) {
			root_problem(r, "var/lib/dpkg/status: %s", cause);
			free(cause);
		}
		fclose(f);
		return;
	}
	for (i = 0; rpm[i] != NULL; i++) {
		if ((fd = root_openat(rootfd, rpm[i], O_RDONLY)) == -1)
			continue;
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_size == 0)
			root_problem(r, "%s: empty or not a file", rpm[i]);
		close(fd);
		return;
	}
	if ((fd = root_openat(rootfd, "var/lib/pacman/local",
	    O_RDONLY | O_DIRECTORY)) != -1) {
		close(fd);
		return;
	}
	root_problem(r, "package database missing");
}

/*
 * The analogue of DaRT's "hives corrupt or missing": unreadable when the
 * root or its etc cannot be read at all, limited with the reasons when a
 * file that repair tools need is missing or broken.
 */
void
root_health(struct root *r)
{
	static const char *files[] = {
		"etc/passwd", "etc/shadow", "etc/fstab", NULL
	};
	FILE	*f;
	int	 rootfd, fd, i;

	strlist_clear(&r->problems);
	if ((rootfd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		r->health = ROOT_UNREADABLE;
		root_problem(r, "%s: %s", r->path, strerror(errno));
		return;
	}
	if ((fd = root_openat(rootfd, "etc", O_RDONLY | O_DIRECTORY)) == -1) {
		r->health = ROOT_UNREADABLE;
		root_problem(r, "etc: %s", strerror(errno));
		close(rootfd);
		return;
	}
	close(fd);
	for (i = 0; files[i] != NULL; i++)
		root_health_file(r, rootfd, files[i]);
	if ((fd = root_openat(rootfd, "boot", O_RDONLY | O_DIRECTORY)) == -1)
		root_problem(r, "boot/ %s", errno == ENOENT ? "missing" :
		    strerror(errno));
	else
		close(fd);
	root_health_packages(r, rootfd);
	if ((f = root_fopen(rootfd, "etc/os-release")) != NULL ||
	    (f = root_fopen(rootfd, "usr/lib/os-release")) != NULL) {
		root_os_release(f, &r->os_name, &r->os_version);
		fclose(f);
	}
	close(rootfd);
	r->health = r->problems.n == 0 ? ROOT_OK : ROOT_LIMITED;
}

const char *
root_health_name(int health)
{
	switch (health) {
	case ROOT_OK:
		return ("ok");
	case ROOT_LIMITED:
		return ("limited");
	case ROOT_LOCKED:
		return ("locked");
	case ROOT_UNLOCKED:
		return ("unlocked");
	}
	return ("unreadable");
}
