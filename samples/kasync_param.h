/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters with a range, for kasync's samples.  A value that is
 * not a number ("12abc", ""), negative, or outside its range fails the
 * load with -EINVAL and one line in the log naming the parameter and its
 * range, rather than being wrapped, clamped, or found out when it is used
 * (a port of 70000, a timeout that overflows, a task count typed with one
 * digit too many).  The range is checked by the parameter's set callback,
 * when the kernel parses the load's arguments: before the module's init
 * runs, so a refused value leaves nothing behind.
 *
 *	static unsigned int tasks = 4;
 *	ksample_param(tasks, uint, 1, 1024, 0444);
 *	MODULE_PARM_DESC(tasks, "tasks receiving on the socket (1-1024)");
 */
#ifndef _KASYNC_SAMPLE_PARAM_H
#define _KASYNC_SAMPLE_PARAM_H

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/string.h>

/*
 * @val as a number (decimal, or 0x hex, as the kernel's own uint
 * parameters) in @min..@max into *@v.  Return: 0, or -EINVAL, logged.
 */
static inline int ksample_parse(const char *val, const struct kernel_param *kp,
				unsigned long long min, unsigned long long max,
				unsigned long long *v)
{
	if (val && !kstrtoull(val, 0, v) && *v >= min && *v <= max)
		return 0;
	pr_err("%s: %s must be a number in %llu..%llu\n", KBUILD_MODNAME,
	       kp->name, min, max);
	return -EINVAL;
}

/**
 * ksample_param - a module parameter of @type in @min..@max
 * @name: the variable, and the parameter's name
 * @type: int, uint or ulong (as for module_param())
 * @min: the smallest value accepted (not negative)
 * @max: the largest
 * @perm: its permissions in sysfs
 */
#define ksample_param(name, type, min, max, perm)			\
static int ksample_set_##name(const char *val,				\
			      const struct kernel_param *kp)		\
{									\
	unsigned long long v;						\
	int err = ksample_parse(val, kp, (min), (max), &v);		\
									\
	if (!err)							\
		*(typeof(name) *)kp->arg = v;				\
	return err;							\
}									\
static const struct kernel_param_ops ksample_ops_##name = {		\
	.set = ksample_set_##name,					\
	.get = param_get_##type,					\
};									\
param_check_##type(name, &(name));					\
module_param_cb(name, &ksample_ops_##name, &(name), perm)

/*
 * A bool parameter that takes only a whole word: y/n, 1/0, on/off, t/f,
 * true/false, yes/no (any case), or nothing (the bare name: true).  The
 * kernel's own bool parameter looks at the first character only, so that
 * "12abc" or "yess" would pass for true.
 */
static inline int ksample_set_bool(const char *val,
				   const struct kernel_param *kp)
{
	static const char *const words[] = {
		"n", "y", "0", "1", "off", "on", "f", "t", "false", "true",
		"no", "yes",
	};
	size_t n, i;

	if (!val)
		val = "1";
	n = strlen(val);
	if (n && val[n - 1] == '\n')
		n--;
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (n == strlen(words[i]) && !strncasecmp(val, words[i], n)) {
			*(bool *)kp->arg = i & 1;
			return 0;
		}
	}
	pr_err("%s: %s must be y/n, 1/0, on/off, true/false or yes/no\n",
	       KBUILD_MODNAME, kp->name);
	return -EINVAL;
}

static const struct kernel_param_ops ksample_bool_ops __maybe_unused = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = ksample_set_bool,
	.get = param_get_bool,
};

/* A bool parameter that takes only a whole word (ksample_set_bool()). */
#define ksample_param_bool(name, perm)					\
	module_param_cb(name, &ksample_bool_ops, &(name), perm)

#endif /* _KASYNC_SAMPLE_PARAM_H */
