// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sample: the seed's web server, in the kernel.
 *
 * Every "GET /" first registers the visit with a counter service (a POST
 * over a keep-alive connection of its own, samples/kasync_counter.c) and
 * then answers "Welcome to my site!", or "Error registering your visit"
 * (503) when the counter cannot be reached.  While one request waits for
 * the counter, thousands of others proceed: each connection is a task,
 * and a wait is a return from its poll function, not a blocked thread.
 *
 * HTTP/1.1 with keep-alive and pipelining, parsed strictly
 * (kasync_http.h): a request that does not parse gets 400, one whose
 * head does not fit the connection's buffer 431 (2 KiB, allocated when a
 * request starts and freed once none is left, so an idle connection holds
 * none), one whose body is larger than max_body 413, an HTTP/2 or later
 * request line 505.  Each of these closes the connection.
 *
 * Every wait has a time limit, so that no client can hold a connection
 * by being slow (module parameters, in milliseconds, 0 for none):
 *
 *   idle_ms     between requests, until the next one's first byte
 *   head_ms     from a request's first byte until its head is in
 *   request_ms  from a request's first byte until its answer is sent:
 *               its body, its visit and the send included
 *   send_ms     sending one answer (to a client that does not read)
 *   counter_ms  one visit registration as a whole: connecting to the
 *               counter, sending, and its whole answer
 *
 * A head or body that does not come in time gets a 408, a visit that
 * does not a 503, and an answer that cannot be sent in time closes the
 * connection.  After an error answer (400, 408, 413, 431, 505) the
 * connection drains what the client still sends for at most LINGER_MS,
 * then closes.  Connections beyond max_conns get a 503 and are closed;
 * unloading closes every connection.
 *
 *	insmod kasync_http.ko port=8080 counter=127.0.0.1:8081
 *	wrk -c 1000 -d 5s http://127.0.0.1:8080/
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <kasync.h>

#include "kasync_http.h"
#include "kasync_server.h"

#define HTTP_BUF	2048	/* request bytes buffered per connection */
#define LINGER_MAX	(256 * 1024)	/* bytes drained after an error... */
#define LINGER_MS	1000		/* ... for at most this long */
#define WELCOME		"Welcome to my site!"
#define SORRY		"Error registering your visit"
#define VISIT_REQ	"POST / HTTP/1.1\r\nHost: counter\r\nContent-Length: 0\r\n\r\n"

/* port, max_conns, backlog, idle_ms, percpu; active, accepted, refused */
KSERVER_MODULE(http_srv, 8080);

/* The counter's address, parsed at load: one that does not parse fails it. */
static int http_set_counter(const char *val, const struct kernel_param *kp)
{
	struct sockaddr_storage ss;
	int len;

	if (!val || khttp_addr(val, strlen(val), 80, &ss, &len)) {
		pr_err("kasync_http: counter must be \"1.2.3.4[:port]\" or \"[::1][:port]\", port 1-65535\n");
		return -EINVAL;
	}
	return param_set_charp(val, kp);
}

static const struct kernel_param_ops http_counter_param = {
	.set = http_set_counter,
	.get = param_get_charp,
	.free = param_free_charp,
};

static char *counter = "127.0.0.1:8081";
module_param_cb(counter, &http_counter_param, &counter, 0444);
MODULE_PARM_DESC(counter, "the counter service, \"1.2.3.4:port\" or \"[::1]:port\" (port 80 if none)");
static unsigned int counter_ms = 2000;
kasync_param(counter_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(counter_ms, "time limit of one visit registration, connect to answer (0: none; up to 3600000)");
static unsigned int head_ms = 10000;
kasync_param(head_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(head_ms, "time limit of a request head, from its first byte (0: none; up to 3600000)");
static unsigned int request_ms = 30000;
kasync_param(request_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(request_ms, "time limit of a request, from its first byte until its answer is sent (0: none; up to 3600000)");
static unsigned int send_ms = 10000;
kasync_param(send_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(send_ms, "time limit of sending one answer (0: none; up to 3600000)");
static unsigned int max_body = 1024;
/* A body must fit the connection's buffer after its head: HTTP_BUF at most. */
kasync_param(max_body, uint, 0, HTTP_BUF, 0444);
MODULE_PARM_DESC(max_body, "largest request body in bytes; larger ones get 413 (0: no body; up to 2048)");
static atomic_t requests = ATOMIC_INIT(0);
module_param_cb(requests, &kserver_atomic_param, &requests, 0444);
MODULE_PARM_DESC(requests, "requests answered (read-only)");
static atomic_t visit_errors = ATOMIC_INIT(0);
module_param_cb(visit_errors, &kserver_atomic_param, &visit_errors, 0444);
MODULE_PARM_DESC(visit_errors, "visits the counter did not register (read-only)");

static struct sockaddr_storage counter_addr;
static int counter_addrlen;

/*
 * The answers, written once at load: each is fixed by its status and
 * whether the connection closes after it, so a connection's state holds
 * which one it sends rather than a copy, and a request costs no
 * formatting.
 */
enum http_answer {
	HTTP_WELCOME, HTTP_SORRY, HTTP_NOT_FOUND,
	HTTP_BAD, HTTP_TIMEOUT, HTTP_TOO_LARGE, HTTP_HEAD_TOO_LARGE, HTTP_VERSION,
	HTTP_ANSWERS
};

static struct {
	size_t len;
	char text[160];
} answers[HTTP_ANSWERS][2];	/* [answer][closes] */

static int http_answers_init(void)
{
	static const struct {
		int status;
		const char *body;
	} a[HTTP_ANSWERS] = {
		[HTTP_WELCOME] = { 200, WELCOME },
		[HTTP_SORRY] = { 503, SORRY },
		[HTTP_NOT_FOUND] = { 404, "not found\n" },
		[HTTP_BAD] = { 400, "bad request\n" },
		[HTTP_TIMEOUT] = { 408, "request timeout\n" },
		[HTTP_TOO_LARGE] = { 413, "content too large\n" },
		[HTTP_HEAD_TOO_LARGE] = { 431, "request header fields too large\n" },
		[HTTP_VERSION] = { 505, "HTTP version not supported\n" },
	};
	int i, c;

	for (i = 0; i < HTTP_ANSWERS; i++) {
		for (c = 0; c < 2; c++) {
			answers[i][c].len =
				khttp_response(answers[i][c].text,
					       sizeof(answers[i][c].text),
					       a[i].status,
					       khttp_reason(a[i].status),
					       c, a[i].body);
			if (WARN_ON_ONCE(answers[i][c].len >=
					 sizeof(answers[i][c].text) - 1))
				return -ENOSPC;
		}
	}
	return 0;
}

/* The answer to a request khttp_parse() refused, or -ETIMEDOUT's. */
static enum http_answer http_error(int err)
{
	switch (khttp_error_status(err)) {
	case 408:
		return HTTP_TIMEOUT;
	case 413:
		return HTTP_TOO_LARGE;
	case 431:
		return HTTP_HEAD_TOO_LARGE;
	case 505:
		return HTTP_VERSION;
	default:
		return HTTP_BAD;
	}
}

/*
 * Deadlines are absolute (CLOCK_MONOTONIC), so that one limit spans
 * several awaits: each await's KASYNC_AWAIT_TIMEOUT() gets the time left,
 * and the connection's one timer is armed only while an await waits.
 */

/* --- http-visit-begin --- */
/*
 * Registering a visit: a helper awaited by the connection task, with its
 * own resume point.  The counter connection is kept open between
 * requests; one that went stale is replaced once.  One deadline bounds
 * the whole visit, retry included: every await gets the time left.
 */
struct visit {
	struct kasync_co co;
	struct kasync_sock_connect conn;	/* its timer: visit_recv()'s too */
	struct kasync_sock_op op;
	struct kasync_timer *tm;	/* the caller's, idle meanwhile */
	struct kasync_sock *ks;		/* to the counter, kept alive */
	bool fresh;			/* ks was connected for this visit */
	bool ok;			/* the result */
	long err;			/* the connect's, a time limit's, or the reply's */
	long n;				/* the socket awaits' result */
	size_t len;
	char buf[160];
};

static void visit_close(struct visit *v)
{
	if (v->ks)
		kasync_sock_close(v->ks);
	v->ks = NULL;
}

/* 1: the counter answered 200 in full; 0: more bytes needed; -errno. */
static int visit_reply(struct visit *v)
{
	long long cl;
	size_t head;
	int status, ret;

	ret = khttp_parse_response(v->buf, v->len, &status, &head, &cl);
	if (!ret)
		return v->len == sizeof(v->buf) ? -E2BIG : 0;
	if (ret < 0 || cl < 0 || head + cl > sizeof(v->buf))
		return -EPROTO;
	if (v->len < head + cl)
		return 0;
	return status == 200 ? 1 : -EIO;
}

/*
 * Await the counter's answer by @due, into v->buf: READY with v->err 0
 * and v->n the receive's result, or with v->err -ETIMEDOUT.
 *
 * The time limit is the connect's timer, idle once connected, and it is
 * left armed when the answer comes in time: the next visit keeps it as
 * long as it expires no later than its own deadline, and when it fires
 * early, arms it again for the deadline.  A keep-alive connection's
 * visits so cost no timer start and cancel each (the answer always has
 * to be waited for), only a wake-up every counter_ms or so.
 */
static enum kasync_poll visit_recv(struct kasync_task *t, struct visit *v,
				   ktime_t due)
{
	struct kasync_timer *tm = &v->conn.tm;

	v->err = 0;
	if (kasync_sock_recv(t, v->ks, &v->op, v->buf + v->len,
			     sizeof(v->buf) - v->len, &v->n) == KASYNC_READY)
		return KASYNC_READY;
	if (kasync_timer_armed(tm) && !kasync_timer_expired(tm) &&
	    ktime_compare(hrtimer_get_expires(&tm->hrt), due) <= 0)
		return KASYNC_PENDING;
	if (kasync_timer_expired(tm) && ktime_compare(ktime_get(), due) >= 0) {
		kasync_sock_cancel(t, &v->op);
		kasync_timer_cancel(t, tm);
		v->err = -ETIMEDOUT;
		return KASYNC_READY;
	}
	kasync_timer_cancel(t, tm);
	if (due != KTIME_MAX)
		kasync_timer_start(t, tm, due, 0);
	return KASYNC_PENDING;
}

/* Register a visit by @due (the same on every resume). */
static enum kasync_poll visit_poll(struct kasync_task *t, struct visit *v,
				   ktime_t due)
{
	struct kasync_sock *ks;

	KASYNC_BEGIN(&v->co);
	v->ok = false;
	for (;;) {
		v->fresh = !v->ks;
		if (!v->ks) {
			ks = kasync_sock_create(&init_net, counter_addr.ss_family,
						SOCK_STREAM, IPPROTO_TCP);
			if (IS_ERR(ks)) {
				v->err = PTR_ERR(ks);
				break;
			}
			v->ks = ks;
			/* visit_recv() may have left the timer armed */
			kasync_timer_cancel(t, &v->conn.tm);
			KASYNC_AWAIT(&v->co, kasync_sock_connect(t, v->ks, &v->conn,
								 (struct sockaddr *)&counter_addr,
								 counter_addrlen,
								 kserver_left(due),
								 &v->n));
			v->err = v->n;
			if (v->err)
				break;
		}
		KASYNC_AWAIT_TIMEOUT(&v->co, t, v->tm, kserver_left(due),
				     kasync_sock_send_all(t, v->ks, &v->op, VISIT_REQ,
							  strlen(VISIT_REQ), &v->n),
				     kasync_sock_cancel(t, &v->op), &v->err);
		v->len = 0;
		if (!v->err && v->n < 0)
			v->err = v->n;
		while (!v->err && !(v->err = visit_reply(v))) {
			KASYNC_AWAIT(&v->co, visit_recv(t, v, due));
			if (!v->err && v->n <= 0)
				v->err = v->n ? v->n : -ECONNRESET;
			if (!v->err)
				v->len += v->n;
		}
		if (v->err == 1) {
			v->ok = true;
			break;
		}
		visit_close(v);
		/* A kept connection the counter closed meanwhile: one retry. */
		if (v->fresh || v->len || v->err == -ETIMEDOUT)
			break;
	}
	if (!v->ok) {
		visit_close(v);
		atomic_inc(&visit_errors);
	}
	KASYNC_DONE(&v->co);
	KASYNC_END(&v->co);
}

/* --- http-visit-end --- */

struct http_conn {
	struct kserver_conn c;		/* first */
	struct kasync_co co;
	long err;			/* the time limits' */
	struct kasync_sock_op op;
	struct kasync_timer tm;		/* the limit of the await that waits */
	ktime_t req_due;		/* the request's deadline (request_ms) */
	ktime_t due;			/* its step's: head, visit or answer */
	struct khttp_req req;
	struct visit visit;
	long n;				/* the socket awaits' result */
	size_t len;
	char *in;			/* HTTP_BUF bytes, while a request is in */
	int parsed;
	enum http_answer answer;
	bool more;			/* keep the connection after the answer */
};

/* A request's first byte is in: its clocks start. */
static void http_request_starts(struct http_conn *s)
{
	s->req_due = kserver_due(request_ms);
	s->due = min(kserver_due(head_ms), s->req_due);
}

/* --- http-conn-begin --- */
static enum kasync_poll http_conn_poll(struct kasync_task *t, void *p)
{
	struct http_conn *s = p;

	KASYNC_BEGIN(&s->co);
	s->visit.tm = &s->tm;
	for (;;) {
		if (!s->len) {
			/* Between requests: no buffer until the next one. */
			kfree(s->in);
			s->in = NULL;
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm,
					     kserver_idle_ns(idle_ms),
					     kasync_sock_readable(t, s->c.ks, &s->op,
								  &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			if (s->err || s->n)	/* idle too long, or misuse */
				break;
			s->in = kmalloc(HTTP_BUF, GFP_KERNEL);
			if (!s->in)
				break;
			http_request_starts(s);
		}
		s->parsed = khttp_parse(s->in, s->len, HTTP_BUF, max_body, &s->req);
		if (!s->parsed) {		/* need more bytes */
			if (s->req.len)		/* the head is in: now the body */
				s->due = s->req_due;
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_left(s->due),
					     kasync_sock_recv(t, s->c.ks, &s->op,
							      s->in + s->len,
							      HTTP_BUF - s->len,
							      &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			if (!s->err && s->n <= 0)
				break;
			if (!s->err) {
				s->len += s->n;
				continue;
			}
			s->parsed = -ETIMEDOUT;		/* a 408 */
		}
		s->more = s->parsed > 0 && !s->req.close;
		if (s->parsed < 0) {
			s->answer = http_error(s->parsed);
		} else if (strcmp(s->req.method, "GET") || strcmp(s->req.path, "/")) {
			s->answer = HTTP_NOT_FOUND;
		} else {
			/* The seed's handler: register the visit, then answer. */
			s->due = min(kserver_due(counter_ms), s->req_due);
			KASYNC_AWAIT(&s->co, visit_poll(t, &s->visit, s->due));
			s->answer = s->visit.ok ? HTTP_WELCOME : HTTP_SORRY;
		}
		s->due = min(kserver_due(send_ms), s->req_due);
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_left(s->due),
				     kasync_sock_send_all(t, s->c.ks, &s->op,
							  answers[s->answer][!s->more].text,
							  answers[s->answer][!s->more].len,
							  &s->n),
				     kasync_sock_cancel(t, &s->op), &s->err);
		if (s->err || s->n < 0)		/* not read in time, or gone */
			break;
		atomic_inc(&requests);
		if (!s->more)
			break;
		s->len = khttp_consume(s->in, s->len, s->req.len);
		if (s->len)			/* pipelined: the next one is in */
			http_request_starts(s);
	}
	if (s->parsed < 0 && !s->err && s->n >= 0) {
		/*
		 * Lingering close after an error answer that was sent: send
		 * our FIN first and drain what the client is still sending,
		 * for LINGER_MS at most, so that closing with unread bytes
		 * (a reset) cannot destroy the answer before the client read
		 * it.
		 */
		kasync_sock_shutdown(s->c.ks, SHUT_WR);
		s->due = kserver_due(LINGER_MS);
		s->len = 0;
		do {
			KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_left(s->due),
					     kasync_sock_recv(t, s->c.ks, &s->op, s->in,
							      HTTP_BUF, &s->n),
					     kasync_sock_cancel(t, &s->op), &s->err);
			s->len += s->n > 0 ? s->n : 0;
		} while (!s->err && s->n > 0 && s->len < LINGER_MAX);
	}
	KASYNC_END(&s->co);
}

/* --- http-conn-end --- */

static void http_conn_drop(void *p)
{
	struct http_conn *s = p;

	kfree(s->in);
	visit_close(&s->visit);
	kserver_conn_end(&s->c);
}

static const struct kasync_task_ops http_conn_ops = {
	.poll = http_conn_poll,
	.drop = http_conn_drop,
};

/* Beyond max_conns: a best-effort 503 without waiting, then the close. */
static void http_refuse(struct kasync_sock *ks)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
		"Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n";
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec v = { .iov_base = (void *)busy, .iov_len = sizeof(busy) - 1 };

	kernel_sendmsg(kasync_sock_socket(ks), &msg, &v, 1, v.iov_len);
}

static int __init http_init(void)
{
	int err;

	err = khttp_addr(counter, strlen(counter), 80, &counter_addr,
			 &counter_addrlen);
	if (err) {
		pr_err("kasync_http: bad counter address \"%s\"\n", counter);
		return err;
	}
	err = http_answers_init();
	if (err)
		return err;
	err = http_srv_start("http", &http_conn_ops, sizeof(struct http_conn),
			     http_refuse);
	if (err)
		return err;
	pr_info("kasync_http: listening on port %d, counter at %s (%zu bytes of task state per connection)\n",
		port, counter, sizeof(struct http_conn));
	return 0;
}

static void __exit http_exit(void)
{
	kserver_stop(&http_srv);
}

module_init(http_init);
module_exit(http_exit);

MODULE_DESCRIPTION("kasync sample: the seed's web server, registering each visit with a counter");
MODULE_LICENSE("GPL");
