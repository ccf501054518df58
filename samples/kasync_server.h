/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The listener shared by kasync's server samples (echo, HTTP, counter):
 * a runtime of the sample's own, one task that accepts, and one task per
 * connection, spawned from a template state.  Written only against
 * <kasync.h>, as any module would be.
 *
 * A connection task's state begins with &struct kserver_conn; the
 * listener fills it in before the spawn, and the task's drop callback
 * must call kserver_conn_end() once, which closes the socket and counts
 * the connection gone.  Stopping the server destroys its runtime, which
 * cancels the listener and every connection (running their drop
 * callbacks) and waits for them: unloading with connections open is
 * clean.
 */
#ifndef _KASYNC_SAMPLE_SERVER_H
#define _KASYNC_SAMPLE_SERVER_H

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <kasync.h>

#include <kasync/param.h>

struct kserver;

/**
 * struct kserver_conn - head of every connection task's state
 * @ks: the connection; closed by kserver_conn_end()
 * @srv: the server it belongs to
 */
struct kserver_conn {
	struct kasync_sock *ks;
	struct kserver *srv;
};

/**
 * struct kserver - one listening server
 * @name: runtime name (debugfs: /sys/kernel/debug/kasync/@name)
 * @port: TCP port, on every IPv4 and IPv6 address
 * @backlog: listen() backlog
 * @max_conns: connections served at once; more are accepted and closed
 * @percpu: thread-per-core runtime (%KASYNC_RT_PERCPU) instead of stealing
 * @conn_ops: the connection task
 * @conn_size: its state's size; the state starts with &struct kserver_conn
 * @refuse: optional; called with a connection beyond @max_conns before it
 *	is closed (from the listener task: must not block)
 * @rt: the server's runtime
 * @tmpl: the template state each connection is spawned from
 * @active: connections being served
 * @accepted: connections accepted since load
 * @refused: connections closed at once for lack of room
 */
struct kserver {
	const char *name;
	int port;
	int backlog;
	int max_conns;
	bool percpu;
	const struct kasync_task_ops *conn_ops;
	size_t conn_size;
	void (*refuse)(struct kasync_sock *ks);
	struct kasync_rt *rt;
	void *tmpl;
	atomic_t active;
	atomic_t accepted;
	atomic_t refused;
};

/* The ranges of the server parameters (<kasync/param.h> checks them). */
#define KSERVER_MAX_CONNS	1000000
#define KSERVER_MAX_BACKLOG	65535
/* Any time limit in milliseconds: an hour (0, where it means none, too). */
#define KSERVER_MAX_MS		(60 * 60 * MSEC_PER_SEC)

/* A read-only module parameter showing an atomic_t (module_param_cb). */
static inline int kserver_get_atomic(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read((atomic_t *)kp->arg));
}

static const struct kernel_param_ops kserver_atomic_param __maybe_unused = {
	.get = kserver_get_atomic,
};

/* An idle_ms parameter as a time limit: 0 means never (no timer at all). */
static inline u64 kserver_idle_ns(unsigned int ms)
{
	return ms ? (u64)ms * NSEC_PER_MSEC : KASYNC_NO_TIMEOUT;
}

/* The deadline @ms from now; KTIME_MAX (none) for 0. */
static inline ktime_t kserver_due(unsigned int ms)
{
	return ms ? kasync_deadline_ns((u64)ms * NSEC_PER_MSEC) : KTIME_MAX;
}

/*
 * Nanoseconds left until @due, 0 once it passed: the limit of one await
 * in a sequence that shares one deadline.  The connection's one timer
 * is then armed only while an await waits.
 */
static inline u64 kserver_left(ktime_t due)
{
	s64 left;

	if (due == KTIME_MAX)
		return KASYNC_NO_TIMEOUT;
	left = ktime_to_ns(ktime_sub(due, ktime_get()));
	return left > 0 ? left : 0;
}

/**
 * kserver_conn_end - release a connection: call once from its drop callback
 * @c: the head of the connection's state
 */
static inline void kserver_conn_end(struct kserver_conn *c)
{
	if (c->ks)
		kasync_sock_close(c->ks);
	c->ks = NULL;
	atomic_dec(&c->srv->active);
}

/* Back-off after a failed accept: from 5 ms, doubling, up to 1 s. */
#define KSERVER_BACKOFF_MIN_MS	5
#define KSERVER_BACKOFF_MAX_MS	1000

struct kserver_listener {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_timer tm;		/* the back-off */
	struct kasync_sock *ls;
	struct kasync_sock *nks;
	struct kserver *srv;
	unsigned int backoff_ms;	/* 0 after a success */
	long res;
};

static inline void kserver_listener_drop(void *p)
{
	struct kserver_listener *l = p;

	kasync_sock_close(l->ls);
}

/* Give @ks a connection task, or turn it away when the server is full. */
static inline void kserver_serve(struct kserver *srv, struct kasync_sock *ks)
{
	struct kserver_conn *hdr = srv->tmpl;
	struct kasync_task *h;

	atomic_inc(&srv->accepted);
	if (atomic_inc_return(&srv->active) > srv->max_conns) {
		atomic_dec(&srv->active);
		atomic_inc(&srv->refused);
		if (srv->refuse)
			srv->refuse(ks);
		kasync_sock_close(ks);
		return;
	}
	hdr->ks = ks;
	hdr->srv = srv;
	h = kasync_spawn(srv->rt, srv->conn_ops, srv->tmpl, srv->conn_size,
			 GFP_KERNEL);
	if (IS_ERR(h)) {
		atomic_dec(&srv->active);
		kasync_sock_close(ks);
		return;
	}
	kasync_detach(&h);
}

static inline enum kasync_poll kserver_listener_poll(struct kasync_task *t,
						     void *p)
{
	struct kserver_listener *l = p;

	KASYNC_BEGIN(&l->co);
	for (;;) {
		KASYNC_AWAIT(&l->co, kasync_sock_accept(t, l->ls, &l->op,
							&l->nks, &l->res));
		/*
		 * A burst of connections is accepted in one poll only up
		 * to kasync's cooperative budget: then the new tasks, and
		 * everything else on this CPU, run first.
		 */
		if (!l->res) {
			kserver_serve(l->srv, l->nks);
			l->backoff_ms = 0;
			continue;
		}
		/*
		 * Out of memory or descriptors: retrying at once would find
		 * the same, so wait, longer each time it happens again.
		 */
		pr_warn_ratelimited("%s: accept: %ld\n", l->srv->name, l->res);
		l->backoff_ms = clamp_t(unsigned int, l->backoff_ms * 2,
					 KSERVER_BACKOFF_MIN_MS,
					 KSERVER_BACKOFF_MAX_MS);
		KASYNC_AWAIT(&l->co, kasync_sleep(t, &l->tm,
						  l->backoff_ms * NSEC_PER_MSEC));
	}
	KASYNC_END(&l->co);
}

static const struct kasync_task_ops kserver_listener_ops __maybe_unused = {
	.poll = kserver_listener_poll,
	.drop = kserver_listener_drop,
};

/*
 * A listening socket on @port: IPv6 and IPv4 (dual stack), else IPv4.
 * Return: the socket, or an ERR_PTR().
 */
static inline struct kasync_sock *kserver_listen(struct kserver *srv)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(srv->port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(srv->port) };
	struct kasync_sock *ks;
	int err;

	ks = kasync_sock_create(&init_net, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
	if (!IS_ERR(ks)) {
		err = kasync_sock_bind(ks, (struct sockaddr *)&a6, sizeof(a6));
	} else if (PTR_ERR(ks) == -EAFNOSUPPORT) {
		ks = kasync_sock_create(&init_net, AF_INET, SOCK_STREAM,
					IPPROTO_TCP);
		if (IS_ERR(ks))
			return ks;
		err = kasync_sock_bind(ks, (struct sockaddr *)&a4, sizeof(a4));
	} else {
		return ks;
	}
	if (!err)
		err = kasync_sock_listen(ks, srv->backlog);
	if (err) {
		kasync_sock_close(ks);
		return ERR_PTR(err);
	}
	return ks;
}

/**
 * kserver_start - create the runtime, listen, and start accepting
 * @srv: the server, with the fields up to @refuse filled in
 *
 * Return: 0, or -errno (-EINVAL for bad parameters, -EADDRINUSE, ...).
 */
static inline int kserver_start(struct kserver *srv)
{
	struct kserver_listener l = { .srv = srv };
	struct kasync_task *h;
	int err;

	if (srv->port <= 0 || srv->port > 65535 || srv->max_conns <= 0 ||
	    srv->backlog <= 0 || srv->conn_size < sizeof(struct kserver_conn))
		return -EINVAL;
	srv->tmpl = kzalloc(srv->conn_size, GFP_KERNEL);
	if (!srv->tmpl)
		return -ENOMEM;
	srv->rt = kasync_rt_create(srv->name, srv->percpu ? KASYNC_RT_PERCPU : 0);
	if (IS_ERR(srv->rt)) {
		err = PTR_ERR(srv->rt);
		goto free_tmpl;
	}
	l.ls = kserver_listen(srv);
	if (IS_ERR(l.ls)) {
		err = PTR_ERR(l.ls);
		goto destroy_rt;
	}
	h = kasync_spawn(srv->rt, &kserver_listener_ops, &l, sizeof(l),
			 GFP_KERNEL);
	if (IS_ERR(h)) {
		err = PTR_ERR(h);
		kasync_sock_close(l.ls);
		goto destroy_rt;
	}
	kasync_detach(&h);
	return 0;

destroy_rt:
	kasync_rt_destroy(srv->rt);
free_tmpl:
	kfree(srv->tmpl);
	return err;
}

/**
 * KSERVER_MODULE - the parameters and counters every server sample has
 * @srv: name of the module's &struct kserver, defined here
 * @def_port: default port
 *
 * Defines the module parameters port (1-65535), max_conns (1-1000000),
 * backlog (1-65535), idle_ms (0: never; up to an hour) and percpu, each
 * checked at load (<kasync/param.h>); the read-only counters active,
 * accepted and refused; and @srv_start(name, ops, size, refuse), which
 * fills @srv from the parameters and calls kserver_start().
 */
#define KSERVER_MODULE(srv, def_port)					\
static int port = (def_port);						\
kasync_param(port, int, 1, 65535, 0444);				\
MODULE_PARM_DESC(port, "TCP port (IPv4 and IPv6; 1-65535)");		\
static int max_conns = 20000;						\
kasync_param(max_conns, int, 1, KSERVER_MAX_CONNS, 0444);		\
MODULE_PARM_DESC(max_conns, "connections served at once; more are turned away (1-1000000)"); \
static int backlog = 4096;						\
kasync_param(backlog, int, 1, KSERVER_MAX_BACKLOG, 0444);		\
MODULE_PARM_DESC(backlog, "listen backlog (1-65535)");		\
static unsigned int idle_ms = 30000;					\
kasync_param(idle_ms, uint, 0, KSERVER_MAX_MS, 0444);			\
MODULE_PARM_DESC(idle_ms, "drop a connection idle this long (0: never; up to 3600000)"); \
static bool percpu;							\
kasync_param_bool(percpu, 0444);					\
MODULE_PARM_DESC(percpu, "thread-per-core runtime (no work stealing)");	\
static struct kserver srv;						\
module_param_cb(active, &kserver_atomic_param, &srv.active, 0444);	\
MODULE_PARM_DESC(active, "connections being served (read-only)");	\
module_param_cb(accepted, &kserver_atomic_param, &srv.accepted, 0444);	\
MODULE_PARM_DESC(accepted, "connections accepted (read-only)");	\
module_param_cb(refused, &kserver_atomic_param, &srv.refused, 0444);	\
MODULE_PARM_DESC(refused, "connections turned away at max_conns (read-only)"); \
static int srv##_start(const char *name, const struct kasync_task_ops *ops, \
		       size_t size, void (*refuse)(struct kasync_sock *ks)) \
{									\
	srv = (struct kserver) {					\
		.name = name, .port = port, .backlog = backlog,		\
		.max_conns = max_conns, .percpu = percpu,		\
		.conn_ops = ops, .conn_size = size, .refuse = refuse,	\
	};								\
	return kserver_start(&srv);					\
}

/**
 * kserver_stop - cancel the listener and every connection, and wait
 * @srv: a started server
 */
static inline void kserver_stop(struct kserver *srv)
{
	kasync_rt_destroy(srv->rt);
	WARN_ON_ONCE(atomic_read(&srv->active));
	kfree(srv->tmpl);
}

#endif /* _KASYNC_SAMPLE_SERVER_H */
