/* SPDX-License-Identifier: ISC */

/*
 * Session recording: every pty console as an asciicast v2 file, a JSON
 * header line then one [time, "o", text] line per chunk of output. Only
 * output is kept (typed passwords are not echoed, so they stay out).
 * Text must be valid UTF-8 in JSON, so a sequence split between two reads
 * waits for its end, and a byte that is not UTF-8 becomes U+FFFD.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

struct record {
	int		 fd;
	struct timespec	 start;
	unsigned char	 held[4];	/* an incomplete UTF-8 sequence */
	size_t		 nheld;
	char		*path;
};

static int
record_seqlen(unsigned char c)
{
	if (c < 0x80)
		return (1);
	if ((c & 0xe0) == 0xc0)
		return (c >= 0xc2 ? 2 : 0);
	if ((c & 0xf0) == 0xe0)
		return (3);
	if ((c & 0xf8) == 0xf0)
		return (c <= 0xf4 ? 4 : 0);
	return (0);
}

/* JSON-escape p into out; returns bytes of p used (a tail may wait). */
static size_t
record_escape(const unsigned char *p, size_t len, char *out, size_t *olen,
    int final)
{
	size_t	 i = 0, j, n = *olen;
	int	 sl;

	while (i < len) {
		sl = record_seqlen(p[i]);
		if (sl > 1 && i + sl > len && !final)
			break;		/* wait for the rest */
		for (j = 1; sl > 1 && j < (size_t)sl; j++) {
			if (i + j >= len || (p[i + j] & 0xc0) != 0x80)
				sl = 0;
		}
		if (sl == 0) {
			n += sprintf(out + n, "\\ufffd");
			i++;
		} else if (sl > 1) {
			memcpy(out + n, p + i, sl);
			n += sl;
			i += sl;
		} else {
			if (p[i] == '"' || p[i] == '\\')
				n += sprintf(out + n, "\\%c", p[i]);
			else if (p[i] < 0x20 || p[i] == 0x7f)
				n += sprintf(out + n, "\\u%04x", p[i]);
			else
				out[n++] = p[i];
			i++;
		}
	}
	*olen = n;
	return (i);
}

/* Start a recording; NULL (and a logged error) if it cannot be made. */
struct record *
record_start(struct agent *ag, const char *session, const char *user,
    const char *from, int cols, int rows, const char *term)
{
	struct record	*r;
	char		 stamp[32], head[4096], *path, *cause;
	const char	*reason = reason_get();
	size_t		 n = 0, m;
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 fd;

	if (!ag->conf.recording.enabled)
		return (NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	xasprintf(&path, "%s/%s-%s-%ld.cast", ag->conf.recording.dir, stamp,
	    session, (long)getpid());
	if (audit_safe_dir(path, &cause) != 0) {
		error("recording %s: %s", path, cause);
		free(cause);
		free(path);
		return (NULL);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
	    O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		error_r("recording %s", path);
		free(path);
		return (NULL);
	}
	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	r->path = path;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	n = snprintf(head, sizeof head, "{\"version\": 2, \"width\": %d, "
	    "\"height\": %d, \"timestamp\": %lld, \"env\": {\"TERM\": \"",
	    cols, rows, (long long)now);
	m = n;
	record_escape((const unsigned char *)term, strnlen(term, 64), head, &m,
	    1);
	n = m;
	n += snprintf(head + n, sizeof head - n, "\"}, \"title\": \"");
	m = n;
	record_escape((const unsigned char *)user, strnlen(user, 64), head, &m,
	    1);
	n = m;
	n += snprintf(head + n, sizeof head - n, " from %s\"", from);
	/* At most TETHERD_REASON_MAX bytes, 6 each escaped: it fits. */
	if (reason != NULL) {
		n += snprintf(head + n, sizeof head - n, ", \"reason\": \"");
		m = n;
		record_escape((const unsigned char *)reason, strnlen(reason,
		    TETHERD_REASON_MAX), head, &m, 1);
		n = m;
		n += snprintf(head + n, sizeof head - n, "\"");
	}
	n += snprintf(head + n, sizeof head - n, "}\n");
	if (write(fd, head, n) != (ssize_t)n)
		error_r("recording %s", path);
	audit(ag, "record", "session", session, "file", path, (char *)NULL);
	return (r);
}

/* One output event: [seconds, "o", "text"]. */
void
record_output(struct record *r, const char *data, size_t len)
{
	struct timespec	 now;
	unsigned char	*all;
	char		*out;
	size_t		 total, used, n;
	double		 t;

	if (r == NULL || len == 0)
		return;
	total = r->nheld + len;
	all = xmalloc(total);
	memcpy(all, r->held, r->nheld);
	memcpy(all + r->nheld, data, len);
	/* Worst case: every byte becomes \ufffd or \u00XX (6 bytes). */
	out = xmalloc(total * 6 + 64);
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (now.tv_sec - r->start.tv_sec) +
	    (now.tv_nsec - r->start.tv_nsec) / 1e9;
	n = sprintf(out, "[%.6f, \"o\", \"", t);
	used = record_escape(all, total, out, &n, 0);
	n += sprintf(out + n, "\"]\n");
	r->nheld = total - used;
	memcpy(r->held, all + used, r->nheld);
	if (used > 0 && write(r->fd, out, n) != (ssize_t)n)
		debug_r("recording");
	free(all);
	free(out);
}

/* The file, for the process that writes the output: it opens nothing. */
int
record_fd(struct record *r)
{
	return (r->fd);
}

/*
 * A recording the monitor opened and headed; its clock goes on from ms,
 * the time it had run already (a console attached again).
 */
struct record *
record_adopt(int fd, long long ms)
{
	struct record	*r;

	r = xcalloc(1, sizeof *r);
	r->fd = fd;
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->start.tv_sec -= ms / 1000;
	r->start.tv_nsec -= (ms % 1000) * 1000000;
	if (r->start.tv_nsec < 0) {
		r->start.tv_nsec += 1000000000;
		r->start.tv_sec--;
	}
	return (r);
}

/* How long the recording has run, in milliseconds. */
long long
record_ms(struct record *r)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - r->start.tv_sec) * 1000LL +
	    (now.tv_nsec - r->start.tv_nsec) / 1000000);
}

void
record_end(struct record *r)
{
	if (r == NULL)
		return;
	/* An incomplete sequence at the very end is dropped. */
	close(r->fd);
	free(r->path);
	free(r);
}
