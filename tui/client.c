/* SPDX-License-Identifier: ISC */

/*
 * Connecting to an agent. The order is the point: key exchange, then the
 * banner's salt and the typed ticket give the expected host key, which must
 * be the one the agent used; only then does authentication start, with the
 * ticket as the password, to the agent that proved it holds the ticket. A
 * host that fails the check never sees anything secret.
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tether.h"

/*
 * Recent derivations, so a reconnect, a probe or several agents found by
 * discovery do not pay for scrypt again. Oldest out first.
 */
#define CLIENT_CACHE	8
static struct client_cached {
	int			 valid;
	struct ticket		 ticket;
	struct kdf_params	 kdf;
	ssh_key			 key;
} client_cache[CLIENT_CACHE];
static int	client_cache_next;

/*
 * Run a verb that answers YAML and load its answer into doc. On failure
 * *error says why (the agent's message, or what was wrong with the
 * answer) and *lost whether the connection went with it.
 */
int
client_yaml(struct client *c, const char *verb, yaml_document_t *doc,
    char **error, int *lost)
{
	struct client_out	 o;
	char			*cause;

	*lost = 0;
	if (client_run(c, verb, &o, &cause) != 0) {
		*error = cause;
		*lost = !ssh_is_connected(c->session);
		return (-1);
	}
	if (o.status != 0) {
		o.err[strcspn(o.err, "\n")] = '\0';
		xasprintf(error, "%s: %s", verb, o.errlen > 0 ? o.err :
		    "failed");
		client_out_free(&o);
		return (-1);
	}
	if (yr_load(o.out, o.outlen, doc, &cause) != 0) {
		xasprintf(error, "%s: bad reply:%s", verb, cause);
		free(cause);
		client_out_free(&o);
		return (-1);
	}
	client_out_free(&o);
	return (0);
}

/* A string value of a reply's mapping, or NULL for null or absent. */
char *
client_ystr(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	const char	*s = yr_scalar(yr_get(doc, map, key));

	return (s != NULL && strcmp(s, "null") != 0 && *s != '\0' ?
	    xstrdup(s) : NULL);
}

/* Microseconds since t0, on the monotonic clock. */
long long
client_us(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) * 1000000LL +
	    (t1.tv_nsec - t0->tv_nsec) / 1000);
}

/* The key the ticket gives with these parameters; the caller frees it. */
int
client_derive(const struct ticket *t, const struct kdf_params *kp,
    ssh_key *key, char **cause)
{
	struct client_cached	*cc;
	uint8_t			 seed[KDF_SEED_LEN];
	int			 i, rc;

	for (i = 0; i < CLIENT_CACHE; i++) {
		cc = &client_cache[i];
		if (cc->valid && CRYPTO_memcmp(&cc->ticket, t, sizeof *t) == 0 &&
		    memcmp(&cc->kdf, kp, sizeof *kp) == 0) {
			*key = ssh_key_dup(cc->key);
			if (*key == NULL)
				*cause = xstrdup("cannot copy the derived key");
			return (*key == NULL ? -1 : 0);
		}
	}
	/* Then the one kept on disk from an earlier run, then scrypt. */
	if (keycache_load(t, kp, key) != 0) {
		if (kdf_seed(t, kp, seed, cause) != 0)
			return (-1);
		rc = kdf_key_from_seed(seed, key, cause);
		if (rc == 0)
			keycache_store(t, kp, seed);
		explicit_bzero(seed, sizeof seed);
		if (rc != 0)
			return (-1);
	}
	cc = &client_cache[client_cache_next];
	client_cache_next = (client_cache_next + 1) % CLIENT_CACHE;
	if (cc->valid) {
		ssh_key_free(cc->key);
		ticket_clear(&cc->ticket);
	}
	cc->valid = 1;
	cc->ticket = *t;
	cc->kdf = *kp;
	cc->key = ssh_key_dup(*key);
	return (0);
}

/*
 * --relay [user@]host[:port]: the session goes through the technician's
 * own ssh as a ProxyCommand (ssh -W), so that its configuration, keys and
 * agent apply to the relay. The relay sees only ciphertext: the host key
 * is still checked against the ticket. TETHER_SSH replaces "ssh".
 */
static char *
client_proxy(const struct target *t, const char *host)
{
	const char	*ssh = getenv("TETHER_SSH"), *colon;
	char		 dest[TETHER_RELAY_MAX], *cmd;
	int		 port = 0;

	if (ssh == NULL || *ssh == '\0')
		ssh = "ssh";
	snprintf(dest, sizeof dest, "%s", t->relay);
	/* host:port, [v6]:port; a bare v6 address has no port. */
	colon = strrchr(dest, ':');
	if (colon != NULL && (strchr(dest, ':') == colon ||
	    colon[-1] == ']')) {
		port = atoi(colon + 1);
		dest[colon - dest] = '\0';
	}
	if (dest[0] != '\0' && dest[strlen(dest) - 1] == ']') {
		dest[strlen(dest) - 1] = '\0';
		memmove(strchr(dest, '[') , strchr(dest, '[') + 1,
		    strlen(strchr(dest, '[')));
	}
	xasprintf(&cmd, "exec %s -W %s%s%s:%d%s%.0d -- %s", ssh,
	    strchr(host, ':') != NULL ? "[" : "", host,
	    strchr(host, ':') != NULL ? "]" : "", t->port,
	    port != 0 ? " -p " : "", port, dest);
	return (cmd);
}

ssh_session
client_session(const struct target *t)
{
	ssh_session	 s;
	long		 timeout = CLIENT_TIMEOUT_S;
	int		 off = 0, on = 1, port = t->port;
	int		 verbosity = SSH_LOG_NOLOG;
	char		 host[TETHER_IP_MAX], *proxy;
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
	if (t->relay[0] != '\0') {
		proxy = client_proxy(t, host);
		if (ssh_options_set(s, SSH_OPTIONS_PROXYCOMMAND, proxy) != 0)
			fatalx("ssh options: %s", ssh_get_error(s));
		free(proxy);
	}
	return (s);
}

/*
 * Compare the agent's host key with the one the ticket gives, once key
 * exchange is done. The probe of the candidates screen uses it too.
 */
enum client_err
client_check(struct client *c, const struct ticket *t, char **cause)
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
	if (client_derive(t, &kp, &c->key, cause) != 0)
		return (CLIENT_ERR_CONNECT);
	if (ssh_get_server_publickey(c->session, &server) != SSH_OK) {
		*cause = xstrdup("the agent showed no host key");
		return (CLIENT_ERR_CONNECT);
	}
	same = ssh_key_cmp(server, c->key, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(server);
	if (!same) {
		*cause = xstrdup("this agent does not hold that ticket: "
		    "check the digits (or someone is impersonating it)");
		return (CLIENT_ERR_MISMATCH);
	}
	c->fingerprint = kdf_fingerprint(c->key);
	return (CLIENT_OK);
}

/*
 * Authenticate without blocking, so that an agent that asks its local
 * user first (approve: each) can be shown as doing so.
 */
/*
 * The password, not the ticket's key: the agent's SSH process holds that
 * key as its host key, so the agent takes only what its monitor can check.
 */
static int
client_auth(struct client *c, const struct ticket *t,
    void (*note)(const char *))
{
	struct pollfd	 pfd;
	struct timespec	 t0;
	char		 pass[TICKET_TEXT];
	int		 rc, told = 0;

	ticket_format(t, pass, sizeof pass);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ssh_set_blocking(c->session, 0);
	while ((rc = ssh_userauth_password(c->session, NULL, pass)) ==
	    SSH_AUTH_AGAIN) {
		if (!told && note != NULL && client_us(&t0) > 1000000) {
			note("waiting for approval on the remote machine");
			told = 1;
		}
		pfd.fd = ssh_get_fd(c->session);
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
	}
	explicit_bzero(pass, sizeof pass);
	ssh_set_blocking(c->session, 1);
	return (rc);
}

/* A TCP connection to the target, within ms milliseconds, or -1. */
static int
client_tcp(const struct target *t, int ms)
{
	struct sockaddr_storage	 ss;
	struct pollfd		 pfd;
	socklen_t		 len;
	char			*why;
	int			 fd, err = 0;

	if (net_parse_ip(t->ip, &ss, &len, &why) != 0) {
		free(why);
		return (-1);
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(t->port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(t->port);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&ss, len) != 0 &&
	    errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	len = sizeof err;
	if (poll(&pfd, 1, ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
	    &err, &len) != 0 || err != 0)
		goto fail;
	return (fd);
fail:
	close(fd);
	return (-1);
}

/*
 * The key exchange failed after the TCP connection: say why in words. An
 * agent that turns an address away (a lockout) says so in a line before
 * its version string, as RFC 4253 allows; libssh does not show such lines,
 * so look again with a plain connection. Anything else there is not a
 * tether agent.
 */
static void
client_why(const struct target *t, char **cause)
{
	struct pollfd	 pfd;
	char		 buf[256];
	ssize_t		 n = -1;
	int		 fd;

	/* Through a relay: ssh said why on stderr; say where to look. */
	if (t->relay[0] != '\0' && strstr(*cause, "cancelled") == NULL &&
	    strstr(*cause, "Timeout") == NULL) {
		free(*cause);
		xasprintf(cause, "no connection through the relay %s to %s "
		    "port %d: ssh -W to the relay failed, or nothing listens "
		    "there on that port", t->relay, t->ip, t->port);
		return;
	}
	if (t->relay[0] != '\0' ||
	    strstr(*cause, "refused") != NULL ||
	    strstr(*cause, "cancelled") != NULL ||
	    strstr(*cause, "Timeout") != NULL ||
	    strstr(*cause, "unreachable") != NULL ||
	    (fd = client_tcp(t, 2000)) == -1)
		return;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) == 1)
		n = read(fd, buf, sizeof buf - 1);
	close(fd);
	free(*cause);
	if (n > 9 && strncmp(buf, "tetherd: ", 9) == 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		xasprintf(cause, "%s port %d: %s", t->ip, t->port, buf + 9);
	} else
		xasprintf(cause, "no tether agent answers at %s port %d",
		    t->ip, t->port);
}

/* Set by the screens: does the technician want the connect stopped? */
static int	(*client_cancel)(void);

void
client_set_cancel(int (*cancel)(void))
{
	client_cancel = cancel;
}

/*
 * The TCP connect and key exchange without blocking, so that Esc can stop
 * them at once; CLIENT_TIMEOUT_S is the whole budget, as the blocking
 * call had.
 */
static int
client_handshake(struct client *c, const struct timespec *t0, char **cause)
{
	struct pollfd	 pfd;
	int		 rc;

	ssh_set_blocking(c->session, 0);
	while ((rc = ssh_connect(c->session)) == SSH_AGAIN) {
		if (client_cancel != NULL && client_cancel()) {
			xasprintf(cause, "%s: connect cancelled", c->host);
			return (-1);
		}
		if (client_us(t0) > CLIENT_TIMEOUT_S * 1000000LL) {
			xasprintf(cause, "%s: Timeout connecting", c->host);
			return (-1);
		}
		pfd.fd = ssh_get_fd(c->session);
		pfd.events = POLLIN | POLLOUT;
		if (pfd.fd == -1 || poll(&pfd, 1, 50) == -1)
			usleep(50000);
	}
	ssh_set_blocking(c->session, 1);
	if (rc != SSH_OK) {
		xasprintf(cause, "%s: %s", c->host, ssh_get_error(c->session));
		return (-1);
	}
	return (0);
}

/*
 * The reason, once a session: TETHER_REASON on a channel of its own that
 * runs nothing. The agent keeps it for the session, audits it and shows
 * it on its screen.
 */
int
client_reason(struct client *c, const char *reason, char **cause)
{
	ssh_channel	 ch;
	int		 rc = -1;

	if ((ch = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK) {
		xasprintf(cause, "%s: %s", c->host, ssh_get_error(c->session));
		goto out;
	}
	if (ssh_channel_request_env(ch, "TETHER_REASON", reason) != SSH_OK) {
		xasprintf(cause, "%s: the agent did not take the reason (an "
		    "older agent, or text it refuses)", c->host);
		goto out;
	}
	rc = 0;
out:
	if (ch != NULL) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
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
	if (t->relay[0] != '\0')
		xasprintf(&c->host, "%s port %d via %s", t->ip, t->port,
		    t->relay);
	else
		xasprintf(&c->host, "%s port %d", t->ip, t->port);
	if (client_handshake(c, &t0, cause) != 0) {
		client_close(c);
		client_why(t, cause);
		return (CLIENT_ERR_CONNECT);
	}
	if ((err = client_check(c, &t->ticket, cause)) != CLIENT_OK) {
		client_close(c);
		return (err);
	}
	rc = client_auth(c, &t->ticket, note);
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
			xasprintf(cause, "%s: the agent refused the ticket"
			    "%s%s", c->host, rc == SSH_AUTH_ERROR ? ": " : "",
			    rc == SSH_AUTH_ERROR ? ssh_get_error(c->session) :
			    "");
		client_close(c);
		return (CLIENT_ERR_AUTH);
	}
	if (t->reason[0] != '\0' && client_reason(c, t->reason, cause) != 0) {
		client_close(c);
		return (CLIENT_ERR_AUTH);
	}
	c->ms = (int)(client_us(&t0) / 1000);
	return (CLIENT_OK);
}

static int
client_append(char **buf, size_t *len, size_t *size, const char *data,
    size_t n)
{
	if (*len + n > CLIENT_OUT_MAX)
		return (-1);
	if (*len + n + 1 > *size) {
		*size = (*len + n + 1) * 2;
		*buf = xreallocarray(*buf, 1, *size);
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return (0);
}

/*
 * Run an exec request and collect its output and error text (each capped
 * at 16 MiB) and its exit status (-1 if it had none).
 */
int
client_run(struct client *c, const char *command, struct client_out *o,
    char **cause)
{
	return (client_run_input(c, command, NULL, 0, o, cause));
}

/*
 * As client_run, with in (a passphrase, say) as the command's standard
 * input, then end of file. The caller wipes in.
 */
int
client_run_input(struct client *c, const char *command, const void *in,
    size_t inlen, struct client_out *o, char **cause)
{
	ssh_channel	 ch;
	char		 buf[16384];
	size_t		 size[2] = { 1, 1 };
	int		 n, is_err, open[2] = { 1, 1 };

	memset(o, 0, sizeof *o);
	o->out = xcalloc(1, 1);
	o->err = xcalloc(1, 1);
	o->status = -1;
	/*
	 * A command may end before it reads its input (a refusal): the
	 * channel is then closed under the write, and its answer is still to
	 * be read.
	 */
	if ((ch = ssh_channel_new(c->session)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, command) != SSH_OK ||
	    (in != NULL && (ssh_channel_write(ch, in, inlen) != (int)inlen ||
	    ssh_channel_send_eof(ch) != SSH_OK) && !ssh_channel_is_closed(ch) &&
	    !ssh_channel_is_eof(ch))) {
		xasprintf(cause, "%s: %s", c->host, ssh_get_error(c->session));
		if (ch != NULL)
			ssh_channel_free(ch);
		return (-1);
	}
	while (open[0] || open[1]) {
		for (is_err = 0; is_err <= 1; is_err++) {
			if (!open[is_err])
				continue;
			n = ssh_channel_read_timeout(ch, buf, sizeof buf,
			    is_err, 100);
			if (n == SSH_ERROR) {
				xasprintf(cause, "%s: %s", c->host,
				    ssh_get_error(c->session));
				goto fail;
			}
			if (n == 0 && (ssh_channel_is_eof(ch) ||
			    ssh_channel_is_closed(ch))) {
				open[is_err] = 0;
				continue;
			}
			if (client_append(is_err ? &o->err : &o->out,
			    is_err ? &o->errlen : &o->outlen, &size[is_err],
			    buf, n) != 0) {
				xasprintf(cause, "%s: reply to %s is over "
				    "16 MiB", c->host, command);
				goto fail;
			}
		}
	}
	ssh_channel_send_eof(ch);
	o->status = ssh_channel_get_exit_status(ch);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return (0);
fail:
	client_out_free(o);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return (-1);
}

void
client_out_free(struct client_out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof *o);
}

/* As client_run, with the error text going to our stderr. */
int
client_exec(struct client *c, const char *command, char **out, size_t *len,
    int *status, char **cause)
{
	struct client_out	 o;

	if (client_run(c, command, &o, cause) != 0)
		return (-1);
	fwrite(o.err, 1, o.errlen, stderr);
	free(o.err);
	*out = o.out;
	*len = o.outlen;
	*status = o.status;
	return (0);
}

#define CLIENT_PLAIN	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789-_=+/.,:@%"

/*
 * A remote command line for the agent's word parser: words that need it
 * single-quoted. The first word, the verb, never does.
 */
char *
client_quote(int argc, char **argv)
{
	char	*line, *s;
	size_t	 len = 1, i;
	int	 n;

	for (n = 0; n < argc; n++)
		len += 3 + strlen(argv[n]) * 4;
	line = s = xmalloc(len);
	for (n = 0; n < argc; n++) {
		if (n > 0)
			*s++ = ' ';
		if (argv[n][0] != '\0' && strspn(argv[n], CLIENT_PLAIN) ==
		    strlen(argv[n])) {
			s = stpcpy(s, argv[n]);
			continue;
		}
		*s++ = '\'';
		for (i = 0; argv[n][i] != '\0'; i++) {
			/* 'it'\''s': close, an escaped quote, reopen. */
			if (argv[n][i] == '\'') {
				memcpy(s, "'\\''", 4);
				s += 4;
			} else
				*s++ = argv[n][i];
		}
		*s++ = '\'';
	}
	*s = '\0';
	return (line);
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

/* Where the selected offline system is on the agent, or NULL. */
char *
client_root_path(struct client *c)
{
	yaml_document_t	 doc;
	char		*cause, *path;
	int		 lost;

	if (client_yaml(c, "tools", &doc, &cause, &lost) != 0) {
		free(cause);
		return (NULL);
	}
	path = client_ystr(&doc, yr_root(&doc), "root");
	yaml_document_delete(&doc);
	if (path != NULL && (path[0] != '/' || strlen(path) >= PATH_MAX)) {
		free(path);
		path = NULL;
	}
	return (path);
}
