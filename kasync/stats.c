// SPDX-License-Identifier: GPL-2.0
/*
 * kasync statistics: per-runtime, per-CPU counters (S in the legend of
 * rules.h: this_cpu_*() on the owning CPU, read racily here) shown in
 * /sys/kernel/debug/kasync/<runtime>/stats, and kasync_rt_stats().
 *
 * The debugfs file is removed before its runtime is freed; debugfs waits
 * for readers in progress.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "rt.h"
#include "sched.h"

static struct dentry *kasync_dbg_root;

static void kasync_stats_cpu(struct kasync_rt *rt, int cpu,
			     struct kasync_stats *s)
{
	struct kasync_cpu *q = kasync_cpu_of(rt, cpu);
	const struct kasync_pcpu_stats *p = &q->st;

	s->spawned = READ_ONCE(p->spawned);
	s->completed = READ_ONCE(p->completed);
	s->cancelled = READ_ONCE(p->cancelled);
	s->polls = READ_ONCE(p->polls);
	s->wakes = READ_ONCE(p->wakes);
	s->steals = READ_ONCE(p->steals);
	s->stolen = READ_ONCE(p->stolen);
	s->overflows = READ_ONCE(p->overflows);
	s->budget_yields = READ_ONCE(p->budget_yields);
	s->lifo_hits = READ_ONCE(p->lifo_hits);
	s->queue_depth = kasync_cpu_depth(rt, cpu);
	s->alive = READ_ONCE(q->nr_live);
	s->longest_poll_ns = READ_ONCE(p->longest_poll_ns);
	s->rehomed = READ_ONCE(p->rehomed);
	s->idles = READ_ONCE(p->idles);
	s->lingers = READ_ONCE(p->lingers);
	s->coop_yields = READ_ONCE(p->coop_yields);
}

static void kasync_stats_add(struct kasync_stats *sum,
			     const struct kasync_stats *s)
{
	sum->spawned += s->spawned;
	sum->completed += s->completed;
	sum->cancelled += s->cancelled;
	sum->polls += s->polls;
	sum->wakes += s->wakes;
	sum->steals += s->steals;
	sum->stolen += s->stolen;
	sum->overflows += s->overflows;
	sum->budget_yields += s->budget_yields;
	sum->lifo_hits += s->lifo_hits;
	sum->queue_depth += s->queue_depth;
	sum->longest_poll_ns = max(sum->longest_poll_ns, s->longest_poll_ns);
	sum->rehomed += s->rehomed;
	sum->idles += s->idles;
	sum->lingers += s->lingers;
	sum->coop_yields += s->coop_yields;
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
	seq_printf(m, "%-6s %10llu %10llu %9llu %11llu %10llu %7llu %7llu %9llu %8llu %9llu %6llu %6llu %11llu %7llu %9llu %8llu %9llu\n",
		   label, s->spawned, s->completed, s->cancelled, s->polls,
		   s->wakes, s->steals, s->stolen, s->overflows,
		   s->budget_yields, s->lifo_hits, s->queue_depth, s->alive,
		   s->longest_poll_ns, s->rehomed, s->idles, s->lingers,
		   s->coop_yields);
}

static int kasync_stats_show(struct seq_file *m, void *v)
{
	struct kasync_rt *rt = m->private;
	struct kasync_stats s, sum = {};
	char label[16];
	int cpu;

	seq_printf(m, "runtime %s flags %#x inject %d searching %d\n",
		   rt->name, rt->flags, fifo_len(&rt->inject),
		   atomic_read(&rt->searching));
	seq_printf(m, "%-6s %10s %10s %9s %11s %10s %7s %7s %9s %8s %9s %6s %6s %11s %7s %9s %8s %9s\n",
		   "cpu", "spawned", "completed", "cancelled", "polls",
		   "wakes", "steals", "stolen", "overflows", "budget",
		   "lifo_hits", "depth", "alive", "longest_ns", "rehomed",
		   "idles", "lingers", "coop");
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
	return 0;
}

/**
 * kasync_stats_exit - remove /sys/kernel/debug/kasync
 */
void kasync_stats_exit(void)
{
	debugfs_remove_recursive(kasync_dbg_root);
}
