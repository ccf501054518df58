// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: the tracepoints, as a user reads them.
 *
 * events: enables the kasync event system through tracefs, loads
 * samples/kasync_ex_group.ko (its jobs sleep on kasync timers, so their
 * wakes come from the timer's interrupt) and reads the trace.  Some task
 * must show, under one task= id and in this order: spawn, poll_start, a
 * poll_end with result=pending, a wake, a poll_end with result=ready,
 * complete.  Every wake names its waker (thread, softirq, hardirq or
 * poll), and a task that waited on a timer (wait=timer) is woken from an
 * interrupt.  With the events disabled again, a second load traces
 * nothing.
 *
 * oneliner: runs the scripts of Documentation/examples/observability/
 * (perf, trace-cmd, bpftrace), which Documentation/observability.rst
 * includes, around the same load; each must exit 0 and print kasync
 * events (or bpftrace's histogram and counts).  A tool that is not
 * installed, or cannot run on this kernel, is skipped with the reason.
 *
 * Skips (exit 4) without kasync.
 */
#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define SAMPLE_KO	"samples/kasync_ex_group.ko"
#define SAMPLE		"kasync_ex_group"
#define EXAMPLES	"Documentation/examples/observability"
#define TRACE_MAX	(4 << 20)

/* The tracefs directory with kasync's events, or NULL. */
static const char *tracefs(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/kasync", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	return NULL;
}

/* Write @val to @dir/@file (O_TRUNC: writing "" to "trace" clears it). */
static int tfs_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* All of @path (a NUL-terminated malloc()ed buffer), or NULL. */
static char *slurp(const char *path)
{
	char *buf = malloc(TRACE_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (len < TRACE_MAX && (n = read(fd, buf + len, TRACE_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* One task event of the trace. */
struct ev {
	char kind[16];		/* spawn, poll_start, poll_end, wake, ... */
	unsigned long long task;
	char *line;
};

/*
 * The task events of a trace, in order, pointing into @buf (whose lines
 * it splits).  A line is "COMM-PID [CPU] FLAGS TIME: kasync_<kind>:
 * task=<id> ..." (this program's COMM starts with "kasync_" too).
 */
static int parse_trace(char *buf, struct ev **evs)
{
	struct ev *v = NULL;
	int n = 0, cap = 0;
	char *save, *line;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *k = strstr(line, ": kasync_"), *t;
		size_t len;

		if (!k)
			continue;
		k += strlen(": kasync_");
		len = strcspn(k, ":");
		t = strstr(k, "task=");
		if (!t || len >= sizeof(v->kind))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				return -1;
		}
		memcpy(v[n].kind, k, len);
		v[n].kind[len] = '\0';
		v[n].task = strtoull(t + 5, NULL, 10);
		v[n].line = line;
		n++;
	}
	*evs = v;
	return n;
}

/* The value of "@key=" in @line, up to the next space, in @out. */
static int field(const char *line, const char *key, char *out, size_t len)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	n = strcspn(p, " ");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int is(const struct ev *e, const char *kind, const char *key,
	      const char *val)
{
	char v[32];

	if (strcmp(e->kind, kind))
		return 0;
	return !key || (!field(e->line, key, v, sizeof(v)) && !strcmp(v, val));
}

/*
 * Whether task @id's events contain the life
 * spawn < poll_start < poll_end pending < wake < poll_end ready <
 * complete; @at gets the indexes of those six events.
 */
static int life(const struct ev *v, int n, unsigned long long id, int at[6])
{
	static const struct { const char *kind, *key, *val; } step[6] = {
		{ "spawn", NULL, NULL }, { "poll_start", NULL, NULL },
		{ "poll_end", "result", "pending" }, { "wake", NULL, NULL },
		{ "poll_end", "result", "ready" }, { "complete", NULL, NULL },
	};
	int i, s = 0;

	for (i = 0; i < n && s < 6; i++) {
		if (v[i].task != id)
			continue;
		if (is(&v[i], step[s].kind, step[s].key, step[s].val))
			at[s++] = i;
	}
	return s == 6;
}

/* Print a trace line to the log, trimmed of its leading blanks. */
static void show(struct __test_metadata *_metadata, const char *what,
		 const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	TH_LOG("%-10s %s", what, line);
}

FIXTURE(events) {
	const char *dir;
	char *trace;
	struct ev *evs;
	char clock[32];
};

/* The clock "trace_clock" has selected ("[local] global ..."), in @out. */
static void trace_clock_now(const char *dir, char *out, size_t len)
{
	char path[256], *buf, *b, *e;

	snprintf(path, sizeof(path), "%s/trace_clock", dir);
	out[0] = '\0';
	buf = slurp(path);
	if (!buf)
		return;
	b = strchr(buf, '[');
	e = b ? strchr(b, ']') : NULL;
	if (e && (size_t)(e - b - 1) < len) {
		memcpy(out, b + 1, e - b - 1);
		out[e - b - 1] = '\0';
	}
	free(buf);
}

FIXTURE_SETUP(events)
{
	self->trace = NULL;
	self->evs = NULL;
	self->clock[0] = '\0';
	self->dir = tracefs();
	if (!self->dir)
		SKIP(return, "no kasync events in tracefs (CONFIG_EVENT_TRACING?)");
	if (access(SAMPLE_KO, R_OK))
		SKIP(return, "%s not built", SAMPLE_KO);
	/*
	 * The default clock, "local", is per CPU: events of two CPUs may
	 * come out of order.  "global" orders them (trace-cmd record -C).
	 */
	trace_clock_now(self->dir, self->clock, sizeof(self->clock));
	ASSERT_EQ(0, tfs_write(self->dir, "trace_clock", "global"));
	ASSERT_EQ(0, tfs_write(self->dir, "events/kasync/enable", "0"));
	ASSERT_EQ(0, tfs_write(self->dir, "trace", ""));
	ASSERT_EQ(0, tfs_write(self->dir, "tracing_on", "1"));
}

FIXTURE_TEARDOWN(events)
{
	ks_unload(SAMPLE);
	if (self->dir) {
		tfs_write(self->dir, "events/kasync/enable", "0");
		tfs_write(self->dir, "trace", "");
		if (self->clock[0] &&
		    tfs_write(self->dir, "trace_clock", self->clock))
			TH_LOG("could not restore trace_clock %s", self->clock);
	}
	free(self->evs);
	free(self->trace);
}

TEST_F_TIMEOUT(events, task_life_in_order, 300)
{
	int i, w, n, at[6], timer_tasks = 0, found = -1, named = 0;
	char path[256], waker[32], wait[8];
	const char *const wakers[] = { "thread", "softirq", "hardirq", "poll" };

	ASSERT_EQ(0, tfs_write(self->dir, "events/kasync/enable", "1"));
	ASSERT_EQ(0, ks_load(SAMPLE_KO, ""));
	/* Read with the sample loaded: poll=%ps names its functions. */
	snprintf(path, sizeof(path), "%s/trace", self->dir);
	self->trace = slurp(path);
	ASSERT_EQ(0, tfs_write(self->dir, "events/kasync/enable", "0"));
	ASSERT_EQ(0, ks_unload(SAMPLE));
	ASSERT_NE(NULL, self->trace);
	n = parse_trace(self->trace, &self->evs);
	ASSERT_LT(0, n) TH_LOG("no kasync task events in %s", path);

	for (i = 0; i < n; i++) {
		const struct ev *e = &self->evs[i];
		int j;

		if (is(e, "spawn", NULL, NULL)) {
			if (strstr(e->line, " [" SAMPLE "] "))
				named++;
			if (found < 0 && life(self->evs, n, e->task, at))
				found = i;
		}
		if (!strcmp(e->kind, "wake")) {
			ASSERT_EQ(0, field(e->line, "waker", waker, sizeof(waker)))
				TH_LOG("%s", e->line);
			for (w = 0; w < 4 && strcmp(waker, wakers[w]); w++)
				;
			EXPECT_GT(4, w) TH_LOG("unknown waker: %s", e->line);
		}
		/* A task that waits on a timer: the timer's IRQ wakes it. */
		if (!is(e, "poll_end", "result", "pending") ||
		    field(e->line, "wait", wait, sizeof(wait)) ||
		    strcmp(wait, "timer"))
			continue;
		for (j = i + 1; j < n; j++) {
			if (self->evs[j].task != e->task)
				continue;
			if (!strcmp(self->evs[j].kind, "wake"))
				break;
			if (!strcmp(self->evs[j].kind, "poll_start") ||
			    !strcmp(self->evs[j].kind, "cancel"))
				j = n;	/* polled again (or cancelled) unwoken */
		}
		if (j >= n)
			continue;
		if (!timer_tasks++)
			show(_metadata, "timer", self->evs[j].line);
		field(self->evs[j].line, "waker", waker, sizeof(waker));
		EXPECT_TRUE(!strcmp(waker, "hardirq") ||
			    !strcmp(waker, "softirq"))
			TH_LOG("a timer wake not from an interrupt: %s",
			       self->evs[j].line);
	}
	EXPECT_LT(0, named) TH_LOG("no spawn names a poll function of %s", SAMPLE);
	EXPECT_LT(0, timer_tasks) TH_LOG("no task waited on a timer and was woken");
	if (found < 0) {
		TH_LOG("no task shows spawn, poll, pending, wake, ready, complete; the trace:");
		for (i = 0; i < n && i < 200; i++)
			show(_metadata, self->evs[i].kind, self->evs[i].line);
	}
	ASSERT_LE(0, found);

	life(self->evs, n, self->evs[found].task, at);
	show(_metadata, "spawn", self->evs[at[0]].line);
	show(_metadata, "poll_start", self->evs[at[1]].line);
	show(_metadata, "poll_end", self->evs[at[2]].line);
	show(_metadata, "wake", self->evs[at[3]].line);
	show(_metadata, "poll_end", self->evs[at[4]].line);
	show(_metadata, "complete", self->evs[at[5]].line);
	TH_LOG("%d task events, %d timer waits woken", n, timer_tasks);

	/* Disabled: a second load leaves no kasync event in the trace. */
	free(self->evs);
	self->evs = NULL;
	free(self->trace);
	ASSERT_EQ(0, tfs_write(self->dir, "trace", ""));
	ASSERT_EQ(0, ks_load(SAMPLE_KO, ""));
	ASSERT_EQ(0, ks_unload(SAMPLE));
	self->trace = slurp(path);
	ASSERT_NE(NULL, self->trace);
	EXPECT_EQ(NULL, strstr(self->trace, ": kasync_"));
}

/*
 * A documented one-liner: the script, the tool it needs, what its output
 * must contain, and how long it may take.
 */
FIXTURE(oneliner) {
	char dir[64];
	char load[96];
	char *out;
};

FIXTURE_VARIANT(oneliner) {
	const char *script;
	const char *tool;
	const char *const expect[4];
	int secs;
	bool not_emulated;	/* skipped on an emulated CPU: too slow */
};

FIXTURE_VARIANT_ADD(oneliner, perf) {
	.script = "perf-record.sh",
	.tool = "perf",
	.expect = { "kasync:kasync_spawn: task=", "kasync:kasync_poll_end: task=",
		    "kasync:kasync_wake: task=", "kasync:kasync_complete: task=" },
	.secs = 180,
};

FIXTURE_VARIANT_ADD(oneliner, trace_cmd) {
	.script = "trace-cmd.sh",
	.tool = "trace-cmd",
	.expect = { "kasync_spawn:", "kasync_poll_end:", "kasync_wake:",
		    "kasync_complete:" },
	.secs = 180,
};

FIXTURE_VARIANT_ADD(oneliner, bpftrace) {
	.script = "bpftrace-polls.sh",
	.tool = "bpftrace",
	.expect = { "@poll_ns:", "|@", "@wakes_by_waker[2]: " },
	.secs = 600,
	.not_emulated = true,
};

/* Whether @tool is an executable in $PATH. */
static int have_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/*
 * Whether this is a VM on an emulated CPU (QEMU's TCG): a hypervisor, but
 * not KVM's clock.  bpftrace 0.17 spends minutes there before its first
 * probe: the dynamic loader relocates libLLVM and libclang (about
 * 140 MB), page by page, through the VM's 9p root.
 */
static int emulated_cpu(void)
{
	char buf[256] = "";
	FILE *f;
	int hyp;

	hyp = system("grep -qw hypervisor /proc/cpuinfo") == 0;
	f = fopen("/sys/devices/system/clocksource/clocksource0/available_clocksource",
		  "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return hyp && !strstr(buf, "kvm-clock");
}

FIXTURE_SETUP(oneliner)
{
	char cwd[256];
	FILE *f;

	self->out = NULL;
	if (!tracefs())
		SKIP(return, "no kasync events in tracefs (CONFIG_EVENT_TRACING?)");
	if (access(SAMPLE_KO, R_OK))
		SKIP(return, "%s not built", SAMPLE_KO);
	if (!have_tool(variant->tool))
		SKIP(return, "%s is not installed", variant->tool);
	if (variant->not_emulated && emulated_cpu())
		SKIP(return, "%s: minutes to start on an emulated CPU (TCG)",
		     variant->tool);
	snprintf(self->dir, sizeof(self->dir), "/tmp/kasync-trace.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	/* The load: the same sample, loaded and unloaded by a script. */
	snprintf(self->load, sizeof(self->load), "%s/load.sh", self->dir);
	f = fopen(self->load, "w");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	fprintf(f, "#!/bin/sh\ninsmod %s/%s && rmmod %s\n", cwd, SAMPLE_KO,
		SAMPLE);
	fclose(f);
}

FIXTURE_TEARDOWN(oneliner)
{
	char cmd[160];

	ks_unload(SAMPLE);
	free(self->out);
	if (self->dir[0] == '/') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
		if (system(cmd))
			TH_LOG("could not remove %s", self->dir);
	}
}

/* Log @out's lines that contain @needle (at most @max of them). */
static void show_lines(struct __test_metadata *_metadata, const char *out,
		       const char *needle, int max)
{
	const char *p = out, *nl;

	while (max > 0 && (p = strstr(p, needle))) {
		const char *b = p;

		while (b > out && b[-1] != '\n')
			b--;
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		TH_LOG("  %.*s", (int)(nl - b), b);
		p = nl;
		max--;
	}
}

/* Log the first @max lines of @out. */
static void show_head(struct __test_metadata *_metadata, const char *out,
		      int max)
{
	const char *nl;

	while (max-- > 0 && *out) {
		nl = strchrnul(out, '\n');
		TH_LOG("| %.*s", (int)(nl - out), out);
		out = *nl ? nl + 1 : nl;
	}
}

TEST_F_TIMEOUT(oneliner, runs_and_prints_events, 900)
{
	char cmd[512], path[256];
	int status, i;
	time_t start;
	FILE *p;
	size_t len = 0, n;

	self->out = malloc(TRACE_MAX + 1);
	ASSERT_NE(NULL, self->out);
	snprintf(path, sizeof(path), EXAMPLES "/%s", variant->script);
	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("%s is not executable", path);
	snprintf(cmd, sizeof(cmd), "timeout %d %s /bin/sh %s 2>&1",
		 variant->secs, path, self->load);
	start = time(NULL);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	while (len < TRACE_MAX &&
	       (n = fread(self->out + len, 1, TRACE_MAX - len, p)) > 0)
		len += n;
	self->out[len] = '\0';
	status = pclose(p);
	TH_LOG("%s: %ld s, exit status %d, %zu bytes of output", variant->script,
	       (long)(time(NULL) - start),
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, len);
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 124)
		TH_LOG("%s did not finish within %d s", variant->script,
		       variant->secs);
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("output: %.2000s", self->out);
	show_head(_metadata, self->out, 12);
	for (i = 0; i < 4 && variant->expect[i]; i++) {
		EXPECT_NE(NULL, strstr(self->out, variant->expect[i]))
			TH_LOG("no \"%s\" in the output of %s",
			       variant->expect[i], variant->script);
		show_lines(_metadata, self->out, variant->expect[i], 2);
	}
}

#define LONG_POLL "/sys/module/kasync/parameters/detect_long_poll_us"

int main(int argc, char **argv)
{
	char saved[32] = "";
	FILE *f;
	int ret;

	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	/*
	 * Under an emulated CPU a stalled vCPU counts into the poll it
	 * interrupted: the long-poll detector would report the emulator's
	 * stalls while the samples run traced.  Raise it to at least 1 s
	 * meanwhile (never lower it: the VM's may be higher already).
	 */
	f = fopen(LONG_POLL, "r+");
	if (f) {
		if (!fgets(saved, sizeof(saved), f))
			saved[0] = '\0';
		rewind(f);
		if (strtoul(saved, NULL, 10) < 1000000)
			fputs("1000000", f);
		else
			saved[0] = '\0';	/* nothing to restore */
		fclose(f);
	}
	ret = test_harness_run(argc, argv);
	f = saved[0] ? fopen(LONG_POLL, "w") : NULL;
	if (f) {
		fputs(saved, f);
		fclose(f);
	}
	return ret;
}
