// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the socket samples under random allocation failure.
 * /sys/kernel/debug/fail_kasync fails a share of kasync's allocations
 * (the accepted connections' socket wrappers and tasks; for the web
 * server also the counter connections it opens per visit) while clients
 * connect in rounds.  A connection that got no memory must be closed
 * cleanly (EOF or reset, never left hanging), or for the web server get
 * its documented 503; one that got it must be served correctly; and once
 * the failures are switched off the server must serve every connection,
 * and count none of the failed ones as active.  kmemleak and the VM log
 * check (scripts/vm-run) then see the unload.  Skips (exit 4) without
 * kasync's fault attribute (a kernel without
 * CONFIG_FAULT_INJECTION_DEBUG_FS) or the samples.
 */
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define ECHO_KO		"samples/kasync_echo.ko"
#define ECHO		"kasync_echo"
#define HTTP_KO		"samples/kasync_http.ko"
#define HTTP		"kasync_http"
#define COUNTER_KO	"samples/kasync_counter.ko"
#define COUNTER		"kasync_counter"
#define HTTP_PORT	7028
#define COUNTER_PORT	7029
#define GET		"GET / HTTP/1.1\r\nHost: k\r\n\r\n"
#define WELCOME		"Welcome to my site!"
#define SORRY		"Error registering your visit"
#define PORT		7027
#define FAIL_DIR	"/sys/kernel/debug/fail_kasync"
#define MSG		64
#define PER_ROUND	16

static int fail_set(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAIL_DIR "/%s", file);
	return kn_write_file(path, val);
}

/* Fail @percent of kasync's allocations from now on (0: none). */
static int fail_percent(int percent)
{
	char p[16];

	snprintf(p, sizeof(p), "%d", percent);
	/* Quiet (no stack dumps), unlimited, every call a candidate. */
	if (fail_set("verbose", "0") || fail_set("times", "-1") ||
	    fail_set("interval", "1") || fail_set("space", "0") ||
	    fail_set("task-filter", "N"))
		return -1;
	return fail_set("probability", p);
}

struct tally {
	int served;	/* echoed correctly */
	int refused;	/* closed or reset by the server */
	int bad;	/* wrong data, a hang, or a client-side error */
};

/*
 * One round: PER_ROUND connections open at once, each sends MSG bytes and
 * reads them back, all within 10 s.  Counts each outcome in @t.
 */
static void round_trip(struct tally *t, unsigned int round)
{
	char out[MSG], in[MSG];
	int fds[PER_ROUND], i, left;
	long long end;
	ssize_t n;

	for (i = 0; i < PER_ROUND; i++)
		fds[i] = kn_connect(PORT, 0);
	for (i = 0; i < PER_ROUND; i++) {
		if (fds[i] < 0) {
			t->bad++;
			continue;
		}
		kn_pattern(out, MSG, i, round);
		/* A connection closed already fails here: EPIPE, ECONNRESET. */
		if (send(fds[i], out, MSG, MSG_NOSIGNAL) != MSG) {
			t->refused++;
			continue;
		}
	}
	end = kn_now_ms() + 10000;
	for (i = 0; i < PER_ROUND; i++) {
		if (fds[i] < 0)
			continue;
		kn_pattern(out, MSG, i, round);
		left = (int)(end - kn_now_ms());
		n = kn_read_full(fds[i], in, MSG, left > 0 ? left : 1);
		if (n == MSG && !memcmp(in, out, MSG))
			t->served++;
		else if (n == 0 || n == -ECONNRESET || n == -EPIPE)
			t->refused++;
		else
			t->bad++;
		close(fds[i]);
	}
}

/*
 * One GET on a new connection: 200 with the welcome, 503 with the visit
 * error, a connection closed (EOF or reset) before the answer, or else
 * (a hang, garbage) bad.
 */
static void get(struct tally *t, int *sorry)
{
	char buf[2048];
	size_t got = 0;
	int fd = kn_connect(HTTP_PORT, 0);
	ssize_t n;

	if (fd < 0) {
		t->bad++;
		return;
	}
	if (send(fd, GET, strlen(GET), MSG_NOSIGNAL) != (ssize_t)strlen(GET)) {
		t->refused++;
		goto out;
	}
	/* Until the body (a fixed text), EOF, a reset or 10 s of silence. */
	buf[0] = '\0';
	for (;;) {
		if (!kn_wait(fd, POLLIN, 10000)) {
			t->bad++;
			goto out;
		}
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n < 0 && errno != ECONNRESET && errno != EPIPE) {
			t->bad++;
			goto out;
		}
		if (n <= 0)
			break;
		got += n;
		buf[got] = '\0';
		if (strstr(buf, WELCOME) || strstr(buf, SORRY))
			break;
		if (got == sizeof(buf) - 1) {
			t->bad++;
			goto out;
		}
	}
	if (!got)
		t->refused++;
	else if (!strncmp(buf, "HTTP/1.1 200", 12) && strstr(buf, WELCOME))
		t->served++;
	else if (!strncmp(buf, "HTTP/1.1 503", 12) && strstr(buf, SORRY))
		(*sorry)++;
	else
		t->bad++;
out:
	close(fd);
}

FIXTURE(failinj) {
	int loaded, http, counter;
};

FIXTURE_SETUP(failinj)
{
	if (access(FAIL_DIR, F_OK))
		SKIP(return, "no %s (CONFIG_FAULT_INJECTION_DEBUG_FS)", FAIL_DIR);
	if (access(ECHO_KO, R_OK))
		SKIP(return, "%s not built", ECHO_KO);
	/* A case killed on its timeout left kasync failing: not ours. */
	ASSERT_EQ(0, fail_set("probability", "0"));
	ks_unload(ECHO);	/* left loaded by a case that timed out */
	ks_unload(HTTP);
	ks_unload(COUNTER);
	ASSERT_EQ(0, kn_nofile(4096));
}

FIXTURE_TEARDOWN(failinj)
{
	/* Never leave kasync failing for whatever runs next. */
	fail_set("probability", "0");
	if (self->loaded)
		EXPECT_EQ(0, ks_unload(ECHO));
	if (self->http)
		EXPECT_EQ(0, ks_unload(HTTP));
	if (self->counter)
		EXPECT_EQ(0, ks_unload(COUNTER));
}

TEST_F_TIMEOUT(failinj, echo_under_random_allocation_failure, 600)
{
	struct tally before = { }, during = { }, after = { };
	char p[64];
	int r;

	snprintf(p, sizeof(p), "port=%d", PORT);
	ASSERT_EQ(0, ks_load(ECHO_KO, p));
	self->loaded = 1;
	round_trip(&before, 0);
	ASSERT_EQ(PER_ROUND, before.served);

	ASSERT_EQ(0, fail_percent(20));
	for (r = 1; r <= 20; r++)
		round_trip(&during, r);
	ASSERT_EQ(0, fail_percent(0));
	TH_LOG("with 20%% of kasync's allocations failing: %d served, %d closed, %d bad",
	       during.served, during.refused, during.bad);
	EXPECT_EQ(0, during.bad);
	/* The failures reached the server, and did not stop it. */
	EXPECT_LT(0, during.refused);
	EXPECT_LT(0, during.served);

	/* Back to normal: every connection served, none counted left over. */
	for (r = 21; r <= 25; r++)
		round_trip(&after, r);
	EXPECT_EQ(5 * PER_ROUND, after.served);
	EXPECT_EQ(0, kn_param_wait(ECHO, "active", 0, 10000));
	/* Only the listener is left alive on the sample's runtime. */
	EXPECT_EQ(1, ks_rt_stat_total("echo", "alive"));

	EXPECT_EQ(0, ks_unload(ECHO));
	self->loaded = 0;
}

TEST_F_TIMEOUT(failinj, http_under_random_allocation_failure, 600)
{
	struct tally during = { }, after = { };
	int i, sorry = 0, sorry_after = 0;
	char p[64];

	if (access(HTTP_KO, R_OK) || access(COUNTER_KO, R_OK))
		SKIP(return, "%s or %s not built", HTTP_KO, COUNTER_KO);
	snprintf(p, sizeof(p), "port=%d", COUNTER_PORT);
	ASSERT_EQ(0, ks_load(COUNTER_KO, p));
	self->counter = 1;
	snprintf(p, sizeof(p), "port=%d counter=127.0.0.1:%d", HTTP_PORT,
		 COUNTER_PORT);
	ASSERT_EQ(0, ks_load(HTTP_KO, p));
	self->http = 1;

	ASSERT_EQ(0, fail_percent(20));
	for (i = 0; i < 200; i++)
		get(&during, &sorry);
	ASSERT_EQ(0, fail_percent(0));
	TH_LOG("with 20%% failing: %d served, %d got 503, %d closed, %d bad",
	       during.served, sorry, during.refused, during.bad);
	EXPECT_EQ(0, during.bad);
	EXPECT_LT(0, sorry + during.refused);
	EXPECT_LT(0, during.served);

	for (i = 0; i < 50; i++)
		get(&after, &sorry_after);
	EXPECT_EQ(50, after.served);
	EXPECT_EQ(0, kn_param_wait(HTTP, "active", 0, 10000));
	EXPECT_EQ(0, kn_param_wait(COUNTER, "active", 0, 10000));
	EXPECT_EQ(1, ks_rt_stat_total("http", "alive"));

	EXPECT_EQ(0, ks_unload(HTTP));
	self->http = 0;
	EXPECT_EQ(0, ks_unload(COUNTER));
	self->counter = 0;
}

TEST_HARNESS_MAIN
