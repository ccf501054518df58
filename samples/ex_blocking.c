// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/primitives.rst's blocking examples, compiled by the build
 * (being written).
 */
#include <linux/module.h>
#include <kasync.h>

MODULE_DESCRIPTION("kasync: blocking examples from Documentation/primitives.rst");
MODULE_LICENSE("GPL");
