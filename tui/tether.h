/* SPDX-License-Identifier: ISC */

#ifndef TETHER_H
#define TETHER_H

/*
 * tether: the technician's viewer. It checks that the agent holds the typed
 * ticket before it authenticates, then gives a console or runs a verb.
 */

#include <limits.h>

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
	char		**discover;	/* --discover-on interfaces */
	int		 ndiscover;
	int		 discover_given;
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

/* A place an agent may be, and what probing it found. */
enum cand_verdict {
	CAND_OK,		/* the key matches the ticket */
	CAND_MISMATCH,
	CAND_NOT_TETHER,
	CAND_REFUSED,
	CAND_TIMEOUT,
	CAND_UNREACHABLE,
	CAND_ERROR,
	CAND_PROBING
};
struct candidate {
	char		 host[64];	/* as the agent named itself, or "-" */
	char		 ip[TETHER_IP_MAX];
	int		 port;
	enum cand_verdict verdict;
	int		 us;		/* TCP connect time */
	int		 order;		/* when it was added, for sorting */
	char		*why;
};
struct cand_list {
	struct candidate *v;
	int		 n;
};
/* Called while waiting on the network; non-zero stops the wait. */
typedef int (*cand_tick_fn)(void *);

/* args.c */
int	 args_parse(int, char **, struct args *, char **);
void	 args_hide_ticket(int, char **);
enum dart args_dart(const struct args *, struct target *, struct prefill *,
	     char **);
void	 args_free(struct args *);

/* browse.c */
struct browse_entry {
	char		*name;
	int		 dir;
	uint64_t	 size;
};
struct browse_pane {
	char		 path[PATH_MAX];
	int		 remote;
	struct browse_entry *e;
	int		 n;
	int		 sel;
};
struct browse_ui;
int	 browse_open(struct browse_ui *, struct client *, char **);
void	 browse_close(struct browse_ui *);
void	 browse_draw(struct browse_ui *, int, int, int, int);
int	 browse_key(struct browse_ui *, int, char **, int *);

/* client.c */
ssh_session client_session(const struct target *);
int	 client_derive(const struct ticket *, const struct kdf_params *,
	     ssh_key *, char **);
enum client_err client_check(struct client *, const struct ticket *,
	     char **);
enum client_err client_connect(struct client *, const struct target *,
	     void (*)(const char *), char **);
#define CLIENT_OUT_MAX	(16 * 1024 * 1024)
struct client_out {
	char		*out;
	size_t		 outlen;
	char		*err;
	size_t		 errlen;
	int		 status;	/* -1: none (a signal, or lost) */
};
int	 client_run(struct client *, const char *, struct client_out *,
	     char **);
int	 client_run_input(struct client *, const char *, const void *, size_t,
	     struct client_out *, char **);
void	 client_out_free(struct client_out *);
int	 client_exec(struct client *, const char *, char **, size_t *, int *,
	     char **);
void	 client_close(struct client *);
long long client_us(const struct timespec *);
char	*client_ystr(yaml_document_t *, yaml_node_t *, const char *);
int	 client_yaml(struct client *, const char *, yaml_document_t *,
	     char **, int *);
char	*client_quote(int, char **);

/* console.c */
#define CONSOLE_EXITED		0
#define CONSOLE_DETACHED	1
#define CONSOLE_LOST		2
int	 console_run(struct client *, const char *, int *, char **);
#define CONSOLE_CHROOT		0x1	/* into the selected offline root */
int	 console_attach(struct client *, ssh_channel *, const char *, int,
	     int *, char **);

/* files.c */
#define FILES_FORCE	0x1	/* overwrite */
#define FILES_RESUME	0x2	/* continue LOCAL.part */
struct files {
	struct sftp_session_struct *sftp;
	/* Nonzero from progress stops the transfer. */
	int		(*progress)(void *, uint64_t, uint64_t, double);
	void		*arg;
	double		 started;
	double		 shown;
	uint64_t	 resumed;
	int		 cancelled;
};
int	 files_open(struct client *, struct files *, char **);
const char *files_sftp_error(struct sftp_session_struct *);
void	 files_close(struct files *);
int	 files_get(struct files *, const char *, const char *, int, char **);
int	 files_put(struct files *, const char *, const char *, int, char **);

/* keycache.c */
int	 keycache_load(const struct ticket *, const struct kdf_params *,
	     ssh_key *);
void	 keycache_store(const struct ticket *, const struct kdf_params *,
	     const uint8_t *);

/* menu.c */
#define MENU_LEFT	0
#define MENU_ENDED	1
int	 menu_run(struct client *, const struct target *, char **);

/* pane.c */
struct pane {
	char		**lines;
	int		 n;
	int		 size;
	char		*partial;	/* the last line, before its newline */
	int		 top;		/* first line shown */
	int		 h;		/* rows, as last drawn */
	int		 follow;	/* keep the end in view */
	int		 match;		/* line of the last search, or -1 */
	char		 needle[128];
};
void	 pane_init(struct pane *);
void	 pane_free(struct pane *);
void	 pane_add(struct pane *, const char *, size_t);
void	 pane_addstr(struct pane *, const char *);
void	 pane_flush(struct pane *);
void	 pane_draw(struct pane *, int, int, int, int);
void	 pane_search(struct pane *, const char *);
int	 pane_key(struct pane *, int);

/* roots.c */
struct root_entry {
	char		*id;
	char		*os;
	char		*health;
	char		*problems;
	char		*where;		/* device, or directory */
	char		*on;		/* the layers below: vg0/root on ... */
	char		*state;		/* a container: locked, unlocked */
	uint64_t	 size;
};
/* One finding of the diagnosis that follows a select. */
struct finding_entry {
	char		*severity;
	char		*check;
	char		*what;
	char		*evidence;
	char		*fix_tool;
	char		*fix_arg;
	char		*fix_command;
};
struct roots_ui {
	struct root_entry *roots;
	int		 n;
	int		 sel;
	int		 focus;
	int		 loaded;
	int		 lost;
	char		*current;	/* the selected root's id */
	char		*error;

	struct finding_entry *findings;	/* worst first */
	int		 nfind;
	int		 fsel;
	int		 in_findings;	/* Tab: the keys move in the findings */
	char		*open_tool;	/* Enter on a fix: the menu opens it */
	char		*open_arg;
};
int	 roots_load(struct roots_ui *, struct client *);
void	 roots_free(struct roots_ui *);
void	 roots_draw(struct roots_ui *, int, int, int, int);
int	 roots_key(struct roots_ui *, struct client *, int, char **, int *);

/* tools.c */
#define TOOLS_ARGS_MAX		16
#define TOOLS_VALUE_MAX		256
struct tool_arg_entry {
	char		*name;
	char		*prompt;
	char		*pattern;
};
struct tool_entry {
	char		*name;
	char		*title;
	char		*reason;
	char		*confirm;
	int		 available;
	int		 pty;
	int		 destructive;
	struct tool_arg_entry args[TOOLS_ARGS_MAX];
	int		 nargs;
};
struct tools_ui {
	struct tool_entry *tools;
	int		 n;
	int		 sel;
	int		 focus;
	int		 loaded;
	char		*error;
	ssh_channel	 ch;		/* the running tool, if any */
	int		 running;
	char		 running_name[64];
	int		 shown;		/* output on screen */
	int		 lost;
	struct pane	 out;
};
int	 tools_load(struct tools_ui *, struct client *);
void	 tools_free(struct tools_ui *);
void	 tools_draw(struct tools_ui *, int, int, int, int);
void	 tools_poll(struct tools_ui *, struct client *);
void	 tools_stop(struct tools_ui *);
int	 tools_key(struct tools_ui *, struct client *, int);
int	 tools_open(struct tools_ui *, struct client *, const char *,
	     const char *);
int	 tools_prompt(const char *, char *, size_t, const char *);

/* The Files screen's state (browse.c), after struct files. */
struct browse_ui {
	struct files	 files;
	struct browse_pane pane[2];	/* this machine, the agent */
	int		 active;
	int		 focus;
	int		 loaded;
	int		 flags;		/* FILES_* for the copy under way */
	const char	*verb;
	char		 current[256];
	char		 progress[256];
};

/* form.c */
#define FORM_CONNECT	0
#define FORM_QUIT	1
int	 form_run(struct prefill *, struct target *, char **, int);

/* disc.c */
#define DISC_WAIT_MS	1500
#define DISC_MAX_SALTS	8	/* scrypt runs one discovery may cost */
struct disc_result {
	int		 replies;	/* well-formed, with our nonce */
	int		 matched;	/* agents holding the ticket */
	int		 sent;		/* interfaces asked */
	char		*errors;	/* interfaces that could not be asked */
};
int	 disc_default_ifaces(char ***);
void	 disc_find(const struct ticket *, int, char **, int,
	     struct cand_list *, struct disc_result *, cand_tick_fn, void *);

/* probe.c */
#define PROBE_BUDGET_MS	2000
void	 probe_add(struct cand_list *, const char *, const char *, int);
void	 probe_run(const struct ticket *, struct cand_list *, cand_tick_fn,
	     void *);
void	 probe_sort(struct cand_list *);
const char *probe_verdict(enum cand_verdict);
void	 probe_free(struct cand_list *);

/* cand.c */
#define CAND_CONNECT	0
#define CAND_BACK	1
int	 cand_run(const struct target *, char **, int, struct target *,
	     char **);
/* tiles.c */
/* A live-view message's header, a rectangle, the frame they compose. */
struct tiles_head {
	uint32_t	 w;
	uint32_t	 h;
	uint32_t	 n;
	uint32_t	 flags;
	uint32_t	 rest;
};
struct tiles_rect {
	uint32_t	 x;
	uint32_t	 y;
	uint32_t	 w;
	uint32_t	 h;
};
struct tiles_frame {
	uint32_t	 w;
	uint32_t	 h;
	uint8_t		*rgb;
};
struct tiles_stream {
	struct client	*c;
	ssh_channel	 ch;
	unsigned long long bytes;	/* received, headers included */
};
int	 tiles_header(const uint8_t *, struct tiles_head *, char **);
int	 tiles_apply(struct tiles_frame *, const struct tiles_head *,
	     const uint8_t *, struct tiles_rect *, char **);
void	 tiles_frame_free(struct tiles_frame *);
int	 tiles_open(struct tiles_stream *, struct client *, const char *,
	     char **);
void	 tiles_close(struct tiles_stream *);
int	 tiles_next(struct tiles_stream *, int, struct tiles_frame *,
	     struct tiles_rect *, int *, char **);
int	 tiles_dump(const struct tiles_frame *, const char *);

/* snapview.c */
int	 snapview_main(const struct target *, int, char **);
void	 snapview_session(struct client *);

/* ui.c */
void	 ui_start(void);
void	 ui_suspend(void);
void	 ui_resume(void);
void	 ui_end(void);
int	 ui_active(void);
int	 ui_list_key(int, int *, int);
void	 ui_list_clamp(int *, int);
int	 ui_list_top(int, int);
int	 ui_list_blank(int, int, int, const char *, int, const char *);
void	 ui_size(uint64_t, char *, size_t);

#endif /* TETHER_H */
