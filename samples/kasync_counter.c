// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sample: the counter service of the seed's example.  Every
 * "POST /" adds one to a total and answers with it; "GET /" reads
 * it.  HTTP/1.1 with keep-alive, one task per connection (the listener
 * and the connection limits are samples/kasync_server.h's).  A peer
 * holds a connection no longer than idle_ms between requests and
 * request_ms from a request's first byte until its answer is sent.
 *
 *	insmod kasync_counter.ko port=8081
 *	cat /sys/module/kasync_counter/parameters/total
 */
#include <linux/module.h>
#include <kasync.h>

#include "kasync_http.h"
#include "kasync_server.h"

#define COUNTER_BUF	1024	/* request bytes buffered per connection */

/* port, max_conns, backlog, idle_ms, percpu; active, accepted, refused */
KSERVER_MODULE(counter_srv, 8081);

static unsigned int request_ms = 10000;
kasync_param(request_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(request_ms, "time limit of a request, from its first byte until its answer is sent (0: none; up to 3600000)");
static atomic_t total = ATOMIC_INIT(0);
module_param_cb(total, &kserver_atomic_param, &total, 0444);
MODULE_PARM_DESC(total, "visits registered (read-only)");

struct counter_conn {
	struct kserver_conn c;		/* first */
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_timer tm;		/* the limit of the await that waits */
	ktime_t due;			/* the request's deadline */
	struct khttp_req req;
	long n;				/* the socket awaits' result */
	long err;			/* the time limits' */
	int parsed;
	bool more;			/* keep the connection after this answer */
	size_t len;
	size_t out_len;
	char in[COUNTER_BUF];
	char out[160];
};

/*
 * A 200 with the total as its body, as khttp_response() writes it but
 * without its formatting: the counter answers every page view of the web
 * server, and a vsnprintf() a request costs as much as a socket call.
 */
static size_t counter_ok(char *out, bool close, int total)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				   "Content-Length: ";
	static const char conn_close[] = "Connection: close\r\n";
	unsigned int v = total < 0 ? -(unsigned int)total : total;
	char digits[12];	/* "%d" of an int */
	size_t n = sizeof(digits), len = sizeof(head) - 1, body;

	do {
		digits[--n] = '0' + v % 10;
		v /= 10;
	} while (v);
	if (total < 0)
		digits[--n] = '-';
	body = sizeof(digits) - n + 1;		/* the digits and "\n" */
	memcpy(out, head, len);
	/* a body of at most 12 bytes: its length is one or two digits */
	if (body >= 10)
		out[len++] = '0' + body / 10;
	out[len++] = '0' + body % 10;
	memcpy(out + len, "\r\n", 2);
	len += 2;
	if (close) {
		memcpy(out + len, conn_close, sizeof(conn_close) - 1);
		len += sizeof(conn_close) - 1;
	}
	memcpy(out + len, "\r\n", 2);
	len += 2;
	memcpy(out + len, digits + n, sizeof(digits) - n);
	len += sizeof(digits) - n;
	out[len++] = '\n';
	return len;
}

/* Answer the parsed request in s->out; false if the connection must end. */
static bool counter_answer(struct counter_conn *s)
{
	int status;

	BUILD_BUG_ON(sizeof(s->out) < 128);
	if (s->parsed < 0) {		/* 400, 413, 431 or 505, and close */
		status = khttp_error_status(s->parsed);
		s->out_len = khttp_response(s->out, sizeof(s->out), status,
					    khttp_reason(status), true,
					    khttp_reason(status));
		return false;
	}
	if (!strcmp(s->req.method, "POST") && !strcmp(s->req.path, "/")) {
		s->out_len = counter_ok(s->out, s->req.close,
					atomic_inc_return(&total));
	} else if (!strcmp(s->req.method, "GET") && !strcmp(s->req.path, "/")) {
		s->out_len = counter_ok(s->out, s->req.close,
					atomic_read(&total));
	} else {
		s->out_len = khttp_response(s->out, sizeof(s->out), 404,
					    "Not Found", s->req.close, "not found\n");
	}
	return !s->req.close;
}

static enum kasync_poll counter_conn_poll(struct kasync_task *t, void *p)
{
	struct counter_conn *s = p;

	KASYNC_BEGIN(&s->co);
	for (;;) {
		s->parsed = khttp_parse(s->in, s->len, sizeof(s->in),
					sizeof(s->in), &s->req);
		if (!s->parsed) {
			/*
			 * Between requests the idle limit; once a request's
			 * first byte is in, its deadline, which a client
			 * trickling bytes cannot move.
			 */
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm,
					     s->len ? kserver_left(s->due) :
						      kserver_idle_ns(idle_ms),
					     kasync_sock_recv(t, s->c.ks, &s->op,
							      s->in + s->len,
							      sizeof(s->in) - s->len,
							      &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			if (s->err || s->n <= 0)
				break;
			if (!s->len)
				s->due = kserver_due(request_ms);
			s->len += s->n;
			continue;
		}
		s->more = counter_answer(s);
		/* A client that does not read its answers is dropped too. */
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_left(s->due),
				     kasync_sock_send_all(t, s->c.ks, &s->op,
							  s->out, s->out_len,
							  &s->n),
				     kasync_sock_cancel(t, &s->op), &s->err);
		if (!s->more || s->err || s->n < 0)
			break;
		s->len = khttp_consume(s->in, s->len, s->req.len);
		if (s->len)			/* pipelined: the next one is in */
			s->due = kserver_due(request_ms);
	}
	KASYNC_END(&s->co);
}

static void counter_conn_drop(void *p)
{
	struct counter_conn *s = p;

	kserver_conn_end(&s->c);
}

static const struct kasync_task_ops counter_conn_ops = {
	.poll = counter_conn_poll,
	.drop = counter_conn_drop,
};

static int __init counter_init(void)
{
	int err;

	err = counter_srv_start("counter", &counter_conn_ops,
				sizeof(struct counter_conn), NULL);
	if (err)
		return err;
	pr_info("kasync_counter: listening on port %d\n", port);
	return 0;
}

static void __exit counter_exit(void)
{
	kserver_stop(&counter_srv);
}

module_init(counter_init);
module_exit(counter_exit);

MODULE_DESCRIPTION("kasync sample: the visit counter service of the seed's example");
MODULE_LICENSE("GPL");
