// SPDX-License-Identifier: GPL-2.0
/*
 * The PV block backend driven by a PV mini-guest acting as the frontend:
 * attach, connect, reads and writes that reach the backing file, FUA,
 * flush, discard, indirect requests, more requests in flight than the
 * backend takes at once, every validation error, hostile ring indices, and
 * teardown with requests in flight.
 *
 * The test writes requests into the guest's ring through its own mapping
 * of guest RAM, exactly as a guest kernel would, and kicks the backend by
 * making the guest send on its event channel.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/loop.h>
#include <stddef.h>

#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#include <pvhv/pvhv.h>
#include <pvhv/event.h>
#include <pvhv/grant.h>
#include <pvhv/blkif.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"

#define SHARED_GPA	GPAGE(0)
#define LIST_GPA	GPAGE(1)
#define TABLE_GPA	GPAGE(2)
#define CONNECT_GPA	GPAGE(3)
#define INFO_GPA	GPAGE(4)
#define INDIRECT_GPA	GPAGE(5)	/* segments of an indirect request */
#define RING_GPA	GPAGE(8)	/* up to 8 pages */
#define DATA_GPA(i)	GPAGE(16 + (i))	/* 64 data pages */

#define RING_REF(i)	(1 + (i))	/* grant refs of the ring pages */
#define INDIRECT_REF	12
#define DATA_REF(i)	(16 + (i))	/* ... and of the data pages */
#define DISK_SECTORS	2048		/* a 1 MiB backing file */

static long vbd_stat(struct minivm *vm, int idx, const char *what)
{
	return pvhv_sysfs_long("domains/%s/vbd%d/%s", strrchr(vm->dir, '/') + 1,
			       idx, what);
}

/*
 * The backend counts a request out of flight just after pushing its
 * response: wait (up to 1 s) for the count to settle at 0.
 */
static long vbd_in_flight_settled(struct minivm *vm, int disk)
{
	long v = -1;
	int i;

	for (i = 0; i < 100; i++) {
		v = vbd_stat(vm, disk, "in_flight");
		if (v == 0)
			break;
		usleep(10000);
	}
	return v;
}

/* Write @s to the domain's block/@file: 0 or -errno. */
static int sysfs_write(struct minivm *vm, const char *file, const char *s)
{
	char path[64];

	snprintf(path, sizeof(path), "block/%s", file);
	return minivm_dom_write(vm, path, s);
}

static void grant(struct minivm *vm, int ref, uint64_t gpa, uint16_t flags)
{
	minivm_grant_host(vm, TABLE_GPA, ref, gpa, flags);
}

/* Count the backend's threads in this test host. */
static int vbd_threads(void)
{
	return pvhv_threads("pvhv-vbd");
}

FIXTURE(blk) {
	struct minivm *vm;
	char disk[64];
	int disk_fd;
	long port;
	struct pvhv_blk_front f;
	uint64_t next_id;
	long hold_max_us, poll_max_us;	/* put back by the teardown */
};

/* The frontend's side of connecting: event channel, grants, ring. */
static void prepare_connect(struct minivm *vm, struct pvhv_blk_front *f,
			    long port, uint32_t pages)
{
	struct pvhv_vbd_connect *c = minivm_hva(vm, CONNECT_GPA);
	uint32_t i;

	pvhv_blk_front_init(f, minivm_hva(vm, RING_GPA), pages * 4096);
	memset(c, 0, sizeof(*c));
	for (i = 0; i < pages; i++) {
		grant(vm, RING_REF(i), RING_GPA + i * 4096, PVHV_GTF_PERMIT_ACCESS);
		c->ring_ref[i] = RING_REF(i);
	}
	c->nr_ring_pages = pages;
	c->port = port;
}

static long connect_ring(struct minivm *vm, struct pvhv_blk_front *f,
			 long port, uint32_t pages)
{
	prepare_connect(vm, f, port, pages);
	return ghc(vm, PVHV_HC_VBD_CONNECT, 0, CONNECT_GPA, 0, 0);
}

/*
 * What the guest kernel does at start: event channels, a one-frame grant
 * table, a port for the backend, grants of the data and indirect pages,
 * and a 2-page ring on disk 0.  0, or the first call that failed.
 */
static long guest_connect(FIXTURE_DATA(blk) *self)
{
	struct minivm *vm = self->vm;
	long ret;
	int i;

	ret = ghc(vm, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 0, 0);
	if (ret)
		return ret;
	memset(minivm_hva(vm, TABLE_GPA), 0, 4096);
	*(uint64_t *)minivm_hva(vm, LIST_GPA) = TABLE_GPA >> 12;
	ret = ghc(vm, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 1, 0, 0);
	if (ret != PVHV_GRANTS_PER_FRAME)
		return ret < 0 ? ret : -1;
	self->port = ghc(vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND, PVHV_DOMID_HOST,
			 0, 0, 0);
	if (self->port <= 0)
		return self->port ? self->port : -1;
	for (i = 0; i < 64; i++)
		grant(vm, DATA_REF(i), DATA_GPA(i), PVHV_GTF_PERMIT_ACCESS);
	/* The backend only reads the segment page. */
	grant(vm, INDIRECT_REF, INDIRECT_GPA,
	      PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
	return connect_ring(vm, &self->f, self->port, 2);
}

FIXTURE_SETUP(blk)
{
	struct minivm_opts opts = { 0 };
	char name[64], buf[512];
	int i;

	self->hold_max_us = -1;
	self->poll_max_us = -1;
	NEED_PVHV_SETUP();
	self->hold_max_us = pvhv_sysfs_long("block/hold_max_us");
	self->poll_max_us = pvhv_sysfs_long("block/poll_max_us");
	strcpy(self->disk, "/tmp/pvhv-blk-XXXXXX");
	self->disk_fd = mkstemp(self->disk);
	ASSERT_LE(0, self->disk_fd);
	/* Sector s starts with the bytes of s, the rest is 0xd0. */
	for (i = 0; i < DISK_SECTORS; i++) {
		memset(buf, 0xd0, sizeof(buf));
		memcpy(buf, &i, sizeof(i));
		ASSERT_EQ(512, pwrite(self->disk_fd, buf, 512, i * 512L));
	}
	snprintf(name, sizeof(name), "blk-%d", getpid());
	opts.domain = name;
	self->vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	ASSERT_NE(NULL, self->vm);
	ASSERT_EQ(0, sysfs_write(self->vm, "attach", self->disk));
	ASSERT_EQ(0, guest_connect(self));
	self->next_id = 100;
}

FIXTURE_TEARDOWN(blk)
{
	/* Tests change these; one that failed may not have put them back. */
	if (self->hold_max_us >= 0)
		pvhv_sysfs_write("block/hold_max_us", self->hold_max_us);
	if (self->poll_max_us >= 0)
		pvhv_sysfs_write("block/poll_max_us", self->poll_max_us);
	minivm_destroy(self->vm);
	close(self->disk_fd);
	unlink(self->disk);
}

/* Queue a read or write of @nsect sectors at @sector into data page @page. */
static uint64_t queue_rw(FIXTURE_DATA(blk) *self, int op, uint64_t sector,
			 int page, int nsect, int flags)
{
	struct pvhv_blk_req *r = pvhv_blk_front_req(&self->f,
						   self->f.req_prod_pvt++);
	int i, n = (nsect + 7) / 8;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->flags = flags;
	r->id = self->next_id++;
	r->sector = sector;
	r->nr_segs = n;
	for (i = 0; i < n; i++) {
		r->seg[i].gref = DATA_REF(page + i);
		r->seg[i].first_sect = 0;
		r->seg[i].last_sect = (nsect - 8 * i >= 8 ? 8 : nsect - 8 * i) - 1;
	}
	return r->id;
}

/*
 * Queue an indirect read or write of @npages whole data pages from @page
 * on, at @sector; its segments go to the indirect page.
 */
static uint64_t queue_indirect(FIXTURE_DATA(blk) *self, int op,
			       uint64_t sector, int page, int npages)
{
	struct pvhv_blk_seg *seg = minivm_hva(self->vm, INDIRECT_GPA);
	struct pvhv_blk_req *r = pvhv_blk_front_req(&self->f,
						   self->f.req_prod_pvt++);
	int i;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->flags = PVHV_BLK_F_INDIRECT;
	r->id = self->next_id++;
	r->sector = sector;
	r->nr_segs = 1;
	r->nr_indirect_segs = npages;
	r->seg[0].gref = INDIRECT_REF;
	for (i = 0; i < npages; i++)
		seg[i] = (struct pvhv_blk_seg){ .gref = DATA_REF(page + i),
						.last_sect = 7 };
	return r->id;
}

/* Publish, kick the backend from the guest, collect @n responses. */
static int complete(FIXTURE_DATA(blk) *self, int n,
		    struct pvhv_blk_rsp *rsp)
{
	int got = 0, tries;

	if (pvhv_blk_front_push(&self->f))
		ghc(self->vm, PVHV_HC_EVTCHN_SEND, self->port, 0, 0, 0);
	for (tries = 0; got < n && tries < 2000; tries++) {
		while (got < n && pvhv_blk_front_rsp_pending(&self->f))
			rsp[got++] = *pvhv_blk_front_rsp(&self->f,
							 self->f.rsp_cons++);
		if (got < n)
			usleep(1000);
	}
	return got;
}

/* One request; its status (1 if no answer came). */
static int one(FIXTURE_DATA(blk) *self, uint64_t id)
{
	struct pvhv_blk_rsp rsp;

	if (complete(self, 1, &rsp) != 1 || rsp.id != id)
		return 1;
	return rsp.status;
}

/* Publish one request, kick only if req_event asks for it; its status. */
static int one_counting_kicks(FIXTURE_DATA(blk) *self, uint64_t id,
			      int *kicks)
{
	struct pvhv_blk_rsp rsp;
	int tries;

	if (pvhv_blk_front_push(&self->f)) {
		ghc(self->vm, PVHV_HC_EVTCHN_SEND, self->port, 0, 0, 0);
		(*kicks)++;
	}
	for (tries = 0; tries < 2000; tries++) {
		if (pvhv_blk_front_rsp_pending(&self->f)) {
			rsp = *pvhv_blk_front_rsp(&self->f, self->f.rsp_cons++);
			return rsp.id == id ? rsp.status : 1;
		}
		usleep(200);
	}
	return 1;
}

/*
 * With polling off the backend re-arms req_event as soon as the ring is
 * empty, so every request needs a kick.  With a window that can grow to
 * 10 ms, requests pushed soon after the last answer are found by polling,
 * without a kick.
 */
TEST_F(blk, polling_finds_requests_without_kicks)
{
	long max0 = pvhv_sysfs_long("block/poll_max_us");
	int i, kicks = 0, n = 30;

	EXPECT_EQ(200, max0);
	EXPECT_EQ(-1, pvhv_sysfs_write("block/poll_max_us", 10001));
	ASSERT_EQ(0, pvhv_sysfs_write("block/poll_max_us", 0));
	for (i = 0; i < 10; i++)
		EXPECT_EQ(0, one_counting_kicks(self, queue_rw(self,
				PVHV_BLK_OP_READ, i, 0, 8, 0), &kicks));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "polled"));
	EXPECT_LE(9, kicks);

	kicks = 0;
	ASSERT_EQ(0, pvhv_sysfs_write("block/poll_max_us", 10000));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, one_counting_kicks(self, queue_rw(self,
				PVHV_BLK_OP_READ, i, 0, 8, 0), &kicks));
	EXPECT_EQ(0, pvhv_sysfs_write("block/poll_max_us", max0));
	EXPECT_LT(0, vbd_stat(self->vm, 0, "polled"));
	EXPECT_GT(n, kicks);
	EXPECT_EQ(40, vbd_stat(self->vm, 0, "requests"));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "errors"));
	TH_LOG("%d requests: %d kicks, %ld found by polling", n, kicks,
	       vbd_stat(self->vm, 0, "polled"));
}

/* Test and clear the pending bit of the disk's port, as an upcall would. */
static int take_event(FIXTURE_DATA(blk) *self)
{
	struct pvhv_shared_info *si = minivm_hva(self->vm, SHARED_GPA);
	uint64_t bit = 1ULL << (self->port % 64);

	return !!(__atomic_fetch_and(&si->evtchn_pending[self->port / 64],
				     ~bit, __ATOMIC_SEQ_CST) & bit);
}

static bool event_pending(FIXTURE_DATA(blk) *self)
{
	struct pvhv_shared_info *si = minivm_hva(self->vm, SHARED_GPA);
	uint64_t bit = 1ULL << (self->port % 64);

	return __atomic_load_n(&si->evtchn_pending[self->port / 64],
			       __ATOMIC_SEQ_CST) & bit;
}

/*
 * A hold ends one of two ways: the event is sent, or held_saved counts
 * it dropped.  Wait (at most 5 s: the hold is 10 ms at most, but the test
 * host may be emulated) until the hold that @saved was read before ended;
 * then take the event (1 if it was sent).
 */
static int hold_outcome(FIXTURE_DATA(blk) *self, long saved)
{
	int ms;

	for (ms = 0; ms < 5000; ms++) {
		if (event_pending(self) ||
		    vbd_stat(self->vm, 0, "held_saved") != saved)
			break;
		usleep(1000);
	}
	return take_event(self);
}

/*
 * Queue a read of sector @sector into page 0 and have the guest kick the
 * backend and spin, running guest code, until the answer is there.  If
 * @take, the guest re-arms rsp_event past it, as pvhv-guest does when it
 * takes answers while queueing; else it stores nowhere that matters.
 * Then take the answer here: 0 if it is right.
 */
static int busy_guest_read(FIXTURE_DATA(blk) *self, int sector, bool take)
{
	uint64_t hdr = RING_GPA, id;
	struct pvhv_blk_rsp rsp;
	int s;

	id = queue_rw(self, PVHV_BLK_OP_READ, sector, 0, 8, 0);
	pvhv_blk_front_push(&self->f);
	if (ghc_watch(self->vm, PVHV_HC_EVTCHN_SEND, self->port,
		      hdr + offsetof(struct pvhv_sring_hdr, rsp_prod),
		      self->f.rsp_cons,
		      take ? hdr + offsetof(struct pvhv_sring_hdr, rsp_event) :
			     INFO_GPA, 2000000000) != 1)
		return -1;
	if (!pvhv_blk_front_rsp_pending(&self->f))
		return -1;
	rsp = *pvhv_blk_front_rsp(&self->f, self->f.rsp_cons++);
	memcpy(&s, minivm_hva(self->vm, DATA_GPA(0)), sizeof(s));
	return rsp.id != id || rsp.status || s != sector;
}

/*
 * Read (from sector @sector on) until an answer was held, as
 * busy_guest_read() with @take, at most 50 times: the outcome of that
 * hold (1 if the event came, 0 if it was dropped), or -1 if no answer was
 * held.  An answer that comes while the vCPU is out of guest code (in the
 * test host for an interrupt) is not held, and its event comes at once.
 */
static int read_until_held(FIXTURE_DATA(blk) *self,
			   struct __test_metadata *_metadata, int sector,
			   bool take)
{
	long held, saved;
	int i, event;

	for (i = 0; i < 50; i++) {
		held = vbd_stat(self->vm, 0, "held");
		saved = vbd_stat(self->vm, 0, "held_saved");
		EXPECT_EQ(0, busy_guest_read(self, sector + 16 * i, take));
		event = hold_outcome(self, saved);
		/* Before re-arming rsp_event here, which would end a hold. */
		pvhv_blk_front_final_check(&self->f);
		if (vbd_stat(self->vm, 0, "held") != held)
			return event;
		EXPECT_EQ(1, event);
	}
	return -1;
}

/*
 * The backend holds the event for an answer back while the guest runs
 * guest code, and drops it if the guest took the answer meanwhile
 * (held_saved); if it did not, the event comes when the hold ends.  With
 * hold_max_us 0, or a guest that is not running, the event comes at once.
 *
 * An answer is held only if it comes while the vCPU runs guest code, so
 * the disk's thread and the vCPU's get a CPU each, and polling is off: a
 * polling thread finds the request as soon as this thread wrote it, before
 * the vCPU is in guest code.  Where CPUs are emulated in turns (a test
 * host under TCG) that was not enough: in 2 of 30 runs no answer in 50
 * reads came while the vCPU ran guest code (with polling on, 9 of 20).
 * The parts that need a held answer then skip there, saying so; on real
 * CPUs, where the two threads run at once, no held answer is a failure
 * (a backend that never holds must not pass as a skip).
 */
TEST_F(blk, busy_guest_gets_no_event_it_does_not_need)
{
	long held, saved, notifies;
	int i;

	EXPECT_EQ(100, self->hold_max_us);
	EXPECT_EQ(200, self->poll_max_us);
	EXPECT_EQ(-1, pvhv_sysfs_write("block/hold_max_us", 10001));
	/* A disk's hold starts at hold_max_us when it connects. */
	ASSERT_EQ(0, pvhv_sysfs_write("block/hold_max_us", 10000));
	ASSERT_EQ(0, pvhv_sysfs_write("block/poll_max_us", 0));
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	ASSERT_EQ(0, connect_ring(self->vm, &self->f, self->port, 2));
	ASSERT_EQ(0, one(self, queue_rw(self, PVHV_BLK_OP_READ, 8, 0, 8, 0)));
	pvhv_blk_front_final_check(&self->f);
	take_event(self);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		ASSERT_EQ(1, pvhv_pin_apart("pvhv-vbd"));

	/* Off: every answer the guest asked for is an event at once. */
	ASSERT_EQ(0, pvhv_sysfs_write("block/hold_max_us", 0));
	held = vbd_stat(self->vm, 0, "held");
	notifies = vbd_stat(self->vm, 0, "notifies");
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, busy_guest_read(self, 200 + 16 * i, false));
		/* The guest may see the answer just before the event. */
		EXPECT_EQ(1, hold_outcome(self, vbd_stat(self->vm, 0,
							 "held_saved")));
		pvhv_blk_front_final_check(&self->f);
	}
	EXPECT_EQ(held, vbd_stat(self->vm, 0, "held"));
	EXPECT_EQ(notifies + 3, vbd_stat(self->vm, 0, "notifies"));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "errors"));

	/* Taken while held: no event, and held_saved counts it. */
	ASSERT_EQ(0, pvhv_sysfs_write("block/hold_max_us", 10000));
	saved = vbd_stat(self->vm, 0, "held_saved");
	i = read_until_held(self, _metadata, 0, true);
	if (i < 0 && testhost_is_tcg())
		SKIP(return, "no answer came while the vCPU ran guest code");
	ASSERT_LE(0, i);
	EXPECT_EQ(0, i);
	EXPECT_EQ(saved + 1, vbd_stat(self->vm, 0, "held_saved"));

	/* Not taken: the event comes when the hold ends. */
	saved = vbd_stat(self->vm, 0, "held_saved");
	i = read_until_held(self, _metadata, 1000, false);
	if (i < 0 && testhost_is_tcg())
		SKIP(return, "no answer came while the vCPU ran guest code");
	ASSERT_LE(0, i);
	EXPECT_EQ(1, i);
	EXPECT_EQ(saved, vbd_stat(self->vm, 0, "held_saved"));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "errors"));
}

TEST_F(blk, info_and_sysfs)
{
	struct pvhv_vbd_info *info = minivm_hva(self->vm, INFO_GPA);

	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_INFO, 0, INFO_GPA, 0, 0));
	EXPECT_EQ(DISK_SECTORS, info->sectors);
	EXPECT_EQ(PVHV_VBD_FLUSH | PVHV_VBD_DISCARD | PVHV_VBD_CONNECTED,
		  info->flags);
	EXPECT_EQ(PVHV_BLK_MAX_SEGS, info->max_segments);
	EXPECT_EQ(PVHV_BLK_MAX_INDIRECT_SEGS, info->max_indirect_segs);
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VBD_INFO, 1, INFO_GPA, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->vm, PVHV_HC_VBD_INFO, 0, INFO_GPA + 4090, 0, 0));
	EXPECT_EQ(2, vbd_stat(self->vm, 0, "ring_pages"));
	EXPECT_EQ(DISK_SECTORS, vbd_stat(self->vm, 0, "sectors"));
	EXPECT_EQ(1, pvhv_sysfs_long("block/connected"));
	EXPECT_EQ(1, pvhv_sysfs_long("block/attached"));
	EXPECT_EQ(1, vbd_threads());
}

TEST_F(blk, read_reaches_guest_pages)
{
	uint8_t *d = minivm_hva(self->vm, DATA_GPA(0));
	uint64_t id;
	int i;

	memset(d, 0, 8 * 4096);
	/* 20 sectors from sector 100, over three pages. */
	id = queue_rw(self, PVHV_BLK_OP_READ, 100, 0, 20, 0);
	ASSERT_EQ(0, one(self, id));
	for (i = 0; i < 20; i++) {
		int s = 0;
		uint8_t *sec = d + (i / 8) * 4096 + (i % 8) * 512;

		memcpy(&s, sec, sizeof(s));
		EXPECT_EQ(100 + i, s);
		EXPECT_EQ(0xd0, sec[511]);
	}
	EXPECT_EQ(0, d[2 * 4096 + 4 * 512]);	/* beyond the 20th sector */
	EXPECT_EQ(20 * 512, vbd_stat(self->vm, 0, "read_bytes"));
	EXPECT_EQ(1, vbd_stat(self->vm, 0, "requests"));
	EXPECT_EQ(0, vbd_in_flight_settled(self->vm, 0));
}

TEST_F(blk, write_fua_flush_discard)
{
	uint8_t *d = minivm_hva(self->vm, DATA_GPA(3));
	char buf[4096];
	struct pvhv_blk_req *r;
	uint64_t id;

	memset(d, 0x5a, 4096);
	id = queue_rw(self, PVHV_BLK_OP_WRITE, 16, 3, 8, PVHV_BLK_F_FUA);
	ASSERT_EQ(0, one(self, id));
	ASSERT_EQ(4096, pread(self->disk_fd, buf, 4096, 16 * 512));
	EXPECT_EQ(0x5a, (uint8_t)buf[0]);
	EXPECT_EQ(0x5a, (uint8_t)buf[4095]);
	EXPECT_EQ(4096, vbd_stat(self->vm, 0, "write_bytes"));

	r = pvhv_blk_front_req(&self->f, self->f.req_prod_pvt++);
	memset(r, 0, sizeof(*r));
	r->op = PVHV_BLK_OP_FLUSH;
	r->id = 7;
	EXPECT_EQ(0, one(self, 7));
	EXPECT_EQ(1, vbd_stat(self->vm, 0, "flushes"));

	r = pvhv_blk_front_req(&self->f, self->f.req_prod_pvt++);
	memset(r, 0, sizeof(*r));
	r->op = PVHV_BLK_OP_DISCARD;
	r->id = 8;
	r->sector = 16;
	r->nr_sectors = 8;
	EXPECT_EQ(0, one(self, 8));
	ASSERT_EQ(4096, pread(self->disk_fd, buf, 4096, 16 * 512));
	EXPECT_EQ(0, buf[0]);
	EXPECT_EQ(0, buf[4095]);
	EXPECT_EQ(1, vbd_stat(self->vm, 0, "discards"));
}

TEST_F(blk, many_in_flight)
{
	struct pvhv_blk_rsp rsp[64];
	uint64_t seen = 0;
	int i;

	/* A full two-page ring (64 slots) of one-page reads. */
	ASSERT_EQ(64, pvhv_blk_front_free(&self->f));
	for (i = 0; i < 64; i++)
		queue_rw(self, PVHV_BLK_OP_READ, 8 * i, i, 8, 0);
	ASSERT_EQ(64, complete(self, 64, rsp));
	for (i = 0; i < 64; i++) {
		EXPECT_EQ(0, rsp[i].status);
		seen |= 1ULL << (rsp[i].id - 100);
	}
	EXPECT_EQ(~0ULL, seen);		/* every id exactly once */
	for (i = 0; i < 64; i++)
		EXPECT_EQ(8 * i, *(int *)minivm_hva(self->vm, DATA_GPA(i)));
}

/* Two requests of 64 pages each, through the indirect page. */
TEST_F(blk, indirect_write_read)
{
	uint8_t *d = minivm_hva(self->vm, DATA_GPA(0));
	static char buf[64 * 4096];
	uint64_t id;
	int i;

	for (i = 0; i < 64 * 4096; i++)
		d[i] = i * 7 + i / 4096;
	id = queue_indirect(self, PVHV_BLK_OP_WRITE, 512, 0, 64);
	ASSERT_EQ(0, one(self, id));
	ASSERT_EQ(sizeof(buf), pread(self->disk_fd, buf, sizeof(buf), 512 * 512));
	EXPECT_EQ(0, memcmp(buf, d, sizeof(buf)));
	EXPECT_EQ(64 * 4096, vbd_stat(self->vm, 0, "write_bytes"));

	/* Read it back into the pages in reverse order, sectors 2..5 of one. */
	memset(d, 0, 64 * 4096);
	id = queue_indirect(self, PVHV_BLK_OP_READ, 512, 0, 64);
	for (i = 0; i < 64; i++)
		((struct pvhv_blk_seg *)minivm_hva(self->vm, INDIRECT_GPA))[i].gref =
			DATA_REF(63 - i);
	ASSERT_EQ(0, one(self, id));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0, memcmp(buf + i * 4096, d + (63 - i) * 4096, 4096));
	EXPECT_EQ(64 * 4096, vbd_stat(self->vm, 0, "read_bytes"));
	EXPECT_EQ(2, vbd_stat(self->vm, 0, "requests"));
	EXPECT_EQ(2, pvhv_sysfs_long("grants_mapped"));	/* the ring only */
}

TEST_F(blk, indirect_validation)
{
	struct pvhv_blk_seg *seg = minivm_hva(self->vm, INDIRECT_GPA);
	long pinned = pvhv_sysfs_long("frames_pinned");
	struct pvhv_blk_req *r;
	uint64_t id;

#define LAST_REQ	pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1)
	/* Segment counts: none, too many, two indirect pages. */
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	LAST_REQ->nr_indirect_segs = 0;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	LAST_REQ->nr_indirect_segs = PVHV_BLK_MAX_INDIRECT_SEGS + 1;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	LAST_REQ->nr_segs = 2;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	/* The indirect descriptor's own sector fields must be 0. */
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	LAST_REQ->seg[0].last_sect = 1;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	/* A count without the flag; the flag on a flush. */
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	LAST_REQ->nr_indirect_segs = 3;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	r = pvhv_blk_front_req(&self->f, self->f.req_prod_pvt++);
	memset(r, 0, sizeof(*r));
	r->op = PVHV_BLK_OP_FLUSH;
	r->flags = PVHV_BLK_F_INDIRECT;
	r->id = id = 5000;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	/* The segment page not granted, a bad segment in it, a bad grant. */
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	LAST_REQ->seg[0].gref = 200;
	EXPECT_EQ(-PVHV_EPERM, one(self, id));
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	seg[3].last_sect = 8;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 4);
	seg[2].gref = 250;
	EXPECT_EQ(-PVHV_EPERM, one(self, id));
	/* 256 pages from sector 2000 end past the disk. */
	id = queue_indirect(self, PVHV_BLK_OP_READ, 2000, 0, 64);
	LAST_REQ->nr_indirect_segs = 256;
	EXPECT_EQ(-PVHV_ERANGE, one(self, id));
#undef LAST_REQ
	EXPECT_EQ(10, vbd_stat(self->vm, 0, "errors"));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "read_bytes"));
	/* Nothing stays mapped, and the disk goes on working. */
	EXPECT_EQ(2, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(pinned, pvhv_sysfs_long("frames_pinned"));
	id = queue_indirect(self, PVHV_BLK_OP_READ, 0, 0, 16);
	EXPECT_EQ(0, one(self, id));
}

/*
 * An eight-page ring holds 256 requests, more than the backend takes off
 * the ring at once: completions must bring it back for the rest.
 */
TEST_F(blk, more_than_taken_at_once)
{
	static struct pvhv_blk_rsp rsp[256];
	int i, ok = 0;

	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	ASSERT_EQ(0, connect_ring(self->vm, &self->f, self->port, 8));
	ASSERT_EQ(256, pvhv_blk_front_free(&self->f));
	for (i = 0; i < 256; i++)
		queue_rw(self, PVHV_BLK_OP_READ, 8 * (i % 200), i % 64, 8, 0);
	ASSERT_EQ(256, complete(self, 256, rsp));
	for (i = 0; i < 256; i++)
		ok += rsp[i].status == 0;
	EXPECT_EQ(256, ok);
	EXPECT_EQ(256, vbd_stat(self->vm, 0, "requests"));
	EXPECT_EQ(0, vbd_in_flight_settled(self->vm, 0));
}

TEST_F(blk, request_validation)
{
	struct pvhv_blk_req *r;
	uint64_t id;

	/* Beyond the end of the disk, also by overflow. */
	id = queue_rw(self, PVHV_BLK_OP_READ, DISK_SECTORS - 4, 0, 8, 0);
	EXPECT_EQ(-PVHV_ERANGE, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_READ, -1ULL, 0, 8, 0);
	EXPECT_EQ(-PVHV_ERANGE, one(self, id));
	/* Segments: none, too many, inverted, past the page. */
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1)->nr_segs = 0;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1)->nr_segs = 12;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	r = pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1);
	r->seg[0].first_sect = 5;
	r->seg[0].last_sect = 2;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1)->seg[0].last_sect = 8;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	/* Unknown operation and flag. */
	id = queue_rw(self, 9, 0, 0, 8, 0);
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0x10);
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	/* Grants: not granted, granted read-only (a read writes the page). */
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1)->seg[0].gref = 200;
	EXPECT_EQ(-PVHV_EPERM, one(self, id));
	grant(self->vm, DATA_REF(0), DATA_GPA(0),
	      PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	EXPECT_EQ(-PVHV_EACCES, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_WRITE, 0, 0, 8, 0);
	EXPECT_EQ(0, one(self, id));		/* a write only reads it */
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	pvhv_blk_front_req(&self->f, self->f.req_prod_pvt - 1)->seg[0].gref = 1 << 30;
	EXPECT_EQ(-PVHV_EINVAL, one(self, id));
	EXPECT_EQ(11, vbd_stat(self->vm, 0, "errors"));
	/* Errors are answered and the disk goes on working. */
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 1, 8, 0);
	EXPECT_EQ(0, one(self, id));
	EXPECT_EQ(2, pvhv_sysfs_long("grants_mapped"));	/* the ring */
}

TEST_F(blk, hostile_producer_index)
{
	char path[512], state[32] = "";
	uint64_t id;
	int i;

	/* A producer index far beyond what the ring can hold. */
	self->f.sring->hdr.req_prod = self->f.rsp_cons + 1000;
	ghc(self->vm, PVHV_HC_EVTCHN_SEND, self->port, 0, 0, 0);
	snprintf(path, sizeof(path), "/sys/kernel/pvhv/domains/%s/vbd0/state",
		 strrchr(self->vm->dir, '/') + 1);
	for (i = 0; i < 500; i++) {
		read_text_file(path, state, sizeof(state));
		if (!strcmp(state, "broken\n"))
			break;
		usleep(10000);
	}
	EXPECT_STREQ("broken\n", state);
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "requests"));

	/* The guest can start over: disconnect, reconnect, work. */
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	self->port = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND,
			 PVHV_DOMID_HOST, 0, 0, 0);
	ASSERT_EQ(0, connect_ring(self->vm, &self->f, self->port, 4));
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	EXPECT_EQ(0, one(self, id));
}

TEST_F(blk, connect_validation)
{
	struct pvhv_vbd_connect *c = minivm_hva(self->vm, CONNECT_GPA);
	long port;

	EXPECT_EQ(-PVHV_EBUSY, connect_ring(self->vm, &self->f, self->port, 2));
	/* The backend maps the ring for as long as it is connected. */
	EXPECT_EQ(2, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(-PVHV_EBUSY, ghc(self->vm, PVHV_HC_GNTTAB_END_ACCESS,
				   RING_REF(0), 0, 0, 0));
	EXPECT_EQ(-PVHV_EBUSY, ghc(self->vm, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 1, 0, 0));
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_GNTTAB_END_ACCESS, DATA_REF(0), 0, 0, 0));
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	/* Unmapped now: the guest may take the ring page back. */
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_GNTTAB_END_ACCESS, RING_REF(0), 0, 0, 0));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VBD_CONNECT, 3, CONNECT_GPA, 0, 0));
	EXPECT_EQ(-PVHV_EFAULT, ghc(self->vm, PVHV_HC_VBD_CONNECT, 0, 1UL << 40, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, connect_ring(self->vm, &self->f, self->port, 3));
	EXPECT_EQ(-PVHV_EINVAL, connect_ring(self->vm, &self->f, self->port, 16));
	/* A ring page that is not granted to the host. */
	prepare_connect(self->vm, &self->f, self->port, 2);
	c->ring_ref[1] = 250;
	EXPECT_EQ(-PVHV_EPERM, ghc(self->vm, PVHV_HC_VBD_CONNECT, 0, CONNECT_GPA, 0, 0));
	/* A port that is not offered to the host. */
	port = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND,
		   ghc(self->vm, PVHV_HC_DOMID, 0, 0, 0, 0), 0, 0, 0);
	EXPECT_EQ(-PVHV_ENOENT, connect_ring(self->vm, &self->f, port, 2));
	/* Nothing was left mapped by the failed attempts. */
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	/* The disconnected port is offered to the host again: reusable. */
	EXPECT_EQ(PVHV_EVTCHN_UNBOUND, PVHV_EVTCHN_STATUS_STATE(
		  ghc(self->vm, PVHV_HC_EVTCHN_STATUS, self->port, 0, 0, 0)));
	EXPECT_EQ(0, connect_ring(self->vm, &self->f, self->port, 1));
}

TEST_F(blk, read_only_disk)
{
	char spec[128];
	uint64_t id;

	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	ASSERT_EQ(0, sysfs_write(self->vm, "detach", "0"));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VBD_INFO, 0, INFO_GPA, 0, 0));
	EXPECT_EQ(-EINVAL, sysfs_write(self->vm, "attach", "relative/path"));
	EXPECT_EQ(-ENOENT, sysfs_write(self->vm, "attach", "/nonexistent"));
	EXPECT_EQ(-EISDIR, sysfs_write(self->vm, "attach", "/tmp"));
	EXPECT_EQ(-EINVAL, sysfs_write(self->vm, "attach", "/dev/null"));
	EXPECT_EQ(-EINVAL, sysfs_write(self->vm, "attach", "/tmp/x rw"));
	snprintf(spec, sizeof(spec), "%s ro", self->disk);
	ASSERT_EQ(0, sysfs_write(self->vm, "attach", spec));
	EXPECT_EQ(1, vbd_stat(self->vm, 0, "readonly"));
	self->port = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND,
			 PVHV_DOMID_HOST, 0, 0, 0);
	ASSERT_EQ(0, connect_ring(self->vm, &self->f, self->port, 1));
	id = queue_rw(self, PVHV_BLK_OP_WRITE, 0, 0, 8, 0);
	EXPECT_EQ(-PVHV_EPERM, one(self, id));
	id = queue_rw(self, PVHV_BLK_OP_READ, 0, 0, 8, 0);
	EXPECT_EQ(0, one(self, id));
}

/* A loop device over @fd: its number, or -1. */
static int loop_attach(int fd)
{
	int ctl, n, dev;
	char path[32];

	if (access("/dev/loop-control", F_OK) &&
	    system("modprobe -q loop") != 0)
		return -1;
	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0)
		return -1;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0)
		return -1;
	snprintf(path, sizeof(path), "/dev/loop%d", n);
	dev = open(path, O_RDWR);
	if (dev < 0)
		return -1;
	if (ioctl(dev, LOOP_SET_FD, fd)) {
		close(dev);
		return -1;
	}
	close(dev);
	return n;
}

static void loop_detach(int n)
{
	char path[32];
	int dev;

	snprintf(path, sizeof(path), "/dev/loop%d", n);
	dev = open(path, O_RDWR);
	if (dev >= 0) {
		ioctl(dev, LOOP_CLR_FD, 0);
		close(dev);
	}
}

/*
 * A read whose data is in the host's page cache is served by the disk's
 * thread (served_inline), any other by a worker.  The backing here is a
 * block device, which can say "would block" (a tmpfs file cannot on 6.1):
 * its page cache starts empty, so the first read of a range goes to a
 * worker and the second is served inline.  The thread's try starts no
 * readahead: if it did, the first read would be served inline whenever the
 * loop device's I/O beat the thread's check.  Writes always go to a worker.
 */
TEST_F(blk, cached_reads_served_by_the_thread)
{
	uint8_t *d = minivm_hva(self->vm, DATA_GPA(0));
	char path[32];
	uint64_t id;
	int loop, s;

	loop = loop_attach(self->disk_fd);
	if (loop < 0)
		SKIP(return, "no loop device: %s", strerror(errno));
	snprintf(path, sizeof(path), "/dev/loop%d", loop);
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	ASSERT_EQ(0, sysfs_write(self->vm, "detach", "0"));
	ASSERT_EQ(0, sysfs_write(self->vm, "attach", path));
	self->port = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND,
			 PVHV_DOMID_HOST, 0, 0, 0);
	ASSERT_EQ(0, connect_ring(self->vm, &self->f, self->port, 2));

	id = queue_rw(self, PVHV_BLK_OP_READ, 1000, 0, 8, 0);
	EXPECT_EQ(0, one(self, id));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "served_inline"));
	memset(d, 0, 4096);
	id = queue_rw(self, PVHV_BLK_OP_READ, 1000, 0, 8, 0);
	EXPECT_EQ(0, one(self, id));
	EXPECT_EQ(1, vbd_stat(self->vm, 0, "served_inline"));
	memcpy(&s, d, sizeof(s));
	EXPECT_EQ(1000, s);
	EXPECT_EQ(0xd0, d[4095]);

	memset(d + 4096, 0x6b, 4096);
	id = queue_rw(self, PVHV_BLK_OP_WRITE, 1000, 1, 8, 0);
	EXPECT_EQ(0, one(self, id));
	EXPECT_EQ(1, vbd_stat(self->vm, 0, "served_inline"));
	id = queue_rw(self, PVHV_BLK_OP_READ, 1000, 0, 8, 0);
	EXPECT_EQ(0, one(self, id));
	EXPECT_EQ(2, vbd_stat(self->vm, 0, "served_inline"));
	EXPECT_EQ(0x6b, d[0]);
	EXPECT_EQ(0x6b, d[4095]);
	EXPECT_EQ(4, vbd_stat(self->vm, 0, "requests"));
	EXPECT_EQ(0, vbd_stat(self->vm, 0, "errors"));

	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
	EXPECT_EQ(0, sysfs_write(self->vm, "detach", "0"));
	loop_detach(loop);
}

/*
 * A new kernel in the same VM (reboot) calls soft_reset with the old
 * kernel's requests still in flight: those the backend took finish, the
 * ring, grants and ports go, the disk stays attached, and the new kernel
 * connects again.
 */
/*
 * A request already on the ring when the disk connects is answered by the
 * thread's first look, and its event goes to the port of this connection.
 * (The thread was started before the new port was set: an early answer
 * went to the previous connection's port.)
 */
TEST_F(blk, an_answer_at_connect_goes_to_the_new_port)
{
	struct pvhv_shared_info *si = minivm_hva(self->vm, SHARED_GPA);
	long port;
	int i, tries;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_DISCONNECT, 0, 0, 0, 0));
		port = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND,
			   PVHV_DOMID_HOST, 0, 0, 0);
		ASSERT_LT(0, port);
		memset(si->evtchn_pending, 0, sizeof(si->evtchn_pending));
		prepare_connect(self->vm, &self->f, port, 2);
		queue_rw(self, PVHV_BLK_OP_READ, 8 * i, 0, 8, 0);
		pvhv_blk_front_push(&self->f);
		ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VBD_CONNECT, 0, CONNECT_GPA,
				 0, 0));
		for (tries = 0; tries < 2000; tries++) {
			if (__atomic_load_n(&si->evtchn_pending[port / 64],
					    __ATOMIC_ACQUIRE) & (1ULL << (port % 64)))
				break;
			usleep(500);
		}
		ASSERT_GT(2000, tries) TH_LOG("connection %d: no event on port %ld", i, port);
		ASSERT_TRUE(pvhv_blk_front_rsp_pending(&self->f));
		self->f.rsp_cons++;
		/* The old port is closed, as a frontend would. */
		ASSERT_EQ(0, ghc(self->vm, PVHV_HC_EVTCHN_CLOSE, self->port,
				 0, 0, 0));
		self->port = port;
	}
}

TEST_F(blk, soft_reset_then_reconnect)
{
	uint8_t *d = minivm_hva(self->vm, DATA_GPA(0));
	long pinned_before = pvhv_sysfs_long("frames_pinned");
	uint64_t id;
	int i;

	/* The shared info page, the grant table frame, two ring pages. */
	ASSERT_EQ(4, pinned_before);
	for (i = 0; i < 32; i++) {
		memset(d + i * 4096, 0x40 + i, 4096);
		queue_rw(self, PVHV_BLK_OP_WRITE, 16 * i, i, 8, 0);
	}
	if (pvhv_blk_front_push(&self->f))
		ghc(self->vm, PVHV_HC_EVTCHN_SEND, self->port, 0, 0, 0);
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_SOFT_RESET, 0, 0, 0, 0));

	EXPECT_EQ(0, pvhv_sysfs_long("block/connected"));
	EXPECT_EQ(1, pvhv_sysfs_long("block/attached"));
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(0, pvhv_sysfs_long("evtchn_ports"));
	EXPECT_EQ(0, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(0, vbd_in_flight_settled(self->vm, 0));
	EXPECT_EQ(0, vbd_threads());
	/* Nothing of the old kernel answers any more. */
	EXPECT_EQ(-PVHV_ENODEV,
		  ghc(self->vm, PVHV_HC_GNTTAB_END_ACCESS, 1, 0, 0, 0));

	/* The new kernel: the same grant table frame is accepted again. */
	ASSERT_EQ(0, guest_connect(self));
	EXPECT_EQ(1, pvhv_sysfs_long("block/connected"));
	EXPECT_EQ(1, vbd_threads());
	/* Page 5 to the disk and back into page 0. */
	id = queue_rw(self, PVHV_BLK_OP_WRITE, 1000, 5, 8, 0);
	ASSERT_EQ(0, one(self, id));
	memset(d, 0, 4096);
	id = queue_rw(self, PVHV_BLK_OP_READ, 1000, 0, 8, 0);
	ASSERT_EQ(0, one(self, id));
	EXPECT_EQ(0x45, d[0]);
	EXPECT_EQ(0x45, d[4095]);
	/* Twice in a row is fine. */
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_SOFT_RESET, 0, 0, 0, 0));
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_SOFT_RESET, 0, 0, 0, 0));
	EXPECT_EQ(0, pvhv_sysfs_long("block/connected"));
}

/* Killing the guest with requests in flight leaves nothing behind. */
TEST_F(blk, teardown_with_requests_in_flight)
{
	int i;

	for (i = 0; i < 64; i++)
		queue_rw(self, PVHV_BLK_OP_WRITE, 16 * i, i, 8, 0);
	if (pvhv_blk_front_push(&self->f))
		ghc(self->vm, PVHV_HC_EVTCHN_SEND, self->port, 0, 0, 0);
	minivm_destroy(self->vm);
	self->vm = NULL;
	for (i = 0; i < 500; i++) {
		if (!pvhv_sysfs_long("block/connected") &&
		    !pvhv_sysfs_long("grants_mapped") &&
		    !pvhv_sysfs_long("frames_pinned") &&
		    !pvhv_sysfs_long("block/attached") && !vbd_threads())
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, pvhv_sysfs_long("block/connected"));
	EXPECT_EQ(0, pvhv_sysfs_long("block/attached"));
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(0, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(0, pvhv_sysfs_long("evtchn_ports"));
	EXPECT_EQ(0, vbd_threads());
}

TEST_HARNESS_MAIN
