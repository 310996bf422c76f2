/* SPDX-License-Identifier: ISC */

/*
 * LAN discovery, agent side: UDP sockets on the listener's addresses and
 * port answer "TETHER/1 DISCOVER" requests by unicast with where the agent
 * is and which key it holds now (so a rotated ticket shows at once). Only
 * requests sent to a broadcast or multicast address by a sender on the
 * link are answered (or, on loopback, any), each source from its own token
 * bucket under a global one; short requests get none at all.
 */

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ifaddrs.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

#define DISC_RATE	10	/* replies a second to one source, and its burst */
#define DISC_RATE_ALL	100	/* replies a second to everyone together */
#define DISC_SOURCES	64

/* A source's own bucket, so that one flooding sender starves only itself. */
struct disc_source {
	struct sockaddr_storage	 addr;
	uint64_t		 tokens;	/* thousandths of a reply */
	uint64_t		 last_ms;
};
static struct disc_source	disc_sources[DISC_SOURCES];
static int			disc_nsources;

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
	ag->disc_tokens = DISC_RATE_ALL * 1000;
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

/* A token bucket of rate replies a second, in thousandths of a reply. */
static int
disc_take(uint64_t *tokens, uint64_t *last_ms, uint64_t rate, uint64_t now)
{
	uint64_t	 add;

	add = (now - *last_ms) * rate;
	*last_ms = now;
	if (add > rate * 1000 || *tokens + add > rate * 1000)
		*tokens = rate * 1000;
	else
		*tokens += add;
	if (*tokens < 1000)
		return (0);
	*tokens -= 1000;
	return (1);
}

static int
disc_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return (0);
	if (a->sa_family == AF_INET)
		return (((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr);
	return (memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr,
	    sizeof(struct in6_addr)) == 0);
}

/* The source's bucket, a new one taking the place of the stalest. */
static struct disc_source *
disc_source(const struct sockaddr_storage *from, uint64_t now)
{
	struct disc_source	*d, *stale = NULL;
	int			 i;

	for (i = 0; i < disc_nsources; i++) {
		d = &disc_sources[i];
		if (disc_same_addr((const struct sockaddr *)&d->addr,
		    (const struct sockaddr *)from))
			return (d);
		if (stale == NULL || d->last_ms < stale->last_ms)
			stale = d;
	}
	d = disc_nsources < DISC_SOURCES ? &disc_sources[disc_nsources++] :
	    stale;
	d->addr = *from;
	d->tokens = DISC_RATE * 1000;
	d->last_ms = now;
	return (d);
}

/* One reply allowed to this source, and to everyone together. */
static int
disc_allow(struct agent *ag, const struct sockaddr_storage *from)
{
	struct disc_source	*d;
	uint64_t		 now = disc_now_ms();

	d = disc_source(from, now);
	if (!disc_take(&d->tokens, &d->last_ms, DISC_RATE, now))
		return (0);
	return (disc_take(&ag->disc_tokens, &ag->disc_last_ms, DISC_RATE_ALL,
	    now));
}

/*
 * The interface index from IP_PKTINFO or IPV6_PKTINFO, or 0, and the
 * address the request was sent to (its header's destination).
 */
static int
disc_ifindex(struct msghdr *msg, struct sockaddr_storage *to)
{
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	memset(to, 0, sizeof *to);
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			to->ss_family = AF_INET;
			((struct sockaddr_in *)to)->sin_addr = pi.ipi_addr;
			return (pi.ipi_ifindex);
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof pi6);
			to->ss_family = AF_INET6;
			((struct sockaddr_in6 *)to)->sin6_addr = pi6.ipi6_addr;
			return (pi6.ipi6_ifindex);
		}
	}
	return (0);
}

/* An IPv4 sender on a dual-stack socket, as IPv4. */
static void
disc_unmap(const struct sockaddr_storage *in, struct sockaddr_storage *out)
{
	const struct sockaddr_in6	*s6 = (const void *)in;
	struct sockaddr_in		*s4 = (void *)out;

	*out = *in;
	if (in->ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(out, 0, sizeof *out);
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
}

/* Whether a and b agree on the bits of mask. */
static int
disc_masked_eq(const uint8_t *a, const uint8_t *b, const uint8_t *mask,
    size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if ((a[i] & mask[i]) != (b[i] & mask[i]))
			return (0);
	}
	return (1);
}

/* What an interface address says about a request: to, and from where. */
static void
disc_match_ifa(const struct ifaddrs *i, const struct sockaddr *from,
    const struct sockaddr *to, int *bcast, int *onlink)
{
	const struct sockaddr_in	*a4, *m4, *f4, *t4, *b4;
	const struct sockaddr_in6	*a6, *m6, *f6;

	if (i->ifa_addr == NULL || i->ifa_netmask == NULL ||
	    i->ifa_addr->sa_family != from->sa_family)
		return;
	if (from->sa_family == AF_INET) {
		a4 = (const void *)i->ifa_addr;
		m4 = (const void *)i->ifa_netmask;
		f4 = (const void *)from;
		t4 = (const void *)to;
		b4 = (const void *)i->ifa_broadaddr;
		if (disc_masked_eq((const void *)&a4->sin_addr,
		    (const void *)&f4->sin_addr, (const void *)&m4->sin_addr, 4))
			*onlink = 1;
		if ((i->ifa_flags & IFF_BROADCAST) && b4 != NULL &&
		    b4->sin_addr.s_addr == t4->sin_addr.s_addr)
			*bcast = 1;
		return;
	}
	a6 = (const void *)i->ifa_addr;
	m6 = (const void *)i->ifa_netmask;
	f6 = (const void *)from;
	if (IN6_IS_ADDR_LINKLOCAL(&f6->sin6_addr) ||
	    disc_masked_eq(a6->sin6_addr.s6_addr, f6->sin6_addr.s6_addr,
	    m6->sin6_addr.s6_addr, 16))
		*onlink = 1;
}

/*
 * A request is answered only when it was sent to a broadcast or multicast
 * address, by a sender on the link it came in on: discovery is for the
 * LAN, and a unicast request from afar would make the agent a reflector
 * of its own details. On a loopback interface both ends are this machine.
 */
static int
disc_on_link(int ifindex, const struct sockaddr_storage *from6,
    const struct sockaddr_storage *to6)
{
	struct sockaddr_storage	 fromv4, tov4;
	struct sockaddr_storage	*from = &fromv4, *to = &tov4;
	struct ifaddrs		*ifa, *i;
	unsigned int		 idx;
	int			 bcast = 0, onlink = 0, loop = 0;

	disc_unmap(from6, from);
	disc_unmap(to6, to);
	if (ifindex == 0 || to->ss_family != from->ss_family)
		return (0);
	if (to->ss_family == AF_INET &&
	    ((const struct sockaddr_in *)to)->sin_addr.s_addr == INADDR_BROADCAST)
		bcast = 1;
	if (to->ss_family == AF_INET6 && IN6_IS_ADDR_MULTICAST(
	    &((const struct sockaddr_in6 *)to)->sin6_addr))
		bcast = 1;
	if (getifaddrs(&ifa) != 0)
		return (0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_name == NULL ||
		    (idx = if_nametoindex(i->ifa_name)) != (unsigned int)ifindex)
			continue;
		loop |= (i->ifa_flags & IFF_LOOPBACK) != 0;
		disc_match_ifa(i, (const struct sockaddr *)from,
		    (const struct sockaddr *)to, &bcast, &onlink);
	}
	freeifaddrs(ifa);
	return (onlink && (bcast || loop));
}

static int
disc_interface_ok(struct agent *ag, int ifindex)
{
	const struct strlist	*l = &ag->conf.discovery.interfaces;
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
/*
 * A link-local address is only of use on its own link: one of another
 * interface than the request's stays out of the reply.
 */
static int
disc_ip_ok(const char *ip, int ifindex)
{
	const char	*pct;

	if (strncasecmp(ip, "fe8", 3) != 0 && strncasecmp(ip, "fe9", 3) != 0 &&
	    strncasecmp(ip, "fea", 3) != 0 && strncasecmp(ip, "feb", 3) != 0)
		return (1);
	if ((pct = strchr(ip, '%')) == NULL)
		return (0);
	return (if_nametoindex(pct + 1) == (unsigned int)ifindex);
}

static char *
disc_answer(struct agent *ag, const char *nonce, int ifindex, size_t max,
    size_t *len)
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
		if (!disc_ip_ok(ag->ips[i], ifindex))
			continue;
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
	struct sockaddr_storage	 from, to;
	struct msghdr		 msg;
	struct iovec		 iov;
	uint8_t			 buf[DISC_DATAGRAM_MAX + 1];
	char			 cbuf[256], nonce[DISC_NONCE_LEN + 1];
	char			*reply, *who;
	ssize_t			 n;
	size_t			 len;
	int			 ifindex;

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
	ifindex = disc_ifindex(&msg, &to);
	if (!disc_interface_ok(ag, ifindex))
		return;
	who = net_ntop((struct sockaddr *)&from);
	if (!disc_on_link(ifindex, &from, &to)) {
		debug("discovery from %s: not a broadcast on its link", who);
		free(who);
		return;
	}
	if (!disc_allow(ag, &from)) {
		debug("discovery from %s: over the rate limit", who);
		free(who);
		return;
	}
	if ((reply = disc_answer(ag, nonce, ifindex, n, &len)) != NULL) {
		if (sendto(fd, reply, len, 0, (struct sockaddr *)&from,
		    msg.msg_namelen) == -1)
			debug_r("discovery reply to %s", who);
		else
			debug("discovery from %s answered", who);
		free(reply);
	}
	free(who);
}
