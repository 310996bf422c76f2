/* SPDX-License-Identifier: ISC */

#ifndef COMMON_H
#define COMMON_H

/*
 * Code shared by tetherd and tether: the ticket, the key it derives, the
 * banner that announces the salt, the exec words splitter, YAML helpers.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libssh/libssh.h>
#include <yaml.h>

/* From debian/changelog, the one place the version is kept (Makefile). */
#ifndef TETHER_VERSION
#error "TETHER_VERSION is not defined: build with make"
#endif

#define nitems(a)	(sizeof (a) / sizeof (a)[0])

#define TETHER_PORT		7022
#define TETHER_USER		"tether"

#ifdef __GNUC__
#define printflike(a, b) __attribute__((format(printf, a, b)))
#define dead __attribute__((noreturn))
#else
#define printflike(a, b)
#define dead
#endif

/* xmalloc.c */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) printflike(2, 3);
int	 xvasprintf(char **, const char *, va_list);
void	 freezero(void *, size_t);

/* file.c */
int	 file_write_atomic(const char *, const char *, const void *, size_t,
	     mode_t, char **);
char	*file_read_all(const char *, size_t, size_t *, char **);

/* pngread.c (linked only by what reads PNG) */
uint8_t	*pngread_rgb(const void *, size_t, uint32_t, uint32_t, int,
	     uint32_t *, uint32_t *, char **);

/* readkey.c */
ssize_t	 readkey(const char *, char *, size_t, char **);

/* log.c */
#define LOG_TO_STDERR	0x1
#define LOG_TO_SYSLOG	0x2
void	 log_open(const char *, int, int);
void	 log_set_prefix(const char *);
void	 log_set_fd(int);
int	 log_level(void);
dead void fatal(const char *, ...) printflike(1, 2);
dead void fatalx(const char *, ...) printflike(1, 2);
void	 error(const char *, ...) printflike(1, 2);
void	 info(const char *, ...) printflike(1, 2);
void	 debug(const char *, ...) printflike(1, 2);
void	 log_set_fatal_hook(void (*)(void));
#define LOG_LVL_FATAL	0
#define LOG_LVL_ERROR	1
#define LOG_LVL_INFO	2
#define LOG_LVL_DEBUG	3
void	 log_emit(const char *, int, int, const char *, ...) printflike(4, 5);
dead void log_fatal(const char *, int, const char *, ...) printflike(3, 4);
/* _f: the calling function first; _r: errno's text last (OpenSSH's log.h). */
#define error_f(...)	log_emit(__func__, LOG_LVL_ERROR, 0, __VA_ARGS__)
#define error_r(...)	log_emit(NULL, LOG_LVL_ERROR, 1, __VA_ARGS__)
#define error_fr(...)	log_emit(__func__, LOG_LVL_ERROR, 1, __VA_ARGS__)
#define info_r(...)	log_emit(NULL, LOG_LVL_INFO, 1, __VA_ARGS__)
#define debug_f(...)	log_emit(__func__, LOG_LVL_DEBUG, 0, __VA_ARGS__)
#define debug_r(...)	log_emit(NULL, LOG_LVL_DEBUG, 1, __VA_ARGS__)
#define debug_fr(...)	log_emit(__func__, LOG_LVL_DEBUG, 1, __VA_ARGS__)
#define fatal_f(...)	log_fatal(__func__, 0, __VA_ARGS__)
#define fatal_fr(...)	log_fatal(__func__, 1, __VA_ARGS__)

/* ticket.c */
#define TICKET_DIGITS	12
#define TICKET_TEXT	15	/* NNNN-NNNN-NNNN and NUL */
struct ticket {
	char	digits[TICKET_DIGITS + 1];
};
void	 ticket_new(struct ticket *);
int	 ticket_parse(const char *, struct ticket *, char **);
void	 ticket_format(const struct ticket *, char *, size_t);
int	 ticket_matches(const struct ticket *, const char *);
void	 ticket_clear(struct ticket *);

/* kdf.c */
#define KDF_SALT_LEN	16
#define KDF_SEED_LEN	32
#define KDF_COST	15
#define KDF_COST_MIN	14
#define KDF_COST_MAX	20
struct kdf_params {
	uint8_t	salt[KDF_SALT_LEN];
	int	cost;		/* log2 of scrypt's N */
	int	r;
	int	p;
};
void	 kdf_params_new(struct kdf_params *, int);
int	 kdf_seed(const struct ticket *, const struct kdf_params *,
	     uint8_t *, char **);
int	 kdf_key_from_seed(const uint8_t *, ssh_key *, char **);
int	 kdf_hostkey(const struct ticket *, const struct kdf_params *,
	     ssh_key *, char **);
char	*kdf_fingerprint(ssh_key);

/* wire.c */
#define WIRE_BANNER_MAX	128
char	*wire_banner(const struct kdf_params *);
int	 wire_banner_parse(const char *, struct kdf_params *, char **);
char	*wire_b64url(const uint8_t *, size_t);
int	 wire_unb64url(const char *, uint8_t *, size_t);

/* words.c */
#define WORDS_MAX_LINE	4096
#define WORDS_MAX	256
int	 words_split(const char *, size_t, int *, char ***, char **);
void	 words_free(int, char **);
char	*words_first(const char *);

/* yaml.c */
struct yw;
struct yw *yw_new(void);
void	 yw_map(struct yw *);
void	 yw_seq(struct yw *);
void	 yw_flow_seq(struct yw *);
void	 yw_end(struct yw *);
void	 yw_str(struct yw *, const char *);
void	 yw_int(struct yw *, long long);
void	 yw_bool(struct yw *, int);
void	 yw_null(struct yw *);
void	 yw_kv(struct yw *, const char *, const char *);
void	 yw_kvint(struct yw *, const char *, long long);
void	 yw_kvbool(struct yw *, const char *, int);
void	 yw_kvtime(struct yw *, const char *, time_t);
void	 yw_kvlist(struct yw *, const char *, char **, int);
char	*yw_finish(struct yw *, size_t *);

int	 yr_load(const char *, size_t, yaml_document_t *, char **);
yaml_node_t *yr_root(yaml_document_t *);
yaml_node_t *yr_get(yaml_document_t *, yaml_node_t *, const char *);
const char *yr_scalar(yaml_node_t *);
yaml_node_t *yr_path(yaml_document_t *, const char *);

/* strlist.c */
struct strlist {
	char		**v;
	int		  n;
};
void	 strlist_add(struct strlist *, const char *);
void	 strlist_clear(struct strlist *);
void	 strlist_copy(struct strlist *, const struct strlist *);

/* conf.c */
struct conf_file {
	char		*path;
	char		*text;
	size_t		 len;
	yaml_document_t	 doc;
	int		 loaded;
};
struct conf_errors {
	char		**v;
	int		  n;
};
struct conf_ctx {
	struct conf_file	*file;
	struct conf_errors	*errs;
	void			*arg;
};
struct conf_key;
struct conf_type {
	void	(*parse)(struct conf_ctx *, yaml_node_t *, void *,
		    const struct conf_key *);
	void	(*emit)(struct yw *, const void *, const struct conf_key *);
	void	(*free)(void *, const struct conf_key *);
};
typedef int (*conf_check_fn)(const char *, char **);
/* One key of a mapping: its type, where it goes, its bounds. */
struct conf_key {
	const char		*name;
	const struct conf_type	*type;
	size_t			 off;
	long long		 min;
	long long		 max;
	const void		*arg;	/* sub-table, enum words, "path" */
	conf_check_fn		 check;	/* list items */
};
extern const struct conf_type conf_bool, conf_int, conf_duration, conf_string,
	     conf_list, conf_enum, conf_sub;
int	 conf_load(const char *, struct conf_file *, struct conf_errors *);
void	 conf_file_free(struct conf_file *);
int	 conf_map(struct conf_ctx *, yaml_node_t *, void *,
	     const struct conf_key *);
void	 conf_emit(struct yw *, const void *, const struct conf_key *);
void	 conf_free(void *, const struct conf_key *);
void	 conf_error(struct conf_ctx *, yaml_node_t *, const char *, ...)
	     printflike(3, 4);
void	 conf_error_at(struct conf_ctx *, size_t, size_t, const char *, ...)
	     printflike(4, 5);
void	 conf_error_file(struct conf_errors *, const char *, const char *, ...)
	     printflike(3, 4);
void	 conf_errors_free(struct conf_errors *);
const char *conf_scalar(struct conf_ctx *, yaml_node_t *,
	     const struct conf_key *, const char *);
int	 conf_quoted(yaml_node_t *);
int	 conf_number(struct conf_ctx *, yaml_node_t *, const struct conf_key *,
	     long long *);
int	 conf_parse_duration(const char *, long long *);
void	 conf_format_duration(int, char *, size_t);

/* net.c */
struct in6_addr;
int	 net_parse_port(const char *, int *, char **);
int	 net_parse_ip(const char *, struct sockaddr_storage *, socklen_t *,
	     char **);
int	 net_split_scoped(const char *, struct in6_addr *, char *, size_t);
char	*net_ntop(const struct sockaddr *);
int	 net_sockaddr_port(const struct sockaddr *);

/* discmsg.c */
#define DISC_NONCE_LEN		32	/* hex digits */
#define DISC_REQUEST_LEN	512	/* shorter requests are not answered */
#define DISC_REPLY_MAX		1200
#define DISC_DATAGRAM_MAX	1500
#define DISC_MAX_IPS		16
/* What an agent says about itself in a discovery reply. */
struct disc_info {
	char		 nonce[DISC_NONCE_LEN + 1];
	char		 host[256];
	int		 port;
	char		 ips[DISC_MAX_IPS][64];
	int		 nips;
	struct kdf_params kdf;
	char		 key[128];	/* ssh-ed25519 AAAA... */
	time_t		 expires;
};
void	 disc_nonce_new(char *);
size_t	 disc_request(const char *, uint8_t *, size_t);
int	 disc_request_parse(const uint8_t *, size_t, char *);
char	*disc_reply(const struct disc_info *, size_t *);
int	 disc_reply_parse(const uint8_t *, size_t, struct disc_info *,
	     char **);

#endif /* COMMON_H */
