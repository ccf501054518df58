/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket helpers shared by kasync's networking kselftests (static inline):
 * connecting to a loopback port, full reads and writes with a deadline,
 * raising the descriptor limit, and reading a sample module's parameter.
 */
#ifndef _KASYNC_NET_UTIL_H
#define _KASYNC_NET_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline long long kn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A blocking TCP connection to 127.0.0.1:@port (or ::1), or -errno. */
static inline int kn_connect(int port, int v6)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
		    v6 ? sizeof(a6) : sizeof(a4))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Wait up to @ms for @events on @fd; returns revents, 0 on timeout. */
static inline int kn_wait(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

/* Write all of @buf; 0 or -errno. */
static inline int kn_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Read exactly @len bytes within @ms milliseconds: @len on success, the
 * count read so far on EOF, -ETIMEDOUT or -errno.
 */
static inline ssize_t kn_read_full(int fd, void *buf, size_t len, int ms)
{
	long long end = kn_now_ms() + ms;
	size_t got = 0;

	while (got < len) {
		long long left = end - kn_now_ms();
		ssize_t n;

		if (left <= 0 || !kn_wait(fd, POLLIN, (int)left))
			return -ETIMEDOUT;
		n = recv(fd, (char *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got;
		got += n;
	}
	return got;
}

/*
 * Wait up to @ms for the peer to end the connection: 1 on EOF or reset,
 * 0 if it is still open (data that arrives meanwhile is discarded).
 */
static inline int kn_wait_closed(int fd, int ms)
{
	long long end = kn_now_ms() + ms;
	char buf[512];

	for (;;) {
		long long left = end - kn_now_ms();
		ssize_t n;

		if (left <= 0 || !kn_wait(fd, POLLIN, (int)left))
			return 0;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
	}
}

/* Fill @buf with the bytes that client @id sends in round @round. */
static inline void kn_pattern(char *buf, size_t len, unsigned int id,
			      unsigned int round)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(id * 131 + round * 17 + i * 7);
}

/* Raise RLIMIT_NOFILE to at least @n; 0 or -errno. */
static inline int kn_nofile(rlim_t n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		return -errno;
	if (r.rlim_cur >= n)
		return 0;
	r.rlim_cur = n;
	if (r.rlim_max < n)
		r.rlim_max = n;
	return setrlimit(RLIMIT_NOFILE, &r) ? -errno : 0;
}

/* Write @val to a /proc/sys or /sys file; 0 or -errno. */
static inline int kn_write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(val, f) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/* A module's numeric parameter, from /sys/module/@mod/parameters/@p. */
static inline long long kn_param(const char *mod, const char *p)
{
	char path[256], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, p);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? atoll(buf) : -1;
}

/* Poll kn_param() until it equals @want or @ms passed; the last value. */
static inline long long kn_param_wait(const char *mod, const char *p,
				      long long want, int ms)
{
	long long end = kn_now_ms() + ms, v;

	while ((v = kn_param(mod, p)) != want && kn_now_ms() < end)
		usleep(10 * 1000);
	return v;
}

/* Loopback tuning for thousands of connections; failures are harmless. */
static inline void kn_tune_loopback(void)
{
	kn_write_file("/proc/sys/net/core/somaxconn", "16384");
	kn_write_file("/proc/sys/net/ipv4/tcp_max_syn_backlog", "16384");
	kn_write_file("/proc/sys/net/ipv4/ip_local_port_range", "10000 65001");
	kn_write_file("/proc/sys/fs/nr_open", "1048576");
	/*
	 * 10,000 clients closing at once: the loopback device's per-CPU
	 * backlog (1,000 packets) dropped 61,732 packets on the 6.1 test
	 * kernel, and with more orphaned sockets than tcp_max_orphans (8,192
	 * there) the kernel aborts the excess with an RST that is never
	 * retransmitted.  A lost RST leaves the server's end ESTABLISHED with
	 * no peer, and a case that turned the idle timeout off waits for it
	 * forever.  Loopback must not lose what the cases count on.
	 */
	kn_write_file("/proc/sys/net/core/netdev_max_backlog", "65536");
	kn_write_file("/proc/sys/net/ipv4/tcp_max_orphans", "65536");
}

/*
 * What TCP says about @port's connections, into the test's log: how many
 * are in each state, on each side, and the kernel's counters of dropped,
 * aborted and retransmitted segments.  For a case that waits on the
 * server to see every peer go, to tell a peer's FIN or RST that never
 * arrived (the server's end still ESTABLISHED) from one that arrived and
 * was not acted on (CLOSE-WAIT).
 */
static inline void kn_dump_tcp(int port)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "{ echo 'server side (sport %d):'; "
		 "ss -tanH '( sport = :%d )' | awk '{print $1}' | sort | uniq -c; "
		 "echo 'client side (dport %d):'; "
		 "ss -tanH '( dport = :%d )' | awk '{print $1}' | sort | uniq -c; "
		 "nstat -az 2>/dev/null | grep -E "
		 "'Drop|Abort|Orphan|Challenge|TCPTimeouts|RetransSegs|ListenOverflows|RcvPruned|OfoPruned' "
		 "| awk '$2 != 0'; } 2>&1 | sed 's/^/# /'",
		 port, port, port, port);
	if (system(cmd))
		printf("# kn_dump_tcp: ss or nstat failed\n");
	fflush(stdout);
}

/* 127.0.0.1:@port (or [::1]:@port) in @ss; returns the address's length. */
static inline socklen_t kn_loopback_addr(int port, int v6,
					 struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		a6->sin6_addr = in6addr_loopback;
		return sizeof(*a6);
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*a4);
}

/*
 * A UDP socket connected to 127.0.0.1:@port (or ::1), or -errno.  Being
 * connected, it receives only datagrams from that address and port.
 */
static inline int kn_udp_connect(int port, int v6)
{
	struct sockaddr_storage ss;
	socklen_t len = kn_loopback_addr(port, v6, &ss);
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * Receive one datagram within @ms: its length (0 for an empty datagram,
 * at most @len), -ETIMEDOUT or -errno.
 */
static inline ssize_t kn_recv_dgram(int fd, void *buf, size_t len, int ms)
{
	long long end = kn_now_ms() + ms;

	for (;;) {
		long long left = end - kn_now_ms();
		ssize_t n;

		if (left <= 0 || !kn_wait(fd, POLLIN, (int)left))
			return -ETIMEDOUT;
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

/*
 * Wait up to @ms for the peer to end the connection (FIN or reset)
 * without reading anything: 1 if it did, 0 if it is still open.  Unlike
 * kn_wait_closed(), reading nothing lets the peer make no progress.
 */
static inline int kn_wait_gone(int fd, int ms)
{
	return !!(kn_wait(fd, POLLRDHUP, ms) & (POLLRDHUP | POLLERR | POLLHUP));
}

/*
 * Write to @fd without reading until the peer has taken nothing for
 * @ms: the bytes written, or -errno (-ECONNRESET, -EPIPE: the peer ended
 * the connection meanwhile).
 */
static inline long long kn_flood(int fd, int ms)
{
	static char junk[65536];
	long long total = 0;

	for (;;) {
		ssize_t n = send(fd, junk, sizeof(junk),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			total += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		if (!(kn_wait(fd, POLLOUT, ms) & POLLOUT))
			return total;
	}
}

#endif /* _KASYNC_NET_UTIL_H */
