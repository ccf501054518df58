// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_observe: what kasync shows of its tasks.
 *
 * - The detectors (kasync/detect.h): a poll that runs long, sleeps,
 *   returns holding a spinlock, an RCU read lock, preemption or
 *   interrupts disabled, reports PENDING with nothing armed, or resumes a
 *   <kasync/co.h> function at a line no case matches: each counted every
 *   time and reported once per task, and the leaks cancel the task.
 *   The cases expect the reports (kt_expect_misuse()), so that they are
 *   counted lines of log and not warnings, and count them.
 * - The task view, /sys/kernel/debug/kasync/<runtime>/tasks: a task per
 *   kind of wake source shows that kind and the line of its await; names
 *   and ids; a cancelled task leaves the view; 100,000 tasks are listed,
 *   each once, while the runtime goes on polling.
 */
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "kasync_test.h"

static struct kasync_rt *ko_rt(struct kunit *test, const char *name)
{
	struct kasync_rt *rt = kasync_rt_create(name, 0);

	KUNIT_ASSERT_FALSE(test, IS_ERR(rt));
	return rt;
}

static struct kasync_stats ko_stats(struct kasync_rt *rt)
{
	struct kasync_stats s;

	kasync_rt_stats(rt, &s);
	return s;
}

/* ---- detectors ------------------------------------------------------------ */

struct ko_busy {
	unsigned int polls;	/* how many polls before READY */
	unsigned int n;
	unsigned int spin_us;
	bool sleep;
	atomic_t *switched;	/* polls whose sleep switched the thread out */
};

static enum kasync_poll ko_busy_poll(struct kasync_task *t, void *p)
{
	struct ko_busy *s = p;

	if (s->spin_us)
		kt_spin_us(s->spin_us);
	if (s->sleep) {
		unsigned long nvcsw = current->nvcsw;

		/*
		 * What a poll must not do.  A sleep whose timer fires before
		 * schedule() runs (a slow vCPU) does not switch: the detector
		 * rightly counts only the sleeps that did.
		 */
		usleep_range(200, 400);
		if (current->nvcsw != nvcsw)
			atomic_inc(s->switched);
	}
	if (++s->n >= s->polls)
		return KASYNC_READY;
	kasync_wake(t);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ko_busy_ops = { .poll = ko_busy_poll };

static void ko_long_poll_restore(void *old)
{
	kasync_detect_long_poll_us = (unsigned long)old;
}

/* Two long polls: counted twice, reported once; short ones: neither. */
static void ko_detect_long_poll(struct kunit *test)
{
	struct kasync_rt *rt = ko_rt(test, "ko_long");
	struct ko_busy init = { .polls = 2, .spin_us = 300000 };
	struct kasync_task *h;
	unsigned int seen;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
			ko_long_poll_restore,
			(void *)(unsigned long)kasync_detect_long_poll_us), 0);
	/*
	 * The VM raises the default: its vCPU stalls would count.  100 ms
	 * here, against polls of 300 ms and of 50 us.
	 */
	kasync_detect_long_poll_us = 100000;
	seen = kt_expect_misuse(test);
	h = kasync_spawn(rt, &ko_busy_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).long_polls, 2ULL);
	KT_EXPECT_MISUSE(test, seen, 1);

	/* Short polls, under the threshold: nothing. */
	init.spin_us = 50;
	init.n = 0;
	init.polls = 5;
	h = kasync_spawn(rt, &ko_busy_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).long_polls, 2ULL);
	KT_EXPECT_MISUSE(test, seen, 1);

	/* 0: off. */
	kasync_detect_long_poll_us = 0;
	init.spin_us = 150000;
	init.n = 0;
	init.polls = 1;
	h = kasync_spawn(rt, &ko_busy_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).long_polls, 2ULL);
	kasync_rt_destroy(rt);
}

/* Three polls that sleep: each that switched out counted, one report. */
static void ko_detect_sleep(struct kunit *test)
{
	struct kasync_rt *rt = ko_rt(test, "ko_sleep");
	atomic_t switched = ATOMIC_INIT(0);
	struct ko_busy init = { .polls = 3, .sleep = true,
				.switched = &switched };
	struct kasync_task *h;
	unsigned int seen;

	seen = kt_expect_misuse(test);
	h = kasync_spawn(rt, &ko_busy_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	/* Kept polling: the task finishes with its own result. */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_ASSERT_GT(test, atomic_read(&switched), 0);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).slept_polls,
			(u64)atomic_read(&switched));
	KT_EXPECT_MISUSE(test, seen, 1);

	/* Polls that only spin do not count. */
	init.sleep = false;
	init.spin_us = 200;
	init.n = 0;
	h = kasync_spawn(rt, &ko_busy_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 0L);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).slept_polls,
			(u64)atomic_read(&switched));
	KT_EXPECT_MISUSE(test, seen, 1);
	kasync_rt_destroy(rt);
}

/* What a leaking poll leaves held; its drop undoes it. */
enum ko_leak {
	KO_LEAK_SPINLOCK,
	KO_LEAK_RCU,
	KO_LEAK_PREEMPT,
	KO_LEAK_IRQ,
	KO_LEAK_NR
};

static const char *const ko_leak_names[KO_LEAK_NR] = {
	"spinlock", "rcu", "preempt", "irq",
};

static DEFINE_SPINLOCK(ko_lock);

struct ko_leaker {
	enum ko_leak how;
	bool held;
	atomic_t *dropped;
};

static enum kasync_poll ko_leaker_poll(struct kasync_task *t, void *p)
{
	struct ko_leaker *s = p;

	switch (s->how) {
	case KO_LEAK_SPINLOCK:
		spin_lock(&ko_lock);
		break;
	case KO_LEAK_RCU:
		rcu_read_lock();
		break;
	case KO_LEAK_PREEMPT:
		preempt_disable();
		break;
	default:
		local_irq_disable();
		break;
	}
	s->held = true;
	/* The await it would hold it across. */
	kasync_wake(t);
	return KASYNC_PENDING;
}

/* Runs in the same worker, at once: what the task's owner would undo. */
static void ko_leaker_drop(void *p)
{
	struct ko_leaker *s = p;

	if (s->held) {
		switch (s->how) {
		case KO_LEAK_SPINLOCK:
			spin_unlock(&ko_lock);
			break;
		case KO_LEAK_RCU:
			rcu_read_unlock();
			break;
		case KO_LEAK_PREEMPT:
			preempt_enable();
			break;
		default:
			local_irq_enable();
			break;
		}
	}
	atomic_inc(s->dropped);
}

static const struct kasync_task_ops ko_leaker_ops = {
	.poll = ko_leaker_poll,
	.drop = ko_leaker_drop,
};

static void ko_leak_desc(const enum ko_leak *how, char *desc)
{
	strscpy(desc, ko_leak_names[*how], KUNIT_PARAM_DESC_SIZE);
}

static const enum ko_leak ko_leaks[] = {
	KO_LEAK_SPINLOCK, KO_LEAK_RCU, KO_LEAK_PREEMPT, KO_LEAK_IRQ,
};
KUNIT_ARRAY_PARAM(ko_leak, ko_leaks, ko_leak_desc);

/* Reported once, counted, and cancelled: polled once, dropped once. */
static void ko_detect_context(struct kunit *test)
{
	const enum ko_leak *how = test->param_value;
	struct kasync_rt *rt = ko_rt(test, "ko_ctx");
	atomic_t dropped = ATOMIC_INIT(0);
	struct ko_leaker init = { .how = *how, .dropped = &dropped };
	struct kasync_task *h;
	unsigned int seen;

	seen = kt_expect_misuse(test);
	h = kasync_spawn(rt, &ko_leaker_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	/* It woke itself: only the detector's cancel ends it. */
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&dropped), 1);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).context_leaks, 1ULL);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).polls, 1ULL);
	KT_EXPECT_MISUSE(test, seen, 1);
	kasync_rt_destroy(rt);
}

/* PENDING with nothing armed: counted, reported once, shown "stuck". */
static enum kasync_poll ko_stuck_poll(struct kasync_task *t, void *p)
{
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ko_stuck_ops = {
	.poll = ko_stuck_poll,
	.name = "ko_stuck",
};

/* ---- reading the task view ------------------------------------------------- */

/*
 * debugfs wraps the file's operations in a proxy without ->read_iter, so
 * kernel_read() refuses it; it is a seq_file, read it as seq_read() does.
 */
static ssize_t ko_read_seq(struct file *f, char *buf, size_t size)
{
	struct kvec kv = { .iov_base = buf, .iov_len = size };
	struct iov_iter iter;
	struct kiocb kiocb;

	init_sync_kiocb(&kiocb, f);
	kiocb.ki_pos = f->f_pos;
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, size);
	return seq_read_iter(&kiocb, &iter);
}

/* One row of the view, split into its 12 fields. */
struct ko_row {
	u64 id;
	char *name, *owner, *state, *wait, *site;
	unsigned int polls;
};

#define KO_FIELDS	12

static bool ko_parse(char *line, struct ko_row *r)
{
	char *f[KO_FIELDS];
	int i;

	for (i = 0; i < KO_FIELDS; i++) {
		f[i] = strsep(&line, " ");
		if (!f[i] || !*f[i])
			return false;
	}
	if (line || kstrtoull(f[0], 10, &r->id) ||
	    kstrtouint(f[6], 10, &r->polls))
		return false;
	r->name = f[1];
	r->owner = f[2];
	r->state = f[4];
	r->wait = f[10];
	r->site = f[11];
	return true;
}

/*
 * Read /sys/kernel/debug/kasync/@rt/tasks with reads of @chunk bytes,
 * calling @fn for each row.  Returns the rows, or a negative errno (a
 * malformed row, header included, is -EBADMSG).
 */
static long ko_view(const char *rt, size_t chunk,
		    void (*fn)(struct ko_row *r, void *arg), void *arg)
{
	struct file_system_type *type;
	size_t have = 0, size = chunk + 256;
	struct vfsmount *mnt;
	long rows = -1;
	char path[64], *buf, *nl, *line;
	struct ko_row r;
	struct file *f;
	ssize_t n;

	buf = kvmalloc(size + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	type = get_fs_type("debugfs");
	if (!type) {
		kvfree(buf);
		return -ENODEV;
	}
	mnt = kern_mount(type);
	module_put(type->owner);
	if (IS_ERR(mnt)) {
		kvfree(buf);
		return PTR_ERR(mnt);
	}
	snprintf(path, sizeof(path), "kasync/%s/tasks", rt);
	f = file_open_root_mnt(mnt, path, O_RDONLY, 0);
	if (IS_ERR(f)) {
		rows = PTR_ERR(f);
		goto out;
	}
	for (;;) {
		n = ko_read_seq(f, buf + have, min(chunk, size - have));
		if (n < 0) {
			rows = n;
			break;
		}
		if (!n)
			break;
		f->f_pos += n;
		have += n;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (rows < 0) {
				if (strcmp(line, "id name owner cpu state age_ms polls busy_us longest_us idle_ms wait site")) {
					rows = -EBADMSG;
					goto close;
				}
				rows = 0;
			} else if (!ko_parse(line, &r)) {
				rows = -EBADMSG;
				goto close;
			} else {
				rows++;
				if (fn)
					fn(&r, arg);
			}
			line = nl + 1;
		}
		have -= line - buf;
		memmove(buf, line, have);
		cond_resched();
	}
	if (have)
		rows = -EBADMSG;	/* a row without its newline */
close:
	filp_close(f, NULL);
out:
	kern_unmount(mnt);
	kvfree(buf);
	return rows;
}

/* Looking for one task's row. */
struct ko_find {
	u64 id;
	bool found;
	char name[48], owner[64], state[16], wait[16], site[96];
	unsigned int polls;
};

static void ko_find_fn(struct ko_row *r, void *arg)
{
	struct ko_find *fd = arg;

	if (r->id != fd->id)
		return;
	fd->found = true;
	strscpy(fd->name, r->name, sizeof(fd->name));
	strscpy(fd->owner, r->owner, sizeof(fd->owner));
	strscpy(fd->state, r->state, sizeof(fd->state));
	strscpy(fd->wait, r->wait, sizeof(fd->wait));
	strscpy(fd->site, r->site, sizeof(fd->site));
	fd->polls = r->polls;
}

static bool ko_find_id(struct kunit *test, const char *rt, u64 id,
		       struct ko_find *fd)
{
	long rows;

	memset(fd, 0, sizeof(*fd));
	fd->id = id;
	rows = ko_view(rt, PAGE_SIZE, ko_find_fn, fd);
	KUNIT_EXPECT_GE(test, rows, 0L);
	return fd->found;
}

static bool ko_find(struct kunit *test, const char *rt, struct kasync_task *h,
		    struct ko_find *fd)
{
	return ko_find_id(test, rt, kasync_task_id(h), fd);
}

static void ko_detect_no_waker(struct kunit *test)
{
	struct kasync_rt *rt = ko_rt(test, "ko_nowaker");
	struct kasync_task *h;
	struct ko_find fd;
	unsigned int seen;

	seen = kt_expect_misuse(test);
	h = kasync_spawn(rt, &ko_stuck_ops, NULL, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_TRUE(test, kt_wait_for(ko_stats(rt).no_waker == 1, 5000));
	KT_EXPECT_MISUSE(test, seen, 1);
	KUNIT_EXPECT_TRUE(test, ko_find(test, "ko_nowaker", h, &fd));
	KUNIT_EXPECT_STREQ(test, fd.state, "stuck");
	KUNIT_EXPECT_STREQ(test, fd.wait, "none");
	KUNIT_EXPECT_STREQ(test, fd.name, "ko_stuck");

	/* Woken by hand: counted again, not reported again. */
	kasync_wake(h);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(ko_stats(rt).no_waker == 2, 5000));
	KT_EXPECT_MISUSE(test, seen, 1);
	KUNIT_EXPECT_EQ(test, kasync_abort(h), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-ECANCELED);
	kasync_rt_destroy(rt);
}

/* ---- the co.h resume check --------------------------------------------------- */

struct ko_lost {
	struct kasync_co co;
	int mode;
	atomic_t *dropped;
};

/* An await inside a switch of its own: its case label is not the macros'. */
static enum kasync_poll ko_lost_poll(struct kasync_task *t, void *p)
{
	struct ko_lost *s = p;

	KASYNC_BEGIN(&s->co);
	switch (s->mode) {
	case 1:
		KASYNC_YIELD(&s->co);
		break;
	default:
		break;
	}
	KASYNC_RETURN(&s->co, t, 7);
	KASYNC_END(&s->co);
}

static void ko_lost_drop(void *p)
{
	struct ko_lost *s = p;

	atomic_inc(s->dropped);
}

static const struct kasync_task_ops ko_lost_ops = {
	.poll = ko_lost_poll,
	.drop = ko_lost_drop,
};

static void ko_co_lost(struct kunit *test)
{
	struct kasync_rt *rt = ko_rt(test, "ko_co");
	atomic_t dropped = ATOMIC_INIT(0);
	struct ko_lost init = { .mode = 0, .dropped = &dropped };
	struct kasync_task *h;
	unsigned int seen;

	/* The control: no await in the switch's path, no report. */
	seen = kt_expect_misuse(test);
	h = kasync_spawn(rt, &ko_lost_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), 7L);
	KT_EXPECT_MISUSE(test, seen, 0);

	/* The yield's resume finds no case: reported, cancelled, -EILSEQ. */
	init.mode = 1;
	h = kasync_spawn(rt, &ko_lost_ops, &init, sizeof(init), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h));
	KUNIT_EXPECT_EQ(test, kasync_join(&h), (long)-EILSEQ);
	KUNIT_EXPECT_EQ(test, atomic_read(&dropped), 2);
	KUNIT_EXPECT_EQ(test, ko_stats(rt).co_lost, 1ULL);
	KT_EXPECT_MISUSE(test, seen, 1);
	kasync_rt_destroy(rt);
}

/* ---- the task view: one task per kind of wake source ----------------------- */

static const char *const ko_kind_names[KASYNC_WAIT_NR] = {
	"none", "timer", "waitqueue", "file", "socket", "sync", "channel",
	"join", "group", "blocking", "other",
};

/* The line of each kind's await, recorded by its poll. */
static unsigned int ko_line[KASYNC_WAIT_NR];

#define KO_AWAIT(kind, co, expr)					\
	do { ko_line[kind] = __LINE__; KASYNC_AWAIT(co, expr); } while (0)

/* What the tasks wait on, shared with the test. */
struct ko_env {
	struct wait_queue_head wq;
	struct wait_queue_head fwq;
	struct kasync_notify nf;
	struct kasync_chan *ch;
	struct kasync_group *g;
	struct kasync_sock *ks;
	struct file *file;
	struct completion release;
	struct kasync_task *child;
};

struct ko_waiter {
	struct kasync_co co;
	enum kasync_wait_kind kind;
	struct ko_env *e;
	struct kasync_timer tm;
	struct kasync_wait w;
	struct kasync_pollfd pfd;
	__poll_t revents;
	struct kasync_sock_op op;
	struct sockaddr_storage from;
	char buf[8];
	struct kasync_sync_wait sw;
	struct kasync_chan_wait cw;
	u64 item;
	struct kasync_task *child;
	struct kasync_group_wait gw;
	struct kasync_blocking b;
	long res;
};

static long ko_block(void *arg)
{
	struct ko_env *e = arg;

	wait_for_completion(&e->release);
	return 0;
}

static enum kasync_poll ko_waiter_poll(struct kasync_task *t, void *p)
{
	struct ko_waiter *s = p;
	struct ko_env *e = s->e;

	KASYNC_BEGIN(&s->co);
	if (s->kind == KASYNC_WAIT_TIMER)
		KO_AWAIT(KASYNC_WAIT_TIMER, &s->co, kasync_sleep(t, &s->tm, 3600ULL * NSEC_PER_SEC));
	else if (s->kind == KASYNC_WAIT_WAITQ)
		KO_AWAIT(KASYNC_WAIT_WAITQ, &s->co, kasync_wait_event(t, &s->w, &e->wq, false));
	else if (s->kind == KASYNC_WAIT_FILE)
		KO_AWAIT(KASYNC_WAIT_FILE, &s->co, kasync_poll_file(t, &s->pfd, e->file, EPOLLIN, &s->revents));
	else if (s->kind == KASYNC_WAIT_SOCKET)
		KO_AWAIT(KASYNC_WAIT_SOCKET, &s->co, kasync_sock_recvfrom(t, e->ks, &s->op, s->buf, sizeof(s->buf), &s->from, &s->res));
	else if (s->kind == KASYNC_WAIT_SYNC)
		KO_AWAIT(KASYNC_WAIT_SYNC, &s->co, kasync_notified(t, &e->nf, &s->sw, &s->res));
	else if (s->kind == KASYNC_WAIT_CHAN)
		KO_AWAIT(KASYNC_WAIT_CHAN, &s->co, kasync_chan_recv(t, e->ch, &s->cw, &s->item, &s->res));
	else if (s->kind == KASYNC_WAIT_JOIN)
		KO_AWAIT(KASYNC_WAIT_JOIN, &s->co, kasync_join_poll(t, &s->child, &s->res));
	else if (s->kind == KASYNC_WAIT_GROUP)
		KO_AWAIT(KASYNC_WAIT_GROUP, &s->co, kasync_group_next(t, e->g, &s->gw, &s->res));
	else if (s->kind == KASYNC_WAIT_BLOCKING)
		KO_AWAIT(KASYNC_WAIT_BLOCKING, &s->co, kasync_blocking(t, &s->b, ko_block, e, &s->res));
	KASYNC_END(&s->co);
}

static void ko_waiter_drop(void *p)
{
	struct ko_waiter *s = p;

	if (s->child)
		kasync_detach(&s->child);
}

static const struct kasync_task_ops ko_waiter_ops = {
	.poll = ko_waiter_poll,
	.drop = ko_waiter_drop,
};

/* Waits for the test (which aborts it), and says so. */
static enum kasync_poll ko_other_poll(struct kasync_task *t, void *p)
{
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ko_other_ops = { .poll = ko_other_poll };

static __poll_t ko_file_poll(struct file *file, poll_table *pt)
{
	struct ko_env *e = file->private_data;

	poll_wait(file, &e->fwq, pt);
	return 0;
}

static const struct file_operations ko_fops = {
	.owner = THIS_MODULE,
	.poll = ko_file_poll,
	.llseek = noop_llseek,
};

static void ko_view_kinds(struct kunit *test)
{
	struct kasync_rt *rt = ko_rt(test, "ko_kinds");
	struct kasync_task *h[KASYNC_WAIT_NR] = {};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct ko_waiter init;
	struct kasync_chan *tx;
	struct ko_find fd;
	char site[96];
	struct ko_env *e;
	u64 id;
	int k;

	e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	init_waitqueue_head(&e->wq);
	init_waitqueue_head(&e->fwq);
	kasync_notify_init(&e->nf);
	init_completion(&e->release);
	e->ch = kasync_chan_new(sizeof(u64), 4, NULL, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(e->ch));
	e->g = kasync_group_new(rt, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(e->g));
	KUNIT_ASSERT_EQ(test, kasync_group_spawn(e->g, &ko_other_ops, NULL, 0,
						 GFP_KERNEL), 0);
	e->ks = kasync_sock_create(NULL, AF_INET, SOCK_DGRAM, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(e->ks));
	KUNIT_ASSERT_EQ(test, kasync_sock_bind(e->ks, (struct sockaddr *)&sin,
					       sizeof(sin)), 0);
	e->file = anon_inode_getfile("[kasync-observe]", &ko_fops, e, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(e->file));

	for (k = KASYNC_WAIT_TIMER; k < KASYNC_WAIT_OTHER; k++) {
		memset(&init, 0, sizeof(init));
		init.kind = k;
		init.e = e;
		if (k == KASYNC_WAIT_JOIN) {
			init.child = kasync_spawn(rt, &ko_other_ops, NULL, 0,
						  GFP_KERNEL);
			KUNIT_ASSERT_FALSE(test, IS_ERR(init.child));
			e->child = init.child;
			kasync_task_get(e->child);
		}
		h[k] = kasync_spawn(rt, &ko_waiter_ops, &init, sizeof(init),
				    GFP_KERNEL);
		KUNIT_ASSERT_FALSE(test, IS_ERR(h[k]));
	}
	h[KASYNC_WAIT_OTHER] = kasync_spawn(rt, &ko_other_ops, NULL, 0,
					    GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(h[KASYNC_WAIT_OTHER]));
	kasync_task_set_name(h[KASYNC_WAIT_OTHER], "ko_named");

	for (k = KASYNC_WAIT_TIMER; k < KASYNC_WAIT_NR; k++) {
		/* Polled once and waiting: the row settles. */
		KUNIT_EXPECT_TRUE(test, kt_wait_for(ko_find(test, "ko_kinds", h[k], &fd) &&
						    fd.polls >= 1 &&
						    !strcmp(fd.state, "waiting"), 5000));
		KUNIT_EXPECT_STREQ_MSG(test, fd.wait, ko_kind_names[k],
				       "kind %d", k);
		KUNIT_EXPECT_STREQ(test, fd.owner, "kasync_observe_test");
		if (k == KASYNC_WAIT_OTHER) {
			KUNIT_EXPECT_STREQ(test, fd.site, "-");
			KUNIT_EXPECT_STREQ(test, fd.name, "ko_named");
			continue;
		}
		snprintf(site, sizeof(site), "ko_waiter_poll:%u", ko_line[k]);
		KUNIT_EXPECT_STREQ_MSG(test, fd.site, site, "kind %d", k);
		/* No name given: the poll function's symbol. */
		KUNIT_EXPECT_STREQ(test, fd.name, "ko_waiter_poll");
	}

	/* A cancelled task leaves the view once finalized and reaped. */
	id = kasync_task_id(h[KASYNC_WAIT_TIMER]);
	KUNIT_EXPECT_TRUE(test, ko_find_id(test, "ko_kinds", id, &fd));
	KUNIT_EXPECT_EQ(test, kasync_abort(h[KASYNC_WAIT_TIMER]), 0);
	KUNIT_EXPECT_EQ(test, kasync_join(&h[KASYNC_WAIT_TIMER]),
			(long)-ECANCELED);
	KUNIT_EXPECT_TRUE(test, kt_wait_for(!ko_find_id(test, "ko_kinds", id,
							&fd), 5000));
	/* The others stay: the join's child among them. */
	KUNIT_EXPECT_TRUE(test, ko_find(test, "ko_kinds", e->child, &fd));

	complete_all(&e->release);
	for (k = KASYNC_WAIT_TIMER; k < KASYNC_WAIT_NR; k++) {
		if (!h[k])
			continue;
		kasync_abort(h[k]);
		kasync_join(&h[k]);
	}
	kasync_abort(e->child);
	kasync_task_put(e->child);
	kasync_group_destroy(e->g);
	/* The creator holds the receiver and one sender: drop both. */
	tx = e->ch;
	kasync_chan_sender_drop(&tx);
	kasync_chan_rx_drop(&e->ch);
	kasync_sock_close(e->ks);
	fput(e->file);
	kasync_blocking_drain();
	kasync_rt_destroy(rt);
}

/* ---- the task view: 100,000 tasks ----------------------------------------- */

#define KO_MANY		100000

struct ko_tally {
	unsigned long *seen;	/* bitmap by index in the id range */
	u64 base;		/* smallest id of the many */
	u64 span;
	unsigned long dups, others;
};

static void ko_tally_fn(struct ko_row *r, void *arg)
{
	struct ko_tally *tl = arg;

	if (r->id < tl->base || r->id - tl->base >= tl->span ||
	    strcmp(r->name, "ko_many")) {
		tl->others++;
		return;
	}
	if (__test_and_set_bit(r->id - tl->base, tl->seen))
		tl->dups++;
}

/* Polls and yields while the view is read: the runtime is not stalled. */
struct ko_ticker {
	atomic_t *ticks;
	bool *stop;
};

static enum kasync_poll ko_ticker_poll(struct kasync_task *t, void *p)
{
	struct ko_ticker *s = p;

	if (READ_ONCE(*s->stop))
		return KASYNC_READY;
	atomic_inc(s->ticks);
	kasync_wake(t);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ko_ticker_ops = { .poll = ko_ticker_poll };

static void ko_view_many(struct kunit *test)
{
	struct kasync_rt *rt = ko_rt(test, "ko_many");
	struct kasync_task **h;
	atomic_t ticks = ATOMIC_INIT(0);
	bool stop = false;
	struct ko_ticker tk = { .ticks = &ticks, .stop = &stop };
	struct kasync_task *ticker;
	struct ko_tally tl = {};
	u64 lo = U64_MAX, hi = 0, id;
	int i, before;
	long rows;

	h = kvcalloc(KO_MANY, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < KO_MANY; i++) {
		h[i] = kasync_spawn(rt, &ko_other_ops, NULL, 0, GFP_KERNEL);
		if (IS_ERR(h[i]))
			break;
		kasync_task_set_name(h[i], "ko_many");
		id = kasync_task_id(h[i]);
		lo = min(lo, id);
		hi = max(hi, id);
		if (!(i % 1024))
			cond_resched();
	}
	KUNIT_ASSERT_EQ(test, i, KO_MANY);
	tl.base = lo;
	tl.span = hi - lo + 1;
	tl.seen = kvcalloc(BITS_TO_LONGS(tl.span), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tl.seen);

	ticker = kasync_spawn(rt, &ko_ticker_ops, &tk, sizeof(tk), GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ticker));
	before = atomic_read(&ticks);
	/* Small reads: many stops and restarts, as cat's would not be. */
	rows = ko_view("ko_many", 3000, ko_tally_fn, &tl);
	KUNIT_EXPECT_EQ(test, rows, (long)KO_MANY + 1);
	KUNIT_EXPECT_EQ(test, tl.dups, 0UL);
	KUNIT_EXPECT_EQ(test, tl.others, 1UL);	/* the ticker */
	KUNIT_EXPECT_EQ(test, bitmap_weight(tl.seen, tl.span), (unsigned int)KO_MANY);
	/* The runtime went on polling while the view was read. */
	KUNIT_EXPECT_GT(test, atomic_read(&ticks), before);
	kunit_info(test, "listed %ld rows; the ticker polled %d times meanwhile\n",
		   rows, atomic_read(&ticks) - before);

	/* Half of them cancelled while reading: each listed at most once. */
	for (i = 0; i < KO_MANY; i += 2)
		kasync_abort(h[i]);
	bitmap_zero(tl.seen, tl.span);
	tl.dups = 0;
	tl.others = 0;
	rows = ko_view("ko_many", 3000, ko_tally_fn, &tl);
	KUNIT_EXPECT_GE(test, rows, (long)KO_MANY / 2);
	KUNIT_EXPECT_EQ(test, tl.dups, 0UL);
	/* Every task not aborted is listed. */
	for (i = 1; i < KO_MANY; i += 2) {
		if (!test_bit(kasync_task_id(h[i]) - tl.base, tl.seen)) {
			KUNIT_FAIL(test, "task %llu missing", kasync_task_id(h[i]));
			break;
		}
	}

	WRITE_ONCE(stop, true);
	KUNIT_EXPECT_EQ(test, kasync_join(&ticker), 0L);
	for (i = 0; i < KO_MANY; i++) {
		kasync_abort(h[i]);
		kasync_join(&h[i]);
		if (!(i % 1024))
			cond_resched();
	}
	kvfree(tl.seen);
	kvfree(h);
	kasync_rt_destroy(rt);
}

static struct kunit_case ko_cases[] = {
	KUNIT_CASE(ko_detect_long_poll),
	KUNIT_CASE(ko_detect_sleep),
	KUNIT_CASE_PARAM(ko_detect_context, ko_leak_gen_params),
	KUNIT_CASE(ko_detect_no_waker),
	KUNIT_CASE(ko_co_lost),
	KUNIT_CASE(ko_view_kinds),
	KUNIT_CASE_SLOW(ko_view_many),
	{}
};

static struct kunit_suite ko_suite = {
	.name = "kasync_observe",
	.test_cases = ko_cases,
};
kunit_test_suite(ko_suite);

MODULE_DESCRIPTION("KUnit tests of kasync's detectors and task view");
MODULE_LICENSE("GPL");
