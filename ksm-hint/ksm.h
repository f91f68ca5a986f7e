/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm-hint: content-based page sharing over pvhv-owned guest memory, after
 * VMware ESX (Waldspurger, OSDI 2002).
 *
 * A scanner thread (scan.c) hashes guest frames.  A frame whose hash is
 * not known yet is remembered as a *hint* (hints.c: hash, memory file,
 * frame index; lossy, fixed size).  A frame whose hash matches a *shared
 * frame* (shared.c: one read-only page and the number of guest frames that
 * map it) or a hint is compared in full and, if identical, merged: its
 * P2M entry points at the shared page and its own page goes back to the
 * host.  A write to a shared frame gets a private copy
 * (pvhv/frames_share.c).
 *
 * The P2M side (write protecting, replacing and copying frames) is in
 * pvhv/frames_share.c; this directory decides what to merge.
 */
#ifndef _PVHV_KSM_H
#define _PVHV_KSM_H

#include <linux/types.h>
#include <linux/rhashtable-types.h>
#include <linux/refcount.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>

struct pvhv_domain;
struct pvhv_mem;

/*
 * A shared frame.  page_private() of its page points here while
 * @sharers > 0; the struct holds a reference on the page, and the table
 * (and anyone looking one up) holds a reference on the struct.
 */
struct pvhv_shared_frame {
	struct rhash_head node;		/* pvhv_ksm_table, keyed by hash */
	u64 hash;
	struct page *page;
	long sharers;			/* P2M entries; under pvhv_ksm_lock */
	refcount_t ref;
	bool zero;			/* the all-zero page */
	struct rcu_head rcu;
};

/* The page's shared frame, or NULL if it is a private page. */
static inline struct pvhv_shared_frame *pvhv_page_shared(struct page *page)
{
	return (struct pvhv_shared_frame *)page_private(page);
}

/* ---- shared.c ---- */

/* The shared frame with @hash, with a reference; NULL if none. */
struct pvhv_shared_frame *pvhv_ksm_lookup(u64 hash);
void pvhv_ksm_put(struct pvhv_shared_frame *sf);
/*
 * Make @page, the P2M page of a frame of @dom, a shared frame with one
 * sharer, under @hash.  The caller has write protected the frame.
 * Returns the frame with a reference, or an ERR_PTR: -EEXIST (another
 * shared frame has this hash) or -ENOMEM.
 */
struct pvhv_shared_frame *pvhv_ksm_create(struct page *page, u64 hash,
					  bool zero, struct pvhv_domain *dom);
/* One more P2M entry of @dom maps @sf: false if @sf is going away. */
bool pvhv_ksm_add_sharer(struct pvhv_shared_frame *sf,
			 struct pvhv_domain *dom);
/*
 * A P2M entry of @dom that mapped @sf's page lets go of it (the caller
 * then drops that entry's page reference).
 */
void pvhv_ksm_del_sharer(struct pvhv_shared_frame *sf,
			 struct pvhv_domain *dom);
/*
 * If @sf has a single sharer left, make its page private again: true if
 * it did (the caller's frame is @sf's only user).
 */
bool pvhv_ksm_take_last(struct pvhv_shared_frame *sf,
			struct pvhv_domain *dom);
/* Bytes of shared frame structs. */
size_t pvhv_ksm_shared_bytes(void);
int pvhv_ksm_shared_init(void);
void pvhv_ksm_shared_exit(void);

/* ---- statistics (stats.c), all domains ---- */

struct pvhv_ksm_stats {
	atomic_long_t pages_shared;	/* shared frames */
	atomic_long_t pages_sharing;	/* P2M entries beyond the first */
	atomic_long_t zero_sharing;	/* P2M entries on the zero frame */
	atomic_long_t full_scans;
	atomic_long_t pages_scanned;
	atomic_long_t hint_hits;	/* a hint led to a new shared frame */
	atomic_long_t stale_hints;	/* the hinted frame had changed */
	atomic_long_t hash_collisions;	/* equal hash, different content */
	atomic_long_t merges;		/* frames merged */
	atomic_long_t cow_breaks;	/* private copies on write */
	atomic_long_t cow_reuses;	/* last sharer wrote: no copy */
	atomic_long_t cow_failures;	/* no memory for a copy */
	atomic_long_t unshared;		/* copies made for other reasons */
	atomic_long_t granted_skipped;	/* granted frames passed over */
};

extern struct pvhv_ksm_stats pvhv_ksm_stats;

/* Fail the next @n copy-on-write allocations (a test knob). */
extern atomic_t pvhv_ksm_fail_cow;

/* ---- scan.c ---- */

enum { PVHV_KSM_STOP, PVHV_KSM_RUN, PVHV_KSM_UNMERGE };

/* sysfs knobs, KSM's names and meanings where they match */
struct pvhv_ksm_knobs {
	unsigned int run;
	unsigned int pages_to_scan;
	unsigned int sleep_millisecs;
	unsigned int hash_bits;		/* a test knob: 64 unless testing */
};

extern struct pvhv_ksm_knobs pvhv_ksm_knobs;
/* Held by the scanner while it scans; knobs that reset it take it too. */
extern struct mutex pvhv_ksm_scan_lock;

/* Content hash of a frame: xxh64, cut to hash_bits. */
u64 pvhv_ksm_hash(struct page *page);
int pvhv_ksm_scan_init(void);
void pvhv_ksm_scan_exit(void);
/* Wake the scanner after a knob changed. */
void pvhv_ksm_scan_kick(void);
/* Under pvhv_ksm_scan_lock: forget the cursor and every hint. */
void pvhv_ksm_scan_reset(void);
/* Under pvhv_ksm_scan_lock: hash_bits changed. */
void pvhv_ksm_rehash(void);
pid_t pvhv_ksm_scan_pid(void);
/* Bytes of scanner metadata: hint table and shared frames. */
size_t pvhv_ksm_metadata_bytes(void);

/* ---- hints.c: the hint table; scanner thread only ---- */

struct pvhv_hint {
	u64 hash;
	u32 mem_id;			/* 0: empty */
	u32 idx;
};

/* Size the table for @pages guest pages; drops every hint. */
int pvhv_hints_resize(unsigned long pages);
void pvhv_hints_free(void);
unsigned long pvhv_hints_capacity(void);
/* A hint with @hash other than (@mem_id, @idx), or NULL. */
struct pvhv_hint *pvhv_hints_find(u64 hash, u32 mem_id, u32 idx);
void pvhv_hints_insert(u64 hash, u32 mem_id, u32 idx);
void pvhv_hints_drop(struct pvhv_hint *h);
unsigned long pvhv_hints_used(void);

/* ---- sysfs.c ---- */

int pvhv_ksm_init(void);
void pvhv_ksm_exit(void);

#endif /* _PVHV_KSM_H */
