// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the README's quick start works as written.
 *
 * scripts/quickstart takes hello.c, its Kbuild, its commands and the
 * output they print from README.md, and builds hello.ko with the README's
 * own build line (on the host, against the test kernel).  This test runs
 * the rest of the README's commands in build/quickstart, as a reader
 * would: the loads, dmesg, the unload; and checks that the kernel log
 * then has the README's output lines, in order.  kasync is already loaded
 * (scripts/vm-tests loads it, with the VM's parameters): the README's
 * "insmod .../kasync/kasync.ko" is checked to name that module, not run.
 *
 * Fails, rather than skips, without build/quickstart: make check always
 * builds it, and a quick start that silently stopped being tested is what
 * this test exists to prevent.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define QS	"build/quickstart"

/* Runs @cmd with bash in QS, after the README's assignments @env. */
static int run_in_qs(const char *env, const char *cmd)
{
	char line[4096];
	int rc;

	snprintf(line, sizeof(line), "cd " QS " && %s\n%s", env, cmd);
	rc = system(line);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

FIXTURE(quickstart) {
};

FIXTURE_SETUP(quickstart)
{
}

FIXTURE_TEARDOWN(quickstart)
{
}

/* A load and an unload each take seconds on the debug kernel under TCG. */
TEST_F_TIMEOUT(quickstart, readme_commands_print_readme_output, 300)
{
	char env[1024] = "", line[1024], want[256], path[1024];
	int kmsg, lines = 0, found = 0, loads = 0;
	struct stat st;
	size_t n;
	FILE *f;

	ASSERT_EQ(0, access(QS "/hello.ko", R_OK)) {
		TH_LOG("%s/hello.ko is missing: run scripts/quickstart", QS);
	}
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, kmsg);
	lseek(kmsg, 0, SEEK_END);

	f = fopen(QS "/vm-commands", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		/* KASYNC=...: the README's assignments, for what follows. */
		n = strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
		if (n && line[n] == '=' && !strchr(line, ' ')) {
			strncat(env, line, sizeof(env) - strlen(env) - 2);
			strcat(env, "\n");
			continue;
		}
		lines++;
		if (strstr(line, "insmod") && strstr(line, "kasync/kasync.ko") &&
		    !stat("/sys/module/kasync", &st)) {
			/* Loaded already: the path must be that module. */
			snprintf(path, sizeof(path),
				 "test -r %s", strstr(line, "insmod") + 7);
			EXPECT_EQ(0, run_in_qs(env, path)) {
				TH_LOG("README loads kasync from a wrong path: %s",
				       line);
			}
			continue;
		}
		if (strstr(line, "insmod"))
			loads++;
		EXPECT_EQ(0, run_in_qs(env, line)) {
			TH_LOG("README command failed: %s", line);
		}
	}
	fclose(f);
	EXPECT_LE(3, lines);
	EXPECT_EQ(1, loads);

	/* The README's output, line by line, in this order. */
	f = fopen(QS "/expected", "r");
	ASSERT_NE(NULL, f);
	while (fgets(want, sizeof(want), f)) {
		want[strcspn(want, "\n")] = '\0';
		if (!want[0])
			continue;
		found++;
		EXPECT_TRUE(ks_kmsg_has(kmsg, want)) {
			TH_LOG("the kernel log lacks the README's line \"%s\"",
			       want);
		}
	}
	fclose(f);
	EXPECT_LE(1, found);
	close(kmsg);

	/* The README unloads hello; nothing of it is left. */
	EXPECT_NE(0, stat("/sys/module/hello", &st));
	if (!stat("/sys/module/hello", &st))
		ks_unload("hello");
}

TEST_HARNESS_MAIN
