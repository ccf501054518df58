// SPDX-License-Identifier: GPL-2.0
/* <kasync/wait.h> on its own. */
#include <kasync/wait.h>
