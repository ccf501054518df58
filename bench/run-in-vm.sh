#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM half of scripts/bench (run by scripts/vm-run on the bench
# kernel): loads kasync.ko when it was built, then each bench/*_bench.ko in
# turn (each runs its benchmarks from init and is removed again), then runs
# the tokio benchmarks in user space, then the network benchmark
# (bench/net/run-net.sh, at most 5 runs per point and server: with its
# five servers, each round starting one server later, each server then
# takes each place in the order once), in the same boot.
# Writes to OUT:
#   dmesg.txt   the kernel log, with the modules' "kbench" lines
#   tokio.txt   the tokio binary's "kbench" lines
#   net.txt     the network benchmark's "kbench" lines (bench/net/run-net.sh;
#               also net.log, net-status.txt, net-dmesg.txt)
#   status.txt  one line per step: "ok|FAILED|skipped STEP"
#
# Usage: run-in-vm.sh SRC OUT TOKIO_BIN RUNS [SLEEPERS [KTHREAD_SLEEPERS]]
#   SRC is the module build tree (kasync/kasync.ko, bench/*_bench.ko).
#   SLEEPERS (default 100000) is passed to every bench module and to tokio,
#   KTHREAD_SLEEPERS (default 10000) to every bench module; pid_max and
#   threads-max are raised so that that many kthreads fit.
# Exits 1 if a bench module or the tokio binary failed; a missing or
# failing kasync.ko only skips the modules that depend on it.
set -u
# In the test VM only: it loads modules and changes sysctls, which the host
# must never get (scripts/vm-run's init exports KASYNC_VM=1).
if [ "${KASYNC_VM:-}" != 1 ]; then
	echo "$0: runs only inside the test VM (scripts/vm-run)" >&2
	exit 2
fi
src=$1 out=$2 tokio=$3 runs=$4 sleepers=${5:-100000} ksleepers=${6:-10000}
fail=0
: > "$out/status.txt"
status() { echo "$1 $2" >> "$out/status.txt"; echo "run-in-vm: $1 $2"; }

# the sleepers benchmark's kthreads, plus everything else, may need PIDs
# and thread slots beyond the defaults (32768, and memory / 128 KiB)
echo 4194304 > /proc/sys/kernel/pid_max
max=$(cat /proc/sys/kernel/threads-max)
[ "$max" -ge $((ksleepers + 10000)) ] ||
	echo $((ksleepers + 10000)) > /proc/sys/kernel/threads-max

kasync=0
if [ -f "$src/kasync/kasync.ko" ]; then
	if insmod "$src/kasync/kasync.ko"; then
		kasync=1
		status ok kasync.ko
	else
		status skipped "kasync.ko (insmod failed)"
	fi
else
	status skipped "kasync.ko (not built)"
fi

for ko in "$src"/bench/*_bench.ko; do
	[ -e "$ko" ] || continue
	name=$(basename "$ko" .ko)
	case ",$(modinfo -F depends "$ko" 2>/dev/null)," in
	*,kasync,*)
		if [ $kasync -eq 0 ]; then
			status skipped "$name (needs kasync.ko)"
			continue
		fi ;;
	esac
	params="runs=$runs sleepers=$sleepers kthread_sleepers=$ksleepers"
	echo "run-in-vm: $name $params"
	# word splitting of $params is intended
	if insmod "$ko" $params && rmmod "$name"; then
		status ok "$name"
	else
		status FAILED "$name"
		fail=1
	fi
done
[ $kasync -eq 1 ] && { rmmod kasync || { status FAILED "rmmod kasync"; fail=1; }; }
dmesg > "$out/dmesg.txt"

echo "run-in-vm: tokio (user space, $(nproc) CPUs)"
if "$tokio" --runs "$runs" --sleepers "$sleepers" > "$out/tokio.txt"; then
	status ok tokio
else
	status FAILED tokio
	fail=1
fi

echo "run-in-vm: network benchmark (bench/net/run-net.sh)"
if bash "$src/bench/net/run-net.sh" "$src" "$out" $((runs < 5 ? runs : 5)); then
	status ok net
else
	status FAILED net
	fail=1
fi
exit $fail
