// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the echo server sample (samples/kasync_echo.ko, one
 * task per connection) from user space, on loopback.  Correctness with 1,
 * 100 and 10,000 concurrent connections, IPv6, clients that reset
 * abruptly, a slow client that must not hold up the others, half-close,
 * the idle timeout, a client that never reads (send_ms), the connection
 * limit, and unloading with connections open.  Skips (exit 4) without
 * kasync or the sample.
 */
#include <fcntl.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define ECHO_KO		"samples/kasync_echo.ko"
#define ECHO		"kasync_echo"
#define PORT		7007
#define MSG		64

struct conn {
	int fd;
	unsigned int round;
	int closing;		/* all rounds done; shut for writing */
	size_t sent, got;
	char buf[MSG];
};

/*
 * @n connections at once, each doing @rounds round trips of MSG bytes,
 * driven by one epoll loop.  Returns the number of connections that
 * finished every round with correct data and then saw the server close
 * its end; all @n are open at the same time before the first byte is
 * sent.
 *
 * A connection ends as an orderly client ends it: shutdown(SHUT_WR), then
 * wait for the server's FIN, then close().  Closing at once would leave
 * @n orphaned sockets, and on the debug kernel under TCG 10,000 of them
 * time out their FIN's retransmissions (TcpExtTCPAbortOnTimeout: 6,110 on
 * one run) and vanish without an RST; the server's end of each stays
 * ESTABLISHED, rightly, until its idle timeout, which these cases turn
 * off.  A socket that is not orphaned keeps retransmitting its FIN.
 */
static int many(int n, int rounds, int limit_ms)
{
	struct epoll_event ev, evs[256];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long long end = kn_now_ms() + limit_ms;
	struct conn *c = calloc(n, sizeof(*c));
	int ep = epoll_create1(EPOLL_CLOEXEC), i, open = 0, done = 0, ok = 0;
	char want[MSG];

	if (!c || ep < 0)
		return -1;
	/* Open every connection first: n concurrent connections. */
	for (i = 0; i < n; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c[i].fd < 0)
			goto out;
		if (connect(c[i].fd, (struct sockaddr *)&a, sizeof(a)) &&
		    errno != EINPROGRESS)
			goto out;
		open++;
		ev.events = EPOLLOUT;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	while (done < n && kn_now_ms() < end) {
		int k, m = epoll_wait(ep, evs, 256, 1000);

		for (k = 0; k < m; k++) {
			struct conn *x = &c[evs[k].data.u32];
			ssize_t r;

			if (x->closing && !(evs[k].events & EPOLLERR)) {
				/* Only the server's FIN may come now. */
				r = recv(x->fd, x->buf, MSG, 0);
				if (r < 0 && errno == EAGAIN)
					continue;
				epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
				done++;
				ok += r == 0;
				continue;
			}
			if (evs[k].events & (EPOLLERR | EPOLLHUP)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
				done++;
				continue;
			}
			if (evs[k].events & EPOLLOUT) {
				if (!x->sent)
					kn_pattern(x->buf, MSG, evs[k].data.u32, x->round);
				r = send(x->fd, x->buf + x->sent, MSG - x->sent,
					 MSG_NOSIGNAL);
				if (r > 0)
					x->sent += r;
				if (x->sent == MSG) {
					ev.events = EPOLLIN;
					ev.data.u32 = evs[k].data.u32;
					epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
				}
				continue;
			}
			r = recv(x->fd, x->buf + x->got, MSG - x->got, 0);
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
				done++;
				continue;
			}
			x->got += r;
			if (x->got < MSG)
				continue;
			kn_pattern(want, MSG, evs[k].data.u32, x->round);
			if (memcmp(want, x->buf, MSG)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
				done++;
				continue;
			}
			x->sent = x->got = 0;
			if (++x->round == (unsigned int)rounds) {
				shutdown(x->fd, SHUT_WR);
				x->closing = 1;
				continue;	/* still EPOLLIN */
			}
			ev.events = EPOLLOUT;
			ev.data.u32 = evs[k].data.u32;
			epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
		}
	}
out:
	for (i = 0; i < open; i++)
		close(c[i].fd);
	close(ep);
	free(c);
	return ok;
}

FIXTURE(echo) {
	int loaded;
};

FIXTURE_SETUP(echo)
{
	if (access(ECHO_KO, R_OK))
		SKIP(return, "%s not built", ECHO_KO);
	ks_unload(ECHO);	/* left loaded by a case that timed out */
	kn_tune_loopback();
	ASSERT_EQ(0, kn_nofile(30000));
}

FIXTURE_TEARDOWN(echo)
{
	if (self->loaded)
		EXPECT_EQ(0, ks_unload(ECHO));
}

static void start(struct __test_metadata *_metadata, int *loaded,
		  const char *params)
{
	char p[256];

	snprintf(p, sizeof(p), "port=%d %s", PORT, params);
	ASSERT_EQ(0, ks_load(ECHO_KO, p));
	*loaded = 1;
}

TEST_F(echo, one_connection_64k)
{
	static char out[65536], in[65536];
	int fd, i;

	start(_metadata, &self->loaded, "");
	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = (char)(i * 31 + 7);
	fd = kn_connect(PORT, 0);
	ASSERT_LE(0, fd);
	/* Write and read in pieces: the echo must keep up with backpressure. */
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, kn_write_all(fd, out + i * 4096, 4096));
		ASSERT_EQ(4096, kn_read_full(fd, in + i * 4096, 4096, 10000));
	}
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	close(fd);
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 5000));
}

TEST_F(echo, ipv6)
{
	char in[5] = "";
	int fd;

	start(_metadata, &self->loaded, "");
	fd = kn_connect(PORT, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kn_write_all(fd, "hello", 5));
	ASSERT_EQ(5, kn_read_full(fd, in, 5, 10000));
	EXPECT_EQ(0, memcmp(in, "hello", 5));
	close(fd);
}

TEST_F_TIMEOUT(echo, hundred_connections, 120)
{
	start(_metadata, &self->loaded, "");
	EXPECT_EQ(100, many(100, 20, 60000));
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 10000));
}

/*
 * All 10,000 open before the first byte: on the debug kernel under TCG
 * that takes minutes, so the idle timeout is off (the first connections
 * would otherwise be dropped while the last are still being opened).
 */
TEST_F_TIMEOUT(echo, ten_thousand_connections, 900)
{
	start(_metadata, &self->loaded, "max_conns=20000 backlog=16384 idle_ms=0");
	EXPECT_EQ(10000, many(10000, 2, 840000));
	EXPECT_EQ(10000, kn_param(ECHO, "accepted"));
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 60000)) {
		kn_dump_tcp(PORT);
	}
}

TEST_F(echo, reset_clients)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fds[50], i, fd;
	char in[4];

	start(_metadata, &self->loaded, "");
	for (i = 0; i < 50; i++) {
		fds[i] = kn_connect(PORT, 0);
		ASSERT_LE(0, fds[i]);
		/* half of them leave unread echo data behind */
		ASSERT_EQ(0, kn_write_all(fds[i], "abcd", 4));
		if (i % 2)
			ASSERT_EQ(4, kn_read_full(fds[i], in, 4, 10000));
	}
	for (i = 0; i < 50; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fds[i]);	/* RST */
	}
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 10000));
	fd = kn_connect(PORT, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kn_write_all(fd, "wxyz", 4));
	ASSERT_EQ(4, kn_read_full(fd, in, 4, 10000));
	EXPECT_EQ(0, memcmp(in, "wxyz", 4));
	close(fd);
}

TEST_F_TIMEOUT(echo, slow_client_does_not_hold_up_others, 120)
{
	int slow, i;
	char b = 'x';

	start(_metadata, &self->loaded, "");
	slow = kn_connect(PORT, 0);
	ASSERT_LE(0, slow);
	/* The slow client trickles bytes and never reads its echo. */
	ASSERT_EQ(0, kn_write_all(slow, &b, 1));
	EXPECT_EQ(20, many(20, 50, 60000));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, kn_write_all(slow, &b, 1));
	/* ... and it is still being served. */
	{
		char in[6];

		ASSERT_EQ(6, kn_read_full(slow, in, 6, 10000));
	}
	close(slow);
}

TEST_F(echo, half_close)
{
	char in[1024], out[1024];
	int fd;

	start(_metadata, &self->loaded, "");
	memset(out, 'h', sizeof(out));
	fd = kn_connect(PORT, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kn_write_all(fd, out, sizeof(out)));
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	/* Everything sent before the FIN comes back, then EOF. */
	ASSERT_EQ((ssize_t)sizeof(in), kn_read_full(fd, in, sizeof(in), 10000));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	EXPECT_EQ(1, kn_wait_closed(fd, 10000));
	close(fd);
}

TEST_F(echo, idle_connection_dropped)
{
	int fd;

	start(_metadata, &self->loaded, "idle_ms=300");
	fd = kn_connect(PORT, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, kn_wait_closed(fd, 10000));
	close(fd);
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 5000));
}

/*
 * A client that writes and never reads blocks the echo of its own
 * connection, which send_ms then closes; another client on the same
 * server is served before and after.
 */
TEST_F_TIMEOUT(echo, never_reading_client_is_closed, 120)
{
	long long n;
	int hog, fd;
	char in[4];

	start(_metadata, &self->loaded, "send_ms=1500");
	fd = kn_connect(PORT, 0);
	ASSERT_LE(0, fd);
	hog = kn_connect(PORT, 0);
	ASSERT_LE(0, hog);
	/* Until the echo, blocked on the unread answers, stops reading. */
	n = kn_flood(hog, 500);
	TH_LOG("the client that never reads wrote %lld bytes", n);
	ASSERT_TRUE(n > 0 || n == -ECONNRESET || n == -EPIPE);
	ASSERT_EQ(0, kn_write_all(fd, "ping", 4));
	ASSERT_EQ(4, kn_read_full(fd, in, 4, 10000));
	EXPECT_EQ(0, memcmp(in, "ping", 4));
	/* Closed after send_ms; the idle limit (30 s) plays no part. */
	EXPECT_EQ(1, kn_wait_gone(hog, 15000));
	close(hog);
	EXPECT_EQ(1, kn_param_wait(ECHO, "active", 1, 5000));
	ASSERT_EQ(0, kn_write_all(fd, "pong", 4));
	ASSERT_EQ(4, kn_read_full(fd, in, 4, 10000));
	EXPECT_EQ(0, memcmp(in, "pong", 4));
	close(fd);
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 5000));
}

TEST_F(echo, refuses_beyond_max_conns)
{
	int fds[10], extra, i;
	char in[2];

	start(_metadata, &self->loaded, "max_conns=10");
	for (i = 0; i < 10; i++) {
		fds[i] = kn_connect(PORT, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, kn_write_all(fds[i], "ok", 2));
		ASSERT_EQ(2, kn_read_full(fds[i], in, 2, 10000));
	}
	EXPECT_EQ(10, kn_param(ECHO, "active"));
	/* The eleventh is accepted and closed at once, not left hanging. */
	extra = kn_connect(PORT, 0);
	ASSERT_LE(0, extra);
	EXPECT_EQ(1, kn_wait_closed(extra, 10000));
	close(extra);
	EXPECT_LE(1, kn_param(ECHO, "refused"));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, kn_write_all(fds[i], "go", 2));
		ASSERT_EQ(2, kn_read_full(fds[i], in, 2, 10000));
		close(fds[i]);
	}
}

TEST_F(echo, unload_with_connections_open)
{
	int fds[100], i;

	start(_metadata, &self->loaded, "");
	for (i = 0; i < 100; i++) {
		fds[i] = kn_connect(PORT, 0);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(100, kn_param_wait(ECHO, "active", 100, 10000));
	ASSERT_EQ(0, ks_unload(ECHO));
	self->loaded = 0;
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(1, kn_wait_closed(fds[i], 10000));
		close(fds[i]);
	}
	/* And it comes back on the same port. */
	start(_metadata, &self->loaded, "");
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
