/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhvfs: the memory filesystem that holds pvhv guests' RAM.
 *
 * A regular file on pvhvfs is one memory object of a domain; the domain is
 * named after the file's directory.  The ioctls below act on such a file;
 * PVHV_IOC_FRAME_OP needs CAP_SYS_ADMIN.
 */
#ifndef _UAPI_PVHV_PVHVFS_H
#define _UAPI_PVHV_PVHVFS_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define PVHVFS_MAGIC		0x70766673	/* "pvfs" */

/* Frame operations on one page of a pvhvfs file, by file offset. */
enum pvhv_frame_op {
	/* Move the frame's contents to a new host page; the old page is freed. */
	PVHV_FRAME_RELOCATE = 1,
	/* Free the frame; the next access faults in a zeroed page. */
	PVHV_FRAME_DISCARD = 2,
};

struct pvhv_frame_op_args {
	__u64 offset;	/* byte offset in the file, page aligned */
	__u32 op;	/* enum pvhv_frame_op */
	__u32 flags;	/* must be 0 */
};

/* Memory statistics of one pvhvfs file. */
struct pvhv_file_info {
	__u64 size;		/* i_size in bytes */
	__u64 frames;		/* host pages currently backing the file */
	__u64 domain_id;	/* id of the owning domain */
};

#define PVHV_IOC_MAGIC		0xb7
#define PVHV_IOC_FRAME_OP	_IOW(PVHV_IOC_MAGIC, 0x01, struct pvhv_frame_op_args)
#define PVHV_IOC_FILE_INFO	_IOR(PVHV_IOC_MAGIC, 0x02, struct pvhv_file_info)

#endif /* _UAPI_PVHV_PVHVFS_H */
