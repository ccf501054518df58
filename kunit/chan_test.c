// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_chan (being written).
 */
#include <linux/module.h>
#include "kasync_test.h"

MODULE_DESCRIPTION("KUnit tests for kasync chan");
MODULE_LICENSE("GPL");
