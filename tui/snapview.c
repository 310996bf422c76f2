/* SPDX-License-Identifier: ISC */

/*
 * The snapshot command: the agent's "snapshot" verb saved to a file, or
 * shown full screen. An image is scaled to the terminal by area average
 * and drawn with upper-half blocks, upper pixel as foreground and lower as
 * background; a text console is shown as its text, in its colours.
 */

#include <sys/stat.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "tether.h"

#define SNAPVIEW_LIVE_MS	200	/* live view: at most 5 frames a second */
#define SNAPVIEW_ZOOM_MAX	16

struct snapview {
	struct client	*c;
	const char	*dev;		/* fbN, vcN or NULL */
	char		*data;		/* the last answer, as received */
	size_t		 len;
	int		 png;
	uint8_t		*rgb;		/* decoded image */
	uint32_t	 w;
	uint32_t	 h;
	char		 hash[17];
	int		 zoom;
	double		 px;		/* view origin, in image pixels */
	double		 py;
	int		 live;
	struct tiles_stream stream;	/* live view of an image, by tiles */
	int		 streaming;
	unsigned	 frames;
	unsigned	 skipped;
	char		 status[256];
};

static int
snapview_word_ok(const char *s)
{
	return (*s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789") == strlen(s));
}

/* The verb's command line; words are plain, so no quoting is needed. */
static char *
snapview_command(const char *dev, const char *format, const char *extra)
{
	char	*s;

	xasprintf(&s, "snapshot%s%s%s%s%s%s", dev != NULL ? " " : "",
	    dev != NULL ? dev : "", format != NULL ? " --format " : "",
	    format != NULL ? format : "", extra != NULL ? " " : "",
	    extra != NULL ? extra : "");
	return (s);
}

/* Write a file whole or not at all (or to standard output for "-"). */
static int
snapview_write(const char *path, const char *data, size_t len, char **cause)
{
	char	*copy, *slash;
	int	 rc;

	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			xasprintf(cause, "stdout: %s", strerror(errno));
			return (-1);
		}
		return (0);
	}
	copy = xstrdup(path);
	if ((slash = strrchr(copy, '/')) == NULL)
		rc = file_write_atomic(".", copy, data, len, 0644, cause);
	else if (slash[1] == '\0') {
		xasprintf(cause, "%s: a file name is needed", path);
		rc = -1;
	} else {
		*slash = '\0';
		rc = file_write_atomic(slash == copy ? "/" : copy, slash + 1,
		    data, len, 0644, cause);
	}
	free(copy);
	return (rc);
}

/* Decode a PNG answer into 8-bit RGB. */
static int
snapview_decode(struct snapview *v)
{
	uint8_t		*rgb;
	uint32_t	 w, h;
	char		*cause;

	if ((rgb = pngread_rgb(v->data, v->len, SNAPVIEW_MAX_SIDE,
	    SNAPVIEW_MAX_SIDE, 0, &w, &h, &cause)) == NULL) {
		snprintf(v->status, sizeof v->status, "%s", cause);
		free(cause);
		return (-1);
	}
	free(v->rgb);
	v->rgb = rgb;
	v->w = w;
	v->h = h;
	return (0);
}

/* Ask for a frame; "unchanged" keeps the one shown. 1 if it changed. */
static int
snapview_fetch(struct snapview *v)
{
	struct client_out	 o;
	char			*cmd, *cause, *p, extra[64];

	/* The agent answers "unchanged" (status 3) for the frame we have. */
	if (v->hash[0] != '\0')
		snprintf(extra, sizeof extra, "--unless %s", v->hash);
	else
		snprintf(extra, sizeof extra, "--hash");
	cmd = snapview_command(v->dev, NULL, extra);
	if (client_run(v->c, cmd, &o, &cause) != 0) {
		snprintf(v->status, sizeof v->status, "%s", cause);
		free(cause);
		free(cmd);
		return (-1);
	}
	free(cmd);
	if (o.status == 3) {
		v->skipped++;
		client_out_free(&o);
		return (0);
	}
	if (o.status != 0) {
		o.err[strcspn(o.err, "\n")] = '\0';
		snprintf(v->status, sizeof v->status, "%s", o.err);
		client_out_free(&o);
		return (-1);
	}
	if ((p = strstr(o.err, "hash ")) != NULL && strlen(p + 5) >= 16) {
		memcpy(v->hash, p + 5, 16);
		v->hash[16] = '\0';
	}
	free(o.err);
	free(v->data);
	v->data = o.out;
	v->len = o.outlen;
	v->frames++;
	v->png = v->len >= 8 && memcmp(v->data, "\211PNG\r\n\032\n", 8) ==
	    0;
	if (v->png && snapview_decode(v) != 0)
		return (-1);
	return (1);
}

/* An RGB colour as a terminal colour: direct, the 256 palette, or 8. */
static int
snapview_colour(const uint8_t *c)
{
	static const int	 level[6] = { 0, 95, 135, 175, 215, 255 };
	int			 i, q[3], grey, dc = 0, dg;

	if (COLORS >= 0x1000000)
		return (c[0] << 16 | c[1] << 8 | c[2]);
	if (COLORS < 256)
		return ((c[0] > 127) | (c[1] > 127) << 1 | (c[2] > 127) << 2);
	for (i = 0; i < 3; i++) {
		q[i] = c[i] < 48 ? 0 : c[i] < 115 ? 1 : (c[i] - 35) / 40;
		dc += (c[i] - level[q[i]]) * (c[i] - level[q[i]]);
	}
	grey = (c[0] + c[1] + c[2]) / 3;
	grey = grey < 8 ? 0 : grey > 238 ? 23 : (grey - 3) / 10;
	dg = 0;
	for (i = 0; i < 3; i++)
		dg += (c[i] - (8 + 10 * grey)) * (c[i] - (8 + 10 * grey));
	if (dg < dc)
		return (232 + grey);
	return (16 + 36 * q[0] + 6 * q[1] + q[2]);
}

/* The mean colour of the image box [x0,x1) x [y0,y1), clipped. */
static void
snapview_mean(const struct snapview *v, double x0, double y0, double x1,
    double y1, uint8_t *out)
{
	long		 sx0 = x0, sy0 = y0, sx1 = x1, sy1 = y1, x, y;
	unsigned long	 sum[3] = { 0, 0, 0 }, n = 0;
	const uint8_t	*p;

	if (sx1 <= sx0)
		sx1 = sx0 + 1;
	if (sy1 <= sy0)
		sy1 = sy0 + 1;
	if (sx0 < 0 || sy0 < 0 || sx0 >= (long)v->w || sy0 >= (long)v->h) {
		memset(out, 0, 3);
		return;
	}
	if (sx1 > (long)v->w)
		sx1 = v->w;
	if (sy1 > (long)v->h)
		sy1 = v->h;
	for (y = sy0; y < sy1; y++) {
		p = v->rgb + ((size_t)y * v->w + sx0) * 3;
		for (x = sx0; x < sx1; x++, p += 3) {
			sum[0] += p[0];
			sum[1] += p[1];
			sum[2] += p[2];
			n++;
		}
	}
	out[0] = sum[0] / n;
	out[1] = sum[1] / n;
	out[2] = sum[2] / n;
}

/* Image pixels per half cell: the whole image fits at zoom 1. */
static double
snapview_scale(const struct snapview *v, int rows, int cols)
{
	double	 sx = (double)v->w / cols, sy = (double)v->h / (2 * rows);

	return ((sx > sy ? sx : sy) / v->zoom);
}

static void
snapview_cell(int y, int x, const uint8_t *up, const uint8_t *down)
{
	static const char	 shade[] = " .:-=+*#%@";
	cchar_t			 cc;
	wchar_t			 wc[2] = { 0x2580, 0 };
	int			 pair, lum;

	if (COLORS < 256) {
		/* Eight colours cannot blend: shade by brightness. */
		lum = (up[0] + up[1] + up[2] + down[0] + down[1] +
		    down[2]) / 6;
		mvaddch(y, x, shade[lum * 9 / 255]);
		return;
	}
	pair = alloc_pair(snapview_colour(up), snapview_colour(down));
	if (pair == -1)
		pair = 0;
	setcchar(&cc, wc, A_NORMAL, 0, &pair);
	mvadd_wch(y, x, &cc);
}

/* The cells [x0,x1) x [y0,y1) of the view, s image pixels a half cell. */
static void
snapview_draw_cells(struct snapview *v, double s, int x0, int y0, int x1,
    int y1)
{
	uint8_t	 up[3], down[3];
	int	 x, y;

	for (y = y0; y < y1; y++) {
		for (x = x0; x < x1; x++) {
			snapview_mean(v, v->px + x * s, v->py + 2 * y * s,
			    v->px + (x + 1) * s, v->py + (2 * y + 1) * s, up);
			snapview_mean(v, v->px + x * s,
			    v->py + (2 * y + 1) * s, v->px + (x + 1) * s,
			    v->py + (2 * y + 2) * s, down);
			snapview_cell(y, x, up, down);
		}
	}
}

static void
snapview_draw_image(struct snapview *v, int rows, int cols)
{
	snapview_draw_cells(v, snapview_scale(v, rows, cols), 0, 0, cols,
	    rows);
}

static int
snapview_clip(long n, int max)
{
	return (n < 0 ? 0 : n > max ? max : (int)n);
}

/*
 * Live view by tiles: redraw only the cells over the image box b, with a
 * cell to spare each way for the rounding of the cells' pixel boxes.
 */
static void
snapview_draw_box(struct snapview *v, const struct tiles_rect *b)
{
	int	 rows = LINES - 1, cols = COLS;
	double	 s = snapview_scale(v, rows, cols);

	snapview_draw_cells(v, s,
	    snapview_clip((long)((b->x - v->px) / s) - 1, cols),
	    snapview_clip((long)((b->y - v->py) / (2 * s)) - 1, rows),
	    snapview_clip((long)((b->x + b->w - v->px) / s) + 2, cols),
	    snapview_clip((long)((b->y + b->h - v->py) / (2 * s)) + 2, rows));
}

/* One SGR sequence of the agent's ansi text: 0, 30-37, 40-47, 7, 90-107. */
static const char *
snapview_sgr(const char *p, int *fg, int *bg, int *rev)
{
	long	 n;
	char	*end;

	for (;;) {
		n = strtol(p, &end, 10);
		if (end == p)
			n = 0;
		if (n == 0) {
			*fg = 7;
			*bg = 0;
			*rev = 0;
		} else if (n == 7)
			*rev = 1;
		else if (n >= 30 && n <= 37)
			*fg = n - 30;
		else if (n >= 90 && n <= 97)
			*fg = n - 90 + 8;
		else if (n >= 40 && n <= 47)
			*bg = n - 40;
		else if (n >= 100 && n <= 107)
			*bg = n - 100 + 8;
		if (*end != ';')
			break;
		p = end + 1;
	}
	return (*end == 'm' ? end + 1 : end);
}

static void
snapview_text_attr(int fg, int bg, int rev)
{
	int	 pair;

	if (!has_colors() || getenv("NO_COLOR") != NULL) {
		attrset(rev ? A_REVERSE : A_NORMAL);
		return;
	}
	if (COLORS < 16) {
		fg &= 7;
		bg &= 7;
	}
	pair = alloc_pair(rev ? bg : fg, rev ? fg : bg);
	attr_set(A_NORMAL, 0, &pair);
}

/* A text console: its characters, with the colours of its SGR codes. */
static void
snapview_draw_text(struct snapview *v, int rows, int cols)
{
	const char	*p = v->data, *end = v->data + v->len;
	wchar_t		 wc;
	mbstate_t	 mb;
	size_t		 n;
	int		 y = 0, x = 0, fg = 7, bg = 0, rev = 0;

	memset(&mb, 0, sizeof mb);
	snapview_text_attr(fg, bg, rev);
	while (p < end && y < rows) {
		if (*p == '\033' && p + 1 < end && p[1] == '[') {
			p = snapview_sgr(p + 2, &fg, &bg, &rev);
			snapview_text_attr(fg, bg, rev);
			continue;
		}
		if (*p == '\n') {
			y++;
			x = 0;
			p++;
			continue;
		}
		n = mbrtowc(&wc, p, end - p, &mb);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&mb, 0, sizeof mb);
			wc = L'?';
			n = 1;
		}
		p += n;
		if (x < cols)
			mvaddnwstr(y, x, &wc, 1);
		x++;
	}
	attrset(A_NORMAL);
}

/* The status line: size, zoom, live, counts, and a message or the keys. */
static void
snapview_draw_status(struct snapview *v)
{
	int	 rows = LINES - 1;

	attrset(A_REVERSE);
	mvhline(rows, 0, ' ', COLS);
	if (v->png)
		mvprintw(rows, 0, " %ux%u zoom %d", v->w, v->h, v->zoom);
	else
		mvprintw(rows, 0, " text");
	/* A message takes the place of the key help. */
	printw("%s  frames %u, unchanged %u  %s", v->live ? " LIVE" : "",
	    v->frames, v->skipped, v->status[0] != '\0' ? v->status :
	    v->png ? "s save  r refresh  l live  +/- zoom  arrows pan  q quit" :
	    "s save  r refresh  l live  q quit");
	attrset(A_NORMAL);
	refresh();
}

static void
snapview_draw(struct snapview *v)
{
	int	 rows = LINES - 1;

	erase();
	if (v->data != NULL && v->png && v->rgb != NULL)
		snapview_draw_image(v, rows, COLS);
	else if (v->data != NULL)
		snapview_draw_text(v, rows, COLS);
	snapview_draw_status(v);
}

/* Keep the view inside the image. */
static void
snapview_clamp(struct snapview *v)
{
	double	 s = snapview_scale(v, LINES - 1, COLS);
	double	 maxx = v->w - s * COLS, maxy = v->h - s * 2 * (LINES - 1);

	if (v->px > maxx)
		v->px = maxx;
	if (v->py > maxy)
		v->py = maxy;
	if (v->px < 0)
		v->px = 0;
	if (v->py < 0)
		v->py = 0;
}

/*
 * s: one path prompt, the same in live view and out of it (the live view
 * waits meanwhile); Enter alone takes the default name, Esc or Ctrl-C
 * saves nothing.
 */
static void
snapview_save(struct snapview *v)
{
	char		 def[64], prompt[128], path[1024] = "", *cause;
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (v->data == NULL)
		return;
	localtime_r(&now, &tm);
	strftime(def, sizeof def - 4, "snapshot-%Y%m%d-%H%M%S", &tm);
	strcat(def, v->png ? ".png" : ".txt");
	snprintf(prompt, sizeof prompt, "save to [%s] (Esc cancels)", def);
	if (ui_prompt(prompt, path, sizeof path, NULL) != 0) {
		snprintf(v->status, sizeof v->status, "not saved");
		return;
	}
	if (path[0] == '\0')
		snprintf(path, sizeof path, "%s", def);
	if (snapview_write(path, v->data, v->len, &cause) != 0) {
		snprintf(v->status, sizeof v->status, "%s", cause);
		free(cause);
	} else
		snprintf(v->status, sizeof v->status, "saved %s", path);
}

/*
 * One message of the tile stream ('n' next, 'r' whole frame), composed
 * onto the frame shown. 0: unchanged, or the changed cells are redrawn
 * already; 1: a whole new frame to draw; -1: the stream failed and live
 * view stopped.
 */
static int
snapview_tiles(struct snapview *v, int req)
{
	struct tiles_frame	 f = { v->w, v->h, v->rgb };
	struct tiles_rect	 box;
	const char		*dump = getenv("TETHER_SNAPVIEW_DUMP");
	char			*cause;
	int			 rc, reset;

	rc = tiles_next(&v->stream, req, &f, &box, &reset, &cause);
	v->rgb = f.rgb;
	v->w = f.w;
	v->h = f.h;
	if (rc != 0) {
		snprintf(v->status, sizeof v->status, "%s", cause);
		free(cause);
		tiles_close(&v->stream);
		v->streaming = v->live = 0;
		timeout(-1);
		return (-1);
	}
	if (dump != NULL && *dump != '\0')
		tiles_dump(&f, dump);
	if (!reset && box.w == 0) {
		v->skipped++;
		return (0);
	}
	v->frames++;
	if (reset)
		return (1);
	snapview_draw_box(v, &box);
	return (0);
}

/* l: live view of an image is a tile stream; of text, a snapshot loop. */
static void
snapview_live(struct snapview *v)
{
	char	*cause;

	v->live = !v->live;
	timeout(v->live ? SNAPVIEW_LIVE_MS : -1);
	if (v->live && v->png) {
		if (tiles_open(&v->stream, v->c, v->dev, &cause) != 0) {
			snprintf(v->status, sizeof v->status, "%s", cause);
			free(cause);
			v->live = 0;
			timeout(-1);
			return;
		}
		v->streaming = 1;
		return;
	}
	if (!v->live && v->streaming) {
		tiles_close(&v->stream);
		v->streaming = 0;
		/* What s saves is the agent's PNG of the frame shown. */
		v->hash[0] = '\0';
		snapview_fetch(v);
	}
}

/* A live view's next frame, either way: 0 unchanged (or drawn), 1 new. */
static int
snapview_tick(struct snapview *v)
{
	if (v->streaming)
		return (snapview_tiles(v, 'n'));
	return (snapview_fetch(v));
}

/* One key; 0 to leave. */
static int
snapview_key(struct snapview *v, int key)
{
	double	 step = snapview_scale(v, LINES - 1, COLS) * 8;

	switch (key) {
	case 'q':
	case 'Q':
	case 033:
		return (0);
	case 's':
		snapview_save(v);
		break;
	case 'r':
		if (v->streaming) {
			snapview_tiles(v, 'r');
			break;
		}
		v->hash[0] = '\0';
		snapview_fetch(v);
		break;
	case 'l':
		snapview_live(v);
		break;
	case '+':
	case '=':
		if (v->zoom < SNAPVIEW_ZOOM_MAX)
			v->zoom *= 2;
		break;
	case '-':
		if (v->zoom > 1)
			v->zoom /= 2;
		break;
	case KEY_LEFT:
		v->px -= step;
		break;
	case KEY_RIGHT:
		v->px += step;
		break;
	case KEY_UP:
		v->py -= step;
		break;
	case KEY_DOWN:
		v->py += step;
		break;
	}
	return (1);
}

static int
snapview_run(struct snapview *v, int own_ui)
{
	int	 key;

	if (own_ui)
		ui_start();
	curs_set(0);
	snapview_fetch(v);
	for (;;) {
		if (v->png)
			snapview_clamp(v);
		snapview_draw(v);
		key = getch();
		/*
		 * Live: an unchanged frame only updates the counts, and tiles
		 * only the cells they cover.
		 */
		while (key == ERR && v->live && snapview_tick(v) == 0) {
			snapview_draw_status(v);
			key = getch();
		}
		if (key == ERR)
			continue;
		v->status[0] = '\0';
		if (!snapview_key(v, key))
			break;
	}
	tiles_close(&v->stream);
	if (own_ui)
		ui_end();
	return (0);
}

/* The session screen's Snapshot: the same view on its connection. */
void
snapview_session(struct client *c)
{
	struct snapview	 v;

	memset(&v, 0, sizeof v);
	v.c = c;
	v.zoom = 1;
	timeout(-1);
	snapview_run(&v, 0);
	free(v.data);
	free(v.rgb);
	clear();
}

static void
snapview_note(const char *msg)
{
	error("%s", msg);
}

/* Save one answer of the verb to path ("-" for stdout). */
static int
snapview_to_file(struct client *c, const char *dev, const char *format,
    const char *path)
{
	char	*cmd, *out, *cause;
	size_t	 len;
	int	 status;

	cmd = snapview_command(dev, format, NULL);
	if (client_exec(c, cmd, &out, &len, &status, &cause) != 0) {
		error("%s", cause);
		free(cause);
		free(cmd);
		return (TETHER_EXIT_CONNECT);
	}
	free(cmd);
	if (status != 0) {
		free(out);
		return (status < 0 ? TETHER_EXIT_CONNECT : status);
	}
	if (snapview_write(path, out, len, &cause) != 0) {
		error("%s", cause);
		free(cause);
		free(out);
		return (1);
	}
	free(out);
	return (0);
}

/*
 * tether ... snapshot [-o FILE] [fbN|vcN] [--format F]: to FILE, to
 * stdout when it is not a terminal, or else the full-screen view.
 */
int
snapview_main(const struct target *t, int argc, char **argv)
{
	struct snapview	 v;
	struct client	 c;
	const char	*dev = NULL, *format = NULL, *path = NULL;
	char		*cause;
	int		 i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    snapview_word_ok(argv[i + 1]))
			format = argv[++i];
		else if (dev == NULL && snapview_word_ok(argv[i]))
			dev = argv[i];
		else {
			error("snapshot: bad argument \"%s\"", argv[i]);
			fprintf(stderr, "usage: tether ... snapshot [-o file] "
			    "[fbN|vcN] [--format png|ppm|txt|ansi]\n");
			return (TETHER_EXIT_USAGE);
		}
	}
	if (path == NULL && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		path = "-";
	if (client_connect(&c, t, snapview_note, &cause) != CLIENT_OK) {
		error("%s", cause);
		free(cause);
		return (TETHER_EXIT_CONNECT);
	}
	if (path != NULL)
		rc = snapview_to_file(&c, dev, format, path);
	else {
		memset(&v, 0, sizeof v);
		v.c = &c;
		v.dev = dev;
		v.zoom = 1;
		rc = snapview_run(&v, 1);
		free(v.data);
		free(v.rgb);
	}
	client_close(&c);
	return (rc);
}

static void
snapview_screen_draw(struct session *s, void *data, int y, int x, int h,
    int w)
{
	(void)s;
	(void)data;
	(void)h;
	mvaddnstr(y, x, "Enter shows the agent's screen (its framebuffer, or "
	    "its text console).", w);
	mvaddnstr(y + 1, x, "There: s saves, r refreshes, l live view, +/- "
	    "zoom, q comes back.", w);
}

static int
snapview_screen_open(struct session *s, void *data)
{
	(void)data;
	snapview_session(s->c);
	timeout(100);
	return (SCREEN_MENU);
}

static int
snapview_screen_key(struct session *s, void *data, int key)
{
	(void)s;
	(void)data;
	(void)key;
	return (SCREEN_MENU);
}

const struct screen screen_snapshot = {
	.name = "Snapshot",
	.draw = snapview_screen_draw,
	.key = snapview_screen_key,
	.open = snapview_screen_open,
};
