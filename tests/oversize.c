/* SPDX-License-Identifier: ISC */

/*
 * Test helper: a libssh client that logs in with a password and sends one
 * kind of oversized or repeated request, then prints one line saying what
 * came back. Modes:
 *   env N        N env requests on one channel: "env accepted=A refused=R"
 *   pty COLS ROWS  a pty of that size, then "stty size": "pty ROWS COLS"
 *   winch N      N window changes on a shell, then a command: "winch ok"
 *   exec BYTES   an exec request of that many bytes: "exec status=S" or
 *                "exec refused" or "exec lost"
 * Exit 0 when it got an answer, 2 on a local or connection error.
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

static ssh_session
oversize_login(const char *host, int port, const char *password)
{
	ssh_session	 s;
	int		 no = 0;
	long		 timeout = 20;

	if ((s = ssh_new()) == NULL)
		errx(2, "ssh_new");
	ssh_options_set(s, SSH_OPTIONS_HOST, host);
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, "tether");
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	if (ssh_connect(s) != SSH_OK)
		errx(2, "connect: %s", ssh_get_error(s));
	if (ssh_userauth_password(s, NULL, password) != SSH_AUTH_SUCCESS)
		errx(2, "password: %s", ssh_get_error(s));
	return (s);
}

static ssh_channel
oversize_channel(ssh_session s)
{
	ssh_channel	 ch;

	if ((ch = ssh_channel_new(s)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK)
		errx(2, "channel: %s", ssh_get_error(s));
	return (ch);
}

/* The command's output, at most len - 1 bytes, and its exit status. */
static int
oversize_run(ssh_channel ch, const char *cmd, char *out, size_t len)
{
	size_t	 got = 0;
	int	 n;

	if (ssh_channel_request_exec(ch, cmd) != SSH_OK)
		return (-2);
	while (got + 1 < len && (n = ssh_channel_read(ch, out + got,
	    len - 1 - got, 0)) > 0)
		got += n;
	out[got] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	ssh_channel_send_eof(ch);
	return (ssh_channel_get_exit_status(ch));
}

int
main(int argc, char **argv)
{
	ssh_session	 s;
	ssh_channel	 ch;
	char		 out[256], name[32], *cmd;
	long		 n, i, accepted = 0, refused = 0;
	int		 port, status;

	if (argc < 6)
		errx(2, "usage: oversize host port password mode arg...");
	port = atoi(argv[2]);
	n = atol(argv[5]);
	s = oversize_login(argv[1], port, argv[3]);
	ch = oversize_channel(s);
	if (strcmp(argv[4], "env") == 0) {
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "LC_X%ld", i);
			if (ssh_channel_request_env(ch, name, "x") == SSH_OK)
				accepted++;
			else if (ssh_is_connected(s))
				refused++;
			else
				break;
		}
		printf("env accepted=%ld refused=%ld\n", accepted, refused);
	} else if (strcmp(argv[4], "pty") == 0 && argc == 7) {
		if (ssh_channel_request_pty_size(ch, "xterm", atoi(argv[5]),
		    atoi(argv[6])) != SSH_OK)
			printf("pty refused\n");
		else {
			status = oversize_run(ch, "stty size", out, sizeof out);
			printf("pty %s status=%d\n", out, status);
		}
	} else if (strcmp(argv[4], "winch") == 0) {
		if (ssh_channel_request_pty_size(ch, "xterm", 80, 24) != SSH_OK)
			errx(2, "pty: %s", ssh_get_error(s));
		for (i = 0; i < n; i++) {
			if (ssh_channel_change_pty_size(ch, 20 + i % 200,
			    10 + i % 60) != SSH_OK)
				errx(2, "window change %ld: %s", i,
				    ssh_get_error(s));
		}
		status = oversize_run(ch, "stty size", out, sizeof out);
		printf("winch %s status=%d\n", out, status);
	} else if (strcmp(argv[4], "exec") == 0) {
		if ((cmd = malloc(n + 1)) == NULL)
			err(2, "malloc");
		memset(cmd, 'x', n);
		memcpy(cmd, "echo ", n > 5 ? 5 : n);
		cmd[n] = '\0';
		status = oversize_run(ch, cmd, out, sizeof out);
		if (status == -2)
			printf("exec %s\n", ssh_is_connected(s) ? "refused" :
			    "lost");
		else
			printf("exec status=%d\n", status);
		free(cmd);
	} else
		errx(2, "unknown mode %s", argv[4]);
	ssh_channel_free(ch);
	ssh_disconnect(s);
	ssh_free(s);
	return (0);
}
