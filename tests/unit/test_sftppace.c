/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/sftppace.c: requests go to the sftp server only
 * while few are unanswered, by count and by bytes; a request once begun
 * goes whole; replies split anywhere are counted; a stream that is not
 * SFTP is passed through unpaced.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../agentd/tetherd.h"

/* n frames, each a 4-byte length and body bytes, into a new buffer. */
static uint8_t *
frames(size_t n, uint32_t body, size_t *len)
{
	uint8_t	*buf, *p;
	size_t	 i;

	*len = n * (4 + body);
	p = buf = calloc(1, *len);
	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		p[0] = body >> 24;
		p[1] = body >> 16;
		p[2] = body >> 8;
		p[3] = body;
		p += 4 + body;
	}
	return (buf);
}

static void
test_count(void **state)
{
	struct sftppace	*p = sftppace_new();
	uint8_t		*req, *rep;
	size_t		 len, rlen, i;

	(void)state;
	req = frames(70, 9, &len);
	rep = frames(3, 24, &rlen);
	/* 64 unanswered at most. */
	assert_int_equal(sftppace_room(p, req, len), 64 * 13);
	sftppace_sent(p, req, 64 * 13);
	assert_int_equal(sftppace_room(p, req + 64 * 13, 6 * 13), 0);
	/* One reply, a byte at a time: one more request. */
	for (i = 0; i < 28; i++) {
		assert_int_equal(sftppace_room(p, req + 64 * 13, 6 * 13), 0);
		sftppace_replied(p, rep + i, 1);
	}
	assert_int_equal(sftppace_room(p, req + 64 * 13, 6 * 13), 13);
	/* Two more, in one piece. */
	sftppace_replied(p, rep + 28, 56);
	assert_int_equal(sftppace_room(p, req + 64 * 13, 6 * 13), 3 * 13);
	free(req);
	free(rep);
	sftppace_free(p);
}

static void
test_bytes(void **state)
{
	struct sftppace	*p = sftppace_new();
	uint8_t		*req, *rep;
	size_t		 len, rlen;

	(void)state;
	/* 128 KiB: a fourth request of 40004 bytes begins under it. */
	req = frames(6, 40000, &len);
	rep = frames(1, 24, &rlen);
	assert_int_equal(sftppace_room(p, req, len), 4 * 40004);
	/* Sent in pieces that end inside a length and inside a body. */
	sftppace_sent(p, req, 2);
	sftppace_sent(p, req + 2, 40010);
	sftppace_sent(p, req + 40012, 4 * 40004 - 40012);
	assert_int_equal(sftppace_room(p, req + 4 * 40004, 2 * 40004), 0);
	sftppace_replied(p, rep, rlen);
	assert_int_equal(sftppace_room(p, req + 4 * 40004, 2 * 40004),
	    40004);
	free(req);
	free(rep);
	sftppace_free(p);
}

static void
test_begun(void **state)
{
	struct sftppace	*p = sftppace_new();
	uint8_t		*req;
	size_t		 len;

	(void)state;
	req = frames(65, 9, &len);
	/* What has come of a request so far may go, even its length alone. */
	assert_int_equal(sftppace_room(p, req, 2), 2);
	sftppace_sent(p, req, 2);
	assert_int_equal(sftppace_room(p, req + 2, 5), 5);
	sftppace_sent(p, req + 2, 5);
	/* The rest of it still goes when the budget is spent. */
	assert_int_equal(sftppace_room(p, req + 7, len - 7), 63 * 13 + 6);
	free(req);
	sftppace_free(p);
}

static void
test_not_sftp(void **state)
{
	struct sftppace	*p = sftppace_new();
	uint8_t		 zero[8] = { 0 }, huge[8] = { 0, 0x10, 0, 0 };
	uint8_t		*req;
	size_t		 len;

	(void)state;
	/* A zero length, or more than sftp-server takes: no pacing. */
	assert_int_equal(sftppace_room(p, zero, sizeof zero), sizeof zero);
	assert_int_equal(sftppace_room(p, huge, sizeof huge), sizeof huge);
	req = frames(100, 9, &len);
	sftppace_sent(p, huge, sizeof huge);
	assert_int_equal(sftppace_room(p, req, len), len);
	/* A reply to nothing does not open the budget further. */
	sftppace_free(p);
	p = sftppace_new();
	sftppace_replied(p, req, 13);
	assert_int_equal(sftppace_room(p, req, len), 64 * 13);
	free(req);
	sftppace_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_begun),
		cmocka_unit_test(test_not_sftp),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
