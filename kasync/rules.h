/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync's field legend, lock order and ordering rules.  Not for users of
 * kasync.
 *
 * Every file of kasync/ tags the fields of its structures with these
 * letters; a file that adds its own lock letters says so in its opening
 * comment and picks a letter not used here.  Comments cite the ordering
 * rules below by number ("ordering rule 3").
 *
 * Field legend:
 *
 *   I: set before the object is published, then read-only
 *   A: atomic_t / atomic_long_t, or accessed with xchg/cmpxchg
 *   C: CPU-local: touched only on the CPU owning the queue, with IRQs
 *      disabled (which includes the steal IPI running on that CPU)
 *   W: touched only by the worker that owns the queue (one at a time: a
 *      work item does not run concurrently with itself on one workqueue)
 *   P: serialised with polls: written by the poll function or by the
 *      worker around it, never concurrently
 *   L: kasync_live.lock, one per CPU and runtime (irq-safe spinlock)
 *   G: kasync_rt.inject.lock (irq-safe spinlock)
 *   M: kasync_rt_mutex
 *   S: per-CPU statistics (stats.h): kasync_stat_*() on the owning CPU;
 *      readers get whole values (u64_stats_sync), not a snapshot
 *
 * Letters that files add for their own locks (each used by no other file
 * for anything else):
 *
 *   B: kasync_blocking_lock, a plain spinlock (blocking.c)
 *   H: a channel's or oneshot's kasync_chan.lock, irq-safe (chan.c)
 *   K: a socket's sk->sk_callback_lock (net.c)
 *   N: kasync_group.lock, irq-safe (group.c)
 *   Q: a wait queue head's lock, irq-safe (wait.c; also poll.c, net.c)
 *   Y: kasync_syncq.lock of a semaphore, mutex or notify, irq-safe (sync.c)
 *
 * Lock order: kasync_rt_mutex -> kasync_live.lock -> inject.lock.
 * No kasync lock is held across a poll, a drop or a cleanup hook.
 *
 * ======================== kasync ordering rules ========================
 *
 * Other comments cite these rules by number ("ordering rule 3").
 *
 * 1. Task state word.  Every transition of kasync_task.state is a fully
 *    ordered read-modify-write (cmpxchg, fetch_or, fetch_andnot).  The party
 *    whose transition sets SCHEDULED on a task that is neither SCHEDULED
 *    nor RUNNING owns queueing it, exactly once.  The worker whose
 *    transition clears SCHEDULED and sets RUNNING owns polling it.  A task
 *    sits in exactly one run queue iff SCHEDULED && !RUNNING && !FINAL.
 *    A wake that finds RUNNING only sets SCHEDULED; the worker sees it in
 *    its own end-of-poll transition and re-queues.  Hence no lost wakes.
 *    A waker's stores before kasync_wake() are visible to the next poll
 *    that starts after the call: kasync_wake() begins with smp_mb(), so
 *    its read of the state word, or its cmpxchg setting SCHEDULED, is
 *    ordered after those stores and pairs with the worker's cmpxchg
 *    setting RUNNING (fully ordered).  A wake that coalesces with a
 *    SCHEDULED it did not set still gets its stores seen by that poll.
 *
 * 2. Run queues.  A CPU's ring, LIFO slot and overflow list are touched
 *    only on that CPU with IRQs disabled: plain loads and stores, no
 *    read-modify-write.  A stealer never touches them: it sends an IPI to
 *    the victim, whose handler moves tasks into the stealer's buffer; the
 *    completion wait of smp_call_function_single() orders the buffer.
 *    Remote readers use READ_ONCE() on head/tail for hints only.
 *
 * 3. Worker activation.  kasync_worker.active (of a CPU's worker, or the
 *    ordered runtime's) is 1 while the worker is queued or running.  A producer
 *    of work the worker must see from another CPU (inject queue, remote
 *    list, steal kick) publishes the work, then executes a full barrier
 *    (the llist_add() cmpxchg, or smp_mb() after the inject lock), then
 *    reads active; if it is 0 it queues the worker after winning
 *    atomic_xchg(&active, 1).  A worker going idle sets active to 0,
 *    executes smp_mb(), then re-checks those sources.  Store-buffering:
 *    either the producer sees 0 and queues, or the worker sees the work.
 *    Local pushes need none of this: they and the worker's idle decision
 *    both run on the CPU with IRQs disabled.
 *
 * 4. Completion.  The finalizer stores result, runs the drop callback,
 *    then sets FINAL with a fully ordered fetch_or.  Readers check FINAL
 *    with atomic_long_read_acquire() before reading result.  A thread
 *    about to sleep in kasync_join*() first sets JOIN_SLEEPER with a
 *    fetch_or; both RMW the state word, so either the joiner sees FINAL
 *    and does not sleep, or the finalizer sees JOIN_SLEEPER and calls
 *    wake_up_var() (nobody else waits on the word: no wake otherwise).
 *    The finalizer's fetch_or is also the barrier wake_up_var() requires,
 *    pairing with set_current_state() inside wait_var_event*().
 *
 * 5. Task joiners.  kasync_join_poll() stores the awaiter, then sets
 *    JOIN_WAKER with fetch_or; the finalizer sets FINAL with fetch_or.
 *    Both RMW the same word, so one sees the other's bit; whoever then
 *    wins xchg(&awaiter, NULL) wakes and releases the awaiter reference.
 *
 * 6. Teardown.  Every path that queues a task or kicks a worker runs in an
 *    RCU read-side section: rcu_read_lock() (kasync_enqueue() and
 *    kasync_requeue() on their remote paths), or IRQs disabled (local
 *    pushes), which synchronize_rcu() waits for as well since the RCU
 *    flavours were consolidated.  kasync_rt_destroy() waits for every
 *    task to be finalized, then synchronize_rcu(), and only then destroys
 *    the workqueue: no late queue_work() can hit a dead one.
 *
 * 7. Live lists, all in live.c.  A task is added to a live list under
 *    its lock after checking kasync_rt.dying under that lock; destroy
 *    sets dying under every CPU's lock, so a spawn either sees dying or
 *    is seen by the cancel walk.  A finalized task stays listed (holding
 *    the runtime's reference) until its worker reaps it: kasync_reap()
 *    removes it under the same lock and then reads kasync_rt.drainers:
 *    the lock orders it after a drainer's atomic_inc() that preceded the
 *    drainer's own walk.
 *    A worker reaps at most kasync_tune.reap_max tasks late and always before
 *    it returns, so a drain waiting for an empty list is not left waiting.
 *
 * 8. CPU hotplug.  kasync_cpu.online is written on its CPU with IRQs
 *    disabled, so local pushes read it consistently.  A remote waker of a
 *    per-CPU runtime does llist_add() (full barrier) then reads online;
 *    the going-down callback writes online = 0, smp_mb(), then empties the
 *    remote list: either it sees the task or the waker sees offline and
 *    re-routes it itself (llist_del_all() hands each task to one of them).
 * =======================================================================
 */
#ifndef _KASYNC_RULES_H
#define _KASYNC_RULES_H
#endif /* _KASYNC_RULES_H */
