/* SPDX-License-Identifier: ISC */

/*
 * Finding processes through /proc by session or by parent: ending all a
 * channel's process started, and, in the listener as subreaper, the
 * commands a killed connection process left behind.
 */

#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

/* The parent and the session of a process, from /proc; -1 if gone. */
static int
procscan_stat(long pid, long *ppid, long *sid)
{
	char	 path[64], buf[512], *p;
	ssize_t	 len;
	int	 fd;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len <= 0)
		return (-1);
	buf[len] = '\0';
	/* After "(comm)", which may hold anything: state ppid pgrp session. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %ld %*d %ld", ppid, sid) != 2)
		return (-1);
	return (0);
}

/*
 * Signal every process whose session (by_parent 0) or parent (1) is id;
 * return how many there were.
 */
static int
procscan_signal_where(int by_parent, pid_t id, int sig)
{
	DIR		*d;
	struct dirent	*de;
	char		*end;
	long		 pid, ppid, sid;
	int		 n = 0;

	if ((d = opendir("/proc")) == NULL)
		return (by_parent ? 0 : kill(-id, sig) == 0);
	while ((de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 ||
		    procscan_stat(pid, &ppid, &sid) != 0)
			continue;
		if ((by_parent ? ppid : sid) == id && kill(pid, sig) == 0)
			n++;
	}
	closedir(d);
	return (n);
}

int
procscan_signal_session(pid_t sid, int sig)
{
	return (procscan_signal_where(0, sid, sig));
}

/*
 * In the listener, a subreaper: a session process killed outright leaves
 * its commands to us. Each child that is not a known session process is
 * such an orphan; its whole session goes. Returns how many sessions.
 */
int
procscan_orphans(const pid_t *known, int nknown)
{
	DIR		*d;
	struct dirent	*de;
	char		*end;
	long		 pid, ppid, sid;
	int		 i, n = 0;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 ||
		    procscan_stat(pid, &ppid, &sid) != 0 || ppid != getpid())
			continue;
		for (i = 0; i < nknown && known[i] != pid; i++)
			;
		if (i < nknown)
			continue;
		/* Never our own session: it holds whoever started us. */
		if (sid != getsid(0))
			procscan_signal_session(sid, SIGKILL);
		kill(pid, SIGKILL);
		n++;
	}
	closedir(d);
	return (n);
}
