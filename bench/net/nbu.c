// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the user-space programs of kasync's network benchmark.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include "nbu.h"

void nbu_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

uint64_t nbu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Raise RLIMIT_NOFILE to at least @n: root may raise the hard limit too
 * (in the VM); where it may not, take what the hard limit allows.
 */
void nbu_nofile(unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= n)
		return;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	if (!setrlimit(RLIMIT_NOFILE, &rl))
		return;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	fprintf(stderr, "warning: RLIMIT_NOFILE is %lu, below the %lu wanted\n",
		(unsigned long)rl.rlim_cur, n);
}

void nbu_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* "a.b.c.d:port" or "port" (127.0.0.1) into @sin; 0 or -1. */
int nbu_addr(const char *s, struct sockaddr_in *sin)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	long port;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (colon) {
		if ((size_t)(colon - s) >= sizeof(host))
			return -1;
		memcpy(host, s, colon - s);
		host[colon - s] = 0;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		s = colon + 1;
	}
	port = strtol(s, NULL, 10);
	if (port <= 0 || port > 65535)
		return -1;
	sin->sin_port = htons(port);
	return 0;
}

int nbu_listen(const struct sockaddr_in *sin, int reuseport, int backlog)
{
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		nbu_die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		nbu_die("SO_REUSEPORT: %s", strerror(errno));
	if (bind(fd, (const struct sockaddr *)sin, sizeof(*sin)))
		nbu_die("bind to port %d: %s", ntohs(sin->sin_port), strerror(errno));
	if (listen(fd, backlog))
		nbu_die("listen: %s", strerror(errno));
	return fd;
}

/*
 * A blocking connect to @dst from 127.0.0.(1 + @src % 8), so that 10,000
 * connections and more never run out of ephemeral ports; with TCP_NODELAY.
 * Returns the socket or -1.
 */
int nbu_connect(const struct sockaddr_in *dst, unsigned int src, int timeout_s)
{
	struct sockaddr_in from = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK + src % 8),
	};
	struct timeval tv = { .tv_sec = timeout_s };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((ntohl(dst->sin_addr.s_addr) >> 24) == 127) {
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)))
			goto fail;
	}
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Close with a reset: no TIME_WAIT left behind to eat ephemeral ports. */
void nbu_abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

int nbu_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/*
 * The servers' thread model: @threads copies of @worker, this thread
 * being the last; returns when this thread's copy does.
 */
void nbu_run_workers(void *(*worker)(void *), int threads)
{
	pthread_t t;
	int i;

	for (i = 1; i < threads; i++)
		if (pthread_create(&t, NULL, worker, NULL))
			nbu_die("pthread_create failed");
	worker(NULL);
}

/* The "alloc" count of /proc/net/sockstat's TCP line: TCP sockets alive. */
long nbu_tcp_alloc(void)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	char line[256];
	long alloc = -1;
	char *p;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strncmp(line, "TCP:", 4) ? NULL : strstr(line, " alloc ");
		if (p)
			alloc = strtol(p + 7, NULL, 10);
	}
	fclose(f);
	return alloc;
}

/* Wait until at most @limit TCP sockets are alive; 0, or -1 on timeout. */
int nbu_tcp_settle(long limit, int timeout_ms)
{
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 50) {
		if (nbu_tcp_alloc() <= limit)
			return 0;
		usleep(50000);
	}
	return -1;
}
