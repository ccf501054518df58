/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync channels: a bounded multi-producer single-consumer channel of
 * fixed-size items, and a oneshot carrying one item.
 *
 * A channel is one allocation (header and a ring of @capacity items of
 * @item_size bytes) counted by references: one per sender, one for the
 * receiver.  kasync_chan_new() returns it holding one sender reference and
 * the receiver; kasync_chan_sender_clone() adds senders.  The receiver sees
 * the end of the stream (-EPIPE, once the ring is drained) when every
 * sender is gone; senders get -EPIPE once the receiver is gone, and the
 * items still buffered then go to the channel's drop_item callback.  The
 * last reference frees the channel.
 *
 *	struct producer {
 *		struct kasync_co co;
 *		struct kasync_chan_wait w;
 *		struct kasync_chan *tx;		(a sender reference)
 *		u32 item;
 *		long res;
 *	};
 *
 *	KASYNC_AWAIT(&s->co, kasync_chan_send(t, s->tx, &s->w, &s->item,
 *					      &s->res));
 *
 *	(and in the task's drop callback: kasync_chan_sender_drop(&s->tx))
 *
 * Who may call what (any number of senders, one receiver):
 *
 *   sender side                          receiver side
 *   -----------------------------------  ----------------------------------
 *   kasync_chan_send()       task poll   kasync_chan_recv()       task poll
 *   kasync_chan_send_wait()  process     kasync_chan_try_recv()   any
 *   kasync_chan_try_send()   any, IRQ    kasync_chan_rx_drop()    any
 *   kasync_chan_sender_clone()/_drop()   any
 *
 * Item ownership: an item belongs to its sender until a send reports 0,
 * then to the channel, then to the receiver once a receive reports 0.  A
 * send that fails or is cancelled leaves the item with the sender; items
 * still buffered when the receiver is dropped go to drop_item.
 *
 * Awaits keep a &struct kasync_chan_wait in the task's state (zeroed at
 * first); aborting the task at any await unlinks it before the task's
 * memory is freed, and the task's drop callback is where it releases its
 * channel references.
 */
#ifndef _KASYNC_CHAN_H
#define _KASYNC_CHAN_H

#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/types.h>

#include <kasync/types.h>
#include <kasync/task.h>
#include <kasync/co.h>

struct kasync_task;
struct kasync_chan;
struct kasync_oneshot;
struct task_struct;

/* The largest item a channel or oneshot carries, in bytes. */
#define KASYNC_CHAN_ITEM_MAX	512u
/* The largest capacity of a channel, in items. */
#define KASYNC_CHAN_CAP_MAX	65536u

/**
 * struct kasync_chan_wait - a channel await, kept in a task's state
 * @node: link on the channel's queue of blocked senders
 * @ch: the channel while armed (a oneshot's own channel for a oneshot)
 * @task: the task to wake
 * @thread: the thread to wake instead (kasync_chan_send_wait() only)
 * @cleanup: unlinks the wait if the task ends while armed
 * @state: where the wait stands (private to kasync/chan.c)
 * @armed: linked to a channel or oneshot, and holding a reference to it
 *
 * One wait serves one await at a time: a send or a receive on a channel,
 * or a receive on a oneshot.  Zero it (a zero-filled state does) before the
 * first await; it can be awaited again once an await reported
 * %KASYNC_READY or was cancelled.  Do not touch its fields.
 */
struct kasync_chan_wait {
	struct list_head node;
	struct kasync_chan *ch;
	struct kasync_task *task;
	struct task_struct *thread;
	struct kasync_cleanup cleanup;
	u8 state;
	bool armed;
};

/**
 * kasync_chan_wait_armed - is the wait linked to a channel or oneshot?
 * @w: the wait
 *
 * Context: the task's poll function (or its drop callback).
 * Return: true between the poll that had to wait and the one that reported
 * %KASYNC_READY (or the cancel).
 */
static inline bool kasync_chan_wait_armed(const struct kasync_chan_wait *w)
{
	return w->armed;
}

/**
 * struct kasync_chan_info - a snapshot of a channel, for tests and debugging
 * @capacity: items the ring holds
 * @len: items buffered
 * @reserved: free slots granted to woken senders that have yet to fill them
 * @senders: sender references
 * @send_waiters: senders blocked on the queue (tasks and threads)
 * @rx_alive: the receiver reference is still held
 * @rx_waiting: a receiving task is armed
 */
struct kasync_chan_info {
	unsigned int capacity;
	unsigned int len;
	unsigned int reserved;
	unsigned int senders;
	unsigned int send_waiters;
	bool rx_alive;
	bool rx_waiting;
};

struct kasync_chan *kasync_chan_new(size_t item_size, unsigned int capacity,
				    void (*drop_item)(void *item), gfp_t gfp);
int kasync_chan_sender_clone(struct kasync_chan *ch);
void kasync_chan_sender_drop(struct kasync_chan **tx);
void kasync_chan_rx_drop(struct kasync_chan **rx);

enum kasync_poll kasync_chan_send(struct kasync_task *task,
				  struct kasync_chan *ch,
				  struct kasync_chan_wait *w, const void *item,
				  long *res);
void kasync_chan_send_cancel(struct kasync_task *task,
			     struct kasync_chan_wait *w);
int kasync_chan_try_send(struct kasync_chan *ch, const void *item);
int kasync_chan_send_wait(struct kasync_chan *ch, const void *item);

enum kasync_poll kasync_chan_recv(struct kasync_task *task,
				  struct kasync_chan *ch,
				  struct kasync_chan_wait *w, void *item,
				  long *res);
void kasync_chan_recv_cancel(struct kasync_task *task,
			     struct kasync_chan_wait *w);
int kasync_chan_try_recv(struct kasync_chan *ch, void *item);

int kasync_chan_info(struct kasync_chan *ch, struct kasync_chan_info *out);

/* ---- oneshot ------------------------------------------------------------- */

struct kasync_oneshot *kasync_oneshot_new(size_t item_size,
					  void (*drop_item)(void *item),
					  gfp_t gfp);
int kasync_oneshot_send(struct kasync_oneshot **tx, const void *item);
void kasync_oneshot_sender_drop(struct kasync_oneshot **tx);
enum kasync_poll kasync_oneshot_recv(struct kasync_task *task,
				     struct kasync_oneshot *os,
				     struct kasync_chan_wait *w, void *item,
				     long *res);
void kasync_oneshot_recv_cancel(struct kasync_task *task,
				struct kasync_chan_wait *w);
int kasync_oneshot_try_recv(struct kasync_oneshot *os, void *item);
void kasync_oneshot_rx_drop(struct kasync_oneshot **rx);

#endif /* _KASYNC_CHAN_H */
