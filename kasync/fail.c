// SPDX-License-Identifier: GPL-2.0
/*
 * kasync's fault point, for allocation-failure tests: built only in
 * kernels with CONFIG_FAULT_INJECTION.
 *
 * failslab reaches few of kasync's allocations: most task memory comes
 * from kasync's per-CPU cache (cache.c), and failslab ignores allocations
 * that may reclaim unless told otherwise.  So each allocation of kasync's
 * own (task memory, cache hit or not; a runtime's memory, per-CPU state
 * and workqueue; channels; groups; blocking jobs; socket wrappers) first
 * asks kasync_should_fail() (fail.h), and fails with the error it would
 * return for a real allocation failure.
 *
 * The fault attribute is /sys/kernel/debug/fail_kasync (the usual
 * probability, interval, times, space, verbose and task-filter files of
 * Documentation/fault-injection/fault-injection.rst), and it honours a
 * task's fail_nth (/proc/<pid>/task/<tid>/fail-nth, or current->fail_nth
 * from a test module): the n-th fault point the task passes fails, counted
 * across failslab and every other fault attribute.
 *
 * Unlike failslab, verbose starts at 0: an injected failure prints
 * nothing, where the kernel's default would dump the stack (which a test
 * harness that treats a call trace as a failure would trip on).
 */
#include <linux/debugfs.h>
#include <linux/err.h>

#include "fail.h"

struct fault_attr kasync_fail_attr = FAULT_ATTR_INITIALIZER;

static struct dentry *kasync_fail_dir;

/**
 * kasync_fail_init - create /sys/kernel/debug/fail_kasync
 *
 * Without debugfs the fault point still honours fail_nth.
 *
 * Context: module init.
 */
void kasync_fail_init(void)
{
	kasync_fail_attr.verbose = 0;
	kasync_fail_dir = fault_create_debugfs_attr("fail_kasync", NULL,
						    &kasync_fail_attr);
}

/**
 * kasync_fail_exit - remove /sys/kernel/debug/fail_kasync
 *
 * Context: module unload.
 */
void kasync_fail_exit(void)
{
	debugfs_remove_recursive(kasync_fail_dir);
	kasync_fail_dir = NULL;
}
