// SPDX-License-Identifier: GPL-2.0
/*
 * Per-domain balloon state: the target, telling the guest about it, what
 * the guest reports back, and /sys/kernel/pvhv/domains/<name>/balloon/.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/jiffies.h>
#include <linux/sysfs.h>

#include "../pvhv/domain.h"
#include "../pvhv/evtchn.h"
#include "balloon.h"

/* Every domain's balloon, for the policy. */
LIST_HEAD(pvhv_balloon_doms);
/* Guards pvhv_balloon_doms. */
DEFINE_MUTEX(pvhv_balloon_list_lock);

/* The policy never takes a domain below this share of its memory. */
#define PVHV_BALLOON_MIN_DEFAULT_DIV	4
#define PVHV_BALLOON_SHARES_DEFAULT	1000

/* min, by default a quarter of the domain's memory. */
static long __pvhv_balloon_min(struct pvhv_balloon_dom *b)
{
	if (b->min >= 0)
		return b->min;
	return pvhv_domain_pages(b->dom) / PVHV_BALLOON_MIN_DEFAULT_DIV;
}

static long __pvhv_balloon_target(struct pvhv_balloon_dom *b)
{
	long max = pvhv_domain_max_pages(b->dom);
	long t = b->user_target ? min(b->user_target, max) : max;

	return max(t - b->reclaimed, min(__pvhv_balloon_min(b), t));
}

long pvhv_balloon_min(struct pvhv_balloon_dom *b)
{
	long min;

	spin_lock(&b->lock);
	min = __pvhv_balloon_min(b);
	spin_unlock(&b->lock);
	return min;
}

long pvhv_balloon_target(struct pvhv_balloon_dom *b)
{
	long t;

	spin_lock(&b->lock);
	t = __pvhv_balloon_target(b);
	spin_unlock(&b->lock);
	return t;
}

void pvhv_balloon_lock(struct pvhv_balloon_dom *b, long *old_target)
	__acquires(&b->lock)
{
	spin_lock(&b->lock);
	*old_target = __pvhv_balloon_target(b);
}

void pvhv_balloon_unlock_notify(struct pvhv_balloon_dom *b, long old_target)
	__releases(&b->lock)
{
	u32 port = 0;

	if (__pvhv_balloon_target(b) != old_target)
		port = b->port;
	spin_unlock(&b->lock);
	if (port)
		pvhv_evtchn_notify(b->dom, port);
}

/* ---- sysfs: /sys/kernel/pvhv/domains/<name>/balloon/ ---- */

/*
 * The domain's balloon, or NULL once the domain is destroyed: its files
 * stay until the core removes its directory, but it has no balloon to
 * manage any more.
 */
static struct pvhv_balloon_dom *kobj_balloon(struct kobject *kobj)
{
	struct pvhv_balloon_dom *b = kobj_to_domain(kobj)->balloon;

	return READ_ONCE(b->gone) ? NULL : b;
}

static long pages_kb(long pages)
{
	return pages * (PAGE_SIZE / 1024);
}

/* A kB value written by the administrator, in pages. */
static int parse_kb(const char *buf, long *pages)
{
	unsigned long kb;
	int ret = kstrtoul(buf, 0, &kb);

	if (ret)
		return ret;
	if (kb > LONG_MAX / 1024)
		return -ERANGE;
	*pages = kb / (PAGE_SIZE / 1024);
	return 0;
}

#define BALLOON_RO(name, expr)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);		\
	struct pvhv_domain *dom;					\
	long v;								\
									\
	if (!b)								\
		return -ENODEV;						\
	dom = b->dom;							\
	spin_lock(&b->lock);						\
	v = (expr);							\
	spin_unlock(&b->lock);						\
	(void)dom;							\
	return sysfs_emit(buf, "%ld\n", v);				\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

BALLOON_RO(current_kb, pages_kb(pvhv_domain_pages(dom) -
				atomic_long_read(&dom->ballooned)));
BALLOON_RO(ballooned_kb, pages_kb(atomic_long_read(&dom->ballooned)));
BALLOON_RO(populated_kb, pages_kb(atomic_long_read(&dom->frames)));
BALLOON_RO(touched, atomic_long_read(&dom->ballooned_touched));
BALLOON_RO(reclaimed_kb, pages_kb(b->reclaimed));
BALLOON_RO(pressure_kb, pages_kb(atomic_long_read(&b->pressure_populated)));
BALLOON_RO(driver, b->port ? 1 : 0);
BALLOON_RO(guest_free_kb, pages_kb(b->stats.free));
BALLOON_RO(guest_cached_kb, pages_kb(b->stats.cached));
BALLOON_RO(guest_available_kb, pages_kb(b->stats.available));
BALLOON_RO(guest_total_kb, pages_kb(b->stats.total));
BALLOON_RO(guest_report_age_ms, b->stats_jiffies ?
	   (long)jiffies_to_msecs(jiffies - b->stats_jiffies) : -1L);

static ssize_t target_kb_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);

	if (!b)
		return -ENODEV;
	return sysfs_emit(buf, "%ld\n", pages_kb(pvhv_balloon_target(b)));
}

enum balloon_knob { KNOB_TARGET, KNOB_MIN, KNOB_MAX };

/*
 * A kB value for the domain: the administrator's target (0: max; the
 * policy works below it), min, or max (0, or anything above the size, is
 * the size).  A change of target is sent to the guest.
 */
static ssize_t balloon_kb_store(struct kobject *kobj, const char *buf,
				size_t count, enum balloon_knob knob)
{
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);
	long pages, old;
	int ret = parse_kb(buf, &pages);

	if (!b)
		return -ENODEV;
	if (ret)
		return ret;
	if (knob == KNOB_MAX && !pages && *skip_spaces(buf) != '0')
		return -EINVAL;		/* below one page: say 0 for "size" */
	pvhv_balloon_lock(b, &old);
	switch (knob) {
	case KNOB_TARGET:
		b->user_target = pages;
		break;
	case KNOB_MIN:
		b->min = pages;
		break;
	case KNOB_MAX:
		atomic_long_set(&b->dom->max_pages, pages);
		break;
	}
	pvhv_balloon_unlock_notify(b, old);
	return count;
}

static ssize_t target_kb_store(struct kobject *kobj,
			       struct kobj_attribute *attr,
			       const char *buf, size_t count)
{
	return balloon_kb_store(kobj, buf, count, KNOB_TARGET);
}

static ssize_t min_kb_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);

	if (!b)
		return -ENODEV;
	return sysfs_emit(buf, "%ld\n", pages_kb(pvhv_balloon_min(b)));
}

static ssize_t min_kb_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	return balloon_kb_store(kobj, buf, count, KNOB_MIN);
}

static ssize_t max_kb_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);

	if (!b)
		return -ENODEV;
	return sysfs_emit(buf, "%ld\n",
			  pages_kb(pvhv_domain_max_pages(b->dom)));
}

static ssize_t max_kb_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	return balloon_kb_store(kobj, buf, count, KNOB_MAX);
}

static ssize_t shares_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);

	if (!b)
		return -ENODEV;
	return sysfs_emit(buf, "%u\n", READ_ONCE(b->shares));
}

static ssize_t shares_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct pvhv_balloon_dom *b = kobj_balloon(kobj);
	unsigned int shares;
	int ret = kstrtouint(buf, 0, &shares);

	if (!b)
		return -ENODEV;
	if (ret)
		return ret;
	if (!shares || shares > 1000000)
		return -ERANGE;
	WRITE_ONCE(b->shares, shares);
	return count;
}

static struct kobj_attribute target_kb_attr = __ATTR_RW(target_kb);
static struct kobj_attribute min_kb_attr = __ATTR_RW(min_kb);
static struct kobj_attribute max_kb_attr = __ATTR_RW(max_kb);
static struct kobj_attribute shares_attr = __ATTR_RW(shares);

static struct attribute *pvhv_balloon_dom_attrs[] = {
	&target_kb_attr.attr,
	&current_kb_attr.attr,
	&min_kb_attr.attr,
	&max_kb_attr.attr,
	&shares_attr.attr,
	&ballooned_kb_attr.attr,
	&populated_kb_attr.attr,
	&touched_attr.attr,
	&reclaimed_kb_attr.attr,
	&pressure_kb_attr.attr,
	&driver_attr.attr,
	&guest_free_kb_attr.attr,
	&guest_cached_kb_attr.attr,
	&guest_available_kb_attr.attr,
	&guest_total_kb_attr.attr,
	&guest_report_age_ms_attr.attr,
	NULL,
};

const struct attribute_group pvhv_balloon_dom_group = {
	.name = "balloon",
	.attrs = pvhv_balloon_dom_attrs,
};

/* ---- domain lifetime ---- */

static int balloon_domain_create(struct pvhv_domain *dom)
{
	struct pvhv_balloon_dom *b;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->dom = dom;
	spin_lock_init(&b->lock);
	b->shares = PVHV_BALLOON_SHARES_DEFAULT;
	b->min = -1;		/* the default, from the size */
	dom->balloon = b;
	ret = sysfs_create_group(&dom->kobj, &pvhv_balloon_dom_group);
	if (ret) {
		dom->balloon = NULL;
		kfree(b);
		return ret;
	}
	mutex_lock(&pvhv_balloon_list_lock);
	list_add_tail(&b->node, &pvhv_balloon_doms);
	mutex_unlock(&pvhv_balloon_list_lock);
	return 0;
}

/* The guest kernel is gone: so are its port and its reports. */
static void balloon_domain_teardown(struct pvhv_domain *dom, struct kvm *kvm)
{
	struct pvhv_balloon_dom *b = dom->balloon;

	if (!b)
		return;
	spin_lock(&b->lock);
	b->port = 0;
	b->stats_jiffies = 0;
	memset(&b->stats, 0, sizeof(b->stats));
	spin_unlock(&b->lock);
}

/*
 * The policy stops seeing the domain; its sysfs files and hypercalls that
 * a vCPU already started may still run, and find it gone.
 */
static void balloon_domain_destroy(struct pvhv_domain *dom)
{
	struct pvhv_balloon_dom *b = dom->balloon;

	if (!b)
		return;
	mutex_lock(&pvhv_balloon_list_lock);
	list_del(&b->node);
	mutex_unlock(&pvhv_balloon_list_lock);
	spin_lock(&b->lock);
	WRITE_ONCE(b->gone, true);
	spin_unlock(&b->lock);
}

static void balloon_domain_release(struct pvhv_domain *dom)
{
	kfree(dom->balloon);
	dom->balloon = NULL;
}

static struct pvhv_domain_ops pvhv_balloon_domain_ops = {
	.create = balloon_domain_create,
	.teardown = balloon_domain_teardown,
	.destroy = balloon_domain_destroy,
	.release = balloon_domain_release,
};

int pvhv_balloon_init(void)
{
	int ret;

	ret = pvhv_balloon_hc_init();
	if (ret)
		return ret;
	ret = pvhv_balloon_policy_init();
	if (ret) {
		pvhv_balloon_hc_exit();
		return ret;
	}
	pvhv_domain_ops_register(&pvhv_balloon_domain_ops);
	return 0;
}

void pvhv_balloon_exit(void)
{
	pvhv_domain_ops_unregister(&pvhv_balloon_domain_ops);
	pvhv_balloon_policy_exit();
	pvhv_balloon_hc_exit();
}
