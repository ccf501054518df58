// SPDX-License-Identifier: GPL-2.0
/* <kasync/co.h> on its own. */
#include <kasync/co.h>
