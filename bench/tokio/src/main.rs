// SPDX-License-Identifier: GPL-2.0
//! kasync-tokio-bench: tokio's `benches/rt_multi_threaded.rs` workloads on a
//! multi-thread runtime with one worker per CPU, the best user-space
//! runtime that kasync's in-kernel figures are compared with.  scripts/bench
//! runs it inside the bench VM, in the same boot as the kernel modules.
//!
//! | benchmark     | variant      | one operation                              |
//! |---------------|--------------|--------------------------------------------|
//! | spawn_many    | tokio        | spawn + join of a no-op task, from a task  |
//! |               |              | (tokio's spawn_many_local, 10,000)         |
//! | spawn_many    | tokio_remote | the same from outside the runtime          |
//! |               |              | (spawn_many_remote_idle, 10,000)           |
//! | chained_spawn | tokio        | one link of a 1,000-task spawn chain       |
//! | ping_pong     | tokio        | one round trip of oneshots in a pair of    |
//! |               |              | freshly spawned tasks (1,000 pairs)        |
//! | yield_many    | tokio        | one yield_now (200 tasks x 1,000)          |
//! | memory        | tokio        | RSS growth per task parked on a Notify     |
//! |               |              | (100,000 tasks), in bytes                  |
//!
//! and issue 4's primitives, sized as in bench/kbench.h:
//!
//! | benchmark     | variant      | one operation                              |
//! |---------------|--------------|--------------------------------------------|
//! | chan_1p       | tokio        | one message through a bounded mpsc channel |
//! |               |              | of 128, one producer task (100,000 msgs)   |
//! | chan_mp       | tokio        | the same with 4 producer tasks             |
//! | mutex_handoff | tokio        | one lock/unlock of a tokio Mutex contended |
//! |               |              | by 4 tasks (10,000 each)                   |
//! | sleepers      | tokio        | 100,000 tasks in sleep_until() one         |
//! |               |              | deadline; rows sleep_memory (RSS growth    |
//! |               |              | per sleeper, bytes), sleep_start and       |
//! |               |              | sleep_finish (ns per sleeper)              |
//!
//! Output, one line per measured run (after one unmeasured warm-up run):
//! `kbench <benchmark> <variant> <run> <ns_per_op>`, then `kbench done`.
//! Each memory and sleepers run is a fresh child process (`--memory-child
//! RUN`, `--sleepers-child RUN PREV_NS`), since the allocator keeps memory
//! a previous run has freed.
//!
//! Usage: kasync-tokio-bench [--runs N] [--bench NAME[,NAME...]] [--sleepers N]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::{oneshot, Notify};

const NUM_SPAWN: usize = 10_000;
const CHAIN_LEN: usize = 1_000;
const NUM_PINGS: usize = 1_000;
const NUM_YIELDERS: usize = 200;
const NUM_YIELDS: usize = 1_000;
const NUM_IDLE: usize = 100_000;
// issue 4, as KB_* in bench/kbench.h
const CHAN_MSGS: usize = 100_000;
const CHAN_CAP: usize = 128;
const CHAN_PRODUCERS: usize = 4;
const MUTEX_TASKS: usize = 4;
const MUTEX_ITERS: usize = 10_000;
const SLEEPERS: usize = 100_000;

fn runtime() -> Runtime {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("cannot build the tokio runtime")
}

/// spawn_many_local: spawn from inside a task (the worker's local queue).
fn spawn_many_local(rt: &Runtime, handles: &mut Vec<tokio::task::JoinHandle<()>>) -> Duration {
    let mut hs = std::mem::take(handles);
    let t0 = Instant::now();
    hs = rt.block_on(async move {
        tokio::spawn(async move {
            for _ in 0..NUM_SPAWN {
                hs.push(tokio::spawn(async {}));
            }
            for h in hs.drain(..) {
                h.await.unwrap();
            }
            hs
        })
        .await
        .unwrap()
    });
    let dt = t0.elapsed();
    *handles = hs;
    dt
}

/// spawn_many_remote_idle: spawn from outside, then block_on the joins.
fn spawn_many_remote(rt: &Runtime, handles: &mut Vec<tokio::task::JoinHandle<()>>) -> Duration {
    let t0 = Instant::now();
    for _ in 0..NUM_SPAWN {
        handles.push(rt.spawn(async {}));
    }
    rt.block_on(async {
        for h in handles.drain(..) {
            h.await.unwrap();
        }
    });
    t0.elapsed()
}

fn chain(done: oneshot::Sender<()>, n: usize) {
    if n == 0 {
        done.send(()).unwrap();
    } else {
        tokio::spawn(async move { chain(done, n - 1) });
    }
}

fn chained_spawn(rt: &Runtime) -> Duration {
    let t0 = Instant::now();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        tokio::spawn(async move { chain(tx, CHAIN_LEN - 1) });
        rx.await.unwrap();
    });
    t0.elapsed()
}

fn ping_pong(rt: &Runtime) -> Duration {
    let rem = Arc::new(AtomicUsize::new(NUM_PINGS));
    let (done_tx, done_rx) = mpsc::sync_channel(1);
    let t0 = Instant::now();
    rt.block_on(async {
        tokio::spawn(async move {
            for _ in 0..NUM_PINGS {
                let rem = rem.clone();
                let done_tx = done_tx.clone();
                tokio::spawn(async move {
                    let (tx1, rx1) = oneshot::channel();
                    let (tx2, rx2) = oneshot::channel();
                    tokio::spawn(async move {
                        rx1.await.unwrap();
                        tx2.send(()).unwrap();
                    });
                    tx1.send(()).unwrap();
                    rx2.await.unwrap();
                    if rem.fetch_sub(1, Relaxed) == 1 {
                        done_tx.send(()).unwrap();
                    }
                });
            }
        });
        done_rx.recv().unwrap();
    });
    t0.elapsed()
}

fn yield_many(rt: &Runtime) -> Duration {
    let (tx, rx) = mpsc::sync_channel(NUM_YIELDERS);
    let t0 = Instant::now();
    for _ in 0..NUM_YIELDERS {
        let tx = tx.clone();
        rt.spawn(async move {
            for _ in 0..NUM_YIELDS {
                tokio::task::yield_now().await;
            }
            tx.send(()).unwrap();
        });
    }
    for _ in 0..NUM_YIELDERS {
        rx.recv().unwrap();
    }
    t0.elapsed()
}

/// Resident set size in bytes, from /proc/self/statm (4 KiB pages on x86-64).
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("bad /proc/self/statm");
    pages * 4096
}

/// One memory run: park NUM_IDLE tasks on a Notify that is never fired
/// while they are measured, then release them.  Returns bytes per task.
fn memory_child() -> usize {
    let rt = runtime();
    let notify = Arc::new(Notify::new());
    let parked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicUsize::new(0));
    // warm the runtime and allocator up, so the baseline includes them
    rt.block_on(async { tokio::spawn(async {}).await.unwrap() });
    let before = rss_bytes();
    for _ in 0..NUM_IDLE {
        let (notify, parked, stop) = (notify.clone(), parked.clone(), stop.clone());
        rt.spawn(async move {
            parked.fetch_add(1, SeqCst);
            loop {
                let n = notify.notified();
                if stop.load(SeqCst) != 0 {
                    break;
                }
                n.await;
            }
            parked.fetch_sub(1, SeqCst);
        });
    }
    while parked.load(SeqCst) < NUM_IDLE {
        std::thread::sleep(Duration::from_millis(5));
    }
    // the last tasks counted themselves just before their first await
    std::thread::sleep(Duration::from_millis(50));
    let grown = rss_bytes().saturating_sub(before);
    stop.store(1, SeqCst);
    // a task between notified() and its first poll can miss one call
    while parked.load(SeqCst) > 0 {
        notify.notify_waiters();
        std::thread::sleep(Duration::from_millis(1));
    }
    grown / NUM_IDLE
}

/// chan_1p / chan_mp: `producers` tasks send CHAN_MSGS values in all
/// through a bounded channel to one consumer task; checked by their sum.
fn chan(rt: &Runtime, producers: usize) -> Duration {
    let per = CHAN_MSGS / producers;
    let t0 = Instant::now();
    let sum = rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CHAN_CAP);
        let consumer = tokio::spawn(async move {
            let mut sum = 0u64;
            while let Some(v) = rx.recv().await {
                sum += v;
            }
            sum
        });
        for _ in 0..producers {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..per as u64 {
                    tx.send(i).await.unwrap();
                }
            });
        }
        drop(tx);
        consumer.await.unwrap()
    });
    let dt = t0.elapsed();
    let per = per as u64;
    assert_eq!(sum, producers as u64 * per * (per - 1) / 2, "chan: lost messages");
    dt
}

/// mutex_handoff: MUTEX_TASKS tasks each lock a tokio Mutex MUTEX_ITERS
/// times around an increment.
fn mutex_handoff(rt: &Runtime) -> Duration {
    let m = Arc::new(tokio::sync::Mutex::new(0u64));
    let t0 = Instant::now();
    let count = rt.block_on(async {
        let hs: Vec<_> = (0..MUTEX_TASKS)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(async move {
                    for _ in 0..MUTEX_ITERS {
                        *m.lock().await += 1;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        *m.lock().await
    });
    let dt = t0.elapsed();
    assert_eq!(count, (MUTEX_TASKS * MUTEX_ITERS) as u64, "mutex: lost increments");
    dt
}

/// One sleepers run, in a child process: `n` tasks sleep until one
/// deadline, set 1.5 x the previous run's start-up time (`prev_ns`) plus
/// 100 ms ahead, as the kernel modules do.  Prints the three rows (per
/// sleeper): RSS growth once all have started, time to start them all,
/// and time from the first wake-up until the last task was joined.
fn sleepers_child(run: usize, n: usize, prev_ns: u64) {
    let rt = runtime();
    let started = Arc::new(AtomicUsize::new(0));
    let woken = Arc::new(AtomicUsize::new(0));
    let early = Arc::new(AtomicUsize::new(0));
    let first_ns = Arc::new(AtomicU64::new(0));
    let started_ns = Arc::new(AtomicU64::new(0));
    // warm the runtime and allocator up, so the baseline includes them
    rt.block_on(async { tokio::spawn(async {}).await.unwrap() });
    // the handles' memory is touched before the baseline is taken
    let mut hs: Vec<Option<tokio::task::JoinHandle<()>>> = (0..n).map(|_| None).collect();
    let before = rss_bytes();
    let t0 = Instant::now();
    let deadline = tokio::time::Instant::from_std(
        t0 + Duration::from_nanos(prev_ns * 3 / 2) + Duration::from_millis(100),
    );
    for h in hs.iter_mut() {
        let (started, woken, early) = (started.clone(), woken.clone(), early.clone());
        let (first_ns, started_ns) = (first_ns.clone(), started_ns.clone());
        *h = Some(rt.spawn(async move {
            if tokio::time::Instant::now() >= deadline {
                early.fetch_add(1, SeqCst);
            }
            // counted just before it sleeps, like the kernel sleepers
            if started.fetch_add(1, SeqCst) + 1 == n {
                started_ns.store(t0.elapsed().as_nanos() as u64, SeqCst);
            }
            tokio::time::sleep_until(deadline).await;
            if woken.fetch_add(1, SeqCst) == 0 {
                first_ns.store(t0.elapsed().as_nanos() as u64, SeqCst);
            }
        }));
    }
    while started_ns.load(SeqCst) == 0 {
        std::thread::sleep(Duration::from_micros(200));
    }
    let grown = rss_bytes().saturating_sub(before);
    rt.block_on(async {
        for h in hs.drain(..).flatten() {
            h.await.unwrap();
        }
    });
    let done_ns = t0.elapsed().as_nanos() as u64;
    assert_eq!(woken.load(SeqCst), n, "sleepers: not all woke");
    if early.load(SeqCst) > 0 {
        eprintln!(
            "kasync-tokio-bench: {} of {} sleepers started after the deadline",
            early.load(SeqCst),
            n
        );
    }
    let start = started_ns.load(SeqCst);
    let finish = done_ns - first_ns.load(SeqCst);
    println!("kbench sleep_memory tokio {} {}", run, grown / n);
    println!("kbench sleep_start tokio {} {}", run, start / n as u64);
    println!("kbench sleep_finish tokio {} {}", run, finish / n as u64);
}

/// Run the sleepers children: run 0 warms up (and sets the first
/// deadline), its lines are dropped.
fn sleepers(runs: usize, n: usize) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut prev_ns = 0u64;
    for run in 0..=runs {
        let out = std::process::Command::new(&exe)
            .args(["--sleepers", &n.to_string()])
            .args(["--sleepers-child", &run.to_string(), &prev_ns.to_string()])
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("cannot run the sleepers child");
        assert!(out.status.success(), "sleepers child failed: {}", out.status);
        let text = String::from_utf8_lossy(&out.stdout);
        for line in text.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() == 5 && f[1] == "sleep_start" {
                prev_ns = f[4].parse::<u64>().unwrap_or(0) * n as u64;
            }
            if run > 0 {
                println!("{}", line);
            }
        }
    }
}

fn report(bench: &str, variant: &str, run: usize, dt: Duration, ops: usize) {
    println!(
        "kbench {} {} {} {}",
        bench,
        variant,
        run,
        dt.as_nanos() / ops as u128
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut runs = 5usize;
    let mut nsleepers = SLEEPERS;
    let mut only: Option<Vec<String>> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|s| s.parse().ok()).expect("--runs N"),
            "--bench" => {
                only = Some(
                    args.next()
                        .expect("--bench NAMES")
                        .split(',')
                        .map(String::from)
                        .collect(),
                )
            }
            "--sleepers" => {
                nsleepers = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .filter(|&n| n > 0)
                    .expect("--sleepers N")
            }
            "--sleepers-child" => {
                let run: usize = args.next().and_then(|s| s.parse().ok()).expect("RUN");
                let prev: u64 = args.next().and_then(|s| s.parse().ok()).expect("PREV_NS");
                sleepers_child(run, nsleepers, prev);
                return;
            }
            "--memory-child" => {
                let run: usize = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--memory-child RUN");
                println!("kbench memory tokio {} {}", run, memory_child());
                return;
            }
            _ => {
                eprintln!(
                    "usage: kasync-tokio-bench [--runs N] [--bench NAME[,NAME...]] [--sleepers N]"
                );
                std::process::exit(2);
            }
        }
    }
    let want = |b: &str| match &only {
        Some(v) => v.iter().any(|x| x == b),
        None => true,
    };

    let rt = runtime();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    // run 0 of each benchmark warms up and is not reported
    if want("spawn_many") {
        for run in 0..=runs {
            let dt = spawn_many_local(&rt, &mut handles);
            if run > 0 {
                report("spawn_many", "tokio", run, dt, NUM_SPAWN);
            }
        }
    }
    type Bench<'a> = (&'a str, &'a str, usize, Box<dyn Fn() -> Duration + 'a>);
    let benches: Vec<Bench> = vec![
        (
            "spawn_many",
            "tokio_remote",
            NUM_SPAWN,
            Box::new(|| {
                let mut hs = Vec::with_capacity(NUM_SPAWN);
                spawn_many_remote(&rt, &mut hs)
            }),
        ),
        (
            "chained_spawn",
            "tokio",
            CHAIN_LEN,
            Box::new(|| chained_spawn(&rt)),
        ),
        ("ping_pong", "tokio", NUM_PINGS, Box::new(|| ping_pong(&rt))),
        (
            "yield_many",
            "tokio",
            NUM_YIELDERS * NUM_YIELDS,
            Box::new(|| yield_many(&rt)),
        ),
        ("chan_1p", "tokio", CHAN_MSGS, Box::new(|| chan(&rt, 1))),
        (
            "chan_mp",
            "tokio",
            CHAN_MSGS / CHAN_PRODUCERS * CHAN_PRODUCERS,
            Box::new(|| chan(&rt, CHAN_PRODUCERS)),
        ),
        (
            "mutex_handoff",
            "tokio",
            MUTEX_TASKS * MUTEX_ITERS,
            Box::new(|| mutex_handoff(&rt)),
        ),
    ];
    for (bench, variant, ops, f) in &benches {
        if !want(bench) {
            continue;
        }
        for run in 0..=runs {
            let dt = f();
            if run > 0 {
                report(bench, variant, run, dt, *ops);
            }
        }
    }
    drop(benches);
    drop(rt);

    if want("memory") {
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        let exe = std::env::current_exe().expect("current_exe");
        for run in 1..=runs {
            let st = std::process::Command::new(&exe)
                .args(["--memory-child", &run.to_string()])
                .status()
                .expect("cannot run the memory child");
            assert!(st.success(), "memory child failed: {}", st);
        }
    }
    if want("sleepers") {
        sleepers(runs, nsleepers);
    }
    println!("kbench done");
}
