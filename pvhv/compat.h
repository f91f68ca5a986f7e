/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where pvhv deals with differences between the kernels it
 * supports (Debian's 6.1 and 6.12).  Everything else uses these helpers.
 */
#ifndef _PVHV_COMPAT_H
#define _PVHV_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/mm.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
/* 6.3 replaced user namespaces by idmaps in the inode operations. */
typedef struct mnt_idmap pvhv_idmap_t;
#define pvhv_nop_idmap		(&nop_mnt_idmap)
#else
typedef struct user_namespace pvhv_idmap_t;
#define pvhv_nop_idmap		(&init_user_ns)
#endif

static inline void pvhv_vm_flags_set(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* Set all timestamps of a new inode to now. */
static inline void pvhv_inode_init_ts(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	simple_inode_init_ts(inode);
#else
	inode->i_atime = inode->i_mtime = inode->i_ctime = current_time(inode);
#endif
}

/* A directory's entries changed: update its mtime and ctime. */
static inline void pvhv_inode_touch(struct inode *dir)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
#else
	dir->i_mtime = dir->i_ctime = current_time(dir);
#endif
}

#endif /* _PVHV_COMPAT_H */
