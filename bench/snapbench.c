/* SPDX-License-Identifier: ISC */

/*
 * Snapshot PNG settings by measurement: four generated framebuffers (a
 * text console, a desktop with gradients and photos, a 16 bpp screen, a
 * desktop with a large photograph grainy in one channel) go through the
 * agent's own path, fake framebuffer file -> RGB (read a line at a time)
 * -> PNG, for each zlib level, PNG filter and zlib strategy. pnmtopng's
 * default output of the same pixels is the size reference.
 *
 *   snapbench [-n RUNS] [-d DIR]   prints a Markdown report on stdout;
 *                                  -d keeps the fixtures in DIR
 *   snapbench -w FILE | -p FILE    writes the desktop, or the photo
 *                                  desktop, as raw XRGB for bench.py
 */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <png.h>
#include <stdint.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "../agentd/tetherd.h"

struct fixture {
	const char	*name;
	uint32_t	 width;
	uint32_t	 height;
	uint32_t	 bpp;
	void		 (*make)(uint8_t *, uint32_t, uint32_t);
	char		 path[512];
	struct conf_fake_fb fake;
	size_t		 ref_size;	/* pnmtopng */
	double		 ref_ms;
};

struct result {
	double		 ms;		/* median: capture + convert + encode */
	double		 cpu;		/* median CPU time of the same */
	double		 min;		/* the fastest, for a quiet machine */
	size_t		 size;
};

static const struct {
	const char	*name;
	int		 filter;
} filters[] = {
	{ "NONE", PNG_FILTER_NONE },
	{ "SUB", PNG_FILTER_SUB },
	{ "UP", PNG_FILTER_UP },
	{ "PAETH", PNG_FILTER_PAETH },
	/* Per row, the one whose residuals sum smallest. */
	{ "SUB or PAETH", PNG_FILTER_SUB | PNG_FILTER_PAETH },
	{ "adaptive", PNG_ALL_FILTERS },
};
#define NFILTERS	(sizeof filters / sizeof filters[0])

static const struct {
	const char	*name;
	int		 strategy;
} strategies[] = {
	{ "Z_RLE", Z_RLE },
	{ "default", Z_DEFAULT_STRATEGY },
};
#define NSTRATEGIES	(sizeof strategies / sizeof strategies[0])

static const char *
bench_filter_name(int filter)
{
	size_t	 i;

	for (i = 0; i < NFILTERS; i++) {
		if (filters[i].filter == filter)
			return (filters[i].name);
	}
	return ("?");
}

#define BENCH_SEED	0x2545f4914f6cdd1dULL
static uint64_t	 rng = BENCH_SEED;

static uint32_t
bench_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng >> 16);
}

static void
put32(uint8_t *fb, uint32_t w, uint32_t x, uint32_t y, uint32_t rgb)
{
	memcpy(fb + ((size_t)y * w + x) * 4, &rgb, 4);
}

static uint32_t
rgb(int r, int g, int b)
{
	r = r < 0 ? 0 : r > 255 ? 255 : r;
	g = g < 0 ? 0 : g > 255 ? 255 : g;
	b = b < 0 ? 0 : b > 255 ? 255 : b;
	return ((uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b);
}

/* An 8x16 glyph made up from the character code: same code, same glyph. */
static void
glyph(uint8_t *fb, uint32_t w, uint32_t x0, uint32_t y0, int ch,
    uint32_t fg, uint32_t bg)
{
	uint32_t	 bits, x, y;

	for (y = 0; y < 16; y++) {
		bits = 0;
		if (ch != ' ' && y >= 3 && y <= 13)
			bits = (ch * 2654435761U) >> ((y * 3) % 24);
		for (x = 0; x < 8; x++)
			put32(fb, w, x0 + x, y0 + y,
			    (x < 7 && (bits >> x & 1)) ? fg : bg);
	}
}

static const char *log_lines[] = {
	"[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists."
	"debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0)",
	"[    1.204519] usb 1-1: new high-speed USB device number 2 using "
	"xhci_hcd",
	"[    2.933812] EXT4-fs (nvme0n1p2): mounted filesystem with ordered "
	"data mode. Quota mode: none.",
	"[    3.100004] systemd[1]: Started systemd-journald.service - "
	"Journal Service.",
	"[   14.551200] BUG: kernel NULL pointer dereference, address: "
	"0000000000000008",
	"[   14.551321] RIP: 0010:ext4_get_group_desc+0x4a/0x100 [ext4]",
	"debian login: root",
	"root@debian:~# dmesg | tail",
	"",
	"",
};

/* A 240x67 text console of boot messages, mostly grey on black. */
static void
make_console(uint8_t *fb, uint32_t w, uint32_t h)
{
	const char	*s;
	uint32_t	 row, col, fg;
	size_t		 n = sizeof log_lines / sizeof log_lines[0];

	memset(fb, 0, (size_t)w * h * 4);
	for (row = 0; row < h / 16; row++) {
		s = log_lines[(row * 7 + row / 5) % n];
		fg = row % 13 == 4 ? rgb(255, 85, 85) : rgb(170, 170, 170);
		for (col = 0; col < w / 8 && s[col] != '\0'; col++)
			glyph(fb, w, col * 8, row * 16, s[col], fg, 0);
	}
}

/* A smooth picture with sensor noise, as a photo. */
static void
photo(uint8_t *fb, uint32_t w, uint32_t x0, uint32_t y0, uint32_t pw,
    uint32_t ph)
{
	uint32_t	 x, y;
	int		 r, g, b, n;

	for (y = 0; y < ph; y++) {
		for (x = 0; x < pw; x++) {
			n = (int)(bench_rand() % 17) - 8;
			r = 120 + (int)(x * 90 / pw) - (int)(y * 60 / ph) +
			    (int)((x * y) % 37) + n;
			g = 90 + (int)(y * 120 / ph) + (int)(x % 23) + n;
			b = 60 + (int)((x + y) * 80 / (pw + ph)) + n;
			put32(fb, w, x0 + x, y0 + y, rgb(r, g, b));
		}
	}
}

static void
rect(uint8_t *fb, uint32_t w, uint32_t x0, uint32_t y0, uint32_t rw,
    uint32_t rh, uint32_t c)
{
	uint32_t	 x, y;

	for (y = y0; y < y0 + rh; y++)
		for (x = x0; x < x0 + rw; x++)
			put32(fb, w, x, y, c);
}

/* Gradient wallpaper, windows with title bars and text, two photos. */
static void
make_desktop(uint8_t *fb, uint32_t w, uint32_t h)
{
	uint32_t	 x, y, i;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++)
			put32(fb, w, x, y, rgb(20 + y * 60 / h,
			    40 + x * 80 / w, 110 + y * 100 / h));
	rect(fb, w, 0, h - 40, w, 40, rgb(40, 40, 48));
	rect(fb, w, w / 10, h / 8, w / 2, h / 2, rgb(250, 250, 250));
	for (x = 0; x < w / 2; x++)
		rect(fb, w, w / 10 + x, h / 8, 1, 28, rgb(60 + x * 80 / w,
		    90, 160));
	for (i = 0; i < 20; i++)
		for (x = 0; x < 60; x++)
			glyph(fb, w, w / 10 + 16 + x * 8, h / 8 + 40 + i * 20,
			    "int main(void) { return (0); } // tether"[(x + i) %
			    40], rgb(30, 30, 30), rgb(250, 250, 250));
	photo(fb, w, w / 2 + 80, h / 5, w / 3, h / 3);
	photo(fb, w, w / 8, h * 2 / 3, w / 4, h / 4);
}

/*
 * Value noise: random values on a grid of cells of side c, interpolated
 * bilinearly, so smooth within a cell and textured across them.
 */
static int
value_noise(const uint8_t *grid, uint32_t gw, uint32_t x, uint32_t y,
    uint32_t c)
{
	uint32_t	 gx = x / c, gy = y / c, fx = x % c, fy = y % c;
	int		 a, b;

	a = grid[gy * gw + gx] * (int)(c - fx) + grid[gy * gw + gx + 1] *
	    (int)fx;
	b = grid[(gy + 1) * gw + gx] * (int)(c - fx) +
	    grid[(gy + 1) * gw + gx + 1] * (int)fx;
	return ((a * (int)(c - fy) + b * (int)fy) / (int)(c * c));
}

/*
 * A photograph-like region whose noise is in one channel only, as a
 * camera's green or a scan's: a sky over hills, each channel a blend of
 * coarse and fine value noise (smooth, but never flat), and green with
 * grain of +-12. Seeded here, so that its pixels are the same whatever
 * was generated before it.
 */
static void
grain_photo(uint8_t *fb, uint32_t w, uint32_t x0, uint32_t y0, uint32_t pw,
    uint32_t ph)
{
	uint8_t		*grid[2];
	uint32_t	 x, y, k, gw[2], cell[2] = { 96, 12 };
	int		 r, g, b, lo, hi, hill;
	size_t		 i;

	rng = 0x9e3779b97f4a7c15ULL;
	for (k = 0; k < 2; k++) {
		gw[k] = pw / cell[k] + 2;
		grid[k] = xmalloc((size_t)gw[k] * (ph / cell[k] + 2));
		for (i = 0; i < (size_t)gw[k] * (ph / cell[k] + 2); i++)
			grid[k][i] = bench_rand();
	}
	for (y = 0; y < ph; y++) {
		for (x = 0; x < pw; x++) {
			lo = value_noise(grid[0], gw[0], x, y, cell[0]);
			hi = value_noise(grid[1], gw[1], x, y, cell[1]);
			hill = (int)ph / 2 + (lo - 128) / 2;
			if ((int)y < hill) {
				r = 80 + (int)(y * 60 / ph) + lo / 8;
				g = 130 + (int)(y * 50 / ph) + lo / 10;
				b = 200 - (int)(y * 30 / ph) + hi / 16;
			} else {
				r = 50 + lo / 4 + hi / 5;
				g = 70 + lo / 3 + hi / 4;
				b = 20 + hi / 6;
			}
			g += (int)(bench_rand() % 25) - 12;
			put32(fb, w, x0 + x, y0 + y, rgb(r, g, b));
		}
	}
	free(grid[0]);
	free(grid[1]);
}

/*
 * The desktop with a large grainy photograph over its right half, the
 * same pixels whether made alone (-p) or after the other fixtures.
 */
static void
make_photo_desktop(uint8_t *fb, uint32_t w, uint32_t h)
{
	uint64_t	 saved = rng;

	rng = BENCH_SEED;
	make_desktop(fb, w, h);
	grain_photo(fb, w, w * 9 / 20, h / 10, w / 2, h * 3 / 5);
	rng = saved;
}

/* The desktop, small, in RGB565. */
static void
make_565(uint8_t *fb, uint32_t w, uint32_t h)
{
	uint8_t		*big = xmalloc((size_t)w * h * 4);
	uint32_t	 i, p;
	uint16_t	 v;

	make_desktop(big, w, h);
	for (i = 0; i < w * h; i++) {
		memcpy(&p, big + (size_t)i * 4, 4);
		v = (p >> 19 & 0x1f) << 11 | (p >> 10 & 0x3f) << 5 |
		    (p >> 3 & 0x1f);
		memcpy(fb + (size_t)i * 2, &v, 2);
	}
	free(big);
}

static struct fixture fixtures[] = {
	{ "console 1920x1080x32", 1920, 1080, 32, make_console, "", { 0 },
	    0, 0 },
	{ "desktop 1920x1080x32", 1920, 1080, 32, make_desktop, "", { 0 },
	    0, 0 },
	{ "desktop 1024x768x16", 1024, 768, 16, make_565, "", { 0 }, 0, 0 },
	{ "photo desktop 1920x1080x32", 1920, 1080, 32, make_photo_desktop, "",
	    { 0 }, 0, 0 },
};
#define NFIXTURES	(sizeof fixtures / sizeof fixtures[0])

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

/* CPU time: what other jobs on the machine do not add to. */
static double
cpu_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static void
write_file(const char *path, const void *p, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fwrite(p, 1, len, f) != len ||
	    fclose(f) != 0)
		fatal("%s", path);
}

static void
fixture_make(struct fixture *fx, const char *dir, int i)
{
	uint8_t	*fb;
	size_t	 len = (size_t)fx->width * fx->height * fx->bpp / 8;

	fb = xmalloc(len);
	fx->make(fb, fx->width, fx->height);
	snprintf(fx->path, sizeof fx->path, "%s/fixture%d.raw", dir, i);
	write_file(fx->path, fb, len);
	free(fb);
	fx->fake.path = fx->path;
	fx->fake.width = fx->width;
	fx->fake.height = fx->height;
	fx->fake.bpp = fx->bpp;
	if (fx->bpp == 32) {
		fx->fake.red = (struct conf_bitfield){ 16, 8 };
		fx->fake.green = (struct conf_bitfield){ 8, 8 };
		fx->fake.blue = (struct conf_bitfield){ 0, 8 };
	} else {
		fx->fake.red = (struct conf_bitfield){ 11, 5 };
		fx->fake.green = (struct conf_bitfield){ 5, 6 };
		fx->fake.blue = (struct conf_bitfield){ 0, 5 };
	}
}

/* One snapshot as the agent takes it; times of its two steps. */
static size_t
bench_once(struct fixture *fx, const struct snap_png *opt, double t[2],
    uint8_t **pngp)
{
	struct snap_geom	 g;
	struct snap_image	 img;
	uint8_t			*png;
	size_t			 len;
	double			 t0, t1, t2;
	char			*cause;

	t0 = now_ms();
	if (snap_fake_open(&fx->fake, &g, &img, &cause) != 0)
		fatalx("%s", cause);
	t1 = now_ms();
	if (snap_encode_png(&img, opt, &png, &len, &cause) != 0)
		fatalx("%s", cause);
	t2 = now_ms();
	snap_image_free(&img);
	t[0] = t1 - t0;
	t[1] = t2 - t1;
	if (pngp != NULL)
		*pngp = png;
	else
		free(png);
	return (len);
}

static struct result
bench_run(struct fixture *fx, const struct snap_png *opt, int runs,
    double *parts)
{
	struct result	 r = { 0 };
	double		*ms, *cpu, t[2], sum[2] = { 0, 0 }, c0;
	int		 i, k;

	ms = xcalloc(runs, sizeof *ms);
	cpu = xcalloc(runs, sizeof *cpu);
	for (i = 0; i < runs; i++) {
		c0 = cpu_ms();
		r.size = bench_once(fx, opt, t, NULL);
		cpu[i] = cpu_ms() - c0;
		ms[i] = t[0] + t[1];
		for (k = 0; k < 2; k++)
			sum[k] += t[k];
	}
	qsort(ms, runs, sizeof *ms, cmp_double);
	qsort(cpu, runs, sizeof *cpu, cmp_double);
	r.ms = ms[runs / 2];
	r.min = ms[0];
	r.cpu = cpu[runs / 2];
	free(cpu);
	if (parts != NULL)
		for (k = 0; k < 2; k++)
			parts[k] = sum[k] / runs;
	free(ms);
	return (r);
}

/* pnmtopng's default on the same pixels, as a PPM. */
static void
bench_reference(struct fixture *fx, const char *dir, int i)
{
	struct snap_geom	 g;
	struct snap_image	 img;
	struct stat		 st;
	char			*ppm, *cmd, *cause, out[600], in[600];
	size_t			 len;
	double			 t0;

	if (snap_fake_open(&fx->fake, &g, &img, &cause) != 0)
		fatalx("%s", cause);
	ppm = snap_encode_ppm(&img, &len);
	snap_image_free(&img);
	snprintf(in, sizeof in, "%s/fixture%d.ppm", dir, i);
	snprintf(out, sizeof out, "%s/fixture%d.pnmtopng.png", dir, i);
	write_file(in, ppm, len);
	free(ppm);
	xasprintf(&cmd, "pnmtopng <'%s' >'%s' 2>/dev/null", in, out);
	t0 = now_ms();
	if (system(cmd) != 0 || stat(out, &st) != 0)
		fatalx("pnmtopng failed (apt-get install netpbm)");
	fx->ref_ms = now_ms() - t0;
	fx->ref_size = st.st_size;
	free(cmd);
}

/* The console has few colours: the palette filter is the one used. */
static int
bench_is_best(const struct snap_png *opt, const struct snap_png *best,
    int few)
{
	if (opt->level != best->level)
		return (0);
	if (few)
		return (opt->filter == best->palette &&
		    opt->strategy == best->palette_strategy);
	return (opt->filter == best->filter && opt->strategy == best->strategy);
}

static void
bench_table(int runs, const struct snap_png *best)
{
	struct snap_png	 opt;
	struct result	 r;
	size_t		 f, s, i;
	int		 level;

	printf("| fixture | level | filter | strategy | ms (median of %d) | "
	    "CPU ms | bytes | x pnmtopng |\n|---|---|---|---|---|---|---|---|\n",
	    runs);
	for (i = 0; i < NFIXTURES; i++) {
		for (level = 1; level <= 3; level++) {
			for (f = 0; f < NFILTERS; f++) {
				for (s = 0; s < NSTRATEGIES; s++) {
					opt.level = level;
					/* The filter, for either colour type. */
					opt.filter = filters[f].filter;
					opt.palette = filters[f].filter;
					opt.strategy = strategies[s].strategy;
					opt.threads = best->threads;
					opt.palette_strategy = opt.strategy;
					r = bench_run(&fixtures[i], &opt, runs,
					    NULL);
					printf("| %s | %d | %s | %s | %.1f | "
					    "%.1f | %zu | %.2f |%s\n",
					    fixtures[i].name, level,
					    filters[f].name,
					    strategies[s].name, r.ms, r.cpu,
					    r.size,
					    (double)r.size /
					    fixtures[i].ref_size,
					    bench_is_best(&opt, best,
					    i == 0) ? " **chosen**" : "");
					fflush(stdout);
				}
			}
		}
	}
}

static void
bench_chosen(int runs, const struct snap_png *best)
{
	struct snap_png	 rgb;
	struct result	 r;
	double		 parts[2];
	size_t		 i;

	printf("| fixture | ms (median of %d) | fastest | CPU ms | capture | "
	    "encode | bytes | pnmtopng bytes | ratio | pnmtopng ms "
	    "|\n|---|---|---|---|---|---|---|---|---|---|\n", runs);
	for (i = 0; i < NFIXTURES; i++) {
		r = bench_run(&fixtures[i], best, runs, parts);
		printf("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %zu | "
		    "%zu | %.2f | %.0f |\n", fixtures[i].name, r.ms, r.min,
		    r.cpu, parts[0], parts[1], r.size, fixtures[i].ref_size,
		    (double)r.size / fixtures[i].ref_size, fixtures[i].ref_ms);
		fflush(stdout);
	}
	/* What the palette saves on the console. */
	rgb = *best;
	rgb.palette = 0;
	r = bench_run(&fixtures[0], &rgb, runs, parts);
	printf("| %s, palette off | %.1f | %.1f | %.1f | %.1f | %.1f | "
	    "%zu | %zu | %.2f | %.0f |\n", fixtures[0].name, r.ms, r.min, r.cpu,
	    parts[0], parts[1], r.size, fixtures[0].ref_size,
	    (double)r.size / fixtures[0].ref_size, fixtures[0].ref_ms);
}

/* Check the chosen output decodes to the pixels it came from. */
static void
bench_verify(struct fixture *fx, const struct snap_png *best)
{
	struct snap_geom	 g;
	struct snap_image	 img;
	uint8_t			*png, *back;
	uint32_t		 w, h;
	size_t			 plen;
	double			 t[2];
	char			*cause;

	plen = bench_once(fx, best, t, &png);
	if (snap_fake_open(&fx->fake, &g, &img, &cause) != 0)
		fatalx("%s", cause);
	if ((back = pngread_rgb(png, plen, SNAP_MAX_SIDE, SNAP_MAX_SIDE, 1, &w,
	    &h, &cause)) == NULL)
		fatalx("decode: %s", cause);
	if (w != img.width || h != img.height ||
	    memcmp(back, img.rgb, (size_t)img.width * img.height * 3) != 0)
		fatalx("%s: the PNG does not decode to its pixels", fx->name);
	free(back);
	free(png);
	snap_image_free(&img);
}

/* One fixture as the raw XRGB file a fake framebuffer reads. */
static void
fixture_write(int i, const char *path)
{
	char	*copy = xstrdup(path);

	fixture_make(&fixtures[i], dirname(copy), i);
	if (rename(fixtures[i].path, path) != 0)
		fatal("%s", path);
	free(copy);
}

int
main(int argc, char **argv)
{
	const struct snap_png	*best = &snap_png_default;
	char			 tmp[] = "/tmp/snapbench.XXXXXX", *cmd;
	const char		*dir = NULL;
	int			 ch, runs = 5;
	size_t			 i;

	log_open("snapbench", 0, LOG_TO_STDERR);
	while ((ch = getopt(argc, argv, "d:n:p:w:")) != -1) {
		if (ch == 'd')
			dir = optarg;
		else if (ch == 'w' || ch == 'p') {
			/* A frame for bench.py: the desktop, or the photo. */
			fixture_write(ch == 'w' ? 1 : 3, optarg);
			return (0);
		} else if (ch != 'n' || (runs = atoi(optarg)) < 1 ||
		    runs > 1000) {
			fprintf(stderr, "usage: snapbench [-n runs] [-d dir] "
			    "[-w file | -p file]\n");
			return (2);
		}
	}
	if (dir == NULL && (dir = mkdtemp(tmp)) == NULL)
		fatal("mkdtemp");
	for (i = 0; i < NFIXTURES; i++) {
		fixture_make(&fixtures[i], dir, i);
		bench_reference(&fixtures[i], dir, i);
		bench_verify(&fixtures[i], best);
	}
	printf("Chosen (agentd/snappng.c): level %d; RGB with filter %s and "
	    "strategy %s, a palette (<= 256 colours) with filter %s and "
	    "strategy %s; every fixture decodes back to its exact pixels.\n\n",
	    best->level, bench_filter_name(best->filter),
	    best->strategy == Z_RLE ? "Z_RLE" : "default",
	    bench_filter_name(best->palette),
	    best->palette_strategy == Z_RLE ? "Z_RLE" : "default");
	bench_chosen(4 * runs + 1, best);
	printf("\n");
	bench_table(runs, best);
	if (dir != tmp)
		return (0);
	xasprintf(&cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		error("%s: not removed", dir);
	free(cmd);
	return (0);
}
