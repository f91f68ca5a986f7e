/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv virtual block devices (vbd): discovery, connection and the ring.
 *
 * The host attaches disks to a domain (sysfs, or the libvirt hook from the
 * domain XML); the guest finds them by index with PVHV_HC_VBD_INFO, grants
 * the backend 1..PVHV_VBD_MAX_RING_PAGES pages for a ring, allocates an
 * event channel port unbound for PVHV_DOMID_HOST and calls
 * PVHV_HC_VBD_CONNECT.  Requests then travel on the ring; data moves
 * directly between the backing store and the granted guest pages.
 *
 * vbd_info(index, gpa): write struct pvhv_vbd_info at gpa (within a page).
 *   -PVHV_ENOENT if there is no disk with that index.
 * vbd_connect(index, gpa): connect with the struct pvhv_vbd_connect at gpa.
 *   -PVHV_EBUSY if already connected.
 * vbd_disconnect(index): stop the backend after the requests in flight,
 *   unmap the ring and unbind the port.  Returns 0.
 */
#ifndef _UAPI_PVHV_BLKIF_H
#define _UAPI_PVHV_BLKIF_H

#include <linux/types.h>
#include <pvhv/ring.h>

#define PVHV_VBD_MAX_DISKS		16
#define PVHV_VBD_MAX_RING_PAGES		8
#define PVHV_BLK_SECTOR_SIZE		512
#define PVHV_BLK_MAX_SEGS		11	/* in the request itself */
#define PVHV_BLK_MAX_INDIRECT_SEGS	256	/* 1 MiB: one page of segments */

/* pvhv_vbd_info.flags */
#define PVHV_VBD_READONLY	(1U << 0)
#define PVHV_VBD_FLUSH		(1U << 1)	/* flush and FUA are honoured */
#define PVHV_VBD_DISCARD	(1U << 2)
#define PVHV_VBD_CONNECTED	(1U << 3)

struct pvhv_vbd_info {
	__u64 sectors;		/* size in 512-byte sectors */
	__u32 flags;		/* PVHV_VBD_* */
	__u32 max_ring_pages;	/* PVHV_VBD_MAX_RING_PAGES */
	__u32 max_segments;	/* per request: PVHV_BLK_MAX_SEGS */
	__u32 max_indirect_segs; /* PVHV_BLK_MAX_INDIRECT_SEGS; 0: none */
};

struct pvhv_vbd_connect {
	__u32 ring_ref[PVHV_VBD_MAX_RING_PAGES];	/* grants to the host */
	__u32 nr_ring_pages;	/* 1, 2, 4 or 8 */
	__u32 port;		/* event channel, unbound for the host */
};

/* Request operations. */
#define PVHV_BLK_OP_READ	0
#define PVHV_BLK_OP_WRITE	1
#define PVHV_BLK_OP_FLUSH	2	/* no segments */
#define PVHV_BLK_OP_DISCARD	3	/* sector, nr_sectors; no segments */

/* Request flags. */
#define PVHV_BLK_F_FUA		(1U << 0)	/* write: stable when answered */
#define PVHV_BLK_F_INDIRECT	(1U << 1)	/* read, write: see below */

/*
 * One segment: sectors first_sect..last_sect (inclusive, 0..7) of the
 * granted frame gref.  A request's segments are consecutive on the disk.
 */
struct pvhv_blk_seg {
	__u32 gref;
	__u8 first_sect;
	__u8 last_sect;
	__u16 pad;
};

/*
 * An indirect request (PVHV_BLK_F_INDIRECT) carries more data than fits in
 * a ring slot, as Xen's blkif indirect descriptors do: nr_segs is 1,
 * seg[0].gref grants (read-only is enough) a page that holds
 * nr_indirect_segs segments, 1..pvhv_vbd_info.max_indirect_segs, and the
 * other fields of seg[0] are 0.  The backend copies that page once before
 * it looks at it, so changing it after the request is pushed gains the
 * guest nothing.  nr_indirect_segs is 0 in every other request.
 */
struct pvhv_blk_req {
	__u8 op;		/* PVHV_BLK_OP_* */
	__u8 nr_segs;		/* read, write: 1..PVHV_BLK_MAX_SEGS */
	__u16 flags;		/* PVHV_BLK_F_* */
	__u16 nr_indirect_segs;	/* PVHV_BLK_F_INDIRECT only */
	__u16 pad;
	__u64 id;		/* echoed in the response */
	__u64 sector;		/* first sector on the disk */
	__u64 nr_sectors;	/* discard only */
	struct pvhv_blk_seg seg[PVHV_BLK_MAX_SEGS];
};

struct pvhv_blk_rsp {
	__u64 id;
	__u8 op;
	__u8 pad;
	__s16 status;		/* 0 or -PVHV_E* */
	__u32 pad2;
};

PVHV_RING_DEFINE(blk, struct pvhv_blk_req, struct pvhv_blk_rsp)

#endif /* _UAPI_PVHV_BLKIF_H */
