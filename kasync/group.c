// SPDX-License-Identifier: GPL-2.0
/*
 * kasync task groups, join-all (being written).
 */
#include "internal.h"
