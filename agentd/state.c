/* SPDX-License-Identifier: ISC */

/*
 * STATE_DIR/connection.yaml, the inv32.xml of tether: what a local script
 * or `tetherd wait` reads. Written to a temporary file, synced, renamed, so
 * a reader never sees half of it.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "tetherd.h"

/*
 * As OpenSSH's safe_path: dir and every directory above it must be owned
 * by root (or by the user the agent runs as) and writable by no one else,
 * or that one could swap what root writes there for a symbolic link: the
 * mount journal would make root unmount any path, a log would append to
 * any file. A root-owned directory with the sticky bit (/tmp) is allowed:
 * others cannot rename or remove what root made in it.
 */
int
state_safe_path(const char *dir, char **cause)
{
	struct stat	 sb;
	char		*buf, *slash;
	int		 rc = 0;

	if (dir[0] != '/') {
		xasprintf(cause, "%s: not an absolute path", dir);
		return (-1);
	}
	buf = xstrdup(dir);
	for (;;) {
		if (stat(buf, &sb) != 0) {
			xasprintf(cause, "%s: %s", buf, strerror(errno));
			rc = -1;
			break;
		}
		if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
			xasprintf(cause, "%s: owned by uid %u, not root",
			    buf, (unsigned)sb.st_uid);
			rc = -1;
			break;
		}
		if ((sb.st_mode & 022) != 0 && !(S_ISDIR(sb.st_mode) &&
		    (sb.st_mode & S_ISVTX) && sb.st_uid == 0)) {
			xasprintf(cause, "%s: writable by group or others "
			    "(mode %04o)", buf, (unsigned)(sb.st_mode & 07777));
			rc = -1;
			break;
		}
		if ((slash = strrchr(buf, '/')) == NULL || slash == buf) {
			if (strcmp(buf, "/") == 0)
				break;
			buf[1] = '\0';
			continue;
		}
		*slash = '\0';
	}
	free(buf);
	return (rc);
}

/* Make the directory if needed and prove a file can be made in it. */
int
state_check_dir(const char *dir, char **cause)
{
	struct stat	 sb;
	char		*probe, *why;
	int		 fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		xasprintf(cause, "state directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if (stat(dir, &sb) != 0) {
		xasprintf(cause, "state directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "state directory %s: not a directory", dir);
		return (-1);
	}
	/* Others could swap connection.yaml under a waiting script. */
	if (sb.st_mode & 022) {
		xasprintf(cause, "state directory %s: writable by group or "
		    "others (mode %04o); chmod 700 it", dir,
		    (unsigned)(sb.st_mode & 07777));
		return (-1);
	}
	if (state_safe_path(dir, &why) != 0) {
		xasprintf(cause, "state directory %s: unsafe: %s", dir, why);
		free(why);
		return (-1);
	}
	xasprintf(&probe, "%s/.tetherd.XXXXXX", dir);
	if ((fd = mkstemp(probe)) == -1) {
		xasprintf(cause, "state directory %s: %s", dir,
		    strerror(errno));
		free(probe);
		return (-1);
	}
	close(fd);
	unlink(probe);
	free(probe);
	return (0);
}

static char *
state_yaml(struct agent *ag, size_t *len)
{
	struct yw	*w;
	struct conn	*c;
	char		 text[TICKET_TEXT];
	int		 i;

	w = yw_new();
	yw_map(w);
	yw_kvint(w, "tether", 1);
	yw_kv(w, "state", ag->state);
	yw_kvint(w, "pid", getpid());
	yw_kv(w, "host", ag->host);
	ticket_format(&ag->ticket, text, sizeof text);
	yw_kv(w, "ticket", ag->unattended ? NULL : text);
	yw_kvint(w, "port", ag->bound_port);
	yw_kvlist(w, "ips", ag->ips, ag->nips);
	relay_yaml(w, ag);
	yw_kv(w, "fingerprint", ag->fingerprint);
	yw_kvtime(w, "created", ag->created);
	if (ag->unattended)
		yw_kv(w, "expires", NULL);
	else
		yw_kvtime(w, "expires", ag->expires);
	yw_str(w, "connections");
	yw_seq(w);
	for (i = 0; i < ag->nconns; i++) {
		c = &ag->conns[i];
		if (!c->authed)
			continue;
		yw_map(w);
		yw_kv(w, "from", c->from);
		yw_kv(w, "user", c->user);
		yw_kvtime(w, "since", c->since);
		yw_end(w);
	}
	yw_end(w);
	yw_end(w);
	explicit_bzero(text, sizeof text);
	return (yw_finish(w, len));
}

int
state_write(struct agent *ag, char **cause)
{
	char	*yaml;
	size_t	 len;
	int	 rc;

	yaml = state_yaml(ag, &len);
	rc = file_write_atomic(ag->conf.state_dir, "connection.yaml", yaml,
	    len, 0600, cause);
	freezero(yaml, len);
	return (rc);
}
