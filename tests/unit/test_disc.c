/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/discmsg.c: the discovery request (padded, parsed
 * strictly, short ones refused) and the agent's YAML reply, written and
 * read back, with every way a stranger's reply can be wrong refused.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"

#define NONCE	"0123456789abcdef0123456789abcdef"
#define KEY	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPVLWE/MTG+PatYZdFCUYPZl" \
		"Y4BbVg1MARKeKwS9mmz/"

static void
test_request_round_trip(void **state)
{
	uint8_t	 buf[DISC_DATAGRAM_MAX];
	char	 nonce[DISC_NONCE_LEN + 1], got[DISC_NONCE_LEN + 1];
	size_t	 n;

	(void)state;
	disc_nonce_new(nonce);
	assert_int_equal(strlen(nonce), DISC_NONCE_LEN);
	n = disc_request(nonce, buf, sizeof buf);
	assert_int_equal(n, DISC_REQUEST_LEN);
	assert_memory_equal(buf, "TETHER/1 DISCOVER nonce=", 24);
	assert_int_equal(disc_request_parse(buf, n, got), 0);
	assert_string_equal(got, nonce);
	/* Longer is fine, up to one datagram. */
	memset(buf + n, 'x', sizeof buf - n);
	assert_int_equal(disc_request_parse(buf, sizeof buf, got), 0);
	assert_int_equal(disc_request_parse(buf, sizeof buf + 1, got), -1);
}

static void
assert_request_refused(const char *text, size_t len)
{
	uint8_t	 buf[DISC_REQUEST_LEN + 1];
	char	 got[DISC_NONCE_LEN + 1];

	memset(buf, 0, sizeof buf);
	memcpy(buf, text, strlen(text));
	assert_int_equal(disc_request_parse(buf, len, got), -1);
}

static void
test_request_refused(void **state)
{
	(void)state;
	/* One byte short of the padding: never answered. */
	assert_request_refused("TETHER/1 DISCOVER nonce=" NONCE "\n", 511);
	assert_request_refused("TETHER/1 DISCOVER nonce=" NONCE "\n", 0);
	assert_request_refused("TETHER/2 DISCOVER nonce=" NONCE "\n", 512);
	assert_request_refused("tether/1 discover nonce=" NONCE "\n", 512);
	assert_request_refused("TETHER/1 DISCOVER nonce=0123\n", 512);
	assert_request_refused("TETHER/1 DISCOVER nonce="
	    "0123456789ABCDEF0123456789abcdef\n", 512);
	assert_request_refused("TETHER/1 DISCOVER nonce=" NONCE "0\n", 512);
	assert_request_refused("TETHER/1 DISCOVER nonce=" NONCE "x", 512);
	assert_request_refused("TETHER/1 DISCOVER nonce=0123456789abcdef"
	    "0123456789abcde\n", 512);
}

static void
sample(struct disc_info *di)
{
	memset(di, 0, sizeof *di);
	memcpy(di->nonce, NONCE, sizeof di->nonce);
	snprintf(di->host, sizeof di->host, "rescue-7");
	di->port = 7022;
	snprintf(di->ips[0], sizeof di->ips[0], "10.0.0.5");
	/* The agent's interface: a name this machine has no interface by. */
	snprintf(di->ips[1], sizeof di->ips[1], "fe80::1%%agent-if9");
	snprintf(di->ips[2], sizeof di->ips[2], "2001:db8::5");
	di->nips = 3;
	memset(di->kdf.salt, 0xa5, sizeof di->kdf.salt);
	di->kdf.cost = 15;
	di->kdf.r = 8;
	di->kdf.p = 1;
	snprintf(di->key, sizeof di->key, "%s", KEY);
	di->expires = 1795000000;
}

static void
test_reply_round_trip(void **state)
{
	struct disc_info	 di, back;
	char			*s, *cause = NULL;
	size_t			 len;

	(void)state;
	sample(&di);
	s = disc_reply(&di, &len);
	assert_non_null(s);
	assert_true(len <= DISC_REPLY_MAX);
	assert_non_null(strstr(s, "tether: 1\n"));
	assert_non_null(strstr(s, "port: 7022\n"));
	assert_non_null(strstr(s, "kdf: scrypt:15:8:1\n"));
	assert_non_null(strstr(s, "expires: 2026-11-18T11:06:40Z\n"));
	assert_int_equal(disc_reply_parse((uint8_t *)s, len, &back, &cause),
	    0);
	assert_null(cause);
	assert_memory_equal(&back, &di, sizeof di);
	free(s);
}

static void
test_reply_too_big(void **state)
{
	struct disc_info	 di;
	size_t			 len;
	int			 i;

	(void)state;
	sample(&di);
	for (i = 0; i < DISC_MAX_IPS; i++)
		snprintf(di.ips[i], sizeof di.ips[i],
		    "2001:db8:1111:2222:3333:4444:5555:%d", i);
	di.nips = DISC_MAX_IPS;
	/* Control characters come out escaped, four bytes each. */
	memset(di.host, 0x01, sizeof di.host - 1);
	assert_null(disc_reply(&di, &len));
}

/* Write the sample, replace one line, expect a refusal naming why. */
static void
assert_reply_refused(const char *from, const char *to, const char *why)
{
	struct disc_info	 di, back;
	char			*s, *p, *edited, *cause = NULL;
	size_t			 len;

	sample(&di);
	s = disc_reply(&di, &len);
	assert_non_null(s);
	if ((p = strstr(s, from)) == NULL)
		fail_msg("no \"%s\" in\n%s", from, s);
	xasprintf(&edited, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	assert_int_equal(disc_reply_parse((uint8_t *)edited, strlen(edited),
	    &back, &cause), -1);
	assert_non_null(cause);
	if (strstr(cause, why) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, why);
	free(cause);
	free(edited);
	free(s);
}

static void
test_reply_refused(void **state)
{
	(void)state;
	assert_reply_refused("tether: 1\n", "tether: 2\n", "not version 1");
	assert_reply_refused("tether: 1\n", "", "no tether");
	assert_reply_refused("nonce: " NONCE, "nonce: 1234", "bad nonce");
	assert_reply_refused("port: 7022", "port: 70222", "bad port");
	assert_reply_refused("port: 7022", "port: 0", "bad port");
	assert_reply_refused("port: 7022", "port: [1]", "no port");
	assert_reply_refused("ips: [", "ips: [example.com, ", "bad address");
	assert_reply_refused("ips: [10.0.0.5, 'fe80::1%agent-if9', '2001:db8::5']",
	    "ips: 10.0.0.5", "no ips");
	assert_reply_refused("'fe80::1%agent-if9'", "'2001:db8::1%agent-if9'",
	    "bad address");
	assert_reply_refused("'fe80::1%agent-if9'", "'fe80::1%'", "bad address");
	assert_reply_refused("'fe80::1%agent-if9'", "'fe80::1%a/b'",
	    "bad address");
	assert_reply_refused("'fe80::1%agent-if9'", "'fe80::1%a:b'",
	    "bad address");
	assert_reply_refused("'fe80::1%agent-if9'",
	    "'fe80::1%sixteen-chars-xx'", "bad address");
	assert_reply_refused("salt: ", "salt: x", "bad salt");
	assert_reply_refused("scrypt:15:8:1", "scrypt:13:8:1",
	    "unsupported kdf");
	assert_reply_refused("scrypt:15:8:1", "scrypt:15:8:1x", "unsupported");
	assert_reply_refused("scrypt:15:8:1", "bcrypt:15:8:1", "bad kdf");
	assert_reply_refused("scrypt:15:8:1", "scrypt:015:8:1", "kdf");
	assert_reply_refused("key: ssh-ed25519", "key: ssh-rsa", "bad key");
	assert_reply_refused("AAAAC3", "AA AAC3", "bad key");
	assert_reply_refused("expires: 2026", "expires: soon 2026",
	    "bad expires");
	assert_reply_refused("tether: 1\n", "- 1\n", "not YAML");
}

static void
test_reply_bytes(void **state)
{
	struct disc_info	 di;
	char			*cause = NULL, big[DISC_REPLY_MAX + 2];
	const char		*nul = "tether: 1\0nonce: x";

	(void)state;
	assert_int_equal(disc_reply_parse((const uint8_t *)nul, 18, &di,
	    &cause), -1);
	assert_string_equal(cause, "NUL in reply");
	free(cause);
	memset(big, ' ', sizeof big);
	assert_int_equal(disc_reply_parse((const uint8_t *)big, sizeof big,
	    &di, &cause), -1);
	assert_string_equal(cause, "reply of bad size");
	free(cause);
	assert_int_equal(disc_reply_parse((const uint8_t *)"[1, 2]", 6, &di,
	    &cause), -1);
	assert_string_equal(cause, "not a mapping");
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_too_big),
		cmocka_unit_test(test_reply_refused),
		cmocka_unit_test(test_reply_bytes),
	};

	log_open("test_disc", 0, LOG_TO_STDERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
