/* SPDX-License-Identifier: GPL-2.0 */
/* Init and exit of pvhv's core parts, in the order main.c calls them. */
#ifndef _PVHV_CORE_H
#define _PVHV_CORE_H

#include <linux/kobject.h>

struct file;
struct pvhv_mem;

extern struct kobject *pvhv_kobj;	/* /sys/kernel/pvhv */

int pvhv_sysfs_init(void);
void pvhv_sysfs_exit(void);

/*
 * A read-write sysfs file for an unsigned int knob of 0..max; a write of
 * more fails with -ERANGE.  PVHV_UINT_ATTR(name, knob, max) defines
 * pvhv_uint_attr_<name>, whose .kattr.attr goes into an attribute list.
 */
struct pvhv_uint_attr {
	struct kobj_attribute kattr;
	unsigned int *knob;
	unsigned int max;
};

ssize_t pvhv_uint_attr_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf);
ssize_t pvhv_uint_attr_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t count);

#define PVHV_UINT_ATTR(_name, _knob, _max)				\
	struct pvhv_uint_attr pvhv_uint_attr_##_name = {		\
		.kattr = __ATTR(_name, 0644, pvhv_uint_attr_show,	\
				pvhv_uint_attr_store),			\
		.knob = &(_knob),					\
		.max = (_max),						\
	}

int pvhvfs_init(void);
void pvhvfs_exit(void);
/* The memory object behind @file, or NULL if it is not a pvhvfs file. */
struct pvhv_mem *pvhvfs_file_mem(struct file *file);

int pvhv_kvm_hook_init(void);
void pvhv_kvm_hook_exit(void);

#endif /* _PVHV_CORE_H */
