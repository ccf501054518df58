/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What server.c shares with the protocols (echo.c, http.c).
 *
 * Locking legend:
 *   I: set before the server (or connection) is visible, then read-only
 *   M: nb_server->lock
 */
#ifndef _NB_INTERNAL_H
#define _NB_INTERNAL_H

#include <linux/in.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "nb_core.h"

struct socket;
struct task_struct;

/**
 * struct nb_server - one listening server
 * @cfg: what it was started with (I)
 * @counter: the counter service's address, HTTP only (I)
 * @lsock: the listening socket (I)
 * @listener: the accepting kthread, with a reference of ours (I)
 * @wq: the connections' workqueue, %NB_WORKQUEUE only (I)
 * @lock: protects the fields tagged M
 * @conns: connections being served or waiting to be (M)
 * @dead: %NB_KTHREAD connections whose kthread returned, to reap (M)
 * @nconns: connections on @conns (M; read locklessly by nb_server_stop())
 * @stopping: nb_server_stop() has begun; accept nothing new (M)
 * @idle: woken when @nconns drops to zero while @stopping
 * @reap: reaps @dead (kthread_stop() and free)
 */
struct nb_server {
	struct nb_server_cfg cfg;
	struct sockaddr_in counter;
	struct socket *lsock;
	struct task_struct *listener;
	struct workqueue_struct *wq;
	struct mutex lock;
	struct list_head conns;
	struct list_head dead;
	unsigned int nconns;
	bool stopping;
	wait_queue_head_t idle;
	struct work_struct reap;
};

/**
 * struct nb_conn - one accepted connection
 * @node: on the server's conns, then (kthreads) on its dead list (M)
 * @srv: the server (I)
 * @sock: the accepted socket, released when @serve returns (I)
 * @peer: an outbound socket of the protocol's, shut down with @sock by
 *	nb_server_stop() (M)
 * @task: %NB_KTHREAD: the connection's kthread, with a reference (I)
 * @work: %NB_WORKQUEUE: the connection's work item
 */
struct nb_conn {
	struct list_head node;
	struct nb_server *srv;
	struct socket *sock;
	struct socket *peer;
	struct task_struct *task;
	struct work_struct work;
};

int nb_recv(struct socket *sock, void *buf, size_t len);
int nb_send(struct socket *sock, const void *buf, size_t len);
int nb_conn_set_peer(struct nb_conn *c, struct socket *peer);
void nb_conn_drop_peer(struct nb_conn *c);

#endif /* _NB_INTERNAL_H */
