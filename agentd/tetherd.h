/* SPDX-License-Identifier: ISC */

#ifndef TETHERD_H
#define TETHERD_H

/*
 * tetherd: the agent on the machine being rescued. The listener accepts,
 * forks one child per connection and keeps only counters; each child runs
 * one SSH session through libssh.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <time.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "common.h"

#define TETHERD_STATE_DIR	"/run/tether"
#define TETHERD_MAX_LISTEN	8
#define TETHERD_MAX_CHANNELS	10
#define TETHERD_TICKET_LIFETIME	3600
#define TETHERD_GRACE		30
#define TETHERD_MAX_AUTH_TRIES	3
#define TETHERD_MAX_CHILDREN	64

struct listener {
	int			 fd;
	struct sockaddr_storage	 ss;
	char			*text;		/* addr:port for messages */
};

/* One connection child as the listener sees it. */
struct conn {
	pid_t		 pid;
	int		 fd;		/* the child's report pipe */
	char		*from;
	char		*user;
	time_t		 since;
	int		 authed;
};

struct agent {
	/* Options. */
	char		*binds[TETHERD_MAX_LISTEN];
	int		 nbinds;
	int		 port;
	char		*state_dir;
	int		 no_message;
	int		 debug;
	char		*shell;
	char		*sftp_server;
	int		 kdf_cost;
	int		 lifetime;
	int		 grace;
	int		 max_auth_tries;

	/* The ticket and everything derived from it. */
	struct ticket	 ticket;
	struct kdf_params kdf;
	ssh_key		 hostkey;
	char		*fingerprint;
	char		*banner;
	time_t		 created;
	time_t		 expires;

	/* Runtime. */
	struct listener	 listeners[TETHERD_MAX_LISTEN];
	int		 nlisteners;
	int		 bound_port;
	char		**ips;
	int		 nips;
	char		 host[256];
	const char	*state;
	struct conn	 conns[TETHERD_MAX_CHILDREN];
	int		 nconns;
};

/* A channel of a session and the process or verb behind it. */
struct chan {
	struct sess	*sess;
	ssh_channel	 channel;
	struct ssh_channel_callbacks_struct cb;

	int		 started;
	pid_t		 pid;
	int		 exited;
	int		 status;

	int		 pty;		/* pty-req seen: master/slave open */
	int		 master;
	int		 slave;
	struct winsize	 ws;
	char		*term;
	char		*env[32];
	int		 nenv;

	int		 in_fd;
	int		 out_fd;
	int		 err_fd;
	int		 in_polled;
	int		 out_polled;
	int		 err_polled;
	int		 out_eof;
	int		 err_eof;

	char		*inbuf;		/* client data not yet written */
	size_t		 inlen;
	int		 in_eof;
	int		 backlog;	/* libssh holds data we refused */
	int		 pulling;

	char		*reply;		/* a verb's output, sent after the
					   request has been answered */
	size_t		 replylen;
	char		*reply_err;
	int		 reply_status;

	int		 finished;	/* exit status, EOF and close sent */
};

/* One authenticated-or-not SSH connection, in its own child process. */
struct sess {
	struct agent	*ag;
	ssh_session	 session;
	ssh_event	 event;
	struct ssh_server_callbacks_struct cb;
	char		*from;
	char		*user;
	char		 id[17];
	int		 authenticated;
	int		 auth_tries;
	int		 report_fd;
	int		 sig_fd;
	int		 ending;
	struct chan	*chans[TETHERD_MAX_CHANNELS];
};


/* server.c */
void	 server_listen(struct agent *);
int	 server_loop(struct agent *);

/* session.c */
dead void session_serve(struct agent *, int, const char *, int);
void	 session_report(struct sess *, const char *, ...) printflike(2, 3);

/* console.c */
int	 console_pty(struct chan *, int, int, int, int);
void	 console_resize(struct chan *, int, int, int, int);
int	 console_start(struct chan *, const char *, char *const *);
uint32_t console_take(struct chan *, const void *, uint32_t);
void	 console_input(struct chan *);
void	 console_flow(struct chan *);
void	 console_output(struct chan *);
void	 console_reap(struct sess *);
void	 console_kill(struct chan *);
void	 console_close(struct chan *);

/* verbs.c */
int	 verbs_exec(struct chan *, const char *);

/* state.c */
int	 state_write(struct agent *, char **);
int	 state_check_dir(const char *, char **);

/* netinfo.c */
int	 netinfo_ips(char ***);
int	 netinfo_is_any(const struct sockaddr *);

#endif /* TETHERD_H */
