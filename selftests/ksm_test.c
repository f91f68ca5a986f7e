// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-hint: identical frames of two mini-guests merge into one host page
 * and read back; writes (plain, AVX, from the host) get private copies;
 * all-zero frames share one page; a forced hash collision and a stale hint
 * never merge; pinned, granted and page-table frames are left alone; a
 * ballooned-out frame leaves sharing; a failed copy on write; the
 * per-domain switch; teardown of domains that hold shared frames; and
 * scanner knob changes while a guest runs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pvhv/pvhv.h>
#include <pvhv/grant.h>
#include <pvhv/mmu.h>
#include <pvhv/event.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"

#define N		64		/* frames per data set */
#define DATA		64		/* data at GPAGE(DATA).. */
#define SCAN_TIMEOUT_S	120

static long ksm(const char *what)
{
	return pvhv_sysfs_long("ksm/%s", what);
}

static int ksm_set(const char *what, long v)
{
	char path[64];

	snprintf(path, sizeof(path), "ksm/%s", what);
	return pvhv_sysfs_write(path, v);
}

static const char *dom_name(struct minivm *vm)
{
	return strrchr(vm->dir, '/') + 1;
}

static long dom_ksm(struct minivm *vm, const char *what)
{
	return pvhv_sysfs_long("domains/%s/ksm/%s", dom_name(vm), what);
}

static int dom_ksm_set(struct minivm *vm, const char *what, long v)
{
	char path[512];

	snprintf(path, sizeof(path), "domains/%s/ksm/%s", dom_name(vm), what);
	return pvhv_sysfs_write(path, v);
}

/* Run the scanner until @n more full scans are done; false on timeout. */
static bool scans(int n)
{
	long want = ksm("full_scans") + n;
	int i;

	if (ksm_set("run", 1))
		return false;
	for (i = 0; i < SCAN_TIMEOUT_S * 100; i++) {
		if (ksm("full_scans") >= want)
			return true;
		usleep(10000);
	}
	return false;
}

/* Host PFN of guest frame @gpa, faulting it in through the host mapping. */
static uint64_t pfn(struct minivm *vm, uint64_t gpa)
{
	volatile uint64_t *p = minivm_hva(vm, gpa);

	(void)*p;
	return host_pfn((const void *)p);
}

static struct minivm *new_vm(const char *tag)
{
	struct minivm_opts opts = { .avx = __builtin_cpu_supports("avx") };
	char name[64];

	snprintf(name, sizeof(name), "ksm%s-%d", tag, getpid());
	opts.domain = name;
	return minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
}

/* Scanner stopped, everything unmerged, knobs as a test wants them. */
static void ksm_reset(void)
{
	ksm_set("run", 2);
	ksm_set("run", 0);
	ksm_set("hash_bits", 64);
	ksm_set("fail_cow", 0);
	ksm_set("pages_to_scan", 4096);
	ksm_set("sleep_millisecs", 5);
}

FIXTURE(pair) {
	struct minivm *a, *b;
	uint64_t val;			/* this run's data pattern */
};

FIXTURE_SETUP(pair)
{
	NEED_PVHV_SETUP();
	ASSERT_LE(0, ksm("run")) TH_LOG("no /sys/kernel/pvhv/ksm");
	ksm_reset();
	self->a = new_vm("A");
	self->b = new_vm("B");
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	self->val = (uint64_t)getpid() << 32 | 0x5a5a0000;
}

FIXTURE_TEARDOWN(pair)
{
	ksm_reset();
	minivm_destroy(self->a);
	minivm_destroy(self->b);
}

/* Both guests write the same N distinct frames; the scanner merges them. */
static void fill_both_and_merge(struct __test_metadata *_metadata,
				FIXTURE_DATA(pair) *self)
{
	long sa = dom_ksm(self->a, "shared_frames");
	long sb = dom_ksm(self->b, "shared_frames");
	long sharing = ksm("pages_sharing");

	ASSERT_EQ(0, gdo(self->a, G_FILL, GPAGE(DATA), self->val, N));
	ASSERT_EQ(0, gdo(self->b, G_FILL, GPAGE(DATA), self->val, N));
	ASSERT_TRUE(scans(2));
	EXPECT_LE(sa + N, dom_ksm(self->a, "shared_frames"));
	EXPECT_LE(sb + N, dom_ksm(self->b, "shared_frames"));
	EXPECT_LE(sharing + N, ksm("pages_sharing"));
	ASSERT_EQ(0, ksm_set("run", 0));
}

TEST_F(pair, identical_frames_merge_and_read_back)
{
	long merges = ksm("merges"), cow;
	int i;

	fill_both_and_merge(_metadata, self);
	EXPECT_LE(merges + N, ksm("merges"));
	/* One host page behind both guests' frames. */
	for (i = 0; i < N; i++) {
		uint64_t pa = pfn(self->a, GPAGE(DATA + i));

		ASSERT_NE(0, pa);
		ASSERT_EQ(pa, pfn(self->b, GPAGE(DATA + i))) TH_LOG("frame %d", i);
		if (i)
			ASSERT_NE(pa, pfn(self->a, GPAGE(DATA + i - 1)));
	}
	/*
	 * Reading shared frames copies nothing.  (The first command after
	 * the merge copies the command page and the guest's stack.)
	 */
	ASSERT_EQ(0, gdo(self->a, G_READ, GPAGE(0), 0, 0));
	ASSERT_EQ(0, gdo(self->b, G_READ, GPAGE(0), 0, 0));
	cow = ksm("cow_breaks");
	EXPECT_EQ(0, gdo(self->a, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(0, gdo(self->b, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(cow, ksm("cow_breaks"));
	EXPECT_LT(0, ksm("metadata_bytes"));
}

TEST_F(pair, writes_break_sharing)
{
	struct minivm *a = self->a, *b = self->b;
	long cow = ksm("cow_breaks");
	uint64_t *host;

	fill_both_and_merge(_metadata, self);

	/* A plain store in A. */
	EXPECT_EQ(0, gdo(a, G_WRITE, GPAGE(DATA), 0x1111, 0));
	EXPECT_EQ(0x1111, gdo(a, G_READ, GPAGE(DATA), 0, 0));
	EXPECT_EQ(0, gdo(b, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(0, gdo(a, G_CHECK, GPAGE(DATA + 1), self->val + 1, N - 1));
	EXPECT_NE(pfn(a, GPAGE(DATA)), pfn(b, GPAGE(DATA)));
	EXPECT_LE(1, dom_ksm(a, "cow_breaks"));

	/* A 32-byte AVX store in B. */
	if (__builtin_cpu_supports("avx")) {
		EXPECT_EQ(0, gdo(b, G_AVX, GPAGE(DATA + 1), 0x2222, 0));
		EXPECT_EQ(0x2225, gdo(b, G_READ, GPAGE(DATA + 1) + 24, 0, 0));
		EXPECT_EQ(0, gdo(a, G_READ, GPAGE(DATA + 1) + 24, 0, 0));
		EXPECT_EQ(0, gdo(a, G_CHECK, GPAGE(DATA + 1), self->val + 1,
				 N - 1));
		EXPECT_LE(1, dom_ksm(b, "cow_breaks"));
	}

	/* The VMM writes guest memory too: A's frame 2, through its mapping. */
	host = minivm_hva(a, GPAGE(DATA + 2) + 16);
	*host = 0x3333;
	EXPECT_EQ(0x3333, gdo(a, G_READ, GPAGE(DATA + 2) + 16, 0, 0));
	EXPECT_EQ(0, gdo(b, G_READ, GPAGE(DATA + 2) + 16, 0, 0));
	EXPECT_EQ(0, gdo(b, G_CHECK, GPAGE(DATA + 2), self->val + 2, N - 2));

	EXPECT_LE(cow + 2, ksm("cow_breaks"));
	/* The other frames are still shared. */
	EXPECT_EQ(pfn(a, GPAGE(DATA + 3)), pfn(b, GPAGE(DATA + 3)));
}

TEST_F(pair, zero_frames_share_one_page)
{
	long shared, zero = ksm("zero_pages");
	int i;

	/* Read, never written: zero-filled frames of both guests. */
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, gdo(self->a, G_READ, GPAGE(DATA + i), 0, 0));
		ASSERT_EQ(0, gdo(self->b, G_READ, GPAGE(DATA + i), 0, 0));
	}
	ASSERT_TRUE(scans(1));
	shared = ksm("pages_shared");
	ASSERT_TRUE(scans(1));
	EXPECT_LE(zero + 2 * N, ksm("zero_pages"));
	EXPECT_GE(shared + 1, ksm("pages_shared"));
	ASSERT_EQ(0, ksm_set("run", 0));
	for (i = 1; i < N; i++)
		ASSERT_EQ(pfn(self->a, GPAGE(DATA)),
			  pfn(self->b, GPAGE(DATA + i)));

	/* One write: one private frame, the rest still read zero. */
	EXPECT_EQ(0, gdo(self->a, G_WRITE, GPAGE(DATA + 5), 7, 0));
	EXPECT_EQ(7, gdo(self->a, G_READ, GPAGE(DATA + 5), 0, 0));
	EXPECT_EQ(0, gdo(self->a, G_READ, GPAGE(DATA + 6), 0, 0));
	EXPECT_EQ(0, gdo(self->b, G_READ, GPAGE(DATA + 5), 0, 0));
}

/* With a one-value hash every frame collides: nothing different merges. */
TEST_F(pair, forced_hash_collision_never_merges)
{
	long coll = ksm("hash_collisions");

	ASSERT_EQ(0, ksm_set("hash_bits", 0));
	ASSERT_EQ(0, gdo(self->a, G_FILL, GPAGE(DATA), self->val, N));
	ASSERT_EQ(0, gdo(self->b, G_FILL, GPAGE(DATA), self->val + N, N));
	ASSERT_TRUE(scans(2));
	ASSERT_EQ(0, ksm_set("run", 0));
	EXPECT_LT(coll, ksm("hash_collisions"));
	EXPECT_EQ(0, gdo(self->a, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(0, gdo(self->b, G_CHECK, GPAGE(DATA), self->val + N, N));
	EXPECT_NE(pfn(self->a, GPAGE(DATA)), pfn(self->a, GPAGE(DATA + 1)));
	EXPECT_NE(pfn(self->a, GPAGE(DATA)), pfn(self->b, GPAGE(DATA)));
}

/* A hinted frame that changed since it was hashed is not merged. */
TEST_F(pair, stale_hint_is_rehashed)
{
	long stale = ksm("stale_hints");

	ASSERT_EQ(0, gdo(self->a, G_FILL, GPAGE(DATA), self->val, N));
	ASSERT_TRUE(scans(1));		/* A's frames are hints now */
	ASSERT_EQ(0, ksm_set("run", 0));
	ASSERT_EQ(0, gdo(self->a, G_FILL, GPAGE(DATA), self->val + N, N));
	ASSERT_EQ(0, gdo(self->b, G_FILL, GPAGE(DATA), self->val, N));
	ASSERT_TRUE(scans(2));
	ASSERT_EQ(0, ksm_set("run", 0));
	EXPECT_LT(stale, ksm("stale_hints"));
	EXPECT_EQ(0, gdo(self->a, G_CHECK, GPAGE(DATA), self->val + N, N));
	EXPECT_EQ(0, gdo(self->b, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_NE(pfn(self->a, GPAGE(DATA)), pfn(self->b, GPAGE(DATA)));
}

/*
 * The host writes pinned frames (here: event channel pages) directly, so a
 * pinned frame must have a page of its own: pinning a shared frame copies
 * it, and a pinned frame is never merged.
 */
TEST_F(pair, pinned_frames_are_left_alone)
{
	struct minivm *a = self->a, *b = self->b;
	uint64_t page = GPAGE(DATA), word;
	long ida, idb, pa, pb, unshared = ksm("unshared");
	int i;

	/* Zero frames in both, merged. */
	ASSERT_EQ(0, gdo(a, G_READ, page, 0, 0));
	ASSERT_EQ(0, gdo(b, G_READ, page, 0, 0));
	ASSERT_TRUE(scans(2));
	ASSERT_EQ(pfn(a, page), pfn(b, page));

	/* Pinned as event channel pages: private copies. */
	ASSERT_EQ(0, ghc(a, PVHV_HC_EVTCHN_SETUP, page, 0, 0, 0));
	ASSERT_EQ(0, ghc(b, PVHV_HC_EVTCHN_SETUP, page, 0, 0, 0));
	EXPECT_LE(unshared + 1, ksm("unshared"));
	EXPECT_NE(pfn(a, page), pfn(b, page));

	/* Still zero and identical, pinned: two more scans merge neither. */
	ASSERT_TRUE(scans(2));
	EXPECT_NE(pfn(a, page), pfn(b, page));

	/* The host sets a pending bit in A's page only. */
	ida = ghc(a, PVHV_HC_DOMID, 0, 0, 0, 0);
	idb = ghc(b, PVHV_HC_DOMID, 0, 0, 0, 0);
	pa = ghc(a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, idb, 0, 0, 0);
	ASSERT_LT(0, pa);
	pb = ghc(b, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, ida, pa, 0, 0);
	ASSERT_LT(0, pb);
	ASSERT_EQ(0, ghc(b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	word = page + 8 * (pa / 64);
	EXPECT_NE(0, gdo(a, G_READ, word, 0, 0) & (1ULL << (pa % 64)));
	for (i = 0; i < PVHV_EVTCHN_WORDS; i++)
		EXPECT_EQ(0, gdo(b, G_READ, page + 8 * i, 0, 0));
}

#define GT_LIST		10		/* A's gnttab_setup frame list */
#define GT_TABLE	11		/* A's grant table */

/* A grants its frame at @gpa to domain @domid in entry @ref, or ends it (0). */
static void grant(struct minivm *a, int ref, long domid, uint64_t gpa,
		  uint16_t flags)
{
	struct pvhv_grant_entry *e = minivm_hva(a, GPAGE(GT_TABLE));

	e[ref].gfn = gpa >> 12;
	e[ref].domid = domid;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e[ref].flags = flags;
}

/*
 * Frames a domain grants are never shared: they are I/O buffers a backend
 * may map at any time.  A granted frame stays private while the same data
 * elsewhere merges; a shared frame that gets granted gets its own page
 * back at the next scan; once the grants end, both merge again.
 */
TEST_F(pair, granted_frames_are_left_alone)
{
	struct minivm *a = self->a, *b = self->b;
	uint64_t f0 = GPAGE(DATA), f1 = GPAGE(DATA + 1);
	long skipped = ksm("granted_skipped");
	long idb = ghc(b, PVHV_HC_DOMID, 0, 0, 0, 0);

	*(uint64_t *)minivm_hva(a, GPAGE(GT_LIST)) = GPAGE(GT_TABLE) >> 12;
	ASSERT_EQ(PVHV_GRANTS_PER_FRAME,
		  ghc(a, PVHV_HC_GNTTAB_SETUP, GPAGE(GT_LIST), 1, 0, 0));
	ASSERT_EQ(0, gdo(a, G_FILL, GPAGE(DATA), self->val, N));
	ASSERT_EQ(0, gdo(b, G_FILL, GPAGE(DATA), self->val, N));
	grant(a, 0, idb, f0, PVHV_GTF_PERMIT_ACCESS);
	ASSERT_TRUE(scans(2));
	EXPECT_NE(pfn(a, f0), pfn(b, f0));
	EXPECT_EQ(pfn(a, f1), pfn(b, f1));
	EXPECT_LT(skipped, ksm("granted_skipped"));

	grant(a, 1, idb, f1, PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
	ASSERT_TRUE(scans(2));
	EXPECT_NE(pfn(a, f1), pfn(b, f1));
	EXPECT_EQ(0, gdo(a, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(0, gdo(b, G_CHECK, GPAGE(DATA), self->val, N));

	grant(a, 0, 0, 0, 0);
	grant(a, 1, 0, 0, 0);
	ASSERT_TRUE(scans(2));
	EXPECT_EQ(pfn(a, f0), pfn(b, f0));
	EXPECT_EQ(pfn(a, f1), pfn(b, f1));
}

#define OP_GPA		GPAGE(12)	/* an mmuext op, a balloon list */

/*
 * A page-table frame is never merged (pvhv sets bits in it and keeps a
 * shadow of it): pinning a shared zero frame as a table gives it its own
 * page, and scans leave it so.  A shared frame the guest balloons out
 * leaves the shared frame; the other guest keeps its data.
 */
TEST_F(pair, tables_and_ballooned_frames_leave_sharing)
{
	struct minivm *a = self->a, *b = self->b;
	struct pvhv_mmuext_op *op = minivm_hva(a, OP_GPA);
	uint64_t t = GPAGE(DATA + N), f = GPAGE(DATA + 1);
	long sharing;

	ASSERT_EQ(0, gdo(a, G_READ, t, 0, 0));
	ASSERT_EQ(0, gdo(b, G_READ, t, 0, 0));
	fill_both_and_merge(_metadata, self);
	ASSERT_EQ(pfn(a, t), pfn(b, t));

	op->cmd = PVHV_MMUEXT_PIN_L1_TABLE;
	op->pad = 0;
	op->arg = t >> 12;
	ASSERT_EQ(0, ghc(a, PVHV_HC_MMUEXT_OP, OP_GPA, 1, 0, 0));
	EXPECT_EQ(PVHV_FRAME_L1,
		  PVHV_FRAME_INFO_TYPE(ghc(a, PVHV_HC_FRAME_INFO, t >> 12, 0, 0, 0)));
	EXPECT_NE(pfn(a, t), pfn(b, t));
	ASSERT_TRUE(scans(2));
	ASSERT_EQ(0, ksm_set("run", 0));
	EXPECT_NE(pfn(a, t), pfn(b, t));

	ASSERT_EQ(pfn(a, f), pfn(b, f));
	/* The scanner is stopped; commands get their own pages first. */
	ASSERT_EQ(0, gdo(a, G_READ, GPAGE(0), 0, 0));
	ASSERT_EQ(0, gdo(b, G_READ, GPAGE(0), 0, 0));
	sharing = ksm("pages_sharing");
	*(uint64_t *)minivm_hva(a, OP_GPA) = f >> 12;
	ASSERT_EQ(1, ghc(a, PVHV_HC_MEM_DECREASE, OP_GPA, 1, 0, 0));
	EXPECT_EQ(sharing - 1, ksm("pages_sharing"));
	EXPECT_EQ(0, gdo(b, G_CHECK, f, self->val + 1, 1));
	ASSERT_EQ(1, ghc(a, PVHV_HC_MEM_POPULATE, OP_GPA, 1, 0, 0));
	EXPECT_EQ(0, gdo(a, G_READ, f, 0, 0));
}

/* No memory for a copy: the write fails (KVM_RUN: EFAULT), nothing else. */
TEST_F(pair, failed_copy_on_write)
{
	long fails = ksm("cow_failures");

	fill_both_and_merge(_metadata, self);
	/* Command page and guest stack copied first: the next copy is A's. */
	ASSERT_EQ(0, gdo(self->a, G_READ, GPAGE(0), 0, 0));
	/* KVM tries twice (async page fault, then a plain one): fail both. */
	ASSERT_EQ(0, ksm_set("fail_cow", 100));
	EXPECT_EQ((uint64_t)-1, gdo(self->a, G_WRITE, GPAGE(DATA + 3), 9, 0));
	EXPECT_GT(100, ksm("fail_cow"));
	ASSERT_EQ(0, ksm_set("fail_cow", 0));
	EXPECT_LT(fails, ksm("cow_failures"));
	EXPECT_LE(1, dom_ksm(self->a, "cow_failures"));
	/* Nothing was written anywhere; B goes on. */
	EXPECT_EQ(self->val + 3,
		  *(uint64_t *)minivm_hva(self->a, GPAGE(DATA + 3)));
	EXPECT_EQ(0, gdo(self->b, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(pfn(self->a, GPAGE(DATA + 3)), pfn(self->b, GPAGE(DATA + 3)));
}

/* merge=0: the domain shares nothing with anyone, now and later. */
TEST_F(pair, merge_off_per_domain)
{
	fill_both_and_merge(_metadata, self);
	ASSERT_EQ(0, dom_ksm_set(self->a, "merge", 0));
	EXPECT_EQ(0, dom_ksm(self->a, "merge"));
	EXPECT_EQ(0, dom_ksm(self->a, "shared_frames"));
	EXPECT_NE(pfn(self->a, GPAGE(DATA)), pfn(self->b, GPAGE(DATA)));
	ASSERT_TRUE(scans(2));
	EXPECT_EQ(0, dom_ksm(self->a, "shared_frames"));
	EXPECT_EQ(0, gdo(self->a, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(0, gdo(self->b, G_CHECK, GPAGE(DATA), self->val, N));
	EXPECT_EQ(-1, dom_ksm_set(self->a, "merge", 7));
}

static void *hammer(void *arg)
{
	struct minivm *vm = arg;

	return (void *)(uintptr_t)gdo(vm, G_HAMMER, GPAGE(DATA), 0, 3000000);
}

/* Knobs move while a guest writes: no write is lost, bad values refused. */
TEST_F(pair, knobs_change_while_guests_run)
{
	long scanned;
	pthread_t t;
	void *ret;
	int i;

	EXPECT_EQ(-1, ksm_set("run", 3));
	EXPECT_EQ(-1, ksm_set("pages_to_scan", 0));
	EXPECT_EQ(-1, ksm_set("hash_bits", 65));

	fill_both_and_merge(_metadata, self);
	ASSERT_EQ(0, pthread_create(&t, NULL, hammer, self->a));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, ksm_set("pages_to_scan", i % 2 ? 10 : 4096));
		ASSERT_EQ(0, ksm_set("sleep_millisecs", i % 3));
		ASSERT_EQ(0, ksm_set("run", i % 3));
		usleep(100000);
	}
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (uintptr_t)ret);

	/* Stopped means stopped. */
	ASSERT_EQ(0, ksm_set("run", 0));
	usleep(50000);
	scanned = ksm("pages_scanned");
	usleep(200000);
	EXPECT_EQ(scanned, ksm("pages_scanned"));
	ASSERT_TRUE(scans(1));
	EXPECT_LT(scanned, ksm("pages_scanned"));
	EXPECT_EQ(0, gdo(self->b, G_CHECK, GPAGE(DATA), self->val, N));
}

/* Domains that hold shared frames go away: every page and count with them. */
TEST(teardown_with_shared_frames)
{
	long frames, shared, sharing;
	struct minivm *a, *b;
	uint64_t val = 0x7e57 + getpid();

	NEED_PVHV();
	ksm_reset();
	frames = pvhv_sysfs_long("frames");
	shared = ksm("pages_shared");
	sharing = ksm("pages_sharing");
	a = new_vm("TA");
	b = new_vm("TB");
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, gdo(a, G_FILL, GPAGE(DATA), val, N));
	ASSERT_EQ(0, gdo(b, G_FILL, GPAGE(DATA), val, N));
	ASSERT_TRUE(scans(2));
	ASSERT_EQ(0, ksm_set("run", 0));
	EXPECT_LE(sharing + N, ksm("pages_sharing"));

	minivm_destroy(a);
	EXPECT_EQ(0, gdo(b, G_CHECK, GPAGE(DATA), val, N));
	minivm_destroy(b);
	EXPECT_EQ(frames, pvhv_sysfs_wait("frames", frames));
	EXPECT_EQ(shared, ksm("pages_shared"));
	EXPECT_EQ(sharing, ksm("pages_sharing"));
	ksm_reset();
}

/*
 * The scanner stopped in the middle of a domain's memory must not keep
 * the domain: when its VM goes, its frames and the domain go too.  (The
 * cursor held a reference on its file until the scanner ran again.)
 */
TEST(a_stopped_scanner_keeps_no_domain_alive)
{
	long frames, domains, scanned;
	struct minivm *a;
	int i;

	NEED_PVHV();
	ksm_reset();
	frames = pvhv_sysfs_long("frames");
	domains = pvhv_sysfs_long("domains_active");
	a = new_vm("S");
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, gdo(a, G_FILL, GPAGE(DATA), 1, 4 * N));
	/* A few small batches: the cursor stops inside a's frames. */
	ASSERT_EQ(0, ksm_set("pages_to_scan", 8));
	scanned = ksm("pages_scanned");
	ASSERT_EQ(0, ksm_set("run", 1));
	for (i = 0; i < SCAN_TIMEOUT_S * 100 &&
		    ksm("pages_scanned") < scanned + 16; i++)
		usleep(10000);
	ASSERT_EQ(0, ksm_set("run", 0));
	EXPECT_LE(scanned + 16, ksm("pages_scanned"));

	minivm_destroy(a);
	EXPECT_EQ(domains, pvhv_sysfs_wait("domains_active", domains));
	EXPECT_EQ(frames, pvhv_sysfs_wait("frames", frames));
	ksm_reset();
}

TEST_HARNESS_MAIN
