/* SPDX-License-Identifier: ISC */

/*
 * tetherd wait: DaRT's WaitForConnection. Block a launch script until a
 * technician has authenticated (0); exit 1 when the agent is gone, ended
 * or never started, 2 on --timeout. inotify on the state directory wakes
 * it; a slow tick only checks that the agent's pid is still alive.
 */

#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define WAIT_CONNECTED	0
#define WAIT_GONE	1
#define WAIT_TIMEOUT	2
#define WAIT_USAGE	3
#define WAIT_START	10	/* seconds an agent may take to write its file */

static int	wait_read(const char *, int *, const char **);

/* Milliseconds since t0, on a clock that a boot-time clock step leaves be. */
static long long
wait_ms(const struct timespec *t0)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - t0->tv_sec) * 1000LL +
	    (now.tv_nsec - t0->tv_nsec) / 1000000);
}

static dead void
wait_usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: tetherd wait [--state-dir dir] [--timeout seconds]\n");
	exit(status == 0 ? 0 : WAIT_USAGE);
}

/*
 * What connection.yaml says now: -1 (keep waiting), 0 or 1. A file older
 * than this wait may be an earlier agent's, left behind: while the start
 * grace lasts, only a file written since counts against the agent.
 */
static int
wait_check(const char *path, time_t start, int *seen, const char **why)
{
	struct stat	 sb;
	int		 rc;

	if (stat(path, &sb) != 0) {
		*why = "no state file";
		return (*seen ? WAIT_GONE : -1);
	}
	rc = wait_read(path, seen, why);
	if (rc == WAIT_GONE && sb.st_mtime < start &&
	    time(NULL) - start < WAIT_START) {
		*seen = 0;
		return (-1);
	}
	return (rc);
}

static int
wait_read(const char *path, int *seen, const char **why)
{
	yaml_document_t	 doc;
	const char	*state, *pid;
	char		*buf, *cause;
	size_t		 len;
	FILE		*f;
	int		 rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		*why = "no state file";
		return (*seen ? WAIT_GONE : -1);
	}
	*seen = 1;
	buf = xmalloc(65536);
	len = fread(buf, 1, 65535, f);
	fclose(f);
	if (yr_load(buf, len, &doc, &cause) != 0) {
		free(cause);
		free(buf);
		return (-1);	/* never half-written; take the next one */
	}
	state = yr_scalar(yr_get(&doc, yr_root(&doc), "state"));
	pid = yr_scalar(yr_get(&doc, yr_root(&doc), "pid"));
	if (state == NULL) {
		*why = "state file without a state";
		rc = WAIT_GONE;
	} else if (strcmp(state, "connected") == 0)
		rc = WAIT_CONNECTED;
	else if (strcmp(state, "ended") == 0 ||
	    strcmp(state, "expired") == 0) {
		*why = "the agent has ended";
		rc = WAIT_GONE;
	} else if (pid != NULL && kill((pid_t)atol(pid), 0) != 0 &&
	    errno == ESRCH) {
		*why = "the agent is not running";
		rc = WAIT_GONE;
	}
	yaml_document_delete(&doc);
	free(buf);
	return (rc);
}

int
wait_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir",	required_argument,	NULL, 's' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*dir = TETHERD_STATE_DIR, *why = "";
	char		*path, *end, ev[4096];
	struct pollfd	 pfd;
	time_t		 start = time(NULL);	/* for file times only */
	struct timespec	 t0;
	long long	 left;
	long		 timeout = -1;
	int		 ch, rc, seen = 0, fd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			dir = optarg;
			break;
		case 't':
			timeout = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || timeout < 0 ||
			    timeout > INT_MAX / 1000) {
				fprintf(stderr, "tetherd: wait: bad timeout "
				    "\"%s\"\n", optarg);
				exit(WAIT_USAGE);
			}
			break;
		case 'h':
			wait_usage(0);
		default:
			wait_usage(2);
		}
	}
	if (optind != argc)
		wait_usage(2);
	if ((fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1)
		fatal_fr("wait: inotify");
	/* The agent makes its state directory; give it the start grace. */
	while (inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE |
	    IN_CREATE | IN_DELETE | IN_DELETE_SELF) == -1) {
		if (errno != ENOENT || wait_ms(&t0) >= WAIT_START * 1000LL ||
		    (timeout >= 0 && wait_ms(&t0) >= timeout * 1000LL)) {
			fprintf(stderr, "tetherd: wait: %s: %s\n", dir,
			    strerror(errno));
			return (errno == ENOENT && timeout >= 0 &&
			    wait_ms(&t0) >= timeout * 1000LL ? WAIT_TIMEOUT :
			    WAIT_GONE);
		}
		poll(NULL, 0, 200);
	}
	xasprintf(&path, "%s/connection.yaml", dir);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if ((rc = wait_check(path, start, &seen, &why)) != -1)
			break;
		if (!seen && wait_ms(&t0) >= WAIT_START * 1000LL) {
			rc = WAIT_GONE;
			break;
		}
		left = timeout >= 0 ? timeout * 1000LL - wait_ms(&t0) : 1000;
		if (left <= 0) {
			rc = WAIT_TIMEOUT;
			why = "timed out";
			break;
		}
		/* Events wake us; the tick notices a SIGKILLed agent. */
		if (poll(&pfd, 1, left < 1000 ? (int)left : 1000) > 0)
			while (read(fd, ev, sizeof ev) > 0)
				;
	}
	if (rc != WAIT_CONNECTED)
		fprintf(stderr, "tetherd: wait: %s\n", why);
	free(path);
	close(fd);
	return (rc);
}
