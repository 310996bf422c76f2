/* SPDX-License-Identifier: ISC */

/*
 * A secret from standard input: a line typed with echo off when it is a
 * terminal, or the bytes as they come (a pipe, a key file). The viewer's
 * `roots unlock` and the agent's verb read keys the same way.
 */

#include <errno.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"

/*
 * Read at most max bytes into key (which holds max + 1) after prompting
 * on stderr "PROMPT: " if stdin is a terminal. The length read, or -1 and
 * *cause when there was more than max.
 */
ssize_t
readkey(const char *prompt, char *key, size_t max, char **cause)
{
	struct termios	 t, quiet;
	size_t		 len = 0;
	ssize_t		 n;
	int		 tty = isatty(STDIN_FILENO);

	if (tty) {
		dprintf(STDERR_FILENO, "%s: ", prompt);
		tcgetattr(STDIN_FILENO, &t);
		quiet = t;
		quiet.c_lflag &= ~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	while (len <= max) {
		n = read(STDIN_FILENO, key + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (tty && key[len - 1] == '\n')
			break;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		dprintf(STDERR_FILENO, "\n");
	}
	if (len > max) {
		xasprintf(cause, "the key is over %zu bytes", max);
		return (-1);
	}
	return ((ssize_t)len);
}
