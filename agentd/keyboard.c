/* SPDX-License-Identifier: ISC */

/*
 * The local console's keyboard layout: the person at the broken machine
 * types the consent answer and may use its console. Keymaps are built
 * into the rescue image as busybox loadkmap's binary maps; tether.keymap=
 * on the kernel command line, or keyboard: in tetherd.yaml, picks one at
 * start. The technician's side needs nothing: keys reach the pty as
 * characters.
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define KEYBOARD_DIR	"/usr/share/tether/keymaps"
#define KEYBOARD_MAGIC	"bkeymap"
#define KEYBOARD_NAME	16

/* Where the maps are: TETHER_KEYMAPS, for tests and other images. */
static const char *
keyboard_dir(void)
{
	const char	*dir = getenv("TETHER_KEYMAPS");

	return (dir != NULL && *dir == '/' ? dir : KEYBOARD_DIR);
}

/* A layout name: lower case letters, digits, - and _, a letter first. */
int
keyboard_name_ok(const char *s)
{
	size_t	 n = strlen(s);

	return (n > 0 && n <= KEYBOARD_NAME && s[0] >= 'a' && s[0] <= 'z' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n);
}

/* The layouts the image has, "de, fr, us", to free. */
static char *
keyboard_list(void)
{
	struct dirent	**de;
	char		*out = NULL, *t;
	size_t		 len;
	int		 n, i;

	if ((n = scandir(keyboard_dir(), &de, NULL, alphasort)) == -1)
		return (xstrdup(""));
	for (i = 0; i < n; i++) {
		len = strlen(de[i]->d_name);
		if (len > 5 && strcmp(de[i]->d_name + len - 5, ".bmap") == 0) {
			xasprintf(&t, "%s%s%.*s", out != NULL ? out : "",
			    out != NULL ? ", " : "", (int)len - 5,
			    de[i]->d_name);
			free(out);
			out = t;
		}
		free(de[i]);
	}
	free(de);
	return (out != NULL ? out : xstrdup(""));
}

/* The map of layout, opened and checked; -1 and *cause if none. */
static int
keyboard_open(const char *layout, char **cause)
{
	char	*path, *have, magic[sizeof KEYBOARD_MAGIC - 1];
	int	 fd;

	if (!keyboard_name_ok(layout)) {
		xasprintf(cause, "bad layout name \"%s\"", layout);
		return (-1);
	}
	xasprintf(&path, "%s/%s.bmap", keyboard_dir(), layout);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		have = keyboard_list();
		if (errno == ENOENT)
			xasprintf(cause, "no keymap \"%s\" (this system has: "
			    "%s)", layout, *have != '\0' ? have : "none");
		else
			xasprintf(cause, "%s: %s", path, strerror(errno));
		free(have);
		free(path);
		return (-1);
	}
	if (read(fd, magic, sizeof magic) != (ssize_t)sizeof magic ||
	    memcmp(magic, KEYBOARD_MAGIC, sizeof magic) != 0 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		xasprintf(cause, "%s: not a loadkmap keymap", path);
		close(fd);
		free(path);
		return (-1);
	}
	free(path);
	return (fd);
}

/* Load layout into the console with loadkmap; -1 and *cause if not. */
int
keyboard_set(const char *layout, char **cause)
{
	pid_t	 pid;
	int	 fd, status;

	if ((fd = keyboard_open(layout, cause)) == -1)
		return (-1);
	if ((pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (pid == 0) {
		dup2(fd, STDIN_FILENO);
		execlp("loadkmap", "loadkmap", (char *)NULL);
		dprintf(STDERR_FILENO, "keyboard: loadkmap: %s\n",
		    strerror(errno));
		_exit(127);
	}
	close(fd);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			xasprintf(cause, "waitpid: %s", strerror(errno));
			return (-1);
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		xasprintf(cause, "loadkmap failed for \"%s\"", layout);
		return (-1);
	}
	return (0);
}

/*
 * The layout to set at start: tether.keymap= of the kernel command line
 * in cmdline (a file), else conf; NULL for none. A boot parameter is
 * chosen for this machine, so it wins over the image's file.
 */
char *
keyboard_boot_layout(const char *cmdline, const char *conf)
{
	FILE	*f;
	char	 buf[4096], *w, *p, *last, *found = NULL;

	if ((f = fopen(cmdline, "re")) != NULL) {
		if (fgets(buf, sizeof buf, f) != NULL) {
			for (w = strtok_r(buf, " \t\n", &last); w != NULL;
			    w = strtok_r(NULL, " \t\n", &last)) {
				if (strncmp(w, "tether.keymap=", 14) != 0)
					continue;
				p = w + 14;
				free(found);
				found = xstrdup(p);
			}
		}
		fclose(f);
	}
	if (found == NULL && conf != NULL && *conf != '\0')
		found = xstrdup(conf);
	return (found);
}

/* tetherd keyboard [layout]: set it, or list the layouts there are. */
int
keyboard_main(int argc, char **argv)
{
	char	*cause, *have;

	if (argc == 1) {
		have = keyboard_list();
		printf("layouts: [%s]\n", have);
		free(have);
		return (0);
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: tetherd keyboard [layout]\n");
		return (2);
	}
	if (keyboard_set(argv[1], &cause) != 0) {
		fprintf(stderr, "keyboard: %s\n", cause);
		free(cause);
		return (1);
	}
	printf("keyboard: the local console's layout is now %s\n", argv[1]);
	return (0);
}
