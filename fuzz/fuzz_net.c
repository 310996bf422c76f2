/* SPDX-License-Identifier: ISC */

/*
 * Address and port text from the viewer's form and flags and the agent's
 * -l and -p: net_parse_ip() and net_parse_port() on the same string.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
fuzz_net_port(const char *s)
{
	char	*cause = NULL;
	size_t	 n = strlen(s);
	int	 port = -1, valid;

	valid = n > 0 && n <= 5 && strspn(s, "0123456789") == n &&
	    atoi(s) <= 65535;
	if ((net_parse_port(s, &port, &cause) == 0) != valid)
		fuzz_fail("port \"%s\": parser and rule disagree", s);
	if (!valid) {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		free(cause);
		return;
	}
	if (cause != NULL || port != atoi(s))
		fuzz_fail("port \"%s\" read as %d", s, port);
}

/*
 * The address bytes and their family; a v4-mapped IPv6 address
 * (::ffff:a.b.c.d) counts as IPv4, as net_ntop() prints it so.
 */
static const uint8_t *
fuzz_net_bytes(const struct sockaddr_storage *ss, int *family, size_t *n)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	*family = ss->ss_family;
	if (*family == AF_INET) {
		*n = 4;
		return ((const uint8_t *)&sin->sin_addr);
	}
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		*family = AF_INET;
		*n = 4;
		return ((const uint8_t *)&sin6->sin6_addr + 12);
	}
	*n = 16;
	return ((const uint8_t *)&sin6->sin6_addr);
}

/* The address, printed and read again, is the same address. */
static void
fuzz_net_again(const struct sockaddr_storage *ss)
{
	struct sockaddr_storage	 again;
	socklen_t		 len;
	const uint8_t		*want, *got;
	char			*text, *cause;
	size_t			 n, m;
	int			 family, f;

	want = fuzz_net_bytes(ss, &family, &n);
	text = net_ntop((const struct sockaddr *)ss);
	if (net_parse_ip(text, &again, &len, &cause) != 0)
		fuzz_fail("printed address \"%s\" refused: %s", text, cause);
	got = fuzz_net_bytes(&again, &f, &m);
	if (f != family || m != n || memcmp(want, got, n) != 0)
		fuzz_fail("printed address \"%s\" is another address", text);
	free(text);
}

static void
fuzz_net_ip(const char *s)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = 0;
	char			*cause = NULL;

	if (net_parse_ip(s, &ss, &len, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		free(cause);
		return;
	}
	if (cause != NULL)
		fuzz_fail("cause set on success");
	if (!(ss.ss_family == AF_INET && len == sizeof(struct sockaddr_in)) &&
	    !(ss.ss_family == AF_INET6 && len == sizeof(struct sockaddr_in6)))
		fuzz_fail("\"%s\": family %d with length %u", s,
		    ss.ss_family, (unsigned)len);
	if (net_sockaddr_port((struct sockaddr *)&ss) != 0)
		fuzz_fail("\"%s\": a port came from nowhere", s);
	fuzz_net_again(&ss);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	s = fuzz_cstr(data, size);
	fuzz_net_port(s);
	fuzz_net_ip(s);
	free(s);
	return (0);
}
