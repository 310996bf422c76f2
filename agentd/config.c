/* SPDX-License-Identifier: ISC */

/*
 * tetherd.yaml: one key table per mapping, the single source of truth for
 * names, types, bounds and defaults. -T prints the effective configuration
 * through the same tables, so its output reads back unchanged.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tetherd.h"

#define DAY		86400
#define LIST_MAX	64
#define PATH_MAX_LEN	1024

static const char *config_network_modes[] = { "dhcp", "none", NULL };
static const char *config_approve_modes[] = { "none", "each", NULL };
static const char *config_expiry_modes[] = { "rotate", "end", NULL };
const char *config_facilities[] = {
	"authpriv", "auth", "daemon", "user", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7", NULL
};

static int	config_check_listen(const char *, char **);
static int	config_check_ifname(const char *, char **);
static int	config_check_path(const char *, char **);
static int	config_check_key(const char *, char **);
static int	config_check_dev(const char *, char **);

static int	config_check_host(const char *, char **);
static int	config_check_user(const char *, char **);
static int	config_check_privsep_user(const char *, char **);

static void	config_relays_parse(struct conf_ctx *, yaml_node_t *, void *,
		    const struct conf_key *);
static void	config_relays_emit(struct yw *, const void *,
		    const struct conf_key *);
static void	config_relays_free(void *, const struct conf_key *);
static const struct conf_type config_relays = {
	config_relays_parse, config_relays_emit, config_relays_free
};

static void	config_startups_parse(struct conf_ctx *, yaml_node_t *, void *,
		    const struct conf_key *);
static void	config_startups_emit(struct yw *, const void *,
		    const struct conf_key *);
static const struct conf_type config_startups = {
	config_startups_parse, config_startups_emit, NULL
};

#define K(name, type, st, f, min, max, arg, check) \
	{ name, &type, offsetof(st, f), min, max, arg, check }

static const struct conf_key config_ticket_keys[] = {
	K("enabled", conf_bool, struct conf_ticket, enabled, 0, 1, NULL, NULL),
	K("lifetime", conf_duration, struct conf_ticket, lifetime, 1, 7 * DAY,
	    NULL, NULL),
	K("kdf_cost", conf_int, struct conf_ticket, kdf_cost, KDF_COST_MIN,
	    KDF_COST_MAX, NULL, NULL),
	K("on_expiry", conf_enum, struct conf_ticket, on_expiry, 0, 0,
	    config_expiry_modes, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_network_keys[] = {
	K("mode", conf_enum, struct conf_network, mode, 0, 0,
	    config_network_modes, NULL),
	K("interfaces", conf_list, struct conf_network, interfaces, 0,
	    LIST_MAX, NULL, config_check_ifname),
	K("dhcp_client", conf_string, struct conf_network, dhcp_client, 1,
	    PATH_MAX_LEN, "path", NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_forwarding_keys[] = {
	K("tcp", conf_bool, struct conf_forwarding, tcp, 0, 1, NULL, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_discovery_keys[] = {
	K("enabled", conf_bool, struct conf_discovery, enabled, 0, 1, NULL,
	    NULL),
	K("interfaces", conf_list, struct conf_discovery, interfaces, 0,
	    LIST_MAX, NULL, config_check_ifname),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_per_source_keys[] = {
	K("failures", conf_int, struct conf_per_source, failures, 1, 1000,
	    NULL, NULL),
	K("window", conf_duration, struct conf_per_source, window, 1, DAY,
	    NULL, NULL),
	K("penalty", conf_duration, struct conf_per_source, penalty, 1, DAY,
	    NULL, NULL),
	K("max_startups", conf_int, struct conf_per_source, max_startups, 1,
	    TETHERD_MAX_CHILDREN, NULL, NULL),
	K("noauth", conf_int, struct conf_per_source, noauth, 1, 1000,
	    NULL, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_guesses_keys[] = {
	K("burst", conf_int, struct conf_guesses, burst, 1, 100000, NULL,
	    NULL),
	K("refill", conf_duration, struct conf_guesses, refill, 1, DAY, NULL,
	    NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_limits_keys[] = {
	K("max_auth_tries", conf_int, struct conf_limits, max_auth_tries, 1, 20,
	    NULL, NULL),
	K("login_grace_time", conf_duration, struct conf_limits,
	    login_grace_time, 1, 3600, NULL, NULL),
	K("max_startups", config_startups, struct conf_limits, max_startups, 1,
	    1000, NULL, NULL),
	K("per_source", conf_sub, struct conf_limits, per_source, 0, 0,
	    config_per_source_keys, NULL),
	K("guesses", conf_sub, struct conf_limits, guesses, 0, 0,
	    config_guesses_keys, NULL),
	K("max_sessions", conf_int, struct conf_limits, max_sessions, 1, 64,
	    NULL, NULL),
	K("idle_timeout", conf_duration, struct conf_limits, idle_timeout, 0,
	    7 * DAY, NULL, NULL),
	K("detached_timeout", conf_duration, struct conf_limits,
	    detached_timeout, 0, DAY, NULL, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_audit_keys[] = {
	K("syslog_facility", conf_enum, struct conf_audit, syslog_facility, 0,
	    0, config_facilities, NULL),
	K("file", conf_string, struct conf_audit, file, 0, PATH_MAX_LEN, "path",
	    NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_recording_keys[] = {
	K("enabled", conf_bool, struct conf_recording, enabled, 0, 1, NULL,
	    NULL),
	K("dir", conf_string, struct conf_recording, dir, 1, PATH_MAX_LEN,
	    "path", NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_roots_keys[] = {
	K("scan", conf_bool, struct conf_roots, scan, 0, 1, NULL, NULL),
	K("extra", conf_list, struct conf_roots, extra, 0, LIST_MAX, NULL,
	    config_check_path),
	K("mount_options", conf_string, struct conf_roots, mount_options, 1,
	    256, NULL, NULL),
	K("devices", conf_list, struct conf_roots, devices, 0, LIST_MAX, NULL,
	    config_check_path),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_bitfield_keys[] = {
	K("offset", conf_int, struct conf_bitfield, offset, 0, 31, NULL, NULL),
	K("length", conf_int, struct conf_bitfield, length, 0, 16, NULL, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_fake_fb_keys[] = {
	K("path", conf_string, struct conf_fake_fb, path, 0, PATH_MAX_LEN,
	    "path", NULL),
	K("width", conf_int, struct conf_fake_fb, width, 0, 16384, NULL, NULL),
	K("height", conf_int, struct conf_fake_fb, height, 0, 16384, NULL,
	    NULL),
	K("bpp", conf_int, struct conf_fake_fb, bpp, 0, 32, NULL, NULL),
	K("stride", conf_int, struct conf_fake_fb, stride, 0, 65536 * 4, NULL,
	    NULL),
	K("xoffset", conf_int, struct conf_fake_fb, xoffset, 0, 16384, NULL,
	    NULL),
	K("yoffset", conf_int, struct conf_fake_fb, yoffset, 0, 16384, NULL,
	    NULL),
	K("red", conf_sub, struct conf_fake_fb, red, 0, 0,
	    config_bitfield_keys, NULL),
	K("green", conf_sub, struct conf_fake_fb, green, 0, 0,
	    config_bitfield_keys, NULL),
	K("blue", conf_sub, struct conf_fake_fb, blue, 0, 0,
	    config_bitfield_keys, NULL),
	K("transp", conf_sub, struct conf_fake_fb, transp, 0, 0,
	    config_bitfield_keys, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_fake_vc_keys[] = {
	K("vcsa", conf_string, struct conf_fake_vc, vcsa, 0, PATH_MAX_LEN,
	    "path", NULL),
	K("vcsu", conf_string, struct conf_fake_vc, vcsu, 0, PATH_MAX_LEN,
	    "path", NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_snapshot_keys[] = {
	K("fb", conf_list, struct conf_snapshot, fb, 0, LIST_MAX, NULL,
	    config_check_dev),
	K("vc", conf_list, struct conf_snapshot, vc, 0, LIST_MAX, NULL,
	    config_check_dev),
	K("fake_fb", conf_sub, struct conf_snapshot, fake_fb, 0, 0,
	    config_fake_fb_keys, NULL),
	K("fake_vc", conf_sub, struct conf_snapshot, fake_vc, 0, 0,
	    config_fake_vc_keys, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_relay_keys[] = {
	K("host", conf_string, struct conf_relay, host, 1, 255, NULL, NULL),
	K("port", conf_int, struct conf_relay, port, 1, 65535, NULL, NULL),
	K("user", conf_string, struct conf_relay, user, 1, 64, NULL, NULL),
	K("identity", conf_string, struct conf_relay, identity, 1,
	    PATH_MAX_LEN, "path", NULL),
	K("host_key", conf_string, struct conf_relay, host_key, 1, 16384,
	    NULL, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

static const struct conf_key config_keys[] = {
	K("listen", conf_list, struct config, listen, 0, TETHERD_MAX_LISTEN,
	    NULL, config_check_listen),
	K("port", conf_int, struct config, port, 0, 65535, NULL, NULL),
	K("ticket", conf_sub, struct config, ticket, 0, 0, config_ticket_keys,
	    NULL),
	K("consent", conf_bool, struct config, consent, 0, 1, NULL, NULL),
	K("approve", conf_enum, struct config, approve, 0, 0,
	    config_approve_modes, NULL),
	K("welcome", conf_string, struct config, welcome, 0,
	    CONFIG_WELCOME_MAX, NULL, NULL),
	K("keyboard", conf_string, struct config, keyboard, 0, 16, NULL,
	    NULL),
	K("network", conf_sub, struct config, network, 0, 0,
	    config_network_keys, NULL),
	K("discovery", conf_sub, struct config, discovery, 0, 0,
	    config_discovery_keys, NULL),
	K("forwarding", conf_sub, struct config, forwarding, 0, 0,
	    config_forwarding_keys, NULL),
	K("limits", conf_sub, struct config, limits, 0, 0, config_limits_keys,
	    NULL),
	K("state_dir", conf_string, struct config, state_dir, 1, PATH_MAX_LEN,
	    "path", NULL),
	K("log_dir", conf_string, struct config, log_dir, 1, PATH_MAX_LEN,
	    "path", NULL),
	K("audit", conf_sub, struct config, audit, 0, 0, config_audit_keys,
	    NULL),
	K("recording", conf_sub, struct config, recording, 0, 0,
	    config_recording_keys, NULL),
	K("host_key", conf_string, struct config, host_key, 1, PATH_MAX_LEN,
	    "path", NULL),
	K("authorized_keys", conf_list, struct config, authorized_keys, 0, 256,
	    NULL, config_check_key),
	K("shell", conf_string, struct config, shell, 0, PATH_MAX_LEN, "path",
	    NULL),
	K("sftp_server", conf_string, struct config, sftp_server, 0,
	    PATH_MAX_LEN, "path", NULL),
	K("privsep_user", conf_string, struct config, privsep_user, 1, 32,
	    "user", config_check_privsep_user),
	K("roots", conf_sub, struct config, roots, 0, 0, config_roots_keys,
	    NULL),
	K("snapshot", conf_sub, struct config, snapshot, 0, 0,
	    config_snapshot_keys, NULL),
	K("tools", conf_list, struct config, tools, 0, LIST_MAX, NULL,
	    config_check_path),
	K("relay", config_relays, struct config, relay, 0, TETHERD_MAX_RELAYS,
	    config_relay_keys, NULL),
	K("require_reason", conf_bool, struct config, require_reason, 0, 1,
	    NULL, NULL),
	{ NULL, NULL, 0, 0, 0, NULL, NULL }
};

/* The built-in defaults, the bottom of CLI > YAML > defaults. */
void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->port = TETHER_PORT;
	c->ticket.enabled = 1;
	c->ticket.lifetime = 3600;
	c->ticket.kdf_cost = KDF_COST;
	c->consent = 1;
	c->welcome = xstrdup("");
	c->keyboard = xstrdup("");
	c->network.mode = CONFIG_NET_DHCP;
	c->network.dhcp_client = xstrdup("/sbin/udhcpc");
	c->discovery.enabled = 1;
	c->limits.max_auth_tries = 3;
	c->limits.login_grace_time = 30;
	c->limits.max_startups.start = 10;
	c->limits.max_startups.rate = 30;
	c->limits.max_startups.full = 60;
	c->limits.per_source.failures = 5;
	c->limits.per_source.window = 600;
	c->limits.per_source.penalty = 600;
	c->limits.per_source.max_startups = 5;
	c->limits.per_source.noauth = 5;
	c->limits.guesses.burst = 20;
	c->limits.guesses.refill = 1;
	c->limits.max_sessions = 4;
	c->limits.idle_timeout = 1800;
	c->limits.detached_timeout = 600;
	c->state_dir = xstrdup(TETHERD_STATE_DIR);
	c->log_dir = xstrdup(TETHERD_LOG_DIR);
	c->audit.file = xstrdup(TETHERD_LOG_DIR "/audit.log");
	c->recording.enabled = 1;
	c->recording.dir = xstrdup(TETHERD_LOG_DIR "/sessions");
	c->host_key = xstrdup("/etc/tether/host_key");
	c->shell = xstrdup("");	/* $SHELL, or /bin/sh */
	c->sftp_server = xstrdup("");
	c->privsep_user = xstrdup("nobody");
	c->roots.scan = 1;
	c->roots.mount_options = xstrdup("ro,nosuid,nodev");
	c->snapshot.fake_fb.path = xstrdup("");
	c->snapshot.fake_vc.vcsa = xstrdup("");
	c->snapshot.fake_vc.vcsu = xstrdup("");
	strlist_add(&c->snapshot.fb, "/dev/fb0");
	strlist_add(&c->snapshot.vc, "/dev/vcsa1");
	strlist_add(&c->tools, "/etc/tether/tools.yaml");
	strlist_add(&c->tools, "/etc/tether/tools.d");
}

/* The default catalog paths may be missing; ones the file names may not. */
int
config_tools_default(const struct config *c)
{
	return (c->tools.n == 2 &&
	    strcmp(c->tools.v[0], "/etc/tether/tools.yaml") == 0 &&
	    strcmp(c->tools.v[1], "/etc/tether/tools.d") == 0);
}

void
config_free(struct config *c)
{
	conf_free(c, config_keys);
}

/* max_startups: start:rate:full, as sshd's MaxStartups. */
static void
config_startups_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	struct conf_startups	*ms = dst, v;
	const char		*s;
	char			 extra;

	if ((s = conf_scalar(ctx, node, key, "start:rate:full")) == NULL)
		return;
	if (sscanf(s, "%4d:%3d:%4d%c", &v.start, &v.rate, &v.full,
	    &extra) != 3 || strspn(s, "0123456789:") != strlen(s)) {
		conf_error(ctx, node, "%s: expected start:rate:full, as "
		    "10:30:60, not \"%s\"", key->name, s);
		return;
	}
	if (v.start < key->min || v.full > key->max || v.start > v.full ||
	    v.rate < 1 || v.rate > 100) {
		conf_error(ctx, node, "%s: need 1 <= start <= full <= %lld and "
		    "a rate of 1-100%%", key->name, key->max);
		return;
	}
	*ms = v;
}

static void
config_startups_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	const struct conf_startups	*ms = src;
	char				 buf[64];

	(void)key;
	snprintf(buf, sizeof buf, "%d:%d:%d", ms->start, ms->rate, ms->full);
	yw_str(w, buf);
}

/* A relay's defaults: what a relay: item leaves out. */
static void
config_relay_defaults(struct conf_relay *r)
{
	memset(r, 0, sizeof *r);
	r->port = 22;
	r->user = xstrdup(TETHER_USER);
	r->identity = xstrdup("/etc/tether/relay_key");
	r->host_key = xstrdup("/etc/tether/relay_host_key");
}

/* One relay: item, checked as a whole: the node is for the messages. */
static int
config_relay_one(struct conf_ctx *ctx, yaml_node_t *node,
    struct conf_relay *r)
{
	yaml_node_t	*at;
	char		*cause;
	int		 before = ctx->errs->n;

	config_relay_defaults(r);
	if (conf_map(ctx, node, r, config_relay_keys) != 0)
		return (-1);
	if (r->host == NULL) {
		conf_error(ctx, node, "relay: needs a host");
		return (-1);
	}
	if (config_check_host(r->host, &cause) != 0 ||
	    config_check_user(r->user, &cause) != 0 ||
	    relaykey_check(r->host_key, &cause) != 0) {
		at = yr_get(&ctx->file->doc, node, "host_key");
		if (strncmp(cause, "host_key", 8) != 0 || at == NULL)
			at = node;
		conf_error(ctx, at, "relay: %s", cause);
		free(cause);
	}
	return (ctx->errs->n == before ? 0 : -1);
}

/* relay: a list of mappings, each {host, port, user, identity, host_key}. */
static void
config_relays_parse(struct conf_ctx *ctx, yaml_node_t *node, void *dst,
    const struct conf_key *key)
{
	struct conf_relays	 l = { NULL, 0 };
	yaml_node_item_t	*item;
	yaml_node_t		*v;
	int			 bad = 0;

	if (node->type == YAML_SCALAR_NODE &&
	    node->data.scalar.length == 0 && !conf_quoted(node)) {
		config_relays_free(dst, key);	/* "relay:" alone: none */
		return;
	}
	if (node->type != YAML_SEQUENCE_NODE) {
		conf_error(ctx, node, "%s: expected a list of mappings "
		    "(- host: ...)", key->name);
		return;
	}
	for (item = node->data.sequence.items.start;
	    item < node->data.sequence.items.top; item++) {
		v = yaml_document_get_node(&ctx->file->doc, *item);
		if (l.n >= key->max) {
			conf_error(ctx, v, "%s: more than %lld relays",
			    key->name, key->max);
			bad = 1;
			break;
		}
		l.v = xreallocarray(l.v, l.n + 1, sizeof *l.v);
		if (config_relay_one(ctx, v, &l.v[l.n]) != 0)
			bad = 1;
		l.n++;
	}
	if (bad) {
		config_relays_free(&l, key);
		return;
	}
	config_relays_free(dst, key);
	*(struct conf_relays *)dst = l;
}

static void
config_relays_emit(struct yw *w, const void *src, const struct conf_key *key)
{
	const struct conf_relays	*l = src;
	int				 i;

	if (l->n == 0) {
		yw_flow_seq(w);
		yw_end(w);
		return;
	}
	yw_seq(w);
	for (i = 0; i < l->n; i++)
		conf_emit(w, &l->v[i], key->arg);
	yw_end(w);
}

static void
config_relays_free(void *dst, const struct conf_key *key)
{
	struct conf_relays	*l = dst;
	int			 i;

	(void)key;
	for (i = 0; i < l->n; i++)
		conf_free(&l->v[i], config_relay_keys);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A relay's host name or address, as ssh takes it. */
static int
config_check_host(const char *s, char **cause)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 255 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != n || *s == '-') {
		xasprintf(cause, "bad host \"%s\"", s);
		return (-1);
	}
	return (0);
}

static int
config_check_user(const char *s, char **cause)
{
	size_t	 n = strlen(s);

	if (n == 0 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n || *s == '-') {
		xasprintf(cause, "bad user \"%s\"", s);
		return (-1);
	}
	return (0);
}

/*
 * tether.relay=[user@]host[:port] on the kernel command line: chosen for
 * this boot, so it wins over the file's relays. The identity and host
 * key come from the file's first relay, or their default files on the
 * configuration disk. A bad value is reported and ignored.
 */
void
config_relay_boot(struct config *c, const char *cmdline)
{
	FILE			*f;
	struct conf_relay	 r;
	char			 buf[4096], *w, *last, *found = NULL, *at;
	char			*colon, *cause;

	if ((f = fopen(cmdline, "re")) == NULL)
		return;
	if (fgets(buf, sizeof buf, f) != NULL) {
		for (w = strtok_r(buf, " \t\n", &last); w != NULL;
		    w = strtok_r(NULL, " \t\n", &last)) {
			if (strncmp(w, "tether.relay=", 13) == 0)
				found = w + 13;
		}
	}
	fclose(f);
	if (found == NULL)
		return;
	config_relay_defaults(&r);
	if ((at = strchr(found, '@')) != NULL) {
		*at = '\0';
		free(r.user);
		r.user = xstrdup(found);
		found = at + 1;
	}
	if ((colon = strrchr(found, ':')) != NULL &&
	    strchr(found, ':') == colon) {
		*colon = '\0';
		if (net_parse_port(colon + 1, &r.port, &cause) != 0 ||
		    r.port == 0)
			goto bad;
	}
	r.host = xstrdup(found);
	if (config_check_host(r.host, &cause) != 0 ||
	    config_check_user(r.user, &cause) != 0)
		goto bad;
	if (c->relay.n > 0) {
		free(r.identity);
		free(r.host_key);
		r.identity = xstrdup(c->relay.v[0].identity);
		r.host_key = xstrdup(c->relay.v[0].host_key);
	}
	config_relays_free(&c->relay, NULL);
	c->relay.v = xmalloc(sizeof *c->relay.v);
	c->relay.v[0] = r;
	c->relay.n = 1;
	return;
bad:
	error("tether.relay=: %s; ignored", cause);
	free(cause);
	conf_free(&r, config_relay_keys);
}

/* addr or addr:port or [v6]:port. */
int
config_split_listen(const char *s, char *addr, size_t len, int *port,
    char **cause)
{
	const char	*colon;
	size_t		 n;

	*port = -1;
	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL)
			goto bad;
		n = colon - s - 1;
		colon = colon[1] == ':' ? colon + 1 : colon[1] == '\0' ? NULL :
		    s;
		if (colon == s)
			goto bad;
		s++;
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		n = strlen(s);	/* a bare IPv6 address */
		colon = NULL;
	} else
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	if (n >= len)
		goto bad;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (colon != NULL && net_parse_port(colon + 1, port, cause) != 0)
		return (-1);
	return (0);
bad:
	xasprintf(cause, "bad listen address \"%s\"", s);
	return (-1);
}

static int
config_check_listen(const char *s, char **cause)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 addr[128];
	int			 port;

	if (config_split_listen(s, addr, sizeof addr, &port, cause) != 0)
		return (-1);
	return (net_parse_ip(addr, &ss, &len, cause));
}

static int
config_check_ifname(const char *s, char **cause)
{
	size_t	 i, n = strlen(s);

	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("-_.@", s[i]) ==
		    NULL)
			break;
	}
	if (n == 0 || n >= IF_NAMESIZE || i != n) {
		xasprintf(cause, "bad interface name \"%s\"", s);
		return (-1);
	}
	return (0);
}

static int
config_check_path(const char *s, char **cause)
{
	if (*s != '/') {
		xasprintf(cause, "\"%s\" is not an absolute path", s);
		return (-1);
	}
	if (strlen(s) > PATH_MAX_LEN) {
		xasprintf(cause, "path longer than %d characters",
		    PATH_MAX_LEN);
		return (-1);
	}
	return (0);
}

static int
config_check_dev(const char *s, char **cause)
{
	if (strncmp(s, "/dev/", 5) != 0 && config_check_path(s, cause) != 0)
		return (-1);
	return (0);
}

/*
 * authorized_keys: each item is a key line ("ssh-ed25519 AAAA... comment")
 * or the absolute path of a file of them, read when the agent starts.
 */
static int
config_check_key(const char *s, char **cause)
{
	ssh_key	 key;

	if (*s == '/')
		return (config_check_path(s, cause));
	if (auth_parse_key(s, &key, cause) != 0)
		return (-1);
	ssh_key_free(key);
	return (0);
}

/* The user the session runs as: a name, a number, or nobody's number. */
int
config_user(const char *name, uid_t *uid, gid_t *gid, char **cause)
{
	struct passwd	*pw;
	char		*end;
	long		 n;

	if ((pw = getpwnam(name)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else if (strcmp(name, "nobody") == 0)
		*uid = *gid = CONFIG_NOBODY;
	else {
		errno = 0;
		n = strtol(name, &end, 10);
		if (*name < '0' || *name > '9' || *end != '\0' || errno != 0 ||
		    n < 1 || n > INT_MAX) {
			xasprintf(cause, "no user %s", name);
			return (-1);
		}
		*uid = *gid = (uid_t)n;
	}
	if (*uid == 0 || *gid == 0) {
		xasprintf(cause, "%s is root or in group 0", name);
		return (-1);
	}
	return (0);
}

static int
config_check_privsep_user(const char *s, char **cause)
{
	uid_t	 uid;
	gid_t	 gid;

	return (config_user(s, &uid, &gid, cause));
}

/* Checks that need more than one key. */
static void
config_validate(struct conf_ctx *ctx, struct config *c, yaml_node_t *root)
{
	yaml_node_t	*node;

	if (!c->ticket.enabled && c->authorized_keys.n == 0) {
		node = yr_get(&ctx->file->doc, root, "ticket");
		conf_error(ctx, node != NULL ? node : root, "ticket: disabled "
		    "with no authorized_keys: nobody could log in");
	}
	if (c->keyboard[0] != '\0' && !keyboard_name_ok(c->keyboard)) {
		node = yr_get(&ctx->file->doc, root, "keyboard");
		conf_error(ctx, node != NULL ? node : root, "keyboard: bad "
		    "layout name \"%s\" (as us, uk, de or fr)", c->keyboard);
	}
	if (c->snapshot.fake_fb.path[0] != '\0') {
		const struct conf_fake_fb *fb = &c->snapshot.fake_fb;

		node = yr_path(&ctx->file->doc, "snapshot.fake_fb");
		if (fb->width == 0 || fb->height == 0)
			conf_error(ctx, node != NULL ? node : root,
			    "fake_fb: needs width and height");
		else if (fb->bpp != 8 && fb->bpp != 16 && fb->bpp != 24 &&
		    fb->bpp != 32)
			conf_error(ctx, node != NULL ? node : root,
			    "fake_fb: bpp must be 8, 16, 24 or 32");
	}
}

/*
 * Load path into c: the built-in defaults, then the file. On error c is
 * untouched and every message is in errs, so a reload with a broken file
 * keeps the old configuration.
 */
int
config_load(const char *path, struct config *c, struct conf_errors *errs)
{
	struct conf_file	 f;
	struct conf_ctx		 ctx = { &f, errs, NULL };
	struct config		 n;
	int			 before = errs->n;

	if (conf_load(path, &f, errs) != 0) {
		conf_file_free(&f);
		return (-1);
	}
	config_defaults(&n);
	conf_map(&ctx, yr_root(&f.doc), &n, config_keys);
	if (errs->n == before)
		config_validate(&ctx, &n, yr_root(&f.doc));
	conf_file_free(&f);
	if (errs->n != before) {
		config_free(&n);
		return (-1);
	}
	config_free(c);
	*c = n;
	return (0);
}

char *
config_print(const struct config *c)
{
	struct yw	*w;

	w = yw_new();
	conf_emit(w, c, config_keys);
	return (yw_finish(w, NULL));
}
