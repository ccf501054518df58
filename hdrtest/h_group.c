// SPDX-License-Identifier: GPL-2.0
/* <kasync/group.h> on its own. */
#include <kasync/group.h>
