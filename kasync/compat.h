/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync: every difference between the kernels kasync builds against
 * (6.1 .. current) lives here, and only here.
 */
#ifndef _KASYNC_COMPAT_H
#define _KASYNC_COMPAT_H

#include <linux/version.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/sock.h>

/*
 * 6.17 introduced WQ_PERCPU to mark per-CPU workqueues explicitly (the
 * default is going to become unbound).  Before, no flag meant per-CPU.
 */
#if KERNEL_VERSION(6, 17, 0) <= LINUX_VERSION_CODE
#define KASYNC_WQ_PERCPU	WQ_PERCPU
#else
#define KASYNC_WQ_PERCPU	0
#endif

/*
 * A kernel socket (sk_net_refcnt 0) holds no reference on its namespace,
 * and since 6.9 (backported to 6.1 and 6.6) tcp_close() of one stops its
 * retransmit, delayed-ACK and keepalive timers: a FIN lost once is never
 * sent again.  kasync's sockets take the reference a user-space socket
 * has, and with it the timers.  sk_net_refcnt_upgrade() does that since
 * 6.14 and in stable updates of older series, so Kbuild looks for it in
 * the headers (KASYNC_HAVE_SK_NET_REFCNT_UPGRADE) rather than trusting the
 * version; without it, it is open-coded as mptcp did on those kernels
 * (which track no reference for kernel sockets, so none is dropped).
 */
static inline void kasync_sk_hold_net(struct sock *sk)
{
#ifdef KASYNC_HAVE_SK_NET_REFCNT_UPGRADE
	sk_net_refcnt_upgrade(sk);
#else
	struct net *net = sock_net(sk);

	sk->sk_net_refcnt = 1;
	get_net_track(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
#endif
}

#endif /* _KASYNC_COMPAT_H */
