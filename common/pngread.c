/* SPDX-License-Identifier: ISC */

/*
 * PNG in memory to 8-bit RGB, through libpng's simplified API: the one
 * decoder of the viewer (snapshots and live-view tiles), the unit tests,
 * the fuzzer and the bench. Only programs that read PNG link it.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "common.h"

/*
 * Decode len bytes of buf, at most maxw x maxh pixels: the header is read
 * first, so a hostile image cannot make us allocate what it claims. With
 * strict, what libpng only warns about (a bad checksum at the very end) is
 * refused too: a round-trip check must not pass on it. NULL and *cause on
 * failure; the caller frees the pixels.
 */
uint8_t *
pngread_rgb(const void *buf, size_t len, uint32_t maxw, uint32_t maxh,
    int strict, uint32_t *w, uint32_t *h, char **cause)
{
	png_image	 im;
	uint8_t		*rgb;

	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&im, buf, len)) {
		xasprintf(cause, "bad PNG: %s", im.message);
		return (NULL);
	}
	if (im.width > maxw || im.height > maxh) {
		xasprintf(cause, "PNG of %ux%u is larger than %ux%u", im.width,
		    im.height, maxw, maxh);
		png_image_free(&im);
		return (NULL);
	}
	im.format = PNG_FORMAT_RGB;
	rgb = xmalloc(PNG_IMAGE_SIZE(im));
	if (!png_image_finish_read(&im, NULL, rgb, 0, NULL)) {
		xasprintf(cause, "bad PNG: %s", im.message);
		free(rgb);
		return (NULL);
	}
	if (strict && im.warning_or_error != 0) {
		xasprintf(cause, "PNG decodes with a warning: %s", im.message);
		free(rgb);
		return (NULL);
	}
	*w = im.width;
	*h = im.height;
	return (rgb);
}
