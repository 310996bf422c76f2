/* SPDX-License-Identifier: ISC */

/*
 * Connecting to an agent. The order is the point: key exchange, then the
 * banner's salt and the typed ticket give the expected host key, which must
 * be the one the agent used; only then does authentication start, with
 * that same key. A host that fails the check never sees anything secret.
 */

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tether.h"

/* The last derivation, so a reconnect does not pay for scrypt again. */
static struct {
	int			 valid;
	struct ticket		 ticket;
	struct kdf_params	 kdf;
	ssh_key			 key;
} client_cache;

static int
client_ms(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

static int
client_derive(const struct ticket *t, const struct kdf_params *kp,
    ssh_key *key, char **cause)
{
	if (client_cache.valid &&
	    CRYPTO_memcmp(&client_cache.ticket, t, sizeof *t) == 0 &&
	    memcmp(&client_cache.kdf, kp, sizeof *kp) == 0) {
		*key = ssh_key_dup(client_cache.key);
		return (*key == NULL ? -1 : 0);
	}
	if (kdf_hostkey(t, kp, key, cause) != 0)
		return (-1);
	if (client_cache.valid)
		ssh_key_free(client_cache.key);
	client_cache.valid = 1;
	client_cache.ticket = *t;
	client_cache.kdf = *kp;
	client_cache.key = ssh_key_dup(*key);
	return (0);
}

static ssh_session
client_session(const struct target *t)
{
	ssh_session	 s;
	long		 timeout = 10;
	int		 off = 0, on = 1, port = t->port;
	int		 verbosity = SSH_LOG_NOLOG;
	char		 host[TETHER_IP_MAX];
	size_t		 n = strlen(t->ip);

	/* libssh wants IPv6 without the brackets a person may type. */
	if (n > 2 && t->ip[0] == '[' && t->ip[n - 1] == ']')
		snprintf(host, sizeof host, "%.*s", (int)n - 2, t->ip + 1);
	else
		snprintf(host, sizeof host, "%s", t->ip);
	if ((s = ssh_new()) == NULL)
		fatalx("ssh_new failed");
	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &off) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_HOST, host) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, TETHER_USER) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, "ssh-ed25519") != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_NODELAY, &on) != 0)
		fatalx("ssh options: %s", ssh_get_error(s));
	return (s);
}

/* Compare the agent's host key with the one the ticket gives. */
static enum client_err
client_check(struct client *c, const struct target *t, char **cause)
{
	struct kdf_params	 kp;
	const char		*banner;
	ssh_key			 server = NULL;
	int			 same;

	banner = ssh_get_serverbanner(c->session);
	if (banner == NULL || wire_banner_parse(banner, &kp, cause) != 0) {
		if (banner == NULL)
			*cause = xstrdup("no banner from the agent");
		return (CLIENT_ERR_NOT_TETHER);
	}
	if (client_derive(&t->ticket, &kp, &c->key, cause) != 0)
		return (CLIENT_ERR_CONNECT);
	if (ssh_get_server_publickey(c->session, &server) != SSH_OK) {
		*cause = xstrdup("the agent showed no host key");
		return (CLIENT_ERR_CONNECT);
	}
	same = ssh_key_cmp(server, c->key, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(server);
	if (!same) {
		*cause = xstrdup("this agent does not hold that ticket "
		    "(possible impersonation)");
		return (CLIENT_ERR_MISMATCH);
	}
	c->fingerprint = kdf_fingerprint(c->key);
	return (CLIENT_OK);
}

/*
 * Authenticate without blocking, so that an agent that asks its local
 * user first (approve: each) can be shown as doing so.
 */
static int
client_auth(struct client *c, void (*note)(const char *))
{
	struct pollfd	 pfd;
	struct timespec	 t0;
	int		 rc, told = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssh_set_blocking(c->session, 0);
	while ((rc = ssh_userauth_publickey(c->session, NULL, c->key)) ==
	    SSH_AUTH_AGAIN) {
		if (!told && note != NULL && client_ms(&t0) > 1000) {
			note("waiting for approval on the remote machine");
			told = 1;
		}
		pfd.fd = ssh_get_fd(c->session);
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
	}
	ssh_set_blocking(c->session, 1);
	return (rc);
}

enum client_err
client_connect(struct client *c, const struct target *t,
    void (*note)(const char *), char **cause)
{
	struct timespec	 t0;
	enum client_err	 err;
	char		*banner;
	int		 rc;

	memset(c, 0, sizeof *c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c->session = client_session(t);
	xasprintf(&c->host, "%s port %d", t->ip, t->port);
	if (ssh_connect(c->session) != SSH_OK) {
		xasprintf(cause, "%s: %s", c->host,
		    ssh_get_error(c->session));
		client_close(c);
		return (CLIENT_ERR_CONNECT);
	}
	if ((err = client_check(c, t, cause)) != CLIENT_OK) {
		client_close(c);
		return (err);
	}
	rc = client_auth(c, note);
	if (rc != SSH_AUTH_SUCCESS) {
		/* The agent says why in a banner (max_sessions, the local
		   user said no). */
		banner = ssh_get_issue_banner(c->session);
		if (banner != NULL) {
			banner[strcspn(banner, "\r\n")] = '\0';
			xasprintf(cause, "%s: %s", c->host, strncmp(banner,
			    "tetherd: ", 9) == 0 ? banner + 9 : banner);
			ssh_string_free_char(banner);
		} else
			xasprintf(cause, "%s: the agent refused the ticket's "
			    "key%s%s", c->host, rc == SSH_AUTH_ERROR ? ": " : "",
			    rc == SSH_AUTH_ERROR ? ssh_get_error(c->session) :
			    "");
		client_close(c);
		return (CLIENT_ERR_AUTH);
	}
	c->ms = client_ms(&t0);
	return (CLIENT_OK);
}

/*
 * Run an exec request and collect its output (capped at 16 MiB) and exit
 * status. Its stderr goes to ours.
 */
int
client_exec(struct client *c, const char *command, char **out, size_t *len,
    int *status, char **cause)
{
	return (client_exec_err(c, command, out, len, NULL, status, cause));
}

/* The same, with stderr (its first 4 KiB) in *err if err is not NULL. */
int
client_exec_err(struct client *c, const char *command, char **out,
    size_t *len, char **err, int *status, char **cause)
{
	ssh_channel	 ch;
	char		 buf[16384];
	size_t		 size = 0, elen = 0;
	int		 n;

	*out = NULL;
	*len = 0;
	if (err != NULL)
		*err = NULL;
	if ((ch = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, command) != SSH_OK) {
		xasprintf(cause, "%s: %s", c->host, ssh_get_error(c->session));
		if (ch != NULL)
			ssh_channel_free(ch);
		return (-1);
	}
	while ((n = ssh_channel_read(ch, buf, sizeof buf, 0)) > 0) {
		if (*len + n > 16 * 1024 * 1024) {
			xasprintf(cause, "%s: reply to %s is over 16 MiB",
			    c->host, command);
			free(*out);
			*out = NULL;
			ssh_channel_close(ch);
			ssh_channel_free(ch);
			return (-1);
		}
		if (*len + n + 1 > size) {
			size = (*len + n + 1) * 2;
			*out = xreallocarray(*out, 1, size);
		}
		memcpy(*out + *len, buf, n);
		*len += n;
	}
	if (err != NULL)
		*err = xcalloc(1, 4097);
	while ((n = ssh_channel_read(ch, buf, sizeof buf, 1)) > 0) {
		if (err == NULL)
			fwrite(buf, 1, n, stderr);
		else if (elen < 4096) {
			if ((size_t)n > 4096 - elen)
				n = 4096 - elen;
			memcpy(*err + elen, buf, n);
			elen += n;
		}
	}
	if (*out == NULL)
		*out = xcalloc(1, 1);
	(*out)[*len] = '\0';
	ssh_channel_send_eof(ch);
	*status = ssh_channel_get_exit_status(ch);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return (0);
}

void
client_close(struct client *c)
{
	if (c->session != NULL) {
		ssh_disconnect(c->session);
		ssh_free(c->session);
	}
	ssh_key_free(c->key);
	free(c->fingerprint);
	free(c->host);
	memset(c, 0, sizeof *c);
}
