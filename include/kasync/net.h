/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync async sockets (being written).
 */
#ifndef _KASYNC_NET_H
#define _KASYNC_NET_H

#endif /* _KASYNC_NET_H */
