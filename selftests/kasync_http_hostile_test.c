// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the HTTP sample (samples/kasync_http.ko) against
 * hostile clients and a hostile counter.  Loads the counter service and
 * the HTTP sample with short time limits (head_ms, request_ms, send_ms,
 * counter_ms) and a small max_conns, so that each case runs in seconds:
 *
 * - slowloris: clients trickling a head byte by byte are answered 408 and
 *   closed by head_ms, and their slots serve a normal GET again;
 * - a body trickling in is cut off by request_ms (408);
 * - a client that pipelines requests and never reads is closed by
 *   send_ms;
 * - a counter that answers one byte every 500 ms costs a page view at
 *   most counter_ms (503), and one that answers "HTTP/1.1 2000 OK" and
 *   other malformed status lines is an error, not a 200;
 * - bodies larger than max_body get 413, heads larger than the buffer 431;
 * - every request-parsing rule of RFC 9110/9112 the sample enforces,
 *   table-driven: each case with the status it must get.
 *
 * Bounds are generous multiples of the limits (the debug kernel under
 * TCG is slow); what the cases compare is the outcome: which status,
 * whether the connection was closed, whether the slot came back.  Skips
 * (exit 4) without kasync or the samples.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define HTTP_KO		"samples/kasync_http.ko"
#define COUNTER_KO	"samples/kasync_counter.ko"
#define HTTP_PORT	8080
#define COUNTER_PORT	8081
#define FAKE_PORT	8091	/* the test's own counter */
#define MAX_CONNS	8
#define HEAD_MS		1500
#define REQUEST_MS	3000
#define SEND_MS		1500
#define COUNTER_MS	1500
#define COUNTER_REQ_MS	1500	/* the counter's own request_ms */
#define MAX_BODY	64
#define GET		"GET / HTTP/1.1\r\nHost: k\r\n\r\n"

/* The HTTP sample's parameters in every case; the counter's is added. */
#define HTTP_PARAMS	"port=8080 max_conns=8 idle_ms=10000 head_ms=1500 " \
			"request_ms=3000 send_ms=1500 counter_ms=1500 max_body=64"

/*
 * Send the @len bytes of @req on @fd and read one response within @ms:
 * its status code, with the Content-Length framed body copied into
 * @body; -1 on a broken, malformed or missing response.
 */
static int exchange(int fd, const char *req, size_t len, char *body,
		    size_t blen, int ms)
{
	long long end = kn_now_ms() + ms;
	char buf[4096], *hdr_end = NULL, *cl;
	size_t got = 0, want = 0;
	int status;

	if (len && kn_write_all(fd, req, len))
		return -1;
	for (;;) {
		long long left = end - kn_now_ms();
		ssize_t n;

		if (hdr_end && (size_t)(buf + got - hdr_end) >= want)
			break;
		if (left <= 0 || !kn_wait(fd, POLLIN, (int)left))
			return -1;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			return -1;
		got += n;
		buf[got] = '\0';
		if (!hdr_end) {
			hdr_end = strstr(buf, "\r\n\r\n");
			if (hdr_end) {
				hdr_end += 4;
				cl = strcasestr(buf, "\r\nContent-Length:");
				want = cl ? strtoul(cl + 17, NULL, 10) : 0;
			}
		}
		if (got == sizeof(buf) - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.1 %d ", &status) != 1)
		return -1;
	if (body)
		snprintf(body, blen, "%.*s", (int)want, hdr_end);
	return status;
}

/* One request on a new connection: the status; *@closed if it ended. */
static int one_request(const char *req, size_t len, int *closed)
{
	int fd = kn_connect(HTTP_PORT, 0), status;

	if (fd < 0)
		return -1;
	status = exchange(fd, req, len, NULL, 0, 10000);
	if (closed)
		*closed = kn_wait_closed(fd, 5000);
	close(fd);
	return status;
}

/*
 * A counter service of the test's own on FAKE_PORT: it reads each request
 * head and answers with @answer, one byte every @byte_ms milliseconds
 * (0: all at once), on any number of kept-alive connections.
 */
struct fake_counter {
	pthread_t thread;
	int ls;
	atomic_int stop;
	atomic_int served;
	const char *answer;		/* __atomic_load_n() */
	int byte_ms;
};

static void *fake_counter_run(void *arg)
{
	struct fake_counter *f = arg;
	struct pollfd p[16];
	char buf[16][512];
	size_t len[16];
	int n = 1, i;

	p[0] = (struct pollfd){ .fd = f->ls, .events = POLLIN };
	while (!atomic_load(&f->stop)) {
		if (poll(p, n, 50) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && n < 16) {
			int c = accept(f->ls, NULL, NULL);

			if (c >= 0) {
				p[n] = (struct pollfd){ .fd = c, .events = POLLIN };
				len[n++] = 0;
			}
		}
		for (i = 1; i < n; i++) {
			const char *a;
			ssize_t r;
			size_t k;

			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, buf[i] + len[i],
				 sizeof(buf[i]) - 1 - len[i], 0);
			if (r <= 0) {
				close(p[i].fd);
				p[i--] = p[--n];
				continue;
			}
			len[i] += r;
			buf[i][len[i]] = '\0';
			if (!strstr(buf[i], "\r\n\r\n"))
				continue;
			len[i] = 0;
			atomic_fetch_add(&f->served, 1);
			a = __atomic_load_n(&f->answer, __ATOMIC_ACQUIRE);
			if (!f->byte_ms) {
				kn_write_all(p[i].fd, a, strlen(a));
				continue;
			}
			/* Trickle; a visit that gave up closes: stop then. */
			for (k = 0; a[k] && !atomic_load(&f->stop); k++) {
				if (send(p[i].fd, a + k, 1, MSG_NOSIGNAL) != 1)
					break;
				usleep(f->byte_ms * 1000);
			}
		}
	}
	for (i = 0; i < n; i++)
		close(p[i].fd);
	return NULL;
}

static int fake_counter_start(struct fake_counter *f, const char *answer,
			      int byte_ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(FAKE_PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;

	f->ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->ls < 0)
		return -errno;
	setsockopt(f->ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(f->ls, (struct sockaddr *)&a, sizeof(a)) || listen(f->ls, 16)) {
		close(f->ls);
		return -errno;
	}
	atomic_init(&f->stop, 0);
	atomic_init(&f->served, 0);
	f->answer = answer;
	f->byte_ms = byte_ms;
	if (pthread_create(&f->thread, NULL, fake_counter_run, f)) {
		close(f->ls);
		return -EAGAIN;
	}
	return 0;
}

static void fake_counter_stop(struct fake_counter *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->thread, NULL);
}

FIXTURE(hostile) {
	int http, counter;
};

FIXTURE_SETUP(hostile)
{
	if (access(HTTP_KO, R_OK) || access(COUNTER_KO, R_OK))
		SKIP(return, "%s or %s not built", HTTP_KO, COUNTER_KO);
	ks_unload("kasync_http");	/* left by a case that timed out */
	ks_unload("kasync_counter");
	kn_tune_loopback();
	ASSERT_EQ(0, ks_load(COUNTER_KO, "port=8081 request_ms=1500"));
	self->counter = 1;
	ASSERT_EQ(0, ks_load(HTTP_KO, HTTP_PARAMS " counter=127.0.0.1:8081"));
	self->http = 1;
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->http)
		EXPECT_EQ(0, ks_unload("kasync_http"));
	if (self->counter)
		EXPECT_EQ(0, ks_unload("kasync_counter"));
}

/* Reload the HTTP sample with another counter address. */
static int reload_http(const char *counter)
{
	char params[256];
	int err = ks_unload("kasync_http");

	if (err)
		return err;
	snprintf(params, sizeof(params), "%s counter=%s", HTTP_PARAMS, counter);
	return ks_load(HTTP_KO, params);
}

/*
 * MAX_CONNS clients fill the server and send a head one byte every
 * 300 ms, as slowloris does.  Without a head deadline each byte would
 * restart the idle timer and hold the slot; with one, each gets a 408
 * and is closed within a few head_ms of its first byte, and the server
 * answers a normal GET with 200 again.
 */
TEST_F_TIMEOUT(hostile, slowloris_is_cut_off_by_head_ms, 60)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: k\r\nX-Slow: 0123456789\r\n";
	int fds[MAX_CONNS], got408[MAX_CONNS] = {}, open_n = MAX_CONNS, fd, i;
	long long start, closed_at[MAX_CONNS] = {}, end;
	char buf[512], body[64];
	size_t k = 0;

	for (i = 0; i < MAX_CONNS; i++) {
		fds[i] = kn_connect(HTTP_PORT, 0);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(MAX_CONNS, kn_param_wait("kasync_http", "active", MAX_CONNS, 10000));
	start = kn_now_ms();
	/* Full: a normal client is turned away meanwhile. */
	EXPECT_EQ(503, one_request(GET, strlen(GET), NULL));
	end = start + 3 * HEAD_MS + 2000;
	while (open_n && kn_now_ms() < end && k < sizeof(head) - 1) {
		for (i = 0; i < MAX_CONNS; i++) {
			ssize_t n;

			if (closed_at[i])
				continue;
			send(fds[i], head + k, 1, MSG_NOSIGNAL);
			while (kn_wait(fds[i], POLLIN, 0)) {
				n = recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);
				if (n > 0) {
					buf[n] = '\0';
					got408[i] |= !strncmp(buf, "HTTP/1.1 408 ", 13);
					continue;
				}
				if (n < 0 && errno == EAGAIN)
					break;
				closed_at[i] = kn_now_ms();
				open_n--;
				break;
			}
		}
		k++;
		usleep(300 * 1000);
	}
	for (i = 0; i < MAX_CONNS; i++) {
		EXPECT_NE(0, closed_at[i]) TH_LOG("client %d still open", i);
		EXPECT_TRUE(got408[i]) TH_LOG("client %d got no 408", i);
		if (closed_at[i])
			EXPECT_GE(start + 3 * HEAD_MS, closed_at[i]);
		close(fds[i]);
	}
	EXPECT_EQ(0, kn_param_wait("kasync_http", "active", 0, 10000));
	/* The slots serve again. */
	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(200, exchange(fd, GET, strlen(GET), body, sizeof(body), 10000));
	close(fd);
}

/* A head in time but a body trickling in: request_ms cuts it off. */
TEST_F_TIMEOUT(hostile, slow_body_is_cut_off_by_request_ms, 60)
{
	static const char head[] = "POST / HTTP/1.1\r\nContent-Length: 60\r\n\r\n";
	long long start, end;
	int fd, got408 = 0, closed = 0;
	char buf[512];

	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kn_write_all(fd, head, strlen(head)));
	start = kn_now_ms();
	end = start + 3 * REQUEST_MS;
	/* 60 bytes at one per 300 ms would take 18 s. */
	while (!closed && kn_now_ms() < end) {
		ssize_t n;

		send(fd, "b", 1, MSG_NOSIGNAL);
		while (kn_wait(fd, POLLIN, 0)) {
			n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (n > 0) {
				buf[n] = '\0';
				got408 |= !strncmp(buf, "HTTP/1.1 408 ", 13);
				continue;
			}
			if (n < 0 && errno == EAGAIN)
				break;
			closed = 1;
			break;
		}
		usleep(300 * 1000);
	}
	EXPECT_TRUE(closed);
	EXPECT_TRUE(got408);
	EXPECT_EQ(0, kn_param_wait("kasync_http", "active", 0, 10000));
	close(fd);
}

/*
 * A client that pipelines requests and never reads: once the answers
 * fill the socket buffers, the server's send waits, and send_ms ends
 * the connection instead of letting it wait forever.
 */
/*
 * Pipeline @req to @port flat out without reading, through a small
 * receive window, until the server stops taking requests; then the
 * server, stuck on answers nobody reads, must close the connection
 * within @limit_ms once @mod's answer count @count stops moving.
 */
static void never_reads(struct __test_metadata *_metadata, int port,
			const char *req, const char *mod, const char *count,
			int limit_ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t len = strlen(req);
	long long stuck_at, deadline, answered;
	int fd, small = 4096, i, flags;
	char batch[4096];

	ASSERT_GE(sizeof(batch), 64 * len);
	for (i = 0; i < 64; i++)
		memcpy(batch + i * len, req, len);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	/* A small window: the server's answers back up sooner. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	flags = fcntl(fd, F_GETFL);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, flags | O_NONBLOCK));
	/* Send until the server stops taking requests for a whole second. */
	deadline = kn_now_ms() + 90000;
	for (;;) {
		ssize_t n = send(fd, batch, 64 * len, MSG_NOSIGNAL);

		if (n > 0)
			continue;
		if (errno == EPIPE || errno == ECONNRESET)
			break;		/* closed already */
		ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
		if (!kn_wait(fd, POLLOUT, 1000))
			break;
		ASSERT_GT(deadline, kn_now_ms()) TH_LOG("the server kept reading");
	}
	/*
	 * The server may still be answering what it had read: it is stuck
	 * once its count of answers stops moving.  From then on, its send
	 * limit (and a margin) ends the connection.
	 */
	do {
		answered = kn_param(mod, count);
		usleep(500 * 1000);
	} while (kn_param(mod, count) != answered && kn_now_ms() < deadline);
	stuck_at = kn_now_ms();
	EXPECT_EQ(0, kn_param_wait(mod, "active", 0, limit_ms));
	TH_LOG("%s: %lld answers; waited %lld ms after they stopped", mod,
	       answered, kn_now_ms() - stuck_at);
	/* Reading now finds the answers that were sent, then the end. */
	ASSERT_EQ(0, fcntl(fd, F_SETFL, flags));
	EXPECT_EQ(1, kn_wait_closed(fd, 30000));
	close(fd);
}

TEST_F_TIMEOUT(hostile, client_that_never_reads_is_closed_by_send_ms, 120)
{
	never_reads(_metadata, HTTP_PORT, "GET /x HTTP/1.1\r\n\r\n", /* 404s */
		    "kasync_http", "requests", 3 * SEND_MS + 2000);
}

/* The counter service too: its request_ms covers sending the answer. */
TEST_F_TIMEOUT(hostile, counter_client_that_never_reads_is_closed, 120)
{
	never_reads(_metadata, COUNTER_PORT, "POST / HTTP/1.1\r\n\r\n",
		    "kasync_counter", "total", 3 * COUNTER_REQ_MS + 2000);
}

/*
 * A counter client trickling its request a byte every 200 ms: each byte
 * would restart an idle timer, but the request's deadline holds, and the
 * connection is closed within a few request_ms of its first byte.
 */
TEST_F_TIMEOUT(hostile, counter_slow_request_is_cut_off, 60)
{
	static const char req[] = "POST / HTTP/1.1\r\nHost: k\r\nX-Slow: 0123456789abcdef\r\n\r\n";
	long long start, closed_at = 0;
	char buf[256];
	size_t k;
	int fd;

	fd = kn_connect(COUNTER_PORT, 0);
	ASSERT_LE(0, fd);
	start = kn_now_ms();
	for (k = 0; k < sizeof(req) - 1 && !closed_at; k++) {
		ssize_t n = 1;

		if (send(fd, req + k, 1, MSG_NOSIGNAL) < 0)
			n = 0;
		else if (kn_wait(fd, POLLIN, 200))
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			closed_at = kn_now_ms();
	}
	if (!closed_at && kn_wait_closed(fd, 3 * COUNTER_REQ_MS))
		closed_at = kn_now_ms();
	EXPECT_NE(0, closed_at) TH_LOG("the trickling client is still open");
	if (closed_at)
		EXPECT_GE(start + 3 * COUNTER_REQ_MS + 1000, closed_at);
	EXPECT_EQ(0, kn_param_wait("kasync_counter", "active", 0, 10000));
	close(fd);
}

/*
 * A counter answering one byte every 500 ms: each receive would be in
 * time, but counter_ms bounds the whole visit, so the page view gets a
 * 503 within a few counter_ms instead of waiting for the ~20 s answer.
 */
TEST_F_TIMEOUT(hostile, trickling_counter_is_cut_off_by_counter_ms, 60)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n";
	struct fake_counter f;
	long long errors, start, took;
	char body[64];
	int fd;

	ASSERT_EQ(0, fake_counter_start(&f, ok, 500));
	ASSERT_EQ(0, reload_http("127.0.0.1:8091"));
	errors = kn_param("kasync_http", "visit_errors");
	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	start = kn_now_ms();
	EXPECT_EQ(503, exchange(fd, GET, strlen(GET), body, sizeof(body), 30000));
	took = kn_now_ms() - start;
	TH_LOG("answered after %lld ms (counter_ms %d)", took, COUNTER_MS);
	EXPECT_GE(3 * COUNTER_MS, took);
	EXPECT_EQ(errors + 1, kn_param("kasync_http", "visit_errors"));
	EXPECT_LE(1, atomic_load(&f.served));
	close(fd);
	fake_counter_stop(&f);
}

/* The counter's status line and fields are parsed as strictly. */
TEST_F_TIMEOUT(hostile, malformed_counter_answers_are_errors, 90)
{
	static const struct {
		const char *answer;
		int status;
	} c[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n", 200 },
		{ "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 +20 OK\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "http/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 200 OK\nContent-Length: 2\n\n1\n", 503 },
		{ "HTTP/1.1 200 OK\r\nC\xe9ntent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n1\n", 503 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n", 200 },
	};
	struct fake_counter f;
	unsigned int i;
	char body[64];
	int status;

	ASSERT_EQ(0, fake_counter_start(&f, c[0].answer, 0));
	ASSERT_EQ(0, reload_http("127.0.0.1:8091"));
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		int fd = kn_connect(HTTP_PORT, 0);

		ASSERT_LE(0, fd);
		__atomic_store_n(&f.answer, c[i].answer, __ATOMIC_RELEASE);
		status = exchange(fd, GET, strlen(GET), body, sizeof(body), 15000);
		EXPECT_EQ(c[i].status, status) TH_LOG("counter answer %u", i);
		close(fd);
	}
	fake_counter_stop(&f);
}

/* A body larger than max_body gets 413 and a close; within it, none. */
TEST_F(hostile, large_body_gets_413)
{
	char req[4096], body[128];
	int closed, fd, n;

	n = snprintf(req, sizeof(req),
		     "POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n", MAX_BODY + 1);
	EXPECT_EQ(413, one_request(req, n, &closed));
	EXPECT_TRUE(closed);
	n = snprintf(req, sizeof(req),
		     "POST / HTTP/1.1\r\nContent-Length: 100000000000\r\n\r\n");
	EXPECT_EQ(413, one_request(req, n, &closed));
	EXPECT_TRUE(closed);
	/* MAX_BODY bytes are read and skipped: the next request is served. */
	n = snprintf(req, sizeof(req),
		     "POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n%0*d",
		     MAX_BODY, MAX_BODY, 0);
	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(404, exchange(fd, req, n, NULL, 0, 10000));
	EXPECT_EQ(200, exchange(fd, GET, strlen(GET), body, sizeof(body), 10000));
	close(fd);
}

/* A head that cannot fit the 2 KiB buffer gets 431 and a close. */
TEST_F(hostile, large_head_gets_431)
{
	char req[3000];
	int closed, n;

	n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX-Big: %0*d\r\n\r\n",
		     2500, 0);
	EXPECT_EQ(431, one_request(req, n, &closed));
	EXPECT_TRUE(closed);
}

#define C(s, st)	{ s, sizeof(s) - 1, st }

/*
 * The request parser, case by case (RFC 9110 5.6.2 and 8.6, RFC 9112 2-6):
 * every error answer closes the connection; the good requests in between
 * show the server still answers.
 */
TEST_F_TIMEOUT(hostile, request_parsing, 120)
{
	static const struct {
		const char *req;
		size_t len;
		int status;
	} c[] = {
		C(GET, 200),
		C("GET /x?y=1&z=%41 HTTP/1.1\r\n\r\n", 404),
		/* methods and field names are tokens: no Latin-1, no "(" */
		C("G\xc9T / HTTP/1.1\r\n\r\n", 400),
		C("GE(T / HTTP/1.1\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nH\xf6st: k\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHo{st: k\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost : k\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\n: k\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: k\r\n folded\r\n\r\n", 400),
		/* the target: no NUL, CTL, DEL, SP or non-ASCII byte */
		C("GET /\0x HTTP/1.1\r\n\r\n", 400),
		C("GET /\x01 HTTP/1.1\r\n\r\n", 400),
		C("GET /\x7f HTTP/1.1\r\n\r\n", 400),
		C("GET /caf\xe9 HTTP/1.1\r\n\r\n", 400),
		C("GET /%zz HTTP/1.1\r\n\r\n", 400),
		C("GET /#frag HTTP/1.1\r\n\r\n", 400),
		C("GET  / HTTP/1.1\r\n\r\n", 400),
		C("GET x HTTP/1.1\r\n\r\n", 400),
		/* the version is case-sensitive; other majors are 505 */
		C("GET / http/1.1\r\n\r\n", 400),
		C("GET / HTTP/1.1 \r\n\r\n", 400),
		C("GET / HTTP/1.10\r\n\r\n", 400),
		C("GET / HTTP/2.0\r\n\r\n", 505),
		C("GET / HTTP/0.9\r\n\r\n", 505),
		C("GET / HTTP/1.2\r\nHost: k\r\n\r\n", 200),
		/* lines end in CRLF; values have no CTL */
		C("GET / HTTP/1.1\nHost: k\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: k\rX: y\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nX: \x01\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nX: caf\xe9\r\n\r\n", 200),	/* obs-text */
		/* Content-Length: digits; duplicates must agree */
		C("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
		C("GET / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 200),
		C("GET / HTTP/1.1\r\nContent-Length: +2\r\n\r\nab", 400),
		C("GET / HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nab", 400),
		C("GET / HTTP/1.1\r\nContent-Length: 0x2\r\n\r\nab", 400),
		C("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
		C(GET, 200),
	};
	unsigned int i;
	int closed;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		bool error = c[i].status >= 400 && c[i].status != 404;
		int status = one_request(c[i].req, c[i].len,
					 error ? &closed : NULL);

		EXPECT_EQ(c[i].status, status) TH_LOG("case %u", i);
		if (error)
			EXPECT_TRUE(closed) TH_LOG("case %u not closed", i);
	}
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
