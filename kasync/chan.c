// SPDX-License-Identifier: GPL-2.0
/*
 * kasync channels: a bounded mpsc channel of fixed-size items and a
 * oneshot.
 *
 * A channel is a ring of items under an irq-safe spinlock, so that hard
 * IRQ handlers can kasync_chan_try_send().  Senders that find it full
 * queue a &struct kasync_chan_wait (in their task's state, or on the stack
 * of kasync_chan_send_wait()) on a FIFO list; the one receiver keeps at
 * most one wait, pointed to by the channel.  A receive that frees a slot
 * grants it to the first queued sender: the slot is reserved for that
 * sender, its wait leaves the queue and it is woken; its next poll copies
 * its item into the slot.  A granted sender that is cancelled before that
 * poll hands the slot to the next queued sender, so that nobody is left
 * queued next to a free slot.
 *
 * A oneshot is a channel of capacity 1 with one sender that is never
 * cloned and is consumed by the send; everything below holds for it.
 *
 * Fields are tagged in the legend of rules.h, with H for the object's
 * own lock (an irq-safe spinlock); the tags of &struct kasync_chan_wait:
 *
 *   node        H: on ch->sendq
 *   ch, task, cleanup, armed   P: set before the wait is linked under
 *               H, cleared after it is unlinked
 *   thread      I: the sleeper of kasync_chan_send_wait() (on its stack)
 *   state       H
 *
 * Lock order: a channel's lock -> what kasync_wake() and wake_up_process()
 * take.  No two channel locks are ever held together,
 * and drop_item runs without any.
 *
 * ========================== chan rules ===============================
 *
 * Cited below as "chan rule N"; they build on the "kasync ordering
 * rules" of rules.h and the wake-source rules of wait.c.
 *
 * C1. Wakes under the lock.  Waits are linked, granted, closed and woken
 *     (kasync_wake() or wake_up_process()) with the object's lock held,
 *     and a task's wait is unlinked with it held: by the poll that
 *     finishes the await, by a cancel, or by the cleanup hook, which runs
 *     before the task's memory can go (wake-source rule W3).  So a waker
 *     never touches a wait, or the task it names, after the task unlinked
 *     it; and the poll that a wake queues takes the lock before looking,
 *     so it sees what the waker changed (the lock's release/acquire; the
 *     scheduling side is ordering rule 1).  Arming and checking happen in
 *     one critical section: no wake falls between them.
 *
 * C2. Lifetime.  refs changes only under the lock.  Whoever takes it to
 *     zero unlocks and then frees: nobody else holds a reference, so
 *     nobody else can be about to take the lock.  A caller of
 *     kasync_chan_try_send() (an IRQ handler, a timer) must hold a sender
 *     reference for as long as it may call it: drop it only after the
 *     handler can no longer run (free_irq(), hrtimer_cancel()).  An armed
 *     task wait holds a reference of its own, so even a task that drops
 *     its channel reference while armed leaves no dangling pointer for
 *     its cleanup hook.
 *
 * C3. The ring after the receiver.  kasync_chan_rx_drop() clears
 *     rx_alive under the lock; every path that writes the ring checks
 *     rx_alive first under the same lock, and no receive may follow the
 *     drop.  So the dropper owns the ring's items from then on and passes
 *     them to drop_item without the lock (drop_item may be as slow as it
 *     likes, short of sleeping, and may even use channels).
 *
 * C4. Grants.  Free slots (capacity - len - reserved) are zero whenever
 *     sendq is not empty.  Every path that frees a slot (a receive, the
 *     cancel of a granted sender) calls kasync_chan_grant() before it
 *     unlocks, and a sender only bypasses the queue when it is empty: the
 *     queue is FIFO and no queued sender sits next to a free slot.
 * =====================================================================
 */
#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kasync.h>

#include "fail.h"
#include "misuse.h"
#include "task_access.h"

/* kasync_chan_wait.state */
enum {
	KC_IDLE,	/* not linked */
	KC_QUEUED,	/* sender on sendq, or the receiver's wait */
	KC_GRANTED,	/* sender off sendq, owns one reserved slot */
	KC_CLOSED,	/* sender off sendq: the receiver is gone */
};

/*
 * struct kasync_chan - a bounded mpsc channel
 *
 * Lifetime: freed by whoever drops refs to zero (chan rule C2).
 */
struct kasync_chan {
	spinlock_t lock;		/* I: H, irq-safe */
	unsigned int refs;		/* H: senders + receiver + armed waits */
	unsigned int senders;		/* H: sender references */
	bool rx_alive;			/* H: cleared once, by rx_drop */
	unsigned int head;		/* H: index of the oldest item */
	unsigned int len;		/* H: items buffered */
	unsigned int reserved;		/* H: slots granted, unfilled (C4) */
	unsigned int capacity;		/* I */
	unsigned int item_size;		/* I */
	void (*drop_item)(void *item);	/* I */
	struct list_head sendq;		/* H: queued senders, oldest first */
	struct kasync_chan_wait *rxw;	/* H: the armed receive, or NULL */
	u8 ring[] __aligned(8);		/* H while rx_alive, then C3 */
};

/* A caller's programming error, reported at the call site (misuse.h). */
#define kc_misuse(cond, what) kasync_misuse(cond, "%s", what)
/* The same from a helper: @fn is the API function's name. */
#define kc_misuse_in(fn, cond, what) __kasync_misuse(cond, fn, "%s", what)

/* Wake whoever waits on @w (chan rule C1: the object's lock is held). */
static void kc_wake(struct kasync_chan_wait *w)
{
	if (w->thread)
		wake_up_process(w->thread);
	else
		kasync_wake(w->task);
}

/* ---- channel ------------------------------------------------------------- */

static unsigned int kc_free(const struct kasync_chan *ch)
{
	return ch->capacity - ch->len - ch->reserved;
}

static void *kc_slot(struct kasync_chan *ch, unsigned int i)
{
	return ch->ring + (size_t)i * ch->item_size;
}

/* Drop a reference with the lock held, unlock, free on the last (C2). */
static void kc_unlock_put(struct kasync_chan *ch, unsigned long flags)
{
	bool last = !--ch->refs;

	spin_unlock_irqrestore(&ch->lock, flags);
	if (last)
		kfree(ch);
}

/*
 * Tie @w to @task and to @ch, with a reference of its own (chan rule C2);
 * the caller links it (chan rule C1: in the section that had to wait).
 */
static void kc_arm(struct kasync_task *task, struct kasync_chan *ch,
		   struct kasync_chan_wait *w,
		   void (*fn)(struct kasync_cleanup *c))
{
	lockdep_assert_held(&ch->lock);
	w->ch = ch;
	w->state = KC_QUEUED;
	ch->refs++;
	w->task = task;
	w->thread = NULL;
	w->cleanup.fn = fn;
	kasync_cleanup_add(task, &w->cleanup);
	w->armed = true;
}

/* Untie @w, which the caller unlinked; unlocks and drops its reference. */
static void kc_disarm_put(struct kasync_chan *ch, struct kasync_chan_wait *w,
			  unsigned long flags)
{
	lockdep_assert_held(&ch->lock);
	w->armed = false;
	w->ch = NULL;
	kc_unlock_put(ch, flags);	/* the wait's reference */
}

/* The await of an armed @w ends in its poll: as above, and its hook. */
static void kc_unarm_put(struct kasync_task *task, struct kasync_chan *ch,
			 struct kasync_chan_wait *w, unsigned long flags)
{
	kasync_cleanup_del(task, &w->cleanup);
	kc_disarm_put(ch, w, flags);
}

/* Release a sender reference with the lock held; unlocks (may free). */
static void kc_sender_put(struct kasync_chan *ch, unsigned long flags)
{
	lockdep_assert_held(&ch->lock);
	if (!--ch->senders && ch->rxw)
		kc_wake(ch->rxw);	/* the end of the stream */
	kc_unlock_put(ch, flags);
}

/* Grant free slots to the oldest queued senders (chan rule C4). */
static void kasync_chan_grant(struct kasync_chan *ch)
{
	struct kasync_chan_wait *w;

	lockdep_assert_held(&ch->lock);
	while (ch->rx_alive && kc_free(ch) && !list_empty(&ch->sendq)) {
		w = list_first_entry(&ch->sendq, struct kasync_chan_wait, node);
		list_del_init(&w->node);
		w->state = KC_GRANTED;
		ch->reserved++;
		kc_wake(w);
	}
}

/* Append @item; the caller checked rx_alive and that a slot is free. */
static void kc_push(struct kasync_chan *ch, const void *item)
{
	unsigned int tail = ch->head + ch->len;

	lockdep_assert_held(&ch->lock);
	if (tail >= ch->capacity)
		tail -= ch->capacity;
	memcpy(kc_slot(ch, tail), item, ch->item_size);
	ch->len++;
	if (ch->rxw)
		kc_wake(ch->rxw);
}

/* Take the oldest item and hand the freed slot on (chan rule C4). */
static void kc_pop(struct kasync_chan *ch, void *item)
{
	lockdep_assert_held(&ch->lock);
	memcpy(item, kc_slot(ch, ch->head), ch->item_size);
	if (++ch->head == ch->capacity)
		ch->head = 0;
	ch->len--;
	kasync_chan_grant(ch);
}

/* Send now if that needs no waiting: 0, -EPIPE, -EINVAL, or -EAGAIN. */
static int kc_send_now(struct kasync_chan *ch, const void *item,
		       const char *fn)
{
	lockdep_assert_held(&ch->lock);
	if (kc_misuse_in(fn, !ch->senders, "send with no sender reference left"))
		return -EINVAL;
	if (!ch->rx_alive)
		return -EPIPE;
	/* Chan rule C4: never overtake a queued sender. */
	if (!kc_free(ch) || !list_empty(&ch->sendq))
		return -EAGAIN;
	kc_push(ch, item);
	return 0;
}

/* A granted or closed sender finishes: fill its slot or report -EPIPE. */
static int kc_send_granted(struct kasync_chan *ch, struct kasync_chan_wait *w,
			   const void *item)
{
	bool closed = w->state == KC_CLOSED;

	lockdep_assert_held(&ch->lock);
	w->state = KC_IDLE;
	if (closed)
		return -EPIPE;
	ch->reserved--;
	if (!ch->rx_alive)
		return -EPIPE;
	kc_push(ch, item);
	return 0;
}

/* Unlink a sender's wait; a granted slot goes to the next sender (C4). */
static void kc_send_unlink(struct kasync_chan *ch, struct kasync_chan_wait *w)
{
	lockdep_assert_held(&ch->lock);
	if (w->state == KC_QUEUED) {
		list_del_init(&w->node);
	} else if (w->state == KC_GRANTED) {
		ch->reserved--;
		kasync_chan_grant(ch);
	}
	w->state = KC_IDLE;
}

static void kc_send_disarm(struct kasync_chan_wait *w)
{
	struct kasync_chan *ch = w->ch;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	kc_send_unlink(ch, w);
	kc_disarm_put(ch, w, flags);
}

static void kc_send_cleanup(struct kasync_cleanup *c)
{
	kc_send_disarm(container_of(c, struct kasync_chan_wait, cleanup));
}

/* The receiver's wait leaves the channel (chan rule C1). */
static void kc_recv_disarm(struct kasync_chan_wait *w)
{
	struct kasync_chan *ch = w->ch;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->rxw == w)
		ch->rxw = NULL;
	w->state = KC_IDLE;
	kc_disarm_put(ch, w, flags);
}

static void kc_recv_cleanup(struct kasync_cleanup *c)
{
	kc_recv_disarm(container_of(c, struct kasync_chan_wait, cleanup));
}

/*
 * The checks of a task's send or receive (@fn: its cleanup hook); false
 * (misuse reported, *@res set) ends the await.
 */
static bool kc_await_ok(struct kasync_task *task, struct kasync_chan *ch,
			struct kasync_chan_wait *w, const void *item, long *res,
			void (*fn)(struct kasync_cleanup *c), const char *api)
{
	if (kc_misuse_in(api, w->armed && (w->ch != ch || w->cleanup.fn != fn),
			 "wait armed for another await")) {
		*res = -EINVAL;
		return false;
	}
	return true;
}

/* Abandon the await @w is armed for, if it is the one @fn cleans up. */
static void kc_cancel(struct kasync_task *task, struct kasync_chan_wait *w,
		      void (*fn)(struct kasync_cleanup *c), const char *api)
{
	if (!w->armed)
		return;
	if (kc_misuse_in(api, w->cleanup.fn != fn,
			 "wait armed for another await"))
		return;
	kasync_cleanup_del(task, &w->cleanup);
	fn(&w->cleanup);
}

/**
 * kasync_chan_new - create a bounded mpsc channel
 * @item_size: bytes per item, 1 to %KASYNC_CHAN_ITEM_MAX
 * @capacity: items the channel buffers, 1 to %KASYNC_CHAN_CAP_MAX
 * @drop_item: called on each item still buffered when the receiver is
 *	dropped, with a pointer to it (release what it owns); may be %NULL.
 *	Runs in the context of kasync_chan_rx_drop() and must not sleep.
 * @gfp: allocation flags
 *
 * Allocates the channel: header and ring in one allocation.  The caller
 * holds one sender reference and the receiver; hand them out as it likes
 * (the same pointer serves both) and add senders with
 * kasync_chan_sender_clone().
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the channel, or an ERR_PTR(): -EINVAL for a bad @item_size or
 * @capacity (misuse: warns once at the call site); -ENOMEM if the
 * allocation failed.
 */
struct kasync_chan *kasync_chan_new(size_t item_size, unsigned int capacity,
				    void (*drop_item)(void *item), gfp_t gfp)
{
	struct kasync_chan *ch;

	if (kc_misuse(!item_size || item_size > KASYNC_CHAN_ITEM_MAX ||
		      !capacity || capacity > KASYNC_CHAN_CAP_MAX,
		      "bad item size or capacity"))
		return ERR_PTR(-EINVAL);
	ch = kasync_kmalloc(struct_size(ch, ring, item_size * capacity), gfp);
	if (!ch)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&ch->lock);
	ch->refs = 2;
	ch->senders = 1;
	ch->rx_alive = true;
	ch->head = 0;
	ch->len = 0;
	ch->reserved = 0;
	ch->capacity = capacity;
	ch->item_size = item_size;
	ch->drop_item = drop_item;
	INIT_LIST_HEAD(&ch->sendq);
	ch->rxw = NULL;
	return ch;
}
EXPORT_SYMBOL_GPL(kasync_chan_new);

/**
 * kasync_chan_sender_clone - take another sender reference
 * @ch: the channel; the caller holds a sender reference
 *
 * The new reference is released with kasync_chan_sender_drop(), like the
 * first.  Cloning after the receiver is gone is allowed (sends then fail
 * with -EPIPE).
 *
 * Context: any.
 * Return: 0; -EINVAL if @ch has no sender reference left (the stream has
 * ended), or the count would overflow (misuse: warns once at the call
 * site).
 */
int kasync_chan_sender_clone(struct kasync_chan *ch)
{
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&ch->lock, flags);
	if (kc_misuse(!ch->senders || ch->senders >= INT_MAX,
		      "no sender reference to clone")) {
		err = -EINVAL;
	} else {
		ch->senders++;
		ch->refs++;
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	return err;
}
EXPORT_SYMBOL_GPL(kasync_chan_sender_clone);

/**
 * kasync_chan_sender_drop - release a sender reference
 * @tx: address of the caller's channel pointer; set to %NULL
 *
 * When the last sender is gone, the receiver gets the items still
 * buffered and then -EPIPE (a receiving task is woken for it).  May free
 * the channel.  A %NULL *@tx, or a drop with no sender reference left, is
 * misuse (warns once at the call site) and otherwise ignored, so a second
 * drop through the same pointer is caught.
 *
 * Context: any.
 */
void kasync_chan_sender_drop(struct kasync_chan **tx)
{
	struct kasync_chan *ch;
	unsigned long flags;

	if (kc_misuse(!*tx, "dropped channel"))
		return;
	ch = *tx;
	*tx = NULL;
	spin_lock_irqsave(&ch->lock, flags);
	if (kc_misuse(!ch->senders, "sender dropped twice")) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return;
	}
	kc_sender_put(ch, flags);
}
EXPORT_SYMBOL_GPL(kasync_chan_sender_drop);

/**
 * kasync_chan_rx_drop - release the receiver
 * @rx: address of the receiver's channel pointer; set to %NULL
 *
 * Sends fail with -EPIPE from now on: queued senders are woken and get
 * -EPIPE (their items stay theirs).  The items still buffered are passed
 * to the channel's drop_item, in order, from this call and without the
 * channel's lock.  May free the channel.  A %NULL *@rx, or a second drop,
 * is misuse (warns once at the call site) and otherwise ignored.
 *
 * Context: any context in which drop_item may run; never sleeps itself.
 */
void kasync_chan_rx_drop(struct kasync_chan **rx)
{
	struct kasync_chan_wait *w, *next;
	struct kasync_chan *ch;
	unsigned int i, n, at;
	unsigned long flags;

	if (kc_misuse(!*rx, "dropped channel"))
		return;
	ch = *rx;
	*rx = NULL;
	spin_lock_irqsave(&ch->lock, flags);
	if (kc_misuse(!ch->rx_alive, "receiver dropped twice")) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return;
	}
	ch->rx_alive = false;
	list_for_each_entry_safe(w, next, &ch->sendq, node) {
		list_del_init(&w->node);
		w->state = KC_CLOSED;
		kc_wake(w);
	}
	/* A receiving task still armed (a misuse) gets -EINVAL. */
	if (ch->rxw)
		kc_wake(ch->rxw);
	n = ch->len;
	at = ch->head;
	spin_unlock_irqrestore(&ch->lock, flags);

	/* Chan rule C3: nobody else touches the ring any more. */
	for (i = 0; i < n && ch->drop_item; i++) {
		ch->drop_item(kc_slot(ch, at));
		if (++at == ch->capacity)
			at = 0;
	}

	spin_lock_irqsave(&ch->lock, flags);
	ch->len = 0;
	kc_unlock_put(ch, flags);
}
EXPORT_SYMBOL_GPL(kasync_chan_rx_drop);

/* kasync_chan_send() without the cooperative budget. */
static enum kasync_poll kc_send_await(struct kasync_task *task,
				      struct kasync_chan *ch,
				      struct kasync_chan_wait *w, const void *item,
				      long *res)
{
	unsigned long flags;
	int ret;

	if (!kc_await_ok(task, ch, w, item, res, kc_send_cleanup,
			 "kasync_chan_send"))
		return KASYNC_READY;

	spin_lock_irqsave(&ch->lock, flags);
	if (w->armed) {
		if (w->state == KC_QUEUED) {
			spin_unlock_irqrestore(&ch->lock, flags);
			return kt_pending(task, KASYNC_WAIT_CHAN);	/* not granted yet */
		}
		*res = kc_send_granted(ch, w, item);
		kc_unarm_put(task, ch, w, flags);
		return KASYNC_READY;
	}
	ret = kc_send_now(ch, item, "kasync_chan_send");
	if (ret != -EAGAIN) {
		spin_unlock_irqrestore(&ch->lock, flags);
		*res = ret;
		return KASYNC_READY;
	}
	/* Chan rule C1: queued in the section that found no slot. */
	kc_arm(task, ch, w, kc_send_cleanup);
	list_add_tail(&w->node, &ch->sendq);
	spin_unlock_irqrestore(&ch->lock, flags);
	return kt_pending(task, KASYNC_WAIT_CHAN);
}

/**
 * kasync_chan_send - await sending an item
 * @task: the task being polled; it holds a sender reference to @ch
 * @ch: the channel
 * @w: a &struct kasync_chan_wait in the task's state
 * @item: the item, @item_size bytes; copied when the send completes, so
 *	it must stay valid (in the task's state) until then
 * @res: the result, set only when this reports %KASYNC_READY: 0 if the
 *	item was sent (the channel owns it now), -EPIPE if the receiver is
 *	gone (the item is still the caller's), -EINVAL on misuse
 *
 * For KASYNC_AWAIT().  Sends at once if a slot is free and no sender is
 * queued; else queues @w behind the other blocked senders (FIFO) and
 * reports %KASYNC_PENDING.  A receive that frees a slot grants it to the
 * oldest queued sender and wakes it; its next poll copies the item.  If
 * the task is aborted while queued, @w is unlinked before the task's
 * memory is freed and a slot it was granted goes to the next sender.
 *
 * Context: @task's poll function; takes the channel's lock (irq-safe).
 * Return: %KASYNC_READY with *@res set, or %KASYNC_PENDING (*@res
 * untouched).
 */
enum kasync_poll kasync_chan_send(struct kasync_task *task,
				  struct kasync_chan *ch,
				  struct kasync_chan_wait *w, const void *item,
				  long *res)
{
	return kasync_coop(task, kc_send_await(task, ch, w, item, res));
}
EXPORT_SYMBOL_GPL(kasync_chan_send);

/**
 * kasync_chan_send_cancel - abandon a send (for timeouts and select-like code)
 * @task: the task being polled
 * @w: the send's wait; nothing is done if it is not armed
 *
 * The item is not sent and stays the caller's.  If a slot had been
 * granted to @w, it goes to the next queued sender.  @w can be awaited
 * again afterwards.
 *
 * Context: @task's poll function; takes the channel's lock (irq-safe).
 */
void kasync_chan_send_cancel(struct kasync_task *task,
			     struct kasync_chan_wait *w)
{
	kc_cancel(task, w, kc_send_cleanup, __func__);
}
EXPORT_SYMBOL_GPL(kasync_chan_send_cancel);

/**
 * kasync_chan_try_send - send an item if that needs no waiting
 * @ch: the channel; the caller holds a sender reference (an IRQ handler
 *	must keep one until it can no longer run: chan rule C2)
 * @item: the item, copied before this returns
 *
 * Never waits.  Fails with -EAGAIN while senders are queued, even if the
 * receiver just freed a slot (it is theirs).
 *
 * Context: any, including hard IRQ; takes the channel's lock (irq-safe).
 * Return: 0 if sent; -EAGAIN if the channel is full; -EPIPE if the
 * receiver is gone; -EINVAL for a channel without senders (misuse: warns
 * once at the call site).
 */
int kasync_chan_try_send(struct kasync_chan *ch, const void *item)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ch->lock, flags);
	ret = kc_send_now(ch, item, __func__);
	spin_unlock_irqrestore(&ch->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(kasync_chan_try_send);

/**
 * kasync_chan_send_wait - send an item, sleeping while the channel is full
 * @ch: the channel; the caller holds a sender reference
 * @item: the item, copied before this returns 0
 *
 * The blocking send for threads: queues behind the other blocked senders
 * (tasks and threads alike, FIFO) and sleeps interruptibly until granted a
 * slot.
 *
 * Context: process context; sleeps.  Not from a task's poll function.
 * Return: 0 if sent; -EPIPE if the receiver is (or went) away;
 * -ERESTARTSYS if a signal arrived first (nothing was sent); -EINVAL for
 * a channel without senders (misuse: warns once at the call site).
 */
int kasync_chan_send_wait(struct kasync_chan *ch, const void *item)
{
	struct kasync_chan_wait w = { .thread = current };
	int ret;

	might_sleep();
	spin_lock_irq(&ch->lock);
	ret = kc_send_now(ch, item, __func__);
	if (ret != -EAGAIN)
		goto unlock;
	w.ch = ch;
	w.state = KC_QUEUED;
	list_add_tail(&w.node, &ch->sendq);
	for (;;) {
		/* Chan rule C1: granted and woken under the lock we hold. */
		set_current_state(TASK_INTERRUPTIBLE);
		if (w.state != KC_QUEUED)
			break;
		if (signal_pending(current)) {
			list_del(&w.node);
			ret = -ERESTARTSYS;
			goto running;
		}
		spin_unlock_irq(&ch->lock);
		schedule();
		spin_lock_irq(&ch->lock);
	}
	ret = kc_send_granted(ch, &w, item);
running:
	__set_current_state(TASK_RUNNING);
unlock:
	spin_unlock_irq(&ch->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kasync_chan_send_wait);

/* Receive now: 0 with an item, -EPIPE at the end, -EINVAL, or -EAGAIN. */
static int kc_recv_now(struct kasync_chan *ch, void *item, const char *fn)
{
	lockdep_assert_held(&ch->lock);
	if (kc_misuse_in(fn, !ch->rx_alive,
			 "receive after the receiver was dropped"))
		return -EINVAL;
	if (ch->len) {
		kc_pop(ch, item);
		return 0;
	}
	return ch->senders ? -EAGAIN : -EPIPE;
}

/* kasync_chan_recv() without the cooperative budget. */
static enum kasync_poll kc_recv_await(struct kasync_task *task,
				      struct kasync_chan *ch,
				      struct kasync_chan_wait *w, void *item,
				      long *res)
{
	unsigned long flags;
	int ret;

	if (!kc_await_ok(task, ch, w, item, res, kc_recv_cleanup,
			 "kasync_chan_recv"))
		return KASYNC_READY;

	spin_lock_irqsave(&ch->lock, flags);
	ret = kc_recv_now(ch, item, "kasync_chan_recv");
	if (ret == -EAGAIN) {
		if (w->armed) {
			spin_unlock_irqrestore(&ch->lock, flags);
			return kt_pending(task, KASYNC_WAIT_CHAN);	/* spurious wake */
		}
		if (kc_misuse_in("kasync_chan_recv", ch->rxw,
				 "a second receiver")) {
			spin_unlock_irqrestore(&ch->lock, flags);
			*res = -EINVAL;
			return KASYNC_READY;
		}
		/* Chan rule C1: registered in the section that found none. */
		kc_arm(task, ch, w, kc_recv_cleanup);
		ch->rxw = w;
		spin_unlock_irqrestore(&ch->lock, flags);
		return kt_pending(task, KASYNC_WAIT_CHAN);
	}
	*res = ret;
	if (!w->armed) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return KASYNC_READY;
	}
	ch->rxw = NULL;
	w->state = KC_IDLE;
	kc_unarm_put(task, ch, w, flags);
	return KASYNC_READY;
}

/**
 * kasync_chan_recv - await the next item
 * @task: the task being polled; it is the channel's receiver
 * @ch: the channel
 * @w: a &struct kasync_chan_wait in the task's state
 * @item: where the item is copied, @item_size bytes
 * @res: the result, set only when this reports %KASYNC_READY: 0 with an
 *	item in @item; -EPIPE once the channel is empty and every sender is
 *	gone; -EINVAL on misuse (a second receiving task, a dropped
 *	receiver, @w armed for another await: warns once at the call site)
 *
 * For KASYNC_AWAIT().  Items come in the order they were sent; the items
 * of one sender in the order it sent them.  While the channel is empty,
 * @w stays registered with it and each send (or the last sender's drop)
 * wakes the task.  The item is copied only by the poll that reports it,
 * so aborting the task, or kasync_chan_recv_cancel(), loses no item.
 *
 * Context: @task's poll function; takes the channel's lock (irq-safe).
 * Return: %KASYNC_READY with *@res set, or %KASYNC_PENDING (*@res
 * untouched).
 */
enum kasync_poll kasync_chan_recv(struct kasync_task *task,
				  struct kasync_chan *ch,
				  struct kasync_chan_wait *w, void *item,
				  long *res)
{
	return kasync_coop(task, kc_recv_await(task, ch, w, item, res));
}
EXPORT_SYMBOL_GPL(kasync_chan_recv);

/**
 * kasync_chan_recv_cancel - abandon a receive
 * @task: the task being polled
 * @w: the receive's wait; nothing is done if it is not armed
 *
 * No item is taken: one that arrived meanwhile stays in the channel for
 * the next receive.  @w can be awaited again afterwards.
 *
 * Context: @task's poll function; takes the channel's lock (irq-safe).
 */
void kasync_chan_recv_cancel(struct kasync_task *task,
			     struct kasync_chan_wait *w)
{
	kc_cancel(task, w, kc_recv_cleanup, __func__);
}
EXPORT_SYMBOL_GPL(kasync_chan_recv_cancel);

/**
 * kasync_chan_try_recv - take the next item if there is one
 * @ch: the channel; the caller is its receiver
 * @item: where the item is copied
 *
 * Context: any, including hard IRQ; takes the channel's lock (irq-safe).
 * Return: 0 with an item in @item; -EAGAIN if the channel is empty but
 * senders remain; -EPIPE if it is empty and every sender is gone;
 * -EINVAL for a dropped receiver (misuse: warns once at the call site).
 */
int kasync_chan_try_recv(struct kasync_chan *ch, void *item)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ch->lock, flags);
	ret = kc_recv_now(ch, item, __func__);
	spin_unlock_irqrestore(&ch->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(kasync_chan_try_recv);

/**
 * kasync_chan_info - take a snapshot of a channel's counters
 * @ch: the channel; the caller holds a reference
 * @out: filled in, consistently (under the channel's lock)
 *
 * For tests and debugging: the values may be stale as soon as this
 * returns.
 *
 * Context: any; takes the channel's lock (irq-safe).
 * Return: 0.
 */
int kasync_chan_info(struct kasync_chan *ch, struct kasync_chan_info *out)
{
	struct kasync_chan_wait *w;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	out->capacity = ch->capacity;
	out->len = ch->len;
	out->reserved = ch->reserved;
	out->senders = ch->senders;
	out->send_waiters = 0;
	list_for_each_entry(w, &ch->sendq, node)
		out->send_waiters++;
	out->rx_alive = ch->rx_alive;
	out->rx_waiting = ch->rxw;
	spin_unlock_irqrestore(&ch->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(kasync_chan_info);

/* ---- oneshot ------------------------------------------------------------- */

/*
 * struct kasync_oneshot - one item, sent once
 *
 * A channel of capacity 1 whose one sender reference is never cloned and
 * is consumed by the send: the ring holds the value, the end of the stream
 * is the sender's release, and the receive, its cancel and the drops are
 * the channel's own (chan rules C1-C4 apply as written).
 */
struct kasync_oneshot {
	struct kasync_chan ch;
};

static struct kasync_chan *os_chan(struct kasync_oneshot *os)
{
	return &os->ch;
}

/**
 * kasync_oneshot_new - create a oneshot: one item, sent once
 * @item_size: bytes of the item, 1 to %KASYNC_CHAN_ITEM_MAX
 * @drop_item: called on an item that was sent but never received, when
 *	the receiver is dropped; may be %NULL.  Must not sleep.
 * @gfp: allocation flags
 *
 * The caller holds the sender and the receiver (the same pointer serves
 * both).  The sender is consumed by kasync_oneshot_send() or
 * kasync_oneshot_sender_drop(); the receiver by kasync_oneshot_rx_drop().
 *
 * Context: any; may sleep if @gfp allows it.
 * Return: the oneshot, or an ERR_PTR(): -EINVAL for a bad @item_size
 * (misuse: warns once at the call site); -ENOMEM if the allocation failed.
 */
struct kasync_oneshot *kasync_oneshot_new(size_t item_size,
					  void (*drop_item)(void *item),
					  gfp_t gfp)
{
	struct kasync_chan *ch = kasync_chan_new(item_size, 1, drop_item, gfp);

	if (IS_ERR(ch))
		return ERR_CAST(ch);
	return container_of(ch, struct kasync_oneshot, ch);
}
EXPORT_SYMBOL_GPL(kasync_oneshot_new);

/**
 * kasync_oneshot_send - send the value and release the sender
 * @tx: address of the sender's oneshot pointer; set to %NULL in every case
 *	but a used (%NULL) one
 * @item: the value, @item_size bytes, copied before this returns
 *
 * Never blocks; wakes a receiving task.  May free the oneshot.
 *
 * Context: any, including hard IRQ.
 * Return: 0 if the value was delivered (the oneshot owns it now); -EPIPE
 * if the receiver is gone (the value stays the caller's); -EINVAL for a
 * sender already used (misuse: warns once at the call site).
 */
int kasync_oneshot_send(struct kasync_oneshot **tx, const void *item)
{
	struct kasync_chan *ch;
	unsigned long flags;
	int ret;

	if (kc_misuse(!*tx, "used sender"))
		return -EINVAL;
	ch = os_chan(*tx);
	*tx = NULL;
	spin_lock_irqsave(&ch->lock, flags);
	/* One sender, one slot: never -EAGAIN; -EINVAL if it was used. */
	ret = kc_send_now(ch, item, __func__);
	if (ret == -EINVAL) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return ret;
	}
	if (!ret) {
		/* Chan rule C1: kc_push() woke the receiver for the value. */
		ch->senders--;
		kc_unlock_put(ch, flags);
	} else {
		kc_sender_put(ch, flags);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(kasync_oneshot_send);

/**
 * kasync_oneshot_sender_drop - release the sender without sending
 * @tx: address of the sender's oneshot pointer; set to %NULL
 *
 * The receiver gets -EPIPE.  May free the oneshot.  A used (%NULL) *@tx
 * is misuse (warns once at the call site) and otherwise ignored.
 *
 * Context: any, including hard IRQ.
 */
void kasync_oneshot_sender_drop(struct kasync_oneshot **tx)
{
	struct kasync_chan *ch;

	if (kc_misuse(!*tx, "used sender"))
		return;
	ch = os_chan(*tx);
	*tx = NULL;
	kasync_chan_sender_drop(&ch);
}
EXPORT_SYMBOL_GPL(kasync_oneshot_sender_drop);

/**
 * kasync_oneshot_recv - await the value
 * @task: the task being polled; it is the receiver
 * @os: the oneshot
 * @w: a &struct kasync_chan_wait in the task's state
 * @item: where the value is copied, @item_size bytes
 * @res: the result, set only when this reports %KASYNC_READY: 0 with the
 *	value in @item; -EPIPE if the sender was dropped without sending, or
 *	the value was already received; -EINVAL on misuse
 *
 * For KASYNC_AWAIT().  The value is copied only by the poll that reports
 * it, so aborting the task or kasync_oneshot_recv_cancel() leaves it in
 * the oneshot (for a later receive, or for drop_item).
 *
 * Context: @task's poll function; takes the oneshot's lock (irq-safe).
 * Return: %KASYNC_READY with *@res set, or %KASYNC_PENDING (*@res
 * untouched).
 */
enum kasync_poll kasync_oneshot_recv(struct kasync_task *task,
				     struct kasync_oneshot *os,
				     struct kasync_chan_wait *w, void *item,
				     long *res)
{
	return kasync_chan_recv(task, os_chan(os), w, item, res);
}
EXPORT_SYMBOL_GPL(kasync_oneshot_recv);

/**
 * kasync_oneshot_recv_cancel - abandon a oneshot receive
 * @task: the task being polled
 * @w: the receive's wait; nothing is done if it is not armed
 *
 * The value, if it arrived, stays in the oneshot.  @w can be awaited
 * again afterwards.
 *
 * Context: @task's poll function; takes the oneshot's lock (irq-safe).
 */
void kasync_oneshot_recv_cancel(struct kasync_task *task,
				struct kasync_chan_wait *w)
{
	kasync_chan_recv_cancel(task, w);
}
EXPORT_SYMBOL_GPL(kasync_oneshot_recv_cancel);

/**
 * kasync_oneshot_try_recv - take the value if it was sent
 * @os: the oneshot; the caller is its receiver
 * @item: where the value is copied
 *
 * Context: any, including hard IRQ; takes the oneshot's lock (irq-safe).
 * Return: 0 with the value in @item; -EAGAIN if it has not been sent yet;
 * -EPIPE if the sender was dropped without sending, or the value was
 * already received; -EINVAL for a dropped receiver (misuse: warns once
 * at the call site).
 */
int kasync_oneshot_try_recv(struct kasync_oneshot *os, void *item)
{
	return kasync_chan_try_recv(os_chan(os), item);
}
EXPORT_SYMBOL_GPL(kasync_oneshot_try_recv);

/**
 * kasync_oneshot_rx_drop - release the receiver
 * @rx: address of the receiver's oneshot pointer; set to %NULL
 *
 * A later send fails with -EPIPE.  A value sent and not received is
 * passed to drop_item, from this call and without the oneshot's lock.
 * May free the oneshot.  A %NULL *@rx, or a second drop, is misuse (warns
 * once at the call site) and otherwise ignored.
 *
 * Context: any context in which drop_item may run; never sleeps itself.
 */
void kasync_oneshot_rx_drop(struct kasync_oneshot **rx)
{
	struct kasync_chan *ch;

	if (kc_misuse(!*rx, "dropped oneshot"))
		return;
	ch = os_chan(*rx);
	*rx = NULL;
	kasync_chan_rx_drop(&ch);
}
EXPORT_SYMBOL_GPL(kasync_oneshot_rx_drop);
