// SPDX-License-Identifier: GPL-2.0
/* <kasync/task.h> on its own. */
#include <kasync/task.h>
