// SPDX-License-Identifier: GPL-2.0
/*
 * conn_mem: kernel memory per idle connection of a server.
 *
 * Kernel memory is the sum of /proc/meminfo's Slab, KernelStack, PageTables
 * and Percpu, read after shrinking every slab cache (/sys/kernel/slab/<cache>/shrink)
 * so that partially used slabs left by earlier runs count as little as
 * possible.  Each run:
 *
 * 1. opens N connections to a listener of our own that accepts each and
 *    holds it: both ends are then plain user-space TCP sockets, so half
 *    the growth is what the client end of one connection costs;
 * 2. opens N connections to the server, sends one byte on each and waits
 *    for it to come back (until no byte came back for -t seconds, or 12
 *    times that before the first: a server may still be busy reaping the
 *    connections of the run before), so that the server has set each
 *    connection up and served it once; the connections are then idle;
 * 3. prints "kbench conn_mem_<N> <variant> <run> <bytes_per_conn>": the
 *    growth of step 2 less the client ends' share of step 1, over N.
 *
 * Memory the server keeps outside the kernel (a user-space server's heap)
 * is not counted.  To stderr goes the same figure from MemFree (all memory
 * taken, less page cache and anonymous memory), which also catches pages
 * held outside slab, such as a kthread's page_frag.  All connections are
 * closed with a reset; the next run first waits for the TCP sockets to go
 * away (after the last one, the caller must).
 *
 * Usage: conn_mem [-a ADDR:PORT] [-n CONNS] [-r RUNS] [-t SECS] [-E]
 *                 [-v VARIANT]
 *   defaults: 127.0.0.1:9000, 1,000 connections, 1 run, 5 s, variant
 *   "unknown"; -E: no echo byte (the server is not an echo server): the
 *   run waits SECS seconds instead, for the server to accept them all
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nbu.h"

struct mem {
	long long kernel;	/* Slab + KernelStack + PageTables + Percpu */
	long long taken;	/* MemTotal - MemFree - Cached - Buffers - AnonPages */
};

static unsigned int nconns = 1000;
static int *cfds, *sfds;
static int lfd;

static void shrink_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	char path[512];
	struct dirent *e;
	int fd, n;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		/* not every cache can be shrunk: ignore failures */
		n = write(fd, "1", 1);
		(void)n;
		close(fd);
	}
	closedir(d);
}

static struct mem read_mem(void)
{
	long long total = 0, free_ = 0, other = 0, v;
	struct mem m = { };
	char name[64];
	FILE *f;

	usleep(300000);		/* let RCU-deferred frees happen */
	shrink_slabs();
	f = fopen("/proc/meminfo", "r");
	if (!f)
		nbu_die("conn_mem: /proc/meminfo: %s", strerror(errno));
	while (fscanf(f, "%63s %lld kB\n", name, &v) == 2) {
		v *= 1024;
		if (!strcmp(name, "Slab:") || !strcmp(name, "KernelStack:") ||
		    !strcmp(name, "PageTables:") || !strcmp(name, "Percpu:"))
			m.kernel += v;
		else if (!strcmp(name, "MemTotal:"))
			total = v;
		else if (!strcmp(name, "MemFree:"))
			free_ = v;
		else if (!strcmp(name, "Cached:") || !strcmp(name, "Buffers:") ||
			 !strcmp(name, "AnonPages:"))
			other += v;
	}
	fclose(f);
	m.taken = total - free_ - other;
	return m;
}

static void *acceptor(void *arg)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < nconns; i++) {
		sfds[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (sfds[i] < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				i--;
				usleep(1000);
				continue;
			}
			nbu_die("conn_mem: accept: %s", strerror(errno));
		}
	}
	return NULL;
}

static void connect_all(const struct sockaddr_in *dst)
{
	unsigned int i;

	for (i = 0; i < nconns; i++) {
		cfds[i] = nbu_connect(dst, i, 10);
		if (cfds[i] < 0)
			nbu_die("conn_mem: connection %u of %u failed: %s",
				i + 1, nconns, strerror(errno));
	}
}

static void close_all(int *fds)
{
	unsigned int i;

	for (i = 0; i < nconns; i++)
		if (fds[i] >= 0)
			nbu_abort_close(fds[i]);
}

/* Growth per connection pair against our own listener. */
static struct mem probe_self(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t sl = sizeof(sin);
	struct mem a, b;
	pthread_t t;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 65535) || getsockname(lfd, (struct sockaddr *)&sin, &sl))
		nbu_die("conn_mem: listener: %s", strerror(errno));
	if (pthread_create(&t, NULL, acceptor, NULL))
		nbu_die("conn_mem: pthread_create failed");
	a = read_mem();
	connect_all(&sin);
	pthread_join(t, NULL);
	b = read_mem();
	close_all(cfds);
	close_all(sfds);
	close(lfd);
	b.kernel -= a.kernel;
	b.taken -= a.taken;
	return b;
}

/*
 * Send a byte on every connection and wait for the echoes, until none came
 * for @secs; how many came.
 */
static unsigned int echo_all(unsigned int secs)
{
	uint64_t last = nbu_now_ns();
	struct pollfd *p = calloc(nconns, sizeof(*p));
	unsigned int i, left = nconns;
	char c = 'k';

	if (!p)
		nbu_die("conn_mem: out of memory");
	for (i = 0; i < nconns; i++) {
		p[i].fd = cfds[i];
		p[i].events = POLLIN;
		if (write(cfds[i], &c, 1) != 1)
			nbu_die("conn_mem: send: %s", strerror(errno));
	}
	while (left && nbu_now_ns() - last <
		       (left < nconns ? 1 : 12) * secs * 1000000000ull) {
		if (poll(p, nconns, 100) <= 0)
			continue;
		for (i = 0; i < nconns; i++) {
			if (!p[i].revents)
				continue;
			if (read(p[i].fd, &c, 1) != 1)
				nbu_die("conn_mem: the server closed a connection");
			p[i].fd = -1;
			left--;
			last = nbu_now_ns();
		}
	}
	free(p);
	return nconns - left;
}

int main(int argc, char **argv)
{
	const char *variant = "unknown", *target = "127.0.0.1:9000";
	unsigned int runs = 1, secs = 5, run, answered;
	struct sockaddr_in dst;
	int opt, echo = 1, fd;
	struct mem self, a, b;
	long base;

	while ((opt = getopt(argc, argv, "a:n:r:t:Ev:")) != -1) {
		switch (opt) {
		case 'a':
			target = optarg;
			break;
		case 'n':
			nconns = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'E':
			echo = 0;
			break;
		case 'v':
			variant = optarg;
			break;
		default:
			nbu_die("usage: conn_mem [-a ADDR:PORT] [-n CONNS] [-r RUNS] [-t SECS] [-E] [-v VARIANT]");
		}
	}
	if (nbu_addr(target, &dst) || !nconns || !runs)
		nbu_die("conn_mem: bad arguments");
	nbu_nofile(2 * nconns + 64);
	/* grow the fd table now, not during a measurement */
	fd = dup2(0, 2 * nconns + 32);
	if (fd >= 0)
		close(fd);
	cfds = calloc(nconns, sizeof(int));
	sfds = calloc(nconns, sizeof(int));
	if (!cfds || !sfds)
		nbu_die("conn_mem: out of memory");

	base = nbu_tcp_alloc();
	for (run = 1; run <= runs; run++) {
		self = probe_self();
		if (nbu_tcp_settle(base, 30000))
			fprintf(stderr, "conn_mem: TCP sockets of our own still alive\n");

		a = read_mem();
		connect_all(&dst);
		if (echo) {
			answered = echo_all(secs);
		} else {
			sleep(secs);
			answered = nconns;
		}
		b = read_mem();
		close_all(cfds);
		b.kernel -= a.kernel;
		b.taken -= a.taken;
		printf("kbench conn_mem_%u %s %u %.0f\n", nconns, variant, run,
		       (b.kernel - self.kernel / 2.0) / nconns);
		fflush(stdout);
		fprintf(stderr,
			"conn_mem: run %u: %u connections (%u answered): server %.0f B/conn (client end %.0f B), %.0f B/conn by MemFree (client end %.0f B)\n",
			run, nconns, answered,
			(b.kernel - self.kernel / 2.0) / nconns, self.kernel / 2.0 / nconns,
			(b.taken - self.taken / 2.0) / nconns, self.taken / 2.0 / nconns);
		/* the next run starts clean; after the last, the caller settles */
		if (run < runs && nbu_tcp_settle(base, 60000))
			fprintf(stderr, "conn_mem: server TCP sockets still alive after 60 s\n");
	}
	return 0;
}
