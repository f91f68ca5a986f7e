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

/* ---- KVM write tracking (paravirtual page tables) ---- */

#include <linux/kvm_host.h>
#include <asm/kvm_page_track.h>

/*
 * 6.5 reworked external write tracking: kvm_write_track_add_gfn() takes
 * KVM's locks itself, notifiers lost the vCPU argument (it is the running
 * one) and hear of removed memory regions instead of flushed slots, and
 * registering one takes a VM reference (and must come from the VM's
 * process).
 */
struct pvhv_write_tracker {
	struct kvm_page_track_notifier_node node;
	/* A guest write to a tracked gfn, after KVM emulated it. */
	void (*write)(struct pvhv_write_tracker *t, struct kvm_vcpu *vcpu,
		      gpa_t gpa, const u8 *new, int bytes);
	/* Memory at [@gfn, @gfn + @npages) left the VM. */
	void (*remove_region)(struct pvhv_write_tracker *t, gfn_t gfn,
			      unsigned long npages);
};

#ifdef PVHV_HAVE_WRITE_TRACK_GFN
static inline void pvhv_track_write_thunk(gpa_t gpa, const u8 *new, int bytes,
					  struct kvm_page_track_notifier_node *n)
{
	struct pvhv_write_tracker *t = container_of(n, typeof(*t), node);

	t->write(t, kvm_get_running_vcpu(), gpa, new, bytes);
}

static inline void pvhv_track_remove_thunk(gfn_t gfn, unsigned long npages,
					   struct kvm_page_track_notifier_node *n)
{
	struct pvhv_write_tracker *t = container_of(n, typeof(*t), node);

	t->remove_region(t, gfn, npages);
}

static inline int pvhv_write_tracker_register(struct kvm *kvm,
					      struct pvhv_write_tracker *t)
{
	t->node.track_write = pvhv_track_write_thunk;
	t->node.track_remove_region = pvhv_track_remove_thunk;
	return kvm_page_track_register_notifier(kvm, &t->node);
}

static inline int pvhv_write_track_gfn(struct kvm *kvm, gfn_t gfn, bool on)
{
	struct kvm_memory_slot *slot;
	int idx, ret;

	if (!on)
		return kvm_write_track_remove_gfn(kvm, gfn);
	/*
	 * KVM adds a count even to a slot that is being deleted or moved
	 * (invalid), whose counts go with it.  Holding kvm->srcu across
	 * the check and the add, the slot stays what was checked.
	 */
	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, gfn);
	if (slot && !(slot->flags & KVM_MEMSLOT_INVALID))
		ret = kvm_write_track_add_gfn(kvm, gfn);
	else
		ret = -EINVAL;
	srcu_read_unlock(&kvm->srcu, idx);
	return ret;
}
#else
static inline void pvhv_track_write_thunk(struct kvm_vcpu *vcpu, gpa_t gpa,
					  const u8 *new, int bytes,
					  struct kvm_page_track_notifier_node *n)
{
	struct pvhv_write_tracker *t = container_of(n, typeof(*t), node);

	t->write(t, vcpu, gpa, new, bytes);
}

static inline void pvhv_track_flush_thunk(struct kvm *kvm,
					  struct kvm_memory_slot *slot,
					  struct kvm_page_track_notifier_node *n)
{
	struct pvhv_write_tracker *t = container_of(n, typeof(*t), node);

	t->remove_region(t, slot->base_gfn, slot->npages);
}

static inline int pvhv_write_tracker_register(struct kvm *kvm,
					      struct pvhv_write_tracker *t)
{
	t->node.track_write = pvhv_track_write_thunk;
	t->node.track_flush_slot = pvhv_track_flush_thunk;
	kvm_page_track_register_notifier(kvm, &t->node);
	return 0;
}

static inline int pvhv_write_track_gfn(struct kvm *kvm, gfn_t gfn, bool on)
{
	struct kvm_memory_slot *slot;
	int idx, ret = 0;

	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, gfn);
	/* Not into a slot being deleted or moved: its counts go with it. */
	if (slot && !(on && (slot->flags & KVM_MEMSLOT_INVALID))) {
		write_lock(&kvm->mmu_lock);
		if (on)
			kvm_slot_page_track_add_page(kvm, slot, gfn,
						     KVM_PAGE_TRACK_WRITE);
		else
			kvm_slot_page_track_remove_page(kvm, slot, gfn,
							KVM_PAGE_TRACK_WRITE);
		write_unlock(&kvm->mmu_lock);
	} else {
		ret = -EINVAL;
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return ret;
}
#endif

static inline void pvhv_write_tracker_unregister(struct kvm *kvm,
						 struct pvhv_write_tracker *t)
{
	kvm_page_track_unregister_notifier(kvm, &t->node);
}

/* ---- guest module: block layer ---- */

#include <linux/blk-mq.h>

/* What the PV block frontend needs from its queue. */
struct pvhv_blk_limits {
	unsigned int max_segments;	/* each within one page */
	unsigned int max_hw_sectors;
	unsigned int max_discard_sectors;	/* 0: no discard */
};

/*
 * A blk-mq disk with those limits, 512-byte sectors, a volatile write
 * cache and FUA.  6.9 moved queue limits into blk_mq_alloc_disk().
 */
static inline struct gendisk *
pvhv_blk_alloc_disk(struct blk_mq_tag_set *set,
		    const struct pvhv_blk_limits *l, void *data)
{
#ifdef PVHV_HAVE_BLK_FEATURES
	struct queue_limits lim = {
		.logical_block_size = 512,
		.max_hw_sectors = l->max_hw_sectors,
		.max_segments = l->max_segments,
		.max_segment_size = PAGE_SIZE,
		.seg_boundary_mask = PAGE_SIZE - 1,
		.dma_alignment = 511,
		.max_hw_discard_sectors = l->max_discard_sectors,
		.features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA,
	};

	return blk_mq_alloc_disk(set, &lim, data);
#else
	struct gendisk *disk = blk_mq_alloc_disk(set, data);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, 512);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_max_segments(q, l->max_segments);
	blk_queue_max_segment_size(q, PAGE_SIZE);
	blk_queue_segment_boundary(q, PAGE_SIZE - 1);
	blk_queue_dma_alignment(q, 511);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	blk_queue_write_cache(q, true, true);
	return disk;
#endif
}

/* ---- guest module: the balloon's shrinker ---- */

#include <linux/shrinker.h>
#include <linux/slab.h>

/*
 * 6.7 made shrinkers allocated objects (shrinker_alloc()); before, the
 * caller embedded one and called register_shrinker().  NULL on failure.
 */
static inline struct shrinker *
pvhv_shrinker_create(const char *name,
		     unsigned long (*count)(struct shrinker *,
					    struct shrink_control *),
		     unsigned long (*scan)(struct shrinker *,
					   struct shrink_control *))
{
	struct shrinker *s;

#ifdef PVHV_HAVE_SHRINKER_ALLOC
	s = shrinker_alloc(0, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void pvhv_shrinker_destroy(struct shrinker *s)
{
#ifdef PVHV_HAVE_SHRINKER_ALLOC
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

#endif /* _PVHV_COMPAT_H */
