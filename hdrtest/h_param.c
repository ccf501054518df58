// SPDX-License-Identifier: GPL-2.0
/* <kasync/param.h> on its own. */
#include <kasync/param.h>
