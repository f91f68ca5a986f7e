// SPDX-License-Identifier: GPL-2.0
/*
 * Frame types of the paravirtual page tables: validating a table, the
 * references that hold a type, and changing one entry.  The rules are in
 * include/uapi/pvhv/mmu.h; they are Xen's, for 4-level x86-64 tables of
 * 4 KiB pages.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/highmem.h>
#include <linux/kvm_host.h>
#include <linux/sysfs.h>
#include <asm/pgtable_types.h>

#include "pt.h"

/*
 * The kernel's own x86 entry bits; the frame field and the bits pvhv
 * reserves are the architectural ones, whatever this host's MAXPHYADDR.
 */
#define PTE_PRESENT		_PAGE_PRESENT
#define PTE_RW			_PAGE_RW
#define PTE_ACCESSED		_PAGE_ACCESSED
#define PTE_DIRTY		_PAGE_DIRTY
#define PTE_PS			_PAGE_PSE
#define PTE_RESERVED		GENMASK_ULL(62, 52)
#define PTE_FRAME		GENMASK_ULL(51, 12)
#define PT_ENTRIES		512

static atomic_long_t pvhv_pt_tables = ATOMIC_LONG_INIT(0);

long pvhv_pt_tables_global(void)
{
	return atomic_long_read(&pvhv_pt_tables);
}

struct pvhv_pt_frame *pvhv_pt_lookup(struct pvhv_pt_dom *pt, u64 gfn)
{
	void *e = xa_load(&pt->frames, gfn);

	return e && !xa_is_value(e) ? e : NULL;
}

/* Writable level-1 entries that map untyped frame @gfn. */
static unsigned long pt_writable(struct pvhv_pt_dom *pt, u64 gfn)
{
	void *e = xa_load(&pt->frames, gfn);

	return xa_is_value(e) ? xa_to_value(e) : 0;
}

/* Is @gfn this domain's own RAM?  0, -PVHV_EFAULT or -PVHV_EPERM. */
static int pt_own_frame(struct pvhv_pin_batch *b, u64 gfn)
{
	struct inode *inode;
	struct pvhv_mem *mem;
	pgoff_t idx;

	/* -EFAULT and -EPERM have their PVHV_E* values. */
	return pvhv_pin_batch_frame(b, gfn, &inode, &mem, &idx);
}

/* One more writable mapping of data frame @gfn. */
static int pt_get_writable(struct pvhv_pt_dom *pt, u64 gfn)
{
	if (pvhv_pt_lookup(pt, gfn))
		return -PVHV_EACCES;
	return xa_err(xa_store(&pt->frames, gfn,
			       xa_mk_value(pt_writable(pt, gfn) + 1),
			       GFP_KERNEL_ACCOUNT)) ? -PVHV_ENOMEM : 0;
}

static void pt_put_writable(struct pvhv_pt_dom *pt, u64 gfn)
{
	unsigned long n = pt_writable(pt, gfn);

	if (WARN_ON_ONCE(!n))
		return;
	if (n == 1)
		xa_erase(&pt->frames, gfn);
	else
		xa_store(&pt->frames, gfn, xa_mk_value(n - 1), GFP_ATOMIC);
}

/*
 * Check entry @e of a level-@level table and take what it needs: the
 * table one level down typed, or the frame it maps writable counted.
 */
static int pt_get_entry(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
			u8 level, u64 e)
{
	u64 gfn = (e & PTE_FRAME) >> PAGE_SHIFT;
	int ret;

	if (!(e & PTE_PRESENT))
		return 0;
	if (e & PTE_RESERVED)
		return -PVHV_EINVAL;
	if (level > 1) {
		if (e & PTE_PS)
			return -PVHV_EINVAL;	/* no large pages */
		return pvhv_pt_get_type(pt, b, gfn, level - 1);
	}
	ret = pt_own_frame(b, gfn);
	if (ret || !(e & PTE_RW))
		return ret;
	return pt_get_writable(pt, gfn);
}

/* Undo pt_get_entry() for an entry that held it. */
static void pt_put_entry(struct pvhv_pt_dom *pt, u8 level, u64 e)
{
	u64 gfn = (e & PTE_FRAME) >> PAGE_SHIFT;

	if (!(e & PTE_PRESENT))
		return;
	if (level > 1)
		pvhv_pt_put_type(pt, gfn);
	else if (e & PTE_RW)
		pt_put_writable(pt, gfn);
}

/*
 * An entry as pvhv stores it: present entries with the accessed bit set,
 * and writable level-1 entries dirty too.  A typed frame is read-only in
 * KVM's nested page tables (write tracking), so a CPU page walk that had
 * to set one of those bits would fault there, and KVM (6.1 and 6.12) then
 * only retries the access: the vCPU would loop for ever.  With the bits
 * set in advance the walk never writes.
 */
static u64 pt_with_ad(u8 level, u64 e)
{
	if (!(e & PTE_PRESENT))
		return e;
	e |= PTE_ACCESSED;
	if (level == 1 && (e & PTE_RW))
		e |= PTE_DIRTY;
	return e;
}

static bool pt_is_table(u8 type)
{
	return type >= PVHV_FRAME_L1 && type <= PVHV_FRAME_L4;
}

/*
 * Free @f, typed or half-typed, without touching its entries; its pin
 * goes in pvhv_pt_unlock().
 */
static void pt_free_frame(struct pvhv_pt_dom *pt, struct pvhv_pt_frame *f)
{
	lockdep_assert_held(&pt->lock);
	if (f->tracked)
		pvhv_pt_untrack(pt, f);
	kfree(f->shadow);
	f->shadow = NULL;
	list_add(&f->node, &pt->freed);
}

void pvhv_pt_unlock(struct pvhv_pt_dom *pt)
{
	struct pvhv_pt_frame *f, *next;
	LIST_HEAD(freed);

	list_splice_init(&pt->freed, &freed);
	mutex_unlock(&pt->lock);
	list_for_each_entry_safe(f, next, &freed, node) {
		pvhv_mem_unpin(&f->pin);
		kfree(f);
	}
}

int pvhv_pt_get_type(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
		     u64 gfn, u8 type)
{
	struct pvhv_pt_frame *f = pvhv_pt_lookup(pt, gfn);
	unsigned int i;
	u64 *va;
	int ret;

	lockdep_assert_held(&pt->lock);
	if (f) {
		if (f->type != type || f->validating)
			return -PVHV_EACCES;
		f->refs++;
		return 0;
	}
	if (pt_writable(pt, gfn) || xa_load(&pt->granted, gfn))
		return -PVHV_EACCES;	/* mapped writable somewhere */
	if (pt->tables >= PVHV_PT_MAX_TABLES)
		return -PVHV_ENOSPC;

	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -PVHV_ENOMEM;
	f->gfn = gfn;
	f->type = type;
	f->validating = true;
	f->shadow = kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!f->shadow) {
		kfree(f);
		return -PVHV_ENOMEM;
	}
	/* Held: no balloon, no sharing, and a stable kernel mapping. */
	ret = pvhv_pin_batch_gfn(b, gfn, &f->pin);
	if (ret) {
		kfree(f->shadow);
		kfree(f);
		return ret;	/* -EFAULT, -EPERM, -ENOMEM: PVHV_E* values */
	}
	/* In the table before its entries are: a loop back meets a conflict. */
	if (xa_err(xa_store(&pt->frames, gfn, f, GFP_KERNEL_ACCOUNT))) {
		pt_free_frame(pt, f);
		return -PVHV_ENOMEM;
	}
	/* Tracked first, so that no write slips between check and use. */
	ret = pvhv_pt_track(pt, b->kvm, f);
	if (ret)
		goto fail;

	va = kmap_local_page(f->pin.page);
	memcpy(f->shadow, va, PAGE_SIZE);
	if (pt_is_table(type)) {
		for (i = 0; i < PT_ENTRIES; i++) {
			ret = pt_get_entry(pt, b, type, f->shadow[i]);
			if (ret)
				break;
		}
		if (ret) {
			while (i--)
				pt_put_entry(pt, type, f->shadow[i]);
			kunmap_local(va);
			goto fail;
		}
		for (i = 0; i < PT_ENTRIES; i++) {
			f->shadow[i] = pt_with_ad(type, f->shadow[i]);
			WRITE_ONCE(va[i], f->shadow[i]);
		}
	}
	kunmap_local(va);
	f->validating = false;
	f->refs = 1;
	pt->tables++;
	pt->work++;
	atomic_long_inc(&pvhv_pt_tables);
	return 0;
fail:
	xa_erase(&pt->frames, gfn);
	pt_free_frame(pt, f);
	return ret;
}

void pvhv_pt_put_type(struct pvhv_pt_dom *pt, u64 gfn)
{
	struct pvhv_pt_frame *f = pvhv_pt_lookup(pt, gfn);
	unsigned int i;

	lockdep_assert_held(&pt->lock);
	if (WARN_ON_ONCE(!f || !f->refs))
		return;
	if (--f->refs)
		return;
	xa_erase(&pt->frames, gfn);
	if (pt_is_table(f->type))
		for (i = 0; i < PT_ENTRIES; i++)
			pt_put_entry(pt, f->type, f->shadow[i]);
	pt->tables--;
	pt->work++;
	atomic_long_dec(&pvhv_pt_tables);
	pt_free_frame(pt, f);
}

int pvhv_pt_set_entry(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
		      struct pvhv_pt_frame *f, unsigned int idx, u64 val,
		      bool write)
{
	u64 old = f->shadow[idx], *va;
	int ret;

	lockdep_assert_held(&pt->lock);
	if (!pt_is_table(f->type))
		return -PVHV_EACCES;
	/* New references first: the old and new entry may share a target. */
	ret = pt_get_entry(pt, b, f->type, val);
	if (ret)
		return ret;
	/* After a direct write too: the guest may have left the bits out. */
	if (write || pt_with_ad(f->type, val) != val) {
		val = pt_with_ad(f->type, val);
		va = kmap_local_page(f->pin.page);
		WRITE_ONCE(va[idx], val);
		kunmap_local(va);
	}
	f->shadow[idx] = val;
	pt_put_entry(pt, f->type, old);
	return 0;
}

/* ---- writable grant mappings ---- */

int pvhv_pt_get_granted_writable(struct pvhv_pt_dom *pt, u64 gfn)
{
	unsigned long n;

	lockdep_assert_held(&pt->lock);
	if (pvhv_pt_lookup(pt, gfn))
		return -PVHV_EACCES;
	n = xa_to_value(xa_load(&pt->granted, gfn));
	if (xa_err(xa_store(&pt->granted, gfn, xa_mk_value(n + 1),
			    GFP_KERNEL_ACCOUNT)))
		return -PVHV_ENOMEM;
	return 0;
}

void pvhv_pt_put_granted_writable(struct pvhv_pt_dom *pt, u64 gfn)
{
	unsigned long n;

	lockdep_assert_held(&pt->lock);
	n = xa_to_value(xa_load(&pt->granted, gfn));
	if (n > 1)
		xa_store(&pt->granted, gfn, xa_mk_value(n - 1), GFP_KERNEL);
	else if (!WARN_ON_ONCE(!n))
		xa_erase(&pt->granted, gfn);
}

/* ---- per-domain state ---- */

struct pvhv_pt_dom *pvhv_pt_get(struct pvhv_domain *dom)
{
	/* Pairs with the cmpxchg_release() that publishes it. */
	struct pvhv_pt_dom *pt = smp_load_acquire(&dom->pt), *old;

	if (pt)
		return pt;
	pt = kzalloc(sizeof(*pt), GFP_KERNEL_ACCOUNT);
	if (!pt)
		return NULL;
	mutex_init(&pt->lock);
	INIT_LIST_HEAD(&pt->freed);
	pt->dom = dom;
	xa_init(&pt->frames);
	xa_init(&pt->granted);
	xa_init(&pt->bases);
	old = cmpxchg_release(&dom->pt, NULL, pt);
	if (old) {
		kfree(pt);
		return old;
	}
	return pt;
}

/* ---- /sys/kernel/pvhv/domains/<name>/pt/ ---- */

static u64 pt_stat(struct kobject *kobj, size_t offset)
{
	struct pvhv_domain *dom = container_of(kobj, typeof(*dom), kobj);
	/* Pairs with the cmpxchg_release() in pvhv_pt_get(). */
	struct pvhv_pt_dom *pt = smp_load_acquire(&dom->pt);

	return pt ? READ_ONCE(*(u64 *)((char *)pt + offset)) : 0;
}

#define PT_STAT(name, member)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n",				\
			  pt_stat(kobj, offsetof(struct pvhv_pt_dom, member))); \
}									\
static struct kobj_attribute pt_##name##_attr = __ATTR_RO(name)

PT_STAT(tables, tables);
PT_STAT(updates, updates);
PT_STAT(updates_failed, updates_failed);
PT_STAT(ext_ops, ext_ops);
PT_STAT(direct_writes, direct_writes);
PT_STAT(direct_undone, direct_undone);
PT_STAT(continued, continued);
PT_STAT(track_lost, track_lost);

static ssize_t track_writes_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct pvhv_domain *dom = container_of(kobj, typeof(*dom), kobj);
	/* Pairs with the cmpxchg_release() in pvhv_pt_get(). */
	struct pvhv_pt_dom *pt = smp_load_acquire(&dom->pt);

	return sysfs_emit(buf, "%d\n", !(pt && READ_ONCE(pt->no_track)));
}

static ssize_t track_writes_store(struct kobject *kobj,
				  struct kobj_attribute *attr,
				  const char *buf, size_t count)
{
	struct pvhv_domain *dom = container_of(kobj, typeof(*dom), kobj);
	struct pvhv_pt_dom *pt = pvhv_pt_get(dom);
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	if (!pt)
		return -ENOMEM;
	mutex_lock(&pt->lock);
	if (pt->tables)
		ret = -EBUSY;		/* only while nothing is typed */
	else
		WRITE_ONCE(pt->no_track, !on);
	pvhv_pt_unlock(pt);
	return ret ?: count;
}

static struct kobj_attribute pt_track_writes_attr = __ATTR_RW(track_writes);

static struct attribute *pt_dom_attrs[] = {
	&pt_track_writes_attr.attr,
	&pt_tables_attr.attr,
	&pt_updates_attr.attr,
	&pt_updates_failed_attr.attr,
	&pt_ext_ops_attr.attr,
	&pt_direct_writes_attr.attr,
	&pt_direct_undone_attr.attr,
	&pt_continued_attr.attr,
	&pt_track_lost_attr.attr,
	NULL,
};

static const struct attribute_group pt_dom_group = {
	.name = "pt",
	.attrs = pt_dom_attrs,
};

static int pt_domain_create(struct pvhv_domain *dom)
{
	return sysfs_create_group(&dom->kobj, &pt_dom_group);
}

void pvhv_pt_teardown(struct pvhv_domain *dom, struct kvm *kvm)
{
	/* Pairs with the cmpxchg_release() in pvhv_pt_get(). */
	struct pvhv_pt_dom *pt = smp_load_acquire(&dom->pt);
	struct pvhv_pt_frame *f;
	struct kvm *tracked;
	unsigned long gfn;
	LIST_HEAD(pins);
	void *e;

	if (!pt)
		return;
	mutex_lock(&pt->lock);
	pvhv_traps_teardown(pt);
	xa_for_each(&pt->frames, gfn, e) {
		if (xa_is_value(e))
			continue;
		f = e;
		if (f->tracked)
			pvhv_pt_untrack(pt, f);
		kfree(f->shadow);
		f->shadow = NULL;
		list_add(&f->node, &pins);
		atomic_long_dec(&pvhv_pt_tables);
	}
	xa_destroy(&pt->frames);
	xa_destroy(&pt->bases);
	pt->tables = 0;
	tracked = pvhv_pt_track_detach(pt);
	pvhv_pt_unlock(pt);
	pvhv_pt_track_stop(pt, tracked);
	/*
	 * Last: the final unpin may evict the domain's last memory file, and
	 * with it the domain's state (pt_domain_destroy()).
	 */
	while ((f = list_first_entry_or_null(&pins, typeof(*f), node))) {
		list_del(&f->node);
		pvhv_mem_unpin(&f->pin);
		kfree(f);
	}
}

/*
 * The domain's last memory file is gone.  The VM's teardown work may not
 * have run yet (or may run now), but no frame can be typed any more (a
 * typed frame holds its file): only the write-tracking notifier may be
 * left.  The state itself goes with the domain, in pvhv_pt_free().
 */
static void pt_domain_destroy(struct pvhv_domain *dom)
{
	/* Pairs with the cmpxchg_release() in pvhv_pt_get(). */
	struct pvhv_pt_dom *pt = smp_load_acquire(&dom->pt);
	struct kvm *tracked;

	if (!pt)
		return;
	mutex_lock(&pt->lock);
	WARN_ON_ONCE(pt->tables);
	tracked = pvhv_pt_track_detach(pt);
	pvhv_pt_unlock(pt);
	pvhv_pt_track_stop(pt, tracked);
}

void pvhv_pt_free(struct pvhv_domain *dom)
{
	struct pvhv_pt_dom *pt = dom->pt;

	if (!pt)
		return;
	WARN_ON_ONCE(pt->tables || pt->kvm);
	/* Empty: every grant mapping holds a reference to the domain. */
	xa_destroy(&pt->granted);
	dom->pt = NULL;
	kfree(pt);
}

/* teardown is pvhv_pt_teardown(), called outside the ops lock. */
static struct pvhv_domain_ops pvhv_pt_domain_ops = {
	.create = pt_domain_create,
	.destroy = pt_domain_destroy,
};

int pvhv_pt_init(void)
{
	pvhv_domain_ops_register(&pvhv_pt_domain_ops);
	return 0;
}

void pvhv_pt_exit(void)
{
	pvhv_domain_ops_unregister(&pvhv_pt_domain_ops);
}
