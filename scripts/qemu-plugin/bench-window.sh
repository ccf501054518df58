#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A scripts/icount-profile guest script for the bench modules: loads
# KASYNC_KO (unless "-"), then loads BENCH_KO with PARAM... (each bench
# module runs its benchmarks from init) inside one kprof_start/kprof_stop
# window, saves kallsyms while it is still loaded, prints its "kbench"
# lines and removes both.
#
# Usage: bench-window.sh KASYNC_KO|- BENCH_KO [PARAM...]
set -eu
kasync=$1 benchko=$2
shift 2
if [ "$kasync" != - ]; then
	insmod "$kasync"
fi
dmesg -C
kprof_start
insmod "$benchko" "$@"
kprof_stop
kprof_syms
dmesg | grep -E 'kbench ' || true
rmmod "$(basename "$benchko" .ko)"
if [ "$kasync" != - ]; then
	rmmod kasync
fi
