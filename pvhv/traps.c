// SPDX-License-Identifier: GPL-2.0
/*
 * The trap table: set_trap_table and set_callback (include/uapi/pvhv/mmu.h).
 *
 * The guest lists its exception and interrupt handlers; pvhv checks each
 * one and writes the gates into a frame of the guest's that becomes the
 * protected IDT (type PVHV_FRAME_IDT: held, write-tracked, and any guest
 * write to it undone with a #GP, pt_track.c).  The guest loads it with
 * LIDT.  From then on exceptions, interrupts and INT n run through gates
 * that pvhv checked, directly on the CPU: with hardware virtualization
 * none of them needs a VM exit (KVM intercepts none of them).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/highmem.h>
#include <linux/kvm_host.h>
#include <asm/desc.h>

#include "pt.h"
#include "evtchn.h"
#include "hypercall.h"

#define IDT_ENTRIES		256

/* Vectors the guest may make reachable from user mode (INT n, INT3, INTO). */
static bool trap_user_ok(u8 vector)
{
	return vector == 3 || vector == 4 || vector >= 32;
}

/* Handlers go in the kernel's text, [start, end). */
struct trap_text {
	u64 start, end;
};

static bool trap_handler_ok(const struct trap_text *text, u64 address)
{
	return pvhv_pt_canonical(address) && address >= text->start &&
	       address < text->end;
}

/* The gate for @t, as the kernel builds its own (pack_gate()). */
static void trap_gate(u64 gate[2], u16 cs, const struct pvhv_trap_info *t)
{
	gate_desc g;

	pack_gate(&g, (t->flags & PVHV_TRAP_TRAPGATE) ? GATE_TRAP :
		  GATE_INTERRUPT, t->address,
		  (t->flags & PVHV_TRAP_DPL3) ? 3 : 0, t->ist, cs);
	/* On x86-64 pack_gate() puts the host's __KERNEL_CS there. */
	g.segment = cs;
	memcpy(gate, &g, sizeof(g));
}

static int trap_check(const struct trap_text *text,
		      const struct pvhv_trap_info *t)
{
	if (t->flags & ~(PVHV_TRAP_DPL3 | PVHV_TRAP_TRAPGATE))
		return -PVHV_EINVAL;
	if (t->ist > 7 || memchr_inv(t->pad, 0, sizeof(t->pad)))
		return -PVHV_EINVAL;
	if ((t->flags & PVHV_TRAP_DPL3) && !trap_user_ok(t->vector))
		return -PVHV_EINVAL;
	if (!trap_handler_ok(text, t->address))
		return -PVHV_EINVAL;
	return 0;
}

/* Write gates @gates (the whole IDT, 4 KiB) into the IDT frame. */
static void trap_write_idt(struct pvhv_pt_dom *pt, const u64 *gates)
{
	struct pvhv_pt_frame *f = pvhv_pt_lookup(pt, pt->idt_gfn - 1);
	u64 *va;

	va = kmap_local_page(f->pin.page);
	memcpy(va, gates, PAGE_SIZE);
	kunmap_local(va);
	/* The shadow is what tracked writes are compared with. */
	memcpy(f->shadow, gates, PAGE_SIZE);
}

/* Drop the protected IDT (its frame becomes ordinary memory again). */
static void trap_drop_idt(struct pvhv_pt_dom *pt)
{
	if (!pt->idt_gfn)
		return;
	pvhv_pt_put_type(pt, pt->idt_gfn - 1);
	pt->idt_gfn = 0;
}

/* Parse and check @tt; the gates in @gates.  0 or -PVHV_E*. */
static int trap_build(const struct pvhv_trap_table *tt, u64 *gates)
{
	DECLARE_BITMAP(seen, IDT_ENTRIES);
	const struct trap_text text = { tt->text_start, tt->text_end };
	const struct pvhv_trap_info *t;
	unsigned int i;
	int ret;

	bitmap_zero(seen, IDT_ENTRIES);
	for (i = 0; i < tt->count; i++) {
		t = &tt->traps[i];
		ret = trap_check(&text, t);
		if (ret)
			return ret;
		if (__test_and_set_bit(t->vector, seen))
			return -PVHV_EINVAL;	/* listed twice */
		trap_gate(&gates[2 * t->vector], tt->kernel_cs, t);
	}
	return 0;
}

/* set_trap_table(gpa) */
static long hc_set_trap_table(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_pt_dom *pt = pvhv_pt_get(ctx->dom);
	u64 gpa = ctx->args[0], old_gfn;
	struct pvhv_trap_table *tt;
	struct pvhv_pin_batch b;
	u64 *gates = NULL;
	size_t len;
	long ret;

	if (!pt)
		return -PVHV_ENOMEM;
	/* The table, header and entries, in one page. */
	if (gpa & 7)
		return -PVHV_EINVAL;
	len = PAGE_SIZE - offset_in_page(gpa);
	if (len < sizeof(*tt))
		return -PVHV_EINVAL;
	tt = kzalloc(PAGE_SIZE, GFP_KERNEL);
	gates = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!tt || !gates) {
		ret = -PVHV_ENOMEM;
		goto out;
	}
	/*
	 * One read of all the table can hold, then only the copy is looked
	 * at: another vCPU may change count meanwhile, and a count read
	 * twice could make trap_build() walk past what was read.
	 */
	ret = -PVHV_EFAULT;
	if (kvm_vcpu_read_guest(ctx->vcpu, gpa, tt, len))
		goto out;
	ret = -PVHV_EINVAL;
	if (tt->count > PVHV_TRAP_MAX || tt->pad ||
	    struct_size(tt, traps, tt->count) > len)
		goto out;

	mutex_lock(&pt->lock);
	if (!tt->count) {
		trap_drop_idt(pt);
		ret = 0;
		goto unlock;
	}
	ret = -PVHV_EINVAL;
	/* A GDT selector (TI clear) with RPL 0, not the null one. */
	if (tt->kernel_cs < 8 || (tt->kernel_cs & 7) ||
	    !pvhv_pt_canonical(tt->text_start) ||
	    !pvhv_pt_canonical(tt->text_end - 1) ||
	    tt->text_start >= tt->text_end)
		goto unlock;
	ret = trap_build(tt, gates);
	if (ret)
		goto unlock;

	/* The new IDT frame typed before the old one (maybe the same) goes. */
	if (pvhv_pin_batch_begin(&b, ctx->dom)) {
		ret = -PVHV_ESRCH;
		goto unlock;
	}
	ret = pvhv_pt_get_type(pt, &b, tt->idt_gfn, PVHV_FRAME_IDT);
	pvhv_pin_batch_end(&b);
	if (ret)
		goto unlock;
	old_gfn = pt->idt_gfn;
	pt->idt_gfn = tt->idt_gfn + 1;
	pt->text_start = tt->text_start;
	pt->text_end = tt->text_end;
	pt->kernel_cs = tt->kernel_cs;
	if (old_gfn)
		pvhv_pt_put_type(pt, old_gfn - 1);
	trap_write_idt(pt, gates);
unlock:
	pvhv_pt_unlock(pt);
out:
	kfree(gates);
	kfree(tt);
	return ret;
}

/* set_callback(address, vector) */
static long hc_set_callback(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_pt_dom *pt = pvhv_pt_get(ctx->dom);
	struct pvhv_trap_info t = { .address = ctx->args[0] };
	u64 vector = ctx->args[1];
	struct trap_text text;
	struct pvhv_pt_frame *f;
	u64 gates[2];
	long ret;
	u64 *va;

	if (!pt)
		return -PVHV_ENOMEM;
	if (vector < 32 || vector > 255)
		return -PVHV_EINVAL;
	t.vector = vector;
	mutex_lock(&pt->lock);
	ret = -PVHV_ENOENT;
	if (!pt->idt_gfn)
		goto unlock;
	text = (struct trap_text){ pt->text_start, pt->text_end };
	ret = trap_check(&text, &t);
	if (ret)
		goto unlock;
	ret = pvhv_evtchn_set_vector(ctx->dom, vector);
	if (ret)
		goto unlock;	/* -PVHV_ENODEV: no event channels */
	trap_gate(gates, pt->kernel_cs, &t);
	f = pvhv_pt_lookup(pt, pt->idt_gfn - 1);
	va = kmap_local_page(f->pin.page);
	memcpy(&va[2 * vector], gates, sizeof(gates));
	kunmap_local(va);
	memcpy(&f->shadow[2 * vector], gates, sizeof(gates));
unlock:
	pvhv_pt_unlock(pt);
	return ret;
}

void pvhv_traps_teardown(struct pvhv_pt_dom *pt)
{
	lockdep_assert_held(&pt->lock);
	/* The frame itself goes with every other typed frame. */
	pt->idt_gfn = 0;
	pt->text_start = 0;
	pt->text_end = 0;
	pt->kernel_cs = 0;
}

static const struct pvhv_hc_desc pvhv_traps_hcs[] = {
	{ PVHV_HC_SET_TRAP_TABLE, "set_trap_table", hc_set_trap_table },
	{ PVHV_HC_SET_CALLBACK, "set_callback", hc_set_callback },
};

int pvhv_traps_init(void)
{
	return pvhv_hc_register_all(pvhv_traps_hcs, ARRAY_SIZE(pvhv_traps_hcs));
}

void pvhv_traps_exit(void)
{
	pvhv_hc_unregister_all(pvhv_traps_hcs, ARRAY_SIZE(pvhv_traps_hcs));
}
