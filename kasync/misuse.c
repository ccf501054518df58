// SPDX-License-Identifier: GPL-2.0
/*
 * Misuse reports that a KUnit test expects (misuse.h).
 */
#include <linux/atomic.h>
#include <linux/printk.h>

#include <kasync/testing.h>
#include "compat.h"
#include "misuse.h"

static atomic_t kasync_misuse_expect = ATOMIC_INIT(0);
static atomic_t kasync_misuse_seen = ATOMIC_INIT(0);

/**
 * kasync_misuse_expected - is a misuse being reported expected by a test?
 * @fn: the kasync function that detected it
 *
 * If a test declared it expects misuse, logs one line, counts it and
 * returns true; kasync_misuse() then does not warn.
 *
 * Context: any.
 * Return: true if the misuse is expected.
 */
bool kasync_misuse_expected(const char *fn)
{
	if (!atomic_read(&kasync_misuse_expect))
		return false;
	atomic_inc(&kasync_misuse_seen);
	pr_info("kasync: %s(): misuse, expected by a test\n", fn);
	return true;
}

/**
 * kasync_report_expected - is a test expecting a detector's report?
 *
 * As kasync_misuse_expected(), for the detectors (detect.h): if a test
 * said so, the report is counted (kasync_test_misuse_seen()) and printed
 * as information, not as a warning.
 *
 * Return: true if a test expects it.
 */
bool kasync_report_expected(void)
{
	if (!atomic_read(&kasync_misuse_expect))
		return false;
	atomic_inc(&kasync_misuse_seen);
	return true;
}

/**
 * kasync_test_expect_misuse - a test is about to commit misuse on purpose
 * @on: true before, false after (calls nest)
 *
 * For kasync's KUnit suites only.  While any test expects misuse, every
 * misuse report is a counted line of log instead of a warning.
 */
void kasync_test_expect_misuse(bool on)
{
	if (on)
		atomic_inc(&kasync_misuse_expect);
	else
		atomic_dec(&kasync_misuse_expect);
}
EXPORT_SYMBOL_IF_KUNIT(kasync_test_expect_misuse);

/**
 * kasync_test_misuse_seen - misuse reports counted so far
 *
 * For kasync's KUnit suites only: compare before and after a misuse.
 *
 * Return: the number of expected misuse reports since kasync was loaded.
 */
unsigned int kasync_test_misuse_seen(void)
{
	return atomic_read(&kasync_misuse_seen);
}
EXPORT_SYMBOL_IF_KUNIT(kasync_test_misuse_seen);
