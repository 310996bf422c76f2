/* SPDX-License-Identifier: ISC */

/*
 * Paths inside an offline system, opened so that nothing leads out of it:
 * openat2 with RESOLVE_IN_ROOT where the kernel has it, else one component
 * at a time with no symlink and no "..". A hostile disk's links must never
 * reach the rescue system's own files.
 */

#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

/*
 * Without openat2 (Linux before 5.6, or valgrind): one component at a
 * time, no symlink followed anywhere on the way and no "..", so nothing
 * can lead out of the root. Stricter than RESOLVE_IN_ROOT: a link inside
 * an offline system is refused (ELOOP) rather than resolved.
 */
static int
root_walk(int rootfd, const char *rel, int flags)
{
	char	*copy, *part, *next, *last;
	int	 dfd, fd, saved;

	copy = xstrdup(rel);
	if ((dfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0)) == -1) {
		free(copy);
		return (-1);
	}
	part = strtok_r(copy, "/", &last);
	if (part == NULL)
		part = ".";
	for (; part != NULL; part = next) {
		next = strtok_r(NULL, "/", &last);
		if (strcmp(part, "..") == 0) {
			close(dfd);
			free(copy);
			errno = EPERM;
			return (-1);
		}
		if (next == NULL)
			fd = openat(dfd, part, flags | O_CLOEXEC | O_NOFOLLOW);
		else
			fd = openat(dfd, part, O_PATH | O_DIRECTORY |
			    O_CLOEXEC | O_NOFOLLOW);
		saved = errno;
		close(dfd);
		if (fd == -1) {
			free(copy);
			errno = saved == ENOTDIR && next != NULL ? ELOOP : saved;
			return (-1);
		}
		dfd = fd;
	}
	free(copy);
	return (dfd);
}

/*
 * What RESOLVE_IN_ROOT does, as text, for root_walk() to open: links are
 * read and followed as if the root were /, ".." stops at the root, at
 * most 40 links. The walk then follows no link, so a root changed in
 * between fails instead of leading out.
 */
static char *
root_resolve(int rootfd, const char *rel)
{
	struct stat	 sb;
	char		*todo, *done, *part, *rest, *t, target[PATH_MAX];
	ssize_t		 n;
	int		 hops = 0;

	todo = xstrdup(rel);
	done = xstrdup("");
	while (*todo != '\0') {
		part = todo + strspn(todo, "/");
		rest = part + strcspn(part, "/");
		if (*rest != '\0')
			*rest++ = '\0';
		if (*part == '\0' || strcmp(part, ".") == 0) {
			t = xstrdup(rest);
		} else if (strcmp(part, "..") == 0) {
			if ((t = strrchr(done, '/')) != NULL)
				*t = '\0';
			else
				*done = '\0';
			t = xstrdup(rest);
		} else {
			xasprintf(&t, "%s%s%s", done, *done != '\0' ? "/" : "",
			    part);
			if (fstatat(rootfd, t, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(sb.st_mode)) {
				n = readlinkat(rootfd, t, target,
				    sizeof target - 1);
				free(t);
				if (n <= 0 || ++hops > 40) {
					free(todo);
					free(done);
					errno = ELOOP;
					return (NULL);
				}
				target[n] = '\0';
				if (target[0] == '/')
					*done = '\0';
				xasprintf(&t, "%s/%s", target, rest);
			} else {
				free(done);
				done = t;
				t = xstrdup(rest);
			}
		}
		free(todo);
		todo = t;
	}
	free(todo);
	return (done);
}

/*
 * Open rel inside the root at rootfd, symlinks resolved as if the root
 * were /: an absolute link in an offline system must not reach ours.
 */
int
root_openat(int rootfd, const char *rel, int flags)
{
	struct open_how	 how;
	char		*path;
	int		 fd;

	memset(&how, 0, sizeof how);
	how.flags = flags | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
	if (fd == -1 && errno == ENOSYS) {
		if ((path = root_resolve(rootfd, rel)) == NULL)
			return (-1);
		fd = root_walk(rootfd, path, flags);
		free(path);
	}
	return (fd);
}

FILE *
root_fopen(int rootfd, const char *rel)
{
	FILE	*f;
	int	 fd;

	if ((fd = root_openat(rootfd, rel, O_RDONLY)) == -1)
		return (NULL);
	if ((f = fdopen(fd, "r")) == NULL)
		close(fd);
	return (f);
}

/*
 * The directory rel under root, refused if any part is a symlink or "..":
 * a mount must land inside the offline system, never on ours.
 */
int
root_safe_dir(const char *root, const char *rel, char **cause)
{
	struct open_how	 how;
	int		 rootfd, fd;

	if (strstr(rel, "..") != NULL || strchr(rel, '\n') != NULL) {
		xasprintf(cause, "%s: refused (\"..\" or newline)", rel);
		return (-1);
	}
	while (*rel == '/')
		rel++;
	if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", root, strerror(errno));
		return (-1);
	}
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, rootfd, *rel == '\0' ? "." : rel, &how,
	    sizeof how);
	if (fd == -1 && errno == ENOSYS)
		fd = root_walk(rootfd, rel, O_PATH | O_DIRECTORY);
	close(rootfd);
	if (fd == -1) {
		xasprintf(cause, "/%s: %s", rel, errno == ELOOP ?
		    "a symlink on the way" : errno == ENOTDIR ?
		    "not a directory" : strerror(errno));
		return (-1);
	}
	close(fd);
	return (0);
}
