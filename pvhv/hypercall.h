/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall handler table.
 *
 * Host components register one handler per hypercall number of pvhv's range
 * (include/uapi/pvhv/pvhv.h) at module init and unregister at exit, after the
 * KVM hook is gone.  A handler runs in the vCPU thread, may sleep, must
 * validate every argument and returns a result for RAX: >= 0 or -PVHV_E*.
 */
#ifndef _PVHV_HYPERCALL_H
#define _PVHV_HYPERCALL_H

#include <linux/types.h>
#include <linux/limits.h>
#include <pvhv/pvhv.h>

struct kvm_vcpu;
struct pvhv_domain;

struct pvhv_hc_ctx {
	struct kvm_vcpu *vcpu;
	struct pvhv_domain *dom;
	unsigned long args[4];		/* RBX, RCX, RDX, RSI */
};

typedef long (*pvhv_hc_fn)(struct pvhv_hc_ctx *ctx);

/*
 * A handler that has done its share of a long call returns
 * PVHV_HC_CONTINUE with ctx->args set to what is left of it.  The call is
 * not finished: pvhv puts those arguments in the guest's registers and its
 * RIP back on the hypercall instruction, so the guest makes the rest of
 * the call when it runs again (Xen's hypercall continuations).  In between
 * the handler's locks are dropped, and KVM's run loop lets signals, the
 * scheduler and other vCPUs in.  A guest never sees this value.
 */
#define PVHV_HC_CONTINUE	LONG_MIN

int pvhv_hc_register(unsigned long nr, const char *name, pvhv_hc_fn fn);
void pvhv_hc_unregister(unsigned long nr);

/* A component's hypercalls, registered and unregistered together. */
struct pvhv_hc_desc {
	unsigned long nr;
	const char *name;
	pvhv_hc_fn fn;
};

int pvhv_hc_register_all(const struct pvhv_hc_desc *d, unsigned int n);
void pvhv_hc_unregister_all(const struct pvhv_hc_desc *d, unsigned int n);

/* Run hypercall @nr for a pvhv domain; returns the value for RAX. */
long pvhv_hc_dispatch(struct pvhv_hc_ctx *ctx, unsigned long nr);

/* Name of hypercall PVHV_HC_BASE + @idx, NULL if none is registered. */
const char *pvhv_hc_name(unsigned int idx);

/* "name count" per registered hypercall, for sysfs. */
ssize_t pvhv_hc_stats_show(char *buf);

/* Feature bits (PVHV_F_*) this host offers. */
#define PVHV_HOST_FEATURES	(PVHV_F_CONSOLE | PVHV_F_EVTCHN | \
				 PVHV_F_GNTTAB | PVHV_F_VBD | \
				 PVHV_F_SOFT_RESET | PVHV_F_BALLOON | \
				 PVHV_F_PVMMU | PVHV_F_TRAPS | PVHV_F_VIF)

int pvhv_hc_base_init(void);
void pvhv_hc_base_exit(void);

#endif /* _PVHV_HYPERCALL_H */
