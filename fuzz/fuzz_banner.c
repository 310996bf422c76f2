/* SPDX-License-Identifier: ISC */

/*
 * The agent's SSH identification string, as the viewer reads it before key
 * exchange: wire_banner_parse(), and wire_unb64url() on every word of it at
 * the one length that word could decode to.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
fuzz_banner_params(const struct kdf_params *kp)
{
	if (kp->cost < KDF_COST_MIN || kp->cost > KDF_COST_MAX ||
	    kp->r != 8 || kp->p != 1)
		fuzz_fail("accepted kdf %d:%d:%d", kp->cost, kp->r, kp->p);
}

/* What wire_banner() writes from the parsed values must parse to them. */
static void
fuzz_banner_again(const struct kdf_params *kp)
{
	struct kdf_params	 again;
	char			*text, *line, *cause;

	text = wire_banner(kp);
	xasprintf(&line, "SSH-2.0-%s", text);
	memset(&again, 0, sizeof again);
	if (wire_banner_parse(line, &again, &cause) != 0)
		fuzz_fail("own banner \"%s\" refused: %s", line, cause);
	if (memcmp(&again, kp, sizeof again) != 0)
		fuzz_fail("own banner \"%s\" parses differently", line);
	free(line);
	free(text);
}

/*
 * Decode a word at the length its size implies, into a buffer of exactly
 * that size; what decodes must encode and decode back to the same bytes.
 */
static void
fuzz_banner_unb64(const char *word)
{
	uint8_t	*out, *back;
	char	*text;
	size_t	 n = strlen(word), len = n * 3 / 4;

	if ((len * 4 + 2) / 3 != n)
		return;
	out = xmalloc(len + 1);
	back = xmalloc(len + 1);
	if (wire_unb64url(word, out, len) == 0) {
		if (len > 32)
			fuzz_fail("decoded %zu bytes, over the limit", len);
		text = wire_b64url(out, len);
		if (strlen(text) != n)
			fuzz_fail("\"%s\" encodes back to \"%s\"", word, text);
		if (wire_unb64url(text, back, len) != 0 ||
		    memcmp(out, back, len) != 0)
			fuzz_fail("\"%s\" does not decode back", text);
		free(text);
	}
	free(back);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kdf_params	 kp;
	char			*s, *copy, *word, *last, *cause = NULL;

	s = fuzz_cstr(data, size);
	memset(&kp, 0, sizeof kp);
	if (wire_banner_parse(s, &kp, &cause) == 0) {
		if (cause != NULL)
			fuzz_fail("cause set on success");
		fuzz_banner_params(&kp);
		fuzz_banner_again(&kp);
	} else {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		free(cause);
	}
	copy = xstrdup(s);
	for (word = strtok_r(copy, " =", &last); word != NULL;
	    word = strtok_r(NULL, " =", &last))
		fuzz_banner_unb64(word);
	free(copy);
	free(s);
	return (0);
}
