/* SPDX-License-Identifier: ISC */

/*
 * Test helper, filled in by tests/integ/t-preauth.sh's author: a raw
 * libssh client that asks for things before authenticating.
 */

#include "common.h"

int
main(void)
{
	return (2);
}
