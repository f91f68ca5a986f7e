/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv guest ABI: the paravirtual page-table API (PV MMU), multicalls and
 * the trap table.  Hypercall numbers are in pvhv.h.
 *
 * Page tables are x86-64 4-level tables of 4 KiB pages in the guest's own
 * frames.  pvhv gives a frame a type: writable data (the default), a page
 * table of level 1 to 4, or the protected IDT.  A frame gets a table type
 * when it is pinned (PVHV_MMUEXT_PIN_Ln_TABLE) or when an entry of a
 * validated table one level up points at it, and pvhv then checks every
 * entry in it; it keeps the type while a pin or such an entry holds it.
 * A typed frame is held by the host (it cannot be ballooned, shared or
 * relocated), its guest writes are tracked, and it is never mapped
 * writable by an entry of a validated level-1 table.
 *
 * An entry of a validated table must be:
 * - not present (bit 0 clear: anything else in it is ignored), or
 * - present with bits 52-62 clear (bit 63, NX, may be set), naming in bits
 *   12-51 a frame of this domain's own guest RAM, and
 *   - at levels 2-4: no large page (bit 7 clear); the frame it names
 *     becomes, or already is, a table one level down;
 *   - at level 1: if writable (bit 1), a frame with no type.
 *
 * Errors, for one entry or operation (returned negated):
 * PVHV_EINVAL	reserved bits, a large page, a misaligned or unknown
 *		argument
 * PVHV_EFAULT	the frame (or the list) is not guest RAM
 * PVHV_EPERM	the frame is not this domain's own pvhvfs memory (another
 *		domain's granted frame cannot hold a table)
 * PVHV_EACCES	a type conflict: a table mapped writable, a frame mapped
 *		writable made a table, a table of another level
 * PVHV_ENOENT	the entry is not in a validated table; an unpin or a base
 *		switch names a frame that is not a pinned table (of level 4)
 * PVHV_EBUSY	unpinning the table a vCPU uses as its base, or pinning a
 *		frame twice
 * PVHV_ENOSPC	the domain has PVHV_PT_MAX_TABLES typed frames already
 * PVHV_EAGAIN	a soft reset on another vCPU is still tearing down the
 *		domain's tables; try again
 */
#ifndef _UAPI_PVHV_MMU_H
#define _UAPI_PVHV_MMU_H

#include <linux/types.h>

/* Typed frames a domain may hold (each costs the host a 4 KiB shadow). */
#define PVHV_PT_MAX_TABLES		4096

/*
 * mmu_update(gpa, count, done_gpa): apply count (1..PVHV_MMU_UPDATE_MAX)
 * struct pvhv_mmu_update at gpa, in order, each one validated first.  The
 * number applied goes to the u64 at done_gpa (8-byte aligned; 0: nowhere).
 * Returns 0 if all were, else the error of the first one that was not
 * (nothing of it applied; the rest not tried).
 *
 * The fourth argument must be 0.  A call whose updates type or free many
 * tables is continued: after some tables (256 today) pvhv leaves
 * the call with RIP back on the hypercall instruction and the registers
 * set to the rest of the list (the fourth holding the number applied so
 * far), so the vCPU makes the rest of the call when it runs again.  The
 * guest sees one call; mmuext_op works the same way.
 */
struct pvhv_mmu_update {
	__u64 ptr;	/* guest-physical address of the entry, 8-byte aligned */
	__u64 val;	/* its new value */
};

#define PVHV_MMU_UPDATE_MAX		512

/*
 * mmuext_op(gpa, count, done_gpa): count (1..PVHV_MMUEXT_MAX) struct
 * pvhv_mmuext_op at gpa, done as mmu_update.
 */
struct pvhv_mmuext_op {
	__u32 cmd;	/* PVHV_MMUEXT_* */
	__u32 pad;	/* 0 */
	__u64 arg;	/* a frame number, or a linear address (INVLPG) */
};

#define PVHV_MMUEXT_MAX			64

/* Validate frame arg as a table of level 1..4 and hold it (one pin). */
#define PVHV_MMUEXT_PIN_L1_TABLE	1
#define PVHV_MMUEXT_PIN_L2_TABLE	2
#define PVHV_MMUEXT_PIN_L3_TABLE	3
#define PVHV_MMUEXT_PIN_L4_TABLE	4
/* Drop the pin of frame arg. */
#define PVHV_MMUEXT_UNPIN_TABLE		5
/* The calling vCPU's CR3 becomes pinned level-4 table arg. */
#define PVHV_MMUEXT_NEW_BASEPTR		6
/* Flush the guest TLB of the calling vCPU, or of all vCPUs (arg 0). */
#define PVHV_MMUEXT_TLB_FLUSH_LOCAL	7
#define PVHV_MMUEXT_TLB_FLUSH_ALL	8
/* Invalidate linear address arg on the calling vCPU, or on all. */
#define PVHV_MMUEXT_INVLPG_LOCAL	9
#define PVHV_MMUEXT_INVLPG_ALL		10

/*
 * frame_info(gfn): what pvhv knows of frame gfn:
 * PVHV_FRAME_INFO(type, refs) with type a PVHV_FRAME_* and refs the
 * number of references to that type (pins and table entries), or for
 * PVHV_FRAME_DATA the number of writable level-1 entries that map it.
 */
#define PVHV_FRAME_DATA			0
#define PVHV_FRAME_L1			1
#define PVHV_FRAME_L2			2
#define PVHV_FRAME_L3			3
#define PVHV_FRAME_L4			4
#define PVHV_FRAME_IDT			5
#define PVHV_FRAME_PINNED		(1ULL << 40)
#define PVHV_FRAME_INFO(type, refs)	(((__u64)(type) << 32) | (refs))
#define PVHV_FRAME_INFO_TYPE(v)		(((v) >> 32) & 0xff)
#define PVHV_FRAME_INFO_REFS(v)		((v) & 0xffffffffULL)

/*
 * multicall(gpa, count): run count (1..PVHV_MULTICALL_MAX) pvhv
 * hypercalls described at gpa, in one exit, each one's result written to
 * its entry.  A multicall inside gets -PVHV_EINVAL.  Returns 0, or
 * -PVHV_EFAULT if the list cannot be read or written back.  A call in the
 * list that is continued (see mmu_update) has its entry's args rewritten
 * to what is left of it, and the multicall continues from that entry.
 */
struct pvhv_multicall {
	__u64 op;		/* PVHV_HC_* */
	__u64 args[4];
	__s64 result;
};

#define PVHV_MULTICALL_MAX		64

/*
 * set_trap_table(gpa): install the trap table at gpa (in one page): pvhv
 * checks every entry, then writes the gates into frame idt_gfn, which
 * becomes the protected IDT (type PVHV_FRAME_IDT: held, its guest writes
 * undone with #GP).  Vectors not listed get a not-present gate.  The guest
 * then loads it with LIDT (limit 4095) at a linear address that maps it,
 * read-only.  Called again, it replaces the table (idt_gfn may change);
 * count 0 drops it.  Returns 0.
 *
 * A handler address must be canonical and inside [text_start, text_end);
 * DPL 3 (reachable from user mode with INT n) is allowed on vectors 3
 * (#BP), 4 (#OF) and 32-255 only; kernel_cs must be a GDT selector with
 * RPL 0; an IST index is 0-7.  Errors: PVHV_EINVAL (any of those, a
 * duplicate vector, unknown flags), PVHV_EFAULT / PVHV_EPERM / PVHV_EACCES
 * for idt_gfn as for a table.
 */
struct pvhv_trap_info {
	__u8 vector;
	__u8 flags;		/* PVHV_TRAP_* */
	__u8 ist;		/* 0: none, 1-7: the TSS's IST stack */
	__u8 pad[5];		/* 0 */
	__u64 address;		/* handler, a linear address */
};

#define PVHV_TRAP_DPL3		(1 << 0)	/* INT n from user mode */
#define PVHV_TRAP_TRAPGATE	(1 << 1)	/* leave IF set (a trap gate) */

struct pvhv_trap_table {
	__u64 idt_gfn;
	__u64 text_start;	/* the guest kernel's text */
	__u64 text_end;
	__u16 kernel_cs;
	__u16 count;		/* entries below, 0..PVHV_TRAP_MAX */
	__u32 pad;		/* 0 */
	struct pvhv_trap_info traps[];
};

#define PVHV_TRAP_MAX		((4096 - 32) / 16)

/*
 * set_callback(address, vector): the event channel upcall arrives on
 * vector (32-255), whose gate in the protected IDT is set to address
 * (checked as a trap handler, DPL 0, interrupt gate), as if
 * evtchn_setup had been given this vector.  Needs a trap table.  The
 * guest says when it may be interrupted with upcall_mask in its shared
 * page, and masks single ports with their mask bits, as without a trap
 * table (include/uapi/pvhv/event.h).  Returns 0.
 */

#endif /* _UAPI_PVHV_MMU_H */
