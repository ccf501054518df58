#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The same with trace-cmd: record the kasync event system while a
# command runs, then report it.
#   trace-cmd.sh [CMD [ARG...]]          (default: sleep 1)
set -e
[ $# -gt 0 ] || set -- sleep 1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
trace-cmd record -q -e kasync -o "$dir/trace.dat" "$@"
trace-cmd report -i "$dir/trace.dat"
