/* SPDX-License-Identifier: ISC */

/*
 * The messages a session process sends its monitor: arbitrary bytes on
 * the socket, read as messages with msg_recv(), and every field read back
 * as strings, data and numbers. What is read must lie inside what was
 * received; a string never holds a NUL; a length over MSG_MAX is refused.
 */

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "tetherd.h"

/* Read the fields one way: all strings, or all data, or all numbers. */
static void
fuzz_msg_fields(struct msg *m, int how)
{
	char		*s;
	size_t		 len;
	uint32_t	 u;

	m->off = 0;
	for (;;) {
		if (how == 0) {
			if (m->len - m->off < sizeof u)
				break;
			memcpy(&u, m->buf + m->off, sizeof u);
			if (msg_get_str(m, &s) != 0)
				break;
			/* The whole field, or NULL for the one length. */
			if ((s == NULL) != (u == UINT32_MAX) ||
			    (s != NULL && strlen(s) != u))
				fuzz_fail("a string is not its whole field");
			free(s);
		} else if (how == 1) {
			if (msg_get_data(m, &s, &len) != 0)
				break;
			if (len > m->len)
				fuzz_fail("a field longer than its message");
			free(s);
		} else if (msg_get_u32(m, &u) != 0)
			break;
		if (m->off > m->len)
			fuzz_fail("read past the message");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg	 m;
	int		 sp[2], how;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		return (0);
	/* The inputs are far below the socket's buffer: no reader needed. */
	if (size > 0 && write(sp[0], data, size) != (ssize_t)size) {
		close(sp[0]);
		close(sp[1]);
		return (0);
	}
	close(sp[0]);
	while (msg_recv(sp[1], &m) == 0) {
		if (m.len > MSG_MAX)
			fuzz_fail("a message over MSG_MAX was taken");
		for (how = 0; how < 3; how++)
			fuzz_msg_fields(&m, how);
		if (msg_take_fd(&m) != -1)
			fuzz_fail("a descriptor from nowhere");
		msg_free(&m);
	}
	close(sp[1]);
	return (0);
}
