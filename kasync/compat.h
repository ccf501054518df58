/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync: every difference between the kernels kasync builds against
 * (6.1 .. current) lives here, and only here.
 */
#ifndef _KASYNC_COMPAT_H
#define _KASYNC_COMPAT_H

#include <linux/version.h>
#include <linux/workqueue.h>

/*
 * 6.17 introduced WQ_PERCPU to mark per-CPU workqueues explicitly (the
 * default is going to become unbound).  Before, no flag meant per-CPU.
 */
#if KERNEL_VERSION(6, 17, 0) <= LINUX_VERSION_CODE
#define KASYNC_WQ_PERCPU	WQ_PERCPU
#else
#define KASYNC_WQ_PERCPU	0
#endif

#endif /* _KASYNC_COMPAT_H */
