// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the static-file server (samples/kasync_files.ko).
 * Each case mounts a tmpfs with a root directory to serve (an empty
 * file, a small one, 1 MiB, a subdirectory, a FIFO, a symbolic link
 * inside and two that point outside, at a secret file next to the
 * root), loads the module on it and drives it from user space on
 * loopback: exact bytes and Content-Length, HEAD, keep-alive and
 * pipelining, 404, directories, traversal attempts, 405, malformed
 * requests, the time limits against slow clients, wrk on a small and
 * the large file, and unloading while wrk runs.  Skips (exit 4) without
 * kasync or the sample; the wrk cases skip without wrk.
 */
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define FILES_KO	"samples/kasync_files.ko"
#define FILES		"kasync_files"
#define PORT		8090
#define MNT		"/tmp/kasync_files"
#define ROOT		MNT "/www"
#define SECRET		"TOP SECRET: outside the root\n"
#define SMALL		"hello from kasync_files\n"
#define INNER		"in a subdirectory\n"
#define BIG_SIZE	(1024 * 1024)
#define HEAD_MS		1000
#define IDLE_MS		3000
#define SEND_MS		2000

static char big[BIG_SIZE];

/* The large file's bytes: not periodic in a chunk, so a misplaced one shows. */
static void big_fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 4093);
}

/* A client connection with what it has received and not yet parsed. */
struct conn {
	int fd;
	size_t len;
	char buf[BIG_SIZE + 8192];
};

/* A response: status, Content-Length (-1 if none), head and body. */
struct resp {
	int status;
	long long cl;
	char head[1024];
	char *body;		/* into a static buffer; NUL-terminated */
	size_t blen;
};

static char body_buf[BIG_SIZE + 1];

static int conn_open(struct conn *c)
{
	c->len = 0;
	c->fd = kn_connect(PORT, 0);
	return c->fd;
}

/* More bytes within 10 s: > 0, or 0 at the end, -1 on an error. */
static ssize_t conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->len == sizeof(c->buf) || !kn_wait(c->fd, POLLIN, 10000))
		return -1;
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (n > 0)
		c->len += n;
	return n;
}

/*
 * Read one response from @c into @r (a HEAD's has no body): 0, or -1 if
 * the connection ends or stalls before it is whole.
 */
static int read_resp(struct conn *c, struct resp *r, int head_only)
{
	char *end, *cl;
	size_t hlen;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4)))
		if (conn_fill(c) <= 0)
			return -1;
	hlen = end + 4 - c->buf;
	if (hlen >= sizeof(r->head))
		return -1;
	memcpy(r->head, c->buf, hlen);
	r->head[hlen] = '\0';
	if (sscanf(r->head, "HTTP/1.1 %d ", &r->status) != 1)
		return -1;
	cl = strcasestr(r->head, "\r\nContent-Length:");
	r->cl = cl ? strtoll(cl + 17, NULL, 10) : -1;
	r->blen = head_only || r->cl < 0 ? 0 : r->cl;
	if (r->blen > BIG_SIZE)
		return -1;
	while (c->len < hlen + r->blen)
		if (conn_fill(c) <= 0)
			return -1;
	r->body = body_buf;
	memcpy(r->body, c->buf + hlen, r->blen);
	r->body[r->blen] = '\0';
	memmove(c->buf, c->buf + hlen + r->blen, c->len - hlen - r->blen);
	c->len -= hlen + r->blen;
	return 0;
}

/* Send @req on @c and read the response: its status, or -1. */
static int exchange(struct conn *c, const char *req, struct resp *r)
{
	if (kn_write_all(c->fd, req, strlen(req)))
		return -1;
	if (read_resp(c, r, !strncmp(req, "HEAD ", 5)))
		return -1;
	return r->status;
}

/* GET @path, HTTP/1.1 with keep-alive. */
static int get(struct conn *c, const char *path, struct resp *r)
{
	char req[4096];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: k\r\n\r\n", path);
	return exchange(c, req, r);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* The tree, on a tmpfs of its own. */
static int make_tree(void)
{
	mkdir(MNT, 0755);
	umount2(MNT, MNT_DETACH);
	if (mount("tmpfs", MNT, "tmpfs", 0, "size=32m"))
		return -errno;
	if (mkdir(ROOT, 0755) || mkdir(ROOT "/sub", 0755) ||
	    write_file(MNT "/secret", SECRET, strlen(SECRET)) ||
	    write_file(ROOT "/empty", "", 0) ||
	    write_file(ROOT "/small.txt", SMALL, strlen(SMALL)) ||
	    write_file(ROOT "/big.bin", big, sizeof(big)) ||
	    write_file(ROOT "/sub/inner.txt", INNER, strlen(INNER)) ||
	    mkfifo(ROOT "/fifo", 0644) ||
	    symlink("small.txt", ROOT "/inlink") ||
	    symlink("../secret", ROOT "/up") ||
	    symlink("sub/../../secret", ROOT "/up2") ||
	    symlink(MNT "/secret", ROOT "/abs"))
		return -errno;
	return 0;
}

static int load(void)
{
	char params[256];

	snprintf(params, sizeof(params),
		 "root=%s port=%d head_ms=%d idle_ms=%d send_ms=%d",
		 ROOT, PORT, HEAD_MS, IDLE_MS, SEND_MS);
	return ks_load(FILES_KO, params);
}

/* A case's one connection: static, the buffer is too large for a stack. */
static struct conn conn = { .fd = -1 };

FIXTURE(files) {
	int loaded;
	struct conn *c;
};

FIXTURE_SETUP(files)
{
	if (access(FILES_KO, R_OK))
		SKIP(return, "%s not built", FILES_KO);
	ks_unload(FILES);	/* left by a case that timed out */
	kn_tune_loopback();
	big_fill();
	ASSERT_EQ(0, make_tree());
	ASSERT_EQ(0, load());
	self->loaded = 1;
	self->c = &conn;
}

FIXTURE_TEARDOWN(files)
{
	if (conn.fd >= 0)
		close(conn.fd);
	if (self->loaded)
		EXPECT_EQ(0, ks_unload(FILES));
	umount2(MNT, MNT_DETACH);
}

TEST_F(files, load_needs_a_directory)
{
	ASSERT_EQ(0, ks_unload(FILES));
	self->loaded = 0;
	EXPECT_EQ(-EINVAL, ks_load(FILES_KO, "port=8090"));
	EXPECT_EQ(-EINVAL, ks_load(FILES_KO, "root=www port=8090"));
	EXPECT_EQ(-ENOTDIR, ks_load(FILES_KO, "root=" ROOT "/small.txt port=8090"));
	EXPECT_EQ(-ENOENT, ks_load(FILES_KO, "root=" ROOT "/nope port=8090"));
	ASSERT_EQ(0, load());
	self->loaded = 1;
}

TEST_F(files, files_are_sent_whole)
{
	static const struct {
		const char *path;
		const char *data;
		size_t len;
	} f[] = {
		{ "/empty", "", 0 },
		{ "/small.txt", SMALL, sizeof(SMALL) - 1 },
		{ "/big.bin", big, sizeof(big) },
		{ "/sub/inner.txt", INNER, sizeof(INNER) - 1 },
		{ "/inlink", SMALL, sizeof(SMALL) - 1 },	/* a link inside */
		{ "/small.txt?x=1", SMALL, sizeof(SMALL) - 1 },	/* a query */
		{ "/%73mall.txt", SMALL, sizeof(SMALL) - 1 },	/* %XX */
	};
	struct resp r;
	unsigned int i;

	ASSERT_LE(0, conn_open(self->c));
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		ASSERT_EQ(200, get(self->c, f[i].path, &r)) TH_LOG("%s", f[i].path);
		EXPECT_EQ((long long)f[i].len, r.cl) TH_LOG("%s", f[i].path);
		EXPECT_EQ(0, memcmp(r.body, f[i].data, f[i].len)) TH_LOG("%s", f[i].path);
	}
}

TEST_F(files, head_has_the_length_and_no_body)
{
	struct resp r;

	ASSERT_LE(0, conn_open(self->c));
	ASSERT_EQ(200, exchange(self->c, "HEAD /big.bin HTTP/1.1\r\n\r\n", &r));
	EXPECT_EQ(BIG_SIZE, r.cl);
	ASSERT_EQ(200, exchange(self->c, "HEAD /small.txt HTTP/1.1\r\n\r\n", &r));
	EXPECT_EQ((long long)strlen(SMALL), r.cl);
	/* Had a body been sent, this would read it as the next response. */
	ASSERT_EQ(200, get(self->c, "/small.txt", &r));
	EXPECT_STREQ(SMALL, r.body);
	EXPECT_EQ(0, (int)self->c->len);
}

TEST_F(files, keep_alive_and_pipelining)
{
	static const char three[] =
		"GET /small.txt HTTP/1.1\r\n\r\n"
		"GET /big.bin HTTP/1.1\r\n\r\n"
		"HEAD /big.bin HTTP/1.1\r\n\r\n"
		"GET /empty HTTP/1.1\r\nConnection: close\r\n\r\n";
	long long before = kn_param(FILES, "requests");
	struct resp r;
	int i;

	ASSERT_LE(0, conn_open(self->c));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(200, get(self->c, "/small.txt", &r));
		EXPECT_STREQ(SMALL, r.body);
	}
	/* Four requests in one write: four answers, in order. */
	ASSERT_EQ(0, kn_write_all(self->c->fd, three, strlen(three)));
	ASSERT_EQ(0, read_resp(self->c, &r, 0));
	EXPECT_EQ(200, r.status);
	EXPECT_STREQ(SMALL, r.body);
	ASSERT_EQ(0, read_resp(self->c, &r, 0));
	EXPECT_EQ(200, r.status);
	EXPECT_EQ((size_t)BIG_SIZE, r.blen);
	EXPECT_EQ(0, memcmp(r.body, big, BIG_SIZE));
	ASSERT_EQ(0, read_resp(self->c, &r, 1));
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(BIG_SIZE, r.cl);
	ASSERT_EQ(0, read_resp(self->c, &r, 0));
	EXPECT_EQ(200, r.status);
	EXPECT_EQ(0, r.cl);
	EXPECT_NE(NULL, strcasestr(r.head, "\r\nConnection: close\r\n"));
	/* Connection: close is honoured. */
	EXPECT_EQ(1, kn_wait_closed(self->c->fd, 10000));
	EXPECT_EQ(before + 9, kn_param(FILES, "requests"));
}

TEST_F(files, missing_files_are_404)
{
	static const char *const paths[] = {
		"/nope", "/sub/nope", "/small.txt/x", "/etc/passwd",
	};
	struct resp r;
	unsigned int i;

	ASSERT_LE(0, conn_open(self->c));
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		const char *path = paths[i];

		EXPECT_EQ(404, get(self->c, path, &r)) TH_LOG("%s", path);
	}
	/* The connection goes on. */
	ASSERT_EQ(200, get(self->c, "/small.txt", &r));
	EXPECT_STREQ(SMALL, r.body);
}

TEST_F(files, directories_and_special_files_are_403)
{
	static const char *const paths[] = { "/", "/sub", "/sub/", "/fifo" };
	struct resp r;
	unsigned int i;

	ASSERT_LE(0, conn_open(self->c));
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		const char *path = paths[i];

		EXPECT_EQ(403, get(self->c, path, &r)) TH_LOG("%s", path);
	}
	ASSERT_EQ(200, get(self->c, "/small.txt", &r));
	EXPECT_STREQ(SMALL, r.body);
}

/*
 * Every way out of the root: ".." plain, encoded (either case) and
 * mixed, an absolute path ("//"), an encoded "/", and symbolic links
 * climbing out or pointing at an absolute path.  Each is refused (403,
 * or 404 if the name resolves to nothing beneath the root), never gives
 * the secret next to the root, and the connection goes on.
 */
TEST_F(files, traversal_is_refused)
{
	static const char *const paths[] = {
		"/../secret", "/sub/../../secret", "/sub/../small.txt",
		"/%2e%2e/secret", "/%2E%2E/secret", "/.%2e/secret",
		"/sub/%2e%2e/%2e%2e/secret", "/sub/..%2f..%2fsecret",
		"/%2e%2e%2fsecret", "/./small.txt",
		"//tmp/kasync_files/secret", "/%2ftmp/kasync_files/secret",
		"/%2Ftmp%2Fkasync_files%2Fsecret",
		"/up", "/up2", "/abs",
	};
	long long before = kn_param(FILES, "forbidden");
	struct resp r;
	unsigned int i;
	int status;

	ASSERT_LE(0, conn_open(self->c));
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		status = get(self->c, paths[i], &r);
		EXPECT_TRUE(status == 403 || status == 404)
			TH_LOG("%s: %d", paths[i], status);
		EXPECT_EQ(NULL, strstr(r.body ? r.body : "", "TOP SECRET"))
			TH_LOG("%s", paths[i]);
	}
	/* Each was refused as a way out, not merely not found. */
	EXPECT_EQ(before + i, kn_param(FILES, "forbidden"));
	ASSERT_EQ(200, get(self->c, "/small.txt", &r));
	EXPECT_STREQ(SMALL, r.body);
}

TEST_F(files, other_methods_are_405)
{
	struct resp r;

	ASSERT_LE(0, conn_open(self->c));
	EXPECT_EQ(405, exchange(self->c, "POST /small.txt HTTP/1.1\r\n"
				"Content-Length: 0\r\n\r\n", &r));
	EXPECT_NE(NULL, strcasestr(r.head, "\r\nAllow: GET, HEAD\r\n"));
	EXPECT_EQ(405, exchange(self->c, "DELETE /small.txt HTTP/1.1\r\n\r\n", &r));
	ASSERT_EQ(200, get(self->c, "/small.txt", &r));
	EXPECT_STREQ(SMALL, r.body);
}

TEST_F(files, malformed_requests_get_4xx_and_close)
{
	static char overlong[4096];
	static const struct {
		const char *req;
		int status;
	} bad[] = {
		{ "GARBAGE\r\n\r\n", 400 },
		{ "GET /small.txt\r\n\r\n", 400 },		/* no version */
		{ "GET small.txt HTTP/1.1\r\n\r\n", 400 },	/* not origin-form */
		{ "GET /small%00.txt HTTP/1.1\r\n\r\n", 400 },	/* a NUL */
		{ "GET /small%zz HTTP/1.1\r\n\r\n", 400 },	/* bad %XX */
		{ "\x01\x02\x03\x04\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
		{ overlong, 400 },	/* a path longer than the parser's */
	};
	struct resp r;
	unsigned int i;

	snprintf(overlong, sizeof(overlong), "GET /%01000d HTTP/1.1\r\n\r\n", 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_LE(0, conn_open(self->c));
		EXPECT_EQ(bad[i].status, exchange(self->c, bad[i].req, &r))
			TH_LOG("request %u", i);
		EXPECT_EQ(1, kn_wait_closed(self->c->fd, 10000)) TH_LOG("request %u", i);
		close(self->c->fd);
		self->c->fd = -1;
	}
	/* A head larger than the connection's buffer: 431, early. */
	memset(overlong, 'a', sizeof(overlong) - 1);
	memcpy(overlong, "GET / HTTP/1.1\r\nX: ", 19);
	overlong[sizeof(overlong) - 1] = '\0';
	ASSERT_LE(0, conn_open(self->c));
	EXPECT_EQ(431, exchange(self->c, overlong, &r));
	EXPECT_EQ(1, kn_wait_closed(self->c->fd, 10000));
}

/*
 * Slowloris: a head trickled a line every 300 ms, each byte in time for
 * an idle limit, is cut off by head_ms: a 408 and the close, within a
 * few head_ms of its first byte.
 */
TEST_F_TIMEOUT(files, slowloris_is_cut_off_by_head_ms, 60)
{
	long long start, closed_at = 0;
	char buf[512];
	int got408 = 0, k;
	ssize_t n;

	ASSERT_LE(0, conn_open(self->c));
	start = kn_now_ms();
	ASSERT_EQ(0, kn_write_all(self->c->fd, "GET /small.txt HTTP/1.1\r\n", 25));
	for (k = 0; !closed_at && kn_now_ms() < start + 10 * HEAD_MS; k++) {
		send(self->c->fd, "X: y\r\n", 6, MSG_NOSIGNAL);
		while (kn_wait(self->c->fd, POLLIN, 300)) {
			n = recv(self->c->fd, buf, sizeof(buf) - 1, 0);
			if (n <= 0) {
				closed_at = kn_now_ms();
				break;
			}
			buf[n] = '\0';
			got408 |= !strncmp(buf, "HTTP/1.1 408 ", 13);
		}
	}
	EXPECT_NE(0, closed_at);
	EXPECT_TRUE(got408);
	EXPECT_LT(2, k);	/* it did trickle, past the first lines */
	if (closed_at)
		EXPECT_GE(start + 3 * HEAD_MS + 1000, closed_at);
	EXPECT_EQ(0, kn_param_wait(FILES, "active", 0, 10000));
}

TEST_F_TIMEOUT(files, idle_connection_is_closed_by_idle_ms, 60)
{
	long long start = kn_now_ms();

	ASSERT_LE(0, conn_open(self->c));
	EXPECT_EQ(1, kn_wait_closed(self->c->fd, 10 * IDLE_MS));
	EXPECT_LE(start + IDLE_MS - 100, kn_now_ms());
	EXPECT_GE(start + 3 * IDLE_MS, kn_now_ms());
}

/*
 * A client that pipelines requests for the large file through a small
 * window and never reads: once the server is stuck on an answer nobody
 * reads (its count of answers stops moving), send_ms ends the
 * connection.
 */
TEST_F_TIMEOUT(files, client_that_never_reads_is_closed_by_send_ms, 90)
{
	static const char req[] = "GET /big.bin HTTP/1.1\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long long answered, stuck_at;
	int small = 4096, fd, i;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	self->c->fd = fd;
	/* A small window: the answers back up sooner. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	/* 64 MiB of answers asked for: more than any socket buffer holds. */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, kn_write_all(fd, req, strlen(req)));
	do {
		answered = kn_param(FILES, "requests");
		usleep(500 * 1000);
	} while (kn_param(FILES, "requests") != answered);
	stuck_at = kn_now_ms();
	EXPECT_EQ(0, kn_param_wait(FILES, "active", 0, 3 * SEND_MS + 2000));
	EXPECT_GT(64, answered);
	TH_LOG("%lld answers; closed %lld ms after they stopped", answered,
	       kn_now_ms() - stuck_at);
}

/* wrk on @path: it must see only 200s, no socket error, some requests. */
static void run_wrk(struct __test_metadata *_metadata, const char *path, int conns)
{
	struct ks_wrk r;
	char cmd[256];

	/* A generous per-request limit: the debug kernel under TCG is slow. */
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/wrk -t2 -c%d -d3s --timeout 30s http://127.0.0.1:%d%s 2>&1",
		 conns, PORT, path);
	ASSERT_EQ(0, ks_wrk_run(cmd, &r));
	EXPECT_LT(0, r.reqs);
	EXPECT_EQ(0, r.non2xx);
	EXPECT_EQ(0, r.errors);
	EXPECT_LE(r.reqs, kn_param(FILES, "requests"));
	EXPECT_EQ(0, kn_param_wait(FILES, "active", 0, 10000));
}

TEST_F_TIMEOUT(files, wrk_small_file, 120)
{
	if (access("/usr/bin/wrk", X_OK))
		SKIP(return, "wrk not installed");
	run_wrk(_metadata, "/small.txt", 50);
}

TEST_F_TIMEOUT(files, wrk_large_file, 120)
{
	if (access("/usr/bin/wrk", X_OK))
		SKIP(return, "wrk not installed");
	run_wrk(_metadata, "/big.bin", 10);
}

/*
 * Unloading while wrk fetches the large file: connections open, opens
 * and reads in flight.  The unload returns, every connection ends, and
 * the kernel log stays clean (the VM runner fails on a splat, kmemleak
 * on a leak); the module loads again on the same root.
 */
TEST_F_TIMEOUT(files, unload_while_wrk_runs, 120)
{
	char cmd[256], line[512];
	struct resp r;
	FILE *p;

	if (access("/usr/bin/wrk", X_OK))
		SKIP(return, "wrk not installed");
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/wrk -t2 -c20 -d6s --timeout 30s http://127.0.0.1:%d/big.bin 2>&1",
		 PORT);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	/* Until wrk's connections are in and have been served a while. */
	ASSERT_LE(10, kn_param_wait(FILES, "active", 20, 20000));
	usleep(1000 * 1000);
	EXPECT_EQ(0, ks_unload(FILES));
	self->loaded = 0;
	EXPECT_NE(0, access("/sys/module/" FILES, F_OK));
	while (fgets(line, sizeof(line), p))
		TH_LOG("wrk: %s", line);
	pclose(p);
	ASSERT_EQ(0, load());
	self->loaded = 1;
	ASSERT_LE(0, conn_open(self->c));
	ASSERT_EQ(200, get(self->c, "/big.bin", &r));
	EXPECT_EQ(0, memcmp(r.body, big, BIG_SIZE));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
