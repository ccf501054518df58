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
#   file.txt    the file section's "kbench" lines (below; also file.log)
#   trace.txt   the tracepoint cost section's lines (below)
#   status.txt  one line per step: "ok|FAILED|skipped STEP"
#
# The tracepoint cost section comes last (KB_TRACE_SRC set): kasync.ko of
# KB_TRACE_SRC (built with KASYNC_TRACE=n: "notrace"), then the normal one
# with its tracepoints disabled ("off") and with every kasync event enabled
# into the ring buffer ("on").  Each, in turn, runs kasync_bench.ko's
# spawn_many, yield_many and ping_pong (one measured run after the warm-up)
# and the kasync echo server under echo_load at KB_TRACE_CONNS (default
# 1,000) connections for NB_SECS (default 3) seconds; RUNS rounds, each
# starting one variant later (notrace off on, off on notrace, ...), so
# that a host getting faster or slower favours none.  Its lines are
# "kbench trace_<row> notrace|off|on <round> <value>".
#
# The file section follows the network benchmark: a file of KB_FILE_MB
# (default 64) MiB on the ext4 disk at KB_FILE_EXT4 (default /mnt/ext4;
# the cold, direct and warm rows are left out where no ext4 is mounted
# there) and one on tmpfs (/tmp), read by bench/kasync_file_bench.ko
# (kasync, kasync_blocking, kthread_pool; KB_FILE_READS reads per run,
# default 4,096) and by bench/net/file_uring (io_uring) at 1, 64 and
# 1,024 concurrent reads; then the file servers, epoll_files (epoll and
# sendfile()) and samples/kasync_files.ko, serving 256 files of 16 KiB
# from the ext4 disk (else tmpfs) to wrk at KB_FILE_CONNS (default
# "100 1000") connections, KB_FILE_SECS (default NB_SECS, else 3)
# seconds per run after an unmeasured 1 s warm-up, rows files_<N> (ns per
# request).
#
# Usage: run-in-vm.sh SRC OUT TOKIO_BIN RUNS [SLEEPERS [KTHREAD_SLEEPERS]]
#   SRC is the module build tree (kasync/kasync.ko, bench/*_bench.ko).
#   SLEEPERS (default 100000) is passed to every bench module and to tokio,
#   KTHREAD_SLEEPERS (default 10000) to every bench module; pid_max and
#   threads-max are raised so that that many kthreads fit.
# Environment: KB_ONLY=trace runs the tracepoint cost section only,
# KB_ONLY=file the file section only;
# KB_TRACE_SRC, KB_TRACE_CONNS, NB_SECS as above; NB_RUNS, the network
# benchmark's runs per point (default RUNS, at most 5); bench/net/run-net.sh
# reads its NB_* too.
# Exits 1 if a bench module, the tokio binary or a step of the tracepoint
# cost section failed; a missing or failing kasync.ko only skips the
# modules that depend on it.
set -u
# In the test VM only: it loads modules and changes sysctls, which the host
# must never get (scripts/vm-run's init exports KASYNC_VM=1).
if [ "${KASYNC_VM:-}" != 1 ]; then
	echo "$0: runs only inside the test VM (scripts/vm-run)" >&2
	exit 2
fi
src=$1 out=$2 tokio=$3 runs=$4 sleepers=${5:-100000} ksleepers=${6:-10000}
only=${KB_ONLY:-}
fail=0
: > "$out/status.txt"
status() { echo "$1 $2" >> "$out/status.txt"; echo "run-in-vm: $1 $2"; }

# the sleepers benchmark's kthreads, plus everything else, may need PIDs
# and thread slots beyond the defaults (32768, and memory / 128 KiB)
echo 4194304 > /proc/sys/kernel/pid_max
max=$(cat /proc/sys/kernel/threads-max)
[ "$max" -ge $((ksleepers + 10000)) ] ||
	echo $((ksleepers + 10000)) > /proc/sys/kernel/threads-max

# kasync's parameters from the kernel command line (scripts/vm-run's), for
# every insmod of kasync.ko, as modprobe would pass them; and no long-poll
# reports: a benchmark's polls may be long by design (10,000 spawns in
# one), a TCG stall makes any poll long, and a report is a console splat
kparams="$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^kasync\.//p') detect_long_poll_us=0"

kasync=0
if [ "$only" = trace ]; then
	status skipped "everything but the tracepoint cost section (KB_ONLY=$only)"
elif [ -f "$src/kasync/kasync.ko" ]; then
	# shellcheck disable=SC2086 # word splitting of $kparams is intended
	if insmod "$src/kasync/kasync.ko" $kparams; then
		kasync=1
		status ok kasync.ko
	else
		status skipped "kasync.ko (insmod failed)"
	fi
else
	status skipped "kasync.ko (not built)"
fi

for ko in "$src"/bench/*_bench.ko; do
	[ -e "$ko" ] && [ -z "$only" ] || continue
	name=$(basename "$ko" .ko)
	# the file section loads it, with the files to read
	[ "$name" = kasync_file_bench ] && continue
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

if [ -z "$only" ]; then
	echo "run-in-vm: tokio (user space, $(nproc) CPUs)"
	if "$tokio" --runs "$runs" --sleepers "$sleepers" > "$out/tokio.txt"; then
		status ok tokio
	else
		status FAILED tokio
		fail=1
	fi

	echo "run-in-vm: network benchmark (bench/net/run-net.sh)"
	# loaded here with $kparams, run-net.sh uses it as it is
	knet=0
	# shellcheck disable=SC2086
	[ $kasync -eq 1 ] && insmod "$src/kasync/kasync.ko" $kparams && knet=1
	if bash "$src/bench/net/run-net.sh" "$src" "$out" "${NB_RUNS:-$((runs < 5 ? runs : 5))}"; then
		status ok net
	else
		status FAILED net
		fail=1
	fi
	[ $knet -eq 1 ] && { rmmod kasync || { status FAILED "rmmod kasync"; fail=1; }; }
fi

# ---- the file section -----------------------------------------------------
fbin=$src/build/net
flog=$out/file.log
ftxt=$out/file.txt

# The kbench lines of the kernel log from the line MARK on.
kbench_since() {	# MARK
	dmesg | sed -n "/$1\$/,\$p" |
		sed -nE 's/.*(kbench [^ ]+ [^ ]+ [0-9]+ [0-9]+)$/\1/p'
}

# A file of MB MiB at PATH, unless one of that size is there.
make_file() {		# PATH MB
	[ "$(stat -c %s "$1" 2>/dev/null)" = $(($2 * 1048576)) ] && return 0
	dd if=/dev/zero of="$1" bs=1M count="$2" conv=fsync status=none
}

# The file servers against wrk at each of $fconns connections.
file_servers() {	# WWW
	www=$1 fsecs=${KB_FILE_SECS:-${NB_SECS:-3}}
	# the network benchmark's backlogs and port range (run-net.sh)
	for kv in net/ipv4/ip_local_port_range="10000 65535" \
		net/core/somaxconn=65535 net/ipv4/tcp_max_syn_backlog=65535 \
		net/core/netdev_max_backlog=65536 net/ipv4/tcp_tw_reuse=1; do
		f=/proc/sys/${kv%%=*}
		[ -w "$f" ] && echo "${kv#*=}" > "$f"
	done
	# two processes, not 512: under TCG each exec from the 9p root is slow
	# shellcheck disable=SC2046 # one word per file name is intended
	head -c 16384 /dev/zero | tee $(seq -f "$www/f%g" 0 255) > /dev/null
	sync
	fport=8190
	for v in epoll kasync; do
		fport=$((fport + 1))
		pid='' mod=''
		case $v in
		epoll)
			if [ ! -x "$fbin/epoll_files" ]; then
				status FAILED "file server epoll (no $fbin/epoll_files)"
				continue
			fi
			"$fbin/epoll_files" -r "$www" -p $fport >> "$flog" 2>&1 &
			pid=$! ;;
		kasync)
			if [ ! -f "$src/samples/kasync_files.ko" ]; then
				status skipped "file server kasync (no samples/kasync_files.ko yet)"
				continue
			fi
			if ! insmod "$src/samples/kasync_files.ko" "root=$www" \
				port=$fport max_conns=20000 backlog=65535 idle_ms=0 \
				2>> "$flog"; then
				status FAILED "insmod kasync_files"
				continue
			fi
			mod=kasync_files ;;
		esac
		i=0
		until bash -c "exec 3<>/dev/tcp/127.0.0.1/$fport" 2>/dev/null; do
			i=$((i + 1))
			[ $i -lt 300 ] || break
			sleep 0.1
		done
		# an unmeasured warm-up run, as the modules' run 0: the first
		# requests of a boot met a server not yet serving under icount
		NB_FILES=256 wrk -t 1 -c 10 -d 1s --timeout 10s \
			-s "$src/bench/net/files.lua" "http://127.0.0.1:$fport/" \
			>> "$flog" 2>&1
		for n in $fconns; do
			t=$(nproc)
			[ "$t" -gt "$n" ] && t=$n
			r=1
			while [ $r -le "$runs" ]; do
				res=$(NB_FILES=256 wrk -t "$t" -c "$n" -d "$((n / 2000 + fsecs))s" \
					--timeout 10s -s "$src/bench/net/files.lua" \
					"http://127.0.0.1:$fport/" 2>&1)
				echo "$res" >> "$flog"
				rps=$(echo "$res" | awk '/^Requests\/sec:/ { print $2 }')
				bad=$(echo "$res" | awk '/Non-2xx/ { n += $NF }
					/Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
					END { print n + 0 }')
				if [ -z "$rps" ] || [ "$(awk -v x="$rps" 'BEGIN { print (x > 0) }')" != 1 ]; then
					status FAILED "files_$n $v run $r: no requests/sec from wrk"
					ffail=1
				else
					awk -v n="$n" -v v="$v" -v r="$r" -v x="$rps" \
						'BEGIN { printf "kbench files_%s %s %d %.0f\n", n, v, r, 1e9 / x }' |
						tee -a "$ftxt"
					[ "$bad" -eq 0 ] || {
						status FAILED "files_$n $v run $r: $bad non-2xx responses or socket errors"
						ffail=1
					}
				fi
				r=$((r + 1))
			done
		done
		if [ -n "$pid" ]; then
			kill -TERM "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
		if [ -n "$mod" ] && ! rmmod "$mod"; then
			status FAILED "rmmod $mod"
			ffail=1
		fi
	done
}

file_section() {
	ext4dir=${KB_FILE_EXT4:-/mnt/ext4}
	mb=${KB_FILE_MB:-64}
	freads=${KB_FILE_READS:-4096}
	fconns=${KB_FILE_CONNS:-100 1000}
	ffail=0 ext4f='' kf=0
	: > "$ftxt"
	: > "$flog"
	# Under icount (sleep=off) the guest clock jumps to the next timer
	# whenever the vCPUs idle on the emulated disk: the writes of the
	# files below then look blocked for minutes to the hung task
	# detector, whose report is a splat.  Off from here to the end of the
	# boot.
	ht=/proc/sys/kernel/hung_task_timeout_secs
	[ -w "$ht" ] && echo 0 > "$ht"
	if awk -v d="$ext4dir" '$2 == d && $3 == "ext4" { f = 1 } END { exit !f }' /proc/mounts; then
		avail=$(df -Pm "$ext4dir" | awk 'NR == 2 { print $4 }')
		m=$mb
		# room for the servers' files and the journal
		[ "$avail" -ge $((mb + 16)) ] || m=$(((avail - 16) * 8 / 10))
		if [ "$m" -ge $(((freads + 255) / 256)) ] &&
			make_file "$ext4dir/kbench-file" "$m"; then
			ext4f=$ext4dir/kbench-file
		else
			status FAILED "file section: no room for a file of $mb MiB on $ext4dir (${avail} MiB free)"
			ffail=1
		fi
	else
		status skipped "file section: cold, direct and warm rows (no ext4 mounted at $ext4dir)"
	fi
	mkdir -p /tmp/kbench
	tmpf=/tmp/kbench/kbench-file
	make_file "$tmpf" "$mb" || { status FAILED "file section: $tmpf"; ffail=1; tmpf=; }
	echo "run-in-vm: file section: ext4 file ${ext4f:-none}, tmpfs file ${tmpf:-none}, $freads reads per run"

	if [ ! -d /sys/module/kasync ]; then
		# shellcheck disable=SC2086 # word splitting of $kparams is intended
		insmod "$src/kasync/kasync.ko" $kparams && kf=1
	fi
	# A cold buffered read sleeps in its poll where the block layer has
	# no request left for the readahead it submits (more reads in flight
	# than the disk's queue holds, as at 1,024 readers): as io_uring's
	# submission does.  The sleep detector would report each such task
	# as a splat; kasync_file_bench.ko counts those polls itself
	# ("read polls slept" in file.log), with the detector off.
	ds=/sys/module/kasync/parameters/detect_sleep
	ds0=$(cat "$ds" 2>/dev/null)
	[ -n "$ds0" ] && echo 0 > "$ds"
	if [ ! -d /sys/module/kasync ]; then
		status skipped "kasync_file_bench (no kasync.ko)"
	elif [ ! -f "$src/bench/kasync_file_bench.ko" ]; then
		status FAILED "kasync_file_bench (not built)"
		ffail=1
	else
		mark="kbench-file start $$"
		echo "<6>$mark" > /dev/kmsg
		if insmod "$src/bench/kasync_file_bench.ko" runs="$runs" \
			reads="$freads" ext4="$ext4f" tmpfs="$tmpf" 2>> "$flog" &&
			rmmod kasync_file_bench; then
			status ok kasync_file_bench
		else
			status FAILED kasync_file_bench
			ffail=1
		fi
		kbench_since "$mark" >> "$ftxt"
		dmesg | sed -n "/$mark\$/,\$p" | grep 'kbench-file' >> "$flog"
	fi
	[ -n "$ds0" ] && echo "$ds0" > "$ds"

	# io_uring from user space: the same reads
	if [ ! -x "$fbin/file_uring" ]; then
		status FAILED "file_uring (not built: $fbin/file_uring)"
		ffail=1
	else
		for mode in cold direct warm tmpfs; do
			f=$ext4f
			[ $mode = tmpfs ] && f=$tmpf
			[ -n "$f" ] || continue
			"$fbin/file_uring" -f "$f" -m $mode -n "$freads" -r "$runs" \
				-c 1,64,1024 >> "$ftxt" 2>> "$flog"
			case $? in
			0) status ok "file_uring $mode" ;;
			3) status skipped "file_uring (the kernel has no io_uring)"
			   break ;;
			*) status FAILED "file_uring $mode"
			   ffail=1 ;;
			esac
		done
	fi

	# the file servers: from the ext4 disk where there is one
	www=/tmp/kbench/www
	[ -n "$ext4f" ] && www=$ext4dir/kbench-www
	mkdir -p "$www"
	ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	file_servers "$www"
	[ $kf -eq 1 ] && { rmmod kasync || { status FAILED "rmmod kasync (file section)"; ffail=1; }; }
	rm -f "$ext4f" "$tmpf"
	sync
	# not restored: the disk's unmount at the end of the boot writes
	# back too, and under icount looked blocked for minutes as well
	if [ $ffail -eq 0 ]; then
		status ok "file section ($(grep -c '^kbench' "$ftxt") lines)"
	else
		status FAILED "file section"
		fail=1
	fi
}

if [ -z "$only" ] || [ "$only" = file ]; then
	echo "run-in-vm: file section"
	file_section
fi

# ---- the tracepoint cost section ------------------------------------------
tsrc=${KB_TRACE_SRC:-}
tconns=${KB_TRACE_CONNS:-1000}
tsecs=${NB_SECS:-3}
bin=$src/build/net
tdir=
tevents=0

# where tracefs is: mounted by hand if neither place has it
trace_dir() {
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$d/events" ] && { echo "$d"; return 0; }
	done
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null &&
		[ -d /sys/kernel/tracing/events ] && echo /sys/kernel/tracing
}

# Load the kasync.ko of VARIANT (notrace, off, on); "on" enables every
# kasync event on an empty ring buffer.
trace_load() {
	ko=$src/kasync/kasync.ko
	[ "$1" = notrace ] && ko=$tsrc/kasync/kasync.ko
	# shellcheck disable=SC2086
	insmod "$ko" $kparams || { status FAILED "insmod kasync.ko ($1)"; return 1; }
	[ "$1" = on ] || return 0
	echo > "$tdir/trace"
	if ! echo 1 > "$tdir/events/kasync/enable"; then
		status FAILED "enabling the kasync events"
		rmmod kasync
		return 1
	fi
}

# Undo trace_load(); for "on", count the events written (kept + overwritten).
trace_unload() {
	if [ "$1" = on ]; then
		echo 0 > "$tdir/events/kasync/enable"
		n=$(cat "$tdir"/per_cpu/cpu*/stats |
			awk '/^(entries|overrun):/ { n += $2 } END { print n + 0 }')
		tevents=$((tevents + n))
		[ "$n" -gt 0 ] || status FAILED "tracing on: no kasync event was recorded"
	fi
	rmmod kasync || { status FAILED "rmmod kasync ($1)"; fail=1; }
}

# Live TCP sockets (not TIME_WAIT), from /proc/net/sockstat.
tcp_alloc() {
	awk '/^TCP:/ { for (i = 2; i < NF; i++) if ($i == "alloc") print $(i + 1) }' \
		/proc/net/sockstat
}

# kasync_bench.ko's rows of the section, one measured run, as round R.
trace_kbench() {	# VARIANT R
	mark="kbench-trace $1 round $2"
	echo "<6>$mark" > /dev/kmsg
	insmod "$src/bench/kasync_bench.ko" runs=1 \
		bench=spawn_many,yield_many,ping_pong && rmmod kasync_bench ||
		{ status FAILED "kasync_bench ($1, round $2)"; return 1; }
	# from the marker on: the log may have wrapped since the boot
	got=$(dmesg | sed -n "/$mark\$/,\$p" |
		sed -nE "s/.*kbench (spawn_many|yield_many|ping_pong) kasync [0-9]+ ([0-9]+)\$/kbench trace_\\1 $1 $2 \\2/p")
	[ -n "$got" ] && echo "$got" >> "$out/trace.txt"
	[ "$(echo "$got" | grep -c '^kbench')" -eq 3 ] ||
		{ status FAILED "kasync_bench ($1, round $2): not 3 kbench lines in the log"; return 1; }
}

# The kasync echo server under echo_load at $tconns connections, one
# measured interval, as round R, on PORT (a fresh one each time).
trace_echo() {		# VARIANT R PORT
	base=$(tcp_alloc)
	insmod "$src/samples/kasync_echo.ko" "port=$3" max_conns=20000 idle_ms=0 ||
		{ status FAILED "kasync_echo ($1, round $2)"; return 1; }
	ok=1
	"$bin/echo_load" -t "$1=127.0.0.1:$3" -c "$tconns" -s 64 -d "$tsecs" \
		-r 1 > "$out/trace-echo.txt" 2>> "$out/trace-echo.log" || ok=0
	sed -nE "s/^kbench echo_([0-9]+) $1 1 /kbench trace_echo_\\1 $1 $2 /p" \
		"$out/trace-echo.txt" >> "$out/trace.txt"
	rmmod kasync_echo || ok=0
	# until the connections are gone (up to 60 s)
	i=0
	while [ "$(tcp_alloc)" -gt $((base + 16)) ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $ok -eq 1 ] || { status FAILED "echo_$tconns ($1, round $2)"; return 1; }
}

if [ -z "$tsrc" ]; then
	status skipped "tracepoint cost (no kasync.ko without tracepoints)"
elif ! tdir=$(trace_dir); then
	status FAILED "tracepoint cost: no tracefs"
	fail=1
else
	echo "run-in-vm: tracepoint cost ($runs rounds; tracefs at $tdir)"
	: > "$out/trace.txt"
	tfail=0
	ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
	port=9200
	r=1
	while [ $r -le "$runs" ]; do
		# round r starts with variant (r - 1) mod 3
		case $(((r - 1) % 3)) in
		0) order="notrace off on" ;;
		1) order="off on notrace" ;;
		*) order="on notrace off" ;;
		esac
		for v in $order; do
			echo "run-in-vm: tracepoint cost round $r: $v"
			if trace_load "$v"; then
				trace_kbench "$v" $r || tfail=1
				trace_echo "$v" $r $port || tfail=1
				trace_unload "$v"
			else
				tfail=1
			fi
			port=$((port + 1))
		done
		r=$((r + 1))
	done
	if [ $tfail -eq 0 ]; then
		status ok "tracepoint cost ($(grep -c '^kbench' "$out/trace.txt") lines; $tevents kasync events traced)"
	else
		status FAILED "tracepoint cost"
		fail=1
	fi
	dmesg > "$out/trace-dmesg.txt"
fi
exit $fail
