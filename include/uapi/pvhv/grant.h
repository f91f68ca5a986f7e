/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv grant tables.
 *
 * A domain's grant table is an array of struct pvhv_grant_entry in frames
 * of its own memory, registered with PVHV_HC_GNTTAB_SETUP.  Entry ref grants
 * the guest frame gfn to domain domid (another domain, or PVHV_DOMID_HOST
 * for a host backend) when flags has PVHV_GTF_PERMIT_ACCESS, read-only when
 * it also has PVHV_GTF_READONLY.
 *
 * The guest fills an entry by writing gfn and domid first and flags last
 * (with a write barrier between).  pvhv reads an entry once per use and
 * never trusts it again: a mapping keeps the frame it found, and the frame
 * cannot be removed (ballooned, relocated, shared) while mapped.  To take a
 * grant back, the guest calls PVHV_HC_GNTTAB_END_ACCESS, which fails with
 * -PVHV_EBUSY while the grant is mapped.
 */
#ifndef _UAPI_PVHV_GRANT_H
#define _UAPI_PVHV_GRANT_H

#include <linux/types.h>

struct pvhv_grant_entry {
	__u16 flags;		/* PVHV_GTF_* */
	__u16 pad;		/* must be zero */
	__u32 domid;		/* the domain allowed to use the grant */
	__u64 gfn;		/* the granted frame of the granting domain */
};

#define PVHV_GTF_PERMIT_ACCESS	(1U << 0)
#define PVHV_GTF_READONLY	(1U << 1)
#define PVHV_GTF_ALL		(PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY)

#define PVHV_GNTTAB_MAX_FRAMES	16
#define PVHV_GRANTS_PER_FRAME	(4096 / sizeof(struct pvhv_grant_entry))

/*
 * One side of a grant copy: either a grant reference of domain domid
 * (PVHV_GNTCOPY_*_GREF set) or a frame number of the caller's own memory.
 */
struct pvhv_gnttab_copy_ptr {
	__u64 ref_or_gfn;
	__u32 domid;		/* granting domain when ref_or_gfn is a ref */
	__u16 offset;		/* byte offset in the frame */
	__u16 pad;		/* must be zero */
};

struct pvhv_gnttab_copy {
	struct pvhv_gnttab_copy_ptr src;
	struct pvhv_gnttab_copy_ptr dst;
	__u16 len;		/* 1..4096; offset + len must stay in the frame */
	__u16 flags;		/* PVHV_GNTCOPY_* */
	__s32 status;		/* out: 0 or -PVHV_E* */
};

#define PVHV_GNTCOPY_SRC_GREF	(1U << 0)
#define PVHV_GNTCOPY_DST_GREF	(1U << 1)
#define PVHV_GNTCOPY_ALL	(PVHV_GNTCOPY_SRC_GREF | PVHV_GNTCOPY_DST_GREF)

/* Operations in one PVHV_HC_GNTTAB_COPY: as many as fit in a page. */
#define PVHV_GNTTAB_COPY_MAX	(4096 / sizeof(struct pvhv_gnttab_copy))

#endif /* _UAPI_PVHV_GRANT_H */
