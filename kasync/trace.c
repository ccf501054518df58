// SPDX-License-Identifier: GPL-2.0
/*
 * The one file that defines kasync's tracepoints (<trace/events/kasync.h>).
 */
#ifndef KASYNC_NO_TRACE
#define CREATE_TRACE_POINTS
#include <trace/events/kasync.h>
#endif
