/* SPDX-License-Identifier: ISC */

/*
 * Typed, length-prefixed messages between the processes of one connection
 * (listener, monitor, session), with file descriptors passed beside them.
 * Every read is bounds-checked: the session that sends them is not trusted.
 */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

/* On the wire: type then payload length, host order (one machine). */
struct msg_head {
	uint32_t	 type;
	uint32_t	 len;
};

/* The most a whole message may take to move, in ms; -1: no limit. */
static int	 msg_wait_ms = -1;

/*
 * A peer that is not trusted must not hold this process by sending or
 * taking a message a byte at a time: the limit is on the whole message.
 */
void
msg_set_wait(int ms)
{
	msg_wait_ms = ms;
}

static void
msg_deadline(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	if (msg_wait_ms < 0)
		return;
	t->tv_sec += msg_wait_ms / 1000;
	t->tv_nsec += (long)(msg_wait_ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* Wait until sock is ready for events, or the deadline: -1 if it passed. */
static int
msg_ready(int sock, short events, const struct timespec *deadline)
{
	struct pollfd	 pfd = { sock, events, 0 };
	struct timespec	 now;
	long long	 ms;
	int		 n;

	if (msg_wait_ms < 0)
		return (0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
		    (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0) {
			errno = ETIMEDOUT;
			return (-1);
		}
		if ((n = poll(&pfd, 1, (int)ms)) > 0)
			return (0);
		if (n == -1 && errno != EINTR)
			return (-1);
	}
}

/* With a limit set, no call may block: readiness is polled for first. */
static int
msg_flags(void)
{
	return (msg_wait_ms < 0 ? 0 : MSG_DONTWAIT);
}

void
msg_init(struct msg *m, uint32_t type)
{
	memset(m, 0, sizeof *m);
	m->type = type;
}

static void
msg_grow(struct msg *m, size_t more)
{
	size_t	 want;

	if (more > MSG_MAX || m->len > MSG_MAX - more)
		fatalx("message of type %u too long", m->type);
	want = m->len + more;
	if (want > m->size) {
		m->size = want < 256 ? 256 : want * 2;
		m->buf = xreallocarray(m->buf, m->size, 1);
	}
}

void
msg_put_u32(struct msg *m, uint32_t v)
{
	msg_grow(m, sizeof v);
	memcpy(m->buf + m->len, &v, sizeof v);
	m->len += sizeof v;
}

void
msg_put_data(struct msg *m, const void *p, size_t len)
{
	if (len > UINT32_MAX)
		fatalx("message field too long");
	msg_put_u32(m, len);
	msg_grow(m, len);
	if (len > 0)
		memcpy(m->buf + m->len, p, len);
	m->len += len;
}

/* NULL goes as the one length no string has. */
void
msg_put_str(struct msg *m, const char *s)
{
	if (s == NULL)
		msg_put_u32(m, UINT32_MAX);
	else
		msg_put_data(m, s, strlen(s));
}

void
msg_put_fd(struct msg *m, int fd)
{
	if (m->nfds == MSG_MAXFDS)
		fatalx("too many descriptors for one message");
	m->fds[m->nfds++] = fd;
}

int
msg_get_u32(struct msg *m, uint32_t *v)
{
	if (m->len - m->off < sizeof *v)
		return (-1);
	memcpy(v, m->buf + m->off, sizeof *v);
	m->off += sizeof *v;
	return (0);
}

int
msg_get_int(struct msg *m, int *v)
{
	uint32_t	 u;

	if (msg_get_u32(m, &u) != 0)
		return (-1);
	*v = (int)u;
	return (0);
}

/* A copy of the next field, NUL-terminated; *len may be NULL. */
int
msg_get_data(struct msg *m, char **p, size_t *len)
{
	uint32_t	 n;

	*p = NULL;
	if (msg_get_u32(m, &n) != 0 || m->len - m->off < n)
		return (-1);
	*p = xmalloc((size_t)n + 1);
	memcpy(*p, m->buf + m->off, n);
	(*p)[n] = '\0';
	m->off += n;
	if (len != NULL)
		*len = n;
	return (0);
}

/* A string: no NUL inside; NULL when the sender sent none. */
int
msg_get_str(struct msg *m, char **s)
{
	uint32_t	 n;
	size_t		 len;

	*s = NULL;
	if (m->len - m->off >= sizeof n) {
		memcpy(&n, m->buf + m->off, sizeof n);
		if (n == UINT32_MAX) {
			m->off += sizeof n;
			return (0);
		}
	}
	if (msg_get_data(m, s, &len) != 0)
		return (-1);
	if (strlen(*s) != len) {
		free(*s);
		*s = NULL;
		return (-1);
	}
	return (0);
}

/* The next descriptor that came with the message; the caller owns it. */
int
msg_take_fd(struct msg *m)
{
	int	 fd;

	if (m->fdoff == m->nfds)
		return (-1);
	fd = m->fds[m->fdoff];
	m->fds[m->fdoff++] = -1;
	return (fd);
}

/* Whatever the receiver did not take is closed here. */
void
msg_free(struct msg *m)
{
	int	 i;

	for (i = m->fdoff; i < m->nfds; i++) {
		if (m->fds[i] != -1)
			close(m->fds[i]);
	}
	freezero(m->buf, m->size);
	memset(m, 0, sizeof *m);
}

/* All of len bytes, sent or received; a stream may move them in parts. */
static int
msg_all(int sock, char *p, size_t len, int receive,
    const struct timespec *deadline)
{
	ssize_t	 n;

	while (len > 0) {
		if (msg_ready(sock, receive ? POLLIN : POLLOUT, deadline) != 0)
			return (-1);
		if (receive)
			n = recv(sock, p, len, msg_flags());
		else
			n = send(sock, p, len, MSG_NOSIGNAL | msg_flags());
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/*
 * Header and payload in one write, the descriptors with them. The
 * sender's descriptors stay open: it closes what it no longer needs.
 */
int
msg_send(int sock, struct msg *m)
{
	struct msg_head	 h = { m->type, (uint32_t)m->len };
	struct iovec	 iov[2] = { { &h, sizeof h }, { m->buf, m->len } };
	struct msghdr	 mh;
	struct cmsghdr	*cm;
	char		 cbuf[CMSG_SPACE(sizeof(int) * MSG_MAXFDS)];
	struct timespec	 deadline;
	ssize_t		 n;

	msg_deadline(&deadline);
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = iov;
	mh.msg_iovlen = m->len > 0 ? 2 : 1;
	if (m->nfds > 0) {
		memset(cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * m->nfds);
		memcpy(CMSG_DATA(cm), m->fds, sizeof(int) * m->nfds);
	}
	do {
		if (msg_ready(sock, POLLOUT, &deadline) != 0)
			return (-1);
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | msg_flags());
	} while (n == -1 && (errno == EINTR || errno == EAGAIN));
	if (n == -1)
		return (-1);
	/* A stream may take part of it; the rest follows in order. */
	if ((size_t)n < sizeof h)
		return (msg_all(sock, (char *)&h + n, sizeof h - n, 0,
		    &deadline) || (m->len > 0 && msg_all(sock, m->buf, m->len,
		    0, &deadline)));
	n -= sizeof h;
	if ((size_t)n == m->len)
		return (0);
	return (msg_all(sock, m->buf + n, m->len - n, 0, &deadline));
}

static int
msg_fds(struct msg *m, struct msghdr *mh)
{
	struct cmsghdr	*cm;
	size_t		 n, i;
	int		 fd, bad = (mh->msg_flags & MSG_CTRUNC) != 0;

	/*
	 * Every descriptor the kernel installed is kept, to be closed with
	 * the message, even when there were too many and it is refused.
	 */
	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof fd, sizeof fd);
			if (m->nfds < MSG_MAXFDS)
				m->fds[m->nfds++] = fd;
			else {
				close(fd);
				bad = 1;
			}
		}
	}
	return (bad ? -1 : 0);
}

/* Whether a read would not block: a message is there, or end of file. */
int
msg_pending(int sock)
{
	char	 c;
	ssize_t	 n;

	n = recv(sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	return (1);
}

/*
 * One whole message, blocking. -1 on end of file, a short read or a
 * length over MSG_MAX; m is then empty and needs no msg_free.
 */

int
msg_recv(int sock, struct msg *m)
{
	struct msg_head	 h;
	struct iovec	 iov = { &h, sizeof h };
	struct msghdr	 mh;
	char		 cbuf[CMSG_SPACE(sizeof(int) * MSG_MAXFDS)];
	struct timespec	 deadline;
	ssize_t		 n;

	msg_deadline(&deadline);
	memset(m, 0, sizeof *m);
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof cbuf;
	do {
		if (msg_ready(sock, POLLIN, &deadline) != 0)
			return (-1);
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | msg_flags());
	} while (n == -1 && (errno == EINTR || errno == EAGAIN));
	if (n <= 0)
		return (-1);
	if (msg_fds(m, &mh) != 0 || ((size_t)n < sizeof h &&
	    msg_all(sock, (char *)&h + n, sizeof h - n, 1, &deadline) != 0) ||
	    h.len > MSG_MAX)
		goto fail;
	m->type = h.type;
	m->size = m->len = h.len;
	m->buf = xmalloc(h.len > 0 ? h.len : 1);
	if (msg_all(sock, m->buf, h.len, 1, &deadline) != 0)
		goto fail;
	return (0);
fail:
	m->fdoff = 0;
	msg_free(m);
	return (-1);
}
