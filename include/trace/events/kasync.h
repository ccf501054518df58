/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's tracepoints: one event per step of a task's life (spawn, poll
 * start and end, wake, complete, cancel) and of a worker's (start, idle,
 * steal, overflow to the global queue).  Every task event carries the
 * task's id (kasync_task_id()), the key that ties a task's events
 * together.  Disabled events cost a static branch each (a NOP in the
 * code); the arguments are computed only when an event is enabled.
 *
 *	perf record -e 'kasync:*' -a -- sleep 1
 *	trace-cmd record -e kasync
 *	bpftrace -e 'tracepoint:kasync:kasync_poll_end { @ns = hist(args->ns); }'
 *
 * Documentation/observability.rst lists the events and their fields.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kasync

#if !defined(_TRACE_KASYNC_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_KASYNC_H

#include <linux/tracepoint.h>
#include <linux/version.h>
#include <kasync/types.h>

/* __assign_str() lost its source argument in 6.10. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kasync_assign_str(field, src)	__assign_str(field)
#else
#define kasync_assign_str(field, src)	__assign_str(field, src)
#endif

/* Who called kasync_wake(): the waker context of kasync_wake. */
#define KASYNC_WAKER_THREAD	0
#define KASYNC_WAKER_SOFTIRQ	1
#define KASYNC_WAKER_HARDIRQ	2
#define KASYNC_WAKER_POLL	3	/* a task's poll function */

TRACE_EVENT(kasync_spawn,
	TP_PROTO(u64 id, const char *name, const void *poll, const char *rt,
		 int cpu),
	TP_ARGS(id, name, poll, rt, cpu),
	TP_STRUCT__entry(
		__field(u64, id)
		__string(name, name)
		__field(const void *, poll)
		__string(rt, rt)
		__field(int, cpu)
	),
	TP_fast_assign(
		__entry->id = id;
		kasync_assign_str(name, name);
		__entry->poll = poll;
		kasync_assign_str(rt, rt);
		__entry->cpu = cpu;
	),
	TP_printk("task=%llu name=%s poll=%ps rt=%s cpu=%d",
		  __entry->id, __get_str(name), __entry->poll, __get_str(rt),
		  __entry->cpu)
);

/* Task events that carry the task's poll count: poll_start, cancel. */
DECLARE_EVENT_CLASS(kasync_task_polls,
	TP_PROTO(u64 id, u32 polls),
	TP_ARGS(id, polls),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u32, polls)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->polls = polls;
	),
	TP_printk("task=%llu polls=%u", __entry->id, __entry->polls)
);

DEFINE_EVENT(kasync_task_polls, kasync_poll_start,
	TP_PROTO(u64 id, u32 polls),
	TP_ARGS(id, polls)
);

TRACE_EVENT(kasync_poll_end,
	TP_PROTO(u64 id, int ready, u64 ns, int kind),
	TP_ARGS(id, ready, ns, kind),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(u64, ns)
		__field(int, ready)
		__field(int, kind)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->ns = ns;
		__entry->ready = ready;
		__entry->kind = kind;
	),
	TP_printk("task=%llu result=%s ns=%llu wait=%s", __entry->id,
		  __entry->ready ? "ready" : "pending", __entry->ns,
		  __print_symbolic(__entry->kind,
				   { KASYNC_WAIT_NONE, "none" },
				   { KASYNC_WAIT_TIMER, "timer" },
				   { KASYNC_WAIT_WAITQ, "waitqueue" },
				   { KASYNC_WAIT_FILE, "file" },
				   { KASYNC_WAIT_SOCKET, "socket" },
				   { KASYNC_WAIT_SYNC, "sync" },
				   { KASYNC_WAIT_CHAN, "channel" },
				   { KASYNC_WAIT_JOIN, "join" },
				   { KASYNC_WAIT_GROUP, "group" },
				   { KASYNC_WAIT_BLOCKING, "blocking" },
				   { KASYNC_WAIT_OTHER, "other" }))
);

TRACE_EVENT(kasync_wake,
	TP_PROTO(u64 id, int waker, int from, int to),
	TP_ARGS(id, waker, from, to),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(int, waker)
		__field(int, from)
		__field(int, to)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->waker = waker;
		__entry->from = from;
		__entry->to = to;
	),
	TP_printk("task=%llu waker=%s from=%d to=%d", __entry->id,
		  __print_symbolic(__entry->waker,
				   { KASYNC_WAKER_THREAD, "thread" },
				   { KASYNC_WAKER_SOFTIRQ, "softirq" },
				   { KASYNC_WAKER_HARDIRQ, "hardirq" },
				   { KASYNC_WAKER_POLL, "poll" }),
		  __entry->from, __entry->to)
);

TRACE_EVENT(kasync_complete,
	TP_PROTO(u64 id, long result, u32 polls, u64 busy_ns),
	TP_ARGS(id, result, polls, busy_ns),
	TP_STRUCT__entry(
		__field(u64, id)
		__field(long, result)
		__field(u64, busy_ns)
		__field(u32, polls)
	),
	TP_fast_assign(
		__entry->id = id;
		__entry->result = result;
		__entry->busy_ns = busy_ns;
		__entry->polls = polls;
	),
	TP_printk("task=%llu result=%ld polls=%u busy_ns=%llu", __entry->id,
		  __entry->result, __entry->polls, __entry->busy_ns)
);

DEFINE_EVENT(kasync_task_polls, kasync_cancel,
	TP_PROTO(u64 id, u32 polls),
	TP_ARGS(id, polls)
);

TRACE_EVENT(kasync_steal,
	TP_PROTO(const char *rt, int victim, int thief, unsigned int count),
	TP_ARGS(rt, victim, thief, count),
	TP_STRUCT__entry(
		__string(rt, rt)
		__field(int, victim)
		__field(int, thief)
		__field(unsigned int, count)
	),
	TP_fast_assign(
		kasync_assign_str(rt, rt);
		__entry->victim = victim;
		__entry->thief = thief;
		__entry->count = count;
	),
	TP_printk("rt=%s victim=%d thief=%d count=%u", __get_str(rt),
		  __entry->victim, __entry->thief, __entry->count)
);

TRACE_EVENT(kasync_overflow,
	TP_PROTO(const char *rt, int cpu, unsigned int count),
	TP_ARGS(rt, cpu, count),
	TP_STRUCT__entry(
		__string(rt, rt)
		__field(int, cpu)
		__field(unsigned int, count)
	),
	TP_fast_assign(
		kasync_assign_str(rt, rt);
		__entry->cpu = cpu;
		__entry->count = count;
	),
	TP_printk("rt=%s cpu=%d count=%u", __get_str(rt), __entry->cpu,
		  __entry->count)
);

TRACE_EVENT(kasync_worker_start,
	TP_PROTO(const char *rt, int cpu),
	TP_ARGS(rt, cpu),
	TP_STRUCT__entry(
		__string(rt, rt)
		__field(int, cpu)
	),
	TP_fast_assign(
		kasync_assign_str(rt, rt);
		__entry->cpu = cpu;
	),
	TP_printk("rt=%s cpu=%d", __get_str(rt), __entry->cpu)
);

TRACE_EVENT(kasync_worker_idle,
	TP_PROTO(const char *rt, int cpu, unsigned int polls),
	TP_ARGS(rt, cpu, polls),
	TP_STRUCT__entry(
		__string(rt, rt)
		__field(int, cpu)
		__field(unsigned int, polls)
	),
	TP_fast_assign(
		kasync_assign_str(rt, rt);
		__entry->cpu = cpu;
		__entry->polls = polls;
	),
	TP_printk("rt=%s cpu=%d polls=%u", __get_str(rt), __entry->cpu,
		  __entry->polls)
);

#endif /* _TRACE_KASYNC_H */

/* This part must be outside the include guard. */
#include <trace/define_trace.h>
