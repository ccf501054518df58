// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: download_pages (samples/kasync_download.ko) against
 * hostile servers.  A fake HTTP server, a thread of the test on a loopback
 * port, sends an endless body fast, trickles a byte every 200 ms, announces
 * a huge body and stalls, announces a small one and stalls, or answers
 * nothing; the load must return within a bound of its timeout_ms with the
 * page failed, count no more than max_bytes, close the connection, and
 * unload cleanly.  A killed insmod must end at once, well before the
 * deadline, with no task of the module left.  Skips (exit 4) without
 * kasync or the sample.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define DL_KO		"samples/kasync_download.ko"
#define DL		"kasync_download"
#define EFBIG_ERR	"error -27 "	/* -EFBIG */
#define ETIMEDOUT_ERR	"error -110 "	/* -ETIMEDOUT */

/* What the fake server does once it has read the request. */
enum fake_mode {
	ENDLESS,	/* a head without a length, then body bytes, fast */
	TRICKLE,	/* a head, then one byte every 200 ms */
	HUGE_LENGTH,	/* a head announcing 10^10 bytes, then nothing */
	LENGTH_STALL,	/* a head announcing 100000 bytes, 10 of them */
	SILENT,		/* nothing at all */
};

#define STALL_SENT	10

struct fake {
	enum fake_mode mode;
	int lfd, port;
	pthread_t th;
	int started;
	int stop;	/* __atomic: set by the test */
	int accepted;	/* __atomic: connections accepted */
	int closed;	/* __atomic: connections the client ended */
};

static void fake_set(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static int fake_get(int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Has the client ended @fd?  Waits up to @ms; data from it is discarded. */
static int fake_peer_gone(int fd, int ms)
{
	char b[256];
	ssize_t n;

	if (!kn_wait(fd, POLLIN | POLLRDHUP, ms))
		return 0;
	n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

/* Send @len bytes or fail: 0, or 1 once the client is gone. */
static int fake_send(struct fake *f, int fd, const char *buf, size_t len)
{
	while (len && !fake_get(&f->stop)) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			buf += n;
			len -= n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			kn_wait(fd, POLLOUT, 100);
		} else {
			return 1;
		}
	}
	return 0;
}

/* Serve one connection until the client ends it or the test stops us. */
static void fake_serve(struct fake *f, int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
	static const char huge[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n";
	static const char stall[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789";
	static char junk[16384];
	char req[1024];
	int gone = 0;

	/* The request comes in one piece: it is small. */
	if (kn_wait(fd, POLLIN, 10000) && recv(fd, req, sizeof(req), 0) <= 0)
		gone = 1;
	if (!gone && (f->mode == ENDLESS || f->mode == TRICKLE))
		gone = fake_send(f, fd, head, strlen(head));
	if (!gone && f->mode == HUGE_LENGTH)
		gone = fake_send(f, fd, huge, strlen(huge));
	if (!gone && f->mode == LENGTH_STALL)
		gone = fake_send(f, fd, stall, strlen(stall));
	memset(junk, 'x', sizeof(junk));
	while (!gone && !fake_get(&f->stop)) {
		if (f->mode == ENDLESS)
			gone = fake_send(f, fd, junk, sizeof(junk));
		else if (f->mode == TRICKLE)
			gone = fake_peer_gone(fd, 200) ||
			       fake_send(f, fd, junk, 1);
		else
			gone = fake_peer_gone(fd, 100);
	}
	if (gone)
		__atomic_add_fetch(&f->closed, 1, __ATOMIC_SEQ_CST);
	close(fd);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	while (!fake_get(&f->stop)) {
		int fd;

		if (!kn_wait(f->lfd, POLLIN, 100))
			continue;
		fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		__atomic_add_fetch(&f->accepted, 1, __ATOMIC_SEQ_CST);
		fake_serve(f, fd);
	}
	return NULL;
}

/* Listen on 127.0.0.1 (a free port) and serve in a thread; 0 or -errno. */
static int fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	f->mode = mode;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0)
		return -errno;
	if (bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(f->lfd, 16) ||
	    getsockname(f->lfd, (struct sockaddr *)&a, &len))
		return -errno;
	f->port = ntohs(a.sin_port);
	if (pthread_create(&f->th, NULL, fake_main, f))
		return -EAGAIN;
	f->started = 1;
	return 0;
}

static void fake_stop(struct fake *f)
{
	fake_set(&f->stop, 1);
	if (f->started)
		pthread_join(f->th, NULL);
	f->started = 0;
	if (f->lfd >= 0)
		close(f->lfd);
	f->lfd = -1;
}

/* Poll *@p until it is at least @want or @ms passed; the last value. */
static int fake_wait(int *p, int want, int ms)
{
	long long end = kn_now_ms() + ms;
	int v;

	while ((v = fake_get(p)) < want && kn_now_ms() < end)
		usleep(10 * 1000);
	return v;
}

/* Poll the default runtime's alive count until it is @want or @ms passed. */
static long long alive_wait(long long want, int ms)
{
	long long end = kn_now_ms() + ms, v;

	while ((v = ks_stat_total("alive")) != want && kn_now_ms() < end)
		usleep(10 * 1000);
	return v;
}

FIXTURE(dl) {
	struct fake fake;
	int kmsg;
};

FIXTURE_SETUP(dl)
{
	self->fake.lfd = -1;
	self->kmsg = -1;
	if (access(DL_KO, R_OK))
		SKIP(return, "%s not built", DL_KO);
	ks_unload(DL);		/* left loaded by a case that timed out */
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	lseek(self->kmsg, 0, SEEK_END);
}

FIXTURE_TEARDOWN(dl)
{
	fake_stop(&self->fake);
	ks_unload(DL);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* The kernel log since the fixture opened /dev/kmsg (@kmsg). */
static const char *read_log(int kmsg)
{
	static char log[256 * 1024];
	static size_t len;
	ssize_t n;

	while (len < sizeof(log) - 1 &&
	       ((n = read(kmsg, log + len, sizeof(log) - 1 - len)) > 0 ||
		(n < 0 && errno == EPIPE)))
		len += n > 0 ? n : 0;
	log[len] = '\0';
	return log;
}

/*
 * Load the sample against the fake server with @timeout_ms and
 * @max_bytes; return the load's result and put its duration in *@ms.
 */
static int load(struct fake *f, int timeout_ms, unsigned long max_bytes,
		long long *ms)
{
	char p[256];
	long long t0 = kn_now_ms();
	int ret;

	snprintf(p, sizeof(p), "urls=http://127.0.0.1:%d/ timeout_ms=%d max_bytes=%lu",
		 f->port, timeout_ms, max_bytes);
	ret = ks_load(DL_KO, p);
	*ms = kn_now_ms() - t0;
	return ret;
}

/*
 * The checks every hostile case shares: the load took less than three
 * times @timeout_ms plus slack, its one page failed with @err (and only
 * that: nothing fetched), no more than @max_bytes were counted, the
 * server saw the connection end, and the module unloads.
 */
static void expect_failed_page(struct __test_metadata *_metadata,
			       struct fake *f, int kmsg, int timeout_ms,
			       long long ms, const char *err)
{
	char want[128];

	TH_LOG("load took %lld ms", ms);
	EXPECT_GT(3LL * timeout_ms + 4000, ms);
	EXPECT_EQ(1, fake_get(&f->accepted));
	EXPECT_EQ(0, kn_param(DL, "fetched"));
	EXPECT_EQ(1, kn_param(DL, "failed"));
	snprintf(want, sizeof(want), "127.0.0.1:%d/: %s", f->port, err);
	EXPECT_NE(NULL, strstr(read_log(kmsg), want))
		TH_LOG("no \"%s\" in the log", want);
	EXPECT_EQ(1, fake_wait(&f->closed, 1, 5000));
	EXPECT_EQ(0, ks_unload(DL));
}

/* Fast and endless: max_bytes stops it long before the deadline. */
TEST_F_TIMEOUT(dl, endless_body_stops_at_max_bytes, 120)
{
	long long ms;

	ASSERT_EQ(0, fake_start(&self->fake, ENDLESS));
	ASSERT_EQ(0, load(&self->fake, 20000, 65536, &ms));
	EXPECT_EQ(65536, kn_param(DL, "received"));
	EXPECT_GT(10000, ms);
	expect_failed_page(_metadata, &self->fake, self->kmsg, 20000, ms, EFBIG_ERR);
}

/*
 * Fast and endless, without a size limit: every receive finds data, and
 * still the deadline ends it.
 */
TEST_F_TIMEOUT(dl, endless_body_stops_at_deadline, 120)
{
	long long ms;

	ASSERT_EQ(0, fake_start(&self->fake, ENDLESS));
	ASSERT_EQ(0, load(&self->fake, 2000, 0, &ms));
	EXPECT_LT(0, kn_param(DL, "received"));
	expect_failed_page(_metadata, &self->fake, self->kmsg, 2000, ms, ETIMEDOUT_ERR);
}

/* A byte every 200 ms, forever: each receive is quick, the whole is not. */
TEST_F_TIMEOUT(dl, trickle_stops_at_deadline, 120)
{
	long long ms;

	ASSERT_EQ(0, fake_start(&self->fake, TRICKLE));
	ASSERT_EQ(0, load(&self->fake, 2000, 1 << 20, &ms));
	EXPECT_LT(0, kn_param(DL, "received"));
	EXPECT_GT(1000, kn_param(DL, "received"));
	expect_failed_page(_metadata, &self->fake, self->kmsg, 2000, ms, ETIMEDOUT_ERR);
}

/* An announced length above max_bytes fails at once, no body read. */
TEST_F_TIMEOUT(dl, huge_length_fails_at_once, 120)
{
	long long ms;

	ASSERT_EQ(0, fake_start(&self->fake, HUGE_LENGTH));
	ASSERT_EQ(0, load(&self->fake, 20000, 1 << 20, &ms));
	EXPECT_EQ(0, kn_param(DL, "received"));
	EXPECT_GT(10000, ms);
	expect_failed_page(_metadata, &self->fake, self->kmsg, 20000, ms, EFBIG_ERR);
}

/* An announced length the server never delivers: the deadline ends it. */
TEST_F_TIMEOUT(dl, length_then_stall_stops_at_deadline, 120)
{
	long long ms;

	ASSERT_EQ(0, fake_start(&self->fake, LENGTH_STALL));
	ASSERT_EQ(0, load(&self->fake, 2000, 1 << 20, &ms));
	EXPECT_EQ(STALL_SENT, kn_param(DL, "received"));
	expect_failed_page(_metadata, &self->fake, self->kmsg, 2000, ms, ETIMEDOUT_ERR);
}

/*
 * insmod killed while it waits for a server that answers nothing: it ends
 * at once (the deadline is 20 s away), the load fails so the module is
 * gone, its fetch was aborted (the server sees the close) and joined (no
 * task left for kasync's unload notifier to cancel, the runtime's alive
 * count back where it was).
 */
TEST_F_TIMEOUT(dl, killed_insmod_ends_at_once, 120)
{
	long long alive = ks_stat_total("alive"), t0, ms;
	int status = 0;
	pid_t pid;

	ASSERT_LE(0, alive);
	ASSERT_EQ(0, fake_start(&self->fake, SILENT));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		load(&self->fake, 20000, 1 << 20, &ms);
		_exit(0);
	}
	/* The fetch has connected: init is joining it. */
	EXPECT_EQ(1, fake_wait(&self->fake.accepted, 1, 10000));
	usleep(500 * 1000);
	ASSERT_EQ(0, waitpid(pid, &status, WNOHANG));
	t0 = kn_now_ms();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ms = kn_now_ms() - t0;
	TH_LOG("killed insmod ended after %lld ms", ms);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_GT(10000, ms);
	EXPECT_NE(0, access("/sys/module/" DL, F_OK));
	EXPECT_EQ(1, fake_wait(&self->fake.closed, 1, 5000));
	EXPECT_EQ(alive, alive_wait(alive, 5000));
	EXPECT_EQ(NULL, strstr(read_log(self->kmsg), "module " DL " went away"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
