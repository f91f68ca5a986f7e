// SPDX-License-Identifier: GPL-2.0
/*
 * Shared frames in the P2M: write protecting a frame, merging it into a
 * shared page, and copy on write.  ksm-hint/ decides what to merge; this
 * file keeps the P2M consistent while it does.
 *
 * Write protection: every pvhvfs mapping has a page_mkwrite handler, so
 * the core maps every frame read-only first and asks before making it
 * writable; KVM follows the PTE's write bit into its own page tables.  A
 * frame is merged under the exclusive invalidate_lock after its mappings
 * are zapped (which also zaps KVM's) and only if nothing else holds its
 * page: no pin, no get_user_pages() in flight, no page_mkwrite in flight.
 * From then on no one can write it without coming through
 * pvhv_mem_mkwrite(), which gives the writer a private copy.
 *
 * The host never writes a shared page through a kernel mapping: pinning a
 * frame (event channel pages, grant mappings) unshares it first, and a
 * pinned frame is never merged.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/xarray.h>

#include "frames.h"
#include "domain.h"
#include "../ksm-hint/ksm.h"

/* ---- the registry of memory files, for the scanner ---- */

static DEFINE_XARRAY_ALLOC1(pvhv_mems);
static u32 pvhv_mems_next;

int pvhv_mem_register(struct pvhv_mem *mem)
{
	int ret;

	ret = xa_alloc_cyclic(&pvhv_mems, &mem->id, mem, xa_limit_32b,
			      &pvhv_mems_next, GFP_KERNEL);
	return ret < 0 ? ret : 0;
}

void pvhv_mem_unregister(struct pvhv_mem *mem)
{
	if (mem->id)
		xa_erase(&pvhv_mems, mem->id);
}

struct pvhv_mem *pvhv_mem_get_next(u32 *id, struct inode **inode)
{
	unsigned long index = *id;
	struct pvhv_mem *mem;

	/* pvhvfs inodes are freed after an RCU grace period. */
	rcu_read_lock();
	xa_for_each_start(&pvhv_mems, index, mem, *id) {
		if (igrab(mem->inode)) {
			*id = index;
			*inode = mem->inode;
			rcu_read_unlock();
			return mem;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/* ---- dropping a frame ---- */

void pvhv_mem_put_own(struct pvhv_mem *mem, struct page *page)
{
	struct pvhv_shared_frame *sf = pvhv_page_shared(page);

	if (sf)
		pvhv_ksm_del_sharer(sf, mem->dom);
	put_page(page);
}

/* ---- scanning and merging ---- */

/* Never shared: held (pinned, foreign) or granted at the scanner's last look. */
static bool pvhv_mem_frame_unshareable(struct pvhv_mem *mem, pgoff_t idx)
{
	return pvhv_mem_frame_held(mem, idx) || xa_load(&mem->granted, idx);
}

struct page *pvhv_mem_scan_get(struct inode *inode, struct pvhv_mem *mem,
			       pgoff_t *idx, struct pvhv_shared_frame **sf)
{
	unsigned long i = *idx;
	struct page *page;

	*sf = NULL;
	filemap_invalidate_lock_shared(inode->i_mapping);
	xa_for_each_start(&mem->p2m, i, page, *idx) {
		if (pvhv_mem_frame_unshareable(mem, i))
			continue;
		get_page(page);
		/* Valid while the frame is in the P2M, i.e. under the lock. */
		*sf = pvhv_page_shared(page);
		if (*sf)
			refcount_inc(&(*sf)->ref);
		*idx = i;
		filemap_invalidate_unlock_shared(inode->i_mapping);
		return page;
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return NULL;
}

/*
 * Exclusive invalidate_lock held: is @page still frame @idx, private and
 * not held?  0, -EAGAIN or -EBUSY.
 */
static int pvhv_mem_frame_mergeable(struct pvhv_mem *mem, pgoff_t idx,
				    struct page *page)
{
	if (xa_load(&mem->p2m, idx) != page || pvhv_page_shared(page))
		return -EAGAIN;
	if (pvhv_mem_frame_unshareable(mem, idx))
		return -EBUSY;
	return 0;
}

/*
 * After pvhv_mem_frame_mergeable() and an unmap of the frame: nothing can
 * write @page now unless someone else holds a reference (a pin, a
 * get_user_pages() in flight, a page_mkwrite in progress); only the P2M
 * and the caller may.
 */
static int pvhv_mem_frame_quiet(struct page *page)
{
	return page_ref_count(page) == 2 ? 0 : -EBUSY;
}

/* Both of the above, for one frame, with its own unmap. */
static int pvhv_mem_wrprotect(struct inode *inode, struct pvhv_mem *mem,
			      pgoff_t idx, struct page *page)
{
	int ret = pvhv_mem_frame_mergeable(mem, idx, page);

	if (ret)
		return ret;
	pvhv_mem_unmap(inode, idx, 1);
	return pvhv_mem_frame_quiet(page);
}

static bool pvhv_page_zero(struct page *page)
{
	void *va = kmap_local_page(page);
	bool zero = !memchr_inv(va, 0, PAGE_SIZE);

	kunmap_local(va);
	return zero;
}

bool pvhv_pages_same(struct page *a, struct page *b)
{
	void *va = kmap_local_page(a);
	void *vb = kmap_local_page(b);
	bool same = !memcmp(va, vb, PAGE_SIZE);

	kunmap_local(vb);
	kunmap_local(va);
	return same;
}

/* Frame @m->idx, write protected, maps @m->sf's page if they are equal. */
static int pvhv_mem_merge_one(struct pvhv_mem *mem, struct pvhv_merge *m)
{
	int ret = pvhv_mem_frame_quiet(m->page);

	if (ret)
		return ret;
	if (!pvhv_pages_same(m->page, m->sf->page))
		return -ESTALE;
	if (!pvhv_ksm_add_sharer(m->sf, mem->dom))
		return -EAGAIN;
	get_page(m->sf->page);
	xa_store(&mem->p2m, m->idx, m->sf->page, GFP_KERNEL); /* no allocation */
	put_page(m->page);
	return 0;
}

void pvhv_mem_merge_batch(struct inode *inode, struct pvhv_mem *mem,
			  struct pvhv_merge *m, unsigned int n)
{
	unsigned int i, j;

	filemap_invalidate_lock(inode->i_mapping);
	for (i = 0; i < n; i++)
		m[i].ret = pvhv_mem_frame_mergeable(mem, m[i].idx, m[i].page);
	/*
	 * One unmap per run of consecutive frames: one TLB flush for the
	 * VMM's page tables and one for KVM's, instead of one a frame.
	 */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !m[i].ret && !m[j].ret &&
		     m[j].idx == m[j - 1].idx + 1; j++)
			;
		if (!m[i].ret)
			pvhv_mem_unmap(inode, m[i].idx, m[j - 1].idx - m[i].idx + 1);
	}
	for (i = 0; i < n; i++)
		if (!m[i].ret)
			m[i].ret = pvhv_mem_merge_one(mem, &m[i]);
	filemap_invalidate_unlock(inode->i_mapping);
}

int pvhv_mem_merge(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx,
		   struct page *page, struct pvhv_shared_frame *sf)
{
	struct pvhv_merge m = { .idx = idx, .page = page, .sf = sf };

	pvhv_mem_merge_batch(inode, mem, &m, 1);
	return m.ret;
}

struct pvhv_shared_frame *pvhv_mem_share(struct inode *inode,
					 struct pvhv_mem *mem, pgoff_t idx,
					 struct page *page, u64 *hash,
					 bool zero)
{
	struct pvhv_shared_frame *sf;
	u64 now;
	int ret;

	filemap_invalidate_lock(inode->i_mapping);
	ret = pvhv_mem_wrprotect(inode, mem, idx, page);
	if (ret) {
		sf = ERR_PTR(ret);
		goto out;
	}
	now = pvhv_ksm_hash(page);
	if (now != *hash) {
		*hash = now;
		sf = ERR_PTR(-ESTALE);
		goto out;
	}
	sf = pvhv_ksm_create(page, now, zero && pvhv_page_zero(page), mem->dom);
out:
	filemap_invalidate_unlock(inode->i_mapping);
	return sf;
}

/* ---- unsharing ---- */

/*
 * Exclusive invalidate_lock held; @page is frame @idx and shared (@sf).
 * Give the frame a private page: the shared one itself if no other frame
 * maps it, else a copy.  0 or -ENOMEM.
 */
static int pvhv_mem_unshare_locked(struct inode *inode, struct pvhv_mem *mem,
				   pgoff_t idx, struct page *page,
				   struct pvhv_shared_frame *sf, bool cow)
{
	struct pvhv_domain *dom = mem->dom;
	struct page *new = NULL;

	if (pvhv_ksm_take_last(sf, dom)) {
		if (cow)
			atomic_long_inc(&pvhv_ksm_stats.cow_reuses);
		return 0;
	}
	if (!atomic_add_unless(&pvhv_ksm_fail_cow, -1, 0))
		new = alloc_page(GFP_HIGHUSER | __GFP_RETRY_MAYFAIL |
				 __GFP_NOWARN);
	if (!new) {
		atomic_long_inc(&pvhv_ksm_stats.cow_failures);
		atomic_long_inc(&dom->ksm_cow_failures);
		return -ENOMEM;
	}
	copy_highpage(new, page);
	pvhv_mem_unmap(inode, idx, 1);
	xa_store(&mem->p2m, idx, new, GFP_KERNEL);	/* no allocation */
	pvhv_mem_put_own(mem, page);
	if (cow) {
		atomic_long_inc(&pvhv_ksm_stats.cow_breaks);
		atomic_long_inc(&dom->ksm_cow_breaks);
	} else {
		atomic_long_inc(&pvhv_ksm_stats.unshared);
	}
	return 0;
}

int pvhv_mem_unshare_frame_locked(struct inode *inode, struct pvhv_mem *mem,
				  pgoff_t idx)
{
	struct page *page = xa_load(&mem->p2m, idx);
	struct pvhv_shared_frame *sf;

	lockdep_assert_held_write(&inode->i_mapping->invalidate_lock);
	if (!page || xa_load(&mem->foreign, idx))
		return 0;
	sf = pvhv_page_shared(page);
	if (!sf)
		return 0;
	return pvhv_mem_unshare_locked(inode, mem, idx, page, sf, false);
}

int pvhv_mem_unshare(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx)
{
	int ret;

	filemap_invalidate_lock(inode->i_mapping);
	ret = pvhv_mem_unshare_frame_locked(inode, mem, idx);
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

long pvhv_mem_unshare_all(struct inode *inode, struct pvhv_mem *mem)
{
	struct page *page;
	unsigned long idx;
	long n = 0;
	int ret = 0;

	filemap_invalidate_lock(inode->i_mapping);
	xa_for_each(&mem->p2m, idx, page) {
		if (!pvhv_page_shared(page) || xa_load(&mem->foreign, idx))
			continue;
		ret = pvhv_mem_unshare_frame_locked(inode, mem, idx);
		if (ret)
			break;
		n++;
		if (need_resched()) {
			filemap_invalidate_unlock(inode->i_mapping);
			cond_resched();
			filemap_invalidate_lock(inode->i_mapping);
		}
	}
	filemap_invalidate_unlock(inode->i_mapping);
	return ret ?: n;
}

vm_fault_t pvhv_mem_mkwrite(struct vm_fault *vmf, struct pvhv_mem *mem)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct page *page = vmf->page;
	struct pvhv_shared_frame *sf;
	vm_fault_t ret = VM_FAULT_NOPAGE;

	/*
	 * A page becomes shared only while nothing maps it, and this PTE
	 * was set up after that (see pvhv_mem_wrprotect()), so a private
	 * page seen here stays private: the write may go ahead.
	 */
	if (!pvhv_page_shared(page)) {
		lock_page(page);
		return VM_FAULT_LOCKED;
	}

	filemap_invalidate_lock(inode->i_mapping);
	sf = pvhv_page_shared(page);
	/* Unless the frame changed meanwhile (then the write just retries) */
	if (xa_load(&mem->p2m, vmf->pgoff) == page && sf &&
	    !xa_load(&mem->foreign, vmf->pgoff)) {
		if (pvhv_mem_unshare_locked(inode, mem, vmf->pgoff, page, sf,
					    true))
			ret = VM_FAULT_SIGBUS;
		else
			/*
			 * Map the private page here and now (read-only, as
			 * every frame): the retried write then only needs
			 * this handler's fast path, not a fault first.
			 */
			vm_insert_page(vmf->vma, vmf->address,
				       xa_load(&mem->p2m, vmf->pgoff));
	}
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}
