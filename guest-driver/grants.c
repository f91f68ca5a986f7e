// SPDX-License-Identifier: GPL-2.0
/*
 * Guest grant table: PVHV_GRANT_FRAMES pages of struct pvhv_grant_entry,
 * registered with pvhv, and a bitmap allocator of references.  Reference 0
 * is never handed out, so that 0 can mean "no grant".
 */
#include <linux/kernel.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/bitmap.h>
#include <linux/spinlock.h>
#include <pvhv/pvhv.h>
#include <pvhv/grant.h>

#include "hypercall.h"
#include "grants.h"

#define PVHV_GRANT_FRAMES	PVHV_GNTTAB_MAX_FRAMES
#define PVHV_GRANT_REFS		(PVHV_GRANT_FRAMES * PVHV_GRANTS_PER_FRAME)

static struct pvhv_grant_entry *pvhv_gtab[PVHV_GRANT_FRAMES];
static DEFINE_SPINLOCK(pvhv_grant_lock);
static DECLARE_BITMAP(pvhv_grant_used, PVHV_GRANT_REFS);

static struct pvhv_grant_entry *grant_entry(int ref)
{
	return pvhv_gtab[ref / PVHV_GRANTS_PER_FRAME] +
	       ref % PVHV_GRANTS_PER_FRAME;
}

int pvhv_grant_page(struct page *page, u32 domid, bool readonly)
{
	struct pvhv_grant_entry *e;
	unsigned long flags;
	int ref;

	spin_lock_irqsave(&pvhv_grant_lock, flags);
	ref = find_next_zero_bit(pvhv_grant_used, PVHV_GRANT_REFS, 1);
	if (ref < PVHV_GRANT_REFS)
		__set_bit(ref, pvhv_grant_used);
	spin_unlock_irqrestore(&pvhv_grant_lock, flags);
	if (ref >= PVHV_GRANT_REFS)
		return -ENOSPC;

	e = grant_entry(ref);
	e->gfn = page_to_pfn(page);
	e->domid = domid;
	e->pad = 0;
	/* pvhv reads flags first: the rest must be in place before. */
	smp_wmb();
	WRITE_ONCE(e->flags, PVHV_GTF_PERMIT_ACCESS |
		   (readonly ? PVHV_GTF_READONLY : 0));
	return ref;
}

void pvhv_grant_end(int ref)
{
	unsigned long flags;

	WRITE_ONCE(grant_entry(ref)->flags, 0);
	spin_lock_irqsave(&pvhv_grant_lock, flags);
	__clear_bit(ref, pvhv_grant_used);
	spin_unlock_irqrestore(&pvhv_grant_lock, flags);
}

int pvhv_grants_init(void)
{
	__le64 *list;
	long ret;
	int i;

	list = (__le64 *)get_zeroed_page(GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < PVHV_GRANT_FRAMES; i++) {
		pvhv_gtab[i] = (void *)get_zeroed_page(GFP_KERNEL);
		if (!pvhv_gtab[i]) {
			ret = -ENOMEM;
			goto err;
		}
		list[i] = cpu_to_le64(__pa(pvhv_gtab[i]) >> PAGE_SHIFT);
	}
	ret = pvhv_hypercall(PVHV_HC_GNTTAB_SETUP, __pa(list),
			     PVHV_GRANT_FRAMES, 0);
	if (ret != PVHV_GRANT_REFS) {
		pr_err("pvhv-guest: grant table setup failed (%ld)\n", ret);
		ret = -EIO;
		goto err;
	}
	free_page((unsigned long)list);
	return 0;
err:
	while (i--)
		free_page((unsigned long)pvhv_gtab[i]);
	free_page((unsigned long)list);
	return ret;
}

void pvhv_grants_exit(void)
{
	/*
	 * pvhv reads the table frames until the VM goes away or a new table
	 * replaces them (the next load of this module).  Reused for anything
	 * else, their contents could read as grants to other domains, so
	 * they stay allocated, empty: 64 KiB per unload.
	 */
	int i;

	for (i = 0; i < PVHV_GRANT_FRAMES; i++)
		memset(pvhv_gtab[i], 0, PAGE_SIZE);
}
