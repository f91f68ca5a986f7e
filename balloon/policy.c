// SPDX-License-Identifier: GPL-2.0
/*
 * The automatic policy: when the host runs short of memory, lower the
 * targets of the domains with the most idle memory; raise them again when
 * memory is back.  Knobs and counters in /sys/kernel/pvhv/balloon/.
 *
 * Which domain gives memory up is ESX's idle memory tax (Waldspurger,
 * "Memory Resource Management in VMware ESX Server", OSDI 2002): each
 * domain has shares S and P pages, of which a fraction f is active; with
 * tax rate tau, an idle page costs k = 1 / (1 - tau) active ones, and
 *
 *	rho = S / (P * (f + k * (1 - f)))
 *
 * is its shares per page.  Memory is taken from the domain with the
 * lowest rho first.  Multiplied out with A = f * P active and I idle
 * pages, and tau in percent:
 *
 *	rho ~ S / ((100 - tau) * A + 100 * I)
 *
 * which still orders domains when tau is 100.  The idle pages are the
 * MemAvailable that the guest's balloon driver reports (no report: none
 * idle).  A domain is never taken below its min, and only domains whose
 * guest runs a balloon driver take part.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include <linux/sysfs.h>

#include "../pvhv/core.h"
#include "../pvhv/domain.h"
#include "../pvhv/frames.h"
#include "balloon.h"

/* Targets move in steps of this many pages, so that rho is recomputed. */
#define POLICY_STEP		(16UL << (20 - PAGE_SHIFT))
/* A guest report older than this counts as none. */
#define POLICY_REPORT_MAX_AGE	(10 * HZ)

static bool policy_auto;
static unsigned long policy_tax_rate = 75;	/* percent */
static unsigned long policy_interval_ms = 1000;
static unsigned long policy_low_kb, policy_high_kb;
static unsigned long policy_changes;		/* target moves made */
static DEFINE_MUTEX(policy_knob_lock);		/* the knobs above */

static void policy_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(policy_work, policy_fn);

struct policy_dom {
	struct pvhv_balloon_dom *b;
	long current_pages, target, min, idle;
};

static void policy_sample(struct pvhv_balloon_dom *b, struct policy_dom *p)
{
	struct pvhv_domain *dom = b->dom;
	long frames, shared;

	p->b = b;
	p->current_pages = pvhv_domain_pages(dom) -
			   atomic_long_read(&dom->ballooned);
	p->target = pvhv_balloon_target(b);
	p->min = pvhv_balloon_min(b);
	spin_lock(&b->lock);
	p->idle = 0;
	if (b->stats_jiffies &&
	    time_before(jiffies, b->stats_jiffies + POLICY_REPORT_MAX_AGE))
		p->idle = clamp_t(long, b->stats.available, 0, p->target);
	spin_unlock(&b->lock);
	/*
	 * Ballooning a shared frame frees nothing while others map it, and
	 * idle memory is what the scanner shares first (zero pages): count
	 * idle memory only in proportion to the domain's private frames.
	 */
	frames = atomic_long_read(&dom->frames);
	shared = clamp(atomic_long_read(&dom->ksm_shared), 0L, frames);
	if (frames > 0 && shared > 0)
		p->idle -= div64_s64((s64)p->idle * shared, frames);
}

/* Denominator of rho for @p, with its target as P. */
static u64 policy_cost(const struct policy_dom *p, unsigned int tax)
{
	long idle = min(p->idle, p->target);

	return (u64)(100 - tax) * (p->target - idle) + 100ULL * idle;
}

/* rho(a) < rho(b)? */
static bool policy_rho_less(const struct policy_dom *a,
			    const struct policy_dom *b, unsigned int tax)
{
	return (u64)READ_ONCE(a->b->shares) * policy_cost(b, tax) <
	       (u64)READ_ONCE(b->b->shares) * policy_cost(a, tax);
}

/* Move @p's target by -@pages (reclaim) or +@pages (give back). */
static void policy_move(struct policy_dom *p, long pages)
{
	struct pvhv_balloon_dom *b = p->b;
	long old;

	pvhv_balloon_lock(b, &old);
	b->reclaimed = max(b->reclaimed - pages, 0L);
	pvhv_balloon_unlock_notify(b, old);
	p->target = pvhv_balloon_target(b);
	policy_changes++;
}

#define POLICY_MAX_DOMS	64

static void policy_run(long avail, long low, long high, unsigned int tax)
{
	static struct policy_dom doms[POLICY_MAX_DOMS];	/* policy_work only */
	struct pvhv_balloon_dom *b;
	struct policy_dom *best;
	long need = 0, give = 0, step;
	int n = 0, i, rounds;

	mutex_lock(&pvhv_balloon_list_lock);
	list_for_each_entry(b, &pvhv_balloon_doms, node) {
		if (n == POLICY_MAX_DOMS || !READ_ONCE(b->port))
			continue;
		policy_sample(b, &doms[n]);
		/* Memory on its way back already: do not ask twice. */
		avail += max(doms[n].current_pages - doms[n].target, 0L);
		n++;
	}
	if (avail < low)
		need = high - avail;
	else if (avail > high)
		give = avail - high;

	for (rounds = 0; need > 0 && rounds < 4096; rounds++) {
		best = NULL;
		for (i = 0; i < n; i++)
			if (doms[i].target > doms[i].min &&
			    (!best || policy_rho_less(&doms[i], best, tax)))
				best = &doms[i];
		if (!best)
			break;
		step = min3(need, best->target - best->min, (long)POLICY_STEP);
		best->idle = max(best->idle - step, 0L);
		policy_move(best, -step);
		need -= step;
	}
	for (rounds = 0; give > 0 && rounds < 4096; rounds++) {
		best = NULL;
		for (i = 0; i < n; i++)
			if (doms[i].b->reclaimed > 0 &&
			    (!best || policy_rho_less(best, &doms[i], tax)))
				best = &doms[i];
		if (!best)
			break;
		step = min3(give, READ_ONCE(best->b->reclaimed),
			    (long)POLICY_STEP);
		policy_move(best, step);
		give -= step;
	}
	mutex_unlock(&pvhv_balloon_list_lock);
}

/* The policy is off: every domain's target is its administrator's again. */
static void policy_give_all_back(void)
{
	struct pvhv_balloon_dom *b;
	long old;

	cancel_delayed_work_sync(&policy_work);
	mutex_lock(&pvhv_balloon_list_lock);
	list_for_each_entry(b, &pvhv_balloon_doms, node) {
		pvhv_balloon_lock(b, &old);
		b->reclaimed = 0;
		pvhv_balloon_unlock_notify(b, old);
	}
	mutex_unlock(&pvhv_balloon_list_lock);
}

static void policy_fn(struct work_struct *work)
{
	unsigned long low, high, interval;
	unsigned int tax;

	mutex_lock(&policy_knob_lock);
	if (!policy_auto) {
		mutex_unlock(&policy_knob_lock);
		return;
	}
	low = policy_low_kb >> (PAGE_SHIFT - 10);
	high = policy_high_kb >> (PAGE_SHIFT - 10);
	tax = policy_tax_rate;
	interval = policy_interval_ms;
	mutex_unlock(&policy_knob_lock);

	policy_run(si_mem_available(), low, high, tax);
	schedule_delayed_work(&policy_work, msecs_to_jiffies(interval));
}

/* ---- /sys/kernel/pvhv/balloon/ ---- */

static ssize_t knob_show(unsigned long v, char *buf)
{
	return sysfs_emit(buf, "%lu\n", v);
}

static ssize_t knob_store(const char *buf, size_t count, unsigned long *v,
			  unsigned long lo, unsigned long hi)
{
	unsigned long x;
	int ret = kstrtoul(buf, 0, &x);

	if (ret)
		return ret;
	if (x < lo || x > hi)
		return -ERANGE;
	mutex_lock(&policy_knob_lock);
	*v = x;
	/* The high watermark stays above the low one. */
	if (policy_high_kb < policy_low_kb) {
		if (v == &policy_low_kb)
			policy_high_kb = policy_low_kb;
		else
			policy_low_kb = policy_high_kb;
	}
	mutex_unlock(&policy_knob_lock);
	return count;
}

static ssize_t policy_auto_show(struct kobject *k, struct kobj_attribute *a,
				char *buf)
{
	return knob_show(READ_ONCE(policy_auto), buf);
}

static ssize_t policy_auto_store(struct kobject *k, struct kobj_attribute *a,
				 const char *buf, size_t count)
{
	bool on;
	int ret = kstrtobool(buf, &on);

	if (ret)
		return ret;
	mutex_lock(&policy_knob_lock);
	policy_auto = on;
	mutex_unlock(&policy_knob_lock);
	if (on)
		mod_delayed_work(system_wq, &policy_work, 0);
	else
		policy_give_all_back();
	return count;
}

static ssize_t tax_rate_show(struct kobject *k, struct kobj_attribute *a,
			     char *buf)
{
	return knob_show(READ_ONCE(policy_tax_rate), buf);
}

static ssize_t tax_rate_store(struct kobject *k, struct kobj_attribute *a,
			      const char *buf, size_t count)
{
	return knob_store(buf, count, &policy_tax_rate, 0, 100);
}

static ssize_t interval_ms_show(struct kobject *k, struct kobj_attribute *a,
				char *buf)
{
	return knob_show(READ_ONCE(policy_interval_ms), buf);
}

static ssize_t interval_ms_store(struct kobject *k, struct kobj_attribute *a,
				 const char *buf, size_t count)
{
	return knob_store(buf, count, &policy_interval_ms, 10, 60000);
}

static ssize_t low_kb_show(struct kobject *k, struct kobj_attribute *a,
			   char *buf)
{
	return knob_show(READ_ONCE(policy_low_kb), buf);
}

static ssize_t low_kb_store(struct kobject *k, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	return knob_store(buf, count, &policy_low_kb, 0, ULONG_MAX >> 12);
}

static ssize_t high_kb_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	return knob_show(READ_ONCE(policy_high_kb), buf);
}

static ssize_t high_kb_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	return knob_store(buf, count, &policy_high_kb, 0, ULONG_MAX >> 12);
}

static ssize_t host_available_kb_show(struct kobject *k,
				      struct kobj_attribute *a, char *buf)
{
	return knob_show(si_mem_available() << (PAGE_SHIFT - 10), buf);
}

static ssize_t ballooned_kb_show(struct kobject *k, struct kobj_attribute *a,
				 char *buf)
{
	return knob_show(pvhv_frames_ballooned_global() << (PAGE_SHIFT - 10),
			 buf);
}

static ssize_t changes_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	return knob_show(READ_ONCE(policy_changes), buf);
}

/* Spelled out: "auto" is a macro in the kernel (__auto_type). */
static struct kobj_attribute auto_attr = {
	.attr = { .name = "auto", .mode = 0644 },
	.show = policy_auto_show,
	.store = policy_auto_store,
};

static struct kobj_attribute tax_rate_attr = __ATTR_RW(tax_rate);
static struct kobj_attribute interval_ms_attr = __ATTR_RW(interval_ms);
static struct kobj_attribute low_kb_attr = __ATTR_RW(low_kb);
static struct kobj_attribute high_kb_attr = __ATTR_RW(high_kb);
static struct kobj_attribute host_available_kb_attr =
	__ATTR_RO(host_available_kb);
static struct kobj_attribute ballooned_kb_attr = __ATTR_RO(ballooned_kb);
static struct kobj_attribute changes_attr = __ATTR_RO(changes);

static struct attribute *pvhv_balloon_global_attrs[] = {
	&auto_attr.attr,
	&tax_rate_attr.attr,
	&interval_ms_attr.attr,
	&low_kb_attr.attr,
	&high_kb_attr.attr,
	&host_available_kb_attr.attr,
	&ballooned_kb_attr.attr,
	&changes_attr.attr,
	NULL,
};

static const struct attribute_group pvhv_balloon_global_group = {
	.name = "balloon",
	.attrs = pvhv_balloon_global_attrs,
};

int pvhv_balloon_policy_init(void)
{
	/* Defaults: act below 1/16 of RAM available, stop at 1/8. */
	policy_low_kb = (totalram_pages() << (PAGE_SHIFT - 10)) / 16;
	policy_high_kb = policy_low_kb * 2;
	return sysfs_create_group(pvhv_kobj, &pvhv_balloon_global_group);
}

void pvhv_balloon_policy_exit(void)
{
	sysfs_remove_group(pvhv_kobj, &pvhv_balloon_global_group);
	mutex_lock(&policy_knob_lock);
	policy_auto = false;
	mutex_unlock(&policy_knob_lock);
	cancel_delayed_work_sync(&policy_work);
}
