/* SPDX-License-Identifier: ISC */

/*
 * Unit tests for common/kdf.c against vectors made with the openssl and
 * ssh-keygen tools: the scrypt seed, the ed25519 host key libssh holds (both
 * halves), its SHA256 fingerprint, and the refusal of bad scrypt parameters.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common.h"

/*
 * The vectors were computed without tether's code. For each vector, T is the
 * ticket, SALT its 16 bytes in hex, N is 2^cost (16384 for 14, 32768 for 15)
 * and P is "tether-hostkey-v1" in hex (printf tether-hostkey-v1 | xxd -p):
 *
 *	P=7465746865722d686f73746b65792d7631
 *
 * SEED is what scrypt prints, without the colons and in lower case:
 *
 *	openssl kdf -keylen 32 -kdfopt pass:$T -kdfopt hexsalt:$P$SALT \
 *	    -kdfopt n:$N -kdfopt r:8 -kdfopt p:1 SCRYPT
 *
 * PUB, the public key, is from the seed as a PKCS#8 ed25519 private key:
 *
 *	echo 302e020100300506032b657004220420$SEED | xxd -r -p |
 *	    openssl pkey -inform DER -pubout -outform DER |
 *	    tail -c 32 | xxd -p -c 64
 *
 * The SSH public key blob is string "ssh-ed25519", string PUB; BLOB is its
 * base64, and ssh-keygen prints the fingerprint:
 *
 *	BLOB=$( (printf '\000\000\000\013ssh-ed25519\000\000\000\040'
 *	    echo $PUB | xxd -r -p) | base64 -w0)
 *	echo "ssh-ed25519 $BLOB" >k.pub
 *	ssh-keygen -lf k.pub
 *
 * which OpenSSL 3.0.22 and OpenSSH 9.2 (Debian bookworm) printed as below.
 * Python's hashlib.scrypt gives the same seeds.
 */
struct vector {
	const char	*ticket;
	const char	*salt;
	int		 cost;
	const char	*seed;
	const char	*pub;
	const char	*blob;
	const char	*fingerprint;
};

static const struct vector vectors[] = {
	{
		"482109375563",
		"000102030405060708090a0b0c0d0e0f",
		14,
		"39b719345f163b7a66ee3ec4dcab695e"
		"5314590673c1cdef551196e0e147687f",
		"c3db0d02a497d2eae9ab55495524d542"
		"24b7c6867ac57984fa3d376f16dbbbe9",
		"AAAAC3NzaC1lZDI1NTE5AAAAIMPbDQKkl9Lq6atVSVUk1UIkt8aGesV5hPo9"
		"N28W27vp",
		"SHA256:bUc6exYZ0h2dOJy3cnpfnB1WKjvds1TFEirL2mMcXXw"
	},
	{
		"123456789012",
		"f0e1d2c3b4a5968778695a4b3c2d1e0f",
		14,
		"791bd0fba956cec890e0ebd85b50fc40"
		"e04c34a3a30966a9fb3a8bf479dc16bc",
		"6e8d020d0339db905eaae17d4822e16f"
		"a15a1a73506b4fe845cd82f3952c3dac",
		"AAAAC3NzaC1lZDI1NTE5AAAAIG6NAg0DOduQXqrhfUgi4W+hWhpzUGtP6EXN"
		"gvOVLD2s",
		"SHA256:EYvwngXeFshiXPJ80lidPXdeDBMbu/zKJMaCdb2qa1w"
	},
	/* The default cost, which needs more than OpenSSL's default maxmem. */
	{
		"482109375563",
		"f0e1d2c3b4a5968778695a4b3c2d1e0f",
		15,
		"a36759b5605c22953242e44e1d2f37e5"
		"cbfe11796896d4dce9e1c845360755cf",
		"eb1d70cf695d141bf84eec176461d8bb"
		"2e30130431b520ad62033138600b9225",
		"AAAAC3NzaC1lZDI1NTE5AAAAIOsdcM9pXRQb+E7sF2Rh2LsuMBMEMbUgrWID"
		"MThgC5Il",
		"SHA256:dHPcvSbuSFldwfDBezr5faFoviigGpzvvwv8szC+PF8"
	},
};
#define NVECTORS	(sizeof vectors / sizeof vectors[0])

/* string "ssh-ed25519", then the length of the 32-byte key. */
static const uint8_t blob_head[] = {
	0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9',
	0, 0, 0, 32
};
#define BLOB_LEN	(sizeof blob_head + 32)

/* A cursor over the openssh-key-v1 blob libssh exports. */
struct reader {
	const uint8_t	*p;
	size_t		 left;
};

static void
unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t		 i;
	unsigned int	 b;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = b;
	}
}

static void
vector_params(const struct vector *v, struct ticket *t,
    struct kdf_params *kp)
{
	char	*cause = NULL;

	assert_int_equal(ticket_parse(v->ticket, t, &cause), 0);
	unhex(v->salt, kp->salt, sizeof kp->salt);
	kp->cost = v->cost;
	kp->r = 8;
	kp->p = 1;
}

/* Base64 without line breaks, decoded; returns the length. */
static size_t
unbase64(const char *s, uint8_t *out, size_t size)
{
	char	*in;
	size_t	 i, n = 0, pad = 0;
	int	 got;

	in = xmalloc(strlen(s) + 1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] != '\n')
			in[n++] = s[i];
	}
	in[n] = '\0';
	assert_true(n % 4 == 0 && n / 4 * 3 <= size);
	while (pad < 2 && n > pad && in[n - 1 - pad] == '=')
		pad++;
	got = EVP_DecodeBlock(out, (unsigned char *)in, n);
	free(in);
	assert_true(got >= 0 && (size_t)got >= pad);
	return (got - pad);
}

/* Check a key's public half, as base64 and as bytes, against v. */
static void
assert_public(ssh_key key, const struct vector *v)
{
	uint8_t	 pub[32], blob[128];
	char	*b64;

	assert_int_equal(ssh_key_type(key), SSH_KEYTYPE_ED25519);
	assert_true(ssh_key_is_public(key));
	assert_int_equal(ssh_pki_export_pubkey_base64(key, &b64), SSH_OK);
	assert_string_equal(b64, v->blob);

	unhex(v->pub, pub, sizeof pub);
	assert_int_equal(unbase64(b64, blob, sizeof blob), BLOB_LEN);
	assert_memory_equal(blob, blob_head, sizeof blob_head);
	assert_memory_equal(blob + sizeof blob_head, pub, sizeof pub);
	ssh_string_free_char(b64);
}

static uint32_t
get_u32(struct reader *r)
{
	uint32_t	 v;

	assert_true(r->left >= 4);
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return (v);
}

static const uint8_t *
get_string(struct reader *r, size_t *len)
{
	const uint8_t	*p;

	*len = get_u32(r);
	assert_true(*len <= r->left);
	p = r->p;
	r->p += *len;
	r->left -= *len;
	return (p);
}

static void
assert_string_is(struct reader *r, const void *want, size_t wantlen)
{
	const uint8_t	*p;
	size_t		 len;

	p = get_string(r, &len);
	assert_int_equal(len, wantlen);
	assert_memory_equal(p, want, len);
}

/*
 * libssh 0.10 has no public call to sign, so check the private half it
 * would sign with: export the key and find seed || pub in the private
 * section of the openssh-key-v1 blob.
 */
static void
assert_private(ssh_key key, const struct vector *v)
{
	static const char	 magic[] = "openssh-key-v1";
	static const char	 begin[] =
	    "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	struct reader		 r, priv;
	uint8_t			 raw[1024], sk[64], blob[BLOB_LEN];
	char			*pem, *end;
	size_t			 len;
	uint32_t		 check;

	assert_true(ssh_key_is_private(key));
	assert_int_equal(ssh_pki_export_privkey_base64(key, NULL, NULL, NULL,
	    &pem), SSH_OK);
	assert_memory_equal(pem, begin, sizeof begin - 1);
	end = strstr(pem, "-----END OPENSSH PRIVATE KEY-----");
	assert_non_null(end);
	*end = '\0';
	r.p = raw;
	r.left = unbase64(pem + sizeof begin - 1, raw, sizeof raw);
	OPENSSL_cleanse(pem, strlen(pem));
	ssh_string_free_char(pem);

	unhex(v->seed, sk, 32);
	unhex(v->pub, sk + 32, 32);
	memcpy(blob, blob_head, sizeof blob_head);
	memcpy(blob + sizeof blob_head, sk + 32, 32);

	assert_true(r.left > sizeof magic);
	assert_memory_equal(r.p, magic, sizeof magic);
	r.p += sizeof magic;
	r.left -= sizeof magic;
	assert_string_is(&r, "none", 4);
	assert_string_is(&r, "none", 4);
	assert_string_is(&r, "", 0);
	assert_int_equal(get_u32(&r), 1);
	assert_string_is(&r, blob, sizeof blob);
	priv.p = get_string(&r, &priv.left);
	assert_int_equal(r.left, 0);

	check = get_u32(&priv);
	assert_int_equal(get_u32(&priv), check);
	assert_string_is(&priv, "ssh-ed25519", 11);
	assert_string_is(&priv, sk + 32, 32);
	assert_string_is(&priv, sk, sizeof sk);
	(void)get_string(&priv, &len);		/* comment, then padding */
	OPENSSL_cleanse(raw, sizeof raw);
}

static void
test_seed_vectors(void **state)
{
	const struct vector	*v;
	struct ticket		 t;
	struct kdf_params	 kp;
	uint8_t			 seed[KDF_SEED_LEN], want[KDF_SEED_LEN];
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		v = &vectors[i];
		vector_params(v, &t, &kp);
		memset(seed, 0, sizeof seed);
		assert_int_equal(kdf_seed(&t, &kp, seed, &cause), 0);
		assert_null(cause);
		unhex(v->seed, want, sizeof want);
		assert_memory_equal(seed, want, sizeof want);
	}
}

static void
test_key_from_seed(void **state)
{
	const struct vector	*v;
	uint8_t			 seed[KDF_SEED_LEN];
	ssh_key			 key;
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		v = &vectors[i];
		unhex(v->seed, seed, sizeof seed);
		key = NULL;
		assert_int_equal(kdf_key_from_seed(seed, &key, &cause), 0);
		assert_null(cause);
		assert_non_null(key);
		assert_public(key, v);
		assert_private(key, v);
		ssh_key_free(key);
	}
}

static void
test_hostkey(void **state)
{
	const struct vector	*v;
	struct ticket		 t;
	struct kdf_params	 kp;
	uint8_t			 seed[KDF_SEED_LEN];
	ssh_key			 key, fromseed;
	char			*cause = NULL;
	size_t			 i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		v = &vectors[i];
		vector_params(v, &t, &kp);
		key = NULL;
		assert_int_equal(kdf_hostkey(&t, &kp, &key, &cause), 0);
		assert_null(cause);
		assert_non_null(key);
		assert_public(key, v);
		assert_private(key, v);

		unhex(v->seed, seed, sizeof seed);
		assert_int_equal(kdf_key_from_seed(seed, &fromseed, &cause), 0);
		assert_int_equal(ssh_key_cmp(key, fromseed,
		    SSH_KEY_CMP_PUBLIC), 0);
		assert_int_equal(ssh_key_cmp(key, fromseed,
		    SSH_KEY_CMP_PRIVATE), 0);
		ssh_key_free(fromseed);
		ssh_key_free(key);
	}
}

static void
test_fingerprint(void **state)
{
	const struct vector	*v;
	uint8_t			 seed[KDF_SEED_LEN];
	ssh_key			 key;
	char			*cause = NULL, *fp;
	size_t			 i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		v = &vectors[i];
		unhex(v->seed, seed, sizeof seed);
		assert_int_equal(kdf_key_from_seed(seed, &key, &cause), 0);
		fp = kdf_fingerprint(key);
		assert_string_equal(fp, v->fingerprint);
		free(fp);
		ssh_key_free(key);
	}
}

static void
assert_params_refused(int cost, int r, int p, const char *want)
{
	struct ticket		 t;
	struct kdf_params	 kp;
	uint8_t			 seed[KDF_SEED_LEN];
	ssh_key			 key = NULL;
	char			*cause = NULL;

	vector_params(&vectors[0], &t, &kp);
	kp.cost = cost;
	kp.r = r;
	kp.p = p;
	assert_int_equal(kdf_seed(&t, &kp, seed, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);

	cause = NULL;
	assert_int_equal(kdf_hostkey(&t, &kp, &key, &cause), -1);
	assert_non_null(cause);
	assert_string_equal(cause, want);
	free(cause);
	assert_null(key);
}

static void
test_cost_refused(void **state)
{
	(void)state;
	assert_params_refused(13, 8, 1, "kdf cost 13 is outside 14-20");
	assert_params_refused(21, 8, 1, "kdf cost 21 is outside 14-20");
	assert_params_refused(0, 8, 1, "kdf cost 0 is outside 14-20");
	assert_params_refused(-1, 8, 1, "kdf cost -1 is outside 14-20");
	assert_params_refused(64, 8, 1, "kdf cost 64 is outside 14-20");
}

static void
test_r_p_refused(void **state)
{
	(void)state;
	assert_params_refused(14, 16, 1, "kdf parameters r=16 p=1 are not 8 "
	    "and 1");
	assert_params_refused(14, 8, 2, "kdf parameters r=8 p=2 are not 8 "
	    "and 1");
}

/* The same input gives the same key; a change to ticket or salt does not. */
static void
test_different_input(void **state)
{
	struct ticket		 t;
	struct kdf_params	 kp;
	ssh_key			 a, b;
	char			*cause = NULL, *fa, *fb;

	(void)state;
	vector_params(&vectors[0], &t, &kp);
	assert_int_equal(kdf_hostkey(&t, &kp, &a, &cause), 0);

	/* The same ticket and salt again: the same key. */
	assert_int_equal(kdf_hostkey(&t, &kp, &b, &cause), 0);
	assert_int_equal(ssh_key_cmp(a, b, SSH_KEY_CMP_PUBLIC), 0);
	assert_int_equal(ssh_key_cmp(a, b, SSH_KEY_CMP_PRIVATE), 0);
	ssh_key_free(b);

	/* The last digit off by one. */
	assert_int_equal(ticket_parse("4821-0937-5564", &t, &cause), 0);
	assert_int_equal(kdf_hostkey(&t, &kp, &b, &cause), 0);
	assert_int_not_equal(ssh_key_cmp(a, b, SSH_KEY_CMP_PUBLIC), 0);
	fa = kdf_fingerprint(a);
	fb = kdf_fingerprint(b);
	assert_string_equal(fa, vectors[0].fingerprint);
	assert_string_not_equal(fa, fb);
	free(fb);
	ssh_key_free(b);

	/* The right ticket, the last salt byte changed. */
	assert_int_equal(ticket_parse(vectors[0].ticket, &t, &cause), 0);
	kp.salt[KDF_SALT_LEN - 1] ^= 1;
	assert_int_equal(kdf_hostkey(&t, &kp, &b, &cause), 0);
	assert_int_not_equal(ssh_key_cmp(a, b, SSH_KEY_CMP_PUBLIC), 0);
	fb = kdf_fingerprint(b);
	assert_string_not_equal(fa, fb);
	free(fb);
	ssh_key_free(b);

	free(fa);
	ssh_key_free(a);
}

static void
test_params_new(void **state)
{
	struct kdf_params	 a, b;

	(void)state;
	kdf_params_new(&a, KDF_COST);
	kdf_params_new(&b, 17);
	assert_int_equal(a.cost, 15);
	assert_int_equal(a.r, 8);
	assert_int_equal(a.p, 1);
	assert_int_equal(b.cost, 17);
	assert_int_equal(b.r, 8);
	assert_int_equal(b.p, 1);
	/* Equal by chance once in 2^128 runs. */
	assert_memory_not_equal(a.salt, b.salt, KDF_SALT_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_vectors),
		cmocka_unit_test(test_key_from_seed),
		cmocka_unit_test(test_hostkey),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_cost_refused),
		cmocka_unit_test(test_r_p_refused),
		cmocka_unit_test(test_different_input),
		cmocka_unit_test(test_params_new),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
