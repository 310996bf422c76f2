/* SPDX-License-Identifier: ISC */

/*
 * Logging for both programs: to stderr, to syslog, or both. fatal() adds
 * the errno text, fatalx() does not; both run the fatal hook first so the
 * viewer can give the terminal back before the message is printed. The
 * _f macros of common.h put the calling function before the message and
 * the _r ones the errno text after it, as OpenSSH's log.h does.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common.h"

#define LVL_FATAL	LOG_LVL_FATAL
#define LVL_ERROR	LOG_LVL_ERROR
#define LVL_INFO	LOG_LVL_INFO
#define LVL_DEBUG	LOG_LVL_DEBUG

static const char *log_name = "tether";
static char	   log_prefix[64];
static int	   log_verbosity = LVL_INFO;
static int	   log_where = LOG_TO_STDERR;
static void	 (*log_fatal_hook)(void);
static FILE	  *log_out;		/* NULL: stderr */

/*
 * Open the log. The level counts -d flags: 0 logs errors and events, 1 and
 * more add debug lines.
 */
void
log_open(const char *name, int level, int where)
{
	log_name = name;
	log_verbosity = level > 0 ? LVL_DEBUG : LVL_INFO;
	log_where = where;
	if (where & LOG_TO_SYSLOG)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * Log to fd rather than stderr: a process whose stderr has become a
 * client's channel keeps its log lines in the agent's log.
 */
void
log_set_fd(int fd)
{
	FILE	*f;

	if ((f = fdopen(fd, "w")) != NULL)
		log_out = f;
}

/* A child tags its lines with what it serves, as sshd's children do. */
void
log_set_prefix(const char *prefix)
{
	snprintf(log_prefix, sizeof log_prefix, "%s", prefix);
}

int
log_level(void)
{
	return (log_verbosity == LVL_DEBUG);
}

void
log_set_fatal_hook(void (*hook)(void))
{
	log_fatal_hook = hook;
}

static void
log_vwrite(int level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_CRIT, LOG_ERR, LOG_INFO, LOG_DEBUG };
	char	 msg[2048];
	int	 saved = errno;

	if (level > log_verbosity)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_where & LOG_TO_SYSLOG)
		syslog(prio[level], "%s%s", log_prefix, msg);
	if (log_where & LOG_TO_STDERR) {
		fprintf(log_out != NULL ? log_out : stderr, "%s: %s%s\n",
		    log_name, log_prefix, msg);
		fflush(log_out != NULL ? log_out : stderr);
	}
	errno = saved;
}

static void
log_write(int level, const char *fmt, ...) printflike(2, 3);

static void
log_write(int level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap);
	va_end(ap);
}

/* One line: "func: msg: reason" with the parts that are there. */
static void
log_write_msg(int level, const char *func, const char *msg,
    const char *reason)
{
	if (reason != NULL && func != NULL)
		log_write(level, "%s: %s: %s", func, msg, reason);
	else if (reason != NULL)
		log_write(level, "%s: %s", msg, reason);
	else if (func != NULL)
		log_write(level, "%s: %s", func, msg);
	else
		log_write(level, "%s", msg);
}

void
fatal(const char *fmt, ...)
{
	char	*msg;
	va_list	 ap;
	int	 saved = errno;

	if (log_fatal_hook != NULL)
		log_fatal_hook();
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	fatalx("%s: %s", msg != NULL ? msg : fmt, strerror(saved));
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	if (log_fatal_hook != NULL) {
		void (*hook)(void) = log_fatal_hook;

		log_fatal_hook = NULL;
		hook();
	}
	va_start(ap, fmt);
	log_vwrite(LVL_FATAL, fmt, ap);
	va_end(ap);
	exit(1);
}

void
error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LVL_ERROR, fmt, ap);
	va_end(ap);
}

void
info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LVL_INFO, fmt, ap);
	va_end(ap);
}

void
debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LVL_DEBUG, fmt, ap);
	va_end(ap);
}

/*
 * The macros' way in: func (or NULL) before the message, and with
 * with_errno the text of errno as it was when we were called after it.
 */
void
log_emit(const char *func, int level, int with_errno, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;
	int	 saved = errno;

	if (level > log_verbosity)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_write_msg(level, func, msg, with_errno ? strerror(saved) : NULL);
	errno = saved;
}

void
log_fatal(const char *func, int with_errno, const char *fmt, ...)
{
	char	 msg[2048];
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (with_errno)
		fatalx("%s: %s: %s", func, msg, strerror(saved));
	fatalx("%s: %s", func, msg);
}
