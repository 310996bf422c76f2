/* SPDX-License-Identifier: ISC */

/*
 * Why an offline system does not boot (DaRT's Startup Repair): the table of
 * read-only checks over a root, each adding findings with the evidence
 * and, where a safe one exists, the catalog tool that fixes it. Nothing
 * here changes the root; commands run on its devices only to read them.
 * This file holds the table, the findings and the report; the checks are
 * in diagboot.c (fstab, boot, init) and diagsys.c (the rest).
 */

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include <blkid/blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define DIAG_MAX_FINDINGS	128
#define DIAG_CMD_MAX		(256 * 1024)	/* output kept of a command */
#define DIAG_CMD_TIMEOUT	120		/* seconds */
#define DIAG_EVIDENCE_MAX	2048		/* bytes of evidence kept */


static const struct diag_check {
	const char	*name;
	void		 (*check)(struct diag *);
} diag_checks[] = {
	{ "fstab", diag_check_fstab },
	{ "boot", diag_check_boot },
	{ "filesystems", diag_check_filesystems },
	{ "accounts", diag_check_accounts },
	{ "lastboot", diag_check_lastboot },
	{ "init", diag_check_init },
	{ NULL, NULL }
};

static const char *diag_severities[] = { "error", "warning", "info" };

/* Findings --------------------------------------------------------------- */

struct diag_finding *
diag_add(struct diag *d, int severity, const char *check, const char *evidence,
    const char *fmt, ...)
{
	struct diag_finding	*f;
	va_list			 ap;

	if (d->n == DIAG_MAX_FINDINGS)
		return (NULL);
	d->findings = xreallocarray(d->findings, d->n + 1, sizeof *f);
	f = &d->findings[d->n++];
	memset(f, 0, sizeof *f);
	f->severity = severity;
	f->check = check;
	va_start(ap, fmt);
	xvasprintf(&f->what, fmt, ap);
	va_end(ap);
	/* A hostile disk's line can be of any length: keep a screenful. */
	if (evidence != NULL && strlen(evidence) > DIAG_EVIDENCE_MAX)
		xasprintf(&f->evidence, "%.*s...", DIAG_EVIDENCE_MAX,
		    evidence);
	else
		f->evidence = evidence != NULL ? xstrdup(evidence) : NULL;
	return (f);
}

/* A catalog call that fixes f, for the technician to run (never run here). */
void
diag_fix(struct diag_finding *f, const char *tool, const char *arg,
    const char *confirm)
{
	if (f == NULL)
		return;
	f->fix_tool = xstrdup(tool);
	f->fix_arg = arg != NULL ? xstrdup(arg) : NULL;
	f->fix_confirm = confirm != NULL ? xstrdup(confirm) : NULL;
}

const char *
diag_severity_name(int severity)
{
	if (severity < 0 || severity > DIAG_INFO)
		return ("?");
	return (diag_severities[severity]);
}

/* Devices ---------------------------------------------------------------- */

void
diag_device_add(struct diag *d, const char *name, const char *type,
    const char *uuid, const char *label, const char *partuuid)
{
	struct diag_dev	*v;

	d->devs = xreallocarray(d->devs, d->ndevs + 1, sizeof *v);
	v = &d->devs[d->ndevs++];
	v->name = xstrdup(name);
	v->type = type != NULL ? xstrdup(type) : NULL;
	v->uuid = uuid != NULL ? xstrdup(uuid) : NULL;
	v->label = label != NULL ? xstrdup(label) : NULL;
	v->partuuid = partuuid != NULL ? xstrdup(partuuid) : NULL;
}

/* Every device libblkid finds: what the roots scan sees. */
void
diag_devices_blkid(struct diag *d)
{
	blkid_cache		 cache;
	blkid_dev_iterate	 it;
	blkid_dev		 dev;
	blkid_tag_iterate	 ti;
	const char		*type, *value, *t[4];

	if (blkid_get_cache(&cache, "/dev/null") != 0)
		return;
	blkid_probe_all(cache);
	it = blkid_dev_iterate_begin(cache);
	while (blkid_dev_next(it, &dev) == 0) {
		if ((dev = blkid_verify(cache, dev)) == NULL)
			continue;
		memset(t, 0, sizeof t);
		ti = blkid_tag_iterate_begin(dev);
		while (blkid_tag_next(ti, &type, &value) == 0) {
			if (strcmp(type, "TYPE") == 0)
				t[0] = value;
			else if (strcmp(type, "UUID") == 0)
				t[1] = value;
			else if (strcmp(type, "LABEL") == 0)
				t[2] = value;
			else if (strcmp(type, "PARTUUID") == 0)
				t[3] = value;
		}
		blkid_tag_iterate_end(ti);
		diag_device_add(d, blkid_dev_devname(dev), t[0], t[1], t[2],
		    t[3]);
	}
	blkid_dev_iterate_end(it);
	blkid_put_cache(cache);
}

/* The device an fstab or kernel spec names, among those seen; or NULL. */
const struct diag_dev *
diag_device_find(const struct diag *d, const char *spec)
{
	static const struct {
		const char	*prefix;
		size_t		 off;
		int		 icase;
	} tags[] = {
		{ "UUID=", offsetof(struct diag_dev, uuid), 1 },
		{ "/dev/disk/by-uuid/", offsetof(struct diag_dev, uuid), 1 },
		{ "LABEL=", offsetof(struct diag_dev, label), 0 },
		{ "/dev/disk/by-label/", offsetof(struct diag_dev, label), 0 },
		{ "PARTUUID=", offsetof(struct diag_dev, partuuid), 1 },
		{ "/dev/disk/by-partuuid/", offsetof(struct diag_dev,
		    partuuid), 1 },
		{ "", offsetof(struct diag_dev, name), 0 },
	};
	const char	*field;
	char		*v;
	size_t		 i, len;
	int		 j;

	/* The last prefix, "", matches any spec: a device by its name. */
	for (i = 0; i < nitems(tags) - 1; i++) {
		if (strncmp(spec, tags[i].prefix, strlen(tags[i].prefix)) == 0)
			break;
	}
	/* UUID="x" as blkid prints it is allowed in fstab too. */
	v = xstrdup(spec + strlen(tags[i].prefix));
	if (*v == '"' && (len = strlen(v)) >= 2 && v[len - 1] == '"') {
		memmove(v, v + 1, len - 2);
		v[len - 2] = '\0';
	}
	for (j = 0; j < d->ndevs; j++) {
		field = *(char *const *)((const char *)&d->devs[j] +
		    tags[i].off);
		if (field != NULL && (tags[i].icase ? strcasecmp(v, field) :
		    strcmp(v, field)) == 0) {
			free(v);
			return (&d->devs[j]);
		}
	}
	free(v);
	return (NULL);
}

/*
 * The device a root sits on, by its device number, if the root is the top
 * of that filesystem: a directory inside another system has none.
 */
static char *
diag_device_of(const struct diag *d)
{
	struct stat	 st, up, dst;
	int		 i;

	if (fstat(d->rootfd, &st) != 0 ||
	    fstatat(d->rootfd, "..", &up, 0) != 0 ||
	    (up.st_dev == st.st_dev && up.st_ino != st.st_ino))
		return (NULL);
	for (i = 0; i < d->ndevs; i++) {
		if (stat(d->devs[i].name, &dst) == 0 && S_ISBLK(dst.st_mode) &&
		    dst.st_rdev == st.st_dev)
			return (xstrdup(d->devs[i].name));
	}
	return (NULL);
}

/* Commands --------------------------------------------------------------- */

/* Read a child's output until EOF, the cap or the deadline. */
static void
diag_cmd_read(int fd, pid_t pid, char **out)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	char		*buf, chunk[8192];
	size_t		 len = 0;
	ssize_t		 n;
	time_t		 end = time(NULL) + DIAG_CMD_TIMEOUT;

	buf = xmalloc(1);
	for (;;) {
		if (time(NULL) >= end) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if ((n = read(fd, chunk, sizeof chunk)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			break;
		}
		if (len + n > DIAG_CMD_MAX)
			n = DIAG_CMD_MAX - len;
		buf = xreallocarray(buf, 1, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
}

/*
 * Run argv with stdout and stderr into *out, stdin from /dev/null; its exit
 * status, 127 if it could not run, or -1 if killed.
 */
int
diag_cmd(char *const *argv, char **out)
{
	pid_t	 pid;
	int	 p[2], status, fd;

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) != 0)
		return (-1);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		closefrom(STDERR_FILENO + 1);
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	diag_cmd_read(p[0], pid, out);
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return (-1);
	}
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (-1);
}

/* "cmd args: output", the output cut to its first lines, as evidence. */
char *
diag_cmd_evidence(char *const *argv, const char *out, int lines)
{
	const char	*p = out;
	char		*s, *t;
	int		 i;

	s = xstrdup("$");
	for (i = 0; argv[i] != NULL; i++) {
		xasprintf(&t, "%s %s", s, argv[i]);
		free(s);
		s = t;
	}
	for (i = 0; i < lines && p != NULL && *p != '\0'; i++) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	xasprintf(&t, "%s\n%.*s", s, p != NULL ? (int)(p - out) :
	    (int)strlen(out), out);
	free(s);
	return (t);
}

/* Files of the root ------------------------------------------------------ */

/* rel exists inside the root, links resolved there; its stat. */
int
diag_stat(const struct diag *d, const char *rel, struct stat *st)
{
	int	 fd, rc;

	while (*rel == '/')
		rel++;
	if ((fd = root_openat(d->rootfd, *rel == '\0' ? "." : rel,
	    O_PATH)) == -1)
		return (-1);
	rc = fstat(fd, st);
	close(fd);
	return (rc);
}

FILE *
diag_fopen(const struct diag *d, const char *rel)
{
	return (root_fopen(d->rootfd, rel));
}

/* The fstab, parsed; -1 with a finding if it does not parse. */
int
diag_fstab(struct diag *d, struct root_fstab **e, int *n, int report)
{
	FILE	*f;
	char	*cause, *ev;

	*e = NULL;
	*n = 0;
	if ((f = diag_fopen(d, "etc/fstab")) == NULL) {
		if (report)
			diag_add(d, DIAG_WARNING, "fstab", "etc/fstab",
			    "etc/fstab is missing: nothing but / is mounted "
			    "at boot");
		return (-1);
	}
	if (root_fstab_parse(f, e, n, &cause) != 0) {
		fclose(f);
		if (report) {
			xasprintf(&ev, "etc/fstab: %s", cause);
			diag_fix(diag_add(d, DIAG_ERROR, "fstab", ev,
			    "etc/fstab does not parse"), "edit", "etc/fstab",
			    NULL);
			free(ev);
		}
		free(cause);
		return (-1);
	}
	fclose(f);
	return (0);
}

int
diag_has_opt(const char *opts, const char *word)
{
	char	*copy, *p, *w;
	int	 found = 0;

	copy = p = xstrdup(opts);
	while (!found && (w = strsep(&p, ",")) != NULL)
		found = strcmp(w, word) == 0;
	free(copy);
	return (found);
}

char *
diag_fstab_evidence(const struct root_fstab *e)
{
	char	*s;

	xasprintf(&s, "etc/fstab:%d: %s %s %s %s", e->line, e->spec, e->file,
	    e->type, e->opts);
	return (s);
}

/* The report -------------------------------------------------------------- */

/* Open the root; device may be NULL (found from the devices seen). */
int
diag_open(struct diag *d, const char *root, const char *device, char **cause)
{
	memset(d, 0, sizeof *d);
	if ((d->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		xasprintf(cause, "%s: %s", root, strerror(errno));
		return (-1);
	}
	d->root = xstrdup(root);
	if (device != NULL)
		d->device = xstrdup(device);
	return (0);
}

/* The whole-disk device of a partition, for the grub fix; or NULL. */
static char *
diag_disk_of(const char *dev)
{
	char	*sys, *real, *base, *out = NULL;
	const char *name;

	if (dev == NULL || strncmp(dev, "/dev/", 5) != 0)
		return (NULL);
	name = dev + 5;
	xasprintf(&sys, "/sys/class/block/%s/partition", name);
	if (access(sys, F_OK) != 0) {
		free(sys);
		return (NULL);
	}
	free(sys);
	xasprintf(&sys, "/sys/class/block/%s/..", name);
	if ((real = realpath(sys, NULL)) != NULL &&
	    (base = strrchr(real, '/')) != NULL)
		xasprintf(&out, "/dev/%s", base + 1);
	free(real);
	free(sys);
	return (out);
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct diag_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return (x->severity - y->severity);
	return (x->order - y->order);
}

/* Every check, then the findings worst first, in check order within. */
void
diag_run(struct diag *d)
{
	const struct diag_check	*c;
	int			 i;

	if (d->device == NULL)
		d->device = diag_device_of(d);
	if (d->disk == NULL)
		d->disk = diag_disk_of(d->device);
	for (c = diag_checks; c->name != NULL; c++)
		c->check(d);
	for (i = 0; i < d->n; i++)
		d->findings[i].order = i;
	if (d->n > 1)
		qsort(d->findings, d->n, sizeof *d->findings, diag_cmp);
}

/* The fix as a catalog call: "run TOOL [--confirm=WORD] [ARG]". */
static char *
diag_fix_command(const struct diag_finding *f)
{
	char	*s;

	xasprintf(&s, "run %s%s%s%s%s", f->fix_tool,
	    f->fix_confirm != NULL ? " --confirm=" : "",
	    f->fix_confirm != NULL ? f->fix_confirm : "",
	    f->fix_arg != NULL ? " " : "",
	    f->fix_arg != NULL ? f->fix_arg : "");
	return (s);
}

void
diag_yaml(struct yw *w, const struct diag *d)
{
	const struct diag_finding	*f;
	char				*cmd;
	int				 i, count[3] = { 0, 0, 0 };

	for (i = 0; i < d->n; i++)
		count[d->findings[i].severity]++;
	yw_map(w);
	yw_kv(w, "root", d->root);
	yw_kv(w, "device", d->device);
	yw_kvint(w, "errors", count[DIAG_ERROR]);
	yw_kvint(w, "warnings", count[DIAG_WARNING]);
	yw_str(w, "findings");
	yw_seq(w);
	for (i = 0; i < d->n; i++) {
		f = &d->findings[i];
		yw_map(w);
		yw_kv(w, "severity", diag_severity_name(f->severity));
		yw_kv(w, "check", f->check);
		yw_kv(w, "what", f->what);
		yw_kv(w, "evidence", f->evidence);
		if (f->fix_tool != NULL) {
			yw_str(w, "fix");
			yw_map(w);
			yw_kv(w, "tool", f->fix_tool);
			yw_kvlist(w, "args", f->fix_arg != NULL ?
			    (char **)&f->fix_arg : NULL, f->fix_arg != NULL);
			yw_kv(w, "confirm", f->fix_confirm);
			cmd = diag_fix_command(f);
			yw_kv(w, "command", cmd);
			free(cmd);
			yw_end(w);
		}
		yw_end(w);
	}
	yw_end(w);
	yw_end(w);
}

void
diag_free(struct diag *d)
{
	int	 i;

	for (i = 0; i < d->n; i++) {
		free(d->findings[i].what);
		free(d->findings[i].evidence);
		free(d->findings[i].fix_tool);
		free(d->findings[i].fix_arg);
		free(d->findings[i].fix_confirm);
	}
	free(d->findings);
	for (i = 0; i < d->ndevs; i++) {
		free(d->devs[i].name);
		free(d->devs[i].type);
		free(d->devs[i].uuid);
		free(d->devs[i].label);
		free(d->devs[i].partuuid);
	}
	free(d->devs);
	free(d->root);
	free(d->device);
	free(d->fstype);
	free(d->disk);
	if (d->rootfd != -1)
		close(d->rootfd);
	memset(d, 0, sizeof *d);
	d->rootfd = -1;
}

/* The report of one root as YAML text, under "diagnosis:". */
char *
diag_report(const char *root, const char *device, int *errors)
{
	struct diag	 d;
	struct yw	*w;
	char		*cause, *text;
	int		 i;

	*errors = 0;
	w = yw_new();
	yw_map(w);
	yw_str(w, "diagnosis");
	if (diag_open(&d, root, device, &cause) != 0) {
		yw_map(w);
		yw_kv(w, "root", root);
		yw_kv(w, "error", cause);
		yw_end(w);
		free(cause);
		*errors = -1;
	} else {
		diag_devices_blkid(&d);
		diag_run(&d);
		diag_yaml(w, &d);
		for (i = 0; i < d.n; i++)
			*errors += d.findings[i].severity == DIAG_ERROR;
		diag_free(&d);
	}
	yw_end(w);
	text = yw_finish(w, NULL);
	return (text);
}

/*
 * tetherd diagnose [-d device] root: the catalog's diagnose tool. Exit 0
 * with no error found, 1 with one or more, 2 on a usage error.
 */
int
diag_main(int argc, char **argv)
{
	const char	*device = NULL;
	char		*text;
	int		 ch, errors;

	optind = 1;
	while ((ch = getopt(argc, argv, "d:")) != -1) {
		switch (ch) {
		case 'd':
			device = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || argv[optind][0] != '/')
		goto usage;
	text = diag_report(argv[optind], device, &errors);
	fputs(text, stdout);
	free(text);
	if (fflush(stdout) != 0)
		return (2);
	return (errors == 0 ? 0 : errors < 0 ? 2 : 1);
usage:
	fprintf(stderr, "usage: tetherd diagnose [-d device] /path/to/root\n");
	return (2);
}
