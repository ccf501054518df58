// SPDX-License-Identifier: GPL-2.0
/* <kasync/types.h> on its own. */
#include <kasync/types.h>
