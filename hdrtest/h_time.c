// SPDX-License-Identifier: GPL-2.0
/* <kasync/time.h> on its own. */
#include <kasync/time.h>
