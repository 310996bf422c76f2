/* SPDX-License-Identifier: ISC */

/*
 * Live view by tiles, the viewer's half: the stream of the agent's
 * "snapshot --tiles" read message by message, each checked and its PNG
 * rectangles composed onto the viewer's copy of the frame. The format is
 * in tetherd(8), LIVE VIEW STREAM.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

#define TILES_MAGIC	"TTV1"
#define TILES_HEAD	16
#define TILES_RECT	12
#define TILES_RESET	0x01
#define TILES_SIDE_MAX	16384
#define TILES_PIXELS_MAX (8192U * 4320U)	/* 8K: 106 MB of RGB */
#define TILES_WAIT_MS	10000			/* for one message */

static uint32_t
tiles_be16(const uint8_t *p)
{
	return ((uint32_t)p[0] << 8 | p[1]);
}

static uint32_t
tiles_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/*
 * A message's header: its frame size, rectangle count and flags, and the
 * length of the rest, bounded by what that frame can need.
 */
int
tiles_header(const uint8_t *p, struct tiles_head *h, char **cause)
{
	uint64_t	 max;

	if (memcmp(p, TILES_MAGIC, 4) != 0) {
		xasprintf(cause, "tile stream: bad magic");
		return (-1);
	}
	h->w = tiles_be16(p + 4);
	h->h = tiles_be16(p + 6);
	h->n = tiles_be16(p + 8);
	h->flags = p[10];
	h->rest = tiles_be32(p + 12);
	if ((h->flags & ~TILES_RESET) != 0 || p[11] != 0) {
		xasprintf(cause, "tile stream: unknown flags 0x%02x%02x",
		    p[10], p[11]);
		return (-1);
	}
	if (h->w == 0 || h->h == 0 || h->w > TILES_SIDE_MAX ||
	    h->h > TILES_SIDE_MAX || (uint64_t)h->w * h->h > TILES_PIXELS_MAX) {
		xasprintf(cause, "tile stream: frame %ux%u is out of range",
		    h->w, h->h);
		return (-1);
	}
	/* PNG of noise is a little over its raw pixels: 4 bytes a pixel. */
	max = (uint64_t)h->n * (TILES_RECT + 4096) + (uint64_t)h->w * h->h * 4;
	if (h->rest > max || (h->n == 0 && h->rest != 0)) {
		xasprintf(cause, "tile stream: %u bytes for %u rectangles of a "
		    "%ux%u frame", h->rest, h->n, h->w, h->h);
		return (-1);
	}
	return (0);
}

/* One PNG of exactly w x h into 8-bit RGB (allocated here). */
static int
tiles_png(const uint8_t *p, size_t len, uint32_t w, uint32_t h,
    uint8_t **rgb, char **cause)
{
	uint32_t	 pw, ph;
	char		*why;

	if ((*rgb = pngread_rgb(p, len, w, h, 0, &pw, &ph, &why)) == NULL) {
		xasprintf(cause, "tile stream: %s", why);
		free(why);
		return (-1);
	}
	if (pw != w || ph != h) {
		xasprintf(cause, "tile stream: PNG of %ux%u for a %ux%u "
		    "rectangle", pw, ph, w, h);
		free(*rgb);
		*rgb = NULL;
		return (-1);
	}
	return (0);
}

static void
tiles_grow(struct tiles_rect *box, const struct tiles_rect *r)
{
	uint32_t	 x1, y1;

	if (box->w == 0) {
		*box = *r;
		return;
	}
	x1 = box->x + box->w > r->x + r->w ? box->x + box->w : r->x + r->w;
	y1 = box->y + box->h > r->y + r->h ? box->y + box->h : r->y + r->h;
	box->x = box->x < r->x ? box->x : r->x;
	box->y = box->y < r->y ? box->y : r->y;
	box->w = x1 - box->x;
	box->h = y1 - box->y;
}

/* One rectangle: its position inside the frame, then its pixels. */
static int
tiles_rect(struct tiles_frame *f, const uint8_t *body, size_t len,
    size_t *off, struct tiles_rect *box, char **cause)
{
	struct tiles_rect	 r;
	uint32_t		 plen, y;
	uint8_t			*rgb;

	if (len - *off < TILES_RECT) {
		xasprintf(cause, "tile stream: rectangle cut short");
		return (-1);
	}
	r.x = tiles_be16(body + *off);
	r.y = tiles_be16(body + *off + 2);
	r.w = tiles_be16(body + *off + 4);
	r.h = tiles_be16(body + *off + 6);
	plen = tiles_be32(body + *off + 8);
	*off += TILES_RECT;
	if (r.w == 0 || r.h == 0 || r.x + r.w > f->w || r.y + r.h > f->h) {
		xasprintf(cause, "tile stream: rectangle %ux%u at %u,%u is "
		    "outside the %ux%u frame", r.w, r.h, r.x, r.y, f->w, f->h);
		return (-1);
	}
	if (plen > len - *off) {
		xasprintf(cause, "tile stream: PNG of %u bytes cut short",
		    plen);
		return (-1);
	}
	if (tiles_png(body + *off, plen, r.w, r.h, &rgb, cause) != 0)
		return (-1);
	*off += plen;
	for (y = 0; y < r.h; y++)
		memcpy(f->rgb + ((size_t)(r.y + y) * f->w + r.x) * 3,
		    rgb + (size_t)y * r.w * 3, (size_t)r.w * 3);
	free(rgb);
	tiles_grow(box, &r);
	return (0);
}

/*
 * Compose one message (its body after header h) onto f. A reset starts a
 * new frame of the header's size; any other message must be of the size
 * the viewer has. box gets the bounding box of what changed (w 0: none).
 */
int
tiles_apply(struct tiles_frame *f, const struct tiles_head *h,
    const uint8_t *body, struct tiles_rect *box, char **cause)
{
	size_t		 off = 0;
	uint32_t	 i;

	memset(box, 0, sizeof *box);
	if (h->flags & TILES_RESET) {
		free(f->rgb);
		f->w = h->w;
		f->h = h->h;
		f->rgb = xcalloc((size_t)f->w * f->h, 3);
	} else if (f->rgb == NULL) {
		xasprintf(cause, "tile stream: tiles before a whole frame");
		return (-1);
	} else if (h->w != f->w || h->h != f->h) {
		xasprintf(cause, "tile stream: tiles of a %ux%u frame onto "
		    "%ux%u", h->w, h->h, f->w, f->h);
		return (-1);
	}
	for (i = 0; i < h->n; i++) {
		if (tiles_rect(f, body, h->rest, &off, box, cause) != 0)
			return (-1);
	}
	if (off != h->rest) {
		xasprintf(cause, "tile stream: %zu bytes left after the "
		    "rectangles", (size_t)h->rest - off);
		return (-1);
	}
	return (0);
}

void
tiles_frame_free(struct tiles_frame *f)
{
	free(f->rgb);
	memset(f, 0, sizeof *f);
}

/* Start "snapshot [dev] --tiles" on its own channel. */
int
tiles_open(struct tiles_stream *s, struct client *c, const char *dev,
    char **cause)
{
	char	*cmd;

	memset(s, 0, sizeof *s);
	s->c = c;
	xasprintf(&cmd, "snapshot%s%s --tiles", dev != NULL ? " " : "",
	    dev != NULL ? dev : "");
	if ((s->ch = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(s->ch) != SSH_OK ||
	    ssh_channel_request_exec(s->ch, cmd) != SSH_OK) {
		xasprintf(cause, "%s: %s", c->host, ssh_get_error(c->session));
		free(cmd);
		if (s->ch != NULL)
			ssh_channel_free(s->ch);
		s->ch = NULL;
		return (-1);
	}
	free(cmd);
	return (0);
}

void
tiles_close(struct tiles_stream *s)
{
	if (s->ch == NULL)
		return;
	ssh_channel_send_eof(s->ch);
	ssh_channel_close(s->ch);
	ssh_channel_free(s->ch);
	s->ch = NULL;
}

/* The agent's error line, when the stream ends instead of a message. */
static void
tiles_ended(struct tiles_stream *s, char **cause)
{
	char	 err[256];
	int	 n;

	n = ssh_channel_read_timeout(s->ch, err, sizeof err - 1, 1, 500);
	if (n > 0) {
		err[n] = '\0';
		err[strcspn(err, "\n")] = '\0';
		xasprintf(cause, "%s", err);
	} else
		xasprintf(cause, "tile stream ended");
}

static int
tiles_read(struct tiles_stream *s, uint8_t *p, size_t len, char **cause)
{
	size_t	 got = 0;
	int	 n;

	while (got < len) {
		n = ssh_channel_read_timeout(s->ch, p + got, len - got, 0,
		    TILES_WAIT_MS);
		if (n == SSH_ERROR) {
			xasprintf(cause, "%s: %s", s->c->host,
			    ssh_get_error(s->c->session));
			return (-1);
		}
		if (n == 0) {
			if (ssh_channel_is_eof(s->ch) ||
			    ssh_channel_is_closed(s->ch))
				tiles_ended(s, cause);
			else
				xasprintf(cause, "tile stream: no answer in "
				    "%d s", TILES_WAIT_MS / 1000);
			return (-1);
		}
		got += n;
	}
	return (0);
}

/*
 * Ask for the next message ('n', or 'r' for the whole frame), read it and
 * compose it onto f. Returns 0 with box's w 0 for an unchanged frame.
 */
int
tiles_next(struct tiles_stream *s, int req, struct tiles_frame *f,
    struct tiles_rect *box, int *reset, char **cause)
{
	struct tiles_head	 h;
	uint8_t			 head[TILES_HEAD], *body;
	char			 ch = req;
	int			 rc;

	if (ssh_channel_write(s->ch, &ch, 1) != 1) {
		xasprintf(cause, "%s: %s", s->c->host,
		    ssh_get_error(s->c->session));
		return (-1);
	}
	if (tiles_read(s, head, sizeof head, cause) != 0 ||
	    tiles_header(head, &h, cause) != 0)
		return (-1);
	body = xmalloc(h.rest + 1);
	rc = tiles_read(s, body, h.rest, cause);
	if (rc == 0)
		rc = tiles_apply(f, &h, body, box, cause);
	free(body);
	s->bytes += TILES_HEAD + h.rest;
	*reset = (h.flags & TILES_RESET) != 0;
	return (rc);
}

/*
 * The composed frame as PPM, whole or not at all: what the view draws
 * from, for tests (TETHER_SNAPVIEW_DUMP).
 */
int
tiles_dump(const struct tiles_frame *f, const char *path)
{
	char	*dir, *name, head[64], *cause;
	uint8_t	*buf;
	size_t	 hl, n = (size_t)f->w * f->h * 3;
	int	 rc;

	hl = snprintf(head, sizeof head, "P6\n%u %u\n255\n", f->w, f->h);
	buf = xmalloc(hl + n);
	memcpy(buf, head, hl);
	memcpy(buf + hl, f->rgb, n);
	dir = xstrdup(path);
	if ((name = strrchr(dir, '/')) != NULL)
		*name++ = '\0';
	rc = file_write_atomic(name == NULL ? "." : *dir == '\0' ? "/" : dir,
	    name != NULL ? name : path, buf, hl + n, 0600, &cause);
	if (rc != 0)
		free(cause);
	free(dir);
	free(buf);
	return (rc);
}
