// SPDX-License-Identifier: GPL-2.0
/* <kasync/sync.h> on its own. */
#include <kasync/sync.h>
