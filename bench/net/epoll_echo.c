// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_echo: the user-space C baseline of kasync's echo benchmark.  One
 * thread per CPU, each with its own SO_REUSEPORT listening socket and its
 * own level-triggered epoll instance; non-blocking sockets; what arrives is
 * written back, and what the socket does not take is kept until EPOLLOUT.
 *
 * Usage: epoll_echo [-a ADDR] [-p PORT] [-t THREADS]
 *   defaults: 127.0.0.1, port 9000, one thread per online CPU
 * Runs until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nbu.h"

#define BUF 2048

struct conn {
	int fd;
	unsigned int off, len;	/* unsent bytes of buf */
	char buf[BUF];
};

static struct sockaddr_in addr;

static void drop(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

static void rearm(int ep, struct conn *c, unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write out what is pending; -1 on error. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->off += n;
	}
	return 0;
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

			if (!c) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL,
						     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					c = malloc(sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					c->off = 0;
					c->len = 0;
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
						close(fd);
						free(c);
					}
				}
				continue;
			}
			if (c->off < c->len) {	/* waiting for EPOLLOUT */
				if (flush(c) < 0 || (evs[i].events & (EPOLLERR | EPOLLHUP)))
					drop(ep, c);
				else if (c->off == c->len)
					rearm(ep, c, EPOLLIN);
				continue;
			}
			got = read(c->fd, c->buf, BUF);
			if (got <= 0) {
				if (got < 0 && errno == EAGAIN)
					continue;
				drop(ep, c);
				continue;
			}
			c->off = 0;
			c->len = got;
			if (flush(c) < 0)
				drop(ep, c);
			else if (c->off < c->len)
				rearm(ep, c, EPOLLOUT);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int opt, threads = nbu_cpus();
	const char *host = "127.0.0.1";
	char spec[80];
	int port = 9000;

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
			nbu_die("usage: epoll_echo [-a ADDR] [-p PORT] [-t THREADS]");
		}
	}
	snprintf(spec, sizeof(spec), "%s:%d", host, port);
	if (nbu_addr(spec, &addr) || threads < 1)
		nbu_die("epoll_echo: bad address or thread count");
	nbu_nofile(200000);
	nbu_run_workers(worker, threads);
	return 0;
}
