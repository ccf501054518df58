// SPDX-License-Identifier: GPL-2.0
/*
 * counter: the visit counter of kasync's HTTP benchmark.  Every HTTP server
 * of the benchmark registers each page view here with "POST /" (empty
 * body, keep-alive); the answer is 200 with the running total as its body.
 * Anything else gets 400 and the connection is closed.  One thread per CPU,
 * each with its own SO_REUSEPORT listening socket and epoll instance.
 *
 * Usage: counter [-a ADDR] [-p PORT] [-t THREADS]
 *   defaults: 127.0.0.1, port 8081, one thread per online CPU
 * Runs until killed; on SIGTERM or SIGINT prints the total to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nb_http.h"
#include "nbu.h"

struct conn {
	int fd;
	size_t len;
	char buf[NB_HTTP_HEAD_MAX];
};

static struct sockaddr_in addr;
static atomic_ullong total;

static void drop(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Answer the complete requests in c->buf; -1 to close. */
static int answer(struct conn *c)
{
	static const char post[] = "POST / HTTP/1.";
	char resp[128], body[24];
	unsigned long long v;
	size_t head;
	int n;

	while ((head = nb_http_head_len(c->buf, c->len))) {
		if (head < sizeof(post) - 1 ||
		    memcmp(c->buf, post, sizeof(post) - 1) ||
		    nb_http_content_length(c->buf, head) != 0) {
			n = write(c->fd, NB_HTTP_BAD, sizeof(NB_HTTP_BAD) - 1);
			return -1;
		}
		v = atomic_fetch_add(&total, 1) + 1;
		n = snprintf(body, sizeof(body), "%llu", v);
		n = snprintf(resp, sizeof(resp),
			     "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s",
			     n, body);
		/* small answers to one request at a time: the socket takes them */
		if (write(c->fd, resp, n) != n)
			return -1;
		c->len -= head;
		memmove(c->buf, c->buf + head, c->len);
	}
	return c->len == sizeof(c->buf) ? -1 : 0;
}

static void *worker(void *arg)
{
	struct epoll_event ev, evs[256];
	int lfd, ep, i, n;

	(void)arg;
	lfd = nbu_listen(&addr, 1, 65535);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		nbu_die("epoll: %s", strerror(errno));
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			ssize_t got;
			int fd;

			if (c) {
				got = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
				if (got < 0 && errno == EAGAIN)
					continue;
				if (got <= 0) {
					drop(ep, c);
					continue;
				}
				c->len += got;
				if (answer(c))
					drop(ep, c);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				c = malloc(sizeof(*c));
				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				c->len = 0;
				ev.events = EPOLLIN;
				ev.data.ptr = c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
					close(fd);
					free(c);
				}
			}
		}
	}
	return NULL;
}

static void on_signal(int sig)
{
	char msg[64];
	int n;

	n = snprintf(msg, sizeof(msg), "counter: %llu visits\n", (unsigned long long)total);
	n = write(2, msg, n);
	_exit(sig == SIGTERM ? 0 : 1);
}

int main(int argc, char **argv)
{
	int opt, threads = nbu_cpus();
	const char *host = "127.0.0.1";
	char spec[80];
	int port = 8081;

	while ((opt = getopt(argc, argv, "a:p:t:")) != -1) {
		switch (opt) {
		case 'a':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 't':
			threads = atoi(optarg);
			break;
		default:
			nbu_die("usage: counter [-a ADDR] [-p PORT] [-t THREADS]");
		}
	}
	snprintf(spec, sizeof(spec), "%s:%d", host, port);
	if (nbu_addr(spec, &addr) || threads < 1)
		nbu_die("counter: bad address or thread count");
	nbu_nofile(200000);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	nbu_run_workers(worker, threads);
	return 0;
}
