/* SPDX-License-Identifier: ISC */

/*
 * Snapshot encoding: an RGB frame as PNG, deflated in stripes on every CPU
 * and framed by libpng, or as a palette image when it has few colours; or
 * as PPM. Nothing here knows about channels or devices.
 */

#include <pthread.h>
#include <png.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tetherd.h"

/*
 * Chosen by bench/snapbench.c; see bench/snapresults.md. RGB rows are
 * filtered with SUB and deflated with zlib's default strategy: the least
 * CPU on a desktop and on a photograph alike, the fewest bytes on a
 * desktop, and within 1.2 times pnmtopng's on a photograph. Choosing SUB
 * or PAETH per row saves a tenth on photographs and costs a tenth more
 * time everywhere.
 */
const struct snap_png snap_png_default = { 1,
    PNG_FILTER_SUB, Z_DEFAULT_STRATEGY,
    PNG_FILTER_NONE, Z_DEFAULT_STRATEGY, 0 };

/* Stripes of an RGB frame deflated side by side; see snap_png_stripes. */
#define SNAP_STRIPES_MAX	4
#define SNAP_STRIPE_ROWS	64	/* fewer rows a stripe: not worth it */

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

/*
 * The PNG filters a stripe computes itself. Each predicts a byte from the
 * one a pixel to its left (a), the one above (b) and the one above and
 * left (c), 0 where there is none, and writes what is left over: the
 * residual. The sum of a row's residuals as signed bytes is the usual
 * measure of how well a filter does on it: the smaller, the more zeros
 * and near-zeros deflate sees.
 */
#define SNAP_BLOCK	48	/* 16 pixels, 3 vectors of 16 bytes */

static inline unsigned int
snap_abs(uint8_t v)
{
	return (v < 128 ? v : 256 - v);
}

static inline int16_t
snap_abs16(int16_t v)
{
	return (v < 0 ? -v : v);
}

/*
 * The predictor as the PNG specification gives it, in 16 bits: the
 * compiler packs 8 of them in a vector where it would pack 4 ints, and
 * PAETH takes half the time.
 */
static inline int
snap_paeth(int16_t a, int16_t b, int16_t c)
{
	int16_t	 pa = snap_abs16(b - c), pb = snap_abs16(a - c);
	int16_t	 pc = snap_abs16(a + b - 2 * c);

	return (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* Bytes [from, to) of a row one at a time: its first pixel and its end. */
static size_t
snap_filter_bytes(int type, const uint8_t *restrict row,
    const uint8_t *restrict prev, size_t from, size_t to,
    uint8_t *restrict out)
{
	size_t	 i, sum = 0;
	int	 a, b, c, p;

	for (i = from; i < to; i++) {
		a = i < 3 ? 0 : row[i - 3];
		b = prev[i];
		c = i < 3 ? 0 : prev[i - 3];
		if (type == PNG_FILTER_VALUE_SUB)
			p = a;
		else if (type == PNG_FILTER_VALUE_UP)
			p = b;
		else if (type == PNG_FILTER_VALUE_AVG)
			p = (a + b) >> 1;
		else if (type == PNG_FILTER_VALUE_PAETH)
			p = snap_paeth(a, b, c);
		else
			p = 0;
		out[i] = row[i] - p;
		sum += snap_abs(out[i]);
	}
	return (sum);
}

/*
 * SNAP_BLOCK bytes at once, past the first pixel. A loop of a length
 * known here, which the compiler vectorizes at -O2 (a loop of any length
 * it does not): 13 times faster for PAETH than a byte at a time.
 */
static unsigned int
snap_filter_block(int type, const uint8_t *restrict row,
    const uint8_t *restrict prev, uint8_t *restrict out)
{
	unsigned int	 sum = 0;
	ptrdiff_t	 k;		/* signed: k - 3 goes left of row */

	switch (type) {
	case PNG_FILTER_VALUE_SUB:
		for (k = 0; k < SNAP_BLOCK; k++) {
			out[k] = row[k] - row[k - 3];
			sum += snap_abs(out[k]);
		}
		break;
	case PNG_FILTER_VALUE_UP:
		for (k = 0; k < SNAP_BLOCK; k++) {
			out[k] = row[k] - prev[k];
			sum += snap_abs(out[k]);
		}
		break;
	case PNG_FILTER_VALUE_AVG:
		for (k = 0; k < SNAP_BLOCK; k++) {
			out[k] = row[k] - ((row[k - 3] + prev[k]) >> 1);
			sum += snap_abs(out[k]);
		}
		break;
	case PNG_FILTER_VALUE_PAETH:
		for (k = 0; k < SNAP_BLOCK; k++) {
			out[k] = row[k] - snap_paeth(row[k - 3], prev[k],
			    prev[k - 3]);
			sum += snap_abs(out[k]);
		}
		break;
	default:
		for (k = 0; k < SNAP_BLOCK; k++) {
			out[k] = row[k];
			sum += snap_abs(out[k]);
		}
		break;
	}
	return (sum);
}

/*
 * A row's residuals into out and their sum; it may stop once the sum
 * reaches stop, as the filter has lost then. prev is all zeros above the
 * first row.
 */
static size_t
snap_filter(int type, const uint8_t *restrict row,
    const uint8_t *restrict prev, size_t n, uint8_t *restrict out,
    size_t stop)
{
	size_t	 i = n < 3 ? n : 3, sum;

	sum = snap_filter_bytes(type, row, prev, 0, i, out);
	for (; i + SNAP_BLOCK <= n && sum < stop; i += SNAP_BLOCK)
		sum += snap_filter_block(type, row + i, prev + i, out + i);
	if (sum < stop)
		sum += snap_filter_bytes(type, row, prev, i, n, out);
	return (sum);
}

/*
 * In the order they are tried: the cheap ones first, as a row they make
 * all zeros (a row like the one above it, a flat one: most rows of a
 * console or a desktop) ends the search before PAETH.
 */
static const struct {
	int		 mask;		/* PNG_FILTER_* */
	int		 type;		/* the byte in front of the row */
} snap_filters[] = {
	{ PNG_FILTER_UP, PNG_FILTER_VALUE_UP },
	{ PNG_FILTER_SUB, PNG_FILTER_VALUE_SUB },
	{ PNG_FILTER_NONE, PNG_FILTER_VALUE_NONE },
	{ PNG_FILTER_PAETH, PNG_FILTER_VALUE_PAETH },
	{ PNG_FILTER_AVG, PNG_FILTER_VALUE_AVG },
};
#define SNAP_NFILTERS	(sizeof snap_filters / sizeof snap_filters[0])

/*
 * One row with its filter byte in front, into one of buf[0] and buf[1]:
 * of the filters in mask, the one with the smallest sum, the first of
 * them on a tie. Nothing but the pixels decides, so the same frame always
 * gives the same bytes.
 */
static uint8_t *
snap_filter_row(int mask, const uint8_t *row, const uint8_t *prev, size_t n,
    uint8_t *buf[2])
{
	size_t	 i, sum, best = SIZE_MAX;
	int	 k = 0, b = 0;

	for (i = 0; i < SNAP_NFILTERS && best != 0; i++) {
		if ((mask & snap_filters[i].mask) == 0)
			continue;
		sum = snap_filter(snap_filters[i].type, row, prev, n,
		    buf[k] + 1, best);
		if (sum < best) {
			best = sum;
			buf[k][0] = snap_filters[i].type;
			b = k;
			k ^= 1;
		}
	}
	return (buf[b]);
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
	uint8_t			*buf[2], *zero, *f;
	z_stream		 z;
	uint32_t		 y;

	s->rc = -1;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, s->opt->level, Z_DEFLATED, -15, 8,
	    s->opt->strategy) != Z_OK)
		return (NULL);
	buf[0] = xmalloc(line + 1);
	buf[1] = xmalloc(line + 1);
	zero = xcalloc(1, line);
	s->out.size = line * (s->y1 - s->y0) / 4 + 4096;
	s->out.len = 0;
	s->out.p = xmalloc(s->out.size);
	s->adler = adler32(0L, Z_NULL, 0);
	for (y = s->y0; y < s->y1; y++) {
		row = img->rgb + (size_t)y * line;
		f = snap_filter_row(s->opt->filter, row, y > 0 ? row - line :
		    zero, line, buf);
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
	free(zero);
	free(buf[1]);
	free(buf[0]);
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
 * alone does as well: one stripe (one CPU, a small image) of one filter,
 * or when asked to (threads 1).
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

	if (opt->filter == 0 || (opt->filter & ~PNG_ALL_FILTERS) != 0 ||
	    opt->threads == 1)
		return (1);
	n = snap_stripe_count(img, opt);
	if (n < 2 && (opt->filter & (opt->filter - 1)) == 0)
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
