/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/snap*.c: pixel conversion for each depth and
 * bitfield layout against hand-computed pixels, line padding and panning,
 * layout checks, the PNG round trip through libpng, and vcsa/vcsu parsing
 * of good, cut-short and wrong-sized screens.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <png.h>
#include <zlib.h>

#include "../../agentd/tetherd.h"

static void
geom(struct snap_geom *g, uint32_t w, uint32_t h, uint32_t bpp)
{
	memset(g, 0, sizeof *g);
	g->width = w;
	g->height = h;
	g->bpp = bpp;
	g->stride = w * bpp / 8;
	g->size = (uint64_t)g->stride * h;
}

static void
field(struct snap_field *f, uint32_t offset, uint32_t length)
{
	f->offset = offset;
	f->length = length;
}

/* Capture mem with g; compare with want (RGB triples). */
static void
assert_pixels(const struct snap_geom *g, const uint8_t *mem,
    const uint8_t *want)
{
	struct snap_image	 img;
	uint64_t		 h;
	char			*cause = NULL;

	if (snap_geom_check(g, &cause) != 0)
		fail_msg("geometry refused: %s", cause);
	snap_capture(g, mem, &img, &h);
	assert_int_equal(img.width, g->width);
	assert_int_equal(img.height, g->height);
	assert_memory_equal(img.rgb, want, (size_t)g->width * g->height * 3);
	/* The capture's hash is that of the memory it read. */
	assert_true(h == snap_hash(g, snap_visible(g, mem), g->stride));
	snap_image_free(&img);
}

static void
test_32_xrgb(void **state)
{
	struct snap_geom	 g;
	/* Little-endian 0x00112233 and 0xff80ff01. */
	const uint8_t		 mem[] = { 0x33, 0x22, 0x11, 0x00,
				     0x01, 0xff, 0x80, 0xff };
	const uint8_t		 want[] = { 0x11, 0x22, 0x33, 0x80, 0xff, 0x01 };

	(void)state;
	geom(&g, 2, 1, 32);
	field(&g.red, 16, 8);
	field(&g.green, 8, 8);
	field(&g.blue, 0, 8);
	field(&g.transp, 24, 8);
	assert_pixels(&g, mem, want);
}

static void
test_32_xbgr(void **state)
{
	struct snap_geom	 g;
	const uint8_t		 mem[] = { 0x11, 0x22, 0x33, 0x00 };
	const uint8_t		 want[] = { 0x11, 0x22, 0x33 };

	(void)state;
	geom(&g, 1, 1, 32);
	field(&g.red, 0, 8);
	field(&g.green, 8, 8);
	field(&g.blue, 16, 8);
	assert_pixels(&g, mem, want);
}

/* 2:10:10:10: ten bits a channel keep their top eight. */
static void
test_32_10bit(void **state)
{
	struct snap_geom	 g;
	uint32_t		 px[2];
	const uint8_t		 want[] = { 0xff, 0x80, 0x00, 0x01, 0x00, 0xfe };

	(void)state;
	px[0] = 0x3ffU << 20 | 0x200U << 10 | 0x003U;
	px[1] = 0x004U << 20 | 0x000U << 10 | 0x3fbU;
	geom(&g, 2, 1, 32);
	field(&g.red, 20, 10);
	field(&g.green, 10, 10);
	field(&g.blue, 0, 10);
	field(&g.transp, 30, 2);
	assert_pixels(&g, (const uint8_t *)px, want);
}

static void
test_24_rgb(void **state)
{
	struct snap_geom	 g;
	const uint8_t		 mem[] = { 0x33, 0x22, 0x11, 0xfe, 0x00, 0x7f };
	const uint8_t		 want[] = { 0x11, 0x22, 0x33, 0x7f, 0x00, 0xfe };

	(void)state;
	geom(&g, 2, 1, 24);
	field(&g.red, 16, 8);
	field(&g.green, 8, 8);
	field(&g.blue, 0, 8);
	assert_pixels(&g, mem, want);
}

/*
 * RGB565: 5 bits scale by 255/31 and 6 bits by 255/63, rounded:
 * r 1 -> (255 + 15) / 31 = 8, g 32 -> (8160 + 31) / 63 = 130,
 * b 16 -> (4080 + 15) / 31 = 132.
 */
static void
test_16_rgb565(void **state)
{
	struct snap_geom	 g;
	uint16_t		 px[5] = { 0xf800, 0x07e0, 0x001f, 0xffff,
				     1 << 11 | 32 << 5 | 16 };
	const uint8_t		 want[] = { 255, 0, 0, 0, 255, 0, 0, 0, 255,
				     255, 255, 255, 8, 130, 132 };

	(void)state;
	geom(&g, 5, 1, 16);
	field(&g.red, 11, 5);
	field(&g.green, 5, 6);
	field(&g.blue, 0, 5);
	assert_pixels(&g, (const uint8_t *)px, want);
}

/* ARGB1555: the transparency bit does not leak into a colour. */
static void
test_16_argb1555(void **state)
{
	struct snap_geom	 g;
	uint16_t		 px[3] = { 0x7fff, 0x8000, 0x8000 | 3 << 10 };
	const uint8_t		 want[] = { 255, 255, 255, 0, 0, 0, 25, 0, 0 };

	(void)state;
	geom(&g, 3, 1, 16);
	field(&g.red, 10, 5);
	field(&g.green, 5, 5);
	field(&g.blue, 0, 5);
	field(&g.transp, 15, 1);
	assert_pixels(&g, (const uint8_t *)px, want);
}

/* RGB332 true colour: r 1 of 7 -> (255 + 3) / 7 = 36, b 1 of 3 -> 85. */
static void
test_8_rgb332(void **state)
{
	struct snap_geom	 g;
	const uint8_t		 mem[] = { 0xe0, 0x1c, 0x03, 0x21 };
	const uint8_t		 want[] = { 255, 0, 0, 0, 255, 0, 0, 0, 255,
				     36, 0, 85 };

	(void)state;
	geom(&g, 4, 1, 8);
	field(&g.red, 5, 3);
	field(&g.green, 2, 3);
	field(&g.blue, 0, 2);
	assert_pixels(&g, mem, want);
}

static void
test_8_pseudo(void **state)
{
	struct snap_geom	 g;
	const uint8_t		 mem[] = { 5, 0, 255 };
	const uint8_t		 want[] = { 1, 2, 3, 0, 0, 0, 9, 8, 7 };

	(void)state;
	geom(&g, 3, 1, 8);
	g.pseudo = 1;
	memcpy(g.cmap[5], "\1\2\3", 3);
	memcpy(g.cmap[255], "\11\10\7", 3);
	assert_pixels(&g, mem, want);
}

/*
 * A 2x2 window at x 1, y 2 of 16 bpp lines 8 bytes long: padding and
 * the pixels around the window are 0xaa and must not show.
 */
static void
test_stride_pan(void **state)
{
	struct snap_geom	 g;
	uint8_t			 mem[8 * 5];
	uint16_t		 v[4] = { 0xf800, 0x07e0, 0x001f, 0x0000 };
	const uint8_t		 want[] = { 255, 0, 0, 0, 255, 0,
				     0, 0, 255, 0, 0, 0 };

	(void)state;
	memset(mem, 0xaa, sizeof mem);
	memcpy(mem + 2 * 8 + 2, &v[0], 2);
	memcpy(mem + 2 * 8 + 4, &v[1], 2);
	memcpy(mem + 3 * 8 + 2, &v[2], 2);
	memcpy(mem + 3 * 8 + 4, &v[3], 2);
	geom(&g, 2, 2, 16);
	g.stride = 8;
	g.xoffset = 1;
	g.yoffset = 2;
	g.size = sizeof mem;
	field(&g.red, 11, 5);
	field(&g.green, 5, 6);
	field(&g.blue, 0, 5);
	assert_pixels(&g, mem, want);
}

static void
assert_refused(const struct snap_geom *g, const char *want)
{
	char	*cause = NULL;

	assert_int_equal(snap_geom_check(g, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want);
	free(cause);
}

static void
test_geom_refused(void **state)
{
	struct snap_geom	 g;

	(void)state;
	geom(&g, 4, 4, 12);
	assert_refused(&g, "12 bpp is not supported");
	geom(&g, 0, 4, 32);
	assert_refused(&g, "out of range");
	geom(&g, 16385, 1, 8);
	assert_refused(&g, "out of range");
	geom(&g, 4, 4, 32);
	g.stride = 12;
	assert_refused(&g, "shorter than xoffset");
	geom(&g, 4, 4, 32);
	g.xoffset = 1;
	assert_refused(&g, "shorter than xoffset");
	geom(&g, 4, 4, 32);
	g.yoffset = 1;
	assert_refused(&g, "past the 64 bytes");
	geom(&g, 4, 4, 32);
	g.size = 63;
	assert_refused(&g, "ends at byte 64");
	geom(&g, 4, 4, 16);
	field(&g.red, 11, 6);
	assert_refused(&g, "red bitfield");
	geom(&g, 4, 4, 32);
	field(&g.transp, 24, 17);
	assert_refused(&g, "transp bitfield");
	/* Sizes whose product overflows 32 bits. */
	geom(&g, 16384, 16384, 32);
	g.yoffset = 0xffffffffU;
	assert_refused(&g, "past the");
}

static void
test_hash(void **state)
{
	struct snap_geom	 g;
	uint8_t			 a[16] = { 1, 2, 3 }, b[16] = { 1, 2, 3 };
	uint64_t		 h;

	(void)state;
	geom(&g, 2, 2, 32);
	h = snap_hash(&g, a, 8);
	assert_true(h == snap_hash(&g, b, 8));
	b[15] ^= 1;
	assert_true(h != snap_hash(&g, b, 8));
	g.width = 4;
	g.height = 1;
	assert_true(h != snap_hash(&g, a, 16));
}

/* The hash of the mapped memory (with its padding) is that of the copy. */
static void
test_hash_stride(void **state)
{
	struct snap_geom	 g;
	struct snap_image	 img;
	uint8_t			 mem[10 * 6];
	uint64_t		 h;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof mem; i++)
		mem[i] = i * 37;
	geom(&g, 3, 4, 16);
	g.stride = 10;
	g.xoffset = 1;
	g.yoffset = 2;
	g.size = sizeof mem;
	field(&g.red, 11, 5);
	snap_capture(&g, mem, &img, &h);
	snap_image_free(&img);
	assert_true(snap_hash(&g, snap_visible(&g, mem), g.stride) == h);
	mem[2 * 10 + 0] ^= 1;	/* left of the area: no change */
	mem[5 * 10 + 9] ^= 1;	/* right of it */
	assert_true(snap_hash(&g, snap_visible(&g, mem), g.stride) == h);
	mem[5 * 10 + 7] ^= 1;	/* the last visible byte */
	assert_true(snap_hash(&g, snap_visible(&g, mem), g.stride) != h);
}

/* Decode strictly: a warning libpng would let pass fails the test. */
static uint8_t *
png_decode(const uint8_t *p, size_t len, uint32_t *w, uint32_t *h)
{
	uint8_t	*rgb;
	char	*cause;

	if ((rgb = pngread_rgb(p, len, SNAP_MAX_SIDE, SNAP_MAX_SIDE, 1, w, h,
	    &cause)) == NULL)
		fail_msg("png: %s", cause);
	return (rgb);
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/*
 * zlib alone on the IDAT chunks, end to end: its header, every block and
 * the Adler-32 of the rows must be right, and the rows (a filter byte and
 * 3 bytes a pixel) all there.
 */
static void
png_inflate_check(const uint8_t *p, size_t len, uint32_t w, uint32_t h)
{
	uint8_t		*z = NULL, *nz, *raw;
	size_t		 off = 8, zlen = 0, n;
	uLongf		 rawlen = (uLongf)h * (1 + (size_t)w * 3) + 1;

	while (off + 12 <= len) {
		n = be32(p + off);
		assert_true(n <= len - off - 12);
		if (memcmp(p + off + 4, "IDAT", 4) == 0) {
			nz = realloc(z, zlen + n);
			assert_non_null(nz);
			z = nz;
			memcpy(z + zlen, p + off + 8, n);
			zlen += n;
		}
		off += 12 + n;
	}
	raw = malloc(rawlen);
	assert_int_equal(uncompress(raw, &rawlen, z, zlen), Z_OK);
	assert_int_equal(rawlen, (uLongf)h * (1 + (size_t)w * 3));
	free(raw);
	free(z);
}

/* Encode, decode, compare: every filter, strategy and stripe count. */
static void
png_round_trip(const struct snap_image *img, const struct snap_png *opt)
{
	uint8_t		*png, *back;
	uint32_t	 w, h;
	size_t		 len;
	char		*cause;

	if (snap_encode_png(img, opt, &png, &len, &cause) != 0)
		fail_msg("encode: %s", cause);
	back = png_decode(png, len, &w, &h);
	assert_int_equal(w, img->width);
	assert_int_equal(h, img->height);
	assert_memory_equal(back, img->rgb, (size_t)w * h * 3);
	if (opt->palette == 0)
		png_inflate_check(png, len, w, h);
	free(back);
	free(png);
}

static void
test_png_round_trip(void **state)
{
	const int		 filters[] = { PNG_FILTER_NONE, PNG_FILTER_SUB,
				     PNG_FILTER_UP, PNG_FILTER_PAETH,
				     PNG_ALL_FILTERS };
	/* 1: libpng alone; 9 is more than the most stripes there are. */
	const int		 threads[] = { 1, 2, 3, 4, 9, 0 };
	const int		 levels[] = { 1, 2, 6, 9 };
	struct snap_image	 img;
	struct snap_png		 opt;
	size_t			 i, f, t;

	(void)state;
	img.width = 97;
	img.height = 61;
	img.rgb = malloc(97 * 61 * 3);
	srandom(7);
	for (i = 0; i < 97 * 61 * 3; i++)
		img.rgb[i] = i % 5 == 0 ? (uint8_t)random() : (uint8_t)(i / 300);
	memset(&opt, 0, sizeof opt);
	for (f = 0; f < 2 * sizeof filters / sizeof filters[0]; f++) {
		opt.level = 1 + f % 3 + (f > 5 ? 5 : 0);
		opt.filter = filters[f / 2];
		opt.strategy = f % 2 ? Z_RLE : Z_DEFAULT_STRATEGY;
		opt.palette = 0;
		opt.palette_strategy = Z_RLE;
		for (t = 0; t < sizeof threads / sizeof threads[0]; t++) {
			opt.threads = threads[t];
			png_round_trip(&img, &opt);
		}
	}
	png_round_trip(&img, &snap_png_default);
	/* Each level group its zlib header tells apart, in stripes. */
	for (f = 0; f < 3; f++) {
		opt.filter = filters[f];
		opt.strategy = Z_DEFAULT_STRATEGY;
		opt.threads = 3;
		for (i = 0; i < sizeof levels / sizeof levels[0]; i++) {
			opt.level = levels[i];
			png_round_trip(&img, &opt);
		}
	}
	/* Fewer rows than stripes: a row a stripe. */
	img.height = 2;
	opt.filter = PNG_FILTER_UP;
	opt.threads = 4;
	png_round_trip(&img, &opt);
	img.height = 1;
	png_round_trip(&img, &opt);
	/* One pixel wide: a SUB row shorter than its filter's reach. */
	img.width = 1;
	img.height = 61;
	opt.filter = PNG_FILTER_SUB;
	png_round_trip(&img, &opt);
	free(img.rgb);
}

/*
 * A small desktop: a gradient, a window of text, and a photograph whose
 * grain is in the green channel only (smooth value noise, +-12).
 */
static void
photo_frame(struct snap_image *img, uint32_t w, uint32_t h)
{
	uint8_t		 grid[8][8], *p;
	uint32_t	 x, y, gx, gy, fx, fy, rng = 2463534242U;
	int		 v, r, g, b;

	for (y = 0; y < 8; y++)
		for (x = 0; x < 8; x++)
			grid[y][x] = (x * 97 + y * 61 + x * y * 13) % 256;
	img->width = w;
	img->height = h;
	img->rgb = malloc((size_t)w * h * 3);
	assert_non_null(img->rgb);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			p = img->rgb + ((size_t)y * w + x) * 3;
			r = 20 + y * 60 / h;
			g = 40 + x * 80 / w;
			b = 110 + y * 100 / h;
			if (x >= 16 && x < 200 && y >= 16 && y < 150)
				r = g = b = (y % 16 > 3 && y % 16 < 13 &&
				    (x / 2 * 7 + y / 3 * 13) % 11 < 3) ? 30 : 250;
			if (x >= 220 && x < 220 + 224 && y >= 24 &&
			    y < 24 + 224) {
				/* Bilinear between grid points 32 apart. */
				gx = (x - 220) / 32;
				gy = (y - 24) / 32;
				fx = (x - 220) % 32;
				fy = (y - 24) % 32;
				v = ((grid[gy][gx] * (32 - fx) +
				    grid[gy][gx + 1] * fx) * (32 - fy) +
				    (grid[gy + 1][gx] * (32 - fx) +
				    grid[gy + 1][gx + 1] * fx) * fy) / 1024;
				rng ^= rng << 13;
				rng ^= rng >> 17;
				rng ^= rng << 5;
				r = 60 + v / 3;
				g = 80 + v / 2 + (int)(rng % 25) - 12;
				b = 30 + v / 5;
			}
			p[0] = r;
			p[1] = g;
			p[2] = b;
		}
	}
}

static size_t
png_size(const struct snap_image *img, const struct snap_png *opt,
    uint8_t **pngp)
{
	uint8_t	*png;
	size_t	 len;
	char	*cause;

	if (snap_encode_png(img, opt, &png, &len, &cause) != 0)
		fail_msg("encode: %s", cause);
	if (pngp != NULL)
		*pngp = png;
	else
		free(png);
	return (len);
}

/*
 * A grainy photograph: exact, the same bytes every time, within 1.3 times
 * what libpng makes of it with pnmtopng's defaults (zlib's default level,
 * every filter, one thread). Filters chosen per row (SUB or PAETH) make
 * it no larger than either filter alone.
 */
static void
test_png_photo(void **state)
{
	struct snap_image	 img;
	struct snap_png		 ref = { Z_DEFAULT_COMPRESSION, PNG_ALL_FILTERS,
				     Z_DEFAULT_STRATEGY, 0, Z_DEFAULT_STRATEGY,
				     1 };
	struct snap_png		 opt = snap_png_default;
	uint8_t			*a, *b;
	size_t			 len, reflen;
	const int		 threads[] = { 0, 1, 2, 3 };
	size_t			 t;

	(void)state;
	photo_frame(&img, 480, 272);
	reflen = png_size(&img, &ref, NULL);
	for (t = 0; t < sizeof threads / sizeof threads[0]; t++) {
		opt.threads = threads[t];
		png_round_trip(&img, &opt);
		len = png_size(&img, &opt, &a);
		assert_int_equal(png_size(&img, &opt, &b), len);
		assert_memory_equal(a, b, len);
		free(a);
		free(b);
		if (len * 10 > reflen * 13)
			fail_msg("%zu threads: %zu bytes, libpng %zu",
			    (size_t)threads[t], len, reflen);
	}
	opt = snap_png_default;
	opt.filter = PNG_FILTER_SUB | PNG_FILTER_PAETH;
	opt.strategy = Z_RLE;
	png_round_trip(&img, &opt);
	len = png_size(&img, &opt, NULL);
	opt.filter = PNG_FILTER_SUB;
	assert_true(len <= png_size(&img, &opt, NULL));
	opt.filter = PNG_FILTER_PAETH;
	assert_true(len <= png_size(&img, &opt, NULL));
	free(img.rgb);
}

/* Few colours go out as a palette of 1, 2, 4 or 8 bits, still exact. */
static void
test_png_palette(void **state)
{
	const int		 ncolours[] = { 1, 2, 3, 4, 5, 16, 17, 255, 256,
				     257 };
	struct snap_image	 img;
	uint8_t			*png, *back;
	uint32_t		 w, h;
	size_t			 len, i, k, npx;
	char			*cause;

	(void)state;
	img.width = 37;
	img.height = 29;
	npx = 37 * 29;
	img.rgb = malloc(npx * 3);
	for (k = 0; k < sizeof ncolours / sizeof ncolours[0]; k++) {
		for (i = 0; i < npx; i++) {
			img.rgb[3 * i] = (i * 7 % ncolours[k]) * 3;
			img.rgb[3 * i + 1] = (i * 7 % ncolours[k]) >> 6;
			img.rgb[3 * i + 2] = 200;
		}
		if (snap_encode_png(&img, &snap_png_default, &png, &len,
		    &cause) != 0)
			fail_msg("encode: %s", cause);
		/* IHDR colour type: 3 (palette) up to 256 colours. */
		assert_int_equal(png[25], ncolours[k] <= 256 ? 3 : 2);
		back = png_decode(png, len, &w, &h);
		assert_memory_equal(back, img.rgb, npx * 3);
		free(back);
		free(png);
	}
	free(img.rgb);
}

static void
test_ppm(void **state)
{
	struct snap_image	 img;
	uint8_t			 rgb[6] = { 1, 2, 3, 4, 5, 6 };
	char			*p;
	size_t			 len;

	(void)state;
	img.width = 2;
	img.height = 1;
	img.rgb = rgb;
	p = snap_encode_ppm(&img, &len);
	assert_int_equal(len, 11 + 6);
	assert_memory_equal(p, "P6\n2 1\n255\n\1\2\3\4\5\6", len);
	free(p);
}

/* A 3x2 screen: "ab " over "\xe9\u2588 ", cursor at (1, 1). */
static const uint8_t vcsa_good[] = {
	2, 3, 1, 1,
	'a', 0x07, 'b', 0x1c, ' ', 0x07,
	0xe9, 0x8f, 0xdb, 0x07, ' ', 0x70
};

static void
vcsu_good(uint8_t *u)
{
	const uint32_t	 cp[6] = { 'a', 'b', ' ', 0xe9, 0x2588, ' ' };

	memcpy(u, cp, sizeof cp);
}

static void
test_vc_parse(void **state)
{
	struct snap_text	 t;
	uint8_t			 u[24];
	char			*cause = NULL, *s;
	size_t			 len;

	(void)state;
	vcsu_good(u);
	assert_int_equal(snap_vc_parse(vcsa_good, sizeof vcsa_good, u,
	    sizeof u, &t, &cause), 0);
	assert_int_equal(t.rows, 2);
	assert_int_equal(t.cols, 3);
	assert_int_equal(t.cx, 1);
	assert_int_equal(t.cy, 1);
	assert_int_equal(t.cells[4].ch, 0x2588);
	assert_int_equal(t.cells[1].attr, 0x1c);
	s = snap_text_format(&t, 0, &len);
	assert_string_equal(s, "ab\n\xc3\xa9\xe2\x96\x88\n");
	assert_int_equal(len, strlen(s));
	free(s);
	/* 0x1c: bright red on blue; 0x8f: bright white on bright black. */
	s = snap_text_format(&t, 1, &len);
	assert_string_equal(s,
	    "\033[0;37;40ma\033[0;91;44mb\033[0m\n"
	    "\033[0;97;100m\xc3\xa9\033[0;37;40;7m\xe2\x96\x88"
	    "\033[0;30;47m \033[0m\n");
	free(s);
	snap_text_free(&t);

	/* Without vcsu: ASCII stays, the rest is '?'. */
	assert_int_equal(snap_vc_parse(vcsa_good, sizeof vcsa_good, NULL, 0,
	    &t, &cause), 0);
	s = snap_text_format(&t, 0, &len);
	assert_string_equal(s, "ab\n??\n");
	free(s);
	snap_text_free(&t);
}

static void
assert_vc_refused(const uint8_t *a, size_t alen, const uint8_t *u,
    size_t ulen, const char *want)
{
	struct snap_text	 t;
	char			*cause = NULL;

	assert_int_equal(snap_vc_parse(a, alen, u, ulen, &t, &cause), -1);
	assert_null(t.cells);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_vc_refused(void **state)
{
	uint8_t		 u[28], big[sizeof vcsa_good + 1];
	const uint8_t	 empty[] = { 0, 80, 0, 0 };
	size_t		 n;

	(void)state;
	vcsu_good(u);
	assert_vc_refused(vcsa_good, 0, NULL, 0,
	    "vcsa: cut short: 0 bytes, no header");
	assert_vc_refused(vcsa_good, 3, NULL, 0,
	    "vcsa: cut short: 3 bytes, no header");
	assert_vc_refused(vcsa_good, 4, NULL, 0,
	    "vcsa: cut short: 4 bytes, a 3x2 screen needs 16");
	assert_vc_refused(vcsa_good, sizeof vcsa_good - 1, NULL, 0,
	    "vcsa: cut short: 15 bytes, a 3x2 screen needs 16");
	memcpy(big, vcsa_good, sizeof vcsa_good);
	assert_vc_refused(big, sizeof big, NULL, 0,
	    "vcsa: wrong size: 17 bytes, a 3x2 screen needs 16");
	assert_vc_refused(empty, sizeof empty, NULL, 0,
	    "vcsa: empty screen (80x0)");
	assert_vc_refused(vcsa_good, sizeof vcsa_good, u, 23,
	    "vcsu: cut short: 23 bytes, a 3x2 screen needs 24");
	assert_vc_refused(vcsa_good, sizeof vcsa_good, u, 28,
	    "vcsu: wrong size: 28 bytes, a 3x2 screen needs 24");
	/* Every cut of the good pair fails cleanly. */
	for (n = 0; n < sizeof vcsa_good; n++) {
		struct snap_text	 t;
		char			*cause = NULL;

		assert_int_equal(snap_vc_parse(vcsa_good, n, u, 24, &t,
		    &cause), -1);
		free(cause);
	}
}

/* Bad code points in vcsu come out as '?', never as broken UTF-8. */
static void
test_vc_bad_codepoints(void **state)
{
	const uint8_t	 a[] = { 1, 4, 0, 0, 0, 7, 0, 7, 0, 7, 0, 7 };
	const uint32_t	 cp[4] = { 0xd800, 0x110000, 0x1b, 0x1f600 };
	struct snap_text t;
	char		*cause = NULL, *s;
	size_t		 len;

	(void)state;
	assert_int_equal(snap_vc_parse(a, sizeof a, (const uint8_t *)cp,
	    sizeof cp, &t, &cause), 0);
	s = snap_text_format(&t, 0, &len);
	assert_string_equal(s, "???\xf0\x9f\x98\x80\n");
	free(s);
	snap_text_free(&t);
}

/* A fake framebuffer file too short for its layout: a clear refusal. */
static void
test_fake_short(void **state)
{
	struct conf_fake_fb	 f;
	struct snap_geom	 g;
	struct snap_image	 img;
	char			 path[] = "/tmp/test_snap.XXXXXX", *cause = NULL;
	int			 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, "0123456789abcdef", 16), 16);
	close(fd);
	memset(&f, 0, sizeof f);
	f.path = path;
	f.width = 2;
	f.height = 2;
	f.bpp = 32;
	f.red.offset = 16;
	f.red.length = 8;
	f.green.offset = 8;
	f.green.length = 8;
	f.blue.length = 8;
	assert_int_equal(snap_fake_open(&f, &g, &img, &cause), 0);
	assert_int_equal(img.width * img.height, 4);
	/* XRGB, little-endian: "0123" is B '0', G '1', R '2'. */
	assert_memory_equal(img.rgb, "210654a98edc", 12);
	snap_image_free(&img);
	f.height = 3;
	assert_int_equal(snap_fake_open(&f, &g, &img, &cause), -1);
	assert_non_null(strstr(cause, "past the 16 bytes of memory"));
	assert_non_null(strstr(cause, path));
	free(cause);
	unlink(path);
	f.height = 2;
	assert_int_equal(snap_fake_open(&f, &g, &img, &cause), -1);
	assert_non_null(strstr(cause, "No such file or directory"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_32_xrgb),
		cmocka_unit_test(test_32_xbgr),
		cmocka_unit_test(test_32_10bit),
		cmocka_unit_test(test_24_rgb),
		cmocka_unit_test(test_16_rgb565),
		cmocka_unit_test(test_16_argb1555),
		cmocka_unit_test(test_8_rgb332),
		cmocka_unit_test(test_8_pseudo),
		cmocka_unit_test(test_stride_pan),
		cmocka_unit_test(test_geom_refused),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_hash_stride),
		cmocka_unit_test(test_png_round_trip),
		cmocka_unit_test(test_png_palette),
		cmocka_unit_test(test_png_photo),
		cmocka_unit_test(test_ppm),
		cmocka_unit_test(test_vc_parse),
		cmocka_unit_test(test_vc_refused),
		cmocka_unit_test(test_vc_bad_codepoints),
		cmocka_unit_test(test_fake_short),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
