// SPDX-License-Identifier: GPL-2.0
/*
 * The pvhv balloon driver (the guest side of balloon/, after
 * drivers/xen/balloon.c).
 *
 * The host raises an event channel when the domain's target changes; a
 * work item then reads the target (PVHV_HC_BALLOON_INFO) and inflates
 * (allocates pages and hands them to the host with PVHV_HC_MEM_DECREASE)
 * or deflates (PVHV_HC_MEM_POPULATE, then frees the pages), up to
 * PVHV_MEM_BATCH_MAX pages a call, until the reservation is on target.
 *
 * Inflating never pushes the guest into OOM: pages come from no-retry,
 * no-warn allocations, and a failed allocation backs off (1 s, doubling
 * up to 32 s).  Under memory pressure a shrinker deflates with
 * PVHV_MEM_F_PRESSURE (the host allows it up to max) and holds inflation
 * off for a while.  Every few seconds the driver reports the guest's free,
 * cached and available memory, which the host's policy uses.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/vmstat.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <pvhv/pvhv.h>
#include <pvhv/balloon.h>

#include "../pvhv/compat.h"
#include "hypercall.h"
#include "events.h"
#include "balloon.h"

#define BALLOON_REPORT_INTERVAL	(2 * HZ)
#define BALLOON_BACKOFF_MAX	32	/* seconds */
#define BALLOON_PRESSURE_HOLD	(10 * HZ)

static struct {
	struct mutex lock;		/* all below, and the hypercall pages */
	struct list_head pages;		/* in the balloon, through page->lru */
	unsigned long nr;
	struct page *batch[PVHV_MEM_BATCH_MAX];
	__le64 *list;			/* one page: the frame list */
	void *info;			/* one page: info and report */
	struct delayed_work work;
	int port;
	unsigned long target, reservation;	/* last read, pages */
	unsigned int backoff;		/* seconds, 0: none */
	unsigned long hold_until;	/* jiffies: no inflating before */
	unsigned long inflated, deflated, pressure_deflated, alloc_failures;
	struct shrinker *shrinker;
	struct kobject *kobj;
	bool stopping;
} bl = {
	.lock = __MUTEX_INITIALIZER(bl.lock),
	.pages = LIST_HEAD_INIT(bl.pages),
};

static int cmp_pfn(const void *a, const void *b)
{
	unsigned long x = page_to_pfn(*(struct page * const *)a);
	unsigned long y = page_to_pfn(*(struct page * const *)b);

	return x < y ? -1 : x > y;
}

/*
 * Hand bl.batch[0..n) to the host (@in false) or take them back; the host
 * coalesces runs of consecutive frames, hence the sort.  Returns how many
 * it did, from the start of the batch, or a negative PVHV_E* code.
 */
static long balloon_call(unsigned int n, bool in, unsigned long flags)
{
	unsigned int i;

	sort(bl.batch, n, sizeof(bl.batch[0]), cmp_pfn, NULL);
	for (i = 0; i < n; i++)
		bl.list[i] = cpu_to_le64(page_to_pfn(bl.batch[i]));
	return pvhv_hypercall(in ? PVHV_HC_MEM_POPULATE : PVHV_HC_MEM_DECREASE,
			      __pa(bl.list), n, flags);
}

/* Inflate by up to @want pages (at most one batch); false on failure. */
static bool balloon_inflate(unsigned long want)
{
	unsigned int n, i;
	long done;

	want = min_t(unsigned long, want, PVHV_MEM_BATCH_MAX);
	for (n = 0; n < want; n++) {
		bl.batch[n] = alloc_page(GFP_HIGHUSER | __GFP_NORETRY |
					 __GFP_NOWARN | __GFP_NOMEMALLOC);
		if (!bl.batch[n])
			break;
	}
	done = n ? balloon_call(n, false, 0) : 0;
	if (done < 0) {
		pr_warn_ratelimited("pvhv-guest: balloon: decrease failed (%ld)\n",
				    done);
		done = 0;
	}
	for (i = 0; i < n; i++) {
		if (i < done) {
			list_add(&bl.batch[i]->lru, &bl.pages);
			adjust_managed_page_count(bl.batch[i], -1);
		} else {
			__free_page(bl.batch[i]);
		}
	}
	bl.nr += done;
	bl.inflated += done;
	if (n < want)
		bl.alloc_failures++;
	return n == want && done == n;
}

/* Deflate by up to @want pages (at most one batch); how many. */
static long balloon_deflate(unsigned long want, unsigned long flags)
{
	unsigned int n, i;
	long done;

	want = min3(want, bl.nr, (unsigned long)PVHV_MEM_BATCH_MAX);
	for (n = 0; n < want; n++) {
		bl.batch[n] = list_first_entry(&bl.pages, struct page, lru);
		list_del(&bl.batch[n]->lru);
	}
	done = n ? balloon_call(n, true, flags) : 0;
	if (done < 0)
		done = 0;
	for (i = 0; i < n; i++) {
		if (i < done) {
			adjust_managed_page_count(bl.batch[i], 1);
			__free_page(bl.batch[i]);
		} else {
			list_add(&bl.batch[i]->lru, &bl.pages);
		}
	}
	bl.nr -= done;
	bl.deflated += done;
	return done;
}

/*
 * Swap cache pages are counted in NR_FILE_PAGES too, as in /proc/meminfo's
 * Cached; a kernel built without swap has no such counter, and none.
 */
static long balloon_swapcache_pages(void)
{
#ifdef CONFIG_SWAP
	return global_node_page_state(NR_SWAPCACHE);
#else
	return 0;
#endif
}

static void balloon_report(void)
{
	struct pvhv_balloon_stats *st = bl.info;
	struct sysinfo si;
	long cached;

	si_meminfo(&si);
	cached = global_node_page_state(NR_FILE_PAGES) -
		 balloon_swapcache_pages() - si.bufferram;
	*st = (struct pvhv_balloon_stats){
		.free = si.freeram,
		.cached = max(cached, 0L),
		.available = si_mem_available(),
		.total = si.totalram,
	};
	pvhv_hypercall(PVHV_HC_BALLOON_REPORT, __pa(st), 0, 0);
}

static void balloon_work_fn(struct work_struct *work)
{
	struct pvhv_balloon_info *info = bl.info;
	unsigned long delay = BALLOON_REPORT_INTERVAL;

	mutex_lock(&bl.lock);
	if (pvhv_hypercall(PVHV_HC_BALLOON_INFO, __pa(info), 0, 0)) {
		mutex_unlock(&bl.lock);
		return;
	}
	bl.target = info->target;
	bl.reservation = info->reservation;
	if (bl.reservation > bl.target &&
	    time_after_eq(jiffies, bl.hold_until)) {
		if (balloon_inflate(bl.reservation - bl.target)) {
			bl.backoff = 0;
			delay = 0;
		} else {
			bl.backoff = clamp(bl.backoff * 2, 1U,
					   (unsigned int)BALLOON_BACKOFF_MAX);
			delay = bl.backoff * HZ;
		}
	} else if (bl.reservation < bl.target && bl.nr) {
		if (balloon_deflate(bl.target - bl.reservation, 0))
			delay = 0;
	}
	balloon_report();
	if (!bl.stopping)
		mod_delayed_work(system_wq, &bl.work, delay);
	mutex_unlock(&bl.lock);
}

static void balloon_event(unsigned int port, void *data)
{
	mod_delayed_work(system_wq, &bl.work, 0);
}

/* ---- deflate on memory pressure ---- */

static unsigned long balloon_shrink_count(struct shrinker *s,
					  struct shrink_control *sc)
{
	return READ_ONCE(bl.nr);
}

static unsigned long balloon_shrink_scan(struct shrinker *s,
					 struct shrink_control *sc)
{
	long done;

	/* The work item may be in an allocation that got us here. */
	if (!mutex_trylock(&bl.lock))
		return SHRINK_STOP;
	done = balloon_deflate(sc->nr_to_scan, PVHV_MEM_F_PRESSURE);
	bl.pressure_deflated += done;
	if (done)
		bl.hold_until = jiffies + BALLOON_PRESSURE_HOLD;
	mutex_unlock(&bl.lock);
	return done ? done : SHRINK_STOP;
}

/* ---- /sys/kernel/pvhv_guest/balloon/ ---- */

#define BALLOON_ATTR(name, expr)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lu\n", (unsigned long)(expr));		\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

BALLOON_ATTR(current_kb, READ_ONCE(bl.reservation) << (PAGE_SHIFT - 10));
BALLOON_ATTR(target_kb, READ_ONCE(bl.target) << (PAGE_SHIFT - 10));
BALLOON_ATTR(ballooned_kb, READ_ONCE(bl.nr) << (PAGE_SHIFT - 10));
BALLOON_ATTR(inflated, READ_ONCE(bl.inflated));
BALLOON_ATTR(deflated, READ_ONCE(bl.deflated));
BALLOON_ATTR(pressure_deflated, READ_ONCE(bl.pressure_deflated));
BALLOON_ATTR(alloc_failures, READ_ONCE(bl.alloc_failures));

static struct attribute *balloon_attrs[] = {
	&current_kb_attr.attr,
	&target_kb_attr.attr,
	&ballooned_kb_attr.attr,
	&inflated_attr.attr,
	&deflated_attr.attr,
	&pressure_deflated_attr.attr,
	&alloc_failures_attr.attr,
	NULL,
};

static const struct attribute_group balloon_group = {
	.attrs = balloon_attrs,
};

/* ---- init and exit ---- */

int pvhv_balloon_init(struct kobject *parent)
{
	int ret;

	INIT_DELAYED_WORK(&bl.work, balloon_work_fn);
	bl.list = (__le64 *)get_zeroed_page(GFP_KERNEL);
	bl.info = (void *)get_zeroed_page(GFP_KERNEL);
	ret = -ENOMEM;
	if (!bl.list || !bl.info)
		goto err_pages;
	bl.kobj = kobject_create_and_add("balloon", parent);
	if (!bl.kobj)
		goto err_pages;
	ret = sysfs_create_group(bl.kobj, &balloon_group);
	if (ret)
		goto err_kobj;
	bl.port = pvhv_event_alloc_unbound(PVHV_DOMID_HOST, balloon_event,
					   NULL);
	if (bl.port < 0) {
		ret = bl.port;
		goto err_kobj;
	}
	ret = pvhv_hypercall(PVHV_HC_BALLOON_SETUP, bl.port, 0, 0);
	if (ret) {
		ret = -EIO;
		goto err_port;
	}
	bl.shrinker = pvhv_shrinker_create("pvhv-balloon", balloon_shrink_count,
					   balloon_shrink_scan);
	if (!bl.shrinker) {
		ret = -ENOMEM;
		goto err_setup;
	}
	mod_delayed_work(system_wq, &bl.work, 0);
	return 0;

err_setup:
	pvhv_hypercall(PVHV_HC_BALLOON_SETUP, 0, 0, 0);
err_port:
	pvhv_event_close(bl.port);
err_kobj:
	kobject_put(bl.kobj);
err_pages:
	free_page((unsigned long)bl.list);
	free_page((unsigned long)bl.info);
	return ret;
}

void pvhv_balloon_exit(void)
{
	unsigned long left;

	/* No event, and no work item rearming itself, after this. */
	mutex_lock(&bl.lock);
	bl.stopping = true;
	mutex_unlock(&bl.lock);
	pvhv_hypercall(PVHV_HC_BALLOON_SETUP, 0, 0, 0);
	pvhv_event_close(bl.port);
	cancel_delayed_work_sync(&bl.work);
	pvhv_shrinker_destroy(bl.shrinker);

	/* Every page back to the guest; one the host refuses stays ours. */
	mutex_lock(&bl.lock);
	while (bl.nr && balloon_deflate(bl.nr, PVHV_MEM_F_PRESSURE))
		;
	left = bl.nr;
	mutex_unlock(&bl.lock);
	if (left)
		pr_warn("pvhv-guest: balloon: the host kept %lu pages; they stay allocated\n",
			left);
	kobject_put(bl.kobj);
	free_page((unsigned long)bl.list);
	free_page((unsigned long)bl.info);
}
