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
