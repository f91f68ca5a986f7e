// SPDX-License-Identifier: GPL-2.0
/*
 * The hook into KVM's hypercall path.
 *
 * KVM offers no way to register hypercalls, so pvhv redirects
 * kvm_emulate_hypercall() (exported on every kernel pvhv supports) with an
 * ftrace IPMODIFY hook, the mechanism livepatch uses.  Only calls whose RAX
 * lies in pvhv's range are redirected; every other hypercall costs one
 * compare.
 *
 * KVM still goes first: pvhv calls the original and claims the call only if
 * KVM answered exactly -KVM_ENOSYS as a 64-bit value.  KVM's answer encodes
 * everything pvhv needs to know without reading KVM's private state (neither
 * kvm_x86_ops nor its get_cpl are exported): the caller ran at CPL 0 (else
 * -KVM_EPERM), in 64-bit mode (else the value is truncated to 32 bits), the
 * VM has no Xen or Hyper-V hypercall page (those paths answer differently),
 * and the number is no KVM hypercall.  So callers at CPL 3, 32-bit callers
 * and VMs that are not pvhv domains get exactly KVM's behaviour, and KVM
 * has already advanced RIP and counted the call when pvhv sets RAX.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/ftrace.h>
#include <linux/delay.h>
#include <linux/kvm_host.h>
#include <linux/kvm_para.h>
#include <pvhv/pvhv.h>

#include "core.h"
#include "domain.h"
#include "hypercall.h"

/* Redirected calls not yet finished; module exit waits for them. */
static atomic_t pvhv_hook_inflight = ATOMIC_INIT(0);

/*
 * The guest will make call @nr again with @ctx's arguments
 * (PVHV_HC_CONTINUE).  KVM has just moved RIP past the instruction, and
 * marked it dirty, so the value set here is what the vCPU resumes at.
 * VMCALL and VMMCALL are 3 bytes; a prefixed one resumes without its
 * prefixes, which is the same call.
 */
static void pvhv_hc_continue(struct kvm_vcpu *vcpu, unsigned long nr,
			     const struct pvhv_hc_ctx *ctx)
{
	unsigned long *regs = vcpu->arch.regs;

	regs[VCPU_REGS_RAX] = nr;
	regs[VCPU_REGS_RBX] = ctx->args[0];
	regs[VCPU_REGS_RCX] = ctx->args[1];
	regs[VCPU_REGS_RDX] = ctx->args[2];
	regs[VCPU_REGS_RSI] = ctx->args[3];
	regs[VCPU_REGS_RIP] -= 3;
}

static int pvhv_emulate_hypercall(struct kvm_vcpu *vcpu)
{
	unsigned long *regs = vcpu->arch.regs;
	unsigned long nr = regs[VCPU_REGS_RAX];
	struct pvhv_hc_ctx ctx = {
		.vcpu = vcpu,
		.args = { regs[VCPU_REGS_RBX], regs[VCPU_REGS_RCX],
			  regs[VCPU_REGS_RDX], regs[VCPU_REGS_RSI] },
	};
	long result;
	int ret;

	/* Not redirected again: the caller is this module. */
	ret = kvm_emulate_hypercall(vcpu);

	if (regs[VCPU_REGS_RAX] == (unsigned long)-KVM_ENOSYS) {
		ctx.dom = pvhv_domain_from_vcpu(vcpu);
		if (ctx.dom) {
			result = pvhv_hc_dispatch(&ctx, nr);
			/* KVM marked RAX dirty when it wrote -KVM_ENOSYS. */
			if (result == PVHV_HC_CONTINUE)
				pvhv_hc_continue(vcpu, nr, &ctx);
			else
				regs[VCPU_REGS_RAX] = result;
			pvhv_domain_put(ctx.dom);
		}
	}
	atomic_dec(&pvhv_hook_inflight);
	return ret;
}

static void notrace pvhv_hook_thunk(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *ops,
				    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	struct kvm_vcpu *vcpu;

	if (within_module(parent_ip, THIS_MODULE))
		return;
	vcpu = (struct kvm_vcpu *)regs_get_kernel_argument(regs, 0);
	if (vcpu->arch.regs[VCPU_REGS_RAX] - PVHV_HC_BASE >= PVHV_HC_COUNT)
		return;
	atomic_inc(&pvhv_hook_inflight);
	regs->ip = (unsigned long)pvhv_emulate_hypercall;
}

static struct ftrace_ops pvhv_hook_ops = {
	.func = pvhv_hook_thunk,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

int pvhv_kvm_hook_init(void)
{
	unsigned long ip = (unsigned long)kvm_emulate_hypercall;
	int ret;

	ret = ftrace_set_filter_ip(&pvhv_hook_ops, ip, 0, 0);
	if (ret) {
		pr_err("pvhv: cannot trace kvm_emulate_hypercall (%d): this kernel needs CONFIG_DYNAMIC_FTRACE_WITH_REGS\n",
		       ret);
		return ret;
	}
	ret = register_ftrace_function(&pvhv_hook_ops);
	if (ret) {
		pr_err("pvhv: cannot hook kvm_emulate_hypercall (%d): is a livepatch or another hypervisor module modifying it?\n",
		       ret);
		ftrace_set_filter_ip(&pvhv_hook_ops, ip, 1, 0);
	}
	return ret;
}

void pvhv_kvm_hook_exit(void)
{
	unregister_ftrace_function(&pvhv_hook_ops);
	ftrace_set_filter_ip(&pvhv_hook_ops,
			     (unsigned long)kvm_emulate_hypercall, 1, 0);
	/* Redirected calls may still run, and sleep, in this module... */
	while (atomic_read(&pvhv_hook_inflight))
		msleep(20);
	/* ...or be preempted between the decrement and their return. */
	synchronize_rcu_tasks();
}
