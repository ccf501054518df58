// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_soak - a soak test of kasync: many tasks, a random mix of
 * everything the API offers, for as long as it is told to run.
 *
 * Loading the module starts @tasks driver tasks, spread over three
 * runtimes: the default one, a work-stealing one and a per-CPU one
 * (%KASYNC_RT_PERCPU).  Each driver loops, picking an operation at random
 * (from the seed @seed): spawn and join children (kasync_join_all()),
 * abort a child at a random point of a random operation, sleep, time out,
 * pass items over a channel, take a mutex or a semaphore, select between a
 * notify and a sleep, run a task group, offload a blocking call, or echo
 * bytes over a TCP connection to the module's own server on 127.0.0.1.
 * Every operation checks what a user would check: a join returns what the
 * child returned, a channel delivers every item in order, a mutex has one
 * holder at a time, a semaphore never hands out more than it has, a sleep
 * or a time-out never ends early, the echo returns the bytes sent.  A
 * violation is an error; so is a task still alive once the soak stopped.
 *
 * /sys/kernel/debug/kasync_soak/report shows the counters (operations,
 * errors, live tasks and their peak); writing "stop" to .../control stops
 * the drivers, waits for every task of the module to end, checks the
 * invariants and ends the report with "result PASS" or "result FAIL".
 * Unloading stops it as well.  scripts/soak drives it, with CPU hotplug
 * and the load and unload of kasync_soak_client meanwhile.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/refcount.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <kasync.h>

static unsigned int tasks = 64;
module_param(tasks, uint, 0444);
MODULE_PARM_DESC(tasks, "driver tasks (1..4096)");

static unsigned int duration_s;
module_param(duration_s, uint, 0444);
MODULE_PARM_DESC(duration_s, "seconds until the drivers stop starting operations; 0: until stopped");

static ulong seed;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "seed of the random choices; 0: a random one (shown in the report)");

static int port = 7411;
module_param(port, int, 0444);
MODULE_PARM_DESC(port, "TCP port of the echo server on 127.0.0.1");

enum soak_op {
	SOAK_NONE,
	SOAK_SLEEP,
	SOAK_TIMEOUT,
	SOAK_MUTEX,
	SOAK_SEM,
	SOAK_BLOCKING,
	SOAK_SOCK,
	SOAK_LEAVES,		/* the ops above: what an aborted child runs */
	SOAK_SPAWN = SOAK_LEAVES,
	SOAK_ABORT,
	SOAK_CHAN,
	SOAK_SELECT,
	SOAK_GROUP,
	SOAK_OPS
};

static const char * const soak_op_names[SOAK_OPS] = {
	[SOAK_NONE] = "none",
	[SOAK_SLEEP] = "sleep",
	[SOAK_TIMEOUT] = "timeout",
	[SOAK_MUTEX] = "mutex",
	[SOAK_SEM] = "sem",
	[SOAK_BLOCKING] = "blocking",
	[SOAK_SOCK] = "sock",
	[SOAK_SPAWN] = "spawn",
	[SOAK_ABORT] = "abort",
	[SOAK_CHAN] = "chan",
	[SOAK_SELECT] = "select",
	[SOAK_GROUP] = "group",
};

#define SOAK_RTS	3	/* the default, work-stealing, per-CPU */
#define SOAK_KIDS	8	/* children one operation holds at most */
#define SOAK_BUF	1024	/* bytes of one echo */
#define SOAK_SEM_MAX	4
#define SOAK_WAIT_S	120	/* longest wait for the tasks at stop */
#define SOAK_CONNECT_NS	(30 * NSEC_PER_SEC)

static struct kasync_rt *soak_rts[SOAK_RTS];
static const char * const soak_rt_names[SOAK_RTS] = {
	"default", "soak_ws", "soak_pcpu"
};

/* Counters: every operation finished, and those that broke a promise. */
static atomic64_t soak_done[SOAK_OPS];
static atomic64_t soak_errs[SOAK_OPS];
static atomic64_t soak_timeouts;	/* awaits that ran out, as asked */
static atomic64_t soak_aborted;		/* children aborted before the end */
static atomic64_t soak_nomem;		/* operations skipped: no memory */
static atomic64_t soak_echoes;		/* connections the server served */

/* Tasks of this module alive now, the most at once, and kasync's view. */
static atomic_t soak_live = ATOMIC_INIT(0);
static atomic_t soak_live_peak = ATOMIC_INIT(0);
static atomic64_t soak_rt_alive_peak;

/* The shared objects the operations contend for, and their invariants. */
static DEFINE_KASYNC_MUTEX(soak_mutex);
static atomic_t soak_mutex_in = ATOMIC_INIT(0);	/* holders: 0 or 1 */
static u64 soak_mutex_count;			/* under soak_mutex */
static atomic64_t soak_mutex_sections;
static DEFINE_KASYNC_SEM(soak_sem, SOAK_SEM_MAX, SOAK_SEM_MAX);
static atomic_t soak_sem_busy = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(soak_never_wq);	/* nobody wakes it */
static bool soak_never;

static struct sockaddr_in soak_addr;
static bool soak_stopping;
static unsigned long soak_deadline;	/* jiffies; 0: none */
static ktime_t soak_start, soak_end;
static struct kasync_task **soak_drivers;
static struct kasync_task *soak_listener;
static struct dentry *soak_dir;
static DEFINE_MUTEX(soak_lock);		/* stop against stop and report */
static bool soak_stopped;
static char soak_verdict[256];

static void soak_live_inc(void)
{
	int n = atomic_inc_return(&soak_live);
	int old = atomic_read(&soak_live_peak);

	while (n > old && !atomic_try_cmpxchg(&soak_live_peak, &old, n))
		;
}

static void soak_live_dec(void)
{
	atomic_dec(&soak_live);
}

static u64 soak_rt_alive(void)
{
	struct kasync_stats st;
	u64 sum = 0;
	int i;

	for (i = 0; i < SOAK_RTS; i++) {
		kasync_rt_stats(soak_rts[i], &st);
		sum += st.alive;
	}
	return sum;
}

static void soak_sample_rt(void)
{
	u64 n = soak_rt_alive();
	s64 old = atomic64_read(&soak_rt_alive_peak);

	while (n > old && !atomic64_try_cmpxchg(&soak_rt_alive_peak, &old, n))
		;
}

/* What a child of argument @x returns, never negative. */
static long soak_f(u32 x)
{
	return (long)x * 3 + 1;
}

struct soak_item {
	u32 p;			/* producer */
	u32 seq;		/* its count */
};

/* A notify shared by a select and the child that fires it. */
struct soak_sel {
	struct kasync_notify nf;
	refcount_t ref;
	atomic_t fired;
};

static void soak_sel_put(struct soak_sel *sel)
{
	if (refcount_dec_and_test(&sel->ref))
		kfree(sel);
}

/* ---- small children: group members, producers, notifiers --------------- */

enum { SOAK_COMPUTE, SOAK_PRODUCER, SOAK_NOTIFIER };

struct soak_small {
	struct kasync_co co;
	struct kasync_timer tm;
	struct kasync_chan_wait w;
	struct kasync_chan *tx;		/* a sender reference (producer) */
	struct soak_sel *sel;		/* a reference (notifier) */
	struct soak_item item;
	long res;
	u32 x;
	u32 n;				/* items to send (producer) */
	u32 delay_us;
	u8 kind;
	bool fail;			/* return -EIO (member) */
};

static enum kasync_poll soak_small_poll(struct kasync_task *t,
					struct soak_small *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->delay_us)
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm,
						  s->delay_us * NSEC_PER_USEC));
	if (s->kind == SOAK_NOTIFIER) {
		atomic_set(&s->sel->fired, 1);
		kasync_notify_one(&s->sel->nf);
	}
	if (s->kind == SOAK_PRODUCER) {
		for (s->item.seq = 0; s->item.seq < s->n; s->item.seq++) {
			KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->tx, &s->w,
							      &s->item,
							      &s->res));
			if (s->res == -EPIPE)	/* the receiver left */
				KASYNC_RETURN(&s->co, t, -EPIPE);
			if (s->res)
				KASYNC_RETURN(&s->co, t, -EIO);
			if (!(s->item.seq & 7))
				KASYNC_YIELD(&s->co);
		}
		KASYNC_RETURN(&s->co, t, s->n);
	}
	if (s->fail)
		KASYNC_RETURN(&s->co, t, -EIO);
	KASYNC_RETURN(&s->co, t, soak_f(s->x));
	KASYNC_END(&s->co);
}

static void soak_small_drop(struct soak_small *s)
{
	if (s->tx)
		kasync_chan_sender_drop(&s->tx);
	if (s->sel)
		soak_sel_put(s->sel);
	soak_live_dec();
}

KASYNC_TASK_OPS(soak_small_ops, struct soak_small, soak_small_poll,
		soak_small_drop);

/* ---- drivers and their children ------------------------------------------ */

struct soak_task {
	struct kasync_co co;
	struct kasync_co oco;		/* the operation in progress */
	struct kasync_co co2;		/* soak_pause() within it */
	struct rnd_state rnd;
	struct kasync_timer tm;
	struct kasync_wait w;
	struct kasync_sync_wait sw;
	struct kasync_chan_wait cw;
	struct kasync_group_wait gw;
	struct kasync_blocking b;
	struct kasync_sock_connect conn;
	struct kasync_sock_op sop;
	/* What an operation owns: released by the drop if it is cut short. */
	struct kasync_task *kid[SOAK_KIDS];
	struct kasync_chan *rx;
	struct kasync_chan *tx;
	struct kasync_group *g;
	struct soak_sel *sel;
	struct kasync_sock *ks;
	unsigned long held;		/* semaphore permits */
	bool locked;			/* the mutex */
	/* The operation's scratch. */
	long kres[SOAK_KIDS];
	u32 next[SOAK_KIDS];
	struct soak_item item;
	ktime_t t0;
	u64 seen;
	u64 nops;
	long res;
	long err;
	u32 x, n, i, k, d, mask, nfail, early;
	u32 arg;			/* a child's: it returns soak_f(arg) */
	int op;
	int won;
	int abort_rc;
	int id;
	u8 depth;			/* 0: a driver */
	bool bad;			/* this operation broke a promise */
	u8 sbuf[SOAK_BUF];
	u8 rbuf[SOAK_BUF];
};

static enum kasync_poll soak_task_poll(struct kasync_task *t,
				       struct soak_task *s);
static void soak_task_drop(struct soak_task *s);
KASYNC_TASK_OPS(soak_task_ops, struct soak_task, soak_task_poll,
		soak_task_drop);

static u32 soak_rand(struct soak_task *s, u32 n)
{
	return prandom_u32_state(&s->rnd) % n;
}

static struct kasync_rt *soak_pick_rt(struct soak_task *s)
{
	return soak_rts[soak_rand(s, SOAK_RTS)];
}

/* @s's operation broke a promise: say which, and count it. */
static __printf(2, 3) void soak_bad(struct soak_task *s, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	s->bad = true;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("kasync_soak: error: %s: %pV\n",
			   soak_op_names[s->op], &vaf);
	va_end(args);
}

/* A spawn that failed: no memory is not the runtime's fault. */
static void soak_spawn_failed(struct soak_task *s, long err)
{
	if (err == -ENOMEM)
		atomic64_inc(&soak_nomem);
	else
		soak_bad(s, "spawn failed: %ld", err);
}

#define SOAK_GFP	(GFP_NOWAIT | __GFP_NOWARN)

/* A child running leaf operation @op, returning soak_f(@x). */
static struct kasync_task *soak_child(struct soak_task *s, int op, u32 x)
{
	struct kasync_task *t;
	struct soak_task *c;

	t = kasync_task_alloc_typed(soak_pick_rt(s), &soak_task_ops, SOAK_GFP);
	if (IS_ERR(t))
		return t;
	c = kasync_task_state(t);
	c->depth = s->depth + 1;
	c->op = op;
	c->arg = x;
	c->id = -1;
	prandom_seed_state(&c->rnd, ((u64)prandom_u32_state(&s->rnd) << 32) |
			   prandom_u32_state(&s->rnd));
	soak_live_inc();
	return kasync_task_start(t);
}

static struct kasync_task *soak_small_spawn(struct soak_task *s,
					    struct soak_small *init)
{
	struct kasync_task *h;

	soak_live_inc();
	h = kasync_spawn_typed(soak_pick_rt(s), &soak_small_ops, init,
			       SOAK_GFP);
	if (IS_ERR(h))
		soak_live_dec();
	return h;
}

/* Wait d (random) microseconds, or yield a few times. */
static enum kasync_poll soak_pause(struct kasync_task *t, struct soak_task *s,
				   struct kasync_co *co)
{
	KASYNC_BEGIN(co);
	if (soak_rand(s, 2)) {
		for (s->d = soak_rand(s, 4); s->d; s->d--)
			KASYNC_YIELD(co);
	} else {
		KASYNC_AWAIT(co, kasync_sleep(t, &s->tm,
					      soak_rand(s, 200) * NSEC_PER_USEC));
	}
	KASYNC_DONE(co);
	KASYNC_END(co);
}

static enum kasync_poll soak_sleep_op(struct kasync_task *t,
				      struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->d = soak_rand(s, 500);
	s->t0 = ktime_get();
	KASYNC_AWAIT(&s->oco, kasync_sleep(t, &s->tm, s->d * NSEC_PER_USEC));
	if (ktime_us_delta(ktime_get(), s->t0) < s->d)
		soak_bad(s, "a %u us sleep ended after %lld us", s->d,
			 ktime_us_delta(ktime_get(), s->t0));
	KASYNC_END(&s->oco);
}

static enum kasync_poll soak_timeout_op(struct kasync_task *t,
					struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->d = soak_rand(s, 300);
	s->t0 = ktime_get();
	if (soak_rand(s, 4)) {
		/* Nobody wakes it: the limit must end it, not earlier. */
		KASYNC_AWAIT_TIMEOUT(&s->oco, t, &s->tm, s->d * NSEC_PER_USEC,
				     kasync_wait_event(t, &s->w, &soak_never_wq,
						       READ_ONCE(soak_never)),
				     kasync_wait_cancel(t, &s->w), &s->err);
		if (s->err != -ETIMEDOUT ||
		    ktime_us_delta(ktime_get(), s->t0) < s->d)
			soak_bad(s, "%u us limit: %ld after %lld us", s->d,
				 s->err, ktime_us_delta(ktime_get(), s->t0));
		if (kasync_wait_armed(&s->w) || kasync_timer_armed(&s->tm))
			soak_bad(s, "armed after the limit");
		atomic64_inc(&soak_timeouts);
	} else {
		/* Ready at once: no time-out, no timer left armed. */
		KASYNC_AWAIT_TIMEOUT(&s->oco, t, &s->tm, s->d * NSEC_PER_USEC,
				     kasync_wait_event(t, &s->w, &soak_never_wq,
						       !READ_ONCE(soak_never)),
				     kasync_wait_cancel(t, &s->w), &s->err);
		if (s->err || kasync_timer_armed(&s->tm))
			soak_bad(s, "a ready await gave %ld", s->err);
	}
	KASYNC_END(&s->oco);
}

static enum kasync_poll soak_mutex_op(struct kasync_task *t,
				      struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->err = 0;
	if (!soak_rand(s, 4)) {
		KASYNC_AWAIT_TIMEOUT(&s->oco, t, &s->tm,
				     soak_rand(s, 500) * NSEC_PER_USEC,
				     kasync_mutex_lock(t, &soak_mutex, &s->sw,
						       &s->res),
				     kasync_mutex_lock_cancel(t, &soak_mutex,
							      &s->sw),
				     &s->err);
	} else {
		KASYNC_AWAIT(&s->oco, kasync_mutex_lock(t, &soak_mutex, &s->sw,
							&s->res));
	}
	if (s->err == -ETIMEDOUT) {
		atomic64_inc(&soak_timeouts);
		KASYNC_DONE(&s->oco);
	}
	if (s->err || s->res) {
		soak_bad(s, "lock gave %ld, limit %ld", s->res, s->err);
		KASYNC_DONE(&s->oco);
	}
	s->locked = true;
	if (atomic_inc_return(&soak_mutex_in) != 1)
		soak_bad(s, "two holders at once");
	s->seen = soak_mutex_count;
	KASYNC_AWAIT(&s->oco, soak_pause(t, s, &s->co2));
	if (atomic_read(&soak_mutex_in) != 1 || soak_mutex_count != s->seen)
		soak_bad(s, "changed under the lock: %d holders, count %llu, was %llu",
			 atomic_read(&soak_mutex_in), soak_mutex_count, s->seen);
	soak_mutex_count = s->seen + 1;
	atomic64_inc(&soak_mutex_sections);
	atomic_dec(&soak_mutex_in);
	s->locked = false;
	kasync_mutex_unlock(&soak_mutex);
	KASYNC_END(&s->oco);
}

static enum kasync_poll soak_sem_op(struct kasync_task *t, struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->n = 1 + soak_rand(s, SOAK_SEM_MAX);
	s->err = 0;
	if (!soak_rand(s, 4)) {
		KASYNC_AWAIT_TIMEOUT(&s->oco, t, &s->tm,
				     soak_rand(s, 500) * NSEC_PER_USEC,
				     kasync_sem_acquire(t, &soak_sem, s->n,
							&s->sw, &s->res),
				     kasync_sem_acquire_cancel(t, &soak_sem,
							       &s->sw),
				     &s->err);
	} else {
		KASYNC_AWAIT(&s->oco, kasync_sem_acquire(t, &soak_sem, s->n,
							 &s->sw, &s->res));
	}
	if (s->err == -ETIMEDOUT) {
		atomic64_inc(&soak_timeouts);
		KASYNC_DONE(&s->oco);
	}
	if (s->err || s->res) {
		soak_bad(s, "acquire %u gave %ld, limit %ld", s->n, s->res,
			 s->err);
		KASYNC_DONE(&s->oco);
	}
	s->held = s->n;
	if (atomic_add_return(s->n, &soak_sem_busy) > SOAK_SEM_MAX)
		soak_bad(s, "%d permits out of %d in use",
			 atomic_read(&soak_sem_busy), SOAK_SEM_MAX);
	KASYNC_AWAIT(&s->oco, soak_pause(t, s, &s->co2));
	atomic_sub(s->n, &soak_sem_busy);
	s->held = 0;
	if (kasync_sem_release(&soak_sem, s->n))
		soak_bad(s, "release of %u refused", s->n);
	KASYNC_END(&s->oco);
}

/* The blocking pool's side: may sleep; @arg is a value, not a pointer. */
static long soak_blocking_fn(void *arg)
{
	u32 x = (unsigned long)arg;

	if (!(x % 3))
		usleep_range(50, 200);
	return soak_f(x);
}

static enum kasync_poll soak_blocking_op(struct kasync_task *t,
					 struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->x = soak_rand(s, 1 << 20);
	s->err = 0;
	if (!soak_rand(s, 4)) {
		KASYNC_AWAIT_TIMEOUT(&s->oco, t, &s->tm,
				     soak_rand(s, 1000) * NSEC_PER_USEC,
				     kasync_blocking(t, &s->b, soak_blocking_fn,
						     (void *)(unsigned long)s->x,
						     &s->res),
				     kasync_blocking_cancel(t, &s->b), &s->err);
	} else {
		KASYNC_AWAIT(&s->oco, kasync_blocking(t, &s->b, soak_blocking_fn,
						      (void *)(unsigned long)s->x,
						      &s->res));
	}
	if (s->err == -ETIMEDOUT)
		atomic64_inc(&soak_timeouts);
	else if (s->err || s->res != soak_f(s->x))
		soak_bad(s, "gave %ld, expected %ld (limit %ld)", s->res,
			 soak_f(s->x), s->err);
	KASYNC_END(&s->oco);
}

static u8 soak_pattern(u32 x, u32 i)
{
	return x + i * 7;
}

static enum kasync_poll soak_sock_op(struct kasync_task *t,
				     struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->ks = kasync_sock_create(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (IS_ERR(s->ks)) {
		s->err = PTR_ERR(s->ks);
		s->ks = NULL;
		soak_spawn_failed(s, s->err);
		KASYNC_DONE(&s->oco);
	}
	KASYNC_AWAIT(&s->oco, kasync_sock_connect(t, s->ks, &s->conn,
						  (struct sockaddr *)&soak_addr,
						  sizeof(soak_addr),
						  SOAK_CONNECT_NS, &s->res));
	if (s->res) {
		soak_bad(s, "connect gave %ld", s->res);
		goto close;
	}
	s->n = 1 + soak_rand(s, SOAK_BUF);
	s->x = prandom_u32_state(&s->rnd);
	for (s->i = 0; s->i < s->n; s->i++)
		s->sbuf[s->i] = soak_pattern(s->x, s->i);
	KASYNC_AWAIT(&s->oco, kasync_sock_send_all(t, s->ks, &s->sop, s->sbuf,
						   s->n, &s->res));
	if (s->res != s->n) {
		soak_bad(s, "sent %ld of %u", s->res, s->n);
		goto close;
	}
	for (s->i = 0; s->i < s->n; s->i += s->res) {
		KASYNC_AWAIT(&s->oco, kasync_sock_recv(t, s->ks, &s->sop,
						       s->rbuf, s->n - s->i,
						       &s->res));
		if (s->res <= 0) {
			soak_bad(s, "echo ended after %u of %u: %ld", s->i,
				 s->n, s->res);
			goto close;
		}
		for (s->k = 0; s->k < s->res; s->k++)
			if (s->rbuf[s->k] != soak_pattern(s->x, s->i + s->k))
				break;
		if (s->k < s->res) {
			soak_bad(s, "echo byte %u differs", s->i + s->k);
			goto close;
		}
	}
	if (soak_rand(s, 2)) {
		/* Our end of the stream ends the server's, then its reply. */
		s->res = kasync_sock_shutdown(s->ks, SHUT_WR);
		if (s->res) {
			soak_bad(s, "shutdown gave %ld", s->res);
			goto close;
		}
		KASYNC_AWAIT(&s->oco, kasync_sock_recv(t, s->ks, &s->sop,
						       s->rbuf, SOAK_BUF,
						       &s->res));
		if (s->res)
			soak_bad(s, "%ld after the end of the stream", s->res);
	}
close:
	kasync_sock_close(s->ks);
	s->ks = NULL;
	KASYNC_END(&s->oco);
}

static int soak_leaf(struct soak_task *s)
{
	return soak_rand(s, SOAK_LEAVES);
}

/* Spawn k children and join them all; each returns what it must. */
static enum kasync_poll soak_spawn_op(struct kasync_task *t,
				      struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->k = 1 + soak_rand(s, SOAK_KIDS);
	s->x = soak_rand(s, 1 << 20);
	for (s->i = 0; s->i < s->k; s->i++) {
		s->kid[s->i] = soak_child(s, soak_leaf(s), s->x + s->i);
		if (IS_ERR(s->kid[s->i])) {
			soak_spawn_failed(s, PTR_ERR(s->kid[s->i]));
			s->kid[s->i] = NULL;
			break;
		}
	}
	s->k = s->i;
	KASYNC_AWAIT(&s->oco, kasync_join_all(t, s->kid, s->k, s->kres));
	for (s->i = 0; s->i < s->k; s->i++) {
		if (s->kid[s->i])
			soak_bad(s, "handle %u left after the join", s->i);
		if (s->kres[s->i] != soak_f(s->x + s->i))
			soak_bad(s, "child %u returned %ld, expected %ld", s->i,
				 s->kres[s->i], soak_f(s->x + s->i));
	}
	KASYNC_END(&s->oco);
}

/* Abort a child at a random point of a random operation. */
static enum kasync_poll soak_abort_op(struct kasync_task *t,
				      struct soak_task *s)
{
	KASYNC_BEGIN(&s->oco);
	s->x = soak_rand(s, 1 << 20);
	s->kid[0] = soak_child(s, soak_leaf(s), s->x);
	if (IS_ERR(s->kid[0])) {
		soak_spawn_failed(s, PTR_ERR(s->kid[0]));
		s->kid[0] = NULL;
		KASYNC_DONE(&s->oco);
	}
	if (soak_rand(s, 4))
		KASYNC_AWAIT(&s->oco, soak_pause(t, s, &s->co2));
	s->abort_rc = kasync_abort(s->kid[0]);
	KASYNC_AWAIT(&s->oco, kasync_join_poll(t, &s->kid[0], &s->res));
	if (s->abort_rc && s->abort_rc != -EALREADY)
		soak_bad(s, "abort gave %d", s->abort_rc);
	else if (s->res == -ECANCELED && s->abort_rc == -EALREADY)
		soak_bad(s, "a finished child was cancelled");
	else if (s->res != -ECANCELED && s->res != soak_f(s->x))
		soak_bad(s, "child returned %ld, expected %ld or %d", s->res,
			 soak_f(s->x), -ECANCELED);
	if (s->res == -ECANCELED)
		atomic64_inc(&soak_aborted);
	KASYNC_END(&s->oco);
}

/* Producers send numbered items; the receiver sees each stream in order. */
static enum kasync_poll soak_chan_op(struct kasync_task *t,
				     struct soak_task *s)
{
	struct soak_small init = { .kind = SOAK_PRODUCER };
	struct kasync_chan *tx;

	KASYNC_BEGIN(&s->oco);
	s->k = 1 + soak_rand(s, 3);
	s->n = 1 + soak_rand(s, 32);
	s->rx = kasync_chan_new(sizeof(struct soak_item), 1 + soak_rand(s, 8),
				NULL, SOAK_GFP);
	if (IS_ERR(s->rx)) {
		soak_spawn_failed(s, PTR_ERR(s->rx));
		s->rx = NULL;
		KASYNC_DONE(&s->oco);
	}
	s->tx = s->rx;		/* kasync_chan_new()'s sender reference */
	for (s->i = 0; s->i < s->k; s->i++) {
		s->err = kasync_chan_sender_clone(s->tx);
		if (s->err) {
			soak_bad(s, "sender clone gave %ld", s->err);
			break;
		}
		init.tx = s->tx;
		init.item.p = s->i;
		init.n = s->n;
		s->kid[s->i] = soak_small_spawn(s, &init);
		if (IS_ERR(s->kid[s->i])) {
			soak_spawn_failed(s, PTR_ERR(s->kid[s->i]));
			s->kid[s->i] = NULL;
			tx = init.tx;
			kasync_chan_sender_drop(&tx);
			break;
		}
	}
	s->k = s->i;
	kasync_chan_sender_drop(&s->tx);
	/* Now and then the receiver leaves early: senders get -EPIPE. */
	s->early = soak_rand(s, 8) ? U32_MAX : soak_rand(s, s->k * s->n + 1);
	memset(s->next, 0, sizeof(s->next));
	for (s->i = 0; s->i != s->early; s->i++) {
		KASYNC_AWAIT(&s->oco, kasync_chan_recv(t, s->rx, &s->cw,
						       &s->item, &s->res));
		if (s->res == -EPIPE)
			break;
		if (s->res) {
			soak_bad(s, "receive gave %ld", s->res);
			break;
		}
		if (s->item.p >= s->k || s->item.seq != s->next[s->item.p]) {
			soak_bad(s, "item %u of producer %u, expected %u",
				 s->item.seq, s->item.p,
				 s->item.p < s->k ? s->next[s->item.p] : 0);
			break;
		}
		s->next[s->item.p]++;
	}
	if (s->early == U32_MAX && s->i != s->k * s->n)
		soak_bad(s, "received %u of %u items", s->i, s->k * s->n);
	kasync_chan_rx_drop(&s->rx);
	for (s->i = 0; s->i < s->k; s->i++) {
		KASYNC_AWAIT(&s->oco, kasync_join_poll(t, &s->kid[s->i],
						       &s->res));
		if (s->res != s->n &&
		    (s->early == U32_MAX || s->res != -EPIPE))
			soak_bad(s, "producer %u returned %ld", s->i, s->res);
	}
	KASYNC_END(&s->oco);
}

/* Select a notify against a sleep; a child fires the notify. */
static enum kasync_poll soak_select(struct kasync_task *t, struct soak_task *s)
{
	return kasync_select(&s->won,
			     KASYNC_BRANCH(kasync_notified(t, &s->sel->nf,
							   &s->sw, &s->res),
					   kasync_notified_cancel(t, &s->sel->nf,
								  &s->sw));
			     KASYNC_BRANCH(kasync_sleep(t, &s->tm,
							s->d * NSEC_PER_USEC),
					   kasync_timer_cancel(t, &s->tm)));
}

static enum kasync_poll soak_select_op(struct kasync_task *t,
				       struct soak_task *s)
{
	struct soak_small init = { .kind = SOAK_NOTIFIER };

	KASYNC_BEGIN(&s->oco);
	s->sel = kzalloc(sizeof(*s->sel), SOAK_GFP);
	if (!s->sel) {
		atomic64_inc(&soak_nomem);
		KASYNC_DONE(&s->oco);
	}
	kasync_notify_init(&s->sel->nf);
	refcount_set(&s->sel->ref, 2);
	s->x = soak_rand(s, 1 << 20);
	init.x = s->x;
	init.sel = s->sel;
	init.delay_us = soak_rand(s, 400);
	s->kid[0] = soak_small_spawn(s, &init);
	if (IS_ERR(s->kid[0])) {
		soak_spawn_failed(s, PTR_ERR(s->kid[0]));
		s->kid[0] = NULL;
		refcount_dec(&s->sel->ref);
		goto put;
	}
	s->d = soak_rand(s, 400);
	s->t0 = ktime_get();
	KASYNC_AWAIT(&s->oco, soak_select(t, s));
	if (s->won == 0 && !atomic_read(&s->sel->fired))
		soak_bad(s, "notified before the notify");
	if (s->won == 1 && ktime_us_delta(ktime_get(), s->t0) < s->d)
		soak_bad(s, "a %u us sleep won after %lld us", s->d,
			 ktime_us_delta(ktime_get(), s->t0));
	if (kasync_timer_armed(&s->tm) || kasync_sync_waiting(&s->sw))
		soak_bad(s, "a losing branch is still armed");
	KASYNC_AWAIT(&s->oco, kasync_join_poll(t, &s->kid[0], &s->res));
	if (s->res != soak_f(s->x))
		soak_bad(s, "notifier returned %ld", s->res);
put:
	soak_sel_put(s->sel);
	s->sel = NULL;
	KASYNC_END(&s->oco);
}

/* A group of members; with cancel-on-error one of them may fail. */
static enum kasync_poll soak_group_op(struct kasync_task *t,
				      struct soak_task *s)
{
	struct soak_small init = { .kind = SOAK_COMPUTE };
	unsigned int flags;
	bool failing;
	long idx;
	int err;

	KASYNC_BEGIN(&s->oco);
	flags = soak_rand(s, 3) ? 0 : KASYNC_GROUP_CANCEL_ON_ERROR;
	s->g = kasync_group_new(soak_pick_rt(s), flags, SOAK_GFP);
	if (IS_ERR(s->g)) {
		soak_spawn_failed(s, PTR_ERR(s->g));
		s->g = NULL;
		KASYNC_DONE(&s->oco);
	}
	s->k = 1 + soak_rand(s, 6);
	s->early = flags ? soak_rand(s, s->k + 1) : U32_MAX;	/* who fails */
	s->x = soak_rand(s, 1 << 20);
	for (s->i = 0; s->i < s->k; s->i++) {
		init.x = s->x + s->i;
		init.fail = s->i == s->early;
		init.delay_us = soak_rand(s, 300);
		soak_live_inc();
		err = kasync_group_spawn(s->g, &soak_small_ops.ops, &init,
					 sizeof(init), SOAK_GFP);
		if (err) {
			soak_live_dec();
			/* A member failed already: the group is closed. */
			if (err != -ESHUTDOWN || s->early >= s->i)
				soak_spawn_failed(s, err);
			break;
		}
	}
	s->k = s->i;
	s->mask = 0;
	s->nfail = 0;
	for (s->i = 0;; s->i++) {
		KASYNC_AWAIT(&s->oco, kasync_group_next(t, s->g, &s->gw,
							&s->res));
		if (s->res == -ECHILD)
			break;
		if (s->res == -EIO) {
			s->nfail++;
			continue;
		}
		if (s->res == -ECANCELED) {
			if (s->early >= s->k)
				soak_bad(s, "a member was cancelled");
			continue;
		}
		idx = (s->res - 1) / 3 - s->x;
		if (s->res < 0 || idx < 0 || idx >= s->k ||
		    s->res != soak_f(s->x + idx) || (s->mask & BIT(idx))) {
			soak_bad(s, "a member returned %ld", s->res);
			continue;
		}
		s->mask |= BIT(idx);
	}
	if (s->i != s->k)
		soak_bad(s, "%u results from %u members", s->i, s->k);
	if (s->early >= s->k && s->mask != BIT(s->k) - 1)
		soak_bad(s, "results of members %#x, expected %#lx", s->mask,
			 BIT(s->k) - 1);
	failing = s->early < s->k;
	if (s->nfail != failing)
		soak_bad(s, "%u failures, expected %d", s->nfail, failing);
	if (kasync_group_len(s->g))
		soak_bad(s, "%u members left", kasync_group_len(s->g));
	kasync_group_destroy(s->g);
	s->g = NULL;
	KASYNC_END(&s->oco);
}

static enum kasync_poll soak_op(struct kasync_task *t, struct soak_task *s)
{
	if (s->op == SOAK_SLEEP)
		return soak_sleep_op(t, s);
	if (s->op == SOAK_TIMEOUT)
		return soak_timeout_op(t, s);
	if (s->op == SOAK_MUTEX)
		return soak_mutex_op(t, s);
	if (s->op == SOAK_SEM)
		return soak_sem_op(t, s);
	if (s->op == SOAK_BLOCKING)
		return soak_blocking_op(t, s);
	if (s->op == SOAK_SOCK)
		return soak_sock_op(t, s);
	if (s->op == SOAK_SPAWN)
		return soak_spawn_op(t, s);
	if (s->op == SOAK_ABORT)
		return soak_abort_op(t, s);
	if (s->op == SOAK_CHAN)
		return soak_chan_op(t, s);
	if (s->op == SOAK_SELECT)
		return soak_select_op(t, s);
	if (s->op == SOAK_GROUP)
		return soak_group_op(t, s);
	return KASYNC_READY;
}

static void soak_count(struct soak_task *s)
{
	if (s->op == SOAK_NONE)
		return;
	atomic64_inc(&soak_done[s->op]);
	if (s->bad)
		atomic64_inc(&soak_errs[s->op]);
	s->bad = false;
}

static bool soak_over(void)
{
	return READ_ONCE(soak_stopping) ||
	       (soak_deadline && time_after(jiffies, soak_deadline));
}

static enum kasync_poll soak_task_poll(struct kasync_task *t,
				       struct soak_task *s)
{
	KASYNC_BEGIN(&s->co);
	if (s->depth) {
		/* A child: one leaf operation, then its result. */
		KASYNC_AWAIT(&s->co, soak_op(t, s));
		soak_count(s);
		KASYNC_RETURN(&s->co, t, soak_f(s->arg));
	}
	while (!soak_over()) {
		s->op = 1 + soak_rand(s, SOAK_OPS - 1);
		KASYNC_AWAIT(&s->co, soak_op(t, s));
		soak_count(s);
		s->nops++;
		if (!(s->nops & 15))
			soak_sample_rt();
	}
	KASYNC_RETURN(&s->co, t, 0);
	KASYNC_END(&s->co);
}

/* An operation cut short (an aborted child): give back what it holds. */
static void soak_task_drop(struct soak_task *s)
{
	kasync_join_all_cancel(s->kid, SOAK_KIDS);
	if (s->rx)
		kasync_chan_rx_drop(&s->rx);
	if (s->tx)
		kasync_chan_sender_drop(&s->tx);
	if (s->g)
		kasync_group_destroy(s->g);
	if (s->sel)
		soak_sel_put(s->sel);
	if (s->ks)
		kasync_sock_close(s->ks);
	if (s->locked) {
		atomic_dec(&soak_mutex_in);
		kasync_mutex_unlock(&soak_mutex);
	}
	if (s->held) {
		atomic_sub(s->held, &soak_sem_busy);
		kasync_sem_release(&soak_sem, s->held);
	}
	soak_live_dec();
}

/* ---- the echo server ------------------------------------------------------ */

struct soak_echo {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_sock *ks;
	long res;
	u8 buf[SOAK_BUF];
};

/* Echo until the end of the stream (or an error: the peer was aborted). */
static enum kasync_poll soak_echo_poll(struct kasync_task *t,
				       struct soak_echo *s)
{
	KASYNC_BEGIN(&s->co);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_sock_recv(t, s->ks, &s->op, s->buf,
						      sizeof(s->buf), &s->res));
		if (s->res <= 0)
			break;
		KASYNC_AWAIT(&s->co, kasync_sock_send_all(t, s->ks, &s->op,
							  s->buf, s->res,
							  &s->res));
		if (s->res < 0)
			break;
	}
	KASYNC_END(&s->co);
}

static void soak_echo_drop(struct soak_echo *s)
{
	kasync_sock_close(s->ks);
	soak_live_dec();
}

KASYNC_TASK_OPS(soak_echo_ops, struct soak_echo, soak_echo_poll,
		soak_echo_drop);

struct soak_listen {
	struct kasync_co co;
	struct kasync_sock_op op;
	struct kasync_timer tm;
	struct kasync_sock *ls;
	struct kasync_sock *nks;
	long res;
};

static void soak_serve(struct kasync_sock *ks)
{
	struct kasync_task *t;
	struct soak_echo *e;

	t = kasync_task_alloc_typed(soak_rts[2], &soak_echo_ops, GFP_KERNEL);
	if (IS_ERR(t)) {
		kasync_sock_close(ks);
		atomic64_inc(&soak_nomem);
		return;
	}
	e = kasync_task_state(t);
	e->ks = ks;
	soak_live_inc();
	t = kasync_task_start(t);
	kasync_detach(&t);
	atomic64_inc(&soak_echoes);
}

static enum kasync_poll soak_listen_poll(struct kasync_task *t,
					 struct soak_listen *s)
{
	KASYNC_BEGIN(&s->co);
	for (;;) {
		KASYNC_AWAIT(&s->co, kasync_sock_accept(t, s->ls, &s->op,
							&s->nks, &s->res));
		if (!s->res) {
			soak_serve(s->nks);
			continue;
		}
		pr_warn_ratelimited("kasync_soak: accept: %ld\n", s->res);
		KASYNC_AWAIT(&s->co, kasync_sleep(t, &s->tm, NSEC_PER_MSEC));
	}
	KASYNC_END(&s->co);
}

static void soak_listen_drop(struct soak_listen *s)
{
	kasync_sock_close(s->ls);
	soak_live_dec();
}

KASYNC_TASK_OPS(soak_listen_ops, struct soak_listen, soak_listen_poll,
		soak_listen_drop);

static int soak_listen_start(void)
{
	struct soak_listen init = {};
	int err;

	init.ls = kasync_sock_create(&init_net, AF_INET, SOCK_STREAM,
				     IPPROTO_TCP);
	if (IS_ERR(init.ls))
		return PTR_ERR(init.ls);
	err = kasync_sock_bind(init.ls, (struct sockaddr *)&soak_addr,
			       sizeof(soak_addr));
	if (!err)
		err = kasync_sock_listen(init.ls, 128);
	if (err)
		goto close;
	soak_live_inc();
	soak_listener = kasync_spawn_typed(soak_rts[1], &soak_listen_ops,
					   &init, GFP_KERNEL);
	if (!IS_ERR(soak_listener))
		return 0;
	soak_live_dec();
	err = PTR_ERR(soak_listener);
	soak_listener = NULL;
close:
	kasync_sock_close(init.ls);
	return err;
}

/* ---- start, stop, report --------------------------------------------------- */

/* Join in one-second steps, so that the joiner is never a hung task. */
static long soak_join(struct kasync_task **h)
{
	long r = -ETIMEDOUT;
	int i;

	for (i = 0; i < SOAK_WAIT_S && *h; i++)
		r = kasync_join_timeout(h, HZ);
	if (*h) {
		kasync_abort(*h);
		kasync_join(h);
	}
	return r;
}

static u64 soak_total(atomic64_t *v)
{
	u64 n = 0;
	int i;

	for (i = 0; i < SOAK_OPS; i++)
		n += atomic64_read(&v[i]);
	return n;
}

static void soak_fail(const char *why)
{
	size_t len = strlen(soak_verdict);

	if (!len)
		len = strscpy(soak_verdict, "FAIL:", sizeof(soak_verdict));
	snprintf(soak_verdict + len, sizeof(soak_verdict) - len, " %s", why);
	pr_err("kasync_soak: error: %s\n", why);
}

/* Stop the drivers, wait for every task, check what must hold at rest. */
static void soak_stop(void)
{
	unsigned long until;
	u64 errs, sections;
	unsigned int i;
	long r;

	mutex_lock(&soak_lock);
	if (soak_stopped)
		goto unlock;
	WRITE_ONCE(soak_stopping, true);
	for (i = 0; i < tasks; i++) {
		if (!soak_drivers[i])
			continue;
		r = soak_join(&soak_drivers[i]);
		if (r) {
			pr_err("kasync_soak: error: driver %u returned %ld\n",
			       i, r);
			soak_fail("a driver did not stop");
		}
	}
	soak_end = ktime_get();
	if (soak_listener) {
		kasync_abort(soak_listener);
		if (soak_join(&soak_listener) != -ECANCELED)
			soak_fail("the listener ended by itself");
	}
	/* The server's connections end when their clients are gone. */
	until = jiffies + SOAK_WAIT_S * HZ;
	while (atomic_read(&soak_live) && time_before(jiffies, until))
		msleep(20);
	if (atomic_read(&soak_live))
		soak_fail("tasks still alive");
	if (kasync_blocking_drain())
		soak_fail("blocking drain");
	sections = atomic64_read(&soak_mutex_sections);
	if (soak_mutex_count != sections || atomic_read(&soak_mutex_in) ||
	    kasync_mutex_is_locked(&soak_mutex))
		soak_fail("mutex");
	if (atomic_read(&soak_sem_busy) ||
	    kasync_sem_available(&soak_sem) != SOAK_SEM_MAX)
		soak_fail("semaphore");
	errs = soak_total(soak_errs);
	if (errs)
		soak_fail("operations broke their promises");
	if (!soak_verdict[0])
		strscpy(soak_verdict, "PASS", sizeof(soak_verdict));
	soak_stopped = true;
unlock:
	mutex_unlock(&soak_lock);
}

static int soak_report_show(struct seq_file *m, void *v)
{
	ktime_t end = soak_stopped ? soak_end : ktime_get();
	s64 ms = max_t(s64, ktime_ms_delta(end, soak_start), 1);
	u64 ops = soak_total(soak_done);
	struct kasync_stats st;
	int i;

	mutex_lock(&soak_lock);
	seq_printf(m, "state %s\n", soak_stopped ? "stopped" :
		   soak_over() ? "stopping" : "running");
	seq_printf(m, "seed %lu\ntasks %u\nseconds %lld\n", seed, tasks,
		   ms / MSEC_PER_SEC);
	seq_printf(m, "ops %llu\nops_per_s %llu\n", ops,
		   div64_u64(ops * MSEC_PER_SEC, ms));
	seq_printf(m, "errors %llu\n", soak_total(soak_errs));
	seq_printf(m, "live %d\npeak_live %d\npeak_rt_alive %lld\n",
		   atomic_read(&soak_live), atomic_read(&soak_live_peak),
		   atomic64_read(&soak_rt_alive_peak));
	seq_printf(m, "timeouts %lld\naborted %lld\nnomem %lld\nechoes %lld\n",
		   atomic64_read(&soak_timeouts), atomic64_read(&soak_aborted),
		   atomic64_read(&soak_nomem), atomic64_read(&soak_echoes));
	seq_printf(m, "mutex_sections %lld\n",
		   atomic64_read(&soak_mutex_sections));
	for (i = 1; i < SOAK_OPS; i++)
		seq_printf(m, "op %-8s %10lld errors %lld\n", soak_op_names[i],
			   atomic64_read(&soak_done[i]),
			   atomic64_read(&soak_errs[i]));
	for (i = 0; i < SOAK_RTS; i++) {
		kasync_rt_stats(soak_rts[i], &st);
		seq_printf(m, "rt %-9s alive %llu spawned %llu cancelled %llu rehomed %llu steals %llu\n",
			   soak_rt_names[i], st.alive, st.spawned,
			   st.cancelled, st.rehomed, st.steals);
	}
	if (soak_stopped)
		seq_printf(m, "result %s\n", soak_verdict);
	mutex_unlock(&soak_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(soak_report);

static ssize_t soak_control_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	char buf[8] = {};

	if (copy_from_user(buf, ubuf, min(len, sizeof(buf) - 1)))
		return -EFAULT;
	if (!sysfs_streq(buf, "stop"))
		return -EINVAL;
	soak_stop();
	return len;
}

static const struct file_operations soak_control_fops = {
	.owner = THIS_MODULE,
	.write = soak_control_write,
	.llseek = noop_llseek,
};

/*
 * The kernel's first TCP connect after boot fills inet_hash_connect()'s
 * port perturbation table under a global mutex (get_random_sleepable_once()):
 * many first connects at once, from polls, would sleep on it inside the
 * non-blocking kernel_connect() of kasync_sock_connect(), and kasync's
 * sleep detector would report them.  One connect, alone, first.
 */
static int soak_warm_up(void)
{
	struct soak_task *s;
	struct kasync_task *t;
	long r;

	t = kasync_task_alloc_typed(soak_rts[1], &soak_task_ops, GFP_KERNEL);
	if (IS_ERR(t))
		return PTR_ERR(t);
	s = kasync_task_state(t);
	s->depth = 1;
	s->op = SOAK_SOCK;
	prandom_seed_state(&s->rnd, seed);
	soak_live_inc();
	t = kasync_task_start(t);
	r = soak_join(&t);
	return r == soak_f(0) ? 0 : -EIO;
}

static int soak_start_drivers(void)
{
	struct rnd_state rnd;
	struct kasync_task *t;
	struct soak_task *s;
	unsigned int i;

	prandom_seed_state(&rnd, seed);
	for (i = 0; i < tasks; i++) {
		t = kasync_task_alloc_typed(soak_rts[i % SOAK_RTS],
					    &soak_task_ops, GFP_KERNEL);
		if (IS_ERR(t))
			return PTR_ERR(t);
		s = kasync_task_state(t);
		s->id = i;
		prandom_seed_state(&s->rnd,
				   ((u64)prandom_u32_state(&rnd) << 32) |
				   prandom_u32_state(&rnd));
		soak_live_inc();
		soak_drivers[i] = kasync_task_start(t);
	}
	return 0;
}

static void soak_destroy_rts(void)
{
	int i;

	for (i = 1; i < SOAK_RTS; i++)
		if (!IS_ERR_OR_NULL(soak_rts[i]))
			kasync_rt_destroy(soak_rts[i]);
}

static int __init kasync_soak_init(void)
{
	int err;

	if (!tasks || tasks > 4096 || port <= 0 || port > 65535)
		return -EINVAL;
	if (!seed)
		seed = get_random_u32() | 1;
	soak_addr.sin_family = AF_INET;
	soak_addr.sin_port = htons(port);
	soak_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	soak_drivers = kcalloc(tasks, sizeof(*soak_drivers), GFP_KERNEL);
	if (!soak_drivers)
		return -ENOMEM;
	soak_rts[1] = kasync_rt_create("soak_ws", 0);
	soak_rts[2] = kasync_rt_create("soak_pcpu", KASYNC_RT_PERCPU);
	if (IS_ERR(soak_rts[1]) || IS_ERR(soak_rts[2])) {
		err = IS_ERR(soak_rts[1]) ? PTR_ERR(soak_rts[1]) :
					    PTR_ERR(soak_rts[2]);
		goto destroy_rts;
	}
	err = soak_listen_start();
	if (err)
		goto destroy_rts;
	soak_dir = debugfs_create_dir("kasync_soak", NULL);
	debugfs_create_file("report", 0444, soak_dir, NULL, &soak_report_fops);
	debugfs_create_file("control", 0200, soak_dir, NULL,
			    &soak_control_fops);
	soak_start = ktime_get();
	if (duration_s)
		soak_deadline = jiffies + duration_s * HZ ?: 1;
	err = soak_warm_up() ?: soak_start_drivers();
	if (err) {
		soak_stop();
		goto remove;
	}
	pr_info("kasync_soak: %u tasks, seed %lu, echo server on 127.0.0.1:%d\n",
		tasks, seed, port);
	return 0;

remove:
	debugfs_remove_recursive(soak_dir);
destroy_rts:
	soak_destroy_rts();
	kfree(soak_drivers);
	return err;
}

static void __exit kasync_soak_exit(void)
{
	soak_stop();
	debugfs_remove_recursive(soak_dir);
	soak_destroy_rts();
	kfree(soak_drivers);
}

module_init(kasync_soak_init);
module_exit(kasync_soak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync soak test: a random mix of every operation, checked");
