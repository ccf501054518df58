// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: scripts/kasync-top and the tasks file it reads.
 *
 * Loads selftests/modules/kasync_topload.ko, whose tasks on the default
 * runtime keep busy (topload_spin) or sleep on a timer (topload_sleep)
 * until it is unloaded, and checks what a user would read: the format of
 * /sys/kernel/debug/kasync/default/tasks, and the screen that
 * "scripts/kasync-top --once" prints (per-CPU rows, polls per second, the
 * load's tasks among the busiest and the longest waiting, state counts
 * that add up to the tasks listed), and that it fails cleanly for a
 * runtime that does not exist.  Runs from the project directory; skips
 * (exit 4) without kasync, the helper module or python3.
 */
#include <ctype.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define TOPLOAD_KO	"selftests/modules/kasync_topload.ko"
#define TOP		"scripts/kasync-top"
#define TASKS		"/sys/kernel/debug/kasync/default/tasks"
#define SPINNERS	4
#define SLEEPERS	16
#define OUT_MAX		(256 * 1024)

/* What the commands the tests run print (in the test's child process). */
static char out[OUT_MAX];

static const char *const states[] = {
	"new", "queued", "running", "waiting", "stuck", "cancelled", "done",
};

/*
 * Runs @cmd with a shell, its output in @buf, and shows both in the TAP
 * output.  Returns its exit status, or -1.
 */
static int run(const char *cmd, char *buf, size_t len)
{
	struct timespec t0, t1;
	const char *p, *nl;
	size_t n = 0, r;
	FILE *f;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n < len - 1 && (r = fread(buf + n, 1, len - 1 - n, f)) > 0)
		n += r;
	buf[n] = '\0';
	st = pclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	printf("# %s: exit %d after %ld ms\n", cmd, st,
	       (t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000);
	for (p = buf; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		printf("#   %.*s\n", (int)(nl - p), p);
	}
	fflush(stdout);
	return st;
}

/* Whitespace-separated fields of @line (modified) into @f; their number. */
static int split(char *line, char **f, int max)
{
	char *save, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t\n", &save))
		f[n++] = tok;
	return n;
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* The number of possible CPUs, from "0-1" or "0,2-3" style lists. */
static int possible_cpus(void)
{
	char buf[256], *save, *tok;
	int n = 0, a, b;
	FILE *f;

	f = fopen("/sys/devices/system/cpu/possible", "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save)) {
		if (sscanf(tok, "%d-%d", &a, &b) == 2)
			n += b - a + 1;
		else
			n++;
	}
	return n;
}

/* Data lines of the default runtime's tasks file, or -1. */
static int tasks_lines(void)
{
	char line[512];
	int n = -1;
	FILE *f;

	f = fopen(TASKS, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

#define LONG_POLL	"/sys/module/kasync/parameters/detect_long_poll_us"

FIXTURE(top) {
	char long_poll[32];	/* its value before the test, or "" */
};

FIXTURE_SETUP(top)
{
	char params[64];
	FILE *f;

	if (access(TOPLOAD_KO, R_OK))
		SKIP(return, "%s not built", TOPLOAD_KO);
	if (access("/usr/bin/python3", X_OK))
		SKIP(return, "no python3");
	/*
	 * The load's polls are trivial, but under TCG on a shared host a
	 * vCPU that the host preempts counts as poll time, and python3 keeps
	 * both CPUs busy: the long-poll detector (tested by KUnit) would
	 * report tasks that did nothing wrong.  Only hung polls, here.
	 */
	self->long_poll[0] = '\0';
	f = fopen(LONG_POLL, "r");
	if (f) {
		if (!fgets(self->long_poll, sizeof(self->long_poll), f))
			self->long_poll[0] = '\0';
		fclose(f);
	}
	ASSERT_EQ(0, ks_write_str(LONG_POLL, "5000000"));
	snprintf(params, sizeof(params), "spinners=%d sleepers=%d", SPINNERS,
		 SLEEPERS);
	ASSERT_EQ(0, ks_load(TOPLOAD_KO, params));
	/* Let the spinners run a few rounds. */
	usleep(200 * 1000);
}

/*
 * In the parent: unloads the load even after a test timed out.  The
 * harness of kernels before 6.12 (the 6.1 test kernel's) has no parent
 * teardown; there it runs in the test's child, and a timed-out test
 * leaves the load to scripts/vm-tests, which unloads every module at
 * the end.
 */
#ifdef FIXTURE_TEARDOWN_PARENT
FIXTURE_TEARDOWN_PARENT(top)
#else
FIXTURE_TEARDOWN(top)
#endif
{
	ks_unload("kasync_topload");
	if (self->long_poll[0])
		ks_write_str(LONG_POLL, self->long_poll);
}

/* The tasks file: its header, 12 fields a line, the load's tasks. */
TEST_F_TIMEOUT(top, tasks_file_format, 120)
{
	int lines = 0, spin = 0, sleep = 0, i, n, known;
	char line[512], *f[16];
	FILE *t;

	t = fopen(TASKS, "r");
	ASSERT_NE(NULL, t) TH_LOG("cannot open %s", TASKS);
	ASSERT_NE(NULL, fgets(line, sizeof(line), t));
	EXPECT_STREQ("id name owner cpu state age_ms polls busy_us longest_us idle_ms wait site\n",
		     line);
	while (fgets(line, sizeof(line), t)) {
		lines++;
		n = split(line, f, 16);
		EXPECT_EQ(12, n) TH_LOG("line %d has %d fields", lines, n);
		if (n != 12)
			continue;
		/* id, age_ms, polls, busy_us, longest_us; cpu may be -1. */
		for (i = 0; i < 12; i++)
			if (i == 0 || (i >= 5 && i <= 8))
				EXPECT_TRUE(is_number(f[i]))
					TH_LOG("line %d field %d: %s", lines, i, f[i]);
		EXPECT_TRUE(is_number(f[3] + (f[3][0] == '-'))) TH_LOG("cpu %s", f[3]);
		EXPECT_TRUE(is_number(f[9]) || !strcmp(f[9], "-"));
		EXPECT_TRUE(!strcmp(f[11], "-") || strchr(f[11], ':'))
			TH_LOG("site %s", f[11]);
		known = 0;
		for (i = 0; i < (int)ARRAY_SIZE(states); i++)
			known |= !strcmp(f[4], states[i]);
		EXPECT_TRUE(known) TH_LOG("state %s", f[4]);
		if (strcmp(f[2], "kasync_topload"))
			continue;
		if (!strcmp(f[1], "topload_spin"))
			spin++;
		else if (!strcmp(f[1], "topload_sleep"))
			sleep++;
		/* They are polled within 200 ms of loading. */
		EXPECT_STRNE("-", f[9]) TH_LOG("%s never polled", f[1]);
	}
	fclose(t);
	EXPECT_EQ(SPINNERS, spin);
	EXPECT_EQ(SLEEPERS, sleep);
}

/* One screen of kasync-top --once, with the load running. */
TEST_F_TIMEOUT(top, once_shows_the_load, 300)
{
	int cpus = 0, polls_col = -1, st, n, i, listed, sum = 0, total = -1;
	int busiest = 0, spin_rows = 0, first_spin = 0, sleep_waits = 0;
	enum { NONE, CPUS, BUSY, WAIT } sect = NONE;
	double polls = -1;
	char *line, *save, *f[64];

	st = run(TOP " --once --interval 1 --runtime default 2>&1", out,
		 OUT_MAX);
	listed = tasks_lines();
	ASSERT_EQ(0, st);

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "busiest tasks", 13)) {
			sect = BUSY;
			continue;
		}
		if (!strncmp(line, "longest waiting tasks", 21)) {
			sect = WAIT;
			continue;
		}
		n = split(line, f, 64);
		if (!n)
			continue;
		if (!strcmp(f[0], "cpu")) {
			sect = CPUS;
			for (i = 0; i < n; i++)
				if (!strcmp(f[i], "polls/s"))
					polls_col = i;
			continue;
		}
		if (!strcmp(f[0], "states:")) {
			sect = NONE;
			/* states: total N  state n  state n ... */
			ASSERT_LE(3, n);
			EXPECT_STREQ("total", f[1]);
			total = atoi(f[2]);
			for (i = 3; i + 1 < n; i += 2)
				sum += atoi(f[i + 1]);
			continue;
		}
		if (sect == CPUS && is_number(f[0])) {
			cpus++;
		} else if (sect == CPUS && !strcmp(f[0], "total")) {
			ASSERT_LT(0, polls_col);
			ASSERT_LT(polls_col, n);
			polls = atof(f[polls_col]);
			sect = NONE;
		} else if (sect == BUSY && is_number(f[0]) && n >= 3) {
			/* id name owner cpu state cpu% polls/s busy_us site */
			if (!strcmp(f[1], "topload_spin")) {
				spin_rows++;
				if (!busiest)
					first_spin = 1;
				EXPECT_STREQ("kasync_topload", f[2]);
			}
			busiest++;
		} else if (sect == WAIT && is_number(f[0]) && n >= 7) {
			/* id name owner cpu state idle_ms wait site */
			if (!strcmp(f[1], "topload_sleep") &&
			    !strcmp(f[6], "timer"))
				sleep_waits++;
		}
	}

	EXPECT_EQ(possible_cpus(), cpus);
	EXPECT_LT(0, polls) TH_LOG("no polls/s in the total row");
	EXPECT_LT(0, busiest);
	EXPECT_TRUE(first_spin) TH_LOG("the busiest task is not a spinner");
	EXPECT_EQ(SPINNERS, spin_rows);
	EXPECT_LT(0, sleep_waits) TH_LOG("no sleeper among the longest waits");
	/* The state counts add up, and match the tasks file, which moves. */
	EXPECT_EQ(total, sum);
	EXPECT_LE(SPINNERS + SLEEPERS, total);
	ASSERT_LE(0, listed);
	EXPECT_GE(total + 5 + total / 10, listed);
	EXPECT_LE(total - 5 - total / 10, listed);
}

/* A runtime that does not exist: a message and a nonzero status. */
TEST_F_TIMEOUT(top, unknown_runtime_fails, 180)
{
	int st;

	st = run(TOP " --once --runtime nosuch 2>&1", out, OUT_MAX);
	EXPECT_NE(0, st);
	EXPECT_NE(NULL, strstr(out, "no runtime 'nosuch'"));
}

/* No kasync debugfs directory: the same. */
TEST_F_TIMEOUT(top, missing_debugfs_fails, 180)
{
	int st;

	st = run(TOP " --once --root /nonexistent/kasync 2>&1", out,
		 OUT_MAX);
	EXPECT_EQ(1, st);
	EXPECT_NE(NULL, strstr(out, "does not exist"));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
