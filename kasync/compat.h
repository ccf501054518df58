/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync: every difference between the kernels kasync builds against
 * (6.1 .. current) lives here, and only here.
 */
#ifndef _KASYNC_COMPAT_H
#define _KASYNC_COMPAT_H

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/stringify.h>
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

/*
 * Exports for kasync's KUnit suites only (kasync_cancel_owner()):
 * EXPORT_SYMBOL_IF_KUNIT() puts them in namespace
 * EXPORTED_FOR_KUNIT_TESTING on kernels with KUnit, and exports nothing
 * on the others.  <kunit/visibility.h> has it since 6.2 (Debian's 6.1 has
 * it too); a kernel without the header takes a namespace as a bare token.
 */
#if __has_include("kunit/visibility.h")
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym)					\
	EXPORT_SYMBOL_NS(sym, EXPORTED_FOR_KUNIT_TESTING)
#else
#define EXPORT_SYMBOL_IF_KUNIT(...)
#endif

/*
 * MODULE_IMPORT_NS() takes the namespace as a string since 6.13 and as a
 * bare token before (which it stringified itself: a string there would
 * import a namespace with quotes in its name).  Give it a token.
 */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define KASYNC_MODULE_IMPORT_NS(ns)	MODULE_IMPORT_NS(__stringify(ns))
#else
#define KASYNC_MODULE_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

/*
 * KUnit's deferred actions, kunit_add_action_or_reset(), came in 6.5.
 * Before, the same is a resource whose free function runs the action.
 * For kasync's KUnit suites, which include <kunit/test.h> first.
 */
#if defined(_KUNIT_TEST_H) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
#include <kunit/resource.h>
#include <linux/slab.h>

typedef void (kunit_action_t)(void *);

struct kasync_kunit_action {
	kunit_action_t *fn;
	void *ctx;
};

static inline int kasync_kunit_action_init(struct kunit_resource *res,
					   void *context)
{
	res->data = context;
	return 0;
}

static inline void kasync_kunit_action_free(struct kunit_resource *res)
{
	struct kasync_kunit_action *a = res->data;

	a->fn(a->ctx);
	kfree(a);
}

static inline int kunit_add_action_or_reset(struct kunit *test,
					    kunit_action_t *fn, void *ctx)
{
	struct kasync_kunit_action *a = kmalloc(sizeof(*a), GFP_KERNEL);

	if (a) {
		a->fn = fn;
		a->ctx = ctx;
		if (kunit_alloc_resource(test, kasync_kunit_action_init,
					 kasync_kunit_action_free, GFP_KERNEL,
					 a))
			return 0;
		kfree(a);
	}
	fn(ctx);
	return -ENOMEM;
}
#endif

/*
 * File I/O.  Whether a file system does asynchronous buffered reads
 * (filemap_read() honours %IOCB_WAITQ): a file_operations flag,
 * %FOP_BUFFER_RASYNC, since 6.11; an f_mode flag, %FMODE_BUF_RASYNC,
 * before.
 */
static inline bool kasync_file_can_async_read(const struct file *file)
{
#ifdef FOP_BUFFER_RASYNC
	return file->f_op->fop_flags & FOP_BUFFER_RASYNC;
#else
	return file->f_mode & FMODE_BUF_RASYNC;
#endif
}

/*
 * Does a file system do non-blocking buffered writes (%IOCB_NOWAIT
 * without %IOCB_DIRECT; generic_write_checks() refuses them with -EINVAL
 * elsewhere)?  %FOP_BUFFER_WASYNC since 6.11, %FMODE_BUF_WASYNC before.
 */
static inline bool kasync_file_can_async_write(const struct file *file)
{
#ifdef FOP_BUFFER_WASYNC
	return file->f_op->fop_flags & FOP_BUFFER_WASYNC;
#else
	return file->f_mode & FMODE_BUF_WASYNC;
#endif
}

#endif /* _KASYNC_COMPAT_H */
