/* SPDX-License-Identifier: ISC */

/*
 * How many requests the sftp server has to answer. OpenSSH's sftp-server
 * reads up to 16 KiB a turn but answers one request a turn, and copies
 * its whole input queue each time that queue grows. A client that bounds
 * its requests by the channel window alone (PuTTY's psftp) so fills that
 * queue whenever the server falls behind, and from then on each request
 * costs a copy of megabytes: a 50 MB put of one second takes a minute,
 * with sshd too. The relay counts requests as they go in and replies as
 * they come out (each is length-framed, and each request gets one reply)
 * and gives the server another request only while few are unanswered.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tetherd.h"

#define SFTPPACE_REQS		64		/* unanswered requests */
#define SFTPPACE_BYTES		(128 * 1024)	/* ... and their bytes */
#define SFTPPACE_MSG_MAX	(256 * 1024)	/* sftp-server's own limit */

/* A length-framed stream: the length read so far, and what is left. */
struct sftpframe {
	uint8_t		 hdr[4];
	size_t		 hlen;
	uint32_t	 left;
};

struct sftppace {
	int		 on;		/* off: the stream is not SFTP */
	struct sftpframe in;		/* requests toward the server */
	struct sftpframe out;		/* replies from it */
	uint32_t	 size[SFTPPACE_REQS];	/* unanswered, oldest first */
	size_t		 first;
	size_t		 nreq;
	size_t		 bytes;
};

struct sftppace *
sftppace_new(void)
{
	struct sftppace	*p;

	p = xcalloc(1, sizeof *p);
	p->on = 1;
	return (p);
}

void
sftppace_free(struct sftppace *p)
{
	free(p);
}

/* One more byte of a frame's length; 1 when the length is complete. */
static int
sftppace_hdr(struct sftpframe *f, uint8_t ch)
{
	f->hdr[f->hlen++] = ch;
	if (f->hlen < sizeof f->hdr)
		return (0);
	f->left = (uint32_t)f->hdr[0] << 24 | (uint32_t)f->hdr[1] << 16 |
	    (uint32_t)f->hdr[2] << 8 | f->hdr[3];
	return (1);
}

/* A request starts: take a place for it, if the server may have it. */
static int
sftppace_begin(struct sftppace *p)
{
	if (p->nreq >= SFTPPACE_REQS || p->bytes >= SFTPPACE_BYTES)
		return (-1);
	p->size[(p->first + p->nreq) % SFTPPACE_REQS] = 0;
	p->nreq++;
	return (0);
}

/* Its length is known: count its bytes, or stop pacing a bad stream. */
static void
sftppace_sized(struct sftppace *p)
{
	uint32_t	 len = p->in.left;

	/* sftp-server ends on such a request; it gets through to say so. */
	if (len == 0 || len > SFTPPACE_MSG_MAX) {
		debug_f("request of %u bytes: no pacing", len);
		p->on = 0;
		return;
	}
	p->size[(p->first + p->nreq - 1) % SFTPPACE_REQS] = len + 4;
	p->bytes += len + 4;
}

/*
 * Take up to len bytes of requests in order; how many were taken. A
 * request once begun is always taken whole.
 */
static size_t
sftppace_feed(struct sftppace *p, const uint8_t *buf, size_t len)
{
	size_t	 off = 0, n;

	while (off < len && p->on) {
		if (p->in.hlen == 0 && sftppace_begin(p) != 0)
			break;
		if (p->in.hlen < sizeof p->in.hdr) {
			if (sftppace_hdr(&p->in, buf[off++]))
				sftppace_sized(p);
			continue;
		}
		n = len - off < p->in.left ? len - off : p->in.left;
		off += n;
		p->in.left -= n;
		if (p->in.left == 0)
			p->in.hlen = 0;
	}
	return (p->on ? off : len);
}

/* How much of the queued input (len bytes at buf) may go in now. */
size_t
sftppace_room(const struct sftppace *p, const void *buf, size_t len)
{
	struct sftppace	 q = *p;

	return (sftppace_feed(&q, buf, len));
}

/* These bytes, the start of what sftppace_room allowed, went in. */
void
sftppace_sent(struct sftppace *p, const void *buf, size_t len)
{
	if (sftppace_feed(p, buf, len) != len)
		fatal_f("more sent than allowed");
}

/* A reply is complete: its request is no longer the server's. */
static void
sftppace_answered(struct sftppace *p)
{
	p->out.hlen = 0;
	/* A reply to nothing: the server's business, not ours to count. */
	if (p->nreq == 0)
		return;
	p->bytes -= p->size[p->first];
	p->first = (p->first + 1) % SFTPPACE_REQS;
	p->nreq--;
}

/* The server wrote these bytes of replies. */
void
sftppace_replied(struct sftppace *p, const void *data, size_t len)
{
	const uint8_t	*buf = data;
	size_t		 off = 0, n;

	while (off < len && p->on) {
		if (p->out.hlen < sizeof p->out.hdr) {
			if (sftppace_hdr(&p->out, buf[off++]) &&
			    p->out.left == 0)
				sftppace_answered(p);
			continue;
		}
		n = len - off < p->out.left ? len - off : p->out.left;
		off += n;
		p->out.left -= n;
		if (p->out.left == 0)
			sftppace_answered(p);
	}
}
