/* SPDX-License-Identifier: ISC */

/*
 * A text console: snap_vc_parse() on a vcsa image and, when the first
 * byte is odd, a vcsu image cut from the rest at a point the second and
 * third bytes give. What parses formats as txt and ansi, valid UTF-8 with
 * one line per row.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../agentd/tetherd.h"

static void
fuzz_vcs_format(const struct snap_text *t, int ansi)
{
	char	*s;
	size_t	 len, i, lines = 0;

	s = snap_text_format(t, ansi, &len);
	if (strlen(s) != len)
		fuzz_fail("text has a NUL");
	if (!fuzz_utf8(s, len))
		fuzz_fail("text is not UTF-8");
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			lines++;
		else if (!ansi && (unsigned char)s[i] < 0x20)
			fuzz_fail("control byte 0x%02x in txt", s[i]);
	}
	if (lines != t->rows)
		fuzz_fail("%zu lines for %u rows", lines, t->rows);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_text	 t;
	const uint8_t		*a = data + 3, *u = NULL;
	size_t			 alen, ulen = 0, cut;
	char			*cause = NULL;

	if (size < 3)
		return (0);
	alen = size - 3;
	if (data[0] & 1) {
		cut = ((size_t)data[1] << 8 | data[2]) % (alen + 1);
		u = a + cut;
		ulen = alen - cut;
		alen = cut;
	}
	if (snap_vc_parse(a, alen, u, ulen, &t, &cause) != 0) {
		if (cause == NULL || t.cells != NULL)
			fuzz_fail("refusal without cause, or with cells");
		free(cause);
		return (0);
	}
	if (cause != NULL || t.rows == 0 || t.cols == 0 ||
	    alen != 4 + 2 * (size_t)t.rows * t.cols)
		fuzz_fail("accepted %zu bytes for %ux%u", alen, t.cols,
		    t.rows);
	fuzz_vcs_format(&t, 0);
	fuzz_vcs_format(&t, 1);
	snap_text_free(&t);
	return (0);
}
