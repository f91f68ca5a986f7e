/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv memory reservation: the balloon.
 *
 * A domain's memory is the pvhvfs file(s) behind its RAM, size pages in
 * all.  A frame the guest hands back with PVHV_HC_MEM_DECREASE is
 * "ballooned": the host frees the page behind it and the guest must not
 * touch it.  The domain's reservation is size minus its ballooned frames
 * ("current").  The host asks the guest to move current to a target; the
 * guest's balloon driver inflates (decrease) or deflates (populate) to
 * reach it.
 *
 * max caps current.  A ballooned frame that is touched anyway (by the
 * guest, its VMM, or a backend mapping a grant of it) comes back zeroed
 * while current < max, and counts as populated again; at max the access
 * fails: the VMM gets SIGBUS, KVM_RUN fails with EFAULT, a backend gets
 * an error.  No host memory is ever allocated for a domain beyond max.
 * max defaults to size, so that a rebooted kernel, which knows nothing of
 * the old one's balloon, can use all of its memory.
 *
 * All counts are in 4 KiB pages.
 */
#ifndef _UAPI_PVHV_BALLOON_H
#define _UAPI_PVHV_BALLOON_H

#include <linux/types.h>

/* Frames one PVHV_HC_MEM_DECREASE or _POPULATE call takes: one page of gfns. */
#define PVHV_MEM_BATCH_MAX	512

/* What PVHV_HC_BALLOON_INFO writes, in pages. */
struct pvhv_balloon_info {
	__u64 size;		/* the domain's memory, ballooned included */
	__u64 reservation;	/* "current": size - ballooned */
	__u64 target;		/* where the host wants current to be */
	__u64 max;		/* current never goes above this */
	__u64 ballooned;	/* frames handed back */
	__u64 populated;	/* frames the host holds for the domain */
};

/*
 * What the guest's balloon driver tells the host with
 * PVHV_HC_BALLOON_REPORT, in pages; the host's policy uses available as
 * the guest's idle memory.
 */
struct pvhv_balloon_stats {
	__u64 free;		/* MemFree */
	__u64 cached;		/* page cache, as Cached in /proc/meminfo */
	__u64 available;	/* MemAvailable */
	__u64 total;		/* MemTotal: the guest's managed pages */
};

#endif /* _UAPI_PVHV_BALLOON_H */
