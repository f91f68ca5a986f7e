// SPDX-License-Identifier: GPL-2.0
/*
 * Paravirtual page tables and the trap table: pinning validates and types
 * frames, batched updates with their accounting, every rejected update and
 * operation (with nothing applied), direct guest writes to a pinned table
 * caught by KVM's write tracking (a legal one followed, an illegal one
 * undone with a #GP), multicalls, the balloon refusing a table, teardown;
 * and a mini-guest that builds its whole address space through the API,
 * switches to it, installs a trap table and runs system calls (INT 0x80)
 * from user mode without a single VM exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <pvhv/pvhv.h>
#include <pvhv/mmu.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"
#include "lib/pvkernel.h"
#include "lib/race.h"

#define P		PK_P
#define RW		PK_RW
#define PS		0x80ULL
/* pvhv sets accessed on present entries, dirty on writable level 1 ones. */
#define A		0x20ULL
#define D		0x40ULL
#define L1E(v)		((v) & P ? (v) | A | ((v) & RW ? D : 0) : (v))

/* Guest-physical layout, in the data area (the PV kernel's frames). */
#define LIST_GPA	GPAGE(PK_LIST)
#define DONE_GPA	GPAGE(PK_DONE)
#define EXT_GPA		GPAGE(PK_EXT)
#define L4		PK_L4
#define L3		PK_L3
#define L2		PK_L2
#define L1(k)		PK_L1(k)
#define MCALL_GPA	GPAGE(24)
#define BLIST_GPA	GPAGE(25)	/* balloon list */
#define DATA		32		/* plain frames for entries to map */

#define GFN(gpa)	((gpa) >> 12)
#define PG(i)		GFN(GPAGE(i))

/* ---- host side helpers ---- */

static uint64_t *list(struct minivm *vm)
{
	return minivm_hva(vm, LIST_GPA);
}

static uint64_t done(struct minivm *vm)
{
	return *(uint64_t *)minivm_hva(vm, DONE_GPA);
}

static uint64_t *table(struct minivm *vm, int i)
{
	return minivm_hva(vm, GPAGE(i));
}

/* Update list entry @i: the entry at @ptr becomes @val. */
static void upd(struct minivm *vm, int i, uint64_t ptr, uint64_t val)
{
	list(vm)[2 * i] = ptr;
	list(vm)[2 * i + 1] = val;
}

static long mmu_update(struct minivm *vm, int n)
{
	*(uint64_t *)minivm_hva(vm, DONE_GPA) = ~0ULL;
	return ghc(vm, PVHV_HC_MMU_UPDATE, LIST_GPA, n, DONE_GPA, 0);
}

/* One mmuext operation. */
static long ext(struct minivm *vm, uint32_t cmd, uint64_t arg)
{
	struct pvhv_mmuext_op *op = minivm_hva(vm, EXT_GPA);

	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->arg = arg;
	return ghc(vm, PVHV_HC_MMUEXT_OP, EXT_GPA, 1, DONE_GPA, 0);
}

static long pin(struct minivm *vm, int level, int page)
{
	return ext(vm, PVHV_MMUEXT_PIN_L1_TABLE + level - 1, PG(page));
}

static uint64_t info(struct minivm *vm, uint64_t gfn)
{
	return ghc(vm, PVHV_HC_FRAME_INFO, gfn, 0, 0, 0);
}

static int type_of(struct minivm *vm, int page)
{
	return PVHV_FRAME_INFO_TYPE(info(vm, PG(page)));
}

static uint64_t refs_of(struct minivm *vm, int page)
{
	return PVHV_FRAME_INFO_REFS(info(vm, PG(page)));
}

static long pt_stat(struct minivm *vm, const char *what)
{
	return pvhv_sysfs_long("domains/%s/pt/%s", strrchr(vm->dir, '/') + 1,
			       what);
}

FIXTURE(pt) {
	struct minivm *vm;
};

FIXTURE_SETUP(pt)
{
	struct minivm_opts opts = { .irqchip = true };

	NEED_PVHV_SETUP();
	self->vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	ASSERT_NE(NULL, self->vm);
	minivm_set_gate(self->vm, 13, pk_gp);
}

FIXTURE_TEARDOWN(pt)
{
	minivm_destroy(self->vm);
}

TEST_F(pt, pin_validates_and_types_frames)
{
	struct minivm *vm = self->vm;
	long pinned = pvhv_sysfs_long("frames_pinned");
	long tables = pvhv_sysfs_long("pt_tables");

	table(vm, L1(0))[0] = GPAGE(DATA) | P | RW;
	table(vm, L1(0))[1] = GPAGE(DATA + 1) | P;
	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	EXPECT_EQ(PVHV_FRAME_INFO(PVHV_FRAME_L1, 1) | PVHV_FRAME_PINNED,
		  info(vm, PG(L1(0))));
	/* One writable mapping of the first frame, none of the second. */
	EXPECT_EQ(PVHV_FRAME_INFO(PVHV_FRAME_DATA, 1), info(vm, PG(DATA)));
	EXPECT_EQ(PVHV_FRAME_INFO(PVHV_FRAME_DATA, 0), info(vm, PG(DATA + 1)));
	/* The host holds the table's frame. */
	EXPECT_EQ(pinned + 1, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(tables + 1, pvhv_sysfs_long("pt_tables"));
	EXPECT_EQ(1, pt_stat(vm, "tables"));

	EXPECT_EQ(0, ext(vm, PVHV_MMUEXT_UNPIN_TABLE, PG(L1(0))));
	EXPECT_EQ(PVHV_FRAME_INFO(PVHV_FRAME_DATA, 0), info(vm, PG(L1(0))));
	EXPECT_EQ(PVHV_FRAME_INFO(PVHV_FRAME_DATA, 0), info(vm, PG(DATA)));
	EXPECT_EQ(pinned, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(tables, pvhv_sysfs_long("pt_tables"));
}

TEST_F(pt, pinning_a_top_level_table_types_the_levels_below)
{
	struct minivm *vm = self->vm;

	table(vm, L4)[0] = GPAGE(L3) | P | RW;
	table(vm, L3)[1] = GPAGE(L2) | P | RW;
	table(vm, L2)[2] = GPAGE(L1(0)) | P | RW;
	table(vm, L2)[3] = GPAGE(L1(0)) | P;	/* the same L1 twice */
	table(vm, L1(0))[4] = GPAGE(DATA) | P | RW;
	ASSERT_EQ(0, pin(vm, 4, L4));
	EXPECT_EQ(PVHV_FRAME_L3, type_of(vm, L3));
	EXPECT_EQ(PVHV_FRAME_L2, type_of(vm, L2));
	EXPECT_EQ(PVHV_FRAME_L1, type_of(vm, L1(0)));
	EXPECT_EQ(2, refs_of(vm, L1(0)));
	EXPECT_EQ(1, refs_of(vm, DATA));
	EXPECT_EQ(4, pt_stat(vm, "tables"));
	/* A table of one level cannot be pinned as another. */
	EXPECT_EQ(-PVHV_EACCES, pin(vm, 2, L3));
	EXPECT_EQ(0, ext(vm, PVHV_MMUEXT_UNPIN_TABLE, PG(L4)));
	EXPECT_EQ(PVHV_FRAME_DATA, type_of(vm, L3));
	EXPECT_EQ(PVHV_FRAME_DATA, type_of(vm, L1(0)));
	EXPECT_EQ(0, refs_of(vm, DATA));
	EXPECT_EQ(0, pt_stat(vm, "tables"));
}

TEST_F(pt, batched_updates_apply_in_order_with_accounting)
{
	struct minivm *vm = self->vm;
	uint64_t *l1 = table(vm, L1(0));
	int i;

	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	for (i = 0; i < 512; i++)
		upd(vm, i, GPAGE(L1(0)) + 8 * i,
		    GPAGE(DATA + i % 64) | P | (i % 2 ? RW : 0));
	ASSERT_EQ(0, mmu_update(vm, 512));
	EXPECT_EQ(512, done(vm));
	for (i = 0; i < 512; i++)
		ASSERT_EQ(L1E(GPAGE(DATA + i % 64) | P | (i % 2 ? RW : 0)), l1[i]);
	/* Odd frames: 8 writable entries each (i = f, f + 64, ...). */
	EXPECT_EQ(8, refs_of(vm, DATA + 1));
	EXPECT_EQ(0, refs_of(vm, DATA + 2));
	EXPECT_LE(512, pt_stat(vm, "updates"));

	for (i = 0; i < 512; i++)
		upd(vm, i, GPAGE(L1(0)) + 8 * i, 0);
	ASSERT_EQ(0, mmu_update(vm, 512));
	EXPECT_EQ(0, refs_of(vm, DATA + 1));
	EXPECT_EQ(0, l1[7]);
}

/* The bad entry in the middle of a batch: the ones before it stay. */
TEST_F(pt, a_bad_entry_stops_the_batch_where_it_is)
{
	struct minivm *vm = self->vm;
	uint64_t *l1 = table(vm, L1(0));

	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	upd(vm, 0, GPAGE(L1(0)), GPAGE(DATA) | P | RW);
	upd(vm, 1, GPAGE(L1(0)) + 8, GPAGE(DATA + 1) | P | RW);
	upd(vm, 2, GPAGE(L1(0)) + 16, GPAGE(DATA + 2) | P | (1ULL << 52));
	upd(vm, 3, GPAGE(L1(0)) + 24, GPAGE(DATA + 3) | P | RW);
	EXPECT_EQ(-PVHV_EINVAL, mmu_update(vm, 4));
	EXPECT_EQ(2, done(vm));
	EXPECT_EQ(L1E(GPAGE(DATA + 1) | P | RW), l1[1]);
	EXPECT_EQ(0, l1[2]);
	EXPECT_EQ(0, l1[3]);
	EXPECT_EQ(1, refs_of(vm, DATA + 1));
	EXPECT_EQ(0, refs_of(vm, DATA + 3));
	EXPECT_LE(1, pt_stat(vm, "updates_failed"));
}

/* Each hostile update: its error, and nothing changed. */
TEST_F(pt, hostile_updates_are_refused)
{
	struct minivm *vm = self->vm;
	struct kvm_userspace_memory_region other = {
		.slot = 1, .guest_phys_addr = 1UL << 30,
		.memory_size = 1 << 20,
	};
	uint64_t *l1 = table(vm, L1(0));
	static const struct {
		const char *what;
		int level;		/* of the table updated */
		uint64_t val;
		long err;
	} bad[] = {
		{ "a page table mapped writable", 1, GPAGE(L1(1)) | P | RW,
		  -PVHV_EACCES },
		{ "reserved bits", 1, GPAGE(DATA) | P | (1ULL << 60),
		  -PVHV_EINVAL },
		{ "a frame outside guest RAM", 1, (64ULL << 20) | P,
		  -PVHV_EFAULT },
		{ "memory that is not this domain's", 1, (1ULL << 30) | P,
		  -PVHV_EPERM },
		{ "a large page", 2, GPAGE(DATA) | P | RW | PS,
		  -PVHV_EINVAL },
		{ "a data frame mapped writable as a table", 2,
		  GPAGE(DATA) | P | RW, -PVHV_EACCES },
		{ "a table of the wrong level", 2, GPAGE(L2) | P | RW,
		  -PVHV_EACCES },
	};
	void *mem;
	int i;

	/* Memory of the VM that is not on pvhvfs, at 1 GiB. */
	mem = mmap(NULL, other.memory_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	other.userspace_addr = (uintptr_t)mem;
	ASSERT_EQ(0, ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &other));

	table(vm, L1(0))[9] = GPAGE(DATA) | P | RW;	/* DATA mapped writable */
	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	ASSERT_EQ(0, pin(vm, 1, L1(1)));
	ASSERT_EQ(0, pin(vm, 2, L2));
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		uint64_t t = GPAGE(bad[i].level == 1 ? L1(0) : L2);

		upd(vm, 0, t + 8, bad[i].val);
		EXPECT_EQ(bad[i].err, mmu_update(vm, 1)) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(0, done(vm)) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(0, *(uint64_t *)minivm_hva(vm, t + 8)) TH_LOG("%s", bad[i].what);
	}
	/* Nothing moved: the tables keep one reference, DATA one mapping. */
	EXPECT_EQ(1, refs_of(vm, L1(1)));
	EXPECT_EQ(1, refs_of(vm, DATA));
	EXPECT_EQ(L1E(GPAGE(DATA) | P | RW), l1[9]);

	/* An entry that is not in a validated table. */
	upd(vm, 0, GPAGE(DATA + 5), GPAGE(DATA) | P);
	EXPECT_EQ(-PVHV_ENOENT, mmu_update(vm, 1));
	/* Misaligned entry, empty and oversized batches, list not in RAM. */
	upd(vm, 0, GPAGE(L1(0)) + 4, 0);
	EXPECT_EQ(-PVHV_EINVAL, mmu_update(vm, 1));
	EXPECT_EQ(-PVHV_EINVAL, mmu_update(vm, 0));
	EXPECT_EQ(-PVHV_EINVAL, mmu_update(vm, PVHV_MMU_UPDATE_MAX + 1));
	EXPECT_EQ(-PVHV_EFAULT,
		  ghc(vm, PVHV_HC_MMU_UPDATE, 64ULL << 20, 1, 0, 0));
	munmap(mem, other.memory_size);
}

TEST_F(pt, hostile_operations_are_refused)
{
	struct minivm *vm = self->vm;
	struct pvhv_mmuext_op *op = minivm_hva(vm, EXT_GPA);

	table(vm, L1(0))[0] = GPAGE(DATA) | P | RW;
	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	ASSERT_EQ(0, pin(vm, 3, L3));
	/* Pinned twice; a frame mapped writable; not pinned; not a table. */
	EXPECT_EQ(-PVHV_EBUSY, pin(vm, 1, L1(0)));
	EXPECT_EQ(-PVHV_EACCES, pin(vm, 1, DATA));
	EXPECT_EQ(-PVHV_ENOENT, ext(vm, PVHV_MMUEXT_UNPIN_TABLE, PG(L2)));
	/* The base only switches to a pinned level-4 table. */
	EXPECT_EQ(-PVHV_ENOENT, ext(vm, PVHV_MMUEXT_NEW_BASEPTR, PG(DATA + 1)));
	EXPECT_EQ(-PVHV_ENOENT, ext(vm, PVHV_MMUEXT_NEW_BASEPTR, PG(L3)));
	/* A frame outside RAM as a table. */
	EXPECT_EQ(-PVHV_EFAULT,
		  ext(vm, PVHV_MMUEXT_PIN_L1_TABLE, GFN(64ULL << 20)));
	/* Unknown command, padding, non-canonical INVLPG, flush argument. */
	EXPECT_EQ(-PVHV_EINVAL, ext(vm, 99, 0));
	EXPECT_EQ(-PVHV_EINVAL, ext(vm, PVHV_MMUEXT_INVLPG_LOCAL,
				    0x0000800000000000ULL));
	EXPECT_EQ(-PVHV_EINVAL, ext(vm, PVHV_MMUEXT_TLB_FLUSH_LOCAL, 1));
	op->cmd = PVHV_MMUEXT_TLB_FLUSH_ALL;
	op->pad = 1;
	EXPECT_EQ(-PVHV_EINVAL, ghc(vm, PVHV_HC_MMUEXT_OP, EXT_GPA, 1, 0, 0));
	EXPECT_EQ(0, ext(vm, PVHV_MMUEXT_TLB_FLUSH_ALL, 0));
	EXPECT_EQ(0, ext(vm, PVHV_MMUEXT_INVLPG_LOCAL, 0x400000));
	/* Still as before. */
	EXPECT_EQ(1, refs_of(vm, L1(0)));
	EXPECT_EQ(1, refs_of(vm, DATA));
}

/* The balloon leaves a table alone (and the rest of the batch). */
TEST_F(pt, a_table_cannot_be_ballooned)
{
	struct minivm *vm = self->vm;
	uint64_t *bl = minivm_hva(vm, BLIST_GPA);

	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	bl[0] = PG(L1(0));
	EXPECT_EQ(-PVHV_EBUSY,
		  ghc(vm, PVHV_HC_MEM_DECREASE, BLIST_GPA, 1, 0, 0));
	EXPECT_EQ(PVHV_FRAME_L1, type_of(vm, L1(0)));
}

/*
 * Direct writes: the boot page tables of the mini-guest map everything
 * writable, so the guest can store into a pinned table; KVM emulates the
 * store and pvhv checks it.
 */
TEST_F(pt, direct_writes_are_checked)
{
	struct minivm *vm = self->vm;
	uint64_t *l1 = table(vm, L1(0));
	volatile uint64_t *gp = minivm_hva(vm, (uintptr_t)&pk_gp_count);
	uint64_t gp0 = *gp;

	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	ASSERT_EQ(0, pin(vm, 1, L1(1)));
	/* Legal: the accounting follows the write. */
	EXPECT_EQ(0, gdo(vm, G_WRITE, GPAGE(L1(0)) + 40,
			 GPAGE(DATA) | P | RW, 0));
	/* pvhv added the accessed and dirty bits the guest left out. */
	EXPECT_EQ(L1E(GPAGE(DATA) | P | RW), l1[5]);
	EXPECT_EQ(1, refs_of(vm, DATA));
	EXPECT_EQ(*gp, gp0);
	EXPECT_LE(1, pt_stat(vm, "direct_writes"));
	/* Illegal (a table mapped writable): undone, and the guest gets #GP. */
	EXPECT_EQ(0, gdo(vm, G_WRITE, GPAGE(L1(0)) + 48,
			 GPAGE(L1(1)) | P | RW, 0));
	EXPECT_EQ(0, l1[6]);
	EXPECT_EQ(gp0 + 1, *gp);
	EXPECT_EQ(1, refs_of(vm, L1(1)));
	EXPECT_LE(1, pt_stat(vm, "direct_undone"));
	/* Taking the legal entry away again: the count goes back. */
	EXPECT_EQ(0, gdo(vm, G_WRITE, GPAGE(L1(0)) + 40, 0, 0));
	EXPECT_EQ(0, refs_of(vm, DATA));
}

/* KVM's emulated instructions, all VMs together (debugfs); -1 if absent. */
static long kvm_emulations(void)
{
	char buf[64];

	if (read_text_file("/sys/kernel/debug/kvm/insn_emulation", buf,
			   sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * How many of 16 guest writes (of zeroes) to @page KVM emulated: all of
 * them while KVM write-tracks the page, next to none once it does not
 * (the first write may fault to make the page writable again).  Less
 * those to a page never tracked, for the exits every command makes.
 */
static long emulated_writes(struct minivm *vm, int page)
{
	long e0, e1, e2;
	int i;

	e0 = kvm_emulations();
	for (i = 0; i < 16; i++)
		gdo(vm, G_WRITE, GPAGE(page) + 64 + 8 * i, 0, 0);
	e1 = kvm_emulations();
	for (i = 0; i < 16; i++)
		gdo(vm, G_WRITE, GPAGE(DATA + 1) + 64 + 8 * i, 0, 0);
	e2 = kvm_emulations();
	return (e1 - e0) - (e2 - e1);
}

static int set_slot(struct minivm *vm, int slot, uint64_t gpa, void *hva,
		    uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

/*
 * Defect 5 of issue 17: any memslot removal used to make pvhv skip the
 * next untrack of every tracked frame, so a memslot coming and going
 * elsewhere left KVM write-tracking a table's gfn after the table was
 * gone (the guest's writes to it emulated for ever, and enough churn
 * overflowing KVM's count).  Now only the frames in the memory that
 * leaves lose their tracking, and say so in pt/track_lost.
 */
TEST_F(pt, a_removed_memslot_leaves_no_tracking_behind)
{
	struct minivm *vm = self->vm;
	void *scratch;

	if (kvm_emulations() < 0)
		SKIP(return, "no /sys/kernel/debug/kvm/insn_emulation");
	scratch = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, scratch);

	/* Tracked while typed: every direct write is emulated. */
	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	EXPECT_LE(12, emulated_writes(vm, L1(0)));
	/* A memslot elsewhere comes and goes: the table keeps its count. */
	ASSERT_EQ(0, set_slot(vm, 1, 1ULL << 32, scratch, 4096));
	ASSERT_EQ(0, set_slot(vm, 1, 1ULL << 32, scratch, 0));
	EXPECT_EQ(0, pt_stat(vm, "track_lost"));
	EXPECT_LE(12, emulated_writes(vm, L1(0)));
	/* Unpinned: the count goes, and the page is plain memory again. */
	ASSERT_EQ(0, ext(vm, PVHV_MMUEXT_UNPIN_TABLE, PG(L1(0))));
	EXPECT_GE(4, emulated_writes(vm, L1(0)));

	/* The table's own memslot goes while it is typed, and comes back. */
	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	ASSERT_EQ(0, set_slot(vm, 0, 0, vm->mem, 0));
	ASSERT_EQ(0, set_slot(vm, 0, 0, vm->mem, MINIVM_MEM_SIZE));
	EXPECT_EQ(1, pt_stat(vm, "track_lost"));
	EXPECT_EQ(PVHV_FRAME_L1, type_of(vm, L1(0)));
	/* Its count went with the slot: unpinning takes none from the new. */
	ASSERT_EQ(0, ext(vm, PVHV_MMUEXT_UNPIN_TABLE, PG(L1(0))));
	EXPECT_GE(4, emulated_writes(vm, L1(0)));
	/* And a table typed in the new slot is tracked there. */
	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	EXPECT_LE(12, emulated_writes(vm, L1(0)));
	ASSERT_EQ(0, ext(vm, PVHV_MMUEXT_UNPIN_TABLE, PG(L1(0))));
	EXPECT_GE(4, emulated_writes(vm, L1(0)));
	munmap(scratch, 4096);
}

TEST_F(pt, multicall_runs_each_call)
{
	struct minivm *vm = self->vm;
	struct pvhv_multicall *mc = minivm_hva(vm, MCALL_GPA);

	ASSERT_EQ(0, pin(vm, 1, L1(0)));
	memset(mc, 0, 3 * sizeof(*mc));
	mc[0].op = PVHV_HC_FRAME_INFO;
	mc[0].args[0] = PG(L1(0));
	mc[1].op = PVHV_HC_NULL;
	mc[2].op = PVHV_HC_MULTICALL;
	EXPECT_EQ(0, ghc(vm, PVHV_HC_MULTICALL, MCALL_GPA, 3, 0, 0));
	EXPECT_EQ((int64_t)(PVHV_FRAME_INFO(PVHV_FRAME_L1, 1) |
			    PVHV_FRAME_PINNED), mc[0].result);
	EXPECT_EQ(0, mc[1].result);
	EXPECT_EQ(-PVHV_EINVAL, mc[2].result);
	EXPECT_EQ(-PVHV_EINVAL, ghc(vm, PVHV_HC_MULTICALL, MCALL_GPA, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(vm, PVHV_HC_MULTICALL, MCALL_GPA,
				    PVHV_MULTICALL_MAX + 1, 0, 0));
}

/* A domain that goes away with pinned tables leaves nothing behind. */
/*
 * One call that types 512 tables (each entry of an L2 now names an empty
 * L1) and one that frees them again: each goes beyond the budget of
 * tables a call may do with pt->lock held, so pvhv continues it (the vCPU
 * re-enters the call for the rest), and the guest still sees one call
 * that applied all 512 and counted them in done.
 */
#define BIG_L2		320
#define BIG_L1(i)	(400 + (i))

TEST_F(pt, a_long_list_is_continued_and_applied_whole)
{
	struct minivm *vm = self->vm;
	long continued = pt_stat(vm, "continued");
	int i;

	ASSERT_EQ(0, pin(vm, 2, BIG_L2));
	for (i = 0; i < 512; i++)
		upd(vm, i, GPAGE(BIG_L2) + 8 * i, GPAGE(BIG_L1(i)) | P | RW);
	EXPECT_EQ(0, mmu_update(vm, 512));
	EXPECT_EQ(512, done(vm));
	EXPECT_LT(continued, pt_stat(vm, "continued"));
	EXPECT_EQ(PVHV_FRAME_L1, type_of(vm, BIG_L1(0)));
	EXPECT_EQ(PVHV_FRAME_L1, type_of(vm, BIG_L1(511)));
	EXPECT_EQ(513, pt_stat(vm, "tables"));

	continued = pt_stat(vm, "continued");
	for (i = 0; i < 512; i++)
		upd(vm, i, GPAGE(BIG_L2) + 8 * i, 0);
	EXPECT_EQ(0, mmu_update(vm, 512));
	EXPECT_EQ(512, done(vm));
	EXPECT_LT(continued, pt_stat(vm, "continued"));
	EXPECT_EQ(PVHV_FRAME_DATA, type_of(vm, BIG_L1(0)));
	EXPECT_EQ(1, pt_stat(vm, "tables"));
	/* The fourth argument is pvhv's, for continuing: 0 from a guest. */
	upd(vm, 0, GPAGE(BIG_L2), 0);
	EXPECT_EQ(-PVHV_EINVAL, ghc(vm, PVHV_HC_MMU_UPDATE, LIST_GPA, 1,
				    DONE_GPA, 512));
}

#define RACE_ROUNDS	3000
/* Fewer and the race proves little; a debug kernel does about 300 in 15 s. */
#define RACE_MIN	100

static void guest_reset_loop(uint64_t n)
{
	do
		GUEST_ASSERT_EQ(0, guest_hypercall(PVHV_HC_SOFT_RESET, 0, 0, 0, 0));
	while (race_round_done(n));
}

/* Pin and unpin the empty L1 table at @op's frame, with @op in the next page. */
static void guest_pin_loop(uint64_t gpa)
{
	struct pvhv_mmuext_op *op = (void *)(gpa + 4096);
	long ret;

	while (race_on()) {
		*op = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L1_TABLE, 0,
					       gpa >> 12 };
		ret = guest_hypercall(PVHV_HC_MMUEXT_OP, gpa + 4096, 1, 0, 0);
		/* Pinned; or refused while a reset is still tearing down. */
		if (ret != -PVHV_EAGAIN)
			GUEST_ASSERT_EQ(0, ret);
		*op = (struct pvhv_mmuext_op){ PVHV_MMUEXT_UNPIN_TABLE, 0,
					       gpa >> 12 };
		ret = guest_hypercall(PVHV_HC_MMUEXT_OP, gpa + 4096, 1, 0, 0);
		/* Unpinned; or a reset unpinned it first. */
		if (ret != -PVHV_ENOENT)
			GUEST_ASSERT_EQ(0, ret);
	}
}

/*
 * Two vCPUs pin tables while a third soft-resets: the write-tracking
 * notifier a pin registers must never be linked again while a reset is
 * still unlinking it.  (Teardown cleared the VM under the lock but
 * unregistered after dropping it: a pin in between re-added the same
 * list node, a loop in KVM's notifier list.)  Every counter comes back.
 */
TEST_F(pt, a_soft_reset_races_pins_on_other_vcpus)
{
	struct minivm *vm = self->vm;
	long tables = pvhv_sysfs_long("pt_tables");
	long rounds;
	int i, id[3];

	id[0] = minivm_add_vcpu(vm, guest_reset_loop, RACE_ROUNDS);
	id[1] = minivm_add_vcpu(vm, guest_pin_loop, GPAGE(L1(0)));
	id[2] = minivm_add_vcpu(vm, guest_pin_loop, GPAGE(DATA));
	for (i = 0; i < 3; i++)
		ASSERT_LT(0, id[i]);
	rounds = race_run(vm, id, 3);
	TH_LOG("%ld soft resets raced", rounds);
	EXPECT_LE(RACE_MIN, rounds);
	EXPECT_EQ(0, ghc(vm, PVHV_HC_SOFT_RESET, 0, 0, 0, 0));
	EXPECT_EQ(tables, pvhv_sysfs_long("pt_tables"));
}

TEST(teardown_with_pinned_tables)
{
	struct minivm_opts opts = { 0 };
	long pinned, tables;
	struct minivm *vm;

	NEED_PVHV();
	pinned = pvhv_sysfs_long("frames_pinned");
	tables = pvhv_sysfs_long("pt_tables");
	vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	ASSERT_NE(NULL, vm);
	table(vm, L4)[0] = GPAGE(L3) | P | RW;
	table(vm, L3)[0] = GPAGE(L2) | P | RW;
	table(vm, L2)[0] = GPAGE(L1(0)) | P | RW;
	ASSERT_EQ(0, pin(vm, 4, L4));
	ASSERT_EQ(0, pin(vm, 1, L1(1)));
	EXPECT_EQ(tables + 5, pvhv_sysfs_long("pt_tables"));
	EXPECT_EQ(pinned + 5, pvhv_sysfs_long("frames_pinned"));
	minivm_destroy(vm);
	EXPECT_EQ(tables, pvhv_sysfs_wait("pt_tables", tables));
	EXPECT_EQ(pinned, pvhv_sysfs_wait("frames_pinned", pinned));
}

TEST_HARNESS_MAIN
