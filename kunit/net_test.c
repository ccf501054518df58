// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_net: async sockets on loopback.  TCP echo over IPv4
 * and IPv6 with data integrity and addresses, many connections at once,
 * refused and timed-out connects, peer reset, end of stream, half-close,
 * backpressure, UDP over IPv4 and IPv6 (and an ICMP error reaching a
 * waiting receive), misuse, stopping an accept loop, per-connection
 * memory, cancellation at every await point with the socket's
 * callbacks checked afterwards, and the hrtimers time limits start.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/vmstat.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "kasync_test.h"
#include "kt_hrtimers.h"

#define KN_SEC		(1000 * NSEC_PER_MSEC)

/* ---- helpers ---------------------------------------------------------------- */

/* The loopback address of @family with @port; returns its length. */
static int kn_loopback(int family, u16 port, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_loopback;
	sin6->sin6_port = htons(port);
	return sizeof(*sin6);
}

static int kn_addrlen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					  sizeof(struct sockaddr_in6);
}

/* Same family, address and port? */
static bool kn_same_addr(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
}

static struct sock *kn_sk(struct kasync_sock *ks)
{
	return kasync_sock_socket(ks)->sk;
}

static void kn_set_buf(struct kunit *test, struct kasync_sock *ks, int opt,
		       int bytes)
{
	KUNIT_ASSERT_EQ(test, sock_setsockopt(kasync_sock_socket(ks),
					      SOL_SOCKET, opt,
					      KERNEL_SOCKPTR(&bytes),
					      sizeof(bytes)), 0);
}

/* A new socket of @family and @type: never NULL, an ERR_PTR() or a socket. */
static struct kasync_sock *kn_sock(struct kunit *test, int family, int type)
{
	struct kasync_sock *ks = kasync_sock_create(NULL, family, type, 0);

	KUNIT_ASSERT_NOT_NULL(test, ks);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ks));
	return ks;
}

/* A socket of @family and @type bound to the loopback address, port 0. */
static struct kasync_sock *kn_bound(struct kunit *test, int family, int type,
				    struct sockaddr_storage *addr)
{
	struct kasync_sock *ks = kn_sock(test, family, type);
	int len;

	len = kn_loopback(family, 0, addr);
	KUNIT_ASSERT_EQ(test, kasync_sock_bind(ks, (struct sockaddr *)addr, len),
			0);
	KUNIT_ASSERT_EQ(test, kasync_sock_local_addr(ks, addr), len);
	return ks;
}

/* A TCP listener on loopback; @rcvbuf (if set) is inherited by children. */
static struct kasync_sock *kn_listener(struct kunit *test, int family,
				       int backlog, int rcvbuf,
				       struct sockaddr_storage *addr)
{
	struct kasync_sock *ks = kn_bound(test, family, SOCK_STREAM, addr);

	if (rcvbuf)
		kn_set_buf(test, ks, SO_RCVBUF, rcvbuf);
	KUNIT_ASSERT_EQ(test, kasync_sock_listen(ks, backlog), 0);
	return ks;
}

static u8 kn_pattern(size_t i, u32 seed)
{
	return (u8)(i * 131 + (i >> 8) * 7 + seed);
}

static void kn_fill(u8 *p, size_t len, u32 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = kn_pattern(i, seed);
}

/* ---- generic tasks ---------------------------------------------------------- */

/* Accepts @n connections into @out[]; returns how many, or an error. */
struct kn_acceptor {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *lis;
	struct kasync_sock **out;
	int n;
	int got;
	long err;
};

static enum kasync_poll kn_acceptor_poll(struct kasync_task *t, void *p)
{
	struct kn_acceptor *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->got = 0; s->got < s->n; s->got++) {
		KASYNC_AWAIT(&s->co, kasync_sock_accept(t, s->lis, &s->op,
							&s->out[s->got], &s->err));
		if (s->err)
			KASYNC_RETURN(&s->co, t, s->err);
	}
	KASYNC_RETURN(&s->co, t, s->got);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_acceptor_ops = {
	.poll = kn_acceptor_poll,
};

static struct kasync_task *kn_spawn_acceptor(struct kunit *test,
					     struct kasync_sock *lis,
					     struct kasync_sock **out, int n)
{
	struct kn_acceptor s = { .lis = lis, .out = out, .n = n };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kn_acceptor_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/* Connects @ks (not owned) to @addr; returns the error. */
struct kn_connector {
	struct kasync_co co;
	struct kasync_sock_connect c;
	struct kasync_sock *ks;
	struct sockaddr_storage addr;
	u64 timeout;
	long err;
	bool armed;	/* anything armed after the await */
};

static enum kasync_poll kn_connector_poll(struct kasync_task *t, void *p)
{
	struct kn_connector *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_connect(t, s->ks, &s->c,
						 (struct sockaddr *)&s->addr,
						 kn_addrlen(&s->addr),
						 s->timeout, &s->err));
	if (kasync_sock_op_armed(&s->c.op) || kasync_timer_armed(&s->c.tm))
		KASYNC_RETURN(&s->co, t, -EBUSY);
	KASYNC_RETURN(&s->co, t, s->err);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_connector_ops = {
	.poll = kn_connector_poll,
};

static struct kasync_task *kn_spawn_connector(struct kunit *test,
					      struct kasync_sock *ks,
					      const struct sockaddr_storage *to,
					      u64 timeout)
{
	struct kn_connector s = { .ks = ks, .addr = *to, .timeout = timeout };
	struct kasync_task *h;

	h = kasync_spawn(NULL, &kn_connector_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	return h;
}

/*
 * A connected TCP pair over loopback: *@cli with send buffer @sndbuf,
 * *@srv accepted from a listener with receive buffer @rcvbuf (0: default).
 */
static void kn_pair(struct kunit *test, int family, int sndbuf, int rcvbuf,
		    struct kasync_sock **cli, struct kasync_sock **srv)
{
	struct sockaddr_storage addr;
	struct kasync_sock *lis;
	struct kasync_task *a, *c;

	lis = kn_listener(test, family, 8, rcvbuf, &addr);
	*cli = kn_sock(test, family, SOCK_STREAM);
	if (sndbuf)
		kn_set_buf(test, *cli, SO_SNDBUF, sndbuf);
	a = kn_spawn_acceptor(test, lis, srv, 1);
	c = kn_spawn_connector(test, *cli, &addr, 5 * KN_SEC);
	KUNIT_ASSERT_EQ(test, kasync_join(&c), 0L);
	KUNIT_ASSERT_EQ(test, kasync_join(&a), 1L);
	kasync_sock_close(lis);
}

/*
 * The socket's callbacks are the protocol's own again: those of a fresh
 * socket of the same kind, which kasync never touched.
 */
static void kn_expect_restored(struct kunit *test, struct sock *sk)
{
	struct socket *ref;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, sk->sk_family,
					       sk->sk_type, sk->sk_protocol,
					       &ref), 0);
	read_lock_bh(&sk->sk_callback_lock);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_data_ready, ref->sk->sk_data_ready);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_write_space, ref->sk->sk_write_space);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_state_change,
			    ref->sk->sk_state_change);
	KUNIT_EXPECT_PTR_EQ(test, sk->sk_error_report,
			    ref->sk->sk_error_report);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(__sk_user_data(sk)));
	read_unlock_bh(&sk->sk_callback_lock);
	sock_release(ref);
}

/* The deferred release ran: the socket was orphaned (SOCK_DEAD). */
static bool kn_released(struct sock *sk)
{
	return sock_flag(sk, SOCK_DEAD);
}

/* ---- TCP echo ---------------------------------------------------------------- */

/* Echoes one connection until end of stream; returns the bytes echoed. */
struct kn_echo {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *conn;	/* owned */
	struct sockaddr_storage *peer;	/* if set: the peer's address */
	atomic_t *finished;		/* if set: incremented at the end */
	long n;
	long total;
	u8 buf[1500];
};

static enum kasync_poll kn_echo_poll(struct kasync_task *t, void *p)
{
	struct kn_echo *s = p;

	KASYNC_BEGIN(&s->co);
	if (s->peer && kasync_sock_peer_addr(s->conn, s->peer) <= 0)
		KASYNC_RETURN(&s->co, t, -ENOTCONN);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->conn, &s->op, s->buf,
						      sizeof(s->buf), &s->n));
		if (s->n <= 0)
			break;
		s->total += s->n;
		KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->conn, &s->op,
							  s->buf, s->n, &s->n));
		if (s->n < 0)
			break;
	}
	KASYNC_RETURN(&s->co, t, s->n < 0 ? s->n : s->total);
	KASYNC_END(&s->co);
}

static void kn_echo_drop(void *p)
{
	struct kn_echo *s = p;

	kasync_sock_close(s->conn);
	if (s->finished)
		atomic_inc(s->finished);
}

static const struct kasync_task_ops kn_echo_ops = {
	.poll = kn_echo_poll,
	.drop = kn_echo_drop,
};

/*
 * Accepts @n connections and spawns an echo task for each, keeping the
 * handles in @conns[] for the test to join.
 */
struct kn_echo_server {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *lis;
	struct kasync_sock *conn;
	struct sockaddr_storage *peer;
	struct kasync_task **conns;
	atomic_t *finished;
	int n;
	int got;
	long err;
};

static enum kasync_poll kn_echo_server_poll(struct kasync_task *t, void *p)
{
	struct kn_echo_server *s = p;
	struct kn_echo e = {};
	struct kasync_task *h;

	KASYNC_BEGIN(&s->co);
	for (s->got = 0; s->got < s->n; s->got++) {
		KASYNC_AWAIT(&s->co, kasync_sock_accept(t, s->lis, &s->op,
							&s->conn, &s->err));
		if (s->err)
			KASYNC_RETURN(&s->co, t, s->err);
		e.conn = s->conn;
		e.peer = s->peer;
		e.finished = s->finished;
		h = kasync_spawn(NULL, &kn_echo_ops, &e, sizeof(e), GFP_KERNEL);
		if (IS_ERR(h)) {
			kasync_sock_close(s->conn);
			KASYNC_RETURN(&s->co, t, PTR_ERR(h));
		}
		s->conns[s->got] = h;
	}
	KASYNC_RETURN(&s->co, t, s->got);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_echo_server_ops = {
	.poll = kn_echo_server_poll,
};

/* Sends @len bytes of pattern @seed, reads the echo, compares. */
struct kn_echo_client {
	struct kasync_co co;
	struct kasync_sock_connect c;
	struct kasync_sock_op op;
	struct kasync_sock *ks;		/* owned */
	struct sockaddr_storage addr;
	struct sockaddr_storage *local;	/* if set: its own address */
	u8 *tx;
	u8 *rx;
	size_t len;
	size_t got;
	long n;
	long err;
};

static enum kasync_poll kn_echo_client_poll(struct kasync_task *t, void *p)
{
	struct kn_echo_client *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_connect(t, s->ks, &s->c,
						 (struct sockaddr *)&s->addr,
						 kn_addrlen(&s->addr), 10 * KN_SEC,
						 &s->err));
	if (s->err)
		KASYNC_RETURN(&s->co, t, s->err);
	if (s->local && kasync_sock_local_addr(s->ks, s->local) <= 0)
		KASYNC_RETURN(&s->co, t, -ENOTCONN);
	KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op, s->tx,
						  s->len, &s->n));
	if (s->n != s->len)
		KASYNC_RETURN(&s->co, t, s->n < 0 ? s->n : -EIO);
	while (s->got < s->len) {
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op,
						      s->rx + s->got,
						      s->len - s->got, &s->n));
		if (s->n <= 0)
			KASYNC_RETURN(&s->co, t, s->n ? s->n : -ENODATA);
		s->got += s->n;
	}
	KASYNC_RETURN(&s->co, t, memcmp(s->tx, s->rx, s->len) ? -EBADMSG : 0);
	KASYNC_END(&s->co);
}

static void kn_echo_client_drop(void *p)
{
	struct kn_echo_client *s = p;

	kasync_sock_close(s->ks);
}

static const struct kasync_task_ops kn_echo_client_ops = {
	.poll = kn_echo_client_poll,
	.drop = kn_echo_client_drop,
};

/*
 * One server, one client, @len bytes through a connection and back; the
 * server saw the client's address as its peer.
 */
static void kn_echo_one(struct kunit *test, int family, size_t len)
{
	struct sockaddr_storage addr, peer = {}, local = {};
	struct kn_echo_server srv = { .n = 1 };
	struct kn_echo_client cli = { .len = len };
	struct kasync_task *conns[1] = {}, *hs, *hc;
	struct kasync_sock *lis, *ks;

	lis = kn_listener(test, family, 8, 0, &addr);
	ks = kn_sock(test, family, SOCK_STREAM);
	cli.tx = kunit_kmalloc(test, len, GFP_KERNEL);
	cli.rx = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cli.tx);
	KUNIT_ASSERT_NOT_NULL(test, cli.rx);
	kn_fill(cli.tx, len, family);
	cli.ks = ks;
	cli.addr = addr;
	cli.local = &local;
	srv.lis = lis;
	srv.conns = conns;
	srv.peer = &peer;

	hs = kasync_spawn(NULL, &kn_echo_server_ops, &srv, sizeof(srv),
			  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hs));
	hc = kasync_spawn(NULL, &kn_echo_client_ops, &cli, sizeof(cli),
			  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hc));
	KUNIT_EXPECT_EQ(test, kasync_join(&hs), 1L);
	KUNIT_EXPECT_EQ(test, kasync_join(&hc), 0L);
	KUNIT_ASSERT_NOT_NULL(test, conns[0]);
	KUNIT_EXPECT_EQ(test, kasync_join(&conns[0]), (long)len);
	KUNIT_EXPECT_TRUE(test, kn_same_addr(&peer, &local));
	kasync_sock_close(lis);
}

static void kn_tcp_echo_v4(struct kunit *test)
{
	kn_echo_one(test, AF_INET, 64 * 1024);
}

static void kn_tcp_echo_v6(struct kunit *test)
{
	kn_echo_one(test, AF_INET6, 64 * 1024);
}

/* Many clients at once against one accept loop and an echo task each. */
#define KN_MANY		200
#define KN_MANY_LEN	1000

static void kn_tcp_many(struct kunit *test)
{
	struct kn_echo_server srv = { .n = KN_MANY };
	struct kasync_task **conns, **clients, *hs;
	struct kn_echo_client cli = { .len = KN_MANY_LEN };
	atomic_t finished = ATOMIC_INIT(0);
	struct sockaddr_storage addr;
	struct kasync_sock *lis;
	u64 t0 = ktime_get_ns(), t1;
	long ok = 0, bytes = 0;
	u8 *bufs;
	int i;

	conns = kunit_kcalloc(test, KN_MANY, sizeof(*conns), GFP_KERNEL);
	clients = kunit_kcalloc(test, KN_MANY, sizeof(*clients), GFP_KERNEL);
	bufs = kunit_kmalloc(test, 2 * KN_MANY * KN_MANY_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, conns);
	KUNIT_ASSERT_NOT_NULL(test, clients);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	lis = kn_listener(test, AF_INET, KN_MANY, 0, &addr);
	srv.lis = lis;
	srv.conns = conns;
	srv.finished = &finished;
	hs = kasync_spawn(NULL, &kn_echo_server_ops, &srv, sizeof(srv),
			  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hs));

	cli.addr = addr;
	for (i = 0; i < KN_MANY; i++) {
		cli.ks = kn_sock(test, AF_INET, SOCK_STREAM);
		cli.tx = bufs + 2 * i * KN_MANY_LEN;
		cli.rx = cli.tx + KN_MANY_LEN;
		kn_fill(cli.tx, KN_MANY_LEN, i);
		clients[i] = kasync_spawn(NULL, &kn_echo_client_ops, &cli,
					  sizeof(cli), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(clients[i]));
	}
	t1 = ktime_get_ns();
	for (i = 0; i < KN_MANY; i++)
		ok += kasync_join(&clients[i]) == 0;
	KUNIT_EXPECT_EQ(test, ok, (long)KN_MANY);
	KUNIT_EXPECT_EQ(test, kasync_join(&hs), (long)KN_MANY);
	for (i = 0; i < KN_MANY; i++)
		if (conns[i])
			bytes += kasync_join(&conns[i]);
	KUNIT_EXPECT_EQ(test, bytes, (long)KN_MANY * KN_MANY_LEN);
	KUNIT_EXPECT_EQ(test, atomic_read(&finished), KN_MANY);
	kunit_info(test, "%d connections echoed %ld bytes in %llu ms (%llu ms creating and spawning the clients)\n",
		   KN_MANY, bytes, (ktime_get_ns() - t0) / NSEC_PER_MSEC,
		   (t1 - t0) / NSEC_PER_MSEC);
	kasync_sock_close(lis);
}

/* ---- connect errors --------------------------------------------------------- */

/* A port with a bound socket but no listener answers SYNs with RST. */
static void kn_connect_refused(struct kunit *test)
{
	struct sockaddr_storage addr;
	struct kasync_sock *hold, *ks;
	struct kasync_task *h;

	hold = kn_bound(test, AF_INET, SOCK_STREAM, &addr);
	ks = kn_sock(test, AF_INET, SOCK_STREAM);
	h = kn_spawn_connector(test, ks, &addr, 5 * KN_SEC);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECONNREFUSED);
	kasync_sock_close(ks);
	kasync_sock_close(hold);
}

/*
 * A listener with backlog 0 whose accept queue is full (or which cannot
 * take even one connection: the test kernel has no SYN cookies) drops
 * SYNs: the connect times out.  The attempt is abandoned, so the same
 * socket then connects elsewhere.
 */
static void kn_connect_timeout(struct kunit *test)
{
	struct sockaddr_storage full, good;
	struct kasync_sock *lis, *lis2, *filler, *ks, *srv = NULL;
	struct kasync_task *h, *a;
	u64 t0, ms;

	lis = kn_listener(test, AF_INET, 0, 0, &full);
	filler = kn_sock(test, AF_INET, SOCK_STREAM);
	h = kn_spawn_connector(test, filler, &full, 300 * NSEC_PER_MSEC);
	kasync_join(&h);	/* queued (0), or dropped too (-ETIMEDOUT) */

	ks = kn_sock(test, AF_INET, SOCK_STREAM);
	t0 = ktime_get_ns();
	h = kn_spawn_connector(test, ks, &full, 300 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ETIMEDOUT);
	ms = (ktime_get_ns() - t0) / NSEC_PER_MSEC;
	KUNIT_EXPECT_GE(test, ms, 300ULL);
	KUNIT_EXPECT_LT(test, ms, 5000ULL);

	lis2 = kn_listener(test, AF_INET, 8, 0, &good);
	a = kn_spawn_acceptor(test, lis2, &srv, 1);
	h = kn_spawn_connector(test, ks, &good, 5 * KN_SEC);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, kasync_join(&a), 1L);
	kasync_sock_close(srv);
	kasync_sock_close(ks);
	kasync_sock_close(filler);
	kasync_sock_close(lis2);
	kasync_sock_close(lis);
}

/* ---- stream ends: reset, EOF, half-close ------------------------------------- */

/* Receives once, then sends once; returns both results packed. */
struct kn_recv_send {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	long r1;
	long r2;
	u8 buf[64];
};

static enum kasync_poll kn_recv_send_poll(struct kasync_task *t, void *p)
{
	struct kn_recv_send *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op, s->buf,
					      sizeof(s->buf), &s->r1));
	KASYNC_AWAIT(&s->co, kasync_sock_send(t, s->ks, &s->op, s->buf, 1,
					      &s->r2));
	KASYNC_RETURN(&s->co, t, s->r1 * 1000 + s->r2);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_recv_send_ops = {
	.poll = kn_recv_send_poll,
};

/*
 * A peer that closes with linger 0 resets the connection: a waiting recv
 * fails with -ECONNRESET, and the next send with -EPIPE.
 */
static void kn_tcp_reset(struct kunit *test)
{
	struct kn_recv_send s = {};
	struct kasync_sock *cli, *srv;
	struct kasync_task *h;

	kn_pair(test, AF_INET, 0, 0, &cli, &srv);
	s.ks = cli;
	h = kasync_spawn(NULL, &kn_recv_send_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	sock_no_linger(kn_sk(srv));
	kasync_sock_close(srv);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), -ECONNRESET * 1000L - EPIPE);
	kasync_sock_close(cli);
}

/*
 * An orderly close is end of stream: recv returns 0.  Sending still
 * works until the peer's RST for data it will never read comes back.
 */
static void kn_tcp_eof(struct kunit *test)
{
	struct kn_recv_send s = {};
	struct kasync_sock *cli, *srv;
	struct kasync_task *h;
	long r;

	kn_pair(test, AF_INET6, 0, 0, &cli, &srv);
	s.ks = cli;
	h = kasync_spawn(NULL, &kn_recv_send_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	msleep(20);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	kasync_sock_close(srv);
	r = kasync_join(&h);
	KUNIT_EXPECT_EQ(test, r / 1000, 0L);
	KUNIT_EXPECT_TRUE(test, r % 1000 == 1 || r % 1000 == -EPIPE ||
			  r % 1000 == -ECONNRESET);
	kasync_sock_close(cli);
}

/* Awaits readability with no buffer, then receives: what a server does. */
struct kn_readable {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	atomic_t *stage;	/* 1: readable finished, 2: recv finished */
	long err;
	long n;
	u8 buf[64];
};

static enum kasync_poll kn_readable_poll(struct kasync_task *t, void *p)
{
	struct kn_readable *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_readable(t, s->ks, &s->op, &s->err));
	atomic_set(s->stage, 1);
	if (s->err)
		KASYNC_RETURN(&s->co, t, s->err);
	/* Readable: the receive finishes in this very poll. */
	if (kasync_sock_recv(t, s->ks, &s->op, s->buf, sizeof(s->buf),
			     &s->n) != KASYNC_READY)
		KASYNC_RETURN(&s->co, t, -EAGAIN);
	atomic_set(s->stage, 2);
	KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_readable_ops = {
	.poll = kn_readable_poll,
};

/* Sends @len bytes of @buf on @ks now (as one datagram to @to, if set). */
static int kn_send_now(struct kasync_sock *ks, const void *buf, size_t len,
		       struct sockaddr_storage *to)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = to,
		.msg_namelen = to ? kn_addrlen(to) : 0,
		.msg_flags = MSG_DONTWAIT,
	};

	return kernel_sendmsg(kasync_sock_socket(ks), &msg, &iov, 1, len);
}

/* Receives what is on @ks now, at most @len bytes; -EAGAIN if nothing. */
static int kn_recv_now(struct kasync_sock *ks, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};

	return kernel_recvmsg(kasync_sock_socket(ks), &msg, &iov, 1, len,
			      MSG_DONTWAIT);
}

/*
 * kasync_sock_readable() waits while nothing is there, and finishes for
 * data (the recv then gets it without waiting) and for the peer's EOF (the
 * recv then returns 0).
 */
static void kn_tcp_readable(struct kunit *test)
{
	atomic_t stage = ATOMIC_INIT(0);
	struct kn_readable s = { .stage = &stage };
	struct kasync_sock *cli, *srv;
	struct kasync_task *h;

	kn_pair(test, AF_INET, 0, 0, &cli, &srv);
	s.ks = cli;
	h = kasync_spawn(NULL, &kn_readable_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&stage), 0);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_ASSERT_EQ(test, kn_send_now(srv, "hello", 5, NULL), 5);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 5L);
	KUNIT_EXPECT_EQ(test, atomic_read(&stage), 2);
	kasync_sock_close(srv);
	kasync_sock_close(cli);

	/* The peer's EOF is readable too: the receive then returns 0. */
	atomic_set(&stage, 0);
	kn_pair(test, AF_INET6, 0, 0, &cli, &srv);
	s.ks = cli;
	h = kasync_spawn(NULL, &kn_readable_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	msleep(20);
	KUNIT_EXPECT_EQ(test, atomic_read(&stage), 0);
	kasync_sock_close(srv);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, atomic_read(&stage), 2);
	kasync_sock_close(cli);
}

/*
 * A connection that is always ready: one task sends a byte on one end and
 * receives it on the other, again and again (a peer that pipelines flat
 * out and reads everything).  Each send and receive finishes at once, so
 * only the cooperative budget ends the poll.
 */
struct kn_hog {
	struct kasync_sock *a, *b;
	struct kt_hog_stats *st;
	struct kasync_sock_op tx, rx;
	bool sent;
	long n;
	u8 byte;
};

static enum kasync_poll kn_hog_step(struct kasync_task *t, void *p)
{
	struct kn_hog *s = p;
	enum kasync_poll r;

	if (!s->sent) {
		r = kasync_sock_send(t, s->a, &s->tx, &s->byte, 1, &s->n);
		s->sent = r == KASYNC_READY;
		return r;
	}
	r = kasync_sock_recv(t, s->b, &s->rx, &s->byte, 1, &s->n);
	s->sent = r != KASYNC_READY;
	return r;
}

static enum kasync_poll kn_hog_poll(struct kasync_task *t, void *p)
{
	struct kn_hog *s = p;

	return kt_hog_run(t, s->st, kn_hog_step, s);
}

static const struct kasync_task_ops kn_hog_ops = {
	.poll = kn_hog_poll,
};

/*
 * The cooperative budget on sockets: a task whose sends and receives are
 * always ready leaves its poll after KASYNC_COOP_BUDGET of them, and a
 * task queued behind it on its CPU runs.
 */
static void kn_coop_budget(struct kunit *test)
{
	struct kt_hog_stats st = {};
	struct kn_hog s = { .st = &st };

	kn_pair(test, AF_INET, 0, 0, &s.a, &s.b);
	kt_coop_check(test, &kn_hog_ops, &s, sizeof(s), &st);
	kasync_sock_close(s.b);
	kasync_sock_close(s.a);
}

/* Counts bytes to end of stream, then sends the count back and closes. */
struct kn_counter {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;		/* owned */
	u64 total;
	long n;
	u8 buf[512];
};

static enum kasync_poll kn_counter_poll(struct kasync_task *t, void *p)
{
	struct kn_counter *s = p;

	KASYNC_BEGIN(&s->co);
	do {
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op, s->buf,
						      sizeof(s->buf), &s->n));
		if (s->n > 0)
			s->total += s->n;
	} while (s->n > 0);
	if (s->n < 0)
		KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op, &s->total,
						  sizeof(s->total), &s->n));
	KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_END(&s->co);
}

static void kn_counter_drop(void *p)
{
	struct kn_counter *s = p;

	kasync_sock_close(s->ks);
}

static const struct kasync_task_ops kn_counter_ops = {
	.poll = kn_counter_poll,
	.drop = kn_counter_drop,
};

/* Sends @len bytes, shuts down writing, reads the reply to end of stream. */
struct kn_half {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	size_t len;
	size_t got;
	long n;
	u64 reply;
	u8 buf[1024];
};

static enum kasync_poll kn_half_poll(struct kasync_task *t, void *p)
{
	struct kn_half *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op, s->buf,
						  s->len, &s->n));
	if (s->n != s->len)
		KASYNC_RETURN(&s->co, t, -EIO);
	if (kasync_sock_shutdown(s->ks, SHUT_WR))
		KASYNC_RETURN(&s->co, t, -EPROTO);
	/* Reading still works after shutting down writing. */
	do {
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op,
						      (u8 *)&s->reply + s->got,
						      sizeof(s->reply) + 1 - s->got,
						      &s->n));
		if (s->n > 0)
			s->got += s->n;
	} while (s->n > 0 && s->got <= sizeof(s->reply));
	if (s->n < 0 || s->got != sizeof(s->reply))
		KASYNC_RETURN(&s->co, t, -EBADMSG);
	/* A send after SHUT_WR fails. */
	KASYNC_AWAIT(&s->co, kasync_sock_send(t, s->ks, &s->op, s->buf, 1,
					      &s->n));
	KASYNC_RETURN(&s->co, t, s->n == -EPIPE ? (long)s->reply : -EPROTO);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_half_ops = { .poll = kn_half_poll };

static void kn_tcp_half_close(struct kunit *test)
{
	struct kn_counter *srv = kunit_kzalloc(test, sizeof(*srv), GFP_KERNEL);
	struct kn_half *cli = kunit_kzalloc(test, sizeof(*cli), GFP_KERNEL);
	struct kasync_task *hs, *hc;
	struct kasync_sock *c;

	KUNIT_ASSERT_NOT_NULL(test, srv);
	KUNIT_ASSERT_NOT_NULL(test, cli);
	kn_pair(test, AF_INET, 0, 0, &c, &srv->ks);
	cli->ks = c;
	cli->len = 1000;
	hs = kasync_spawn(NULL, &kn_counter_ops, srv, sizeof(*srv), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hs));
	hc = kasync_spawn(NULL, &kn_half_ops, cli, sizeof(*cli), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hc));
	KUNIT_EXPECT_EQ(test, kasync_join(&hs), (long)sizeof(u64));
	KUNIT_EXPECT_EQ(test, kasync_join(&hc), 1000L);
	kasync_sock_close(c);
}

/* A receive with a time limit times out, then the same op receives. */
struct kn_idle {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_timer tm;
	struct kasync_sock *ks;
	atomic_t *timed_out;
	long n;
	long err;
	u8 buf[16];
};

static enum kasync_poll kn_idle_poll(struct kasync_task *t, void *p)
{
	struct kn_idle *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, 100 * NSEC_PER_MSEC,
			     kasync_sock_recv(t, s->ks, &s->op, s->buf,
					      sizeof(s->buf), &s->n),
			     kasync_sock_cancel(t, &s->op), &s->err);
	if (s->err != -ETIMEDOUT || kasync_sock_op_armed(&s->op) ||
	    s->op.started)
		KASYNC_RETURN(&s->co, t, -EPROTO);
	atomic_set(s->timed_out, 1);
	KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op, s->buf,
					      sizeof(s->buf), &s->n));
	KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_idle_ops = { .poll = kn_idle_poll };

static void kn_tcp_recv_timeout(struct kunit *test)
{
	atomic_t timed_out = ATOMIC_INIT(0);
	struct kn_idle s = { .timed_out = &timed_out };
	struct kasync_sock *cli, *srv;
	struct kasync_task *h;
	struct msghdr msg = {};
	struct kvec iov = { .iov_base = "hello", .iov_len = 5 };

	kn_pair(test, AF_INET, 0, 0, &cli, &srv);
	s.ks = cli;
	h = kasync_spawn(NULL, &kn_idle_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&timed_out), 5000));
	KUNIT_EXPECT_EQ(test, kernel_sendmsg(kasync_sock_socket(srv), &msg,
					     &iov, 1, 5), 5);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 5L);
	kasync_sock_close(cli);
	kasync_sock_close(srv);
}

/* ---- backpressure ------------------------------------------------------------ */

#define KN_BP_LEN	(256 * 1024)

struct kn_bp_sender {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	const u8 *buf;
	atomic_t *polls;
	atomic_long_t *progress;
	long n;
};

static enum kasync_poll kn_bp_sender_body(struct kasync_task *t,
					  struct kn_bp_sender *s)
{
	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op, s->buf,
						  KN_BP_LEN, &s->n));
	KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_END(&s->co);
}

static enum kasync_poll kn_bp_sender_poll(struct kasync_task *t, void *p)
{
	struct kn_bp_sender *s = p;
	enum kasync_poll r = kn_bp_sender_body(t, s);

	atomic_inc(s->polls);
	atomic_long_set(s->progress, s->op.done);
	return r;
}

static const struct kasync_task_ops kn_bp_sender_ops = {
	.poll = kn_bp_sender_poll,
};

/* Waits for @go, then reads and checks KN_BP_LEN bytes of pattern 0. */
struct kn_bp_receiver {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	struct wait_queue_head *wq;
	atomic_t *go;
	size_t got;
	long n;
	size_t i;
	u8 buf[4096];
};

static enum kasync_poll kn_bp_receiver_poll(struct kasync_task *t, void *p)
{
	struct kn_bp_receiver *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, s->wq,
					       atomic_read(s->go)));
	while (s->got < KN_BP_LEN) {
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op, s->buf,
						      sizeof(s->buf), &s->n));
		if (s->n <= 0)
			KASYNC_RETURN(&s->co, t, s->n ? s->n : -ENODATA);
		for (s->i = 0; s->i < s->n; s->i++)
			if (s->buf[s->i] != kn_pattern(s->got + s->i, 0))
				KASYNC_RETURN(&s->co, t, -EBADMSG);
		s->got += s->n;
	}
	KASYNC_RETURN(&s->co, t, s->got);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_bp_receiver_ops = {
	.poll = kn_bp_receiver_poll,
};

/*
 * Small buffers on both sides and a receiver that does not read: the
 * sender stops part way, idle (no polls while blocked), and finishes once
 * the receiver reads; every byte arrives in order.
 */
static void kn_tcp_backpressure(struct kunit *test)
{
	DECLARE_WAIT_QUEUE_HEAD_ONSTACK(wq);
	atomic_t polls = ATOMIC_INIT(0), go = ATOMIC_INIT(0);
	atomic_long_t progress = ATOMIC_LONG_INIT(0);
	struct kn_bp_receiver *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	struct kn_bp_sender ss = { .polls = &polls, .progress = &progress };
	struct kasync_sock *cli, *srv;
	struct kasync_task *hs, *hr;
	long last, stuck_polls;
	int i;
	u8 *buf;

	buf = kunit_kmalloc(test, KN_BP_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, rs);
	kn_fill(buf, KN_BP_LEN, 0);
	kn_pair(test, AF_INET, 4096, 4096, &cli, &srv);
	ss.ks = cli;
	ss.buf = buf;
	rs->ks = srv;
	rs->wq = &wq;
	rs->go = &go;
	hr = kasync_spawn(NULL, &kn_bp_receiver_ops, rs, sizeof(*rs),
			  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hr));
	hs = kasync_spawn(NULL, &kn_bp_sender_ops, &ss, sizeof(ss), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hs));

	/* Wait (up to 5 s) until the sender makes no more progress. */
	for (i = 0; i < 50; i++) {
		last = atomic_long_read(&progress);
		msleep(100);
		if (atomic_long_read(&progress) == last && atomic_read(&polls))
			break;
	}
	stuck_polls = atomic_read(&polls);
	msleep(200);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(hs));
	KUNIT_EXPECT_GT(test, last, 0L);
	KUNIT_EXPECT_LT(test, last, (long)KN_BP_LEN / 2);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&progress), last);
	KUNIT_EXPECT_LE(test, atomic_read(&polls) - stuck_polls, 1L);
	kunit_info(test, "sender blocked after %ld of %d bytes, %ld polls\n",
		   last, KN_BP_LEN, stuck_polls);

	atomic_set(&go, 1);
	wake_up(&wq);
	KUNIT_EXPECT_EQ(test, kasync_join(&hs), (long)KN_BP_LEN);
	KUNIT_EXPECT_EQ(test, kasync_join(&hr), (long)KN_BP_LEN);
	kasync_sock_close(cli);
	kasync_sock_close(srv);
}

/* ---- UDP --------------------------------------------------------------------- */

/* Receives a datagram, answers its sender with the bytes reversed. */
struct kn_udp_server {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	struct sockaddr_storage from;
	atomic_t *pending;
	long n;
	u8 buf[64];
	u8 out[64];
};

static enum kasync_poll kn_udp_server_body(struct kasync_task *t,
					   struct kn_udp_server *s)
{
	int i;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_recvfrom(t, s->ks, &s->op, s->buf,
						  sizeof(s->buf), &s->from,
						  &s->n));
	if (s->n <= 0)
		KASYNC_RETURN(&s->co, t, s->n ? s->n : -ENODATA);
	for (i = 0; i < s->n; i++)
		s->out[i] = s->buf[s->n - 1 - i];
	KASYNC_AWAIT(&s->co, kasync_sock_sendto(t, s->ks, &s->op, s->out, s->n,
						(struct sockaddr *)&s->from,
						kn_addrlen(&s->from), &s->n));
	KASYNC_RETURN(&s->co, t, s->n);
	KASYNC_END(&s->co);
}

static enum kasync_poll kn_udp_server_poll(struct kasync_task *t, void *p)
{
	struct kn_udp_server *s = p;

	return kt_count_pending(kn_udp_server_body(t, s), s->pending);
}

static const struct kasync_task_ops kn_udp_server_ops = {
	.poll = kn_udp_server_poll,
};

/* Sends "kasync-udp" to @to and checks the reversed answer and sender. */
struct kn_udp_client {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	struct sockaddr_storage to;
	struct sockaddr_storage from;
	long n;
	u8 buf[64];
};

static const char kn_udp_msg[] = "kasync-udp";

static enum kasync_poll kn_udp_client_poll(struct kasync_task *t, void *p)
{
	struct kn_udp_client *s = p;
	int i, len = sizeof(kn_udp_msg) - 1;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_sock_sendto(t, s->ks, &s->op, kn_udp_msg,
						len, (struct sockaddr *)&s->to,
						kn_addrlen(&s->to), &s->n));
	if (s->n != len)
		KASYNC_RETURN(&s->co, t, s->n < 0 ? s->n : -EIO);
	KASYNC_AWAIT(&s->co, kasync_sock_recvfrom(t, s->ks, &s->op, s->buf,
						  sizeof(s->buf), &s->from,
						  &s->n));
	if (s->n != len || !kn_same_addr(&s->from, &s->to))
		KASYNC_RETURN(&s->co, t, s->n < 0 ? s->n : -EBADMSG);
	for (i = 0; i < len; i++)
		if (s->buf[i] != kn_udp_msg[len - 1 - i])
			KASYNC_RETURN(&s->co, t, -EBADMSG);
	KASYNC_RETURN(&s->co, t, 0);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_udp_client_ops = {
	.poll = kn_udp_client_poll,
};

/* The server waits first; the client's datagram wakes it. */
static void kn_udp_one(struct kunit *test, int family)
{
	atomic_t pending = ATOMIC_INIT(0);
	struct kn_udp_server srv = { .pending = &pending };
	struct kn_udp_client cli = {};
	struct sockaddr_storage sa, ca;
	struct kasync_task *hs, *hc;

	srv.ks = kn_bound(test, family, SOCK_DGRAM, &sa);
	cli.ks = kn_bound(test, family, SOCK_DGRAM, &ca);
	cli.to = sa;
	hs = kasync_spawn(NULL, &kn_udp_server_ops, &srv, sizeof(srv),
			  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hs));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 1, 5000));
	hc = kasync_spawn(NULL, &kn_udp_client_ops, &cli, sizeof(cli),
			  GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(hc));
	KUNIT_EXPECT_EQ(test, kasync_join(&hs), (long)sizeof(kn_udp_msg) - 1);
	KUNIT_EXPECT_EQ(test, kasync_join(&hc), 0L);
	kasync_sock_close(srv.ks);
	kasync_sock_close(cli.ks);
}

static void kn_udp_v4(struct kunit *test)
{
	kn_udp_one(test, AF_INET);
}

static void kn_udp_v6(struct kunit *test)
{
	kn_udp_one(test, AF_INET6);
}

/*
 * A connected UDP socket waiting in recv learns of the ICMP "port
 * unreachable" its datagram caused: sk_error_report wakes it.
 */
static void kn_udp_refused(struct kunit *test)
{
	atomic_t pending = ATOMIC_INIT(0);
	struct kn_udp_server srv = { .pending = &pending };
	struct sockaddr_storage sa, gone;
	struct kasync_sock *hold;
	struct kasync_task *h;
	struct msghdr msg = {};
	struct kvec iov = { .iov_base = "x", .iov_len = 1 };

	/*
	 * The server's port first, then one to close: bound in the other
	 * order, the server could be given the port just freed (it was, on
	 * 6.1) and would be connected to itself.
	 */
	srv.ks = kn_bound(test, AF_INET, SOCK_DGRAM, &sa);
	hold = kn_bound(test, AF_INET, SOCK_DGRAM, &gone);
	kasync_sock_close(hold);
	msleep(20);	/* the port is free once the release ran */
	KUNIT_ASSERT_EQ(test, kernel_connect(kasync_sock_socket(srv.ks),
					     (struct sockaddr *)&gone,
					     kn_addrlen(&gone), 0), 0);
	h = kasync_spawn(NULL, &kn_udp_server_ops, &srv, sizeof(srv),
			 GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) == 1, 5000));
	KUNIT_EXPECT_EQ(test, kernel_sendmsg(kasync_sock_socket(srv.ks), &msg,
					     &iov, 1, 1), 1);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECONNREFUSED);
	kasync_sock_close(srv.ks);
}

/*
 * kasync_sock_readable() on UDP: waits while nothing is queued, finishes
 * for a datagram, and sees one that an earlier receive left behind (UDP
 * moves every queued datagram to a second, reader-side queue at once).
 */
static void kn_udp_readable(struct kunit *test)
{
	atomic_t stage = ATOMIC_INIT(0);
	struct kn_readable s = { .stage = &stage };
	struct sockaddr_storage sa, ca;
	struct kasync_sock *peer;
	struct kasync_task *h;
	int family, i;

	for (i = 0; i < 2; i++) {
		family = i ? AF_INET6 : AF_INET;
		s.ks = kn_bound(test, family, SOCK_DGRAM, &sa);
		peer = kn_bound(test, family, SOCK_DGRAM, &ca);
		atomic_set(&stage, 0);
		h = kasync_spawn(NULL, &kn_readable_ops, &s, sizeof(s), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h));
		msleep(20);
		KUNIT_EXPECT_EQ(test, atomic_read(&stage), 0);
		KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
		KUNIT_ASSERT_EQ(test, kn_send_now(peer, "one", 3, &sa), 3);
		KUNIT_ASSERT_EQ(test, kn_send_now(peer, "second", 6, &sa), 6);
		KUNIT_EXPECT_EQ(test, kasync_join(&h), 3L);
		KUNIT_EXPECT_EQ(test, atomic_read(&stage), 2);

		/* The second datagram waits on the reader-side queue. */
		h = kasync_spawn(NULL, &kn_readable_ops, &s, sizeof(s), GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h));
		KUNIT_EXPECT_TRUE(test, kt_wait_for(kasync_task_finished(h), 5000));
		if (!kasync_task_finished(h))	/* let the join end */
			kn_send_now(peer, "third", 5, &sa);
		KUNIT_EXPECT_EQ(test, kasync_join(&h), 6L);
		kasync_sock_close(peer);
		kasync_sock_close(s.ks);
	}
}

/* ---- misuse and stopping ------------------------------------------------------ */

struct kn_misuse {
	struct kasync_sock *ks;
	struct kasync_sock_op op;
	struct kasync_sock_connect c;
	int fails;
};

/* A bad call reported READY with *@res = -EINVAL; reset it for the next. */
static void kn_bad(struct kn_misuse *s, enum kasync_poll r, long *res)
{
	if (r != KASYNC_READY || *res != -EINVAL)
		s->fails++;
	*res = 0;
}

/*
 * Every bad call (a misuse: a length out of range) reports READY at once
 * with -EINVAL, touching nothing.
 */
static enum kasync_poll kn_misuse_poll(struct kasync_task *t, void *p)
{
	struct kn_misuse *s = p;
	struct kasync_sock *nks = NULL;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	long n = 0, err = 0;
	u8 b[4];

#define KN_BAD(expr, res)	kn_bad(s, (expr), &(res))
	KN_BAD(kasync_sock_recv(t, s->ks, &s->op, b, 0, &n), n);
	KN_BAD(kasync_sock_recvfrom(t, s->ks, &s->op, b, 0, NULL, &n), n);
	KN_BAD(kasync_sock_sendto(t, s->ks, &s->op, b, 4,
				  (struct sockaddr *)&sin, 1, &n), n);
	KN_BAD(kasync_sock_connect(t, s->ks, &s->c, (struct sockaddr *)&sin,
				   4096, 0, &err), err);
	/* accept on a socket that is not listening: the kernel's -EINVAL */
	KN_BAD(kasync_sock_accept(t, s->ks, &s->op, &nks, &err), err);
#undef KN_BAD
	if (kasync_sock_op_armed(&s->op) || s->op.started || nks)
		s->fails++;
	kasync_set_result(t, s->fails);
	return KASYNC_READY;
}

static const struct kasync_task_ops kn_misuse_ops = { .poll = kn_misuse_poll };

/* kasync_sock_create()'s errno, or 0 (and the socket closed) if it worked. */
static long kn_create_err(int family, int type, int protocol)
{
	struct kasync_sock *ks = kasync_sock_create(NULL, family, type, protocol);

	if (IS_ERR_OR_NULL(ks))
		return ks ? PTR_ERR(ks) : -ENOTSOCK;
	kasync_sock_close(ks);
	return 0;
}

static void kn_misuse(struct kunit *test)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct kn_misuse s = {};
	struct kasync_sock *ks;
	struct kasync_task *h;
	unsigned int misuse;

	KUNIT_EXPECT_EQ(test, kn_create_err(AF_UNIX, SOCK_STREAM, 0),
			(long)-EAFNOSUPPORT);
	KUNIT_EXPECT_EQ(test, kn_create_err(AF_INET, SOCK_RAW, 0),
			(long)-ESOCKTNOSUPPORT);
	KUNIT_EXPECT_EQ(test, kn_create_err(AF_INET, SOCK_STREAM, IPPROTO_UDP),
			(long)-EPROTONOSUPPORT);
	kasync_sock_close(NULL);	/* documented no-op */

	misuse = kt_expect_misuse(test);
	ks = kn_sock(test, AF_INET, SOCK_DGRAM);
	KUNIT_EXPECT_EQ(test, kasync_sock_bind(ks, (struct sockaddr *)&sin, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sock_bind(ks, (struct sockaddr *)&sin,
					       4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, kasync_sock_listen(ks, 1), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, kasync_sock_shutdown(ks, 7), -EINVAL);
	KT_EXPECT_MISUSE(test, misuse, 3U);
	kasync_sock_close(ks);

	s.ks = kn_sock(test, AF_INET, SOCK_STREAM);
	h = kasync_spawn(NULL, &kn_misuse_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KT_EXPECT_MISUSE(test, misuse, 7U);
	kasync_sock_close(s.ks);
}

/* Shutting a listener down for reading ends a waiting accept: -EINVAL. */
static void kn_accept_stop(struct kunit *test)
{
	struct sockaddr_storage addr;
	struct kasync_sock *lis, *got = NULL;
	struct kasync_task *h;

	lis = kn_listener(test, AF_INET6, 8, 0, &addr);
	h = kn_spawn_acceptor(test, lis, &got, 1);
	msleep(20);
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, kasync_sock_shutdown(lis, SHUT_RD), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EINVAL);
	KUNIT_EXPECT_NULL(test, got);
	kasync_sock_close(lis);
}

/* ---- memory -------------------------------------------------------------------- */

#define KN_PAIRS	200

static long kn_slab_bytes(void)
{
	return (global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) * PAGE_SIZE;
}

/*
 * KN_PAIRS idle connected pairs over IPv4 and what they cost: the object
 * sizes of one connection, and the slab growth per pair (both ends).  The
 * growth is an upper bound: the per-CPU slab counters are folded only
 * now and then, and KASAN's quarantine keeps freed objects in the slabs.
 */
static void kn_memory(struct kunit *test)
{
	struct kasync_sock **cli, **srv;
	struct kasync_task *a, *h;
	struct sockaddr_storage addr;
	struct kasync_sock *lis;
	long before, delta;
	int i, ok = 0;
	u64 t0;

	cli = kunit_kcalloc(test, KN_PAIRS, sizeof(*cli), GFP_KERNEL);
	srv = kunit_kcalloc(test, KN_PAIRS, sizeof(*srv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cli);
	KUNIT_ASSERT_NOT_NULL(test, srv);
	lis = kn_listener(test, AF_INET, KN_PAIRS, 0, &addr);
	msleep(1100);	/* let the vmstat worker fold the per-CPU deltas */
	before = kn_slab_bytes();
	t0 = ktime_get_ns();
	a = kn_spawn_acceptor(test, lis, srv, KN_PAIRS);
	for (i = 0; i < KN_PAIRS; i++) {
		cli[i] = kn_sock(test, AF_INET, SOCK_STREAM);
		h = kn_spawn_connector(test, cli[i], &addr, 10 * KN_SEC);
		ok += kasync_join(&h) == 0;
	}
	KUNIT_EXPECT_EQ(test, ok, KN_PAIRS);
	KUNIT_EXPECT_EQ(test, kasync_join(&a), (long)KN_PAIRS);
	kunit_info(test, "%d connects one after another: %llu ms\n", KN_PAIRS,
		   (ktime_get_ns() - t0) / NSEC_PER_MSEC);
	msleep(1100);
	/*
	 * Slab totals are a measurement, not a check: KASAN's quarantine
	 * releases earlier cases' objects meanwhile, so the total can even
	 * shrink.  What is checked is the object this layer adds: small.
	 */
	delta = kn_slab_bytes() - before;
	KUNIT_EXPECT_LE(test, ksize(srv[0]), (size_t)256);
	kunit_info(test, "per socket: kasync_sock %zu (its kmalloc bucket), TCP sock %u, socket+inode %zu bytes\n",
		   ksize(srv[0]), kmem_cache_size(kn_sk(srv[0])->sk_prot->slab),
		   sizeof(struct socket_alloc));
	kunit_info(test, "%d connected pairs: slab grew %ld KiB, %ld bytes per pair\n",
		   KN_PAIRS, delta / 1024, delta / KN_PAIRS);
	for (i = 0; i < KN_PAIRS; i++) {
		kasync_sock_close(cli[i]);
		kasync_sock_close(srv[i]);
	}
	kasync_sock_close(lis);
}

/* ---- cancellation at every await point ----------------------------------------- */

enum kn_kind {
	KN_ACCEPT,
	KN_CONNECT,
	KN_CONNECT_TIMEOUT,
	KN_RECV,
	KN_SEND_ALL,
	KN_RECVFROM,
	KN_READABLE,
};

struct kn_cancel_case {
	const char *name;
	enum kn_kind kind;
	int family;
	bool spurious;		/* abort after a spurious wake and re-poll */
};

static const struct kn_cancel_case kn_cancel_cases[] = {
	{ "accept", KN_ACCEPT, AF_INET, false },
	{ "accept_rewoken_v6", KN_ACCEPT, AF_INET6, true },
	{ "connect", KN_CONNECT, AF_INET, false },
	{ "connect_rewoken", KN_CONNECT, AF_INET, true },
	{ "connect_timeout", KN_CONNECT_TIMEOUT, AF_INET, false },
	{ "connect_timeout_v6", KN_CONNECT_TIMEOUT, AF_INET6, false },
	{ "recv", KN_RECV, AF_INET, false },
	{ "recv_rewoken_v6", KN_RECV, AF_INET6, true },
	{ "send_all", KN_SEND_ALL, AF_INET, false },
	{ "send_all_rewoken", KN_SEND_ALL, AF_INET, true },
	{ "recvfrom", KN_RECVFROM, AF_INET, false },
	{ "recvfrom_rewoken_v6", KN_RECVFROM, AF_INET6, true },
	{ "readable", KN_READABLE, AF_INET, false },
	{ "readable_rewoken_v6", KN_READABLE, AF_INET6, true },
};

static void kn_cancel_desc(const struct kn_cancel_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kn_cancel, kn_cancel_cases, kn_cancel_desc);

struct kn_canceller {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock_connect c;
	enum kn_kind kind;
	struct kasync_sock *ks;		/* owned: the drop closes it */
	struct kasync_sock *got;
	struct sockaddr_storage addr;
	const u8 *buf;
	atomic_t *pending;		/* polls that returned PENDING */
	atomic_t *armed;		/* the await was armed after the poll */
	int *armed_at_drop;
	long n;
	long err;
};

static enum kasync_poll kn_canceller_body(struct kasync_task *t,
					  struct kn_canceller *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->kind == KN_ACCEPT)
		KASYNC_AWAIT(&s->co, kasync_sock_accept(t, s->ks, &s->op,
							&s->got, &s->err));
	else if (s->kind == KN_CONNECT || s->kind == KN_CONNECT_TIMEOUT)
		KASYNC_AWAIT(&s->co, kasync_sock_connect(t, s->ks, &s->c,
							 (struct sockaddr *)&s->addr,
							 kn_addrlen(&s->addr),
							 s->kind == KN_CONNECT ?
							 KASYNC_NO_TIMEOUT :
							 10 * KN_SEC,
							 &s->err));
	else if (s->kind == KN_RECV)
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op,
						      (void *)s->buf, 64, &s->n));
	else if (s->kind == KN_READABLE)
		KASYNC_AWAIT(&s->co, kasync_sock_readable(t, s->ks, &s->op,
							  &s->err));
	else if (s->kind == KN_SEND_ALL)
		KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op,
							  s->buf, KN_BP_LEN,
							  &s->n));
	else
		KASYNC_AWAIT(&s->co, kasync_sock_recvfrom(t, s->ks, &s->op,
							  (void *)s->buf, 64,
							  NULL, &s->n));
	KASYNC_RETURN(&s->co, t, -EINVAL);	/* never: nothing comes */
	KASYNC_END(&s->co);
}

static enum kasync_poll kn_canceller_poll(struct kasync_task *t, void *p)
{
	struct kn_canceller *s = p;
	enum kasync_poll r = kn_canceller_body(t, s);

	atomic_set(s->armed, kasync_sock_op_armed(&s->op) ||
		   kasync_sock_op_armed(&s->c.op));
	if (r == KASYNC_PENDING)
		atomic_inc(s->pending);
	return r;
}

static void kn_canceller_drop(void *p)
{
	struct kn_canceller *s = p;

	/* Cleanup hooks ran before drop: nothing may be armed. */
	*s->armed_at_drop = kasync_sock_op_armed(&s->op) +
			    kasync_sock_op_armed(&s->c.op) * 2 +
			    kasync_timer_armed(&s->c.tm) * 4 +
			    hrtimer_is_queued(&s->c.tm.hrt) * 8 +
			    (s->got ? 16 : 0);
	kasync_sock_close(s->ks);
}

static const struct kasync_task_ops kn_canceller_ops = {
	.poll = kn_canceller_poll,
	.drop = kn_canceller_drop,
};

/*
 * Abort a task blocked in each await.  Afterwards nothing of it is armed,
 * the drop's close restored the protocol's callbacks, and the deferred
 * release closed the socket; KASAN and kmemleak watch for the rest.
 */
static void kn_cancel_every_await(struct kunit *test)
{
	const struct kn_cancel_case *c = test->param_value;
	atomic_t pending = ATOMIC_INIT(0), armed = ATOMIC_INIT(0);
	struct kasync_sock *lis = NULL, *filler = NULL, *peer = NULL;
	struct kn_canceller s = {
		.kind = c->kind, .pending = &pending, .armed = &armed,
	};
	struct sockaddr_storage addr;
	int armed_at_drop = -1, n;
	struct kasync_task *h;
	struct sock *sk;
	u8 *buf;

	buf = kunit_kzalloc(test, KN_BP_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	s.buf = buf;
	s.armed_at_drop = &armed_at_drop;
	switch (c->kind) {
	case KN_ACCEPT:
		s.ks = kn_listener(test, c->family, 8, 0, &addr);
		break;
	case KN_CONNECT:
	case KN_CONNECT_TIMEOUT:
		/* As kn_connect_timeout: SYNs to a full backlog are dropped. */
		lis = kn_listener(test, c->family, 0, 0, &s.addr);
		filler = kn_sock(test, c->family, SOCK_STREAM);
		h = kn_spawn_connector(test, filler, &s.addr,
				       200 * NSEC_PER_MSEC);
		kasync_join(&h);
		s.ks = kn_sock(test, c->family, SOCK_STREAM);
		break;
	case KN_RECV:
	case KN_READABLE:
		/* The accepted end: callbacks inherited from the listener. */
		kn_pair(test, c->family, 0, 0, &peer, &s.ks);
		break;
	case KN_SEND_ALL:
		kn_pair(test, c->family, 4096, 4096, &s.ks, &peer);
		break;
	case KN_RECVFROM:
		s.ks = kn_bound(test, c->family, SOCK_DGRAM, &addr);
		break;
	}
	sk = kn_sk(s.ks);
	sock_hold(sk);

	h = kasync_spawn(NULL, &kn_canceller_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&armed), 5000));
	if (c->spurious) {
		n = atomic_read(&pending);
		atomic_set(&armed, 0);
		kasync_wake(h);
		KUNIT_ASSERT_TRUE(test, kt_wait_for(atomic_read(&pending) > n &&
						    atomic_read(&armed), 5000));
	}
	KUNIT_EXPECT_FALSE(test, kasync_task_finished(h));
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, armed_at_drop, 0);
	kn_expect_restored(test, sk);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(kn_released(sk), 5000));
	sock_put(sk);

	kasync_sock_close(peer);
	kasync_sock_close(filler);
	kasync_sock_close(lis);
	/* A timer left armed would now fire into freed memory (KASAN). */
	if (c->kind == KN_CONNECT_TIMEOUT)
		msleep(50);
}

/* ---- suite ----------------------------------------------------------------------- */

/* ---- time limits and their timers, counted (kt_hrtimers.h) -------------------- */

/* Pass an await's result on, noting in *@waited that it was PENDING. */
static enum kasync_poll kn_note(enum kasync_poll r, bool *waited)
{
	if (r == KASYNC_PENDING)
		WRITE_ONCE(*waited, true);	/* the test may be watching */
	return r;
}

#define KN_LIMIT_ROUNDS	300

/* Connects @ks to @addr within @ns; notes in *@waited that it waits. */
struct kn_limit_conn {
	struct kasync_co co;
	struct kasync_sock_connect c;
	struct kasync_sock *ks;
	struct sockaddr_storage addr;
	u64 ns;
	bool *waited;
	long err;
};

static enum kasync_poll kn_limit_conn_poll(struct kasync_task *t, void *p)
{
	struct kn_limit_conn *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kn_note(kasync_sock_connect(t, s->ks, &s->c,
							 (struct sockaddr *)&s->addr,
							 kn_addrlen(&s->addr),
							 s->ns, &s->err),
				     s->waited));
	KASYNC_RETURN(&s->co, t, s->err);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_limit_conn_ops = {
	.poll = kn_limit_conn_poll,
};

/* KN_LIMIT_ROUNDS receives of one byte, each within @ns. */
struct kn_limit_recv {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_timer tm;
	struct kasync_sock *ks;
	struct kasync_sock_op **op_out;	/* where the op lives */
	atomic_t *done;			/* rounds finished */
	atomic_t *waited;		/* rounds that reported PENDING */
	u64 ns;
	bool pend;
	int i;
	long n;
	long err;
	u8 byte;
};

static enum kasync_poll kn_limit_recv_poll(struct kasync_task *t, void *p)
{
	struct kn_limit_recv *s = p;

	KASYNC_BEGIN(&s->co);
	WRITE_ONCE(*s->op_out, &s->op);
	for (s->i = 0; s->i < KN_LIMIT_ROUNDS; s->i++) {
		s->pend = false;
		KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, s->ns,
				     kn_note(kasync_sock_recv(t, s->ks, &s->op,
							      &s->byte, 1, &s->n),
					     &s->pend),
				     kasync_sock_cancel(t, &s->op), &s->err);
		if (s->err || s->n != 1)
			KASYNC_RETURN(&s->co, t, s->err ?: -EPROTO);
		atomic_add(s->pend, s->waited);
		atomic_inc(s->done);
	}
	KASYNC_RETURN(&s->co, t, s->i);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_limit_recv_ops = {
	.poll = kn_limit_recv_poll,
};

struct kn_arms_case {
	const char *name;
	u64 ns;
	bool paced;	/* each byte is sent once the receive waits */
};

static const struct kn_arms_case kn_arms_cases[] = {
	{ "no_limit", KASYNC_NO_TIMEOUT, true },
	{ "limit", 5 * KN_SEC, true },
	{ "limit_busy", 5 * KN_SEC, false },
};

static void kn_arms_desc(const struct kn_arms_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kn_arms, kn_arms_cases, kn_arms_desc);

/*
 * The counted part of kn_timer_arms: a connect to @full (which drops
 * SYNs), aborted once it waits; then the receives on @cli from @srv.
 * Returns the receives' result.
 */
static long kn_limit_run(const struct kn_arms_case *c,
			 struct kasync_sock *ks,
			 const struct sockaddr_storage *full, bool *cwaited,
			 struct kasync_sock *cli, struct kasync_sock *srv,
			 struct kn_limit_recv *rs, struct kasync_sock_op **op)
{
	struct kn_limit_conn cs = {
		.ks = ks, .addr = *full, .ns = c->ns, .waited = cwaited,
	};
	struct kasync_task *h;
	int i;

	h = kasync_spawn(NULL, &kn_limit_conn_ops, &cs, sizeof(cs), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	kt_wait_for(READ_ONCE(*cwaited) || kasync_task_finished(h), 5000);
	kasync_abort(h);
	kasync_join(&h);

	rs->ks = cli;
	if (!c->paced) {
		u8 bytes[KN_LIMIT_ROUNDS] = {};

		/* All there before the receives start: none has to wait. */
		if (kn_send_now(srv, bytes, sizeof(bytes), NULL) != sizeof(bytes) ||
		    !kt_wait_for(tcp_inq(kn_sk(cli)) >= (int)sizeof(bytes),
				 5000))
			return -EIO;
	}
	h = kasync_spawn(NULL, &kn_limit_recv_ops, rs, sizeof(*rs), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	/* Each byte is sent once the receive of the round is queued. */
	for (i = 0; c->paced && i < KN_LIMIT_ROUNDS; i++) {
		if (!kt_wait_for(atomic_read(rs->done) == i && READ_ONCE(*op) &&
				 kasync_sock_op_armed(READ_ONCE(*op)), 5000) ||
		    kn_send_now(srv, "x", 1, NULL) != 1)
			break;
	}
	if (c->paced && i < KN_LIMIT_ROUNDS)
		kasync_abort(h);
	return kasync_join(&h);
}

/*
 * The hrtimers that sockets' time limits start, counted: a connect that
 * waits (to a listener that drops SYNs) and loopback receives (each
 * paced so that it mostly waits) start none with %KASYNC_NO_TIMEOUT,
 * and one per await that reported PENDING with a limit; receives kept
 * busy (all their data there before they start, so that only the
 * cooperative budget makes them report PENDING) start none.
 */
static void kn_timer_arms(struct kunit *test)
{
	const struct kn_arms_case *c = test->param_value;
	atomic_t done = ATOMIC_INIT(0), waited = ATOMIC_INIT(0);
	struct kasync_sock *full_lis, *filler, *ks, *cli, *srv;
	struct kasync_sock_op *op = NULL;
	struct kn_limit_recv rs = {
		.op_out = &op, .done = &done, .waited = &waited, .ns = c->ns,
	};
	struct sockaddr_storage full;
	struct kt_hrtimers cnt = {};
	struct kasync_task *h;
	bool cwaited = false;
	int arms, expect;
	long r;

	/* A listener with backlog 0, kept full: the next SYNs are dropped. */
	full_lis = kn_listener(test, AF_INET, 0, 0, &full);
	filler = kn_sock(test, AF_INET, SOCK_STREAM);
	h = kn_spawn_connector(test, filler, &full, 300 * NSEC_PER_MSEC);
	kasync_join(&h);
	ks = kn_sock(test, AF_INET, SOCK_STREAM);
	kn_pair(test, AF_INET, 0, 0, &cli, &srv);

	kt_hrtimers_start(test, &cnt);
	r = kn_limit_run(c, ks, &full, &cwaited, cli, srv, &rs, &op);
	arms = kt_hrtimers_stop(&cnt);

	expect = c->ns == KASYNC_NO_TIMEOUT ? 0 :
		 cwaited + (c->paced ? atomic_read(&waited) : 0);
	KUNIT_EXPECT_TRUE(test, cwaited);
	KUNIT_EXPECT_EQ(test, r, (long)KN_LIMIT_ROUNDS);
	if (c->paced)	/* most rounds waited (generous: all but a few do) */
		KUNIT_EXPECT_GE(test, atomic_read(&waited), KN_LIMIT_ROUNDS / 2);
	else		/* the budget ran out now and then */
		KUNIT_EXPECT_GE(test, atomic_read(&waited),
				KN_LIMIT_ROUNDS / KASYNC_COOP_BUDGET);
	KUNIT_EXPECT_EQ(test, arms, expect);
	kunit_info(test, "connect %s; %d of %d receives PENDING; %d kasync hrtimers started\n",
		   cwaited ? "waited" : "did not wait", atomic_read(&waited),
		   atomic_read(&done), arms);
	kasync_sock_close(srv);
	kasync_sock_close(cli);
	kasync_sock_close(ks);
	kasync_sock_close(filler);
	kasync_sock_close(full_lis);
}

/* The VM's /init brings lo up; do it here if it did not. */
static int kn_suite_init(struct kunit_suite *suite)
{
	struct net_device *lo = init_net.loopback_dev;
	int err = 0;

	if (!lo)
		return -ENODEV;
	rtnl_lock();
	if (!(lo->flags & IFF_UP)) {
		pr_info("kasync_net: bringing lo up\n");
		err = dev_change_flags(lo, lo->flags | IFF_UP, NULL);
	}
	rtnl_unlock();
	return err;
}

/* ---- the result convention ------------------------------------------------ */

/* recv, send_all, then a recv on an unconnected socket, into res, watched. */
struct kn_res {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;		/* connected */
	struct kasync_sock *idle;	/* never connected */
	struct kt_res_log *log;
	long res;
	u8 buf[64];
};

static enum kasync_poll kn_res_poll(struct kasync_task *t, void *p)
{
	struct kn_res *s = p;

	KASYNC_BEGIN(&s->co);
	s->res = KT_RES_UNSET;		/* waits for the test's bytes */
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_sock_recv(t, s->ks, &s->op, s->buf,
							   sizeof(s->buf), &s->res),
					  &s->res, s->log, 0));
	s->log->res[0] = s->res;
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_sock_send_all(t, s->ks, &s->op,
							       s->buf, 3, &s->res),
					  &s->res, s->log, 1));
	s->log->res[1] = s->res;
	s->res = KT_RES_UNSET;
	KASYNC_AWAIT(&s->co, kt_res_watch(kasync_sock_recv(t, s->idle, &s->op,
							   s->buf, sizeof(s->buf),
							   &s->res),
					  &s->res, s->log, 2));
	s->log->res[2] = s->res;
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kn_res_ops = { .poll = kn_res_poll };

/*
 * A socket await writes its res only when it finishes: untouched while a
 * receive waits, then the bytes received, the bytes sent, and -ENOTCONN
 * for a receive on a socket that is not connected.
 */
static void kn_res_convention(struct kunit *test)
{
	struct kt_res_log log = {};
	struct kn_res s = { .log = &log };
	struct kasync_sock *cli, *srv;
	struct kasync_task *h;
	u8 got[8] = {};

	kn_pair(test, AF_INET, 0, 0, &cli, &srv);
	s.ks = cli;
	s.idle = kn_sock(test, AF_INET, SOCK_STREAM);
	h = kasync_spawn(NULL, &kn_res_ops, &s, sizeof(s), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_res_pending(&log, 0));
	KUNIT_EXPECT_TRUE(test, kt_res_spurious(h, &log, 0));
	KUNIT_ASSERT_EQ(test, kn_send_now(srv, "hello", 5, NULL), 5);
	KUNIT_EXPECT_EQ(test, kasync_join_timeout(&h, 10 * HZ), 0L);
	KUNIT_EXPECT_EQ(test, log.res[0], 5L);
	KUNIT_EXPECT_EQ(test, log.res[1], 3L);
	KUNIT_EXPECT_EQ(test, log.res[2], (long)-ENOTCONN);
	KUNIT_EXPECT_EQ(test, atomic_read(&log.touched), 0);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(kn_recv_now(srv, got, sizeof(got)) == 3,
					    5000));
	KUNIT_EXPECT_EQ(test, memcmp(got, "hel", 3), 0);
	if (h) {
		kasync_abort(h);
		kasync_join(&h);
	}
	kasync_sock_close(s.idle);
	kasync_sock_close(srv);
	kasync_sock_close(cli);
}

static struct kunit_case kasync_net_cases[] = {
	KUNIT_CASE(kn_tcp_echo_v4),
	KUNIT_CASE(kn_tcp_echo_v6),
	KUNIT_CASE_SLOW(kn_tcp_many),
	KUNIT_CASE(kn_connect_refused),
	KUNIT_CASE(kn_connect_timeout),
	KUNIT_CASE(kn_tcp_reset),
	KUNIT_CASE(kn_tcp_eof),
	KUNIT_CASE(kn_tcp_readable),
	KUNIT_CASE(kn_coop_budget),
	KUNIT_CASE(kn_tcp_half_close),
	KUNIT_CASE(kn_tcp_recv_timeout),
	KUNIT_CASE(kn_tcp_backpressure),
	KUNIT_CASE(kn_udp_v4),
	KUNIT_CASE(kn_udp_v6),
	KUNIT_CASE(kn_udp_readable),
	KUNIT_CASE(kn_udp_refused),
	KUNIT_CASE(kn_misuse),
	KUNIT_CASE(kn_accept_stop),
	KUNIT_CASE_SLOW(kn_memory),
	KUNIT_CASE_PARAM(kn_cancel_every_await, kn_cancel_gen_params),
	KT_CASE_PARAM_SLOW(kn_timer_arms, kn_arms_gen_params),
	KUNIT_CASE(kn_res_convention),
	{}
};

static struct kunit_suite kasync_net_suite = {
	.name = "kasync_net",
	.suite_init = kn_suite_init,
	.test_cases = kasync_net_cases,
};

kunit_test_suite(kasync_net_suite);

MODULE_DESCRIPTION("KUnit tests for kasync sockets");
MODULE_LICENSE("GPL");
