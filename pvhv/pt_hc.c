// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual page-table hypercalls: mmu_update, mmuext_op,
 * frame_info, and multicall (include/uapi/pvhv/mmu.h).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/kvm_host.h>

#include "pt.h"
#include "hypercall.h"

/* Entries read from the guest at a time. */
#define PT_CHUNK	64

/* The domain's state, or NULL (-PVHV_ENOMEM). */
static struct pvhv_pt_dom *pt_of(struct pvhv_hc_ctx *ctx)
{
	return pvhv_pt_get(ctx->dom);
}

static long pt_write_done(struct pvhv_hc_ctx *ctx, u64 done_gpa, u64 done)
{
	if (!done_gpa)
		return 0;
	return kvm_vcpu_write_guest(ctx->vcpu, done_gpa, &done, sizeof(done)) ?
		-PVHV_EFAULT : 0;
}

/* Check a (list gpa, count, done gpa) triple. */
static long pt_check_list(u64 gpa, u64 count, u64 max, u64 done_gpa)
{
	if (!count || count > max)
		return -PVHV_EINVAL;
	if ((gpa & 7) || (done_gpa & 7))
		return -PVHV_EINVAL;
	return 0;
}

/*
 * A list call stopped on the budget (pt->work) with @done entries of size
 * @size applied: the rest is the same call on the rest of the list, and
 * the number applied so far rides in the fourth argument.
 */
static long pt_continue(struct pvhv_hc_ctx *ctx, u64 size, u64 done)
{
	ctx->args[0] += done * size;
	ctx->args[1] -= done;
	ctx->args[3] += done;
	return PVHV_HC_CONTINUE;
}

/* The fourth argument: entries applied by earlier parts of the call. */
static long pt_check_prior(struct pvhv_hc_ctx *ctx, u64 max)
{
	return ctx->args[3] > max - ctx->args[1] ? -PVHV_EINVAL : 0;
}

/* One update: the entry at guest-physical @ptr becomes @val. */
static int pt_update_one(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
			 u64 ptr, u64 val)
{
	struct pvhv_pt_frame *f;

	if (ptr & 7)
		return -PVHV_EINVAL;
	f = pvhv_pt_lookup(pt, ptr >> PAGE_SHIFT);
	if (!f || f->validating || f->type == PVHV_FRAME_IDT)
		return -PVHV_ENOENT;
	return pvhv_pt_set_entry(pt, b, f, offset_in_page(ptr) / 8, val, true);
}

/* mmu_update(gpa, count, done_gpa) */
static long hc_mmu_update(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[0], count = ctx->args[1], done_gpa = ctx->args[2];
	struct pvhv_pt_dom *pt = pt_of(ctx);
	struct pvhv_mmu_update *req;
	struct pvhv_pin_batch b;
	u64 done = 0, i, n;
	bool more = false;
	long ret;

	ret = pt_check_list(gpa, count, PVHV_MMU_UPDATE_MAX, done_gpa) ?:
	      pt_check_prior(ctx, PVHV_MMU_UPDATE_MAX);
	if (ret)
		return ret;
	if (!pt)
		return -PVHV_ENOMEM;
	req = kmalloc_array(PT_CHUNK, sizeof(*req), GFP_KERNEL);
	if (!req)
		return -PVHV_ENOMEM;
	mutex_lock(&pt->lock);
	pt->work = 0;
	while (done < count && !ret && pt->work < PVHV_PT_WORK_BUDGET) {
		n = min_t(u64, PT_CHUNK, count - done);
		/*
		 * Read the chunk before the batch takes the VM's mmap_lock: a
		 * fault on the list would take it a second time, which
		 * deadlocks as soon as a writer (QEMU's mmap) waits between.
		 */
		if (kvm_vcpu_read_guest(ctx->vcpu, gpa + done * sizeof(*req),
					req, n * sizeof(*req))) {
			ret = -PVHV_EFAULT;
			break;
		}
		if (pvhv_pin_batch_begin(&b, ctx->dom)) {
			ret = -PVHV_ESRCH;
			break;
		}
		for (i = 0; i < n && pt->work < PVHV_PT_WORK_BUDGET; i++) {
			ret = pt_update_one(pt, &b, req[i].ptr, req[i].val);
			if (ret)
				break;
			done++;
		}
		pvhv_pin_batch_end(&b);
		cond_resched();
	}
	pt->updates += done;
	if (ret)
		pt->updates_failed++;
	else if (done < count)
		more = true;
	pt->continued += more;
	pvhv_pt_unlock(pt);
	kfree(req);
	if (more)
		return pt_continue(ctx, sizeof(*req), done);
	return pt_write_done(ctx, done_gpa, ctx->args[3] + done) ?: ret;
}

/* PVHV_MMUEXT_PIN_Ln_TABLE */
static int pt_pin(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b, u64 gfn,
		  u8 level)
{
	struct pvhv_pt_frame *f = pvhv_pt_lookup(pt, gfn);
	int ret;

	if (f && f->pinned)
		return -PVHV_EBUSY;
	ret = pvhv_pt_get_type(pt, b, gfn, level);
	if (ret)
		return ret;
	pvhv_pt_lookup(pt, gfn)->pinned = true;
	return 0;
}

/* Is @gfn the base some vCPU switched to? */
static bool pt_is_base(struct pvhv_pt_dom *pt, u64 gfn)
{
	unsigned long id;
	void *e;

	xa_for_each(&pt->bases, id, e)
		if (xa_to_value(e) == gfn + 1)
			return true;
	return false;
}

static int pt_unpin(struct pvhv_pt_dom *pt, u64 gfn)
{
	struct pvhv_pt_frame *f = pvhv_pt_lookup(pt, gfn);

	if (!f || !f->pinned)
		return -PVHV_ENOENT;
	if (pt_is_base(pt, gfn))
		return -PVHV_EBUSY;
	f->pinned = false;
	pvhv_pt_put_type(pt, gfn);
	return 0;
}

static int pt_new_baseptr(struct pvhv_pt_dom *pt, struct kvm_vcpu *vcpu,
			  u64 gfn)
{
	struct pvhv_pt_frame *f = pvhv_pt_lookup(pt, gfn);

	if (!f || !f->pinned || f->type != PVHV_FRAME_L4)
		return -PVHV_ENOENT;
	/* PCID 0, no PCD/PWT; KVM checks the rest (1: invalid). */
	if (kvm_set_cr3(vcpu, gfn << PAGE_SHIFT))
		return -PVHV_EINVAL;
	return xa_err(xa_store(&pt->bases, vcpu->vcpu_id, xa_mk_value(gfn + 1),
			       GFP_KERNEL_ACCOUNT)) ? -PVHV_ENOMEM : 0;
}

static int pt_ext_one(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
		      struct kvm_vcpu *vcpu, const struct pvhv_mmuext_op *op)
{
	struct kvm *kvm = vcpu->kvm;

	if (op->pad)
		return -PVHV_EINVAL;
	switch (op->cmd) {
	case PVHV_MMUEXT_PIN_L1_TABLE ... PVHV_MMUEXT_PIN_L4_TABLE:
		return pt_pin(pt, b, op->arg,
			      PVHV_FRAME_L1 + op->cmd - PVHV_MMUEXT_PIN_L1_TABLE);
	case PVHV_MMUEXT_UNPIN_TABLE:
		return pt_unpin(pt, op->arg);
	case PVHV_MMUEXT_NEW_BASEPTR:
		return pt_new_baseptr(pt, vcpu, op->arg);
	case PVHV_MMUEXT_TLB_FLUSH_LOCAL:
		if (op->arg)
			return -PVHV_EINVAL;
		kvm_make_request(KVM_REQ_TLB_FLUSH_GUEST, vcpu);
		return 0;
	case PVHV_MMUEXT_TLB_FLUSH_ALL:
		if (op->arg)
			return -PVHV_EINVAL;
		kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH_GUEST);
		return 0;
	case PVHV_MMUEXT_INVLPG_LOCAL:
		if (!pvhv_pt_canonical(op->arg))
			return -PVHV_EINVAL;
		kvm_mmu_invlpg(vcpu, op->arg);
		return 0;
	case PVHV_MMUEXT_INVLPG_ALL:
		if (!pvhv_pt_canonical(op->arg))
			return -PVHV_EINVAL;
		/* KVM has no remote INVLPG: a full flush of every vCPU. */
		kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH_GUEST);
		return 0;
	default:
		return -PVHV_EINVAL;
	}
}

/* mmuext_op(gpa, count, done_gpa) */
static long hc_mmuext_op(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[0], count = ctx->args[1], done_gpa = ctx->args[2];
	struct pvhv_pt_dom *pt = pt_of(ctx);
	struct pvhv_mmuext_op *ops;
	struct pvhv_pin_batch b;
	bool more = false;
	u64 done = 0;
	long ret;

	ret = pt_check_list(gpa, count, PVHV_MMUEXT_MAX, done_gpa) ?:
	      pt_check_prior(ctx, PVHV_MMUEXT_MAX);
	if (ret)
		return ret;
	if (!pt)
		return -PVHV_ENOMEM;
	ops = kmalloc_array(count, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -PVHV_ENOMEM;
	if (kvm_vcpu_read_guest(ctx->vcpu, gpa, ops, count * sizeof(*ops))) {
		kfree(ops);
		return -PVHV_EFAULT;
	}
	mutex_lock(&pt->lock);
	if (pvhv_pin_batch_begin(&b, ctx->dom)) {
		ret = -PVHV_ESRCH;
		goto unlock;
	}
	pt->work = 0;
	for (done = 0; done < count; done++) {
		if (pt->work >= PVHV_PT_WORK_BUDGET) {
			more = true;
			break;
		}
		ret = pt_ext_one(pt, &b, ctx->vcpu, &ops[done]);
		if (ret)
			break;
	}
	pvhv_pin_batch_end(&b);
	pt->ext_ops += done;
	pt->continued += more;
unlock:
	pvhv_pt_unlock(pt);
	kfree(ops);
	if (more)
		return pt_continue(ctx, sizeof(*ops), done);
	return pt_write_done(ctx, done_gpa, ctx->args[3] + done) ?: ret;
}

/* frame_info(gfn) */
static long hc_frame_info(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_pt_dom *pt = pt_of(ctx);
	struct pvhv_pt_frame *f;
	u64 gfn = ctx->args[0];
	long ret;
	void *e;

	if (!pt)
		return -PVHV_ENOMEM;
	mutex_lock(&pt->lock);
	e = xa_load(&pt->frames, gfn);
	f = pvhv_pt_lookup(pt, gfn);
	if (f)
		ret = PVHV_FRAME_INFO(f->type, f->refs) |
		      (f->pinned ? PVHV_FRAME_PINNED : 0);
	else
		ret = PVHV_FRAME_INFO(PVHV_FRAME_DATA,
				      xa_is_value(e) ? xa_to_value(e) : 0);
	pvhv_pt_unlock(pt);
	return ret;
}

/* multicall(gpa, count) */
static long hc_multicall(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[0], count = ctx->args[1], i;
	struct pvhv_hc_ctx sub = { .vcpu = ctx->vcpu, .dom = ctx->dom };
	struct pvhv_multicall mc;

	if (!count || count > PVHV_MULTICALL_MAX || (gpa & 7))
		return -PVHV_EINVAL;
	for (i = 0; i < count; i++) {
		/* Up to 64 calls of up to 512 updates: let others run. */
		if (i)
			cond_resched();
		if (kvm_vcpu_read_guest(ctx->vcpu, gpa + i * sizeof(mc), &mc,
					sizeof(mc)))
			return -PVHV_EFAULT;
		if (mc.op == PVHV_HC_MULTICALL ||
		    mc.op - PVHV_HC_BASE >= PVHV_HC_COUNT) {
			mc.result = -PVHV_EINVAL;
		} else {
			memcpy(sub.args, mc.args, sizeof(sub.args));
			mc.result = pvhv_hc_dispatch(&sub, mc.op);
		}
		/*
		 * The call goes on later: its entry gets what is left of it,
		 * and the multicall continues at that entry.
		 */
		if (mc.result == PVHV_HC_CONTINUE) {
			if (kvm_vcpu_write_guest(ctx->vcpu,
						 gpa + i * sizeof(mc) +
						 offsetof(struct pvhv_multicall, args),
						 sub.args, sizeof(sub.args)))
				return -PVHV_EFAULT;
			ctx->args[0] = gpa + i * sizeof(mc);
			ctx->args[1] = count - i;
			return PVHV_HC_CONTINUE;
		}
		if (kvm_vcpu_write_guest(ctx->vcpu,
					 gpa + i * sizeof(mc) +
					 offsetof(struct pvhv_multicall, result),
					 &mc.result, sizeof(mc.result)))
			return -PVHV_EFAULT;
	}
	return 0;
}

static const struct pvhv_hc_desc pvhv_pt_hcs[] = {
	{ PVHV_HC_MMU_UPDATE, "mmu_update", hc_mmu_update },
	{ PVHV_HC_MMUEXT_OP, "mmuext_op", hc_mmuext_op },
	{ PVHV_HC_FRAME_INFO, "frame_info", hc_frame_info },
	{ PVHV_HC_MULTICALL, "multicall", hc_multicall },
};

int pvhv_pt_hc_init(void)
{
	return pvhv_hc_register_all(pvhv_pt_hcs, ARRAY_SIZE(pvhv_pt_hcs));
}

void pvhv_pt_hc_exit(void)
{
	pvhv_hc_unregister_all(pvhv_pt_hcs, ARRAY_SIZE(pvhv_pt_hcs));
}
