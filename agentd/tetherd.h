/* SPDX-License-Identifier: ISC */

#ifndef TETHERD_H
#define TETHERD_H

/*
 * tetherd: the agent on the machine being rescued. The listener accepts,
 * forks one child per connection and keeps only counters; each child runs
 * one SSH session through libssh. As tmux.h: the types first, each group
 * under the file that owns it, then the prototypes, file by file.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#include "common.h"

#define TETHERD_STATE_DIR	"/run/tether"
#define TETHERD_LOG_DIR		"/var/log/tether"
#define TETHERD_MAX_LISTEN	8
#define TETHERD_MAX_CHANNELS	10
#define TETHERD_TICKET_LIFETIME	3600
#define TETHERD_GRACE		30
#define TETHERD_MAX_AUTH_TRIES	3
#define TETHERD_MAX_CHILDREN	64
#define TETHERD_MAX_RELAYS	4
#define TETHERD_REASON_MAX	200

/* tetherd.yaml, as loaded; see config.c for the tables. */
struct conf_ticket {
	int		 enabled;
	int		 lifetime;
	int		 kdf_cost;
	int		 on_expiry;	/* CONFIG_EXPIRY_* */
};
struct conf_network {
	int		 mode;		/* CONFIG_NET_DHCP or _NONE */
	struct strlist interfaces;
	char		*dhcp_client;
};
struct conf_discovery {
	int		 enabled;
	struct strlist interfaces;
};

struct conf_forwarding {
	int		 tcp;		/* direct-tcpip: ssh -L */
};
struct conf_startups {
	int		 start;
	int		 rate;
	int		 full;
};
struct conf_per_source {
	int		 failures;
	int		 window;
	int		 penalty;
	int		 max_startups;	/* unauthenticated at once */
	int		 noauth;	/* this many unauthenticated: a failure */
};
struct conf_guesses {
	int		 burst;		/* wrong guesses at once */
	int		 refill;	/* seconds for one more */
};
struct conf_limits {
	int		 max_auth_tries;
	int		 login_grace_time;
	struct conf_startups max_startups;
	struct conf_per_source per_source;
	struct conf_guesses guesses;
	int		 max_sessions;
	int		 idle_timeout;
	int		 detached_timeout;	/* 0: a dropped console ends */
};
struct conf_audit {
	int		 syslog_facility;
	char		*file;
};
struct conf_recording {
	int		 enabled;
	char		*dir;
};
struct conf_roots {
	int		 scan;
	struct strlist extra;
	char		*mount_options;
	struct strlist devices;	/* patterns; empty: every device */
};
struct conf_bitfield {
	int		 offset;
	int		 length;
};
struct conf_fake_fb {
	char		*path;
	int		 width;
	int		 height;
	int		 bpp;
	int		 stride;
	int		 xoffset;
	int		 yoffset;
	struct conf_bitfield red;
	struct conf_bitfield green;
	struct conf_bitfield blue;
	struct conf_bitfield transp;
};
struct conf_fake_vc {
	char		*vcsa;
	char		*vcsu;
};
struct conf_snapshot {
	struct strlist fb;
	struct strlist vc;
	struct conf_fake_fb fake_fb;
	struct conf_fake_vc fake_vc;
};
/* One relay: an sshd the agent connects out to (relay.c). */
struct conf_relay {
	char		*host;
	int		 port;
	char		*user;
	char		*identity;	/* private key file */
	char		*host_key;	/* known_hosts line, SHA256:, or file */
};
struct conf_relays {
	struct conf_relay *v;
	int		 n;
};
struct config {
	struct strlist listen;
	int		 port;
	struct conf_ticket ticket;
	int		 consent;
	int		 approve;
	char		*welcome;
	char		*keyboard;	/* console layout, or "" */
	struct conf_network network;
	struct conf_discovery discovery;
	struct conf_forwarding forwarding;
	struct conf_limits limits;
	char		*state_dir;
	char		*log_dir;
	struct conf_audit audit;
	struct conf_recording recording;
	char		*host_key;
	struct strlist authorized_keys;
	char		*shell;
	char		*sftp_server;
	char		*privsep_user;	/* the session process runs as it */
	struct conf_roots roots;
	struct conf_snapshot snapshot;
	struct strlist tools;
	struct conf_relays relay;
	int		 require_reason;
};
#define CONFIG_EXPIRY_ROTATE	0
#define CONFIG_EXPIRY_END	1
#define CONFIG_APPROVE_NONE	0
#define CONFIG_APPROVE_EACH	1
#define CONFIG_NET_DHCP		0
#define CONFIG_NET_NONE		1
#define CONFIG_FILE		"/etc/tether/tetherd.yaml"
#define CONFIG_WELCOME_MAX	2048
#define CONFIG_NOBODY		65534	/* where there is no passwd entry */

/* One tool of the catalog (tether-tools(5)). */
struct tool_arg {
	char		*name;
	char		*prompt;
	char		*pattern;
	regex_t		 re;
	int		 compiled;
};
struct tool {
	char		*name;
	char		*title;
	char		*dart;
	struct strlist command;
	struct tool_arg	*args;
	int		 nargs;
	int		 needs_root;
	struct strlist needs_files;
	struct strlist in_root;	/* paths that must stay inside it */
	struct strlist needs;
	int		 pty;
	int		 timeout;
	int		 destructive;
	char		*confirm;
	char		*secret;	/* prompt for what stdin takes */
	char		*file;		/* where it was defined */
	int		 line;
};
struct catalog {
	struct tool	*tools;
	int		 n;
};

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
	time_t		 accepted;
	int		 overdue;	/* past its grace time: killed */
	int		 authed;
	int		 held;		/* only detached consoles are left */
	int		 tried;		/* a login failed */
	int		 asking;	/* waiting for the local user */
	int		 asked;		/* the question is on the screen */
	time_t		 ask_since;
	int		 relayed;	/* came through a relay: no per-source
					   counting, the source is the relay */
};

/* A relay's process as the listener sees it (relay.c). */
struct relay {
	pid_t		 pid;
	int		 fd;		/* its messages, and connections */
	int		 port;		/* on the relay's loopback; 0: down */
	time_t		 started;
	char		*label;		/* host, or host:port */
	char		*why;		/* why it is down */
	struct conf_relay conf;		/* as at start: a reload keeps it */
};

/* The command line, which wins over the file. */
struct cli {
	const char	*binds[TETHERD_MAX_LISTEN];
	int		 nbinds;
	int		 port;		/* -1: not given */
	const char	*state_dir;
	const char	*log_dir;
	int		 no_message;
	int		 debug;
	const char	*file;
	int		 file_given;
	int		 test;		/* -t */
	int		 dump;		/* -T */
};

struct agent {
	struct cli	 cli;
	struct config	 conf;		/* file and command line, merged */
	struct catalog	 catalog;
	ssh_key		*keys;		/* authorized_keys */
	int		 nkeys;

	/* The ticket (unless unattended) and everything derived from it. */
	int		 unattended;
	struct ticket	 ticket;
	struct kdf_params kdf;
	ssh_key		 hostkey;
	char		*hostkey_text;	/* its private half, for sessions */
	char		*fingerprint;
	char		*banner;
	time_t		 created;
	time_t		 expires;

	/* Runtime. */
	uid_t		 privsep_uid;
	gid_t		 privsep_gid;
	char		*privsep_dir;	/* empty, root's: the session's root */
	char		*exe;		/* this program, for the session */
	struct listener	 listeners[TETHERD_MAX_LISTEN];
	int		 nlisteners;
	int		 bound_port;
	char		**ips;
	int		 nips;
	int		 addr_fd;	/* address changes (netlink), or -1 */
	char		 host[256];
	const char	*state;
	const char	*end_reason;	/* set: end everything now */
	int		 tty;		/* the status screen takes keys */
	int		 expired;	/* on_expiry end: no new connections */
	struct conn	 conns[TETHERD_MAX_CHILDREN];
	int		 nconns;

	/* Relays (relay.c). */
	struct relay	 relays[TETHERD_MAX_RELAYS];
	int		 nrelays;

	/* LAN discovery (disc.c). */
	int		 disc_fds[TETHERD_MAX_LISTEN];
	int		 ndisc;
	uint64_t	 disc_tokens;	/* thousandths of a reply */
	uint64_t	 disc_last_ms;
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
	struct sftppace	*pace;		/* the sftp server's requests */

	char		*reply;		/* a verb's output, sent after the
					   request has been answered */
	size_t		 replylen;
	char		*reply_err;
	int		 reply_status;

	int		 finished;	/* exit status, EOF and close sent */
	int		 welcome;	/* the welcome text is still to send */
	int		 end_after;	/* the end verb: tell the listener */
	struct record	*rec;		/* asciicast of a pty session */

	/* A verb run in its own process: stdout is the channel. */
	int		 (*verb)(struct chan *, int, char **, char **);
	int		 verb_argc;
	char		**verb_argv;
	char		*extra_env[8];	/* TETHER_ROOT and the like */
	int		 nextra_env;

	/* A catalog tool: its name, for the audit, and its time limit. */
	char		*tool;
	struct timespec	 deadline;
	int		 timed_out;	/* 1: TERM sent; 2: KILL sent */

	int		 forward;	/* a direct-tcpip relay: fds a socket */
	uint32_t	 id;		/* the monitor's name for the process */
	int		 reported;	/* the monitor told the session it ended */

	/* A console that may outlive its connection (hold.c). */
	struct hold_ring *ring;		/* its recent output, shared */
	int		 ring_fd;	/* monitor: the ring's memfd */
	int		 hold_master;	/* monitor: its own copy of the pty */
	int		 hold_fd;	/* monitor: to the holder it came from */
	int		 keep;		/* session: the monitor decides its end */
	char		*replay;	/* session: to write before the output */
	size_t		 replaylen;
	long long	 rec_ms;	/* the recording's clock so far */
	struct watch	*watch;		/* its watchers, or what it watches
					   (watch.c) */
};

/*
 * One authenticated-or-not SSH connection. Two processes hold one each:
 * the unprivileged session process (with the libssh session) and the root
 * monitor (with report_fd, and chans that hold processes, not channels).
 */
struct sess {
	struct agent	*ag;
	ssh_session	 session;
	ssh_event	 event;
	struct ssh_server_callbacks_struct cb;
	char		*from;
	char		*user;
	char		*cred;		/* monitor: "ticket", or "key " and its
					   fingerprint: who may attach */
	char		 id[17];
	int		 authenticated;
	int		 auth_tries;
	int		 none_asked;	/* "none" requests so far */
	time_t		 last;		/* last data either way */
	int		 report_fd;
	int		 sig_fd;
	int		 quickack;	/* the client's socket is TCP */
	int		 ending;
	int		 end_after;	/* the end verb ran: end all on exit */
	int		 mon_fd;	/* the other process of this connection */
	uint32_t	 next_id;	/* of the session's next process */
	struct chan	*chans[TETHERD_MAX_CHANNELS];
};

/* msg.c */
#define MSG_MAX		(512 * 1024)	/* an exec command is under 256 KiB */
#define MSG_MAXFDS	4
struct msg {
	uint32_t	 type;
	char		*buf;
	size_t		 len;
	size_t		 size;
	size_t		 off;		/* read position */
	int		 fds[MSG_MAXFDS];
	int		 nfds;
	int		 fdoff;		/* descriptors taken so far */
};

/* monitor.c: what the session asks, and what the monitor answers. */
enum mon_type {
	MON_AUTH_PASSWORD = 1,	/* user, password */
	MON_AUTH_PUBKEY,	/* user, key type, key base64, state */
	MON_AUTH_FAIL,		/* method, user: a try no callback takes */
	MON_AUTH_RESULT,	/* verdict, ending, text */
	MON_START,		/* id, kind, command, pty, term, size, env */
	MON_STARTED,		/* id, rc, flags, reply, error, status; fds */
	MON_CLOSE,		/* id: the channel is gone */
	MON_KILL,		/* id: end its processes */
	MON_EXITED,		/* id, wait status, timed out */
	MON_NOTICE,		/* id, text for the channel's stderr */
	MON_FORWARD,		/* host, port */
	MON_FORWARDED,		/* rc, cause; the socket */
	MON_IDLE,		/* the session ends for idleness */
	MON_SANDBOX,		/* the system call that tripped the sandbox */
	MON_CONFIG,		/* to the session once: what it needs */
	MON_REASON,		/* text: the technician's reason */
	MON_WATCH_DROPPED,	/* id, bytes, resizes, signals, final */

	/* Between a monitor and the listener. */
	MON_L_FAIL,		/* a failed login: may it go on? */
	MON_L_AUTH,		/* user: good credentials: may it in? */
	MON_L_END,		/* the technician ended the remote session */
	MON_L_GO,		/* after a failure: go on */
	MON_L_STOP,		/* after a failure: end this connection */
	MON_L_OK,		/* admitted */
	MON_L_NO,		/* reason: refused */

	/* From a relay's process to the listener. */
	MON_R_UP,		/* port: listening on the relay */
	MON_R_DOWN,		/* seconds to the next try, why */
	MON_R_CONN,		/* port, origin; the connection's socket */
	MON_L_REASON,		/* text: why the technician connects */
	MON_L_DETACHED,		/* only detached consoles are left here */

	/* Between a holder of detached consoles and a monitor (hold.c). */
	MON_H_ATTACH,		/* credential */
	MON_H_GRANT,		/* rc, text, pid, detached for, record ms;
				   fds: pty master, ring, recording */
	MON_H_EXITED,		/* wait status */
	MON_H_KILL,		/* end it */
	MON_H_WATCH,		/* credential, from, session */
	MON_H_WATCHED,		/* rc, text, cols, rows, owner's from;
				   fd: the ring, read-only */

	/* From a monitor to the listener, again. */
	MON_L_WATCH,		/* text: who watches which console */
};
#define MON_DENIED		0
#define MON_PROBE_OK		1	/* the key would do; sign with it */
#define MON_WAIT		2	/* good; the local user decides */
#define MON_OK			3
#define MON_REFUSED		4	/* good, but refused: text says why */
#define MON_START_SHELL		0
#define MON_START_EXEC		1
#define MON_START_SUBSYSTEM	2
#define MON_STARTED_PROC	0x1	/* fds follow: pty master or pipes */
#define MON_STARTED_REPLY	0x2	/* a verb's answer, no process */
#define MON_STARTED_RECORD	0x4	/* a recording's fd follows */
#define MON_STARTED_RING	0x8	/* replay text; the ring's fd follows */
#define MON_STARTED_WATCH	0x10	/* replay text, ring position; the
					   ring's fd, read-only, follows */

/* verbs.c */
/*
 * A verb returns its exit status, with its output (or, if non-zero, its
 * error text) in *out; or VERB_STARTED when it started the channel's
 * process itself. A VERB_FORK verb runs in a child of its own with
 * stdout and stderr on the channel and out NULL, so a long or binary
 * answer gets the channel's flow control.
 */
#define VERB_STARTED	(-1)
#define VERB_FORK	0x1

/* snapcap.c */
/* A framebuffer's layout: from the ioctls, or from a fake_fb mapping. */
struct snap_field {
	uint32_t	 offset;
	uint32_t	 length;
};
struct snap_geom {
	uint32_t	 width;
	uint32_t	 height;
	uint32_t	 bpp;
	uint32_t	 stride;	/* bytes per line, padding included */
	uint32_t	 xoffset;
	uint32_t	 yoffset;
	struct snap_field red, green, blue, transp;
	int		 pseudo;	/* 8 bpp through cmap */
	uint8_t		 cmap[256][3];
	uint64_t	 size;		/* bytes of the memory behind it */
};
/* A captured frame, 8-bit RGB, or a text console. */
struct snap_image {
	uint32_t	 width;
	uint32_t	 height;
	uint8_t		*rgb;
};
struct snap_cell {
	uint32_t	 ch;
	uint8_t		 attr;
};
struct snap_text {
	uint32_t	 rows;
	uint32_t	 cols;
	uint32_t	 cx;
	uint32_t	 cy;
	struct snap_cell *cells;
};
struct snap_png {
	int		 level;
	int		 filter;	/* PNG_FILTER_* or PNG_ALL_FILTERS */
	int		 strategy;	/* Z_RLE, Z_DEFAULT_STRATEGY... */
	int		 palette;	/* filter for <= 256 colours, or 0:
					   always RGB */
	int		 palette_strategy;
	int		 threads;	/* RGB stripes deflated at once; 0:
					   one a CPU, 1: libpng alone */
};
/* A buffer that grows: encoded images, formatted text. */
struct snap_buf {
	uint8_t		*p;
	size_t		 len;
	size_t		 size;
};
/* A rectangle of a frame, in pixels. */
struct snap_rect {
	uint32_t	 x;
	uint32_t	 y;
	uint32_t	 w;
	uint32_t	 h;
};
/* The frame a live-view stream last sent, and its tiles that changed. */
struct snap_tiles {
	struct snap_geom g;
	size_t		 line;		/* bytes of a visible line */
	uint8_t		*prev;		/* visible lines, packed */
	uint32_t	 tw;		/* tiles across and down */
	uint32_t	 th;
	uint8_t		*dirty;		/* tw x th, 1 if changed */
};
#define SNAP_TILE	64
#define SNAP_TILE_MAGIC	"TTV1"
#define SNAP_TILE_HEAD	16		/* bytes of a message's header */
#define SNAP_TILE_RECT	12		/* and of a rectangle's */
#define SNAP_TILE_RESET	0x01		/* the whole frame, start again */
#define SNAP_MAX_SIDE	16384
#define SNAP_VCSA_MAX	(4 + 2 * 256 * 1024)

/* tools.c */
#define TOOL_REFUSED		2	/* run's exit status: bad request */
#define TOOL_UNCONFIRMED	3	/* a destructive tool, not confirmed */

/* root.c */
#define ROOT_OK		0
#define ROOT_LIMITED	1
#define ROOT_UNREADABLE	2
#define ROOT_LOCKED	3	/* a LUKS or BitLocker container */
#define ROOT_UNLOCKED	4
struct root {
	char		*id;
	char		*device;	/* NULL: a roots.extra directory */
	char		*fstype;
	char		*label;
	char		*uuid;
	char		*path;
	char		*subvol;	/* a btrfs root's subvolume, or NULL */
	long long	 size;
	long long	 used;
	char		*os_name;
	char		*os_version;
	int		 health;
	struct strlist problems;
	char		*on;		/* the layers below, as text */
	char		*state;		/* a container: locked, unlocked */
};
struct root_fstab {
	char		*spec;
	char		*file;
	char		*type;
	char		*opts;
	int		 line;		/* in the file, from 1 */
};

/* layer.c (storage layers, the pure half) */
#define LAYER_LVM	1
#define LAYER_LUKS	2
#define LAYER_BITLK	3
#define LAYER_MD	4
#define LAYER_NAME_MAX	256
#define LAYER_TRIES	3	/* wrong passphrases ... */
#define LAYER_TRY_WINDOW 60	/* ... within so many seconds ... */
#define LAYER_TRY_LOCK	60	/* ... lock a container this long */
#define LAYER_KEY_MAX	8192	/* a passphrase or key file, bytes */
struct layer_link {
	int		 kind;
	char		 name[LAYER_NAME_MAX];	/* vg/lv, sda3, md127 */
	char		 level[16];		/* md: raid1 */
	int		 working;		/* md: disks in use ... */
	int		 total;			/* ... of so many */
};
struct layer_tries {
	time_t		 fail[LAYER_TRIES];
	int		 n;
	time_t		 until;
};

/* rootlayer.c (storage layers on the devices) */
#define LAYER_DEPTH	8	/* layers below one root */
struct layer_out {		/* what a program printed */
	char		*out;
	size_t		 outlen;
	char		*err;
	size_t		 errlen;
};
#define LAYER_TPM_SAY	"this volume is bound to the machine's TPM; use its " \
			"recovery passphrase"

/* diagnose.c */
#define DIAG_ERROR	0	/* the system does not boot */
#define DIAG_WARNING	1
#define DIAG_INFO	2
struct diag_dev {
	char		*name;
	char		*type;
	char		*uuid;
	char		*label;
	char		*partuuid;
};
struct diag_finding {
	int		 severity;
	const char	*check;
	char		*what;
	char		*evidence;	/* file:line: text, or $ cmd and output */
	char		*fix_tool;	/* a catalog tool, or NULL */
	char		*fix_arg;
	char		*fix_confirm;
	int		 order;
};
struct diag {
	char		*root;
	int		 rootfd;
	char		*device;	/* the root's own, or NULL */
	char		*fstype;	/* the root's, if known */
	char		*disk;		/* the disk holding device, or NULL */
	struct diag_dev	*devs;		/* the devices a scan sees */
	int		 ndevs;
	struct diag_finding *findings;
	int		 n;
};
struct stat;

/* drivers.c */
struct drivers_alias {
	char		*pattern;	/* fnmatch(3), from modules.alias */
	char		*module;
};
struct drivers_dev {
	char		*bus;
	char		*name;
	char		*modalias;
};

/* limits.c */
void	 limit_key(const char *, char *, size_t);
int	 limit_same_source(const char *, const char *);
int	 limit_refused(const char *, time_t);
int	 limit_fail(const struct conf_per_source *, const char *, time_t);
int	 limit_noauth(const struct conf_per_source *, const char *, time_t);
int	 limit_guess(const struct conf_guesses *, double);
int	 limit_drop_startup(const struct conf_startups *, int);

/* main.c */
int	 main_configure(struct agent *, struct conf_errors *);
void	 main_rotate(struct agent *, const char *);
void	 main_addresses(struct agent *);

/* server.c */
void	 server_listen(struct agent *);
int	 server_loop(struct agent *);
void	 server_take(struct agent *, int, char *, int, int, const sigset_t *,
	     int);

/* relaykey.c */
int	 relaykey_check(const char *, char **);
char	*relaykey_read(const char *, char **);
int	 relaykey_ok(const char *, ssh_key, char **);
void	 relaykey_want_type(ssh_session, const char *);

/* relay.c */
void	 relay_start(struct agent *);
void	 relay_stop(struct agent *);
void	 relay_close_fds(struct agent *);
int	 relay_reaped(struct agent *, pid_t);
int	 relay_input(struct agent *, struct relay *, char **, int *);
void	 relay_status(struct agent *);
void	 relay_yaml(struct yw *, struct agent *);
int	 relay_pids(struct agent *, pid_t *, int);

/* reason.c */
int	 reason_valid(const char *);
void	 reason_clean(char *);
int	 reason_send(struct sess *, const char *);
int	 reason_set(struct sess *, const char *);
const char *reason_get(void);
int	 reason_missing(struct chan *, const char *);
void	 reason_report(struct agent *, struct conn *, const char *);

/* session.c */
int	 session_main(int, char **);
void	 session_report(struct sess *, const char *, ...) printflike(2, 3);
int	 session_term_ok(const char *);
int	 session_env_name_ok(const char *);
struct chan *session_chan_new(struct sess *);
void	 session_chan_free(struct sess *, struct chan *);
void	 session_chan_callbacks(struct chan *, int);

/* forward.c */
int	 forward_connect(const char *, int, const char **);
int	 forward_message(ssh_session, ssh_message, void *);

/* msg.c */
void	 msg_init(struct msg *, uint32_t);
void	 msg_put_u32(struct msg *, uint32_t);
void	 msg_put_data(struct msg *, const void *, size_t);
void	 msg_put_str(struct msg *, const char *);
void	 msg_put_fd(struct msg *, int);
int	 msg_get_u32(struct msg *, uint32_t *);
int	 msg_get_int(struct msg *, int *);
int	 msg_get_data(struct msg *, char **, size_t *);
int	 msg_get_str(struct msg *, char **);
int	 msg_take_fd(struct msg *);
void	 msg_free(struct msg *);
int	 msg_send(int, struct msg *);
void	 msg_set_wait(int);
int	 msg_pending(int);
int	 msg_recv(int, struct msg *);

/* monitor.c */
dead void monitor_serve(struct agent *, int, const char *, int);
int	 monitor_dispatch(struct sess *, struct msg *);

/* hold.c */
#define HOLD_RING_SIZE	(64 * 1024)
#define HOLD_ID_MAX	32
struct hold_ring {
	uint64_t	 total;		/* bytes ever put */
	char		 data[HOLD_RING_SIZE];
};
struct sockaddr_un;
/* A console, as its record in state_dir/consoles says. */
struct hold_rec {
	char		*id;
	char		*user;
	char		*from;
	char		*cred;
	time_t		 started;
	time_t		 detached;
	time_t		 attached;	/* in its first connection, watchable */
	long		 pid;
};
struct hold_ring *hold_ring_new(int *);
struct hold_ring *hold_ring_map(int);
void	 hold_ring_put(struct hold_ring *, const void *, size_t);
char	*hold_ring_get(struct hold_ring *, size_t *);
void	 hold_ring_free(struct hold_ring *);
int	 hold_keep(struct chan *);
void	 hold_chan_free(struct chan *);
int	 hold_held(struct sess *);
dead void hold_run(struct sess *, int);
void	 hold_release(struct chan *, int);
int	 hold_event(struct chan *);
int	 hold_verb_attach(struct chan *, int, char **, char **);
int	 hold_verb_consoles(struct chan *, int, char **, char **);
char	*hold_dir(struct agent *);
int	 hold_id_ok(const char *);
void	 hold_sweep(struct agent *);
int	 hold_verb_check(struct chan *, const char *, int, char **, char **);
int	 hold_sockaddr(struct sockaddr_un *, const char *, const char *);
int	 hold_recv(int, struct msg *);
int	 hold_scan(struct sess *, void (*)(struct hold_rec *, void *), void *,
	    char **);
void	 hold_rec_free(struct hold_rec *);
void	 hold_record(struct chan *, const char *, const char *, time_t,
	    time_t, time_t);
void	 hold_unlink(const char *, const char *);

/* watch.c */
struct pollfd;
#define WATCH_MAX	4	/* watchers of one console */
#define WATCH_POLL_MAX	(TETHERD_MAX_CHANNELS * (1 + WATCH_MAX))
#define WATCH_TICK_MS	25	/* how often a watcher looks for output */
size_t	 watch_ring_copy(const struct hold_ring *, uint64_t, char *, size_t,
	    uint64_t *);
void	 watch_listen(struct chan *);
void	 watch_stop(struct chan *, int);
void	 watch_free(struct chan *);
void	 watch_refuse(int, const char *);
int	 watch_pollfd(struct sess *, struct pollfd *, int);
void	 watch_ready(struct sess *, struct pollfd *, int);
int	 watch_verb(struct chan *, int, char **, char **);
int	 watch_viewing(struct chan *);
int	 watch_started(struct chan *, struct msg *);
int	 watch_dropped(struct sess *, struct msg *);
void	 watch_report(struct agent *, struct conn *, const char *);
int	 watch_session(struct chan *, struct msg *);
void	 watch_pump(struct chan *);
void	 watch_session_end(struct chan *);
uint32_t watch_input(struct chan *, uint32_t);
int	 watch_resize(struct chan *);
int	 watch_poll_ms(struct sess *);

/* monwrap.c */
int	 monwrap_auth_password(struct sess *, const char *, const char *);
int	 monwrap_auth_pubkey(struct sess *, const char *, ssh_key, int);
void	 monwrap_auth_fail(struct sess *, const char *, const char *);
int	 monwrap_start(struct chan *, int, const char *);
void	 monwrap_close(struct chan *);
void	 monwrap_kill(struct chan *);
int	 monwrap_forward(struct sess *, const char *, int, const char **);
void	 monwrap_idle(struct sess *);
int	 monwrap_event(socket_t, int, void *);

/* sandbox.c */
int	 sandbox_prepare(struct agent *, char **);
void	 sandbox_enter(int, const char *, uid_t, gid_t);
void	 sandbox_cleanup(struct agent *);

/* console.c */
void	 console_pty(struct chan *, int, int, int, int);
int	 console_openpty(struct chan *);
void	 console_resize(struct chan *, int, int, int, int);
int	 console_start(struct chan *, const char *, char *const *);
uint32_t console_take(struct chan *, const void *, uint32_t);
void	 console_input(struct chan *);
void	 console_flow(struct chan *);
void	 console_output(struct chan *);
void	 console_kill(struct chan *);
int	 console_deadline(struct chan *, char *, size_t);
int	 console_relay(struct chan *, int);
void	 console_close(struct chan *);
void	 console_free(struct sess *, struct chan *);

/* sftppace.c */
struct sftppace	*sftppace_new(void);
void	 sftppace_free(struct sftppace *);
size_t	 sftppace_room(const struct sftppace *, const void *, size_t);
void	 sftppace_sent(struct sftppace *, const void *, size_t);
void	 sftppace_replied(struct sftppace *, const void *, size_t);

/* procscan.c */
int	 procscan_signal_session(pid_t, int);
int	 procscan_orphans(const pid_t *, int);

/* verbs.c */
int	 verbs_exec(struct chan *, const char *);
int	 verbs_no_reason(struct chan *);

/* snapcap.c */
int	 snap_geom_check(const struct snap_geom *, char **);
void	 snap_capture(const struct snap_geom *, const uint8_t *,
	     struct snap_image *, uint64_t *);
const uint8_t *snap_visible(const struct snap_geom *, const uint8_t *);
uint64_t snap_hash(const struct snap_geom *, const uint8_t *, size_t);
uint64_t snap_hash_bytes(const void *, size_t);
int	 snap_fb_map(const char *, struct snap_geom *, const uint8_t **,
	     char **);
int	 snap_fake_map(const struct conf_fake_fb *, struct snap_geom *,
	     const uint8_t **, char **);
void	 snap_unmap(const struct snap_geom *, const uint8_t *);
int	 snap_fake_open(const struct conf_fake_fb *, struct snap_geom *,
	     struct snap_image *, char **);
void	 snap_convert(const struct snap_geom *, const uint8_t *, size_t,
	     const struct snap_rect *, struct snap_image *);
void	 snap_image_free(struct snap_image *);

/* snappng.c */
extern const struct snap_png snap_png_default;
int	 snap_encode_png(const struct snap_image *, const struct snap_png *,
	     uint8_t **, size_t *, char **);
char	*snap_encode_ppm(const struct snap_image *, size_t *);

/* snaptext.c */
int	 snap_vc_parse(const uint8_t *, size_t, const uint8_t *, size_t,
	     struct snap_text *, char **);
int	 snap_vc_read(const char *, const char *, struct snap_text *, char **);
char	*snap_text_format(const struct snap_text *, int, size_t *);
void	 snap_text_free(struct snap_text *);

/* snaptile.c */
void	 snap_tiles_init(struct snap_tiles *);
void	 snap_tiles_free(struct snap_tiles *);
int	 snap_tiles_diff(struct snap_tiles *, const struct snap_geom *,
	     const uint8_t *, int);
int	 snap_tiles_rects(const struct snap_tiles *, struct snap_rect *, int);
int	 snap_tiles_message(struct snap_tiles *, int, struct snap_buf *,
	     char **);

/* snapverb.c */
int	 snap_verb(struct chan *, int, char **, char **);
void	 snap_verb_audit(struct chan *, int, char **);

/* config.c */
extern const char *config_facilities[];
void	 config_defaults(struct config *);
void	 config_free(struct config *);
int	 config_tools_default(const struct config *);
int	 config_user(const char *, uid_t *, gid_t *, char **);
int	 config_load(const char *, struct config *, struct conf_errors *);
char	*config_print(const struct config *);
int	 config_split_listen(const char *, char *, size_t, int *, char **);
void	 config_relay_boot(struct config *, const char *);

/* tools.c */
int	 tools_load(const struct strlist *, int, struct catalog *,
	     struct conf_errors *);
void	 tools_free(struct catalog *);
void	 tool_free(struct tool *);
char	*tools_print(const struct catalog *);
char	*tool_unavailable(const struct tool *, const char *);
char	*tools_list(const struct catalog *, const char *);
char	**tool_prepare(const struct catalog *, int, char **, const char *,
	     const struct tool **, char **, int *);

/* root.c */
void	 root_free(struct root *);
void	 root_free_all(struct root *, int);
int	 root_verb(struct chan *, int, char **, char **);
int	 root_enter(struct chan *, int);
char	*root_current_path(const char *);

/* rootscan.c */
struct root *root_scan(struct agent *, const char *, int *);
int	 root_scan_wanted(const struct agent *, const char *);

/* layer.c (storage layers, the pure half) */
int	 layer_vg_name_ok(const char *);
int	 layer_pvs_parse(const char *, struct strlist *, char **);
int	 layer_lvs_active(const char *, const char *);
int	 layer_luks_tpm(const char *);
int	 layer_dm_lvname(const char *, char *, size_t);
char	*layer_chain_text(const struct layer_link *, int);
char	*layer_md_problem(const struct layer_link *);
int	 layer_tries_left(const struct layer_tries *, time_t);
int	 layer_tries_fail(struct layer_tries *, time_t);
void	 layer_tries_ok(struct layer_tries *);
size_t	 layer_key_len(const char *, size_t, int);
const char *layer_crypt_status(int);

/* rootlayer.c (storage layers on the devices) */
int	 layer_run(char *const *, const void *, size_t, struct layer_out *);
void	 layer_out_free(struct layer_out *);
const char *layer_out_why(struct layer_out *);
int	 layer_journal_add(const char *, const char *, const char *);
void	 layer_journal_del(const char *, const char *, const char *);
int	 layer_kname(const char *, char *, size_t);
int	 layer_sys(const char *, const char *, char *, size_t);
void	 layer_sys_list(const char *, const char *, struct strlist *);
void	 layer_find(const struct agent *, const char *, struct strlist *,
	     struct strlist *);
int	 layer_vgchange(struct agent *, const char *, int);
int	 layer_link_dm(const char *, const char *, struct layer_link *);
void	 layer_scan(struct agent *, const char *);
int	 layer_wanted(const struct agent *, const char *);
void	 layer_describe(struct root *);
int	 layer_writable(struct agent *, const struct root *, char **);
void	 layer_cleanup(struct agent *, const char *);

/* rootcrypt.c */
int	 layer_container(const char *, struct root *);
int	 layer_unlock(struct agent *, const char *, const char *, int,
	     char **);
int	 layer_lock(struct agent *, const char *, const char *, char **);

/* mountlog.c */
int	 root_write_file(const char *, const char *, const char *, char **);
int	 root_read_yaml(const char *, const char *, yaml_document_t *);
void	 root_journal_read(const char *, struct strlist *);
int	 root_journal_add(const char *, const char *, char **);
void	 root_journal_del(const char *, const char *);
int	 root_lock(const char *, char **);
int	 root_mount(struct agent *, const char *, const char *, const char *,
	     const char *, unsigned long, const char *, char **);
int	 root_mount_ntfs(struct agent *, const char *, const char *,
	     const char *, char **);
int	 root_unmount(struct agent *, const char *, const char *, char **);
void	 root_cleanup(struct agent *);

/* rootlog.c */
#define ROOT_LOG_CLEAN	0
#define ROOT_LOG_DIRTY	1
int	 root_log_state(const char *, const char *, char **);
int	 root_log_xfs(int, char **);
int	 root_log_ext(int, char **);

/* roothealth.c */
void	 root_problem(struct root *, const char *, ...) printflike(2, 3);
void	 root_health(struct root *);
const char *root_health_name(int);

/* rootpath.c */
int	 root_openat(int, const char *, int);
FILE	*root_fopen(int, const char *);
int	 root_safe_dir(const char *, const char *, char **);

/* rootfile.c */
int	 root_fstype_linux(const char *);
int	 root_windows(const struct root *);
int	 root_fstype_virtual(const char *);
int	 root_fstab_type_ok(const char *);
int	 root_data_ok(const char *, char **);
void	 root_unescape(char *);
int	 root_mount_options(const char *, unsigned long *, char **, int *);
int	 root_fstab_parse(FILE *, struct root_fstab **, int *, char **);
void	 root_fstab_free(struct root_fstab *, int);
int	 root_os_release(FILE *, char **, char **);
int	 root_check_colon(FILE *, int, unsigned int, char **);
int	 root_check_dpkg(FILE *, char **);

/* diagnose.c */
int	 diag_open(struct diag *, const char *, const char *, char **);
void	 diag_device_add(struct diag *, const char *, const char *,
	     const char *, const char *, const char *);
void	 diag_devices_blkid(struct diag *);
const struct diag_dev *diag_device_find(const struct diag *, const char *);
int	 diag_cmd(char *const *, char **);
void	 diag_run(struct diag *);
void	 diag_yaml(struct yw *, const struct diag *);
void	 diag_free(struct diag *);
const char *diag_severity_name(int);
char	*diag_report(const char *, const char *, int *);
int	 diag_main(int, char **);
struct diag_finding *diag_add(struct diag *, int, const char *, const char *,
	     const char *, ...) printflike(5, 6);
void	 diag_fix(struct diag_finding *, const char *, const char *,
	     const char *);
int	 diag_stat(const struct diag *, const char *, struct stat *);
FILE	*diag_fopen(const struct diag *, const char *);
int	 diag_fstab(struct diag *, struct root_fstab **, int *, int);
int	 diag_has_opt(const char *, const char *);
char	*diag_fstab_evidence(const struct root_fstab *);
char	*diag_cmd_evidence(char *const *, const char *, int);

/* diagboot.c */
void	 diag_check_fstab(struct diag *);
void	 diag_check_boot(struct diag *);
void	 diag_check_init(struct diag *);

/* diagsys.c */
void	 diag_check_filesystems(struct diag *);
void	 diag_check_accounts(struct diag *);
void	 diag_check_lastboot(struct diag *);
char	*diag_fs_evidence(char *const *, const char *);

/* drivers.c */
int	 drivers_aliases(const char *, struct drivers_alias **, int *,
	     char **);
void	 drivers_aliases_free(struct drivers_alias *, int);
const char *drivers_match(const struct drivers_alias *, int, const char *);
int	 drivers_unbound(const char *, struct drivers_dev **, int *);
void	 drivers_devs_free(struct drivers_dev *, int);
int	 drivers_signed(const char *);
int	 drivers_main(int, char **);

/* keyboard.c */
int	 keyboard_name_ok(const char *);
int	 keyboard_set(const char *, char **);
char	*keyboard_boot_layout(const char *, const char *);
int	 keyboard_main(int, char **);

/* audit.c */
int	 audit_mkdirs(const char *);
int	 audit_safe_dir(const char *, char **);
void	 audit_open(struct agent *);
void	 audit(struct agent *, const char *, ...)
	     __attribute__((sentinel));

/* auth.c */
int	 auth_parse_key(const char *, ssh_key *, char **);
int	 auth_load_keys(const struct strlist *, ssh_key **, int *,
	     struct conf_errors *);
void	 auth_free_keys(ssh_key *, int);
int	 auth_key_allowed(ssh_key *, int, ssh_key);
int	 auth_host_key(const char *, ssh_key *, char **);

/* record.c */
struct record *record_start(struct agent *, const char *, const char *,
	     const char *, int, int, const char *);
void	 record_output(struct record *, const char *, size_t);
int	 record_fd(struct record *);
struct record *record_adopt(int, long long);
long long record_ms(struct record *);
void	 record_end(struct record *);

/* wait.c */
int	 wait_main(int, char **);

/* rescue.c */
int	 rescue_main(int, char **);

/* state.c */
int	 state_write(struct agent *, char **);
int	 state_check_dir(const char *, char **);
int	 state_safe_path(const char *, char **);

/* disc.c */
void	 disc_open(struct agent *);
void	 disc_close(struct agent *);
void	 disc_input(struct agent *, int);

/* netinfo.c */
int	 netinfo_ips(char ***);
int	 netinfo_is_any(const struct sockaddr *);
void	 netinfo_watch(struct agent *);
void	 netinfo_changed(struct agent *);

#endif /* TETHERD_H */
