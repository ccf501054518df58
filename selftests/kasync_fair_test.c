// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: what the runtime owes every connection when others
 * are hostile or merely unlucky, seen from user space on loopback.
 *
 *  - A server's close during packet loss still reaches the peer: the
 *    FIN is retransmitted once the loss ends, and no orphaned socket
 *    is left without a timer.
 *  - Clients that stream or pipeline flat out do not starve a small
 *    request on the same CPU: its latency stays within a small multiple
 *    of its latency on a quiet server (compared, not timed).
 *  - Many concurrent streams all make progress.
 *
 * Skips (exit 4) without kasync or the samples.
 */
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define ECHO_KO		"samples/kasync_echo.ko"
#define ECHO		"kasync_echo"
#define ECHO_PORT	7017
#define HTTP_KO		"samples/kasync_http.ko"
#define HTTP		"kasync_http"
#define HTTP_PORT	8090
#define COUNTER_KO	"samples/kasync_counter.ko"
#define COUNTER		"kasync_counter"
#define COUNTER_PORT	8091

/* The loopback interface up or down: 0 or -errno. */
static int lo_set(int up)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	if (!ret) {
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	}
	close(fd);
	return ret;
}

/*
 * Sockets of local port @port that are closing and will never finish:
 * FIN_WAIT1, CLOSING or LAST_ACK (they wait for the peer's ACK of our
 * FIN) with no timer running.  -1 if /proc/net/tcp cannot be read.
 */
static int stuck_orphans(int port)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	int n = 0, i;

	for (i = 0; i < 2; i++) {
		char line[512], local[64];
		unsigned int st, tr, lport;
		FILE *f = fopen(files[i], "r");

		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			/* sl local rem st tx:rx tr:tm->when ... */
			if (sscanf(line, " %*d: %63s %*s %x %*s %x:", local, &st,
				   &tr) != 3)
				continue;
			if (sscanf(strchr(local, ':') + 1, "%x", &lport) != 1 ||
			    (int)lport != port)
				continue;
			if ((st == 0x4 || st == 0xb || st == 0x9) && !tr)
				n++;
		}
		fclose(f);
	}
	return n;
}

static int median(int *v, int n)
{
	int i, j, t;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* ---- flat-out clients --------------------------------------------------- */

#define HOT_MAX		32

/*
 * A client that keeps its connection busy in both directions: one
 * thread writes @req over and over, one reads and discards, until
 * @stop.  The server finds data to read and room to send every time.
 */
struct hot {
	int fd;
	const char *req;
	size_t len;
	int *stop;			/* read with __atomic_load_n() */
	long long got;			/* bytes read */
	long long first_us;		/* when the first byte came, 0: none */
	long long start_us;
	pthread_t wr, rd;
};

static void *hot_writer(void *p)
{
	static __thread char big[65536];
	struct hot *h = p;
	size_t n = sizeof(big), off = 0;
	ssize_t r;

	/* Requests back to back: thousands queued at the server at once. */
	if (h->req)
		for (n = 0; n + h->len <= sizeof(big); n += h->len)
			memcpy(big + n, h->req, h->len);
	while (!__atomic_load_n(h->stop, __ATOMIC_RELAXED)) {
		if (!kn_wait(h->fd, POLLOUT, 100))
			continue;
		r = send(h->fd, big + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (r > 0)
			off = (off + r) % n;	/* whole requests, in order */
	}
	return NULL;
}

static void *hot_reader(void *p)
{
	static __thread char buf[65536];
	struct hot *h = p;
	ssize_t n;

	while (!__atomic_load_n(h->stop, __ATOMIC_RELAXED)) {
		if (!kn_wait(h->fd, POLLIN, 100))
			continue;
		n = recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (n > 0 && !h->got)
			h->first_us = now_us();
		if (n > 0)
			h->got += n;
	}
	return NULL;
}

static int hot_start(struct hot *h, int port, const char *req,
		     int *stop)
{
	int one = 1;

	h->fd = kn_connect(port, 0);
	if (h->fd < 0)
		return h->fd;
	fcntl(h->fd, F_SETFL, O_NONBLOCK);
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	h->req = req;
	h->len = req ? strlen(req) : 0;
	h->stop = stop;
	h->start_us = now_us();
	if (pthread_create(&h->wr, NULL, hot_writer, h))
		return -1;
	if (pthread_create(&h->rd, NULL, hot_reader, h))
		return -1;
	return 0;
}

static void hot_stop(struct hot *h, int n, int *stop)
{
	int i;

	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		pthread_join(h[i].wr, NULL);
		pthread_join(h[i].rd, NULL);
		close(h[i].fd);
	}
}

/* ---- the probes --------------------------------------------------------- */

/* One echo round trip of 32 bytes on @fd, in microseconds; -1: failed. */
static int echo_rtt(int fd)
{
	char out[32], in[32];
	long long t0 = now_us();

	memset(out, 'p', sizeof(out));
	if (kn_write_all(fd, out, sizeof(out)) ||
	    kn_read_full(fd, in, sizeof(in), 20000) != sizeof(in) ||
	    memcmp(in, out, sizeof(in)))
		return -1;
	return (int)(now_us() - t0);
}

/* One "GET /" on a fresh connection, answered 200, in microseconds. */
static int http_get(int port)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	long long t0 = now_us();
	char buf[1024];
	int fd = kn_connect(port, 0), ret = -1;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = 0;
	if (!kn_write_all(fd, req, sizeof(req) - 1) &&
	    kn_wait(fd, POLLIN, 20000))
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n > 12) {
		buf[n] = '\0';
		if (!strncmp(buf, "HTTP/1.1 200", 12))
			ret = (int)(now_us() - t0);
	}
	close(fd);
	return ret;
}

#define PROBES	30

/*
 * Median latency of PROBES probes, each on a quiet moment of its own
 * (-1 if one failed); the worst is stored in *@worst.
 */
static int probe_median(int echo_fd, int http_port, int *worst)
{
	int v[PROBES], i;

	*worst = 0;
	for (i = 0; i < PROBES; i++) {
		v[i] = echo_fd >= 0 ? echo_rtt(echo_fd) : http_get(http_port);
		if (v[i] < 0)
			return -1;
		if (v[i] > *worst)
			*worst = v[i];
		usleep(2000);
	}
	return median(v, PROBES);
}

/*
 * How much slower a probe may be next to flat-out clients than on a
 * quiet server.  Without the cooperative budget it waited for seconds
 * (tens of thousands of times its quiet latency); with it, it waits at
 * most a few budget-long polls of the hot tasks, and for CPU time shared
 * with the hot clients' threads in the same 2-CPU VM.
 */
#define SLOWDOWN_MAX	25

FIXTURE(fair) {
	int echo, http, counter;
	int stop;
	struct hot hot[HOT_MAX];
	int nhot;
};

FIXTURE_SETUP(fair)
{
	if (access(ECHO_KO, R_OK) || access(HTTP_KO, R_OK) ||
	    access(COUNTER_KO, R_OK))
		SKIP(return, "samples not built");
	ks_unload(ECHO);
	ks_unload(HTTP);
	ks_unload(COUNTER);
	ASSERT_EQ(0, lo_set(1));
	ASSERT_EQ(0, kn_nofile(4096));
}

FIXTURE_TEARDOWN(fair)
{
	if (self->nhot)
		hot_stop(self->hot, self->nhot, &self->stop);
	lo_set(1);
	if (self->echo)
		EXPECT_EQ(0, ks_unload(ECHO));
	if (self->http)
		EXPECT_EQ(0, ks_unload(HTTP));
	if (self->counter)
		EXPECT_EQ(0, ks_unload(COUNTER));
}

/* The servers on a per-CPU runtime: every connection on one CPU. */
static void load_echo(struct __test_metadata *_metadata, int *loaded,
		      const char *extra)
{
	char p[256];

	snprintf(p, sizeof(p), "port=%d percpu=1 %s", ECHO_PORT, extra);
	ASSERT_EQ(0, ks_load(ECHO_KO, p));
	*loaded = 1;
}

/*
 * 20 idle clients; the server drops them (idle_ms) while loopback is
 * down, so its FINs are lost.  Once loopback is back, every client must
 * see EOF: the server's sockets keep retransmitting after the close.
 */
TEST_F_TIMEOUT(fair, close_during_loss_reaches_peer, 240)
{
	int fds[20], i, eof = 0, stuck;
	long long end;
	char in[4];

	load_echo(_metadata, &self->echo, "idle_ms=1500");
	for (i = 0; i < 20; i++) {
		fds[i] = kn_connect(ECHO_PORT, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, kn_write_all(fds[i], "ping", 4));
		ASSERT_EQ(4, kn_read_full(fds[i], in, 4, 10000));
	}
	ASSERT_EQ(0, lo_set(0));
	/* The server closes all 20 while nothing gets through. */
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 20000));
	sleep(3);
	ASSERT_EQ(0, lo_set(1));
	/* Retransmits back off: the next may be many seconds away. */
	end = kn_now_ms() + 90000;
	for (i = 0; i < 20; i++)
		eof += kn_wait_closed(fds[i], (int)(end - kn_now_ms()));
	EXPECT_EQ(20, eof) TH_LOG("%d of 20 clients saw EOF", eof);
	stuck = stuck_orphans(ECHO_PORT);
	EXPECT_EQ(0, stuck) TH_LOG("%d closing sockets without a timer", stuck);
	for (i = 0; i < 20; i++)
		close(fds[i]);
	/* And unloading is clean with the orphans still finishing. */
	EXPECT_EQ(0, ks_unload(ECHO));
	self->echo = 0;
}

/*
 * Two clients stream flat out through the echo server; a third does
 * small round trips on the same CPU.  Its median round trip stays within
 * SLOWDOWN_MAX of what it was on the quiet server.
 */
TEST_F_TIMEOUT(fair, streams_do_not_starve_a_probe, 180)
{
	int quiet, busy, worst_q, worst_b, fd;

	load_echo(_metadata, &self->echo, "");
	fd = kn_connect(ECHO_PORT, 0);
	ASSERT_LE(0, fd);
	quiet = probe_median(fd, 0, &worst_q);
	ASSERT_LT(0, quiet);
	for (self->nhot = 0; self->nhot < 2; self->nhot++)
		ASSERT_EQ(0, hot_start(&self->hot[self->nhot], ECHO_PORT, NULL,
				       &self->stop));
	usleep(500 * 1000);
	busy = probe_median(fd, 0, &worst_b);
	TH_LOG("probe round trip: quiet median %d us (worst %d), next to two streams %d us (worst %d)",
	       quiet, worst_q, busy, worst_b);
	EXPECT_LT(0, busy);
	EXPECT_LE(busy, SLOWDOWN_MAX * quiet);
	EXPECT_LT(0, self->hot[0].got);
	EXPECT_LT(0, self->hot[1].got);
	hot_stop(self->hot, self->nhot, &self->stop);
	self->nhot = 0;
	close(fd);
}

/*
 * A client pipelines requests flat out (404s: no counter round trip, so
 * every await of its task is ready at once); a GET / on a new
 * connection on the same CPU is still answered promptly.
 */
TEST_F_TIMEOUT(fair, pipelining_does_not_starve_a_get, 180)
{
	static const char req[] = "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n";
	char p[256];
	int quiet, busy, worst_q, worst_b;

	snprintf(p, sizeof(p), "port=%d", COUNTER_PORT);
	ASSERT_EQ(0, ks_load(COUNTER_KO, p));
	self->counter = 1;
	snprintf(p, sizeof(p), "port=%d percpu=1 counter=127.0.0.1:%d",
		 HTTP_PORT, COUNTER_PORT);
	ASSERT_EQ(0, ks_load(HTTP_KO, p));
	self->http = 1;
	quiet = probe_median(-1, HTTP_PORT, &worst_q);
	ASSERT_LT(0, quiet);
	ASSERT_EQ(0, hot_start(&self->hot[0], HTTP_PORT, req, &self->stop));
	self->nhot = 1;
	usleep(500 * 1000);
	busy = probe_median(-1, HTTP_PORT, &worst_b);
	TH_LOG("GET /: quiet median %d us (worst %d), next to a pipelining client %d us (worst %d)",
	       quiet, worst_q, busy, worst_b);
	EXPECT_LT(0, busy);
	EXPECT_LE(busy, SLOWDOWN_MAX * quiet);
	EXPECT_LT(0, self->hot[0].got);
}

/*
 * 20 clients stream at once through one CPU's echo tasks: every one of
 * them gets its first byte back early, none waits for the others to
 * finish.
 */
TEST_F_TIMEOUT(fair, many_streams_all_progress, 180)
{
	long long t_first = 0;
	int i, served = 0;

	load_echo(_metadata, &self->echo, "");
	for (self->nhot = 0; self->nhot < 20; self->nhot++)
		ASSERT_EQ(0, hot_start(&self->hot[self->nhot], ECHO_PORT, NULL,
				       &self->stop));
	sleep(10);
	for (i = 0; i < self->nhot; i++) {
		if (!self->hot[i].got)
			continue;
		served++;
		if (self->hot[i].first_us - self->hot[i].start_us > t_first)
			t_first = self->hot[i].first_us - self->hot[i].start_us;
	}
	TH_LOG("%d of 20 streams served within 10 s; slowest first byte after %lld ms",
	       served, t_first / 1000);
	EXPECT_EQ(20, served);
}

TEST_HARNESS_MAIN
