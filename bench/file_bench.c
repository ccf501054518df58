// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_file_bench: N concurrent readers of one file, 4 KiB each at
 * random positions, with kasync's file awaits, with each read offloaded
 * to kasync's blocking pool, and with a pool of N kthreads; compared by
 * scripts/bench with io_uring from user space (bench/net/file_uring.c),
 * in the same boot.
 *
 * ==================  ===============  ==================================
 * variant             reader           one read
 * ==================  ===============  ==================================
 * kasync              a kasync task    KASYNC_AWAIT(kasync_file_read())
 * kasync_blocking     a kasync task    KASYNC_AWAIT(kasync_blocking()) of
 *                                      a function calling kernel_read()
 * kthread_pool        a kthread        kernel_read()
 * ==================  ===============  ==================================
 *
 * Modes (the file):
 *
 *   cold    ext4= (a file on a block device), buffered, its page cache
 *           dropped (POSIX_FADV_DONTNEED) before each run
 *   direct  the same file opened %O_DIRECT (cache dropped too)
 *   warm    the ext4 file, buffered, read whole before each run
 *   tmpfs   tmpfs= (a file on tmpfs: always in memory)
 *
 * Both files are read with POSIX_FADV_RANDOM: no readahead, so that a
 * cold read is one 4 KiB I/O, as a direct one is.  A run is reads=
 * (default 4,096) reads of distinct 4 KiB blocks, the j-th at block
 * (j * odd) mod 2^k (a permutation of the file's first 2^k blocks),
 * shared among N readers (1, 64, 1,024): reader r makes reads r, r + N,
 * r + 2N, ...  The readers are spawned (created) first and wait on a
 * gate; the run's time is from opening the gate until the last read's
 * end.  Each benchmark file_<mode>_<N> reports three rows per run:
 *
 *   file_<mode>_<N>          ns per read: the run's time / reads (the
 *                            inverse of the throughput)
 *   file_<mode>_<N>_threads  the peak number of threads that held reads
 *                            in flight: for kasync and kasync_blocking
 *                            the blocking pool's, its jobs in flight
 *                            (sampled) up to its max_active (0 for
 *                            kasync when its file layer handed no read
 *                            to the pool); kthread_pool, N.  The most
 *                            readers inside kernel_read() at once (the
 *                            pool's functions, the kthreads) is logged
 *   file_<mode>_<N>_mem      bytes per reader: the peak, sampled every
 *                            0.5-1 ms during the run, of slab and kernel
 *                            stacks above the figure before the readers
 *                            were spawned (summed with the per-CPU
 *                            deltas: exact), plus THREAD_SIZE for each
 *                            pool thread of the threads row (kworkers
 *                            outlive a run: their stacks predate it),
 *                            divided by N.  The data buffers (a page per
 *                            reader) are allocated before and not counted.
 *                            Not at N = 1: one reader's bytes are below
 *                            the slab's page granularity
 *
 * Parameters: runs=, bench= (kbench.h; the names are the
 * file_<mode>_<N> above), ext4=PATH, tmpfs=PATH (a mode whose file is
 * not given, or cannot be opened, is left out with a message), reads=N
 * (64..65536; at most the file's 4 KiB blocks).  sleepers= and
 * kthread_sleepers= are accepted and ignored.  Everything runs from
 * module init and is freed before init returns.
 */

#include <linux/fadvise.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mmzone.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/task_stack.h>
#include <linux/timekeeping.h>

#include <kasync.h>
#include <kasync/file.h>
#include <kasync/blocking.h>

#include "kbench.h"

#define KBF_BLOCK	4096
/* Odd: j * KBF_STRIDE mod 2^k is a permutation of 0 .. 2^k - 1. */
#define KBF_STRIDE	0x9e3779b1u
#define KBF_READS_MAX	65536

static char *ext4_path = "";
module_param_named(ext4, ext4_path, charp, 0444);
MODULE_PARM_DESC(ext4, "a file on a block-device file system (cold, direct, warm)");

static char *tmpfs_path = "";
module_param_named(tmpfs, tmpfs_path, charp, 0444);
MODULE_PARM_DESC(tmpfs, "a file on tmpfs (tmpfs)");

static unsigned int reads = 4096;
module_param(reads, uint, 0444);
MODULE_PARM_DESC(reads, "4 KiB reads per run (64..65536, default 4096)");

enum kbf_mode { KBF_COLD, KBF_DIRECT, KBF_WARM, KBF_TMPFS, KBF_MODES };
enum kbf_variant { KBF_KASYNC, KBF_BLOCKING, KBF_KTHREAD, KBF_VARIANTS };

static const char *const kbf_mode_names[KBF_MODES] = {
	"cold", "direct", "warm", "tmpfs",
};

static const char *const kbf_variant_names[KBF_VARIANTS] = {
	"kasync", "kasync_blocking", "kthread_pool",
};

static const unsigned int kbf_conc[] = { 1, 64, 1024 };

/* The open files, by mode (NULL: left out). */
static struct file *kbf_files[KBF_MODES];

/* One run: what the readers share; on the loader's stack. */
struct kbf_run {
	struct file *file;
	unsigned int n;			/* readers */
	unsigned int per;		/* reads per reader */
	unsigned int mask;		/* 2^k - 1 blocks */
	wait_queue_head_t gate;
	bool go;			/* the gate is open */
	atomic_t left;			/* readers not finished, + the loader */
	struct completion done;
	u64 end_ns;			/* the last one's finish, before @done */
	atomic_t running;		/* reads inside kernel_read() */
	atomic_t peak;			/* the most of @running */
	atomic_t errors;
	atomic_t slept;			/* awaits whose poll slept */
	int err;			/* the first error */
};

/* One reader's own, allocated by the loader: never in a task's state. */
struct kbf_reader {
	struct kbf_run *run;
	void *buf;			/* a page */
	unsigned int idx;
	loff_t pos;			/* the blocking job's position */
	struct task_struct *thread;
};

static loff_t kbf_pos(const struct kbf_run *run, unsigned int r,
		      unsigned int k)
{
	u64 j = (u64)k * run->n + r;

	return (loff_t)((j * KBF_STRIDE) & run->mask) * KBF_BLOCK;
}

static void kbf_fail(struct kbf_run *run, long err)
{
	if (atomic_inc_return(&run->errors) == 1)
		WRITE_ONCE(run->err, err);
}

/* A reader (or the loader) is done; the last one stamps the end. */
static void kbf_finish(struct kbf_run *run)
{
	if (atomic_dec_and_test(&run->left)) {
		run->end_ns = ktime_get_ns();
		complete(&run->done);
	}
}

static void kbf_enter(struct kbf_run *run)
{
	int now = atomic_inc_return(&run->running);
	int peak = atomic_read(&run->peak);

	while (now > peak && !atomic_try_cmpxchg(&run->peak, &peak, now))
		;
}

static void kbf_leave(struct kbf_run *run)
{
	atomic_dec(&run->running);
}

/* A read's result: a whole block, or an error for the run. */
static bool kbf_check(struct kbf_run *run, long res)
{
	if (res == KBF_BLOCK)
		return true;
	kbf_fail(run, res < 0 ? res : -EIO);
	return false;
}

/* ---- kasync and kasync_blocking: tasks ---------------------------------- */

/* On the blocking pool: one read, counted while it runs. */
static long kbf_blocking_read(void *arg)
{
	struct kbf_reader *r = arg;
	loff_t pos = r->pos;
	ssize_t n;

	kbf_enter(r->run);
	n = kernel_read(r->run->file, r->buf, KBF_BLOCK, &pos);
	kbf_leave(r->run);
	return n;
}

struct kbf_task {
	struct kasync_co co;
	struct kasync_wait w;
	struct kasync_file_io io;
	struct kasync_blocking b;
	struct kbf_reader *r;
	unsigned int k;
	bool blocking;
	long res;
};

/*
 * One step of the read's await, counting the polls in which it slept
 * (kasync's sleep detector is off for this module: see run-in-vm.sh).
 */
static enum kasync_poll kbf_read_step(struct kasync_task *t,
				      struct kbf_task *s, struct kbf_run *run)
{
	unsigned long nvcsw = current->nvcsw;
	enum kasync_poll ret;

	if (s->blocking)
		ret = kasync_blocking(t, &s->b, kbf_blocking_read, s->r,
				      &s->res);
	else
		ret = kasync_file_read(t, &s->io, run->file, s->r->buf,
				       KBF_BLOCK, s->r->pos, &s->res);
	if (current->nvcsw != nvcsw)
		atomic_inc(&run->slept);
	return ret;
}

static enum kasync_poll kbf_task_poll(struct kasync_task *t, void *p)
{
	struct kbf_task *s = p;
	struct kbf_reader *r = s->r;
	struct kbf_run *run = r->run;

	KASYNC_BEGIN(&s->co);
	KASYNC_AWAIT(&s->co, kasync_wait_event(t, &s->w, &run->gate,
					       READ_ONCE(run->go)));
	for (s->k = 0; s->k < run->per; s->k++) {
		r->pos = kbf_pos(run, r->idx, s->k);
		KASYNC_AWAIT(&s->co, kbf_read_step(t, s, run));
		if (!kbf_check(run, s->res))
			break;
	}
	kbf_finish(run);
	KASYNC_END(&s->co);
}

static const struct kasync_task_ops kbf_task_ops = { .poll = kbf_task_poll };

/* ---- kthread_pool ------------------------------------------------------- */

static int kbf_thread_fn(void *p)
{
	struct kbf_reader *r = p;
	struct kbf_run *run = r->run;
	unsigned int k;
	loff_t pos;
	ssize_t n;

	wait_event_idle(run->gate, READ_ONCE(run->go) || kthread_should_stop());
	for (k = 0; k < run->per && !kthread_should_stop(); k++) {
		pos = kbf_pos(run, r->idx, k);
		kbf_enter(run);
		n = kernel_read(run->file, r->buf, KBF_BLOCK, &pos);
		kbf_leave(run);
		if (!kbf_check(run, n))
			break;
	}
	kbf_finish(run);
	/* stay (and be counted) until the loader stops every thread */
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* ---- measuring ---------------------------------------------------------- */

/*
 * A node counter summed over the nodes' per-CPU deltas too: exact, where
 * kb_kernel_bytes() may be off by the vmstat thresholds (some 100 KiB per
 * CPU and counter), more than a thousand small readers' memory.
 */
static s64 kbf_node_exact(enum node_stat_item item)
{
	s64 x = atomic_long_read(&vm_node_stat[item]);
	int nid, cpu;

	for_each_online_node(nid) {
		struct pglist_data *pgdat = NODE_DATA(nid);

		for_each_possible_cpu(cpu)
			x += READ_ONCE(per_cpu_ptr(pgdat->per_cpu_nodestats,
						   cpu)->vm_node_stat_diff[item]);
	}
	return x;
}

/* Slab (both kinds) and kernel stacks, bytes, exact. */
static s64 kbf_kernel_bytes(void)
{
	return kbf_node_exact(NR_KERNEL_STACK_KB) * 1024 +
	       (kbf_node_exact(NR_SLAB_UNRECLAIMABLE_B) +
		kbf_node_exact(NR_SLAB_RECLAIMABLE_B)) * PAGE_SIZE;
}

struct kbf_peaks {
	s64 base;
	s64 bytes;		/* the most above @base */
	u64 pool;		/* the most blocking-pool jobs in flight */
	unsigned int max_active;
};

static void kbf_sample(struct kbf_peaks *pk)
{
	struct kasync_blocking_stats bs;
	s64 b = kbf_kernel_bytes() - pk->base;

	if (b > pk->bytes)
		pk->bytes = b;
	kasync_blocking_stats(&bs);
	pk->max_active = bs.max_active;
	if (bs.in_flight > pk->pool)
		pk->pool = bs.in_flight;
}

/* Warm: read the whole file once, so that every block is cached. */
static int kbf_prefetch(struct file *file)
{
	loff_t pos = 0, size = i_size_read(file_inode(file));
	const size_t chunk = 64 * 1024;
	ssize_t n = 0;
	void *buf;

	buf = kvmalloc(chunk, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (pos < size) {
		n = kernel_read(file, buf, chunk, &pos);
		if (n <= 0)
			break;
		cond_resched();
	}
	kvfree(buf);
	return n < 0 ? n : 0;
}

/* ---- one run ------------------------------------------------------------ */

struct kbf_point {
	enum kbf_mode mode;
	enum kbf_variant variant;
	unsigned int n;
};

/* The benchmark kb_run() runs now (kb_bench has no argument). */
static const struct kbf_point *kbf_cur;

/* Start the readers of @v; returns how many started. */
static unsigned int kbf_start(struct kbf_run *run, enum kbf_variant v,
			      struct kbf_reader *rs, struct kasync_task **hs)
{
	struct kbf_task init = { .blocking = v == KBF_BLOCKING };
	unsigned int i;

	for (i = 0; i < run->n; i++) {
		atomic_inc(&run->left);
		if (v == KBF_KTHREAD) {
			rs[i].thread = kthread_run(kbf_thread_fn, &rs[i],
						   "kbf/%u", i);
			if (IS_ERR(rs[i].thread)) {
				kbf_fail(run, PTR_ERR(rs[i].thread));
				rs[i].thread = NULL;
				atomic_dec(&run->left);
				break;
			}
			continue;
		}
		init.r = &rs[i];
		hs[i] = kasync_spawn(NULL, &kbf_task_ops, &init, sizeof(init),
				     GFP_KERNEL);
		if (IS_ERR(hs[i])) {
			kbf_fail(run, PTR_ERR(hs[i]));
			atomic_dec(&run->left);
			break;
		}
	}
	return i;
}

static int kbf_once(const struct kbf_point *pt, u64 *vals)
{
	struct kasync_file_stats fs0, fs1;
	struct kbf_peaks pk = {};
	struct kasync_task **hs = NULL;
	struct kbf_reader *rs;
	struct kbf_run run = {};
	unsigned int i, started, n = pt->n;
	u64 t0, threads;
	int err;

	run.file = kbf_files[pt->mode];
	run.n = n;
	run.per = max(reads / n, 1u);
	run.mask = rounddown_pow_of_two(i_size_read(file_inode(run.file)) /
					KBF_BLOCK) - 1;
	init_waitqueue_head(&run.gate);
	atomic_set(&run.left, 1);
	init_completion(&run.done);

	if (pt->mode == KBF_COLD || pt->mode == KBF_DIRECT)
		err = vfs_fadvise(run.file, 0, 0, POSIX_FADV_DONTNEED);
	else
		err = kbf_prefetch(run.file);
	if (err)
		return err;

	rs = kvcalloc(n, sizeof(*rs), GFP_KERNEL);
	if (pt->variant != KBF_KTHREAD)
		hs = kvcalloc(n, sizeof(*hs), GFP_KERNEL);
	if (!rs || (pt->variant != KBF_KTHREAD && !hs)) {
		err = -ENOMEM;
		goto free;
	}
	for (i = 0; i < n; i++) {
		rs[i].run = &run;
		rs[i].idx = i;
		rs[i].buf = (void *)__get_free_page(GFP_KERNEL);
		if (!rs[i].buf) {
			err = -ENOMEM;
			goto free;
		}
	}

	/* what RCU still holds is freed first, as kasync_bench does */
	rcu_barrier();
	kasync_file_stats(&fs0);
	pk.base = kbf_kernel_bytes();
	started = kbf_start(&run, pt->variant, rs, hs);
	kbf_sample(&pk);
	t0 = ktime_get_ns();
	WRITE_ONCE(run.go, true);
	wake_up_all(&run.gate);
	/* the loader's reference; then sample until the last reader ends */
	kbf_finish(&run);
	while (!completion_done(&run.done)) {
		kbf_sample(&pk);
		usleep_range(500, 1000);
	}
	wait_for_completion(&run.done);
	kasync_file_stats(&fs1);

	for (i = 0; i < started; i++) {
		if (pt->variant == KBF_KTHREAD)
			kthread_stop(rs[i].thread);
		else
			kasync_join(&hs[i]);
	}
	/* nothing of a job or a request may outlive the readers' pages */
	kasync_blocking_drain();
	kasync_file_drain();

	/*
	 * The pool's threads engaged, measured alike for both kasync
	 * variants: its jobs in flight, at most max_active.  kasync's
	 * reads that never reached the pool engaged none.
	 */
	if (pt->variant == KBF_KTHREAD)
		threads = started;
	else if (pt->variant == KBF_KASYNC && fs1.pool == fs0.pool)
		threads = 0;
	else
		threads = min_t(u64, pk.pool, pk.max_active);
	vals[0] = div_u64(run.end_ns - t0, started ? started * run.per : 1);
	vals[1] = threads;
	if (pt->variant != KBF_KTHREAD)
		pk.bytes += threads * THREAD_SIZE;
	vals[2] = div_u64(max_t(s64, pk.bytes, 0), started ?: 1);
	pr_info("kbench-file %s %s %u: %u readers x %u reads; %d in kernel_read() at most; %d read polls slept; kasync file: nowait +%llu folio_waits +%llu pool +%llu direct +%llu direct_waits +%llu; pool jobs in flight at most %llu\n",
		kbf_mode_names[pt->mode], kbf_variant_names[pt->variant], n,
		started, run.per, atomic_read(&run.peak),
		atomic_read(&run.slept),
		fs1.nowait - fs0.nowait, fs1.folio_waits - fs0.folio_waits,
		fs1.pool - fs0.pool, fs1.direct - fs0.direct,
		fs1.direct_waits - fs0.direct_waits, pk.pool);
	err = started == n ? READ_ONCE(run.err) : (READ_ONCE(run.err) ?: -ENOMEM);
free:
	if (rs)
		for (i = 0; i < n; i++)
			free_page((unsigned long)rs[i].buf);
	kvfree(rs);
	kvfree(hs);
	return err;
}

static int kbf_run_cur(u64 *vals)
{
	return kbf_once(kbf_cur, vals);
}

/* ---- driver ------------------------------------------------------------- */

static struct file *kbf_open(const char *path, int flags, const char *mode)
{
	struct file *f;
	loff_t size;
	int err;

	if (!path || !*path) {
		pr_info("kbench-file: no file for %s: left out\n", mode);
		return NULL;
	}
	f = filp_open(path, O_RDONLY | O_LARGEFILE | flags, 0);
	if (IS_ERR(f)) {
		pr_warn("kbench-file: %s: cannot open %s (%ld): left out\n",
			mode, path, PTR_ERR(f));
		return NULL;
	}
	size = i_size_read(file_inode(f));
	if (size / KBF_BLOCK < reads) {
		pr_warn("kbench-file: %s: %s has %lld blocks of 4 KiB, reads=%u needs as many: left out\n",
			mode, path, size / KBF_BLOCK, reads);
		fput(f);
		return NULL;
	}
	/* no readahead: a cold read is one 4 KiB I/O */
	err = vfs_fadvise(f, 0, 0, POSIX_FADV_RANDOM);
	if (err)
		pr_warn("kbench-file: %s: POSIX_FADV_RANDOM: %d\n", mode, err);
	return f;
}

static void kbf_close(void)
{
	int m;

	for (m = 0; m < KBF_MODES; m++) {
		if (kbf_files[m])
			fput(kbf_files[m]);
		kbf_files[m] = NULL;
	}
}

#define KBF_POINTS	(KBF_MODES * ARRAY_SIZE(kbf_conc) * KBF_VARIANTS)

static struct kbf_point kbf_points[KBF_POINTS];
static struct kb_bench kbf_benches[KBF_POINTS];

static void kbf_free_names(unsigned int nb)
{
	unsigned int i;

	/* rows[0] is the name; the three variants share each point's names */
	for (i = 0; i < nb; i += KBF_VARIANTS) {
		kfree(kbf_benches[i].name);
		kfree(kbf_benches[i].rows[1]);
		kfree(kbf_benches[i].rows[2]);
	}
}

static int __init kasync_file_bench_init(void)
{
	unsigned int nb = 0, c, v, i;
	int m, err = 0;
	const char *name, *thr, *mem;

	if (reads < 64 || reads > KBF_READS_MAX) {
		pr_err("kbench-file: reads=%u out of 64..%u\n", reads,
		       KBF_READS_MAX);
		return -EINVAL;
	}
	kbf_files[KBF_COLD] = kbf_open(ext4_path, 0, "cold");
	kbf_files[KBF_DIRECT] = kbf_open(ext4_path, O_DIRECT, "direct");
	kbf_files[KBF_WARM] = kbf_open(ext4_path, 0, "warm");
	kbf_files[KBF_TMPFS] = kbf_open(tmpfs_path, 0, "tmpfs");
	if (kbf_files[KBF_COLD] && !file_inode(kbf_files[KBF_COLD])->i_sb->s_bdev) {
		pr_warn("kbench-file: %s is on no block device: no cold, direct or warm rows\n",
			ext4_path);
		for (m = KBF_COLD; m <= KBF_WARM; m++) {
			if (kbf_files[m])
				fput(kbf_files[m]);
			kbf_files[m] = NULL;
		}
	}

	for (m = 0; m < KBF_MODES; m++) {
		if (!kbf_files[m])
			continue;
		for (c = 0; c < ARRAY_SIZE(kbf_conc); c++) {
			name = kasprintf(GFP_KERNEL, "file_%s_%u",
					 kbf_mode_names[m], kbf_conc[c]);
			thr = kasprintf(GFP_KERNEL, "%s_threads", name ?: "");
			mem = kasprintf(GFP_KERNEL, "%s_mem", name ?: "");
			if (!name || !thr || !mem) {
				kfree(name);
				kfree(thr);
				kfree(mem);
				err = -ENOMEM;
				goto out;
			}
			/* one reader's bytes are below the slab's granularity */
			if (kbf_conc[c] == 1) {
				kfree(mem);
				mem = NULL;
			}
			for (v = 0; v < KBF_VARIANTS; v++) {
				kbf_points[nb] = (struct kbf_point){
					.mode = m, .variant = v,
					.n = kbf_conc[c],
				};
				kbf_benches[nb] = (struct kb_bench){
					.name = name,
					.variant = kbf_variant_names[v],
					.ops = 1,
					.run = kbf_run_cur,
					.rows = { name, thr, mem },
				};
				nb++;
			}
		}
	}

	/* kb_main(), with the point each benchmark runs set first */
	if (!runs || runs > 1000) {
		pr_err("kbench: runs=%u out of 1..1000\n", runs);
		err = -EINVAL;
		goto out;
	}
	err = kb_check_selection(kbf_benches, nb);
	for (i = 0; !err && i < nb; i++) {
		if (!kb_selected(kbf_benches[i].name))
			continue;
		kbf_cur = &kbf_points[i];
		err = kb_run(&kbf_benches[i]);
	}
	if (!err)
		pr_info("kbench done\n");
out:
	kbf_free_names(nb);
	kbf_close();
	return err;
}

/* Nothing to undo: init has freed everything before returning. */
static void __exit kasync_file_bench_exit(void)
{
}

module_init(kasync_file_bench_init);
module_exit(kasync_file_bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync benchmarks: concurrent file reads");
