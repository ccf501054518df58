// SPDX-License-Identifier: GPL-2.0
/*
 * kasync's task view: /sys/kernel/debug/kasync/<runtime>/tasks, one line
 * per live task (Documentation/observability.rst names the columns).
 *
 * It reads the runtime's per-CPU live lists (live.c) a page at a time:
 * seq_file's start() takes one list's lock and stop() drops it, so the
 * lock is never held across more than one page of output (a few dozen
 * tasks) nor across a copy to user space, and a dump of 100,000 tasks
 * never stalls the runtime.  Between two pages the reader keeps a
 * reference on the last task it listed and resumes after it.  If that
 * task was reaped meanwhile (its entry is then empty), it resumes at the
 * first task with a larger id: ids grow along each list (live.c assigns
 * them in list order), so no task is listed twice, and none that stays
 * listed is skipped.
 */
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "detect.h"
#include "live.h"
#include "sched.h"

struct kasync_tasks_iter {
	struct kasync_rt *rt;
	int cpu;			/* the list being read */
	bool locked;			/* its lock is held (start to stop) */
	unsigned long flags;
	struct kasync_task *last;	/* last task consumed under the lock */
	struct kasync_task *held;	/* last task consumed, referenced */
	u64 held_id;
	u64 now_ns;
	unsigned long now_j;
};

static struct kasync_live *kasync_tasks_list(struct kasync_tasks_iter *it)
{
	return &kasync_cpu_of(it->rt, it->cpu)->live;
}

static void kasync_tasks_unhold(struct kasync_tasks_iter *it)
{
	if (it->held)
		kasync_task_put(it->held);
	it->held = NULL;
}

/* The first task of list it->cpu after the one held; locks that list. */
static struct kasync_task *kasync_tasks_resume(struct kasync_tasks_iter *it)
{
	struct kasync_live *l;
	struct kasync_task *t;
	struct list_head *pos;

	while (it->cpu < nr_cpu_ids) {
		l = kasync_tasks_list(it);
		spin_lock_irqsave(&l->lock, it->flags);
		it->locked = true;
		pos = l->tasks.next;
		if (it->held && !list_empty(&it->held->live)) {
			pos = it->held->live.next;
		} else if (it->held) {
			/* Reaped since: the first one after it by id. */
			list_for_each_entry(t, &l->tasks, live) {
				if (t->id > it->held_id)
					break;
			}
			pos = &t->live;
		}
		if (pos != &l->tasks)
			return list_entry(pos, struct kasync_task, live);
		spin_unlock_irqrestore(&l->lock, it->flags);
		it->locked = false;
		kasync_tasks_unhold(it);
		it->cpu = cpumask_next(it->cpu, cpu_possible_mask);
	}
	return NULL;
}

static void *kasync_tasks_start(struct seq_file *m, loff_t *pos)
{
	struct kasync_tasks_iter *it = m->private;

	it->now_ns = kasync_clock();
	it->now_j = jiffies;
	it->last = NULL;
	if (*pos == 0) {
		kasync_tasks_unhold(it);
		it->cpu = cpumask_first(cpu_possible_mask);
		return SEQ_START_TOKEN;
	}
	return kasync_tasks_resume(it);
}

static void *kasync_tasks_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kasync_tasks_iter *it = m->private;
	struct kasync_task *t = v;

	++*pos;
	if (v == SEQ_START_TOKEN)
		return kasync_tasks_resume(it);
	it->last = t;
	if (t->live.next != &kasync_tasks_list(it)->tasks)
		return list_entry(t->live.next, struct kasync_task, live);
	/* End of this CPU's list. */
	spin_unlock_irqrestore(&kasync_tasks_list(it)->lock, it->flags);
	it->locked = false;
	it->last = NULL;
	kasync_tasks_unhold(it);
	it->cpu = cpumask_next(it->cpu, cpu_possible_mask);
	return kasync_tasks_resume(it);
}

static void kasync_tasks_stop(struct seq_file *m, void *v)
{
	struct kasync_tasks_iter *it = m->private;

	if (!it->locked)
		return;
	/* Listed, so alive: a reference keeps it so once we unlock. */
	if (it->last && it->last != it->held) {
		kasync_task_get(it->last);
		kasync_tasks_unhold(it);
		it->held = it->last;
		it->held_id = it->last->id;
	}
	it->last = NULL;
	spin_unlock_irqrestore(&kasync_tasks_list(it)->lock, it->flags);
	it->locked = false;
}

static const char *kasync_task_state_name(const struct kasync_task *t)
{
	long s = atomic_long_read(&t->state);

	if (s & KT_NEW)
		return "new";
	if (s & (KT_FINAL | KT_COMPLETED))
		return "done";
	if (s & KT_CANCELLED)
		return "cancelled";
	if (s & KT_RUNNING)
		return "running";
	if (s & KT_SCHEDULED)
		return "queued";
	/*
	 * Polled, pending, and nothing armed: nothing will wake it.  Racy
	 * reads of the poll owner's fields, as in kasync_tasks_show().
	 */
	if (data_race(t->polls) && data_race(t->wait_kind) == KASYNC_WAIT_NONE)
		return "stuck";
	return "waiting";
}

static int kasync_tasks_show(struct seq_file *m, void *v)
{
	struct kasync_tasks_iter *it = m->private;
	const struct kasync_task *t = v;
	const struct kasync_site *site;
	char name[48];
	u64 last;
	u8 kind;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "id name owner cpu state age_ms polls busy_us longest_us idle_ms wait site\n");
		return 0;
	}
	/*
	 * Racy reads (data_race()) of fields the poll's owner writes with
	 * plain stores: a snapshot for people, not a state to act on.
	 */
	kasync_task_name(t, name, sizeof(name));
	site = data_race(t->site);
	kind = data_race(t->wait_kind);
	last = data_race(t->last_ns);
	seq_printf(m, "%llu %s %s %d %s %u %u %llu %u ", t->id, name,
		   t->owner ? t->owner->name : "-", data_race(t->cpu),
		   kasync_task_state_name(t),
		   jiffies_to_msecs(it->now_j - (unsigned long)t->born),
		   data_race(t->polls),
		   div_u64(data_race(t->busy_ns), NSEC_PER_USEC),
		   data_race(t->longest_ns) / (u32)NSEC_PER_USEC);
	if (last)
		seq_printf(m, "%llu ", it->now_ns > last ?
			   div_u64(it->now_ns - last, NSEC_PER_MSEC) : 0);
	else
		seq_puts(m, "- ");
	seq_printf(m, "%s ", kasync_wait_kind_names[kind < KASYNC_WAIT_NR ?
						    kind : 0]);
	if (site)
		seq_printf(m, "%s:%u\n", site->func, site->line);
	else
		seq_puts(m, "-\n");
	return 0;
}

static const struct seq_operations kasync_tasks_sops = {
	.start = kasync_tasks_start,
	.next = kasync_tasks_next,
	.stop = kasync_tasks_stop,
	.show = kasync_tasks_show,
};

static int kasync_tasks_open(struct inode *inode, struct file *file)
{
	struct kasync_tasks_iter *it;

	it = __seq_open_private(file, &kasync_tasks_sops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->rt = inode->i_private;
	it->cpu = cpumask_first(cpu_possible_mask);
	return 0;
}

static int kasync_tasks_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	/* The runtime may be gone: only the held task is touched. */
	kasync_tasks_unhold(m->private);
	return seq_release_private(inode, file);
}

static const struct file_operations kasync_tasks_fops = {
	.owner = THIS_MODULE,
	.open = kasync_tasks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kasync_tasks_release,
};

/**
 * kasync_tasks_add_debugfs - create a runtime's "tasks" file
 * @rt: the runtime
 * @dir: its debugfs directory
 */
void kasync_tasks_add_debugfs(struct kasync_rt *rt, struct dentry *dir)
{
	debugfs_create_file("tasks", 0400, dir, rt, &kasync_tasks_fops);
}
