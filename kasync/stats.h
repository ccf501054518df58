/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync statistics: per-runtime, per-CPU counters, as one table.
 *
 * Each counter is one line of stat_items.h; the enum below, the counter's
 * place in &struct kasync_stats, how the CPUs' values combine and the
 * columns of /sys/kernel/debug/kasync/<runtime>/stats are all made from
 * it (stats.c), as vmstat makes its names from vm_event_item.h.  Adding a
 * counter takes that line, its member and kernel-doc in &struct
 * kasync_stats (include/kasync.h; the build checks that each member has a
 * line), and a kasync_stat_inc() where it counts.
 *
 * Writers (S in the legend of rules.h) run on the counting CPU, in any
 * context including hard IRQ (kasync_wake()).  On 64-bit a counter is one
 * this_cpu_add(): a whole u64 in one instruction, nothing else.  On
 * 32-bit a u64 takes two stores, so the writer disables IRQs and brackets
 * them with u64_stats_update_begin()/end(); readers retry around a torn
 * read with u64_stats_fetch_begin()/retry() (stats.c).
 */
#ifndef _KASYNC_STATS_H
#define _KASYNC_STATS_H

#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

struct kasync_rt;

/* The per-CPU counters: KASYNC_STAT_<ITEM> indexes kasync_pcpu_stats.v. */
enum kasync_stat_item {
#define KASYNC_STAT(item, ...)		KASYNC_STAT_##item,
#define KASYNC_STAT_CALC(...)
#include "stat_items.h"
	KASYNC_STAT_NR
};

/* How a column of stat_items.h combines over the CPUs. */
enum kasync_stat_how {
	KASYNC_STAT_HOW_SUM,		/* counts: added up */
	KASYNC_STAT_HOW_MAX,		/* maxima: the largest */
	KASYNC_STAT_HOW_CALC,		/* not a counter: computed */
};

/*
 * struct kasync_pcpu_stats - one CPU's counters of one runtime (all S)
 * @v: the counters, indexed by &enum kasync_stat_item
 * @syncp: 32-bit only: lets readers see whole values
 */
struct kasync_pcpu_stats {
	u64 v[KASYNC_STAT_NR];
	struct u64_stats_sync syncp;
};

/*
 * Add @n to counter @item, or with @max raise maximum @item to @n, on the
 * current CPU.  @max is a constant at every call: one branch is compiled.
 */
static __always_inline void
__kasync_stat_update(struct kasync_pcpu_stats __percpu *st,
		     enum kasync_stat_item item, u64 n, bool max)
{
	struct kasync_pcpu_stats *p;
	unsigned long flags;

	if (BITS_PER_LONG == 64) {
		if (!max)
			this_cpu_add(st->v[item], n);
		else if (n > this_cpu_read(st->v[item]))
			/* Racy max, but only this CPU's workers write it. */
			this_cpu_write(st->v[item], n);
		return;
	}
	local_irq_save(flags);
	p = this_cpu_ptr(st);
	if (!max || n > p->v[item]) {
		u64_stats_update_begin(&p->syncp);
		p->v[item] = max ? n : p->v[item] + n;
		u64_stats_update_end(&p->syncp);
	}
	local_irq_restore(flags);
}

/*
 * The writers, for a runtime @rt (struct kasync_rt is sched.h's, hence
 * macros), on the current CPU, from any context:
 *
 *   kasync_stat_add(rt, item, n)	add @n to counter @item (SUM)
 *   kasync_stat_inc(rt, item)		add one
 *   kasync_stat_max(rt, item, val)	raise maximum @item to @val (MAX)
 */
#define kasync_stat_add(rt, item, n)					\
	__kasync_stat_update(&(rt)->cpus->st, item, n, false)
#define kasync_stat_inc(rt, item)					\
	__kasync_stat_update(&(rt)->cpus->st, item, 1, false)
#define kasync_stat_max(rt, item, val)					\
	__kasync_stat_update(&(rt)->cpus->st, item, val, true)

int kasync_stats_init(void);
void kasync_stats_exit(void);
void kasync_stats_add_rt(struct kasync_rt *rt);
void kasync_stats_del_rt(struct kasync_rt *rt);

#endif /* _KASYNC_STATS_H */
