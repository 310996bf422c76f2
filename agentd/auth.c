/* SPDX-License-Identifier: ISC */

/*
 * Keys for unattended agents: authorized_keys lines (inline or in files)
 * and the persistent host key, made on first start when missing.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

/* "type base64 [comment]", as in OpenSSH's authorized_keys (no options). */
int
auth_parse_key(const char *line, ssh_key *key, char **cause)
{
	char			*copy, *type, *b64, *last;
	enum ssh_keytypes_e	 kt;
	int			 rc = -1;

	*key = NULL;
	copy = xstrdup(line);
	type = strtok_r(copy, " \t", &last);
	b64 = strtok_r(NULL, " \t", &last);
	if (type == NULL || b64 == NULL) {
		xasprintf(cause, "expected \"TYPE KEY [comment]\", as in "
		    "authorized_keys");
		goto out;
	}
	if ((kt = ssh_key_type_from_name(type)) == SSH_KEYTYPE_UNKNOWN) {
		xasprintf(cause, "unknown key type \"%.64s\"", type);
		goto out;
	}
	if (ssh_pki_import_pubkey_base64(b64, kt, key) != SSH_OK) {
		xasprintf(cause, "bad %s key", type);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return (rc);
}

static void
auth_add(ssh_key **keys, int *n, ssh_key key)
{
	*keys = xreallocarray(*keys, *n + 1, sizeof **keys);
	(*keys)[(*n)++] = key;
}

static void
auth_load_file(const char *path, ssh_key **keys, int *n,
    struct conf_errors *errs)
{
	FILE	*f;
	char	*line = NULL, *cause;
	size_t	 size = 0;
	ssize_t	 len;
	int	 lineno = 0;
	ssh_key	 key;

	if ((f = fopen(path, "r")) == NULL) {
		conf_error_file(errs, path, "%s", strerror(errno));
		return;
	}
	while ((len = getline(&line, &size, f)) != -1) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' ||
		    line[strspn(line, " \t")] == '#')
			continue;
		if (auth_parse_key(line, &key, &cause) != 0) {
			conf_error_file(errs, path, "%d: %s", lineno, cause);
			free(cause);
			continue;
		}
		auth_add(keys, n, key);
	}
	free(line);
	fclose(f);
}

int
auth_load_keys(const struct strlist *list, ssh_key **keys, int *n,
    struct conf_errors *errs)
{
	ssh_key	 key;
	char	*cause;
	int	 i, before = errs->n;

	*keys = NULL;
	*n = 0;
	for (i = 0; i < list->n; i++) {
		if (list->v[i][0] == '/') {
			auth_load_file(list->v[i], keys, n, errs);
			continue;
		}
		if (auth_parse_key(list->v[i], &key, &cause) != 0) {
			conf_error_file(errs, "authorized_keys", "%s", cause);
			free(cause);
			continue;
		}
		auth_add(keys, n, key);
	}
	if (errs->n != before) {
		auth_free_keys(*keys, *n);
		*keys = NULL;
		*n = 0;
		return (-1);
	}
	return (0);
}

void
auth_free_keys(ssh_key *keys, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		ssh_key_free(keys[i]);
	free(keys);
}

int
auth_key_allowed(ssh_key *keys, int n, ssh_key key)
{
	int	 i;

	for (i = 0; i < n; i++) {
		if (ssh_key_cmp(keys[i], key, SSH_KEY_CMP_PUBLIC) == 0)
			return (1);
	}
	return (0);
}

/*
 * The unattended agent's host key: read it, or make an ed25519 key there
 * (0600, written to a temporary file and renamed into place).
 */
int
auth_host_key(const char *path, ssh_key *key, char **cause)
{
	struct stat	 sb;
	char		*tmp;
	mode_t		 old;
	int		 rc;

	if (stat(path, &sb) == 0) {
		if (sb.st_mode & 077) {
			xasprintf(cause, "%s: host key is readable by others "
			    "(mode %04o); chmod 600 it", path,
			    (unsigned)(sb.st_mode & 07777));
			return (-1);
		}
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
		    key) != SSH_OK) {
			xasprintf(cause, "%s: not a private key libssh can "
			    "read", path);
			return (-1);
		}
		/* The agent offers ssh-ed25519 only. */
		if (ssh_key_type(*key) != SSH_KEYTYPE_ED25519) {
			xasprintf(cause, "%s: host key is %s, not ssh-ed25519",
			    path, ssh_key_type_to_char(ssh_key_type(*key)));
			ssh_key_free(*key);
			*key = NULL;
			return (-1);
		}
		return (0);
	}
	if (errno != ENOENT) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, key) != SSH_OK) {
		xasprintf(cause, "cannot make an ed25519 host key");
		return (-1);
	}
	xasprintf(&tmp, "%s.new", path);
	old = umask(077);
	unlink(tmp);
	rc = ssh_pki_export_privkey_file(*key, NULL, NULL, NULL, tmp);
	umask(old);
	if (rc != SSH_OK || rename(tmp, path) != 0) {
		xasprintf(cause, "%s: cannot write the host key: %s", path,
		    rc != SSH_OK ? "libssh export failed" : strerror(errno));
		unlink(tmp);
		free(tmp);
		ssh_key_free(*key);
		*key = NULL;
		return (-1);
	}
	free(tmp);
	info("made a new host key in %s", path);
	return (0);
}
