/* SPDX-License-Identifier: ISC */

/*
 * Live view by tiles: the last frame a stream sent, the 64x64 tiles that
 * differ from it, merged into rectangles, and the message that carries
 * them as small PNGs (the format is in tetherd(8), LIVE VIEW STREAM).
 * Nothing here knows about channels.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tetherd.h"

/* Merged rectangles past this many go as one bounding box. */
#define SNAP_TILE_RECTS_MAX	16

void
snap_tiles_init(struct snap_tiles *t)
{
	memset(t, 0, sizeof *t);
}

void
snap_tiles_free(struct snap_tiles *t)
{
	free(t->prev);
	free(t->dirty);
	memset(t, 0, sizeof *t);
}

/* What makes the last frame unusable as a base: any change of layout. */
static int
snap_tiles_same_layout(const struct snap_geom *a, const struct snap_geom *b)
{
	return (a->width == b->width && a->height == b->height &&
	    a->bpp == b->bpp && a->pseudo == b->pseudo &&
	    memcmp(&a->red, &b->red, sizeof a->red) == 0 &&
	    memcmp(&a->green, &b->green, sizeof a->green) == 0 &&
	    memcmp(&a->blue, &b->blue, sizeof a->blue) == 0 &&
	    (!a->pseudo || memcmp(a->cmap, b->cmap, sizeof a->cmap) == 0));
}

static void
snap_tiles_reset(struct snap_tiles *t, const struct snap_geom *g)
{
	free(t->prev);
	free(t->dirty);
	t->g = *g;
	t->line = (size_t)g->width * (g->bpp / 8);
	t->tw = (g->width + SNAP_TILE - 1) / SNAP_TILE;
	t->th = (g->height + SNAP_TILE - 1) / SNAP_TILE;
	t->prev = xmalloc(t->line * g->height);
	t->dirty = xmalloc((size_t)t->tw * t->th);
}

/* The tiles of line y that differ from the last frame, marked dirty. */
static void
snap_tiles_line(struct snap_tiles *t, uint32_t y, const uint8_t *line)
{
	uint8_t		*old = t->prev + y * t->line;
	size_t		 bytes = t->g.bpp / 8, span = SNAP_TILE * bytes, at, n;
	uint32_t	 tx;
	uint8_t		*d = t->dirty + (size_t)(y / SNAP_TILE) * t->tw;

	for (tx = 0; tx < t->tw; tx++) {
		if (d[tx])
			continue;
		at = tx * span;
		n = at + span > t->line ? t->line - at : span;
		if (memcmp(old + at, line + at, n) != 0)
			d[tx] = 1;
	}
}

/*
 * Compare the visible area of mem (layout g) with the last frame, line by
 * line, and keep it as the new last frame. Each line is read once into
 * the kept copy's place only after comparing from a private buffer, so
 * what is kept is what was compared, even if the screen moves meanwhile.
 * Returns 1 when the whole frame must go (first frame, new layout, or
 * reset asked), 0 when the dirty tiles say what changed.
 */
int
snap_tiles_diff(struct snap_tiles *t, const struct snap_geom *g,
    const uint8_t *mem, int reset)
{
	const uint8_t	*src = snap_visible(g, mem);
	uint8_t		*line;
	uint32_t	 y;

	if (t->prev == NULL || !snap_tiles_same_layout(&t->g, g)) {
		snap_tiles_reset(t, g);
		reset = 1;
	}
	t->g = *g;
	memset(t->dirty, reset ? 1 : 0, (size_t)t->tw * t->th);
	line = xmalloc(t->line);
	for (y = 0; y < g->height; y++) {
		memcpy(line, src + (size_t)y * g->stride, t->line);
		if (reset || memcmp(line, t->prev + y * t->line, t->line) == 0) {
			if (reset)
				memcpy(t->prev + y * t->line, line, t->line);
			continue;
		}
		snap_tiles_line(t, y, line);
		memcpy(t->prev + y * t->line, line, t->line);
	}
	free(line);
	return (reset);
}

/* Tile rectangle to pixels, clipped to the frame. */
static void
snap_tiles_px(const struct snap_tiles *t, uint32_t x0, uint32_t y0,
    uint32_t x1, uint32_t y1, struct snap_rect *r)
{
	r->x = x0 * SNAP_TILE;
	r->y = y0 * SNAP_TILE;
	r->w = (x1 * SNAP_TILE > t->g.width ? t->g.width : x1 * SNAP_TILE) -
	    r->x;
	r->h = (y1 * SNAP_TILE > t->g.height ? t->g.height : y1 * SNAP_TILE) -
	    r->y;
}

/*
 * The dirty tiles as rectangles in pixels: runs of adjacent tiles in a
 * tile row, and a run grows downwards while the row below has exactly the
 * same run. More than SNAP_TILE_RECTS_MAX of them (or more than max) go as
 * their bounding box. Returns how many, 0 for an unchanged frame.
 */
int
snap_tiles_rects(const struct snap_tiles *t, struct snap_rect *r, int max)
{
	struct { uint32_t x0, x1, y0, y1; } run[SNAP_TILE_RECTS_MAX + 1];
	uint32_t	 tx, ty, x0, bx0 = UINT32_MAX, by0 = UINT32_MAX;
	uint32_t	 bx1 = 0, by1 = 0;
	const uint8_t	*d;
	int		 n = 0, i, over = 0;

	if (max > SNAP_TILE_RECTS_MAX)
		max = SNAP_TILE_RECTS_MAX;
	for (ty = 0; ty < t->th; ty++) {
		d = t->dirty + (size_t)ty * t->tw;
		for (tx = 0; tx < t->tw; tx++) {
			if (!d[tx])
				continue;
			for (x0 = tx; tx < t->tw && d[tx]; tx++)
				;
			bx0 = x0 < bx0 ? x0 : bx0;
			bx1 = tx > bx1 ? tx : bx1;
			by0 = ty < by0 ? ty : by0;
			by1 = ty + 1;
			for (i = 0; i < n; i++) {
				if (run[i].x0 == x0 && run[i].x1 == tx &&
				    run[i].y1 == ty)
					break;
			}
			if (i < n) {
				run[i].y1 = ty + 1;
				continue;
			}
			if (n == max) {
				over = 1;
				continue;
			}
			run[n].x0 = x0;
			run[n].x1 = tx;
			run[n].y0 = ty;
			run[n++].y1 = ty + 1;
		}
	}
	if (n == 0)
		return (0);
	if (over) {
		snap_tiles_px(t, bx0, by0, bx1, by1, &r[0]);
		return (1);
	}
	for (i = 0; i < n; i++)
		snap_tiles_px(t, run[i].x0, run[i].y0, run[i].x1, run[i].y1,
		    &r[i]);
	return (n);
}

static void
snap_put16(uint8_t *p, uint32_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void
snap_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
snap_tiles_append(struct snap_buf *b, const void *p, size_t len)
{
	if (len > b->size - b->len) {
		while (len > b->size - b->len)
			b->size *= 2;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/*
 * One message: the header, then each rectangle of the kept frame as a
 * PNG after its position. reset says the viewer must start again from
 * this message's rectangle, the whole frame.
 */
int
snap_tiles_message(struct snap_tiles *t, int reset, struct snap_buf *b,
    char **cause)
{
	struct snap_rect	 r[SNAP_TILE_RECTS_MAX];
	struct snap_image	 img;
	uint8_t			 head[SNAP_TILE_HEAD], rh[SNAP_TILE_RECT];
	uint8_t			*png;
	size_t			 len;
	int			 n, i;

	if (reset) {
		r[0].x = r[0].y = 0;
		r[0].w = t->g.width;
		r[0].h = t->g.height;
		n = 1;
	} else
		n = snap_tiles_rects(t, r, SNAP_TILE_RECTS_MAX);
	b->len = 0;
	memcpy(head, SNAP_TILE_MAGIC, 4);
	snap_put16(head + 4, t->g.width);
	snap_put16(head + 6, t->g.height);
	snap_put16(head + 8, n);
	head[10] = reset ? SNAP_TILE_RESET : 0;
	head[11] = 0;
	snap_put32(head + 12, 0);
	snap_tiles_append(b, head, sizeof head);
	for (i = 0; i < n; i++) {
		snap_convert(&t->g, t->prev, t->line, &r[i], &img);
		if (snap_encode_png(&img, &snap_png_default, &png, &len,
		    cause) != 0) {
			snap_image_free(&img);
			return (-1);
		}
		snap_image_free(&img);
		snap_put16(rh, r[i].x);
		snap_put16(rh + 2, r[i].y);
		snap_put16(rh + 4, r[i].w);
		snap_put16(rh + 6, r[i].h);
		snap_put32(rh + 8, len);
		snap_tiles_append(b, rh, sizeof rh);
		snap_tiles_append(b, png, len);
		free(png);
	}
	snap_put32(b->p + 12, b->len - SNAP_TILE_HEAD);
	return (0);
}
