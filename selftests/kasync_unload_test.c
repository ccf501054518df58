// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: a module unloaded with live tasks.  Loads
 * selftests/modules/kasync_stray.ko, which spawns tasks (parked and
 * busy) and never ends them, unloads it, and checks that kasync cancelled
 * and drained every one of them with one warning naming the module.
 * Skips (exit 4) when kasync is not loaded or the victim is not built.
 */
#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define VICTIM_KO	"selftests/modules/kasync_stray.ko"
#define WARNING_1000	"kasync: module kasync_stray went away with 1000 live tasks"

FIXTURE(victim) {
	int kmsg;
};

FIXTURE_SETUP(victim)
{
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	lseek(self->kmsg, 0, SEEK_END);
}

FIXTURE_TEARDOWN(victim)
{
	ks_unload("kasync_stray");
	close(self->kmsg);
}

TEST_F(victim, unload_cancels_and_drains_live_tasks)
{
	long long cancelled = ks_stat_total("cancelled");
	long long alive = ks_stat_total("alive");

	ASSERT_LE(0, cancelled);
	ASSERT_EQ(0, ks_load(VICTIM_KO, "tasks=1000"));
	usleep(100 * 1000);	/* let the busy half run and yield */
	EXPECT_LE(alive + 1000, ks_stat_total("alive"));
	ASSERT_EQ(0, ks_unload("kasync_stray"));
	EXPECT_EQ(cancelled + 1000, ks_stat_total("cancelled"));
	EXPECT_EQ(alive, ks_stat_total("alive"));
	EXPECT_TRUE(ks_kmsg_has(self->kmsg, WARNING_1000));
}

TEST_F(victim, reload_after_unload_works)
{
	ASSERT_EQ(0, ks_load(VICTIM_KO, "tasks=10"));
	ASSERT_EQ(0, ks_unload("kasync_stray"));
	ASSERT_EQ(0, ks_load(VICTIM_KO, "tasks=10"));
	ASSERT_EQ(0, ks_unload("kasync_stray"));
}

TEST(bad_parameter_is_refused)
{
	EXPECT_EQ(-EINVAL, ks_load(VICTIM_KO, "tasks=0"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK) || access(VICTIM_KO, R_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded or %s not built\n", VICTIM_KO);
	}
	return test_harness_run(argc, argv);
}
