/* SPDX-License-Identifier: ISC */

/*
 * Address and port text, checked the same way by the agent's flags and the
 * viewer's form.
 */

#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int
net_parse_port(const char *s, int *port, char **cause)
{
	char	*end;
	long	 v;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s)) {
		xasprintf(cause, "bad port \"%s\": not a number", s);
		return (-1);
	}
	v = strtol(s, &end, 10);
	if (strlen(s) > 5 || v > 65535) {
		xasprintf(cause, "bad port \"%s\": must be 0-65535", s);
		return (-1);
	}
	*port = (int)v;
	return (0);
}

static int
net_parse_scoped(const char *s, struct sockaddr_in6 *sin6)
{
	struct addrinfo	 hints, *ai;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET6;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(s, NULL, &hints, &ai) != 0)
		return (-1);
	memcpy(sin6, ai->ai_addr, sizeof *sin6);
	freeaddrinfo(ai);
	return (0);
}

/*
 * "fe80::1%eth0" as another machine writes it: a link-local address and the
 * name of an interface there, which need not exist here. The name follows
 * the kernel's rule for interface names (no '/', ':' or white space).
 */
int
net_split_scoped(const char *s, struct in6_addr *addr, char *ifname,
    size_t size)
{
	char		 buf[INET6_ADDRSTRLEN];
	const char	*pct, *name;
	size_t		 n;

	if ((pct = strchr(s, '%')) == NULL || (size_t)(pct - s) >= sizeof buf)
		return (-1);
	memcpy(buf, s, pct - s);
	buf[pct - s] = '\0';
	if (inet_pton(AF_INET6, buf, addr) != 1 ||
	    !IN6_IS_ADDR_LINKLOCAL(addr))
		return (-1);
	name = pct + 1;
	n = strlen(name);
	if (n == 0 || n >= IF_NAMESIZE || n >= size ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return (-1);
	for (; *name != '\0'; name++) {
		if (*name == '/' || *name == ':' || *name == '%' ||
		    (unsigned char)*name <= ' ' || (unsigned char)*name >= 0x7f)
			return (-1);
	}
	memcpy(ifname, pct + 1, n + 1);
	return (0);
}

/*
 * An IPv4 or IPv6 literal, brackets allowed around IPv6, %interface after
 * a link-local one. No names: a rescue must not hang on a dead resolver.
 */
int
net_parse_ip(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    char **cause)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 buf[INET6_ADDRSTRLEN + 2];
	size_t			 n = strlen(s);

	memset(ss, 0, sizeof *ss);
	if (n > 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof buf) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
	} else if (n < sizeof buf)
		memcpy(buf, s, n + 1);
	else
		goto bad;
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		*len = sizeof *sin;
		return (0);
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		*len = sizeof *sin6;
		return (0);
	}
	/* fe80::1%eth0: a link-local address needs its interface. */
	if (strchr(buf, '%') != NULL && net_parse_scoped(buf, sin6) == 0) {
		*len = sizeof *sin6;
		return (0);
	}
bad:
	xasprintf(cause, "bad address \"%s\": not an IPv4 or IPv6 address", s);
	return (-1);
}

char *
net_ntop(const struct sockaddr *sa)
{
	char	 buf[INET6_ADDRSTRLEN];
	const void *addr;

	int	 family = sa->sa_family;

	if (family == AF_INET)
		addr = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (family == AF_INET6) {
		addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		/* ::ffff:10.0.0.5 on a dual-stack socket is 10.0.0.5. */
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
			addr = (const uint8_t *)addr + 12;
			family = AF_INET;
		}
	} else
		return (xstrdup("?"));
	if (inet_ntop(family, addr, buf, sizeof buf) == NULL)
		return (xstrdup("?"));
	return (xstrdup(buf));
}

int
net_sockaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohs(((const struct sockaddr_in *)sa)->sin_port));
	if (sa->sa_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)sa)->sin6_port));
	return (0);
}
