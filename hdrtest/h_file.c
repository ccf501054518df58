// SPDX-License-Identifier: GPL-2.0
/* <kasync/file.h> on its own. */
#include <kasync/file.h>
