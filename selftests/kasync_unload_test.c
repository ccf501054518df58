// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: a module unloaded with live tasks.  Loads
 * selftests/modules/kasync_stray.ko, which spawns tasks (parked and
 * busy) and never ends them, unloads it, and checks that kasync cancelled
 * and drained every one of them with one warning naming the module.
 * Skips (exit 4) when kasync is not loaded or the victim is not built.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define VICTIM_KO	"selftests/modules/kasync_stray.ko"
#define STATS		"/sys/kernel/debug/kasync/default/stats"
#define WARNING_1000	"kasync: module kasync_stray went away with 1000 live tasks"

/* The "total" row's value in column @col of the default runtime's stats. */
static long long stat_total(const char *col)
{
	char line[1024], head[1024] = "";
	long long val = -1;
	FILE *f;

	f = fopen(STATS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save, *save2, *h, *v;

		if (!strncmp(line, "cpu", 3))
			snprintf(head, sizeof(head), "%s", line);
		if (strncmp(line, "total", 5) || !head[0])
			continue;
		h = strtok_r(head, " \t\n", &save);
		v = strtok_r(line, " \t\n", &save2);
		while (h && v) {
			if (!strcmp(h, col))
				val = atoll(v);
			h = strtok_r(NULL, " \t\n", &save);
			v = strtok_r(NULL, " \t\n", &save2);
		}
	}
	fclose(f);
	return val;
}

/* Whether the kernel log, read from @fd onwards, has a line with @needle. */
static int kmsg_has(int fd, const char *needle)
{
	char rec[2048];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, needle))
			return 1;
	}
	return 0;
}

static int load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

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
	unload("kasync_stray");
	close(self->kmsg);
}

TEST_F(victim, unload_cancels_and_drains_live_tasks)
{
	long long cancelled = stat_total("cancelled");
	long long alive = stat_total("alive");

	ASSERT_LE(0, cancelled);
	ASSERT_EQ(0, load(VICTIM_KO, "tasks=1000"));
	usleep(100 * 1000);	/* let the busy half run and yield */
	EXPECT_LE(alive + 1000, stat_total("alive"));
	ASSERT_EQ(0, unload("kasync_stray"));
	EXPECT_EQ(cancelled + 1000, stat_total("cancelled"));
	EXPECT_EQ(alive, stat_total("alive"));
	EXPECT_TRUE(kmsg_has(self->kmsg, WARNING_1000));
}

TEST_F(victim, reload_after_unload_works)
{
	ASSERT_EQ(0, load(VICTIM_KO, "tasks=10"));
	ASSERT_EQ(0, unload("kasync_stray"));
	ASSERT_EQ(0, load(VICTIM_KO, "tasks=10"));
	ASSERT_EQ(0, unload("kasync_stray"));
}

TEST(bad_parameter_is_refused)
{
	EXPECT_EQ(-EINVAL, load(VICTIM_KO, "tasks=0"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK) || access(VICTIM_KO, R_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded or %s not built\n", VICTIM_KO);
	}
	return test_harness_run(argc, argv);
}
