// SPDX-License-Identifier: GPL-2.0
/*
 * pvhv hypercall handler table: number -> handler, with per-call counters.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sysfs.h>
#include <linux/kvm_host.h>
#include <pvhv/pvhv.h>

#include "hypercall.h"
#include "domain.h"
#include "trace.h"

struct pvhv_hc_entry {
	const char *name;
	pvhv_hc_fn fn;
};

/*
 * Written only at module init and exit, while the KVM hook is not installed,
 * so the dispatch path reads it without locks.
 */
static struct pvhv_hc_entry pvhv_hc_table[PVHV_HC_COUNT];
static DEFINE_PER_CPU(u64 [PVHV_HC_COUNT], pvhv_hc_counts);

int pvhv_hc_register(unsigned long nr, const char *name, pvhv_hc_fn fn)
{
	unsigned long idx = nr - PVHV_HC_BASE;

	if (idx >= PVHV_HC_COUNT || !fn)
		return -EINVAL;
	if (pvhv_hc_table[idx].fn)
		return -EEXIST;
	pvhv_hc_table[idx].name = name;
	pvhv_hc_table[idx].fn = fn;
	return 0;
}

void pvhv_hc_unregister(unsigned long nr)
{
	unsigned long idx = nr - PVHV_HC_BASE;

	if (idx < PVHV_HC_COUNT)
		pvhv_hc_table[idx] = (struct pvhv_hc_entry){};
}

int pvhv_hc_register_all(const struct pvhv_hc_desc *d, unsigned int n)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = pvhv_hc_register(d[i].nr, d[i].name, d[i].fn);
		if (ret) {
			pvhv_hc_unregister_all(d, i);
			return ret;
		}
	}
	return 0;
}

void pvhv_hc_unregister_all(const struct pvhv_hc_desc *d, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		pvhv_hc_unregister(d[i].nr);
}

long pvhv_hc_dispatch(struct pvhv_hc_ctx *ctx, unsigned long nr)
{
	unsigned long idx = nr - PVHV_HC_BASE;
	pvhv_hc_fn fn;
	long ret;

	if (idx >= PVHV_HC_COUNT)
		return -PVHV_ENOSYS;
	idx = array_index_nospec(idx, PVHV_HC_COUNT);
	fn = pvhv_hc_table[idx].fn;
	ret = fn ? fn(ctx) : -PVHV_ENOSYS;

	this_cpu_inc(pvhv_hc_counts[idx]);
	atomic64_inc(&ctx->dom->hc_count[idx]);
	trace_pvhv_hypercall(nr, ctx->dom->id, ctx->vcpu->vcpu_id, ret);
	return ret;
}

const char *pvhv_hc_name(unsigned int idx)
{
	return idx < PVHV_HC_COUNT ? pvhv_hc_table[idx].name : NULL;
}

ssize_t pvhv_hc_stats_show(char *buf)
{
	ssize_t len = 0;
	int idx, cpu;

	for (idx = 0; idx < PVHV_HC_COUNT; idx++) {
		u64 sum = 0;

		if (!pvhv_hc_table[idx].fn)
			continue;
		for_each_possible_cpu(cpu)
			sum += per_cpu(pvhv_hc_counts, cpu)[idx];
		len += sysfs_emit_at(buf, len, "%s %llu\n",
				     pvhv_hc_table[idx].name, sum);
	}
	return len;
}
