/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync channels: bounded mpsc and oneshot (being written).
 */
#ifndef _KASYNC_CHAN_H
#define _KASYNC_CHAN_H

#endif /* _KASYNC_CHAN_H */
