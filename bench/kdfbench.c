/* SPDX-License-Identifier: ISC */

/*
 * Bench helper, linked against tether's own common objects:
 *   kdfbench time N          time N ticket-to-host-key derivations
 *   kdfbench key T PORT FILE derive the ticket's key for the agent on
 *                            127.0.0.1:PORT and write it as an OpenSSH
 *                            private key, so stock ssh can log in with the
 *                            same publickey method tether(1) uses
 */

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static double
clock_ms(clockid_t id)
{
	struct timespec	 ts;

	clock_gettime(id, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/*
 * One line per run, then a summary line the bench script parses. Wall
 * time is what a technician waits; CPU time is what the derivation costs,
 * and does not grow when other jobs take turns on the CPUs.
 */
static int
kdfbench_time(int n)
{
	struct ticket		 t;
	struct kdf_params	 kp;
	struct rusage		 ru;
	ssh_key			 key;
	double			*ms, *cpu, t0, c0;
	char			*cause;
	int			 i;

	if (n < 1 || n > 1000)
		fatalx("run count %d is outside 1-1000", n);
	ms = xcalloc(n, sizeof *ms);
	cpu = xcalloc(n, sizeof *cpu);
	for (i = 0; i < n; i++) {
		ticket_new(&t);
		kdf_params_new(&kp, KDF_COST);
		t0 = clock_ms(CLOCK_MONOTONIC);
		c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		if (kdf_hostkey(&t, &kp, &key, &cause) != 0)
			fatalx("kdf_hostkey: %s", cause);
		cpu[i] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		ms[i] = clock_ms(CLOCK_MONOTONIC) - t0;
		ssh_key_free(key);
		printf("run %d %.3f ms, cpu %.3f ms\n", i + 1, ms[i], cpu[i]);
	}
	qsort(ms, n, sizeof *ms, cmp_double);
	qsort(cpu, n, sizeof *cpu, cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("kdf cost=%d n=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f "
	    "cpu_median_ms=%.3f cpu_min_ms=%.3f cpu_max_ms=%.3f "
	    "maxrss_kib=%ld scrypt_kib=%llu\n", KDF_COST, n, ms[n / 2], ms[0],
	    ms[n - 1], cpu[n / 2], cpu[0], cpu[n - 1], ru.ru_maxrss,
	    (unsigned long long)(128ULL * 8 * (1ULL << KDF_COST)) / 1024);
	free(ms);
	free(cpu);
	return (0);
}

/* Read the identification line of the agent on 127.0.0.1:port. */
static char *
kdfbench_banner(int port)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 buf[256];
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		fatal("connect 127.0.0.1:%d", port);
	while (len < sizeof buf - 1 && memchr(buf, '\n', len) == NULL) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) != 1)
			fatalx("no banner from 127.0.0.1:%d in 5 s", port);
		if ((n = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
			fatalx("banner from 127.0.0.1:%d cut short", port);
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return (xstrdup(buf));
}

static int
kdfbench_key(const char *text, const char *port_text, const char *path)
{
	struct ticket		 t;
	struct kdf_params	 kp;
	ssh_key			 key;
	char			*banner, *cause;
	int			 port;

	if (ticket_parse(text, &t, &cause) != 0)
		fatalx("ticket: %s", cause);
	if (net_parse_port(port_text, &port, &cause) != 0)
		fatalx("port: %s", cause);
	banner = kdfbench_banner(port);
	if (wire_banner_parse(banner, &kp, &cause) != 0)
		fatalx("banner \"%s\": %s", banner, cause);
	if (kdf_hostkey(&t, &kp, &key, &cause) != 0)
		fatalx("kdf_hostkey: %s", cause);
	unlink(path);
	if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK)
		fatalx("cannot write %s", path);
	if (chmod(path, 0600) != 0)
		fatal("chmod %s", path);
	ssh_key_free(key);
	ticket_clear(&t);
	free(banner);
	return (0);
}

int
main(int argc, char **argv)
{
	log_open("kdfbench", 0, LOG_TO_STDERR);
	if (argc == 3 && strcmp(argv[1], "time") == 0)
		return (kdfbench_time(atoi(argv[2])));
	if (argc == 5 && strcmp(argv[1], "key") == 0)
		return (kdfbench_key(argv[2], argv[3], argv[4]));
	fprintf(stderr, "usage: kdfbench time N\n"
	    "       kdfbench key TICKET PORT FILE\n");
	return (2);
}
