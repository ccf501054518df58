/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kbench.h: what kasync's benchmark modules share.
 *
 * Each bench module is one .c file that includes this header once (it
 * defines the module's parameters), fills a table of &struct kb_bench and
 * calls kb_main() from its init.  Parameters:
 *
 *   runs=N         measured runs per benchmark (1..1000, default 5), after
 *                  one unmeasured warm-up run
 *   bench=a,b,...  benchmark names to run (default "all"); a name that no
 *                  benchmark of the module has fails the load with -EINVAL
 *
 * Each measured run prints one line per row of the benchmark, which
 * scripts/bench collects and bench/report.py summarises:
 *
 *   kbench <row> <variant> <run> <value>
 *
 * and the module ends with "kbench done".  A benchmark that cannot run
 * (allocation failure) fails the load.
 */
#ifndef _KBENCH_H
#define _KBENCH_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/types.h>

static unsigned int runs = 5;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "measured runs per benchmark (1..1000, default 5)");

static char *bench = "all";
module_param(bench, charp, 0444);
MODULE_PARM_DESC(bench, "comma-separated benchmark names, or \"all\"");

/*
 * A group of tasks (kasync tasks, work items or kthreads) joined at once:
 * one reference per live task plus one held by the spawner while it
 * spawns, so the count cannot reach zero before the last task is spawned.
 * The last kb_group_put() completes @done; complete() and
 * wait_for_completion() order every task's writes (including @err) before
 * the waiter's reads.
 */
struct kb_group {
	atomic_t left;
	int err;
	struct completion done;
};

static inline void kb_group_init(struct kb_group *g)
{
	atomic_set(&g->left, 1);
	g->err = 0;
	init_completion(&g->done);
}

static inline void kb_group_get(struct kb_group *g)
{
	atomic_inc(&g->left);
}

static inline void kb_group_put(struct kb_group *g)
{
	if (atomic_dec_and_test(&g->left))
		complete(&g->done);
}

/* Record a task's failure; kb_group_join() returns it. */
static inline void kb_group_fail(struct kb_group *g, int err)
{
	WRITE_ONCE(g->err, err);
}

/* Drop the spawner's reference and wait for every task. */
static inline int kb_group_join(struct kb_group *g)
{
	kb_group_put(g);
	wait_for_completion(&g->done);
	return READ_ONCE(g->err);
}

/* ---- the driver --------------------------------------------------------- */

/* The most rows (figures) one benchmark run may report. */
#define KB_ROWS		3

/**
 * struct kb_bench - one benchmark variant of a bench module
 * @name: the name bench= selects it by, and its row if @rows is empty
 * @variant: kasync, workqueue, kthread, ...
 * @ops: operations per run: every value @run reports is divided by it
 * @run: runs the benchmark once; fills one total per row (ns, or bytes)
 *	and returns 0 or -errno
 * @rows: the row names of the figures @run reports, in order; all %NULL
 *	for one row named @name
 * @max_runs: at most this many measured runs (0: runs=); for benchmarks
 *	too slow under TCG to repeat runs= times
 */
struct kb_bench {
	const char *name;
	const char *variant;
	unsigned int ops;
	int (*run)(u64 *vals);
	const char *rows[KB_ROWS];
	unsigned int max_runs;
};

/* Is @name one of the comma-separated words of the bench= parameter? */
static inline bool kb_selected(const char *name)
{
	size_t len = strlen(name);
	const char *p = bench;

	if (!strcmp(bench, "all"))
		return true;
	while (p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* Every word of bench= must name a benchmark of @b: a typo is an error. */
static inline int kb_check_selection(const struct kb_bench *b, unsigned int n)
{
	const char *p = bench;
	unsigned int i;
	size_t len;

	if (!strcmp(bench, "all"))
		return 0;
	while (p) {
		len = strchrnul(p, ',') - p;
		for (i = 0; i < n; i++)
			if (strlen(b[i].name) == len &&
			    !strncmp(p, b[i].name, len))
				break;
		if (i == n) {
			pr_err("kbench: unknown benchmark \"%.*s\"\n",
			       (int)len, p);
			return -EINVAL;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

static inline int kb_run(const struct kb_bench *b)
{
	unsigned int run, i, last = runs;
	u64 vals[KB_ROWS];
	int err;

	if (b->max_runs && b->max_runs < last)
		last = b->max_runs;
	/* run 0 warms the slab caches and the worker pools up, unreported */
	for (run = 0; run <= last; run++) {
		memset(vals, 0, sizeof(vals));
		err = b->run(vals);
		if (err) {
			pr_err("kbench %s %s: run %u failed: %d\n",
			       b->name, b->variant, run, err);
			return err;
		}
		for (i = 0; run && i < KB_ROWS; i++) {
			if (i && !b->rows[i])
				break;
			pr_info("kbench %s %s %u %llu\n",
				b->rows[i] ?: b->name, b->variant, run,
				div_u64(vals[i], b->ops));
		}
		cond_resched();
	}
	return 0;
}

/**
 * kb_main - run the selected benchmarks of a module's table
 * @b: the table
 * @n: its entries
 *
 * Context: process context (module init); sleeps.
 * Return: 0 after printing "kbench done"; -EINVAL for a bad runs= or
 * bench=; the error of the first benchmark that failed.
 */
static inline int kb_main(const struct kb_bench *b, unsigned int n)
{
	unsigned int i;
	int err;

	if (!runs || runs > 1000) {
		pr_err("kbench: runs=%u out of 1..1000\n", runs);
		return -EINVAL;
	}
	err = kb_check_selection(b, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (!kb_selected(b[i].name))
			continue;
		err = kb_run(&b[i]);
		if (err)
			return err;
	}
	pr_info("kbench done\n");
	return 0;
}

#endif /* _KBENCH_H */
