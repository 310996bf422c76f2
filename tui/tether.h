/* SPDX-License-Identifier: ISC */

#ifndef TETHER_H
#define TETHER_H

/*
 * tether: the technician's viewer. It checks that the agent holds the typed
 * ticket before it authenticates, then gives a console or runs a verb.
 */

#include <libssh/libssh.h>

#include "common.h"

#define TETHER_IP_MAX		64

/* Exit statuses of the viewer itself (a remote shell's status passes). */
#define TETHER_EXIT_USAGE	2
#define TETHER_EXIT_CONNECT	255

/* What to connect to: a checked ticket, address and port. */
struct target {
	struct ticket	 ticket;
	char		 ip[TETHER_IP_MAX];
	int		 port;
};

/* The command line as typed, before the DaRT rule judges it. */
struct args {
	char		*ticket;
	char		*ip;
	char		*port;
	char		 ticket_opt[16];	/* spelling used, for messages */
	char		 ip_opt[16];
	char		 port_opt[16];
	int		 help;
	int		 version;
	int		 cmdc;
	char		**cmdv;		/* a scripted command, or none */
};

/* The DaRT rule's verdict. */
enum dart {
	DART_CONNECT,	/* all three given and valid */
	DART_FORM	/* start with the form, prefilled or blank */
};

/* A prefill for the form: text as typed, not yet judged. */
struct prefill {
	char		 ticket[TICKET_DIGITS + 1];
	char		 ip[TETHER_IP_MAX];
	char		 port[8];
};

struct client {
	ssh_session	 session;
	ssh_key		 key;
	char		*fingerprint;
	char		*host;
	int		 ms;		/* connect + check latency */
};

/* Why a connection failed, for the exit status and the message. */
enum client_err {
	CLIENT_OK,
	CLIENT_ERR_CONNECT,
	CLIENT_ERR_NOT_TETHER,
	CLIENT_ERR_MISMATCH,
	CLIENT_ERR_AUTH
};

/* args.c */
int	 args_parse(int, char **, struct args *, char **);
enum dart args_dart(const struct args *, struct target *, struct prefill *,
	     char **);
void	 args_free(struct args *);

/* client.c */
enum client_err client_connect(struct client *, const struct target *,
	     void (*)(const char *), char **);
int	 client_exec(struct client *, const char *, char **, size_t *, int *,
	     char **);
int	 client_exec_err(struct client *, const char *, char **, size_t *,
	     char **, int *, char **);
void	 client_close(struct client *);

/* console.c */
#define CONSOLE_EXITED		0
#define CONSOLE_DETACHED	1
#define CONSOLE_LOST		2
int	 console_run(struct client *, const char *, int *, char **);

/* form.c */
#define FORM_CONNECT	0
#define FORM_QUIT	1
int	 form_run(struct prefill *, struct target *, char **, int);

/* snapview.c */
int	 snapview_main(const struct target *, int, char **);

/* ui.c */
void	 ui_start(void);
void	 ui_suspend(void);
void	 ui_resume(void);
void	 ui_end(void);
int	 ui_active(void);

#endif /* TETHER_H */
