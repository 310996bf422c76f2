/* SPDX-License-Identifier: ISC */

/*
 * The processes behind session channels: the recovery shell on a pty, exec
 * commands and the sftp server on pipes. Each runs in a session of its own,
 * so that ending a channel can find and end everything it started.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utmp.h>

#include "tetherd.h"

#define CONSOLE_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CONSOLE_KILL_WAIT_MS	1000
#define CONSOLE_MAX_CELLS	4096	/* columns or rows of a pty */
#define CONSOLE_INBUF_MAX	(256 * 1024)
#define CONSOLE_KILLED		2	/* c->exited: reaped by console_kill */

static void
console_winsize(struct chan *c, int cols, int rows, int px, int py)
{
	/* No real terminal is larger; a program asked for 65535^2 cells
	   would try to allocate them. */
	c->ws.ws_col = cols < 0 ? 0 : cols > CONSOLE_MAX_CELLS ?
	    CONSOLE_MAX_CELLS : cols;
	c->ws.ws_row = rows < 0 ? 0 : rows > CONSOLE_MAX_CELLS ?
	    CONSOLE_MAX_CELLS : rows;
	c->ws.ws_xpixel = px < 0 || px > 65535 ? 0 : px;
	c->ws.ws_ypixel = py < 0 || py > 65535 ? 0 : py;
}

/* A pty-req: its size now, the pty itself when the process starts. */
void
console_pty(struct chan *c, int cols, int rows, int px, int py)
{
	/* RFC 4254 6.2: zero sizes are to be ignored; a terminal needs one. */
	console_winsize(c, cols > 0 ? cols : 80, rows > 0 ? rows : 24, px, py);
	c->pty = 1;
}

/* In the monitor: the pty the channel's process will have. */
int
console_openpty(struct chan *c)
{
	if (openpty(&c->master, &c->slave, NULL, NULL, &c->ws) != 0) {
		error_r("openpty");
		return (-1);
	}
	fcntl(c->master, F_SETFD, FD_CLOEXEC);
	fcntl(c->slave, F_SETFD, FD_CLOEXEC);
	c->pty = 1;
	return (0);
}

void
console_resize(struct chan *c, int cols, int rows, int px, int py)
{
	console_winsize(c, cols, rows, px, py);
	if (c->master != -1)
		ioctl(c->master, TIOCSWINSZ, &c->ws);
}

static void
console_setenv(char **env, int *n, const char *name, const char *value)
{
	xasprintf(&env[(*n)++], "%s=%s", name, value);
}

/* A clean environment: what a login sets, plus what the client may send. */
static char **
console_env(struct chan *c)
{
	struct passwd	*pw = getpwuid(getuid());
	const char	*path = getenv("PATH");
	char		**env;
	int		 i, n = 0;

	env = xcalloc(16 + c->nextra_env + c->nenv, sizeof *env);
	console_setenv(env, &n, "PATH", path != NULL ? path :
	    CONSOLE_DEFAULT_PATH);
	console_setenv(env, &n, "HOME", pw != NULL ? pw->pw_dir : "/");
	console_setenv(env, &n, "USER", pw != NULL ? pw->pw_name : "root");
	console_setenv(env, &n, "LOGNAME", pw != NULL ? pw->pw_name : "root");
	console_setenv(env, &n, "SHELL", c->sess->ag->conf.shell);
	console_setenv(env, &n, "TETHER_SESSION", c->sess->id);
	if (c->pty)
		console_setenv(env, &n, "TERM", c->term);
	for (i = 0; i < c->nextra_env; i++)
		env[n++] = xstrdup(c->extra_env[i]);
	for (i = 0; i < c->nenv; i++)
		env[n++] = xstrdup(c->env[i]);
	env[n] = NULL;
	return (env);
}

/* The agent's log stays the log once stderr is the channel's. */
static void
console_keep_log(void)
{
	int	 fd;

	if ((fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) !=
	    -1)
		log_set_fd(fd);
}

/* In the new process: a verb that streams its answer to stdout. */
static dead void
console_verb(struct chan *c)
{
	char	*out = NULL;
	int	 status;

	status = c->verb(c, c->verb_argc, c->verb_argv, &out);
	if (out != NULL)
		fputs(out, status == 0 ? stdout : stderr);
	if (fflush(stdout) != 0 && status == 0)
		status = 1;
	fflush(stderr);
	_exit(status);
}

/* In the new process: plumbing done, now become the command. */
static dead void
console_exec(struct chan *c, const char *command, char *const *argv)
{
	struct passwd	*pw = getpwuid(getuid());
	const char	*shell = c->sess->ag->conf.shell, *base;
	char		*login, **env;
	sigset_t	 none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	/* Started in the background of a script, the agent ignores these;
	   the technician's Ctrl-C and Ctrl-\ must still reach a command. */
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	alarm(0);
	/* A verb is our own code and keeps its log; a command keeps nothing. */
	if (c->verb != NULL)
		console_verb(c);
	closefrom(STDERR_FILENO + 1);
	/* Only the shell and commands go into a chroot, never sftp. */
	if (root_enter(c, argv == NULL) != 0)
		_exit(1);
	env = console_env(c);
	/* Home, else /: a working directory left outside a chroot is a way out. */
	if ((pw == NULL || chdir(pw->pw_dir) != 0) && chdir("/") != 0)
		_exit(1);

	if (argv != NULL)
		execve(argv[0], argv, env);
	else if (command != NULL)
		execle(shell, shell, "-c", command, (char *)NULL, env);
	else {
		/* A login shell, so profiles run as they would at a console. */
		base = strrchr(shell, '/') != NULL ? strrchr(shell, '/') + 1 :
		    shell;
		xasprintf(&login, "-%s", base);
		execle(shell, login, (char *)NULL, env);
	}
	dprintf(STDERR_FILENO, "tetherd: %s: %s\n", argv != NULL ? argv[0] :
	    shell, strerror(errno));
	_exit(127);
}

static void
console_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int
console_start_pty(struct chan *c, const char *command, char *const *argv)
{
	pid_t	 pid;

	if ((pid = fork()) == -1) {
		error_r("fork");
		return (-1);
	}
	if (pid == 0) {
		close(c->master);
		console_keep_log();
		if (login_tty(c->slave) != 0)
			_exit(127);
		console_exec(c, command, argv);
	}
	close(c->slave);
	c->slave = -1;
	c->pid = pid;
	c->out_fd = c->master;
	/* A second descriptor, so input and output poll separately. */
	if ((c->in_fd = fcntl(c->master, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal_fr("dup");
	c->err_eof = 1;
	return (0);
}

/* Close both ends of a pipe, unless one is now a standard descriptor. */
static void
console_close_above(const int *p)
{
	if (p[0] > STDERR_FILENO)
		close(p[0]);
	if (p[1] > STDERR_FILENO)
		close(p[1]);
}

static int
console_start_pipes(struct chan *c, const char *command, char *const *argv)
{
	int	 in[2], out[2], err[2];
	pid_t	 pid;

	if (pipe2(in, O_CLOEXEC) != 0)
		goto fail0;
	if (pipe2(out, O_CLOEXEC) != 0)
		goto fail1;
	if (pipe2(err, O_CLOEXEC) != 0)
		goto fail2;
	if ((pid = fork()) == -1)
		goto fail3;
	if (pid == 0) {
		setsid();
		console_keep_log();
		if (dup2(in[0], STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1 ||
		    dup2(err[1], STDERR_FILENO) == -1)
			_exit(127);
		/* A verb runs here without exec: the other ends must go, or
		   its stdin never sees the client's EOF. */
		console_close_above(in);
		console_close_above(out);
		console_close_above(err);
		console_exec(c, command, argv);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	c->pid = pid;
	c->in_fd = in[1];
	c->out_fd = out[0];
	c->err_fd = err[0];
	return (0);
fail3:
	close(err[0]);
	close(err[1]);
fail2:
	close(out[0]);
	close(out[1]);
fail1:
	close(in[0]);
	close(in[1]);
fail0:
	error_r("cannot start a process");
	return (-1);
}

/*
 * Start the channel's process: a login shell when command and argv are
 * NULL, "shell -c command", or argv as given (the sftp server).
 */
int
console_start(struct chan *c, const char *command, char *const *argv)
{
	int	 rc;

	if (c->pty)
		rc = console_start_pty(c, command, argv);
	else
		rc = console_start_pipes(c, command, argv);
	if (rc != 0)
		return (-1);
	console_nonblock(c->in_fd);
	console_nonblock(c->out_fd);
	if (c->err_fd != -1)
		console_nonblock(c->err_fd);
	c->started = 1;
	debug("started pid %ld", (long)c->pid);
	return (0);
}

/* A forwarded connection: the socket is the "process", both ways. */
int
console_relay(struct chan *c, int fd)
{
	if ((c->out_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		error_r("dup");
		return (-1);
	}
	c->in_fd = fd;
	console_nonblock(c->in_fd);
	console_nonblock(c->out_fd);
	c->forward = 1;
	c->started = 1;
	c->exited = 1;
	c->err_eof = 1;
	return (0);
}

static int
console_writable(socket_t fd, int revents, void *arg)
{
	(void)fd;
	(void)revents;
	console_input(arg);
	return (0);
}

/* Append client data for the process to the channel's queue. */
static void
console_queue(struct chan *c, const void *data, size_t len)
{
	c->inbuf = xreallocarray(c->inbuf, 1, c->inlen + len);
	memcpy(c->inbuf + c->inlen, data, len);
	c->inlen += len;
}

/*
 * Keep client data for the process while less than CONSOLE_INBUF_MAX is
 * queued. What does not fit stays in libssh's channel buffer, and libssh
 * stops opening the window once it holds half a window there, so a fast
 * client cannot fill our memory past a slow process.
 */
uint32_t
console_take(struct chan *c, const void *data, uint32_t len)
{
	size_t	 room = CONSOLE_INBUF_MAX - c->inlen;

	if (c->inlen >= CONSOLE_INBUF_MAX)
		return (0);
	if (len > room)
		len = room;
	console_queue(c, data, len);
	return (len);
}

/*
 * libssh offers held data again only when another packet arrives, which a
 * client waiting on a shut window never sends: pull it out ourselves, but
 * only once the process has taken all we queued, and then all of it at
 * once. Every read through libssh tops the window up again whatever it
 * still holds, so a pull of part of it would let the client add a window's
 * worth each time (a slow reader grew this process by 6 MB a second).
 */
static void
console_pull(struct chan *c)
{
	char	 buf[32768];
	int	 held, n;

	if (!c->backlog || c->pulling || c->inlen > 0)
		return;
	c->pulling = 1;
	held = ssh_channel_poll(c->channel, 0);
	if (held <= 0) {
		/* 0, SSH_EOF or SSH_ERROR: libssh holds nothing. */
		c->backlog = 0;
		held = 0;
	}
	while (held > 0) {
		n = ssh_channel_read_nonblocking(c->channel, buf,
		    (size_t)held < sizeof buf ? (uint32_t)held : sizeof buf, 0);
		if (n <= 0) {
			if (n != SSH_AGAIN)
				c->backlog = 0;
			break;
		}
		console_queue(c, buf, n);
		held -= n;
	}
	c->pulling = 0;
}

/* How much of the queue the process may have now. */
static size_t
console_room(struct chan *c)
{
	if (c->inlen == 0 || c->in_fd == -1)
		return (0);
	if (c->pace == NULL)
		return (c->inlen);
	return (sftppace_room(c->pace, c->inbuf, c->inlen));
}

/*
 * Give the process what the client sent, as far as it will take it. This
 * runs inside libssh's callbacks too, so it must not touch the poll set.
 */
void
console_input(struct chan *c)
{
	ssize_t	 n;
	size_t	 len;

	while ((len = console_room(c)) > 0) {
		n = write(c->in_fd, c->inbuf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				/* The process closed its input: drop. */
				freezero(c->inbuf, c->inlen);
				c->inbuf = NULL;
				c->inlen = 0;
				c->backlog = 0;
			}
			break;
		}
		if (c->pace != NULL)
			sftppace_sent(c->pace, c->inbuf, n);
		memmove(c->inbuf, c->inbuf + n, c->inlen - n);
		c->inlen -= n;
	}
}

/*
 * After each poll round, outside every callback: refill from libssh's
 * held data, poll the input for room while some may be written, and pass
 * the client's EOF on once all of it has been. Input held back for the
 * sftp server's replies is not polled for: a reply read in this round
 * lets it go at the next.
 */
void
console_flow(struct chan *c)
{
	int	 want;

	if (!c->started || c->in_fd == -1)
		return;
	console_input(c);
	while (c->inlen == 0 && c->backlog) {
		console_pull(c);
		if (c->inlen == 0)
			break;
		console_input(c);
	}
	want = console_room(c) > 0;
	if (want && !c->in_polled) {
		ssh_event_add_fd(c->sess->event, c->in_fd, POLLOUT,
		    console_writable, c);
		c->in_polled = 1;
	} else if (!want && c->in_polled) {
		ssh_event_remove_fd(c->sess->event, c->in_fd);
		c->in_polled = 0;
	}
	/* EOF from the client closes a pipe; a pty has no such thing. */
	if (c->inlen == 0 && !c->backlog && c->in_eof && !c->pty &&
	    !c->in_polled) {
		/* The socket is open twice: only shutdown sends its FIN. */
		if (c->forward)
			shutdown(c->in_fd, SHUT_WR);
		close(c->in_fd);
		c->in_fd = -1;
	}
}

/* Move output to the channel, no more than its window takes. */
static void
console_pump(struct chan *c, int is_err)
{
	char		 buf[32768];
	uint32_t	 win;
	ssize_t		 n;
	int		 fd = is_err ? c->err_fd : c->out_fd;
	int		*eof = is_err ? &c->err_eof : &c->out_eof;

	if (fd == -1 || *eof)
		return;
	if ((win = ssh_channel_window_size(c->channel)) == 0)
		return;
	n = read(fd, buf, win < sizeof buf ? win : sizeof buf);
	if (n > 0) {
		c->sess->last = time(NULL);
		if (!is_err && c->pace != NULL)
			sftppace_replied(c->pace, buf, n);
		if ((is_err ? ssh_channel_write_stderr(c->channel, buf, n) :
		    ssh_channel_write(c->channel, buf, n)) == SSH_ERROR)
			c->sess->ending = 1;
		/* After the client has it: a slow disk must not delay echo. */
		if (!is_err) {
			record_output(c->rec, buf, n);
			hold_ring_put(c->ring, buf, n);
		}
		return;
	}
	if (n < 0 && errno == EINTR)
		return;
	/*
	 * A pty whose shell has gone counts as drained when nothing is left
	 * to read, even if a background job still holds it, as sshd does.
	 */
	if (n < 0 && errno == EAGAIN && !(c->pty && c->exited))
		return;
	/* A forwarded connection that failed after its channel opened. */
	if (n < 0 && c->forward)
		info("forwarded connection: %s", strerror(errno));
	*eof = 1;
}

static int
console_readable(socket_t fd, int revents, void *arg)
{
	struct chan	*c = arg;

	(void)revents;
	console_pump(c, fd == c->err_fd);
	return (0);
}

static void
console_poll(struct chan *c, int fd, int eof, int *polled)
{
	int	 want;

	if (fd == -1)
		return;
	/*
	 * The client's window bounds what it has yet to read, but a client
	 * may open a large one and then stop reading: while libssh cannot
	 * write what it has, read nothing more for it.
	 */
	want = !eof && ssh_channel_window_size(c->channel) > 0 &&
	    (ssh_get_poll_flags(c->sess->session) & SSH_WRITE_PENDING) == 0;
	if (want && !*polled)
		ssh_event_add_fd(c->sess->event, fd, POLLIN, console_readable,
		    c);
	else if (!want && *polled)
		ssh_event_remove_fd(c->sess->event, fd);
	*polled = want;
}

/*
 * Called after every poll round: decide which output descriptors to poll.
 * One with no channel window left, or whose connection has output waiting
 * for the socket, is taken out until that clears, so a slow client slows
 * the process instead of filling memory.
 */
void
console_output(struct chan *c)
{
	if (!c->started || c->finished)
		return;
	if (c->pty && c->exited)
		console_pump(c, 0);
	console_poll(c, c->out_fd, c->out_eof, &c->out_polled);
	console_poll(c, c->err_fd, c->err_eof, &c->err_polled);
}

/*
 * End the channel's process and everything in its session: SIGHUP as a
 * closing terminal would, SIGTERM, then SIGKILL for what is left.
 */
void
console_kill(struct chan *c)
{
	int	 waited, status;

	if (!c->started || c->pid <= 0 || c->exited == CONSOLE_KILLED)
		return;
	/*
	 * The common case, a command that finished alone. Without a pty
	 * there is no job control: what it left would still be in its
	 * process group, which one kill() checks. A pty's shell may have
	 * made other groups in its session, which only a scan finds.
	 */
	if (c->exited && !c->pty && kill(-c->pid, 0) == -1 &&
	    errno == ESRCH) {
		c->exited = CONSOLE_KILLED;
		return;
	}
	if (c->exited && procscan_signal_session(c->pid, 0) == 0) {
		c->exited = CONSOLE_KILLED;
		return;
	}
	procscan_signal_session(c->pid, SIGHUP);
	procscan_signal_session(c->pid, SIGTERM);
	procscan_signal_session(c->pid, SIGCONT);
	for (waited = 0; waited < CONSOLE_KILL_WAIT_MS; waited += 20) {
		if (!c->exited && waitpid(c->pid, &status, WNOHANG) ==
		    c->pid) {
			c->exited = 1;
			c->status = status;
		}
		if (c->exited && procscan_signal_session(c->pid, 0) == 0)
			break;
		poll(NULL, 0, 20);
	}
	procscan_signal_session(c->pid, SIGKILL);
	if (!c->exited && waitpid(c->pid, &status, 0) == c->pid)
		c->status = status;
	c->exited = CONSOLE_KILLED;
}

/*
 * A tool over its time limit: TERM to everything it started, KILL if it is
 * still there 5 seconds later. The client is to be told why on stderr:
 * the text is put in msg, and its length returned.
 */
int
console_deadline(struct chan *c, char *msg, size_t len)
{
	struct timespec	 now;
	int		 n = 0;

	if (c->tool == NULL || !c->started || c->exited || c->pid <= 0)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < c->deadline.tv_sec)
		return (0);
	if (c->timed_out == 0) {
		n = snprintf(msg, len, "%stetherd: %s: time limit "
		    "reached, stopping it%s\n", c->pty ? "\r\n" : "", c->tool,
		    c->pty ? "\r" : "");
		if (n < 0 || (size_t)n >= len)
			n = 0;
		info("tool %s over its time limit", c->tool);
		procscan_signal_session(c->pid, SIGTERM);
		procscan_signal_session(c->pid, SIGCONT);
		c->deadline.tv_sec = now.tv_sec + 5;
		c->timed_out = 1;
	} else if (c->timed_out == 1) {
		procscan_signal_session(c->pid, SIGKILL);
		c->timed_out = 2;
	}
	return (n);
}

/* What a channel holds, in either process; its slot in s is freed. */
void
console_free(struct sess *s, struct chan *c)
{
	int	 i;

	for (i = 0; i < c->nenv; i++)
		free(c->env[i]);
	for (i = 0; i < c->nextra_env; i++)
		free(c->extra_env[i]);
	if (c->verb_argv != NULL)
		words_free(c->verb_argc, c->verb_argv);
	free(c->term);
	free(c->tool);
	freezero(c->inbuf, c->inlen);
	free(c->reply);
	free(c->reply_err);
	for (i = 0; i < TETHERD_MAX_CHANNELS; i++) {
		if (s->chans[i] == c)
			s->chans[i] = NULL;
	}
	free(c);
}

void
console_close(struct chan *c)
{
	int	*fds[] = { &c->in_fd, &c->out_fd, &c->err_fd, &c->slave };
	size_t	 i;

	if (c->sess->event != NULL) {
		if (c->in_polled && c->in_fd != -1)
			ssh_event_remove_fd(c->sess->event, c->in_fd);
		if (c->out_polled && c->out_fd != -1)
			ssh_event_remove_fd(c->sess->event, c->out_fd);
		if (c->err_polled && c->err_fd != -1)
			ssh_event_remove_fd(c->sess->event, c->err_fd);
	}
	c->in_polled = c->out_polled = c->err_polled = 0;
	sftppace_free(c->pace);
	c->pace = NULL;
	/* Once started, the pty master is out_fd and is closed as that. */
	if (c->master != -1 && c->master != c->out_fd)
		close(c->master);
	c->master = -1;
	for (i = 0; i < sizeof fds / sizeof fds[0]; i++) {
		if (*fds[i] != -1)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
