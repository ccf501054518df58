// SPDX-License-Identifier: GPL-2.0
/* <kasync/chan.h> on its own. */
#include <kasync/chan.h>
