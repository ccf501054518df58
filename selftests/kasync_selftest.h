/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by kasync's kselftests (static inline): loading and
 * unloading helper modules, reading and writing sysfs and debugfs files,
 * reading the kernel log and debugfs statistics.
 */
#ifndef _KASYNC_SELFTEST_H
#define _KASYNC_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* finit_module(@path, @params): 0 or -errno (the module init's error). */
static inline int ks_load(const char *path, const char *params)
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

/* delete_module(@name): 0 or -errno. */
static inline int ks_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* Writes @val, as it is, to the file @path in one write(): 0 or -errno. */
static inline int ks_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Reads the file @path (one read(), as sysfs gives a value) into @buf,
 * up to its first newline: 0 or -errno.
 */
static inline int ks_read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* How many references hold kasync (/sys/module/kasync/refcnt), or -1. */
static inline int ks_kasync_refs(void)
{
	FILE *f = fopen("/sys/module/kasync/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/*
 * The kernel command line's kasync.* parameters as insmod takes them
 * ("name=value ..."): what scripts/vm-tests loads kasync with, for a test
 * that unloads kasync to load it again.
 */
static inline void ks_cmdline_params(char *buf, size_t len)
{
	char line[4096], *tok, *save;
	size_t off = 0;
	FILE *f = fopen("/proc/cmdline", "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		for (tok = strtok_r(line, "\n ", &save); tok;
		     tok = strtok_r(NULL, "\n ", &save))
			if (!strncmp(tok, "kasync.", 7) && off < len)
				off += snprintf(buf + off, len - off, "%s ",
						tok + 7);
	fclose(f);
}


/* What a wrk run printed. */
struct ks_wrk {
	long long reqs;		/* "N requests in": -1 if wrk said none */
	int non2xx;		/* some answers were not 2xx */
	int errors;		/* some socket errors */
};

/*
 * Run @cmd, a wrk command line with its stderr sent to stdout, logging
 * each line of its output, and fill @r from it.  Return pclose()'s
 * status, or -1 if it could not be started.
 */
static inline int ks_wrk_run(const char *cmd, struct ks_wrk *r)
{
	char line[512];
	long long v;
	FILE *p;

	r->reqs = -1;
	r->non2xx = 0;
	r->errors = 0;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		fprintf(stderr, "# wrk: %s", line);
		if (sscanf(line, " %lld requests in", &v) == 1)
			r->reqs = v;
		if (strstr(line, "Non-2xx"))
			r->non2xx = 1;
		if (strstr(line, "Socket errors"))
			r->errors = 1;
	}
	return pclose(p);
}
/* Whether the kernel log, read from @fd (/dev/kmsg) onwards, has @needle. */
static inline int ks_kmsg_has(int fd, const char *needle)
{
	char rec[2048];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		if (strstr(rec, needle))
			return 1;
	}
	return 0;
}

/* The "total" row's value in column @col of runtime @rt's stats. */
static inline long long ks_rt_stat_total(const char *rt, const char *col)
{
	char path[256], line[1024], head[1024] = "";
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kasync/%s/stats", rt);
	f = fopen(path, "r");
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

/* The same for the default runtime. */
static inline long long ks_stat_total(const char *col)
{
	return ks_rt_stat_total("default", col);
}

#endif /* _KASYNC_SELFTEST_H */
