// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the seed's server done in the kernel.  Loads the
 * counter service (samples/kasync_counter.ko) and the HTTP sample
 * (samples/kasync_http.ko), whose every GET / first POSTs to the counter,
 * and drives them from user space on loopback: single requests,
 * keep-alive, malformed and oversized requests, the counter going away,
 * wrk with 100 connections, and download_pages (samples/kasync_download.ko)
 * fetching from the HTTP sample.  Skips (exit 4) without kasync or the
 * samples; the wrk case skips without wrk.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define HTTP_KO		"samples/kasync_http.ko"
#define COUNTER_KO	"samples/kasync_counter.ko"
#define DOWNLOAD_KO	"samples/kasync_download.ko"
#define HTTP_PORT	8080
#define COUNTER_PORT	8081
#define WELCOME		"Welcome to my site!"
#define SORRY		"Error registering your visit"

/*
 * Send @req on @fd and read one response: returns the status code and
 * copies the body (Content-Length framed) into @body; -1 on a broken or
 * missing response.
 */
static int request(int fd, const char *req, char *body, size_t blen)
{
	char buf[8192], *hdr_end, *cl;
	size_t got = 0, want;
	int status;
	ssize_t n;

	if (kn_write_all(fd, req, strlen(req)))
		return -1;
	for (;;) {
		if (!kn_wait(fd, POLLIN, 10000))
			return -1;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			return -1;
		got += n;
		buf[got] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end)
			break;
		if (got == sizeof(buf) - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length:");
	want = cl ? strtoul(cl + 17, NULL, 10) : 0;
	hdr_end += 4;
	while ((size_t)(buf + got - hdr_end) < want) {
		if (!kn_wait(fd, POLLIN, 10000))
			return -1;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	buf[got] = '\0';
	snprintf(body, blen, "%.*s", (int)want, hdr_end);
	return status;
}

FIXTURE(http) {
	int http, counter;
	int kmsg;
};

FIXTURE_SETUP(http)
{
	if (access(HTTP_KO, R_OK) || access(COUNTER_KO, R_OK))
		SKIP(return, "%s or %s not built", HTTP_KO, COUNTER_KO);
	ks_unload("kasync_http");	/* left by a case that timed out */
	ks_unload("kasync_counter");
	kn_tune_loopback();
	ASSERT_EQ(0, kn_nofile(30000));
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	lseek(self->kmsg, 0, SEEK_END);
	ASSERT_EQ(0, ks_load(COUNTER_KO, "port=8081"));
	self->counter = 1;
	ASSERT_EQ(0, ks_load(HTTP_KO, "port=8080 counter=127.0.0.1:8081"));
	self->http = 1;
}

FIXTURE_TEARDOWN(http)
{
	if (self->http)
		EXPECT_EQ(0, ks_unload("kasync_http"));
	if (self->counter)
		EXPECT_EQ(0, ks_unload("kasync_counter"));
	ks_unload("kasync_download");
	if (self->kmsg >= 0)
		close(self->kmsg);
}

TEST_F(http, get_registers_visit)
{
	long long before = kn_param("kasync_counter", "total");
	char body[256];
	int fd;

	ASSERT_LE(0, before);
	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(200, request(fd, "GET / HTTP/1.1\r\nHost: k\r\n\r\n",
			       body, sizeof(body)));
	EXPECT_STREQ(WELCOME, body);
	EXPECT_EQ(before + 1, kn_param("kasync_counter", "total"));
	close(fd);
}

TEST_F(http, keep_alive)
{
	char body[256];
	int fd, i;

	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(200, request(fd, "GET / HTTP/1.1\r\nHost: k\r\n\r\n",
				       body, sizeof(body)));
		EXPECT_STREQ(WELCOME, body);
	}
	/* Two pipelined requests in one write get two responses. */
	ASSERT_EQ(200, request(fd, "GET / HTTP/1.1\r\nHost: k\r\n\r\n"
			       "GET / HTTP/1.1\r\nHost: k\r\n\r\n",
			       body, sizeof(body)));
	ASSERT_EQ(200, request(fd, "", body, sizeof(body)));
	EXPECT_STREQ(WELCOME, body);
	/* Connection: close is honoured. */
	ASSERT_EQ(200, request(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
			       body, sizeof(body)));
	EXPECT_EQ(1, kn_wait_closed(fd, 10000));
	close(fd);
}

TEST_F(http, unknown_path_is_404)
{
	char body[256];
	int fd = kn_connect(HTTP_PORT, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(404, request(fd, "GET /nope HTTP/1.1\r\n\r\n", body, sizeof(body)));
	close(fd);
}

TEST_F(http, malformed_requests_get_4xx_and_close)
{
	/* kasync_http_hostile_test.c has the full table of RFC 9112 cases. */
	static const struct {
		const char *req;
		int status;
	} bad[] = {
		{ "GARBAGE\r\n\r\n", 400 },
		{ "GET /\r\n\r\n", 400 },
		{ "GET / HTTP/9.9\r\n\r\n", 505 },	/* well-formed, unsupported */
		{ "GET / HTTP/1.1\r\nNo-colon-here\r\n\r\n", 400 },
		{ "\x01\x02\x03\x04\r\n\r\n", 400 },
	};
	char body[256];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fd = kn_connect(HTTP_PORT, 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(bad[i].status, request(fd, bad[i].req, body, sizeof(body)))
			TH_LOG("request %u", i);
		EXPECT_EQ(1, kn_wait_closed(fd, 10000)) TH_LOG("request %u", i);
		close(fd);
	}
}

TEST_F(http, oversized_request_is_refused)
{
	static char big[64 * 1024];
	static const char head[] = "GET / HTTP/1.1\r\nX-Big: ";
	char body[256];
	int fd;

	memcpy(big, head, strlen(head));
	memset(big + strlen(head), 'a', sizeof(big) - 1 - strlen(head));
	big[sizeof(big) - 1] = '\0';
	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	/* The server bounds its buffer: it answers 431 and closes early. */
	EXPECT_EQ(431, request(fd, big, body, sizeof(body)));
	EXPECT_EQ(1, kn_wait_closed(fd, 10000));
	close(fd);
}

TEST_F(http, counter_down_gives_error_page)
{
	char body[256];
	int fd;

	ASSERT_EQ(0, ks_unload("kasync_counter"));
	self->counter = 0;
	fd = kn_connect(HTTP_PORT, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(503, request(fd, "GET / HTTP/1.1\r\n\r\n", body, sizeof(body)));
	EXPECT_STREQ(SORRY, body);
	/* ... and recovers when it comes back. */
	ASSERT_EQ(0, ks_load(COUNTER_KO, "port=8081"));
	self->counter = 1;
	EXPECT_EQ(200, request(fd, "GET / HTTP/1.1\r\n\r\n", body, sizeof(body)));
	EXPECT_STREQ(WELCOME, body);
	close(fd);
}

TEST_F_TIMEOUT(http, wrk_100_connections, 120)
{
	long long before = kn_param("kasync_counter", "total");
	struct ks_wrk r;

	if (access("/usr/bin/wrk", X_OK))
		SKIP(return, "wrk not installed");
	/* A generous per-request limit: the debug kernel under TCG is slow. */
	ASSERT_EQ(0, ks_wrk_run("/usr/bin/wrk -t2 -c100 -d3s --timeout 30s http://127.0.0.1:8080/ 2>&1",
				&r));
	EXPECT_LT(0, r.reqs);
	EXPECT_EQ(0, r.non2xx);
	EXPECT_EQ(0, r.errors);
	/* Every answered page view was registered (in-flight ones too). */
	EXPECT_LE(before + r.reqs, kn_param("kasync_counter", "total"));
	EXPECT_EQ(0, kn_param_wait("kasync_http", "active", 0, 10000));
}

TEST_F(http, unload_with_connections_open)
{
	int fds[50], i;
	char body[256];

	for (i = 0; i < 50; i++) {
		fds[i] = kn_connect(HTTP_PORT, 0);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(200, request(fds[0], "GET / HTTP/1.1\r\n\r\n", body, sizeof(body)));
	ASSERT_EQ(0, ks_unload("kasync_http"));
	self->http = 0;
	for (i = 0; i < 50; i++) {
		EXPECT_EQ(1, kn_wait_closed(fds[i], 10000));
		close(fds[i]);
	}
}

TEST_F(http, download_pages)
{
	static char log[256 * 1024];
	char want[128];
	size_t len = 0;
	ssize_t n;

	if (access(DOWNLOAD_KO, R_OK))
		SKIP(return, "%s not built", DOWNLOAD_KO);
	/* Two good pages, a 404 and a port nobody listens on. */
	ASSERT_EQ(0, ks_load(DOWNLOAD_KO,
			     "urls=http://127.0.0.1:8080/,http://[::1]:8080/,"
			     "http://127.0.0.1:8080/missing,http://127.0.0.1:9/"));
	/* Its init joined every fetch: the report is in the log already. */
	while (len < sizeof(log) - 1 &&
	       ((n = read(self->kmsg, log + len, sizeof(log) - 1 - len)) > 0 ||
		(n < 0 && errno == EPIPE)))
		len += n > 0 ? n : 0;
	log[len] = '\0';
	snprintf(want, sizeof(want), "http://127.0.0.1:8080/: %zu bytes",
		 strlen(WELCOME));
	EXPECT_NE(NULL, strstr(log, want));
	snprintf(want, sizeof(want), "http://[::1]:8080/: %zu bytes",
		 strlen(WELCOME));
	EXPECT_NE(NULL, strstr(log, want));
	EXPECT_NE(NULL, strstr(log, "http://127.0.0.1:8080/missing: HTTP 404"));
	EXPECT_NE(NULL, strstr(log, "http://127.0.0.1:9/: error -111"));
	EXPECT_EQ(2, kn_param("kasync_download", "fetched"));
	EXPECT_EQ(0, ks_unload("kasync_download"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
