/* SPDX-License-Identifier: ISC */

/*
 * An offline xfs filesystem's log, as tetherd reads it to tell whether the
 * root needs recovery (root_log_xfs in agentd/rootlog.c). With byte 0
 * even, the rest is the log, behind a superblock that points at it; with
 * byte 0 odd, the rest is the whole device, superblock first.
 */

#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "../agentd/tetherd.h"

#define LOG_AT	8	/* the log's first block, of 512 bytes */

static void
fuzz_rootlog_put(int fd, const void *p, size_t len, off_t off)
{
	if (len > 0 && pwrite(fd, p, len, off) != (ssize_t)len)
		fuzz_fail("pwrite");
}

static void
fuzz_rootlog_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A superblock of 512-byte blocks, one group, the log at LOG_AT. */
static void
fuzz_rootlog_sb(int fd, size_t nbb)
{
	uint8_t	 sb[512];

	memset(sb, 0, sizeof sb);
	memcpy(sb, "XFSB", 4);
	fuzz_rootlog_be32(sb + 4, 512);
	fuzz_rootlog_be32(sb + 12, 1 << 20);
	fuzz_rootlog_be32(sb + 52, LOG_AT);
	fuzz_rootlog_be32(sb + 84, 1 << 20);
	fuzz_rootlog_be32(sb + 88, 1);
	fuzz_rootlog_be32(sb + 96, nbb);
	sb[100] = 0xb4;
	sb[101] = 0xa5;
	sb[120] = 9;
	sb[124] = 20;
	fuzz_rootlog_put(fd, sb, sizeof sb, 0);
	if (ftruncate(fd, (off_t)(LOG_AT + nbb) * 512) != 0)
		fuzz_fail("ftruncate");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*cause = NULL;
	size_t	 nbb;
	int	 fd, rc;

	if (size == 0)
		return (0);
	if ((fd = memfd_create("rootlog", MFD_CLOEXEC)) == -1)
		fuzz_fail("memfd_create");
	if (data[0] & 1)
		fuzz_rootlog_put(fd, data + 1, size - 1, 0);
	else {
		nbb = (size - 1 + 511) / 512;
		fuzz_rootlog_sb(fd, nbb < 2 ? 2 : nbb);
		fuzz_rootlog_put(fd, data + 1, size - 1, LOG_AT * 512);
	}
	rc = root_log_xfs(fd, &cause);
	if (rc != ROOT_LOG_CLEAN && rc != ROOT_LOG_DIRTY && rc != -1)
		fuzz_fail("state %d", rc);
	if ((rc == -1) != (cause != NULL))
		fuzz_fail("state %d with cause %s", rc, cause ? cause : "none");
	free(cause);
	close(fd);
	return (0);
}
