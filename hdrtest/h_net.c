// SPDX-License-Identifier: GPL-2.0
/* <kasync/net.h> on its own. */
#include <kasync/net.h>
