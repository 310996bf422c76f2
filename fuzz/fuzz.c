/* SPDX-License-Identifier: ISC */

/*
 * Helpers for every harness. No parser here should reach fatal(): for
 * inputs this small an allocation cannot fail, so a fatal is a bug. The
 * hook says so; fatalx() then prints its message and exits, and libFuzzer
 * reports the exit as a crash with the stack and saves the input.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
fuzz_fatal_hook(void)
{
	fprintf(stderr, "fuzz: fatal() reached from fuzz input: this is a "
	    "bug, not an allocation failure\n");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_open("fuzz", 0, LOG_TO_STDERR);
	log_set_fatal_hook(fuzz_fatal_hook);
	return (0);
}

/* The input as a C string, cut at its first NUL as a C caller would see it. */
char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char	*s;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

/* Is s[0..len) well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF)? */
int
fuzz_utf8(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	uint32_t		 c, min;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return (0);
		if (len - i - 1 < n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/* A property of the parser does not hold: stop here, so it is a crash. */
void
fuzz_fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "fuzz: property failed: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}
