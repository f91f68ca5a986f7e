// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvhv/ksm/ (knobs and counters, named after Linux KSM's where
 * the meaning matches) and /sys/kernel/pvhv/domains/<name>/ksm/.
 */
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/sched/signal.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/sysfs.h>

#include "../pvhv/core.h"
#include "../pvhv/domain.h"
#include "../pvhv/frames.h"
#include "ksm.h"

static struct kobject *ksm_kobj;

/*
 * Give every frame of @dom (NULL: of every domain) a private page again.
 * Under pvhv_ksm_scan_lock, so the scanner merges nothing meanwhile.
 * 0 or -ENOMEM.
 */
static int pvhv_ksm_unmerge(struct pvhv_domain *dom)
{
	struct pvhv_mem *mem;
	struct inode *inode;
	long ret = 0;
	u32 id = 0;

	lockdep_assert_held(&pvhv_ksm_scan_lock);
	while (ret >= 0 && (mem = pvhv_mem_get_next(&id, &inode))) {
		if (!dom || mem->dom == dom)
			ret = pvhv_mem_unshare_all(inode, mem);
		iput(inode);
		id++;
	}
	return ret < 0 ? ret : 0;
}

/* ---- global knobs ---- */

static int ksm_store_uint(const char *buf, unsigned int *knob,
			  unsigned int min, unsigned int max)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(buf, 0, &v);
	if (ret)
		return ret;
	if (v < min || v > max)
		return -EINVAL;
	WRITE_ONCE(*knob, v);
	pvhv_ksm_scan_kick();
	return 0;
}

static ssize_t run_show(struct kobject *k, struct kobj_attribute *a,
			char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pvhv_ksm_knobs.run));
}

static ssize_t run_store(struct kobject *k, struct kobj_attribute *a,
			 const char *buf, size_t count)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(buf, 0, &v);
	if (ret)
		return ret;
	if (v > PVHV_KSM_UNMERGE)
		return -EINVAL;
	mutex_lock(&pvhv_ksm_scan_lock);
	WRITE_ONCE(pvhv_ksm_knobs.run, v);
	if (v == PVHV_KSM_UNMERGE) {
		/* As KSM's run=2: unmerge everything, then stay stopped. */
		pvhv_ksm_scan_reset();
		ret = pvhv_ksm_unmerge(NULL);
	}
	mutex_unlock(&pvhv_ksm_scan_lock);
	pvhv_ksm_scan_kick();
	return ret ?: count;
}

static ssize_t pages_to_scan_show(struct kobject *k, struct kobj_attribute *a,
				  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pvhv_ksm_knobs.pages_to_scan));
}

static ssize_t pages_to_scan_store(struct kobject *k, struct kobj_attribute *a,
				   const char *buf, size_t count)
{
	return ksm_store_uint(buf, &pvhv_ksm_knobs.pages_to_scan, 1,
			      1U << 20) ?: count;
}

static ssize_t sleep_millisecs_show(struct kobject *k,
				    struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  READ_ONCE(pvhv_ksm_knobs.sleep_millisecs));
}

static ssize_t sleep_millisecs_store(struct kobject *k,
				     struct kobj_attribute *a,
				     const char *buf, size_t count)
{
	return ksm_store_uint(buf, &pvhv_ksm_knobs.sleep_millisecs, 0,
			      MSEC_PER_SEC * 3600) ?: count;
}

static ssize_t hash_bits_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(pvhv_ksm_knobs.hash_bits));
}

static ssize_t hash_bits_store(struct kobject *k, struct kobj_attribute *a,
			       const char *buf, size_t count)
{
	int ret;

	mutex_lock(&pvhv_ksm_scan_lock);
	ret = ksm_store_uint(buf, &pvhv_ksm_knobs.hash_bits, 0, 64);
	if (!ret)
		pvhv_ksm_rehash();
	mutex_unlock(&pvhv_ksm_scan_lock);
	return ret ?: count;
}

static ssize_t fail_cow_show(struct kobject *k, struct kobj_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&pvhv_ksm_fail_cow));
}

static ssize_t fail_cow_store(struct kobject *k, struct kobj_attribute *a,
			      const char *buf, size_t count)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(buf, 0, &v);
	if (ret)
		return ret;
	if (v > INT_MAX)
		return -EINVAL;
	atomic_set(&pvhv_ksm_fail_cow, v);
	return count;
}

#define KSM_STAT(name, expr)						\
static ssize_t name##_show(struct kobject *k, struct kobj_attribute *a,	\
			   char *buf)					\
{									\
	return sysfs_emit(buf, "%ld\n", (long)(expr));			\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

/* The counters of pvhv_ksm_stats, by name. */
#define KSM_COUNTER(name, field) \
	KSM_STAT(name, atomic_long_read(&pvhv_ksm_stats.field))

KSM_COUNTER(pages_shared, pages_shared);
KSM_COUNTER(pages_sharing, pages_sharing);
KSM_COUNTER(full_scans, full_scans);
KSM_COUNTER(pages_scanned, pages_scanned);
KSM_COUNTER(hint_hits, hint_hits);
KSM_COUNTER(stale_hints, stale_hints);
KSM_COUNTER(hash_collisions, hash_collisions);
KSM_COUNTER(merges, merges);
KSM_COUNTER(cow_breaks, cow_breaks);
KSM_COUNTER(cow_reuses, cow_reuses);
KSM_COUNTER(cow_failures, cow_failures);
KSM_COUNTER(unshared, unshared);
KSM_COUNTER(granted_skipped, granted_skipped);
KSM_STAT(zero_pages, atomic_long_read(&pvhv_ksm_stats.zero_sharing));
KSM_STAT(hint_frames, pvhv_hints_used());
KSM_STAT(hint_capacity, pvhv_hints_capacity());
KSM_STAT(metadata_bytes, pvhv_ksm_metadata_bytes());
KSM_STAT(scanner_pid, pvhv_ksm_scan_pid());

static struct kobj_attribute run_attr = __ATTR_RW(run);
static struct kobj_attribute pages_to_scan_attr = __ATTR_RW(pages_to_scan);
static struct kobj_attribute sleep_millisecs_attr = __ATTR_RW(sleep_millisecs);
static struct kobj_attribute hash_bits_attr = __ATTR_RW(hash_bits);
static struct kobj_attribute fail_cow_attr = __ATTR_RW(fail_cow);

static struct attribute *ksm_attrs[] = {
	&run_attr.attr,
	&pages_to_scan_attr.attr,
	&sleep_millisecs_attr.attr,
	&hash_bits_attr.attr,
	&fail_cow_attr.attr,
	&pages_shared_attr.attr,
	&pages_sharing_attr.attr,
	&zero_pages_attr.attr,
	&full_scans_attr.attr,
	&pages_scanned_attr.attr,
	&hint_frames_attr.attr,
	&hint_capacity_attr.attr,
	&hint_hits_attr.attr,
	&stale_hints_attr.attr,
	&hash_collisions_attr.attr,
	&merges_attr.attr,
	&cow_breaks_attr.attr,
	&cow_reuses_attr.attr,
	&cow_failures_attr.attr,
	&unshared_attr.attr,
	&granted_skipped_attr.attr,
	&metadata_bytes_attr.attr,
	&scanner_pid_attr.attr,
	NULL,
};

static const struct attribute_group ksm_group = {
	.attrs = ksm_attrs,
};

/* ---- per domain ---- */

static struct pvhv_domain *kobj_dom(struct kobject *kobj)
{
	return container_of(kobj, struct pvhv_domain, kobj);
}

static ssize_t merge_show(struct kobject *k, struct kobj_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kobj_dom(k)->ksm_merge));
}

static ssize_t merge_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t count)
{
	struct pvhv_domain *dom = kobj_dom(k);
	bool v;
	int ret;

	ret = kstrtobool(buf, &v);
	if (ret)
		return ret;
	/*
	 * Not waiting for the lock while holding this attribute: the scanner
	 * may hold it and be putting this domain's last file, whose removal
	 * of the domain's sysfs directory waits for this write to end.
	 */
	if (!mutex_trylock(&pvhv_ksm_scan_lock)) {
		/* A batch takes milliseconds: no busy loop. */
		usleep_range(5000, 10000);
		return restart_syscall();
	}
	WRITE_ONCE(dom->ksm_merge, v);
	/* Off: this domain shares nothing with anyone any more. */
	if (!v)
		ret = pvhv_ksm_unmerge(dom);
	mutex_unlock(&pvhv_ksm_scan_lock);
	return ret ?: count;
}

#define DOM_STAT(name, expr)						\
static ssize_t dom_##name##_show(struct kobject *k,			\
				 struct kobj_attribute *a, char *buf)	\
{									\
	struct pvhv_domain *dom = kobj_dom(k);				\
									\
	return sysfs_emit(buf, "%ld\n", (long)(expr));			\
}									\
static struct kobj_attribute dom_##name##_attr =			\
	__ATTR(name, 0444, dom_##name##_show, NULL)

DOM_STAT(shared_frames, atomic_long_read(&dom->ksm_shared));
DOM_STAT(private_frames, atomic_long_read(&dom->frames) -
	 atomic_long_read(&dom->ksm_shared));
DOM_STAT(cow_breaks, atomic_long_read(&dom->ksm_cow_breaks));
DOM_STAT(cow_failures, atomic_long_read(&dom->ksm_cow_failures));

static struct kobj_attribute merge_attr = __ATTR_RW(merge);

static struct attribute *ksm_dom_attrs[] = {
	&merge_attr.attr,
	&dom_shared_frames_attr.attr,
	&dom_private_frames_attr.attr,
	&dom_cow_breaks_attr.attr,
	&dom_cow_failures_attr.attr,
	NULL,
};

static const struct attribute_group ksm_dom_group = {
	.name = "ksm",
	.attrs = ksm_dom_attrs,
};

static int ksm_domain_create(struct pvhv_domain *dom)
{
	dom->ksm_merge = true;
	return sysfs_create_group(&dom->kobj, &ksm_dom_group);
}

static struct pvhv_domain_ops ksm_domain_ops = {
	.create = ksm_domain_create,
};

int pvhv_ksm_init(void)
{
	int ret;

	ret = pvhv_ksm_shared_init();
	if (ret)
		return ret;
	ksm_kobj = kobject_create_and_add("ksm", pvhv_kobj);
	if (!ksm_kobj) {
		ret = -ENOMEM;
		goto err_shared;
	}
	ret = sysfs_create_group(ksm_kobj, &ksm_group);
	if (ret)
		goto err_kobj;
	ret = pvhv_ksm_scan_init();
	if (ret)
		goto err_kobj;
	pvhv_domain_ops_register(&ksm_domain_ops);
	return 0;

err_kobj:
	kobject_put(ksm_kobj);
err_shared:
	pvhv_ksm_shared_exit();
	return ret;
}

void pvhv_ksm_exit(void)
{
	pvhv_domain_ops_unregister(&ksm_domain_ops);
	pvhv_ksm_scan_exit();
	kobject_put(ksm_kobj);
	pvhv_ksm_shared_exit();
}
