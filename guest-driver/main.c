// SPDX-License-Identifier: GPL-2.0
/*
 * pvhv-guest: the guest side of pvhv.
 *
 * Finds pvhv through the version hypercall and refuses to load anywhere
 * else, reports the host's version and features, and offers the pvhv
 * console and a null-hypercall generator in /sys/kernel/pvhv_guest/.
 * Then brings up event channels and the grant table, and the PV block and
 * network frontends and the balloon driver on top of them.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/mutex.h>
#include <linux/gfp.h>
#include <linux/sched.h>
#include <linux/utsname.h>
#include <asm/kvm_para.h>
#include <pvhv/pvhv.h>

#include "events.h"
#include "grants.h"
#include "blkfront.h"
#include "netfront.h"
#include "balloon.h"

static long pvhv_version;
static u64 pvhv_features;

/* One page, so that a chunk never crosses a page boundary. */
static char *pvhv_console_page;
static DEFINE_MUTEX(pvhv_console_lock);

/* KVM_HYPERCALL: VMMCALL on AMD, VMCALL on Intel, patched at load. */
static long pvhv_hypercall(unsigned long nr, unsigned long a0,
			   unsigned long a1)
{
	return kvm_hypercall4(nr, a0, a1, 0, 0);
}

static int pvhv_console_write(const char *text, size_t len)
{
	size_t chunk;
	long ret = 0;

	mutex_lock(&pvhv_console_lock);
	while (len) {
		chunk = min_t(size_t, len, PVHV_CONSOLE_MAX);
		memcpy(pvhv_console_page, text, chunk);
		ret = pvhv_hypercall(PVHV_HC_CONSOLE_WRITE,
				     __pa(pvhv_console_page), chunk);
		if (ret < 0)
			break;
		text += chunk;
		len -= chunk;
	}
	mutex_unlock(&pvhv_console_lock);
	return ret < 0 ? -EIO : 0;
}

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%ld.%ld\n", pvhv_version >> 16,
			  pvhv_version & 0xffff);
}

static ssize_t features_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#llx\n", pvhv_features);
}

static ssize_t console_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	int ret = pvhv_console_write(buf, count);

	return ret ? ret : count;
}

/* Writing N makes N null hypercalls: traffic for tests and the demo. */
static ssize_t null_hypercalls_store(struct kobject *kobj,
				     struct kobj_attribute *attr,
				     const char *buf, size_t count)
{
	unsigned int n, i;
	int ret;

	ret = kstrtouint(buf, 0, &n);
	if (ret)
		return ret;
	if (n > 10000000)
		return -ERANGE;
	for (i = 0; i < n; i++) {
		if (pvhv_hypercall(PVHV_HC_NULL, 0, 0))
			return -EIO;
		if (!(i & 1023))
			cond_resched();
	}
	return count;
}

static struct kobj_attribute version_attr = __ATTR_RO(version);
static struct kobj_attribute features_attr = __ATTR_RO(features);
static struct kobj_attribute console_attr = __ATTR_WO(console);
static struct kobj_attribute null_hypercalls_attr = __ATTR_WO(null_hypercalls);

static struct attribute *pvhv_guest_attrs[] = {
	&version_attr.attr,
	&features_attr.attr,
	&console_attr.attr,
	&null_hypercalls_attr.attr,
	NULL,
};

static const struct attribute_group pvhv_guest_group = {
	.attrs = pvhv_guest_attrs,
};

static struct kobject *pvhv_guest_kobj;

/* Split drivers need event channels, grants and the vbd calls. */
#define PVHV_IO_FEATURES	(PVHV_F_EVTCHN | PVHV_F_GNTTAB | PVHV_F_VBD)
static bool pvhv_io_up, pvhv_netfront_up, pvhv_balloon_up;

static int pvhv_io_init(void)
{
	int ret;

	/*
	 * An earlier kernel in this VM (before a reboot or kexec) may have
	 * left rings connected and a grant table registered: start afresh.
	 */
	if (pvhv_features & PVHV_F_SOFT_RESET)
		pvhv_hypercall(PVHV_HC_SOFT_RESET, 0, 0);
	ret = pvhv_events_init();
	if (ret)
		return ret;
	ret = pvhv_grants_init();
	if (ret)
		goto err_events;
	ret = pvhv_blkfront_init();
	if (ret)
		goto err_grants;
	if (pvhv_features & PVHV_F_VIF) {
		ret = pvhv_netfront_init();
		if (ret)
			goto err_blkfront;
		pvhv_netfront_up = true;
	}
	if (pvhv_features & PVHV_F_BALLOON) {
		ret = pvhv_balloon_init(pvhv_guest_kobj);
		if (ret)
			goto err_netfront;
		pvhv_balloon_up = true;
	}
	pvhv_io_up = true;
	return 0;

err_netfront:
	if (pvhv_netfront_up)
		pvhv_netfront_exit();
	pvhv_netfront_up = false;
err_blkfront:
	pvhv_blkfront_exit();
err_grants:
	pvhv_grants_exit();
err_events:
	pvhv_events_exit();
	return ret;
}

static void pvhv_io_exit(void)
{
	if (pvhv_balloon_up)
		pvhv_balloon_exit();
	if (pvhv_netfront_up)
		pvhv_netfront_exit();
	pvhv_blkfront_exit();
	pvhv_grants_exit();
	pvhv_events_exit();
}

static int __init pvhv_guest_init(void)
{
	char hello[192];
	int ret;

	if (!kvm_para_available()) {
		pr_err("pvhv-guest: not running on KVM\n");
		return -ENODEV;
	}
	/* Without pvhv, KVM answers -KVM_ENOSYS (or -KVM_EPERM). */
	pvhv_version = pvhv_hypercall(PVHV_HC_VERSION, 0, 0);
	if (pvhv_version < 0 || (pvhv_version >> 16) != PVHV_VERSION_MAJOR) {
		pr_err("pvhv-guest: the hypervisor does not implement pvhv hypercalls (answer %ld); is pvhv.ko loaded on the host and is guest RAM on pvhvfs?\n",
		       pvhv_version);
		return -ENODEV;
	}
	pvhv_features = pvhv_hypercall(PVHV_HC_FEATURES, 0, 0);

	pvhv_console_page = (char *)__get_free_page(GFP_KERNEL);
	if (!pvhv_console_page)
		return -ENOMEM;
	pvhv_guest_kobj = kobject_create_and_add("pvhv_guest", kernel_kobj);
	if (!pvhv_guest_kobj) {
		ret = -ENOMEM;
		goto err_page;
	}
	ret = sysfs_create_group(pvhv_guest_kobj, &pvhv_guest_group);
	if (ret)
		goto err_kobj;

	if ((pvhv_features & PVHV_IO_FEATURES) == PVHV_IO_FEATURES) {
		ret = pvhv_io_init();
		if (ret)
			goto err_group;
	}

	pr_info("pvhv-guest: pvhv %ld.%ld, features %#llx\n",
		pvhv_version >> 16, pvhv_version & 0xffff, pvhv_features);
	if (pvhv_features & PVHV_F_CONSOLE) {
		snprintf(hello, sizeof(hello), "pvhv-guest: hello from %s (%s)\n",
			 utsname()->nodename, utsname()->release);
		pvhv_console_write(hello, strlen(hello));
	}
	return 0;

err_group:
	sysfs_remove_group(pvhv_guest_kobj, &pvhv_guest_group);
err_kobj:
	kobject_put(pvhv_guest_kobj);
err_page:
	free_page((unsigned long)pvhv_console_page);
	return ret;
}

static void __exit pvhv_guest_exit(void)
{
	if (pvhv_io_up)
		pvhv_io_exit();
	sysfs_remove_group(pvhv_guest_kobj, &pvhv_guest_group);
	kobject_put(pvhv_guest_kobj);
	free_page((unsigned long)pvhv_console_page);
}

module_init(pvhv_guest_init);
module_exit(pvhv_guest_exit);

MODULE_DESCRIPTION("pvhv guest support");
MODULE_AUTHOR("The pvhv authors");
MODULE_LICENSE("GPL");
