/* SPDX-License-Identifier: ISC */

/*
 * The other half of the wire YAML: what the agent writes with yw_*() from
 * strings it does not choose (the SSH user name, host name, kernel, file
 * system labels) must come back from yr_*() unchanged, or at least load.
 * The input split on NUL bytes gives the strings.
 */

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "fuzz.h"

#define FUZZ_YW_MAX	16

static const char *fuzz_yw_keys[] = {
	"host", "kernel", "user", "from", "session", "shell", "sftp",
	"fingerprint"
};
#define FUZZ_YW_NKEYS	(sizeof fuzz_yw_keys / sizeof fuzz_yw_keys[0])

static char *
fuzz_yw_write(char **v, int n, size_t *len)
{
	struct yw	*w;
	int		 i;

	w = yw_new();
	yw_map(w);
	yw_kvint(w, "tether", 1);
	for (i = 0; i < n && (size_t)i < FUZZ_YW_NKEYS; i++)
		yw_kv(w, fuzz_yw_keys[i], v[i]);
	yw_kvlist(w, "ips", v, n);
	yw_str(w, "connections");
	yw_seq(w);
	for (i = 0; i < n; i++) {
		yw_map(w);
		yw_kv(w, "user", v[i]);
		yw_kv(w, "from", NULL);
		yw_end(w);
	}
	yw_end(w);
	yw_end(w);
	return (yw_finish(w, len));
}

/* A string the writer was given must read back as itself. */
static void
fuzz_yw_same(yaml_document_t *doc, const char *path, const char *want)
{
	const char	*got;

	if (!fuzz_utf8(want, strlen(want)))
		return;
	if ((got = yr_scalar(yr_path(doc, path))) == NULL)
		fuzz_fail("%s is missing or not a scalar", path);
	if (strcmp(got, want) != 0)
		fuzz_fail("%s: wrote \"%s\", read \"%s\"", path, want, got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yaml_document_t	 doc;
	const uint8_t	*p = data, *end = data + size, *nul;
	char		*v[FUZZ_YW_MAX], *text, *cause, path[64];
	size_t		 len;
	int		 n = 0, i;

	while (p < end && n < FUZZ_YW_MAX) {
		if ((nul = memchr(p, '\0', end - p)) == NULL)
			nul = end;
#ifdef FUZZ_YW_UTF8_ONLY
		/* To fuzz past the known invalid UTF-8 bug (see README.md). */
		if (!fuzz_utf8((const char *)p, nul - p))
			break;
#endif
		v[n++] = fuzz_cstr(p, nul - p);
		p = nul + 1;
	}
	text = fuzz_yw_write(v, n, &len);
	if (strlen(text) != len)
		fuzz_fail("written YAML holds a NUL byte");
	if (yr_load(text, len, &doc, &cause) != 0)
		fuzz_fail("written YAML does not load: %s\n%s", cause, text);
	fuzz_yw_same(&doc, "tether", "1");
	for (i = 0; i < n; i++) {
		if ((size_t)i < FUZZ_YW_NKEYS)
			fuzz_yw_same(&doc, fuzz_yw_keys[i], v[i]);
		snprintf(path, sizeof path, "ips.%d", i);
		fuzz_yw_same(&doc, path, v[i]);
		snprintf(path, sizeof path, "connections.%d.user", i);
		fuzz_yw_same(&doc, path, v[i]);
	}
	yaml_document_delete(&doc);
	free(text);
	for (i = 0; i < n; i++)
		free(v[i]);
	return (0);
}
