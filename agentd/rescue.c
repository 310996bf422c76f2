/* SPDX-License-Identifier: ISC */

/*
 * tetherd rescue-next-boot: the next boot, and only that one, starts the
 * "tether remote recovery" entry that /etc/grub.d/42_tether-rescue adds
 * to grub.cfg. GRUB's own grub-reboot does the work (it sets next_entry
 * in grubenv, which grub.cfg's header reads and clears); this checks
 * first that the entry is there, so a missing one is said now and not
 * found out at the next boot.
 */

#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define RESCUE_ENTRY	"tether-recovery"
#define RESCUE_CFG_MAX	(8 * 1024 * 1024)

static const char *rescue_tools[] = { "grub-reboot", "grub2-reboot" };

static dead void
rescue_usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: tetherd rescue-next-boot [--boot-directory dir]\n");
	exit(status);
}

/* The first of rescue_tools in PATH, or NULL. */
static const char *
rescue_tool(void)
{
	const char	*path = getenv("PATH");
	char		*copy, *dir, *save, *cand;
	size_t		 i;

	if (path == NULL || *path == '\0')
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	for (i = 0; i < nitems(rescue_tools); i++) {
		copy = xstrdup(path);
		for (dir = strtok_r(copy, ":", &save); dir != NULL;
		    dir = strtok_r(NULL, ":", &save)) {
			xasprintf(&cand, "%s/%s", dir, rescue_tools[i]);
			if (access(cand, X_OK) == 0) {
				free(cand);
				free(copy);
				return (rescue_tools[i]);
			}
			free(cand);
		}
		free(copy);
	}
	return (NULL);
}

/* Is the entry in grub.cfg? Its id is on its menuentry line. */
static int
rescue_has_entry(const char *cfg)
{
	char	*buf, *cause;
	size_t	 len;
	int	 found;

	if ((buf = file_read_all(cfg, RESCUE_CFG_MAX, &len, &cause)) == NULL) {
		fprintf(stderr, "tetherd: rescue-next-boot: %s\n", cause);
		free(cause);
		return (0);
	}
	found = strstr(buf, "--id " RESCUE_ENTRY " ") != NULL ||
	    strstr(buf, "--id '" RESCUE_ENTRY "'") != NULL;
	free(buf);
	if (!found)
		fprintf(stderr, "tetherd: rescue-next-boot: no tether remote "
		    "recovery entry in %s: install the rescue system in "
		    "/boot/tether and run update-grub\n", cfg);
	return (found);
}

int
rescue_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "boot-directory",	required_argument,	NULL, 'b' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL,			0,			NULL, 0 }
	};
	const char	*boot = "/boot", *tool;
	char		*cfg, *opt;
	pid_t		 pid;
	int		 ch, status;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			boot = optarg;
			break;
		case 'h':
			rescue_usage(0);
		default:
			rescue_usage(2);
		}
	}
	if (optind != argc)
		rescue_usage(2);
	xasprintf(&cfg, "%s/grub/grub.cfg", boot);
	if (!rescue_has_entry(cfg)) {
		free(cfg);
		return (1);
	}
	free(cfg);
	if ((tool = rescue_tool()) == NULL) {
		fprintf(stderr, "tetherd: rescue-next-boot: no grub-reboot "
		    "(apt-get install grub2-common)\n");
		return (1);
	}
	xasprintf(&opt, "--boot-directory=%s", boot);
	if ((pid = fork()) == -1)
		fatal("rescue-next-boot: fork");
	if (pid == 0) {
		execlp(tool, tool, opt, RESCUE_ENTRY, (char *)NULL);
		fprintf(stderr, "tetherd: rescue-next-boot: %s: %s\n", tool,
		    strerror(errno));
		_exit(127);
	}
	free(opt);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			fatal("rescue-next-boot: waitpid");
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tetherd: rescue-next-boot: %s failed\n", tool);
		return (1);
	}
	printf("The next boot, and only that one, starts tether remote "
	    "recovery. Restart the computer now.\n");
	return (0);
}
