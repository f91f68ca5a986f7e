/* SPDX-License-Identifier: GPL-2.0 */
/* Init and exit of pvhv's core parts, in the order main.c calls them. */
#ifndef _PVHV_CORE_H
#define _PVHV_CORE_H

struct kobject;
struct file;
struct pvhv_mem;

extern struct kobject *pvhv_kobj;	/* /sys/kernel/pvhv */

int pvhv_sysfs_init(void);
void pvhv_sysfs_exit(void);
/* Store a knob of 0..@max from a sysfs write of @buf: @count or -errno. */
ssize_t pvhv_sysfs_store_uint(const char *buf, size_t count,
			      unsigned int *knob, unsigned int max);

int pvhvfs_init(void);
void pvhvfs_exit(void);
/* The memory object behind @file, or NULL if it is not a pvhvfs file. */
struct pvhv_mem *pvhvfs_file_mem(struct file *file);

int pvhv_kvm_hook_init(void);
void pvhv_kvm_hook_exit(void);

#endif /* _PVHV_CORE_H */
