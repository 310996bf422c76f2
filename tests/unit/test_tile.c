/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/snaptile.c: which 64x64 tiles of a crafted frame
 * changed, how they merge into rectangles (nothing, one pixel, a tile
 * edge, the whole frame, padding bytes past a line, many rectangles into
 * a bounding box), when the whole frame must go, and the message's header.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../agentd/tetherd.h"

/* A frame of w x h at bpp, with pad bytes after each line. */
struct frame {
	struct snap_geom	 g;
	uint8_t			*mem;
};

static void
frame_new(struct frame *f, uint32_t w, uint32_t h, uint32_t bpp,
    uint32_t pad)
{
	uint64_t	 i;

	memset(f, 0, sizeof *f);
	f->g.width = w;
	f->g.height = h;
	f->g.bpp = bpp;
	f->g.stride = w * bpp / 8 + pad;
	f->g.size = (uint64_t)f->g.stride * h;
	if (bpp == 32) {
		f->g.red = (struct snap_field){ 16, 8 };
		f->g.green = (struct snap_field){ 8, 8 };
		f->g.blue = (struct snap_field){ 0, 8 };
	} else {
		f->g.red = (struct snap_field){ 11, 5 };
		f->g.green = (struct snap_field){ 5, 6 };
		f->g.blue = (struct snap_field){ 0, 5 };
	}
	f->mem = malloc(f->g.size);
	assert_non_null(f->mem);
	for (i = 0; i < f->g.size; i++)
		f->mem[i] = (i * 7) ^ (i >> 9);
}

static void
frame_poke(struct frame *f, uint32_t x, uint32_t y)
{
	f->mem[(size_t)y * f->g.stride + (size_t)x * (f->g.bpp / 8)] ^= 0x5a;
}

/* The first frame goes whole; then diff again and list the rectangles. */
static int
diff(struct snap_tiles *t, struct frame *f, struct snap_rect *r)
{
	assert_int_equal(snap_tiles_diff(t, &f->g, f->mem, 0), 0);
	return (snap_tiles_rects(t, r, 16));
}

static void
start(struct snap_tiles *t, struct frame *f)
{
	snap_tiles_init(t);
	assert_int_equal(snap_tiles_diff(t, &f->g, f->mem, 0), 1);
}

static void
assert_rect(const struct snap_rect *r, uint32_t x, uint32_t y, uint32_t w,
    uint32_t h)
{
	if (r->x != x || r->y != y || r->w != w || r->h != h)
		fail_msg("rectangle %ux%u at %u,%u, expected %ux%u at %u,%u",
		    r->w, r->h, r->x, r->y, w, h, x, y);
}

static void
test_nothing(void **state)
{
	struct snap_tiles	 t;
	struct snap_rect	 r[16];
	struct frame		 f;

	(void)state;
	frame_new(&f, 200, 150, 32, 0);
	start(&t, &f);
	assert_int_equal(diff(&t, &f, r), 0);
	assert_int_equal(diff(&t, &f, r), 0);
	snap_tiles_free(&t);
	free(f.mem);
}

static void
test_one_pixel(void **state)
{
	struct snap_tiles	 t;
	struct snap_rect	 r[16];
	struct frame		 f;

	(void)state;
	frame_new(&f, 200, 150, 32, 0);
	start(&t, &f);
	frame_poke(&f, 100, 70);
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 64, 64, 64, 64);
	/* Kept: the same frame again is unchanged. */
	assert_int_equal(diff(&t, &f, r), 0);
	/* The last tile of a row and of a column is clipped to the frame. */
	frame_poke(&f, 199, 149);
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 192, 128, 8, 22);
	snap_tiles_free(&t);
	free(f.mem);
}

static void
test_tile_edge(void **state)
{
	struct snap_tiles	 t;
	struct snap_rect	 r[16];
	struct frame		 f;

	(void)state;
	frame_new(&f, 200, 150, 16, 0);
	start(&t, &f);
	/* Either side of a vertical edge: one rectangle of two tiles. */
	frame_poke(&f, 63, 10);
	frame_poke(&f, 64, 10);
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 0, 0, 128, 64);
	/* Either side of a horizontal edge: one rectangle, two tiles high. */
	frame_poke(&f, 130, 63);
	frame_poke(&f, 130, 64);
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 128, 0, 64, 128);
	/* Corners that only touch: two rectangles. */
	frame_poke(&f, 63, 63);
	frame_poke(&f, 64, 64);
	assert_int_equal(diff(&t, &f, r), 2);
	assert_rect(&r[0], 0, 0, 64, 64);
	assert_rect(&r[1], 64, 64, 64, 64);
	snap_tiles_free(&t);
	free(f.mem);
}

static void
test_whole(void **state)
{
	struct snap_tiles	 t;
	struct snap_rect	 r[16];
	struct frame		 f;
	uint64_t		 i;

	(void)state;
	frame_new(&f, 200, 150, 32, 0);
	start(&t, &f);
	for (i = 0; i < f.g.size; i++)
		f.mem[i] ^= 0xff;
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 0, 0, 200, 150);
	snap_tiles_free(&t);
	free(f.mem);
}

static void
test_padding(void **state)
{
	struct snap_tiles	 t;
	struct snap_rect	 r[16];
	struct frame		 f;
	uint32_t		 y;

	(void)state;
	frame_new(&f, 130, 70, 32, 44);
	start(&t, &f);
	/* Bytes past each line are not shown: nothing changed. */
	for (y = 0; y < 70; y++)
		memset(f.mem + (size_t)y * f.g.stride + 130 * 4, y, 44);
	assert_int_equal(diff(&t, &f, r), 0);
	/* The last pixel of a line, right before the padding. */
	frame_poke(&f, 129, 69);
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 128, 64, 2, 6);
	snap_tiles_free(&t);
	free(f.mem);
}

static void
test_bounding_box(void **state)
{
	struct snap_tiles	 t;
	struct snap_rect	 r[16];
	struct frame		 f;
	uint32_t		 tx, ty;

	(void)state;
	frame_new(&f, 1024, 1024, 32, 0);
	start(&t, &f);
	/* A checkerboard of tiles in the middle: 32 apart, over 16. */
	for (ty = 4; ty < 12; ty++)
		for (tx = 2 + ty % 2; tx < 10; tx += 2)
			frame_poke(&f, tx * 64 + 5, ty * 64 + 9);
	assert_int_equal(diff(&t, &f, r), 1);
	assert_rect(&r[0], 128, 256, 512, 512);
	snap_tiles_free(&t);
	free(f.mem);
}

static void
test_layout_change(void **state)
{
	struct snap_tiles	 t;
	struct frame		 f;
	struct snap_geom	 g;

	(void)state;
	frame_new(&f, 200, 150, 32, 8);
	start(&t, &f);
	assert_int_equal(snap_tiles_diff(&t, &f.g, f.mem, 0), 0);
	/* Asked for: the whole frame. */
	assert_int_equal(snap_tiles_diff(&t, &f.g, f.mem, 1), 1);
	/* A new resolution, or new bitfields, start again. */
	g = f.g;
	g.height = 100;
	assert_int_equal(snap_tiles_diff(&t, &g, f.mem, 0), 1);
	assert_int_equal(snap_tiles_diff(&t, &g, f.mem, 0), 0);
	g.red.offset = 0;
	g.blue.offset = 16;
	assert_int_equal(snap_tiles_diff(&t, &g, f.mem, 0), 1);
	snap_tiles_free(&t);
	free(f.mem);
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint32_t
be16(const uint8_t *p)
{
	return ((uint32_t)p[0] << 8 | p[1]);
}

static void
test_message(void **state)
{
	struct snap_tiles	 t;
	struct snap_buf		 b;
	struct frame		 f;
	char			*cause = NULL;

	(void)state;
	frame_new(&f, 200, 150, 32, 0);
	b.size = 16;
	b.len = 0;
	b.p = malloc(b.size);
	snap_tiles_init(&t);
	assert_int_equal(snap_tiles_diff(&t, &f.g, f.mem, 0), 1);
	assert_int_equal(snap_tiles_message(&t, 1, &b, &cause), 0);
	assert_memory_equal(b.p, "TTV1", 4);
	assert_int_equal(be16(b.p + 4), 200);
	assert_int_equal(be16(b.p + 6), 150);
	assert_int_equal(be16(b.p + 8), 1);
	assert_int_equal(b.p[10], SNAP_TILE_RESET);
	assert_int_equal(be32(b.p + 12), b.len - 16);
	assert_int_equal(be16(b.p + 20), 200);
	assert_int_equal(be16(b.p + 22), 150);
	assert_int_equal(be32(b.p + 24), b.len - 28);
	assert_memory_equal(b.p + 28, "\211PNG", 4);
	/* Unchanged: the header alone. */
	assert_int_equal(snap_tiles_diff(&t, &f.g, f.mem, 0), 0);
	assert_int_equal(snap_tiles_message(&t, 0, &b, &cause), 0);
	assert_int_equal(b.len, 16);
	assert_int_equal(be16(b.p + 8), 0);
	assert_int_equal(b.p[10], 0);
	assert_int_equal(be32(b.p + 12), 0);
	snap_tiles_free(&t);
	free(b.p);
	free(f.mem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_one_pixel),
		cmocka_unit_test(test_tile_edge),
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_bounding_box),
		cmocka_unit_test(test_layout_change),
		cmocka_unit_test(test_message),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
