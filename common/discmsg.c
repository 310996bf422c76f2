/* SPDX-License-Identifier: ISC */

/*
 * LAN discovery datagrams, shared by both ends. The viewer asks with
 * "TETHER/1 DISCOVER nonce=HEX32" padded to at least 512 bytes, so that an
 * answer is never larger than the question; the agent answers by unicast
 * with a short YAML mapping that says where it is and which key it holds.
 */

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common.h"

#define DISC_MAGIC	"TETHER/1 DISCOVER nonce="

static int
disc_hex(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return (0);
	}
	return (1);
}

void
disc_nonce_new(char *nonce)
{
	uint8_t	 b[DISC_NONCE_LEN / 2];
	size_t	 i;

	if (RAND_bytes(b, sizeof b) != 1)
		fatalx("disc: RAND_bytes failed");
	for (i = 0; i < sizeof b; i++)
		snprintf(nonce + 2 * i, 3, "%02x", b[i]);
}

/* The request: the magic line, then NUL padding to DISC_REQUEST_LEN. */
size_t
disc_request(const char *nonce, uint8_t *buf, size_t size)
{
	int	 n;

	if (size < DISC_REQUEST_LEN)
		fatalx("disc: request buffer too small");
	memset(buf, 0, DISC_REQUEST_LEN);
	n = snprintf((char *)buf, size, "%s%s\n", DISC_MAGIC, nonce);
	if (n < 0 || (size_t)n >= DISC_REQUEST_LEN)
		fatalx("disc: nonce too long");
	return (DISC_REQUEST_LEN);
}

/*
 * A request is at least DISC_REQUEST_LEN bytes, starts with the magic and
 * 32 lower-case hex digits, then a newline, space or NUL. Anything else is
 * not answered, so a short datagram can never draw a longer reply.
 */
int
disc_request_parse(const uint8_t *buf, size_t len, char *nonce)
{
	const char	*p = (const char *)buf;
	size_t		 m = sizeof DISC_MAGIC - 1;

	if (len < DISC_REQUEST_LEN || len > DISC_DATAGRAM_MAX)
		return (-1);
	if (memcmp(p, DISC_MAGIC, m) != 0)
		return (-1);
	if (!disc_hex(p + m, DISC_NONCE_LEN))
		return (-1);
	if (p[m + DISC_NONCE_LEN] != '\n' && p[m + DISC_NONCE_LEN] != ' ' &&
	    p[m + DISC_NONCE_LEN] != '\0')
		return (-1);
	memcpy(nonce, p + m, DISC_NONCE_LEN);
	nonce[DISC_NONCE_LEN] = '\0';
	return (0);
}

static void
disc_kdf_text(const struct kdf_params *kp, char *buf, size_t size)
{
	snprintf(buf, size, "scrypt:%d:%d:%d", kp->cost, kp->r, kp->p);
}

/* The reply, or NULL if it would not fit in DISC_REPLY_MAX bytes. */
char *
disc_reply(const struct disc_info *di, size_t *lenp)
{
	struct yw	*w;
	char		*salt, *s, kdf[64], *ips[DISC_MAX_IPS];
	size_t		 len;
	int		 i;

	for (i = 0; i < di->nips; i++)
		ips[i] = (char *)di->ips[i];
	salt = wire_b64url(di->kdf.salt, sizeof di->kdf.salt);
	disc_kdf_text(&di->kdf, kdf, sizeof kdf);
	w = yw_new();
	yw_map(w);
	yw_kvint(w, "tether", 1);
	yw_kv(w, "nonce", di->nonce);
	yw_kv(w, "host", di->host);
	yw_kvint(w, "port", di->port);
	yw_kvlist(w, "ips", ips, di->nips);
	yw_kv(w, "salt", salt);
	yw_kv(w, "kdf", kdf);
	yw_kv(w, "key", di->key);
	yw_kvtime(w, "expires", di->expires);
	yw_end(w);
	s = yw_finish(w, &len);
	free(salt);
	if (len > DISC_REPLY_MAX) {
		free(s);
		return (NULL);
	}
	*lenp = len;
	return (s);
}

static const char *
disc_get(yaml_document_t *doc, const char *key, char **cause)
{
	const char	*v;

	v = yr_scalar(yr_get(doc, yr_root(doc), key));
	if (v == NULL)
		xasprintf(cause, "no %s", key);
	return (v);
}

static int
disc_copy(const char *v, char *dst, size_t size, const char *key,
    char **cause)
{
	if (strlen(v) >= size || strlen(v) == 0) {
		xasprintf(cause, "bad %s", key);
		return (-1);
	}
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

/*
 * An address an agent lists: a literal, or a link-local one with the
 * agent's interface name, which this machine need not have (and so is not
 * looked up here: the viewer puts its own interface in its place).
 */
static int
disc_ip_ok(const char *v)
{
	struct sockaddr_storage	 ss;
	struct in6_addr		 a;
	socklen_t		 sl;
	char			*why, ifname[64];

	if (strchr(v, '%') != NULL)
		return (net_split_scoped(v, &a, ifname, sizeof ifname) == 0);
	if (net_parse_ip(v, &ss, &sl, &why) != 0) {
		free(why);
		return (0);
	}
	return (1);
}

static int
disc_parse_ips(yaml_document_t *doc, struct disc_info *di, char **cause)
{
	yaml_node_t		*seq, *item;
	yaml_node_item_t	*it;
	const char		*v;

	seq = yr_get(doc, yr_root(doc), "ips");
	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE) {
		*cause = xstrdup("no ips");
		return (-1);
	}
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		item = yaml_document_get_node(doc, *it);
		if ((v = yr_scalar(item)) == NULL ||
		    strlen(v) >= sizeof di->ips[0] || !disc_ip_ok(v)) {
			*cause = xstrdup("bad address in ips");
			return (-1);
		}
		if (di->nips == DISC_MAX_IPS)
			continue;	/* more than anyone can try */
		memcpy(di->ips[di->nips++], v, strlen(v) + 1);
	}
	return (0);
}

static int
disc_parse_kdf(const char *salt, const char *kdf, struct kdf_params *kp,
    char **cause)
{
	char	 check[64];

	if (wire_unb64url(salt, kp->salt, sizeof kp->salt) != 0) {
		*cause = xstrdup("bad salt");
		return (-1);
	}
	if (strncmp(kdf, "scrypt:", 7) != 0 || sscanf(kdf + 7, "%2d:%2d:%2d",
	    &kp->cost, &kp->r, &kp->p) != 3) {
		*cause = xstrdup("bad kdf");
		return (-1);
	}
	/* Exactly one spelling, so a reply says one thing. */
	disc_kdf_text(kp, check, sizeof check);
	if (strcmp(check, kdf) != 0 || kp->cost < KDF_COST_MIN ||
	    kp->cost > KDF_COST_MAX || kp->r != 8 || kp->p != 1) {
		*cause = xstrdup("unsupported kdf");
		return (-1);
	}
	return (0);
}

static int
disc_parse_key(const char *v, struct disc_info *di, char **cause)
{
	const char	*b = v + sizeof "ssh-ed25519 " - 1;

	if (strncmp(v, "ssh-ed25519 ", 12) != 0 || strlen(v) >=
	    sizeof di->key || strlen(b) == 0 || strspn(b, "ABCDEFGHIJKLMNOPQRS"
	    "TUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen(b)) {
		*cause = xstrdup("bad key");
		return (-1);
	}
	memcpy(di->key, v, strlen(v) + 1);
	return (0);
}

static int
disc_parse_time(const char *v, time_t *t, char **cause)
{
	struct tm	 tm;
	const char	*end;
	char		 again[32];

	memset(&tm, 0, sizeof tm);
	end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0' || strlen(v) != 20)
		goto bad;
	*t = timegm(&tm);
	/* Only the one spelling yw_kvtime() writes: no Feb 30, no :60. */
	if (*t < 0 || gmtime_r(t, &tm) == NULL || strftime(again,
	    sizeof again, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    strcmp(again, v) != 0)
		goto bad;
	return (0);
bad:
	*cause = xstrdup("bad expires");
	return (-1);
}

static int
disc_parse_doc(yaml_document_t *doc, struct disc_info *di, char **cause)
{
	const char	*v, *salt, *kdf;
	char		*why;

	if (yr_root(doc)->type != YAML_MAPPING_NODE) {
		*cause = xstrdup("not a mapping");
		return (-1);
	}
	if ((v = disc_get(doc, "tether", cause)) == NULL)
		return (-1);
	if (strcmp(v, "1") != 0) {
		*cause = xstrdup("not version 1");
		return (-1);
	}
	if ((v = disc_get(doc, "nonce", cause)) == NULL)
		return (-1);
	if (strlen(v) != DISC_NONCE_LEN || !disc_hex(v, DISC_NONCE_LEN)) {
		*cause = xstrdup("bad nonce");
		return (-1);
	}
	memcpy(di->nonce, v, DISC_NONCE_LEN + 1);
	if ((v = disc_get(doc, "host", cause)) == NULL ||
	    disc_copy(v, di->host, sizeof di->host, "host", cause) != 0)
		return (-1);
	if ((v = disc_get(doc, "port", cause)) == NULL)
		return (-1);
	if (net_parse_port(v, &di->port, &why) != 0) {
		free(why);
		di->port = 0;
	}
	if (di->port == 0) {
		*cause = xstrdup("bad port");
		return (-1);
	}
	if (disc_parse_ips(doc, di, cause) != 0)
		return (-1);
	if ((salt = disc_get(doc, "salt", cause)) == NULL ||
	    (kdf = disc_get(doc, "kdf", cause)) == NULL ||
	    disc_parse_kdf(salt, kdf, &di->kdf, cause) != 0)
		return (-1);
	if ((v = disc_get(doc, "key", cause)) == NULL ||
	    disc_parse_key(v, di, cause) != 0)
		return (-1);
	if ((v = disc_get(doc, "expires", cause)) == NULL ||
	    disc_parse_time(v, &di->expires, cause) != 0)
		return (-1);
	return (0);
}

/* A reply as the viewer gets it from anyone on the LAN: trust nothing. */
int
disc_reply_parse(const uint8_t *buf, size_t len, struct disc_info *di,
    char **cause)
{
	yaml_document_t	 doc;
	char		*why;
	int		 rc;

	memset(di, 0, sizeof *di);
	if (len == 0 || len > DISC_REPLY_MAX) {
		*cause = xstrdup("reply of bad size");
		return (-1);
	}
	if (memchr(buf, '\0', len) != NULL) {
		*cause = xstrdup("NUL in reply");
		return (-1);
	}
	if (yr_load((const char *)buf, len, &doc, &why) != 0) {
		xasprintf(cause, "reply is not YAML: %s", why);
		free(why);
		return (-1);
	}
	rc = disc_parse_doc(&doc, di, cause);
	yaml_document_delete(&doc);
	if (rc != 0)
		memset(di, 0, sizeof *di);
	return (rc);
}
