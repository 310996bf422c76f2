/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/wire.c: unpadded base64url for the salt, and the
 * identification string "tether_VERSION salt=... kdf=scrypt:C:R:P" that the
 * agent sends and the viewer parses before key exchange.
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

/* Bytes 00..0f; base64 "AAECAwQFBgcICQoLDA0ODw==". */
static const uint8_t salt_seq[KDF_SALT_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
};
#define SALT_SEQ	"AAECAwQFBgcICQoLDA0ODw"

/* Chosen so base64 has both '+' and '/': "+/+/APDh0sO0pZaHeGlaSw==". */
static const uint8_t salt_sym[KDF_SALT_LEN] = {
	0xfb, 0xff, 0xbf, 0x00, 0xf0, 0xe1, 0xd2, 0xc3,
	0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b
};
#define SALT_SYM	"-_-_APDh0sO0pZaHeGlaSw"

#define BANNER_SEQ	"tether_" TETHER_VERSION " salt=" SALT_SEQ \
			" kdf=scrypt:15:8:1"

static void
assert_b64url(const uint8_t *p, size_t len, const char *want)
{
	char	*s;
	uint8_t	 back[32];

	s = wire_b64url(p, len);
	assert_string_equal(s, want);
	memset(back, 0xaa, sizeof back);
	assert_int_equal(wire_unb64url(s, back, len), 0);
	assert_memory_equal(back, p, len);
	free(s);
}

static void
assert_unb64url_refused(const char *s)
{
	uint8_t	 out[KDF_SALT_LEN];

	assert_int_equal(wire_unb64url(s, out, sizeof out), -1);
}

/* Parse banner, expecting success and the given salt and cost. */
static void
assert_parses(const char *banner, const uint8_t *salt, int cost)
{
	struct kdf_params	 kp;
	char			*cause = NULL;

	memset(&kp, 0, sizeof kp);
	assert_int_equal(wire_banner_parse(banner, &kp, &cause), 0);
	assert_null(cause);
	assert_memory_equal(kp.salt, salt, KDF_SALT_LEN);
	assert_int_equal(kp.cost, cost);
	assert_int_equal(kp.r, 8);
	assert_int_equal(kp.p, 1);
}

static void
assert_refused(const char *banner, const char *want)
{
	struct kdf_params	 kp;
	char			*cause = NULL;

	memset(&kp, 0, sizeof kp);
	assert_int_equal(wire_banner_parse(banner, &kp, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
}

static void
test_b64url_vectors(void **state)
{
	static const uint8_t	 zero[3];

	(void)state;
	assert_b64url(salt_seq, sizeof salt_seq, SALT_SEQ);
	assert_b64url(salt_sym, sizeof salt_sym, SALT_SYM);
	assert_b64url(zero, 1, "AA");
	assert_b64url(zero, 2, "AAA");
	assert_b64url(zero, 3, "AAAA");
	assert_b64url(salt_sym, 3, "-_-_");
}

static void
test_b64url_round_trip(void **state)
{
	uint8_t	 in[32], out[32];
	char	*s;
	size_t	 i, j;

	(void)state;
	/* Every byte value passes through every position of a salt. */
	for (i = 0; i < 256; i++) {
		for (j = 0; j < sizeof in; j++)
			in[j] = (uint8_t)(i * 31 + j * 97);
		s = wire_b64url(in, KDF_SALT_LEN);
		assert_int_equal(strlen(s), 22);
		assert_int_equal(strcspn(s, "+/="), 22);
		assert_int_equal(wire_unb64url(s, out, KDF_SALT_LEN), 0);
		assert_memory_equal(out, in, KDF_SALT_LEN);
		free(s);

		s = wire_b64url(in, sizeof in);
		assert_int_equal(strlen(s), 43);
		assert_int_equal(wire_unb64url(s, out, sizeof in), 0);
		assert_memory_equal(out, in, sizeof in);
		free(s);
	}
}

static void
test_unb64url_refuses(void **state)
{
	(void)state;
	/* Plain base64's alphabet and padding. */
	assert_unb64url_refused("+/+/APDh0sO0pZaHeGlaSw");
	assert_unb64url_refused("-_-_APDh0sO0pZaHeGlaS+");
	assert_unb64url_refused("-_-_APDh0sO0pZaHeGlaS/");
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0OD=");
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0ODw==");

	/* Wrong length. */
	assert_unb64url_refused("");
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0OD");
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0ODwA");
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0ODwAA");

	/* Not base64 at all. */
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0OD.");
	assert_unb64url_refused("AAECAwQFBgcI*QoLDA0ODw");
	assert_unb64url_refused("AAECAwQFBgcI QoLDA0ODw");
	assert_unb64url_refused("\tAECAwQFBgcICQoLDA0ODw");
	assert_unb64url_refused("AAECAwQFBgcICQoLDA0OD\n");
}

static void
test_banner(void **state)
{
	struct kdf_params	 kp;
	char			*s;

	(void)state;
	memcpy(kp.salt, salt_seq, sizeof kp.salt);
	kp.cost = 15;
	kp.r = 8;
	kp.p = 1;
	s = wire_banner(&kp);
	assert_string_equal(s, BANNER_SEQ);
	assert_true(strlen("SSH-2.0-") + strlen(s) < WIRE_BANNER_MAX);
	free(s);

	memcpy(kp.salt, salt_sym, sizeof kp.salt);
	kp.cost = 20;
	s = wire_banner(&kp);
	assert_string_equal(s, "tether_" TETHER_VERSION " salt=" SALT_SYM
	    " kdf=scrypt:20:8:1");
	free(s);
}

static void
test_banner_round_trip(void **state)
{
	struct kdf_params	 kp;
	char			*s, *full;

	(void)state;
	kdf_params_new(&kp, KDF_COST);
	s = wire_banner(&kp);
	assert_parses(s, kp.salt, KDF_COST);
	xasprintf(&full, "SSH-2.0-%s", s);
	assert_parses(full, kp.salt, KDF_COST);
	free(full);
	free(s);
}

static void
test_parse(void **state)
{
	(void)state;
	assert_parses(BANNER_SEQ, salt_seq, 15);
	assert_parses("SSH-2.0-" BANNER_SEQ, salt_seq, 15);
	assert_parses("SSH-2.0-" BANNER_SEQ "\r\n", salt_seq, 15);
	assert_parses("tether_9.9 kdf=scrypt:14:8:1 salt=" SALT_SYM,
	    salt_sym, 14);
	assert_parses("tether_0.1.0 salt=" SALT_SYM " kdf=scrypt:20:8:1",
	    salt_sym, 20);
}

static void
test_parse_unknown_words(void **state)
{
	(void)state;
	assert_parses("SSH-2.0-tether_0.2.0 os=debian salt=" SALT_SEQ
	    " future  kdf=scrypt:15:8:1 x=y= =z", salt_seq, 15);
}

static void
test_parse_not_tether(void **state)
{
	(void)state;
	assert_refused("OpenSSH_9.2", "not a tether agent");
	assert_refused("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
	    "not a tether agent");
	assert_refused("SSH-1.99-" BANNER_SEQ, "not a tether agent");
	assert_refused("", "not a tether agent");
}

static void
test_parse_missing(void **state)
{
	static const char	*none =
	    "agent announces no ticket (unattended agent)";

	(void)state;
	assert_refused("SSH-2.0-tether_0.1.0", none);
	assert_refused("SSH-2.0-tether_0.1.0 kdf=scrypt:15:8:1", none);
	assert_refused("SSH-2.0-tether_0.1.0 salt=" SALT_SEQ, none);
	/* The software version is not a key=value word. */
	assert_refused("SSH-2.0-tether_salt=" SALT_SEQ " kdf=scrypt:15:8:1",
	    none);
}

static void
test_parse_bad_salt(void **state)
{
	static const char	*bad = "bad salt in server banner";

	(void)state;
	assert_refused("tether_0.1.0 salt= kdf=scrypt:15:8:1", bad);
	assert_refused("tether_0.1.0 salt=AAEC kdf=scrypt:15:8:1", bad);
	assert_refused("tether_0.1.0 salt=AAECAwQFBgcICQoLDA0ODw== "
	    "kdf=scrypt:15:8:1", bad);
	assert_refused("tether_0.1.0 salt=+/+/APDh0sO0pZaHeGlaSw "
	    "kdf=scrypt:15:8:1", bad);
}

static void
test_parse_bad_kdf(void **state)
{
	static const char	*bad = "bad kdf in server banner";

	(void)state;
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=argon2:15:8:1",
	    bad);
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:15:8", bad);
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:15:8:1x",
	    bad);
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:150:8:1",
	    bad);
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=", bad);
}

static void
test_parse_cost(void **state)
{
	(void)state;
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:13:8:1",
	    "agent asks for kdf cost 13, outside 14-20");
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:21:8:1",
	    "agent asks for kdf cost 21, outside 14-20");
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:0:8:1",
	    "agent asks for kdf cost 0, outside 14-20");
	assert_parses("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:14:8:1",
	    salt_seq, 14);
	assert_parses("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:20:8:1",
	    salt_seq, 20);
}

static void
test_parse_r_p(void **state)
{
	static const char	*bad =
	    "agent asks for unsupported scrypt r or p";

	(void)state;
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:15:16:1",
	    bad);
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:15:1:1",
	    bad);
	assert_refused("tether_0.1.0 salt=" SALT_SEQ " kdf=scrypt:15:8:2",
	    bad);
}

static void
test_parse_too_long(void **state)
{
	char	 buf[WIRE_BANNER_MAX + 1];
	size_t	 len;

	(void)state;
	/* Pad a good banner with an unknown word to 127 bytes: accepted. */
	len = (size_t)snprintf(buf, sizeof buf, "SSH-2.0-%s pad=", BANNER_SEQ);
	memset(buf + len, 'x', WIRE_BANNER_MAX - 1 - len);
	buf[WIRE_BANNER_MAX - 1] = '\0';
	assert_int_equal(strlen(buf), WIRE_BANNER_MAX - 1);
	assert_parses(buf, salt_seq, 15);

	/* One more byte and it is refused. */
	buf[WIRE_BANNER_MAX - 1] = 'x';
	buf[WIRE_BANNER_MAX] = '\0';
	assert_refused(buf, "server banner is too long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_vectors),
		cmocka_unit_test(test_b64url_round_trip),
		cmocka_unit_test(test_unb64url_refuses),
		cmocka_unit_test(test_banner),
		cmocka_unit_test(test_banner_round_trip),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_unknown_words),
		cmocka_unit_test(test_parse_not_tether),
		cmocka_unit_test(test_parse_missing),
		cmocka_unit_test(test_parse_bad_salt),
		cmocka_unit_test(test_parse_bad_kdf),
		cmocka_unit_test(test_parse_cost),
		cmocka_unit_test(test_parse_r_p),
		cmocka_unit_test(test_parse_too_long),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
