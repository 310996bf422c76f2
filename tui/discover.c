/* SPDX-License-Identifier: ISC */

/*
 * LAN discovery, viewer side: ask on the chosen interfaces (IPv4 broadcast
 * and ff02::1), collect answers over either for DISCOVER_WAIT_MS, derive the
 * key once per distinct salt and keep the agents whose key is the ticket's.
 * Answers come from anyone on the LAN: each is checked, and costs are
 * capped.
 */

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tether.h"

#define DISCOVER_MAX_REPLIES	64

struct discover_answer {
	struct disc_info	 di;
	struct sockaddr_storage	 src;
	unsigned int		 ifindex;	/* ours, that it came in on */
	char			 from[TETHER_IP_MAX];
	int			 ok;		/* holds the ticket */
};

struct discover_state {
	int			 s4;
	int			 s6;
	char			 nonce[DISC_NONCE_LEN + 1];
	struct discover_answer	*r;
	int			 n;
};

/* Can this address of an interface carry a question to the LAN? */
static int
discover_askable(const struct ifaddrs *i)
{
	if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
	    (i->ifa_flags & IFF_LOOPBACK))
		return (0);
	if (i->ifa_addr->sa_family == AF_INET)
		return ((i->ifa_flags & IFF_BROADCAST) &&
		    i->ifa_broadaddr != NULL);
	return (i->ifa_addr->sa_family == AF_INET6 &&
	    (i->ifa_flags & IFF_MULTICAST));
}

/*
 * Every up, non-loopback interface with an IPv4 broadcast address or, for
 * ff02::1, IPv6 and multicast.
 */
int
discover_default_ifaces(char ***names)
{
	struct ifaddrs	*ifa, *i;
	int		 n = 0, j;

	*names = NULL;
	if (getifaddrs(&ifa) != 0)
		return (0);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (!discover_askable(i))
			continue;
		for (j = 0; j < n && strcmp((*names)[j], i->ifa_name) != 0;
		    j++)
			;
		if (j < n)
			continue;
		*names = xreallocarray(*names, n + 1, sizeof **names);
		(*names)[n++] = xstrdup(i->ifa_name);
	}
	freeifaddrs(ifa);
	return (n);
}

static int
discover_send(int fd, const struct sockaddr *sa, socklen_t len,
    const uint8_t *req, size_t reqlen)
{
	if (fd == -1)
		return (-1);
	return (sendto(fd, req, reqlen, 0, sa, len) == (ssize_t)reqlen ? 0 :
	    -1);
}

/*
 * Ask on one interface: its IPv4 broadcast address and ff02::1 on it. On
 * lo, which has neither, ask 127.0.0.1 and ::1 directly.
 */
static int
discover_ask(struct discover_state *ds, struct ifaddrs *ifa, const char *name,
    const uint8_t *req, size_t reqlen, int port)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct ifaddrs		*i;
	unsigned int		 idx;
	int			 sent = 0, loop = 0;

	if ((idx = if_nametoindex(name)) == 0)
		return (-1);
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (strcmp(i->ifa_name, name) != 0 || i->ifa_addr == NULL ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		loop = (i->ifa_flags & IFF_LOOPBACK) != 0;
		if (i->ifa_addr->sa_family != AF_INET || loop ||
		    !(i->ifa_flags & IFF_BROADCAST) || i->ifa_broadaddr == NULL)
			continue;
		memcpy(&sin, i->ifa_broadaddr, sizeof sin);
		sin.sin_port = htons(port);
		if (discover_send(ds->s4, (struct sockaddr *)&sin, sizeof sin,
		    req, reqlen) == 0)
			sent++;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	if (loop) {
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin6.sin6_addr = in6addr_loopback;
		sent += discover_send(ds->s4, (struct sockaddr *)&sin,
		    sizeof sin, req, reqlen) == 0;
	} else {
		inet_pton(AF_INET6, "ff02::1", &sin6.sin6_addr);
		sin6.sin6_scope_id = idx;
	}
	sent += discover_send(ds->s6, (struct sockaddr *)&sin6, sizeof sin6,
	    req, reqlen) == 0;
	return (sent > 0 ? 0 : -1);
}

static void
discover_note(char **errors, const char *name, const char *why)
{
	char	*s;

	if (*errors == NULL)
		xasprintf(errors, "%s: %s", name, why);
	else {
		xasprintf(&s, "%s, %s: %s", *errors, name, why);
		free(*errors);
		*errors = s;
	}
}

static void
discover_sockets(struct discover_state *ds)
{
	int	 on = 1;

	ds->s4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ds->s4 != -1)
		setsockopt(ds->s4, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
	/* Which interface an answer came in on names a link-local's link. */
	if (ds->s4 != -1)
		setsockopt(ds->s4, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
	ds->s6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (ds->s6 != -1) {
		setsockopt(ds->s6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		setsockopt(ds->s6, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof on);
	}
}

/* The index of our interface a datagram came in on, 0 if not known. */
static unsigned int
discover_arrival(struct msghdr *msg, const struct sockaddr_storage *ss)
{
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	struct in6_pktinfo	 pi6;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof pi)) {
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			return (pi.ipi_ifindex);
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof pi6)) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof pi6);
			return (pi6.ipi6_ifindex);
		}
	}
	if (ss->ss_family == AF_INET6)
		return (((const struct sockaddr_in6 *)ss)->sin6_scope_id);
	return (0);
}

/* An address, with our interface's name after a link-local one. */
static int
discover_scoped_text(const struct in6_addr *a, unsigned int ifindex, char *buf,
    size_t size)
{
	char	 addr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	int	 n;

	if (inet_ntop(AF_INET6, a, addr, sizeof addr) == NULL ||
	    if_indextoname(ifindex, ifname) == NULL)
		return (-1);
	n = snprintf(buf, size, "%s%%%s", addr, ifname);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

/* The sender's address; a link-local one gets our interface's name. */
static void
discover_from(const struct discover_answer *r, char *buf, size_t size)
{
	const struct sockaddr_in6	*sin6 = (const void *)&r->src;
	char				*s;

	if (r->src.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) &&
	    discover_scoped_text(&sin6->sin6_addr, r->ifindex, buf, size) == 0)
		return;
	s = net_ntop((const struct sockaddr *)&r->src);
	snprintf(buf, size, "%s", s);
	free(s);
}

/* One datagram, with where it came from and on which interface. */
static ssize_t
discover_recv(int fd, uint8_t *buf, size_t size, struct sockaddr_storage *ss,
    unsigned int *ifindex)
{
	struct iovec	 iov;
	struct msghdr	 msg;
	union {
		struct cmsghdr	 hdr;
		char		 b[CMSG_SPACE(sizeof (struct in6_pktinfo))];
	}		 ctl;
	ssize_t		 n;

	iov.iov_base = buf;
	iov.iov_len = size;
	memset(&msg, 0, sizeof msg);
	memset(ss, 0, sizeof *ss);
	msg.msg_name = ss;
	msg.msg_namelen = sizeof *ss;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &ctl;
	msg.msg_controllen = sizeof ctl;
	if ((n = recvmsg(fd, &msg, 0)) >= 0)
		*ifindex = discover_arrival(&msg, ss);
	return (n);
}

static void
discover_receive(struct discover_state *ds, int fd, struct discover_result *res)
{
	struct sockaddr_storage	 ss;
	unsigned int		 ifindex;
	uint8_t			 buf[DISC_DATAGRAM_MAX];
	struct discover_answer	*r;
	char			*cause;
	ssize_t			 n;
	int			 got = 0;

	for (;;) {
		n = discover_recv(fd, buf, sizeof buf, &ss, &ifindex);
		if (n < 0 || ++got > DISCOVER_MAX_REPLIES)
			return;
		if (ds->n == DISCOVER_MAX_REPLIES)
			continue;
		r = &ds->r[ds->n];
		if (disc_reply_parse(buf, n, &r->di, &cause) != 0) {
			free(cause);
			continue;
		}
		if (strcmp(r->di.nonce, ds->nonce) != 0)
			continue;
		r->src = ss;
		r->ifindex = ifindex;
		discover_from(r, r->from, sizeof r->from);
		ds->n++;
		res->replies++;
	}
}

/* Does this reply's key come from the ticket? */
static int
discover_matches(const struct ticket *t, const struct disc_info *di,
    int *salts)
{
	ssh_key		 want = NULL, got = NULL;
	char		*cause;
	const char	*b64 = di->key + sizeof "ssh-ed25519 " - 1;
	int		 same;

	/* An agent's default cost at most: a hostile reply asking for more
	   would cost seconds and up to a GiB for each salt. */
	if (di->kdf.cost > KDF_COST)
		return (0);
	if (ssh_pki_import_pubkey_base64(b64, SSH_KEYTYPE_ED25519, &got) !=
	    SSH_OK)
		return (0);
	/* Each new salt costs an scrypt run: a busy or hostile LAN gets
	   DISCOVER_MAX_SALTS of them, no more. */
	if (++*salts > DISCOVER_MAX_SALTS) {
		ssh_key_free(got);
		return (0);
	}
	if (client_derive(t, &di->kdf, &want, &cause) != 0) {
		free(cause);
		ssh_key_free(got);
		return (0);
	}
	same = ssh_key_cmp(want, got, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(want);
	ssh_key_free(got);
	return (same);
}

/* Two answers from one agent: the same key at the same port. */
static int
discover_same_agent(const struct discover_answer *a,
    const struct discover_answer *b)
{
	return (a->di.port == b->di.port && strcmp(a->di.key, b->di.key) == 0);
}

/*
 * The agent's name for the interface an answer left from: an answer from
 * a link-local address is listed in its ips as that address%name.
 */
static int
discover_facing(const struct discover_answer *r, char *name, size_t size)
{
	const struct sockaddr_in6	*sin6 = (const void *)&r->src;
	struct in6_addr			 a;
	int				 i;

	if (r->src.ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
		return (-1);
	for (i = 0; i < r->di.nips; i++) {
		if (net_split_scoped(r->di.ips[i], &a, name, size) == 0 &&
		    memcmp(&a, &sin6->sin6_addr, sizeof a) == 0)
			return (0);
	}
	return (-1);
}

/*
 * Our interface on the link of the agent's interface agentif, learnt from
 * the agent's answers over IPv6; 0 if none says. With known set, whether
 * some answer says which of the agent's interfaces faces our interface
 * known.
 */
static unsigned int
discover_link(const struct discover_state *ds, const struct discover_answer *r,
    const char *agentif, unsigned int known, int *facing)
{
	const struct discover_answer	*q;
	char			 name[IF_NAMESIZE];
	int			 i;

	*facing = 0;
	for (i = 0; i < ds->n; i++) {
		q = &ds->r[i];
		if (!q->ok || !discover_same_agent(q, r) ||
		    discover_facing(q, name, sizeof name) != 0)
			continue;
		if (strcmp(name, agentif) == 0)
			return (q->ifindex);
		if (q->ifindex == known)
			*facing = 1;
	}
	return (0);
}

/*
 * fe80::1%eth0 in a reply names the agent's interface, which means nothing
 * here. Put in its place ours on the same link: known from the agent's
 * IPv6 answers when there are some, else the one this reply came in on.
 * An address of an agent's interface that is not on any link an IPv6
 * answer came over is left out.
 */
static int
discover_local(const struct discover_state *ds, const struct discover_answer *r,
    const char *ip, char *buf, size_t size)
{
	struct in6_addr	 a;
	char		 agentif[IF_NAMESIZE];
	unsigned int	 idx;
	int		 facing;

	if (net_split_scoped(ip, &a, agentif, sizeof agentif) != 0)
		return (-1);
	idx = discover_link(ds, r, agentif, r->ifindex, &facing);
	if (idx == 0) {
		if (facing || r->ifindex == 0)
			return (-1);
		idx = r->ifindex;
	}
	return (discover_scoped_text(&a, idx, buf, size));
}

/* Add an agent's addresses: those it lists, then where it answered from. */
static void
discover_add(const struct discover_state *ds, struct cand_list *cl,
    const struct discover_answer *r)
{
	const char	*host = r->di.host;
	char		 ip[TETHER_IP_MAX];
	int		 i;

	for (i = 0; i < r->di.nips; i++) {
		if (strchr(r->di.ips[i], '%') == NULL)
			probe_add(cl, host, r->di.ips[i], r->di.port);
		else if (discover_local(ds, r, r->di.ips[i], ip,
		    sizeof ip) == 0)
			probe_add(cl, host, ip, r->di.port);
	}
	probe_add(cl, host, r->from, r->di.port);
}

static int
discover_same_salt(const struct discover_answer *a,
    const struct discover_answer *b)
{
	return (memcmp(&a->di.kdf, &b->di.kdf, sizeof a->di.kdf) == 0);
}

/*
 * Judge every answer, then add the addresses of those that hold the
 * ticket: the link-local ones need all verdicts first. An agent answers
 * once per interface and address family; it is counted once.
 */
static void
discover_judge(struct discover_state *ds, const struct ticket *t,
    struct cand_list *cl, struct discover_result *res, cand_tick_fn tick,
    void *arg)
{
	int	 i, j, salts = 0;

	for (i = 0; i < ds->n; i++) {
		/* Several answers with one salt: one verdict for all. */
		for (j = 0; j < i && !discover_same_salt(&ds->r[i], &ds->r[j]);
		    j++)
			;
		if (j < i && strcmp(ds->r[i].di.key, ds->r[j].di.key) == 0)
			ds->r[i].ok = ds->r[j].ok;
		else {
			/* scrypt is a tenth of a second: redraw between, and
			   stop when the user gives up (Esc). */
			if (tick != NULL && tick(arg) != 0)
				break;
			ds->r[i].ok = discover_matches(t, &ds->r[i].di, &salts);
		}
	}
	for (i = 0; i < ds->n; i++) {
		for (j = 0; j < i && !discover_same_agent(&ds->r[i], &ds->r[j]);
		    j++)
			;
		if (j == i) {
			res->agents++;
			res->matched += ds->r[i].ok;
		}
		if (ds->r[i].ok)
			discover_add(ds, cl, &ds->r[i]);
	}
}

void
discover_find(const struct ticket *t, int port, char **names, int nnames,
    struct cand_list *cl, struct discover_result *res, cand_tick_fn tick,
    void *arg)
{
	struct discover_state	 ds;
	struct ifaddrs		*ifa = NULL;
	struct pollfd		 pfd[2];
	struct timespec		 t0;
	uint8_t			 req[DISC_REQUEST_LEN];
	size_t			 reqlen;
	int			 i, left;

	memset(res, 0, sizeof *res);
	memset(&ds, 0, sizeof ds);
	ds.r = xcalloc(DISCOVER_MAX_REPLIES, sizeof *ds.r);
	disc_nonce_new(ds.nonce);
	reqlen = disc_request(ds.nonce, req, sizeof req);
	discover_sockets(&ds);
	if (getifaddrs(&ifa) != 0)
		ifa = NULL;
	for (i = 0; i < nnames; i++) {
		if (if_nametoindex(names[i]) == 0)
			discover_note(&res->errors, names[i],
			    "no such interface");
		else if (discover_ask(&ds, ifa, names[i], req, reqlen,
		    port) != 0)
			discover_note(&res->errors, names[i], strerror(errno));
		else
			res->sent++;
	}
	if (ifa != NULL)
		freeifaddrs(ifa);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (res->sent > 0 && (left = DISCOVER_WAIT_MS -
	    (int)(client_us(&t0) / 1000)) > 0) {
		pfd[0].fd = ds.s4;
		pfd[1].fd = ds.s6;
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, left < 50 ? left : 50) > 0) {
			for (i = 0; i < 2; i++) {
				if (pfd[i].revents & POLLIN)
					discover_receive(&ds, pfd[i].fd, res);
			}
		}
		if (tick != NULL && tick(arg) != 0)
			break;
	}
	if (ds.s4 != -1)
		close(ds.s4);
	if (ds.s6 != -1)
		close(ds.s6);
	discover_judge(&ds, t, cl, res, tick, arg);
	free(ds.r);
}
