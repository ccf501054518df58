// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/primitives-sync.rst's examples, compiled by the build and
 * pulled into the document between the "ex_sync:" marker comments.
 *
 * Loading the module runs every example (spawn, join) and fails with
 * -EIO, after a pr_err(), if one does not behave as the document says;
 * loading it is therefore a test.  Nothing is left running afterwards.
 */
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <kasync.h>

#define EX_WAIT		(10 * HZ)	/* longest join before giving up */

/* Join @h; a task still running after EX_WAIT is aborted. */
static long ex_join(struct kasync_task **h)
{
	long r = kasync_join_timeout(h, EX_WAIT);

	if (r == -ETIMEDOUT && *h) {
		kasync_abort(*h);
		kasync_join(h);
	}
	return r;
}

/* Join h[0] to h[@n - 1]; -EIO if one of them failed, else @err. */
static int ex_join_all(struct kasync_task **h, int n, int err)
{
	while (n--)
		if (ex_join(&h[n]))
			err = -EIO;
	return err;
}

/* ex_sync: mutex begin */
#define EX_DEPOSITORS	4
#define EX_DEPOSITS	10

struct ex_account {
	struct kasync_mutex lock;
	u64 balance;		/* under lock */
};

struct ex_depositor {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct kasync_timer tm;
	struct ex_account *acct;
	u64 seen;
	long res;
	int i;
	bool locked;		/* for the drop callback */
};

static enum kasync_poll ex_depositor_poll(struct kasync_task *t, void *p)
{
	struct ex_depositor *s = p;

	KASYNC_BEGIN(&s->co);
	for (s->i = 0; s->i < EX_DEPOSITS; s->i++) {
		KASYNC_AWAIT(&s->co, kasync_mutex_lock(t, &s->acct->lock, &s->w,
						       &s->res));
		if (s->res)	/* -EINVAL: misuse, not locked */
			KASYNC_RETURN(&s->co, t, s->res);
		s->locked = true;
		s->seen = s->acct->balance;
		/* Held across an await: a spinlock could not be. */
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, 50 * NSEC_PER_USEC));
		s->acct->balance = s->seen + 1;
		s->locked = false;
		kasync_mutex_unlock(&s->acct->lock);
	}
	KASYNC_END(&s->co);
}

/* Aborted while holding the mutex: hand it on. */
static void ex_depositor_drop(void *p)
{
	struct ex_depositor *s = p;

	if (s->locked)
		kasync_mutex_unlock(&s->acct->lock);
}

static const struct kasync_task_ops ex_depositor_ops = {
	.poll = ex_depositor_poll,
	.drop = ex_depositor_drop,
};

/* ex_sync: mutex end */

static int ex_mutex(void)
{
	static struct ex_account acct;
	struct ex_depositor s = { .acct = &acct };
	struct kasync_task *h[EX_DEPOSITORS];
	int i, err = 0;

	kasync_mutex_init(&acct.lock);
	acct.balance = 0;
	for (i = 0; i < EX_DEPOSITORS; i++) {
		h[i] = kasync_spawn(NULL, &ex_depositor_ops, &s, sizeof(s),
				    GFP_KERNEL);
		if (IS_ERR(h[i])) {
			err = PTR_ERR(h[i]);
			break;
		}
	}
	err = ex_join_all(h, i, err);
	if (!err && acct.balance != EX_DEPOSITORS * EX_DEPOSITS) {
		pr_err("kasync_ex_sync: mutex: balance %llu, expected %d\n",
		       acct.balance, EX_DEPOSITORS * EX_DEPOSITS);
		err = -EIO;
	}
	if (kasync_mutex_is_locked(&acct.lock))
		err = -EIO;
	return err;
}

/* Record the most channels in use at once. */
static void ex_note_busy(atomic_t *max_seen, int busy)
{
	int old = atomic_read(max_seen);

	while (busy > old && !atomic_try_cmpxchg(max_seen, &old, busy))
		;
}

/* ex_sync: semaphore begin */
#define EX_SLOTS	4	/* DMA channels, say */
#define EX_JOBS		8

static DEFINE_KASYNC_SEM(ex_channels, EX_SLOTS, EX_SLOTS);
static atomic_t ex_busy = ATOMIC_INIT(0);
static atomic_t ex_busy_max = ATOMIC_INIT(0);

struct ex_job {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct kasync_timer tm;
	unsigned long need;	/* channels this job uses at once */
	unsigned long held;	/* for the drop callback */
	long res;
};

static enum kasync_poll ex_job_poll(struct kasync_task *t, void *p)
{
	struct ex_job *s = p;

	KASYNC_BEGIN(&s->co);
	/* FIFO: a job that needs all channels is not starved by small ones. */
	KASYNC_AWAIT(&s->co, kasync_sem_acquire(t, &ex_channels, s->need, &s->w,
						&s->res));
	if (s->res)	/* -EINVAL: more than the semaphore's maximum */
		KASYNC_RETURN(&s->co, t, s->res);
	s->held = s->need;
	ex_note_busy(&ex_busy_max, atomic_add_return(s->need, &ex_busy));
	KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, 200 * NSEC_PER_USEC));
	atomic_sub(s->need, &ex_busy);
	s->held = 0;
	kasync_sem_release(&ex_channels, s->need);
	KASYNC_END(&s->co);
}

static void ex_job_drop(void *p)
{
	struct ex_job *s = p;

	if (s->held) {
		atomic_sub(s->held, &ex_busy);
		kasync_sem_release(&ex_channels, s->held);
	}
}

static const struct kasync_task_ops ex_job_ops = {
	.poll = ex_job_poll,
	.drop = ex_job_drop,
};

/* ex_sync: semaphore end */

static int ex_semaphore(void)
{
	struct kasync_task *h[EX_JOBS];
	struct ex_job s = {};
	int i, err = 0;

	for (i = 0; i < EX_JOBS; i++) {
		s.need = i % 4 == 3 ? EX_SLOTS : 1;	/* some need them all */
		h[i] = kasync_spawn(NULL, &ex_job_ops, &s, sizeof(s),
				    GFP_KERNEL);
		if (IS_ERR(h[i])) {
			err = PTR_ERR(h[i]);
			break;
		}
	}
	err = ex_join_all(h, i, err);
	if (!err && (atomic_read(&ex_busy_max) > EX_SLOTS ||
		     kasync_sem_available(&ex_channels) != EX_SLOTS)) {
		pr_err("kasync_ex_sync: semaphore: %d busy at most, %lu free\n",
		       atomic_read(&ex_busy_max),
		       kasync_sem_available(&ex_channels));
		err = -EIO;
	}
	return err;
}

/* ex_sync: notify begin */
struct ex_inbox {
	struct kasync_notify bell;
	atomic_t items;
};

struct ex_consumer {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct ex_inbox *in;
	long res;
	int want;
	int got;
};

static enum kasync_poll ex_consumer_poll(struct kasync_task *t, void *p)
{
	struct ex_consumer *s = p;

	KASYNC_BEGIN(&s->co);
	while (s->got < s->want) {
		KASYNC_AWAIT(&s->co, kasync_notified(t, &s->in->bell, &s->w,
						     &s->res));
		s->got += atomic_xchg(&s->in->items, 0);
	}
	KASYNC_RETURN(&s->co, t, s->got);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops ex_consumer_ops = {
	.poll = ex_consumer_poll,
};

/* Any context, IRQ included: publish, then ring. */
static void ex_post(struct ex_inbox *in)
{
	atomic_inc(&in->items);
	kasync_notify_one(&in->bell);
}

/* ex_sync: notify end */

static int ex_notify(void)
{
	static struct ex_inbox in;
	struct ex_consumer s = { .in = &in, .want = 100 };
	struct kasync_task *h;
	long got;
	int i;

	kasync_notify_init(&in.bell);
	atomic_set(&in.items, 0);
	h = kasync_spawn(NULL, &ex_consumer_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	for (i = 0; i < s.want; i++)
		ex_post(&in);
	got = ex_join(&h);
	if (got != s.want) {
		pr_err("kasync_ex_sync: notify: consumed %ld of %d\n", got,
		       s.want);
		return -EIO;
	}
	return 0;
}

/* ex_sync: timeout begin */
struct ex_impatient {
	struct kasync_co co;
	struct kasync_sync_wait w;
	struct kasync_timer tm;
	struct kasync_mutex *m;
	long res;		/* the lock's */
	long err;		/* the time limit's */
};

static enum kasync_poll ex_impatient_poll(struct kasync_task *t, void *p)
{
	struct ex_impatient *s = p;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT_TIMEOUT(&s->co, t, &s->tm, 5 * NSEC_PER_MSEC,
			     kasync_mutex_lock(t, s->m, &s->w, &s->res),
			     kasync_mutex_lock_cancel(t, s->m, &s->w), &s->err);
	if (s->err)	/* -ETIMEDOUT: not locked, no longer queued */
		KASYNC_RETURN(&s->co, t, s->err);
	if (s->res)	/* -EINVAL: misuse, not locked */
		KASYNC_RETURN(&s->co, t, s->res);
	kasync_mutex_unlock(s->m);
	KASYNC_END(&s->co);
}

/* ex_sync: timeout end */

static const struct kasync_task_ops ex_impatient_ops = {
	.poll = ex_impatient_poll,
};

static int ex_timeout(void)
{
	static DEFINE_KASYNC_MUTEX(m);
	struct ex_impatient s = { .m = &m };
	struct kasync_task *h;
	long r;

	if (!kasync_mutex_trylock(&m))
		return -EIO;
	h = kasync_spawn(NULL, &ex_impatient_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h)) {
		kasync_mutex_unlock(&m);
		return PTR_ERR(h);
	}
	r = ex_join(&h);
	kasync_mutex_unlock(&m);
	if (r != -ETIMEDOUT || kasync_mutex_is_locked(&m)) {
		pr_err("kasync_ex_sync: timeout: %ld, expected -ETIMEDOUT\n", r);
		return -EIO;
	}
	/* Unlocked now: the same await takes it at once. */
	h = kasync_spawn(NULL, &ex_impatient_ops, &s, sizeof(s), GFP_KERNEL);
	if (IS_ERR(h))
		return PTR_ERR(h);
	r = ex_join(&h);
	if (r || kasync_mutex_is_locked(&m)) {
		pr_err("kasync_ex_sync: timeout: %ld on an unlocked mutex\n", r);
		return -EIO;
	}
	return 0;
}

static int __init ex_sync_init(void)
{
	int err;

	err = ex_mutex();
	if (!err)
		err = ex_semaphore();
	if (!err)
		err = ex_notify();
	if (!err)
		err = ex_timeout();
	if (err) {
		pr_err("kasync_ex_sync: an example failed (%d)\n", err);
		return err == -ENOMEM ? err : -EIO;
	}
	pr_info("kasync_ex_sync: mutex, semaphore, notify and timeout examples ok\n");
	return 0;
}
module_init(ex_sync_init);

static void __exit ex_sync_exit(void)
{
}
module_exit(ex_sync_exit);

MODULE_DESCRIPTION("kasync: sync examples from Documentation/primitives.rst");
MODULE_LICENSE("GPL");
