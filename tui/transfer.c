/* SPDX-License-Identifier: ISC */

/*
 * Files over the agent's sftp subsystem: get and put, for the get and put
 * commands. A get writes LOCAL.part and renames it when complete, so a cut
 * transfer never looks like a whole file and can be resumed; a put does the
 * same on the remote side. Nothing is overwritten unless asked.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/sftp.h>

#include "tether.h"

#define FILES_CHUNK	32768	/* what one sftp read or write carries */
#define FILES_INFLIGHT	16	/* reads outstanding at once */

const char *
transfer_error(sftp_session sftp)
{
	switch (sftp_get_error(sftp)) {
	case SSH_FX_NO_SUCH_FILE:
		return ("No such file or directory");
	case SSH_FX_PERMISSION_DENIED:
		return ("Permission denied");
	case SSH_FX_FAILURE:
		return ("failure (a directory, or a full disk?)");
	case SSH_FX_FILE_ALREADY_EXISTS:
		return ("File exists");
	default:
		return (ssh_get_error(sftp->session));
	}
}

int
transfer_open(struct client *c, struct transfer *f, char **cause)
{
	memset(f, 0, sizeof *f);
	if ((f->sftp = sftp_new(c->session)) == NULL) {
		xasprintf(cause, "sftp: %s", ssh_get_error(c->session));
		return (-1);
	}
	if (sftp_init(f->sftp) != SSH_OK) {
		xasprintf(cause, "sftp: the agent has no sftp server (%s)",
		    ssh_get_error(c->session));
		sftp_free(f->sftp);
		f->sftp = NULL;
		return (-1);
	}
	return (0);
}

void
transfer_close(struct transfer *f)
{
	if (f->sftp != NULL)
		sftp_free(f->sftp);
	f->sftp = NULL;
}

static double
transfer_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Progress, at most ten times a second and once at the end. Returns -1,
 * with the cause set, if the user stopped the transfer.
 */
static int
transfer_progress(struct transfer *f, uint64_t done, uint64_t total, int last,
    char **cause)
{
	double	 now = transfer_now(), rate;

	if (f->progress == NULL || (!last && now - f->shown < 0.1))
		return (0);
	f->shown = now;
	rate = now > f->started ? (done - f->resumed) / (now - f->started) :
	    0;
	if (f->progress(f->arg, done, total, rate) == 0 || last)
		return (0);
	f->cancelled = 1;
	*cause = xstrdup("cancelled");
	return (-1);
}

/* Pipelined reads into fd from offset on; 0 once EOF is reached. */
static int
transfer_pull(struct transfer *f, sftp_file in, int fd, uint64_t offset,
    uint64_t total, char **cause)
{
	char		 buf[FILES_CHUNK];
	int		 ids[FILES_INFLIGHT], head = 0, n = 0, eof = 0;
	ssize_t		 got;
	uint64_t	 done = offset;

	if (sftp_seek64(in, offset) != 0) {
		xasprintf(cause, "seek: %s", transfer_error(f->sftp));
		return (-1);
	}
	for (;;) {
		while (!eof && n < FILES_INFLIGHT) {
			ids[(head + n) % FILES_INFLIGHT] =
			    sftp_async_read_begin(in, sizeof buf);
			if (ids[(head + n) % FILES_INFLIGHT] < 0) {
				xasprintf(cause, "read: %s",
				    transfer_error(f->sftp));
				return (-1);
			}
			n++;
		}
		if (n == 0)
			break;
		got = sftp_async_read(in, buf, sizeof buf, ids[head]);
		head = (head + 1) % FILES_INFLIGHT;
		n--;
		if (got < 0) {
			xasprintf(cause, "read: %s", transfer_error(f->sftp));
			return (-1);
		}
		if (got == 0) {
			/* Later replies are EOF too; they are drained above. */
			eof = 1;
			continue;
		}
		if (write(fd, buf, got) != got) {
			xasprintf(cause, "write: %s", strerror(errno));
			return (-1);
		}
		done += got;
		if (transfer_progress(f, done, total, 0, cause) != 0) {
			/* What was asked for and not read yet goes unread. */
			for (; n > 0; n--, head = (head + 1) % FILES_INFLIGHT)
				sftp_async_read(in, buf, sizeof buf,
				    ids[head]);
			return (-1);
		}
		if ((size_t)got == sizeof buf)
			continue;
		/*
		 * A short read: the replies in flight are for offsets past a
		 * gap. Drop them and go on from where the data ends.
		 */
		for (; n > 0; n--, head = (head + 1) % FILES_INFLIGHT)
			sftp_async_read(in, buf, sizeof buf, ids[head]);
		if (sftp_seek64(in, done) != 0) {
			xasprintf(cause, "seek: %s", transfer_error(f->sftp));
			return (-1);
		}
	}
	transfer_progress(f, done, total, 1, cause);
	return (0);
}

/*
 * Get remote into local. An existing local file is an error unless
 * TRANSFER_FORCE; a local.part from a cut transfer is continued with
 * TRANSFER_RESUME, else started again.
 */
int
transfer_get(struct transfer *f, const char *remote, const char *local,
    int flags, char **cause)
{
	sftp_attributes	 a;
	sftp_file	 in;
	struct stat	 sb;
	char		*part;
	uint64_t	 offset = 0, total;
	int		 fd, rc;

	*cause = NULL;
	if (!(flags & TRANSFER_FORCE) && lstat(local, &sb) == 0) {
		xasprintf(cause, "%s: exists (use -f to overwrite)", local);
		return (-1);
	}
	if ((a = sftp_stat(f->sftp, remote)) == NULL) {
		xasprintf(cause, "%s: %s", remote, transfer_error(f->sftp));
		return (-1);
	}
	total = a->size;
	rc = a->type == SSH_FILEXFER_TYPE_DIRECTORY;
	sftp_attributes_free(a);
	if (rc) {
		xasprintf(cause, "%s: is a directory", remote);
		return (-1);
	}
	if ((in = sftp_open(f->sftp, remote, O_RDONLY, 0)) == NULL) {
		xasprintf(cause, "%s: %s", remote, transfer_error(f->sftp));
		return (-1);
	}
	xasprintf(&part, "%s.part", local);
	if ((flags & TRANSFER_RESUME) && stat(part, &sb) == 0 &&
	    (uint64_t)sb.st_size <= total)
		offset = sb.st_size;
	fd = open(part, O_WRONLY | O_CREAT | O_CLOEXEC | (offset > 0 ?
	    O_APPEND : O_TRUNC), 0644);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", part, strerror(errno));
		sftp_close(in);
		free(part);
		return (-1);
	}
	f->resumed = offset;
	f->started = transfer_now();
	f->shown = 0;
	f->cancelled = 0;
	rc = transfer_pull(f, in, fd, offset, total, cause);
	sftp_close(in);
	if (rc == 0 && fsync(fd) != 0) {
		xasprintf(cause, "%s: %s", part, strerror(errno));
		rc = -1;
	}
	if (close(fd) != 0 && rc == 0) {
		xasprintf(cause, "%s: %s", part, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(part, local) != 0) {
		xasprintf(cause, "%s: %s", local, strerror(errno));
		rc = -1;
	}
	free(part);
	return (rc);
}

/* Put local as remote, through remote.part and a rename. */
int
transfer_put(struct transfer *f, const char *local, const char *remote,
    int flags, char **cause)
{
	sftp_attributes	 a;
	sftp_file	 out;
	struct stat	 sb;
	char		 buf[FILES_CHUNK], *part;
	uint64_t	 done = 0;
	ssize_t		 n;
	int		 fd, rc = 0;

	*cause = NULL;
	if ((fd = open(local, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) != 0) {
		xasprintf(cause, "%s: %s", local, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", local);
		close(fd);
		return (-1);
	}
	if (!(flags & TRANSFER_FORCE) && (a = sftp_lstat(f->sftp, remote)) !=
	    NULL) {
		sftp_attributes_free(a);
		xasprintf(cause, "%s: exists on the agent (use -f to "
		    "overwrite)", remote);
		close(fd);
		return (-1);
	}
	xasprintf(&part, "%s.part", remote);
	out = sftp_open(f->sftp, part, O_WRONLY | O_CREAT | O_TRUNC,
	    sb.st_mode & 0777);
	if (out == NULL) {
		xasprintf(cause, "%s: %s", part, transfer_error(f->sftp));
		close(fd);
		free(part);
		return (-1);
	}
	f->resumed = 0;
	f->started = transfer_now();
	f->shown = 0;
	f->cancelled = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (sftp_write(out, buf, n) != n) {
			xasprintf(cause, "%s: %s", part,
			    transfer_error(f->sftp));
			rc = -1;
			break;
		}
		done += n;
		if (transfer_progress(f, done, sb.st_size, 0, cause) != 0) {
			rc = -1;
			break;
		}
	}
	if (n < 0) {
		xasprintf(cause, "%s: %s", local, strerror(errno));
		rc = -1;
	}
	close(fd);
	if (sftp_close(out) != SSH_NO_ERROR && rc == 0) {
		xasprintf(cause, "%s: %s", part, transfer_error(f->sftp));
		rc = -1;
	}
	/*
	 * An SFTP v3 rename does not replace a file, and libssh offers no
	 * posix-rename: with -f the old file goes first.
	 */
	if (rc == 0 && sftp_rename(f->sftp, part, remote) != 0 &&
	    (!(flags & TRANSFER_FORCE) || sftp_unlink(f->sftp, remote) != 0 ||
	    sftp_rename(f->sftp, part, remote) != 0)) {
		xasprintf(cause, "%s: %s", remote, transfer_error(f->sftp));
		rc = -1;
	}
	if (rc != 0)
		sftp_unlink(f->sftp, part);
	else
		transfer_progress(f, done, sb.st_size, 1, cause);
	free(part);
	return (rc);
}
