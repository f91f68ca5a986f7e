// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pvhv: version, features and global counters.  Each domain's
 * directory below domains/ is made by domain.c.
 */
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <pvhv/pvhv.h>

#include "core.h"
#include "domain.h"
#include "frames.h"
#include "pt.h"
#include "evtchn.h"
#include "grant.h"
#include "hypercall.h"

struct kobject *pvhv_kobj;

ssize_t pvhv_uint_attr_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	struct pvhv_uint_attr *u = container_of(a, struct pvhv_uint_attr, kattr);

	return sysfs_emit(buf, "%u\n", READ_ONCE(*u->knob));
}

ssize_t pvhv_uint_attr_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	struct pvhv_uint_attr *u = container_of(a, struct pvhv_uint_attr, kattr);
	unsigned int v;
	int ret = kstrtouint(buf, 0, &v);

	if (ret)
		return ret;
	if (v > u->max)
		return -ERANGE;
	WRITE_ONCE(*u->knob, v);
	return count;
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d.%d\n", PVHV_VERSION_MAJOR,
			  PVHV_VERSION_MINOR);
}

static ssize_t features_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%#llx\n", (unsigned long long)PVHV_HOST_FEATURES);
}

static ssize_t frames_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%ld\n", pvhv_frames_global());
}

/* Host-held resources: all zero once every guest is gone. */
static ssize_t pt_tables_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", pvhv_pt_tables_global());
}

static ssize_t frames_pinned_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", pvhv_frames_pinned_global());
}

static ssize_t evtchn_ports_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", pvhv_evtchn_ports_global());
}

static ssize_t grants_mapped_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%ld\n", pvhv_grants_mapped_global());
}

static ssize_t domains_active_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", pvhv_domains_active());
}

static ssize_t hypercalls_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return pvhv_hc_stats_show(buf);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute features_attr = __ATTR_RO(features);
static struct kobj_attribute frames_attr = __ATTR_RO(frames);
static struct kobj_attribute domains_active_attr = __ATTR_RO(domains_active);
static struct kobj_attribute frames_pinned_attr = __ATTR_RO(frames_pinned);
static struct kobj_attribute pt_tables_attr = __ATTR_RO(pt_tables);
static struct kobj_attribute evtchn_ports_attr = __ATTR_RO(evtchn_ports);
static struct kobj_attribute grants_mapped_attr = __ATTR_RO(grants_mapped);
static struct kobj_attribute hypercalls_attr = __ATTR_RO(hypercalls);

static struct attribute *pvhv_attrs[] = {
	&version_attr.attr,
	&features_attr.attr,
	&frames_attr.attr,
	&domains_active_attr.attr,
	&frames_pinned_attr.attr,
	&pt_tables_attr.attr,
	&evtchn_ports_attr.attr,
	&grants_mapped_attr.attr,
	&hypercalls_attr.attr,
	NULL,
};

static const struct attribute_group pvhv_attr_group = {
	.attrs = pvhv_attrs,
};

int pvhv_sysfs_init(void)
{
	int ret;

	pvhv_kobj = kobject_create_and_add("pvhv", kernel_kobj);
	if (!pvhv_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(pvhv_kobj, &pvhv_attr_group);
	if (ret)
		kobject_put(pvhv_kobj);
	return ret;
}

void pvhv_sysfs_exit(void)
{
	sysfs_remove_group(pvhv_kobj, &pvhv_attr_group);
	kobject_put(pvhv_kobj);
}
