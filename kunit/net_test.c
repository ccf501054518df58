// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite kasync_net (being written).
 */
#include <linux/module.h>
#include "kasync_test.h"

MODULE_DESCRIPTION("KUnit tests for kasync net");
MODULE_LICENSE("GPL");
