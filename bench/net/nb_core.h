/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nb_core: the kernel baselines of kasync's network benchmark, the way a
 * kernel developer writes a TCP server today, without kasync.  Two shapes
 * of server run either protocol:
 *
 *   NB_KTHREAD    a listener kthread, then one kthread per accepted
 *                 connection doing blocking kernel_recvmsg() and
 *                 kernel_sendmsg() (what ksmbd does)
 *   NB_WORKQUEUE  a listener kthread, then one work item per connection on
 *                 an unbound workqueue, blocking in the work function (the
 *                 kecho pattern); at most max_active (512) connections are
 *                 served at once, the others wait for a free slot
 *   NB_HOLD       a listener kthread that accepts each connection and
 *                 keeps it, serving nothing: no thread, no work item, no
 *                 state but a list entry.  Not a server but the floor of
 *                 conn_mem: the kernel memory any in-kernel server pays
 *                 for an accepted TCP socket before it adds its own
 *
 * The modules kthread_echo, wq_echo, kthread_http, wq_http and hold each start
 * one server from module init and stop it from module exit, closing the
 * connections that are still open.
 */
#ifndef _NB_CORE_H
#define _NB_CORE_H

#include <linux/types.h>

struct nb_conn;
struct nb_server;

enum nb_shape {
	NB_KTHREAD,
	NB_WORKQUEUE,
	NB_HOLD,
};

/**
 * struct nb_server_cfg - what nb_server_start() starts
 * @name: the module's name: thread and workqueue names
 * @shape: %NB_KTHREAD, %NB_WORKQUEUE or %NB_HOLD
 * @port: TCP port to listen on, on every address
 * @max_conns: connections beyond this many are closed at once
 * @serve: the protocol, called once per connection in its kthread or work
 *	item; returns when the peer closed or on error (%NULL for %NB_HOLD)
 * @counter: "a.b.c.d:port" of the counter service (HTTP only, else NULL)
 */
struct nb_server_cfg {
	const char *name;
	enum nb_shape shape;
	u16 port;
	unsigned int max_conns;
	int (*serve)(struct nb_conn *c);
	const char *counter;
};

struct nb_server *nb_server_start(const struct nb_server_cfg *cfg);
void nb_server_stop(struct nb_server *srv);

int nb_echo_serve(struct nb_conn *c);
int nb_http_serve(struct nb_conn *c);

#endif /* _NB_CORE_H */
