// SPDX-License-Identifier: GPL-2.0
/*
 * The scanner thread, pvhv_ksmd.
 *
 * Every sleep_millisecs it looks at pages_to_scan frames, going through
 * the memory files of all domains that allow merging in turn.  For each
 * frame it computes xxh64 of the content and then:
 *
 *  - a shared frame with that hash exists: compare in full, merge if equal
 *    (else a hash collision: the frame stays private);
 *  - a hint with that hash exists: re-hash the hinted frame (stale hint:
 *    move the hint to the frame's new hash); if it still matches, compare
 *    the two frames in full, turn the hinted one into a shared frame and
 *    merge this one into it;
 *  - else: remember this frame as a hint.
 *
 * So two identical frames merge the first time the second is scanned,
 * where Linux KSM waits for a page's checksum to be stable over two scans
 * and walks a tree of memcmp()s.  A shared frame left with one sharer
 * (the others wrote or went away) becomes private again when scanned.
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/xxhash.h>

#include "../pvhv/domain.h"
#include "../pvhv/frames.h"
#include "../pvhv/grant.h"
#include "ksm.h"

struct pvhv_ksm_knobs pvhv_ksm_knobs = {
	.run = PVHV_KSM_STOP,
	.pages_to_scan = 100,
	.sleep_millisecs = 20,
	.hash_bits = 64,
};

/* One scan batch at a time; run=2 and knob changes wait for it. */
DEFINE_MUTEX(pvhv_ksm_scan_lock);
static DECLARE_WAIT_QUEUE_HEAD(pvhv_ksm_wait);
static struct task_struct *pvhv_ksm_thread;

/*
 * Where the scan is: under pvhv_ksm_scan_lock.  Between batches the
 * cursor holds no reference (it is parked): a reference would keep a
 * domain whose VM has gone, with all its frames, alive for as long as the
 * scanner sleeps or is stopped.  A parked cursor names its file by id,
 * which is not reused (allocated cyclically from 2^32), and resumes at
 * idx, or at the next file if that one went.
 */
static struct {
	u32 mem_id;			/* next memory file to look at */
	struct inode *inode;		/* the current one, referenced */
	struct pvhv_mem *mem;
	pgoff_t idx;
	bool parked;			/* in file mem_id, not referenced */
	unsigned long pages_seen;	/* in this full scan */
} cursor;

static u64 pvhv_ksm_zero_hash;

/*
 * Frames of the cursor's file that matched a shared frame, merged in one
 * go (pvhv_mem_merge_batch()) when the batch is full, the cursor leaves
 * the file, or pvhv_ksm_scan_batch() ends.  Under pvhv_ksm_scan_lock.
 */
#define PVHV_KSM_MERGE_BATCH	64

static struct {
	struct pvhv_merge m[PVHV_KSM_MERGE_BATCH];
	u64 hash[PVHV_KSM_MERGE_BATCH];
	unsigned int n;
} pending;

static void pvhv_ksm_merge_pending(void)
{
	struct pvhv_merge *m;
	unsigned int i;

	if (!pending.n)
		return;
	pvhv_mem_merge_batch(cursor.inode, cursor.mem, pending.m, pending.n);
	for (i = 0; i < pending.n; i++) {
		m = &pending.m[i];
		if (!m->ret)
			atomic_long_inc(&pvhv_ksm_stats.merges);
		else if (m->ret == -ESTALE &&
			 pvhv_ksm_hash(m->page) == pending.hash[i])
			atomic_long_inc(&pvhv_ksm_stats.hash_collisions);
		pvhv_ksm_put(m->sf);
		put_page(m->page);
	}
	pending.n = 0;
}

u64 pvhv_ksm_hash(struct page *page)
{
	unsigned int bits = READ_ONCE(pvhv_ksm_knobs.hash_bits);
	void *va = kmap_local_page(page);
	u64 hash = xxh64(va, PAGE_SIZE, 0);

	kunmap_local(va);
	/* A test knob: with fewer bits, different pages collide. */
	return bits >= 64 ? hash : hash & (BIT_ULL(bits) - 1);
}

static void pvhv_ksm_cursor_next_file(void)
{
	pvhv_ksm_merge_pending();
	if (cursor.inode)
		iput(cursor.inode);
	cursor.inode = NULL;
	cursor.mem = NULL;
	cursor.mem_id++;
	cursor.idx = 0;
}

/*
 * The batch ends: let go of the cursor's file (see cursor).  The caller
 * puts the inode returned once it has dropped pvhv_ksm_scan_lock: the last
 * put of a domain's file removes the domain's sysfs directory, which waits
 * for writers of ksm/merge, which take that lock.
 */
static struct inode *pvhv_ksm_cursor_park(void)
{
	struct inode *inode = cursor.inode;

	pvhv_ksm_merge_pending();
	if (!inode)
		return NULL;
	cursor.inode = NULL;
	cursor.mem = NULL;
	cursor.parked = true;
	return inode;
}

/* The next batch starts: the parked cursor's file again, if it is there. */
static void pvhv_ksm_cursor_resume(void)
{
	u32 id = cursor.mem_id;

	cursor.parked = false;
	cursor.mem = pvhv_mem_get_next(&cursor.mem_id, &cursor.inode);
	if (cursor.mem && cursor.mem_id == id) {
		/* Merging was turned off meanwhile (ksm/merge): leave it. */
		if (!READ_ONCE(cursor.mem->dom->ksm_merge))
			pvhv_ksm_cursor_next_file();
		return;		/* on from cursor.idx */
	}
	/* It went: the batch enters the next file from its start. */
	if (cursor.mem)
		iput(cursor.inode);
	cursor.inode = NULL;
	cursor.mem = NULL;
	cursor.idx = 0;
}

/* The hinted frame @h: its file (referenced) and page (referenced). */
static struct page *pvhv_ksm_hint_page(struct pvhv_hint *h,
				       struct inode **inode,
				       struct pvhv_mem **mem)
{
	struct pvhv_shared_frame *sf;
	struct page *page;
	pgoff_t idx = h->idx;
	u32 id = h->mem_id;

	*mem = pvhv_mem_get_next(&id, inode);
	if (!*mem)
		return NULL;
	if (id != h->mem_id || !READ_ONCE((*mem)->dom->ksm_merge))
		goto fail;
	page = pvhv_mem_scan_get(*inode, *mem, &idx, &sf);
	if (page && idx == h->idx && !sf)
		return page;
	if (page)
		put_page(page);
	if (sf)
		pvhv_ksm_put(sf);
fail:
	iput(*inode);
	return NULL;
}

/* Frame @idx of the cursor's file has @page, of content hash @hash. */
static void pvhv_ksm_try_hint(struct page *page, u64 hash, bool zero)
{
	struct pvhv_hint *h = pvhv_hints_find(hash, cursor.mem->id, cursor.idx);
	struct pvhv_shared_frame *sf;
	struct pvhv_mem *hmem;
	struct inode *hinode;
	struct page *hpage;
	u64 hhash = hash;
	u32 hidx;

	if (!h) {
		pvhv_hints_insert(hash, cursor.mem->id, cursor.idx);
		return;
	}
	hidx = h->idx;
	hpage = pvhv_ksm_hint_page(h, &hinode, &hmem);
	if (!hpage) {
		/* Gone, ballooned, held, shared by now or not to be merged. */
		pvhv_hints_drop(h);
		pvhv_hints_insert(hash, cursor.mem->id, cursor.idx);
		return;
	}
	/* A cheap look before write protecting anything. */
	if (!pvhv_pages_same(page, hpage)) {
		if (pvhv_ksm_hash(hpage) == hash) {
			atomic_long_inc(&pvhv_ksm_stats.hash_collisions);
		} else {
			atomic_long_inc(&pvhv_ksm_stats.stale_hints);
			pvhv_hints_drop(h);
			pvhv_hints_insert(pvhv_ksm_hash(hpage), hmem->id, hidx);
			pvhv_hints_insert(hash, cursor.mem->id, cursor.idx);
		}
		goto out;
	}
	sf = pvhv_mem_share(hinode, hmem, hidx, hpage, &hhash, zero);
	if (IS_ERR(sf)) {
		if (PTR_ERR(sf) == -ESTALE) {
			atomic_long_inc(&pvhv_ksm_stats.stale_hints);
			pvhv_hints_drop(h);
			pvhv_hints_insert(hhash, hmem->id, hidx);
		}
		goto out;
	}
	pvhv_hints_drop(h);
	atomic_long_inc(&pvhv_ksm_stats.hint_hits);
	if (!pvhv_mem_merge(cursor.inode, cursor.mem, cursor.idx, page, sf))
		atomic_long_inc(&pvhv_ksm_stats.merges);
	pvhv_ksm_put(sf);
out:
	put_page(hpage);
	iput(hinode);
}

/* Look at frame cursor.idx of the cursor's file, whose page is @page. */
static void pvhv_ksm_scan_frame(struct page *page,
				struct pvhv_shared_frame *own)
{
	struct pvhv_shared_frame *sf;
	bool zero;
	u64 hash;

	if (own) {
		/* Shared already: private again if no one else maps it. */
		pvhv_ksm_take_last(own, cursor.mem->dom);
		return;
	}
	hash = pvhv_ksm_hash(page);
	zero = hash == READ_ONCE(pvhv_ksm_zero_hash);
	sf = pvhv_ksm_lookup(hash);
	if (sf) {
		/* Merged with its neighbours; the references go with it. */
		get_page(page);
		pending.m[pending.n] = (struct pvhv_merge){
			.idx = cursor.idx, .page = page, .sf = sf };
		pending.hash[pending.n] = hash;
		if (++pending.n == PVHV_KSM_MERGE_BATCH)
			pvhv_ksm_merge_pending();
		return;
	}
	pvhv_ksm_try_hint(page, hash, zero);
}

/*
 * The cursor enters a file: the frames its domain grants now are left
 * alone, and any that a merge shared before they were granted are made
 * private again.  Non-zero: skip the file this time (no memory).
 */
static int pvhv_ksm_enter_file(void)
{
	struct page *page;
	unsigned long idx;
	long n;
	void *e;

	n = pvhv_gnttab_mark_granted(cursor.mem);
	if (n < 0)
		return n;
	atomic_long_add(n, &pvhv_ksm_stats.granted_skipped);
	xa_for_each(&cursor.mem->granted, idx, e) {
		/* A look without the lock, which unshare takes to check again. */
		page = xa_load(&cursor.mem->p2m, idx);
		if (page && pvhv_page_shared(page))
			pvhv_mem_unshare(cursor.inode, cursor.mem, idx);
		cond_resched();		/* up to a grant table's worth */
	}
	return 0;
}

/* Size the hint table for the memory there is now, at a full scan's start. */
static void pvhv_ksm_full_scan_start(void)
{
	unsigned long pages = 0;
	struct pvhv_mem *mem;
	struct inode *inode;
	u32 id = 0;

	while ((mem = pvhv_mem_get_next(&id, &inode))) {
		pages += DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
		iput(inode);
		id++;
	}
	if (pages != pvhv_hints_capacity() &&
	    (pages > pvhv_hints_capacity() || pages < pvhv_hints_capacity() / 2))
		pvhv_hints_resize(pages);	/* on failure: no hints */
}

/*
 * Scan up to pages_to_scan frames.  Under pvhv_ksm_scan_lock; the caller
 * puts the inode returned after dropping it (pvhv_ksm_cursor_park()).
 */
static struct inode *pvhv_ksm_scan_batch(void)
{
	unsigned long todo = READ_ONCE(pvhv_ksm_knobs.pages_to_scan);
	unsigned long empty = 0;
	struct pvhv_shared_frame *own;
	struct page *page;

	if (cursor.parked)
		pvhv_ksm_cursor_resume();
	while (todo && !kthread_should_stop()) {
		if (!cursor.inode) {
			if (!cursor.mem_id)
				pvhv_ksm_full_scan_start();
			cursor.mem = pvhv_mem_get_next(&cursor.mem_id,
						       &cursor.inode);
			if (!cursor.mem) {
				/* The end of all files: a full scan done. */
				if (cursor.pages_seen)
					atomic_long_inc(&pvhv_ksm_stats.full_scans);
				cursor.pages_seen = 0;
				cursor.mem_id = 0;
				/* Nothing anywhere: wait for the next batch. */
				if (++empty > 1)
					return NULL;
				continue;
			}
			if (!READ_ONCE(cursor.mem->dom->ksm_merge) ||
			    pvhv_ksm_enter_file()) {
				pvhv_ksm_cursor_next_file();
				continue;
			}
		}
		page = pvhv_mem_scan_get(cursor.inode, cursor.mem, &cursor.idx,
					 &own);
		if (!page) {
			pvhv_ksm_cursor_next_file();
			continue;
		}
		pvhv_ksm_scan_frame(page, own);
		if (own)
			pvhv_ksm_put(own);
		put_page(page);
		cursor.idx++;
		cursor.pages_seen++;
		atomic_long_inc(&pvhv_ksm_stats.pages_scanned);
		todo--;
		cond_resched();
	}
	return pvhv_ksm_cursor_park();
}

/* Drop the cursor's file and every hint (the scanner stops). */
void pvhv_ksm_scan_reset(void)
{
	lockdep_assert_held(&pvhv_ksm_scan_lock);
	pvhv_ksm_merge_pending();
	if (cursor.inode)
		iput(cursor.inode);
	memset(&cursor, 0, sizeof(cursor));
	pvhv_hints_free();
}

void pvhv_ksm_scan_kick(void)
{
	wake_up_interruptible(&pvhv_ksm_wait);
}

static bool pvhv_ksm_should_run(void)
{
	return READ_ONCE(pvhv_ksm_knobs.run) == PVHV_KSM_RUN;
}

/* Until the next batch is due, or the scanner is stopped. */
static void pvhv_ksm_sleep(unsigned int ms)
{
	wait_event_freezable_timeout(pvhv_ksm_wait,
				     kthread_should_stop() ||
				     !pvhv_ksm_should_run(),
				     msecs_to_jiffies(ms));
}

static int pvhv_ksm_thread_fn(void *unused)
{
	unsigned int sleep;

	set_freezable();
	set_user_nice(current, 5);	/* as ksmd */
	while (!kthread_should_stop()) {
		struct inode *put = NULL;

		mutex_lock(&pvhv_ksm_scan_lock);
		if (pvhv_ksm_should_run())
			put = pvhv_ksm_scan_batch();
		mutex_unlock(&pvhv_ksm_scan_lock);
		iput(put);

		if (pvhv_ksm_should_run()) {
			sleep = READ_ONCE(pvhv_ksm_knobs.sleep_millisecs);
			if (sleep)
				pvhv_ksm_sleep(sleep);
			else
				cond_resched();
		} else {
			wait_event_freezable(pvhv_ksm_wait,
					     kthread_should_stop() ||
					     pvhv_ksm_should_run());
		}
	}
	return 0;
}

pid_t pvhv_ksm_scan_pid(void)
{
	return pvhv_ksm_thread ? task_pid_nr(pvhv_ksm_thread) : 0;
}

size_t pvhv_ksm_metadata_bytes(void)
{
	return pvhv_hints_capacity() * sizeof(struct pvhv_hint) +
	       pvhv_ksm_shared_bytes();
}

int pvhv_ksm_scan_init(void)
{
	struct page *zero = ZERO_PAGE(0);

	pvhv_ksm_zero_hash = pvhv_ksm_hash(zero);
	pvhv_ksm_thread = kthread_run(pvhv_ksm_thread_fn, NULL, "pvhv_ksmd");
	if (IS_ERR(pvhv_ksm_thread)) {
		int ret = PTR_ERR(pvhv_ksm_thread);

		pvhv_ksm_thread = NULL;
		return ret;
	}
	return 0;
}

void pvhv_ksm_scan_exit(void)
{
	kthread_stop(pvhv_ksm_thread);
	pvhv_ksm_thread = NULL;
	mutex_lock(&pvhv_ksm_scan_lock);
	pvhv_ksm_scan_reset();
	mutex_unlock(&pvhv_ksm_scan_lock);
}

/* After hash_bits changes: the zero page's hash, and no old hints. */
void pvhv_ksm_rehash(void)
{
	lockdep_assert_held(&pvhv_ksm_scan_lock);
	WRITE_ONCE(pvhv_ksm_zero_hash, pvhv_ksm_hash(ZERO_PAGE(0)));
	pvhv_hints_free();
	cursor.mem_id = 0;
	if (cursor.inode)
		iput(cursor.inode);
	cursor.inode = NULL;
	cursor.mem = NULL;
	cursor.idx = 0;
	cursor.parked = false;
}
