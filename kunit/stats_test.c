// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_stats: the counter table (kasync/stats.h) and what a
 * user reads from it: kasync_rt_stats() and
 * /sys/kernel/debug/kasync/<runtime>/stats, before and after tasks are
 * spawned, woken and completed.
 *
 * The debugfs file is read through a kernel-internal mount of debugfs
 * (the same superblock as any other mount), so the case does not depend
 * on where, or whether, user space mounted it.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/seq_file.h>
#include <linux/uio.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kasync_test.h"
#include "../kasync/stats.h"

struct ks_col {
	const char *name;
	size_t off;		/* in struct kasync_stats */
	unsigned int width;
	unsigned int item;	/* enum kasync_stat_item, if a counter */
	bool ctr;		/* a counter, not computed */
	bool max;		/* a maximum, not a sum */
};

static const struct ks_col ks_cols[] = {
#define KASYNC_STAT(i, h, field, col, w)				\
	{ .name = col, .off = offsetof(struct kasync_stats, field),	\
	  .width = w, .item = KASYNC_STAT_##i, .ctr = true,		\
	  .max = KASYNC_STAT_HOW_##h == KASYNC_STAT_HOW_MAX },
#define KASYNC_STAT_CALC(field, col, w)					\
	{ .name = col, .off = offsetof(struct kasync_stats, field),	\
	  .width = w },
#include "../kasync/stat_items.h"
};

#define KS_NCOLS	ARRAY_SIZE(ks_cols)

/* The columns scripts and kselftests parse, in their order. */
static const struct {
	const char *name;
	bool max;		/* the total is the largest CPU's */
} ks_known[] = {
	{ "spawned" }, { "completed" }, { "cancelled" }, { "polls" },
	{ "wakes" }, { "steals" }, { "stolen" }, { "overflows" },
	{ "budget" }, { "lifo_hits" }, { "depth" }, { "alive" },
	{ "longest_ns", true }, { "rehomed" }, { "idles" }, { "lingers" },
	{ "coop" },
};

/* Counters that move with timing, not with what the tasks do. */
static const size_t ks_timing[] = {
	offsetof(struct kasync_stats, budget_yields),
	offsetof(struct kasync_stats, longest_poll_ns),
	offsetof(struct kasync_stats, idles),
	offsetof(struct kasync_stats, lingers),
};

static u64 ks_get(const struct kasync_stats *s, size_t off)
{
	return *(const u64 *)((const char *)s + off);
}

static bool ks_is_timing(size_t off)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ks_timing); i++) {
		if (ks_timing[i] == off)
			return true;
	}
	return false;
}

/* Every column has a name of its own, fits its width, maps a field. */
static void ks_table(struct kunit *test)
{
	unsigned int i, j, ctrs = 0, known = 0;
	DECLARE_BITMAP(items, KASYNC_STAT_NR) = {};

	for (i = 0; i < KS_NCOLS; i++) {
		const struct ks_col *c = &ks_cols[i];

		KUNIT_EXPECT_GT_MSG(test, strlen(c->name), 0, "column %u", i);
		KUNIT_EXPECT_LE_MSG(test, strlen(c->name), c->width,
				    "column %s", c->name);
		KUNIT_EXPECT_NULL_MSG(test, strpbrk(c->name, " \t\n"),
				      "column %s", c->name);
		KUNIT_EXPECT_EQ(test, c->off % sizeof(u64), 0);
		for (j = 0; j < i; j++) {
			KUNIT_EXPECT_STRNEQ_MSG(test, c->name, ks_cols[j].name,
						"columns %u and %u", j, i);
			KUNIT_EXPECT_NE_MSG(test, c->off, ks_cols[j].off,
					    "%s and %s show one field",
					    ks_cols[j].name, c->name);
		}
		if (c->ctr) {
			/* Each counter has an index of its own. */
			ctrs++;
			KUNIT_ASSERT_LT(test, c->item, (unsigned int)KASYNC_STAT_NR);
			KUNIT_EXPECT_FALSE(test, test_and_set_bit(c->item, items));
		}
		if (known < ARRAY_SIZE(ks_known) &&
		    !strcmp(c->name, ks_known[known].name)) {
			KUNIT_EXPECT_EQ_MSG(test, c->max, ks_known[known].max,
					    "%s: sum or maximum", c->name);
			known++;
		}
	}
	KUNIT_EXPECT_EQ(test, ctrs, (unsigned int)KASYNC_STAT_NR);
	/* Every field of struct kasync_stats is a column. */
	KUNIT_EXPECT_EQ(test, KS_NCOLS * sizeof(u64),
			sizeof(struct kasync_stats));
	/* The columns that are parsed are all there, in their order. */
	KUNIT_EXPECT_EQ_MSG(test, known, (unsigned int)ARRAY_SIZE(ks_known),
			    "column %s missing or moved",
			    known < ARRAY_SIZE(ks_known) ? ks_known[known].name : "");
}

/* ---- reading the debugfs file ------------------------------------------- */

#define KS_BUF		(64 * 1024)

/* The "total" row, and the CPU rows summed and maxed per column. */
struct ks_file {
	u64 total[KS_NCOLS];
	u64 sum[KS_NCOLS];
	u64 max[KS_NCOLS];
	unsigned int rows;
	bool head, has_total;
};

/*
 * debugfs wraps the file's operations in a proxy without ->read_iter, so
 * kernel_read() refuses it; it is a seq_file, read it as seq_read() does.
 */
static ssize_t ks_read_seq(struct file *f, char *buf, size_t size)
{
	struct kvec kv = { .iov_base = buf, .iov_len = size };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t n, len = 0;

	init_sync_kiocb(&kiocb, f);
	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, size);
	do {
		n = seq_read_iter(&kiocb, &iter);
		len += n;
	} while (n > 0 && iov_iter_count(&iter));
	return n < 0 ? n : len;
}

static ssize_t ks_read_file(const char *rt, char *buf)
{
	struct file_system_type *type;
	struct vfsmount *mnt;
	struct file *f;
	char path[64];
	ssize_t len;

	type = get_fs_type("debugfs");
	if (!type)
		return -ENODEV;
	mnt = kern_mount(type);
	module_put(type->owner);
	if (IS_ERR(mnt))
		return PTR_ERR(mnt);
	snprintf(path, sizeof(path), "kasync/%s/stats", rt);
	f = file_open_root_mnt(mnt, path, O_RDONLY, 0);
	if (IS_ERR(f)) {
		kern_unmount(mnt);
		return PTR_ERR(f);
	}
	len = ks_read_seq(f, buf, KS_BUF - 1);
	if (len >= 0)
		buf[len] = '\0';
	filp_close(f, NULL);
	kern_unmount(mnt);
	return len;
}

/* Parse one row of numbers after its label into @v. */
static bool ks_parse_row(char *line, u64 *v)
{
	unsigned int i;
	char *tok;

	for (i = 0; i < KS_NCOLS; i++) {
		do {
			tok = strsep(&line, " ");
		} while (tok && !*tok);
		if (!tok || kstrtoull(tok, 10, &v[i]))
			return false;
	}
	return !line || !*skip_spaces(line);
}

static void ks_parse(struct kunit *test, char *buf, struct ks_file *out)
{
	char *line, *label, *tok;
	u64 v[KS_NCOLS];
	unsigned int i;

	memset(out, 0, sizeof(*out));
	while ((line = strsep(&buf, "\n"))) {
		if (!*line || !strncmp(line, "runtime ", 8))
			continue;
		label = strsep(&line, " ");
		if (!strcmp(label, "cpu")) {
			/* The heading: the table's names, in its order. */
			for (i = 0; i < KS_NCOLS; i++) {
				do {
					tok = strsep(&line, " ");
				} while (tok && !*tok);
				KUNIT_ASSERT_NOT_NULL(test, tok);
				KUNIT_EXPECT_STREQ(test, tok, ks_cols[i].name);
			}
			KUNIT_EXPECT_TRUE(test, !line || !*skip_spaces(line));
			out->head = true;
			continue;
		}
		KUNIT_ASSERT_TRUE_MSG(test, ks_parse_row(line, v),
				      "bad row %s", label);
		if (!strcmp(label, "total")) {
			memcpy(out->total, v, sizeof(v));
			out->has_total = true;
			continue;
		}
		out->rows++;
		for (i = 0; i < KS_NCOLS; i++) {
			out->sum[i] += v[i];
			out->max[i] = max(out->max[i], v[i]);
		}
	}
	KUNIT_ASSERT_TRUE(test, out->head);
	KUNIT_ASSERT_TRUE(test, out->has_total);
	KUNIT_EXPECT_EQ(test, out->rows, num_possible_cpus());
}

/*
 * Check @rt's counters against @want, in kasync_rt_stats() and in the
 * debugfs file, except those that move with timing.  In the file, each
 * counter's total is the sum (or, for a maximum, the largest) of the CPU
 * rows printed with it.
 */
static void ks_check(struct kunit *test, struct kasync_rt *rt,
		     const char *name, const struct kasync_stats *want)
{
	char *buf = kunit_kzalloc(test, KS_BUF, GFP_KERNEL);
	struct kasync_stats got;
	struct ks_file file;
	unsigned int i;
	ssize_t len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	kasync_rt_stats(rt, &got);
	for (i = 0; i < KS_NCOLS; i++) {
		if (ks_is_timing(ks_cols[i].off))
			continue;
		KUNIT_EXPECT_EQ_MSG(test, ks_get(&got, ks_cols[i].off),
				    ks_get(want, ks_cols[i].off),
				    "kasync_rt_stats() %s", ks_cols[i].name);
	}

	len = ks_read_file(name, buf);
	if (len == -EPERM || len == -ENODEV)
		kunit_skip(test, "no debugfs (%zd)", len);
	KUNIT_ASSERT_GT_MSG(test, len, 0, "reading kasync/%s/stats", name);
	KUNIT_ASSERT_LT(test, len, KS_BUF - 1);
	ks_parse(test, buf, &file);
	for (i = 0; i < KS_NCOLS; i++) {
		const struct ks_col *c = &ks_cols[i];

		if (c->ctr)
			KUNIT_EXPECT_EQ_MSG(test, file.total[i],
					    c->max ? file.max[i] : file.sum[i],
					    "total of %s", c->name);
		if (ks_is_timing(c->off))
			continue;
		KUNIT_EXPECT_EQ_MSG(test, file.total[i], ks_get(want, c->off),
				    "debugfs %s", c->name);
	}
}

/* ---- spawn, wake, complete ------------------------------------------------ */

#define KS_SPIN_US	2000

struct ks_task {
	atomic_t *polled;
};

/* First poll: spin, then wait for a wake.  Second poll: done. */
static enum kasync_poll ks_poll(struct kasync_task *t, void *p)
{
	struct ks_task *s = p;

	if (atomic_inc_return(s->polled) > 1) {
		kasync_set_result(t, 7);
		return KASYNC_READY;
	}
	kt_spin_us(KS_SPIN_US);
	/* Woken, or aborted, by the test. */
	kasync_task_waits(t, KASYNC_WAIT_OTHER);
	return KASYNC_PENDING;
}

static const struct kasync_task_ops ks_ops = {
	.poll = ks_poll,
};

static u64 ks_polls(struct kasync_rt *rt)
{
	struct kasync_stats s;

	kasync_rt_stats(rt, &s);
	return s.polls;
}

static const unsigned int ks_kinds[] = { KASYNC_RT_PERCPU, KASYNC_RT_ORDERED };

static void ks_kind_desc(const unsigned int *f, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *f & KASYNC_RT_ORDERED ? "ordered" : "per-cpu");
}

KUNIT_ARRAY_PARAM(ks_kind, ks_kinds, ks_kind_desc);

/* What a failed assertion leaves behind: KUnit releases it. */
struct ks_ctx {
	struct kasync_rt *rt;
	struct kasync_task **h;
	unsigned int n;
};

static void ks_ctx_end(void *p)
{
	struct ks_ctx *c = p;
	unsigned int i;

	/* Cancelled by the destroy; the handles outlive the runtime. */
	kasync_rt_destroy(c->rt);
	for (i = 0; i < c->n; i++) {
		if (c->h[i])
			kasync_detach(&c->h[i]);
	}
}

/*
 * One task per online CPU, each polled once (PENDING), woken, polled again
 * (READY): spawned, polls, wakes and completed move by exactly that, the
 * others not at all; alive goes to 1 each and back to 0; the longest poll
 * is at least the first poll's spin.
 */
static void ks_spawn_wake_complete(struct kunit *test)
{
	const unsigned int *flags = test->param_value;
	const char *name = "ks_moves";
	struct kasync_stats want = {}, got;
	struct ks_task s;
	struct ks_ctx *c;
	atomic_t *polled;
	unsigned int i, n;
	int cpu;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->h = kunit_kcalloc(test, nr_cpu_ids, sizeof(*c->h), GFP_KERNEL);
	polled = kunit_kcalloc(test, nr_cpu_ids, sizeof(*polled), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->h);
	KUNIT_ASSERT_NOT_NULL(test, polled);
	c->rt = kasync_rt_create(name, *flags);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->rt));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ks_ctx_end, c), 0);

	/* A new runtime counted nothing. */
	ks_check(test, c->rt, name, &want);

	for_each_online_cpu(cpu) {
		s.polled = &polled[c->n];
		c->h[c->n] = kasync_spawn_on(c->rt, cpu, &ks_ops, &s, sizeof(s),
					     GFP_KERNEL);
		if (IS_ERR(c->h[c->n])) {
			c->h[c->n] = NULL;
			break;
		}
		c->n++;
	}
	n = c->n;
	KUNIT_ASSERT_EQ(test, n, num_online_cpus());
	KUNIT_ASSERT_TRUE(test, kt_wait_for(ks_polls(c->rt) == n, 10000));
	want.spawned = n;
	want.polls = n;
	want.alive = n;
	ks_check(test, c->rt, name, &want);

	for (i = 0; i < n; i++)
		kasync_wake(c->h[i]);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, kasync_join(&c->h[i]), 7L);
	/* The poll is counted after it returns, the join may be first. */
	KUNIT_EXPECT_TRUE(test, kt_wait_for(ks_polls(c->rt) == 2 * n, 10000));
	want.polls = 2 * n;
	want.wakes = n;
	want.completed = n;
	want.alive = 0;
	ks_check(test, c->rt, name, &want);

	kasync_rt_stats(c->rt, &got);
	KUNIT_EXPECT_GE(test, got.longest_poll_ns,
			(u64)KS_SPIN_US * NSEC_PER_USEC / 2);
}

static struct kunit_case kasync_stats_cases[] = {
	KUNIT_CASE(ks_table),
	KUNIT_CASE_PARAM(ks_spawn_wake_complete, ks_kind_gen_params),
	{}
};

static struct kunit_suite kasync_stats_suite = {
	.name = "kasync_stats",
	.test_cases = kasync_stats_cases,
};

kunit_test_suite(kasync_stats_suite);

MODULE_DESCRIPTION("KUnit tests for kasync's counters");
MODULE_LICENSE("GPL");
