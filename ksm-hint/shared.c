// SPDX-License-Identifier: GPL-2.0
/*
 * Shared frames: the table of pages that several guest frames map, keyed by
 * content hash, and their sharer counts.
 *
 * Lookups are RCU (rhashtable); sharer counts, page_private() of a shared
 * page and membership of the table change under pvhv_ksm_lock, a spinlock
 * taken by the scanner and by the P2M paths that drop a frame (write,
 * balloon, truncate, teardown).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../pvhv/domain.h"
#include "ksm.h"

static DEFINE_SPINLOCK(pvhv_ksm_lock);
static struct rhashtable pvhv_ksm_table;
static atomic_long_t pvhv_shared_structs = ATOMIC_LONG_INIT(0);

struct pvhv_ksm_stats pvhv_ksm_stats;
atomic_t pvhv_ksm_fail_cow = ATOMIC_INIT(0);

static const struct rhashtable_params pvhv_ksm_params = {
	.key_len = sizeof(u64),
	.key_offset = offsetof(struct pvhv_shared_frame, hash),
	.head_offset = offsetof(struct pvhv_shared_frame, node),
	.automatic_shrinking = true,
};

struct pvhv_shared_frame *pvhv_ksm_lookup(u64 hash)
{
	struct pvhv_shared_frame *sf;

	rcu_read_lock();
	sf = rhashtable_lookup(&pvhv_ksm_table, &hash, pvhv_ksm_params);
	if (sf && !refcount_inc_not_zero(&sf->ref))
		sf = NULL;
	rcu_read_unlock();
	return sf;
}

void pvhv_ksm_put(struct pvhv_shared_frame *sf)
{
	if (!refcount_dec_and_test(&sf->ref))
		return;
	put_page(sf->page);
	atomic_long_dec(&pvhv_shared_structs);
	kfree_rcu(sf, rcu);
}

struct pvhv_shared_frame *pvhv_ksm_create(struct page *page, u64 hash,
					  bool zero, struct pvhv_domain *dom)
{
	struct pvhv_shared_frame *sf;
	int ret;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL);
	if (!sf)
		return ERR_PTR(-ENOMEM);
	sf->hash = hash;
	sf->page = page;
	sf->zero = zero;
	sf->sharers = 1;
	refcount_set(&sf->ref, 2);	/* the table's and the caller's */
	get_page(page);

	spin_lock(&pvhv_ksm_lock);
	ret = rhashtable_lookup_insert_fast(&pvhv_ksm_table, &sf->node,
					    pvhv_ksm_params);
	if (!ret) {
		set_page_private(page, (unsigned long)sf);
		atomic_long_inc(&dom->ksm_shared);
		atomic_long_inc(&pvhv_ksm_stats.pages_shared);
		if (zero)
			atomic_long_inc(&pvhv_ksm_stats.zero_sharing);
	}
	spin_unlock(&pvhv_ksm_lock);
	if (ret) {
		put_page(page);
		kfree(sf);
		return ERR_PTR(ret);
	}
	atomic_long_inc(&pvhv_shared_structs);
	return sf;
}

bool pvhv_ksm_add_sharer(struct pvhv_shared_frame *sf,
			 struct pvhv_domain *dom)
{
	bool ok;

	spin_lock(&pvhv_ksm_lock);
	ok = sf->sharers > 0;
	if (ok) {
		sf->sharers++;
		atomic_long_inc(&dom->ksm_shared);
		atomic_long_inc(&pvhv_ksm_stats.pages_sharing);
		if (sf->zero)
			atomic_long_inc(&pvhv_ksm_stats.zero_sharing);
	}
	spin_unlock(&pvhv_ksm_lock);
	return ok;
}

/* Under pvhv_ksm_lock: @sf has no sharer left; out of the table. */
static bool pvhv_ksm_unlink(struct pvhv_shared_frame *sf)
{
	set_page_private(sf->page, 0);
	rhashtable_remove_fast(&pvhv_ksm_table, &sf->node, pvhv_ksm_params);
	atomic_long_dec(&pvhv_ksm_stats.pages_shared);
	return true;
}

void pvhv_ksm_del_sharer(struct pvhv_shared_frame *sf,
			 struct pvhv_domain *dom)
{
	bool last = false;

	spin_lock(&pvhv_ksm_lock);
	if (!WARN_ON_ONCE(sf->sharers <= 0)) {
		atomic_long_dec(&dom->ksm_shared);
		if (sf->zero)
			atomic_long_dec(&pvhv_ksm_stats.zero_sharing);
		if (--sf->sharers)
			atomic_long_dec(&pvhv_ksm_stats.pages_sharing);
		else
			last = pvhv_ksm_unlink(sf);
	}
	spin_unlock(&pvhv_ksm_lock);
	if (last)
		pvhv_ksm_put(sf);	/* the table's reference */
}

bool pvhv_ksm_take_last(struct pvhv_shared_frame *sf,
			struct pvhv_domain *dom)
{
	bool last = false;

	spin_lock(&pvhv_ksm_lock);
	if (sf->sharers == 1) {
		sf->sharers = 0;
		atomic_long_dec(&dom->ksm_shared);
		if (sf->zero)
			atomic_long_dec(&pvhv_ksm_stats.zero_sharing);
		last = pvhv_ksm_unlink(sf);
	}
	spin_unlock(&pvhv_ksm_lock);
	if (last)
		pvhv_ksm_put(sf);
	return last;
}

size_t pvhv_ksm_shared_bytes(void)
{
	return atomic_long_read(&pvhv_shared_structs) *
	       kmalloc_size_roundup(sizeof(struct pvhv_shared_frame));
}

int pvhv_ksm_shared_init(void)
{
	return rhashtable_init(&pvhv_ksm_table, &pvhv_ksm_params);
}

void pvhv_ksm_shared_exit(void)
{
	/* Every memory file is gone: so is every shared frame. */
	WARN_ON_ONCE(atomic_long_read(&pvhv_shared_structs));
	rhashtable_destroy(&pvhv_ksm_table);
}
