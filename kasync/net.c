// SPDX-License-Identifier: GPL-2.0
/*
 * kasync sockets: TCP and UDP over IPv4 and IPv6, for tasks.
 *
 * A &struct kasync_sock owns a kernel socket.  At creation (and, for an
 * accepted connection, at accept) kasync installs its own sk_data_ready,
 * sk_write_space, sk_state_change and sk_error_report under
 * write_lock_bh(&sk->sk_callback_lock), saving the originals, with
 * sk_user_data pointing back at the kasync_sock.  Each callback calls the
 * original, counts the event (receive side, send side, or both) and wakes
 * the socket's wait queue if somebody is on it.
 *
 * An await tries the non-blocking socket call (MSG_DONTWAIT, O_NONBLOCK).
 * If it would block, it remembers the event count it tried at and waits,
 * with an ordinary &struct kasync_wait, until the count moves; then it
 * tries again.  Counting events rather than re-deriving readiness from
 * TCP's state means an await needs no knowledge of the protocol beyond
 * "this would block", and it cannot miss an event that came after its
 * try (ordering rules N1 and N2 below); a fresh receive looks at the
 * socket's readability before its first try (ks_rx_empty()), which rule
 * N1 covers the same way.  Nothing is allocated per receive or send;
 * accept allocates the new connection's kasync_sock.  Both
 * directions share one wait queue, which keeps the structure small: a
 * task waiting to receive is polled for nothing when send space frees up
 * (for UDP, when a datagram it sent is freed), and finds its count
 * unchanged.
 *
 * Fields of &struct kasync_sock, in the legend of rules.h plus:
 *
 *   K: sk->sk_callback_lock: written under write_lock_bh() (install,
 *      restore); read by the callbacks under read_lock_bh()
 *   Q: the wait queue's own lock (kasync/wait.c)
 *
 *   sock        I: the socket; released after close (deferred, see R)
 *   wq          Q: the tasks waiting for an event
 *   rx_events   A: count of events for receivers (data, state, error)
 *   tx_events   A: count of events for senders (space, state, error)
 *   cb          K: the original callbacks, until kasync_sock_close()
 *   release     the deferred release, after close; shares cb's bytes,
 *               which no callback reads any more (ordering rule N3)
 *
 * Fields of &struct kasync_sock_op and &struct kasync_sock_connect are P
 * (the task's own poll), except what kasync_wait and kasync_timer say.
 *
 * ====================== kasync socket ordering rules =====================
 *
 * These extend the wake-source rules of kasync/wait.c; the comments below
 * cite them as "rule N1" and so on.
 *
 * N1. Events and tries.  The network stack changes the socket (queues an
 *     skb, frees send space, sets sk_err or sk_state) and then calls the
 *     callback, which increments the count between smp_mb__before_atomic()
 *     and smp_mb__after_atomic().  A task reads the count with
 *     atomic_read_acquire() before it tries the call.  So if the task read
 *     the new count, its try sees the change; if it read the old count,
 *     the change is after its snapshot and the count will differ:
 *
 *	network stack			task
 *	queue skb			seq = atomic_read_acquire(&rx_events)
 *	callback: smp_mb__before_atomic	try recvmsg(): -EAGAIN
 *		  atomic_inc(&rx_events)	await rx_events != seq
 *
 * N2. Waking.  The callback's smp_mb__after_atomic() orders its increment
 *     before its waitqueue_active() check; kasync_wait_arm() orders the
 *     task's queued entry before its re-check of the count (wake-source
 *     rule W2).  Store-buffering: the callback finds the entry and wakes
 *     the task, or the task's re-check sees the new count.
 *
 * N3. Close.  Callbacks read sk_user_data and use the kasync_sock only
 *     under read_lock_bh(&sk->sk_callback_lock).  kasync_sock_close()
 *     restores the originals and clears sk_user_data under the write
 *     lock, which waits for callbacks running on other CPUs; afterwards no
 *     callback reaches the kasync_sock, and one that had loaded our
 *     function pointer before the restore finds sk_user_data empty and
 *     calls the now restored original.  A listener's sk_user_data is
 *     tagged SK_USER_DATA_NOCOPY, so a child socket cloned from it starts
 *     with none: the copied callbacks of a connection not yet accepted call
 *     nothing (its socket has no wait queue), and accept installs fresh
 *     ones, saving the listener's originals.
 *
 * R.  Release.  sock_release() takes the socket lock and may sleep, which
 *     a drop callback must not do, so kasync_sock_close() restores the
 *     callbacks at once and queues the release on the default runtime's
 *     workqueue, which kasync's exit destroys, and so drains, before
 *     kasync.ko goes (ordering rule 6 of rules.h).  Every socket holds
 *     a reference on its namespace, as a user-space socket does
 *     (sk_net_refcnt, taken at creation; an accepted one inherits it from
 *     its listener), until the kernel frees the sock.  That keeps TCP's
 *     timers running after the release: a FIN or the tail of the data
 *     lost on the way is retransmitted, and the orphan finishes closing
 *     on its own, after kasync.ko is gone if need be.  (The kernel stops
 *     the timers of a closed socket without the reference.)
 * ========================================================================
 */
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include <kasync.h>

#include "compat.h"
#include "fail.h"
#include "misuse.h"
#include "rt.h"
#include "task_access.h"

/* Tries of one operation in one poll before it yields (a busy socket). */
#define KS_TRIES	4

/* Largest transfer of one socket call (sock_sendmsg() returns an int). */
#define KS_MAX_IO	((size_t)INT_MAX & PAGE_MASK)

/* The socket callbacks kasync replaces. */
struct ks_callbacks {
	void (*data_ready)(struct sock *sk);
	void (*write_space)(struct sock *sk);
	void (*state_change)(struct sock *sk);
	void (*error_report)(struct sock *sk);
};

/*
 * struct kasync_sock - a kernel socket with kasync's callbacks
 */
struct kasync_sock {
	struct socket *sock;			/* I */
	struct wait_queue_head wq;		/* Q */
	atomic_t rx_events;			/* A: rule N1 */
	atomic_t tx_events;			/* A: rule N1 */
	union {
		struct ks_callbacks cb;		/* K */
		struct work_struct release;	/* after close: rule N3 */
	};
};

/* Small, for 10,000 connections: kmalloc-96 without lock debugging. */
static_assert(IS_ENABLED(CONFIG_LOCKDEP) || IS_ENABLED(CONFIG_DEBUG_SPINLOCK) ||
	      sizeof(struct kasync_sock) <= 96);

/* Which counts an event moves. */
#define KS_EV_RX	0x1u
#define KS_EV_TX	0x2u

/* What an operation does; one try at a time is made by ks_try(). */
enum ks_kind {
	KS_ACCEPT,
	KS_CONNECT,
	KS_RECV,
	KS_RECVFROM,
	KS_SEND,
	KS_SEND_ALL,
	KS_SENDTO,
	KS_READABLE,
};

/* The arguments of one call of an await, for its tries. */
struct ks_args {
	enum ks_kind kind;
	void *buf;
	size_t len;
	struct sockaddr *addr;		/* connect, sendto: peer; recvfrom: out */
	int addrlen;
	struct kasync_sock **newks;
};

/* Outcome of one try. */
enum ks_step {
	KS_FINISHED,	/* the result is final */
	KS_AGAIN,	/* would block: wait for an event */
	KS_MORE,	/* made progress, not finished: try again now */
};

/* ---- callbacks ----------------------------------------------------------- */

static void ks_data_ready(struct sock *sk);
static void ks_write_space(struct sock *sk);
static void ks_state_change(struct sock *sk);
static void ks_error_report(struct sock *sk);

/* The socket's kasync_sock, or NULL (rule N3). */
static struct kasync_sock *ks_of(struct sock *sk)
{
	uintptr_t p;

	p = (uintptr_t)rcu_dereference_protected(__sk_user_data(sk),
						 lockdep_is_held(&sk->sk_callback_lock));
	return (struct kasync_sock *)(p & SK_USER_DATA_PTRMASK);
}

/* Count an event and wake the socket's waiters. */
static void ks_event(struct kasync_sock *ks, unsigned int which)
{
	/* Rule N1: the socket change the event reports, then the count. */
	smp_mb__before_atomic();
	if (which & KS_EV_RX)
		atomic_inc(&ks->rx_events);
	if (which & KS_EV_TX)
		atomic_inc(&ks->tx_events);
	/* Rule N2: pairs with kasync_wait_arm()'s smp_mb() (rule W2). */
	smp_mb__after_atomic();
	/* Rule N2: an entry queued before that barrier is seen here. */
	if (waitqueue_active(&ks->wq))
		wake_up(&ks->wq);
}

/*
 * Can a send make progress?  What the original write_space tests, and for
 * TCP only once connected (a send before that waits for the state change).
 */
static bool ks_writable(struct sock *sk)
{
	if (sk->sk_type != SOCK_STREAM)
		return sock_writeable(sk);
	return ((1 << READ_ONCE(sk->sk_state)) &
		(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
	       __sk_stream_is_writeable(sk, 1);
}

/*
 * Each callback: under the read lock (rule N3), the original, then the
 * event.  Without a kasync_sock (a child not yet accepted, or a call that
 * raced with close) the callback passes the event to what sk now holds,
 * unless that is this very function (the child's copy).
 */
static void ks_data_ready(struct sock *sk)
{
	struct kasync_sock *ks;
	void (*fn)(struct sock *sk);

	read_lock_bh(&sk->sk_callback_lock);
	ks = ks_of(sk);
	if (likely(ks)) {
		ks->cb.data_ready(sk);
		ks_event(ks, KS_EV_RX);
	} else {
		fn = READ_ONCE(sk->sk_data_ready);
		if (fn != ks_data_ready)
			fn(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void ks_write_space(struct sock *sk)
{
	struct kasync_sock *ks;
	void (*fn)(struct sock *sk);

	read_lock_bh(&sk->sk_callback_lock);
	ks = ks_of(sk);
	if (likely(ks)) {
		ks->cb.write_space(sk);
		/* The original wakes writers only past this threshold too. */
		if (ks_writable(sk))
			ks_event(ks, KS_EV_TX);
	} else {
		fn = READ_ONCE(sk->sk_write_space);
		if (fn != ks_write_space)
			fn(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void ks_state_change(struct sock *sk)
{
	struct kasync_sock *ks;
	void (*fn)(struct sock *sk);

	read_lock_bh(&sk->sk_callback_lock);
	ks = ks_of(sk);
	if (likely(ks)) {
		ks->cb.state_change(sk);
		ks_event(ks, KS_EV_RX | KS_EV_TX);
	} else {
		fn = READ_ONCE(sk->sk_state_change);
		if (fn != ks_state_change)
			fn(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void ks_error_report(struct sock *sk)
{
	struct kasync_sock *ks;
	void (*fn)(struct sock *sk);

	read_lock_bh(&sk->sk_callback_lock);
	ks = ks_of(sk);
	if (likely(ks)) {
		ks->cb.error_report(sk);
		ks_event(ks, KS_EV_RX | KS_EV_TX);
	} else {
		fn = READ_ONCE(sk->sk_error_report);
		if (fn != ks_error_report)
			fn(sk);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Install kasync's callbacks on @ks's socket.  @parent is the listener an
 * accepted socket was cloned from: its callbacks are ours already (a
 * clone's copy), and the originals to chain to are the listener's (rule
 * N3).
 */
static int ks_install(struct kasync_sock *ks, struct kasync_sock *parent)
{
	static const struct ks_callbacks none;
	const struct ks_callbacks *inh = parent ? &parent->cb : &none;
	struct sock *sk = ks->sock->sk;
	struct ks_callbacks *cb = &ks->cb;
	int err = 0;

	write_lock_bh(&sk->sk_callback_lock);
	cb->data_ready = sk->sk_data_ready != ks_data_ready ?
			sk->sk_data_ready : inh->data_ready;
	cb->write_space = sk->sk_write_space != ks_write_space ?
			sk->sk_write_space : inh->write_space;
	cb->state_change = sk->sk_state_change != ks_state_change ?
			sk->sk_state_change : inh->state_change;
	cb->error_report = sk->sk_error_report != ks_error_report ?
			sk->sk_error_report : inh->error_report;
	if (WARN_ON_ONCE(!cb->data_ready || !cb->write_space ||
			 !cb->state_change || !cb->error_report ||
			 rcu_access_pointer(__sk_user_data(sk)))) {
		err = -EBUSY;
		goto unlock;
	}
	/* Rule N3: not inherited by the children of a listener. */
	__rcu_assign_sk_user_data_with_flags(sk, ks, SK_USER_DATA_NOCOPY);
	WRITE_ONCE(sk->sk_data_ready, ks_data_ready);
	WRITE_ONCE(sk->sk_write_space, ks_write_space);
	WRITE_ONCE(sk->sk_state_change, ks_state_change);
	WRITE_ONCE(sk->sk_error_report, ks_error_report);
unlock:
	write_unlock_bh(&sk->sk_callback_lock);
	return err;
}

/* Put the originals back; afterwards no callback touches @ks (rule N3). */
static void ks_restore(struct kasync_sock *ks)
{
	struct sock *sk = ks->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_pointer(__sk_user_data(sk), NULL);
	WRITE_ONCE(sk->sk_data_ready, ks->cb.data_ready);
	WRITE_ONCE(sk->sk_write_space, ks->cb.write_space);
	WRITE_ONCE(sk->sk_state_change, ks->cb.state_change);
	WRITE_ONCE(sk->sk_error_report, ks->cb.error_report);
	write_unlock_bh(&sk->sk_callback_lock);
}

/* ---- creation and release ------------------------------------------------ */

/* Release a closed socket and free @ks; may sleep. */
static void ks_release(struct kasync_sock *ks)
{
	sock_release(ks->sock);
	kfree(ks);
}

static void ks_release_work(struct work_struct *work)
{
	ks_release(container_of(work, struct kasync_sock, release));
}

/*
 * Wrap @sock (which holds a reference on its namespace: rule R) and
 * install the callbacks.  On failure @sock is left to the caller.
 */
static struct kasync_sock *ks_wrap(struct socket *sock,
				   struct kasync_sock *parent, int *err)
{
	struct kasync_sock *ks;

	ks = kasync_kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks) {
		*err = -ENOMEM;
		return NULL;
	}
	ks->sock = sock;
	init_waitqueue_head(&ks->wq);
	/* Sends from polls must not sleep in reclaim (as nvme-tcp does). */
	sock->sk->sk_allocation = GFP_ATOMIC;
	*err = ks_install(ks, parent);
	if (*err) {
		kfree(ks);
		return NULL;
	}
	return ks;
}

/**
 * kasync_sock_create - create a TCP or UDP socket for tasks
 * @net: network namespace, or %NULL for &init_net
 * @family: %AF_INET or %AF_INET6
 * @type: %SOCK_STREAM (TCP) or %SOCK_DGRAM (UDP)
 * @protocol: 0, or %IPPROTO_TCP / %IPPROTO_UDP matching @type
 *
 * Creates a kernel socket in @net and installs kasync's callbacks.  Like
 * a user-space socket, it holds a reference on @net until the kernel
 * frees it, which for TCP is after kasync_sock_close() and after the
 * connection finished closing (TCP keeps retransmitting a FIN or data the
 * peer has not acknowledged): close every socket before expecting the
 * namespace to go away (a pernet exit method runs only once the last
 * reference is gone, too late for that).  Sends
 * allocate with %GFP_ATOMIC, so that awaits never sleep in reclaim.
 *
 * Context: process context; may sleep.
 * Return: the socket, or an ERR_PTR(): -EAFNOSUPPORT for another family;
 * -ESOCKTNOSUPPORT for another type; -EPROTONOSUPPORT for another
 * protocol; -ESHUTDOWN if @net is being dismantled; -ENOMEM; or an error
 * of sock_create_kern().
 */
struct kasync_sock *kasync_sock_create(struct net *net, int family, int type,
				       int protocol)
{
	struct kasync_sock *ks;
	struct socket *sock;
	int err;

	might_sleep();
	if (family != AF_INET && family != AF_INET6)
		return ERR_PTR(-EAFNOSUPPORT);
	if (type == SOCK_STREAM && (!protocol || protocol == IPPROTO_TCP))
		protocol = IPPROTO_TCP;
	else if (type == SOCK_DGRAM && (!protocol || protocol == IPPROTO_UDP))
		protocol = IPPROTO_UDP;
	else if (type == SOCK_STREAM || type == SOCK_DGRAM)
		return ERR_PTR(-EPROTONOSUPPORT);
	else
		return ERR_PTR(-ESOCKTNOSUPPORT);

	/* Ours until the socket holds its own: not one being dismantled. */
	net = maybe_get_net(net ?: &init_net);
	if (!net)
		return ERR_PTR(-ESHUTDOWN);
	err = sock_create_kern(net, family, type, protocol, &sock);
	if (err)
		goto put_net;
	/* Rule R: a user-space socket's reference, and so its timers. */
	kasync_sk_hold_net(sock->sk);
	ks = ks_wrap(sock, NULL, &err);
	if (!ks)
		goto release;
	put_net(net);
	return ks;

release:
	sock_release(sock);
put_net:
	put_net(net);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(kasync_sock_create);

/**
 * kasync_sock_close - close a socket: callbacks restored now, released soon
 * @ks: the socket; %NULL is ignored, so drop callbacks can close
 *	unconditionally
 *
 * Puts the socket's original callbacks back, which waits for a callback
 * running on another CPU, so that on return no socket event reaches @ks.
 * The release proper (sock_release(), which sends the FIN, or the RST of
 * a socket set to linger 0, and may sleep) runs soon after on kasync's
 * workqueue; @ks is freed there.  No task may be awaiting @ks and no
 * other thread may use it any more: shut it down and let them finish
 * first.  A socket that a task still awaits is reported once and left
 * open (leaked rather than freed under the waiter).  Closing twice is a
 * use after free.
 *
 * Context: any but hard IRQ (takes the socket's callback lock with BHs
 * disabled); does not sleep, so polls and drop callbacks may call it.
 */
void kasync_sock_close(struct kasync_sock *ks)
{
	unsigned long flags;
	bool waited;

	if (!ks)
		return;
	ks_restore(ks);
	spin_lock_irqsave(&ks->wq.lock, flags);
	/* Under the lock: an entry being added or removed is seen whole. */
	waited = waitqueue_active(&ks->wq);
	spin_unlock_irqrestore(&ks->wq.lock, flags);
	if (kasync_misuse(waited, "of a socket that a task awaits"))
		return;
	/*
	 * Rule R: the default runtime's workqueue is drained when kasync.ko
	 * exits.  It is gone only in kasync's own exit, whose drops may
	 * release at once: that is process context anyway.
	 */
	INIT_WORK(&ks->release, ks_release_work);
	if (!kasync_defer(&ks->release))
		ks_release(ks);
}
EXPORT_SYMBOL_GPL(kasync_sock_close);

/* An address the socket calls can take (they copy up to addrlen bytes). */
static bool ks_addr_ok(const struct sockaddr *addr, int addrlen)
{
	return addrlen >= (int)sizeof(addr->sa_family) &&
	       addrlen <= (int)sizeof(struct sockaddr_storage);
}

/**
 * kasync_sock_bind - bind a socket to a local address
 * @ks: the socket
 * @addr: a &struct sockaddr_in or &struct sockaddr_in6; port 0 picks one
 *	(read it back with kasync_sock_local_addr())
 * @addrlen: its length
 *
 * TCP sockets get %SO_REUSEADDR first, as servers want: a listener can
 * be bound again while connections of its previous life sit in TIME_WAIT.
 *
 * Context: process context or a poll function; may sleep briefly (takes
 * the socket lock).
 * Return: 0; -EINVAL for a bad @addrlen (misuse: warns once at the call
 * site); or the error of bind(2) (-EADDRINUSE, -EADDRNOTAVAIL, ...).
 */
int kasync_sock_bind(struct kasync_sock *ks, const struct sockaddr *addr,
		     int addrlen)
{
	struct sockaddr_storage ss;

	if (kasync_misuse(!ks_addr_ok(addr, addrlen),
			  "with address length %d", addrlen))
		return -EINVAL;
	memcpy(&ss, addr, addrlen);
	if (ks->sock->type == SOCK_STREAM)
		sock_set_reuseaddr(ks->sock->sk);
	return kernel_bind(ks->sock, (struct sockaddr *)&ss, addrlen);
}
EXPORT_SYMBOL_GPL(kasync_sock_bind);

/**
 * kasync_sock_listen - make a bound TCP socket accept connections
 * @ks: the socket
 * @backlog: length of the queue of connections not yet accepted (capped
 *	by net.core.somaxconn)
 *
 * Await connections with kasync_sock_accept().
 *
 * Context: process context or a poll function; may sleep briefly.
 * Return: 0; -EOPNOTSUPP for a UDP socket; or the error of listen(2).
 */
int kasync_sock_listen(struct kasync_sock *ks, int backlog)
{
	if (ks->sock->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	return kernel_listen(ks->sock, backlog);
}
EXPORT_SYMBOL_GPL(kasync_sock_listen);

/**
 * kasync_sock_shutdown - shut down one or both directions of a socket
 * @ks: the socket
 * @how: %SHUT_RD, %SHUT_WR or %SHUT_RDWR
 *
 * %SHUT_WR sends a FIN after the queued data: the peer reads EOF and can
 * still send.  Tasks awaiting the socket are woken: receives return 0
 * (EOF) after %SHUT_RD, sends fail with -EPIPE after %SHUT_WR, and an
 * accept on a listener shut down with %SHUT_RD fails with -EINVAL, which
 * is how a server stops its accept loop.
 *
 * Context: process context or a poll function; may sleep briefly.
 * Return: 0; -EINVAL for a bad @how (misuse: warns once at the call
 * site); -ENOTCONN if the socket is not connected (or listening).
 */
int kasync_sock_shutdown(struct kasync_sock *ks, int how)
{
	if (kasync_misuse(how != SHUT_RD && how != SHUT_WR &&
			  how != SHUT_RDWR, "with how = %d", how))
		return -EINVAL;
	return kernel_sock_shutdown(ks->sock, how);
}
EXPORT_SYMBOL_GPL(kasync_sock_shutdown);

/**
 * kasync_sock_local_addr - the address a socket is bound to
 * @ks: the socket
 * @addr: where the address goes
 *
 * Context: process context or a poll function.
 * Return: the length of the address.
 */
int kasync_sock_local_addr(struct kasync_sock *ks,
			   struct sockaddr_storage *addr)
{
	return kernel_getsockname(ks->sock, (struct sockaddr *)addr);
}
EXPORT_SYMBOL_GPL(kasync_sock_local_addr);

/**
 * kasync_sock_peer_addr - the address a socket is connected to
 * @ks: the socket
 * @addr: where the address goes
 *
 * Context: process context or a poll function.
 * Return: the length of the address; -ENOTCONN if the socket is not
 * connected.
 */
int kasync_sock_peer_addr(struct kasync_sock *ks,
			  struct sockaddr_storage *addr)
{
	return kernel_getpeername(ks->sock, (struct sockaddr *)addr);
}
EXPORT_SYMBOL_GPL(kasync_sock_peer_addr);

/**
 * kasync_sock_socket - the kernel socket, for socket options
 * @ks: the socket
 *
 * For options kasync has no call for: sock_set_keepalive(),
 * tcp_sock_set_nodelay(), sock_setsockopt() with KERNEL_SOCKPTR(), ...
 * The socket's callbacks and sk_user_data belong to kasync, and it must
 * not be released other than by kasync_sock_close().
 *
 * Context: any.
 * Return: the socket.
 */
struct socket *kasync_sock_socket(struct kasync_sock *ks)
{
	return ks->sock;
}
EXPORT_SYMBOL_GPL(kasync_sock_socket);

/* ---- awaits -------------------------------------------------------------- */

static bool ks_is_rx(enum ks_kind kind)
{
	return kind == KS_ACCEPT || kind == KS_RECV || kind == KS_RECVFROM ||
	       kind == KS_READABLE;
}

static bool ks_is_send(enum ks_kind kind)
{
	return kind == KS_SEND || kind == KS_SEND_ALL || kind == KS_SENDTO;
}

/* The count of the events @kind waits for (rule N1). */
static u32 ks_events(struct kasync_sock *ks, enum ks_kind kind)
{
	return atomic_read_acquire(ks_is_rx(kind) ? &ks->rx_events :
				   &ks->tx_events);
}

/*
 * The wait condition: an event came since the last try.  Sends also go
 * on when the socket is writable, which is true after a try that failed
 * for want of memory rather than space; the tries then yield in between
 * (KS_TRIES), as a user-space sender polling for POLLOUT would spin.
 */
static bool ks_ready(struct kasync_sock *ks, struct kasync_sock_op *op,
		     enum ks_kind kind)
{
	if (ks_events(ks, kind) != op->seq)
		return true;
	return ks_is_send(kind) && ks_writable(ks->sock->sk);
}

static int ks_accept_once(struct kasync_sock *ks, struct kasync_sock **newks)
{
	struct sock *sk = ks->sock->sk;
	struct socket *nsock;
	struct kasync_sock *nks;
	int err;

	if (READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return -EINVAL;
	/* kernel_accept() allocates a socket even when nothing is queued. */
	if (reqsk_queue_empty(&inet_csk(sk)->icsk_accept_queue))
		return -EAGAIN;
	err = kernel_accept(ks->sock, &nsock, O_NONBLOCK);
	if (err)
		return err;
	/* Rule R: the clone of our listener holds its namespace already. */
	WARN_ON_ONCE(!nsock->sk->sk_net_refcnt);
	nks = ks_wrap(nsock, ks, &err);
	if (!nks) {
		sock_release(nsock);
		return err;
	}
	*newks = nks;
	return 0;
}

static int ks_sendmsg(struct kasync_sock *ks, const void *buf, size_t len,
		      struct sockaddr *to, int tolen)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = to,
		.msg_namelen = to ? tolen : 0,
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};

	return kernel_sendmsg(ks->sock, &msg, &iov, 1, len);
}

static int ks_recvmsg(struct kasync_sock *ks, void *buf, size_t len,
		      struct sockaddr *from)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = from };

	return kernel_recvmsg(ks->sock, &msg, &iov, 1, len, MSG_DONTWAIT);
}

/*
 * Would a receive find something: data, the peer's EOF or an error?  What
 * poll(2) reports as readable, read without the socket lock.  The
 * protocols' poll methods take no poll table here, so they queue nothing,
 * but udp_poll() reads its (absent: kernel socket) file to decide whether
 * to re-check checksums, so UDP gets datagram_poll() and its second,
 * reader-side queue, which __skb_recv_udp() fills from the first.  A
 * datagram with a bad checksum counts as readable; the receive then
 * drops it and waits again.
 */
static bool ks_readable(struct socket *sock)
{
	const __poll_t in = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
	struct sock *sk = sock->sk;

	if (sk->sk_type == SOCK_STREAM)
		return sock->ops->poll(NULL, sock, NULL) & in;
	return (datagram_poll(NULL, sock, NULL) & in) ||
	       !skb_queue_empty_lockless(&udp_sk(sk)->reader_queue);
}

/*
 * Is there surely nothing for a receive, on a connected TCP socket or a
 * UDP one, where poll(2)'s "not readable" is a receive's -EAGAIN?  A
 * failed TCP receive takes and releases the socket lock, a look at the
 * sequence numbers takes nothing; and the receive after a send (a
 * request's answer, a client's next request) mostly finds nothing yet.
 */
static bool ks_rx_empty(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (sk->sk_type == SOCK_STREAM &&
	    READ_ONCE(sk->sk_state) != TCP_ESTABLISHED)
		return false;	/* let recvmsg() say what it means */
	return !ks_readable(sock);
}

/* Try @a once; a final result goes to *@res. */
static enum ks_step ks_try(struct kasync_sock *ks, struct kasync_sock_op *op,
			   const struct ks_args *a, long *res)
{
	size_t len = min(a->len, KS_MAX_IO);
	int r;

	switch (a->kind) {
	case KS_ACCEPT:
		r = ks_accept_once(ks, a->newks);
		break;
	case KS_CONNECT:
		r = kernel_connect(ks->sock, a->addr, a->addrlen, O_NONBLOCK);
		/* In progress: -EINPROGRESS at first, -EALREADY later. */
		if (r == -EINPROGRESS || r == -EALREADY)
			r = -EAGAIN;
		break;
	case KS_RECV:
	case KS_RECVFROM:
		r = ks_recvmsg(ks, a->buf, len, a->addr);
		break;
	case KS_SEND:
		r = ks_sendmsg(ks, a->buf, len, NULL, 0);
		break;
	case KS_SENDTO:
		r = ks_sendmsg(ks, a->buf, len, a->addr, a->addrlen);
		break;
	case KS_READABLE:
		r = ks_readable(ks->sock) ? 0 : -EAGAIN;
		break;
	case KS_SEND_ALL:
		len = min(a->len - op->done, KS_MAX_IO);
		r = ks_sendmsg(ks, a->buf + op->done, len, NULL, 0);
		if (r <= 0)
			break;
		op->done += r;
		if (op->done == a->len) {
			*res = a->len;
			return KS_FINISHED;
		}
		/* A short send ran out of space: no need to try at once. */
		return r < len ? KS_AGAIN : KS_MORE;
	default:
		r = -EINVAL;
	}
	if (r == -EAGAIN)
		return KS_AGAIN;
	*res = r;
	return KS_FINISHED;
}

/*
 * The loop of every await: wait for an event if the last try would have
 * blocked, snapshot the count, try; at most KS_TRIES tries per poll.
 */
static enum kasync_poll ks_drive(struct kasync_task *t,
				 struct kasync_sock *ks,
				 struct kasync_sock_op *op,
				 const struct ks_args *a, long *res)
{
	bool fresh = !op->started;
	enum ks_step step;
	unsigned int n;

	if (fresh) {
		op->started = true;
		op->blocked = false;
		op->done = 0;
	}
	for (n = 0; n < KS_TRIES; n++) {
		/* Recorded first: the wait queue under it is a detail. */
		if (op->blocked)
			kasync_task_waits(t, KASYNC_WAIT_SOCKET);
		if (op->blocked &&
		    __kasync_wait_cond(t, &op->w, &ks->wq, false,
				       ks_ready(ks, op, a->kind)) != KASYNC_READY)
			return kt_pending(t, KASYNC_WAIT_SOCKET);
		op->blocked = false;
		/* A try that can succeed spends from the budget: see below. */
		if (!kasync_coop_proceed(t)) {
			if (fresh)	/* not begun: the next poll begins it */
				op->started = false;
			return kt_pending(t, KASYNC_WAIT_SOCKET);
		}
		/* Rule N1: the snapshot comes before the try (or the look). */
		op->seq = ks_events(ks, a->kind);
		/*
		 * A fresh receive looks before it tries; one woken by an
		 * event tries at once, as the event mostly brought data.
		 */
		if (fresh && (a->kind == KS_RECV || a->kind == KS_RECVFROM) &&
		    ks_rx_empty(ks->sock))
			step = KS_AGAIN;
		else
			step = ks_try(ks, op, a, res);
		fresh = false;
		/*
		 * The cooperative budget: every try that moved data (or a
		 * connection, or found the socket readable) is charged, so
		 * a peer that keeps the socket ready cannot keep the task
		 * in its poll.
		 */
		if (step != KS_AGAIN)
			kasync_coop_charge(t);
		if (step == KS_FINISHED) {
			op->started = false;
			return KASYNC_READY;
		}
		op->blocked = step == KS_AGAIN;
	}
	/* Busy: let the other tasks run, then come back (the wait is off). */
	kasync_wake(t);
	return kt_pending(t, KASYNC_WAIT_SOCKET);
}

/*
 * The body of the data awaits (recv, recvfrom, send, send_all, sendto):
 * @bad is the await's own misuse check (a length out of range); a send of
 * nothing finishes at once (an empty datagram is sent); else drive @a,
 * which sets *@res only when it reports READY.
 */
static enum kasync_poll ks_await_io(struct kasync_task *t,
				    struct kasync_sock *ks,
				    struct kasync_sock_op *op,
				    const struct ks_args *a, bool bad,
				    long *res, const char *fn)
{
	if (__kasync_misuse(bad, fn, "with a bad length")) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	if (!a->len && (a->kind == KS_SEND || a->kind == KS_SEND_ALL)) {
		op->done = 0;	/* as ks_drive() starts it */
		*res = 0;
		return KASYNC_READY;
	}
	return ks_drive(t, ks, op, a, res);
}

/**
 * kasync_sock_accept - await a connection on a listening TCP socket
 * @task: the task being polled
 * @ks: the listener (kasync_sock_listen())
 * @op: the operation's state, in the task's state
 * @newks: where the accepted connection goes; the task owns it and must
 *	kasync_sock_close() it
 * @res: the result, set only when this reports %KASYNC_READY: 0 once
 *	*@newks is set, or -errno
 *
 * For KASYNC_AWAIT().  Every accepting task is woken for a new connection
 * (no exclusive wake-ups); one of them gets it, the others wait again.
 * The new socket has kasync's callbacks and holds its own reference on
 * the namespace.  Aborting the task leaves nothing queued; a connection
 * accepted by an earlier poll is in *@newks already.
 *
 * Context: the task's poll function; may sleep briefly (socket lock,
 * %GFP_KERNEL allocation of the new socket).
 * Return: %KASYNC_READY with *@res set: 0; -EINVAL for a socket that is
 * not listening (also after kasync_sock_shutdown()
 * with %SHUT_RD); -EOPNOTSUPP for a UDP socket; -ENOMEM; or an error of
 * accept(2).  %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_accept(struct kasync_task *task,
				    struct kasync_sock *ks,
				    struct kasync_sock_op *op,
				    struct kasync_sock **newks, long *res)
{
	struct ks_args a = { .kind = KS_ACCEPT, .newks = newks };

	if (ks->sock->type != SOCK_STREAM) {
		*res = -EOPNOTSUPP;
		return KASYNC_READY;
	}
	return ks_drive(task, ks, op, &a, res);
}
EXPORT_SYMBOL_GPL(kasync_sock_accept);

/* Abandon a connect in progress, so that the socket can connect again. */
static void ks_connect_dissolve(struct kasync_sock *ks)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	kernel_connect(ks->sock, &unspec, sizeof(unspec), 0);
}

/**
 * kasync_sock_connect - await a connection to a peer, with a time limit
 * @task: the task being polled
 * @ks: the socket
 * @c: the operation's state, in the task's state
 * @addr: the peer (for UDP: the default destination and only source);
 *	read on every poll until the await ends: keep it in the state
 * @addrlen: its length
 * @timeout_ns: time limit, from the first poll that has to wait;
 *	%KASYNC_NO_TIMEOUT for none, which arms no timer (TCP's own SYN
 *	retries still end in -ETIMEDOUT after about two minutes); 0 runs
 *	out as soon as the connect has to wait
 * @res: the result, set only when this reports %KASYNC_READY: 0 once
 *	connected, or -errno
 *
 * For KASYNC_AWAIT().  When the time limit runs out, the attempt is
 * abandoned (as connect(2) with %AF_UNSPEC does): the socket can connect
 * again, or be closed.  Aborting the task cancels the timer and leaves
 * nothing queued; closing the socket then ends the attempt.
 *
 * Context: the task's poll function; may sleep briefly (socket lock).
 * Return: %KASYNC_READY with *@res set: 0; -ETIMEDOUT (the time limit or
 * TCP's retries ran out); -ECONNREFUSED; -ENETUNREACH, -EHOSTUNREACH;
 * -EISCONN; -EINVAL for a bad @addrlen (misuse: warns once at the call
 * site); or another
 * error of connect(2).  %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_connect(struct kasync_task *task,
				     struct kasync_sock *ks,
				     struct kasync_sock_connect *c,
				     const struct sockaddr *addr, int addrlen,
				     u64 timeout_ns, long *res)
{
	struct ks_args a = {
		.kind = KS_CONNECT,
		.addr = (struct sockaddr *)addr,
		.addrlen = addrlen,
	};

	if (kasync_misuse(!ks_addr_ok(addr, addrlen),
			  "with address length %d", addrlen)) {
		*res = -EINVAL;
		return KASYNC_READY;
	}
	if (ks_drive(task, ks, &c->op, &a, res) == KASYNC_READY) {
		if (kasync_timer_armed(&c->tm))
			kasync_timer_cancel(task, &c->tm);
		return KASYNC_READY;
	}
	/* The first poll that has to wait starts the clock. */
	if (!kasync_timer_armed(&c->tm)) {
		kasync_timeout_start(task, &c->tm, timeout_ns);
		return kt_pending(task, KASYNC_WAIT_SOCKET);
	}
	if (!kasync_timer_expired(&c->tm))
		return kt_pending(task, KASYNC_WAIT_SOCKET);
	kasync_sock_connect_cancel(task, ks, c);
	*res = -ETIMEDOUT;
	return KASYNC_READY;
}
EXPORT_SYMBOL_GPL(kasync_sock_connect);

/**
 * kasync_sock_recv - await data on a connected socket
 * @task: the task being polled
 * @ks: the socket
 * @op: the operation's state, in the task's state
 * @buf: where the data goes; at least @len bytes, until the await ends
 * @len: the most to receive; more than 2 GiB is received in parts
 * @res: the result, set only when this reports %KASYNC_READY: bytes
 *	received (1 to @len), 0 at end of stream (the peer shut down its
 *	sending side, or this side was shut down for reading), or -errno
 *
 * For KASYNC_AWAIT().  Finishes as soon as some data is there.  For UDP,
 * receives one datagram (the rest of a longer one is dropped).
 * Aborting the task leaves nothing queued.
 *
 * Context: the task's poll function; may sleep briefly (socket lock).
 * Return: %KASYNC_READY with *@res set, errors being -ECONNRESET (the
 * peer reset the connection), -ETIMEDOUT (TCP gave up retransmitting),
 * -ENOTCONN, -EINVAL for a @len of 0 (misuse: warns once at the call site), or another
 * error of recvmsg(2); %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_recv(struct kasync_task *task,
				  struct kasync_sock *ks,
				  struct kasync_sock_op *op, void *buf,
				  size_t len, long *res)
{
	struct ks_args a = { .kind = KS_RECV, .buf = buf, .len = len };

	return ks_await_io(task, ks, op, &a, !len, res, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sock_recv);

/**
 * kasync_sock_readable - await data to receive, without a buffer
 * @task: the task being polled
 * @ks: the socket
 * @op: the operation's state, in the task's state
 * @res: the result, set only when this reports %KASYNC_READY: 0 once a
 *	receive would not block, or -EINVAL
 *
 * For KASYNC_AWAIT().  Finishes when data, the peer's EOF or an error is
 * there (what poll(2) reports as readable), so that the receive that
 * follows does not block.  A task that waits long for little data, such
 * as a server's idle connection, needs no receive buffer meanwhile: it
 * can allocate one when this finishes and free it once the data is
 * handled.  A listening socket is readable when a connection is queued.
 * Aborting the task leaves nothing queued.
 *
 * Context: the task's poll function.
 * Return: %KASYNC_READY with *@res set to 0; %KASYNC_PENDING otherwise,
 * *@res untouched.
 */
enum kasync_poll kasync_sock_readable(struct kasync_task *task,
				      struct kasync_sock *ks,
				      struct kasync_sock_op *op, long *res)
{
	struct ks_args a = { .kind = KS_READABLE };

	return ks_drive(task, ks, op, &a, res);
}
EXPORT_SYMBOL_GPL(kasync_sock_readable);

/**
 * kasync_sock_recvfrom - await a datagram and its sender
 * @task: the task being polled
 * @ks: the socket (UDP, bound or connected)
 * @op: the operation's state, in the task's state
 * @buf: where the datagram goes, until the await ends
 * @len: its size; the rest of a longer datagram is dropped
 * @from: where the sender's address goes, or %NULL
 * @res: the result, set only when this reports %KASYNC_READY: bytes
 *	received, or -errno
 *
 * For KASYNC_AWAIT().  Aborting the task leaves nothing queued.
 *
 * Context: the task's poll function; may sleep briefly.
 * Return: %KASYNC_READY with *@res set, errors being -ECONNREFUSED (an
 * ICMP error for an earlier datagram of a connected socket), -EINVAL for
 * a @len of 0 (misuse: warns once at the call site), or another error
 * of recvfrom(2);
 * %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_recvfrom(struct kasync_task *task,
				      struct kasync_sock *ks,
				      struct kasync_sock_op *op, void *buf,
				      size_t len,
				      struct sockaddr_storage *from,
				      long *res)
{
	struct ks_args a = {
		.kind = KS_RECVFROM,
		.buf = buf,
		.len = len,
		.addr = (struct sockaddr *)from,
	};

	return ks_await_io(task, ks, op, &a, !len, res, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sock_recvfrom);

/**
 * kasync_sock_send - await sending some of a buffer
 * @task: the task being polled
 * @ks: the socket
 * @op: the operation's state, in the task's state
 * @buf: the data; stays untouched until the await ends
 * @len: its length; 0 finishes at once
 * @res: the result, set only when this reports %KASYNC_READY: bytes sent
 *	(1 to @len: as much as fitted; 0 for a @len of 0), or -errno
 *
 * For KASYNC_AWAIT().  Waits until the socket has send space (the peer
 * reading and acknowledging is what frees it: backpressure), then sends
 * what fits.  Aborting the task leaves nothing queued.
 *
 * Context: the task's poll function; may sleep briefly.
 * Return: %KASYNC_READY with *@res set, errors being -EPIPE (this side
 * was shut down for writing, or the connection is gone), -ECONNRESET,
 * -ETIMEDOUT, -ENOTCONN, or another error of sendmsg(2); %KASYNC_PENDING
 * otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_send(struct kasync_task *task,
				  struct kasync_sock *ks,
				  struct kasync_sock_op *op, const void *buf,
				  size_t len, long *res)
{
	struct ks_args a = { .kind = KS_SEND, .buf = (void *)buf, .len = len };

	return ks_await_io(task, ks, op, &a, false, res, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sock_send);

/**
 * kasync_sock_send_all - await sending a whole buffer
 * @task: the task being polled
 * @ks: the socket (TCP)
 * @op: the operation's state, in the task's state; @op->done counts the
 *	bytes sent so far, and after an error how many went out
 * @buf: the data; stays untouched until the await ends
 * @len: its length; 0 finishes at once
 * @res: the result, set only when this reports %KASYNC_READY: @len once
 *	everything was sent, or -errno (@op->done tells how much went out)
 *
 * For KASYNC_AWAIT().  Sends as much as fits, waits for send space, and
 * so on until all of @buf is queued on the socket (not necessarily
 * acknowledged by the peer).  Aborting the task leaves nothing queued;
 * part of the data may have been sent.
 *
 * Context: the task's poll function; may sleep briefly.
 * Return: %KASYNC_READY with *@res set, errors as for kasync_sock_send();
 * %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_send_all(struct kasync_task *task,
				      struct kasync_sock *ks,
				      struct kasync_sock_op *op,
				      const void *buf, size_t len,
				      long *res)
{
	struct ks_args a = {
		.kind = KS_SEND_ALL,
		.buf = (void *)buf,
		.len = len,
	};

	return ks_await_io(task, ks, op, &a, false, res, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sock_send_all);

/**
 * kasync_sock_sendto - await sending a datagram
 * @task: the task being polled
 * @ks: the socket (UDP)
 * @op: the operation's state, in the task's state
 * @buf: the datagram; stays untouched until the await ends
 * @len: its length
 * @to: the destination, or %NULL for a connected socket's peer; read on
 *	every poll until the await ends
 * @tolen: its length
 * @res: the result, set only when this reports %KASYNC_READY: @len once
 *	sent, or -errno
 *
 * For KASYNC_AWAIT().  Waits only while the socket's send buffer is full.
 * Aborting the task leaves nothing queued.
 *
 * Context: the task's poll function; may sleep briefly.
 * Return: %KASYNC_READY with *@res set, errors being -EMSGSIZE,
 * -ENETUNREACH, -EDESTADDRREQ (no @to and not connected), -ENOBUFS,
 * -EINVAL for a bad @tolen (misuse: warns once at the call site), or
 * another error of sendto(2); %KASYNC_PENDING otherwise, *@res untouched.
 */
enum kasync_poll kasync_sock_sendto(struct kasync_task *task,
				    struct kasync_sock *ks,
				    struct kasync_sock_op *op,
				    const void *buf, size_t len,
				    const struct sockaddr *to, int tolen,
				    long *res)
{
	struct ks_args a = {
		.kind = KS_SENDTO,
		.buf = (void *)buf,
		.len = len,
		.addr = (struct sockaddr *)to,
		.addrlen = tolen,
	};

	return ks_await_io(task, ks, op, &a, to && !ks_addr_ok(to, tolen),
			   res, __func__);
}
EXPORT_SYMBOL_GPL(kasync_sock_sendto);

/**
 * kasync_sock_cancel - abandon a socket await (for timeouts and select)
 * @task: the task being polled
 * @op: the operation; nothing is done if it is not in progress
 *
 * Dequeues @op's wait entry and forgets the operation: @op can be used
 * for a new one.  Data already moved stays moved (@op->done tells how
 * much of a kasync_sock_send_all() went out); an accepted connection was
 * handed over already.  To abandon a connect, use
 * kasync_sock_connect_cancel().
 *
 * Context: the task's poll function.
 */
void kasync_sock_cancel(struct kasync_task *task, struct kasync_sock_op *op)
{
	kasync_wait_cancel(task, &op->w);
	op->started = false;
	op->blocked = false;
}
EXPORT_SYMBOL_GPL(kasync_sock_cancel);

/**
 * kasync_sock_connect_cancel - abandon a connect in progress
 * @task: the task being polled
 * @ks: the socket being connected
 * @c: the operation; nothing is done if it is not in progress
 *
 * Stops the time limit, dequeues the wait and, if the connection was not
 * established yet, abandons the attempt (connect(2) with %AF_UNSPEC), so
 * that the socket can connect again.  @c can be used again.
 *
 * Context: the task's poll function; may sleep briefly.
 */
void kasync_sock_connect_cancel(struct kasync_task *task,
				struct kasync_sock *ks,
				struct kasync_sock_connect *c)
{
	kasync_timer_cancel(task, &c->tm);
	if (c->op.started)
		ks_connect_dissolve(ks);
	kasync_sock_cancel(task, &c->op);
}
EXPORT_SYMBOL_GPL(kasync_sock_connect_cancel);
