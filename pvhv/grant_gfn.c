// SPDX-License-Identifier: GPL-2.0
/*
 * Grants mapped into the grantee's guest-physical space: the grantee's P2M
 * entry at a gfn points at the granter's frame (pvhv_mem_put_foreign()), so
 * that the grantee's VMM and, through the MMU notifiers, KVM's stage-2
 * tables reach it, until the grantee unmaps it or its kernel goes.
 *
 * Each mapping is a record of the grantee, keyed by gfn: the grant mapping
 * (which pins the granter's frame and counts in its grant table, so that
 * the granter cannot end access meanwhile) and the grantee's file (an inode
 * reference) and page offset.
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <pvhv/pvhv.h>

#include "domain.h"
#include "frames.h"
#include "grant.h"
#include "hypercall.h"

struct pvhv_gfn_map {
	struct pvhv_grant_map map;
	struct inode *inode;
	struct pvhv_mem *mem;
	pgoff_t idx;
};

/* Per grantee. */
struct pvhv_gfn_maps {
	struct mutex lock;		/* by_gfn and nr */
	struct xarray by_gfn;		/* gfn -> struct pvhv_gfn_map */
	unsigned int nr;
};

static struct pvhv_gfn_maps *gfn_maps_of(struct pvhv_domain *dom)
{
	/* Pairs with the cmpxchg_release() that publishes it. */
	return smp_load_acquire(&dom->gfn_maps);
}

static struct pvhv_gfn_maps *gfn_maps_get_or_create(struct pvhv_domain *dom)
{
	struct pvhv_gfn_maps *gm = gfn_maps_of(dom);

	if (gm)
		return gm;
	gm = kzalloc(sizeof(*gm), GFP_KERNEL_ACCOUNT);
	if (!gm)
		return NULL;
	mutex_init(&gm->lock);
	xa_init(&gm->by_gfn);
	if (cmpxchg_release(&dom->gfn_maps, NULL, gm))
		kfree(gm);
	return gfn_maps_of(dom);
}

static void gfn_map_undo(struct pvhv_gfn_map *m)
{
	/* -ENOENT: the file was truncated under it; the frame is back. */
	pvhv_mem_drop_foreign(m->inode, m->mem, m->idx);
	iput(m->inode);
	pvhv_grant_unmap(&m->map);
	kfree(m);
}

/* gnttab_map_gfn(domid, ref, gpa, flags) */
static long hc_gnttab_map_gfn(struct pvhv_hc_ctx *ctx)
{
	u64 domid = ctx->args[0], ref = ctx->args[1], gpa = ctx->args[2];
	struct pvhv_domain *granter;
	struct pvhv_gfn_maps *gm;
	struct pvhv_gfn_map *m;
	long ret;

	if (ctx->args[3] || (gpa & ~PAGE_MASK) || domid == ctx->dom->id)
		return -PVHV_EINVAL;
	gm = gfn_maps_get_or_create(ctx->dom);
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!gm || !m) {
		kfree(m);
		return -PVHV_ENOMEM;
	}
	granter = pvhv_domain_get_by_id(domid);
	if (!granter) {
		kfree(m);
		return -PVHV_ESRCH;
	}
	/* Read-write only: KVM cannot map part of a memslot read-only. */
	ret = pvhv_grant_map(granter, ref, ctx->dom->id, true, &m->map);
	pvhv_domain_put(granter);
	if (ret) {
		kfree(m);
		return ret;
	}
	ret = pvhv_domain_gfn_frame(ctx->dom, gpa >> PAGE_SHIFT, &m->inode,
				    &m->mem, &m->idx);
	if (ret) {
		pvhv_grant_unmap(&m->map);
		kfree(m);
		return ret;	/* -EFAULT, -EPERM, -ESRCH: PVHV_E* values */
	}

	mutex_lock(&gm->lock);
	if (gm->nr >= PVHV_GNTTAB_MAX_GFN_MAPS) {
		ret = -PVHV_ENOSPC;
	} else {
		ret = xa_insert(&gm->by_gfn, gpa >> PAGE_SHIFT, m,
				GFP_KERNEL_ACCOUNT);
		if (!ret) {
			ret = pvhv_mem_put_foreign(m->inode, m->mem, m->idx,
						   m->map.pin.page);
			if (ret)
				xa_erase(&gm->by_gfn, gpa >> PAGE_SHIFT);
			else
				gm->nr++;
		}
	}
	mutex_unlock(&gm->lock);
	if (ret) {
		iput(m->inode);
		pvhv_grant_unmap(&m->map);
		kfree(m);
		/* -ENOSPC, -EBUSY (mapped or pinned there), -EFAULT, -ENOMEM */
		return ret;
	}
	return 0;
}

/* gnttab_unmap_gfn(gpa) */
static long hc_gnttab_unmap_gfn(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_gfn_maps *gm = gfn_maps_of(ctx->dom);
	u64 gpa = ctx->args[0];
	struct pvhv_gfn_map *m;

	if (gpa & ~PAGE_MASK)
		return -PVHV_EINVAL;
	if (!gm)
		return -PVHV_ENOENT;
	mutex_lock(&gm->lock);
	m = xa_erase(&gm->by_gfn, gpa >> PAGE_SHIFT);
	if (m)
		gm->nr--;
	mutex_unlock(&gm->lock);
	if (!m)
		return -PVHV_ENOENT;
	gfn_map_undo(m);
	return 0;
}

void pvhv_gfn_maps_teardown(struct pvhv_domain *dom)
{
	struct pvhv_gfn_maps *gm = gfn_maps_of(dom);
	struct pvhv_gfn_map *m;
	unsigned long gfn;

	if (!gm)
		return;
	/* Undone outside the lock: the last iput() may evict a file. */
	for (;;) {
		gfn = 0;
		mutex_lock(&gm->lock);
		m = xa_find(&gm->by_gfn, &gfn, ULONG_MAX, XA_PRESENT);
		if (m) {
			xa_erase(&gm->by_gfn, gfn);
			gm->nr--;
		}
		mutex_unlock(&gm->lock);
		if (!m)
			break;
		gfn_map_undo(m);
	}
}

void pvhv_gfn_maps_free(struct pvhv_domain *dom)
{
	struct pvhv_gfn_maps *gm = dom->gfn_maps;

	if (!gm)
		return;
	/*
	 * Each mapping holds a reference on one of the domain's files, which
	 * holds the domain: none can be left when it goes.
	 */
	xa_destroy(&gm->by_gfn);
	kfree(gm);
}

static const struct pvhv_hc_desc pvhv_gfn_map_hcs[] = {
	{ PVHV_HC_GNTTAB_MAP_GFN, "gnttab_map_gfn", hc_gnttab_map_gfn },
	{ PVHV_HC_GNTTAB_UNMAP_GFN, "gnttab_unmap_gfn", hc_gnttab_unmap_gfn },
};

int pvhv_gfn_maps_init(void)
{
	return pvhv_hc_register_all(pvhv_gfn_map_hcs,
				    ARRAY_SIZE(pvhv_gfn_map_hcs));
}

void pvhv_gfn_maps_exit(void)
{
	pvhv_hc_unregister_all(pvhv_gfn_map_hcs, ARRAY_SIZE(pvhv_gfn_map_hcs));
}
