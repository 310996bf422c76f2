/* SPDX-License-Identifier: ISC */

/*
 * Whole files, written and read one way everywhere. A file is replaced by
 * a temporary file in the same directory that is written in full, synced,
 * closed with its error checked, and renamed over the old one, and then the
 * directory is synced: a reader sees the old file or the new one, never
 * half of either, and a power cut after we return keeps the new one.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static int
file_write_loop(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= n;
	}
	return (0);
}

/* Sync a directory so that a rename in it survives a power cut. */
static void
file_sync_dir(const char *dir)
{
	int	 dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	fsync(dfd);
	close(dfd);
}

/*
 * Replace dir/name with len bytes of buf, created with mode. The temporary
 * file is made with O_EXCL (mkostemp), so nothing that already sits at its
 * name, a symlink least of all, is ever opened; rename(2) replaces a link
 * at dir/name itself rather than following it.
 */
int
file_write_atomic(const char *dir, const char *name, const void *buf,
    size_t len, mode_t mode, char **cause)
{
	char	*tmp, *path;
	int	 fd, rc = -1;

	xasprintf(&path, "%s/%s", dir, name);
	xasprintf(&tmp, "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) != 0 || file_write_loop(fd, buf, len) != 0 ||
	    fsync(fd) != 0) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	/* Some file systems report a failed write only here. */
	if (close(fd) != 0) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	file_sync_dir(dir);
	rc = 0;
out:
	free(tmp);
	free(path);
	return (rc);
}

/*
 * Read a regular file of at most max bytes, never through a symlink, into
 * a buffer with a NUL after the last byte. NULL and *cause otherwise; a
 * missing file leaves errno ENOENT for callers to whom that is no error.
 */
char *
file_read_all(const char *path, size_t max, size_t *len, char **cause)
{
	struct stat	 sb;
	char		*buf;
	size_t		 cap, have = 0;
	ssize_t		 n = 0;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		saved = errno;
		xasprintf(cause, "%s: %s", path, errno == ELOOP ?
		    "is a symbolic link" : strerror(errno));
		errno = saved;
		return (NULL);
	}
	if (fstat(fd, &sb) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		close(fd);
		return (NULL);
	}
	/* The size may change under us: read until EOF, but never past max. */
	cap = (size_t)sb.st_size < max ? (size_t)sb.st_size + 1 : max + 1;
	if (cap < 4096)
		cap = max + 1 < 4096 ? max + 1 : 4096;
	buf = xmalloc(cap);
	for (;;) {
		if (have == cap) {
			if (cap > max)
				break;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	saved = errno;
	close(fd);
	if (n < 0) {
		xasprintf(cause, "%s: %s", path, strerror(saved));
		free(buf);
		return (NULL);
	}
	if (have > max) {
		xasprintf(cause, "%s: larger than %zu bytes", path, max);
		free(buf);
		return (NULL);
	}
	buf[have] = '\0';
	*len = have;
	return (buf);
}
