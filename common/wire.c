/* SPDX-License-Identifier: ISC */

/*
 * The SSH identification string carries the salt and scrypt parameters, so
 * the viewer can derive the expected host key before key exchange ends:
 *   SSH-2.0-tether_VERSION salt=BASE64URL kdf=scrypt:COST:R:P
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common.h"

char *
wire_b64url(const uint8_t *p, size_t len)
{
	char	*s;
	size_t	 i, n;

	s = xmalloc(4 * ((len + 2) / 3) + 1);
	n = EVP_EncodeBlock((unsigned char *)s, p, len);
	while (n > 0 && s[n - 1] == '=')
		n--;
	s[n] = '\0';
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	return (s);
}

/* Decode exactly len bytes of unpadded base64url; anything else fails. */
int
wire_unb64url(const char *s, uint8_t *out, size_t len)
{
	char		 in[64];
	uint8_t		 dec[48];
	size_t		 n = strlen(s), i;
	int		 got;

	if (n != (len * 4 + 2) / 3 || n + 4 > sizeof in || len > 32)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			in[i] = '+';
		else if (s[i] == '_')
			in[i] = '/';
		else if (s[i] == '+' || s[i] == '/' || s[i] == '=')
			return (-1);
		else
			in[i] = s[i];
	}
	while (n % 4 != 0)
		in[n++] = '=';
	in[n] = '\0';
	got = EVP_DecodeBlock(dec, (unsigned char *)in, n);
	if (got < 0 || (size_t)got < len)
		return (-1);
	memcpy(out, dec, len);
	return (0);
}

/* The text after "SSH-2.0-", for SSH_BIND_OPTIONS_BANNER. */
char *
wire_banner(const struct kdf_params *kp)
{
	char	*salt, *s;

	salt = wire_b64url(kp->salt, sizeof kp->salt);
	xasprintf(&s, "tether_%s salt=%s kdf=scrypt:%d:%d:%d", TETHER_VERSION,
	    salt, kp->cost, kp->r, kp->p);
	free(salt);
	if (strlen(s) + 8 >= WIRE_BANNER_MAX)
		fatalx("banner too long");
	return (s);
}

static int
wire_kdf(const char *v, struct kdf_params *kp)
{
	char	 extra;

	if (strncmp(v, "scrypt:", 7) != 0)
		return (-1);
	if (sscanf(v + 7, "%2d:%2d:%2d%c", &kp->cost, &kp->r, &kp->p,
	    &extra) != 3)
		return (-1);
	return (0);
}

/*
 * Parse a server's identification string (with or without "SSH-2.0-").
 * Every word after the software version is key=value; unknown keys are
 * skipped so later agents can add some.
 */
int
wire_banner_parse(const char *banner, struct kdf_params *kp, char **cause)
{
	char	*copy, *word, *last, *v;
	int	 have_salt = 0, have_kdf = 0, rc = -1;

	if (strlen(banner) >= WIRE_BANNER_MAX) {
		*cause = xstrdup("server banner is too long");
		return (-1);
	}
	if (strncmp(banner, "SSH-2.0-", 8) == 0)
		banner += 8;
	if (strncmp(banner, "tether_", 7) != 0) {
		*cause = xstrdup("not a tether agent");
		return (-1);
	}
	copy = xstrdup(banner);
	copy[strcspn(copy, "\r\n")] = '\0';
	strtok_r(copy, " ", &last);
	while ((word = strtok_r(NULL, " ", &last)) != NULL) {
		if ((v = strchr(word, '=')) == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(word, "salt") == 0) {
			if (wire_unb64url(v, kp->salt, sizeof kp->salt) != 0) {
				*cause = xstrdup("bad salt in server banner");
				goto out;
			}
			have_salt = 1;
		} else if (strcmp(word, "kdf") == 0) {
			if (wire_kdf(v, kp) != 0) {
				*cause = xstrdup("bad kdf in server banner");
				goto out;
			}
			have_kdf = 1;
		}
	}
	if (!have_salt || !have_kdf) {
		*cause = xstrdup("agent announces no ticket (unattended agent)");
		goto out;
	}
	if (kp->cost < KDF_COST_MIN || kp->cost > KDF_COST_MAX) {
		xasprintf(cause, "agent asks for kdf cost %d, outside %d-%d",
		    kp->cost, KDF_COST_MIN, KDF_COST_MAX);
		goto out;
	}
	if (kp->r != 8 || kp->p != 1) {
		*cause = xstrdup("agent asks for unsupported scrypt r or p");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return (rc);
}
