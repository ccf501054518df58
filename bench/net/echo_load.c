// SPDX-License-Identifier: GPL-2.0
/*
 * echo_load: the load generator of kasync's echo benchmark.  Opens N
 * connections (spread over source addresses 127.0.0.1-8 so that ephemeral
 * ports never run short), then on every connection at once sends a message
 * of S bytes, waits for all of it to come back and sends the next, for a
 * short unmeasured warm-up and then RUNS measured intervals of T seconds,
 * all from one thread on one epoll instance.  Per interval it prints
 *
 *   kbench echo_<N> <variant> <run> <ns_per_msg>
 *
 * where ns_per_msg is the interval over the messages echoed in it, and to
 * stderr the rate and how many connections were never answered at all (a
 * server that serves only some of its connections, like a workqueue at
 * max_active, shows there).  Connections are closed with a reset at the
 * end, leaving no TIME_WAIT behind.  Exits 1 if an interval saw no echo.
 *
 * Usage: echo_load [-a ADDR:PORT] [-c CONNS] [-s SIZE] [-d SECS] [-r RUNS]
 *                  [-w WARMUP_MS] [-v VARIANT]
 *   defaults: 127.0.0.1:9000, 100 connections, 64 bytes, 3 s, 1 run,
 *   500 ms, variant "unknown"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "nbu.h"

struct conn {
	int fd;
	unsigned int got;	/* bytes of the current echo received */
	unsigned long msgs;	/* echoes completed */
};

static char msg[65536];

static int send_msg(struct conn *c, unsigned int size)
{
	unsigned int off = 0;
	ssize_t n;

	/* S bytes into an empty send buffer: written whole, unless huge */
	while (off < size) {
		n = write(c->fd, msg + off, size - off);
		if (n < 0 && errno == EAGAIN) {
			usleep(100);
			continue;
		}
		if (n <= 0)
			return -1;
		off += n;
	}
	c->got = 0;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int nconns = 100, size = 64, secs = 3, runs = 1, warm = 500;
	const char *variant = "unknown", *target = "127.0.0.1:9000";
	unsigned long total, stalled, failed = 0;
	struct epoll_event ev, evs[512];
	uint64_t t0, end, now;
	struct sockaddr_in dst;
	static char buf[65536];
	struct conn *conns;
	unsigned int i, run;
	int ep, opt, n, rc = 0;

	while ((opt = getopt(argc, argv, "a:c:s:d:r:w:v:")) != -1) {
		switch (opt) {
		case 'a': target = optarg; break;
		case 'c': nconns = atoi(optarg); break;
		case 's': size = atoi(optarg); break;
		case 'd': secs = atoi(optarg); break;
		case 'r': runs = atoi(optarg); break;
		case 'w': warm = atoi(optarg); break;
		case 'v': variant = optarg; break;
		default:
			nbu_die("usage: echo_load [-a ADDR:PORT] [-c CONNS] [-s SIZE] [-d SECS] [-r RUNS] [-w WARMUP_MS] [-v VARIANT]");
		}
	}
	if (nbu_addr(target, &dst) || !nconns || !size || size > sizeof(msg) ||
	    !secs || !runs)
		nbu_die("echo_load: bad arguments");
	memset(msg, 'k', size);
	nbu_nofile(nconns + 64);
	conns = calloc(nconns, sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || ep < 0)
		nbu_die("echo_load: out of memory");

	t0 = nbu_now_ns();
	for (i = 0; i < nconns; i++) {
		conns[i].fd = nbu_connect(&dst, i, 10);
		if (conns[i].fd < 0)
			nbu_die("echo_load: connection %u of %u to %s failed: %s",
				i + 1, nconns, target, strerror(errno));
		nbu_nonblock(conns[i].fd);
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev))
			nbu_die("epoll_ctl: %s", strerror(errno));
	}
	fprintf(stderr, "echo_load: %u connections to %s in %.2f s\n", nconns,
		target, (nbu_now_ns() - t0) / 1e9);

	for (i = 0; i < nconns; i++)
		if (send_msg(&conns[i], size))
			nbu_die("echo_load: send failed: %s", strerror(errno));

	/* run 0 is the warm-up */
	for (run = 0; run <= runs; run++) {
		t0 = nbu_now_ns();
		end = t0 + (run ? secs * 1000000000ull : warm * 1000000ull);
		total = 0;
		do {
			n = epoll_wait(ep, evs, 512, 100);
			for (int k = 0; k < n; k++) {
				struct conn *c = &conns[evs[k].data.u32];
				ssize_t got = read(c->fd, buf, sizeof(buf));

				if (got < 0 && errno == EAGAIN)
					continue;
				if (got <= 0) {
					/* the server closed: stop watching it */
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					failed++;
					continue;
				}
				c->got += got;
				if (c->got < size)
					continue;
				if (c->got > size)
					nbu_die("echo_load: more bytes came back than were sent");
				c->msgs++;
				total++;
				if (send_msg(c, size)) {
					epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
					failed++;
				}
			}
			now = nbu_now_ns();
		} while (now < end);
		if (!run)
			continue;
		if (!total) {
			fprintf(stderr, "echo_load: no echo at all in run %u\n", run);
			rc = 1;
			continue;
		}
		printf("kbench echo_%u %s %u %.0f\n", nconns, variant, run,
		       (double)(now - t0) / total);
		fflush(stdout);
		fprintf(stderr, "echo_load: run %u: %.0f msg/s\n", run,
			total * 1e9 / (now - t0));
	}
	for (i = 0, stalled = 0; i < nconns; i++) {
		stalled += !conns[i].msgs;
		nbu_abort_close(conns[i].fd);
	}
	if (stalled || failed)
		fprintf(stderr, "echo_load: %lu of %u connections never answered, %lu closed by the server\n",
			stalled, nconns, failed);
	return rc;
}
