// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the examples of Documentation/primitives.rst run.
 * Each samples/kasync_ex_*.ko runs its examples from its init function
 * and fails to load (-EIO) if one misbehaves; this loads and unloads each
 * one, twice, so that a leak or a stale global shows up on the second
 * round (and in the VM's kmemleak scan).  Skips (exit 4) without kasync.
 */
#include "kselftest_harness.h"
#include "kasync_selftest.h"

FIXTURE(example) {
	char path[128];
	char name[64];
};

FIXTURE_VARIANT(example) {
	const char *topic;
};

FIXTURE_VARIANT_ADD(example, sync) { .topic = "sync" };
FIXTURE_VARIANT_ADD(example, chan) { .topic = "chan" };
FIXTURE_VARIANT_ADD(example, group) { .topic = "group" };
FIXTURE_VARIANT_ADD(example, blocking) { .topic = "blocking" };
FIXTURE_VARIANT_ADD(example, file) { .topic = "file" };

FIXTURE_SETUP(example)
{
	snprintf(self->path, sizeof(self->path), "samples/kasync_ex_%s.ko",
		 variant->topic);
	snprintf(self->name, sizeof(self->name), "kasync_ex_%s",
		 variant->topic);
	if (access(self->path, R_OK))
		SKIP(return, "%s not built", self->path);
}

FIXTURE_TEARDOWN(example)
{
	ks_unload(self->name);
}

TEST_F(example, loads_runs_and_unloads)
{
	int round;

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, ks_load(self->path, "")) TH_LOG("round %d", round);
		ASSERT_EQ(0, ks_unload(self->name)) TH_LOG("round %d", round);
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
