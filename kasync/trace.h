/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's tracepoints, as kasync's files call them: kasync_trace(event,
 * args...) is trace_kasync_<event>(args...), or nothing at all in a build
 * with KASYNC_TRACE=n (the benchmarks' reference for what a disabled
 * tracepoint costs).  The events are in <trace/events/kasync.h>; trace.c
 * defines them.
 */
#ifndef _KASYNC_TRACE_H
#define _KASYNC_TRACE_H

#ifdef KASYNC_NO_TRACE
#define kasync_trace(event, ...)	do { } while (0)
#define kasync_trace_enabled(event)	false
#else
#include <trace/events/kasync.h>
/*
 * The arguments are evaluated behind the event's static key: passed to
 * trace_kasync_*() directly, GCC loads them before its test, on every
 * call, with the event off.
 */
#define kasync_trace(event, ...)					\
do {									\
	if (trace_kasync_##event##_enabled())				\
		trace_kasync_##event(__VA_ARGS__);			\
} while (0)
#define kasync_trace_enabled(event)	trace_kasync_##event##_enabled()
#endif

#endif /* _KASYNC_TRACE_H */
