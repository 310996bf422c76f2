/* SPDX-License-Identifier: ISC */

/*
 * The viewer's reader of the live-view tile stream: messages one after
 * another, each header checked by tiles_header() and its rectangles
 * composed by tiles_apply() onto one frame, as the viewer does. What is
 * composed stays inside the frame; a bad message leaves a usable frame.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../tui/tether.h"

/* Frames up to this many pixels: the bound itself is tiles_header's. */
#define FUZZ_TILES_PIXELS	(1024 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tiles_frame	 f = { 0, 0, NULL };
	struct tiles_head	 h;
	struct tiles_rect	 box;
	char			*cause = NULL;
	size_t			 off = 0;

	while (size - off >= 16) {
		if (tiles_header(data + off, &h, &cause) != 0) {
			if (cause == NULL || *cause == '\0')
				fuzz_fail("header refused without a cause");
			free(cause);
			break;
		}
		off += 16;
		if (h.rest > size - off ||
		    (size_t)h.w * h.h > FUZZ_TILES_PIXELS)
			break;
		if (tiles_apply(&f, &h, data + off, &box, &cause) != 0) {
			if (cause == NULL || *cause == '\0')
				fuzz_fail("message refused without a cause");
			free(cause);
			cause = NULL;
		} else if (box.w != 0 && (box.x + box.w > f.w ||
		    box.y + box.h > f.h))
			fuzz_fail("changed box %ux%u at %u,%u outside %ux%u",
			    box.w, box.h, box.x, box.y, f.w, f.h);
		if (f.rgb != NULL && (f.w != h.w || f.h != h.h) &&
		    (h.flags & 1))
			fuzz_fail("a reset to %ux%u left %ux%u", h.w, h.h, f.w,
			    f.h);
		off += h.rest;
	}
	tiles_frame_free(&f);
	return (0);
}
