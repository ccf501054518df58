/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync sockets: TCP and UDP over IPv4 and IPv6, for tasks.
 *
 * A &struct kasync_sock wraps a kernel socket created in the namespace the
 * caller names.  Its sk_data_ready, sk_write_space, sk_state_change and
 * sk_error_report callbacks are replaced (and chained to the originals)
 * so that socket events wake the tasks awaiting it; the originals are
 * back before kasync_sock_close() returns.  Operations that can block are
 * awaits: they try the non-blocking socket call and, if it would block,
 * wait for the next socket event and try again.  Each keeps its state in a
 * small structure in the task's state, zeroed at first:
 *
 *	struct conn {
 *		struct kasync_co co;
 *		struct kasync_sock_op op;
 *		struct kasync_sock *ks;
 *		char buf[512];
 *		long res;
 *	};
 *
 *	KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op, s->buf,
 *					      sizeof(s->buf), &s->res));
 *	if (s->res > 0)			(bytes; 0 at EOF, or -errno)
 *		KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op,
 *							  s->buf, s->res,
 *							  &s->res));
 *
 * Concurrency contract:
 *
 *   who                           may call
 *   ----------------------------  ----------------------------------------
 *   process context, or a poll    kasync_sock_create(), _bind(), _listen(),
 *   (they may sleep briefly)      _shutdown(), _local_addr(), _peer_addr()
 *   tasks (their polls)           the awaits; several tasks may await one
 *                                 socket at once, each with its own
 *                                 &struct kasync_sock_op (one receiving
 *                                 and one sending is the useful split)
 *   anyone but hard IRQ, once     kasync_sock_close(), when no task awaits
 *   (drop callbacks too)          the socket and no thread still uses it
 *
 * To stop a task blocked on a socket, abort it (its drop callback closes
 * the socket) or shut the socket down (its awaits then finish).
 */
#ifndef _KASYNC_NET_H
#define _KASYNC_NET_H

#include <linux/err.h>
#include <linux/kconfig.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/types.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>
#include <kasync/wait.h>
#include <kasync/time.h>


struct net;
struct kasync_task;
struct kasync_sock;

/**
 * struct kasync_sock_op - one socket await in progress, in a task's state
 * @w: the wait entry queued while the operation would block
 * @done: kasync_sock_send_all(): bytes sent so far (also after an error)
 * @seq: the socket's event count when the operation was last tried
 * @started: the operation was begun and has not finished
 * @blocked: the last try would have blocked; waiting for an event
 *
 * Zero it (a zero-filled state does) before the first await.  After an
 * await reported %KASYNC_READY, or after kasync_sock_cancel(), it can be
 * used for another operation, on any socket.
 */
struct kasync_sock_op {
	struct kasync_wait w;
	size_t done;
	u32 seq;
	bool started;
	bool blocked;
};

/**
 * struct kasync_sock_connect - a connect in progress, with its time limit
 * @op: the operation
 * @tm: the time limit's timer, armed while a limited connect is pending
 *	(never for %KASYNC_NO_TIMEOUT)
 *
 * Zero it before the first await, like &struct kasync_sock_op.
 */
struct kasync_sock_connect {
	struct kasync_sock_op op;
	struct kasync_timer tm;
};

#if IS_ENABLED(CONFIG_NET)

struct kasync_sock *kasync_sock_create(struct net *net, int family, int type,
				       int protocol);
int kasync_sock_bind(struct kasync_sock *ks, const struct sockaddr *addr,
		     int addrlen);
int kasync_sock_listen(struct kasync_sock *ks, int backlog);
int kasync_sock_shutdown(struct kasync_sock *ks, int how);
void kasync_sock_close(struct kasync_sock *ks);
int kasync_sock_local_addr(struct kasync_sock *ks,
			   struct sockaddr_storage *addr);
int kasync_sock_peer_addr(struct kasync_sock *ks,
			  struct sockaddr_storage *addr);
struct socket *kasync_sock_socket(struct kasync_sock *ks);

enum kasync_poll kasync_sock_accept(struct kasync_task *task,
				    struct kasync_sock *ks,
				    struct kasync_sock_op *op,
				    struct kasync_sock **newks, long *res);
enum kasync_poll kasync_sock_connect(struct kasync_task *task,
				     struct kasync_sock *ks,
				     struct kasync_sock_connect *c,
				     const struct sockaddr *addr, int addrlen,
				     u64 timeout_ns, long *res);
enum kasync_poll kasync_sock_readable(struct kasync_task *task,
				      struct kasync_sock *ks,
				      struct kasync_sock_op *op, long *res);
enum kasync_poll kasync_sock_recv(struct kasync_task *task,
				  struct kasync_sock *ks,
				  struct kasync_sock_op *op, void *buf,
				  size_t len, long *res);
enum kasync_poll kasync_sock_send(struct kasync_task *task,
				  struct kasync_sock *ks,
				  struct kasync_sock_op *op, const void *buf,
				  size_t len, long *res);
enum kasync_poll kasync_sock_send_all(struct kasync_task *task,
				      struct kasync_sock *ks,
				      struct kasync_sock_op *op,
				      const void *buf, size_t len,
				      long *res);
enum kasync_poll kasync_sock_recvfrom(struct kasync_task *task,
				      struct kasync_sock *ks,
				      struct kasync_sock_op *op, void *buf,
				      size_t len,
				      struct sockaddr_storage *from,
				      long *res);
enum kasync_poll kasync_sock_sendto(struct kasync_task *task,
				    struct kasync_sock *ks,
				    struct kasync_sock_op *op,
				    const void *buf, size_t len,
				    const struct sockaddr *to, int tolen,
				    long *res);
void kasync_sock_cancel(struct kasync_task *task, struct kasync_sock_op *op);
void kasync_sock_connect_cancel(struct kasync_task *task,
				struct kasync_sock *ks,
				struct kasync_sock_connect *c);

#else /* !CONFIG_NET: no sockets; every call reports -EOPNOTSUPP */

static inline struct kasync_sock *
kasync_sock_create(struct net *net, int family, int type, int protocol)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline int kasync_sock_bind(struct kasync_sock *ks,
				   const struct sockaddr *addr, int addrlen)
{
	return -EOPNOTSUPP;
}

static inline int kasync_sock_listen(struct kasync_sock *ks, int backlog)
{
	return -EOPNOTSUPP;
}

static inline int kasync_sock_shutdown(struct kasync_sock *ks, int how)
{
	return -EOPNOTSUPP;
}

static inline void kasync_sock_close(struct kasync_sock *ks)
{
}

static inline int kasync_sock_local_addr(struct kasync_sock *ks,
					 struct sockaddr_storage *addr)
{
	return -EOPNOTSUPP;
}

static inline int kasync_sock_peer_addr(struct kasync_sock *ks,
					struct sockaddr_storage *addr)
{
	return -EOPNOTSUPP;
}

static inline struct socket *kasync_sock_socket(struct kasync_sock *ks)
{
	return NULL;
}

/* Every await finishes at once with -EOPNOTSUPP. */
static inline enum kasync_poll kasync_sock_nonet(long *res)
{
	*res = -EOPNOTSUPP;
	return KASYNC_READY;
}

static inline enum kasync_poll
kasync_sock_accept(struct kasync_task *task, struct kasync_sock *ks,
		   struct kasync_sock_op *op, struct kasync_sock **newks,
		   long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_connect(struct kasync_task *task, struct kasync_sock *ks,
		    struct kasync_sock_connect *c, const struct sockaddr *addr,
		    int addrlen, u64 timeout_ns, long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_readable(struct kasync_task *task, struct kasync_sock *ks,
		     struct kasync_sock_op *op, long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_recv(struct kasync_task *task, struct kasync_sock *ks,
		 struct kasync_sock_op *op, void *buf, size_t len, long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_send(struct kasync_task *task, struct kasync_sock *ks,
		 struct kasync_sock_op *op, const void *buf, size_t len,
		 long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_send_all(struct kasync_task *task, struct kasync_sock *ks,
		     struct kasync_sock_op *op, const void *buf, size_t len,
		     long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_recvfrom(struct kasync_task *task, struct kasync_sock *ks,
		     struct kasync_sock_op *op, void *buf, size_t len,
		     struct sockaddr_storage *from, long *res)
{
	return kasync_sock_nonet(res);
}

static inline enum kasync_poll
kasync_sock_sendto(struct kasync_task *task, struct kasync_sock *ks,
		   struct kasync_sock_op *op, const void *buf, size_t len,
		   const struct sockaddr *to, int tolen, long *res)
{
	return kasync_sock_nonet(res);
}

static inline void kasync_sock_cancel(struct kasync_task *task,
				      struct kasync_sock_op *op)
{
}

static inline void kasync_sock_connect_cancel(struct kasync_task *task,
					      struct kasync_sock *ks,
					      struct kasync_sock_connect *c)
{
}

#endif /* CONFIG_NET */

/**
 * kasync_sock_op_armed - is the operation waiting for a socket event?
 * @op: the operation
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true while @op's wait entry is queued on a socket.
 */
static inline bool kasync_sock_op_armed(const struct kasync_sock_op *op)
{
	return kasync_wait_armed(&op->w);
}

#endif /* _KASYNC_NET_H */
