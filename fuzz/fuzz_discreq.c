/* SPDX-License-Identifier: ISC */

/*
 * A discovery request as the agent gets it from anyone on the LAN:
 * disc_request_parse(). What it takes is at least 512 bytes (so a reply
 * never amplifies), starts with the magic and a 32-digit lower-case hex
 * nonce, and the request disc_request() writes for that nonce is taken
 * back with the same nonce.
 */

#include <string.h>

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 nonce[DISC_NONCE_LEN + 1], again[DISC_NONCE_LEN + 1];
	uint8_t	 req[DISC_REQUEST_LEN];
	size_t	 i, n;

	memset(nonce, 'Z', sizeof nonce);
	if (disc_request_parse(data, size, nonce) != 0)
		return (0);
	if (size < DISC_REQUEST_LEN || size > DISC_DATAGRAM_MAX)
		fuzz_fail("took a request of %zu bytes", size);
	if (memcmp(data, "TETHER/1 DISCOVER nonce=", 24) != 0)
		fuzz_fail("took a request without the magic");
	if (nonce[DISC_NONCE_LEN] != '\0' || memcmp(data + 24, nonce,
	    DISC_NONCE_LEN) != 0)
		fuzz_fail("nonce is not the request's");
	for (i = 0; i < DISC_NONCE_LEN; i++) {
		if (strchr("0123456789abcdef", nonce[i]) == NULL ||
		    nonce[i] == '\0')
			fuzz_fail("nonce has '%c'", nonce[i]);
	}
	n = disc_request(nonce, req, sizeof req);
	if (disc_request_parse(req, n, again) != 0 ||
	    strcmp(again, nonce) != 0)
		fuzz_fail("own request for %s refused", nonce);
	if (disc_request_parse(req, n - 1, again) == 0)
		fuzz_fail("took a request one byte short");
	return (0);
}
