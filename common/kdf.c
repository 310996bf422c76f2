/* SPDX-License-Identifier: ISC */

/*
 * From ticket to host key: scrypt turns the ticket and salt into an ed25519
 * seed, OpenSSL gives its public half, and the pair enters libssh as an
 * unencrypted openssh-key-v1 blob (libssh 0.10 loses the public half of a
 * PKCS#8 ed25519 key, so that route is closed).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common.h"

#define KDF_PERSONAL	"tether-hostkey-v1"
#define KDF_ED25519	"ssh-ed25519"

/* A growable byte buffer that wipes itself, for the key blob. */
struct kdf_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 size;
};

void
kdf_params_new(struct kdf_params *kp, int cost)
{
	if (RAND_bytes(kp->salt, sizeof kp->salt) != 1)
		fatalx("kdf: RAND_bytes failed");
	kp->cost = cost;
	kp->r = 8;
	kp->p = 1;
}

int
kdf_seed(const struct ticket *t, const struct kdf_params *kp, uint8_t *seed,
    char **cause)
{
	uint8_t		 salt[sizeof KDF_PERSONAL - 1 + KDF_SALT_LEN];
	uint64_t	 n, maxmem;

	if (kp->cost < KDF_COST_MIN || kp->cost > KDF_COST_MAX) {
		xasprintf(cause, "kdf cost %d is outside %d-%d", kp->cost,
		    KDF_COST_MIN, KDF_COST_MAX);
		return (-1);
	}
	if (kp->r != 8 || kp->p != 1) {
		xasprintf(cause, "kdf parameters r=%d p=%d are not 8 and 1",
		    kp->r, kp->p);
		return (-1);
	}
	memcpy(salt, KDF_PERSONAL, sizeof KDF_PERSONAL - 1);
	memcpy(salt + sizeof KDF_PERSONAL - 1, kp->salt, KDF_SALT_LEN);
	n = (uint64_t)1 << kp->cost;

	/* OpenSSL's default ceiling is 32 MiB, just under what cost 15 needs. */
	maxmem = 128 * (uint64_t)kp->r * (n + kp->p + 2);
	if (EVP_PBE_scrypt(t->digits, TICKET_DIGITS, salt, sizeof salt, n,
	    kp->r, kp->p, maxmem, seed, KDF_SEED_LEN) != 1) {
		*cause = xstrdup("scrypt failed");
		return (-1);
	}
	return (0);
}

static void
kdf_put(struct kdf_buf *b, const void *p, size_t len)
{
	uint8_t	*n;

	if (b->len + len > b->size) {
		b->size = (b->len + len) * 2;
		n = xmalloc(b->size);
		if (b->data != NULL) {
			memcpy(n, b->data, b->len);
			explicit_bzero(b->data, b->len);
			free(b->data);
		}
		b->data = n;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

static void
kdf_put_u32(struct kdf_buf *b, uint32_t v)
{
	uint8_t	 be[4] = { v >> 24, v >> 16, v >> 8, v };

	kdf_put(b, be, sizeof be);
}

static void
kdf_put_string(struct kdf_buf *b, const void *p, size_t len)
{
	kdf_put_u32(b, len);
	kdf_put(b, p, len);
}

static void
kdf_put_cstring(struct kdf_buf *b, const char *s)
{
	kdf_put_string(b, s, strlen(s));
}

static void
kdf_buf_clear(struct kdf_buf *b)
{
	freezero(b->data, b->size);
	memset(b, 0, sizeof *b);
}

/* The public half of an ed25519 seed, computed by OpenSSL. */
static int
kdf_public(const uint8_t *seed, uint8_t *pub, char **cause)
{
	EVP_PKEY	*pk;
	size_t		 len = 32;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    KDF_SEED_LEN);
	if (pk == NULL) {
		*cause = xstrdup("cannot make an ed25519 key from the seed");
		return (-1);
	}
	if (EVP_PKEY_get_raw_public_key(pk, pub, &len) != 1 || len != 32) {
		EVP_PKEY_free(pk);
		*cause = xstrdup("cannot get the ed25519 public key");
		return (-1);
	}
	EVP_PKEY_free(pk);
	return (0);
}

/* openssh-key-v1 with cipher and kdf "none", one key, as PROTOCOL.key says. */
static void
kdf_blob(const uint8_t *seed, const uint8_t *pub, struct kdf_buf *out)
{
	struct kdf_buf	 pubblob = { 0 }, priv = { 0 };
	uint8_t		 sk[64];
	uint32_t	 check;
	uint8_t		 pad;

	kdf_put_cstring(&pubblob, KDF_ED25519);
	kdf_put_string(&pubblob, pub, 32);

	if (RAND_bytes((uint8_t *)&check, sizeof check) != 1)
		fatalx("kdf: RAND_bytes failed");
	memcpy(sk, seed, 32);
	memcpy(sk + 32, pub, 32);
	kdf_put_u32(&priv, check);
	kdf_put_u32(&priv, check);
	kdf_put_cstring(&priv, KDF_ED25519);
	kdf_put_string(&priv, pub, 32);
	kdf_put_string(&priv, sk, sizeof sk);
	kdf_put_cstring(&priv, "tether");
	for (pad = 1; priv.len % 8 != 0; pad++)
		kdf_put(&priv, &pad, 1);
	explicit_bzero(sk, sizeof sk);

	kdf_put(out, "openssh-key-v1", sizeof "openssh-key-v1");
	kdf_put_cstring(out, "none");
	kdf_put_cstring(out, "none");
	kdf_put_cstring(out, "");
	kdf_put_u32(out, 1);
	kdf_put_string(out, pubblob.data, pubblob.len);
	kdf_put_string(out, priv.data, priv.len);
	kdf_buf_clear(&pubblob);
	kdf_buf_clear(&priv);
}

int
kdf_key_from_seed(const uint8_t *seed, ssh_key *key, char **cause)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	static const char end[] = "-----END OPENSSH PRIVATE KEY-----\n";
	struct kdf_buf	 blob = { 0 }, pem = { 0 };
	uint8_t		 pub[32], line[4 * 18 + 1];
	size_t		 off, n;
	int		 rc;

	if (kdf_public(seed, pub, cause) != 0)
		return (-1);
	kdf_blob(seed, pub, &blob);

	kdf_put(&pem, begin, sizeof begin - 1);
	for (off = 0; off < blob.len; off += n) {
		n = blob.len - off > 54 ? 54 : blob.len - off;
		EVP_EncodeBlock(line, blob.data + off, n);
		kdf_put(&pem, line, strlen((char *)line));
		kdf_put(&pem, "\n", 1);
	}
	kdf_put(&pem, end, sizeof end);	/* with the NUL */
	explicit_bzero(line, sizeof line);

	*key = NULL;
	rc = ssh_pki_import_privkey_base64((char *)pem.data, NULL, NULL, NULL,
	    key);
	kdf_buf_clear(&blob);
	kdf_buf_clear(&pem);
	if (rc != SSH_OK) {
		*cause = xstrdup("libssh refused the derived key");
		return (-1);
	}
	return (0);
}

int
kdf_hostkey(const struct ticket *t, const struct kdf_params *kp, ssh_key *key,
    char **cause)
{
	uint8_t	 seed[KDF_SEED_LEN];
	int	 rc;

	if (kdf_seed(t, kp, seed, cause) != 0)
		return (-1);
	rc = kdf_key_from_seed(seed, key, cause);
	explicit_bzero(seed, sizeof seed);
	return (rc);
}

/* SHA256:base64, as ssh-keygen -l prints it. */
char *
kdf_fingerprint(ssh_key key)
{
	unsigned char	*hash;
	size_t		 len;
	char		*fp, *s;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &len) != 0)
		fatalx("kdf: cannot hash the host key");
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL)
		fatalx("kdf: cannot format the fingerprint");
	s = xstrdup(fp);
	ssh_string_free_char(fp);
	return (s);
}
