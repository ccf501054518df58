/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters with a range, for kasync and the modules built on it.
 * A value that is not a number ("12abc", ""), negative, or outside its
 * range is refused with -EINVAL and one line in the log naming the
 * parameter and its range, rather than being wrapped, clamped, or found
 * out when it is used (a port of 70000, a timeout that overflows, a task
 * count typed with one digit too many).  The check runs in the
 * parameter's set callback: when the kernel parses a load's arguments,
 * before the module's init runs, and on every write to
 * /sys/module/MODULE/parameters/NAME.  A refused value changes nothing.
 *
 *	static unsigned int tasks = 4;
 *	kasync_param(tasks, uint, 1, 1024, 0444);
 *	MODULE_PARM_DESC(tasks, "tasks receiving on the socket (1-1024)");
 *
 * Everything here is inline: the header costs a module nothing it does not
 * use, and needs no symbol from kasync.ko.
 */
#ifndef _KASYNC_PARAM_H
#define _KASYNC_PARAM_H

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/string.h>

/**
 * kasync_param_parse - read a module parameter's value, within a range
 * @val: the text given (NULL when the parameter was named bare)
 * @kp: the parameter, for its name in the log
 * @min: the smallest value accepted
 * @max: the largest
 * @v: where the value goes
 *
 * Reads @val as a number, decimal or 0x hex as the kernel's own uint
 * parameters do; a trailing newline (from ``echo``) is allowed.
 *
 * Return: 0 with *@v set, or -EINVAL with one line in the log naming the
 * parameter and @min..@max.
 */
static inline int kasync_param_parse(const char *val,
				     const struct kernel_param *kp,
				     unsigned long long min,
				     unsigned long long max,
				     unsigned long long *v)
{
	if (val && !kstrtoull(val, 0, v) && *v >= min && *v <= max)
		return 0;
	pr_err("%s: %s must be a number in %llu..%llu\n", KBUILD_MODNAME,
	       kp->name, min, max);
	return -EINVAL;
}

/**
 * kasync_param_named - a module parameter @name, stored in @var, in a range
 * @name: the parameter's name (modinfo, sysfs, ``MODULE.name=`` on the
 *	kernel command line)
 * @var: the variable: int, unsigned int or unsigned long, matching @type
 * @type: int, uint or ulong (as for module_param())
 * @min: the smallest value accepted (not negative)
 * @max: the largest
 * @perm: its permissions in sysfs
 *
 * A writable parameter (@perm 0644) is stored with WRITE_ONCE(), so code
 * that reads it with READ_ONCE() while it changes sees the old or the new
 * value, never a torn one.
 */
#define kasync_param_named(name, var, type, min, max, perm)		\
static int kasync_param_set_##name(const char *val,			\
				   const struct kernel_param *kp)	\
{									\
	unsigned long long v;						\
	int err = kasync_param_parse(val, kp, (min), (max), &v);	\
									\
	if (!err)							\
		WRITE_ONCE(*(typeof(var) *)kp->arg, v);			\
	return err;							\
}									\
static const struct kernel_param_ops kasync_param_ops_##name = {	\
	.set = kasync_param_set_##name,					\
	.get = param_get_##type,					\
};									\
param_check_##type(name, &(var));					\
module_param_cb(name, &kasync_param_ops_##name, &(var), perm)

/**
 * kasync_param - a module parameter of @type in @min..@max
 * @name: the variable, and the parameter's name
 * @type: int, uint or ulong (as for module_param())
 * @min: the smallest value accepted (not negative)
 * @max: the largest
 * @perm: its permissions in sysfs
 */
#define kasync_param(name, type, min, max, perm)			\
	kasync_param_named(name, name, type, min, max, perm)

/**
 * kasync_param_set_bool - set a bool module parameter from a whole word
 * @val: the text given (NULL when the parameter was named bare: true)
 * @kp: the parameter
 *
 * Takes y/n, 1/0, on/off, t/f, true/false or yes/no, in any case, with an
 * optional trailing newline.  The kernel's own bool parameter looks at the
 * first character only, so that "12abc" or "yess" would pass for true.
 *
 * Return: 0, or -EINVAL with one line in the log.
 */
static inline int kasync_param_set_bool(const char *val,
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
			WRITE_ONCE(*(bool *)kp->arg, i & 1);
			return 0;
		}
	}
	pr_err("%s: %s must be y/n, 1/0, on/off, true/false or yes/no\n",
	       KBUILD_MODNAME, kp->name);
	return -EINVAL;
}

static const struct kernel_param_ops kasync_param_bool_ops __maybe_unused = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = kasync_param_set_bool,
	.get = param_get_bool,
};

/**
 * kasync_param_bool_named - a bool module parameter @name, stored in @var,
 *	that takes only a whole word (kasync_param_set_bool())
 * @name: the parameter's name
 * @var: the variable, a bool
 * @perm: its permissions in sysfs
 */
#define kasync_param_bool_named(name, var, perm)			\
	module_param_cb(name, &kasync_param_bool_ops,			\
			(bool *)&(var) + BUILD_BUG_ON_ZERO(!__same_type(var, bool)), \
			perm)

/**
 * kasync_param_bool - a bool module parameter that takes only a whole word
 * @name: the variable, and the parameter's name
 * @perm: its permissions in sysfs
 */
#define kasync_param_bool(name, perm)					\
	kasync_param_bool_named(name, name, perm)

#endif /* _KASYNC_PARAM_H */
