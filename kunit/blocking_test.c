// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_blocking (being written).
 */
#include <linux/module.h>
#include "kasync_test.h"

MODULE_DESCRIPTION("KUnit tests for kasync blocking");
MODULE_LICENSE("GPL");
