// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the UDP echo sample (samples/kasync_udp.ko, a pool of
 * tasks on one socket) from user space, on loopback.  One datagram over
 * IPv4 and IPv6, a hundred clients at once, a flood of 100,000 datagrams
 * (the server still answers and every datagram it received is accounted
 * for), datagrams longer than max_len (not echoed, not even in part),
 * empty datagrams, senders whose port is closed by the time the echo
 * comes (ICMP port unreachable), unloading under a flood, and bad
 * parameters.  Skips (exit 4) without kasync or the sample.
 */
#include <netinet/udp.h>
#include <pthread.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define UDP_KO		"samples/kasync_udp.ko"
#define UDP		"kasync_udp"
#define PORT		7007
#define WAIT_MS		10000	/* for one answer: generous, TCG and KASAN */
#define MSG		32

static long long count(const char *name)
{
	return kn_param(UDP, name);
}

/* Poll the counter @name until it reaches @n or @ms passed; the last value. */
static long long count_at_least(const char *name, long long n, int ms)
{
	long long end = kn_now_ms() + ms, v;

	while ((v = count(name)) < n && kn_now_ms() < end)
		usleep(10 * 1000);
	return v;
}

/*
 * Every datagram received is accounted for: echoed, oversized, or its
 * echo failed.  Waits up to WAIT_MS for the tasks to finish what they
 * hold; 1 once the counters agree (and stay put while read), else 0.
 */
static int settled(void)
{
	long long end = kn_now_ms() + WAIT_MS;

	do {
		long long r = count("received");
		long long sum = count("echoed") + count("oversized") +
				count("send_errors");

		if (r >= 0 && r == sum && r == count("received"))
			return 1;
		usleep(10 * 1000);
	} while (kn_now_ms() < end);
	return 0;
}

/* Load the sample on PORT with @params; 0 or -errno. */
static int load(const char *params)
{
	long long end = kn_now_ms() + WAIT_MS;
	char p[256];
	int err;

	snprintf(p, sizeof(p), "port=%d %s", PORT, params);
	/* An unloaded instance's socket is released a moment after rmmod. */
	while ((err = ks_load(UDP_KO, p)) == -EADDRINUSE && kn_now_ms() < end)
		usleep(20 * 1000);
	return err;
}

static void start(struct __test_metadata *_metadata, int *loaded,
		  const char *params)
{
	ASSERT_EQ(0, load(params));
	*loaded = 1;
}

/* Send @len bytes of @out on connected @fd; the reply's length or -errno. */
static ssize_t round_trip(int fd, const void *out, size_t len, void *in,
			  size_t inlen)
{
	if (send(fd, out, len, 0) != (ssize_t)len)
		return -errno;
	return kn_recv_dgram(fd, in, inlen, WAIT_MS);
}

/*
 * A fresh client is answered: one datagram a second, for up to @tries
 * seconds (right after a flood the kernel may still drop the first).
 * Returns the number of tries it took, 0 if none was answered.
 */
static int probe_for(int v6, int tries)
{
	char out[MSG], in[MSG];
	int fd = kn_udp_connect(PORT, v6), i, ok = 0;

	if (fd < 0)
		return 0;
	for (i = 1; i <= tries && !ok; i++) {
		long long end = kn_now_ms() + 1000;
		int n = snprintf(out, sizeof(out), "ping %d", i);

		if (send(fd, out, n, 0) != n)
			continue;
		while (!ok && kn_now_ms() < end) {
			ssize_t r = kn_recv_dgram(fd, in, sizeof(in),
						  (int)(end - kn_now_ms()));

			if (r < 0)
				break;
			ok = r == n && !memcmp(in, out, n);
		}
	}
	close(fd);
	return ok ? i - 1 : 0;
}

static int probe(int v6)
{
	return probe_for(v6, 10);
}

/*
 * After a flood, a fresh client is answered over IPv4 and IPv6, within a
 * minute each.  The loopback backlog (netdev_max_backlog, raised to
 * 65,536 by kn_tune_loopback() for the TCP cases that run before) may
 * still hold what the flood sent: on the 6.1 debug kernel under a loaded
 * host, draining it took longer than ten seconds.  Logs the tries.
 */
static int probe_after_flood(struct __test_metadata *_metadata)
{
	int v4 = probe_for(0, 60), v6 = probe_for(1, 60);

	TH_LOG("probes after the flood answered at try %d (IPv4), %d (IPv6)",
	       v4, v6);
	return v4 > 0 && v6 > 0;
}

struct client {
	int fd;
	unsigned int round;
	long long sent_ms;
};

/*
 * @n clients at once (IPv4 and IPv6 alternately), each doing @rounds
 * round trips: the next datagram goes out when the echo of the last came
 * back, and a datagram unanswered for a second is sent again (UDP may
 * drop; *@resent counts those).  An echo that is none of the client's
 * datagrams counts in *@bad.  Returns the clients that finished.
 */
static int many(int n, unsigned int rounds, int limit_ms, int *resent,
		int *bad)
{
	struct epoll_event ev, evs[64];
	long long end = kn_now_ms() + limit_ms;
	struct client *c = calloc(n, sizeof(*c));
	int ep = epoll_create1(EPOLL_CLOEXEC), i, open = 0, ok = 0;
	char out[MSG], in[MSG + 1];

	if (!c || ep < 0)
		return -1;
	for (i = 0; i < n; i++) {
		c[i].fd = kn_udp_connect(PORT, i % 2);
		if (c[i].fd < 0)
			goto out;
		open++;
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	/* All open before the first datagram: n clients at once. */
	for (i = 0; i < n; i++) {
		kn_pattern(out, MSG, i, 0);
		send(c[i].fd, out, MSG, 0);
		c[i].sent_ms = kn_now_ms();
	}
	while (ok < n && kn_now_ms() < end) {
		int k, m = epoll_wait(ep, evs, 64, 100);

		for (k = 0; k < m; k++) {
			unsigned int id = evs[k].data.u32, r;
			struct client *x = &c[id];
			ssize_t len;

			len = recv(x->fd, in, sizeof(in), MSG_DONTWAIT);
			if (len < 0 || x->round == rounds)
				continue;
			kn_pattern(out, MSG, id, x->round);
			if (len != MSG || memcmp(in, out, MSG)) {
				/* An echo of an earlier round's resend? */
				for (r = 0; r < x->round; r++) {
					kn_pattern(out, MSG, id, r);
					if (len == MSG && !memcmp(in, out, MSG))
						break;
				}
				*bad += r == x->round;
				continue;
			}
			if (++x->round == rounds) {
				ok++;
				continue;
			}
			kn_pattern(out, MSG, id, x->round);
			send(x->fd, out, MSG, 0);
			x->sent_ms = kn_now_ms();
		}
		for (i = 0; i < n; i++) {
			if (c[i].round == rounds ||
			    kn_now_ms() - c[i].sent_ms < 1000)
				continue;
			kn_pattern(out, MSG, i, c[i].round);
			send(c[i].fd, out, MSG, 0);
			c[i].sent_ms = kn_now_ms();
			(*resent)++;
		}
	}
out:
	for (i = 0; i < open; i++)
		close(c[i].fd);
	close(ep);
	free(c);
	return ok;
}

/* A thread sending 64-byte datagrams as fast as it can, never reading. */
struct flood {
	pthread_t th;
	int v6;
	long limit;		/* datagrams to send */
	int *stop;		/* or until this is set */
	long sent;
};

static void *flood_run(void *arg)
{
	struct flood *f = arg;
	long long end = kn_now_ms() + 300000;	/* a bound, never reached */
	int fd = kn_udp_connect(PORT, f->v6);
	char buf[64];
	long i;

	if (fd < 0)
		return NULL;
	memset(buf, 'f', sizeof(buf));
	for (i = 0; i < f->limit && !__atomic_load_n(f->stop, __ATOMIC_RELAXED); i++) {
		/* Errors (ECONNREFUSED once the server is gone) are fine. */
		if (send(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf))
			f->sent++;
		if (i % 1024 == 0 && kn_now_ms() > end)
			break;
	}
	close(fd);
	return NULL;
}

/*
 * A counter of /proc/net/snmp ("Udp", "NoPorts") or, for @v6, of
 * /proc/net/snmp6 ("Udp" "NoPorts" is Udp6NoPorts there); -1 if absent.
 */
static long long snmp(int v6, const char *proto, const char *field)
{
	char line[2048], head[2048] = "", want[64];
	long long val = -1;
	FILE *f;

	f = fopen(v6 ? "/proc/net/snmp6" : "/proc/net/snmp", "r");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s6%s", proto, field);
	while (val < 0 && fgets(line, sizeof(line), f)) {
		char *save, *save2, *h, *v;
		size_t plen = strlen(proto);

		if (v6) {
			h = strtok_r(line, " \t\n", &save);
			v = strtok_r(NULL, " \t\n", &save);
			if (h && v && !strcmp(h, want))
				val = atoll(v);
			continue;
		}
		if (strncmp(line, proto, plen) || line[plen] != ':')
			continue;
		if (!head[0]) {		/* the names come first, then values */
			snprintf(head, sizeof(head), "%s", line);
			continue;
		}
		h = strtok_r(head, " \t\n", &save);
		v = strtok_r(line, " \t\n", &save2);
		while (h && v) {
			if (!strcmp(h, field))
				val = atoll(v);
			h = strtok_r(NULL, " \t\n", &save);
			v = strtok_r(NULL, " \t\n", &save2);
		}
	}
	fclose(f);
	return val;
}

/* A UDP port nobody is bound to, over IPv4 and IPv6; 0 on failure. */
static int closed_port(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), port = 0;

	if (fd < 0)
		return 0;
	/* A dual-stack bind to port 0 picks one free on both. */
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin6_port);
	close(fd);
	return port;
}

/*
 * Send @len bytes to the server from 127.0.0.1:@from (or ::1) through
 * the raw socket @raw: as if from a UDP socket on @from that is closed
 * already, so the echo draws an ICMP port unreachable.
 */
static int send_from(int raw, int v6, int from, const void *data, size_t len)
{
	char pkt[sizeof(struct udphdr) + MSG];
	struct udphdr *uh = (struct udphdr *)pkt;
	struct sockaddr_storage ss;
	socklen_t sl = kn_loopback_addr(0, v6, &ss);
	size_t n = sizeof(*uh) + len;

	if (len > MSG)
		return -EINVAL;
	uh->source = htons(from);
	uh->dest = htons(PORT);
	uh->len = htons(n);
	uh->check = 0;		/* IPv4: none; IPv6: IPV6_CHECKSUM fills it */
	memcpy(pkt + sizeof(*uh), data, len);
	return sendto(raw, pkt, n, 0, (struct sockaddr *)&ss, sl) == (ssize_t)n ?
	       0 : -errno;
}

FIXTURE(udp) {
	int loaded;
};

FIXTURE_SETUP(udp)
{
	if (access(UDP_KO, R_OK))
		SKIP(return, "%s not built", UDP_KO);
	ks_unload(UDP);		/* left loaded by a case that timed out */
}

FIXTURE_TEARDOWN(udp)
{
	if (self->loaded)
		EXPECT_EQ(0, ks_unload(UDP));
}

TEST_F(udp, one_datagram_v4_and_v6)
{
	char in[MSG];
	int v6, fd;

	start(_metadata, &self->loaded, "");
	for (v6 = 0; v6 < 2; v6++) {
		fd = kn_udp_connect(PORT, v6);
		ASSERT_LE(0, fd);
		ASSERT_EQ(5, round_trip(fd, "hello", 5, in, sizeof(in)))
			TH_LOG("IPv%d", v6 ? 6 : 4);
		EXPECT_EQ(0, memcmp(in, "hello", 5));
		close(fd);
	}
	EXPECT_EQ(2, count("received"));
	EXPECT_EQ(2, count_at_least("echoed", 2, WAIT_MS));
}

TEST_F_TIMEOUT(udp, hundred_clients, 300)
{
	int resent = 0, bad = 0;

	start(_metadata, &self->loaded, "");
	EXPECT_EQ(100, many(100, 20, 240000, &resent, &bad));
	EXPECT_EQ(0, bad);
	TH_LOG("%d datagrams sent again after a second without an answer; the kernel dropped %lld",
	       resent, count("drops"));
	EXPECT_LE(2000, count("received"));
	EXPECT_TRUE(settled());
}

/*
 * 100,000 datagrams from four sockets at once, none of them reading its
 * echoes.  The server keeps what its receive buffer holds (the kernel
 * drops the rest, counted in drops), answers a new client right after,
 * and holds nothing back: every datagram received was echoed.  No poll
 * ran for a quarter of the flood: with a datagram always waiting, a task
 * would spend the whole flood in one poll if kasync's cooperative budget
 * did not end it (a budgeted one took up to 4 s of a 110 s flood under
 * TCG, preempted by the flooders).
 */
TEST_F_TIMEOUT(udp, flood, 900)
{
	struct flood f[4] = {};
	long long sent = 0, received, drops, flood_ms, longest;
	int stop = 0, i;

	start(_metadata, &self->loaded, "");
	flood_ms = kn_now_ms();
	for (i = 0; i < 4; i++) {
		f[i] = (struct flood){ .v6 = i % 2, .limit = 25000, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&f[i].th, NULL, flood_run, &f[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(f[i].th, NULL);
		sent += f[i].sent;
	}
	flood_ms = kn_now_ms() - flood_ms;
	EXPECT_EQ(100000, sent);
	EXPECT_TRUE(probe_after_flood(_metadata));
	ASSERT_TRUE(settled());
	received = count("received");
	drops = count("drops");
	TH_LOG("sent %lld, received %lld, echoed %lld, dropped by the kernel %lld",
	       sent, received, count("echoed"), drops);
	EXPECT_LT(0, received);
	EXPECT_LE(0, drops);
	/* Probes: at most ten each. */
	EXPECT_GE(sent + 20, received + drops);
	EXPECT_EQ(0, count("oversized"));
	longest = ks_rt_stat_total("udp", "longest_ns");
	TH_LOG("flood %lld ms, longest poll %lld ms", flood_ms, longest / 1000000);
	EXPECT_LT(0, longest);
	EXPECT_GT(flood_ms * 1000000 / 4, longest);
	/* The runtime's cooperative budget is what ended those polls. */
	EXPECT_LT(0, ks_rt_stat_total("udp", "coop"));
}

/*
 * max_len=1000: a datagram of exactly 1000 bytes is echoed whole; one
 * byte more, or 65,000 bytes, is not echoed at all, not even truncated.
 * One task, so that the echoes come in the order the datagrams went: the
 * first echo after an oversized datagram must be the datagram after it.
 */
TEST_F_TIMEOUT(udp, oversized_not_echoed, 120)
{
	static char out[65000], in[65536];
	static const size_t big[] = { 1001, 65000 };
	int v6, fd, i;

	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = (char)(i * 31 + 7);
	start(_metadata, &self->loaded, "tasks=1 max_len=1000");
	for (v6 = 0; v6 < 2; v6++) {
		fd = kn_udp_connect(PORT, v6);
		ASSERT_LE(0, fd);
		ASSERT_EQ(1000, round_trip(fd, out, 1000, in, sizeof(in)));
		EXPECT_EQ(0, memcmp(in, out, 1000));
		for (i = 0; i < 2; i++) {
			ASSERT_EQ((ssize_t)big[i], send(fd, out, big[i], 0));
			ASSERT_EQ(5, round_trip(fd, "after", 5, in, sizeof(in)))
				TH_LOG("IPv%d, after %zu bytes", v6 ? 6 : 4, big[i]);
			EXPECT_EQ(0, memcmp(in, "after", 5));
		}
		close(fd);
	}
	EXPECT_EQ(4, count("oversized"));
	EXPECT_EQ(10, count("received"));
	EXPECT_EQ(6, count_at_least("echoed", 6, WAIT_MS));
}

/* An empty datagram is echoed as an empty datagram. */
TEST_F(udp, empty_datagram)
{
	char in[MSG];
	int v6, fd;

	start(_metadata, &self->loaded, "tasks=1");
	for (v6 = 0; v6 < 2; v6++) {
		fd = kn_udp_connect(PORT, v6);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, round_trip(fd, "", 0, in, sizeof(in)));
		ASSERT_EQ(4, round_trip(fd, "next", 4, in, sizeof(in)));
		EXPECT_EQ(0, memcmp(in, "next", 4));
		close(fd);
	}
	EXPECT_EQ(4, count("received"));
	EXPECT_EQ(4, count_at_least("echoed", 4, WAIT_MS));
}

/*
 * Senders whose port is closed by the time the echo comes: each echo
 * draws an ICMP port unreachable, which the server's unconnected socket
 * ignores.  With one task, an error that ended it would leave nobody to
 * answer the probes; and nothing is logged.
 */
TEST_F_TIMEOUT(udp, unreachable_senders, 120)
{
	int v6, raw, kmsg, from, i, off = 6;
	long long noports, unreach, want;

	start(_metadata, &self->loaded, "tasks=1");
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);
	from = closed_port();
	ASSERT_LT(0, from);
	for (v6 = 0; v6 < 2; v6++) {
		raw = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
			     IPPROTO_UDP);
		ASSERT_LE(0, raw);
		if (v6)
			ASSERT_EQ(0, setsockopt(raw, IPPROTO_IPV6, IPV6_CHECKSUM,
						&off, sizeof(off)));
		noports = snmp(v6, "Udp", "NoPorts");
		unreach = snmp(v6, "Icmp", "OutDestUnreachs");
		ASSERT_LE(0, noports);
		ASSERT_LE(0, unreach);
		for (i = 0; i < 50; i++)
			ASSERT_EQ(0, send_from(raw, v6, from, "gone", 4));
		want = 50 * (v6 + 1);
		EXPECT_EQ(want, count_at_least("echoed", want, WAIT_MS));
		/* The echoes went to the closed port and drew ICMP errors. */
		for (i = 0; i < 100 && snmp(v6, "Udp", "NoPorts") < noports + 50; i++)
			usleep(10 * 1000);
		EXPECT_LE(noports + 50, snmp(v6, "Udp", "NoPorts"))
			TH_LOG("IPv%d", v6 ? 6 : 4);
		EXPECT_LT(unreach, snmp(v6, "Icmp", "OutDestUnreachs"))
			TH_LOG("IPv%d", v6 ? 6 : 4);
		close(raw);
	}
	EXPECT_LT(0, probe(0));
	EXPECT_LT(0, probe(1));
	EXPECT_EQ(0, count("recv_errors"));
	EXPECT_EQ(0, count("send_errors"));
	EXPECT_FALSE(ks_kmsg_has(kmsg, "kasync"));
	close(kmsg);
}

/* rmmod while four threads flood: it unloads, and loads again after. */
TEST_F_TIMEOUT(udp, unload_under_flood, 300)
{
	struct flood f[4] = {};
	int stop = 0, i;

	start(_metadata, &self->loaded, "");
	for (i = 0; i < 4; i++) {
		f[i] = (struct flood){ .v6 = i % 2, .limit = 2000000, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&f[i].th, NULL, flood_run, &f[i]));
	}
	EXPECT_LE(1000, count_at_least("received", 1000, 6 * WAIT_MS));
	EXPECT_EQ(0, ks_unload(UDP));
	self->loaded = 0;
	/* The flood goes on a little while nobody is there. */
	usleep(100 * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 4; i++)
		pthread_join(f[i].th, NULL);
	start(_metadata, &self->loaded, "");
	EXPECT_TRUE(probe_after_flood(_metadata));
}

TEST_F(udp, bad_parameters_refused)
{
	static const char bad[][16] = {
		"tasks=0", "tasks=1025", "max_len=0", "max_len=65508",
	};
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, load(bad[i])) TH_LOG("%s", bad[i]);
	EXPECT_EQ(-EINVAL, ks_load(UDP_KO, "port=0"));
	EXPECT_EQ(-EINVAL, ks_load(UDP_KO, "port=65536"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
