// SPDX-License-Identifier: GPL-2.0
/*
 * kasync async sockets (being written).
 */
#include "internal.h"
