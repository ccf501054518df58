// SPDX-License-Identifier: GPL-2.0
/*
 * kasync async mutex, semaphore and notify (being written).
 */
#include "internal.h"
