/* SPDX-License-Identifier: ISC */

/*
 * A framebuffer layout and its memory: the first 24 bytes are the
 * geometry (what FBIOGET_VSCREENINFO/FSCREENINFO or a fake_fb would give),
 * the rest the memory. snap_geom_check() must refuse any layout that would
 * read outside the memory; an accepted one is captured and converted, its
 * hash compared with that of the memory and, when small, encoded as PNG
 * (byte 22: palette, stripes, filter) and decoded back to the same pixels.
 */

#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "fuzz.h"
#include "../agentd/tetherd.h"

static const uint32_t fuzz_bpp[4] = { 8, 16, 24, 32 };

static uint32_t
fuzz_u16(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8);
}

static void
fuzz_fb_geom(const uint8_t *d, size_t memlen, struct snap_geom *g)
{
	int	 i;

	memset(g, 0, sizeof *g);
	g->width = fuzz_u16(d) % 300;
	g->height = fuzz_u16(d + 2) % 300;
	g->bpp = d[4] & 0x80 ? d[4] & 0x3f : fuzz_bpp[d[4] & 3];
	g->pseudo = (d[4] & 0x40) != 0;
	g->stride = fuzz_u16(d + 5) | (uint32_t)(d[23] & 3) << 16;
	g->xoffset = fuzz_u16(d + 7) % 1024;
	g->yoffset = fuzz_u16(d + 9) % 1024;
	g->red = (struct snap_field){ d[11], d[12] };
	g->green = (struct snap_field){ d[13], d[14] };
	g->blue = (struct snap_field){ d[15], d[16] };
	g->transp = (struct snap_field){ d[17], d[18] };
	for (i = 0; i < 256; i++) {
		g->cmap[i][0] = i ^ d[19];
		g->cmap[i][1] = i ^ d[20];
		g->cmap[i][2] = i ^ d[21];
	}
	g->size = memlen;
}

/*
 * The PNG of the image decodes to the very same pixels, whatever the
 * filter and however many stripes: bits of how pick them.
 */
static void
fuzz_fb_png(const struct snap_image *img, int how)
{
	const int	 filters[4] = { PNG_FILTER_NONE, PNG_FILTER_SUB,
			     PNG_FILTER_UP, PNG_FILTER_PAETH };
	struct snap_png	 opt = snap_png_default;
	uint8_t		*png, *back;
	uint32_t	 w, h;
	size_t		 len;
	char		*cause;

	if (!(how & 1))
		opt.palette = 0;
	opt.threads = (how >> 1 & 3) + 1;
	opt.filter = filters[how >> 3 & 3];
	if (snap_encode_png(img, &opt, &png, &len, &cause) != 0)
		fuzz_fail("png: %s", cause);
	if ((back = pngread_rgb(png, len, SNAP_MAX_SIDE, SNAP_MAX_SIDE, 1, &w,
	    &h, &cause)) == NULL)
		fuzz_fail("png does not decode: %s", cause);
	if (w != img->width || h != img->height ||
	    memcmp(back, img->rgb, (size_t)img->width * img->height * 3) != 0)
		fuzz_fail("png round trip changed the pixels");
	free(back);
	free(png);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_geom	 g;
	struct snap_image	 img;
	uint8_t			*mem;
	uint64_t		 h;
	char			*cause = NULL;

	if (size < 24)
		return (0);
	fuzz_fb_geom(data, size - 24, &g);
	/* A copy of its own, so ASan sees any read past the memory. */
	mem = xmalloc(size > 24 ? size - 24 : 1);
	memcpy(mem, data + 24, size - 24);
	if (snap_geom_check(&g, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refusal without cause");
		free(cause);
		free(mem);
		return (0);
	}
	snap_capture(&g, mem, &img, &h);
	if (h != snap_hash(&g, snap_visible(&g, mem), g.stride))
		fuzz_fail("hash of the capture is not that of the memory");
	if ((size_t)img.width * img.height <= 4096)
		fuzz_fb_png(&img, data[22]);
	snap_image_free(&img);
	free(mem);
	return (0);
}
