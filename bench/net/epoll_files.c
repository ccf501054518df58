// SPDX-License-Identifier: GPL-2.0
/*
 * epoll_files: the user-space baseline of the file server benchmark
 * (samples/kasync_files.c): GET of the regular files under a directory,
 * HTTP/1.1 keep-alive, each answer a head written with write() and the
 * file sent with sendfile() from the page cache, non-blocking.  One
 * thread per CPU, each with its own SO_REUSEPORT listening socket and its
 * own edge-triggered epoll instance, as epoll_http.
 *
 *   200  a regular file (application/octet-stream, Content-Length)
 *   400  a head that does not parse or is larger than 2 KiB
 *   403  a path with a "." or ".." segment, an empty one, or no leading /
 *   404  anything that openat() beneath the root does not open as a
 *        regular file
 *   405  a method other than GET
 *
 * The path is opened with openat2(RESOLVE_BENEATH) where the kernel has
 * it, else openat() after the text checks above.  A pipelined request is
 * answered after the one before it has been sent.
 *
 * Usage: epoll_files -r ROOT [-a ADDR] [-p PORT] [-t THREADS]
 *   defaults: 127.0.0.1, port 8080, one thread per online CPU
 * Runs until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nbu.h"

#define HEAD_MAX	2048

struct conn {
	int fd;
	int file;		/* the file being sent, or -1 */
	off_t off, end;		/* what is left of it */
	int close_after;	/* close once the answer is out */
	int dead;
	struct conn *next_dead;
	char out[256];		/* the head being written */
	size_t opos, olen;
	size_t len;		/* request bytes in req */
	char req[HEAD_MAX];
};

struct worker {
	int ep;
	struct conn *dead;
};

static struct sockaddr_in addr;
static int root = -1;

static void kill_conn(struct worker *w, struct conn *c)
{
	if (c->dead)
		return;
	c->dead = 1;
	close(c->fd);
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	c->next_dead = w->dead;
	w->dead = c;
}

/* The end of the head in @b (bytes including the blank line), or 0. */
static size_t head_len(const char *b, size_t n)
{
	size_t i;

	for (i = 3; i < n; i++)
		if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' &&
		    b[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* Open @path (NUL-terminated, starting with '/') beneath the root. */
static int open_beneath(const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	const char *p;
	int fd;

	if (path[0] != '/' || !path[1])
		return -EACCES;
	/* no "." or ".." segment, no empty one */
	for (p = path; *p; ) {
		const char *seg = ++p;

		while (*p && *p != '/')
			p++;
		if (p == seg || (p - seg == 1 && seg[0] == '.') ||
		    (p - seg == 2 && seg[0] == '.' && seg[1] == '.'))
			return -EACCES;
	}
	fd = syscall(SYS_openat2, root, path + 1, &how, sizeof(how));
	/* before openat2() (5.6) */
	if (fd < 0 && errno == ENOSYS)
		fd = openat(root, path + 1, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

static void set_head(struct conn *c, int status, const char *reason,
		     long long len, int close_after)
{
	c->olen = snprintf(c->out, sizeof(c->out),
			   "HTTP/1.1 %d %s\r\nContent-Type: application/octet-stream\r\n"
			   "Content-Length: %lld\r\n%s\r\n", status, reason, len,
			   close_after ? "Connection: close\r\n" : "");
	c->opos = 0;
	c->close_after = close_after;
}

/* Parse the request at the head of c->req (@head bytes) into an answer. */
static void start_answer(struct conn *c, size_t head)
{
	char path[HEAD_MAX];
	struct stat st;
	const char *sp, *end;
	int fd;

	c->req[head - 1] = '\0';
	if (strncmp(c->req, "GET ", 4)) {
		set_head(c, 405, "Method Not Allowed", 0, 1);
		return;
	}
	sp = c->req + 4;
	end = strchr(sp, ' ');
	if (!end || end == sp || (size_t)(end - sp) >= sizeof(path)) {
		set_head(c, 400, "Bad Request", 0, 1);
		return;
	}
	memcpy(path, sp, end - sp);
	path[end - sp] = '\0';
	fd = open_beneath(path);
	if (fd == -EACCES) {
		set_head(c, 403, "Forbidden", 0, 0);
		return;
	}
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		set_head(c, 404, "Not Found", 0, 0);
		return;
	}
	c->file = fd;
	c->off = 0;
	c->end = st.st_size;
	set_head(c, 200, "OK", (long long)st.st_size, 0);
}

/* Send what is left of the answer; -1 on error, 1 if it must wait. */
static int send_answer(struct conn *c)
{
	ssize_t n;

	while (c->opos < c->olen) {
		/* the file follows: no short segment of its own (Nagle) */
		n = send(c->fd, c->out + c->opos, c->olen - c->opos,
			 c->file >= 0 && c->off < c->end ? MSG_MORE : 0);
		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		c->opos += n;
	}
	while (c->file >= 0 && c->off < c->end) {
		n = sendfile(c->fd, c->file, &c->off, c->end - c->off);
		if (n < 0)
			return errno == EAGAIN ? 1 : -1;
		if (!n)
			return -1;	/* the file shrank */
	}
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	c->olen = 0;
	c->opos = 0;
	return c->close_after ? -1 : 0;
}

/* Answer requests until the socket is drained or the answer must wait. */
static void serve(struct worker *w, struct conn *c)
{
	size_t head;
	ssize_t n;
	int r;

	while (!c->dead) {
		if (c->olen || c->file >= 0) {
			r = send_answer(c);
			if (r < 0)
				kill_conn(w, c);
			if (r)
				return;
		}
		head = head_len(c->req, c->len);
		if (head) {
			start_answer(c, head);
			c->len -= head;
			memmove(c->req, c->req + head, c->len);
			continue;
		}
		if (c->len == sizeof(c->req)) {
			set_head(c, 400, "Bad Request", 0, 1);
			continue;
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

static void accept_all(struct worker *w, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET };
	struct conn *c;
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		/* the last segment of each answer goes out at once */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->file = -1;
		ev.data.ptr = c;
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
			struct conn *c = evs[i].data.ptr;

			if (!c)
				accept_all(&w, lfd);
			else if (!c->dead)
				serve(&w, c);
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
	const char *host = "127.0.0.1", *dir = NULL;
	int opt, threads = nbu_cpus();
	char spec[80];
	int port = 8080;

	while ((opt = getopt(argc, argv, "r:a:p:t:")) != -1) {
		switch (opt) {
		case 'r':
			dir = optarg;
			break;
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
			nbu_die("usage: epoll_files -r ROOT [-a ADDR] [-p PORT] [-t THREADS]");
		}
	}
	snprintf(spec, sizeof(spec), "%s:%d", host, port);
	if (!dir || nbu_addr(spec, &addr) || threads < 1)
		nbu_die("usage: epoll_files -r ROOT [-a ADDR] [-p PORT] [-t THREADS]");
	root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		nbu_die("epoll_files: %s: %s", dir, strerror(errno));
	nbu_nofile(200000);
	nbu_run_workers(worker, threads);
	return 0;
}
