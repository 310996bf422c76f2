/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/msg.c and the monitor's request table: messages
 * and descriptors round trip, every malformed or oversized message is
 * refused, and no request but authentication is answered before a login.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../agentd/tetherd.h"

static int	 sp[2];

static int
pair_up(void **state)
{
	(void)state;
	return (socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
}

static int
pair_down(void **state)
{
	(void)state;
	close(sp[0]);
	close(sp[1]);
	return (0);
}

static void
test_roundtrip(void **state)
{
	struct msg	 m, r;
	struct stat	 a, b;
	uint32_t	 u;
	char		*s, *d;
	size_t		 len;
	int		 fd;

	(void)state;
	msg_init(&m, MON_START);
	msg_put_u32(&m, 7);
	msg_put_str(&m, "uname -a");
	msg_put_str(&m, NULL);
	msg_put_data(&m, "a\0b", 3);
	msg_put_fd(&m, STDIN_FILENO);
	assert_int_equal(msg_send(sp[0], &m), 0);
	m.nfds = 0;	/* stdin is not the message's to close */
	msg_free(&m);

	assert_int_equal(msg_recv(sp[1], &r), 0);
	assert_int_equal(r.type, MON_START);
	assert_int_equal(msg_get_u32(&r, &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(msg_get_str(&r, &s), 0);
	assert_string_equal(s, "uname -a");
	free(s);
	assert_int_equal(msg_get_str(&r, &s), 0);
	assert_null(s);
	/* A NUL inside: data, yes; a string, no. */
	assert_int_equal(msg_get_data(&r, &d, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(d, "a\0b", 3);
	free(d);
	assert_int_equal(msg_get_u32(&r, &u), -1);	/* nothing left */
	fd = msg_take_fd(&r);
	assert_true(fd > STDERR_FILENO);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(STDIN_FILENO, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_int_equal(msg_take_fd(&r), -1);
	close(fd);
	msg_free(&r);
}

static void
test_malformed(void **state)
{
	struct msg	 m, r;
	uint32_t	 head[3];
	char		*s;

	(void)state;
	/* A string with a NUL in it is refused. */
	msg_init(&m, MON_IDLE);
	msg_put_data(&m, "ab\0c", 4);
	assert_int_equal(msg_send(sp[0], &m), 0);
	msg_free(&m);
	assert_int_equal(msg_recv(sp[1], &r), 0);
	assert_int_equal(msg_get_str(&r, &s), -1);
	assert_null(s);
	msg_free(&r);

	/* A field longer than what is left. */
	head[0] = MON_IDLE;
	head[1] = 4;
	head[2] = 1000;
	assert_int_equal(write(sp[0], head, sizeof head), sizeof head);
	assert_int_equal(msg_recv(sp[1], &r), 0);
	assert_int_equal(msg_get_str(&r, &s), -1);
	msg_free(&r);

	/* A length over MSG_MAX is not even read. */
	head[0] = MON_START;
	head[1] = MSG_MAX + 1;
	assert_int_equal(write(sp[0], head, 8), 8);
	assert_int_equal(msg_recv(sp[1], &r), -1);

	/* A message cut short by the sender's end. */
	head[0] = MON_START;
	head[1] = 100;
	assert_int_equal(write(sp[0], head, sizeof head), sizeof head);
	close(sp[0]);
	assert_int_equal(msg_recv(sp[1], &r), -1);
	sp[0] = -1;
}

/* Every request that needs a login is refused without one. */
static void
test_preauth(void **state)
{
	static const uint32_t later[] = {
		MON_START, MON_CLOSE, MON_KILL, MON_FORWARD, MON_IDLE
	};
	struct agent	 ag;
	struct sess	 s;
	struct msg	 m;
	size_t		 i;

	(void)state;
	memset(&ag, 0, sizeof ag);
	memset(&s, 0, sizeof s);
	s.ag = &ag;
	s.mon_fd = sp[0];
	for (i = 0; i < nitems(later); i++) {
		msg_init(&m, later[i]);
		msg_put_u32(&m, 1);
		msg_put_u32(&m, MON_START_SHELL);
		msg_put_str(&m, NULL);
		assert_int_equal(monitor_dispatch(&s, &m), -1);
		msg_free(&m);
	}
	/* Nor is what no table entry names, before or after. */
	msg_init(&m, 999);
	assert_int_equal(monitor_dispatch(&s, &m), -1);
	s.authenticated = 1;
	assert_int_equal(monitor_dispatch(&s, &m), -1);
	msg_free(&m);
	/* A report of a tripped sandbox is taken at any time. */
	s.authenticated = 0;
	msg_init(&m, MON_SANDBOX);
	msg_put_u32(&m, 59);
	assert_int_equal(monitor_dispatch(&s, &m), 0);
	msg_free(&m);
	/* A method of its own invention is a broken protocol. */
	msg_init(&m, MON_AUTH_FAIL);
	msg_put_str(&m, "telepathy");
	msg_put_str(&m, "tether");
	assert_int_equal(monitor_dispatch(&s, &m), -1);
	msg_free(&m);
}

/*
 * A watcher's copy of the console ring (watch.c): what is new, across the
 * wrap, and "fell behind" once the writer has gone past what it would read.
 */
static void
test_watch_ring(void **state)
{
	struct hold_ring	*r;
	char			 buf[HOLD_RING_SIZE], big[HOLD_RING_SIZE];
	uint64_t		 total;
	size_t			 i;
	int			 fd;

	(void)state;
	assert_non_null(r = hold_ring_new(&fd));
	assert_int_equal(watch_ring_copy(r, 0, buf, sizeof buf, &total), 0);
	assert_int_equal(total, 0);
	hold_ring_put(r, "hello, world", 12);
	assert_int_equal(watch_ring_copy(r, 0, buf, 5, &total), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(total, 12);
	assert_int_equal(watch_ring_copy(r, 7, buf, sizeof buf, &total), 5);
	assert_memory_equal(buf, "world", 5);
	/* Ahead of the writer: nothing to copy, and not a wrap either. */
	assert_int_equal(watch_ring_copy(r, 13, buf, sizeof buf, &total),
	    (size_t)-1);

	/* Across the end of the ring. */
	for (i = 0; i < sizeof big; i++)
		big[i] = 'a' + i % 26;
	hold_ring_put(r, big, HOLD_RING_SIZE - 12 - 3);
	hold_ring_put(r, "0123456789", 10);
	assert_int_equal(watch_ring_copy(r, HOLD_RING_SIZE - 3, buf,
	    sizeof buf, &total), 10);
	assert_int_equal(total, HOLD_RING_SIZE + 7);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(watch_ring_copy(r, HOLD_RING_SIZE + 3, buf, 3,
	    &total), 3);
	assert_memory_equal(buf, "678", 3);

	/* Fallen behind by about a ring: skip, never old bytes as new. */
	assert_int_equal(watch_ring_copy(r, 12, buf, sizeof buf, &total),
	    (size_t)-1);
	assert_int_equal(watch_ring_copy(r, 0, buf, sizeof buf, &total),
	    (size_t)-1);
	hold_ring_free(r);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, pair_up,
		    pair_down),
		cmocka_unit_test_setup_teardown(test_malformed, pair_up,
		    pair_down),
		cmocka_unit_test_setup_teardown(test_preauth, pair_up,
		    pair_down),
		cmocka_unit_test(test_watch_ring),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
