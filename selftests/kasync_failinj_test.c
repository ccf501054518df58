// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the echo server sample (samples/kasync_echo.ko) under
 * random allocation failure.  /sys/kernel/debug/fail_kasync fails a share
 * of kasync's allocations (the accepted connections' socket wrappers and
 * tasks) while clients connect in rounds: a connection that got no memory
 * must be closed cleanly (EOF or reset, never left hanging), one that got
 * it must be echoed correctly, and once the failures are switched off the
 * server must serve every connection, and count none of the failed ones
 * as active.  kmemleak and the VM log check (scripts/vm-run) then see the
 * unload.  Skips (exit 4) without kasync's fault attribute (a kernel
 * without CONFIG_FAULT_INJECTION_DEBUG_FS) or the sample.
 */
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"
#include "kasync_net_util.h"

#define ECHO_KO		"samples/kasync_echo.ko"
#define ECHO		"kasync_echo"
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
 * reads them back (10 s at most).  Counts each outcome in @t.
 */
static void round_trip(struct tally *t, unsigned int round)
{
	char out[MSG], in[MSG];
	int fds[PER_ROUND], i;
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
	for (i = 0; i < PER_ROUND; i++) {
		if (fds[i] < 0)
			continue;
		kn_pattern(out, MSG, i, round);
		n = kn_read_full(fds[i], in, MSG, 10000);
		if (n == MSG && !memcmp(in, out, MSG))
			t->served++;
		else if (n == 0 || n == -ECONNRESET || n == -EPIPE)
			t->refused++;
		else
			t->bad++;
		close(fds[i]);
	}
}

FIXTURE(failinj) {
	int loaded;
};

FIXTURE_SETUP(failinj)
{
	if (access(FAIL_DIR, F_OK))
		SKIP(return, "no %s (CONFIG_FAULT_INJECTION_DEBUG_FS)", FAIL_DIR);
	if (access(ECHO_KO, R_OK))
		SKIP(return, "%s not built", ECHO_KO);
	ks_unload(ECHO);	/* left loaded by a case that timed out */
	ASSERT_EQ(0, kn_nofile(4096));
}

FIXTURE_TEARDOWN(failinj)
{
	/* Never leave kasync failing for whatever runs next. */
	fail_set("probability", "0");
	if (self->loaded)
		EXPECT_EQ(0, ks_unload(ECHO));
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

TEST_HARNESS_MAIN
