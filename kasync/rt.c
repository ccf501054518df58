// SPDX-License-Identifier: GPL-2.0
/*
 * kasync runtimes: creation and destruction, the default runtime, the
 * module notifier that cancels a departing module's tasks, and the CPU
 * hotplug callbacks.
 *
 * Locking:
 *
 *   kasync_rt_mutex (M) protects additions to and removals from
 *   kasync_rt_list, and is held by the hotplug callbacks while they walk
 *   it.  It is never held across a wait for tasks: a task that never
 *   ends must hold up only its own module's unload or its runtime's
 *   destroy, not CPU hotplug or other modules' runtimes.  The owner drain
 *   pins the runtime it drains (kasync_rt.pins) and drops the mutex;
 *   kasync_rt_destroy() waits for the pins to go before it takes the
 *   runtime off the list, so a pinned runtime's list neighbour is valid
 *   when the drain takes the mutex again.  kasync_rt_destroy() waits for
 *   a grace period after removing a runtime (ordering rule 6).
 *   Order: cpus_read_lock -> kasync_rt_mutex -> kasync_live.lock.
 *
 *   Finding a runtime's tasks to cancel them is live.c's ("kasync
 *   ordering rules" 7).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include <kasync/testing.h>
#include "compat.h"
#include "fail.h"
#include "live.h"
#include "pool.h"
#include "rt.h"
#include "sched.h"

static DEFINE_MUTEX(kasync_rt_mutex);
LIST_HEAD(kasync_rt_list);
struct kasync_rt *kasync_default_rt;
static enum cpuhp_state kasync_hp_state;

static struct kasync_rt *kasync_rt_find(const char *name)
{
	struct kasync_rt *rt;

	lockdep_assert_held(&kasync_rt_mutex);
	list_for_each_entry(rt, &kasync_rt_list, node) {
		if (!strcmp(rt->name, name))
			return rt;
	}
	return NULL;
}

static struct workqueue_struct *kasync_rt_alloc_wq(const char *name,
						   unsigned int flags)
{
	unsigned int wqf = 0;

	if (flags & KASYNC_RT_HIGHPRI)
		wqf |= WQ_HIGHPRI;
	if (flags & KASYNC_RT_MEM_RECLAIM)
		wqf |= WQ_MEM_RECLAIM;
	if (flags & KASYNC_RT_ORDERED)
		return alloc_ordered_workqueue("kasync-%s", wqf, name);
	return alloc_workqueue("kasync-%s", wqf | KASYNC_WQ_PERCPU, 0, name);
}

static bool kasync_rt_flags_valid(unsigned int flags)
{
	if (flags & ~KASYNC_RT_ALL_FLAGS)
		return false;
	/* One queue for all CPUs cannot also be one queue per CPU. */
	return (flags & (KASYNC_RT_PERCPU | KASYNC_RT_ORDERED)) !=
	       (KASYNC_RT_PERCPU | KASYNC_RT_ORDERED);
}

/**
 * kasync_rt_create - create a runtime
 * @name: unique name, shown in debugfs and in the workqueue's name (at
 *	most 23 characters, no '/')
 * @flags: %KASYNC_RT_PERCPU (thread per core, no stealing) or
 *	%KASYNC_RT_ORDERED (one FIFO, one poll at a time), or neither (work
 *	stealing); plus optionally %KASYNC_RT_HIGHPRI and
 *	%KASYNC_RT_MEM_RECLAIM
 *
 * Context: process context; sleeps.
 * Return: the runtime, or an ERR_PTR(): -EINVAL for a %NULL, empty, too
 * long or '/'-containing @name, or unknown or conflicting @flags; -EEXIST if a runtime of
 * that name exists; -ENOMEM.
 */
struct kasync_rt *kasync_rt_create(const char *name, unsigned int flags)
{
	struct kasync_rt *rt;
	int err;

	might_sleep();
	if (!name || !*name || strlen(name) >= KASYNC_NAME_MAX ||
	    strchr(name, '/') || !kasync_rt_flags_valid(flags))
		return ERR_PTR(-EINVAL);
	rt = kasync_kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	strscpy(rt->name, name, sizeof(rt->name));
	rt->flags = flags;
	rt->kind = kasync_kind_of(flags);

	err = -ENOMEM;
	rt->cpus = kasync_alloc_percpu(struct kasync_cpu);
	if (!rt->cpus)
		goto free_rt;
	rt->wq = kasync_should_fail(0) ? NULL : kasync_rt_alloc_wq(name, flags);
	if (!rt->wq)
		goto free_cpus;

	cpus_read_lock();
	mutex_lock(&kasync_rt_mutex);
	err = -EEXIST;
	if (kasync_rt_find(name))
		goto unlock;
	kasync_sched_init(rt);
	kasync_live_init(rt);
	list_add_tail_rcu(&rt->node, &kasync_rt_list);
	mutex_unlock(&kasync_rt_mutex);
	cpus_read_unlock();

	kasync_stats_add_rt(rt);
	return rt;

unlock:
	mutex_unlock(&kasync_rt_mutex);
	cpus_read_unlock();
	destroy_workqueue(rt->wq);
free_cpus:
	free_percpu(rt->cpus);
free_rt:
	kfree(rt);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(kasync_rt_create);

/**
 * kasync_rt_destroy - cancel all tasks of a runtime and free it
 * @rt: runtime from kasync_rt_create(); %NULL or an ERR_PTR() is ignored
 *
 * New spawns fail with -ESHUTDOWN from the start.  Every task is
 * cancelled, and this waits until all drop callbacks have returned.
 * Handles of the runtime's tasks stay valid: joining them returns
 * -ECANCELED (or the result, for tasks that completed), and they must
 * still be consumed.
 *
 * Context: process context; sleeps.  Not from a task of @rt.
 */
void kasync_rt_destroy(struct kasync_rt *rt)
{
	might_sleep();
	if (IS_ERR_OR_NULL(rt))
		return;
	kasync_live_set_dying(rt);
	kasync_live_drain(rt, NULL);
	kasync_sched_stop(rt);
	kasync_stats_del_rt(rt);

	mutex_lock(&kasync_rt_mutex);
	/* An owner drain on rt must step off it first (see the top). */
	while (rt->pins) {
		mutex_unlock(&kasync_rt_mutex);
		wait_var_event(&rt->pins, !READ_ONCE(rt->pins));
		mutex_lock(&kasync_rt_mutex);
	}
	list_del_rcu(&rt->node);
	mutex_unlock(&kasync_rt_mutex);
	/* Ordering rule 6: no late queue_work() reaches the workqueue. */
	synchronize_rcu();
	destroy_workqueue(rt->wq);
	WARN_ON_ONCE(fifo_len(&rt->inject));
	free_percpu(rt->cpus);
	kfree(rt);
}
EXPORT_SYMBOL_GPL(kasync_rt_destroy);

/**
 * kasync_cancel_owner - cancel and drain every task of a module
 * @owner: the module
 *
 * What the module notifier does on %MODULE_STATE_GOING: on return no code
 * of @owner runs for any kasync task.  Exported only to KUnit suites
 * (namespace EXPORTED_FOR_KUNIT_TESTING, kernels with KUnit only).
 *
 * Context: process context; sleeps.
 * Return: the number of tasks this call cancelled.
 */
unsigned int kasync_cancel_owner(struct module *owner)
{
	struct kasync_rt *rt, *next;
	unsigned int n = 0;

	might_sleep();
	if (WARN_ON_ONCE(!owner))
		return 0;
	mutex_lock(&kasync_rt_mutex);
	rt = list_first_entry_or_null(&kasync_rt_list, struct kasync_rt, node);
	while (rt) {
		/* Pinned: rt stays on the list while the mutex is dropped. */
		WRITE_ONCE(rt->pins, rt->pins + 1);
		mutex_unlock(&kasync_rt_mutex);
		n += kasync_live_drain(rt, owner);
		mutex_lock(&kasync_rt_mutex);
		next = list_is_last(&rt->node, &kasync_rt_list) ? NULL :
		       list_next_entry(rt, node);
		WRITE_ONCE(rt->pins, rt->pins - 1);
		if (!rt->pins)
			wake_up_var(&rt->pins);
		rt = next;
	}
	mutex_unlock(&kasync_rt_mutex);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(kasync_cancel_owner);

static int kasync_module_notify(struct notifier_block *nb,
				unsigned long action, void *data)
{
	struct module *mod = data;
	unsigned int n;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	n = kasync_cancel_owner(mod);
	/* Cancelled tasks orphaned their jobs; wait for those still running. */
	kasync_blocking_drain_owner(mod);
	if (n)
		pr_warn("kasync: module %s went away with %u live tasks; cancelled them\n",
			mod->name, n);
	return NOTIFY_OK;
}

static struct notifier_block kasync_module_nb = {
	.notifier_call = kasync_module_notify,
};

static int kasync_cpu_online(unsigned int cpu)
{
	struct kasync_rt *rt;

	mutex_lock(&kasync_rt_mutex);
	list_for_each_entry(rt, &kasync_rt_list, node)
		kasync_sched_cpu_up(rt, cpu);
	mutex_unlock(&kasync_rt_mutex);
	return 0;
}

static int kasync_cpu_offline(unsigned int cpu)
{
	struct kasync_rt *rt;

	mutex_lock(&kasync_rt_mutex);
	list_for_each_entry(rt, &kasync_rt_list, node)
		kasync_sched_cpu_down(rt, cpu);
	mutex_unlock(&kasync_rt_mutex);
	return 0;
}

/**
 * kasync_defer - run deferred work of kasync on the default runtime
 * @work: initialised work item
 *
 * For cleanup that must run in process context after the caller's
 * context returns (a socket's release).  The default runtime's workqueue
 * is drained when kasync.ko exits (ordering rule 6).
 *
 * Context: any.
 * Return: true if @work was queued; false if there is no default runtime
 * (kasync is exiting) and the caller must do the work itself.
 */
bool kasync_defer(struct work_struct *work)
{
	struct kasync_rt *rt = READ_ONCE(kasync_default_rt);

	if (!rt)
		return false;
	queue_work(rt->wq, work);
	return true;
}

/**
 * kasync_rt_init - register hotplug and module hooks, create "default"
 *
 * Context: module init.
 * Return: 0 or -errno.
 */
int kasync_rt_init(void)
{
	struct kasync_rt *rt;
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kasync:online",
					kasync_cpu_online, kasync_cpu_offline);
	if (ret < 0)
		return ret;
	kasync_hp_state = ret;
	ret = register_module_notifier(&kasync_module_nb);
	if (ret)
		goto remove_hp;
	rt = kasync_rt_create("default", 0);
	if (IS_ERR(rt)) {
		ret = PTR_ERR(rt);
		goto unregister_nb;
	}
	WRITE_ONCE(kasync_default_rt, rt);
	return 0;

unregister_nb:
	unregister_module_notifier(&kasync_module_nb);
remove_hp:
	cpuhp_remove_state_nocalls(kasync_hp_state);
	return ret;
}

/**
 * kasync_rt_exit - destroy the default runtime and any left behind
 *
 * Context: module exit; no user module is loaded any more.
 */
void kasync_rt_exit(void)
{
	struct kasync_rt *rt;

	rt = kasync_default_rt;
	WRITE_ONCE(kasync_default_rt, NULL);
	kasync_rt_destroy(rt);
	for (;;) {
		mutex_lock(&kasync_rt_mutex);
		rt = list_first_entry_or_null(&kasync_rt_list,
					      struct kasync_rt, node);
		mutex_unlock(&kasync_rt_mutex);
		if (!rt)
			break;
		pr_warn("kasync: runtime %s was not destroyed by its creator\n",
			rt->name);
		kasync_rt_destroy(rt);
	}
	unregister_module_notifier(&kasync_module_nb);
	cpuhp_remove_state_nocalls(kasync_hp_state);
}
