/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest frames: the P2M of one pvhvfs file.
 *
 * Every regular pvhvfs file is a memory object.  Its P2M maps a page offset in
 * the file (a guest frame number relative to the start of the file) to the
 * host page that backs it.  Pages are allocated on first touch, are not part
 * of any page cache, and are mapped into user space with vm_insert_page() so
 * that get_user_pages(), and therefore KVM, see ordinary refcounted pages.
 *
 * Locking: the file's mapping->invalidate_lock.  The fault path takes it
 * shared; anything that removes or replaces a frame takes it exclusive, unmaps
 * the old page from every process (which also zaps KVM's stage-2 entries
 * through the MMU notifiers) and only then drops its reference.
 */
#ifndef _PVHV_FRAMES_H
#define _PVHV_FRAMES_H

#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>

struct pvhv_domain;
struct pvhv_shared_frame;
struct inode;
struct vm_fault;

struct pvhv_mem {
	struct xarray p2m;		/* pgoff -> struct page * */
	atomic_long_t frames;		/* entries in p2m */
	struct pvhv_domain *dom;	/* owner; holds a reference */
	struct inode *inode;		/* the file */
	u32 id;				/* in the registry; 0: not there */
	struct xarray pins;		/* pgoff -> xa_mk_value(pin count) */
	/*
	 * pgoff -> our own page parked while another domain's frame is in
	 * the P2M (a grant mapped into our guest-physical space), or
	 * xa_mk_value(0) if we had none there.
	 */
	struct xarray foreign;
	/* pgoff -> xa_mk_value(1): handed back by the balloon (no page). */
	struct xarray ballooned;
	/*
	 * pgoff -> xa_mk_value(1): granted by the domain's grant table when
	 * ksm-hint last looked (pvhv_gnttab_mark_granted()); never shared.
	 * The scanner's alone, under pvhv_ksm_scan_lock.
	 */
	struct xarray granted;
};

/*
 * A frame the host holds on to (event channel page, grant table frame,
 * mapped grant).  The pin owns a page reference and an inode reference; a
 * pinned frame cannot be relocated or discarded (-EBUSY).  If the file is
 * truncated meanwhile, the holder keeps the orphaned page until it unpins.
 */
struct pvhv_frame_pin {
	struct inode *inode;
	struct pvhv_mem *mem;
	pgoff_t idx;
	struct page *page;
};

/* 0, or -ENOMEM (nothing to undo) */
int pvhv_mem_init(struct pvhv_mem *mem, struct pvhv_domain *dom,
		  struct inode *inode);
/* Free every frame; no mapping of the file may exist any more. */
void pvhv_mem_destroy(struct pvhv_mem *mem);

vm_fault_t pvhv_mem_fault(struct vm_fault *vmf, struct pvhv_mem *mem);
/* A write to a frame mapped read-only: copy on write if it is shared. */
vm_fault_t pvhv_mem_mkwrite(struct vm_fault *vmf, struct pvhv_mem *mem);
/* Free the frames at and beyond @from (pages); caller holds invalidate_lock. */
void pvhv_mem_truncate(struct inode *inode, struct pvhv_mem *mem, pgoff_t from);
int pvhv_mem_relocate(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx);
int pvhv_mem_discard(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx);

/*
 * Put @page, a frame of another domain the caller holds pinned, in place of
 * frame @idx (kept aside) until pvhv_mem_drop_foreign().  Sleeps.  Returns
 * 0, -EFAULT beyond the end of the file, -EBUSY if frame @idx is pinned or
 * already foreign, or -ENOMEM.
 */
int pvhv_mem_put_foreign(struct inode *inode, struct pvhv_mem *mem,
			 pgoff_t idx, struct page *page);
/* Give frame @idx back its own page; -ENOENT if it was not foreign. */
int pvhv_mem_drop_foreign(struct inode *inode, struct pvhv_mem *mem,
			  pgoff_t idx);

/*
 * Pin frame @idx of @inode's memory, allocating it if need be.  Sleeps.
 * Returns 0, -EFAULT beyond the end of the file, -EPERM if the frame is
 * another domain's (foreign), or -ENOMEM.
 */
int pvhv_mem_pin(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx,
		 struct pvhv_frame_pin *pin);
/* Undo pvhv_mem_pin(); process context.  An empty pin is ignored. */
void pvhv_mem_unpin(struct pvhv_frame_pin *pin);

/*
 * The balloon.  A ballooned frame has no page; touching it takes it back
 * if the domain's reservation allows (pvhv_domain_reserve()), else the
 * access fails (SIGBUS for a mapping, -EFAULT for a pin).
 *
 * pvhv_mem_balloon_check(): could frame @idx be ballooned (@in false) or
 * populated (@in true)?  0, -EFAULT beyond the end of the file, -EPERM
 * another domain's frame, -EBUSY pinned, -ENOENT already ballooned,
 * -EEXIST not ballooned.  A hint only: the state may change at once.
 *
 * pvhv_mem_balloon_out() / _in(): balloon, or populate, frames @idx[0..n)
 * in order, stopping at the first one that fails the check (or, for _in,
 * once the reservation would exceed @limit pages, or on -ENOMEM).
 * Sleep.  Return how many were done.
 */
int pvhv_mem_balloon_check(struct inode *inode, struct pvhv_mem *mem,
			   pgoff_t idx, bool in);
long pvhv_mem_balloon_out(struct inode *inode, struct pvhv_mem *mem,
			  const pgoff_t *idx, unsigned int n);
long pvhv_mem_balloon_in(struct inode *inode, struct pvhv_mem *mem,
			 const pgoff_t *idx, unsigned int n, long limit);

/*
 * Page trade (ring/netback_rx.c): @page, with a reference the P2M takes
 * over, replaces the page of frame @pin->idx, which the caller alone
 * pins; @pin then holds @page and the old page goes once unmapped.
 * Sleeps.  0, or -EBUSY if anyone else holds the frame.
 */
int pvhv_mem_trade(struct pvhv_frame_pin *pin, struct page *page);

/* Frames ballooned, all domains. */
long pvhv_frames_ballooned_global(void);

/* Frames pinned by the host, all domains. */
long pvhv_frames_pinned_global(void);

/* Frames held by all pvhvfs files of all domains. */
long pvhv_frames_global(void);

/*
 * Shared frames (frames_share.c; ksm-hint/ decides what to merge).
 *
 * pvhv_mem_get_next(): the registered memory file with the lowest id at or
 * above *@id, with an inode reference in *@inode; NULL if none.
 *
 * pvhv_mem_scan_get(): the first frame at or above *@idx that is present,
 * not held (pinned or foreign) and not granted (@mem->granted), with a
 * page reference, its index in
 * *@idx and, if it is shared, its shared frame with a reference in *@sf.
 * NULL at the end of the file.
 *
 * pvhv_mem_merge(): make frame @idx, whose page was @page, map @sf's page
 * instead if their contents are equal.  0, -EAGAIN (the frame changed or
 * is shared already), -EBUSY (held or in use), -ESTALE (contents differ).
 *
 * pvhv_mem_merge_batch(): pvhv_mem_merge() for each of @m[0..n), frames
 * of one file in ascending order, each result in @m[i].ret; one lock and
 * one unmap per run of consecutive frames.
 *
 * pvhv_mem_share(): turn frame @idx's own @page into a new shared frame
 * if its content hash is still *@hash (else -ESTALE, the new hash in
 * *@hash), with a reference.  ERR_PTR otherwise: as pvhv_mem_merge(), or
 * what pvhv_ksm_create() fails with.
 *
 * pvhv_mem_unshare() / _all(): give frame @idx (every frame of the file) a
 * private page again.  0 / frames unshared, or -ENOMEM.
 */
struct pvhv_merge {
	pgoff_t idx;
	struct page *page;		/* the frame's page, referenced */
	struct pvhv_shared_frame *sf;	/* to merge into, referenced */
	int ret;
};

struct pvhv_mem *pvhv_mem_get_next(u32 *id, struct inode **inode);
struct page *pvhv_mem_scan_get(struct inode *inode, struct pvhv_mem *mem,
			       pgoff_t *idx, struct pvhv_shared_frame **sf);
int pvhv_mem_merge(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx,
		   struct page *page, struct pvhv_shared_frame *sf);
void pvhv_mem_merge_batch(struct inode *inode, struct pvhv_mem *mem,
			  struct pvhv_merge *m, unsigned int n);
struct pvhv_shared_frame *pvhv_mem_share(struct inode *inode,
					 struct pvhv_mem *mem, pgoff_t idx,
					 struct page *page, u64 *hash,
					 bool zero);
int pvhv_mem_unshare(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx);
long pvhv_mem_unshare_all(struct inode *inode, struct pvhv_mem *mem);

/* Do two pages hold the same bytes? */
bool pvhv_pages_same(struct page *a, struct page *b);

/* Between frames.c and frames_share.c. */
int pvhv_mem_register(struct pvhv_mem *mem);
void pvhv_mem_unregister(struct pvhv_mem *mem);
bool pvhv_mem_frame_held(struct pvhv_mem *mem, pgoff_t idx);
void pvhv_mem_unmap(struct inode *inode, pgoff_t idx, pgoff_t n);
/* Drop the P2M's reference on its own page @page (shared or not). */
void pvhv_mem_put_own(struct pvhv_mem *mem, struct page *page);
/* Exclusive invalidate_lock held. */
int pvhv_mem_unshare_frame_locked(struct inode *inode, struct pvhv_mem *mem,
				  pgoff_t idx);

#endif /* _PVHV_FRAMES_H */
