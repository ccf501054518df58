// SPDX-License-Identifier: GPL-2.0
/* <kasync.h>, the umbrella header, on its own. */
#include <kasync.h>
