/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paravirtual page tables and the trap table (include/uapi/pvhv/mmu.h).
 *
 * pvhv keeps, per domain, the type of every frame that is a validated
 * table (or the protected IDT) and, for other frames, how many entries of
 * validated level-1 tables map them writable.  A typed frame is pinned in
 * the P2M (so the balloon and ksm-hint leave it alone), has a shadow copy
 * of its entries as validated, and is write-tracked through KVM: a guest
 * write to it (through a mapping pvhv did not validate) is emulated by KVM
 * and then checked here, and undone with a #GP if it is not allowed.
 *
 * pt_types.c	types, validation, pin and unpin, entry updates
 * pt_track.c	KVM write tracking and direct writes
 * pt_hc.c	the hypercalls: mmu_update, mmuext_op, multicall, frame_info
 * traps.c	set_trap_table and set_callback
 *
 * Locking: everything under the domain's pt->lock (a mutex), taken in
 * the vCPU thread (hypercalls, tracked writes) or at teardown.
 */
#ifndef _PVHV_PT_H
#define _PVHV_PT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/xarray.h>
#include <asm/page.h>
#include <pvhv/mmu.h>

#include "compat.h"
#include "domain.h"
#include "frames.h"

/* A typed frame: a validated table or the protected IDT. */
struct pvhv_pt_frame {
	struct list_head node;		/* teardown's list */
	u64 gfn;
	u8 type;			/* PVHV_FRAME_L1..L4, PVHV_FRAME_IDT */
	bool pinned;			/* an mmuext pin holds one ref */
	bool validating;		/* being checked: not usable yet */
	bool tracked;			/* KVM holds a write-track count */
	u32 refs;			/* pin + entries one level up */
	struct pvhv_frame_pin pin;	/* the page, while typed */
	u64 *shadow;			/* the entries as validated */
};

struct pvhv_pt_dom {
	struct mutex lock;		/* everything here */
	struct pvhv_domain *dom;
	/*
	 * gfn -> struct pvhv_pt_frame * (typed), or xa_mk_value(n): n > 0
	 * writable level-1 entries map the (untyped) frame.
	 */
	struct xarray frames;
	/*
	 * gfn -> xa_mk_value(n): n > 0 writable grant mappings (a backend
	 * or another domain) of the (untyped) frame.  Kept apart from the
	 * guest's own entries because they outlive its kernel: teardown
	 * leaves them to the unmaps.
	 */
	struct xarray granted;
	/* vcpu_id -> xa_mk_value(gfn + 1): the pinned L4 it switched to */
	struct xarray bases;
	u64 tables;			/* typed frames */
	/* Write tracking: registered on @kvm (a reference) when non-NULL. */
	struct kvm *kvm;
	struct pvhv_write_tracker tracker;
	/*
	 * The notifier is on a VM's list: set with kvm, cleared only once
	 * teardown has unregistered it (after kvm was cleared and pt->lock
	 * dropped), so that a pin racing a teardown never links it twice.
	 */
	bool tracker_linked;
	/* Tracked frames whose memslot went (pt_track_remove_region()). */
	u64 track_lost;
	/*
	 * sysfs pt/track_writes (default true): write-track typed frames.
	 * Off only where the CPU's page walker writes to the tables it
	 * walks (QEMU's TCG does, see pt_track.c); changes while no frame
	 * is typed.
	 */
	bool no_track;
	/*
	 * The protected IDT (traps.c): its frame's gfn + 1 (0: none), and
	 * what handlers must be in.
	 */
	u64 idt_gfn;
	u64 text_start, text_end;
	u16 kernel_cs;
	/*
	 * Tables typed or freed since the running hypercall began: its
	 * budget (PVHV_PT_WORK_BUDGET), under lock.
	 */
	unsigned int work;
	/*
	 * Frames freed under the lock, whose pins pvhv_pt_unlock() drops
	 * after it: see there.
	 */
	struct list_head freed;
	/* Counters (sysfs pt/) */
	u64 updates, updates_failed, ext_ops, direct_writes, direct_undone;
	u64 continued;			/* hypercalls continued on the budget */
};

/*
 * Tables one mmu_update or mmuext_op may type or free before it continues
 * (PVHV_HC_CONTINUE) and drops pt->lock.  One entry can still do up to
 * PVHV_PT_MAX_TABLES (a whole tree typed or freed), so a call holds the
 * lock for at most this many plus one entry's worth.
 */
#define PVHV_PT_WORK_BUDGET	256

/*
 * Drop pt->lock, then the pins of the frames freed under it.  Every holder
 * of pt->lock unlocks with this: the last pin of a domain's last memory
 * file frees the domain, which takes pt->lock (pt_domain_destroy()).
 */
void pvhv_pt_unlock(struct pvhv_pt_dom *pt);

/* The domain's state, created on first use; NULL without memory. */
struct pvhv_pt_dom *pvhv_pt_get(struct pvhv_domain *dom);

/*
 * Make frame @gfn a @type (PVHV_FRAME_L1..L4 or PVHV_FRAME_IDT) frame, or
 * take one more reference if it is one already.  Validates a new table
 * (recursively).  Under pt->lock, in the VM's process (@b begun).
 * 0 or -PVHV_E*.
 */
int pvhv_pt_get_type(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
		     u64 gfn, u8 type);
/*
 * A writable grant mapping of frame @gfn is made (grant.c, after the
 * frame is pinned): -PVHV_EACCES if the frame is a table or the protected
 * IDT, which then cannot become one until every such mapping is gone
 * (put).  Under pt->lock, which the caller takes once for a batch of
 * frames; not under a pin batch (pt->lock comes first).  Sleeps.
 */
int pvhv_pt_get_granted_writable(struct pvhv_pt_dom *pt, u64 gfn);
void pvhv_pt_put_granted_writable(struct pvhv_pt_dom *pt, u64 gfn);
/* Drop a reference taken by pvhv_pt_get_type(); the last one untypes. */
void pvhv_pt_put_type(struct pvhv_pt_dom *pt, u64 gfn);
struct pvhv_pt_frame *pvhv_pt_lookup(struct pvhv_pt_dom *pt, u64 gfn);

/*
 * Entry @idx of table @f becomes @val, validated for @f's level (0 or
 * -PVHV_E*; nothing changes on failure).  With @write false the entry
 * already holds @val in guest memory (a tracked direct write) and only
 * the accounting and the shadow follow.
 */
int pvhv_pt_set_entry(struct pvhv_pt_dom *pt, struct pvhv_pin_batch *b,
		      struct pvhv_pt_frame *f, unsigned int idx, u64 val,
		      bool write);

/*
 * Write tracking of typed frames (pt_track.c).  The first frame tracked
 * registers the notifier on @kvm (from the VM's process); at teardown,
 * detach() under pt->lock and stop() after dropping it.
 */
int pvhv_pt_track(struct pvhv_pt_dom *pt, struct kvm *kvm,
		  struct pvhv_pt_frame *f);
void pvhv_pt_untrack(struct pvhv_pt_dom *pt, struct pvhv_pt_frame *f);
struct kvm *pvhv_pt_track_detach(struct pvhv_pt_dom *pt);
void pvhv_pt_track_stop(struct pvhv_pt_dom *pt, struct kvm *kvm);

/*
 * The guest kernel on @dom is gone (the VM stopped, or a soft reset):
 * every type, pin and tracked frame goes.  Not under any pvhv lock: the
 * last unpin may evict the domain's last memory file.
 */
void pvhv_pt_teardown(struct pvhv_domain *dom, struct kvm *kvm);

/* The domain itself is freed (its last reference). */
void pvhv_pt_free(struct pvhv_domain *dom);

/* The trap table's per-domain state goes with the guest (traps.c). */
void pvhv_traps_teardown(struct pvhv_pt_dom *pt);

/* A canonical linear address for 4-level paging? */
static inline bool pvhv_pt_canonical(u64 la)
{
	return __is_canonical_address(la, 48);
}

/* Hypercall registration (pt_hc.c). */
int pvhv_pt_hc_init(void);
void pvhv_pt_hc_exit(void);

/* Typed frames, all domains. */
long pvhv_pt_tables_global(void);

int pvhv_pt_init(void);
void pvhv_pt_exit(void);
int pvhv_traps_init(void);
void pvhv_traps_exit(void);

#endif /* _PVHV_PT_H */
