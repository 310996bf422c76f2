/* SPDX-License-Identifier: ISC */

/*
 * What-if shim for the bench only, never for real use: preloaded into
 * tetherd or tether, it sets TCP_NODELAY on each accepted or connected TCP
 * socket (SHIM_NODELAY) and re-arms TCP_QUICKACK after each recv
 * (SHIM_QUICKACK). It shows what the Nagle and delayed-ACK stalls cost
 * without touching tether's code.
 */

#define _GNU_SOURCE
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dlfcn.h>
#include <stdlib.h>

int	accept4(int, struct sockaddr *, socklen_t *, int);
int	connect(int, const struct sockaddr *, socklen_t);
ssize_t	recv(int, void *, size_t, int);

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int	(*real)(int, const struct sockaddr *, socklen_t);
	int		 on = 1;

	if (real == NULL)
		real = (int (*)(int, const struct sockaddr *, socklen_t))
		    dlsym(RTLD_NEXT, "connect");
	if (getenv("SHIM_NODELAY") != NULL && (sa->sa_family == AF_INET ||
	    sa->sa_family == AF_INET6))
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	return (real(fd, sa, len));
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	static int	(*real)(int, struct sockaddr *, socklen_t *, int);
	int		 s, on = 1;

	if (real == NULL)
		real = (int (*)(int, struct sockaddr *, socklen_t *, int))
		    dlsym(RTLD_NEXT, "accept4");
	s = real(fd, sa, len, flags);
	if (s != -1 && getenv("SHIM_NODELAY") != NULL)
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	return (s);
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	static ssize_t	(*real)(int, void *, size_t, int);
	ssize_t		 n;
	int		 on = 1;

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t, int))
		    dlsym(RTLD_NEXT, "recv");
	n = real(fd, buf, len, flags);
	if (getenv("SHIM_QUICKACK") != NULL)
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
	return (n);
}
