// SPDX-License-Identifier: GPL-2.0
/* <kasync/testing.h> on its own. */
#include <kasync/testing.h>
