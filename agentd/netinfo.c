/* SPDX-License-Identifier: ISC */

/*
 * The machine's addresses, for the status screen and connection.yaml: every
 * address of every up interface but loopback, IPv4 first; and a watch on
 * them, so that a lease that comes late is shown.
 */

#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

int
netinfo_is_any(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET)
		return (sin->sin_addr.s_addr == htonl(INADDR_ANY));
	if (sa->sa_family == AF_INET6)
		return (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	return (0);
}

static void
netinfo_collect(struct ifaddrs *ifa, int family, char ***ips, int *n)
{
	const struct sockaddr_in6	*sin6;
	char				*s, *t;

	for (; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family !=
		    family)
			continue;
		if ((ifa->ifa_flags & IFF_LOOPBACK) ||
		    !(ifa->ifa_flags & IFF_UP))
			continue;
		s = net_ntop(ifa->ifa_addr);
		sin6 = (const struct sockaddr_in6 *)ifa->ifa_addr;
		if (family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) {
			/* Useless to a technician without its interface. */
			xasprintf(&t, "%s%%%s", s, ifa->ifa_name);
			free(s);
			s = t;
		}
		*ips = xreallocarray(*ips, *n + 1, sizeof **ips);
		(*ips)[(*n)++] = s;
	}
}

int
netinfo_ips(char ***ips)
{
	struct ifaddrs	*ifa;
	int		 n = 0;

	*ips = NULL;
	if (getifaddrs(&ifa) != 0) {
		error_r("getifaddrs");
		return (0);
	}
	netinfo_collect(ifa, AF_INET, ips, &n);
	netinfo_collect(ifa, AF_INET6, ips, &n);
	freeifaddrs(ifa);
	return (n);
}

/*
 * Address changes, from the kernel (rtnetlink): a lease that arrives after
 * the ticket is on screen. Without the socket the addresses shown stay
 * those of the start.
 */
void
netinfo_watch(struct agent *ag)
{
	struct sockaddr_nl	 sa;
	int			 fd;

	ag->addr_fd = -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd == -1) {
		error("netlink socket: %s", strerror(errno));
		return;
	}
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		error("netlink bind: %s", strerror(errno));
		close(fd);
		return;
	}
	ag->addr_fd = fd;
}

/* Read every pending message; the list is read again whole, not parsed. */
void
netinfo_changed(struct agent *ag)
{
	char	 buf[8192];
	int	 n = 0;

	while (n++ < 64 && recv(ag->addr_fd, buf, sizeof buf, 0) > 0)
		;
	main_addresses(ag);
}
