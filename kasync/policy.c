// SPDX-License-Identifier: GPL-2.0
/*
 * kasync scheduling policy: where a wake goes, whom a worker steals from,
 * and how long an idle worker lingers.  See policy.h for the rest.
 */
#include <linux/hardirq.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>

#include <kasync/param.h>
#include <kasync/testing.h>

#include "compat.h"
#include "policy.h"
#include "sched.h"

/*
 * linger_us and rescue_us: 0 (never) to KASYNC_POLICY_US_MAX.  A value out
 * of range, at load or written to /sys/module/kasync/parameters/, fails
 * with -EINVAL and leaves the old one.  A second is far beyond any sane
 * linger (it spins a CPU) or rescue delay (the tasks behind a stuck poll
 * wait that long).
 */
#define KASYNC_POLICY_US_MAX	1000000U

/*
 * kasync.linger_us: how long a worker out of tasks keeps looking for more
 * before it goes idle, while its CPU has nothing else to run.  Work that
 * arrives meanwhile (a socket's softirq waking tasks from another CPU, a
 * burst of timers) is served at once, without the queue_work(), IPI and
 * context switch of waking an idle worker: halt-polling, as KVM's
 * halt_poll_ns does it for vCPUs, and for the same reason.  0: never.
 */
static unsigned int kasync_linger_us = 50;
kasync_param_named(linger_us, kasync_linger_us, uint, 0, KASYNC_POLICY_US_MAX,
		   0644);
MODULE_PARM_DESC(linger_us, "microseconds an idle worker polls for more work while its CPU has nothing else to run (0: never; up to 1000000)");

u64 kasync_linger_ns(void)
{
	return (u64)READ_ONCE(kasync_linger_us) * NSEC_PER_USEC;
}

/*
 * kasync.rescue_us: a poll that has run this long holds up every task
 * queued behind it on its CPU (a poll that blocks is a bug, but a common
 * one, and a long computation is not).  While any worker of a
 * work-stealing runtime runs, a rescue pass looks every rescue_us at the
 * workers: it takes the tasks queued behind one stuck in a poll for this
 * long and gives them to the others, as the kernel's idle balancing does
 * for threads.  0: never.
 */
unsigned int kasync_rescue_us = 2000;
EXPORT_SYMBOL_IF_KUNIT(kasync_rescue_us);
kasync_param_named(rescue_us, kasync_rescue_us, uint, 0, KASYNC_POLICY_US_MAX,
		   0644);
MODULE_PARM_DESC(rescue_us, "microseconds a poll may run before the tasks queued behind it go to other CPUs (0: never; up to 1000000)");

u64 kasync_rescue_ns(void)
{
	return (u64)READ_ONCE(kasync_rescue_us) * NSEC_PER_USEC;
}

/*
 * Will this CPU go on with other work after the wake?  In an interrupt,
 * softirq or BH-disabled section, unless it interrupted the idle task;
 * in a thread, if other threads are runnable here.  A hint.
 */
static bool kasync_waker_busy(void)
{
	if (in_interrupt())
		return !is_idle_task(current);
	return !single_task_running();
}

/**
 * kasync_wake_cpu - where a wake queues a task of a work-stealing runtime
 * @rt: the task's runtime
 * @last: the CPU of the task's last poll
 *
 * A wake from a poll on this CPU stays here (task to task: the waker's
 * data is hot, and the woken task takes the LIFO slot); the caller tests
 * that case before calling, so that it costs no call.  A wake from
 * outside a poll, when this CPU has other work, goes elsewhere: a
 * socket's softirq runs on the CPU of the thread that sent the data, and
 * that thread should keep its CPU rather than share it with the worker.
 * It goes back to @last, where the task's state is hot, or, if @last is
 * this CPU, to a CPU whose worker is running anyway (no IPI to pay).  A
 * wake when this CPU is free (a thread about to wait for the task, an
 * idle CPU's interrupt) stays here, the cheapest place, unless @last's
 * worker is running.  Stealing rebalances the rest.
 *
 * Context: any (a hint: nothing is locked).
 * Return: the CPU to queue on, or -1 for this one.
 */
int kasync_wake_cpu(struct kasync_rt *rt, int last)
{
	int self = raw_smp_processor_id(), cpu, n = 0;

	/* The first case is the caller's, inline (kasync_ws_enqueue()). */
	if (!kasync_waker_busy())
		return last != self && kasync_worker_on(rt, last) ? last : -1;
	if (last != self)
		return last;
	/* The next online CPUs after this one (it comes last: stop there). */
	for_each_cpu_wrap(cpu, cpu_online_mask, (self + 1) % nr_cpu_ids) {
		if (cpu == self || n++ == kasync_tune.wake_scan)
			break;
		if (kasync_worker_on(rt, cpu))
			return cpu;
	}
	return -1;
}

/**
 * kasync_victim_first - where a steal starts looking for a busy CPU
 * @q: the stealing worker's queue
 *
 * A random CPU (xorshift on the worker's own state), so that stealers
 * spread over the victims; the steal then walks the CPUs from there.
 *
 * Context: @q's worker.
 * Return: a CPU number below nr_cpu_ids.
 */
int kasync_victim_first(struct kasync_cpu *q)
{
	u32 x = q->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	q->rng = x;
	return x % nr_cpu_ids;
}
