/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's counters, one line each, in the order of the columns of
 * /sys/kernel/debug/kasync/<runtime>/stats.  Included once per use, with
 * these two defined (see stats.h):
 *
 *   KASYNC_STAT(ITEM, how, field, column, width): a per-CPU counter
 *	ITEM	its index is KASYNC_STAT_<ITEM> (&enum kasync_stat_item)
 *	how	SUM: counts, added up over the CPUs (kasync_stat_add());
 *		MAX: maxima, the largest wins (kasync_stat_max())
 *	field	its u64 member of &struct kasync_stats (include/kasync.h)
 *	column	its heading in debugfs, printed @width wide
 *
 *   KASYNC_STAT_CALC(field, column, width): a value computed when read
 *	(stats.c), not counted
 *
 * Scripts and kselftests find a column by its heading: never rename one.
 */
#if !defined(KASYNC_STAT) || !defined(KASYNC_STAT_CALC)
#error "define KASYNC_STAT() and KASYNC_STAT_CALC() to include stat_items.h"
#endif

KASYNC_STAT(SPAWNED,		SUM, spawned,		"spawned",	10)
KASYNC_STAT(COMPLETED,		SUM, completed,		"completed",	10)
KASYNC_STAT(CANCELLED,		SUM, cancelled,		"cancelled",	9)
KASYNC_STAT(POLLS,		SUM, polls,		"polls",	11)
KASYNC_STAT(WAKES,		SUM, wakes,		"wakes",	10)
KASYNC_STAT(STEALS,		SUM, steals,		"steals",	7)
KASYNC_STAT(STOLEN,		SUM, stolen,		"stolen",	7)
KASYNC_STAT(OVERFLOWS,		SUM, overflows,		"overflows",	9)
KASYNC_STAT(BUDGET_YIELDS,	SUM, budget_yields,	"budget",	8)
KASYNC_STAT(LIFO_HITS,		SUM, lifo_hits,		"lifo_hits",	9)
KASYNC_STAT_CALC(queue_depth,				"depth",	6)
KASYNC_STAT_CALC(alive,					"alive",	6)
KASYNC_STAT(LONGEST_POLL_NS,	MAX, longest_poll_ns,	"longest_ns",	11)
KASYNC_STAT(REHOMED,		SUM, rehomed,		"rehomed",	7)
KASYNC_STAT(IDLES,		SUM, idles,		"idles",	9)
KASYNC_STAT(LINGERS,		SUM, lingers,		"lingers",	8)
KASYNC_STAT(COOP_YIELDS,	SUM, coop_yields,	"coop",		9)
KASYNC_STAT(LONG_POLLS,		SUM, long_polls,	"long",		6)
KASYNC_STAT(SLEPT_POLLS,	SUM, slept_polls,	"slept",	6)
KASYNC_STAT(CONTEXT_LEAKS,	SUM, context_leaks,	"leaks",	6)
KASYNC_STAT(NO_WAKER,		SUM, no_waker,		"nowaker",	7)
KASYNC_STAT(CO_LOST,		SUM, co_lost,		"colost",	6)
KASYNC_STAT(RESCUED,		SUM, rescued,		"rescued",	7)
KASYNC_STAT(BALANCED,		SUM, balanced,		"balanced",	8)

#undef KASYNC_STAT
#undef KASYNC_STAT_CALC
