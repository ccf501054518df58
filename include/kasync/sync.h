/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync async mutex, semaphore and notify (being written).
 */
#ifndef _KASYNC_SYNC_H
#define _KASYNC_SYNC_H

#endif /* _KASYNC_SYNC_H */
