/* SPDX-License-Identifier: ISC */

#ifndef FUZZ_H
#define FUZZ_H

/*
 * Shared by the libFuzzer harnesses: the entry points and a few helpers.
 * Each harness is one fuzz_NAME.c, linked with fuzz.c and the production
 * objects of common/ (and tui/args.c for the viewer's command line).
 */

#include <stddef.h>
#include <stdint.h>

#include "common.h"

int	 LLVMFuzzerInitialize(int *, char ***);
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

char	*fuzz_cstr(const uint8_t *, size_t);
int	 fuzz_utf8(const char *, size_t);
dead void fuzz_fail(const char *, ...) printflike(1, 2);

#endif /* FUZZ_H */
