/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync task groups, join-all and select (being written).
 */
#ifndef _KASYNC_GROUP_H
#define _KASYNC_GROUP_H

#endif /* _KASYNC_GROUP_H */
