/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Misuse reports.  A caller's programming error that kasync can detect (a
 * handle consumed twice, a call from the wrong context, unknown flags, an
 * await object in use by another await) is reported where it happens:
 * WARN_ONCE() per call site, so the backtrace names the offending caller,
 * and then the call returns its error.  Pointers the caller must supply
 * are not checked for NULL, as kernel APIs do not: the oops names the
 * caller just as well.
 *
 * A KUnit test that commits a misuse on purpose says so first
 * (kasync_test_expect_misuse(), through kt_expect_misuse() in the suites'
 * helpers): the report is then a line of log counted for the test to
 * check, not a warning, so that the test kernel's splat check keeps
 * meaning "something went wrong".
 */
#ifndef _KASYNC_MISUSE_H
#define _KASYNC_MISUSE_H

#include <linux/bug.h>
#include <linux/compiler.h>

bool kasync_misuse_expected(const char *fn);
bool kasync_report_expected(void);

/**
 * kasync_misuse - report a caller's programming error at the call site
 * @cond: the misuse, as a condition
 * @fmt: what was wrong, printk format (no newline)
 *
 * Return: @cond (true: the caller returns its error).
 */
#define kasync_misuse(cond, fmt, ...)					\
	__kasync_misuse(cond, __func__, fmt, ##__VA_ARGS__)

/*
 * kasync_misuse() from a helper shared by several API functions: @fn is
 * the API function's name, passed down by it.
 */
#define __kasync_misuse(cond, fn, fmt, ...)				\
({									\
	bool __km = !!(cond);						\
	const char *__kf = (fn);					\
									\
	if (unlikely(__km) && !kasync_misuse_expected(__kf))		\
		WARN_ONCE(1, "kasync: %s(): " fmt "\n", __kf,		\
			  ##__VA_ARGS__);				\
	unlikely(__km);							\
})

#endif /* _KASYNC_MISUSE_H */
