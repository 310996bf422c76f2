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
#define TETHER_RELAY_MAX	256	/* [user@]host[:port] */
#define TETHER_REASON_MAX	200	/* as the agent takes it */

/* Exit statuses of the viewer itself (a remote shell's status passes). */
#define TETHER_EXIT_USAGE	2
#define TETHER_EXIT_CONNECT	255

/*
 * What to connect to: a checked ticket, address and port; the relay to
 * go through (as the relay sees the address), and the reason to give.
 */
struct target {
	struct ticket	 ticket;
	char		 ip[TETHER_IP_MAX];
	int		 port;
	char		 relay[TETHER_RELAY_MAX];
	char		 reason[TETHER_REASON_MAX + 1];
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
	char		*relay;		/* --relay, or TETHER_RELAY */
	char		*reason;	/* --reason, or TETHER_REASON */
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
	char		 relay[TETHER_RELAY_MAX];
	char		 reason[TETHER_REASON_MAX + 1];
};

struct client {
	ssh_session	 session;
	ssh_key		 key;
	char		*fingerprint;
	char		*host;
	int		 ms;		/* connect + check latency */
	char		 watched[128];	/* who watches our console, as the
					   agent's notices say; "" nobody */
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

/* What the menu and its screens share: the connection and the notes. */
#define SCREEN_MAX	16
struct session {
	struct client		*c;
	const struct target	*t;
	char			*note;		/* the line above the help */
	int			 note_bad;
	int			 lost;
	int			 reattach;	/* a console was lost with it */
	int			 focus;		/* the screen has the keys */
	int			 recording;	/* from info */
	int			 need_reason;	/* from info: required, none */
	char			 host[256];	/* the agent's, from info */
	int			 loaded[SCREEN_MAX];
};

/* What a screen's open or key gives back to the menu. */
#define SCREEN_MENU	0	/* the menu has the keys again */
#define SCREEN_KEYS	1	/* the screen keeps them */
#define SCREEN_ENDED	2	/* the agent's session is over */

/*
 * One screen of the session, as tmux's window modes: a line in the menu,
 * and what is shown and done on the right of it. The menu owns the state
 * init() makes, and calls load() when the screen is first shown; draw()
 * then previews it, and Enter calls open() (none: the screen takes the
 * keys). The last three hooks may be NULL.
 */
struct screen {
	const char	*name;
	const char	*(*help)(void *);
	void		*(*init)(void);
	int		 (*load)(struct session *, void *);
	void		 (*draw)(struct session *, void *, int, int, int, int);
	int		 (*key)(struct session *, void *, int);
	void		 (*free)(void *);
	int		 (*open)(struct session *, void *);
	void		 (*poll)(struct session *, void *);
	const char	*(*busy)(void *);
};

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

#define CLIENT_TIMEOUT_S	10

#define CLIENT_OUT_MAX	(16 * 1024 * 1024)

struct client_out {
	char		*out;
	size_t		 outlen;
	char		*err;
	size_t		 errlen;
	int		 status;	/* -1: none (a signal, or lost) */
};

#define CONSOLE_EXITED		0
#define CONSOLE_DETACHED	1
#define CONSOLE_LOST		2

#define CONSOLE_CHROOT		0x1	/* into the selected offline root */

#define TRANSFER_FORCE	0x1	/* overwrite */
#define TRANSFER_RESUME	0x2	/* continue LOCAL.part */

struct transfer {
	struct sftp_session_struct *sftp;
	/* Nonzero from progress stops the transfer. */
	int		(*progress)(void *, uint64_t, uint64_t, double);
	void		*arg;
	double		 started;
	double		 shown;
	uint64_t	 resumed;
	int		 cancelled;
};

#define MENU_LEFT	0
#define MENU_ENDED	1

struct pane {
	char		**lines;
	int		 n;
	int		 size;
	char		*partial;	/* the last line, before its newline */
	int		 top;		/* first line shown */
	int		 h;		/* rows, as last drawn */
	int		 follow;	/* keep the end in view */
	int		 nowrap;	/* cut long lines, do not wrap them */
	int		 bottom;	/* the top that shows the end, as drawn */
	int		 match;		/* line of the last search, or -1 */
	char		 needle[128];
};

struct root_entry {
	char		*id;
	char		*os;
	char		*health;
	char		*problems;
	char		*where;		/* device, or directory */
	char		*on;		/* the layers below: vg0/root on ... */
	char		*state;		/* a container: locked, unlocked */
	int		 windows;	/* files to read, nothing to select */
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
	int		 rw;		/* and whether it is writable */
	char		**unmounted;	/* its fstab entries not mounted */
	int		 nunmounted;
	char		*error;

	struct finding_entry *findings;	/* worst first */
	int		 nfind;
	int		 fsel;
	int		 in_findings;	/* Tab: the keys move in the findings */
	char		*open_tool;	/* Enter on a fix: the menu opens it */
	char		*open_arg;
};

#define TOOLS_ARGS_MAX		16
#define TOOLS_VALUE_MAX		256
#define TOOLS_SECRET_MAX	512

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
	char		*secret;	/* prompt for what stdin takes */
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

/* The Files screen's state (browse.c), after struct transfer. */
struct browse_ui {
	struct transfer	 xfer;
	struct browse_pane pane[2];	/* this machine, the agent */
	int		 active;
	int		 focus;
	int		 loaded;
	int		 flags;		/* FILES_* for the copy under way */
	const char	*verb;
	char		 home[PATH_MAX];	/* the agent's, in the rescue system */
	char		 root[PATH_MAX];	/* the selected system's /, or "" */
	char		 current[256];
	char		 progress[256];
};

#define FORM_CONNECT	0
#define FORM_QUIT	1

#define DISCOVER_WAIT_MS	1500
#define DISCOVER_MAX_SALTS	8	/* scrypt runs one discovery may cost */

struct discover_result {
	int		 replies;	/* well-formed, with our nonce */
	int		 agents;	/* distinct agents among them */
	int		 matched;	/* agents holding the ticket */
	int		 sent;		/* interfaces asked */
	char		*errors;	/* interfaces that could not be asked */
};

#define PROBE_BUDGET_MS	2000

/* The largest frame the viewer decodes, as the agent's limit. */
#define SNAPVIEW_MAX_SIDE	16384

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

#define CAND_CONNECT	0
#define CAND_BACK	1

#define UI_MIN_COLS	80
#define UI_MIN_LINES	24

/* args.c */
int	 args_parse(int, char **, struct args *, char **);
void	 args_hide_ticket(int, char **);
enum dart args_dart(const struct args *, struct target *, struct prefill *,
	     char **);
void	 args_free(struct args *);
int	 args_relay_check(const char *, char **);
int	 args_reason_check(const char *, char **);

/* browse.c */
extern const struct screen screen_files;

/* cand.c */
int	 cand_run(const struct target *, char **, int, struct target *,
	     char **);

/* client.c */
ssh_session client_session(const struct target *);
int	 client_reason(struct client *, const char *, char **);
int	 client_derive(const struct ticket *, const struct kdf_params *,
	     ssh_key *, char **);
enum client_err client_check(struct client *, const struct ticket *,
	     char **);
enum client_err client_connect(struct client *, const struct target *,
	     void (*)(const char *), char **);
void	 client_set_cancel(int (*)(void));
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
char	*client_root_path(struct client *);

/* console.c */
int	 console_run(struct client *, const char *, int *, char **);
int	 console_reattach(struct session *, void *);
int	 console_running(void *);
void	 console_hold(const char *);
int	 console_attach(struct client *, ssh_channel *, const char *, int,
	     int *, char **);
extern const struct screen screen_console;

/* discover.c */
int	 discover_default_ifaces(char ***);
void	 discover_find(const struct ticket *, int, char **, int,
	     struct cand_list *, struct discover_result *, cand_tick_fn,
	     void *);

/* form.c */
int	 form_run(struct prefill *, struct target *, char **, int);

/* info.c */
extern const struct screen screen_info;

/* keycache.c */
int	 keycache_load(const struct ticket *, const struct kdf_params *,
	     ssh_key *);
void	 keycache_store(const struct ticket *, const struct kdf_params *,
	     const uint8_t *);

/* menu.c */
int	 menu_run(struct client *, const struct target *, char **);
void	 session_note(struct session *, int, const char *, ...)
	     printflike(3, 4);
void	 session_stale(struct session *, const struct screen *);
void	 session_open_tool(struct session *, const char *, const char *);
extern const struct screen screen_end;

/* pane.c */
void	 pane_init(struct pane *);
void	 pane_free(struct pane *);
void	 pane_add(struct pane *, const char *, size_t);
void	 pane_addstr(struct pane *, const char *);
void	 pane_flush(struct pane *);
void	 pane_draw(struct pane *, int, int, int, int);
void	 pane_search(struct pane *, const char *);
int	 pane_key(struct pane *, int);

/* probe.c */
void	 probe_add(struct cand_list *, const char *, const char *, int);
void	 probe_run(const struct ticket *, struct cand_list *, cand_tick_fn,
	     void *);
void	 probe_sort(struct cand_list *);
const char *probe_verdict(enum cand_verdict);
void	 probe_free(struct cand_list *);

/* roots.c */
extern const struct screen screen_roots;

/* snapview.c */
int	 snapview_main(const struct target *, int, char **);
void	 snapview_session(struct client *);
extern const struct screen screen_snapshot;

/* tiles.c */
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

/* tools.c */
extern const struct screen screen_tools;
int	 tools_open(struct session *, void *, const char *, const char *);

/* transfer.c */
int	 transfer_open(struct client *, struct transfer *, char **);
const char *transfer_error(struct sftp_session_struct *);
void	 transfer_close(struct transfer *);
int	 transfer_get(struct transfer *, const char *, const char *, int,
	     char **);
int	 transfer_put(struct transfer *, const char *, const char *, int,
	     char **);

/* ui.c */
int	 ui_too_small(void);
int	 ui_cancelled(void);
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
int	 ui_prompt(const char *, char *, size_t, const char *);
int	 ui_choose(const char *);
int	 ui_secret(const char *, char *, size_t, const char *);

#endif /* TETHER_H */
