/* SPDX-License-Identifier: ISC */

/*
 * The Info screen: the agent's facts (the info verb) in a scrollable pane.
 * Loading it also fills the status bar: the agent's host name, and REC
 * when the session is recorded.
 */

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tether.h"

static void *
info_init(void)
{
	struct pane	*p = xmalloc(sizeof *p);

	pane_init(p);
	return (p);
}

static void
info_free(void *data)
{
	pane_free(data);
	free(data);
}

static void
info_bar(struct session *s, const char *out, size_t len)
{
	yaml_document_t	 doc;
	const char	*v;
	char		*cause;

	if (yr_load(out, len, &doc, &cause) != 0) {
		free(cause);
		return;
	}
	v = yr_scalar(yr_path(&doc, "recording"));
	s->recording = v != NULL && strcmp(v, "true") == 0;
	v = yr_scalar(yr_path(&doc, "require_reason"));
	s->need_reason = v != NULL && strcmp(v, "true") == 0;
	v = yr_scalar(yr_path(&doc, "reason"));
	if (v != NULL && strcmp(v, "null") != 0 && *v != '\0')
		s->need_reason = 0;
	if ((v = yr_scalar(yr_path(&doc, "host"))) != NULL)
		snprintf(s->host, sizeof s->host, "%s", v);
	yaml_document_delete(&doc);
}

static int
info_load(struct session *s, void *data)
{
	struct pane		*p = data;
	struct client_out	 o;
	char			*cause;

	pane_free(p);
	if (client_run(s->c, "info", &o, &cause) != 0) {
		pane_addstr(p, cause);
		pane_flush(p);
		free(cause);
		s->lost = !ssh_is_connected(s->c->session);
		return (-1);
	}
	pane_add(p, o.out, o.outlen);
	pane_add(p, o.err, o.errlen);
	pane_flush(p);
	p->follow = 0;
	p->top = 0;
	info_bar(s, o.out, o.outlen);
	client_out_free(&o);
	return (0);
}

static void
info_draw(struct session *s, void *data, int y, int x, int h, int w)
{
	(void)s;
	pane_draw(data, y, x, h, w);
}

static int
info_key(struct session *s, void *data, int key)
{
	switch (key) {
	case 'r':
		if (info_load(s, data) == 0)
			session_note(s, 0, "the agent's facts, read again");
		return (SCREEN_KEYS);
	case 27:
	case KEY_LEFT:
	case 'q':
		return (SCREEN_MENU);
	}
	pane_key(data, key);
	return (SCREEN_KEYS);
}

static const char *
info_help(void *data)
{
	(void)data;
	return ("arrows scroll, w wraps, r reloads, Esc back");
}

const struct screen screen_info = {
	.name = "Info",
	.help = info_help,
	.init = info_init,
	.load = info_load,
	.draw = info_draw,
	.key = info_key,
	.free = info_free,
};
