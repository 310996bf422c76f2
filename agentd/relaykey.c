/* SPDX-License-Identifier: ISC */

/*
 * A relay's host key as tetherd.yaml gives it: a known_hosts line, a
 * SHA256: fingerprint as ssh-keygen -l prints it, or the path of a file
 * holding either. Checked when the file is loaded, and compared with the
 * key the relay shows before the agent logs in to it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tetherd.h"

/* The key type a known_hosts line names, and its base64, in place. */
static int
relaykey_split(char *line, char **type, char **b64)
{
	char	*w, *last;

	*type = *b64 = NULL;
	for (w = strtok_r(line, " \t", &last); w != NULL;
	    w = strtok_r(NULL, " \t", &last)) {
		if (*type != NULL) {
			*b64 = w;
			return (0);
		}
		if (ssh_key_type_from_name(w) != SSH_KEYTYPE_UNKNOWN)
			*type = w;
	}
	return (-1);
}

/* A public key from a known_hosts line ("[host]:port type base64"). */
static int
relaykey_line(const char *spec, ssh_key *key, char **type_out, char **cause)
{
	char	*line, *type, *b64;

	line = xstrdup(spec);
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '@') {
		xasprintf(cause, "host_key: markers (%.*s) are not taken",
		    (int)strcspn(line, " \t"), line);
		free(line);
		return (-1);
	}
	if (relaykey_split(line, &type, &b64) != 0 ||
	    ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type),
	    key) != SSH_OK) {
		xasprintf(cause, "host_key: not a known_hosts line or a "
		    "SHA256: fingerprint");
		free(line);
		return (-1);
	}
	if (type_out != NULL)
		*type_out = xstrdup(type);
	free(line);
	return (0);
}

/* A host_key that is a file: its first line that is not a comment. */
char *
relaykey_read(const char *path, char **cause)
{
	FILE	*f;
	char	 buf[16384], *p;

	if ((f = fopen(path, "re")) == NULL) {
		xasprintf(cause, "host_key: %s: %s", path, strerror(errno));
		return (NULL);
	}
	while (fgets(buf, sizeof buf, f) != NULL) {
		p = buf + strspn(buf, " \t");
		p[strcspn(p, "\r\n")] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		fclose(f);
		return (xstrdup(p));
	}
	fclose(f);
	xasprintf(cause, "host_key: %s: no key in it", path);
	return (NULL);
}

static int
relaykey_is_fingerprint(const char *s)
{
	return (strncmp(s, "SHA256:", 7) == 0 && strlen(s) == 7 + 43);
}

/* tetherd.yaml's host_key: a fingerprint, a known_hosts line or a file. */
int
relaykey_check(const char *spec, char **cause)
{
	ssh_key	 key;

	if (*spec == '/')
		return (0);	/* read when connecting: the disk may come later */
	if (strncmp(spec, "SHA256:", 7) == 0) {
		if (relaykey_is_fingerprint(spec) && strspn(spec + 7,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/") == 43)
			return (0);
		xasprintf(cause, "host_key: \"%s\" is not a SHA256: "
		    "fingerprint (43 base64 characters)", spec);
		return (-1);
	}
	if (relaykey_line(spec, &key, NULL, cause) != 0)
		return (-1);
	ssh_key_free(key);
	return (0);
}

/* The SHA256: fingerprint of a key, as ssh-keygen -l shows it. */
static char *
relaykey_fingerprint(ssh_key key)
{
	unsigned char	*hash;
	size_t		 len;
	char		*fp, *s;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &len) != 0)
		return (xstrdup("?"));
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
	ssh_clean_pubkey_hash(&hash);
	if (fp == NULL)
		return (xstrdup("?"));
	s = xstrdup(fp);
	ssh_string_free_char(fp);
	return (s);
}

/* Whether the relay's key is the one host_key names. */
int
relaykey_ok(const char *spec, ssh_key server, char **cause)
{
	ssh_key	 want;
	char	*fp, *line = NULL;
	int	 ok;

	if (*spec == '/') {
		if ((line = relaykey_read(spec, cause)) == NULL)
			return (-1);
		spec = line;
	}
	fp = relaykey_fingerprint(server);
	if (relaykey_is_fingerprint(spec))
		ok = strlen(fp) == strlen(spec) &&
		    CRYPTO_memcmp(fp, spec, strlen(fp)) == 0;
	else if (relaykey_line(spec, &want, NULL, cause) == 0) {
		ok = ssh_key_cmp(want, server, SSH_KEY_CMP_PUBLIC) == 0;
		ssh_key_free(want);
	} else {
		free(fp);
		free(line);
		return (-1);
	}
	if (!ok)
		xasprintf(cause, "host key mismatch: the relay shows %s, which "
		    "host_key does not name; refused", fp);
	free(fp);
	free(line);
	return (ok ? 0 : -1);
}

/*
 * With a known_hosts line, ask for that key's type only, or the relay may
 * show another of its keys and fail a check it would have passed.
 */
void
relaykey_want_type(ssh_session s, const char *spec)
{
	ssh_key	 key;
	char	*line = NULL, *type = NULL, *cause = NULL;

	if (*spec == '/' && (spec = line = relaykey_read(spec, &cause)) ==
	    NULL) {
		free(cause);
		return;
	}
	if (!relaykey_is_fingerprint(spec) &&
	    relaykey_line(spec, &key, &type, &cause) == 0) {
		ssh_key_free(key);
		ssh_options_set(s, SSH_OPTIONS_HOSTKEYS,
		    strcmp(type, "ssh-rsa") == 0 ?
		    "rsa-sha2-512,rsa-sha2-256" : type);
	}
	free(cause);
	free(type);
	free(line);
}

