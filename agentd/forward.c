/* SPDX-License-Identifier: ISC */

/*
 * TCP forwarding from the technician (ssh -L, ssh -W), when
 * forwarding.tcp allows it: a direct-tcpip channel is a connection the
 * agent makes, relayed both ways by the console code. Every other channel
 * type and global request gets libssh's default reply, a refusal.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <netdb.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/server.h>

#include "tetherd.h"

#define FORWARD_WAIT_MS		200
#define FORWARD_SYN_RETRIES	3

/* One address: connected or under way, or -1 with *cause. */
static int
forward_try(const struct addrinfo *ai, const char **cause)
{
	struct pollfd	 pfd;
	int		 fd, err = 0, syn = FORWARD_SYN_RETRIES;
	socklen_t	 len = sizeof err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1) {
		*cause = strerror(errno);
		return (-1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syn, sizeof syn);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return (fd);
	if (errno != EINPROGRESS) {
		*cause = strerror(errno);
		close(fd);
		return (-1);
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, FORWARD_WAIT_MS) != 1)
		return (fd);	/* under way: the relay sees how it ends */
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
		return (fd);
	*cause = strerror(err);
	close(fd);
	return (-1);
}

/*
 * Start a TCP connection to host:port. What the first FORWARD_WAIT_MS
 * settle (loopback, a refusal from the LAN) is answered as it is; one
 * still under way after that is taken as open, and the relay finishes it,
 * so that a target that does not answer cannot hold up every other
 * channel of the connection while the kernel retries (TCP_SYNCNT bounds
 * that to about 15 seconds). Returns -1 with *cause when it failed.
 */
int
forward_connect(const char *host, int port, const char **cause)
{
	struct addrinfo	 hints, *res, *ai;
	char		 serv[16];
	int		 fd = -1, rc;

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
		if ((fd = forward_try(ai, cause)) != -1)
			break;
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
	int		 fd;

	(void)session;
	if (ssh_message_type(msg) != SSH_REQUEST_CHANNEL_OPEN ||
	    ssh_message_subtype(msg) != SSH_CHANNEL_DIRECT_TCPIP ||
	    !s->authenticated || s->ending) {
		debug("request %d/%d refused", ssh_message_type(msg),
		    ssh_message_subtype(msg));
		return (1);
	}
	/* The monitor checks forwarding.tcp, connects, and audits. */
	host = ssh_message_channel_request_open_destination(msg);
	if (host == NULL || (fd = monwrap_forward(s, host,
	    ssh_message_channel_request_open_destination_port(msg),
	    &cause)) == -1)
		return (1);
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
	return (0);
}
