/* SPDX-License-Identifier: ISC */

/*
 * LAN discovery, agent side: UDP sockets on the listener's addresses and
 * port answer "TETHER/1 DISCOVER" requests by unicast with where the agent
 * is and which key it holds now (so a rotated ticket shows at once). A
 * token bucket caps the replies; short requests get none at all.
 */

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define DISC_RATE	10	/* replies a second, and the burst */

static uint64_t
disc_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
disc_open_one(struct agent *ag, const struct listener *l)
{
	struct sockaddr_storage	 ss = l->ss;
	socklen_t		 len;
	int			 fd, on = 1;

	len = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd == -1)
		return (-1);
	/* Which interface a request came in on, for discovery.interfaces. */
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
	if (ss.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
		on = !netinfo_is_any((struct sockaddr *)&ss);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return (-1);
	}
	ag->disc_fds[ag->ndisc++] = fd;
	return (0);
}

/* One UDP socket per TCP listener, on the same address and port. */
void
disc_open(struct agent *ag)
{
	int	 i;

	ag->ndisc = 0;
	ag->disc_tokens = DISC_RATE * 1000;
	ag->disc_last_ms = disc_now_ms();
	if (!ag->conf.discovery.enabled) {
		debug("discovery is off");
		return;
	}
	for (i = 0; i < ag->nlisteners; i++) {
		if (disc_open_one(ag, &ag->listeners[i]) != 0)
			error_r("discovery: %s", ag->listeners[i].text);
	}
}

void
disc_close(struct agent *ag)
{
	int	 i;

	for (i = 0; i < ag->ndisc; i++)
		close(ag->disc_fds[i]);
	ag->ndisc = 0;
}

/* The token bucket: DISC_RATE a second, in thousandths of a reply. */
static int
disc_allow(struct agent *ag)
{
	uint64_t	 now = disc_now_ms(), add;

	add = (now - ag->disc_last_ms) * DISC_RATE;
	ag->disc_last_ms = now;
	if (add > DISC_RATE * 1000 || ag->disc_tokens + add > DISC_RATE * 1000)
		ag->disc_tokens = DISC_RATE * 1000;
	else
		ag->disc_tokens += add;
	if (ag->disc_tokens < 1000)
		return (0);
	ag->disc_tokens -= 1000;
	return (1);
}

/* The interface index from IP_PKTINFO or IPV6_PKTINFO, or 0. */
static int
disc_ifindex(struct msghdr *msg)
{
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			return (pi.ipi_ifindex);
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof pi6);
			return (pi6.ipi6_ifindex);
		}
	}
	return (0);
}

static int
disc_interface_ok(struct agent *ag, int ifindex)
{
	const struct conf_list	*l = &ag->conf.discovery.interfaces;
	char			 name[IF_NAMESIZE];
	int			 i;

	if (l->n == 0)
		return (1);
	if (ifindex == 0 || if_indextoname(ifindex, name) == NULL)
		return (0);
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], name) == 0)
			return (1);
	}
	return (0);
}

/* What this agent says about itself now: the ticket in use decides. */
static char *
disc_answer(struct agent *ag, const char *nonce, size_t max, size_t *len)
{
	struct disc_info	 di;
	char			*b64, *s;
	int			 i;

	memset(&di, 0, sizeof di);
	memcpy(di.nonce, nonce, sizeof di.nonce);
	snprintf(di.host, sizeof di.host, "%s", ag->host[0] != '\0' ?
	    ag->host : "?");
	di.port = ag->bound_port;
	for (i = 0; i < ag->nips && di.nips < DISC_MAX_IPS; i++) {
		if (strlen(ag->ips[i]) < sizeof di.ips[0])
			memcpy(di.ips[di.nips++], ag->ips[i],
			    strlen(ag->ips[i]) + 1);
	}
	di.kdf = ag->kdf;
	if (ssh_pki_export_pubkey_base64(ag->hostkey, &b64) != SSH_OK)
		return (NULL);
	snprintf(di.key, sizeof di.key, "ssh-ed25519 %s", b64);
	ssh_string_free_char(b64);
	di.expires = ag->expires;
	/*
	 * Never longer than the request, so that a forged source gains
	 * nothing: with too many addresses to fit, drop some rather than
	 * stay silent.
	 */
	for (;;) {
		if ((s = disc_reply(&di, len)) != NULL && *len <= max)
			return (s);
		free(s);
		if (di.nips == 0)
			return (NULL);
		di.nips--;
	}
}

void
disc_input(struct agent *ag, int fd)
{
	struct sockaddr_storage	 from;
	struct msghdr		 msg;
	struct iovec		 iov;
	uint8_t			 buf[DISC_DATAGRAM_MAX + 1];
	char			 cbuf[256], nonce[DISC_NONCE_LEN + 1];
	char			*reply, *who;
	ssize_t			 n;
	size_t			 len;

	memset(&msg, 0, sizeof msg);
	iov.iov_base = buf;
	iov.iov_len = sizeof buf;
	msg.msg_name = &from;
	msg.msg_namelen = sizeof from;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof cbuf;
	if ((n = recvmsg(fd, &msg, 0)) == -1)
		return;
	/* Short, long or malformed: not a request; no answer, no log. */
	if (disc_request_parse(buf, n, nonce) != 0)
		return;
	if (!ag->conf.discovery.enabled || ag->unattended ||
	    ag->hostkey == NULL || net_sockaddr_port(
	    (struct sockaddr *)&from) == 0)
		return;
	if (!disc_interface_ok(ag, disc_ifindex(&msg)))
		return;
	who = net_ntop((struct sockaddr *)&from);
	if (!disc_allow(ag)) {
		debug("discovery from %s: over the rate limit", who);
		free(who);
		return;
	}
	if ((reply = disc_answer(ag, nonce, n, &len)) != NULL) {
		if (sendto(fd, reply, len, 0, (struct sockaddr *)&from,
		    msg.msg_namelen) == -1)
			debug_r("discovery reply to %s", who);
		else
			debug("discovery from %s answered", who);
		free(reply);
	}
	free(who);
}
