// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sample: a TCP echo server, one task per connection.
 *
 * Each connection is a few lines of straight-line code: wait until there
 * is something to read (giving up after idle_ms without data), receive,
 * send everything back (giving up if the peer has not taken it after
 * send_ms), repeat; the peer's EOF, an error or either time limit end it.
 * A connection costs its task (the header plus the state below) and its
 * socket; no thread.  The receive buffer exists only while data is in
 * flight: an idle connection holds none.
 *
 *	insmod kasync_echo.ko port=7007 max_conns=20000 idle_ms=30000 send_ms=10000
 *	cat /sys/module/kasync_echo/parameters/active
 */
#include <linux/module.h>
#include <kasync.h>

#include "kasync_server.h"

#define ECHO_BUF	1024	/* bytes of buffer per connection with data */

/* port, max_conns, backlog, idle_ms, percpu; active, accepted, refused */
KSERVER_MODULE(echo_srv, 7007);

/*
 * A peer that sends but never reads would otherwise hold its connection
 * forever: the echo waits for send space that never comes, and the idle
 * limit does not run while it does.
 */
static unsigned int send_ms = 10000;
kasync_param(send_ms, uint, 0, KSERVER_MAX_MS, 0444);
MODULE_PARM_DESC(send_ms, "drop a connection whose peer has not taken an echo (up to 1 KiB) after this long (0: never; up to 3600000)");

/* --- echo-conn-begin --- */
struct echo_conn {
	struct kserver_conn c;		/* the socket; first */
	struct kasync_co co;
	long err;			/* the time limits' */
	struct kasync_sock_op op;
	struct kasync_timer tm;		/* idle_ms, or send_ms: never both */
	char *buf;			/* only while data is in flight */
	long n;				/* the socket awaits' result */
};

static enum kasync_poll echo_conn_poll(struct kasync_task *t, void *p)
{
	struct echo_conn *s = p;

	KASYNC_BEGIN(&s->co);
	for (;;) {
		/* Idle: no buffer, until there is something to read. */
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_idle_ns(idle_ms),
				     kasync_sock_readable(t, s->c.ks, &s->op, &s->n),
				     kasync_sock_cancel(t, &s->op), &s->err);
		if (s->err || s->n)		/* idle too long, or misuse */
			break;
		s->buf = kmalloc(ECHO_BUF, GFP_KERNEL);
		if (!s->buf)
			break;
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->c.ks, &s->op, s->buf,
						      ECHO_BUF, &s->n));
		if (s->n <= 0)			/* EOF or error */
			break;
		/* The peer must take it all within send_ms of the first wait. */
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, kserver_idle_ns(send_ms),
				     kasync_sock_send_all(t, s->c.ks, &s->op, s->buf,
							  s->n, &s->n),
				     kasync_sock_cancel(t, &s->op), &s->err);
		if (s->err || s->n < 0)		/* too slow, or an error */
			break;
		kfree(s->buf);
		s->buf = NULL;
	}
	KASYNC_END(&s->co);
}

static void echo_conn_drop(void *p)
{
	struct echo_conn *s = p;

	kfree(s->buf);
	kserver_conn_end(&s->c);	/* closes the socket */
}

static const struct kasync_task_ops echo_conn_ops = {
	.poll = echo_conn_poll,
	.drop = echo_conn_drop,
};

/* --- echo-conn-end --- */

static int __init echo_init(void)
{
	int err;

	err = echo_srv_start("echo", &echo_conn_ops, sizeof(struct echo_conn), NULL);
	if (err)
		return err;
	pr_info("kasync_echo: listening on port %d (%zu bytes of task state per connection)\n",
		port, sizeof(struct echo_conn));
	return 0;
}

static void __exit echo_exit(void)
{
	kserver_stop(&echo_srv);
}

module_init(echo_init);
module_exit(echo_exit);

MODULE_DESCRIPTION("kasync sample: TCP echo server, one task per connection");
MODULE_LICENSE("GPL");
