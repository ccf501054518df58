/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kasync internals exported for kasync's own KUnit suites only: on kernels
 * with KUnit, in namespace EXPORTED_FOR_KUNIT_TESTING (the suites import it
 * in kunit/kasync_test.h).  Not an API: do not use from other modules.
 */
#ifndef _KASYNC_TESTING_H
#define _KASYNC_TESTING_H

#include <linux/types.h>

#include <kasync/types.h>

struct module;

unsigned int kasync_cancel_owner(struct module *owner);
void kasync_test_expect_misuse(bool on);
unsigned int kasync_test_misuse_seen(void);

/* kasync.detect_long_poll_us, for the detectors' tests. */
extern unsigned int kasync_detect_long_poll_us;
/* kasync.rescue_us, for the rescue's test. */
extern unsigned int kasync_rescue_us;

#endif /* _KASYNC_TESTING_H */
