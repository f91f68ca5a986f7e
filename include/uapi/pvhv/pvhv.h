/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv guest ABI: hypercall numbers, error codes and feature bits.
 *
 * This header is the single definition of the ABI.  The host module, the
 * guest module and the selftests all include it; nothing here may be
 * redefined elsewhere.
 *
 * Calling convention (x86-64, CPL 0, 64-bit mode only): the hypercall number
 * goes in RAX, arguments in RBX, RCX, RDX, RSI (KVM's own convention), and the
 * guest executes VMMCALL (AMD) or VMCALL (Intel).  The result comes back in
 * RAX: >= 0 on success, a negative PVHV_E* code on failure.
 *
 * A call from CPL > 0, from 32-bit code, or from a VM whose memory is not on
 * pvhvfs is handled by KVM exactly as it would be without pvhv (-KVM_EPERM,
 * -KVM_ENOSYS, ...).
 */
#ifndef _UAPI_PVHV_PVHV_H
#define _UAPI_PVHV_PVHV_H

#include <linux/types.h>

#define PVHV_VERSION_MAJOR	0
#define PVHV_VERSION_MINOR	1
/* What PVHV_HC_VERSION returns. */
#define PVHV_VERSION		((PVHV_VERSION_MAJOR << 16) | PVHV_VERSION_MINOR)

/*
 * pvhv's reserved hypercall range.  KVM's own numbers (KVM_HC_*) are small
 * integers; 0x70760000 ("pv" in the high half) keeps well clear of them.
 */
#define PVHV_HC_BASE		0x70760000UL
#define PVHV_HC_COUNT		64
#define PVHV_HC(n)		(PVHV_HC_BASE + (n))

/* Returns PVHV_VERSION. */
#define PVHV_HC_VERSION		PVHV_HC(0)
/* Returns the PVHV_F_* bits this host supports. */
#define PVHV_HC_FEATURES	PVHV_HC(1)
/* Does nothing, returns 0: the cost of a round trip. */
#define PVHV_HC_NULL		PVHV_HC(2)
/*
 * console_write(gpa, len): append len bytes at guest-physical address gpa to
 * the domain's console buffer.  len must be 1..PVHV_CONSOLE_MAX and the range
 * must not cross a page boundary.  Returns len.
 */
#define PVHV_HC_CONSOLE_WRITE	PVHV_HC(3)

#define PVHV_CONSOLE_MAX	256

/*
 * Event channels (include/uapi/pvhv/event.h).
 *
 * evtchn_setup(gpa, vector, apic_id): use the page at gpa (page aligned)
 *   as the domain's struct pvhv_shared_info and deliver upcalls as a fixed
 *   interrupt on vector (32..255) to the vCPU with local APIC id apic_id
 *   (KVM's vcpu_id); vector 0 means no upcall
 *   (the guest polls).  May be called again to move the page or vector;
 *   open ports stay open.  Returns 0.
 * evtchn_alloc_unbound(remote_domid): a new port that remote_domid (a
 *   domain id, or PVHV_DOMID_HOST for a host backend) may bind.  Returns
 *   the port.
 * evtchn_bind_interdomain(remote_domid, remote_port): connect a new local
 *   port to remote_port, which remote_domid allocated unbound for us.
 *   Returns the local port.
 * evtchn_send(port): raise the event at the other end of port.  Returns 0.
 * evtchn_close(port): close port; an interdomain peer's port goes back to
 *   unbound.  Returns 0.
 * evtchn_status(port): PVHV_EVTCHN_STATUS(state, remote_domid, remote_port).
 * evtchn_reset(): close every port of the domain.  Returns 0.
 */
#define PVHV_HC_EVTCHN_SETUP		PVHV_HC(8)
#define PVHV_HC_EVTCHN_ALLOC_UNBOUND	PVHV_HC(9)
#define PVHV_HC_EVTCHN_BIND_INTERDOMAIN	PVHV_HC(10)
#define PVHV_HC_EVTCHN_SEND		PVHV_HC(11)
#define PVHV_HC_EVTCHN_CLOSE		PVHV_HC(12)
#define PVHV_HC_EVTCHN_STATUS		PVHV_HC(13)
#define PVHV_HC_EVTCHN_RESET		PVHV_HC(14)

/*
 * Grant tables (include/uapi/pvhv/grant.h).
 *
 * gnttab_setup(gpa, nr_frames): gpa points at nr_frames (1..
 *   PVHV_GNTTAB_MAX_FRAMES) little-endian u64 guest frame numbers in one
 *   page; those frames become the domain's grant table, in that order.
 *   Fails with -PVHV_EBUSY while any grant of the old table is mapped.
 *   Returns the number of entries.
 * gnttab_end_access(ref): revoke grant ref (clear its entry).  Fails with
 *   -PVHV_EBUSY while it is mapped.  Returns 0.
 * gnttab_copy(gpa, count): perform count (1..PVHV_GNTTAB_COPY_MAX) struct
 *   pvhv_gnttab_copy operations at gpa (in one page), writing each one's
 *   status back.  Returns the number of operations that failed.
 * gnttab_map_gfn(domid, ref, gpa, flags): put the frame that domain domid
 *   granted us (read-write) under ref at our guest-physical address gpa
 *   (page aligned), in place of our own frame there, which comes back on
 *   unmap.  flags is 0.  At most PVHV_GNTTAB_MAX_GFN_MAPS at once.
 *   Returns 0.
 * gnttab_unmap_gfn(gpa): undo gnttab_map_gfn at gpa.  Returns 0.
 */
#define PVHV_HC_GNTTAB_SETUP		PVHV_HC(16)
#define PVHV_HC_GNTTAB_END_ACCESS	PVHV_HC(17)
#define PVHV_HC_GNTTAB_COPY		PVHV_HC(18)
#define PVHV_HC_GNTTAB_MAP_GFN		PVHV_HC(19)
#define PVHV_HC_GNTTAB_UNMAP_GFN	PVHV_HC(20)

#define PVHV_GNTTAB_MAX_GFN_MAPS	1024

/* Virtual block devices (include/uapi/pvhv/blkif.h). */
#define PVHV_HC_VBD_INFO		PVHV_HC(24)
#define PVHV_HC_VBD_CONNECT		PVHV_HC(25)
#define PVHV_HC_VBD_DISCONNECT		PVHV_HC(26)

/* Virtual network interfaces (include/uapi/pvhv/netif.h). */
#define PVHV_HC_VIF_INFO		PVHV_HC(28)
#define PVHV_HC_VIF_CONNECT		PVHV_HC(29)
#define PVHV_HC_VIF_DISCONNECT		PVHV_HC(30)

/*
 * Memory reservation, the balloon (include/uapi/pvhv/balloon.h).
 *
 * mem_decrease(gpa, count, flags): gpa points at count (1..
 *   PVHV_MEM_BATCH_MAX) little-endian u64 guest frame numbers (8-byte
 *   aligned, no duplicates); flags is 0.  The frames are handed back to
 *   the host, in order.  Every frame is checked first and a bad one fails
 *   the whole call with nothing done: -PVHV_EFAULT no guest RAM there,
 *   -PVHV_EPERM not this domain's own frame (another domain's granted
 *   frame mapped here included), -PVHV_ENOENT already ballooned,
 *   -PVHV_EBUSY held by the host (a mapped grant, the event channel page,
 *   a grant table frame, a pinned page table).  A frame that becomes busy
 *   while the call runs ends it early.  Returns the number of frames
 *   handed back, from the start of the list.
 * mem_populate(gpa, count, flags): the same list format; take ballooned
 *   frames back, zeroed, while current stays within target and max (with
 *   flags PVHV_MEM_F_PRESSURE, within max only: the guest is short of
 *   memory, as virtio-balloon's deflate-on-OOM).
 *   -PVHV_EEXIST for a frame that is not ballooned, otherwise the same
 *   checks.  Returns the number of frames populated, from the start of
 *   the list: fewer than count (0 included) once target is reached.
 * balloon_info(gpa): write struct pvhv_balloon_info at gpa (8-byte
 *   aligned, within one page).  Returns 0.
 * balloon_setup(port): raise event channel port (allocated unbound for
 *   PVHV_DOMID_HOST) whenever the target changes; 0 stops it.  Returns 0.
 * balloon_report(gpa): the guest's struct pvhv_balloon_stats at gpa
 *   (8-byte aligned, within one page), shown in sysfs.  Returns 0.
 */
#define PVHV_HC_MEM_DECREASE		PVHV_HC(32)
#define PVHV_HC_MEM_POPULATE		PVHV_HC(33)
#define PVHV_HC_BALLOON_INFO		PVHV_HC(34)
#define PVHV_HC_BALLOON_SETUP		PVHV_HC(35)
#define PVHV_HC_BALLOON_REPORT		PVHV_HC(36)

#define PVHV_MEM_F_PRESSURE		(1UL << 0)

/*
 * Paravirtual page tables, multicalls and the trap table
 * (include/uapi/pvhv/mmu.h, which describes each call).
 */
#define PVHV_HC_MMU_UPDATE		PVHV_HC(40)
#define PVHV_HC_MMUEXT_OP		PVHV_HC(41)
#define PVHV_HC_FRAME_INFO		PVHV_HC(42)
#define PVHV_HC_MULTICALL		PVHV_HC(43)
#define PVHV_HC_SET_TRAP_TABLE		PVHV_HC(44)
#define PVHV_HC_SET_CALLBACK		PVHV_HC(45)

/*
 * Domain ids.  Every domain has a positive id, shown in
 * /sys/kernel/pvhv/domains/<name>/id; PVHV_HC_DOMID returns the caller's.
 * PVHV_DOMID_HOST names the host's in-kernel backends.
 */
#define PVHV_HC_DOMID			PVHV_HC(4)
#define PVHV_DOMID_HOST			0

/*
 * soft_reset(): the calling kernel starts afresh (a reboot or kexec in the
 * same VM; QEMU and the domain stay).  Everything an earlier kernel set up
 * goes, as when the VM is destroyed: backends disconnect once their
 * requests in flight are done (disks stay attached), the grant table and
 * the event channel page are forgotten and every port is closed.  A guest
 * calls it before setting up event channels and grants.  Returns 0.
 */
#define PVHV_HC_SOFT_RESET		PVHV_HC(5)

/* Feature bits returned by PVHV_HC_FEATURES. */
#define PVHV_F_CONSOLE		(1ULL << 0)
#define PVHV_F_EVTCHN		(1ULL << 1)
#define PVHV_F_GNTTAB		(1ULL << 2)
#define PVHV_F_VBD		(1ULL << 3)
#define PVHV_F_SOFT_RESET	(1ULL << 4)
#define PVHV_F_BALLOON		(1ULL << 5)
#define PVHV_F_PVMMU		(1ULL << 6)
#define PVHV_F_TRAPS		(1ULL << 7)
#define PVHV_F_VIF		(1ULL << 8)

/*
 * Error codes (returned negated).  Values follow Linux errno so that a guest
 * kernel can pass them on unchanged.
 */
#define PVHV_EPERM		1
#define PVHV_ENOENT		2
#define PVHV_ESRCH		3
#define PVHV_EIO		5
#define PVHV_E2BIG		7
#define PVHV_EAGAIN		11
#define PVHV_ENOMEM		12
#define PVHV_EACCES		13
#define PVHV_EFAULT		14
#define PVHV_EBUSY		16
#define PVHV_EEXIST		17
#define PVHV_ENODEV		19
#define PVHV_EINVAL		22
#define PVHV_ENOSPC		28
#define PVHV_ERANGE		34
#define PVHV_ENOSYS		38
#define PVHV_EOPNOTSUPP		95

#endif /* _UAPI_PVHV_PVHV_H */
