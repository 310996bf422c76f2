/* SPDX-License-Identifier: ISC */

/*
 * TCP forwarding from the technician (ssh -L, ssh -W), when
 * forwarding.tcp allows it: a direct-tcpip channel is a connection the
 * agent makes, relayed both ways by the console code. Every other channel
 * type and global request gets libssh's default reply, a refusal.
 */

#include <sys/socket.h>

#include <netdb.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/server.h>

#include "tetherd.h"

/* A TCP connection to host:port within 5 seconds, or -1 with *cause. */
static int
forward_connect(const char *host, int port, const char **cause)
{
	struct addrinfo	 hints, *res, *ai;
	struct pollfd	 pfd;
	char		 serv[16];
	int		 fd = -1, rc, err;
	socklen_t	 len = sizeof err;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof serv, "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		*cause = gai_strerror(rc);
		return (-1);
	}
	*cause = "no address";
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			*cause = strerror(errno);
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
		    errno != EINPROGRESS) {
			*cause = strerror(errno);
			close(fd);
			fd = -1;
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		err = ETIMEDOUT;
		if (poll(&pfd, 1, 5000) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err == 0)
			break;
		*cause = strerror(err);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

/*
 * A direct-tcpip channel (ssh -L), when forwarding.tcp allows it: the
 * agent connects, then relays. Everything else that reaches here (remote
 * and agent forwarding, X11, other channel types) gets the default reply,
 * a refusal.
 */
int
forward_message(ssh_session session, ssh_message msg, void *arg)
{
	struct sess	*s = arg;
	struct chan	*c;
	const char	*host, *cause;
	char		 to[300], port[16];
	int		 fd;

	(void)session;
	if (ssh_message_type(msg) != SSH_REQUEST_CHANNEL_OPEN ||
	    ssh_message_subtype(msg) != SSH_CHANNEL_DIRECT_TCPIP ||
	    !s->authenticated || s->ending) {
		debug("request %d/%d refused", ssh_message_type(msg),
		    ssh_message_subtype(msg));
		return (1);
	}
	host = ssh_message_channel_request_open_destination(msg);
	snprintf(port, sizeof port, "%d",
	    ssh_message_channel_request_open_destination_port(msg));
	snprintf(to, sizeof to, "%.255s:%s", host != NULL ? host : "", port);
	if (!s->ag->conf.forwarding.tcp) {
		info("forwarding to %s refused: forwarding.tcp is false", to);
		audit(s->ag, "forward", "session", s->id, "to", to, "result",
		    "refused", (char *)NULL);
		return (1);
	}
	if (host == NULL || (fd = forward_connect(host, atoi(port),
	    &cause)) == -1) {
		info("forwarding to %s failed: %s", to, host == NULL ?
		    "no host" : cause);
		audit(s->ag, "forward", "session", s->id, "to", to, "result",
		    host == NULL ? "no host" : cause, (char *)NULL);
		return (1);
	}
	if ((c = session_chan_new(s)) == NULL) {
		close(fd);
		return (1);
	}
	c->master = c->slave = c->in_fd = c->out_fd = c->err_fd = -1;
	if ((c->channel = ssh_message_channel_request_open_reply_accept(msg)) ==
	    NULL || console_relay(c, fd) != 0) {
		close(fd);
		session_chan_free(s, c);
		return (0);
	}
	session_chan_callbacks(c, 0);
	info("forwarding to %s", to);
	audit(s->ag, "forward", "session", s->id, "to", to, "result", "ok",
	    (char *)NULL);
	return (0);
}
