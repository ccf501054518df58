// SPDX-License-Identifier: GPL-2.0
/*
 * nb_core's servers: a listener kthread accepting connections and handing
 * each to a kthread of its own (%NB_KTHREAD) or to a work item (%NB_WORKQUEUE);
 * see nb_core.h.
 *
 * Life of a connection.  The listener adds it to srv->conns and starts its
 * kthread or queues its work item, which calls cfg.serve() and then takes
 * it off srv->conns and releases its socket.  A work item frees its
 * connection itself; destroy_workqueue() waits for the last one.  A
 * kthread cannot: module text must outlive it, so its connection moves to
 * srv->dead, where srv->reap (or nb_server_stop()) kthread_stop()s the
 * exited thread through the reference taken at creation and frees both.
 *
 * Stopping: set @stopping, shut the listening socket down (accept returns
 * -EINVAL) and stop the listener; shut every connection's sockets down so
 * that its blocking recv or send returns; wait for srv->nconns to drop to
 * zero; then reap the kthreads or destroy the workqueue.
 */
#include <linux/err.h>
#include <linux/inet.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "nb_internal.h"

/**
 * nb_recv() - blocking receive of at most @len bytes
 * @sock: a connected socket
 * @buf: where to
 * @len: room in @buf
 *
 * Context: process context; sleeps until data, EOF or an error.
 * Return: bytes received, 0 at EOF, or a negative errno.
 */
int nb_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };

	return kernel_recvmsg(sock, &msg, &vec, 1, len, 0);
}

/**
 * nb_send() - blocking send of all of @len bytes
 * @sock: a connected socket
 * @buf: what
 * @len: how many bytes
 *
 * Context: process context; sleeps while the send buffer is full.
 * Return: 0, or a negative errno (-EPIPE once the socket is shut down).
 */
int nb_send(struct socket *sock, const void *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct kvec vec;
	int n;

	while (len) {
		vec.iov_base = (void *)buf;
		vec.iov_len = len;
		n = kernel_sendmsg(sock, &msg, &vec, 1, len);
		if (n < 0)
			return n;
		if (!n)
			return -EPIPE;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * nb_conn_set_peer() - make @peer known to nb_server_stop()
 * @c: the connection
 * @peer: a connected outbound socket of the protocol's
 *
 * From now on until nb_conn_drop_peer(), stopping the server shuts @peer
 * down together with @c's own socket.
 *
 * Context: process context; takes the server's lock.
 * Return: 0, or -ESHUTDOWN if the server is stopping (@peer is then left
 * to the caller).
 */
int nb_conn_set_peer(struct nb_conn *c, struct socket *peer)
{
	struct nb_server *srv = c->srv;
	int err = 0;

	mutex_lock(&srv->lock);
	if (srv->stopping)
		err = -ESHUTDOWN;
	else
		c->peer = peer;
	mutex_unlock(&srv->lock);
	return err;
}

/**
 * nb_conn_drop_peer() - release the socket given to nb_conn_set_peer()
 * @c: the connection; no-op if it has no peer
 *
 * Context: process context; takes the server's lock.
 */
void nb_conn_drop_peer(struct nb_conn *c)
{
	struct nb_server *srv = c->srv;
	struct socket *peer;

	mutex_lock(&srv->lock);
	peer = c->peer;
	c->peer = NULL;
	mutex_unlock(&srv->lock);
	if (peer)
		sock_release(peer);
}

/* Serve @c, then take it off srv->conns and release its sockets. */
static void nb_conn_run(struct nb_conn *c, struct list_head *to)
{
	struct nb_server *srv = c->srv;

	srv->cfg.serve(c);
	nb_conn_drop_peer(c);

	mutex_lock(&srv->lock);
	list_del_init(&c->node);
	mutex_unlock(&srv->lock);
	/* off the list: nb_server_stop() no longer shuts it down */
	sock_release(c->sock);

	mutex_lock(&srv->lock);
	if (to)
		list_add_tail(&c->node, to);
	/* read locklessly by the wait_event_idle() in nb_server_stop() */
	WRITE_ONCE(srv->nconns, srv->nconns - 1);
	if (!srv->nconns && srv->stopping)
		wake_up(&srv->idle);
	mutex_unlock(&srv->lock);
}

static int nb_conn_thread(void *arg)
{
	struct nb_conn *c = arg;
	struct nb_server *srv = c->srv;

	nb_conn_run(c, &srv->dead);
	/*
	 * nb_server_stop() may already be waiting for us in kthread_stop(); it
	 * cancels this work only after every thread has exited.
	 */
	queue_work(system_wq, &srv->reap);
	return 0;
}

static void nb_conn_work(struct work_struct *work)
{
	struct nb_conn *c = container_of(work, struct nb_conn, work);

	nb_conn_run(c, NULL);
	kfree(c);
}

/* kthread_stop() and free the connections of srv->dead. */
static void nb_reap(struct nb_server *srv)
{
	struct nb_conn *c, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&srv->lock);
	list_splice_init(&srv->dead, &dead);
	mutex_unlock(&srv->lock);

	list_for_each_entry_safe(c, tmp, &dead, node) {
		/* the thread returned or is returning: this waits for its exit */
		kthread_stop(c->task);
		put_task_struct(c->task);
		kfree(c);
	}
}

static void nb_reap_work(struct work_struct *work)
{
	nb_reap(container_of(work, struct nb_server, reap));
}

/* Take @sock on, or close it when the server is full or stopping. */
static void nb_conn_start(struct nb_server *srv, struct socket *sock)
{
	struct task_struct *task;
	struct nb_conn *c;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto close;
	c->srv = srv;
	c->sock = sock;
	INIT_LIST_HEAD(&c->node);

	mutex_lock(&srv->lock);
	if (srv->stopping || srv->nconns >= srv->cfg.max_conns) {
		mutex_unlock(&srv->lock);
		goto free;
	}
	WRITE_ONCE(srv->nconns, srv->nconns + 1);
	list_add_tail(&c->node, &srv->conns);
	mutex_unlock(&srv->lock);

	if (srv->cfg.shape == NB_HOLD)
		return;		/* kept on srv->conns until the server stops */
	if (srv->cfg.shape == NB_WORKQUEUE) {
		INIT_WORK(&c->work, nb_conn_work);
		queue_work(srv->wq, &c->work);
		return;
	}

	task = kthread_create(nb_conn_thread, c, "%s/c", srv->cfg.name);
	if (IS_ERR(task)) {
		mutex_lock(&srv->lock);
		list_del(&c->node);
		WRITE_ONCE(srv->nconns, srv->nconns - 1);
		mutex_unlock(&srv->lock);
		goto free;
	}
	c->task = get_task_struct(task);
	wake_up_process(task);
	return;

free:
	kfree(c);
close:
	sock_release(sock);
}

static int nb_listener(void *arg)
{
	struct nb_server *srv = arg;
	struct socket *sock;
	int err;

	while (!kthread_should_stop()) {
		err = kernel_accept(srv->lsock, &sock, 0);
		if (err == -EINVAL)	/* shut down by nb_server_stop() */
			break;
		if (err) {		/* -ENOMEM, -ECONNABORTED...: go on */
			schedule_timeout_interruptible(1);
			continue;
		}
		nb_conn_start(srv, sock);
	}
	return 0;
}

static int nb_listen(struct nb_server *srv)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(srv->cfg.port),
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	sock_set_reuseaddr(sock->sk);
	err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (!err)
		err = kernel_listen(sock, min(srv->cfg.max_conns, 65535U));
	if (err) {
		sock_release(sock);
		return err;
	}
	srv->lsock = sock;
	return 0;
}

/* "a.b.c.d:port" into @sin. */
static int nb_parse_addr(const char *s, struct sockaddr_in *sin)
{
	const char *end;
	u16 port;

	if (!in4_pton(s, -1, (u8 *)&sin->sin_addr.s_addr, ':', &end) ||
	    kstrtou16(end + 1, 10, &port) || !port)
		return -EINVAL;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return 0;
}

/**
 * nb_server_start() - start a server as @cfg says
 * @cfg: the server's configuration, copied
 *
 * Context: process context (module init).
 * Return: the server, or ERR_PTR(-EINVAL) for a bad @cfg->counter,
 * -ENOMEM, or the errno of creating, binding or listening on the socket or
 * of starting the listener.
 */
struct nb_server *nb_server_start(const struct nb_server_cfg *cfg)
{
	struct nb_server *srv;
	int err;

	srv = kzalloc(sizeof(*srv), GFP_KERNEL);
	if (!srv)
		return ERR_PTR(-ENOMEM);
	srv->cfg = *cfg;
	mutex_init(&srv->lock);
	INIT_LIST_HEAD(&srv->conns);
	INIT_LIST_HEAD(&srv->dead);
	init_waitqueue_head(&srv->idle);
	INIT_WORK(&srv->reap, nb_reap_work);

	err = -EINVAL;
	if (cfg->counter && nb_parse_addr(cfg->counter, &srv->counter))
		goto free;

	if (cfg->shape == NB_WORKQUEUE) {
		err = -ENOMEM;
		srv->wq = alloc_workqueue("%s", WQ_UNBOUND, WQ_MAX_ACTIVE,
					  cfg->name);
		if (!srv->wq)
			goto free;
	}

	err = nb_listen(srv);
	if (err)
		goto destroy_wq;

	srv->listener = kthread_create(nb_listener, srv, "%s/l", cfg->name);
	if (IS_ERR(srv->listener)) {
		err = PTR_ERR(srv->listener);
		goto release;
	}
	get_task_struct(srv->listener);
	wake_up_process(srv->listener);
	return srv;

release:
	sock_release(srv->lsock);
destroy_wq:
	if (srv->wq)
		destroy_workqueue(srv->wq);
free:
	kfree(srv);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(nb_server_start);

/**
 * nb_server_stop() - stop a server, closing its open connections
 * @srv: from nb_server_start()
 *
 * Returns once every connection's kthread has exited or its work item has
 * returned, so that the caller's module can go.
 *
 * Context: process context (module exit); sleeps.
 */
void nb_server_stop(struct nb_server *srv)
{
	struct nb_conn *c, *tmp;

	mutex_lock(&srv->lock);
	srv->stopping = true;
	mutex_unlock(&srv->lock);

	kernel_sock_shutdown(srv->lsock, SHUT_RDWR);
	kthread_stop(srv->listener);
	put_task_struct(srv->listener);

	/* no connection is added from now on */
	if (srv->cfg.shape == NB_HOLD) {
		/* nothing serves them: release them here */
		list_for_each_entry_safe(c, tmp, &srv->conns, node) {
			list_del(&c->node);
			sock_release(c->sock);
			kfree(c);
		}
		srv->nconns = 0;
	}
	mutex_lock(&srv->lock);
	list_for_each_entry(c, &srv->conns, node) {
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
		if (c->peer)
			kernel_sock_shutdown(c->peer, SHUT_RDWR);
	}
	mutex_unlock(&srv->lock);

	/* TASK_IDLE: 10,000 connections may take a while on a slow VM */
	wait_event_idle(srv->idle, !READ_ONCE(srv->nconns));

	if (srv->wq) {
		destroy_workqueue(srv->wq);
	} else {
		/* every kthread has queued srv->reap for the last time */
		nb_reap(srv);
		cancel_work_sync(&srv->reap);
		nb_reap(srv);
	}
	sock_release(srv->lsock);
	kfree(srv);
}
EXPORT_SYMBOL_GPL(nb_server_stop);

MODULE_DESCRIPTION("kasync network benchmark: kthread and workqueue servers");
MODULE_LICENSE("GPL");
