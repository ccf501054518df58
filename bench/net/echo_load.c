// SPDX-License-Identifier: GPL-2.0
/*
 * echo_load: the load generator of kasync's echo and HTTP benchmarks.
 *
 * Opens N connections to each target server (spread over source addresses
 * 127.0.0.1-8 so that ephemeral ports never run short), then on every
 * connection of one target at once sends a request and waits for the
 * whole answer before sending the next, all from one thread on one epoll
 * instance per target.  A request is an S-byte message to be echoed, or
 * with -H a page view ("GET / HTTP/1.1", answered as nb_http.h says).
 *
 * Warm-up, per target: until every connection has been answered once, or
 * no connection got its first answer for WAIT ms (20 times that before
 * the very first answer), so that servers which set a connection up
 * slowly (a kthread each) are measured at their steady state with all N
 * connections busy.  Then the target is paused: no new requests, and the
 * answers still due are awaited.
 *
 * Then RUNS rounds.  In each round every target in turn is resumed (a
 * request on each connection), runs until each connection it serves was
 * answered again (the ramp, not measured), is measured for T seconds and
 * paused again.  Only one target has load at a time, and all targets keep
 * their connections open throughout, so every target runs in the same
 * conditions.  Each round starts one target later than the one before
 * (A B C, B C A, C A B, ...): over as many rounds as there are targets,
 * each target takes each place once, so a machine getting faster or
 * slower during the benchmark (the TCG VM's host) favours none, and with
 * three or more targets none is ever measured twice in a row.  Per
 * interval it prints
 *
 *   kbench echo_<N> <variant> <run> <ns_per_request>     (http_<N> with -H)
 *
 * the interval over the requests answered in it.  To stderr go the rate,
 * the warm-up, and how many connections were never answered at all (a
 * server that serves only some of its connections, like a workqueue at
 * max_active, shows there; those are left out of the ramp and the pause).
 * Connections are closed with a reset at the end, leaving no TIME_WAIT
 * behind.
 *
 * Exits 1 if an interval saw no answer, a connection failed, a pause did
 * not see its answers within 20 times WAIT ms, or (-H) an answer was not
 * 200.
 *
 * Usage: echo_load [-H] [-a ADDR:PORT] [-v VARIANT] [-t VARIANT=ADDR:PORT]...
 *                  [-c CONNS] [-s SIZE] [-d SECS] [-r RUNS] [-w WAIT_MS]
 *   -t names one target, and may be given up to 8 times; without it, the
 *   one target is -a (default 127.0.0.1:9000, 8080 with -H) named -v
 *   (default "unknown").  Defaults: 100 connections, 64 bytes, 3 s, 1 run,
 *   3,000 ms.
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
#define MAX_TARGETS 8

struct conn {
	int fd;
	int dead;
	int busy;		/* a request is out */
	int want;		/* serve() waits for its answer */
	unsigned int got;	/* bytes of the current answer received */
	unsigned long answers;
	char resp[256];		/* -H: the answer so far */
};

struct target {
	const char *variant;
	const char *spec;
	struct sockaddr_in dst;
	struct conn *conns;
	int ep;
	unsigned long answered;	/* connections answered at least once */
	unsigned long failed;
};

/* What serve() does with an answer, and when it returns. */
enum phase {
	WARM,		/* resend; until each connection served was answered */
	MEASURE,	/* resend; until the interval's end */
	PAUSE,		/* no resend; until no request is out */
};

static char msg[65536];
static unsigned int size = 64, nconns = 100, wait_ms = 3000;
static int http;
static unsigned long bad;

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
	c->busy = 1;
	return 0;
}

static void drop(struct target *tg, struct conn *c)
{
	epoll_ctl(tg->ep, EPOLL_CTL_DEL, c->fd, NULL);
	c->dead = 1;
	c->busy = 0;
	tg->failed++;
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

/* Is @c's answer due: a request out on a connection that was answered? */
static int due(const struct conn *c)
{
	return c->busy && c->answers;
}

/* Answers due on @tg. */
static unsigned long outstanding(const struct target *tg)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < nconns; i++)
		n += due(&tg->conns[i]);
	return n;
}

/*
 * Run @tg's event loop in @ph; MEASURE stops at @end.  Return the answers
 * that came, and the time it stopped in *@stop.  WARM returns once each
 * connection it waits for (all live ones before the target's first
 * answer; later those ever answered) has been answered, or none of them
 * was for WAIT ms (20 times that before the target's first answer); PAUSE
 * once no answer is due, or -1 after 20 times WAIT ms.
 */
static long serve(struct target *tg, enum phase ph, uint64_t end,
		  uint64_t *stop)
{
	uint64_t now = nbu_now_ns(), start = now, last = now;
	uint64_t stall = wait_ms * 1000000ull;
	unsigned long need = 0;
	struct epoll_event evs[512];
	long total = 0;
	unsigned int i;
	int n;

	for (i = 0; i < nconns; i++) {
		struct conn *c = &tg->conns[i];

		c->want = !c->dead && (ph == PAUSE ? due(c) :
				       ph == WARM && (!tg->answered || c->answers));
		need += c->want;
	}
	for (;;) {
		if (ph == MEASURE ? now >= end : !need)
			break;
		if (ph == WARM && now - last >= (tg->answered ? 1 : 20) * stall)
			break;
		if (ph == PAUSE && now - start >= 20 * stall) {
			*stop = now;
			return -1;
		}
		n = epoll_wait(tg->ep, evs, 512, 100);
		for (int k = 0; k < n; k++) {
			struct conn *c = &tg->conns[evs[k].data.u32];
			int r = receive(c);

			if (!r)
				continue;
			if (c->want) {
				c->want = 0;
				need--;
				last = nbu_now_ns();
			}
			if (r < 0) {
				drop(tg, c);
				continue;
			}
			c->busy = 0;
			if (!c->answers++)
				tg->answered++;
			total++;
			if (ph != PAUSE && send_req(c))
				drop(tg, c);
		}
		now = nbu_now_ns();
	}
	*stop = now;
	return total;
}

static void open_target(struct target *tg)
{
	struct epoll_event ev;
	uint64_t t0 = nbu_now_ns();
	unsigned int i;

	tg->conns = calloc(nconns, sizeof(*tg->conns));
	tg->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!tg->conns || tg->ep < 0)
		nbu_die("echo_load: out of memory");
	for (i = 0; i < nconns; i++) {
		struct conn *c = &tg->conns[i];

		c->fd = nbu_connect(&tg->dst, i, 10);
		if (c->fd < 0)
			nbu_die("echo_load: connection %u of %u to %s failed: %s",
				i + 1, nconns, tg->spec, strerror(errno));
		nbu_nonblock(c->fd);
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(tg->ep, EPOLL_CTL_ADD, c->fd, &ev))
			nbu_die("epoll_ctl: %s", strerror(errno));
	}
	fprintf(stderr, "echo_load: %s: %u connections to %s in %.2f s\n",
		tg->variant, nconns, tg->spec, (nbu_now_ns() - t0) / 1e9);
}

/* Send a request on every live connection of @tg that has none out. */
static void resume(struct target *tg)
{
	unsigned int i;

	for (i = 0; i < nconns; i++) {
		struct conn *c = &tg->conns[i];

		if (!c->dead && !c->busy && send_req(c))
			drop(tg, c);
	}
}

/* Stop sending on @tg and wait for the answers still due. */
static int pause_target(struct target *tg)
{
	uint64_t stop;

	if (serve(tg, PAUSE, 0, &stop) >= 0)
		return 0;
	fprintf(stderr, "echo_load: %s: %lu answers still due after %u ms\n",
		tg->variant, outstanding(tg), 20 * wait_ms);
	return 1;
}

/* Which of @n targets round @run (from 1) runs @i-th: one later each round. */
static unsigned int round_pos(unsigned int run, unsigned int i, unsigned int n)
{
	return (i + run - 1) % n;
}

int main(int argc, char **argv)
{
	unsigned int secs = 3, runs = 1, ntg = 0, i, k, run;
	const char *variant = "unknown", *addr = NULL;
	struct target tgs[MAX_TARGETS] = {}, *tg;
	unsigned long stalled;
	uint64_t t0, now;
	char *eq;
	long total;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "Ha:c:s:d:r:w:v:t:")) != -1) {
		switch (opt) {
		case 'H':
			http = 1;
			break;
		case 'a':
			addr = optarg;
			break;
		case 't':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || ntg == MAX_TARGETS)
				nbu_die("echo_load: -t VARIANT=ADDR:PORT, at most %d",
					MAX_TARGETS);
			*eq = '\0';
			tgs[ntg].variant = optarg;
			tgs[ntg++].spec = eq + 1;
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
			nbu_die("usage: echo_load [-H] [-a ADDR:PORT] [-v VARIANT] [-t VARIANT=ADDR:PORT]... [-c CONNS] [-s SIZE] [-d SECS] [-r RUNS] [-w WAIT_MS]");
		}
	}
	if (!ntg) {
		tgs[0].variant = variant;
		tgs[0].spec = addr ? addr : http ? "127.0.0.1:8080" : "127.0.0.1:9000";
		ntg = 1;
	} else if (addr) {
		nbu_die("echo_load: -a and -t exclude each other");
	}
	if (!nconns || !size || size > sizeof(msg) || !secs || !runs ||
	    !wait_ms)
		nbu_die("echo_load: bad arguments");
	for (k = 0; k < ntg; k++)
		if (nbu_addr(tgs[k].spec, &tgs[k].dst))
			nbu_die("echo_load: bad address %s", tgs[k].spec);
	memset(msg, 'k', size);
	nbu_nofile((unsigned long)nconns * ntg + 64);

	/* Set each target up in turn, and leave it paused. */
	for (k = 0; k < ntg; k++) {
		tg = &tgs[k];
		open_target(tg);
		t0 = nbu_now_ns();
		resume(tg);
		serve(tg, WARM, 0, &now);
		fprintf(stderr, "echo_load: %s: warm-up: %lu of %u answered after %.2f s\n",
			tg->variant, tg->answered, nconns, (now - t0) / 1e9);
		rc |= pause_target(tg);
	}

	for (run = 1; run <= runs; run++) {
		for (i = 0; i < ntg; i++) {
			tg = &tgs[round_pos(run, i, ntg)];
			if (!tg->answered)
				continue;
			resume(tg);
			/* the ramp: every connection served answered anew */
			serve(tg, WARM, 0, &t0);
			total = serve(tg, MEASURE, t0 + secs * 1000000000ull, &now);
			rc |= pause_target(tg);
			if (total <= 0) {
				fprintf(stderr, "echo_load: %s: no answer at all in run %u\n",
					tg->variant, run);
				rc = 1;
				continue;
			}
			printf("kbench %s_%u %s %u %.0f\n", http ? "http" : "echo",
			       nconns, tg->variant, run, (double)(now - t0) / total);
			fflush(stdout);
			fprintf(stderr, "echo_load: %s: run %u: %.0f %s/s\n",
				tg->variant, run, total * 1e9 / (now - t0),
				http ? "requests" : "messages");
		}
	}

	for (k = 0; k < ntg; k++) {
		tg = &tgs[k];
		if (!tg->answered)
			fprintf(stderr, "echo_load: %s: no answer at all\n", tg->variant);
		rc |= !tg->answered;
		for (i = 0, stalled = 0; i < nconns; i++) {
			stalled += !tg->conns[i].answers;
			nbu_abort_close(tg->conns[i].fd);
		}
		if (stalled)
			fprintf(stderr, "echo_load: %s: %lu of %u connections never answered\n",
				tg->variant, stalled, nconns);
		if (tg->failed) {
			fprintf(stderr, "echo_load: %s: %lu connections failed or were closed by the server\n",
				tg->variant, tg->failed);
			rc = 1;
		}
	}
	if (bad) {
		fprintf(stderr, "echo_load: %lu answers were not 200\n", bad);
		rc = 1;
	}
	return rc;
}
