// SPDX-License-Identifier: GPL-2.0
/*
 * The hint table: frames hashed once and not (yet) found anywhere else.
 *
 * A hint is 16 bytes: the frame's content hash when it was scanned and
 * where the frame is (memory file id, page index).  The table is a fixed
 * array of 4-way buckets with one slot per guest page, so its size is
 * known in advance (0.39% of guest memory).  It is lossy by design, as in
 * ESX: a full bucket evicts a slot in turn, and a hint is only ever a
 * hint; whoever uses one re-hashes the frame it names first.  Only the
 * scanner thread uses it, so it has no lock.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "ksm.h"

#define HINT_WAYS	4

struct hint_bucket {
	struct pvhv_hint slot[HINT_WAYS];
};

static struct hint_bucket *hint_table;
static unsigned long hint_buckets;
static unsigned long hint_used;
static unsigned int hint_evict;		/* next slot a full bucket gives up */

unsigned long pvhv_hints_capacity(void)
{
	return hint_buckets * HINT_WAYS;
}

unsigned long pvhv_hints_used(void)
{
	return hint_used;
}

void pvhv_hints_free(void)
{
	kvfree(hint_table);
	hint_table = NULL;
	hint_buckets = 0;
	hint_used = 0;
}

int pvhv_hints_resize(unsigned long pages)
{
	unsigned long n = max(DIV_ROUND_UP(pages, HINT_WAYS), 1UL);

	pvhv_hints_free();
	hint_table = kvcalloc(n, sizeof(*hint_table), GFP_KERNEL);
	if (!hint_table)
		return -ENOMEM;
	hint_buckets = n;
	return 0;
}

static struct hint_bucket *hint_bucket(u64 hash)
{
	/* Lemire's multiply-shift: any table size, no modulo. */
	return &hint_table[((hash >> 32) * hint_buckets) >> 32];
}

struct pvhv_hint *pvhv_hints_find(u64 hash, u32 mem_id, u32 idx)
{
	struct hint_bucket *b;
	int i;

	if (!hint_table)
		return NULL;
	b = hint_bucket(hash);
	for (i = 0; i < HINT_WAYS; i++) {
		struct pvhv_hint *h = &b->slot[i];

		if (h->mem_id && h->hash == hash &&
		    (h->mem_id != mem_id || h->idx != idx))
			return h;
	}
	return NULL;
}

void pvhv_hints_insert(u64 hash, u32 mem_id, u32 idx)
{
	struct pvhv_hint *h = NULL;
	struct hint_bucket *b;
	int i;

	if (!hint_table)
		return;
	b = hint_bucket(hash);
	for (i = 0; i < HINT_WAYS; i++) {
		/* The frame's own hint from an earlier scan, or a free slot. */
		if (b->slot[i].mem_id == mem_id && b->slot[i].idx == idx) {
			h = &b->slot[i];
			break;
		}
		if (!b->slot[i].mem_id && !h)
			h = &b->slot[i];
	}
	if (!h)
		h = &b->slot[hint_evict++ % HINT_WAYS];
	else if (!h->mem_id)
		hint_used++;
	*h = (struct pvhv_hint){ .hash = hash, .mem_id = mem_id, .idx = idx };
}

void pvhv_hints_drop(struct pvhv_hint *h)
{
	if (h->mem_id)
		hint_used--;
	memset(h, 0, sizeof(*h));
}
