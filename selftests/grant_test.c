// SPDX-License-Identifier: GPL-2.0
/*
 * Grant tables between two PV mini-guests: registration, grant copy in
 * both directions, grants mapped into the grantee's guest-physical space,
 * read-only grants, end of access, every validation error, pinned table
 * frames, page tables never writable through a grant, and teardown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <pvhv/pvhv.h>
#include <pvhv/pvhvfs.h>
#include <pvhv/grant.h>
#include <pvhv/balloon.h>
#include <pvhv/mmu.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"

#define LIST_GPA	GPAGE(0)	/* frame list for gnttab_setup */
#define TABLE_GPA	GPAGE(1)	/* the grant table frame */
#define OPS_GPA		GPAGE(2)	/* gnttab_copy operations */
#define SRC_GPA		GPAGE(3)	/* a frame A grants */
#define DST_GPA		GPAGE(4)	/* a frame of B's own */
#define MAP_GPA		GPAGE(6)	/* where B maps A's frame */

#define GFN(gpa)	((gpa) >> 12)

static struct minivm *new_vm(const char *tag)
{
	struct minivm_opts opts = { 0 };
	char name[64];

	snprintf(name, sizeof(name), "gt%s-%d", tag, getpid());
	opts.domain = name;
	return minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
}

static long gt_stat(struct minivm *vm, const char *what)
{
	return pvhv_sysfs_long("domains/%s/grants/%s", strrchr(vm->dir, '/') + 1,
			       what);
}

static long setup_table(struct minivm *vm, uint64_t table_gpa)
{
	*(uint64_t *)minivm_hva(vm, LIST_GPA) = GFN(table_gpa);
	return ghc(vm, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 1, 0, 0);
}

static struct pvhv_grant_entry *entry(struct minivm *vm, int ref)
{
	return (struct pvhv_grant_entry *)minivm_hva(vm, TABLE_GPA) + ref;
}

/* What the guest does to grant a frame: gfn and domid, then flags. */
static void grant(struct minivm *vm, int ref, uint32_t domid, uint64_t gpa,
		  uint16_t flags)
{
	entry(vm, ref)->gfn = GFN(gpa);
	entry(vm, ref)->domid = domid;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	entry(vm, ref)->flags = flags;
}

FIXTURE(pair) {
	struct minivm *a, *b;
	long ida, idb;
};

FIXTURE_SETUP(pair)
{
	NEED_PVHV_SETUP();
	self->a = new_vm("A");
	self->b = new_vm("B");
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	self->ida = ghc(self->a, PVHV_HC_DOMID, 0, 0, 0, 0);
	self->idb = ghc(self->b, PVHV_HC_DOMID, 0, 0, 0, 0);
	ASSERT_EQ(PVHV_GRANTS_PER_FRAME, setup_table(self->a, TABLE_GPA));
}

FIXTURE_TEARDOWN(pair)
{
	minivm_destroy(self->a);
	minivm_destroy(self->b);
}

/* B runs one copy operation; returns the hypercall's result. */
static long copy1(struct minivm *b, const struct pvhv_gnttab_copy *op,
		  int32_t *status)
{
	struct pvhv_gnttab_copy *ops = minivm_hva(b, OPS_GPA);
	long ret;

	ops[0] = *op;
	ops[0].status = 12345;
	ret = ghc(b, PVHV_HC_GNTTAB_COPY, OPS_GPA, 1, 0, 0);
	*status = ops[0].status;
	return ret;
}

/* B reads A's granted frame @ref into its own DST_GPA. */
static struct pvhv_gnttab_copy read_op(long ida, int ref, uint16_t len)
{
	return (struct pvhv_gnttab_copy){
		.src = { .ref_or_gfn = ref, .domid = ida },
		.dst = { .ref_or_gfn = GFN(DST_GPA) },
		.len = len,
		.flags = PVHV_GNTCOPY_SRC_GREF,
	};
}

TEST_F(pair, copy_from_and_to_a_grant)
{
	struct pvhv_gnttab_copy op;
	int32_t st;

	memset(minivm_hva(self->a, SRC_GPA), 0xa5, 4096);
	grant(self->a, 3, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);

	/* Read: A's bytes land in B's frame, and nothing else moved. */
	op = read_op(self->ida, 3, 4096);
	EXPECT_EQ(0, copy1(self->b, &op, &st));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, memcmp(minivm_hva(self->a, SRC_GPA),
			    minivm_hva(self->b, DST_GPA), 4096));

	/* Write into the grant, with offsets on both sides. */
	memset(minivm_hva(self->b, DST_GPA), 0x3c, 4096);
	op = (struct pvhv_gnttab_copy){
		.src = { .ref_or_gfn = GFN(DST_GPA), .offset = 100 },
		.dst = { .ref_or_gfn = 3, .domid = self->ida, .offset = 2000 },
		.len = 96,
		.flags = PVHV_GNTCOPY_DST_GREF,
	};
	EXPECT_EQ(0, copy1(self->b, &op, &st));
	EXPECT_EQ(0, st);
	EXPECT_EQ(0xa5, ((uint8_t *)minivm_hva(self->a, SRC_GPA))[1999]);
	EXPECT_EQ(0x3c, ((uint8_t *)minivm_hva(self->a, SRC_GPA))[2000]);
	EXPECT_EQ(0x3c, ((uint8_t *)minivm_hva(self->a, SRC_GPA))[2095]);
	EXPECT_EQ(0xa5, ((uint8_t *)minivm_hva(self->a, SRC_GPA))[2096]);
	EXPECT_EQ(2, gt_stat(self->a, "maps"));
	/* Copies map only for their duration. */
	EXPECT_EQ(0, gt_stat(self->a, "mapped"));
}

TEST_F(pair, read_only_grant)
{
	struct pvhv_gnttab_copy op;
	int32_t st;

	grant(self->a, 4, self->idb, SRC_GPA,
	      PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
	op = read_op(self->ida, 4, 64);
	EXPECT_EQ(0, copy1(self->b, &op, &st));
	EXPECT_EQ(0, st);
	memset(minivm_hva(self->a, SRC_GPA), 0x11, 64);
	op = (struct pvhv_gnttab_copy){
		.src = { .ref_or_gfn = GFN(DST_GPA) },
		.dst = { .ref_or_gfn = 4, .domid = self->ida },
		.len = 64,
		.flags = PVHV_GNTCOPY_DST_GREF,
	};
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EACCES, st);
	EXPECT_EQ(0x11, ((uint8_t *)minivm_hva(self->a, SRC_GPA))[0]);
}

TEST_F(pair, entry_validation)
{
	struct pvhv_gnttab_copy op;
	int32_t st;

	/* Not granted at all, granted to someone else, garbage entries. */
	op = read_op(self->ida, 5, 8);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EPERM, st);
	grant(self->a, 5, self->ida, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EPERM, st);
	grant(self->a, 5, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS | 0x80);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);
	grant(self->a, 5, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	entry(self->a, 5)->pad = 1;
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);
	entry(self->a, 5)->pad = 0;
	/* A frame outside the granter's memory. */
	grant(self->a, 5, self->idb, 1UL << 40, PVHV_GTF_PERMIT_ACCESS);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EFAULT, st);
	grant(self->a, 5, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	EXPECT_EQ(0, copy1(self->b, &op, &st));

	/* References out of the table, unknown or table-less granters. */
	op = read_op(self->ida, PVHV_GRANTS_PER_FRAME, 8);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);
	op = read_op(1UL << 31, 5, 8);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_ESRCH, st);
	op = read_op(self->idb, 5, 8);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_ENODEV, st);
}

TEST_F(pair, copy_op_validation)
{
	struct pvhv_gnttab_copy op, *ops = minivm_hva(self->b, OPS_GPA);
	int32_t st;

	grant(self->a, 6, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	op = read_op(self->ida, 6, 0);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);			/* len 0 */
	op = read_op(self->ida, 6, 4097);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);			/* len > page */
	op = read_op(self->ida, 6, 4000);
	op.src.offset = 200;
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);			/* crosses the frame */
	op = read_op(self->ida, 6, 8);
	op.flags |= 0x100;
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);			/* unknown flag */
	op = read_op(self->ida, 6, 8);
	op.dst.pad = 1;
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EINVAL, st);
	op = read_op(self->ida, 6, 8);
	op.dst.ref_or_gfn = 1UL << 40;			/* own memory, absent */
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EFAULT, st);

	/* The batch itself. */
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_COPY, OPS_GPA, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_COPY, OPS_GPA,
				    PVHV_GNTTAB_COPY_MAX + 1, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_COPY, OPS_GPA + 4080, 2, 0, 0));
	EXPECT_EQ(-PVHV_EFAULT, ghc(self->b, PVHV_HC_GNTTAB_COPY, 1UL << 40, 1, 0, 0));

	/* A batch with good and bad operations: each gets its own status. */
	ops[0] = read_op(self->ida, 6, 8);
	ops[1] = read_op(self->ida, 7, 8);
	ops[2] = read_op(self->ida, 6, 16);
	EXPECT_EQ(1, ghc(self->b, PVHV_HC_GNTTAB_COPY, OPS_GPA, 3, 0, 0));
	EXPECT_EQ(0, ops[0].status);
	EXPECT_EQ(-PVHV_EPERM, ops[1].status);
	EXPECT_EQ(0, ops[2].status);
}

TEST_F(pair, end_access)
{
	struct pvhv_gnttab_copy op;
	int32_t st;

	grant(self->a, 9, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS, 9, 0, 0, 0));
	EXPECT_EQ(0, entry(self->a, 9)->flags);
	op = read_op(self->ida, 9, 8);
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EPERM, st);
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS,
				    PVHV_GRANTS_PER_FRAME, 0, 0, 0));
	EXPECT_EQ(-PVHV_ENODEV, ghc(self->b, PVHV_HC_GNTTAB_END_ACCESS, 0, 0, 0, 0));
}

TEST_F(pair, setup_validation)
{
	uint64_t *list = minivm_hva(self->b, LIST_GPA);
	struct pvhv_frame_op_args fop = { .offset = TABLE_GPA,
				     .op = PVHV_FRAME_RELOCATE };

	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_SETUP, LIST_GPA,
				    PVHV_GNTTAB_MAX_FRAMES + 1, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_SETUP, LIST_GPA + 4088, 2, 0, 0));
	EXPECT_EQ(-PVHV_EFAULT, ghc(self->b, PVHV_HC_GNTTAB_SETUP, 1UL << 40, 1, 0, 0));
	list[0] = GFN(TABLE_GPA);
	list[1] = 1UL << 30;				/* not in memory */
	EXPECT_EQ(-PVHV_EFAULT, ghc(self->b, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 2, 0, 0));
	EXPECT_EQ(0, gt_stat(self->b, "nr_entries"));

	/* Two frames: twice the entries; the table frames are pinned. */
	list[1] = GFN(TABLE_GPA) + 1;
	EXPECT_EQ(2 * PVHV_GRANTS_PER_FRAME,
		  ghc(self->b, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 2, 0, 0));
	EXPECT_EQ(-1, ioctl(self->b->mem_fd, PVHV_IOC_FRAME_OP, &fop));
	EXPECT_EQ(EBUSY, errno);
	/* Replaced by a one-frame table: the old frames are free again. */
	EXPECT_EQ(PVHV_GRANTS_PER_FRAME, setup_table(self->b, GPAGE(5)));
	EXPECT_EQ(0, gdo(self->b, G_WRITE, TABLE_GPA, 1, 0));
	EXPECT_EQ(0, ioctl(self->b->mem_fd, PVHV_IOC_FRAME_OP, &fop));
}

static long map_gfn(struct minivm *vm, long domid, long ref, uint64_t gpa)
{
	return ghc(vm, PVHV_HC_GNTTAB_MAP_GFN, domid, ref, gpa, 0);
}

/*
 * B maps A's frame at MAP_GPA: both guests see each other's stores through
 * their own stage-2 tables, and B's own frame comes back on unmap.
 */
TEST_F(pair, map_into_guest_physical_space)
{
	long pinned0 = pvhv_sysfs_long("frames_pinned");

	EXPECT_EQ(0, gdo(self->b, G_WRITE, MAP_GPA, 0xb0b0, 0));
	EXPECT_EQ(0, gdo(self->a, G_WRITE, SRC_GPA, 0xa0a0, 0));
	grant(self->a, 5, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	ASSERT_EQ(0, map_gfn(self->b, self->ida, 5, MAP_GPA));
	EXPECT_EQ(1, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(pinned0 + 1, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(1, gt_stat(self->a, "mapped"));

	EXPECT_EQ(0xa0a0, gdo(self->b, G_READ, MAP_GPA, 0, 0));
	EXPECT_EQ(0, gdo(self->b, G_WRITE, MAP_GPA + 8, 0xb1b1, 0));
	EXPECT_EQ(0xb1b1, gdo(self->a, G_READ, SRC_GPA + 8, 0, 0));
	EXPECT_EQ(0, gdo(self->a, G_WRITE, SRC_GPA + 16, 0xa1a1, 0));
	EXPECT_EQ(0xa1a1, gdo(self->b, G_READ, MAP_GPA + 16, 0, 0));
	/* B's VMM sees A's frame there too. */
	EXPECT_EQ(0xa0a0, *(uint64_t *)minivm_hva(self->b, MAP_GPA));

	/* Mapped: A cannot take the grant back, B cannot stack mappings. */
	EXPECT_EQ(-PVHV_EBUSY, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS, 5, 0, 0, 0));
	EXPECT_EQ(-PVHV_EBUSY, map_gfn(self->b, self->ida, 5, MAP_GPA));
	/* ... nor make it a grant table or hand it on to a backend. */
	EXPECT_EQ(-PVHV_EPERM, setup_table(self->b, MAP_GPA));

	EXPECT_EQ(0, ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA, 0, 0, 0));
	EXPECT_EQ(0xb0b0, gdo(self->b, G_READ, MAP_GPA, 0, 0));
	EXPECT_EQ(0xa0a0, gdo(self->a, G_READ, SRC_GPA, 0, 0));
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(pinned0, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(-PVHV_ENOENT,
		  ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA, 0, 0, 0));
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS, 5, 0, 0, 0));
}

/*
 * A mapped grant cannot be ballooned by its granter (-EBUSY), nor by the
 * grantee that holds it in its guest-physical space (-EPERM); once
 * unmapped, it can.
 */
TEST_F(pair, mapped_grant_is_not_ballooned)
{
	uint64_t *list_a = minivm_hva(self->a, LIST_GPA);
	uint64_t *list_b = minivm_hva(self->b, LIST_GPA);

	grant(self->a, 7, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	ASSERT_EQ(0, map_gfn(self->b, self->ida, 7, MAP_GPA));
	*list_a = GFN(SRC_GPA);
	*list_b = GFN(MAP_GPA);
	EXPECT_EQ(-PVHV_EBUSY, ghc(self->a, PVHV_HC_MEM_DECREASE, LIST_GPA, 1, 0, 0));
	EXPECT_EQ(-PVHV_EPERM, ghc(self->b, PVHV_HC_MEM_DECREASE, LIST_GPA, 1, 0, 0));
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA, 0, 0, 0));
	EXPECT_EQ(1, ghc(self->a, PVHV_HC_MEM_DECREASE, LIST_GPA, 1, 0, 0));
	EXPECT_EQ(1, ghc(self->b, PVHV_HC_MEM_DECREASE, LIST_GPA, 1, 0, 0));
	EXPECT_EQ(1, ghc(self->a, PVHV_HC_MEM_POPULATE, LIST_GPA, 1, 0, 0));
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS, 7, 0, 0, 0));
}

/* A's mmuext operation @cmd on its frame at @gpa (ops at OPS_GPA). */
static long mmuext(struct minivm *vm, uint32_t cmd, uint64_t gpa)
{
	struct pvhv_mmuext_op *op = minivm_hva(vm, OPS_GPA);

	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->arg = GFN(gpa);
	return ghc(vm, PVHV_HC_MMUEXT_OP, OPS_GPA, 1, 0, 0);
}

/*
 * A frame that is a page table is never also writable through a grant
 * (Xen's type rule): B can neither copy into it nor map it, though it can
 * read it.  Back to data, B maps it, and while B has it mapped A cannot
 * make it a table again.
 */
TEST_F(pair, a_page_table_is_never_writable_through_a_grant)
{
	uint64_t *table = minivm_hva(self->a, SRC_GPA);
	struct pvhv_gnttab_copy op = {
		.src = { .ref_or_gfn = GFN(DST_GPA) },
		.dst = { .ref_or_gfn = 3, .domid = self->ida },
		.len = 8,
		.flags = PVHV_GNTCOPY_DST_GREF,
	};
	int32_t st;

	memset(table, 0, 4096);			/* an empty level-1 table */
	grant(self->a, 3, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	ASSERT_EQ(0, mmuext(self->a, PVHV_MMUEXT_PIN_L1_TABLE, SRC_GPA));

	/* B's entry would map any frame of A's, writable. */
	*(uint64_t *)minivm_hva(self->b, DST_GPA) = GPAGE(8) | 3;
	EXPECT_EQ(1, copy1(self->b, &op, &st));
	EXPECT_EQ(-PVHV_EACCES, st);
	EXPECT_EQ(0, table[0]);
	EXPECT_EQ(-PVHV_EACCES, map_gfn(self->b, self->ida, 3, MAP_GPA));
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	op = read_op(self->ida, 3, 8);
	EXPECT_EQ(0, copy1(self->b, &op, &st));
	EXPECT_EQ(0, st);

	EXPECT_EQ(0, mmuext(self->a, PVHV_MMUEXT_UNPIN_TABLE, SRC_GPA));
	ASSERT_EQ(0, map_gfn(self->b, self->ida, 3, MAP_GPA));
	EXPECT_EQ(-PVHV_EACCES,
		  mmuext(self->a, PVHV_MMUEXT_PIN_L1_TABLE, SRC_GPA));
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA, 0, 0, 0));
	EXPECT_EQ(0, mmuext(self->a, PVHV_MMUEXT_PIN_L1_TABLE, SRC_GPA));
	EXPECT_EQ(0, mmuext(self->a, PVHV_MMUEXT_UNPIN_TABLE, SRC_GPA));
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS, 3, 0, 0, 0));
}

TEST_F(pair, map_gfn_validation)
{
	long pinned0 = pvhv_sysfs_long("frames_pinned");

	grant(self->a, 6, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	grant(self->a, 7, self->idb, SRC_GPA,
	      PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
	grant(self->a, 8, self->ida, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	EXPECT_EQ(-PVHV_EINVAL, map_gfn(self->b, self->ida, 6, MAP_GPA + 8));
	EXPECT_EQ(-PVHV_EINVAL, ghc(self->b, PVHV_HC_GNTTAB_MAP_GFN, self->ida,
				    6, MAP_GPA, 1));
	EXPECT_EQ(-PVHV_EINVAL, map_gfn(self->b, self->idb, 6, MAP_GPA));
	EXPECT_EQ(-PVHV_ESRCH, map_gfn(self->b, 1000000, 6, MAP_GPA));
	EXPECT_EQ(-PVHV_ESRCH, map_gfn(self->b, PVHV_DOMID_HOST, 6, MAP_GPA));
	EXPECT_EQ(-PVHV_EINVAL, map_gfn(self->b, self->ida,
					PVHV_GRANTS_PER_FRAME, MAP_GPA));
	EXPECT_EQ(-PVHV_EPERM, map_gfn(self->b, self->ida, 8, MAP_GPA));
	EXPECT_EQ(-PVHV_EPERM, map_gfn(self->b, self->ida, 9, MAP_GPA));
	EXPECT_EQ(-PVHV_EACCES, map_gfn(self->b, self->ida, 7, MAP_GPA));
	EXPECT_EQ(-PVHV_EFAULT, map_gfn(self->b, self->ida, 6, 1UL << 40));
	/* B's own grant table frame is pinned: it cannot be replaced. */
	ASSERT_EQ(PVHV_GRANTS_PER_FRAME, setup_table(self->b, TABLE_GPA));
	EXPECT_EQ(-PVHV_EBUSY, map_gfn(self->b, self->ida, 6, TABLE_GPA));
	EXPECT_EQ(-PVHV_EINVAL,
		  ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA + 1, 0, 0, 0));
	EXPECT_EQ(-PVHV_ENOENT,
		  ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA, 0, 0, 0));
	/* Nothing half done: only B's table frame is new. */
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(pinned0 + 1, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(0, gt_stat(self->a, "mapped"));
}

/* Wait for every host hold to go, as after a guest's end. */
static int wait_released(long pinned0)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!pvhv_sysfs_long("grants_mapped") &&
		    pvhv_sysfs_long("frames_pinned") == pinned0)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* The grantee goes with a mapping: the granter gets its grant back. */
TEST_F(pair, grantee_dies_while_mapped)
{
	long pinned0 = pvhv_sysfs_long("frames_pinned");

	grant(self->a, 5, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	ASSERT_EQ(0, map_gfn(self->b, self->ida, 5, MAP_GPA));
	EXPECT_EQ(0, gdo(self->b, G_WRITE, MAP_GPA, 0x5151, 0));
	minivm_destroy(self->b);
	self->b = NULL;
	EXPECT_EQ(0, wait_released(pinned0));
	EXPECT_EQ(0x5151, gdo(self->a, G_READ, SRC_GPA, 0, 0));
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_GNTTAB_END_ACCESS, 5, 0, 0, 0));
}

/*
 * The granter goes first: as in Xen, the grantee keeps the frame until it
 * unmaps it; then nothing is left.  A soft reset of the grantee unmaps too.
 */
TEST_F(pair, granter_dies_while_mapped)
{
	long pinned0 = pvhv_sysfs_long("frames_pinned");

	EXPECT_EQ(0, gdo(self->a, G_WRITE, SRC_GPA, 0x6161, 0));
	grant(self->a, 5, self->idb, SRC_GPA, PVHV_GTF_PERMIT_ACCESS);
	ASSERT_EQ(0, map_gfn(self->b, self->ida, 5, MAP_GPA));
	pinned0 -= 1;	/* A's grant table frame goes with A */
	minivm_destroy(self->a);
	self->a = NULL;
	usleep(100000);
	EXPECT_EQ(0x6161, gdo(self->b, G_READ, MAP_GPA, 0, 0));
	EXPECT_EQ(1, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_SOFT_RESET, 0, 0, 0, 0));
	EXPECT_EQ(0, wait_released(pinned0));
	EXPECT_EQ(-PVHV_ENOENT,
		  ghc(self->b, PVHV_HC_GNTTAB_UNMAP_GFN, MAP_GPA, 0, 0, 0));
}

/* A guest cannot make pvhv hold more than PVHV_GNTTAB_MAX_GFN_MAPS. */
TEST_F(pair, map_gfn_limit)
{
	uint64_t *list = minivm_hva(self->a, LIST_GPA);
	struct pvhv_grant_entry *e = minivm_hva(self->a, GPAGE(10));
	long pinned0 = pvhv_sysfs_long("frames_pinned");
	int i, n = PVHV_GNTTAB_MAX_GFN_MAPS + 1, frames = 5;

	/* A: a 5-frame table granting SRC_GPA to B n times. */
	ASSERT_LE(n, frames * (int)PVHV_GRANTS_PER_FRAME);
	for (i = 0; i < frames; i++)
		list[i] = GFN(GPAGE(10 + i));
	memset(e, 0, frames * 4096);
	ASSERT_EQ(frames * PVHV_GRANTS_PER_FRAME,
		  ghc(self->a, PVHV_HC_GNTTAB_SETUP, LIST_GPA, frames, 0, 0));
	pinned0 += frames - 1;	/* the fixture's one-frame table is replaced */
	for (i = 0; i < n; i++) {
		e[i].gfn = GFN(SRC_GPA);
		e[i].domid = self->idb;
		e[i].flags = PVHV_GTF_PERMIT_ACCESS;
	}
	for (i = 0; i < n - 1; i++)
		if (map_gfn(self->b, self->ida, i, GPAGE(16 + i)))
			break;
	EXPECT_EQ(n - 1, i);
	EXPECT_EQ(-PVHV_ENOSPC, map_gfn(self->b, self->ida, n - 1,
					GPAGE(16 + n - 1)));
	EXPECT_EQ(n - 1, pvhv_sysfs_long("grants_mapped"));
	/* All of them go with B. */
	minivm_destroy(self->b);
	self->b = NULL;
	EXPECT_EQ(0, wait_released(pinned0));
}

TEST(teardown_unpins_tables)
{
	struct minivm *vm;
	long pinned0;
	int i;

	NEED_PVHV();
	pinned0 = pvhv_sysfs_long("frames_pinned");
	vm = new_vm("T");
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(PVHV_GRANTS_PER_FRAME, setup_table(vm, TABLE_GPA));
	EXPECT_EQ(pinned0 + 1, pvhv_sysfs_long("frames_pinned"));
	minivm_destroy(vm);
	for (i = 0; i < 500 && pvhv_sysfs_long("frames_pinned") != pinned0; i++)
		usleep(10000);
	EXPECT_EQ(pinned0, pvhv_sysfs_long("frames_pinned"));
	EXPECT_EQ(0, pvhv_sysfs_long("grants_mapped"));
}

TEST_HARNESS_MAIN
