/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where pvhv deals with differences between the kernels it
 * supports (Debian's 6.1 and 6.12).  Everything else uses these helpers.
 * The PVHV_HAVE_* macros come from Kbuild, which looks for each API in the
 * kernel headers.
 */
#ifndef _PVHV_COMPAT_H
#define _PVHV_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>

/* 6.3 replaced user namespaces by idmaps in the inode operations. */
#ifdef PVHV_HAVE_MNT_IDMAP
#define pvhv_idmap		struct mnt_idmap
#define pvhv_nop_idmap		(&nop_mnt_idmap)
#else
#define pvhv_idmap		struct user_namespace
#define pvhv_nop_idmap		(&init_user_ns)
#endif

static inline void pvhv_vm_flags_set(struct vm_area_struct *vma,
				     vm_flags_t flags)
{
#ifdef PVHV_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* Set all timestamps of a new inode to now. */
static inline void pvhv_inode_init_ts(struct inode *inode)
{
#ifdef PVHV_HAVE_INODE_TS_HELPERS
	simple_inode_init_ts(inode);
#else
	inode->i_mtime = current_time(inode);
	inode->i_atime = inode->i_mtime;
	inode->i_ctime = inode->i_mtime;
#endif
}

/* A directory's entries changed: update its mtime and ctime. */
static inline void pvhv_inode_touch(struct inode *dir)
{
#ifdef PVHV_HAVE_INODE_TS_HELPERS
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
#else
	dir->i_mtime = current_time(dir);
	dir->i_ctime = dir->i_mtime;
#endif
}

#endif /* _PVHV_COMPAT_H */
