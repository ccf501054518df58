#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Record every kasync event, system-wide, while a command runs, and print
# them: one line per event, with the task, CPU and timestamp.
#   perf-record.sh [CMD [ARG...]]        (default: sleep 1)
set -e
[ $# -gt 0 ] || set -- sleep 1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
perf record -q -e 'kasync:*' -a -o "$dir/perf.data" -- "$@"
perf script -i "$dir/perf.data"
