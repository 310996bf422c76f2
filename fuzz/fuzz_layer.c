/* SPDX-License-Identifier: ISC */

/*
 * What lvm and cryptsetup print, as tetherd reads it to open the storage
 * layers under offline systems: pvs (layer_pvs_parse), lvs
 * (layer_lvs_active), luksDump (layer_luks_tpm), a device-mapper name
 * (layer_dm_lvname) and a key's final newline (layer_key_len).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../agentd/tetherd.h"

/* Every volume group named is one lvm could make, and named once. */
static void
fuzz_layer_pvs(const char *s)
{
	struct strlist	 vgs = { NULL, 0 };
	char			*cause = NULL;
	int			 i, j;

	if (layer_pvs_parse(s, &vgs, &cause) != 0) {
		if (cause == NULL || strncmp(cause, "pvs: ", 5) != 0)
			fuzz_fail("pvs refusal without a reason");
		free(cause);
	} else if (cause != NULL)
		fuzz_fail("pvs: a reason with success");
	for (i = 0; i < vgs.n; i++) {
		if (!layer_vg_name_ok(vgs.v[i]))
			fuzz_fail("pvs: bad name \"%s\" kept", vgs.v[i]);
		for (j = 0; j < i; j++) {
			if (strcmp(vgs.v[i], vgs.v[j]) == 0)
				fuzz_fail("pvs: %s twice", vgs.v[i]);
		}
		if (layer_lvs_active(s, vgs.v[i]) > 1)
			fuzz_fail("lvs: not a tri-state");
	}
	strlist_clear(&vgs);
}

/* A decoded name has one '/', and doubling its dashes gives it back. */
static void
fuzz_layer_dm(const char *s)
{
	char	 out[LAYER_NAME_MAX], again[2 * LAYER_NAME_MAX + 2];
	char	*slash;
	size_t	 i, n = 0;

	if (layer_dm_lvname(s, out, sizeof out) != 0)
		return;
	if ((slash = strchr(out, '/')) == NULL || strchr(slash + 1, '/') !=
	    NULL || slash == out || slash[1] == '\0')
		fuzz_fail("dm: \"%s\" is not vg/lv", out);
	for (i = 0; out[i] != '\0'; i++) {
		if (out[i] == '-')
			again[n++] = '-';
		again[n++] = out[i] == '/' ? '-' : out[i];
	}
	again[n] = '\0';
	if (strcmp(again, s) != 0)
		fuzz_fail("dm: \"%s\" gives \"%s\" back as \"%s\"", s, out,
		    again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;
	size_t	 n;

	if (size == 0)
		return (0);
	s = fuzz_cstr(data, size);
	fuzz_layer_pvs(s);
	if (layer_luks_tpm(s) > 1)
		fuzz_fail("luksDump: not a boolean");
	fuzz_layer_dm(s);
	n = layer_key_len((const char *)data, size, data[0] & 1);
	if (n > size || n + 2 < size)
		fuzz_fail("key: %zu bytes of %zu", n, size);
	free(s);
	return (0);
}
