/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync blocking offload (being written).
 */
#ifndef _KASYNC_BLOCKING_H
#define _KASYNC_BLOCKING_H

#endif /* _KASYNC_BLOCKING_H */
