// SPDX-License-Identifier: GPL-2.0
/*
 * kasync: an async task runtime for kernel modules.  Module glue only;
 * see task.c, sched.c, rt.c and stats.c.
 */
#include <linux/module.h>

#include "cache.h"
#include "clock.h"
#include "pool.h"
#include "rt.h"
#include "stats.h"

static int __init kasync_init(void)
{
	int ret;

	kasync_clock_init();
	ret = kasync_task_mem_init();
	if (ret)
		return ret;
	ret = kasync_stats_init();
	if (ret)
		goto mem_exit;
	ret = kasync_blocking_init();
	if (ret)
		goto stats_exit;
	ret = kasync_rt_init();
	if (ret)
		goto blocking_exit;
	return 0;

blocking_exit:
	kasync_blocking_exit();
stats_exit:
	kasync_stats_exit();
mem_exit:
	kasync_task_mem_exit();
	return ret;
}

static void __exit kasync_exit(void)
{
	kasync_rt_exit();
	kasync_blocking_exit();
	kasync_stats_exit();
	/* Last: every task is freed by now. */
	kasync_task_mem_exit();
}

module_init(kasync_init);
module_exit(kasync_exit);

MODULE_DESCRIPTION("kasync: async task runtime for kernel modules");
MODULE_LICENSE("GPL");
