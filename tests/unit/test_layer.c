/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for agentd/layer.c: what lvm and cryptsetup print, LVM's
 * device-mapper names, the text saying what a root sits on, a degraded
 * array's problem, the wrong-passphrase counter and the key's newline.
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

static void
test_pvs(void **state)
{
	struct strlist	 vgs = { NULL, 0 };
	char			*cause = NULL;

	(void)state;
	/* As lvm prints it: padded, a PV in no VG, a VG twice. */
	assert_int_equal(layer_pvs_parse("  /dev/vdb1|vg0\n"
	    "  /dev/vdc|\n  /dev/vdd|vg0\n  /dev/md127|data-1\n", &vgs,
	    &cause), 0);
	assert_int_equal(vgs.n, 2);
	assert_string_equal(vgs.v[0], "vg0");
	assert_string_equal(vgs.v[1], "data-1");
	strlist_clear(&vgs);
	assert_int_equal(layer_pvs_parse("", &vgs, &cause), 0);
	assert_int_equal(vgs.n, 0);

	assert_int_equal(layer_pvs_parse("  /dev/vdb1|vg0|x\n", &vgs,
	    &cause), -1);
	assert_string_equal(cause, "pvs: unexpected line \"/dev/vdb1|vg0|x\"");
	free(cause);
	/* A name lvm would not make never reaches a command line. */
	assert_int_equal(layer_pvs_parse("  /dev/vdb1|-ay\n", &vgs, &cause),
	    -1);
	assert_string_equal(cause, "pvs: bad volume group name \"-ay\"");
	free(cause);
	assert_int_equal(layer_pvs_parse("  /dev/vdb1|a b\n", &vgs, &cause),
	    -1);
	free(cause);
	strlist_clear(&vgs);
}

static void
test_lvs(void **state)
{
	const char	*text = "  vg0|root|active\n  vg0|swap|\n"
	    "  vg1|home|\n  vg1|data|\n";

	(void)state;
	assert_int_equal(layer_lvs_active(text, "vg0"), 1);
	assert_int_equal(layer_lvs_active(text, "vg1"), 0);
	assert_int_equal(layer_lvs_active(text, "vg2"), -1);
	assert_int_equal(layer_lvs_active("", "vg0"), -1);
	/* A prefix is not the name. */
	assert_int_equal(layer_lvs_active("  vg00|root|active\n", "vg0"), -1);
}

static void
test_luks_tpm(void **state)
{
	const char	*tpm = "LUKS header information\nVersion:        2\n"
	    "Keyslots:\n  0: luks2\n\tKey:        512 bits\n"
	    "  1: luks2\nTokens:\n  0: systemd-tpm2\n\ttpm2-pcrs:  7\n"
	    "\tKeyslot:    1\nDigests:\n  0: pbkdf2\n";
	const char	*plain = "LUKS header information\nVersion:        2\n"
	    "Keyslots:\n  0: luks2\nTokens:\nDigests:\n  0: pbkdf2\n";
	const char	*fido = "Tokens:\n  0: systemd-fido2\n"
	    "Digests:\n  0: pbkdf2\n";
	const char	*elsewhere = "Keyslots:\n  0: systemd-tpm2\n";

	(void)state;
	assert_int_equal(layer_luks_tpm(tpm), 1);
	assert_int_equal(layer_luks_tpm(plain), 0);
	assert_int_equal(layer_luks_tpm(fido), 0);
	/* Only the Tokens section counts. */
	assert_int_equal(layer_luks_tpm(elsewhere), 0);
	assert_int_equal(layer_luks_tpm(""), 0);
}

static void
test_dm_lvname(void **state)
{
	char	 buf[LAYER_NAME_MAX], small[6];

	(void)state;
	assert_int_equal(layer_dm_lvname("vg0-root", buf, sizeof buf), 0);
	assert_string_equal(buf, "vg0/root");
	assert_int_equal(layer_dm_lvname("my--vg-lv--a--b", buf, sizeof buf),
	    0);
	assert_string_equal(buf, "my-vg/lv-a-b");
	assert_int_equal(layer_dm_lvname("luks-1234", buf, sizeof buf), 0);
	assert_int_equal(layer_dm_lvname("nodash", buf, sizeof buf), -1);
	assert_int_equal(layer_dm_lvname("a-b-c", buf, sizeof buf), -1);
	assert_int_equal(layer_dm_lvname("-a", buf, sizeof buf), -1);
	assert_int_equal(layer_dm_lvname("a-", buf, sizeof buf), -1);
	/* A slash of its own would make a second level (found by fuzzing). */
	assert_int_equal(layer_dm_lvname("a/b-c", buf, sizeof buf), -1);
	assert_int_equal(layer_dm_lvname("vg0-root", small, sizeof small),
	    -1);
}

static void
test_chain(void **state)
{
	struct layer_link	 l[3];
	char			*s;

	(void)state;
	memset(l, 0, sizeof l);
	l[0].kind = LAYER_LVM;
	strcpy(l[0].name, "vg0/root");
	l[1].kind = LAYER_LUKS;
	strcpy(l[1].name, "sda3");
	s = layer_chain_text(l, 2);
	assert_string_equal(s, "vg0/root on luks sda3 (unlocked)");
	free(s);

	l[1].kind = LAYER_MD;
	strcpy(l[1].name, "md0");
	strcpy(l[1].level, "raid1");
	l[1].total = 2;
	l[1].working = 1;
	s = layer_chain_text(l, 2);
	assert_string_equal(s, "vg0/root on RAID1 md0 (degraded: 1 of 2 "
	    "disks)");
	free(s);
	s = layer_md_problem(&l[1]);
	assert_string_equal(s, "RAID1 md0 degraded: 1 of 2 disks");
	free(s);
	l[1].working = 2;
	assert_null(layer_md_problem(&l[1]));
	s = layer_chain_text(&l[1], 1);
	assert_string_equal(s, "RAID1 md0");
	free(s);
	assert_null(layer_md_problem(&l[0]));

	l[2].kind = LAYER_BITLK;
	strcpy(l[2].name, "sdb4");
	s = layer_chain_text(&l[2], 1);
	assert_string_equal(s, "bitlocker sdb4 (unlocked)");
	free(s);
	assert_null(layer_chain_text(l, 0));
}

static void
test_tries(void **state)
{
	struct layer_tries	 t;
	time_t			 now = 1000000;

	(void)state;
	memset(&t, 0, sizeof t);
	assert_int_equal(layer_tries_left(&t, now), 0);
	assert_int_equal(layer_tries_fail(&t, now), 0);
	assert_int_equal(layer_tries_fail(&t, now + 10), 0);
	assert_int_equal(layer_tries_left(&t, now + 10), 0);
	/* The third within a minute locks for a minute. */
	assert_int_equal(layer_tries_fail(&t, now + 20), 1);
	assert_int_equal(layer_tries_left(&t, now + 20), LAYER_TRY_LOCK);
	assert_int_equal(layer_tries_left(&t, now + 79), 1);
	assert_int_equal(layer_tries_left(&t, now + 80), 0);

	/* Tries more than a minute apart never lock. */
	memset(&t, 0, sizeof t);
	assert_int_equal(layer_tries_fail(&t, now), 0);
	assert_int_equal(layer_tries_fail(&t, now + 30), 0);
	assert_int_equal(layer_tries_fail(&t, now + 61), 0);
	assert_int_equal(layer_tries_fail(&t, now + 95), 0);
	assert_int_equal(layer_tries_fail(&t, now + 100), 1);

	/* A right passphrase starts again from nothing. */
	memset(&t, 0, sizeof t);
	layer_tries_fail(&t, now);
	layer_tries_fail(&t, now + 1);
	layer_tries_ok(&t);
	assert_int_equal(layer_tries_fail(&t, now + 2), 0);
	assert_int_equal(layer_tries_left(&t, now + 2), 0);

	/* A clock gone back does not count a try from the future. */
	memset(&t, 0, sizeof t);
	layer_tries_fail(&t, now + 500);
	layer_tries_fail(&t, now + 501);
	assert_int_equal(layer_tries_fail(&t, now), 0);
}

static void
test_key_len(void **state)
{
	(void)state;
	assert_int_equal(layer_key_len("secret\n", 7, 0), 6);
	assert_int_equal(layer_key_len("secret\r\n", 8, 0), 6);
	assert_int_equal(layer_key_len("secret", 6, 0), 6);
	/* Only one newline goes; a key file is taken as it is. */
	assert_int_equal(layer_key_len("secret\n\n", 8, 0), 7);
	assert_int_equal(layer_key_len("bytes\n", 6, 1), 6);
	assert_int_equal(layer_key_len("\n", 1, 0), 0);
}

static void
test_crypt_status(void **state)
{
	(void)state;
	assert_string_equal(layer_crypt_status(2), "wrong passphrase");
	assert_string_equal(layer_crypt_status(5),
	    "device already exists or is busy");
	assert_string_equal(layer_crypt_status(99), "failed");
	assert_int_equal(layer_vg_name_ok("vg0"), 1);
	assert_int_equal(layer_vg_name_ok(".."), 0);
	assert_int_equal(layer_vg_name_ok("vg/0"), 0);
	assert_int_equal(layer_vg_name_ok(""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvs),
		cmocka_unit_test(test_lvs),
		cmocka_unit_test(test_luks_tpm),
		cmocka_unit_test(test_dm_lvname),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_tries),
		cmocka_unit_test(test_key_len),
		cmocka_unit_test(test_crypt_status),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
