/* SPDX-License-Identifier: ISC */

/*
 * Whether an offline root's journal needs recovery, read from its device
 * and never written. ext3 and ext4 keep a flag in the superblock; xfs keeps
 * none, so its log is read as the kernel reads it at mount: find the head
 * from the cycle number every block carries, and see whether the record
 * before it is an unmount record.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define BB			512	/* the log's basic block */
#define ROOT_LOG_ALIGN		4096	/* what O_DIRECT wants, any disk */

#define XLOG_MAGIC		0xfeedbabeU
#define XLOG_CYCLE_SPAN		32768	/* data a header block has cycles of */
#define XLOG_REC_BBS		512	/* a record at most, header included */
#define XLOG_FLIGHT_BBS		(8 * XLOG_REC_BBS)	/* 8 written at once */
#define XLOG_BBS_MAX		(4U << 20)	/* 2 GiB, the largest log */
#define XLOG_UNMOUNT_TRANS	0x20	/* the op header's flag */

struct xfs_log {
	int		 fd;
	uint64_t	 start;		/* where the log starts, in bytes */
	int64_t		 nbb;		/* its length in basic blocks */
	int		 v2;		/* multiple header blocks possible */
	uint8_t		 uuid[16];
	uint8_t		*buf;		/* aligned: XLOG_FLIGHT_BBS, a margin */
	const char	*why;		/* why the state is unknown */
};

static uint32_t
root_log_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
root_log_be64(const uint8_t *p)
{
	return ((uint64_t)root_log_be32(p) << 32 | root_log_be32(p + 4));
}

static uint32_t
root_log_le32(const uint8_t *p)
{
	return (p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
}

/*
 * Read len bytes at off into buf, whole aligned blocks around them so that
 * a descriptor opened with O_DIRECT (past the page cache, which may hold
 * what the disk held before a filesystem wrote to it) reads them too.
 */
static int
root_log_pread(int fd, uint8_t *buf, size_t size, uint64_t off, size_t len,
    const uint8_t **out)
{
	uint64_t	 a = off & ~(uint64_t)(ROOT_LOG_ALIGN - 1);
	size_t		 want, got = 0;
	ssize_t		 n;

	want = (off - a + len + ROOT_LOG_ALIGN - 1) &
	    ~(size_t)(ROOT_LOG_ALIGN - 1);
	if (want > size || off > (uint64_t)INT64_MAX - len)
		return (-1);
	while (got < want) {
		n = pread(fd, buf + got, want - got, (off_t)(a + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EINVAL && got == 0 &&
		    (fcntl(fd, F_GETFL) & O_DIRECT)) {
			/* A sector larger than the alignment: the cache. */
			if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) &
			    ~O_DIRECT) == -1)
				return (-1);
			continue;
		}
		if (n <= 0)
			break;
		got += n;
	}
	if (got < off - a + len)
		return (-1);
	*out = buf + (off - a);
	return (0);
}

/* Basic blocks blk to blk + n - 1 of the log (not wrapping), or NULL. */
static const uint8_t *
root_log_read(struct xfs_log *l, int64_t blk, int64_t n)
{
	const uint8_t	*p;

	if (blk < 0 || n <= 0 || n > XLOG_FLIGHT_BBS || blk + n > l->nbb) {
		l->why = "a log block out of range";
		return (NULL);
	}
	if (root_log_pread(l->fd, l->buf, XLOG_FLIGHT_BBS * BB +
	    2 * ROOT_LOG_ALIGN, l->start + (uint64_t)blk * BB, n * BB,
	    &p) != 0) {
		l->why = "the log cannot be read";
		return (NULL);
	}
	return (p);
}

/* The cycle a block was written in: a header holds it after its magic. */
static uint32_t
root_log_cycle_of(const uint8_t *p)
{
	if (root_log_be32(p) == XLOG_MAGIC)
		return (root_log_be32(p + 4));
	return (root_log_be32(p));
}

static int
root_log_cycle(struct xfs_log *l, int64_t blk, uint32_t *cycle)
{
	const uint8_t	*p;

	if ((p = root_log_read(l, blk, 1)) == NULL)
		return (-1);
	*cycle = root_log_cycle_of(p);
	return (0);
}

/*
 * The first block of [start, start + n) written in cycle, or -1 in *found.
 */
static int
root_log_find_cycle(struct xfs_log *l, int64_t start, int64_t n, uint32_t cycle,
    int64_t *found)
{
	const uint8_t	*p;
	int64_t		 i, j, chunk;

	*found = -1;
	for (i = start; i < start + n; i += chunk) {
		chunk = start + n - i;
		if (chunk > XLOG_FLIGHT_BBS)
			chunk = XLOG_FLIGHT_BBS;
		if ((p = root_log_read(l, i, chunk)) == NULL)
			return (-1);
		for (j = 0; j < chunk; j++) {
			if (root_log_cycle_of(p + j * BB) == cycle) {
				*found = i + j;
				return (0);
			}
		}
	}
	return (0);
}

/*
 * Where the log's head is: the first block not written in the last cycle.
 * Blocks run "c ... c, c - 1 ... c - 1" (or "1 ... 1, 0 ... 0" in a log
 * not yet full); a binary search finds the step, then the blocks just
 * before it are checked for holes left by writes still in flight at a
 * crash, which move the head back to the first hole.
 */
static int
root_log_head(struct xfs_log *l, int64_t *head)
{
	uint32_t	 first, last, stop, c;
	int64_t		 lo, hi, mid, found, win;

	if (root_log_cycle(l, 0, &first) != 0 ||
	    root_log_cycle(l, l->nbb - 1, &last) != 0)
		return (-1);
	if (first == last) {
		hi = l->nbb;	/* the head is at the start: one cycle */
		stop = last - 1;
	} else {
		lo = 0;
		hi = l->nbb - 1;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (root_log_cycle(l, mid, &c) != 0)
				return (-1);
			if (c == last)
				hi = mid;
			else
				lo = mid;
		}
		stop = last;
	}
	win = l->nbb < XLOG_FLIGHT_BBS ? l->nbb : XLOG_FLIGHT_BBS;
	if (hi >= win) {
		if (root_log_find_cycle(l, hi - win, win, stop, &found) != 0)
			return (-1);
	} else {
		/* The window wraps: an older hole at the end comes first. */
		if (root_log_find_cycle(l, l->nbb - (win - hi), win - hi,
		    stop - 1, &found) != 0)
			return (-1);
		if (found == -1 &&
		    root_log_find_cycle(l, 0, hi, stop, &found) != 0)
			return (-1);
	}
	*head = found != -1 ? found : hi;
	return (0);
}

/* Header blocks of a record: one, or one per 32 KiB of a v2 log's record. */
static int64_t
root_log_hblks(const struct xfs_log *l, const uint8_t *h)
{
	uint32_t	 size = root_log_be32(h + 320);

	if (l->v2 && (root_log_be32(h + 8) & 2) && size > XLOG_CYCLE_SPAN)
		return ((size + XLOG_CYCLE_SPAN - 1) / XLOG_CYCLE_SPAN);
	return (1);
}

/* Blocks a record takes: its header blocks and its data. */
static int64_t
root_log_rec_len(const struct xfs_log *l, const uint8_t *h)
{
	return (root_log_hblks(l, h) + (root_log_be32(h + 12) + BB - 1) / BB);
}

/* A record header this log could have written. */
static int
root_log_rec_ok(struct xfs_log *l, const uint8_t *h)
{
	static const uint8_t	 nil[16];
	uint32_t		 version = root_log_be32(h + 8);
	uint32_t		 len = root_log_be32(h + 12);

	if ((version != 1 && version != 2) || len > XLOG_REC_BBS * BB ||
	    root_log_be32(h + 320) > XLOG_REC_BBS * BB) {
		l->why = "a log record header is damaged";
		return (0);
	}
	if (memcmp(h + 304, l->uuid, 16) != 0 && memcmp(h + 304, nil, 16)) {
		l->why = "the log belongs to another filesystem";
		return (0);
	}
	return (1);
}

/*
 * The last record header before blk, looking back at most one record and
 * wrapping at the start of the log: its block in *rec, and a copy of it.
 */
static int
root_log_rec_before(struct xfs_log *l, int64_t blk, int64_t *rec, uint8_t *h)
{
	const uint8_t	*p;
	int64_t		 i, n, from, left = XLOG_REC_BBS;

	if (left > l->nbb)
		left = l->nbb;
	while (left > 0) {
		if (blk == 0)
			blk = l->nbb;
		n = blk < left ? blk : left;
		from = blk - n;
		if ((p = root_log_read(l, from, n)) == NULL)
			return (-1);
		for (i = n - 1; i >= 0; i--) {
			if (root_log_be32(p + i * BB) != XLOG_MAGIC)
				continue;
			memcpy(h, p + i * BB, BB);
			*rec = from + i;
			return (root_log_rec_ok(l, h) ? 0 : -1);
		}
		left -= n;
		blk = from;
	}
	l->why = "no log record before the head";
	return (-1);
}

/* Whether the record at rec, with header h, ends just before blk. */
static int
root_log_ends_at(const struct xfs_log *l, int64_t rec, const uint8_t *h,
    int64_t blk)
{
	return ((rec + root_log_rec_len(l, h)) % l->nbb == blk);
}

/*
 * Clean when the head follows, exactly, a record of one operation that is
 * the unmount record. A head in the middle of a record (one torn by the
 * crash) moves back to that record's start first.
 */
static int
root_log_xfs_state(struct xfs_log *l)
{
	uint8_t		 h[BB];
	const uint8_t	*p;
	int64_t		 head, rec;
	uint32_t	 c;

	if (root_log_head(l, &head) != 0)
		return (-1);
	if (head == l->nbb)
		head = 0;
	/* A log never written to (zeroed) has nothing to replay. */
	if (head == 0 && root_log_cycle(l, 0, &c) == 0 && c == 0)
		return (ROOT_LOG_CLEAN);
	if (root_log_rec_before(l, head, &rec, h) != 0)
		return (-1);
	if (!root_log_ends_at(l, rec, h, head)) {
		head = rec;
		if (root_log_rec_before(l, head, &rec, h) != 0)
			return (-1);
		if (!root_log_ends_at(l, rec, h, head))
			return (ROOT_LOG_DIRTY);
	}
	if (root_log_be32(h + 40) != 1)
		return (ROOT_LOG_DIRTY);
	/* Its one operation's header: oh_flags is its tenth byte. */
	if ((p = root_log_read(l, (rec + root_log_hblks(l, h)) % l->nbb,
	    1)) == NULL)
		return (-1);
	return ((p[9] & XLOG_UNMOUNT_TRANS) ? ROOT_LOG_CLEAN :
	    ROOT_LOG_DIRTY);
}

/*
 * Where an xfs superblock puts its internal log, after checking the fields
 * that lead there; the block size, AG geometry and log size are bounded so
 * that a hostile superblock cannot point anywhere absurd.
 */
static int
root_log_locate(struct xfs_log *l, const uint8_t *sb)
{
	uint32_t	 bsize = root_log_be32(sb + 4), agblocks, agcount;
	uint32_t	 logblocks, blocklog = sb[120], agblklog = sb[124];
	uint64_t	 logstart = root_log_be64(sb + 48), agno, agbno;
	uint64_t	 dblocks = root_log_be64(sb + 8);
	uint16_t	 version = sb[100] << 8 | sb[101];

	agblocks = root_log_be32(sb + 84);
	agcount = root_log_be32(sb + 88);
	logblocks = root_log_be32(sb + 96);
	if (blocklog < 9 || blocklog > 16 || bsize != 1U << blocklog ||
	    agblocks == 0 || agcount == 0 || agblklog > 31 ||
	    (uint64_t)agblocks > 1ULL << agblklog) {
		l->why = "the superblock is damaged";
		return (-1);
	}
	if (logstart == 0) {
		l->why = "the log is on another device";
		return (-1);
	}
	/* The log lies inside one group, and the groups inside the device. */
	agno = logstart >> agblklog;
	agbno = logstart & ((1ULL << agblklog) - 1);
	if (agno >= agcount || logblocks == 0 ||
	    agbno + logblocks > agblocks ||
	    dblocks > (uint64_t)INT64_MAX >> blocklog ||
	    agno > dblocks / agblocks ||
	    agno * agblocks + agbno + logblocks > dblocks ||
	    ((uint64_t)logblocks << blocklog) / BB > XLOG_BBS_MAX ||
	    ((uint64_t)logblocks << blocklog) / BB < 2) {
		l->why = "the superblock's log is out of bounds";
		return (-1);
	}
	l->start = (agno * agblocks + agbno) << blocklog;
	l->nbb = ((uint64_t)logblocks << blocklog) / BB;
	l->v2 = (version & 0xf) >= 5 || (version & 0x0400) != 0;
	memcpy(l->uuid, sb + 32, 16);
	return (0);
}

/* An xfs filesystem's log: clean, dirty, or -1 with why in *cause. */
int
root_log_xfs(int fd, char **cause)
{
	struct xfs_log	 l;
	const uint8_t	*sb;
	int		 rc = -1;

	memset(&l, 0, sizeof l);
	l.fd = fd;
	if (posix_memalign((void **)&l.buf, ROOT_LOG_ALIGN,
	    XLOG_FLIGHT_BBS * BB + 2 * ROOT_LOG_ALIGN) != 0)
		fatal_f("posix_memalign");
	if (root_log_pread(fd, l.buf, XLOG_FLIGHT_BBS * BB, 0, BB,
	    &sb) != 0)
		l.why = "the superblock cannot be read";
	else if (memcmp(sb, "XFSB", 4) != 0)
		l.why = "no xfs superblock";
	else if (root_log_locate(&l, sb) == 0)
		rc = root_log_xfs_state(&l);
	if (rc == -1)
		*cause = xstrdup(l.why != NULL ? l.why : "unknown");
	free(l.buf);
	return (rc);
}

/* ext3 and ext4: EXT3_FEATURE_INCOMPAT_RECOVER in the superblock. */
int
root_log_ext(int fd, char **cause)
{
	uint8_t		*buf;
	const uint8_t	*sb;
	int		 rc = -1;

	if (posix_memalign((void **)&buf, ROOT_LOG_ALIGN,
	    2 * ROOT_LOG_ALIGN) != 0)
		fatal_f("posix_memalign");
	if (root_log_pread(fd, buf, 2 * ROOT_LOG_ALIGN, 1024, 1024,
	    &sb) != 0)
		*cause = xstrdup("the superblock cannot be read");
	else if (sb[0x38] != 0x53 || sb[0x39] != 0xef)
		*cause = xstrdup("no ext superblock");
	else
		rc = (root_log_le32(sb + 0x60) & 0x4) != 0 ?
		    ROOT_LOG_DIRTY : ROOT_LOG_CLEAN;
	free(buf);
	return (rc);
}

/*
 * The journal of device, of type fstype: ROOT_LOG_CLEAN also for a type
 * without one, ROOT_LOG_DIRTY, or -1 with the reason in *cause.
 */
int
root_log_state(const char *device, const char *fstype, char **cause)
{
	int	 fd, rc;

	if (strcmp(fstype, "ext3") != 0 && strcmp(fstype, "ext4") != 0 &&
	    strcmp(fstype, "xfs") != 0)
		return (ROOT_LOG_CLEAN);
	if ((fd = open(device, O_RDONLY | O_DIRECT | O_CLOEXEC)) == -1 &&
	    (fd = open(device, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", device, strerror(errno));
		return (-1);
	}
	if (strcmp(fstype, "xfs") == 0)
		rc = root_log_xfs(fd, cause);
	else
		rc = root_log_ext(fd, cause);
	close(fd);
	return (rc);
}
