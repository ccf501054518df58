// SPDX-License-Identifier: GPL-2.0
/*
 * kasync channels: bounded mpsc and oneshot (being written).
 */
#include "internal.h"
