/* SPDX-License-Identifier: ISC */

/*
 * The snapshot verb: which screen was asked for, in which format, and its
 * bytes written to the channel, or "unchanged" when the client already has
 * the frame. The capture and the encoding are in snapcap.c, snappng.c and
 * snaptext.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tetherd.h"

/*
 * snapshot: what a screen shows, as the bytes of an image or text on
 * stdout. Statuses: 0 written, 1 capture failed, 2 usage, 3 unchanged.
 */
#define SNAP_USAGE "usage: snapshot [fbN|vcN] [--format png|ppm|txt|ansi] " \
	"[--hash] [--unless HASH] [--tiles]\n"
#define SNAP_UNCHANGED	3
#define SNAP_TILE_GAP_NS 40000000LL

struct snap_req {
	const char	*dev;		/* fbN, vcN or NULL for the default */
	const char	*format;	/* NULL for the device's default */
	const char	*unless;
	int		 hash;
	int		 tiles;		/* a live-view stream of tiles */
};

static int
snap_verb_args(int argc, char **argv, struct snap_req *r, char **out)
{
	int	 i;

	memset(r, 0, sizeof *r);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hash") == 0)
			r->hash = 1;
		else if (strcmp(argv[i], "--tiles") == 0)
			r->tiles = 1;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			r->format = argv[++i];
		else if (strcmp(argv[i], "--unless") == 0 && i + 1 < argc)
			r->unless = argv[++i];
		else if (argv[i][0] != '-' && r->dev == NULL)
			r->dev = argv[i];
		else {
			xasprintf(out, "snapshot: bad argument \"%s\"\n"
			    SNAP_USAGE, argv[i]);
			return (-1);
		}
	}
	if (r->dev != NULL && (strlen(r->dev) < 3 || strlen(r->dev) > 5 ||
	    (strncmp(r->dev, "fb", 2) != 0 && strncmp(r->dev, "vc", 2) != 0) ||
	    strspn(r->dev + 2, "0123456789") != strlen(r->dev + 2))) {
		xasprintf(out, "snapshot: \"%s\" is not fbN or vcN\n"
		    SNAP_USAGE, r->dev);
		return (-1);
	}
	if (r->format != NULL && strcmp(r->format, "png") != 0 &&
	    strcmp(r->format, "ppm") != 0 && strcmp(r->format, "txt") != 0 &&
	    strcmp(r->format, "ansi") != 0) {
		xasprintf(out, "snapshot: unknown format \"%s\"\n" SNAP_USAGE,
		    r->format);
		return (-1);
	}
	if (r->tiles && (r->hash || r->unless != NULL || (r->format != NULL &&
	    strcmp(r->format, "png") != 0))) {
		xasprintf(out, "snapshot: --tiles goes alone or with --format "
		    "png\n" SNAP_USAGE);
		return (-1);
	}
	return (0);
}

/* The listed device whose last component is name, as "fb1" or "vcsa2". */
static const char *
snap_verb_dev(const struct strlist *l, const char *name)
{
	const char	*base;
	int		 i;

	for (i = 0; i < l->n; i++) {
		base = strrchr(l->v[i], '/');
		base = base != NULL ? base + 1 : l->v[i];
		if (strcmp(base, name) == 0)
			return (l->v[i]);
	}
	return (NULL);
}

/* --unless HASH: is the frame the one the client has? */
static int
snap_verb_same(const struct snap_req *r, uint64_t h, char **out)
{
	char	 hex[32];

	snprintf(hex, sizeof hex, "%016" PRIx64, h);
	if (r->unless == NULL || strcmp(r->unless, hex) != 0)
		return (0);
	xasprintf(out, "unchanged %s\n", hex);
	return (1);
}

/* --hash or --unless: the hash of the frame sent, first, on stderr. */
static void
snap_verb_say(const struct snap_req *r, uint64_t h)
{
	if (r->hash || r->unless != NULL) {
		fprintf(stderr, "hash %016" PRIx64 "\n", h);
		fflush(stderr);
	}
}

static int
snap_verb_write(const void *p, size_t len, char **out)
{
	if (fwrite(p, 1, len, stdout) != len || fflush(stdout) != 0) {
		xasprintf(out, "snapshot: write: %s\n", strerror(errno));
		return (1);
	}
	return (0);
}

/* The next request of a tile stream: 'n' next, 'r' whole, 0 at the end. */
static int
snap_verb_request(void)
{
	ssize_t	 n;
	char	 ch;

	do
		n = read(STDIN_FILENO, &ch, 1);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return (0);
	return ((unsigned char)ch);
}

/* Requests closer than this wait: a stream is at most 25 frames a second. */
static void
snap_verb_pace(struct timespec *last)
{
	struct timespec	 now, wait;
	long long	 ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (now.tv_sec - last->tv_sec) * 1000000000LL +
	    (now.tv_nsec - last->tv_nsec);
	if (ns >= 0 && ns < SNAP_TILE_GAP_NS) {
		ns = SNAP_TILE_GAP_NS - ns;
		wait.tv_sec = 0;
		wait.tv_nsec = ns;
		while (nanosleep(&wait, &wait) == -1 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
	}
	*last = now;
}

/* One frame of a tile stream: capture, compare, and the message out. */
static int
snap_verb_tile(struct chan *c, const char *path, struct snap_tiles *t,
    int reset, struct snap_buf *b, char **out)
{
	const struct conf_fake_fb	*fake = &c->sess->ag->conf.snapshot.fake_fb;
	struct snap_geom		 g;
	const uint8_t			*mem;
	char				*cause;
	int				 rc;

	if (path == fake->path)
		rc = snap_fake_map(fake, &g, &mem, &cause);
	else
		rc = snap_fb_map(path, &g, &mem, &cause);
	if (rc != 0) {
		xasprintf(out, "snapshot: %s\n", cause);
		free(cause);
		return (1);
	}
	reset = snap_tiles_diff(t, &g, mem, reset);
	snap_unmap(&g, mem);
	if (snap_tiles_message(t, reset, b, &cause) != 0) {
		xasprintf(out, "snapshot: %s: %s\n", path, cause);
		free(cause);
		return (1);
	}
	return (snap_verb_write(b->p, b->len, out));
}

/*
 * --tiles: a live-view stream. Each request byte on stdin gets one
 * message on stdout ('n': what changed since the last, 'r': the whole
 * frame), until stdin ends; tetherd(8) describes the messages.
 */
static int
snap_verb_tiles(struct chan *c, const char *path, char **out)
{
	struct snap_tiles	 t;
	struct snap_buf		 b;
	struct timespec		 last = { 0, 0 };
	int			 req, rc = 0;

	snap_tiles_init(&t);
	b.size = 65536;
	b.len = 0;
	b.p = xmalloc(b.size);
	while ((req = snap_verb_request()) != 0) {
		if (req != 'n' && req != 'r') {
			xasprintf(out, "snapshot: --tiles: request 0x%02x is "
			    "not n or r\n", req);
			rc = 2;
			break;
		}
		snap_verb_pace(&last);
		if ((rc = snap_verb_tile(c, path, &t, req == 'r', &b,
		    out)) != 0)
			break;
	}
	free(b.p);
	snap_tiles_free(&t);
	return (rc);
}

static int
snap_verb_fb(struct chan *c, const struct snap_req *r, const char *path,
    char **out)
{
	const struct conf_fake_fb	*fake = &c->sess->ag->conf.snapshot.fake_fb;
	struct snap_geom		 g;
	struct snap_image		 img;
	const uint8_t			*mem;
	uint8_t				*png;
	uint64_t			 h;
	size_t				 len;
	char				*cause;
	int				 rc;

	if (r->format != NULL && strcmp(r->format, "png") != 0 &&
	    strcmp(r->format, "ppm") != 0) {
		xasprintf(out, "snapshot: %s: a framebuffer is an image: "
		    "format png or ppm\n", path);
		return (2);
	}
	if (r->tiles)
		return (snap_verb_tiles(c, path, out));
	if (path == fake->path)
		rc = snap_fake_map(fake, &g, &mem, &cause);
	else
		rc = snap_fb_map(path, &g, &mem, &cause);
	if (rc != 0) {
		xasprintf(out, "snapshot: %s\n", cause);
		free(cause);
		return (1);
	}
	/* Unchanged: one pass over the memory, and no copy. */
	if (r->unless != NULL && snap_verb_same(r, snap_hash(&g,
	    snap_visible(&g, mem), g.stride), out)) {
		snap_unmap(&g, mem);
		return (SNAP_UNCHANGED);
	}
	/* The hash of the very bytes encoded, if the screen moved since. */
	snap_capture(&g, mem, &img, r->hash || r->unless != NULL ? &h : NULL);
	snap_unmap(&g, mem);
	if (r->hash || r->unless != NULL)
		snap_verb_say(r, h);
	if (r->format != NULL && strcmp(r->format, "ppm") == 0) {
		png = (uint8_t *)snap_encode_ppm(&img, &len);
		rc = 0;
	} else
		rc = snap_encode_png(&img, &snap_png_default, &png, &len,
		    &cause);
	snap_image_free(&img);
	if (rc != 0) {
		xasprintf(out, "snapshot: %s: %s\n", path, cause);
		free(cause);
		return (1);
	}
	rc = snap_verb_write(png, len, out);
	free(png);
	return (rc);
}

static int
snap_verb_vc(const struct snap_req *r, const char *vcsa, const char *vcsu,
    char **out)
{
	struct snap_text	 t;
	uint64_t		 h;
	char			*text, *cause;
	size_t			 len;
	int			 rc;

	if (r->tiles) {
		xasprintf(out, "snapshot: %s: a text console has no tiles: "
		    "--tiles is for a framebuffer\n", vcsa);
		return (2);
	}
	if (r->format != NULL && strcmp(r->format, "txt") != 0 &&
	    strcmp(r->format, "ansi") != 0) {
		xasprintf(out, "snapshot: %s: a text console is text: format "
		    "txt or ansi\n", vcsa);
		return (2);
	}
	if (snap_vc_read(vcsa, vcsu, &t, &cause) != 0) {
		xasprintf(out, "snapshot: %s\n", cause);
		free(cause);
		return (1);
	}
	text = snap_text_format(&t, r->format == NULL ||
	    strcmp(r->format, "ansi") == 0, &len);
	snap_text_free(&t);
	h = snap_hash_bytes(text, len);
	if (snap_verb_same(r, h, out))
		rc = SNAP_UNCHANGED;
	else {
		snap_verb_say(r, h);
		rc = snap_verb_write(text, len, out);
	}
	free(text);
	return (rc);
}

/* vcN: the listed /dev/vcsaN (or the fake for vc1), and vcsuN if there. */
static int
snap_verb_text(struct chan *c, const struct snap_req *r, const char *n,
    char **out)
{
	const struct conf_snapshot	*cs = &c->sess->ag->conf.snapshot;
	const char			*vcsa;
	char				 name[16], *vcsu;
	int				 rc;

	if (strcmp(n, "1") == 0 && cs->fake_vc.vcsa[0] != '\0')
		return (snap_verb_vc(r, cs->fake_vc.vcsa,
		    cs->fake_vc.vcsu[0] != '\0' ? cs->fake_vc.vcsu : NULL,
		    out));
	snprintf(name, sizeof name, "vcsa%s", n);
	if ((vcsa = snap_verb_dev(&cs->vc, name)) == NULL) {
		xasprintf(out, "snapshot: vc%s: no %s in snapshot.vc\n", n,
		    name);
		return (1);
	}
	/* /dev/vcsuN has the characters as code points (Linux 5.3+). */
	vcsu = xstrdup(vcsa);
	memcpy(strrchr(vcsu, '/') != NULL ? strrchr(vcsu, '/') + 4 : vcsu + 3,
	    "u", 1);
	if (access(vcsu, R_OK) != 0) {
		free(vcsu);
		vcsu = NULL;
	}
	rc = snap_verb_vc(r, vcsa, vcsu, out);
	free(vcsu);
	return (rc);
}

static int
snap_verb_image(struct chan *c, const struct snap_req *r, const char *n,
    char **out)
{
	const struct conf_snapshot	*cs = &c->sess->ag->conf.snapshot;
	const char			*path;
	char				 name[16];

	if (strcmp(n, "0") == 0 && cs->fake_fb.path[0] != '\0')
		return (snap_verb_fb(c, r, cs->fake_fb.path, out));
	snprintf(name, sizeof name, "fb%s", n);
	if ((path = snap_verb_dev(&cs->fb, name)) == NULL) {
		xasprintf(out, "snapshot: %s: not in snapshot.fb\n", name);
		return (1);
	}
	return (snap_verb_fb(c, r, path, out));
}

/* No device named: fb0, or vc1 as ansi when there is no framebuffer. */
static int
snap_verb_default(struct chan *c, struct snap_req *r, char **out)
{
	const struct conf_snapshot	*cs = &c->sess->ag->conf.snapshot;
	const char			*fb0;

	if (r->tiles)
		return (snap_verb_image(c, r, "0", out));
	if (r->format != NULL) {
		if (strcmp(r->format, "png") == 0 ||
		    strcmp(r->format, "ppm") == 0)
			return (snap_verb_image(c, r, "0", out));
		return (snap_verb_text(c, r, "1", out));
	}
	fb0 = snap_verb_dev(&cs->fb, "fb0");
	if (cs->fake_fb.path[0] != '\0' || (fb0 != NULL &&
	    access(fb0, F_OK) == 0))
		return (snap_verb_image(c, r, "0", out));
	return (snap_verb_text(c, r, "1", out));
}

int
snap_verb(struct chan *c, int argc, char **argv, char **out)
{
	struct snap_req	 r;

	if (snap_verb_args(argc, argv, &r, out) != 0)
		return (2);
	if (r.dev == NULL)
		return (snap_verb_default(c, &r, out));
	if (strncmp(r.dev, "fb", 2) == 0)
		return (snap_verb_image(c, &r, r.dev + 2, out));
	return (snap_verb_text(c, &r, r.dev + 2, out));
}

/* In the listener, before the verb's own process: who asked for what. */
void
snap_verb_audit(struct chan *c, int argc, char **argv)
{
	struct snap_req	 r;
	char		*out = NULL;

	if (snap_verb_args(argc, argv, &r, &out) != 0) {
		free(out);
		return;
	}
	audit(c->sess->ag, "snapshot", "session", c->sess->id, "device",
	    r.dev != NULL ? r.dev : "default", "format",
	    r.format != NULL ? r.format : "default", "unless",
	    r.unless != NULL ? r.unless : "", "tiles", r.tiles ? "yes" : "no",
	    (char *)NULL);
}
