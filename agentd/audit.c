/* SPDX-License-Identifier: ISC */

/*
 * The audit trail: one line per event, key=value, to syslog and to the
 * audit file. Values are quoted and escaped when they need it, so a user
 * name or command from a client cannot forge a line. The ticket and
 * passwords are never passed here.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define AUDIT_LINE_MAX	2048
#define AUDIT_VALUE_MAX	512

static int	audit_fd = -1;

static const int audit_facilities[] = {
	LOG_AUTHPRIV, LOG_AUTH, LOG_DAEMON, LOG_USER, LOG_LOCAL0, LOG_LOCAL1,
	LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7
};

/* Make the directories of path, 0700, as mkdir -p would. */
int
audit_mkdirs(const char *path)
{
	char	*copy, *p;
	int	 rc = 0;

	copy = xstrdup(path);
	for (p = strchr(copy + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(copy);
	return (rc);
}

/*
 * Make the directories of a file root writes in (audit file, recordings),
 * and check that no one else can change them (state_safe_path).
 */
int
audit_safe_dir(const char *file, char **cause)
{
	char	*dir, *slash;
	int	 rc;

	if (audit_mkdirs(file) != 0) {
		xasprintf(cause, "%s", strerror(errno));
		return (-1);
	}
	dir = xstrdup(file);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
		*slash = '\0';
	rc = state_safe_path(dir, cause);
	free(dir);
	return (rc);
}

/* Open (or reopen, after a reload) the audit file; syslog needs nothing. */
void
audit_open(struct agent *ag)
{
	const char	*file = ag->conf.audit.file;
	char		*cause;
	int		 fd;

	closelog();
	openlog("tetherd", LOG_PID | LOG_NDELAY,
	    audit_facilities[ag->conf.audit.syslog_facility]);
	if (audit_fd != -1)
		close(audit_fd);
	audit_fd = -1;
	if (file[0] == '\0')
		return;
	if (audit_safe_dir(file, &cause) != 0) {
		error("audit file %s: %s (auditing to syslog only)", file,
		    cause);
		free(cause);
		return;
	}
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) == -1) {
		error("audit file %s: %s (auditing to syslog only)", file,
		    strerror(errno));
		return;
	}
	audit_fd = fd;
}

/* Characters a value may hold and stay unquoted: nothing a shell or a
   log parser would read as more than a word. */
static int
audit_plain(int ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || strchr("._:/@+-", ch) != NULL);
}

/*
 * Append v to buf: as it is when every character is plain, else quoted,
 * with quotes, backslashes and control bytes escaped. At most
 * AUDIT_VALUE_MAX bytes of it; a longer one ends in "..." inside quotes.
 */
static void
audit_value(char *buf, size_t len, const char *v)
{
	size_t		 n = strlen(buf), vlen = strlen(v), i;
	int		 plain = vlen > 0 && vlen <= AUDIT_VALUE_MAX;

	for (i = 0; i < vlen && plain; i++)
		plain = audit_plain((unsigned char)v[i]);
	if (plain) {
		snprintf(buf + n, len - n, "%s", v);
		return;
	}
	if (n + 1 < len)
		buf[n++] = '"';
	for (i = 0; i < vlen && i < AUDIT_VALUE_MAX && n + 5 < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			n += snprintf(buf + n, len - n, "\\%c", v[i]);
		else if ((unsigned char)v[i] < ' ' || v[i] == 0x7f)
			n += snprintf(buf + n, len - n, "\\x%02x",
			    (unsigned char)v[i]);
		else
			buf[n++] = v[i];
	}
	if (vlen > AUDIT_VALUE_MAX && n + 4 < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	if (n + 1 < len)
		buf[n++] = '"';
	buf[n] = '\0';
}

static void
audit_pair(char *line, size_t len, const char *k, const char *v)
{
	size_t	 n = strlen(line);

	snprintf(line + n, len - n, " %s=", k);
	audit_value(line, len - 1, v != NULL ? v : "");
}

/*
 * audit(ag, "auth-fail", "method", "password", "from", addr, NULL): an
 * event and its key/value pairs, NULL-ended. "from" and "session" come
 * first whatever the order given, so no long value can push them off.
 */
void
audit(struct agent *ag, const char *event, ...)
{
	static const char *first[] = { "from", "session" };
	char		 line[AUDIT_LINE_MAX], when[32];
	const char	*k, *v;
	struct tm	 tm;
	time_t		 now = time(NULL);
	va_list		 ap;
	size_t		 n, i;

	(void)ag;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof line, "time=%s pid=%ld event=%s", when,
	    (long)getpid(), event);
	for (i = 0; i < sizeof first / sizeof first[0]; i++) {
		va_start(ap, event);
		while ((k = va_arg(ap, const char *)) != NULL) {
			v = va_arg(ap, const char *);
			if (strcmp(k, first[i]) == 0)
				audit_pair(line, sizeof line, k, v);
		}
		va_end(ap);
	}
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (strcmp(k, "from") != 0 && strcmp(k, "session") != 0)
			audit_pair(line, sizeof line, k, v);
	}
	va_end(ap);
	syslog(LOG_INFO, "%s", line);
	if (audit_fd != -1) {
		n = strlen(line);
		line[n++] = '\n';
		/* One write per line: O_APPEND keeps lines whole. */
		if (write(audit_fd, line, n) != (ssize_t)n)
			debug_r("audit write");
	}
}
