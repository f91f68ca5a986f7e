// SPDX-License-Identifier: GPL-2.0
/*
 * The P2M of a pvhvfs memory file: allocation on fault, and the operations
 * that remove or replace a frame under a running guest.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/xarray.h>

#include "frames.h"
#include "domain.h"
#include "../ksm-hint/ksm.h"

static atomic_long_t pvhv_frames_total = ATOMIC_LONG_INIT(0);
static atomic_long_t pvhv_frames_pinned = ATOMIC_LONG_INIT(0);
static atomic_long_t pvhv_frames_ballooned = ATOMIC_LONG_INIT(0);

long pvhv_frames_ballooned_global(void)
{
	return atomic_long_read(&pvhv_frames_ballooned);
}

long pvhv_frames_pinned_global(void)
{
	return atomic_long_read(&pvhv_frames_pinned);
}

long pvhv_frames_global(void)
{
	return atomic_long_read(&pvhv_frames_total);
}

static void pvhv_frames_account(struct pvhv_mem *mem, long delta)
{
	atomic_long_add(delta, &mem->frames);
	atomic_long_add(delta, &mem->dom->frames);
	atomic_long_add(delta, &pvhv_frames_total);
}

int pvhv_mem_init(struct pvhv_mem *mem, struct pvhv_domain *dom,
		  struct inode *inode)
{
	xa_init(&mem->p2m);
	xa_init(&mem->pins);
	xa_init(&mem->foreign);
	xa_init(&mem->ballooned);
	xa_init(&mem->granted);
	atomic_long_set(&mem->frames, 0);
	mem->dom = dom;
	mem->inode = inode;
	mem->id = 0;
	return pvhv_mem_register(mem);
}

/*
 * @page is the P2M entry at @idx.  If it is a foreign frame, drop our
 * reference on it and return our own parked page instead (or NULL).
 */
static struct page *pvhv_mem_unpark(struct pvhv_mem *mem, pgoff_t idx,
				    struct page *page)
{
	void *own = xa_erase(&mem->foreign, idx);

	if (!own)
		return page;
	put_page(page);
	return xa_is_value(own) ? NULL : own;
}

/*
 * Frame @idx is held: pinned by the host, or another domain's frame in
 * our P2M.  Neither may be relocated, discarded or replaced.
 */
bool pvhv_mem_frame_held(struct pvhv_mem *mem, pgoff_t idx)
{
	return xa_load(&mem->pins, idx) || xa_load(&mem->foreign, idx);
}

static void pvhv_balloon_account(struct pvhv_mem *mem, long delta)
{
	atomic_long_add(delta, &mem->dom->ballooned);
	atomic_long_add(delta, &pvhv_frames_ballooned);
}

/* Forget the balloon marks at and beyond @from. */
static void pvhv_mem_forget_ballooned(struct pvhv_mem *mem, pgoff_t from)
{
	unsigned long idx;
	void *entry;
	long n = 0;

	xa_for_each_start(&mem->ballooned, idx, entry, from) {
		xa_erase(&mem->ballooned, idx);
		n++;
	}
	pvhv_balloon_account(mem, -n);
}

void pvhv_mem_destroy(struct pvhv_mem *mem)
{
	struct page *page;
	unsigned long idx;
	long n = 0;

	pvhv_mem_unregister(mem);
	xa_for_each(&mem->p2m, idx, page) {
		page = pvhv_mem_unpark(mem, idx, page);
		if (page) {
			pvhv_mem_put_own(mem, page);
			n++;
		}
	}
	xa_destroy(&mem->p2m);
	/* Pins and foreign frames hold an inode reference: none is left. */
	WARN_ON_ONCE(!xa_empty(&mem->pins));
	xa_destroy(&mem->pins);
	xa_destroy(&mem->foreign);
	pvhv_mem_forget_ballooned(mem, 0);
	xa_destroy(&mem->ballooned);
	xa_destroy(&mem->granted);
	pvhv_frames_account(mem, -n);
}

/*
 * Let the domain's reservation (size - ballooned pages) grow by one page if
 * it stays within @limit pages.
 */
static bool pvhv_domain_reserve(struct pvhv_domain *dom, long limit)
{
	long size = pvhv_domain_pages(dom);
	long b = atomic_long_read(&dom->ballooned);

	do {
		if (b <= 0 || size - b >= limit)
			return false;
	} while (!atomic_long_try_cmpxchg(&dom->ballooned, &b, b - 1));
	return true;
}

/*
 * Take frame @idx out of the balloon if it is there: 0, or -ENOSPC if the
 * reservation would go beyond @limit.  The xa_lock orders two takers of
 * one frame, so that the reservation grows once.
 */
static int pvhv_mem_unballoon(struct pvhv_mem *mem, pgoff_t idx, long limit)
{
	int ret = 0;

	xa_lock(&mem->ballooned);
	if (!xa_load(&mem->ballooned, idx))
		goto out;
	if (pvhv_domain_reserve(mem->dom, limit)) {
		__xa_erase(&mem->ballooned, idx);
		atomic_long_dec(&pvhv_frames_ballooned);
	} else {
		ret = -ENOSPC;
	}
out:
	xa_unlock(&mem->ballooned);
	return ret;
}

/* Put new @page at @idx unless a racing fault did first: the winner. */
static struct page *pvhv_mem_insert(struct pvhv_mem *mem, pgoff_t idx,
				    struct page *page)
{
	struct page *old;

	old = xa_cmpxchg(&mem->p2m, idx, NULL, page, GFP_KERNEL);
	if (old) {
		__free_page(page);
		return xa_is_err(old) ? ERR_PTR(xa_err(old)) : old;
	}
	pvhv_frames_account(mem, 1);
	return page;
}

/*
 * The frame at @idx, allocated zeroed on first use.  A ballooned frame
 * comes back only within the domain's maximum: -EFAULT otherwise.
 */
static struct page *pvhv_mem_get_frame(struct pvhv_mem *mem, pgoff_t idx)
{
	struct pvhv_domain *dom = mem->dom;
	struct page *page;

	page = xa_load(&mem->p2m, idx);
	if (page)
		return page;

	if (xa_load(&mem->ballooned, idx)) {
		if (pvhv_mem_unballoon(mem, idx, pvhv_domain_max_pages(dom)))
			return ERR_PTR(-EFAULT);
		atomic_long_inc(&dom->ballooned_touched);
	}
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO);
	if (!page)
		return ERR_PTR(-ENOMEM);
	/* Another vCPU or thread may have faulted the same frame meanwhile. */
	return pvhv_mem_insert(mem, idx, page);
}

vm_fault_t pvhv_mem_fault(struct vm_fault *vmf, struct pvhv_mem *mem)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	struct page *page;
	vm_fault_t ret;
	int err;

	/* Keeps frame removal (exclusive holders) out until the PTE is set. */
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (vmf->pgoff >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	page = pvhv_mem_get_frame(mem, vmf->pgoff);
	if (IS_ERR(page)) {
		ret = vmf_error(PTR_ERR(page));
		goto out;
	}
	/*
	 * A normal, refcounted PTE: get_user_pages() (KVM, vhost, O_DIRECT
	 * reads into guest RAM) works on it.  -EBUSY: a racing fault won.
	 */
	err = vm_insert_page(vma, vmf->address, page);
	ret = (!err || err == -EBUSY) ? VM_FAULT_NOPAGE : vmf_error(err);
out:
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

/*
 * Remove every user mapping of frames [idx, idx + n) (n == 0: to the end).
 * KVM's MMU notifier zaps its stage-2 entries before this returns.
 */
void pvhv_mem_unmap(struct inode *inode, pgoff_t idx, pgoff_t n)
{
	unmap_mapping_range(inode->i_mapping, (loff_t)idx << PAGE_SHIFT,
			    (loff_t)n << PAGE_SHIFT, 1);
}

void pvhv_mem_truncate(struct inode *inode, struct pvhv_mem *mem, pgoff_t from)
{
	struct page *page;
	unsigned long idx;
	long n = 0;

	lockdep_assert_held_write(&inode->i_mapping->invalidate_lock);
	pvhv_mem_unmap(inode, from, 0);
	xa_for_each_start(&mem->p2m, idx, page, from) {
		xa_erase(&mem->p2m, idx);
		/* A foreign frame's grant stays mapped until its holder unmaps. */
		page = pvhv_mem_unpark(mem, idx, page);
		if (page) {
			pvhv_mem_put_own(mem, page);
			n++;
		}
	}
	pvhv_frames_account(mem, -n);
	pvhv_mem_forget_ballooned(mem, from);
}

int pvhv_mem_relocate(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx)
{
	struct page *old, *new;
	int ret = 0;

	new = alloc_page(GFP_HIGHUSER);
	if (!new)
		return -ENOMEM;

	filemap_invalidate_lock(inode->i_mapping);
	old = xa_load(&mem->p2m, idx);
	if (!old) {
		ret = -ENOENT;
		goto out;
	}
	if (pvhv_mem_frame_held(mem, idx)) {
		ret = -EBUSY;
		goto out;
	}
	/* Nobody can write the old page once it is unmapped everywhere. */
	pvhv_mem_unmap(inode, idx, 1);
	copy_highpage(new, old);
	xa_store(&mem->p2m, idx, new, GFP_KERNEL);
	pvhv_mem_put_own(mem, old);
	new = NULL;
out:
	filemap_invalidate_unlock(inode->i_mapping);
	if (new)
		__free_page(new);
	return ret;
}

int pvhv_mem_trade(struct pvhv_frame_pin *pin, struct page *page)
{
	struct inode *inode = pin->inode;
	struct pvhv_mem *mem = pin->mem;
	struct page *old;
	int ret = 0;

	filemap_invalidate_lock(inode->i_mapping);
	old = xa_load(&mem->p2m, pin->idx);
	/* Anyone else's pin may be writing the old page (a mapped grant). */
	if (old != pin->page || xa_load(&mem->foreign, pin->idx) ||
	    xa_load(&mem->pins, pin->idx) != xa_mk_value(1)) {
		ret = -EBUSY;
		goto out;
	}
	/* The guest and QEMU fault the new page in on their next access. */
	pvhv_mem_unmap(inode, pin->idx, 1);
	xa_store(&mem->p2m, pin->idx, page, GFP_KERNEL);
	get_page(page);
	pin->page = page;
	put_page(old);			/* the pin's */
	pvhv_mem_put_own(mem, old);	/* the P2M's */
out:
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

int pvhv_mem_discard(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx)
{
	struct page *page;
	int ret = 0;

	filemap_invalidate_lock(inode->i_mapping);
	page = xa_load(&mem->p2m, idx);
	if (page && pvhv_mem_frame_held(mem, idx)) {
		ret = -EBUSY;
	} else if (page) {
		pvhv_mem_unmap(inode, idx, 1);
		xa_erase(&mem->p2m, idx);
		pvhv_mem_put_own(mem, page);
		pvhv_frames_account(mem, -1);
	} else {
		ret = -ENOENT;
	}
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

int pvhv_mem_pin(struct inode *inode, struct pvhv_mem *mem, pgoff_t idx,
		 struct pvhv_frame_pin *pin)
{
	struct page *page;
	unsigned long n;
	void *old, *cur;
	int ret = 0;

again:
	/* Shared: frame removal (exclusive) waits until the pin is counted. */
	filemap_invalidate_lock_shared(inode->i_mapping);
	if (idx >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)) {
		ret = -EFAULT;
		goto out;
	}
	/* Another domain's frame is not ours to hand out again. */
	if (xa_load(&mem->foreign, idx)) {
		ret = -EPERM;
		goto out;
	}
	page = pvhv_mem_get_frame(mem, idx);
	if (IS_ERR(page)) {
		ret = PTR_ERR(page);
		goto out;
	}
	/* The host writes pinned frames directly: never into a shared page. */
	if (pvhv_page_shared(page)) {
		filemap_invalidate_unlock_shared(inode->i_mapping);
		ret = pvhv_mem_unshare(inode, mem, idx);
		if (ret)
			return ret;
		goto again;
	}
	/*
	 * Compare and exchange: to allocate a node the store may drop the
	 * xa_lock, and another pin of this frame may count itself meanwhile;
	 * a plain store of n + 1 would then lose that pin.
	 */
	xa_lock(&mem->pins);
	do {
		old = xa_load(&mem->pins, idx);
		n = old ? xa_to_value(old) : 0;
		cur = __xa_cmpxchg(&mem->pins, idx, old, xa_mk_value(n + 1),
				   GFP_KERNEL);
	} while (!xa_is_err(cur) && cur != old);
	xa_unlock(&mem->pins);
	ret = xa_err(cur);
	if (ret)
		goto out;
	get_page(page);
	ihold(inode);
	atomic_long_inc(&pvhv_frames_pinned);
	*pin = (struct pvhv_frame_pin){ inode, mem, idx, page };
out:
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

void pvhv_mem_unpin(struct pvhv_frame_pin *pin)
{
	struct pvhv_mem *mem = pin->mem;
	unsigned long n;
	void *old;

	if (!pin->page)
		return;
	xa_lock(&mem->pins);
	old = xa_load(&mem->pins, pin->idx);
	n = old ? xa_to_value(old) : 0;
	if (n > 1)
		__xa_store(&mem->pins, pin->idx, xa_mk_value(n - 1), GFP_ATOMIC);
	else
		__xa_erase(&mem->pins, pin->idx);
	xa_unlock(&mem->pins);
	atomic_long_dec(&pvhv_frames_pinned);
	put_page(pin->page);
	iput(pin->inode);
	memset(pin, 0, sizeof(*pin));
}

int pvhv_mem_put_foreign(struct inode *inode, struct pvhv_mem *mem,
			 pgoff_t idx, struct page *page)
{
	struct page *own;
	int ret;

	filemap_invalidate_lock(inode->i_mapping);
	if (idx >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE)) {
		ret = -EFAULT;
		goto out;
	}
	/* Pinned (the host holds our own frame there) or already foreign. */
	if (pvhv_mem_frame_held(mem, idx)) {
		ret = -EBUSY;
		goto out;
	}
	own = xa_load(&mem->p2m, idx);
	ret = xa_insert(&mem->foreign, idx, own ?: xa_mk_value(0), GFP_KERNEL);
	if (ret)
		goto out;
	ret = xa_err(xa_store(&mem->p2m, idx, page, GFP_KERNEL));
	if (ret) {
		xa_erase(&mem->foreign, idx);
		goto out;
	}
	get_page(page);
	/* The next access, by the VMM or through KVM, faults @page in. */
	pvhv_mem_unmap(inode, idx, 1);
out:
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

int pvhv_mem_drop_foreign(struct inode *inode, struct pvhv_mem *mem,
			  pgoff_t idx)
{
	struct page *page;
	void *own;
	int ret = 0;

	filemap_invalidate_lock(inode->i_mapping);
	own = xa_load(&mem->foreign, idx);
	if (!own) {
		ret = -ENOENT;	/* truncated meanwhile */
		goto out;
	}
	pvhv_mem_unmap(inode, idx, 1);
	page = xa_load(&mem->p2m, idx);
	if (xa_is_value(own))
		xa_erase(&mem->p2m, idx);
	else
		xa_store(&mem->p2m, idx, own, GFP_KERNEL);	/* no allocation */
	xa_erase(&mem->foreign, idx);
	put_page(page);
out:
	filemap_invalidate_unlock(inode->i_mapping);
	return ret;
}

/* ---- the balloon ---- */

static int pvhv_mem_balloon_state(struct inode *inode, struct pvhv_mem *mem,
				  pgoff_t idx, bool in)
{
	if (idx >= DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE))
		return -EFAULT;
	if (xa_load(&mem->foreign, idx))
		return -EPERM;
	if (xa_load(&mem->pins, idx))
		return -EBUSY;
	if (!xa_load(&mem->ballooned, idx) == in)
		return in ? -EEXIST : -ENOENT;
	return 0;
}

int pvhv_mem_balloon_check(struct inode *inode, struct pvhv_mem *mem,
			   pgoff_t idx, bool in)
{
	int ret;

	filemap_invalidate_lock_shared(inode->i_mapping);
	ret = pvhv_mem_balloon_state(inode, mem, idx, in);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

long pvhv_mem_balloon_out(struct inode *inode, struct pvhv_mem *mem,
			  const pgoff_t *idx, unsigned int n)
{
	unsigned int done, i, j;
	struct page *page;
	long freed = 0;

	filemap_invalidate_lock(inode->i_mapping);
	for (done = 0; done < n; done++) {
		if (pvhv_mem_balloon_state(inode, mem, idx[done], false))
			break;
		/* Marked first: nothing to undo if the xarray has no memory. */
		if (xa_err(xa_store(&mem->ballooned, idx[done], xa_mk_value(1),
				    GFP_KERNEL)))
			break;
	}
	/* One unmap (and one KVM TLB flush) per run of consecutive frames. */
	for (i = 0; i < done; i = j) {
		for (j = i + 1; j < done && idx[j] == idx[j - 1] + 1; j++)
			;
		pvhv_mem_unmap(inode, idx[i], j - i);
	}
	for (i = 0; i < done; i++) {
		page = xa_erase(&mem->p2m, idx[i]);
		if (page) {
			pvhv_mem_put_own(mem, page);
			freed++;
		}
	}
	pvhv_frames_account(mem, -freed);
	pvhv_balloon_account(mem, done);
	filemap_invalidate_unlock(inode->i_mapping);
	return done;
}

long pvhv_mem_balloon_in(struct inode *inode, struct pvhv_mem *mem,
			 const pgoff_t *idx, unsigned int n, long limit)
{
	struct page *page;
	unsigned int done;

	/* Like a fault: only removal (exclusive) is kept out. */
	filemap_invalidate_lock_shared(inode->i_mapping);
	for (done = 0; done < n; done++) {
		if (pvhv_mem_balloon_state(inode, mem, idx[done], true))
			break;
		page = alloc_page(GFP_HIGHUSER | __GFP_ZERO);
		if (!page)
			break;
		if (pvhv_mem_unballoon(mem, idx[done], limit)) {
			__free_page(page);
			break;
		}
		/* Ours now, unless a racing touch populated it first. */
		if (IS_ERR(pvhv_mem_insert(mem, idx[done], page))) {
			done++;		/* out of the balloon all the same */
			break;
		}
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return done;
}
