// SPDX-License-Identifier: GPL-2.0
/*
 * kasync statistics: per-runtime, per-CPU counters (S in the legend of
 * rules.h; the table and the writers are in stats.h) shown in
 * /sys/kernel/debug/kasync/<runtime>/stats, and kasync_rt_stats().
 *
 * The debugfs file is removed before its runtime is freed; debugfs waits
 * for readers in progress.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "fail.h"
#include "rt.h"
#include "sched.h"

static struct dentry *kasync_dbg_root;

/*
 * The columns of the debugfs file, from stat_items.h: where each goes in
 * &struct kasync_stats (a u64, checked here), how it combines over the
 * CPUs, and for a counter, its index.
 */
struct kasync_stat_col {
	const char *name;
	u16 off;			/* in struct kasync_stats */
	u8 width;
	u8 how;				/* enum kasync_stat_how */
	u8 item;			/* enum kasync_stat_item, if counted */
};

#define KASYNC_STAT_OFF(field)						\
	(offsetof(struct kasync_stats, field) +				\
	 BUILD_BUG_ON_ZERO(!__same_type(((struct kasync_stats *)NULL)->field, u64)))

static const struct kasync_stat_col kasync_stat_cols[] = {
#define KASYNC_STAT(i, h, field, col, w)				\
	{ .name = col, .off = KASYNC_STAT_OFF(field), .width = w,	\
	  .how = KASYNC_STAT_HOW_##h, .item = KASYNC_STAT_##i },
#define KASYNC_STAT_CALC(field, col, w)					\
	{ .name = col, .off = KASYNC_STAT_OFF(field), .width = w,	\
	  .how = KASYNC_STAT_HOW_CALC },
#include "stat_items.h"
};

/* Every member of struct kasync_stats is a column. */
static_assert(sizeof(struct kasync_stats) ==
	      ARRAY_SIZE(kasync_stat_cols) * sizeof(u64));

static u64 *kasync_stat_ptr(struct kasync_stats *s,
			    const struct kasync_stat_col *c)
{
	return (u64 *)((char *)s + c->off);
}

static u64 kasync_stat_get(const struct kasync_stats *s,
			   const struct kasync_stat_col *c)
{
	return *(const u64 *)((const char *)s + c->off);
}

/*
 * One CPU's counters of @rt: each a whole value, though not a snapshot of
 * them all (a counter may be read before one it depends on).
 */
static void kasync_stats_cpu(struct kasync_rt *rt, int cpu,
			     struct kasync_stats *s)
{
	const struct kasync_pcpu_stats *p = &kasync_cpu_of(rt, cpu)->st;
	const struct kasync_stat_col *c;
	u64 v[KASYNC_STAT_NR];
	unsigned int seq;
	int i;

	do {
		seq = u64_stats_fetch_begin(&p->syncp);
		for (i = 0; i < KASYNC_STAT_NR; i++)
			v[i] = READ_ONCE(p->v[i]);
	} while (u64_stats_fetch_retry(&p->syncp, seq));

	for (i = 0; i < ARRAY_SIZE(kasync_stat_cols); i++) {
		c = &kasync_stat_cols[i];
		if (c->how != KASYNC_STAT_HOW_CALC)
			*kasync_stat_ptr(s, c) = v[c->item];
	}
	s->queue_depth = kasync_cpu_depth(rt, cpu);
	s->alive = kasync_live_count(rt, cpu);
}

/* Add one CPU's row @s to @sum; the total's alive is computed at the end. */
static void kasync_stats_add(struct kasync_stats *sum,
			     const struct kasync_stats *s)
{
	const struct kasync_stat_col *c;
	u64 *acc;
	int i;

	for (i = 0; i < ARRAY_SIZE(kasync_stat_cols); i++) {
		c = &kasync_stat_cols[i];
		acc = kasync_stat_ptr(sum, c);
		if (c->how == KASYNC_STAT_HOW_SUM)
			*acc += kasync_stat_get(s, c);
		else if (c->how == KASYNC_STAT_HOW_MAX)
			*acc = max(*acc, kasync_stat_get(s, c));
	}
	sum->queue_depth += s->queue_depth;
}

/*
 * A CPU's row counts the tasks on its live list, which keeps a finalized
 * task until its worker reaps it (ordering rule 7).  The total counts the
 * unfinished ones: a finalizer bumps its counter before FINAL, so a joiner
 * sees its task gone from the total.
 */
static void kasync_stats_total(struct kasync_stats *sum)
{
	u64 done = sum->completed + sum->cancelled;

	/* Racy reads: a counter may be read before one it depends on. */
	sum->alive = sum->spawned > done ? sum->spawned - done : 0;
}

/**
 * kasync_rt_stats - totals of a runtime's counters
 * @rt: runtime, or %NULL for the default runtime
 * @out: filled with the sums over all CPUs (longest_poll_ns: the maximum;
 *	queue_depth includes the global queue).  Counters are read without
 *	stopping the runtime, so totals are approximate while it runs.
 *
 * Context: any.
 */
void kasync_rt_stats(struct kasync_rt *rt, struct kasync_stats *out)
{
	struct kasync_stats s;
	int cpu;

	memset(out, 0, sizeof(*out));
	if (!rt)
		rt = READ_ONCE(kasync_default_rt);
	if (!rt)
		return;
	for_each_possible_cpu(cpu) {
		kasync_stats_cpu(rt, cpu, &s);
		kasync_stats_add(out, &s);
	}
	out->queue_depth += fifo_len(&rt->inject);
	kasync_stats_total(out);
}
EXPORT_SYMBOL_GPL(kasync_rt_stats);

static void kasync_stats_row(struct seq_file *m, const char *label,
			     const struct kasync_stats *s)
{
	int i;

	seq_printf(m, "%-6s", label);
	for (i = 0; i < ARRAY_SIZE(kasync_stat_cols); i++)
		seq_printf(m, " %*llu", kasync_stat_cols[i].width,
			   kasync_stat_get(s, &kasync_stat_cols[i]));
	seq_putc(m, '\n');
}

static int kasync_stats_show(struct seq_file *m, void *v)
{
	struct kasync_rt *rt = m->private;
	struct kasync_stats s, sum = {};
	char label[16];
	int cpu, i;

	seq_printf(m, "runtime %s flags %#x inject %d searching %d\n",
		   rt->name, rt->flags, fifo_len(&rt->inject),
		   atomic_read(&rt->searching));
	seq_printf(m, "%-6s", "cpu");
	for (i = 0; i < ARRAY_SIZE(kasync_stat_cols); i++)
		seq_printf(m, " %*s", kasync_stat_cols[i].width,
			   kasync_stat_cols[i].name);
	seq_putc(m, '\n');
	for_each_possible_cpu(cpu) {
		kasync_stats_cpu(rt, cpu, &s);
		kasync_stats_add(&sum, &s);
		snprintf(label, sizeof(label), "%d", cpu);
		kasync_stats_row(m, label, &s);
	}
	sum.queue_depth += fifo_len(&rt->inject);
	kasync_stats_total(&sum);
	kasync_stats_row(m, "total", &sum);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kasync_stats);

/**
 * kasync_stats_add_rt - create a runtime's debugfs directory
 * @rt: runtime, fully initialised
 */
void kasync_stats_add_rt(struct kasync_rt *rt)
{
	/* debugfs failures are not errors: the runtime works without. */
	rt->dbg = debugfs_create_dir(rt->name, kasync_dbg_root);
	debugfs_create_file("stats", 0444, rt->dbg, rt, &kasync_stats_fops);
	kasync_tasks_add_debugfs(rt, rt->dbg);
}

/**
 * kasync_stats_del_rt - remove a runtime's debugfs directory
 * @rt: runtime about to be freed
 *
 * Context: sleeps until readers of the file are done.
 */
void kasync_stats_del_rt(struct kasync_rt *rt)
{
	debugfs_remove_recursive(rt->dbg);
	rt->dbg = NULL;
}

/**
 * kasync_stats_init - create /sys/kernel/debug/kasync
 *
 * Return: 0 (debugfs is optional).
 */
int kasync_stats_init(void)
{
	kasync_dbg_root = debugfs_create_dir("kasync", NULL);
	kasync_fail_init();
	return 0;
}

/**
 * kasync_stats_exit - remove /sys/kernel/debug/kasync
 */
void kasync_stats_exit(void)
{
	kasync_fail_exit();
	debugfs_remove_recursive(kasync_dbg_root);
}
