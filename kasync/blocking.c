// SPDX-License-Identifier: GPL-2.0
/*
 * kasync blocking offload (being written).
 */
#include "internal.h"

/* Stubs until the pool is written. */
int kasync_blocking_init(void)
{
	return 0;
}

void kasync_blocking_exit(void)
{
}

void kasync_blocking_drain_owner(struct module *owner)
{
}
