/* SPDX-License-Identifier: ISC */

/*
 * Screen snapshots: a framebuffer (or a raw file described like one) turned
 * into RGB and PNG or PPM, and a text console from vcsa/vcsu turned into
 * UTF-8 text, with SGR colours or without. Nothing here knows about
 * channels, so the tests and fuzzers use it as it is.
 */

#include <sys/mman.h>
#include <sys/stat.h>

#include <linux/fb.h>

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tetherd.h"

/* Chosen by bench/snapbench.c; see bench/results.md. */
const struct snap_png snap_png_default = { 1, PNG_FILTER_SUB, Z_RLE,
    PNG_FILTER_NONE, Z_DEFAULT_STRATEGY, 0 };

/* Stripes of an RGB frame deflated side by side; see snap_png_stripes. */
#define SNAP_STRIPES_MAX	4
#define SNAP_STRIPE_ROWS	64	/* fewer rows a stripe: not worth it */

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

/* PNG into memory. */
struct snap_buf {
	uint8_t		*p;
	size_t		 len;
	size_t		 size;
};

static void
snap_png_write(png_structp png, png_bytep data, size_t len)
{
	struct snap_buf	*b = png_get_io_ptr(png);

	if (len > b->size - b->len) {
		while (len > b->size - b->len)
			b->size *= 2;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
snap_png_flush(png_structp png)
{
	(void)png;
}

static void
snap_png_error(png_structp png, png_const_charp msg)
{
	char	**cause = png_get_error_ptr(png);

	*cause = xstrdup(msg);
	png_longjmp(png, 1);
}

static void
snap_png_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	debug("png: %s", msg);
}

/*
 * A screen of at most 256 colours (a text console, a splash) as palette
 * indices, one byte each; -1 as soon as a 257th colour shows. An open
 * hash of the colours, and the last colour again, keep it cheap.
 */
static int
snap_palette(const struct snap_image *img, uint8_t pal[256][3], uint8_t *idx)
{
	uint32_t	 slot[1024], c, last = UINT32_MAX, h;
	uint8_t		 sidx[1024], li = 0;
	const uint8_t	*p = img->rgb;
	size_t		 i, n = (size_t)img->width * img->height;
	int		 npal = 0;

	memset(slot, 0xff, sizeof slot);
	for (i = 0; i < n; i++, p += 3) {
		c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		if (c != last) {
			h = (c * 2654435761U) >> 22;
			while (slot[h] != UINT32_MAX && slot[h] != c)
				h = (h + 1) & 1023;
			if (slot[h] == UINT32_MAX) {
				if (npal == 256)
					return (-1);
				slot[h] = c;
				sidx[h] = npal;
				memcpy(pal[npal++], p, 3);
			}
			last = c;
			li = sidx[h];
		}
		idx[i] = li;
	}
	return (npal);
}

static int
snap_png_depth(int npal)
{
	if (npal <= 2)
		return (1);
	if (npal <= 4)
		return (2);
	return (npal <= 16 ? 4 : 8);
}

/* The header: RGB, or palette indices packed by libpng to the depth. */
static void
snap_png_header(png_structp png, png_infop info, const struct snap_image *img,
    uint8_t pal[256][3], int npal)
{
	png_color	 plte[256];
	int		 i;

	if (npal < 0) {
		png_set_IHDR(png, info, img->width, img->height, 8,
		    PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
		return;
	}
	png_set_IHDR(png, info, img->width, img->height, snap_png_depth(npal),
	    PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	for (i = 0; i < npal; i++) {
		plte[i].red = pal[i][0];
		plte[i].green = pal[i][1];
		plte[i].blue = pal[i][2];
	}
	png_set_PLTE(png, info, plte, npal);
}

/*
 * Deflate what is in z->next_in into b, growing it as needed. With
 * Z_SYNC_FLUSH or Z_FINISH, the output is complete when this returns.
 */
static int
snap_deflate(z_stream *z, struct snap_buf *b, int flush)
{
	int	 rc;

	do {
		if (b->len == b->size) {
			b->size *= 2;
			b->p = xreallocarray(b->p, b->size, 1);
		}
		z->next_out = b->p + b->len;
		z->avail_out = b->size - b->len;
		rc = deflate(z, flush);
		b->len = b->size - z->avail_out;
		if (rc == Z_STREAM_ERROR || rc == Z_MEM_ERROR)
			return (-1);
	} while (z->avail_out == 0);
	return (z->avail_in == 0 ? 0 : -1);
}

/* One row with its PNG filter byte in front: NONE, SUB or UP. */
static void
snap_filter_row(int filter, const uint8_t *restrict row,
    const uint8_t *restrict prev, size_t n, uint8_t *restrict out)
{
	size_t	 i;

	if (filter == PNG_FILTER_SUB) {
		out[0] = 1;
		memcpy(out + 1, row, n < 3 ? n : 3);
		for (i = 3; i < n; i++)
			out[1 + i] = row[i] - row[i - 3];
	} else if (filter == PNG_FILTER_UP && prev != NULL) {
		out[0] = 2;
		for (i = 0; i < n; i++)
			out[1 + i] = row[i] - prev[i];
	} else {
		/* UP over the first row is the row itself: no filter. */
		out[0] = filter == PNG_FILTER_UP ? 2 : 0;
		memcpy(out + 1, row, n);
	}
}

struct snap_stripe {
	const struct snap_image	*img;
	const struct snap_png	*opt;
	uint32_t		 y0;
	uint32_t		 y1;		/* the last one ends the image */
	struct snap_buf		 out;
	uLong			 adler;
	int			 rc;
};

/* One stripe: its filtered rows as raw deflate, byte-aligned at the end. */
static void *
snap_stripe_run(void *arg)
{
	struct snap_stripe	*s = arg;
	const struct snap_image	*img = s->img;
	size_t			 line = (size_t)img->width * 3;
	const uint8_t		*row;
	uint8_t			*f;
	z_stream		 z;
	uint32_t		 y;

	s->rc = -1;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, s->opt->level, Z_DEFLATED, -15, 8,
	    s->opt->strategy) != Z_OK)
		return (NULL);
	f = xmalloc(line + 1);
	s->out.size = line * (s->y1 - s->y0) / 4 + 4096;
	s->out.len = 0;
	s->out.p = xmalloc(s->out.size);
	s->adler = adler32(0L, Z_NULL, 0);
	for (y = s->y0; y < s->y1; y++) {
		row = img->rgb + (size_t)y * line;
		snap_filter_row(s->opt->filter, row, y > 0 ? row - line : NULL,
		    line, f);
		s->adler = adler32(s->adler, f, line + 1);
		z.next_in = f;
		z.avail_in = line + 1;
		if (snap_deflate(&z, &s->out, y + 1 < s->y1 ? Z_NO_FLUSH :
		    s->y1 == img->height ? Z_FINISH : Z_SYNC_FLUSH) != 0)
			break;
	}
	if (y == s->y1)
		s->rc = 0;
	deflateEnd(&z);
	free(f);
	return (NULL);
}

/* How many stripes: the CPUs this process may run on, within bounds. */
static int
snap_stripe_count(const struct snap_image *img, const struct snap_png *opt)
{
	cpu_set_t	 set;
	int		 n = opt->threads;

	if (n <= 0) {
		n = 1;
		if (sched_getaffinity(0, sizeof set, &set) == 0)
			n = CPU_COUNT(&set);
		if ((uint32_t)n > img->height / SNAP_STRIPE_ROWS)
			n = img->height / SNAP_STRIPE_ROWS;
	}
	if (n > SNAP_STRIPES_MAX)
		n = SNAP_STRIPES_MAX;
	if ((uint32_t)n > img->height)
		n = img->height;
	return (n < 1 ? 1 : n);
}

/*
 * What libpng writes: rows that it filters and deflates itself (RGB, or
 * palette indices when npal >= 0), or stripes deflated already.
 */
struct snap_job {
	const struct snap_image	*img;
	const struct snap_png	*opt;
	png_bytep		*rows;
	uint8_t			(*pal)[3];
	int			 npal;
	const struct snap_stripe *s;
	int			 n;
};

/*
 * The chunks around a zlib stream libpng did not make: an IDAT a stripe,
 * the first with the zlib header (deflate, 32K window, the level, its
 * check bits), the last with the Adler-32 of all the rows, combined from
 * the stripes'. png_error() goes back to snap_png_run().
 */
static void
snap_png_idat(png_structp png, png_infop info, const struct snap_job *j)
{
	const struct snap_stripe	*s = j->s;
	uLong				 adler = adler32(0L, Z_NULL, 0);
	uint8_t				 head[2], tail[4];
	size_t				 len;
	int				 i, n = j->n, lv = j->opt->level;

	head[0] = 0x78;
	head[1] = (lv < 2 ? 0 : lv < 6 ? 1 : lv == 6 ? 2 : 3) << 6;
	head[1] += 31 - (head[0] * 256 + head[1]) % 31;
	/* What each stripe deflated: a filter byte and 3 bytes a pixel. */
	for (i = 0; i < n; i++)
		adler = adler32_combine(adler, s[i].adler,
		    ((size_t)j->img->width * 3 + 1) * (s[i].y1 - s[i].y0));
	for (i = 0; i < 4; i++)
		tail[i] = adler >> (24 - 8 * i);
	png_write_info(png, info);
	for (i = 0; i < n; i++) {
		len = s[i].out.len + (i == 0 ? 2 : 0) + (i == n - 1 ? 4 : 0);
		if (len > PNG_UINT_31_MAX)
			png_error(png, "IDAT too large");
		png_write_chunk_start(png, (png_const_bytep)"IDAT", len);
		if (i == 0)
			png_write_chunk_data(png, head, 2);
		png_write_chunk_data(png, s[i].out.p, s[i].out.len);
		if (i == n - 1)
			png_write_chunk_data(png, tail, 4);
		png_write_chunk_end(png);
	}
	png_write_chunk(png, (png_const_bytep)"IEND", NULL, 0);
}

/* libpng's own way: it filters and deflates the rows. */
static void
snap_png_rows(png_structp png, png_infop info, const struct snap_job *j)
{
	const struct snap_png	*opt = j->opt;
	int			 rgb = j->npal < 0;

	/* Fewer, larger IDAT chunks: less per-chunk work. */
	png_set_compression_buffer_size(png, 1 << 17);
	png_set_compression_level(png, opt->level);
	png_set_compression_strategy(png, rgb ? opt->strategy :
	    opt->palette_strategy);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, rgb ? opt->filter :
	    opt->palette);
	png_set_rows(png, info, j->rows);
	png_write_png(png, info, rgb || snap_png_depth(j->npal) == 8 ?
	    PNG_TRANSFORM_IDENTITY : PNG_TRANSFORM_PACKING, NULL);
}

/* One PNG into b, either way, with libpng's errors caught here. */
static int
snap_png_run(const struct snap_job *j, struct snap_buf *b, char **cause)
{
	png_structp	 png;
	png_infop	 info = NULL;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, cause,
	    snap_png_error, snap_png_warning);
	if (png == NULL || (info = png_create_info_struct(png)) == NULL) {
		png_destroy_write_struct(&png, NULL);
		*cause = xstrdup("png: out of memory");
		return (-1);
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		if (*cause == NULL)
			*cause = xstrdup("png: failed");
		return (-1);
	}
	png_set_write_fn(png, b, snap_png_write, snap_png_flush);
	snap_png_header(png, info, j->img, j->pal, j->npal);
	if (j->rows == NULL)
		snap_png_idat(png, info, j);
	else
		snap_png_rows(png, info, j);
	png_destroy_write_struct(&png, &info);
	return (0);
}

/*
 * An RGB frame is megabytes and deflate is most of its cost, so its rows
 * are cut into stripes that are filtered and deflated in parallel, as
 * pigz does; libpng still frames every chunk. Returns 1 where libpng
 * alone does it better: one CPU, a small image, an adaptive filter.
 */
static int
snap_png_stripes(const struct snap_image *img, const struct snap_png *opt,
    struct snap_buf *b, char **cause)
{
	struct snap_stripe	 s[SNAP_STRIPES_MAX];
	struct snap_job		 j = { .npal = -1 };
	pthread_t		 tid[SNAP_STRIPES_MAX];
	int			 started[SNAP_STRIPES_MAX];
	uint32_t		 per;
	size_t			 need = 1024;
	int			 n, i, rc = 0;

	if ((opt->filter != PNG_FILTER_NONE && opt->filter != PNG_FILTER_SUB &&
	    opt->filter != PNG_FILTER_UP) ||
	    (n = snap_stripe_count(img, opt)) < 2)
		return (1);
	per = (img->height + n - 1) / n;
	n = (img->height + per - 1) / per;
	for (i = 0; i < n; i++) {
		memset(&s[i], 0, sizeof s[i]);
		s[i].img = img;
		s[i].opt = opt;
		s[i].y0 = i * per;
		s[i].y1 = i == n - 1 ? img->height : (i + 1) * per;
	}
	/* A thread that cannot start is run here instead. */
	for (i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, snap_stripe_run,
		    &s[i]) == 0;
	snap_stripe_run(&s[0]);
	for (i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			snap_stripe_run(&s[i]);
	}
	for (i = 0; i < n; i++) {
		if (s[i].rc != 0)
			rc = -1;
		need += s[i].out.len + 12;
	}
	if (rc != 0)
		*cause = xstrdup("png: deflate failed");
	else {
		/* The whole file at once: no doubling, no copy. */
		if (b->size < need) {
			b->size = need;
			b->p = xreallocarray(b->p, b->size, 1);
		}
		j.img = img;
		j.opt = opt;
		j.s = s;
		j.n = n;
		rc = snap_png_run(&j, b, cause);
	}
	for (i = 0; i < n; i++)
		free(s[i].out.p);
	return (rc);
}

int
snap_encode_png(const struct snap_image *img, const struct snap_png *opt,
    uint8_t **out, size_t *lenp, char **cause)
{
	struct snap_buf	 b;
	struct snap_job	 j = { .img = img, .opt = opt };
	uint8_t		*idx = NULL, pal[256][3];
	size_t		 line = (size_t)img->width * 3;
	uint32_t	 y;
	int		 npal = -1, rc;

	*cause = NULL;
	if (opt->palette != 0) {
		idx = xmalloc((size_t)img->width * img->height);
		if ((npal = snap_palette(img, pal, idx)) >= 0)
			line = img->width;
	}
	b.size = (size_t)img->width * img->height / 4 + 4096;
	b.len = 0;
	b.p = xmalloc(b.size);
	if (npal >= 0 || (rc = snap_png_stripes(img, opt, &b, cause)) == 1) {
		j.rows = xcalloc(img->height, sizeof *j.rows);
		for (y = 0; y < img->height; y++)
			j.rows[y] = (npal < 0 ? img->rgb : idx) +
			    (size_t)y * line;
		j.pal = pal;
		j.npal = npal;
		rc = snap_png_run(&j, &b, cause);
		free(j.rows);
	}
	free(idx);
	if (rc != 0) {
		free(b.p);
		return (-1);
	}
	*out = b.p;
	*lenp = b.len;
	return (0);
}

char *
snap_encode_ppm(const struct snap_image *img, size_t *lenp)
{
	size_t	 n = (size_t)img->width * img->height * 3;
	char	*out, head[64];
	int	 hl;

	hl = snprintf(head, sizeof head, "P6\n%u %u\n255\n", img->width,
	    img->height);
	out = xmalloc(hl + n);
	memcpy(out, head, hl);
	memcpy(out + hl, img->rgb, n);
	*lenp = hl + n;
	return (out);
}

/* Without vcsu, only ASCII is known: the rest is a font's glyph index. */
static uint32_t
snap_vc_char(uint8_t c)
{
	if (c == 0)
		return (' ');
	if (c < 0x20 || c > 0x7e)
		return ('?');
	return (c);
}

/*
 * vcsa: rows, cols, cursor x and y, then a (character, attribute) byte
 * pair per cell; vcsu, if given: one 32-bit code point per cell.
 */
int
snap_vc_parse(const uint8_t *a, size_t alen, const uint8_t *u, size_t ulen,
    struct snap_text *t, char **cause)
{
	size_t		 cells, i;
	uint32_t	 cp;

	memset(t, 0, sizeof *t);
	if (alen < 4) {
		xasprintf(cause, "vcsa: cut short: %zu bytes, no header", alen);
		return (-1);
	}
	t->rows = a[0];
	t->cols = a[1];
	t->cx = a[2];
	t->cy = a[3];
	cells = (size_t)t->rows * t->cols;
	if (cells == 0) {
		xasprintf(cause, "vcsa: empty screen (%ux%u)", t->cols,
		    t->rows);
		return (-1);
	}
	if (alen != 4 + 2 * cells) {
		xasprintf(cause, "vcsa: %s: %zu bytes, a %ux%u screen needs "
		    "%zu", alen < 4 + 2 * cells ? "cut short" : "wrong size",
		    alen, t->cols, t->rows, 4 + 2 * cells);
		return (-1);
	}
	if (u != NULL && ulen != 4 * cells) {
		xasprintf(cause, "vcsu: %s: %zu bytes, a %ux%u screen needs "
		    "%zu", ulen < 4 * cells ? "cut short" : "wrong size", ulen,
		    t->cols, t->rows, 4 * cells);
		return (-1);
	}
	t->cells = xcalloc(cells, sizeof *t->cells);
	for (i = 0; i < cells; i++) {
		t->cells[i].attr = a[4 + 2 * i + 1];
		if (u == NULL) {
			t->cells[i].ch = snap_vc_char(a[4 + 2 * i]);
			continue;
		}
		memcpy(&cp, u + 4 * i, 4);
		t->cells[i].ch = cp;
	}
	return (0);
}

/*
 * Read a whole device or file of at most max bytes. Reads ask for a
 * multiple of 4 bytes: /dev/vcsuN refuses any other count (EINVAL).
 */
static int
snap_slurp(const char *path, size_t max, uint8_t **out, size_t *lenp,
    char **cause)
{
	uint8_t	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY|O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	buf = xmalloc(max + 4);
	while (len <= max) {
		n = read(fd, buf + len, (max + 4 - len) & ~(size_t)3);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "%s: read: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return (-1);
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	if (len > max) {
		xasprintf(cause, "%s: larger than %zu bytes", path, max);
		free(buf);
		return (-1);
	}
	*out = buf;
	*lenp = len;
	return (0);
}

/* A console from its vcsa and (if not NULL) vcsu device or fake file. */
int
snap_vc_read(const char *vcsa, const char *vcsu, struct snap_text *t,
    char **cause)
{
	uint8_t	*a, *u = NULL;
	size_t	 alen, ulen = 0;
	char	*why;
	int	 rc;

	if (snap_slurp(vcsa, SNAP_VCSA_MAX, &a, &alen, cause) != 0)
		return (-1);
	if (vcsu != NULL && snap_slurp(vcsu, 2 * SNAP_VCSA_MAX, &u, &ulen,
	    cause) != 0) {
		free(a);
		return (-1);
	}
	rc = snap_vc_parse(a, alen, u, ulen, t, &why);
	if (rc != 0) {
		xasprintf(cause, "%s: %s", vcsa, why);
		free(why);
	}
	free(a);
	free(u);
	return (rc);
}

void
snap_text_free(struct snap_text *t)
{
	free(t->cells);
	t->cells = NULL;
}

/* A text buffer that grows. */
static void
snap_put(struct snap_buf *b, const void *p, size_t len)
{
	if (len > b->size - b->len) {
		while (len > b->size - b->len)
			b->size *= 2;
		b->p = xreallocarray(b->p, b->size, 1);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* Controls, surrogates and non-characters show as '?'. */
static void
snap_put_utf8(struct snap_buf *b, uint32_t cp)
{
	uint8_t	 s[4];

	if (cp == 0)
		cp = ' ';
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	    (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff)
		cp = '?';
	if (cp < 0x80) {
		s[0] = cp;
		snap_put(b, s, 1);
	} else if (cp < 0x800) {
		s[0] = 0xc0 | cp >> 6;
		s[1] = 0x80 | (cp & 0x3f);
		snap_put(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = 0xe0 | cp >> 12;
		s[1] = 0x80 | (cp >> 6 & 0x3f);
		s[2] = 0x80 | (cp & 0x3f);
		snap_put(b, s, 3);
	} else {
		s[0] = 0xf0 | cp >> 18;
		s[1] = 0x80 | (cp >> 12 & 0x3f);
		s[2] = 0x80 | (cp >> 6 & 0x3f);
		s[3] = 0x80 | (cp & 0x3f);
		snap_put(b, s, 4);
	}
}

/* VGA colour order (blue first) to the ANSI one (red first). */
static const int snap_ansi[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

static void
snap_put_sgr(struct snap_buf *b, uint8_t attr, int cursor)
{
	char	 s[32];
	int	 fg = snap_ansi[attr & 7], bg = snap_ansi[attr >> 4 & 7], n;

	/* Bold (bit 3) and blink (bit 7) show as the bright colours. */
	n = snprintf(s, sizeof s, "\033[0;%d;%d%sm",
	    (attr & 0x08 ? 90 : 30) + fg, (attr & 0x80 ? 100 : 40) + bg,
	    cursor ? ";7" : "");
	snap_put(b, s, n);
}

/* A cell that trailing trimming may drop. */
static int
snap_blank(const struct snap_text *t, uint32_t y, uint32_t x, int ansi)
{
	const struct snap_cell	*c = &t->cells[(size_t)y * t->cols + x];

	if (c->ch != ' ' && c->ch != 0)
		return (0);
	if (!ansi)
		return (1);
	return ((c->attr & 0xf0) == 0 && (x != t->cx || y != t->cy));
}

static void
snap_put_line(struct snap_buf *b, const struct snap_text *t, uint32_t y,
    int ansi)
{
	const struct snap_cell	*c;
	uint32_t		 x, end = t->cols;
	int			 last = -1, now;

	while (end > 0 && snap_blank(t, y, end - 1, ansi))
		end--;
	for (x = 0; x < end; x++) {
		c = &t->cells[(size_t)y * t->cols + x];
		now = c->attr | (x == t->cx && y == t->cy ? 0x100 : 0);
		if (ansi && now != last)
			snap_put_sgr(b, c->attr, now & 0x100);
		last = now;
		snap_put_utf8(b, c->ch);
	}
	if (ansi && last != -1)
		snap_put(b, "\033[0m", 4);
	snap_put(b, "\n", 1);
}

/* The screen as UTF-8 lines, with SGR colours if ansi; NUL-terminated. */
char *
snap_text_format(const struct snap_text *t, int ansi, size_t *lenp)
{
	struct snap_buf	 b;
	uint32_t	 y;

	b.size = (size_t)t->rows * (t->cols + 1) + 64;
	b.len = 0;
	b.p = xmalloc(b.size);
	for (y = 0; y < t->rows; y++)
		snap_put_line(&b, t, y, ansi);
	snap_put(&b, "", 1);
	*lenp = b.len - 1;
	return ((char *)b.p);
}
