/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv event channels: the shared page and the status encoding.
 *
 * A port is a number 1..PVHV_EVTCHN_PORTS-1 (0 is never a port).  Each port
 * has a pending bit and a mask bit in the domain's struct pvhv_shared_info,
 * a page of guest memory registered with PVHV_HC_EVTCHN_SETUP.  Bit n of the
 * arrays is bit (n % 64) of word n / 64.
 *
 * When an event arrives on a port, pvhv atomically sets its pending bit.  If
 * the bit was clear and the port is not masked, pvhv sets upcall_pending
 * and, if it was clear, sends the upcall interrupt.  The guest:
 *  - handles an upcall by clearing upcall_pending, then test-and-clearing
 *    the pending bit of every unmasked port that has one;
 *  - masks and unmasks by writing the mask bit itself, with no hypercall;
 *    after clearing a mask bit it must test the pending bit, since an event
 *    that arrived while masked raised no upcall;
 *  - says whether it may be interrupted at all with upcall_mask (Xen's
 *    evtchn_upcall_mask): while it is set, pvhv still sets pending bits
 *    and upcall_pending but sends no interrupt.  After clearing it, with
 *    a full barrier (mfence) in between, the guest reads upcall_pending
 *    and, if set, runs its handler itself.
 * Each event is therefore seen exactly once by whoever clears its pending
 * bit: none is lost while masked and none is delivered twice.
 */
#ifndef _UAPI_PVHV_EVENT_H
#define _UAPI_PVHV_EVENT_H

#include <linux/types.h>

#define PVHV_EVTCHN_PORTS	1024
#define PVHV_EVTCHN_WORDS	(PVHV_EVTCHN_PORTS / 64)

struct pvhv_shared_info {
	__u64 evtchn_pending[PVHV_EVTCHN_WORDS];
	__u64 evtchn_mask[PVHV_EVTCHN_WORDS];
	/* Set by pvhv with an upcall, cleared by the guest's handler. */
	__u8 upcall_pending;
	/* Set by the guest: no upcall interrupt now (pvhv only reads it). */
	__u8 upcall_mask;
	__u8 pad[6];
};

/* Port states, as returned by PVHV_HC_EVTCHN_STATUS. */
#define PVHV_EVTCHN_FREE	0	/* not allocated */
#define PVHV_EVTCHN_UNBOUND	1	/* allocated, waiting for remote_domid */
#define PVHV_EVTCHN_INTERDOMAIN	2	/* connected to another domain's port */
#define PVHV_EVTCHN_HOST	3	/* connected to a host backend */

/*
 * Status word: bits 0..3 state, 4..15 remote port, 16..47 remote domain id.
 * Always >= 0.
 */
#define PVHV_EVTCHN_STATUS(state, domid, port) \
	((__u64)(state) | ((__u64)(port) << 4) | ((__u64)(domid) << 16))
#define PVHV_EVTCHN_STATUS_STATE(s)	((s) & 0xf)
#define PVHV_EVTCHN_STATUS_PORT(s)	(((s) >> 4) & 0xfff)
#define PVHV_EVTCHN_STATUS_DOMID(s)	(((s) >> 16) & 0xffffffffULL)

#endif /* _UAPI_PVHV_EVENT_H */
