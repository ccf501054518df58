// SPDX-License-Identifier: GPL-2.0
/*
 * file_uring: the io_uring (liburing) variant of kasync's file benchmark
 * (bench/file_bench.c): the same reads of the same file, from user space.
 * A run reads READS distinct 4 KiB blocks, the j-th at block
 * (j * 0x9e3779b1) mod 2^k of the file's first 2^k blocks, keeping N in
 * flight on one ring of N entries (one thread: each completion submits the
 * next read); one unmeasured warm-up run, then RUNS measured ones.  Per run
 * it prints, like the module:
 *
 *   kbench file_<mode>_<N> io_uring <run> <ns per read>
 *   kbench file_<mode>_<N>_threads io_uring <run> <io-wq workers, peak>
 *   kbench file_<mode>_<N>_mem io_uring <run> <bytes per read in flight>
 *                                                      (not at N = 1)
 *
 * The threads row is the peak number of the process's threads beyond its
 * own two (io_uring's io-wq workers, "iou-wrk-*"), the memory row the peak
 * of the kernel's slab and kernel stacks (/proc/meminfo, after writing
 * /proc/sys/vm/stat_refresh so that the per-CPU deltas are folded in) above
 * the figure before the ring was set up, divided by N: kernel side only
 * (the ring's own pages and the user buffers are not counted).  A sampler
 * thread takes both every 5 ms.
 *
 * Modes: cold (the file's page cache dropped with POSIX_FADV_DONTNEED
 * before each run), direct (opened O_DIRECT; the cache dropped too), warm
 * (read whole before each run), tmpfs (as warm).  The file is read with
 * POSIX_FADV_RANDOM, as the module's files.
 *
 * Usage: file_uring -f FILE -m cold|direct|warm|tmpfs [-c N[,N...]]
 *                   [-n READS] [-r RUNS]
 *   defaults: N 1,64,1024; READS 4096; RUNS 5
 * Exits 1 on an error (a short or failed read included), 3 when the
 * kernel has no io_uring (CONFIG_IO_URING).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK	4096
#define STRIDE	0x9e3779b1u
#define USAGE	"usage: file_uring -f FILE -m cold|direct|warm|tmpfs [-c N,...] " \
		"[-n READS] [-r RUNS]"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "file_uring: %s: %s\n", what, strerror(err));
	exit(1);
}

/* ---- the sampler ---------------------------------------------------------- */

static int sampling;		/* __atomic_*() */
static long long peak_bytes, base_bytes;
static int peak_threads;

/* Slab + KernelStack of /proc/meminfo, bytes, after folding the deltas. */
static long long kernel_bytes(void)
{
	long long slab = 0, stack = 0, v;
	char line[256];
	FILE *f;
	int fd;

	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		/* counters below zero say EINVAL: refreshed all the same */
		ssize_t w = write(fd, "1", 1);

		(void)w;
		close(fd);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lld kB", &v) == 1)
			slab = v;
		else if (sscanf(line, "KernelStack: %lld kB", &v) == 1)
			stack = v;
	}
	fclose(f);
	return (slab + stack) * 1024;
}

static int threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void sample(void)
{
	long long b = kernel_bytes() - base_bytes;
	/* beyond the main thread and this sampler */
	int t = threads_now() - 2;

	if (b > peak_bytes)
		peak_bytes = b;
	if (t > peak_threads)
		peak_threads = t;
}

static void *sampler(void *arg)
{
	struct timespec ts = { 0, 5000000 };

	while (__atomic_load_n(&sampling, __ATOMIC_ACQUIRE)) {
		sample();
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* ---- one run ------------------------------------------------------------- */

static void prepare(int fd, const char *mode, off_t size)
{
	static char buf[1 << 16];
	off_t pos = 0;
	ssize_t n;

	if (!strcmp(mode, "cold") || !strcmp(mode, "direct")) {
		int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);

		if (err)
			die("POSIX_FADV_DONTNEED", err);
		return;
	}
	while (pos < size) {
		n = pread(fd, buf, sizeof(buf), pos);
		if (n <= 0)
			break;
		pos += n;
	}
}

static void run_once(int fd, int dfd, const char *mode, off_t size,
		     unsigned int n, unsigned int reads, unsigned int mask,
		     char *bufs, double *vals)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned int next = 0, done = 0, inflight = 0, head, seen;
	pthread_t st;
	uint64_t t0;
	int rfd = dfd >= 0 ? dfd : fd, err;

	prepare(rfd, mode, size);
	base_bytes = kernel_bytes();
	peak_bytes = 0;
	peak_threads = 0;
	err = io_uring_queue_init(n, &ring, 0);
	if (err == -ENOSYS) {
		fprintf(stderr, "file_uring: the kernel has no io_uring\n");
		exit(3);
	}
	if (err)
		die("io_uring_queue_init", -err);
	__atomic_store_n(&sampling, 1, __ATOMIC_RELEASE);
	err = pthread_create(&st, NULL, sampler, NULL);
	if (err)
		die("pthread_create", err);

	t0 = now_ns();
	while (done < reads) {
		while (inflight < n && next < reads) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			uint64_t blk = ((uint64_t)next * STRIDE) & mask;
			unsigned int slot = next % n;

			if (!sqe)
				break;
			io_uring_prep_read(sqe, rfd, bufs + (size_t)slot * BLOCK,
					   BLOCK, blk * BLOCK);
			io_uring_sqe_set_data64(sqe, slot);
			next++;
			inflight++;
		}
		err = io_uring_submit_and_wait(&ring, 1);
		if (err < 0)
			die("io_uring_submit_and_wait", -err);
		seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			if (cqe->res != BLOCK) {
				fprintf(stderr, "file_uring: read returned %d\n",
					cqe->res);
				exit(1);
			}
			seen++;
		}
		io_uring_cq_advance(&ring, seen);
		done += seen;
		inflight -= seen;
	}
	vals[0] = (double)(now_ns() - t0) / reads;
	/* one sample at the end too: a short run may have none */
	sample();
	__atomic_store_n(&sampling, 0, __ATOMIC_RELEASE);
	pthread_join(st, NULL);
	io_uring_queue_exit(&ring);
	vals[1] = peak_threads > 0 ? peak_threads : 0;
	vals[2] = peak_bytes > 0 ? (double)peak_bytes / n : 0;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *mode = NULL;
	char conc[256] = "1,64,1024", *tok, *save;
	unsigned int reads = 4096, runs = 5, r, n, mask;
	int fd, dfd = -1, opt, err;
	struct stat st;
	double vals[3];
	char *bufs;

	while ((opt = getopt(argc, argv, "f:m:c:n:r:")) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'c':
			snprintf(conc, sizeof(conc), "%s", optarg);
			break;
		case 'n':
			reads = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			runs = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "%s\n", USAGE);
			return 2;
		}
	}
	if (!file || !mode || (strcmp(mode, "cold") && strcmp(mode, "direct") &&
			       strcmp(mode, "warm") && strcmp(mode, "tmpfs")) ||
	    reads < 64 || !runs) {
		fprintf(stderr, "%s\n(READS >= 64, RUNS >= 1)\n", USAGE);
		return 2;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0)
		die(file, errno);
	if (!strcmp(mode, "direct")) {
		dfd = open(file, O_RDONLY | O_DIRECT);
		if (dfd < 0)
			die(file, errno);
	}
	if (fstat(fd, &st))
		die("fstat", errno);
	if (st.st_size / BLOCK < reads) {
		fprintf(stderr, "file_uring: %s has fewer than %u blocks\n",
			file, reads);
		return 1;
	}
	for (mask = 1; (off_t)mask * 2 * BLOCK <= st.st_size; mask *= 2)
		;
	mask--;
	err = posix_fadvise(dfd >= 0 ? dfd : fd, 0, 0, POSIX_FADV_RANDOM);
	if (err)
		die("POSIX_FADV_RANDOM", err);

	for (tok = strtok_r(conc, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		n = strtoul(tok, NULL, 0);
		if (!n || n > 4096) {
			fprintf(stderr, "file_uring: concurrency %s out of 1..4096\n", tok);
			return 2;
		}
		if (posix_memalign((void **)&bufs, BLOCK, (size_t)n * BLOCK))
			die("posix_memalign", ENOMEM);
		memset(bufs, 0, (size_t)n * BLOCK);
		for (r = 0; r <= runs; r++) {
			run_once(fd, dfd, mode, st.st_size, n, reads / n * n, mask,
				 bufs, vals);
			if (!r)
				continue;
			printf("kbench file_%s_%u io_uring %u %.0f\n", mode, n, r, vals[0]);
			printf("kbench file_%s_%u_threads io_uring %u %.0f\n", mode, n, r, vals[1]);
			/* one read's bytes are below the slab's granularity */
			if (n > 1)
				printf("kbench file_%s_%u_mem io_uring %u %.0f\n",
				       mode, n, r, vals[2]);
			fflush(stdout);
		}
		free(bufs);
	}
	return 0;
}
