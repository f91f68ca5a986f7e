// SPDX-License-Identifier: GPL-2.0
/*
 * pvhvfs guest memory: fault-in and read-back in both directions, AVX
 * stores, frames relocated and discarded under a running guest,
 * copy_to_user() into guest RAM, truncate, MAP_PRIVATE refused, ioctl
 * validation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <pvhv/pvhv.h>
#include <pvhv/pvhvfs.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"

static void guest_main(uint64_t arg)
{
	guest_cmd_loop(arg);
}

FIXTURE(vm) {
	struct minivm *vm;
};

FIXTURE_SETUP(vm)
{
	struct minivm_opts opts = { .avx = __builtin_cpu_supports("avx") };

	NEED_PVHV_SETUP();
	self->vm = minivm_create(&opts, guest_main, GCMD_GPA);
	ASSERT_NE(NULL, self->vm);
}

FIXTURE_TEARDOWN(vm)
{
	minivm_destroy(self->vm);
}

static long file_frames(struct minivm *vm)
{
	struct pvhv_file_info info;

	if (ioctl(vm->mem_fd, PVHV_IOC_FILE_INFO, &info))
		return -1;
	return info.frames;
}

TEST_F(vm, fault_in_and_read_back)
{
	const int n = 512;
	long before, global;
	uint64_t *p;
	int i;

	/* Fault in the command page (GCMD_GPA) first: it is not counted. */
	ASSERT_EQ(0, gdo(self->vm, G_WRITE, GCMD_GPA + 0x800, 0, 0));
	before = file_frames(self->vm);
	global = pvhv_sysfs_long("frames");

	/* The guest writes; the host reads the same frames. */
	ASSERT_EQ(0, gdo(self->vm, G_FILL, GPAGE(0), 0xabc000, n));
	for (i = 0; i < n; i++) {
		p = minivm_hva(self->vm, GPAGE(i));
		ASSERT_EQ(0xabc000 + i, *p);
	}
	/* Those pages were never touched before: one new frame each. */
	EXPECT_EQ(before + n, file_frames(self->vm));
	EXPECT_EQ(global + n, pvhv_sysfs_long("frames"));

	/* The host writes; the guest reads. */
	for (i = 0; i < n; i++) {
		p = minivm_hva(self->vm, GPAGE(i));
		*p = 0x5150000 + i;
	}
	EXPECT_EQ(0, gdo(self->vm, G_CHECK, GPAGE(0), 0x5150000, n));
	/* A wrong expectation is reported: the check can fail. */
	EXPECT_EQ(1, gdo(self->vm, G_CHECK, GPAGE(0), 0x999, n));
}

TEST_F(vm, avx_store)
{
	uint64_t *p = minivm_hva(self->vm, GPAGE(700));

	if (!__builtin_cpu_supports("avx"))
		SKIP(return, "no AVX");
	/* A fresh page: the store itself faults it in. */
	ASSERT_EQ(0, gdo(self->vm, G_AVX, GPAGE(700), 0x1122334455667788, 0));
	EXPECT_EQ(0x1122334455667788, p[0]);
	EXPECT_EQ(0x1122334455667789, p[1]);
	EXPECT_EQ(0x112233445566778b, p[3]);
}

TEST_F(vm, relocate_under_running_guest)
{
	struct pvhv_frame_op_args op = { .op = PVHV_FRAME_RELOCATE };
	uint64_t *p = minivm_hva(self->vm, GPAGE(3));
	uint64_t old_pfn, new_pfn;
	long frames;

	ASSERT_EQ(0, gdo(self->vm, G_WRITE, GPAGE(3), 0xfeedf00d, 0));
	ASSERT_EQ(0xfeedf00d, *p);
	old_pfn = host_pfn(p);
	ASSERT_NE(0, old_pfn);
	frames = file_frames(self->vm);

	op.offset = GPAGE(3);
	ASSERT_EQ(0, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(frames, file_frames(self->vm));
	/* The host sees the same data in a different page. */
	EXPECT_EQ(0xfeedf00d, *p);
	new_pfn = host_pfn(p);
	EXPECT_NE(old_pfn, new_pfn);

	/* So does the guest, and its writes land in the new page. */
	EXPECT_EQ(0xfeedf00d, gdo(self->vm, G_READ, GPAGE(3), 0, 0));
	ASSERT_EQ(0, gdo(self->vm, G_WRITE, GPAGE(3), 0xc0ffee, 0));
	EXPECT_EQ(0xc0ffee, *p);
	EXPECT_EQ(new_pfn, host_pfn(p));
}

TEST_F(vm, discard_under_running_guest)
{
	struct pvhv_frame_op_args op = { .op = PVHV_FRAME_DISCARD };
	long frames;

	ASSERT_EQ(0, gdo(self->vm, G_WRITE, GPAGE(5), 0xdeadbeef, 0));
	frames = file_frames(self->vm);
	op.offset = GPAGE(5);
	ASSERT_EQ(0, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(frames - 1, file_frames(self->vm));
	/* The guest faults in a fresh, zeroed frame. */
	EXPECT_EQ(0, gdo(self->vm, G_READ, GPAGE(5), 0, 0));
	EXPECT_EQ(frames, file_frames(self->vm));
	/* Not resident any more after a second discard: ENOENT. */
	ASSERT_EQ(0, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(-1, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(ENOENT, errno);
}

struct hammer {
	struct minivm *vm;
	uint64_t n, result;
	int done;
};

static void *hammer_vcpu(void *arg)
{
	struct hammer *h = arg;

	h->result = gdo(h->vm, G_HAMMER, GPAGE(20), 0, h->n);
	__atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The guest writes and reads back a page millions of times while the host
 * moves that page again and again: no write may be lost and the guest must
 * never see a stale frame.
 */
TEST_F(vm, relocate_races_guest_writes)
{
	struct pvhv_frame_op_args op = {
		.op = PVHV_FRAME_RELOCATE, .offset = GPAGE(20),
	};
	struct hammer h = { .vm = self->vm, .n = 3000000 };
	uint64_t *p = minivm_hva(self->vm, GPAGE(20)), *fresh;
	int moves = 0;
	pthread_t t;

	ASSERT_EQ(0, gdo(self->vm, G_WRITE, GPAGE(20), 0, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, hammer_vcpu, &h));
	while (!__atomic_load_n(&h.done, __ATOMIC_ACQUIRE)) {
		ASSERT_EQ(0, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
		moves++;
	}
	pthread_join(t, NULL);
	TH_LOG("%d relocations while the guest ran", moves);
	EXPECT_EQ(0, h.result);
	EXPECT_EQ(h.n, *p);
	EXPECT_LT(10, moves);
	/*
	 * A new mapping faults in whatever the P2M holds now: a stale
	 * mapping left behind by a relocation would show another value.
	 */
	fresh = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->vm->mem_fd,
		     GPAGE(20));
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_EQ(h.n, *fresh);
	munmap(fresh, 4096);
}

TEST_F(vm, frame_op_validation)
{
	struct pvhv_frame_op_args op = { .op = PVHV_FRAME_RELOCATE };

	op.offset = GPAGE(0) + 8;	/* unaligned */
	EXPECT_EQ(-1, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	op.offset = MINIVM_MEM_SIZE;	/* beyond EOF */
	EXPECT_EQ(-1, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	op.offset = GPAGE(0);
	op.flags = 1;
	EXPECT_EQ(-1, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	op.flags = 0;
	op.op = 99;
	EXPECT_EQ(-1, ioctl(self->vm->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm->mem_fd, _IO(PVHV_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
}

/* read() into guest RAM is copy_to_user(), the path vhost-net uses. */
TEST_F(vm, copy_to_user_into_guest_ram)
{
	uint64_t vals[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	int pfd[2];

	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(sizeof(vals), write(pfd[1], vals, sizeof(vals)));
	/* The page has never been touched: the copy faults it in. */
	ASSERT_EQ(sizeof(vals),
		  read(pfd[0], minivm_hva(self->vm, GPAGE(900)), sizeof(vals)));
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_EQ(0x1111, gdo(self->vm, G_READ, GPAGE(900), 0, 0));
	EXPECT_EQ(0x4444, gdo(self->vm, G_READ, GPAGE(900) + 24, 0, 0));
}

TEST_F(vm, truncate_frees_frames)
{
	long frames, global;

	ASSERT_EQ(0, gdo(self->vm, G_FILL, GPAGE(1000), 1, 64));
	frames = file_frames(self->vm);
	global = pvhv_sysfs_long("frames");
	/* Cut off the last 64 + 1000 ... pages: everything from GPAGE(1000). */
	ASSERT_EQ(0, ftruncate(self->vm->mem_fd, GPAGE(1000)));
	EXPECT_EQ(frames - 64, file_frames(self->vm));
	EXPECT_EQ(global - 64, pvhv_sysfs_long("frames"));
	ASSERT_EQ(0, ftruncate(self->vm->mem_fd, MINIVM_MEM_SIZE));
	/* Back as zeroes. */
	EXPECT_EQ(0, gdo(self->vm, G_READ, GPAGE(1000), 0, 0));
}

TEST(map_private_refused)
{
	char dir[300], path[320];
	const char *mnt = minivm_pvhv_mnt();
	void *p;
	int fd;

	if (!mnt)
		SKIP(return, "pvhv not loaded ($PVHV_MNT unset)");
	snprintf(dir, sizeof(dir), "%s/private-%d", mnt, getpid());
	snprintf(path, sizeof(path), "%s/ram", dir);
	ASSERT_EQ(0, mkdir(dir, 0700));
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 1 << 20));
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_NE(MAP_FAILED, p);
	munmap(p, 1 << 20);
	close(fd);
	unlink(path);
	rmdir(dir);
}

TEST_HARNESS_MAIN
