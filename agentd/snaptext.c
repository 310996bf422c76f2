/* SPDX-License-Identifier: ISC */

/*
 * Text console snapshots: a console read from vcsa (and vcsu for Unicode)
 * and formatted as UTF-8 lines, with SGR colours or without.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

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
