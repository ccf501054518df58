#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise kasync's benchmark runs (the host half of scripts/bench).

Reads every "kbench <benchmark> <variant> <run> <value>" line of the given
files (the VM's dmesg with the modules' lines, the tokio binary's stdout),
takes the median of the runs of each (benchmark, variant), prints a table
with each variant's ratio to kasync's figure (variant / kasync: above 1
means kasync is faster or smaller), writes the same figures as TSV, and
checks issue 3's targets where both sides were measured.  A missed target
is reported, not an error: benchmarks are not tests.

The "memory" benchmark's values are bytes per idle task; it is written as
"memory_bytes_per_task" so that the ns_per_op column stays one unit per
benchmark name, and "sleep_memory" (bytes per sleeper) likewise as
"sleep_memory_bytes_per_sleeper".  sleep_start and sleep_finish are ns
per sleeper, wake_latency_p50/_p99 ns per wake.  Likewise the network
benchmark's conn_mem_<N> (bytes of kernel memory per idle connection) is
written as conn_mem_<N>_bytes_per_conn; its echo_<N> and http_<N> are ns
per message and per request.

The tracepoint cost section (bench/run-in-vm.sh's trace.txt) has rows
trace_<row>: <row> with kasync.ko built without tracepoints (variant
"notrace"), with them disabled ("off") and with every kasync event
enabled ("on").  It is printed after the targets, with off/notrace and
on/notrace and each variant's spread over its runs ((max - min) /
median), and written to the TSV after the other rows, the ratio column
then holding the ratio to notrace.  The aim: disabled tracepoints cost
under 3% (off/notrace below 1.03).  With --icount the VM ran under QEMU
instruction counting: its nanoseconds are instructions.

Usage: report.py [--tsv FILE] [--sleepers N] [--kthread-sleepers N]
                 [--icount] LOG...
Exits 2 when no kbench line was found at all, else 0.
"""

import argparse
import re
import statistics
import sys

LINE = re.compile(r"\bkbench (\S+) (\S+) (\d+) (-?\d+(?:\.\d+)?)\s*$")
NET_CONNS = ["100", "1000", "10000"]
ORDER = (["spawn_many", "chained_spawn", "ping_pong", "yield_many", "memory",
          "chan_1p", "chan_mp", "mutex_handoff", "sleep_memory", "sleep_start",
          "sleep_finish", "wake_latency_p50", "wake_latency_p99"]
         + [f"echo_{n}" for n in NET_CONNS]
         + [f"http_{n}" for n in NET_CONNS]
         + [f"conn_mem_{n}" for n in NET_CONNS])
VARIANTS = ["kasync", "tokio", "epoll", "workqueue", "kthread", "kfifo",
            "floor"]
RENAME = {"memory": "memory_bytes_per_task",
          "sleep_memory": "sleep_memory_bytes_per_sleeper"}
RENAME.update({f"conn_mem_{n}": f"conn_mem_{n}_bytes_per_conn" for n in NET_CONNS})
ALIASES = {v: k for k, v in RENAME.items()}
UNITS = {"memory": "B/task", "sleep_memory": "B/sleeper",
         "sleep_start": "ns/sleeper", "sleep_finish": "ns/sleeper",
         "wake_latency_p50": "ns", "wake_latency_p99": "ns"}
NOTES = {
    ("spawn_many", "kthread"): "1,000 threads per run",
    ("spawn_many", "tokio"): "spawned from a task",
    ("spawn_many", "tokio_remote"): "spawned from outside the runtime",
    ("memory", "kthread"): "1,000 threads; slab + stacks",
    ("memory", "tokio"): "100,000 tasks; RSS",
    ("chan_1p", "kfifo"): "kfifo + spinlock + wait queues, kthreads",
    ("chan_mp", "kasync"): "4 producers",
    ("chan_mp", "tokio"): "4 producers",
    ("chan_mp", "kfifo"): "4 producer kthreads",
    ("mutex_handoff", "kthread"): "struct mutex, 4 kthreads",
    ("mutex_handoff", "kasync"): "4 tasks",
    ("mutex_handoff", "tokio"): "4 tasks",
    ("sleep_memory", "kasync"): "{n} tasks; slab + stacks",
    ("sleep_memory", "kthread"): "{k} kthreads; slab + stacks",
    ("sleep_memory", "tokio"): "{n} tasks; RSS",
    ("sleep_start", "kasync"): "kasync_sleep_until(), hrtimers",
    ("sleep_start", "kthread"): "schedule_timeout(), timer wheel",
    ("sleep_start", "tokio"): "sleep_until(), spawned from outside",
    ("wake_latency_p50", "kasync"): "wake_up() -> next poll",
    ("wake_latency_p50", "kthread"): "wake_up() -> kthread runs",
    ("wake_latency_p50", "kthread_local"): "waker and kthread on one CPU",
}
for _n in NET_CONNS:
    NOTES[(f"conn_mem_{_n}", "epoll")] = "kernel side only"
    NOTES[(f"conn_mem_{_n}", "tokio")] = "kernel side only"
    NOTES[(f"conn_mem_{_n}", "floor")] = "accepted socket only (hold.ko)"
for _n in NET_CONNS[1:]:
    for _b in ("echo", "http", "conn_mem"):
        NOTES[(f"{_b}_{_n}", "workqueue")] = "only max_active (512) served"

# the tracepoint cost section: its rows, variants and aim
TRACE = "trace_"
TRACE_ORDER = ["spawn_many", "yield_many", "ping_pong"]
TRACE_VARIANTS = ["notrace", "off", "on"]
TRACE_AIM = 3.0     # % that disabled tracepoints may cost


def parse(paths):
    runs = {}
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    m = LINE.search(line)
                    if m:
                        bench = ALIASES.get(m.group(1), m.group(1))
                        key = (bench, m.group(2))
                        runs.setdefault(key, []).append(float(m.group(4)))
        except OSError as e:
            print(f"report: {path}: {e.strerror}", file=sys.stderr)
    return runs


def variant_key(v):
    base, _, suffix = v.partition("_")
    rank = VARIANTS.index(base) if base in VARIANTS else len(VARIANTS)
    return (rank, base, suffix)


def bench_key(b):
    return (ORDER.index(b) if b in ORDER else len(ORDER), b)


def kasync_ref(med, bench, variant):
    """The kasync figure @variant is compared with: same suffix if any."""
    _, _, suffix = variant.partition("_")
    for v in ([f"kasync_{suffix}"] if suffix else []) + ["kasync"]:
        if (bench, v) in med:
            return med[(bench, v)]
    return None


def unit(bench):
    if bench.startswith("conn_mem_"):
        return "B/conn"
    return UNITS.get(bench, "ns/op")


def fmt(x):
    return f"{x:.0f}" if x == int(x) or abs(x) >= 100 else f"{x:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tsv", help="write the results as TSV to this file")
    ap.add_argument("--sleepers", type=int, default=100000,
                    help="tasks per sleepers run (for the notes)")
    ap.add_argument("--kthread-sleepers", type=int, default=10000,
                    help="kthreads per kthread sleepers run (for the notes)")
    ap.add_argument("--icount", action="store_true",
                    help="the VM ran with QEMU instruction counting")
    ap.add_argument("logs", nargs="+")
    args = ap.parse_args()

    runs = parse(args.logs)
    if not runs:
        print("report: no kbench lines found in " + " ".join(args.logs),
              file=sys.stderr)
        return 2
    trace = {k: v for k, v in runs.items() if k[0].startswith(TRACE)}
    runs = {k: v for k, v in runs.items() if k not in trace}
    trows = trace_rows(trace)
    if args.icount:
        print("QEMU instruction counting (--icount): 1 guest ns = 1 "
              "instruction; ns figures are instructions")
        print()
    med = {k: statistics.median(v) for k, v in runs.items()}
    keys = sorted(med, key=lambda k: (bench_key(k[0]), variant_key(k[1])))

    rows = []
    for bench, variant in keys:
        ref = kasync_ref(med, bench, variant)
        ratio = med[(bench, variant)] / ref if ref else None
        rows.append((bench, variant, med[(bench, variant)], ratio))

    if args.tsv:
        with open(args.tsv, "w") as f:
            f.write("benchmark\tvariant\tns_per_op\tratio_to_kasync\n")
            for bench, variant, value, ratio in rows:
                r = "" if ratio is None else f"{ratio:.2f}"
                f.write(f"{RENAME.get(bench, bench)}\t{variant}\t{fmt(value)}\t{r}\n")
            # the tracepoint cost rows: the ratio is to notrace
            for bench, variant, v, ratio in trows:
                r = "" if ratio is None else f"{ratio:.3f}"
                f.write(f"{TRACE}{bench}\t{variant}\t{fmt(statistics.median(v))}\t{r}\n")

    if not rows:
        print_trace(trows)
        return 0

    hdr = ("benchmark", "variant", "median", "unit", "runs", "min..max",
           "x kasync", "note")
    table = []
    for bench, variant, value, ratio in rows:
        v = runs[(bench, variant)]
        table.append((RENAME.get(bench, bench), variant, fmt(value),
                      unit(bench),
                      str(len(v)), f"{fmt(min(v))}..{fmt(max(v))}",
                      "" if ratio is None else f"{ratio:.2f}",
                      NOTES.get((bench, variant), "").format(
                          n=f"{args.sleepers:,}",
                          k=f"{args.kthread_sleepers:,}")))
    widths = [max(len(r[i]) for r in table + [hdr]) for i in range(len(hdr))]
    right = {2, 4, 5, 6}
    for r in [hdr] + table:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        print("  ".join(cells).rstrip())
    few = sorted({f"{b} {v}" for (b, v), x in runs.items() if len(x) < 5})
    if few:
        print("note: fewer than 5 runs for " + ", ".join(few))
    print("ratios: variant / kasync; above 1 means kasync is faster (smaller)")

    print()
    for line in targets(med):
        print(line)
    if trows:
        print()
        print_trace(trows)
    return 0


def trace_key(b):
    return (TRACE_ORDER.index(b) if b in TRACE_ORDER else len(TRACE_ORDER), b)


def trace_rows(trace):
    """(row, variant, runs, median / notrace median) of the trace rows."""
    out = []
    benches = sorted({b[len(TRACE):] for b, _ in trace}, key=trace_key)
    for b in benches:
        ref = trace.get((TRACE + b, "notrace"))
        ref = statistics.median(ref) if ref else None
        vs = sorted({v for k, v in trace if k == TRACE + b},
                    key=lambda v: (TRACE_VARIANTS.index(v)
                                   if v in TRACE_VARIANTS else 9, v))
        for v in vs:
            x = trace[(TRACE + b, v)]
            out.append((b, v, x, statistics.median(x) / ref if ref else None))
    return out


def spread(x):
    """The runs' range as % of their median."""
    m = statistics.median(x)
    return (max(x) - min(x)) / m * 100 if m else 0.0


def print_trace(trows):
    """The tracepoint cost section: one line per row, then the aim."""
    print("tracepoint cost: kasync.ko built without tracepoints (notrace), "
          "with them disabled (off),")
    print("and with every kasync event enabled into the ring buffer (on); "
          "medians, spread = (max - min) / median")
    by = {}
    for b, v, x, ratio in trows:
        by.setdefault(b, {})[v] = (x, ratio)
    hdr = ("benchmark", "unit", "runs", "notrace", "off", "on",
           "off/notrace", "on/notrace", "spread notrace", "spread off",
           "spread on")
    table = []
    for b, d in by.items():
        def med(v):
            return fmt(statistics.median(d[v][0])) if v in d else ""

        def rat(v):
            return f"{d[v][1]:.3f}" if v in d and d[v][1] else ""

        def spr(v):
            return f"{spread(d[v][0]):.1f}%" if v in d else ""

        n = sorted({len(x) for x, _ in d.values()})
        table.append((b, unit(b), "/".join(str(i) for i in n),
                      med("notrace"), med("off"), med("on"),
                      rat("off"), rat("on"),
                      spr("notrace"), spr("off"), spr("on")))
    widths = [max(len(r[i]) for r in table + [hdr]) for i in range(len(hdr))]
    for r in [hdr] + table:
        cells = [c.ljust(w) if i < 2 else c.rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        print("  ".join(cells).rstrip())
    print()
    print(f"aim: tracepoints disabled cost under {TRACE_AIM:g}% above the "
          f"build without them (off/notrace < {1 + TRACE_AIM / 100:.2f})")
    for b, d in by.items():
        if "off" not in d or not d["off"][1]:
            print(f"aim not checked: {b} (no off or notrace figure)")
            continue
        pct = (d["off"][1] - 1) * 100
        noise = max(spread(d[v][0]) for v in ("notrace", "off"))
        what = (f"{b}: off/notrace {d['off'][1]:.3f} ({pct:+.1f}%)"
                + (f"; spread up to {noise:.1f}%, the difference may be "
                   "noise" if noise > TRACE_AIM else ""))
        print(f"aim met: {what}" if pct < TRACE_AIM else
              f"aim missed: {what}")


def targets(med):
    """Issue 3's targets, each as a "target met" or "target missed" line."""
    out = []

    def check(what, bench, variant, need):
        """kasync's ratio against @variant must be at least @need."""
        k = kasync_ref(med, bench, variant)
        if (bench, variant) not in med or not k:
            return
        got = med[(bench, variant)] / k
        if got >= need:
            out.append(f"target met: {what} ({got:.2f}x, need {need:g}x)")
        else:
            out.append(f"target missed (by {need / got:.2f}x): {what} "
                       f"({got:.2f}x, need {need:g}x)")

    for bench in ORDER[:4]:
        for (b, v) in sorted(med):
            if b == bench and v.partition("_")[0] == "tokio":
                check(f"{bench}: kasync faster than {v}", bench, v, 1.0)
    check("spawn_many: >= 2x faster than workqueue", "spawn_many",
          "workqueue", 2.0)
    check("spawn_many: >= 100x faster than kthread", "spawn_many",
          "kthread", 100.0)
    # the floor is a lower bound: kasync / floor must stay at most 4
    k, f = kasync_ref(med, "spawn_many", "floor"), med.get(("spawn_many", "floor"))
    if k and f:
        what = f"spawn_many: within 4x of the floor (kasync = {k / f:.2f}x floor)"
        out.append(f"target met: {what}" if k / f <= 4 else
                   f"target missed (by {k / f / 4:.2f}x): {what}")
    # issue 5: as fast as every baseline at 1,000 and 10,000 connections,
    # and at most a tenth of the kthread server's memory per idle connection
    for n in NET_CONNS[1:]:
        for proto in ("echo", "http"):
            for v in ("tokio", "epoll", "workqueue", "kthread"):
                check(f"{proto}_{n}: kasync at least as fast as {v}",
                      f"{proto}_{n}", v, 1.0)
        check(f"conn_mem_{n}: <= 1/10 of kthread's kernel memory per idle "
              "connection", f"conn_mem_{n}", "kthread", 10.0)
        # the accepted socket alone (bench/net/hold.ko) is paid by every
        # in-kernel server: what each adds above it, kasync against kthread
        b = f"conn_mem_{n}"
        k, f, t = (med.get((b, "kasync")), med.get((b, "floor")),
                   med.get((b, "kthread")))
        if k and f and t and t > f:
            what = (f"{b}: the socket alone is {f:.0f} B (floor); above it "
                    f"kasync adds {k - f:.0f} B, kthread {t - f:.0f} B")
            if k - f <= 0 or (t - f) / (k - f) >= 10:
                out.append(f"target met: {what} (<= 1/10)")
            else:
                got = (t - f) / (k - f)
                out.append(f"target missed (by {10 / got:.2f}x): {what} "
                           f"({got:.2f}x, need 10x)")
    if not out:
        out.append("targets: not checked (no kasync figures)")
    return out


if __name__ == "__main__":
    sys.exit(main())
