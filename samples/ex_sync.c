// SPDX-License-Identifier: GPL-2.0
/*
 * Documentation/primitives.rst's sync examples, compiled by the build
 * (being written).
 */
#include <linux/module.h>
#include <kasync.h>

MODULE_DESCRIPTION("kasync: sync examples from Documentation/primitives.rst");
MODULE_LICENSE("GPL");
