// SPDX-License-Identifier: GPL-2.0
/*
 * kasync_hdrtest.ko: proof that each public header compiles alone (see
 * Kbuild).  Built by every make, never loaded.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kasync: public headers compile on their own (never loaded)");
