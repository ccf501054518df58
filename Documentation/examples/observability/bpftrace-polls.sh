#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# While a command runs, a histogram of how long polls take (ns) and a
# count of wakes by who woke (0 thread, 1 softirq, 2 hard IRQ, 3 a poll).
#   bpftrace-polls.sh [CMD [ARG...]]     (default: sleep 1)
# bpftrace runs the command itself (-c): its arguments must not contain
# spaces.  The two #defines name the kernel types of the events' fields
# for a kernel without BTF or installed headers; they are harmless with.
[ $# -gt 0 ] || set -- sleep 1
exec bpftrace -c "$*" -e '
#define u64 unsigned long long
#define u32 unsigned int
tracepoint:kasync:kasync_poll_end { @poll_ns = hist(args->ns); }
tracepoint:kasync:kasync_wake { @wakes_by_waker[args->waker] = count(); }'
