#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM driver of kasync's network benchmark (issue 5).  It starts
# every variant's echo server at once, each on its own port, and runs
# echo_load against all of them together at each connection count: the
# load generator keeps every server's connections open and gives the load
# to one server at a time, in rounds whose order alternates, so that every
# variant is measured in the same conditions and a host that gets faster
# or slower during the benchmark favours none of them (echo_load.c).  Then
# conn_mem at each memory count, one variant after the other, and the
# servers are stopped.  The HTTP servers follow in the same way; they all
# register their page views with the same counter instance, started once.
# Writes to OUT:
#   net.txt         "kbench <benchmark> <variant> <run> <value>" lines:
#                   echo_<N> (ns per message), conn_mem_<N> (bytes of
#                   kernel memory per idle connection), http_<N> (ns per
#                   request)
#   net.log         everything the tools printed
#   net-status.txt  one line per step: "ok|FAILED|skipped STEP"
#   net-dmesg.txt   the kernel log at the end
#
# The HTTP load is echo_load -H by default: like the echo load, it opens
# the N keep-alive connections to each server once, waits until each has
# been answered (a kthread server creates a thread per connection, 10,000
# of them take tens of seconds on the TCG VM), then measures RUNS
# intervals per server.  wrk (NB_HTTP_LOAD=wrk) runs one server after the
# other and opens its connections within each timed run, so at 10,000
# connections its figure is mostly connection setup.
#
# Usage: run-net.sh SRC OUT RUNS [VARIANT...]
#   SRC      tree holding the built modules: bench/net/*.ko, and for the
#            kasync variant kasync/kasync.ko, samples/kasync_echo.ko and
#            samples/kasync_http.ko
#   RUNS     measured runs per point and server (conn_mem does at most 3, and 1 at
#            10,000 connections)
#   VARIANT  kthread, workqueue, epoll, tokio, kasync, floor (default: all
#            six; kasync is skipped with a message while its samples are
#            absent).  floor is bench/net/hold.ko, which accepts and keeps
#            connections and serves nothing: it runs conn_mem only, and
#            gives what the accepted TCP socket alone costs in the kernel
# Environment:
#   NB_BIN         the C programs and kasync-net-tokio (default
#                  SRC/build/net, from bench/net/Makefile)
#   NB_TOKIO       the tokio binary (default NB_BIN/kasync-net-tokio)
#   NB_SECS        seconds per measured interval (default 3); a wrk run at
#                  N connections lasts NB_SECS + N / 2,000 s
#   NB_CONNS       connection counts (default "100 1000 10000")
#   NB_MEM_CONNS   conn_mem counts (default "1000 10000")
#   NB_MSG         echo message size in bytes (default 64)
#   NB_HTTP_LOAD   echo_load (default) or wrk
#   NB_WRK_THREADS wrk threads (default: the CPUs)
#
# Exits 1 if a server failed to start or to go away cleanly, or a load
# generator failed; 0 otherwise.  Meant for the test VM (scripts/vm-run):
# it changes sysctls (port range, backlogs) and loads modules.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u -o pipefail
# In the test VM only: it loads modules and changes sysctls, which the host
# must never get (scripts/vm-run's init exports KASYNC_VM=1).
if [ "${KASYNC_VM:-}" != 1 ]; then
	echo "$0: runs only inside the test VM (scripts/vm-run)" >&2
	exit 2
fi

if [ $# -lt 3 ]; then
	sed -n '3,56p' "$0" >&2
	exit 2
fi
src=$1 out=$2 runs=$3
shift 3
variants=${*:-kthread workqueue epoll tokio kasync floor}

bin=${NB_BIN:-$src/build/net}
tokio=${NB_TOKIO:-$bin/kasync-net-tokio}
secs=${NB_SECS:-3}
conns=${NB_CONNS:-100 1000 10000}
mem_conns=${NB_MEM_CONNS:-1000 10000}
msg=${NB_MSG:-64}
http_load=${NB_HTTP_LOAD:-echo_load}
wrk_threads=${NB_WRK_THREADS:-$(nproc)}
mem_runs=$((runs < 3 ? runs : 3))
nbko=$src/bench/net
# each variant's servers listen on the base port plus its place in the list
echo_base=9000 http_base=8090 counter_port=8081
counter_addr=127.0.0.1:$counter_port

mkdir -p "$out"
txt=$out/net.txt log=$out/net.log st=$out/net-status.txt
: > "$st"
fail=0
splat='BUG:|WARNING:|Call Trace:|general protection fault|Oops|UBSAN:|blocked for more than|soft lockup|possible circular locking|inconsistent lock state|ODEBUG:'

say() { echo "run-net: $*" | tee -a "$log"; }
status() {
	echo "$1 $2" >> "$st"
	say "$1 $2"
	[ "$1" = FAILED ] && fail=1
	return 0
}

# Live TCP sockets (not TIME_WAIT), from /proc/net/sockstat.
tcp_alloc() { awk '/^TCP:/ { for (i = 2; i < NF; i++) if ($i == "alloc") print $(i + 1) }' /proc/net/sockstat; }

# Wait (up to 120 s) until the sockets of a finished load have gone.
settle() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(tcp_alloc)" -le $((tcp_base + 16)) ] && return 0
		sleep 0.1
	done
	say "still $(tcp_alloc) TCP sockets alive (base $tcp_base)"
}

accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		accepts "$1" && return 0
		sleep 0.1
	done
	return 1
}

splats() { dmesg | grep -cE "$splat"; }

# Server lifecycle: start_server VARIANT echo|http PORT sets srv_kind and
# srv_id, which stop_server takes; up_* keep them for the servers running.
srv_kind= srv_id=
kasync_loaded=0
declare -A up_kind up_id up_port

insmod_server() {	# KO [PARAM...]
	local ko=$1 name
	shift
	name=$(basename "$ko" .ko)
	if [ ! -f "$ko" ]; then
		status skipped "$name (no $ko)"
		return 1
	fi
	if ! insmod "$ko" "$@" 2>>"$log"; then
		status FAILED "insmod $name"
		return 1
	fi
	srv_kind=module srv_id=$name
}

spawn_server() {	# CMD...
	if [ ! -x "$1" ]; then
		status skipped "$(basename "$1") (not built: $1)"
		return 1
	fi
	"$@" >>"$log" 2>&1 &
	srv_kind=process srv_id=$!
}

start_server() {	# VARIANT PROTO PORT
	local v=$1 p=$2 port=$3
	local params=(max_conns=20000 "port=$port")

	[ "$p" = http ] && params+=("counter=$counter_addr")
	srv_kind= srv_id=
	case $v in
	kthread) insmod_server "$nbko/kthread_$p.ko" "${params[@]}" ;;
	workqueue) insmod_server "$nbko/wq_$p.ko" "${params[@]}" ;;
	floor) insmod_server "$nbko/hold.ko" "${params[@]}" ;;
	epoll)
		if [ "$p" = echo ]; then
			spawn_server "$bin/epoll_echo" -p "$port"
		else
			spawn_server "$bin/epoll_http" -p "$port" -c "$counter_addr"
		fi ;;
	tokio)
		if [ "$p" = echo ]; then
			spawn_server "$tokio" echo "$port"
		else
			spawn_server "$tokio" http "$port" "$counter_addr"
		fi ;;
	kasync)
		if [ ! -f "$src/samples/kasync_$p.ko" ]; then
			status skipped "kasync $p (no samples/kasync_$p.ko yet)"
			return 1
		fi
		if [ ! -d /sys/module/kasync ]; then
			insmod "$src/kasync/kasync.ko" 2>>"$log" || {
				status FAILED "insmod kasync.ko"
				return 1
			}
			kasync_loaded=1
		fi
		# no idle timeout: opening 10,000 connections can take longer;
		# and the baselines wait for the counter without a time limit,
		# so the web server's 2 s limit per visit is lifted to 30 s
		[ "$p" = http ] && params+=(counter_ms=30000)
		insmod_server "$src/samples/kasync_$p.ko" "${params[@]}" idle_ms=0 ;;
	*)
		status FAILED "unknown variant $v"
		return 1 ;;
	esac || return 1
	if ! wait_port "$port"; then
		status FAILED "$v $p server: port $port does not accept"
		stop_server "$v" "$p" "$port"
		return 1
	fi
	status ok "$v $p server up ($srv_kind $srv_id)"
}

# Stop the server and check that it went: module gone, or process killed
# by our SIGTERM (not dead before it), and the port closed.
stop_server() {		# VARIANT PROTO PORT
	local v=$1 p=$2 port=$3 ok=1 rc
	case $srv_kind in
	module)
		rmmod "$srv_id" 2>>"$log" || ok=0
		[ -d "/sys/module/$srv_id" ] && ok=0 ;;
	process)
		if kill -TERM "$srv_id" 2>/dev/null; then
			wait "$srv_id"
			rc=$?
			[ $rc -eq 143 ] || [ $rc -eq 0 ] || ok=0
		else
			wait "$srv_id"
			say "$v $p server had died (status $?)"
			ok=0
		fi ;;
	*) return 0 ;;
	esac
	srv_kind= srv_id=
	accepts "$port" && ok=0
	if [ $ok -eq 1 ]; then
		status ok "$v $p server stopped"
	else
		status FAILED "$v $p server did not stop cleanly"
	fi
}

# Start VARIANTS' PROTO servers, each on BASE plus its place in the list;
# up_vs lists those that came up.  Both take settle()'s count of live TCP
# sockets (tcp_base) once the servers are up or gone.
start_all() {	# PROTO BASE VARIANT...
	local p=$1 base=$2 v i=0
	shift 2
	up_vs=()
	for v; do
		if [ "$v" != floor ] && start_server "$v" "$p" $((base + i)); then
			up_kind[$v]=$srv_kind up_id[$v]=$srv_id
			up_port[$v]=$((base + i))
			up_vs+=("$v")
		fi
		i=$((i + 1))
	done
	tcp_base=$(tcp_alloc)
}

stop_all() {	# PROTO
	local v
	for v in "${up_vs[@]}"; do
		srv_kind=${up_kind[$v]} srv_id=${up_id[$v]}
		stop_server "$v" "$1" "${up_port[$v]}"
	done
	up_vs=()
	tcp_base=$(tcp_alloc)
}

# The load at N connections on all servers up; one kbench line per server
# and run.  PROTO echo or http.
load_point() {	# PROTO N
	local p=$1 n=$2 args=() v

	[ ${#up_vs[@]} -gt 0 ] || return 0
	[ "$p" = http ] && args=(-H)
	for v in "${up_vs[@]}"; do
		args+=(-t "$v=127.0.0.1:${up_port[$v]}")
	done
	say "${p}_$n: ${up_vs[*]}"
	"$bin/echo_load" "${args[@]}" -c "$n" -s "$msg" -d "$secs" \
		-r "$runs" 2>>"$log" | tee -a "$txt" ||
		status FAILED "${p}_$n"
	settle
}

# The HTTP load at N connections with wrk, one server after the other.
wrk_point() {		# N
	local n=$1 v r t=$wrk_threads res rps bad d=$(($1 / 2000 + secs))
	[ "$t" -gt "$n" ] && t=$n
	for v in "${up_vs[@]}"; do
		say "http_$n $v (wrk)"
		for ((r = 1; r <= runs; r++)); do
			res=$(wrk -t "$t" -c "$n" -d "${d}s" --timeout 10s \
				"http://127.0.0.1:${up_port[$v]}/" 2>&1)
			echo "$res" >> "$log"
			rps=$(echo "$res" | awk '/^Requests\/sec:/ { print $2 }')
			bad=$(echo "$res" | awk '/Non-2xx/ { n += $NF }
				/Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
				END { print n + 0 }')
			if [ -z "$rps" ] || [ "$(awk -v x="$rps" 'BEGIN { print (x > 0) }')" != 1 ]; then
				status FAILED "http_$n $v run $r: no requests/sec from wrk"
				continue
			fi
			awk -v n="$n" -v v="$v" -v r="$r" -v x="$rps" \
				'BEGIN { printf "kbench http_%s %s %d %.0f\n", n, v, r, 1e9 / x }' |
				tee -a "$txt" "$log"
			[ "$bad" -eq 0 ] ||
				status FAILED "http_$n $v run $r: $bad non-2xx responses or socket errors"
		done
		settle
	done
}

# conn_mem runs per point: at most 3, and 1 at 10,000 connections.
mem_runs_at() { [ "$1" -ge 10000 ] && echo 1 || echo "$mem_runs"; }

# conn_mem against a server's port; the caller settles afterwards.
mem_point() {	# VARIANT PORT CONNS RUNS [CONN_MEM_ARG...]
	local v=$1 port=$2 n=$3 r=$4
	shift 4
	"$bin/conn_mem" -a "127.0.0.1:$port" -n "$n" -r "$r" -v "$v" "$@" \
		2>>"$log" | tee -a "$txt" || status FAILED "conn_mem_$n $v"
}

# --- setup -----------------------------------------------------------------
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
for kv in net/ipv4/ip_local_port_range="10000 65535" net/core/somaxconn=65535 \
	  net/ipv4/tcp_max_syn_backlog=65535 net/core/netdev_max_backlog=65536 \
	  net/ipv4/tcp_tw_reuse=1 fs/file-max=2097152; do
	f=/proc/sys/${kv%%=*}
	[ -w "$f" ] && echo "${kv#*=}" > "$f"
done
say "variants: $variants; runs $runs; ${secs}s per point; connections $conns; memory at $mem_conns; HTTP load $http_load"
say "$(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MB" }' /proc/meminfo), fds $(ulimit -n)"
splats0=$(splats)

core=0
case " $variants " in
*" kthread "*|*" workqueue "*|*" floor "*)
	if insmod "$nbko/nb_core.ko" 2>>"$log"; then
		core=1
		status ok nb_core.ko
	else
		status FAILED "insmod nb_core.ko ($nbko)"
	fi ;;
esac

counter_pid=
if [ -x "$bin/counter" ]; then
	"$bin/counter" -p "$counter_port" >>"$log" 2>&1 &
	counter_pid=$!
	wait_port $counter_port || status FAILED "counter does not accept"
else
	status FAILED "no counter ($bin/counter)"
fi

# --- the benchmark -----------------------------------------------------------
# shellcheck disable=SC2086 # word splitting of $variants is intended
start_all echo $echo_base $variants
for n in $conns; do
	load_point echo "$n"
done
for v in "${up_vs[@]}"; do
	for n in $mem_conns; do
		say "conn_mem_$n $v"
		mem_point "$v" "${up_port[$v]}" "$n" "$(mem_runs_at "$n")"
		settle
	done
done
stop_all echo
case " $variants " in
*" floor "*)
	# memory only, nothing echoes; hold.ko keeps even the connections
	# the client reset, so each run gets a fresh one
	for n in $mem_conns; do
		r=$(mem_runs_at "$n")
		for ((i = 1; i <= r; i++)); do
			start_server floor echo $echo_base || break
			say "conn_mem_$n floor (run $i)"
			mem_point floor $echo_base "$n" 1 -E
			stop_server floor echo $echo_base
			settle
		done
	done ;;
esac

# shellcheck disable=SC2086
start_all http $http_base $variants
for n in $conns; do
	if [ "$http_load" = wrk ]; then
		wrk_point "$n"
	else
		load_point http "$n"
	fi
done
stop_all http

# --- teardown ----------------------------------------------------------------
if [ -n "$counter_pid" ]; then
	kill -TERM "$counter_pid" && wait "$counter_pid" ||
		status FAILED "counter did not stop cleanly"
fi
[ $core -eq 1 ] && { rmmod nb_core || status FAILED "rmmod nb_core"; }
[ $kasync_loaded -eq 1 ] && { rmmod kasync || status FAILED "rmmod kasync"; }
[ "$(splats)" -eq "$splats0" ] || status FAILED "the kernel log shows a splat"
dmesg > "$out/net-dmesg.txt"
say "done: $(grep -c '^kbench' "$txt" 2>/dev/null || echo 0) kbench lines in $txt"
exit $fail
