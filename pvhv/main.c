// SPDX-License-Identifier: GPL-2.0
/*
 * pvhv: a Xen-style paravirtual hypervisor on top of KVM.
 *
 * Module init and exit.  Components come up in dependency order and the KVM
 * hook goes last, so that no hypercall reaches a half-initialized pvhv; exit
 * runs in reverse.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/fs.h>
#include <pvhv/pvhv.h>

#include "core.h"
#include "domain.h"
#include "hypercall.h"
#include "evtchn.h"
#include "grant.h"
#include "pt.h"
#include "../ring/blkback.h"
#include "../ring/netback.h"
#include "../balloon/balloon.h"
#include "../ksm-hint/ksm.h"

static int __init pvhv_init(void)
{
	int ret;

	ret = pvhv_sysfs_init();
	if (ret)
		return ret;
	ret = pvhv_domains_init(pvhv_kobj);
	if (ret)
		goto err_sysfs;
	ret = pvhv_hc_base_init();
	if (ret)
		goto err_domains;
	ret = pvhv_evtchn_init();
	if (ret)
		goto err_hc;
	ret = pvhv_gnttab_init();
	if (ret)
		goto err_evtchn;
	ret = pvhv_gfn_maps_init();
	if (ret)
		goto err_gnttab;
	ret = pvhv_pt_init();
	if (ret)
		goto err_gfn_maps;
	ret = pvhv_pt_hc_init();
	if (ret)
		goto err_pt;
	ret = pvhv_traps_init();
	if (ret)
		goto err_pt_hc;
	ret = pvhv_blkback_init();
	if (ret)
		goto err_traps;
	ret = pvhv_netback_init();
	if (ret)
		goto err_blkback;
	ret = pvhv_balloon_init();
	if (ret)
		goto err_netback;
	ret = pvhv_ksm_init();
	if (ret)
		goto err_balloon;
	ret = pvhvfs_init();
	if (ret)
		goto err_ksm;
	ret = pvhv_kvm_hook_init();
	if (ret)
		goto err_fs;

	pr_info("pvhv: version %d.%d loaded, hypercalls %#lx-%#lx\n",
		PVHV_VERSION_MAJOR, PVHV_VERSION_MINOR, PVHV_HC_BASE,
		PVHV_HC_BASE + PVHV_HC_COUNT - 1);
	return 0;

err_fs:
	pvhvfs_exit();
err_ksm:
	pvhv_ksm_exit();
err_balloon:
	pvhv_balloon_exit();
err_netback:
	pvhv_netback_exit();
err_blkback:
	pvhv_blkback_exit();
err_traps:
	pvhv_traps_exit();
err_pt_hc:
	pvhv_pt_hc_exit();
err_pt:
	pvhv_pt_exit();
err_gfn_maps:
	pvhv_gfn_maps_exit();
err_gnttab:
	pvhv_gnttab_exit();
err_evtchn:
	pvhv_evtchn_exit();
err_hc:
	pvhv_hc_base_exit();
err_domains:
	pvhv_domains_exit();
err_sysfs:
	pvhv_sysfs_exit();
	return ret;
}

static void __exit pvhv_exit(void)
{
	pvhv_kvm_hook_exit();
	pvhvfs_exit();
	pvhv_ksm_exit();
	pvhv_balloon_exit();
	pvhv_netback_exit();
	pvhv_blkback_exit();
	pvhv_traps_exit();
	pvhv_pt_hc_exit();
	pvhv_pt_exit();
	pvhv_gfn_maps_exit();
	pvhv_gnttab_exit();
	pvhv_evtchn_exit();
	pvhv_hc_base_exit();
	pvhv_domains_exit();
	pvhv_sysfs_exit();
}

module_init(pvhv_init);
module_exit(pvhv_exit);

MODULE_DESCRIPTION("pvhv: Xen-style paravirtualization on KVM");
MODULE_AUTHOR("The pvhv authors");
MODULE_LICENSE("GPL");
MODULE_ALIAS_FS("pvhvfs");
