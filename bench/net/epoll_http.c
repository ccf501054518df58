// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_http: the user-space C baseline of kasync's HTTP benchmark, with
 * the behaviour of nb_http.h: each page view is registered with the
 * counter service first, by a non-blocking request on the client
 * connection's own keep-alive connection to it, then answered.  One thread
 * per CPU, each with its own SO_REUSEPORT listening socket and its own
 * edge-triggered epoll instance.
 *
 * Usage: epoll_http [-a ADDR] [-p PORT] [-c COUNTER] [-t THREADS]
 *   defaults: 127.0.0.1, port 8080, counter 127.0.0.1:8081, one thread per
 *   online CPU
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

#include "nb_http.h"
#include "nbu.h"

enum state { IDLE, CONNECTING, WAITING };

struct conn;

/* What an epoll event points at: one end of a connection. */
struct end {
	struct conn *c;
	int counter;
};

struct conn {
	struct end client, counter;
	int fd, cfd;		/* client and counter sockets */
	enum state state;
	int dead;
	struct conn *next_dead;
	const char *out;	/* response being written, with olen left */
	size_t olen;
	size_t len;		/* request bytes in req */
	size_t clen;		/* counter response bytes in resp */
	char req[NB_HTTP_HEAD_MAX];
	char resp[256];
};

struct worker {
	int ep;
	struct conn *dead;	/* freed after each epoll_wait batch */
};

static struct sockaddr_in addr, counter;

static void kill_conn(struct worker *w, struct conn *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	close(c->fd);
	if (c->cfd >= 0)
		close(c->cfd);
	c->next_dead = w->dead;
	w->dead = c;
}

static void client_read(struct worker *w, struct conn *c);

/* Write what is left of c->out; -1 on error. */
static int flush(struct conn *c)
{
	while (c->olen) {
		ssize_t n = write(c->fd, c->out, c->olen);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out += n;
		c->olen -= n;
	}
	return 0;
}

/* Answer the request at the head of c->req with @resp. */
static void reply(struct worker *w, struct conn *c, const char *resp, size_t len)
{
	size_t head = nb_http_head_len(c->req, c->len);

	c->len -= head;
	memmove(c->req, c->req + head, c->len);
	c->state = IDLE;
	c->out = resp;
	c->olen = len;
	if (flush(c) < 0)
		kill_conn(w, c);
	else if (!c->olen)
		client_read(w, c);
}

static void counter_failed(struct worker *w, struct conn *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
	reply(w, c, NB_HTTP_ERROR, sizeof(NB_HTTP_ERROR) - 1);
}

static void counter_post(struct worker *w, struct conn *c)
{
	ssize_t n = write(c->cfd, NB_COUNTER_POST, sizeof(NB_COUNTER_POST) - 1);

	/* a fresh request on an idle connection: the socket takes it whole */
	if (n != sizeof(NB_COUNTER_POST) - 1) {
		counter_failed(w, c);
		return;
	}
	c->state = WAITING;
	c->clen = 0;
}

static void counter_start(struct worker *w, struct conn *c)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.ptr = &c->counter,
	};

	if (c->cfd >= 0) {
		counter_post(w, c);
		return;
	}
	c->cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->cfd < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, c->cfd, &ev)) {
		counter_failed(w, c);
		return;
	}
	if (connect(c->cfd, (struct sockaddr *)&counter, sizeof(counter)) == 0)
		counter_post(w, c);
	else if (errno == EINPROGRESS)
		c->state = CONNECTING;
	else
		counter_failed(w, c);
}

static void counter_event(struct worker *w, struct conn *c, unsigned int events)
{
	size_t head;
	long body;
	ssize_t n;
	int err = 0;
	socklen_t sl = sizeof(err);

	if (c->state == CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->cfd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err)
			counter_failed(w, c);
		else
			counter_post(w, c);
		return;
	}
	for (;;) {
		n = read(c->cfd, c->resp + c->clen, sizeof(c->resp) - c->clen);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0 || c->state != WAITING) {
			/* closed or failed, or bytes nobody asked for */
			if (c->state == WAITING) {
				counter_failed(w, c);
			} else {
				close(c->cfd);
				c->cfd = -1;
			}
			return;
		}
		c->clen += n;
		head = nb_http_head_len(c->resp, c->clen);
		if (!head) {
			if (c->clen == sizeof(c->resp))
				counter_failed(w, c);
			else
				continue;
			return;
		}
		body = nb_http_content_length(c->resp, head);
		if (body < 0 || c->clen > head + body ||
		    (c->clen == head + body && nb_http_status(c->resp, head) != 200)) {
			counter_failed(w, c);
			return;
		}
		if (c->clen == head + body) {
			reply(w, c, NB_HTTP_OK, sizeof(NB_HTTP_OK) - 1);
			return;
		}
	}
}

/* Read and answer requests until the socket is drained or we must wait. */
static void client_read(struct worker *w, struct conn *c)
{
	size_t head;
	ssize_t n;

	while (!c->dead && c->state == IDLE && !c->olen) {
		head = nb_http_head_len(c->req, c->len);
		if (head) {
			if (!nb_http_is_page_view(c->req, head)) {
				n = write(c->fd, NB_HTTP_BAD, sizeof(NB_HTTP_BAD) - 1);
				kill_conn(w, c);
				return;
			}
			counter_start(w, c);
			continue;
		}
		if (c->len == sizeof(c->req)) {
			n = write(c->fd, NB_HTTP_BAD, sizeof(NB_HTTP_BAD) - 1);
			kill_conn(w, c);
			return;
		}
		n = read(c->fd, c->req + c->len, sizeof(c->req) - c->len);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			kill_conn(w, c);
			return;
		}
		c->len += n;
	}
}

static void client_event(struct worker *w, struct conn *c, unsigned int events)
{
	if (c->olen) {
		if (flush(c) < 0) {
			kill_conn(w, c);
			return;
		}
	}
	if (events & (EPOLLERR | EPOLLHUP) && c->state != IDLE) {
		kill_conn(w, c);
		return;
	}
	client_read(w, c);
}

static void accept_all(struct worker *w, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	struct conn *c;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->cfd = -1;
		c->client.c = c;
		c->counter.c = c;
		c->counter.counter = 1;
		ev.data.ptr = &c->client;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
		}
	}
}

static void *worker(void *arg)
{
	struct epoll_event ev, evs[256];
	struct worker w = { };
	int lfd, i, n;

	(void)arg;
	lfd = nbu_listen(&addr, 1, 65535);
	w.ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (w.ep < 0 || epoll_ctl(w.ep, EPOLL_CTL_ADD, lfd, &ev))
		nbu_die("epoll: %s", strerror(errno));
	for (;;) {
		n = epoll_wait(w.ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			struct end *e = evs[i].data.ptr;

			if (!e)
				accept_all(&w, lfd);
			else if (e->c->dead)
				continue;
			else if (e->counter)
				counter_event(&w, e->c, evs[i].events);
			else
				client_event(&w, e->c, evs[i].events);
		}
		while (w.dead) {
			struct conn *c = w.dead;

			w.dead = c->next_dead;
			free(c);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *cnt = "127.0.0.1:8081";
	int opt, threads = nbu_cpus();
	char spec[80];
	int port = 8080;

	while ((opt = getopt(argc, argv, "a:p:c:t:")) != -1) {
		switch (opt) {
		case 'a':
			host = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'c':
			cnt = optarg;
			break;
		case 't':
			threads = atoi(optarg);
			break;
		default:
			nbu_die("usage: epoll_http [-a ADDR] [-p PORT] [-c COUNTER] [-t THREADS]");
		}
	}
	snprintf(spec, sizeof(spec), "%s:%d", host, port);
	if (nbu_addr(spec, &addr) || nbu_addr(cnt, &counter) || threads < 1)
		nbu_die("epoll_http: bad address or thread count");
	nbu_nofile(200000);
	nbu_run_workers(worker, threads);
	return 0;
}
