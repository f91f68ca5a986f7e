// SPDX-License-Identifier: GPL-2.0
/*
 * Grant tables: registration, mapping by host backends, end of access and
 * the grant copy hypercall.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/sysfs.h>
#include <linux/kvm_host.h>
#include <pvhv/pvhv.h>
#include <pvhv/grant.h>

#include "domain.h"
#include "frames.h"
#include "grant.h"
#include "hypercall.h"
#include "pt.h"

#define PVHV_GNTTAB_MAX_ENTRIES	(PVHV_GNTTAB_MAX_FRAMES * PVHV_GRANTS_PER_FRAME)

struct pvhv_gnttab {
	struct mutex lock;		/* everything below */
	struct kvm *kvm;		/* the VM that set it up */
	unsigned int nr_frames;
	u32 nr_entries;			/* 0: no table */
	struct pvhv_frame_pin frame[PVHV_GNTTAB_MAX_FRAMES];
	u32 mapped;			/* sum of map_count[] */
	u64 maps, copies, copy_errors, end_busy;
	/* Mappings per entry: pvhv's own count, out of the guest's reach. */
	u16 map_count[PVHV_GNTTAB_MAX_ENTRIES];
};

static atomic_long_t pvhv_grants_mapped = ATOMIC_LONG_INIT(0);

long pvhv_grants_mapped_global(void)
{
	return atomic_long_read(&pvhv_grants_mapped);
}

static struct pvhv_gnttab *gnttab_of(struct pvhv_domain *dom)
{
	/* Pairs with the cmpxchg_release() that publishes it. */
	return smp_load_acquire(&dom->gnttab);
}

static struct pvhv_gnttab *gnttab_get_or_create(struct pvhv_domain *dom)
{
	struct pvhv_gnttab *gt = gnttab_of(dom);

	if (gt)
		return gt;
	gt = kvzalloc(sizeof(*gt), GFP_KERNEL_ACCOUNT);
	if (!gt)
		return NULL;
	mutex_init(&gt->lock);
	if (cmpxchg_release(&dom->gnttab, NULL, gt))
		kvfree(gt);
	return gnttab_of(dom);
}

static struct pvhv_grant_entry *gnttab_entry(struct pvhv_gnttab *gt, u32 ref)
{
	struct pvhv_grant_entry *frame;

	lockdep_assert_held(&gt->lock);
	frame = page_address(gt->frame[ref / PVHV_GRANTS_PER_FRAME].page);
	return frame + ref % PVHV_GRANTS_PER_FRAME;
}

/* Map one grant of the batch @b; gt->lock held.  0 or -PVHV_E*. */
static int grant_map_one(struct pvhv_gnttab *gt, struct pvhv_pin_batch *b,
			 u64 grantee_id, bool write, struct pvhv_grant_map *map)
{
	struct pvhv_grant_entry *e;
	u32 ref = map->ref, domid;
	u16 flags, pad;
	u64 gfn;
	int ret;

	if (ref >= gt->nr_entries)
		return -PVHV_EINVAL;
	ref = array_index_nospec(ref, gt->nr_entries);

	/* One snapshot of the entry; the guest may change it at any time. */
	e = gnttab_entry(gt, ref);
	flags = READ_ONCE(e->flags);
	smp_rmb();			/* the guest writes flags last */
	pad = READ_ONCE(e->pad);
	domid = READ_ONCE(e->domid);
	gfn = READ_ONCE(e->gfn);
	if ((flags & ~PVHV_GTF_ALL) || pad)
		return -PVHV_EINVAL;
	if (!(flags & PVHV_GTF_PERMIT_ACCESS) || domid != grantee_id)
		return -PVHV_EPERM;
	if (write && (flags & PVHV_GTF_READONLY))
		return -PVHV_EACCES;
	if (gt->map_count[ref] == U16_MAX)
		return -PVHV_ENOSPC;
	ret = pvhv_pin_batch_gfn(b, gfn, &map->pin);
	if (ret)
		return ret;
	gt->map_count[ref]++;
	gt->mapped++;
	gt->maps++;
	atomic_long_inc(&pvhv_grants_mapped);
	pvhv_domain_get(b->dom);
	map->granter = b->dom;
	map->gfn = gfn;
	return 0;
}

int pvhv_grant_map_many(struct pvhv_domain *granter, u64 grantee_id,
			bool write, struct pvhv_grant_map *maps, unsigned int n)
{
	struct pvhv_gnttab *gt = gnttab_of(granter);
	struct pvhv_pin_batch b;
	unsigned int i = 0;
	int ret;

	if (!gt)
		return -PVHV_ENODEV;
	mutex_lock(&gt->lock);
	if (!gt->nr_entries) {
		ret = -PVHV_ENODEV;
	} else {
		ret = pvhv_pin_batch_begin(&b, granter);
		for (; !ret && i < n; i++) {
			ret = grant_map_one(gt, &b, grantee_id, write, &maps[i]);
			if (ret)
				break;
		}
		pvhv_pin_batch_end(&b);
	}
	mutex_unlock(&gt->lock);
	if (ret) {
		pvhv_grant_unmap_many(maps, i);
		return ret;
	}
	/*
	 * A writable mapping must not reach a page table or the protected
	 * IDT (a backend's writes would bypass validation), and keeps the
	 * frame from becoming one.  Checked once the frames are pinned, and
	 * before the caller can write through the mapping; one pt->lock for
	 * the whole batch.
	 */
	if (write) {
		struct pvhv_pt_dom *pt = pvhv_pt_get(granter);

		if (!pt) {
			pvhv_grant_unmap_many(maps, n);
			return -PVHV_ENOMEM;
		}
		mutex_lock(&pt->lock);
		for (i = 0; !ret && i < n; i++) {
			ret = pvhv_pt_get_granted_writable(pt, maps[i].gfn);
			maps[i].writable = !ret;
		}
		pvhv_pt_unlock(pt);
		if (ret)
			pvhv_grant_unmap_many(maps, n);
	}
	return ret;
}

/* Drop the writable counts of @maps, one pt->lock per run of a granter. */
static void grant_put_writable(struct pvhv_grant_map *maps, unsigned int n)
{
	struct pvhv_pt_dom *pt, *locked = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!maps[i].granter || !maps[i].writable)
			continue;
		/* Exists: the get made it, and the granter is held. */
		pt = pvhv_pt_get(maps[i].granter);
		if (WARN_ON_ONCE(!pt))
			continue;
		if (pt != locked) {
			if (locked)
				mutex_unlock(&locked->lock);
			mutex_lock(&pt->lock);
			locked = pt;
		}
		pvhv_pt_put_granted_writable(pt, maps[i].gfn);
	}
	if (locked)
		mutex_unlock(&locked->lock);
}

int pvhv_grant_map(struct pvhv_domain *granter, u64 ref, u64 grantee_id,
		   bool write, struct pvhv_grant_map *map)
{
	if (ref > U32_MAX)
		return -PVHV_EINVAL;
	*map = (struct pvhv_grant_map){ .ref = ref };
	return pvhv_grant_map_many(granter, grantee_id, write, map, 1);
}

void pvhv_grant_unmap_many(struct pvhv_grant_map *maps, unsigned int n)
{
	struct pvhv_gnttab *gt, *locked = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!maps[i].granter)
			continue;
		gt = gnttab_of(maps[i].granter);
		if (gt != locked) {
			if (locked)
				mutex_unlock(&locked->lock);
			mutex_lock(&gt->lock);
			locked = gt;
		}
		if (!WARN_ON_ONCE(!gt->map_count[maps[i].ref])) {
			gt->map_count[maps[i].ref]--;
			gt->mapped--;
			atomic_long_dec(&pvhv_grants_mapped);
		}
	}
	if (locked)
		mutex_unlock(&locked->lock);
	grant_put_writable(maps, n);
	for (i = 0; i < n; i++) {
		if (!maps[i].granter)
			continue;
		pvhv_mem_unpin(&maps[i].pin);
		pvhv_domain_put(maps[i].granter);
		memset(&maps[i], 0, sizeof(maps[i]));
	}
}

void pvhv_grant_unmap(struct pvhv_grant_map *map)
{
	pvhv_grant_unmap_many(map, 1);
}

/*
 * The guest writes its table without telling pvhv, so this is a snapshot
 * that ksm-hint takes each time its scan enters the file.  A frame granted
 * since then may still be shared until the next one; it stays correct, as
 * mapping a grant makes its frame private first (pvhv_mem_pin()).
 */
long pvhv_gnttab_mark_granted(struct pvhv_mem *mem)
{
	struct pvhv_gnttab *gt = gnttab_of(mem->dom);
	struct pvhv_grant_entry *e;
	struct pvhv_pin_batch b;
	struct pvhv_mem *fmem;
	struct inode *finode;
	long n = 0;
	pgoff_t idx;
	u32 ref;

	xa_destroy(&mem->granted);
	if (!gt)
		return 0;
	mutex_lock(&gt->lock);
	if (!gt->nr_entries || pvhv_pin_batch_begin(&b, mem->dom))
		goto out;
	for (ref = 0; ref < gt->nr_entries; ref++) {
		e = gnttab_entry(gt, ref);
		if (!(READ_ONCE(e->flags) & PVHV_GTF_PERMIT_ACCESS))
			continue;
		smp_rmb();		/* the guest writes flags last */
		if (pvhv_pin_batch_frame(&b, READ_ONCE(e->gfn), &finode, &fmem,
					 &idx) || fmem != mem)
			continue;
		if (xa_err(xa_store(&mem->granted, idx, xa_mk_value(1),
				    GFP_KERNEL_ACCOUNT))) {
			n = -ENOMEM;
			break;
		}
		n++;
	}
	pvhv_pin_batch_end(&b);
out:
	mutex_unlock(&gt->lock);
	return n;
}

/* ---- hypercalls ---- */

static void gnttab_unpin_frames(struct pvhv_frame_pin *pins, unsigned int n)
{
	while (n--)
		pvhv_mem_unpin(&pins[n]);
}

/* gnttab_setup(gpa, nr_frames) */
static long hc_gnttab_setup(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[0], nr = ctx->args[1];
	struct pvhv_frame_pin *pins;
	struct pvhv_gnttab *gt;
	__le64 *gfns;
	long ret;
	int i;

	if (!nr || nr > PVHV_GNTTAB_MAX_FRAMES)
		return -PVHV_EINVAL;
	if ((gpa & ~PAGE_MASK) + nr * sizeof(u64) > PAGE_SIZE)
		return -PVHV_EINVAL;
	gt = gnttab_get_or_create(ctx->dom);
	gfns = kcalloc(nr, sizeof(*gfns), GFP_KERNEL);
	pins = kcalloc(PVHV_GNTTAB_MAX_FRAMES, sizeof(*pins), GFP_KERNEL);
	if (!gt || !gfns || !pins) {
		ret = -PVHV_ENOMEM;
		goto out;
	}
	if (kvm_vcpu_read_guest(ctx->vcpu, gpa, gfns, nr * sizeof(u64))) {
		ret = -PVHV_EFAULT;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		ret = pvhv_domain_pin_gfn(ctx->dom, le64_to_cpu(gfns[i]),
					  &pins[i]);
		if (ret) {
			gnttab_unpin_frames(pins, i);
			goto out;
		}
	}

	mutex_lock(&gt->lock);
	if (gt->mapped) {
		/* The old table's grants are in use: keep it. */
		ret = -PVHV_EBUSY;
	} else {
		for (i = 0; i < PVHV_GNTTAB_MAX_FRAMES; i++)
			swap(gt->frame[i], pins[i]);
		gt->nr_frames = nr;
		gt->nr_entries = nr * PVHV_GRANTS_PER_FRAME;
		gt->kvm = ctx->vcpu->kvm;
		ret = gt->nr_entries;
	}
	mutex_unlock(&gt->lock);
	/* The old table's frames, or the new ones if refused. */
	gnttab_unpin_frames(pins, PVHV_GNTTAB_MAX_FRAMES);
out:
	kfree(pins);
	kfree(gfns);
	return ret;
}

/* gnttab_end_access(ref) */
static long hc_gnttab_end_access(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_gnttab *gt = gnttab_of(ctx->dom);
	u64 ref = ctx->args[0];
	long ret = 0;

	if (!gt)
		return -PVHV_ENODEV;
	mutex_lock(&gt->lock);
	if (!gt->nr_entries) {
		ret = -PVHV_ENODEV;
	} else if (ref >= gt->nr_entries) {
		ret = -PVHV_EINVAL;
	} else {
		ref = array_index_nospec(ref, gt->nr_entries);
		if (gt->map_count[ref]) {
			gt->end_busy++;
			ret = -PVHV_EBUSY;
		} else {
			WRITE_ONCE(gnttab_entry(gt, ref)->flags, 0);
		}
	}
	mutex_unlock(&gt->lock);
	return ret;
}

/*
 * One side of a grant copy, through @bounce: a grant of another (or the
 * same) domain, mapped for the duration, or the caller's own memory.
 */
static int gnttab_copy_side(struct pvhv_hc_ctx *ctx,
			    const struct pvhv_gnttab_copy_ptr *ptr, bool gref,
			    bool write, void *bounce, unsigned int len)
{
	struct pvhv_grant_map map = {};
	struct pvhv_domain *granter;
	void *va;
	int ret;

	if (!gref) {
		gpa_t gpa;

		if (ptr->ref_or_gfn > (U64_MAX >> PAGE_SHIFT))
			return -PVHV_EINVAL;
		gpa = (ptr->ref_or_gfn << PAGE_SHIFT) + ptr->offset;
		ret = write ? kvm_vcpu_write_guest(ctx->vcpu, gpa, bounce, len) :
			      kvm_vcpu_read_guest(ctx->vcpu, gpa, bounce, len);
		return ret ? -PVHV_EFAULT : 0;
	}
	granter = pvhv_domain_get_by_id(ptr->domid);
	if (!granter)
		return -PVHV_ESRCH;
	ret = pvhv_grant_map(granter, ptr->ref_or_gfn, ctx->dom->id, write,
			     &map);
	pvhv_domain_put(granter);
	if (ret)
		return ret;
	va = page_address(map.pin.page) + ptr->offset;
	if (write)
		memcpy(va, bounce, len);
	else
		memcpy(bounce, va, len);
	pvhv_grant_unmap(&map);
	return 0;
}

static int gnttab_copy_one(struct pvhv_hc_ctx *ctx,
			   const struct pvhv_gnttab_copy *op, void *bounce)
{
	int ret;

	if ((op->flags & ~PVHV_GNTCOPY_ALL) || op->src.pad || op->dst.pad)
		return -PVHV_EINVAL;
	if (!op->len || op->len > PAGE_SIZE ||
	    op->src.offset + op->len > PAGE_SIZE ||
	    op->dst.offset + op->len > PAGE_SIZE)
		return -PVHV_EINVAL;
	ret = gnttab_copy_side(ctx, &op->src, op->flags & PVHV_GNTCOPY_SRC_GREF,
			       false, bounce, op->len);
	if (!ret)
		ret = gnttab_copy_side(ctx, &op->dst,
				       op->flags & PVHV_GNTCOPY_DST_GREF,
				       true, bounce, op->len);
	return ret;
}

/* gnttab_copy(gpa, count) */
static long hc_gnttab_copy(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[0], count = ctx->args[1];
	struct pvhv_gnttab *gt = gnttab_get_or_create(ctx->dom);
	struct pvhv_gnttab_copy *ops;
	void *bounce;
	long failed = 0;
	u64 i;

	if (!count || count > PVHV_GNTTAB_COPY_MAX)
		return -PVHV_EINVAL;
	if ((gpa & ~PAGE_MASK) + count * sizeof(*ops) > PAGE_SIZE)
		return -PVHV_EINVAL;
	ops = kmalloc_array(count, sizeof(*ops), GFP_KERNEL);
	bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!gt || !ops || !bounce) {
		failed = -PVHV_ENOMEM;
		goto out;
	}
	if (kvm_vcpu_read_guest(ctx->vcpu, gpa, ops, count * sizeof(*ops))) {
		failed = -PVHV_EFAULT;
		goto out;
	}
	for (i = 0; i < count; i++) {
		s32 status = gnttab_copy_one(ctx, &ops[i], bounce);
		gpa_t at = gpa + i * sizeof(*ops) +
			   offsetof(struct pvhv_gnttab_copy, status);

		if (status)
			failed++;
		if (kvm_vcpu_write_guest(ctx->vcpu, at, &status,
					 sizeof(status))) {
			failed = -PVHV_EFAULT;
			break;
		}
		cond_resched();
	}
	mutex_lock(&gt->lock);
	gt->copies += count;
	gt->copy_errors += failed > 0 ? failed : 0;
	mutex_unlock(&gt->lock);
out:
	kfree(bounce);
	kfree(ops);
	return failed;
}

/* ---- lifetime ---- */

void pvhv_gnttab_teardown(struct pvhv_domain *dom, struct kvm *kvm)
{
	struct pvhv_frame_pin pins[PVHV_GNTTAB_MAX_FRAMES];
	struct pvhv_gnttab *gt = gnttab_of(dom);

	if (!gt)
		return;
	mutex_lock(&gt->lock);
	if (gt->kvm != kvm) {
		mutex_unlock(&gt->lock);
		return;
	}
	/*
	 * Mapped grants keep their frames pinned until their holders unmap;
	 * only the table itself goes.
	 */
	memcpy(pins, gt->frame, sizeof(pins));
	memset(gt->frame, 0, sizeof(gt->frame));
	gt->nr_frames = 0;
	gt->nr_entries = 0;
	gt->kvm = NULL;
	mutex_unlock(&gt->lock);
	gnttab_unpin_frames(pins, PVHV_GNTTAB_MAX_FRAMES);
}

void pvhv_gnttab_free(struct pvhv_domain *dom)
{
	struct pvhv_gnttab *gt = dom->gnttab;

	if (!gt)
		return;
	/* Every mapping holds a reference on the domain: none is left. */
	WARN_ON_ONCE(gt->mapped);
	gnttab_unpin_frames(gt->frame, PVHV_GNTTAB_MAX_FRAMES);
	kvfree(gt);
}

/* ---- sysfs: /sys/kernel/pvhv/domains/<name>/grants/ ---- */

/* One counter of the domain's grant table, 0 if it has none. */
static ssize_t gnttab_show(struct kobject *kobj, char *buf, size_t offset)
{
	struct pvhv_domain *dom = container_of(kobj, struct pvhv_domain, kobj);
	struct pvhv_gnttab *gt = gnttab_of(dom);
	u64 v = 0;

	if (gt) {
		mutex_lock(&gt->lock);
		if (offset == offsetof(struct pvhv_gnttab, nr_frames))
			v = gt->nr_frames;
		else if (offset == offsetof(struct pvhv_gnttab, nr_entries) ||
			 offset == offsetof(struct pvhv_gnttab, mapped))
			v = *(u32 *)((void *)gt + offset);
		else
			v = *(u64 *)((void *)gt + offset);
		mutex_unlock(&gt->lock);
	}
	return sysfs_emit(buf, "%llu\n", v);
}

#define GNTTAB_ATTR(name, member)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return gnttab_show(kobj, buf, offsetof(struct pvhv_gnttab, member)); \
}									\
static struct kobj_attribute gnttab_##name##_attr = __ATTR_RO(name)

GNTTAB_ATTR(nr_frames, nr_frames);
GNTTAB_ATTR(nr_entries, nr_entries);
GNTTAB_ATTR(mapped, mapped);
GNTTAB_ATTR(maps, maps);
GNTTAB_ATTR(copies, copies);
GNTTAB_ATTR(copy_errors, copy_errors);
GNTTAB_ATTR(end_busy, end_busy);

static struct attribute *pvhv_gnttab_attrs[] = {
	&gnttab_nr_frames_attr.attr,
	&gnttab_nr_entries_attr.attr,
	&gnttab_mapped_attr.attr,
	&gnttab_maps_attr.attr,
	&gnttab_copies_attr.attr,
	&gnttab_copy_errors_attr.attr,
	&gnttab_end_busy_attr.attr,
	NULL,
};

const struct attribute_group pvhv_gnttab_attr_group = {
	.name = "grants",
	.attrs = pvhv_gnttab_attrs,
};

/* ---- init ---- */

static const struct pvhv_hc_desc pvhv_gnttab_hcs[] = {
	{ PVHV_HC_GNTTAB_SETUP, "gnttab_setup", hc_gnttab_setup },
	{ PVHV_HC_GNTTAB_END_ACCESS, "gnttab_end_access",
	  hc_gnttab_end_access },
	{ PVHV_HC_GNTTAB_COPY, "gnttab_copy", hc_gnttab_copy },
};

int pvhv_gnttab_init(void)
{
	return pvhv_hc_register_all(pvhv_gnttab_hcs,
				    ARRAY_SIZE(pvhv_gnttab_hcs));
}

void pvhv_gnttab_exit(void)
{
	pvhv_hc_unregister_all(pvhv_gnttab_hcs, ARRAY_SIZE(pvhv_gnttab_hcs));
}
