// SPDX-License-Identifier: GPL-2.0
/*
 * kasync kselftest: bad module parameters are refused, at the boundaries.
 *
 * Each parameter of the samples, given a value that is negative, too
 * large, out of its range, not a number ("12abc", ""), or for the address
 * and URL strings malformed, must fail the load with -EINVAL and a line
 * in the kernel log that names the parameter ("port must be ..."), and
 * leave nothing behind: the module is not loaded, no runtime appeared in
 * /sys/kernel/debug/kasync/, the default runtime spawned no task.  The
 * values at each end of a range load and unload.
 *
 * kasync's own parameters: a bad value written to a writable one under
 * /sys/module/kasync/parameters/ fails with EINVAL and leaves the value as
 * it was; at load (kasync is unloaded for this, when nothing uses it, and
 * loaded again with the kernel command line's kasync.* as scripts/vm-tests
 * does) a bad value of any of them fails the load.
 *
 * Skips (exit 4) without kasync; a case whose sample is not built skips.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "kasync_selftest.h"

#define KASYNC_KO	"kasync/kasync.ko"
#define KPARAMS		"/sys/module/kasync/parameters/"
#define DEBUGFS		"/sys/kernel/debug/kasync"
#define LOCAL		"urls=http://127.0.0.1:9/ "	/* nobody listens */
#define DL_KO		"samples/kasync_download.ko"

/* What a failed load must not change. */
struct state {
	char rts[1024];		/* the runtimes in debugfs, sorted */
	long long spawned;	/* by the default runtime */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names under /sys/kernel/debug/kasync/, sorted, into @buf. */
static void runtimes(char *buf, size_t len)
{
	char *names[64];
	struct dirent *e;
	size_t off = 0;
	int n = 0, i;
	DIR *d;

	buf[0] = '\0';
	d = opendir(DEBUGFS);
	if (!d)
		return;
	while ((e = readdir(d)) && n < 64)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		off += snprintf(buf + off, off < len ? len - off : 0, "%s ",
				names[i]);
		free(names[i]);
	}
}

static void snap(struct state *s)
{
	runtimes(s->rts, sizeof(s->rts));
	s->spawned = ks_stat_total("spawned");
}

static int loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* /dev/kmsg, read from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* The parameter @params sets last: "idle_ms" of "port=1 idle_ms=x". */
static void last_name(const char *params, char *buf, size_t len)
{
	const char *p = params, *name = params;
	size_t n;

	for (; *p; p += strspn(p, " ")) {
		n = strcspn(p, " ");
		if (memchr(p, '=', n))
			name = p;
		p += n;
	}
	n = strcspn(name, "= ");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), name);
}

/*
 * Load @ko with @params, which must fail with -EINVAL, naming @param in
 * the log, and change nothing.  @param: NULL for the last one set.
 */
static void refused(struct __test_metadata *_metadata, const char *ko,
		    const char *name, const char *params, const char *param)
{
	char needle[96], last[48];
	struct state a, b;
	int kmsg, err;

	if (!param) {
		last_name(params, last, sizeof(last));
		param = last;
	}
	snprintf(needle, sizeof(needle), "%s: %s must be", name, param);
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	snap(&a);
	err = ks_load(ko, params);
	if (!err)
		ks_unload(name);
	snap(&b);
	EXPECT_EQ(-EINVAL, err) TH_LOG("%s %s: loaded or failed otherwise",
				       name, params);
	EXPECT_FALSE(loaded(name)) TH_LOG("%s %s", name, params);
	EXPECT_STREQ(a.rts, b.rts) TH_LOG("%s %s: a runtime changed", name,
					  params);
	EXPECT_EQ(a.spawned, b.spawned) TH_LOG("%s %s: tasks spawned", name,
					       params);
	EXPECT_TRUE(ks_kmsg_has(kmsg, needle)) TH_LOG("%s %s: no \"%s\" logged",
						      name, params, needle);
	close(kmsg);
}

/* Load @ko with @params, which must work, and unload it. */
static void accepted(struct __test_metadata *_metadata, const char *ko,
		     const char *name, const char *params)
{
	ASSERT_EQ(0, ks_load(ko, params)) TH_LOG("%s %s", name, params);
	EXPECT_TRUE(loaded(name));
	EXPECT_EQ(0, ks_unload(name)) TH_LOG("%s %s", name, params);
}

/* Every value of @bad refused, every value of @good accepted. */
static void sample(struct __test_metadata *_metadata, const char *name,
		   const char *const *bad, const char *const *good)
{
	char ko[64];

	snprintf(ko, sizeof(ko), "samples/%s.ko", name);
	if (access(ko, R_OK))
		SKIP(return, "%s not built", ko);
	ks_unload(name);
	for (; *bad; bad++)
		refused(_metadata, ko, name, *bad, NULL);
	for (; *good; good++)
		accepted(_metadata, ko, name, *good);
}

FIXTURE(samples) {};
FIXTURE_SETUP(samples) {}
FIXTURE_TEARDOWN(samples) {}

/* The parameters every server sample shares (kasync_server.h). */
#define SERVER_BAD							\
	"port=-1", "port=0", "port=65536", "port=99999999999",		\
	"port=12abc", "port=", "port=0x", "max_conns=0",		\
	"max_conns=1000001", "max_conns=-1", "max_conns=99999999999",	\
	"max_conns=", "backlog=0", "backlog=65536", "backlog=-4096",	\
	"backlog=4k", "idle_ms=3600001", "idle_ms=-1",			\
	"idle_ms=99999999999", "idle_ms=1s", "percpu=2", "percpu=12abc",\
	"percpu=yess", "percpu="

TEST_F_TIMEOUT(samples, udp, 600)
{
	static const char *const bad[] = {
		"port=-1", "port=0", "port=65536", "port=99999999999",
		"port=12abc", "port=", "tasks=0", "tasks=1025", "tasks=-1",
		"tasks=99999999999", "tasks=four", "max_len=0",
		"max_len=65508", "max_len=-1", "max_len=4294967297",
		"max_len=", NULL
	};
	static const char *const good[] = {
		"port=1 tasks=1024 max_len=1", "port=65535 tasks=1 max_len=65507",
		NULL
	};

	sample(_metadata, "kasync_udp", bad, good);
}

TEST_F_TIMEOUT(samples, echo, 600)
{
	static const char *const bad[] = {
		SERVER_BAD, "send_ms=3600001", "send_ms=-1",
		"send_ms=99999999999", "send_ms=1e3", "send_ms=", NULL
	};
	static const char *const good[] = {
		"port=1 max_conns=1 backlog=1 idle_ms=0 send_ms=0 percpu=n",
		"port=65535 max_conns=1000000 backlog=65535 idle_ms=3600000 send_ms=3600000 percpu=Y",
		"port=7007 percpu", "port=7007 percpu=t", "port=7007 percpu=OFF",
		NULL
	};

	sample(_metadata, "kasync_echo", bad, good);
}

TEST_F_TIMEOUT(samples, http, 600)
{
	static const char *const bad[] = {
		SERVER_BAD, "counter=", "counter=localhost:8081",
		"counter=127.0.0.1:0", "counter=127.0.0.1:65536",
		"counter=127.0.0.1:-1", "counter=127.0.0.1:",
		"counter=127.0.0.1:80x", "counter=1.2.3:80",
		"counter=1.2.3.4.5:80", "counter=256.0.0.1:80",
		"counter=[::1", "counter=[::1]8081", "counter=[::g]:8081",
		"counter=127.0.0.1x:8081", "counter=[::1x]:8081",
		"counter=http://127.0.0.1:8081/",
		"counter_ms=3600001", "counter_ms=-1", "counter_ms=",
		"head_ms=99999999999", "head_ms=x", "request_ms=3600001",
		"request_ms=-30000", "send_ms=12abc", "send_ms=4294967296",
		"max_body=2049", "max_body=-1", "max_body=99999999999",
		"max_body=", NULL
	};
	static const char *const good[] = {
		"port=65535 counter=[::1]:65535 counter_ms=3600000 head_ms=0 request_ms=3600000 send_ms=0 max_body=2048",
		"port=1 counter=127.0.0.1 counter_ms=0 head_ms=3600000 request_ms=0 send_ms=3600000 max_body=0",
		NULL
	};

	sample(_metadata, "kasync_http", bad, good);
}

TEST_F_TIMEOUT(samples, counter, 600)
{
	static const char *const bad[] = {
		SERVER_BAD, "request_ms=3600001", "request_ms=-1",
		"request_ms=99999999999", "request_ms=10s", "request_ms=",
		NULL
	};
	static const char *const good[] = {
		"port=65535 request_ms=3600000", "port=1 request_ms=0", NULL
	};

	sample(_metadata, "kasync_counter", bad, good);
}

TEST_F_TIMEOUT(samples, demo, 600)
{
	static const char *const bad[] = {
		"workers=0", "workers=100001", "workers=-1",
		"workers=99999999999", "workers=2k", "workers=",
		"yields=1001", "yields=-1", "yields=99999999999",
		"yields=ten", "yields=", NULL
	};
	static const char *const good[] = {
		"workers=1 yields=0", "workers=1 yields=1000", NULL
	};

	sample(_metadata, "kasync_demo", bad, good);
}

TEST_F_TIMEOUT(samples, download, 600)
{
	static const char *const bad[] = {
		"urls=", "urls=,", "urls=ftp://127.0.0.1/",
		"urls=http://", "urls=http:///", "urls=http://example.com/",
		"urls=http://127.0.0.1:99999/", "urls=http://127.0.0.1:0/",
		"urls=http://127.0.0.1:9/,bogus",
		"urls=http://127.0.0.1:9/,http://127.0.0.1:9/,",
		"urls=http://127.0.0.1:9/,,http://127.0.0.1:9/",
		"urls=\"http://127.0.0.1:9/a b\"", "urls=http://127.0.0.1:9/%zz",
		"urls=http://[::1:9/", "urls=HTTP://127.0.0.1:9/",
		"urls=http://127.0.0.1x:9/", "urls=http://[::1]x:9/",
		"urls=http://127.0.0.1:9/\001",
		LOCAL "timeout_ms=0", LOCAL "timeout_ms=3600001",
		LOCAL "timeout_ms=-1", LOCAL "timeout_ms=99999999999",
		LOCAL "timeout_ms=5s", LOCAL "timeout_ms=",
		LOCAL "max_bytes=-1", LOCAL "max_bytes=1073741825",
		LOCAL "max_bytes=99999999999", LOCAL "max_bytes=1M",
		LOCAL "max_bytes=", NULL
	};
	static const char *const good[] = {
		LOCAL "timeout_ms=1 max_bytes=0",
		"urls=http://[::1]:9/a?b=%41,http://127.0.0.1:9 timeout_ms=3600000 max_bytes=1073741824",
		NULL
	};
	/* 64 pages are the most; 65 a typo, not 64 and one dropped. */
	char many[65 * 16 + 8] = "urls=";
	int i;

	if (access(DL_KO, R_OK))
		SKIP(return, "%s not built", DL_KO);
	sample(_metadata, "kasync_download", bad, good);
	/* No urls at all. */
	refused(_metadata, DL_KO, "kasync_download", "timeout_ms=100", "urls");
	for (i = 0; i < 64; i++)
		strcat(many, i ? ",http://[::1]:9" : "http://[::1]:9");
	accepted(_metadata, DL_KO, "kasync_download", many);
	strcat(many, ",http://[::1]:9");
	refused(_metadata, DL_KO, "kasync_download", many, NULL);
}

/* kasync's writable parameters: a bad write fails and changes nothing. */
struct knob {
	const char *name;
	const char *const bad[12];
	const char *good;	/* a valid value, as it reads back */
};

static const struct knob knobs[] = {
	{ "linger_us", { "-1", "1000001", "99999999999", "4294967296",
			 "12abc", "", "50us", NULL }, "1000000" },
	{ "rescue_us", { "-1", "1000001", "99999999999", "4294967296",
			 "12abc", "", "0x", NULL }, "0" },
	{ "detect_long_poll_us", { "-1", "60000001", "99999999999",
				   "4294967296", "12abc", "", NULL },
	  "60000000" },
	{ "detect_sleep", { "2", "12abc", "yess", "no way", "-1", "", NULL },
	  "N" },
	{ "detect_context", { "2", "0n", "offf", "maybe", "", NULL }, "N" },
	{ "detect_no_waker", { "10", "true!", "nope", "", NULL }, "N" },
	{ "drain_report_s", { "-1", "3601", "99999999999", "4294967296",
			      "12abc", "", "10s", NULL }, "3600" },
};

/* The parameter's value, without its newline, into @buf. */
static int knob_read(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), KPARAMS "%s", name);
	return ks_read_str(path, buf, len);
}

/* Write @val (with a newline, as echo does) to the parameter: 0 or -errno. */
static int knob_write(const char *name, const char *val)
{
	char path[128], line[64];

	snprintf(path, sizeof(path), KPARAMS "%s", name);
	snprintf(line, sizeof(line), "%s\n", val);
	return ks_write_str(path, line);
}

TEST_F_TIMEOUT(samples, kasync_writes, 120)
{
	char old[64], now[64];
	const char *const *v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		const struct knob *k = &knobs[i];

		ASSERT_EQ(0, knob_read(k->name, old, sizeof(old)))
			TH_LOG("%s", k->name);
		for (v = k->bad; *v; v++) {
			EXPECT_EQ(-EINVAL, knob_write(k->name, *v))
				TH_LOG("%s=\"%s\"", k->name, *v);
			ASSERT_EQ(0, knob_read(k->name, now, sizeof(now)));
			EXPECT_STREQ(old, now) TH_LOG("%s=\"%s\"", k->name, *v);
		}
		EXPECT_EQ(0, knob_write(k->name, k->good)) TH_LOG("%s", k->name);
		ASSERT_EQ(0, knob_read(k->name, now, sizeof(now)));
		EXPECT_STREQ(k->good, now) TH_LOG("%s", k->name);
		ASSERT_EQ(0, knob_write(k->name, old)) TH_LOG("%s", k->name);
		ASSERT_EQ(0, knob_read(k->name, now, sizeof(now)));
		EXPECT_STREQ(old, now) TH_LOG("%s", k->name);
	}
}

FIXTURE(kload) {
	char params[1024];
};

FIXTURE_SETUP(kload)
{
	if (access(KASYNC_KO, R_OK))
		SKIP(return, "%s not found", KASYNC_KO);
	if (ks_kasync_refs() != 0)
		SKIP(return, "kasync is in use: it cannot be unloaded");
	ks_cmdline_params(self->params, sizeof(self->params));
	ASSERT_EQ(0, ks_unload("kasync"));
}

/* kasync is loaded again as it was, whatever happened. */
FIXTURE_TEARDOWN(kload)
{
	if (!loaded("kasync"))
		EXPECT_EQ(0, ks_load(KASYNC_KO, self->params));
}

TEST_F_TIMEOUT(kload, kasync_refuses_bad_values, 600)
{
	static const char *const bad[] = {
		"blocking_max_active=-1", "blocking_max_active=99999",
		"blocking_max_active=99999999999", "blocking_max_active=",
		"blocking_max_active=4x", "linger_us=1000001", "linger_us=-1",
		"linger_us=12abc", "rescue_us=99999999999", "rescue_us=",
		"detect_long_poll_us=60000001", "detect_long_poll_us=-5",
		"detect_long_poll_us=1ms", "detect_sleep=2",
		"detect_sleep=", "detect_context=yess", "detect_no_waker=12abc",
		"drain_report_s=3601", "drain_report_s=-1", "drain_report_s=1m",
		NULL
	};
	static const char *const good[] = {
		"blocking_max_active=512 linger_us=0 rescue_us=1000000 detect_sleep=off",
		"detect_long_poll_us=60000000 detect_context=1 detect_no_waker=true",
		"blocking_max_active=1 linger_us=1000000 rescue_us=0 detect_long_poll_us=0",
		"drain_report_s=0", "drain_report_s=3600",
		NULL
	};
	char p[1200];
	size_t i;

	for (i = 0; bad[i]; i++) {
		/* After the command line's, which it overrides. */
		snprintf(p, sizeof(p), "%s %s", self->params, bad[i]);
		refused(_metadata, KASYNC_KO, "kasync", p,
			strtok(strdupa(bad[i]), "="));
		EXPECT_NE(0, access(DEBUGFS, F_OK)) TH_LOG("%s", bad[i]);
	}
	for (i = 0; good[i]; i++) {
		snprintf(p, sizeof(p), "%s %s", self->params, good[i]);
		accepted(_metadata, KASYNC_KO, "kasync", p);
	}
	ASSERT_EQ(0, ks_load(KASYNC_KO, self->params));
}

int main(int argc, char **argv)
{
	if (access("/sys/module/kasync", F_OK)) {
		ksft_print_header();
		ksft_exit_skip("kasync not loaded\n");
	}
	return test_harness_run(argc, argv);
}
