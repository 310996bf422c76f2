/* SPDX-License-Identifier: ISC */

/*
 * A discovery reply as the viewer gets it from anyone on the LAN:
 * disc_reply_parse(). What it takes has sane fields (port, nonce, kdf
 * bounds, an ed25519 key line, at most DISC_MAX_IPS addresses), and what
 * disc_reply() writes from it, if it fits, parses back to the same values.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
fuzz_discreply_sane(const struct disc_info *di)
{
	int	 i;

	if (di->port < 1 || di->port > 65535)
		fuzz_fail("port %d", di->port);
	if (strlen(di->nonce) != DISC_NONCE_LEN ||
	    strspn(di->nonce, "0123456789abcdef") != DISC_NONCE_LEN)
		fuzz_fail("nonce \"%s\"", di->nonce);
	if (di->kdf.cost < KDF_COST_MIN || di->kdf.cost > KDF_COST_MAX ||
	    di->kdf.r != 8 || di->kdf.p != 1)
		fuzz_fail("kdf %d:%d:%d", di->kdf.cost, di->kdf.r, di->kdf.p);
	if (strncmp(di->key, "ssh-ed25519 ", 12) != 0)
		fuzz_fail("key \"%s\"", di->key);
	if (di->nips < 0 || di->nips > DISC_MAX_IPS)
		fuzz_fail("%d ips", di->nips);
	for (i = 0; i < di->nips; i++) {
		if (memchr(di->ips[i], '\0', sizeof di->ips[i]) == NULL)
			fuzz_fail("ip %d not terminated", i);
	}
	if (di->host[0] == '\0' || memchr(di->host, '\0',
	    sizeof di->host) == NULL)
		fuzz_fail("host empty or not terminated");
	if (di->expires < 0)
		fuzz_fail("expires before 1970");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct disc_info	 di, again;
	char			*cause = NULL, *s;
	size_t			 len;

	if (disc_reply_parse(data, size, &di, &cause) != 0) {
		if (cause == NULL)
			fuzz_fail("refusal without a cause");
		free(cause);
		return (0);
	}
	if (cause != NULL)
		fuzz_fail("cause set on success");
	fuzz_discreply_sane(&di);
	if ((s = disc_reply(&di, &len)) == NULL)
		return (0);	/* escaping made it too long: allowed */
	if (disc_reply_parse((uint8_t *)s, len, &again, &cause) != 0)
		fuzz_fail("own reply refused: %s\n%s", cause, s);
	if (memcmp(&di, &again, sizeof di) != 0)
		fuzz_fail("own reply parses differently:\n%s", s);
	free(s);
	return (0);
}
