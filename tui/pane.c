/* SPDX-License-Identifier: ISC */

/*
 * A scrollable text pane: lines appended as they come (a tool's output,
 * the agent's facts), drawn into a rectangle of the screen, with search.
 * Control characters are shown as ^X so that nothing from the agent can
 * move the cursor or change the terminal.
 */

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tether.h"

#define PANE_MAX_LINES	100000

void
pane_init(struct pane *p)
{
	memset(p, 0, sizeof *p);
	p->follow = 1;
	p->match = -1;
}

void
pane_free(struct pane *p)
{
	int	 i;

	for (i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->partial);
	pane_init(p);
}

static void
pane_line(struct pane *p, const char *s, size_t n)
{
	if (p->n == PANE_MAX_LINES) {
		/* Keep the newest: drop the oldest tenth in one move. */
		int drop = PANE_MAX_LINES / 10, i;

		for (i = 0; i < drop; i++)
			free(p->lines[i]);
		memmove(p->lines, p->lines + drop, (p->n - drop) *
		    sizeof *p->lines);
		p->n -= drop;
		p->top = p->top > drop ? p->top - drop : 0;
	}
	if (p->n == p->size) {
		p->size = p->size == 0 ? 64 : p->size * 2;
		p->lines = xreallocarray(p->lines, p->size, sizeof *p->lines);
	}
	p->lines[p->n] = xmalloc(n + 1);
	memcpy(p->lines[p->n], s, n);
	p->lines[p->n][n] = '\0';
	p->n++;
}

/* Append text; a line without its newline yet waits for the rest. */
void
pane_add(struct pane *p, const char *s, size_t n)
{
	const char	*nl;
	char		*joined;
	size_t		 k;

	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		k = nl - s;
		if (k > 0 && s[k - 1] == '\r')
			k--;
		if (p->partial != NULL) {
			xasprintf(&joined, "%s%.*s", p->partial, (int)k, s);
			pane_line(p, joined, strlen(joined));
			free(joined);
			free(p->partial);
			p->partial = NULL;
		} else
			pane_line(p, s, k);
		n -= nl - s + 1;
		s = nl + 1;
	}
	if (n > 0) {
		if (p->partial != NULL) {
			xasprintf(&joined, "%s%.*s", p->partial, (int)n, s);
			free(p->partial);
			p->partial = joined;
		} else {
			p->partial = xmalloc(n + 1);
			memcpy(p->partial, s, n);
			p->partial[n] = '\0';
		}
	}
}

void
pane_addstr(struct pane *p, const char *s)
{
	pane_add(p, s, strlen(s));
}

/* The last line, even without its newline: at the end of the output. */
void
pane_flush(struct pane *p)
{
	if (p->partial != NULL) {
		pane_line(p, p->partial, strlen(p->partial));
		free(p->partial);
		p->partial = NULL;
	}
}

/*
 * One screen row of a line from s: at most w columns, control characters
 * made visible. Drawn when draw is set, else only measured. Returns where
 * the next row starts, at the NUL when the line is done.
 */
static const char *
pane_row(const char *s, int w, int draw)
{
	mbstate_t	 mb;
	wchar_t		 wc;
	size_t		 k;
	int		 col = 0, cw;

	memset(&mb, 0, sizeof mb);
	while (*s != '\0' && col < w) {
		k = mbrtowc(&wc, s, MB_CUR_MAX, &mb);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&mb, 0, sizeof mb);
			wc = L'?';
			k = 1;
		}
		if (wc == L'\t') {
			cw = 8 - col % 8;
			if (col + cw > w)
				cw = w - col;
			if (draw)
				printw("%*s", cw, "");
		} else if (wc < 32 || wc == 127) {
			if ((cw = 2) + col > w)
				break;
			if (draw)
				printw("^%c", wc == 127 ? '?' : (int)wc + '@');
		} else if ((cw = wcwidth(wc)) < 0) {
			cw = 1;
			if (draw)
				addch('?');
		} else if (col + cw > w)
			break;
		else if (draw)
			addnwstr(&wc, 1);
		col += cw;
		s += k;
	}
	return (s);
}

/* Rows a line takes: one when cut at the edge, more when wrapped. */
static int
pane_rows(const struct pane *p, const char *s, int w)
{
	int	 n = 1;

	if (p->nowrap || w < 1)
		return (1);
	while (*(s = pane_row(s, w, 0)) != '\0')
		n++;
	return (n);
}

/* Draw a line from row y, at most rows rows; the rows it took. */
static int
pane_draw_line(const struct pane *p, const char *s, int y, int x, int w,
    int rows, int hl)
{
	int	 n = 0;

	if (hl)
		attron(A_REVERSE);
	do {
		move(y + n, x);
		s = pane_row(s, w, 1);
		n++;
	} while (!p->nowrap && *s != '\0' && n < rows);
	if (hl)
		attroff(A_REVERSE);
	return (n);
}

static const char *
pane_text(const struct pane *p, int i)
{
	return (i < p->n ? p->lines[i] : p->partial);
}

/* The first line to show so that the last one ends at the bottom. */
static int
pane_bottom(const struct pane *p, int total, int h, int w)
{
	int	 i, rows = 0;

	for (i = total - 1; i >= 0; i--) {
		if ((rows += pane_rows(p, pane_text(p, i), w)) > h)
			return (i + 1 < total ? i + 1 : i);
	}
	return (0);
}

void
pane_draw(struct pane *p, int y, int x, int h, int w)
{
	int	 i, row = 0, total = p->n + (p->partial != NULL), last;

	p->h = h;
	p->bottom = last = pane_bottom(p, total, h, w);
	if (p->follow || p->top > last)
		p->top = last;
	if (p->top < 0)
		p->top = 0;
	for (i = p->top; row < h && i < total; i++)
		row += pane_draw_line(p, pane_text(p, i), y + row, x, w,
		    h - row, i == p->match);
}

/* Search forward from the line after the top, wrapping once. */
static int
pane_find(struct pane *p, const char *what)
{
	int	 i, k;

	if (p->n == 0 || *what == '\0')
		return (-1);
	for (k = 1; k <= p->n; k++) {
		i = (p->top + k) % p->n;
		if (strstr(p->lines[i], what) != NULL)
			return (i);
	}
	return (-1);
}

void
pane_search(struct pane *p, const char *what)
{
	int	 i;

	snprintf(p->needle, sizeof p->needle, "%s", what);
	if ((i = pane_find(p, p->needle)) == -1) {
		p->match = -1;
		return;
	}
	p->match = i;
	p->top = i;
	p->follow = 0;
}

/* Scrolling keys; 1 if the key was one. */
int
pane_key(struct pane *p, int key)
{
	int	 total = p->n + (p->partial != NULL), page = p->h > 1 ?
	    p->h - 1 : 1;

	switch (key) {
	case KEY_UP:
	case 'k':
		p->top--;
		break;
	case KEY_DOWN:
	case 'j':
		p->top++;
		break;
	case KEY_PPAGE:
	case 'b':
		p->top -= page;
		break;
	case KEY_NPAGE:
	case ' ':
		p->top += page;
		break;
	case KEY_HOME:
	case 'g':
		p->top = 0;
		break;
	case KEY_END:
	case 'G':
		p->top = total;
		break;
	case 'n':
		pane_search(p, p->needle);
		return (1);
	case 'w':
		/* Long lines wrap, or are cut at the edge. */
		p->nowrap = !p->nowrap;
		return (1);
	default:
		return (0);
	}
	if (p->top < 0)
		p->top = 0;
	/* At the bottom, new output scrolls into view again. */
	p->follow = p->top >= p->bottom;
	return (1);
}
