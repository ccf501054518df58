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
 *   sleepers=N     tasks of the "sleepers" benchmarks (default 100,000;
 *                  scripts/bench --debug uses fewer)
 *   kthread_sleepers=N
 *                  kthreads of the kthread "sleepers" benchmark (default
 *                  10,000: under TCG a kthread takes ~5 ms to create, so
 *                  100,000 would take 8 minutes per run)
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
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/vmstat.h>
#include <linux/wait.h>

/*
 * The sizes of issue 4's benchmarks, the same for kasync, the kernel
 * baselines and tokio (bench/tokio/src/main.rs repeats them).
 */
#define KB_CHAN_MSGS		100000	/* messages per channel run, in all */
#define KB_CHAN_CAP		128	/* channel capacity (kfifo: power of 2) */
#define KB_CHAN_PRODUCERS	4	/* producers of chan_mp */
#define KB_MUTEX_TASKS		4	/* contenders of mutex_handoff */
#define KB_MUTEX_ITERS		10000	/* lock/unlock pairs per contender */
#define KB_SLEEPERS		100000	/* default sleepers= */
#define KB_KTHREAD_SLEEPERS	10000	/* default kthread_sleepers= */
#define KB_SLEEPERS_MAX		1000000
#define KB_LAT_SAMPLES		10000	/* wakes timed per wake_latency run */

static unsigned int runs = 5;
module_param(runs, uint, 0444);
MODULE_PARM_DESC(runs, "measured runs per benchmark (1..1000, default 5)");

static char *bench = "all";
module_param(bench, charp, 0444);
MODULE_PARM_DESC(bench, "comma-separated benchmark names, or \"all\"");

static unsigned int sleepers = KB_SLEEPERS;
module_param(sleepers, uint, 0444);
MODULE_PARM_DESC(sleepers, "tasks of the sleepers benchmarks (default 100000)");

static unsigned int kthread_sleepers = KB_KTHREAD_SLEEPERS;
module_param(kthread_sleepers, uint, 0444);
MODULE_PARM_DESC(kthread_sleepers, "kthreads of the kthread sleepers benchmark (default 10000)");

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

/*
 * Drop the spawner's reference and wait for every task, in TASK_IDLE:
 * under TCG a run can take longer than the hung task timeout.
 */
static inline int kb_group_join(struct kb_group *g)
{
	kb_group_put(g);
	wait_for_completion_state(&g->done, TASK_IDLE);
	return READ_ONCE(g->err);
}

/* ---- measuring helpers -------------------------------------------------- */

/*
 * Bytes of slab (both kinds) and kernel stacks in use, system-wide.  The
 * vmstat counters are summed lazily from per-CPU deltas, so a figure is
 * off by up to a few pages per CPU; callers divide by thousands of tasks.
 */
static inline s64 kb_kernel_bytes(void)
{
	return (s64)global_node_page_state(NR_KERNEL_STACK_KB) * 1024 +
	       (s64)(global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
		     global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B)) *
	       PAGE_SIZE;
}

static inline int kb_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sort @n samples and store their median and 99th percentile in @vals[0]
 * and @vals[1] (the rows of the wake_latency benchmarks).
 */
static inline void kb_percentiles(u64 *samples, unsigned int n, u64 *vals)
{
	sort(samples, n, sizeof(*samples), kb_cmp_u64, NULL);
	vals[0] = samples[n / 2];
	vals[1] = samples[(u64)n * 99 / 100];
}

/*
 * The sleepers benchmarks: every sleeper sleeps until one deadline, set
 * when the run starts far enough ahead that all of them are asleep by
 * then: 1.5 times the previous run's start-up time plus 100 ms.  Rows, per
 * sleeper: memory (slab and kernel stacks once all sleep), start (from the
 * first spawn until the last one is about to sleep) and finish (from the
 * first sleeper's wake-up until the last one is reaped).
 *
 * Each sleeper holds one reference to @started, put just before it
 * sleeps, and one to @ended, put as its last action.  The loader waits
 * for both groups in TASK_IDLE: the waits are long by design, which the
 * hung task detector must not mistake for a hang.
 */
struct kb_sleep {
	struct kb_group started;
	struct kb_group ended;
	u64 deadline_ns;		/* I: ktime_get_ns() to sleep until */
	atomic_t woken;			/* sleepers past the deadline */
	atomic_t early;			/* sleepers that found it passed */
	u64 first_ns;			/* when the first one woke */
};

static inline void kb_sleep_init(struct kb_sleep *s, u64 t0, u64 prev_ns)
{
	kb_group_init(&s->started);
	kb_group_init(&s->ended);
	s->deadline_ns = t0 + prev_ns * 3 / 2 + 100 * NSEC_PER_MSEC;
	atomic_set(&s->woken, 0);
	atomic_set(&s->early, 0);
	s->first_ns = 0;
}

/* A sleeper is about to spawn: its references. */
static inline void kb_sleep_get(struct kb_sleep *s)
{
	kb_group_get(&s->started);
	kb_group_get(&s->ended);
}

/* A sleeper failed to spawn: drop what kb_sleep_get() took. */
static inline void kb_sleep_put(struct kb_sleep *s)
{
	kb_group_put(&s->started);
	kb_group_put(&s->ended);
}

/* A sleeper is about to sleep; @late: the deadline had already passed. */
static inline void kb_sleep_started(struct kb_sleep *s, bool late)
{
	if (late)
		atomic_inc(&s->early);
	kb_group_put(&s->started);
}

/* A sleeper is past the deadline: the first one stamps the time. */
static inline void kb_sleep_woke(struct kb_sleep *s)
{
	if (atomic_inc_return(&s->woken) == 1)
		WRITE_ONCE(s->first_ns, ktime_get_ns());
	kb_group_put(&s->ended);
}

/* Wait, in TASK_IDLE, until every spawned sleeper is about to sleep. */
static inline void kb_sleep_wait_started(struct kb_sleep *s)
{
	kb_group_put(&s->started);
	wait_for_completion_state(&s->started.done, TASK_IDLE);
}

/* Wait, in TASK_IDLE, until every spawned sleeper is past the deadline. */
static inline void kb_sleep_wait_ended(struct kb_sleep *s)
{
	kb_group_put(&s->ended);
	wait_for_completion_state(&s->ended.done, TASK_IDLE);
}

/*
 * All @n sleepers were reaped at @done_ns: fill @vals with the totals
 * (the driver divides by the count, kb_bench.nr).  Return: 0, or -EIO if
 * one of them did not wake.
 */
static inline int kb_sleep_report(struct kb_sleep *s, unsigned int n,
				  s64 bytes, u64 t0, u64 started_ns,
				  u64 done_ns, u64 *vals)
{
	u64 first = READ_ONCE(s->first_ns);

	vals[0] = max_t(s64, bytes, 0);
	vals[1] = started_ns - t0;
	vals[2] = done_ns - (first ?: s->deadline_ns);
	if (atomic_read(&s->woken) == n)
		return 0;
	pr_err("kbench sleepers: %d of %u sleepers woke\n",
	       atomic_read(&s->woken), n);
	return -EIO;
}

/*
 * Run a sleepers benchmark: @once spawns @n sleepers on @s (after
 * kb_sleep_init() with the deadline from *@prev_ns), reaps them and calls
 * kb_sleep_report().  A run in which sleepers started after the deadline
 * is run again, up to twice, with a later deadline: its start-up and
 * wake-ups overlapped.  The warm-up run, whose deadline is a guess, is
 * not.
 */
static inline int kb_sleepers_run(const char *variant, unsigned int n,
				  u64 *prev_ns,
				  int (*once)(struct kb_sleep *s, u64 prev_ns,
					      u64 *vals),
				  u64 *vals)
{
	struct kb_sleep s;
	unsigned int try;
	bool guessed;
	int err;

	for (try = 0;; try++) {
		guessed = !*prev_ns;
		err = once(&s, *prev_ns, vals);
		if (err)
			return err;
		*prev_ns = vals[1];
		if (!atomic_read(&s.early) || guessed)
			return 0;
		pr_info("kbench sleepers %s: %d of %u started after the deadline%s\n",
			variant, atomic_read(&s.early), n,
			try < 2 ? ", again with a later one" : "");
		if (try == 2)
			return 0;
	}
}

/*
 * The wake_latency benchmarks: the loader wakes one waiter (a kthread in
 * wait_event(), or a task in kasync_wait_event()) %KB_LAT_SAMPLES times;
 * each time it stamps @stamp, publishes the next @seq and calls
 * wake_up(), and the waiter subtracts @stamp from the time of its first
 * action once woken, stores the sample and acknowledges it through @ack.
 * Between samples the loader lets the waiter go back to sleep.
 */
struct kb_lat {
	wait_queue_head_t wq;	/* the waiter's queue */
	unsigned int seq;	/* samples released; smp_store_release() by
				 * the loader, smp_load_acquire() by the waiter
				 */
	u64 stamp;		/* ktime_get_ns() before the last wake_up() */
	int waker_cpu;		/* where the loader called wake_up() */
	unsigned int remote;	/* the waiter's: samples taken on another
				 * CPU than @waker_cpu, read after @ack
				 */
	bool abort;		/* the loader gave up: the waiter returns */
	u64 *samples;		/* the waiter's, read after @ack */
	struct completion ack;	/* one complete() per sample taken */
};

static inline int kb_lat_init(struct kb_lat *l)
{
	init_waitqueue_head(&l->wq);
	l->seq = 0;
	l->stamp = 0;
	l->waker_cpu = -1;
	l->remote = 0;
	l->abort = false;
	init_completion(&l->ack);
	l->samples = kvmalloc_array(KB_LAT_SAMPLES, sizeof(*l->samples),
				    GFP_KERNEL);
	return l->samples ? 0 : -ENOMEM;
}

/* The waiter's condition: has sample @i been released (or the run ended)? */
static inline bool kb_lat_ready(struct kb_lat *l, unsigned int i)
{
	/* pairs with smp_store_release() in kb_lat_drive(): orders @stamp */
	return smp_load_acquire(&l->seq) > i;
}

/*
 * The waiter, woken for sample @i, took @now as its first action once
 * woken (a task: at the start of the poll that found the condition true).
 * Return: false if the loader gave up and the waiter should end.
 */
static inline bool kb_lat_take(struct kb_lat *l, unsigned int i, u64 now)
{
	u64 stamp = READ_ONCE(l->stamp);

	if (READ_ONCE(l->abort))
		return false;
	/* the wake arrived while this poll was checking: count from now */
	if (now < stamp)
		now = ktime_get_ns();
	l->samples[i] = now - stamp;
	if (raw_smp_processor_id() != READ_ONCE(l->waker_cpu))
		l->remote++;
	complete(&l->ack);
	return true;
}

/*
 * The loader's half; the waiter is running.  Fills @vals with the median
 * and the 99th percentile, and logs how many wakes crossed CPUs (the
 * loader may migrate between samples, so this is approximate).  Return:
 * 0, or -ETIMEDOUT when the waiter did not answer within 10 s (the waiter
 * was told to end).
 */
static inline int kb_lat_drive(struct kb_lat *l, const char *variant,
			       u64 *vals)
{
	unsigned int i;

	for (i = 0; i < KB_LAT_SAMPLES; i++) {
		/* let the waiter go (back) to sleep: its entry is queued */
		do {
			usleep_range(20, 40);
			/*
			 * Only a hint, no barrier needed: a waiter still on
			 * its way to schedule() is woken all the same.
			 */
		} while (!waitqueue_active(&l->wq));
		WRITE_ONCE(l->waker_cpu, raw_smp_processor_id());
		WRITE_ONCE(l->stamp, ktime_get_ns());
		/* pairs with smp_load_acquire() in kb_lat_ready() */
		smp_store_release(&l->seq, i + 1);
		wake_up(&l->wq);
		if (!wait_for_completion_timeout(&l->ack, 10 * HZ))
			goto timeout;
	}
	kb_percentiles(l->samples, KB_LAT_SAMPLES, vals);
	pr_info("kbench wake_latency %s: %u of %u wakes ran on another CPU\n",
		variant, l->remote, KB_LAT_SAMPLES);
	return 0;

timeout:
	pr_err("kbench wake_latency %s: no answer to wake %u\n", variant, i);
	WRITE_ONCE(l->abort, true);
	/* pairs with kb_lat_ready(): the waiter then sees @abort */
	smp_store_release(&l->seq, UINT_MAX);
	wake_up(&l->wq);
	return -ETIMEDOUT;
}

static inline void kb_lat_free(struct kb_lat *l)
{
	kvfree(l->samples);
}

/* ---- the driver --------------------------------------------------------- */

/* The most rows (figures) one benchmark run may report. */
#define KB_ROWS		3

/**
 * struct kb_bench - one benchmark variant of a bench module
 * @name: the name bench= selects it by, and its row if @rows is empty
 * @variant: kasync, workqueue, kthread, ...
 * @ops: operations per run: every value @run reports is divided by it
 * @nr: if set, the operations per run are *@nr instead (a parameter)
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
	const unsigned int *nr;
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
	unsigned int ops = b->nr ? *b->nr : b->ops;
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
				div_u64(vals[i], ops));
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
	if (!sleepers || sleepers > KB_SLEEPERS_MAX ||
	    !kthread_sleepers || kthread_sleepers > KB_SLEEPERS_MAX) {
		pr_err("kbench: sleepers=%u, kthread_sleepers=%u: out of 1..%u\n",
		       sleepers, kthread_sleepers, KB_SLEEPERS_MAX);
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
