/* SPDX-License-Identifier: ISC */

/*
 * Test helper: a libssh client that asks an agent for a channel, a command
 * or a forwarding without having authenticated, as the CVE-2018-10933
 * exploits did, and prints on one line what it sent, what came back and
 * the verdict. Exit 0 refused, 1 granted, 2 no verdict or a local error.
 */

#include <err.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "common.h"

#define PREAUTH_TIMEOUT		10	/* seconds to wait for any answer */
#define PREAUTH_MAX_TYPES	32
#define PREAUTH_FIRST_CHANNEL	43	/* libssh's first id, on both ends */
#define PREAUTH_MARKER		"/tmp/tether-preauth-marker"
#define PREAUTH_WRONG		"0000-0000-0000"

enum { PREAUTH_REFUSED, PREAUTH_GRANTED, PREAUTH_UNKNOWN };

struct preauth {
	ssh_session	 session;
	const char	*host;
	int		 port;
	const char	*password;	/* -p: authenticate first (a control) */
	const char	*user;
	const char	*marker;
	int		 verbose;

	/* Seen in libssh's packet log once the mode has started. */
	int		 watching;
	int		 types[PREAUTH_MAX_TYPES];
	int		 ntypes;
	char		 sent[512];
	unsigned int	 chan_id, chan_window, chan_max;
	int		 chan_logged;

	char		 detail[256];
};

struct preauth_mode {
	const char	*name;
	int		 (*run)(struct preauth *);
};

/*
 * The start of libssh 0.10's struct ssh_session_struct (session.h), for
 * preauth_channel_new, and of its struct ssh_channel_struct (channels.h),
 * for preauth_aim. Both are checked against public getters before use.
 */
struct preauth_session_head {
	struct {
		struct {
			int	 code;
			char	 buffer[1024];
		}		 error;
		void		*callbacks;
		int		 log_verbosity;
	}		 common;
	void		*socket;
	char		*serverbanner;
	char		*clientbanner;
	int		 protoversion;
	int		 server;
	int		 client;
	int		 openssh;
	uint32_t	 send_seq;
	uint32_t	 recv_seq;
	long		 rekey_seconds;
	long		 rekey_useconds;
	int		 connected;
	int		 alive;
	int		 flags;
};
/* Its SSH_SESSION_FLAG_BLOCKING and SSH_SESSION_FLAG_AUTHENTICATED. */
#define PREAUTH_FLAG_BLOCKING		1
#define PREAUTH_FLAG_AUTHENTICATED	2

struct preauth_channel_head {
	ssh_session	 session;
	uint32_t	 local_channel;
	uint32_t	 local_window;
	int		 local_eof;
	uint32_t	 local_maxpacket;
	uint32_t	 remote_channel;
	uint32_t	 remote_window;
	int		 remote_eof;
	uint32_t	 remote_maxpacket;
	int		 state;		/* 1 opening, 3 open */
};

static int	preauth_channel(struct preauth *);
static int	preauth_direct(struct preauth *);
static int	preauth_exec(struct preauth *);
static int	preauth_forward(struct preauth *);
static int	preauth_none(struct preauth *);
static int	preauth_afterfail(struct preauth *);

static const struct preauth_mode preauth_modes[] = {
	{ "channel",	preauth_channel },
	{ "direct",	preauth_direct },
	{ "exec",	preauth_exec },
	{ "forward",	preauth_forward },
	{ "none",	preauth_none },
	{ "afterfail",	preauth_afterfail },
	{ NULL,		NULL }
};

static const struct {
	int		 type;
	const char	*name;
} preauth_names[] = {
	{ 1, "DISCONNECT" },
	{ 2, "IGNORE" },
	{ 3, "UNIMPLEMENTED" },
	{ 4, "DEBUG" },
	{ 7, "EXT_INFO" },
	{ 51, "USERAUTH_FAILURE" },
	{ 52, "USERAUTH_SUCCESS" },
	{ 53, "USERAUTH_BANNER" },
	{ 80, "GLOBAL_REQUEST" },
	{ 81, "REQUEST_SUCCESS" },
	{ 82, "REQUEST_FAILURE" },
	{ 91, "CHANNEL_OPEN_CONFIRMATION" },
	{ 92, "CHANNEL_OPEN_FAILURE" },
	{ 93, "CHANNEL_WINDOW_ADJUST" },
	{ 94, "CHANNEL_DATA" },
	{ 96, "CHANNEL_EOF" },
	{ 97, "CHANNEL_CLOSE" },
	{ 98, "CHANNEL_REQUEST" },
	{ 99, "CHANNEL_SUCCESS" },
	{ 100, "CHANNEL_FAILURE" },
	{ 0, NULL }
};

static dead void
usage(void)
{
	fprintf(stderr, "usage: preauth [-v] [-l user] [-p password] host port "
	    "mode [marker]\n       modes: channel direct exec forward none "
	    "afterfail\n");
	exit(2);
}

static const char *
preauth_type_name(int type)
{
	static char	 buf[16];
	int		 i;

	for (i = 0; preauth_names[i].name != NULL; i++) {
		if (preauth_names[i].type == type)
			return (preauth_names[i].name);
	}
	snprintf(buf, sizeof buf, "type %d", type);
	return (buf);
}

static int
preauth_got(struct preauth *p, int type)
{
	int	 i;

	for (i = 0; i < p->ntypes; i++) {
		if (p->types[i] == type)
			return (1);
	}
	return (0);
}

/*
 * libssh's own log is the only public record of the packets it sent and
 * read: a reply that its client-side filter throws away before
 * authentication (an open confirmation, say) still shows here.
 */
static void
preauth_log(int priority, const char *function, const char *buffer,
    void *arg)
{
	struct preauth	*p = arg;
	const char	*s;
	size_t		 n;

	(void)priority;
	(void)function;
	if (p->verbose)
		fprintf(stderr, "libssh: %s\n", buffer);
	if (!p->watching)
		return;
	if ((s = strstr(buffer, "packet: read type ")) != NULL &&
	    p->ntypes < PREAUTH_MAX_TYPES)
		p->types[p->ntypes++] = atoi(s + 18);
	if ((s = strstr(buffer, "Creating a channel ")) != NULL &&
	    sscanf(s, "Creating a channel %u with %u window and %u max packet",
	    &p->chan_id, &p->chan_window, &p->chan_max) == 3)
		p->chan_logged = 1;
	if ((s = strstr(buffer, "Sent a SSH_MSG_")) != NULL) {
		n = strlen(p->sent);
		snprintf(p->sent + n, sizeof p->sent - n, "%s%s",
		    n == 0 ? "" : ", ", s + 15);
	}
}

/* How the agent ended the connection, if it did. */
static const char *
preauth_dropped(struct preauth *p)
{
	const char	*e = ssh_get_error(p->session);

	if (preauth_got(p, 1))
		return ("disconnected");
	if (strncmp(e, "Socket error", 12) == 0)
		return ("closed the connection");
	return (NULL);
}

/*
 * A verdict from what came back: granted, the failure message of that
 * kind (refused), the connection dropped (refused), or nothing at all.
 */
static int
preauth_judge(struct preauth *p, int granted, const char *granted_how,
    int fail_type, const char *fail_how)
{
	const char	*how;

	if (granted) {
		snprintf(p->detail, sizeof p->detail, "%s", granted_how);
		return (PREAUTH_GRANTED);
	}
	if (preauth_got(p, fail_type)) {
		snprintf(p->detail, sizeof p->detail, "%s", fail_how);
		return (PREAUTH_REFUSED);
	}
	if ((how = preauth_dropped(p)) != NULL) {
		snprintf(p->detail, sizeof p->detail, "the agent %s", how);
		return (PREAUTH_REFUSED);
	}
	snprintf(p->detail, sizeof p->detail, "no answer");
	return (PREAUTH_UNKNOWN);
}

/*
 * libssh 0.10's ssh_channel_new() returns NULL until the client has
 * authenticated, so a client cannot even hold a channel to open. Set the
 * session's "authenticated" flag for the length of that one call and
 * clear it again: nothing else reads it meanwhile, and the session stays
 * unauthenticated in every other respect (its state, its packet filter and
 * the agent's view). The flag is found by a copy of the struct's start,
 * checked field by field against libssh's getters; with any other layout
 * this gives up rather than write blind. After authentication (-p) this
 * is plain ssh_channel_new().
 */
static ssh_channel
preauth_channel_new(struct preauth *p)
{
	struct preauth_session_head	*h;
	ssh_channel			 ch;

	if (p->password != NULL)
		return (ssh_channel_new(p->session));
	h = (struct preauth_session_head *)p->session;
	if (ssh_get_error(p->session) != h->common.error.buffer ||
	    ssh_get_serverbanner(p->session) != h->serverbanner ||
	    ssh_get_clientbanner(p->session) != h->clientbanner ||
	    h->server != 0 || h->client != 1 || h->connected != 1 ||
	    h->openssh != ssh_get_openssh_version(p->session) ||
	    h->alive != ssh_is_connected(p->session) ||
	    !(h->flags & PREAUTH_FLAG_BLOCKING) !=
	    !ssh_is_blocking(p->session) ||
	    (h->flags & PREAUTH_FLAG_AUTHENTICATED) != 0) {
		snprintf(p->detail, sizeof p->detail, "libssh's session is not "
		    "laid out as in 0.10; cannot make a channel");
		return (NULL);
	}
	h->flags |= PREAUTH_FLAG_AUTHENTICATED;
	ch = ssh_channel_new(p->session);
	h->flags &= ~PREAUTH_FLAG_AUTHENTICATED;
	if (ch == NULL)
		snprintf(p->detail, sizeof p->detail, "ssh_channel_new: %s",
		    ssh_get_error(p->session));
	return (ch);
}

/*
 * The verdict on a channel open (and what followed it): anything that
 * says the channel exists is a grant; an open failure, a request failure
 * or the connection going away is a refusal; silence is no verdict.
 */
static int
preauth_verdict_channel(struct preauth *p, int opened)
{
	return (preauth_judge(p, opened || preauth_got(p, 91) ||
	    preauth_got(p, 94) || preauth_got(p, 99), "the channel was opened",
	    92, "open failure"));
}

/*
 * CHANNEL_OPEN "session". libssh's client sends it in any state; before
 * authentication its own filter would throw away the answer, which is why
 * the verdict reads the packet log and not only the return code.
 */
static int
preauth_channel(struct preauth *p)
{
	ssh_channel	 ch;
	int		 rc;

	if ((ch = preauth_channel_new(p)) == NULL)
		return (PREAUTH_UNKNOWN);
	rc = ssh_channel_open_session(ch);
	rc = preauth_verdict_channel(p, rc == SSH_OK);
	ssh_channel_free(ch);
	return (rc);
}

/* CHANNEL_OPEN "direct-tcpip" to the agent's own port: ssh -L's request. */
static int
preauth_direct(struct preauth *p)
{
	ssh_channel	 ch;
	int		 rc;

	if ((ch = preauth_channel_new(p)) == NULL)
		return (PREAUTH_UNKNOWN);
	rc = ssh_channel_open_forward(ch, p->host, p->port, "127.0.0.1",
	    40000);
	rc = preauth_verdict_channel(p, rc == SSH_OK);
	ssh_channel_free(ch);
	return (rc);
}

/*
 * libssh has no call that sends a channel request on a channel the server
 * has not confirmed, but ssh_channel_request_exec() does not check the
 * channel's state: it sends to whatever remote_channel holds, zero until a
 * confirmation arrives. Point it at PREAUTH_FIRST_CHANNEL, the id an agent
 * that wrongly opened the channel would have given it, so the request
 * pipelined behind the open would reach that channel. The struct's start
 * is checked against what libssh logged for this channel first; with any
 * other layout this gives up rather than write blind.
 */
static int
preauth_aim(struct preauth *p, ssh_channel ch)
{
	struct preauth_channel_head	*h = (struct preauth_channel_head *)ch;

	if (!p->chan_logged || h->session != p->session ||
	    h->local_channel != p->chan_id ||
	    h->local_window != p->chan_window ||
	    h->local_maxpacket != p->chan_max ||
	    (h->state != 1 && h->state != 3))
		return (-1);
	if (h->state == 1)
		h->remote_channel = PREAUTH_FIRST_CHANNEL;
	return (0);
}

/*
 * Send CHANNEL_OPEN "session" and, without waiting for the answer,
 * CHANNEL_REQUEST "exec" (want reply) for "touch MARKER" on the channel the
 * agent would have opened, as an exploit would pipeline them; in
 * non-blocking mode, so both leave before any answer is read.
 */
static int
preauth_exec_send(struct preauth *p, ssh_channel ch, const char *cmd,
    int *exec_rc)
{
	ssh_set_blocking(p->session, 0);
	if (ssh_channel_open_session(ch) == SSH_ERROR &&
	    preauth_dropped(p) == NULL) {
		snprintf(p->detail, sizeof p->detail, "cannot send the open: "
		    "%s", ssh_get_error(p->session));
		return (-1);
	}
	if (preauth_aim(p, ch) != 0) {
		snprintf(p->detail, sizeof p->detail, "libssh's channel is not "
		    "laid out as in 0.10; cannot aim the exec request");
		return (-1);
	}
	*exec_rc = ssh_channel_request_exec(ch, cmd);
	ssh_set_blocking(p->session, 1);
	if (strstr(p->sent, "CHANNEL_REQUEST exec") == NULL) {
		snprintf(p->detail, sizeof p->detail, "the exec request was "
		    "not sent: %s", ssh_get_error(p->session));
		return (-1);
	}
	return (0);
}

/*
 * Then wait for whatever comes back: calling the same functions again in
 * blocking mode waits for their pending answers (unless a fast agent has
 * answered the exec already). The caller checks that MARKER was not made.
 */
static int
preauth_exec(struct preauth *p)
{
	ssh_channel	 ch;
	char		*cmd;
	int		 rc, opened, exec_rc = SSH_ERROR, status;

	if ((ch = preauth_channel_new(p)) == NULL)
		return (PREAUTH_UNKNOWN);
	xasprintf(&cmd, "touch %s", p->marker);
	if (preauth_exec_send(p, ch, cmd, &exec_rc) != 0)
		rc = PREAUTH_UNKNOWN;
	else {
		opened = ssh_channel_open_session(ch) == SSH_OK;
		rc = preauth_verdict_channel(p, opened);
		if (opened && exec_rc == SSH_AGAIN)
			exec_rc = ssh_channel_request_exec(ch, cmd);
		if (opened && exec_rc == SSH_OK) {
			status = ssh_channel_get_exit_status(ch);
			snprintf(p->detail, sizeof p->detail, "the channel was "
			    "opened and \"%s\" ran (status %d)", cmd, status);
		}
	}
	ssh_channel_free(ch);
	free(cmd);
	return (rc);
}

/* GLOBAL_REQUEST "tcpip-forward" (want reply): ssh -R's request. */
static int
preauth_forward(struct preauth *p)
{
	char		 granted[64];
	int		 bound = 0, ok;

	ok = ssh_channel_listen_forward(p->session, "127.0.0.1", 0,
	    &bound) == SSH_OK || preauth_got(p, 81);
	snprintf(granted, sizeof granted, "the agent listens on port %d",
	    bound);
	return (preauth_judge(p, ok, granted, 82, "request failure"));
}

/* USERAUTH_REQUEST "none": must fail, and list what the agent does take. */
static int
preauth_none(struct preauth *p)
{
	int	 rc, methods;

	rc = ssh_userauth_none(p->session, NULL);
	if (rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_PARTIAL) {
		snprintf(p->detail, sizeof p->detail, "\"none\" authenticated");
		return (PREAUTH_GRANTED);
	}
	if (rc != SSH_AUTH_DENIED) {
		snprintf(p->detail, sizeof p->detail, "no answer: %s",
		    ssh_get_error(p->session));
		return (PREAUTH_UNKNOWN);
	}
	methods = ssh_userauth_list(p->session, NULL);
	snprintf(p->detail, sizeof p->detail, "denied, methods%s%s%s",
	    methods & SSH_AUTH_METHOD_PUBLICKEY ? " publickey" : "",
	    methods & SSH_AUTH_METHOD_PASSWORD ? " password" : "",
	    methods & SSH_AUTH_METHOD_INTERACTIVE ? " keyboard-interactive" :
	    "");
	return (PREAUTH_REFUSED);
}

/* A wrong password first, so the agent has seen ssh-userauth; then open. */
static int
preauth_afterfail(struct preauth *p)
{
	int	 rc;

	rc = ssh_userauth_password(p->session, NULL, PREAUTH_WRONG);
	if (rc == SSH_AUTH_SUCCESS) {
		snprintf(p->detail, sizeof p->detail, "a wrong password "
		    "authenticated");
		return (PREAUTH_GRANTED);
	}
	if (rc != SSH_AUTH_DENIED) {
		snprintf(p->detail, sizeof p->detail, "no answer to the "
		    "password: %s", ssh_get_error(p->session));
		return (PREAUTH_UNKNOWN);
	}
	return (preauth_channel(p));
}

static void
preauth_connect(struct preauth *p)
{
	long	 timeout = PREAUTH_TIMEOUT;
	bool	 no = false;
	int	 rc;

	if ((p->session = ssh_new()) == NULL)
		errx(2, "ssh_new failed");
	if (ssh_options_set(p->session, SSH_OPTIONS_PROCESS_CONFIG, &no) != 0 ||
	    ssh_options_set(p->session, SSH_OPTIONS_HOST, p->host) != 0 ||
	    ssh_options_set(p->session, SSH_OPTIONS_PORT, &p->port) != 0 ||
	    ssh_options_set(p->session, SSH_OPTIONS_USER, p->user) != 0 ||
	    ssh_options_set(p->session, SSH_OPTIONS_TIMEOUT, &timeout) != 0)
		errx(2, "ssh options: %s", ssh_get_error(p->session));
	if (ssh_connect(p->session) != SSH_OK)
		errx(2, "connect to %s port %d: %s", p->host, p->port,
		    ssh_get_error(p->session));
	if (p->password == NULL)
		return;
	rc = ssh_userauth_password(p->session, NULL, p->password);
	if (rc != SSH_AUTH_SUCCESS)
		errx(2, "password not accepted: %s", ssh_get_error(p->session));
}

static void
preauth_print(struct preauth *p, const char *mode, int verdict)
{
	static const char	*words[] = {
		"refused", "granted", "no verdict"
	};
	char			 got[512];
	size_t			 n = 0;
	int			 i;

	got[0] = '\0';
	for (i = 0; i < p->ntypes && n < sizeof got; i++) {
		n += snprintf(got + n, sizeof got - n, "%s%s", i == 0 ? "" :
		    ", ", preauth_type_name(p->types[i]));
	}
	printf("%s%s: %s (%s); sent: %s; got: %s; libssh: %s\n", mode,
	    p->password != NULL ? " after authentication" : "",
	    words[verdict], p->detail, p->sent[0] != '\0' ? p->sent : "nothing",
	    got[0] != '\0' ? got : "nothing",
	    ssh_get_error(p->session)[0] != '\0' ?
	    ssh_get_error(p->session) : "no error");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct preauth			 p;
	const struct preauth_mode	*m;
	char				*end;
	long				 port;
	int				 ch, verdict;

	log_open("preauth", 0, LOG_TO_STDERR);
	memset(&p, 0, sizeof p);
	p.user = "tether";
	while ((ch = getopt(argc, argv, "l:p:v")) != -1) {
		switch (ch) {
		case 'l':
			p.user = optarg;
			break;
		case 'p':
			p.password = optarg;
			break;
		case 'v':
			p.verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 && argc != 4)
		usage();
	p.host = argv[0];
	port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		errx(2, "bad port: %s", argv[1]);
	p.port = (int)port;
	for (m = preauth_modes; m->name != NULL; m++) {
		if (strcmp(argv[2], m->name) == 0)
			break;
	}
	if (m->name == NULL)
		usage();
	p.marker = argc == 4 ? argv[3] : PREAUTH_MARKER;

	ssh_set_log_userdata(&p);
	ssh_set_log_callback(preauth_log);
	ssh_set_log_level(SSH_LOG_PACKET);
	preauth_connect(&p);

	p.watching = 1;
	verdict = m->run(&p);
	p.watching = 0;
	preauth_print(&p, m->name, verdict);
	ssh_disconnect(p.session);
	ssh_free(p.session);
	return (verdict);
}
