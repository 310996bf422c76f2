/* SPDX-License-Identifier: ISC */

/*
 * The session process's cell: an empty root-owned directory as its root,
 * an unprivileged user, no way to gain privileges back, and a seccomp
 * allow-list. It is entered before the first byte from the client is read.
 */

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/ioctl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tetherd.h"


/*
 * What libssh, the relay and the log need once keys are exchanged. The
 * rest kills the process, but for what glibc tries now and then on its
 * own (a time zone file, a syslog reconnect): those fail as refused.
 */
static const int sandbox_allow[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close),
	SCMP_SYS(shutdown), SCMP_SYS(brk), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex),
	SCMP_SYS(getrandom), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(nanosleep), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigaction), SCMP_SYS(alarm), SCMP_SYS(setitimer),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getppid),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(restart_syscall),
};

/* A sanitizer's runtime needs these for its own work and its report. */
static const int sandbox_allow_sanitizer[] = {
	SCMP_SYS(sigaltstack), SCMP_SYS(sched_yield), SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64), SCMP_SYS(readlink), SCMP_SYS(mprotect),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(pipe2), SCMP_SYS(wait4),
	SCMP_SYS(prctl), SCMP_SYS(uname),
};

static const int sandbox_refuse[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(socket), SCMP_SYS(connect),
	SCMP_SYS(stat), SCMP_SYS(access), SCMP_SYS(faccessat),
};

/*
 * Flags and copies of descriptors, nothing else: F_SETOWN and F_SETSIG
 * would let it signal any process of its user, the other sessions too.
 */
static const int sandbox_fcntls[] = {
	F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD_CLOEXEC,
};

/* Terminal sizes, non-blocking mode, and what isatty() asks. */
static const unsigned long sandbox_ioctls[] = {
	TIOCSWINSZ, TIOCGWINSZ, FIONREAD, FIONBIO, TCGETS,
};

static int	 sandbox_mon_fd = -1;

static int
sandbox_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return (1);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
	return (1);
#else
	return (0);
#endif
#else
	return (0);
#endif
}

static int
sandbox_empty(const char *dir)
{
	struct dirent	*d;
	DIR		*dp;
	int		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return (0);
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	}
	closedir(dp);
	return (n == 0);
}

/*
 * Before any connection: the user, and the directory the session is shut
 * in (state_dir/empty, 0555, root's, and empty: nothing to find in it).
 */
int
sandbox_prepare(struct agent *ag, char **cause)
{
	struct stat	 sb;
	char		*dir;

	if (config_user(ag->conf.privsep_user, &ag->privsep_uid,
	    &ag->privsep_gid, cause) != 0)
		return (-1);
	/* Not root: no chroot and no other user; the filter still holds. */
	if (geteuid() != 0) {
		info("not running as root: the session process keeps uid %ld "
		    "and its root directory", (long)geteuid());
		return (0);
	}
	xasprintf(&dir, "%s/empty", ag->conf.state_dir);
	if (mkdir(dir, 0555) != 0 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return (-1);
	}
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != 0 ||
	    (sb.st_mode & 0222) != 0 || !sandbox_empty(dir)) {
		xasprintf(cause, "%s: must be an empty directory, root's, "
		    "mode 0555", dir);
		free(dir);
		return (-1);
	}
	free(ag->privsep_dir);
	ag->privsep_dir = dir;
	return (0);
}

/* Every connection has ended: the directory goes with the agent. */
void
sandbox_cleanup(struct agent *ag)
{
	if (ag->privsep_dir != NULL && rmdir(ag->privsep_dir) != 0 &&
	    errno != ENOENT)
		debug_r("rmdir %s", ag->privsep_dir);
	free(ag->privsep_dir);
	ag->privsep_dir = NULL;
}

/*
 * A forbidden call: tell the monitor which, then die of SIGSYS. Only
 * async-signal-safe calls, each of them allowed by the filter.
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	uint32_t	 m[3];

	(void)ctx;
	m[0] = MON_SANDBOX;
	m[1] = sizeof m[2];
	m[2] = (uint32_t)si->si_syscall;
	if (sandbox_mon_fd != -1 && write(sandbox_mon_fd, m, sizeof m) < 0)
		m[0] = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
sandbox_rules(scmp_filter_ctx ctx, const int *calls, size_t n,
    uint32_t action)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (seccomp_rule_add(ctx, action, calls[i], 0) != 0)
			fatalx("seccomp rule for call %d", calls[i]);
	}
}

/* Arguments that matter: no executable memory, signals only to itself. */
static void
sandbox_arg_rules(scmp_filter_ctx ctx)
{
	pid_t	 self = getpid();
	size_t	 i;
	int	 rc = 0;

	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!sandbox_sanitized())
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
		    1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2,
	    SCMP_A0(SCMP_CMP_EQ, self, 0), SCMP_A2(SCMP_CMP_EQ, SIGSYS, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 2,
	    SCMP_A0(SCMP_CMP_EQ, self, 0), SCMP_A1(SCMP_CMP_EQ, SIGSYS, 0));
	for (i = 0; i < nitems(sandbox_fcntls); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    SCMP_A1(SCMP_CMP_EQ, sandbox_fcntls[i], 0));
	for (i = 0; i < nitems(sandbox_ioctls); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, sandbox_ioctls[i], 0));
	if (rc != 0)
		fatalx("seccomp argument rules");
}

static void
sandbox_filter(void)
{
	scmp_filter_ctx	 ctx;

	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL)
		fatalx("seccomp_init failed");
	sandbox_rules(ctx, sandbox_allow, nitems(sandbox_allow),
	    SCMP_ACT_ALLOW);
	if (sandbox_sanitized())
		sandbox_rules(ctx, sandbox_allow_sanitizer,
		    nitems(sandbox_allow_sanitizer), SCMP_ACT_ALLOW);
	sandbox_rules(ctx, sandbox_refuse, nitems(sandbox_refuse),
	    SCMP_ACT_ERRNO(EACCES));
	sandbox_arg_rules(ctx);
	if (seccomp_load(ctx) != 0)
		fatalx("cannot load the seccomp filter");
	seccomp_release(ctx);
}

static void
sandbox_drop(const char *dir, uid_t uid, gid_t gid)
{
	if (chroot(dir) != 0 || chdir("/") != 0)
		fatal_fr("chroot %s", dir);
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		fatal_fr("cannot become %ld:%ld", (long)uid, (long)gid);
	if (setuid(0) != -1 || geteuid() != uid)
		fatalx("still root after dropping privileges");
	/* A change of credentials cleared it: the monitor's death ends us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
		_exit(1);
}

/*
 * Shut the calling process in: once this returns it cannot open a file,
 * start a program, or become root again. Failing any step is fatal.
 */
void
sandbox_enter(int mon_fd, const char *dir, uid_t uid, gid_t gid)
{
	struct sigaction	 sa;

	if (dir != NULL)
		sandbox_drop(dir, uid, gid);
	/* No ptrace or core from another process of the same user. */
	if (prctl(PR_SET_DUMPABLE, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal_fr("prctl");
	sandbox_mon_fd = mon_fd;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		fatal_fr("sigaction");
	sandbox_filter();
}
