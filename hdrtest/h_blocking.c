// SPDX-License-Identifier: GPL-2.0
/* <kasync/blocking.h> on its own. */
#include <kasync/blocking.h>
