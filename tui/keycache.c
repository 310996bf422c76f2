/* SPDX-License-Identifier: ISC */

/*
 * The key a ticket gives, kept between runs so that each scripted command
 * does not pay for scrypt again. One file per agent salt, named by a hash
 * of the salt and scrypt parameters (public, from the agent's banner),
 * holding the derived seed and an HMAC of the ticket under that seed: a
 * different ticket typed for the same salt does not match and is derived
 * afresh. The seed is as good as the ticket for that agent until the
 * ticket is replaced, so the directory is private (0700, files 0600, ours
 * alone) and entries go after KEYCACHE_DAYS.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "tether.h"

#define KEYCACHE_MAGIC	"TKC1"
#define KEYCACHE_DAYS	8	/* a ticket lives 7 days at most */
#define KEYCACHE_MAX	256	/* entries looked at when pruning */

struct keycache_entry {
	char		magic[4];
	uint8_t		seed[KDF_SEED_LEN];
	uint8_t		check[32];
};

/*
 * The directory: TETHER_KEY_CACHE, "none" to keep nothing, or
 * $XDG_CACHE_HOME/tether, or ~/.cache/tether. NULL if none is usable.
 */
static char *
keycache_dir(void)
{
	const char	*env = getenv("TETHER_KEY_CACHE"), *base;
	char		*dir, *parent;
	struct stat	 sb;

	if (env != NULL && strcmp(env, "none") == 0)
		return (NULL);
	if (env != NULL && *env == '/')
		dir = xstrdup(env);
	else if ((base = getenv("XDG_CACHE_HOME")) != NULL && *base == '/')
		xasprintf(&dir, "%s/tether", base);
	else if ((base = getenv("HOME")) != NULL && *base == '/') {
		xasprintf(&parent, "%s/.cache", base);
		(void)mkdir(parent, 0700);
		free(parent);
		xasprintf(&dir, "%s/.cache/tether", base);
	} else
		return (NULL);
	(void)mkdir(dir, 0700);
	/* Like ssh with ~/.ssh: a directory others can reach is not used. */
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != getuid() || (sb.st_mode & 077) != 0) {
		free(dir);
		return (NULL);
	}
	return (dir);
}

static char *
keycache_path(const char *dir, const struct kdf_params *kp)
{
	uint8_t		 md[32];
	unsigned int	 len = sizeof md;
	char		 hex[65], buf[KDF_SALT_LEN + 64], *path;
	int		 n, i;

	memcpy(buf, "tether-key-cache", 16);
	memcpy(buf + 16, kp->salt, KDF_SALT_LEN);
	n = 16 + KDF_SALT_LEN + snprintf(buf + 16 + KDF_SALT_LEN,
	    sizeof buf - 16 - KDF_SALT_LEN, ":%d:%d:%d", kp->cost, kp->r,
	    kp->p);
	if (EVP_Digest(buf, n, md, &len, EVP_sha256(), NULL) != 1)
		return (NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	xasprintf(&path, "%s/%s", dir, hex);
	return (path);
}

/* HMAC-SHA256 of the ticket's digits under the seed. */
static int
keycache_check(const uint8_t *seed, const struct ticket *t, uint8_t *out)
{
	unsigned int	 len = 32;

	return (HMAC(EVP_sha256(), seed, KDF_SEED_LEN,
	    (const unsigned char *)t->digits, strlen(t->digits), out, &len) ==
	    NULL ? -1 : 0);
}

/* The cached key for this ticket and salt, or -1 with nothing. */
int
keycache_load(const struct ticket *t, const struct kdf_params *kp,
    ssh_key *key)
{
	struct keycache_entry	 e;
	uint8_t			 check[32];
	char			*dir, *path = NULL, *cause;
	int			 fd = -1, rc = -1;

	if ((dir = keycache_dir()) == NULL)
		return (-1);
	if ((path = keycache_path(dir, kp)) == NULL ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    read(fd, &e, sizeof e) != (ssize_t)sizeof e ||
	    memcmp(e.magic, KEYCACHE_MAGIC, 4) != 0 ||
	    keycache_check(e.seed, t, check) != 0 ||
	    CRYPTO_memcmp(check, e.check, sizeof check) != 0)
		goto out;
	if (kdf_key_from_seed(e.seed, key, &cause) != 0) {
		free(cause);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	explicit_bzero(&e, sizeof e);
	free(path);
	free(dir);
	return (rc);
}

/* Entries older than KEYCACHE_DAYS belong to tickets long gone. */
static void
keycache_prune(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		*p;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && n++ < KEYCACHE_MAX) {
		if (strlen(de->d_name) != 64)
			continue;
		xasprintf(&p, "%s/%s", dir, de->d_name);
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    time(NULL) - sb.st_mtime > KEYCACHE_DAYS * 86400)
			unlink(p);
		free(p);
	}
	closedir(d);
}

/* Keep the seed for next time, written whole or not at all. */
void
keycache_store(const struct ticket *t, const struct kdf_params *kp,
    const uint8_t *seed)
{
	struct keycache_entry	 e;
	char			*dir, *path, *cause;

	if ((dir = keycache_dir()) == NULL)
		return;
	if ((path = keycache_path(dir, kp)) == NULL) {
		free(dir);
		return;
	}
	memcpy(e.magic, KEYCACHE_MAGIC, 4);
	memcpy(e.seed, seed, KDF_SEED_LEN);
	/* A cache that cannot be written costs only an scrypt next time. */
	if (keycache_check(seed, t, e.check) == 0 &&
	    file_write_atomic(dir, strrchr(path, '/') + 1, &e, sizeof e, 0600,
	    &cause) != 0)
		free(cause);
	explicit_bzero(&e, sizeof e);
	keycache_prune(dir);
	free(path);
	free(dir);
}
