// SPDX-License-Identifier: GPL-2.0
/*
 * The mini-guest library itself, on plain KVM: a VM on anonymous memory,
 * which is never a pvhv domain, so these tests run with or without pvhv
 * loaded.  They check what every other selftest relies on: the test's image
 * runs in the guest, ucalls and guest assertions come back with their line
 * and values, CPL 3 really is CPL 3, AVX can be enabled, and KVM answers its
 * own hypercalls.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <cpuid.h>
#include <linux/kvm_para.h>
#include <pvhv/pvhv.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"

#define DATA_GPA	MINIVM_DATA_GPA

/* Initialised data: the guest must see the image's values, not zeroes. */
static volatile uint64_t image_value = 41;

static void guest_image(uint64_t arg)
{
	GUEST_SYNC(image_value);
	image_value = arg;
	GUEST_SYNC(image_value);
	/* Returning ends in GUEST_DONE() (minivm.c's guest_returned). */
}

TEST(image_runs_in_guest)
{
	struct minivm_opts opts = { .anon = true };
	struct minivm *vm;

	vm = minivm_create(&opts, guest_image, 0x4242);
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(41, vm->uc.args[0]);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(0x4242, vm->uc.args[0]);
	ASSERT_EQ(UCALL_DONE, minivm_run(vm));
	/* The guest wrote its own copy of the image, not ours. */
	EXPECT_EQ(0x4242, *(uint64_t *)minivm_hva(vm, (uintptr_t)&image_value));
	EXPECT_EQ(41, image_value);
	minivm_destroy(vm);
}

static void guest_assert(uint64_t arg)
{
	GUEST_ASSERT_EQ(arg, 7);	/* holds: no report */
	GUEST_SYNC(__LINE__ + 1);
	GUEST_ASSERT_EQ(arg + 1, 7);
	GUEST_DONE();
}

/* A failed guest assertion is reported with its line and both values. */
TEST(guest_assert_reports_line_and_values)
{
	struct minivm_opts opts = { .anon = true };
	struct minivm *vm;
	uint64_t line;

	vm = minivm_create(&opts, guest_assert, 7);
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	line = vm->uc.args[0];
	ASSERT_EQ(UCALL_ASSERT, minivm_run(vm));
	EXPECT_EQ(line, vm->uc.line);
	EXPECT_EQ(8, vm->uc.args[0]);
	EXPECT_EQ(7, vm->uc.args[1]);
	EXPECT_STREQ("arg + 1 == 7", vm->uc.expr);
	minivm_destroy(vm);
}

/* Guest and host see the same RAM, both ways. */
static void guest_mem(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	int i;

	for (i = 0; i < 256; i++)
		p[i * 512] = 0xa000 + i;	/* one qword per page */
	GUEST_SYNC(0);
	for (i = 0; i < 256; i++)
		GUEST_ASSERT_EQ(p[i * 512 + 1], 0xb000 + i);
	GUEST_DONE();
}

TEST(anon_memory_both_ways)
{
	struct minivm_opts opts = { .anon = true };
	struct minivm *vm;
	uint64_t *p;
	int i;

	vm = minivm_create(&opts, guest_mem, DATA_GPA);
	ASSERT_NE(NULL, vm);
	p = minivm_hva(vm, DATA_GPA);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	for (i = 0; i < 256; i++) {
		ASSERT_EQ(0xa000 + i, p[i * 512]);
		p[i * 512 + 1] = 0xb000 + i;
	}
	EXPECT_EQ(UCALL_DONE, minivm_run(vm));
	minivm_destroy(vm);
}

#define NR_KVM_CALLS	7

/* Report the CPL, then the results of KVM's hypercalls. */
static void guest_kvm_calls(uint64_t arg)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	GUEST_SYNC(cs & 3);
	GUEST_SYNC(guest_hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0));
	GUEST_SYNC(guest_hypercall(99, 0, 0, 0, 0));
	/* No vCPU has APIC id 4096: nothing to yield to or kick. */
	GUEST_SYNC(guest_hypercall(KVM_HC_SCHED_YIELD, 4096, 0, 0, 0));
	GUEST_SYNC(guest_hypercall(KVM_HC_KICK_CPU, 0, 4096, 0, 0));
	GUEST_SYNC(guest_hypercall(PVHV_HC_NULL, 0, 0, 0, 0));
	GUEST_SYNC(guest_hypercall(PVHV_HC_VERSION, 0, 0, 0, 0));
	GUEST_DONE();
}

static void run_kvm_calls(struct __test_metadata *_metadata, bool user,
			  uint64_t *ret)
{
	struct minivm_opts opts = { .anon = true, .user = user };
	struct minivm *vm;
	int i;

	vm = minivm_create(&opts, guest_kvm_calls, 0);
	ASSERT_NE(NULL, vm);
	for (i = 0; i < NR_KVM_CALLS; i++) {
		ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
		ret[i] = vm->uc.args[0];
	}
	EXPECT_EQ(UCALL_DONE, minivm_run(vm));
	minivm_destroy(vm);
}

/*
 * In a VM that is not on pvhvfs, KVM answers everything, pvhv's numbers
 * too, with the same values whether pvhv is loaded or not (this test runs
 * in both kinds of test host).
 */
TEST(kvm_answers_in_plain_vm)
{
	uint64_t ret[NR_KVM_CALLS];

	run_kvm_calls(_metadata, false, ret);
	EXPECT_EQ(0, ret[0]);
	EXPECT_EQ(0, ret[1]);			/* VAPIC_POLL_IRQ */
	EXPECT_EQ(-KVM_ENOSYS, ret[2]);		/* 99 */
	EXPECT_EQ(0, ret[3]);			/* SCHED_YIELD */
	EXPECT_EQ(0, ret[4]);			/* KICK_CPU */
	EXPECT_EQ(-KVM_ENOSYS, ret[5]);		/* PVHV_HC_NULL */
	EXPECT_EQ(-KVM_ENOSYS, ret[6]);		/* PVHV_HC_VERSION */
}

TEST(cpl3_gets_kvm_eperm)
{
	uint64_t ret[NR_KVM_CALLS];
	int i;

	run_kvm_calls(_metadata, true, ret);
	EXPECT_EQ(3, ret[0]);
	for (i = 1; i < NR_KVM_CALLS; i++)
		EXPECT_EQ(-KVM_EPERM, ret[i]);
}

/* AVX on the host CPU and in what KVM offers guests (CPUID.1:ECX). */
static bool avx_usable(void)
{
	struct kvm_cpuid2 *cpuid;
	bool avx = false;
	int fd, i;

	if (!__builtin_cpu_supports("avx"))
		return false;
	fd = open("/dev/kvm", O_RDWR);
	if (fd < 0)
		return false;
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	cpuid->nent = 256;
	if (!ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid))
		for (i = 0; i < cpuid->nent; i++)
			if (cpuid->entries[i].function == 1)
				avx = (cpuid->entries[i].ecx & bit_AVX) &&
				      (cpuid->entries[i].ecx & bit_XSAVE);
	free(cpuid);
	close(fd);
	return avx;
}

static void guest_avx(uint64_t gpa)
{
	uint64_t src[4] = { 0x0123456789abcdef, 2, 3, 0xfedcba9876543210 };
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	GUEST_SYNC(((uint64_t)hi << 32) | lo);
	/* Unaligned, into a page neither side has touched yet. */
	__asm__ volatile("vmovdqu (%0), %%ymm1\n\t"
			 "vmovdqu %%ymm1, (%1)"
			 : : "r"(src), "r"(gpa) : "memory", "xmm1");
	GUEST_DONE();
}

TEST(avx_store_from_guest)
{
	struct minivm_opts opts = { .anon = true, .avx = true };
	struct minivm *vm;
	uint64_t *p;

	if (!avx_usable())
		SKIP(return, "no AVX on this CPU or in KVM's supported CPUID");
	vm = minivm_create(&opts, guest_avx, DATA_GPA + 0x10008);
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(0x7, vm->uc.args[0] & 0x7);	/* x87, SSE, AVX in XCR0 */
	ASSERT_EQ(UCALL_DONE, minivm_run(vm));
	p = minivm_hva(vm, DATA_GPA + 0x10008);
	EXPECT_EQ(0x0123456789abcdef, p[0]);
	EXPECT_EQ(2, p[1]);
	EXPECT_EQ(3, p[2]);
	EXPECT_EQ(0xfedcba9876543210, p[3]);
	minivm_destroy(vm);
}

/* Each vCPU adds 1 to the shared counter @arg times, atomically. */
static volatile uint64_t shared_count;

static void guest_count(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		__atomic_fetch_add(&shared_count, 1, __ATOMIC_SEQ_CST);
}

/*
 * Four vCPUs, each its own thread and stack, on one RAM: the race tests
 * of the other selftests rest on this.
 */
TEST(vcpus_run_at_once_on_shared_memory)
{
	struct minivm_opts opts = { .anon = true };
	struct minivm *vm;
	int i;

	vm = minivm_create(&opts, guest_count, 100000);
	ASSERT_NE(NULL, vm);
	for (i = 1; i < 4; i++)
		ASSERT_EQ(i, minivm_add_vcpu(vm, guest_count, 100000));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, minivm_vcpu_start(vm, i));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(UCALL_DONE, minivm_vcpu_join(vm, i));
	EXPECT_EQ(400000, *(uint64_t *)minivm_hva(vm, (uintptr_t)&shared_count));
	minivm_destroy(vm);
}

static void guest_spin_forever(uint64_t arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" : : : "memory");
}

/* A guest that never exits is still stopped: the fuzzer relies on it. */
TEST(a_spinning_vcpu_is_kicked_out)
{
	struct minivm_opts opts = { .anon = true };
	enum ucall_type type = UCALL_SYNC;
	struct minivm *vm;
	int i;

	vm = minivm_create(&opts, guest_spin_forever, 0);
	ASSERT_NE(NULL, vm);
	ASSERT_EQ(1, minivm_add_vcpu(vm, guest_count, 1000));
	ASSERT_EQ(0, minivm_vcpu_start(vm, 0));
	ASSERT_EQ(0, minivm_vcpu_start(vm, 1));
	EXPECT_EQ(UCALL_DONE, minivm_vcpu_join(vm, 1));
	usleep(100000);
	EXPECT_FALSE(minivm_vcpu_tryjoin(vm, 0, &type));
	minivm_vcpu_kick(vm, 0);
	for (i = 0; i < 500 && !minivm_vcpu_tryjoin(vm, 0, &type); i++)
		usleep(10000);
	EXPECT_GT(500, i);
	EXPECT_EQ(UCALL_NONE, type);
	minivm_destroy(vm);
}

TEST_HARNESS_MAIN
