// SPDX-License-Identifier: GPL-2.0
/*
 * echo_load: the load generator of kasync's echo and HTTP benchmarks.
 *
 * Opens N connections (spread over source addresses 127.0.0.1-8 so that
 * ephemeral ports never run short), then on every connection at once sends
 * a request and waits for the whole answer before sending the next, all
 * from one thread on one epoll instance.  A request is an S-byte message
 * to be echoed, or with -H a page view ("GET / HTTP/1.1", answered as
 * nb_http.h says).
 *
 * Warm-up: until every connection has been answered once, or no connection
 * got its first answer for WAIT ms (20 times that before the very first
 * answer: a server may still be busy with the connections of the run
 * before), so that servers which set a connection up slowly (a kthread
 * each) are measured at their steady state with all N connections busy.  Then RUNS measured intervals of T seconds; per
 * interval it prints
 *
 *   kbench echo_<N> <variant> <run> <ns_per_request>     (http_<N> with -H)
 *
 * the interval over the requests answered in it.  To stderr go the rate,
 * the warm-up, and how many connections were never answered at all (a
 * server that serves only some of its connections, like a workqueue at
 * max_active, shows there).  Connections are closed with a reset at the
 * end, leaving no TIME_WAIT behind.
 *
 * Exits 1 if an interval saw no answer, a connection failed, or (-H) an
 * answer was not 200.
 *
 * Usage: echo_load [-H] [-a ADDR:PORT] [-c CONNS] [-s SIZE] [-d SECS]
 *                  [-r RUNS] [-w WAIT_MS] [-v VARIANT]
 *   defaults: 127.0.0.1:9000 (8080 with -H), 100 connections, 64 bytes,
 *   3 s, 1 run, 3,000 ms, variant "unknown"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "nb_http.h"
#include "nbu.h"

#define GET "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

struct conn {
	int fd;
	int dead;
	unsigned int got;	/* bytes of the current answer received */
	unsigned long answers;
	char resp[256];		/* -H: the answer so far */
};

static char msg[65536];
static unsigned int size = 64;
static int http;
static unsigned long bad, failed;

static int send_req(struct conn *c)
{
	unsigned int off = 0, len = http ? sizeof(GET) - 1 : size;
	const char *req = http ? GET : msg;
	ssize_t n;

	/* one request into an empty send buffer: written whole, unless huge */
	while (off < len) {
		n = write(c->fd, req + off, len - off);
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

static void drop(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->dead = 1;
	failed++;
}

/* Read what @c has; 1 when a whole answer is in, 0 if not yet, -1 on error. */
static int receive(struct conn *c)
{
	static char buf[65536];
	size_t head;
	ssize_t n;
	long body;

	if (!http) {
		n = read(c->fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->got += n;
		if (c->got > size)
			nbu_die("echo_load: more bytes came back than were sent");
		return c->got == size;
	}
	n = read(c->fd, c->resp + c->got, sizeof(c->resp) - c->got);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n <= 0)
		return -1;
	c->got += n;
	head = nb_http_head_len(c->resp, c->got);
	if (!head)
		return c->got == sizeof(c->resp) ? -1 : 0;
	body = nb_http_content_length(c->resp, head);
	if (body < 0 || c->got > head + body)
		return -1;
	if (c->got < head + body)
		return 0;
	if (nb_http_status(c->resp, head) != 200)
		bad++;
	return 1;
}

int main(int argc, char **argv)
{
	unsigned int nconns = 100, secs = 3, runs = 1, wait_ms = 3000;
	const char *variant = "unknown", *target = NULL;
	unsigned long total, answered = 0, stalled;
	struct epoll_event ev, evs[512];
	uint64_t t0, end, now, last;
	struct sockaddr_in dst;
	struct conn *conns;
	unsigned int i, run;
	int ep, opt, n, rc = 0;

	while ((opt = getopt(argc, argv, "Ha:c:s:d:r:w:v:")) != -1) {
		switch (opt) {
		case 'H':
			http = 1;
			break;
		case 'a':
			target = optarg;
			break;
		case 'c':
			nconns = atoi(optarg);
			break;
		case 's':
			size = atoi(optarg);
			break;
		case 'd':
			secs = atoi(optarg);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'v':
			variant = optarg;
			break;
		default:
			nbu_die("usage: echo_load [-H] [-a ADDR:PORT] [-c CONNS] [-s SIZE] [-d SECS] [-r RUNS] [-w WAIT_MS] [-v VARIANT]");
		}
	}
	if (!target)
		target = http ? "127.0.0.1:8080" : "127.0.0.1:9000";
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
		if (send_req(&conns[i]))
			nbu_die("echo_load: send failed: %s", strerror(errno));

	/* run 0 is the warm-up */
	t0 = nbu_now_ns();
	last = t0;
	for (run = 0; run <= runs; run++) {
		if (run)
			t0 = nbu_now_ns();
		end = t0 + secs * 1000000000ull;
		total = 0;
		do {
			n = epoll_wait(ep, evs, 512, 100);
			for (int k = 0; k < n; k++) {
				struct conn *c = &conns[evs[k].data.u32];
				int r = receive(c);

				if (!r)
					continue;
				if (r < 0) {
					drop(ep, c);
					continue;
				}
				if (!c->answers++) {
					answered++;
					last = nbu_now_ns();
				}
				total++;
				if (send_req(c))
					drop(ep, c);
			}
			now = nbu_now_ns();
			if (!run && (answered + failed >= nconns ||
				     now - last >= (answered ? 1 : 20) * wait_ms * 1000000ull))
				break;
		} while (run == 0 || now < end);
		if (!run) {
			fprintf(stderr, "echo_load: warm-up: %lu of %u answered after %.2f s\n",
				answered, nconns, (now - t0) / 1e9);
			continue;
		}
		if (!total) {
			fprintf(stderr, "echo_load: no answer at all in run %u\n", run);
			rc = 1;
			continue;
		}
		printf("kbench %s_%u %s %u %.0f\n", http ? "http" : "echo", nconns,
		       variant, run, (double)(now - t0) / total);
		fflush(stdout);
		fprintf(stderr, "echo_load: run %u: %.0f %s/s\n", run,
			total * 1e9 / (now - t0), http ? "requests" : "messages");
	}
	for (i = 0, stalled = 0; i < nconns; i++) {
		stalled += !conns[i].answers;
		nbu_abort_close(conns[i].fd);
	}
	if (stalled)
		fprintf(stderr, "echo_load: %lu of %u connections never answered\n",
			stalled, nconns);
	if (failed) {
		fprintf(stderr, "echo_load: %lu connections failed or were closed by the server\n",
			failed);
		rc = 1;
	}
	if (bad) {
		fprintf(stderr, "echo_load: %lu answers were not 200\n", bad);
		rc = 1;
	}
	return rc;
}
