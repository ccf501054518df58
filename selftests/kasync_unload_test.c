// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: a module unloaded with live tasks.  Loads
 * selftests/modules/kasync_stray.ko, which spawns tasks (parked and
 * busy) and never ends them, unloads it, and checks that kasync cancelled
 * and drained every one of them with one warning naming the module.
 * Then selftests/modules/kasync_stuck.ko, whose task never returns from
 * its poll: its unload must wait for that task alone, while CPU hotplug
 * and another module's runtime go on, and say which task it waits for.
 * Skips (exit 4) when kasync is not loaded or the victim is not built.
 */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define VICTIM_KO	"selftests/modules/kasync_stray.ko"
#define STUCK_KO	"selftests/modules/kasync_stuck.ko"
#define ECHO_KO		"samples/kasync_echo.ko"
#define KPARAM		"/sys/module/kasync/parameters/"
#define STUCK_PARAM	"/sys/module/kasync_stuck/parameters/"
#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Wait at most @secs for child @pid: its exit status, or -ETIMEDOUT
 * (the child is left running; reap() collects it later).
 */
static int wait_child(pid_t pid, double secs)
{
	double end = now_s() + secs;
	int status;

	while (now_s() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		if (r < 0)
			return -errno;
		usleep(20 * 1000);
	}
	return -ETIMEDOUT;
}

/* Whether @needle shows up in the kernel log within 10 s. */
static int kmsg_wait(int kmsg, const char *needle)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (ks_kmsg_has(kmsg, needle))
			return 1;
		usleep(100 * 1000);
	}
	return 0;
}

/* Each of these runs in a child, which exits 0 on success. */
static pid_t spawn_unload(const char *name)
{
	pid_t pid = fork();

	if (!pid)
		_exit(ks_unload(name) ? 1 : 0);
	return pid;
}

static pid_t spawn_write(const char *path, const char *val)
{
	pid_t pid = fork();

	if (!pid)
		_exit(ks_write_str(path, val) ? 1 : 0);
	return pid;
}

static pid_t spawn_load(const char *path, const char *params)
{
	pid_t pid = fork();

	if (!pid)
		_exit(ks_load(path, params) ? 1 : 0);
	return pid;
}

/* kasync's detectors would report the stuck poll; the test expects it. */
struct saved_params {
	char sleep[16], long_poll[32], report[32];
};

static void quiet_detectors(struct saved_params *p)
{
	ks_read_str(KPARAM "detect_sleep", p->sleep, sizeof(p->sleep));
	ks_read_str(KPARAM "detect_long_poll_us", p->long_poll,
		 sizeof(p->long_poll));
	ks_read_str(KPARAM "drain_report_s", p->report, sizeof(p->report));
	ks_write_str(KPARAM "detect_sleep", "N");
	ks_write_str(KPARAM "detect_long_poll_us", "0");
	ks_write_str(KPARAM "drain_report_s", "1");
}

static void restore_detectors(const struct saved_params *p)
{
	ks_write_str(KPARAM "detect_sleep", p->sleep);
	ks_write_str(KPARAM "detect_long_poll_us", p->long_poll);
	ks_write_str(KPARAM "drain_report_s", p->report);
}

/* Load kasync_stuck until its task is stuck on CPU 0 (CPU 1 can go). */
static int load_stuck_on_cpu0(void)
{
	cpu_set_t cpu0, saved;
	char buf[16] = "";
	int tries, i, ret = -1;

	/*
	 * The module's init spawns its task on the CPU it runs on, which
	 * is ours (finit_module() runs init in the caller): CPU 0.
	 */
	if (sched_getaffinity(0, sizeof(saved), &saved))
		return -1;
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return -1;
	for (tries = 0; tries < 5; tries++) {
		if (ks_load(STUCK_KO, ""))
			break;
		for (i = 0; i < 500; i++) {
			if (!ks_read_str(STUCK_PARAM "stuck_cpu", buf, sizeof(buf)) &&
			    atoi(buf) >= 0)
				break;
			usleep(20 * 1000);
		}
		if (atoi(buf) == 0) {
			ret = 0;
			break;
		}
		/* Stolen by CPU 1 before CPU 0 polled it: again. */
		ks_write_str(STUCK_PARAM "release", "Y");
		ks_unload("kasync_stuck");
	}
	sched_setaffinity(0, sizeof(saved), &saved);
	return ret;
}

FIXTURE(stuck) {
	int kmsg;
	struct saved_params saved;
};

FIXTURE_SETUP(stuck)
{
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	lseek(self->kmsg, 0, SEEK_END);
	quiet_detectors(&self->saved);
}

/* Also when the test failed half way: nothing stays stuck or offline. */
FIXTURE_TEARDOWN(stuck)
{
	ks_write_str(STUCK_PARAM "release", "Y");
	ks_write_str(CPU1_ONLINE, "1");
	while (waitpid(-1, NULL, 0) > 0)
		;
	ks_unload("kasync_stuck");
	ks_unload("kasync_echo");
	restore_detectors(&self->saved);
	close(self->kmsg);
}

/*
 * A task stuck in its poll holds up its module's unload, and nothing
 * else: CPU hotplug and another module's runtime create and destroy go
 * on while the unload waits, and the drain names the task it waits for.
 */
TEST_F_TIMEOUT(stuck, holds_up_only_its_own_unload, 300)
{
	long long alive = ks_stat_total("alive");
	pid_t unload, other;

	if (access(STUCK_KO, R_OK) || access(ECHO_KO, R_OK))
		SKIP(return, "%s or %s not built", STUCK_KO, ECHO_KO);
	if (access(CPU1_ONLINE, W_OK))
		SKIP(return, "CPU 1 cannot go offline here");
	ASSERT_EQ(0, load_stuck_on_cpu0());

	unload = spawn_unload("kasync_stuck");
	ASSERT_LT(0, unload);
	/* The unload waits for the task... */
	EXPECT_EQ(-ETIMEDOUT, wait_child(unload, 1.0));

	/* ... and nothing else does. */
	other = spawn_write(CPU1_ONLINE, "0");
	EXPECT_EQ(0, wait_child(other, 60.0));
	other = spawn_write(CPU1_ONLINE, "1");
	EXPECT_EQ(0, wait_child(other, 60.0));
	other = spawn_load(ECHO_KO, "port=7791");	/* creates runtime "echo" */
	EXPECT_EQ(0, wait_child(other, 60.0));
	other = spawn_unload("kasync_echo");		/* destroys it */
	EXPECT_EQ(0, wait_child(other, 60.0));

	/* The drain says, every second here, which task it waits for. */
	EXPECT_TRUE(kmsg_wait(self->kmsg,
			      "kasync: unloading module kasync_stuck: 1 task of runtime default not finished after"));
	EXPECT_TRUE(kmsg_wait(self->kmsg, "kstuck_poll (poll "));
	EXPECT_TRUE(kmsg_wait(self->kmsg, "owner kasync_stuck, in its poll function"));
	EXPECT_EQ(-ETIMEDOUT, wait_child(unload, 0.1));

	/* Released, the task ends and the unload completes. */
	EXPECT_EQ(0, ks_write_str(STUCK_PARAM "release", "Y"));
	EXPECT_EQ(0, wait_child(unload, 60.0));
	EXPECT_NE(0, access("/sys/module/kasync_stuck", F_OK));
	EXPECT_EQ(alive, ks_stat_total("alive"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK) || access(VICTIM_KO, R_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded or %s not built\n", VICTIM_KO);
	}
	return test_harness_run(argc, argv);
}
