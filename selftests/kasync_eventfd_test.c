// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: a task awaits an eventfd written from user space
 * (kasync_poll_file() on a real eventfd) and signals another eventfd back;
 * and a task waiting on an eventfd is aborted.  Loads the helper module
 * selftests/modules/kasync_evfd.ko; skips (exit 4) without kasync.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define HELPER_KO	"selftests/modules/kasync_evfd.ko"
#define WATCH		"/sys/kernel/debug/kasync_evfd/watch"

static int watch(const char *cmd)
{
	int fd = open(WATCH, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

FIXTURE(evfd) {
	int in, out;
};

FIXTURE_SETUP(evfd)
{
	char cmd[32];
	int ret;

	ret = ks_load(HELPER_KO, "");
	ASSERT_TRUE(ret == 0 || ret == -EEXIST);
	self->in = eventfd(0, EFD_CLOEXEC);
	self->out = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, self->in);
	ASSERT_LE(0, self->out);
	snprintf(cmd, sizeof(cmd), "%d %d", self->in, self->out);
	ASSERT_EQ(0, watch(cmd));
}

FIXTURE_TEARDOWN(evfd)
{
	watch("abort");
	close(self->in);
	close(self->out);
	ks_unload("kasync_evfd");
}

TEST_F(evfd, wakes_task_from_user_space)
{
	uint64_t v = 1;

	usleep(50000);
	EXPECT_EQ(0, readable(self->out, 0));	/* the task still waits */
	ASSERT_EQ((ssize_t)sizeof(v), write(self->in, &v, sizeof(v)));
	ASSERT_EQ(1, readable(self->out, 5000));
	v = 0;
	ASSERT_EQ((ssize_t)sizeof(v), read(self->out, &v, sizeof(v)));
	EXPECT_EQ((uint64_t)1, v);
}

TEST_F(evfd, abort_while_waiting)
{
	uint64_t v = 1;

	usleep(50000);
	ASSERT_EQ(0, watch("abort"));	/* joins the cancelled task */
	ASSERT_EQ((ssize_t)sizeof(v), write(self->in, &v, sizeof(v)));
	usleep(50000);
	EXPECT_EQ(0, readable(self->out, 0));	/* nobody signalled */
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK) || access(HELPER_KO, F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded or %s not built\n", HELPER_KO);
	}
	return test_harness_run(argc, argv);
}
