/* SPDX-License-Identifier: ISC */

/*
 * The machine's addresses, for the status screen and connection.yaml: every
 * address of every up interface but loopback, IPv4 first.
 */

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>

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
