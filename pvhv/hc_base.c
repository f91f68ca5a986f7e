// SPDX-License-Identifier: GPL-2.0
/*
 * The base hypercalls: version, features, null, console write, domain id
 * and soft reset.
 */
#include <linux/kernel.h>
#include <linux/kvm_host.h>
#include <pvhv/pvhv.h>

#include "hypercall.h"
#include "domain.h"

static long pvhv_hc_version(struct pvhv_hc_ctx *ctx)
{
	return PVHV_VERSION;
}

static long pvhv_hc_features(struct pvhv_hc_ctx *ctx)
{
	return PVHV_HOST_FEATURES;
}

static long pvhv_hc_null(struct pvhv_hc_ctx *ctx)
{
	return 0;
}

/* console_write(gpa, len) */
static long pvhv_hc_console_write(struct pvhv_hc_ctx *ctx)
{
	char buf[PVHV_CONSOLE_MAX];
	u64 gpa = ctx->args[0];
	unsigned long len = ctx->args[1];

	if (len == 0 || len > PVHV_CONSOLE_MAX)
		return -PVHV_EINVAL;
	if ((gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return -PVHV_EINVAL;
	if (kvm_vcpu_read_guest(ctx->vcpu, gpa, buf, len))
		return -PVHV_EFAULT;

	pvhv_domain_console_write(ctx->dom, buf, len);
	return len;
}

/* The calling domain's id. */
static long pvhv_hc_domid(struct pvhv_hc_ctx *ctx)
{
	return ctx->dom->id;
}

/*
 * A new kernel in the same VM (reboot, kexec): the old one's rings, grants
 * and ports must not outlive it, and its grant table would refuse to be
 * replaced while a backend still maps the old ring.  KVM tells no module
 * about a vCPU reset, so the new kernel says so itself.
 */
static long pvhv_hc_soft_reset(struct pvhv_hc_ctx *ctx)
{
	pvhv_domain_teardown_guest(ctx->dom, ctx->vcpu->kvm);
	return 0;
}

static const struct pvhv_hc_desc pvhv_hc_base[] = {
	{ PVHV_HC_VERSION, "version", pvhv_hc_version },
	{ PVHV_HC_FEATURES, "features", pvhv_hc_features },
	{ PVHV_HC_NULL, "null", pvhv_hc_null },
	{ PVHV_HC_CONSOLE_WRITE, "console_write", pvhv_hc_console_write },
	{ PVHV_HC_DOMID, "domid", pvhv_hc_domid },
	{ PVHV_HC_SOFT_RESET, "soft_reset", pvhv_hc_soft_reset },
};

int pvhv_hc_base_init(void)
{
	return pvhv_hc_register_all(pvhv_hc_base, ARRAY_SIZE(pvhv_hc_base));
}

void pvhv_hc_base_exit(void)
{
	pvhv_hc_unregister_all(pvhv_hc_base, ARRAY_SIZE(pvhv_hc_base));
}
