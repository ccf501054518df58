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
//! Output, one line per measured run (after one unmeasured warm-up run):
//! `kbench <benchmark> <variant> <run> <ns_per_op>`, then `kbench done`.
//! Each memory run is a fresh child process (`--memory-child RUN`), since
//! the allocator keeps memory a previous run has freed.
//!
//! Usage: kasync-tokio-bench [--runs N] [--bench NAME[,NAME...]]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
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
            "--memory-child" => {
                let run: usize = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .expect("--memory-child RUN");
                println!("kbench memory tokio {} {}", run, memory_child());
                return;
            }
            _ => {
                eprintln!("usage: kasync-tokio-bench [--runs N] [--bench NAME[,NAME...]]");
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
    println!("kbench done");
}
