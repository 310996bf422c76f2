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

/* Open (or reopen, after a reload) the audit file; syslog needs nothing. */
void
audit_open(struct agent *ag)
{
	const char	*file = ag->conf.audit.file;
	int		 fd;

	closelog();
	openlog("tetherd", LOG_PID | LOG_NDELAY,
	    audit_facilities[ag->conf.audit.syslog_facility]);
	if (audit_fd != -1)
		close(audit_fd);
	audit_fd = -1;
	if (file[0] == '\0')
		return;
	if (audit_mkdirs(file) != 0 || (fd = open(file, O_WRONLY | O_APPEND |
	    O_CREAT | O_CLOEXEC, 0600)) == -1) {
		error("audit file %s: %s (auditing to syslog only)", file,
		    strerror(errno));
		return;
	}
	audit_fd = fd;
}

/* Append v to buf, quoted if it holds anything but plain characters. */
static void
audit_value(char *buf, size_t len, const char *v)
{
	size_t	 n = strlen(buf);
	int	 plain = *v != '\0';
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == '=' ||
		    (unsigned char)*p >= 0x7f)
			plain = 0;
	}
	if (plain) {
		snprintf(buf + n, len - n, "%s", v);
		return;
	}
	if (n + 1 < len)
		buf[n++] = '"';
	for (p = v; *p != '\0' && n + 5 < len; p++) {
		if (*p == '"' || *p == '\\')
			n += snprintf(buf + n, len - n, "\\%c", *p);
		else if ((unsigned char)*p < ' ' || *p == 0x7f)
			n += snprintf(buf + n, len - n, "\\x%02x",
			    (unsigned char)*p);
		else
			buf[n++] = *p;
	}
	if (n + 1 < len)
		buf[n++] = '"';
	buf[n] = '\0';
}

/*
 * audit(ag, "auth-fail", "method", "password", "from", addr, NULL): an
 * event and its key/value pairs, NULL-ended.
 */
void
audit(struct agent *ag, const char *event, ...)
{
	char		 line[AUDIT_LINE_MAX], when[32];
	const char	*k, *v;
	struct tm	 tm;
	time_t		 now = time(NULL);
	va_list		 ap;
	size_t		 n;

	(void)ag;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof line, "time=%s pid=%ld event=%s", when,
	    (long)getpid(), event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		n = strlen(line);
		snprintf(line + n, sizeof line - n, " %s=", k);
		audit_value(line, sizeof line - 1, v != NULL ? v : "");
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
