// SPDX-License-Identifier: GPL-2.0
/*
 * Direct guest writes to typed frames, caught by KVM's write tracking.
 *
 * With nested paging the guest's own page tables translate its addresses,
 * so pvhv cannot stop the guest from mapping a typed frame writable with
 * a table it never gave pvhv.  KVM can: a write-tracked gfn is read-only
 * in KVM's nested page tables, a guest write to it is emulated by KVM, and
 * then the notifier below sees the bytes written.  Each 8-byte entry that
 * changed is checked as a page-table update would be; an entry that may
 * not change so (and any write to the protected IDT) is put back as it
 * was and the vCPU gets a #GP(0), which arrives after the writing
 * instruction (KVM has already completed it).
 *
 * KVM notifies after the write, in the vCPU thread, with the VM's SRCU
 * held; the domain's pt->lock is taken there, as in a hypercall.
 *
 * A CPU walks the tables it translates through, and writes to them only to
 * set accessed and dirty bits, which pvhv sets in advance (pt_types.c), so
 * write-tracked tables stay usable as the live page tables.  QEMU's TCG
 * (the project's test hosts) differs: its page walker asks for write
 * access to every entry it reads, so a live table that is read-only in the
 * nested page tables faults on every walk, and KVM, seeing a fault during
 * a guest page walk, only retries it: the vCPU loops.  pt/track_writes=0
 * turns tracking off for a domain there (its direct writes then go
 * unchecked; updates through the hypercalls are checked as ever).
 */
#include <linux/kernel.h>
#include <linux/highmem.h>
#include <linux/kvm_host.h>

#include "pt.h"

static void pt_track_write(struct pvhv_write_tracker *t,
			   struct kvm_vcpu *vcpu, gpa_t gpa,
			   const u8 *new, int bytes)
{
	struct pvhv_pt_dom *pt = container_of(t, struct pvhv_pt_dom, tracker);
	unsigned int first, last, i;
	struct pvhv_pt_frame *f;
	struct pvhv_pin_batch b;
	bool undo = false, batch = false;
	u64 *va, now;

	if (bytes <= 0 || !vcpu)
		return;
	mutex_lock(&pt->lock);
	f = pvhv_pt_lookup(pt, gpa >> PAGE_SHIFT);
	if (!f || f->validating)
		goto out;
	pt->direct_writes++;
	/* The entries the write touched (an emulated write stays in a page). */
	first = offset_in_page(gpa) / 8;
	last = (offset_in_page(gpa) + bytes - 1) / 8;
	if (last >= PAGE_SIZE / 8)
		last = PAGE_SIZE / 8 - 1;
	va = kmap_local_page(f->pin.page);
	for (i = first; i <= last; i++) {
		now = READ_ONCE(va[i]);
		if (now == f->shadow[i])
			continue;
		/* The VM process's mmap_lock only for an entry to check. */
		if (!batch && f->type != PVHV_FRAME_IDT)
			batch = !pvhv_pin_batch_begin(&b, pt->dom);
		if (!batch || pvhv_pt_set_entry(pt, &b, f, i, now, false)) {
			WRITE_ONCE(va[i], f->shadow[i]);
			undo = true;
		}
	}
	kunmap_local(va);
	if (batch)
		pvhv_pin_batch_end(&b);
	if (undo) {
		pt->direct_undone++;
		kvm_inject_gp(vcpu, 0);
	}
out:
	pvhv_pt_unlock(pt);
}

/*
 * Memory at [@gfn, @gfn + @npages) is leaving the VM: QEMU deletes or
 * moves a memslot, and KVM frees the slot's write-tracking counts with
 * it.  A typed frame there has lost its count: untracking it later would
 * take a count from whatever slot then holds the gfn, which KVM WARNs
 * about once it goes below zero.  So such frames stop being tracked here
 * (pt/track_lost counts them): they stay typed, and the guest's direct
 * writes to them go unchecked from now on, as with pt/track_writes=0.
 *
 * KVM calls this with its slots_lock held, after the slot was replaced
 * by an invalid copy (so a gfn whose as-0 slot is invalid is in the
 * memory leaving), and outside its mmu_lock: pt->lock may be taken, as
 * in a hypercall.  An SMM memslot (address space 1) aliasing RAM leaves
 * the as-0 slot, and so the count, in place.  Nothing is unpinned here.
 */
static void pt_track_remove_region(struct pvhv_write_tracker *t, gfn_t gfn,
				   unsigned long npages)
{
	struct pvhv_pt_dom *pt = container_of(t, struct pvhv_pt_dom, tracker);
	struct kvm_memory_slot *slot;
	struct pvhv_pt_frame *f;
	unsigned long idx;
	void *entry;

	if (!npages)
		return;
	mutex_lock(&pt->lock);
	/* Teardown detached the VM: no frame is tracked any more. */
	if (!pt->kvm)
		goto out;
	xa_for_each_range(&pt->frames, idx, entry, gfn, gfn + npages - 1) {
		if (xa_is_value(entry))
			continue;
		f = entry;
		if (!f->tracked)
			continue;
		slot = gfn_to_memslot(pt->kvm, f->gfn);
		if (slot && !(slot->flags & KVM_MEMSLOT_INVALID))
			continue;
		f->tracked = false;
		pt->track_lost++;
	}
out:
	pvhv_pt_unlock(pt);
}

int pvhv_pt_track(struct pvhv_pt_dom *pt, struct kvm *kvm,
		  struct pvhv_pt_frame *f)
{
	lockdep_assert_held(&pt->lock);
	if (!pt->kvm) {
		/* A teardown on another vCPU is still unregistering it. */
		if (pt->tracker_linked)
			return -PVHV_EAGAIN;
		pt->tracker.write = pt_track_write;
		pt->tracker.remove_region = pt_track_remove_region;
		/* From the VM's process: this runs in a hypercall. */
		if (pvhv_write_tracker_register(kvm, &pt->tracker))
			return -PVHV_ESRCH;
		kvm_get_kvm(kvm);
		pt->kvm = kvm;
		pt->tracker_linked = true;
	}
	/*
	 * Tables are tracked in one VM at a time; another VM mapping the
	 * same domain (a second VMM process) cannot type frames until
	 * the first one's tables are gone.
	 */
	if (pt->kvm != kvm)
		return -PVHV_ESRCH;
	if (pt->no_track)
		return 0;
	/* Not into memory on its way out: see pt_track_remove_region(). */
	if (pvhv_write_track_gfn(pt->kvm, f->gfn, true))
		return -PVHV_EFAULT;
	f->tracked = true;
	return 0;
}

void pvhv_pt_untrack(struct pvhv_pt_dom *pt, struct pvhv_pt_frame *f)
{
	lockdep_assert_held(&pt->lock);
	/*
	 * Tracked means KVM holds our count in a valid slot:
	 * pt_track_remove_region() clears it when the slot goes.
	 */
	pvhv_write_track_gfn(pt->kvm, f->gfn, false);
	f->tracked = false;
}

struct kvm *pvhv_pt_track_detach(struct pvhv_pt_dom *pt)
{
	struct kvm *kvm = pt->kvm;

	lockdep_assert_held(&pt->lock);
	pt->kvm = NULL;
	return kvm;
}

void pvhv_pt_track_stop(struct pvhv_pt_dom *pt, struct kvm *kvm)
{
	/*
	 * Not under pt->lock: this waits for notifiers in flight, which
	 * take it.  They find no typed frame any more.
	 */
	if (!kvm)
		return;
	pvhv_write_tracker_unregister(kvm, &pt->tracker);
	kvm_put_kvm(kvm);
	mutex_lock(&pt->lock);
	pt->tracker_linked = false;
	pvhv_pt_unlock(pt);
}
