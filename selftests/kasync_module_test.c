// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the module as user space sees it.  Skips (exit 4)
 * when kasync is not loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define KASYNC_SYSFS	"/sys/module/kasync"
#define KASYNC_DEBUGFS	"/sys/kernel/debug/kasync"

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

TEST(module_is_live)
{
	char state[64];

	ASSERT_LT(0, read_file(KASYNC_SYSFS "/initstate", state, sizeof(state)));
	EXPECT_EQ(0, strcmp(state, "live\n"));
}

TEST(default_runtime_stats_readable)
{
	char buf[8192];

	ASSERT_LT(0, read_file(KASYNC_DEBUGFS "/default/stats", buf, sizeof(buf)))
		TH_LOG("cannot read %s/default/stats", KASYNC_DEBUGFS);
	EXPECT_NE(NULL, strstr(buf, "spawned"));
	EXPECT_NE(NULL, strstr(buf, "completed"));
}

int main(int argc, char **argv)
{
	if (access(KASYNC_SYSFS, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync is not loaded\n");
	}
	return test_harness_run(argc, argv);
}
