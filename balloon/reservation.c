// SPDX-License-Identifier: GPL-2.0
/*
 * The balloon's hypercalls: handing frames back (mem_decrease), taking
 * them back (mem_populate), and the guest driver's side channel to the
 * host (balloon_info, balloon_setup, balloon_report).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/jiffies.h>
#include <linux/kvm_host.h>
#include <pvhv/pvhv.h>
#include <pvhv/balloon.h>
#include <pvhv/event.h>

#include "../pvhv/hypercall.h"
#include "../pvhv/domain.h"
#include "../pvhv/frames.h"
#include "../pvhv/evtchn.h"
#include "balloon.h"

/* One call's frames, resolved to the pvhvfs file that holds each. */
struct balloon_batch {
	__le64 list[PVHV_MEM_BATCH_MAX];
	u64 sorted[PVHV_MEM_BATCH_MAX];
	struct inode *inode[PVHV_MEM_BATCH_MAX];
	struct pvhv_mem *mem[PVHV_MEM_BATCH_MAX];
	pgoff_t idx[PVHV_MEM_BATCH_MAX];
};

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Read the guest's list: 0 or a negative PVHV_E* code. */
static long balloon_read_list(struct pvhv_hc_ctx *ctx,
			      struct balloon_batch *bb, unsigned int n)
{
	unsigned int i;

	if (kvm_vcpu_read_guest(ctx->vcpu, ctx->args[0], bb->list,
				n * sizeof(bb->list[0])))
		return -PVHV_EFAULT;
	for (i = 0; i < n; i++)
		bb->sorted[i] = le64_to_cpu(bb->list[i]);
	sort(bb->sorted, n, sizeof(bb->sorted[0]), cmp_u64, NULL);
	for (i = 1; i < n; i++)
		if (bb->sorted[i] == bb->sorted[i - 1])
			return -PVHV_EINVAL;
	return 0;
}

/*
 * mem_decrease (@in false) and mem_populate (@in true): (gpa, count,
 * flags).  Every frame is checked before any is changed, so that bad input
 * changes nothing; then runs of frames in one file are done under one lock.
 */
static long balloon_mem_op(struct pvhv_hc_ctx *ctx, bool in)
{
	unsigned long count = ctx->args[1];
	struct pvhv_domain *dom = ctx->dom;
	struct pvhv_pin_batch pb;
	struct balloon_batch *bb;
	unsigned int i, j;
	long ret, done = 0, limit = 0;

	unsigned long flags = ctx->args[2];

	if (!count || count > PVHV_MEM_BATCH_MAX || (ctx->args[0] & 7))
		return -PVHV_EINVAL;
	if (flags & ~(in ? PVHV_MEM_F_PRESSURE : 0))
		return -PVHV_EINVAL;
	bb = kvmalloc(sizeof(*bb), GFP_KERNEL_ACCOUNT);
	if (!bb)
		return -PVHV_ENOMEM;
	ret = balloon_read_list(ctx, bb, count);
	if (ret)
		goto out_free;

	ret = pvhv_pin_batch_begin(&pb, dom);
	if (ret)
		goto out_end;
	for (i = 0; i < count; i++) {
		ret = pvhv_pin_batch_frame(&pb, le64_to_cpu(bb->list[i]),
					   &bb->inode[i], &bb->mem[i],
					   &bb->idx[i]);
		if (!ret)
			ret = pvhv_mem_balloon_check(bb->inode[i], bb->mem[i],
						     bb->idx[i], in);
		if (ret)
			goto out_end;	/* -EFAULT ... -EEXIST: PVHV_E* values */
	}

	limit = pvhv_domain_max_pages(dom);
	if (in && !(flags & PVHV_MEM_F_PRESSURE))
		limit = min(limit, pvhv_balloon_target(dom->balloon));
	for (i = 0; i < count; i = j) {
		long n;

		for (j = i + 1; j < count && bb->mem[j] == bb->mem[i]; j++)
			;
		if (in)
			n = pvhv_mem_balloon_in(bb->inode[i], bb->mem[i],
						&bb->idx[i], j - i, limit);
		else
			n = pvhv_mem_balloon_out(bb->inode[i], bb->mem[i],
						 &bb->idx[i], j - i);
		done += n;
		if (n < j - i)
			break;
	}
	if (flags & PVHV_MEM_F_PRESSURE)
		atomic_long_add(done, &dom->balloon->pressure_populated);
	ret = done;
out_end:
	pvhv_pin_batch_end(&pb);
out_free:
	kvfree(bb);
	return ret;
}

static long hc_mem_decrease(struct pvhv_hc_ctx *ctx)
{
	return balloon_mem_op(ctx, false);
}

static long hc_mem_populate(struct pvhv_hc_ctx *ctx)
{
	return balloon_mem_op(ctx, true);
}

/* A struct at @gpa: 8-byte aligned and within one page. */
static bool balloon_gpa_ok(u64 gpa, size_t size)
{
	return !(gpa & 7) && offset_in_page(gpa) + size <= PAGE_SIZE;
}

/* balloon_info(gpa) */
static long hc_balloon_info(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_domain *dom = ctx->dom;
	struct pvhv_balloon_info info;
	long size = pvhv_domain_pages(dom);
	long ballooned = atomic_long_read(&dom->ballooned);

	if (!balloon_gpa_ok(ctx->args[0], sizeof(info)))
		return -PVHV_EINVAL;
	info = (struct pvhv_balloon_info){
		.size = size,
		.reservation = size - ballooned,
		.target = pvhv_balloon_target(dom->balloon),
		.max = pvhv_domain_max_pages(dom),
		.ballooned = ballooned,
		.populated = atomic_long_read(&dom->frames),
	};
	if (kvm_vcpu_write_guest(ctx->vcpu, ctx->args[0], &info, sizeof(info)))
		return -PVHV_EFAULT;
	return 0;
}

static void balloon_port_event(void *data)
{
	/* The guest has nothing to tell us on this port. */
}

/* balloon_setup(port) */
static long hc_balloon_setup(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_balloon_dom *b = ctx->dom->balloon;
	unsigned long port = ctx->args[0];
	u32 old;
	int ret;

	if (port >= PVHV_EVTCHN_PORTS)
		return -PVHV_EINVAL;
	/*
	 * The domain's last file went while this vCPU was here: nothing
	 * manages its memory any more.  Racing with that is harmless: @b
	 * lives as long as the domain, which frees the port's binding too.
	 */
	if (READ_ONCE(b->gone))
		return -PVHV_ESRCH;
	if (port && port == READ_ONCE(b->port))
		return 0;
	if (port) {
		ret = pvhv_evtchn_bind_host(ctx->dom, port, balloon_port_event,
					    b);
		if (ret)
			return ret;	/* -ENOENT, -ENODEV */
	}
	spin_lock(&b->lock);
	old = b->port;
	b->port = port;
	spin_unlock(&b->lock);
	if (old && old != port)
		pvhv_evtchn_unbind_host(ctx->dom, old, b);
	return 0;
}

/* balloon_report(gpa) */
static long hc_balloon_report(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_balloon_dom *b = ctx->dom->balloon;
	struct pvhv_balloon_stats st;
	long size = pvhv_domain_pages(ctx->dom);

	if (!balloon_gpa_ok(ctx->args[0], sizeof(st)))
		return -PVHV_EINVAL;
	if (READ_ONCE(b->gone))
		return -PVHV_ESRCH;	/* as balloon_setup */
	if (kvm_vcpu_read_guest(ctx->vcpu, ctx->args[0], &st, sizeof(st)))
		return -PVHV_EFAULT;
	/* Figures no guest can have: not stored, so the policy never sees them. */
	if (st.free > size || st.cached > size || st.available > size ||
	    st.total > size)
		return -PVHV_ERANGE;
	spin_lock(&b->lock);
	b->stats = st;
	b->stats_jiffies = jiffies ?: 1;
	spin_unlock(&b->lock);
	return 0;
}

static const struct pvhv_hc_desc pvhv_balloon_hcs[] = {
	{ PVHV_HC_MEM_DECREASE, "mem_decrease", hc_mem_decrease },
	{ PVHV_HC_MEM_POPULATE, "mem_populate", hc_mem_populate },
	{ PVHV_HC_BALLOON_INFO, "balloon_info", hc_balloon_info },
	{ PVHV_HC_BALLOON_SETUP, "balloon_setup", hc_balloon_setup },
	{ PVHV_HC_BALLOON_REPORT, "balloon_report", hc_balloon_report },
};

int pvhv_balloon_hc_init(void)
{
	return pvhv_hc_register_all(pvhv_balloon_hcs,
				    ARRAY_SIZE(pvhv_balloon_hcs));
}

void pvhv_balloon_hc_exit(void)
{
	pvhv_hc_unregister_all(pvhv_balloon_hcs, ARRAY_SIZE(pvhv_balloon_hcs));
}
