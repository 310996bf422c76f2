/* SPDX-License-Identifier: ISC */

/*
 * Framebuffer capture: the layout of a framebuffer (or of a raw file
 * described like one), its memory mapped, and the visible area converted
 * to 8-bit RGB and hashed. Nothing here knows about channels, so the tests
 * and fuzzers use it as it is.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <linux/fb.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

/* One channel of a pixel: where it is and how it scales to 8 bits. */
struct snap_chan {
	uint32_t	 shift;
	uint32_t	 mask;
	uint32_t	 down;		/* length > 8: drop the low bits */
	uint8_t		 lut[256];	/* length <= 8: value to 0-255 */
};

static int
snap_field_check(const char *name, const struct snap_field *f, uint32_t bpp,
    char **cause)
{
	if (f->length > 16 || f->offset > 31 || f->offset + f->length > bpp) {
		xasprintf(cause, "%s bitfield (offset %u, length %u) does not "
		    "fit %u bpp", name, f->offset, f->length, bpp);
		return (-1);
	}
	return (0);
}

/* Everything snap_capture() relies on. */
int
snap_geom_check(const struct snap_geom *g, char **cause)
{
	uint64_t	 bytes, end;

	if (g->bpp != 8 && g->bpp != 16 && g->bpp != 24 && g->bpp != 32) {
		xasprintf(cause, "%u bpp is not supported (8, 16, 24 or 32)",
		    g->bpp);
		return (-1);
	}
	if (g->width == 0 || g->height == 0 || g->width > SNAP_MAX_SIDE ||
	    g->height > SNAP_MAX_SIDE) {
		xasprintf(cause, "size %ux%u is out of range (1-%u)", g->width,
		    g->height, SNAP_MAX_SIDE);
		return (-1);
	}
	bytes = (uint64_t)g->bpp / 8;
	if ((uint64_t)g->xoffset + g->width > (uint64_t)g->stride / bytes) {
		xasprintf(cause, "line of %u bytes is shorter than xoffset %u "
		    "plus width %u at %u bpp", g->stride, g->xoffset, g->width,
		    g->bpp);
		return (-1);
	}
	end = ((uint64_t)g->yoffset + g->height - 1) * g->stride +
	    ((uint64_t)g->xoffset + g->width) * bytes;
	if (end > g->size) {
		xasprintf(cause, "visible area ends at byte %llu, past the "
		    "%llu bytes of memory", (unsigned long long)end,
		    (unsigned long long)g->size);
		return (-1);
	}
	if (g->pseudo)
		return (0);
	if (snap_field_check("red", &g->red, g->bpp, cause) != 0 ||
	    snap_field_check("green", &g->green, g->bpp, cause) != 0 ||
	    snap_field_check("blue", &g->blue, g->bpp, cause) != 0 ||
	    snap_field_check("transp", &g->transp, g->bpp, cause) != 0)
		return (-1);
	return (0);
}

static inline uint64_t
snap_mix(uint64_t h, uint64_t w)
{
	h = (h << 31 | h >> 33) ^ w;
	return (h * 0x9e3779b97f4a7c15ULL);
}

static uint64_t
snap_hash_run(uint64_t h, const uint8_t *p, size_t len)
{
	uint64_t	 w;
	size_t		 i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = snap_mix(h, w);
	}
	for (; i < len; i++)
		h = snap_mix(h, p[i]);
	return (snap_mix(h, len));
}

/* A hash of bytes, as of a formatted text console. */
uint64_t
snap_hash_bytes(const void *p, size_t len)
{
	return (snap_hash_run(0x74657468657221ULL, p, len));
}

/* The layout's part of snap_hash(): what the same bytes mean. */
static uint64_t
snap_hash_start(const struct snap_geom *g)
{
	uint64_t	 h = 0x74657468657221ULL;

	h = snap_mix(h, (uint64_t)g->width << 32 | g->height);
	h = snap_mix(h, (uint64_t)g->bpp << 32 | (uint32_t)g->pseudo);
	h = snap_mix(h, (uint64_t)g->red.offset << 48 |
	    (uint64_t)g->green.offset << 32 | g->blue.offset << 16 |
	    g->red.length << 8 | g->green.length);
	if (g->pseudo)
		h = snap_hash_run(h, (const uint8_t *)g->cmap, sizeof g->cmap);
	return (h);
}

/*
 * A hash of what the frame shows, for "unchanged" answers: the layout and
 * the visible lines, which start at first and are stride bytes apart. Not
 * for adversaries, only to skip repeats cheaply.
 */
uint64_t
snap_hash(const struct snap_geom *g, const uint8_t *first, size_t stride)
{
	uint64_t	 h = snap_hash_start(g);
	size_t		 row = (size_t)g->width * (g->bpp / 8), y;

	for (y = 0; y < g->height; y++)
		h = snap_hash_run(h, first + y * stride, row);
	return (h);
}

/* Where the visible area starts in the memory. */
const uint8_t *
snap_visible(const struct snap_geom *g, const uint8_t *mem)
{
	return (mem + (size_t)g->yoffset * g->stride +
	    (size_t)g->xoffset * (g->bpp / 8));
}

static void
snap_chan_init(struct snap_chan *c, const struct snap_field *f)
{
	uint32_t	 i;

	memset(c, 0, sizeof *c);
	if (f->length == 0)
		return;
	c->shift = f->offset;
	c->mask = (1U << f->length) - 1;
	if (f->length > 8) {
		c->down = f->length - 8;
		return;
	}
	for (i = 0; i <= c->mask; i++)
		c->lut[i] = (i * 255 + c->mask / 2) / c->mask;
}

static inline uint8_t
snap_chan_get(const struct snap_chan *c, uint32_t v)
{
	v = (v >> c->shift) & c->mask;
	if (c->down != 0)
		return (v >> c->down);
	return (c->lut[v]);
}

static inline uint32_t
snap_pixel(const uint8_t *p, uint32_t bytes)
{
	uint32_t	 v = 0;
	uint16_t	 h;

	switch (bytes) {
	case 1:
		return (p[0]);
	case 2:
		memcpy(&h, p, 2);
		return (h);
	case 3:
		return (p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16);
	default:
		memcpy(&v, p, 4);
		return (v);
	}
}

/* How one layout turns into 8-bit RGB, worked out once a frame. */
struct snap_conv {
	const struct snap_geom	*g;
	int			 bytes;		/* 32 bpp, whole bytes */
	uint32_t		 at[3];		/* and where they are */
	struct snap_chan	 chan[3];
};

static void
snap_conv_init(struct snap_conv *cv, const struct snap_geom *g)
{
	const struct snap_field	*f[3] = { &g->red, &g->green, &g->blue };
	int			 k;

	cv->g = g;
	cv->bytes = g->bpp == 32 && !g->pseudo;
	/* A palette frame's fields are not checked, nor used. */
	if (g->pseudo)
		return;
	for (k = 0; k < 3; k++) {
		snap_chan_init(&cv->chan[k], f[k]);
		if (f[k]->length != 8 || f[k]->offset % 8 != 0)
			cv->bytes = 0;
		/* Little-endian: bit offset 16 is byte 2. */
		cv->at[k] = f[k]->offset / 8;
	}
}

/* One line of n pixels. */
static void
snap_conv_row(const struct snap_conv *cv, const uint8_t *restrict src,
    uint8_t *restrict dst, size_t n)
{
	const struct snap_geom	*g = cv->g;
	uint32_t		 bytes = g->bpp / 8, v;
	size_t			 i;

	if (cv->bytes) {
		for (i = 0; i < n; i++, src += 4, dst += 3) {
			dst[0] = src[cv->at[0]];
			dst[1] = src[cv->at[1]];
			dst[2] = src[cv->at[2]];
		}
	} else if (g->pseudo) {
		for (i = 0; i < n; i++, dst += 3)
			memcpy(dst, g->cmap[src[i]], 3);
	} else {
		for (i = 0; i < n; i++, src += bytes, dst += 3) {
			v = snap_pixel(src, bytes);
			dst[0] = snap_chan_get(&cv->chan[0], v);
			dst[1] = snap_chan_get(&cv->chan[1], v);
			dst[2] = snap_chan_get(&cv->chan[2], v);
		}
	}
}

/*
 * The visible area into img (allocated here) as 8-bit RGB. Video memory
 * is slow to read and may change under us: each line is read once, in
 * order, into a buffer in cache, and converted from there; a whole-frame
 * copy would cost a fresh page fault every 4 KiB. If hash is not NULL it
 * gets snap_hash() of exactly the bytes that were converted.
 */
void
snap_capture(const struct snap_geom *g, const uint8_t *mem,
    struct snap_image *img, uint64_t *hash)
{
	struct snap_conv	 cv;
	size_t			 row = (size_t)g->width * (g->bpp / 8), y;
	const uint8_t		*src = snap_visible(g, mem);
	uint8_t			*line, *dst;
	uint64_t		 h = snap_hash_start(g);

	snap_conv_init(&cv, g);
	img->width = g->width;
	img->height = g->height;
	img->rgb = dst = xmalloc((size_t)g->width * g->height * 3);
	line = xmalloc(row);
	for (y = 0; y < g->height; y++, dst += (size_t)g->width * 3) {
		memcpy(line, src + y * g->stride, row);
		if (hash != NULL)
			h = snap_hash_run(h, line, row);
		snap_conv_row(&cv, line, dst, g->width);
	}
	free(line);
	if (hash != NULL)
		*hash = h;
}


/*
 * Rectangle r of a frame already read into memory (its visible area at
 * first, lines stride bytes apart) as RGB, into img (allocated here).
 */
void
snap_convert(const struct snap_geom *g, const uint8_t *first, size_t stride,
    const struct snap_rect *r, struct snap_image *img)
{
	struct snap_conv	 cv;
	size_t			 bytes = g->bpp / 8, y;

	snap_conv_init(&cv, g);
	img->width = r->w;
	img->height = r->h;
	img->rgb = xmalloc((size_t)r->w * r->h * 3);
	for (y = 0; y < r->h; y++)
		snap_conv_row(&cv, first + (r->y + y) * stride + r->x * bytes,
		    img->rgb + y * r->w * 3, r->w);
}


/* Map the first size bytes of fd once g is known to fit in them. */
static int
snap_map(int fd, const char *path, struct snap_geom *g, const uint8_t **memp,
    char **cause)
{
	void	*mem;
	char	*why;

	if (snap_geom_check(g, &why) != 0) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
		return (-1);
	}
	/* Populated at once: one fault per page costs more than the copy. */
	mem = mmap(NULL, g->size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (mem == MAP_FAILED) {
		xasprintf(cause, "%s: mmap: %s", path, strerror(errno));
		return (-1);
	}
	*memp = mem;
	return (0);
}

void
snap_unmap(const struct snap_geom *g, const uint8_t *mem)
{
	munmap((void *)mem, g->size);
}

static void
snap_fb_field(struct snap_field *f, const struct fb_bitfield *b)
{
	f->offset = b->offset;
	f->length = b->length;
}

static int
snap_fb_cmap(int fd, const char *path, struct snap_geom *g, char **cause)
{
	struct fb_cmap	 cm;
	uint16_t	 r[256] = { 0 }, gr[256] = { 0 }, b[256] = { 0 };
	int		 i;

	memset(&cm, 0, sizeof cm);
	cm.len = 256;
	cm.red = r;
	cm.green = gr;
	cm.blue = b;
	if (ioctl(fd, FBIOGETCMAP, &cm) != 0) {
		xasprintf(cause, "%s: FBIOGETCMAP: %s", path, strerror(errno));
		return (-1);
	}
	for (i = 0; i < 256; i++) {
		g->cmap[i][0] = r[i] >> 8;
		g->cmap[i][1] = gr[i] >> 8;
		g->cmap[i][2] = b[i] >> 8;
	}
	g->pseudo = 1;
	return (0);
}

static int
snap_fb_geom(int fd, const char *path, struct snap_geom *g, char **cause)
{
	struct fb_var_screeninfo	 var;
	struct fb_fix_screeninfo	 fix;

	if (ioctl(fd, FBIOGET_VSCREENINFO, &var) != 0) {
		xasprintf(cause, "%s: FBIOGET_VSCREENINFO: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (ioctl(fd, FBIOGET_FSCREENINFO, &fix) != 0) {
		xasprintf(cause, "%s: FBIOGET_FSCREENINFO: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (fix.type != FB_TYPE_PACKED_PIXELS) {
		xasprintf(cause, "%s: pixel type %u is not packed pixels",
		    path, fix.type);
		return (-1);
	}
	memset(g, 0, sizeof *g);
	g->width = var.xres;
	g->height = var.yres;
	g->bpp = var.bits_per_pixel;
	g->stride = fix.line_length;
	g->xoffset = var.xoffset;
	g->yoffset = var.yoffset;
	g->size = fix.smem_len;
	snap_fb_field(&g->red, &var.red);
	snap_fb_field(&g->green, &var.green);
	snap_fb_field(&g->blue, &var.blue);
	snap_fb_field(&g->transp, &var.transp);
	if (fix.visual == FB_VISUAL_PSEUDOCOLOR ||
	    fix.visual == FB_VISUAL_STATIC_PSEUDOCOLOR)
		return (snap_fb_cmap(fd, path, g, cause));
	return (0);
}

/* A real framebuffer: its layout and its memory, mapped. */
int
snap_fb_map(const char *path, struct snap_geom *g, const uint8_t **memp,
    char **cause)
{
	int	 fd, rc;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	rc = snap_fb_geom(fd, path, g, cause);
	if (rc == 0)
		rc = snap_map(fd, path, g, memp, cause);
	close(fd);
	return (rc);
}

static void
snap_fake_field(struct snap_field *f, const struct conf_bitfield *b)
{
	f->offset = b->offset;
	f->length = b->length;
}

/*
 * A raw file with the layout from tetherd.yaml. With 8 bpp and no
 * bitfields it is pseudocolour through a grey ramp, as a file has no
 * colour map.
 */
int
snap_fake_map(const struct conf_fake_fb *f, struct snap_geom *g,
    const uint8_t **memp, char **cause)
{
	struct stat	 st;
	int		 fd, rc, i;

	memset(g, 0, sizeof *g);
	g->width = f->width;
	g->height = f->height;
	g->bpp = f->bpp;
	g->stride = f->stride != 0 ? (uint32_t)f->stride : g->width * g->bpp / 8;
	g->xoffset = f->xoffset;
	g->yoffset = f->yoffset;
	snap_fake_field(&g->red, &f->red);
	snap_fake_field(&g->green, &f->green);
	snap_fake_field(&g->blue, &f->blue);
	snap_fake_field(&g->transp, &f->transp);
	if (g->bpp == 8 && g->red.length == 0 && g->green.length == 0 &&
	    g->blue.length == 0) {
		g->pseudo = 1;
		for (i = 0; i < 256; i++)
			memset(g->cmap[i], i, 3);
	}
	if ((fd = open(f->path, O_RDONLY|O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", f->path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0) {
		xasprintf(cause, "%s: fstat: %s", f->path, strerror(errno));
		close(fd);
		return (-1);
	}
	g->size = st.st_size;
	rc = snap_map(fd, f->path, g, memp, cause);
	close(fd);
	return (rc);
}

/* A fake framebuffer's layout and what it shows, as RGB. */
int
snap_fake_open(const struct conf_fake_fb *f, struct snap_geom *g,
    struct snap_image *img, char **cause)
{
	const uint8_t	*mem;

	if (snap_fake_map(f, g, &mem, cause) != 0)
		return (-1);
	snap_capture(g, mem, img, NULL);
	snap_unmap(g, mem);
	return (0);
}

void
snap_image_free(struct snap_image *img)
{
	free(img->rgb);
	img->rgb = NULL;
}
