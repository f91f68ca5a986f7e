/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minivm: PV mini-guests for pvhv's selftests.
 *
 * A mini-guest is a KVM VM with one vCPU in 64-bit mode whose RAM (GPA 0 up)
 * is a pvhvfs file, or anonymous memory for the "not a pvhv domain" cases.
 * The test program's own ELF image is loaded into guest RAM at its link
 * addresses and identity mapped, so guest code is ordinary C in the test
 * (built -no-pie, see selftests/Makefile).  Guest code must not call libc.
 *
 * Guest -> test reporting ("ucall") is an OUT to UCALL_PORT with RDI
 * pointing at a struct ucall in guest memory.
 */
#ifndef _PVHV_MINIVM_H
#define _PVHV_MINIVM_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include <linux/kvm.h>

#define MINIVM_MEM_SIZE		(16UL << 20)
/* Guest-physical scratch area for tests, above the ELF image. */
#define MINIVM_DATA_GPA		(8UL << 20)
#define MINIVM_DATA_SIZE	(4UL << 20)

#define UCALL_PORT		0x5555

enum ucall_type { UCALL_NONE, UCALL_SYNC, UCALL_DONE, UCALL_ASSERT };

struct ucall {
	uint64_t type;
	uint64_t args[4];
	const char *expr;
	uint64_t line;
};

struct minivm_opts {
	bool anon;		/* anonymous RAM: not a pvhv domain */
	bool mergeable;		/* anon: private and MADV_MERGEABLE (Linux KSM) */
	bool user;		/* run the guest at CPL 3 */
	bool avx;		/* enable AVX in the guest */
	const char *domain;	/* pvhvfs directory name (default: "minivm-<pid>") */
	bool irqchip;		/* KVM's local APIC, a GDT and an IDT (CPL 0) */
};

/*
 * With opts.irqchip, every vector 32..255 runs a stub that counts in
 * minivm_irqs[vector] and signals EOI; guest_enable_interrupts() turns on
 * the x2APIC and sets IF.
 */
extern volatile uint64_t minivm_irqs[256];
void guest_enable_interrupts(void);
/* Point the minivm IDT's gate @vector at @handler (opts.irqchip). */
struct minivm;
void minivm_set_gate(struct minivm *vm, int vector, void (*handler)(void));

/*
 * vCPUs beyond the first, for tests that race hypercalls against each
 * other: each has its own stack and entry function, all share guest RAM,
 * page tables, GDT and IDT.  Each is run by one thread of the test.
 */
#define MINIVM_MAX_VCPUS	8

struct minivm_vcpu {
	int fd;
	struct kvm_run *run;
	struct ucall uc;		/* its last ucall, copied out */
	pthread_t thread;		/* minivm_vcpu_start() */
	struct minivm *vm;
	int index;
};

struct minivm {
	int kvm_fd, vm_fd, vcpu_fd, mem_fd;
	struct kvm_run *run;
	int run_size;
	uint8_t *mem;			/* host mapping of guest RAM */
	char dir[256], path[300];	/* pvhvfs directory and file */
	bool vendor_amd;
	struct ucall uc;		/* vCPU 0's last ucall, copied out */
	struct minivm_opts opts;
	int nr_vcpus;			/* vCPU 0 and those in ap[] */
	/* vCPUs 1 up; of ap[0], only what minivm_vcpu_start() uses */
	struct minivm_vcpu ap[MINIVM_MAX_VCPUS];
};

/* Create a VM that will start at @guest_fn(arg). NULL (with errno) on error. */
struct minivm *minivm_create(const struct minivm_opts *opts,
			     void (*guest_fn)(uint64_t), uint64_t arg);
/* Run until the next ucall; returns its type, UCALL_NONE on other exits. */
enum ucall_type minivm_run(struct minivm *vm);
/*
 * Add a vCPU that starts at @guest_fn(arg): its index (1 up), or -1 with
 * errno.  Call before any vCPU runs.
 */
int minivm_add_vcpu(struct minivm *vm, void (*guest_fn)(uint64_t),
		    uint64_t arg);
/* minivm_run() for vCPU @i (0 is the first); its ucall in *@uc. */
enum ucall_type minivm_run_vcpu(struct minivm *vm, int i, struct ucall *uc);
/*
 * Run vCPU @i (0 too) in a thread of its own until it reports DONE or
 * ASSERT or fails (SYNCs are passed over): 0, or an errno.
 * minivm_vcpu_join() waits for it and returns its last ucall type.
 */
int minivm_vcpu_start(struct minivm *vm, int i);
enum ucall_type minivm_vcpu_join(struct minivm *vm, int i);
/*
 * Stop started vCPU @i wherever its guest is (a guest spinning in a loop
 * of its own never exits): KVM_RUN returns at once, and the thread ends
 * with UCALL_NONE.  A thread that still runs after this is stuck in the
 * host.
 */
void minivm_vcpu_kick(struct minivm *vm, int i);
/* Join vCPU @i if its thread has ended: true, with its last ucall type. */
bool minivm_vcpu_tryjoin(struct minivm *vm, int i, enum ucall_type *type);
void minivm_destroy(struct minivm *vm);

static inline void *minivm_hva(struct minivm *vm, uint64_t gpa)
{
	return vm->mem + gpa;
}

/* Interrupts on @vector the guest has taken (opts.irqchip). */
static inline uint64_t minivm_irq_count(struct minivm *vm, int vector)
{
	return ((volatile uint64_t *)minivm_hva(vm, (uintptr_t)minivm_irqs))[vector];
}

/* pvhvfs mount point from $PVHV_MNT, or NULL when pvhv is not loaded. */
const char *minivm_pvhv_mnt(void);
/* Read a whole small file as a string; its length, or -1. */
int read_text_file(const char *path, char *buf, size_t size);
/* Read an integer sysfs attribute under /sys/kernel/pvhv; -1 if missing. */
long pvhv_sysfs_long(const char *fmt, ...);
/*
 * Wait (up to 5 s) for the attribute @what under /sys/kernel/pvhv to read
 * @want, as teardown is asynchronous; the last value read.
 */
long pvhv_sysfs_wait(const char *what, long want);
/* Write @val to the attribute @what under /sys/kernel/pvhv: 0, or -1. */
int pvhv_sysfs_write(const char *what, long val);
/* Write @s to domains/<@vm's domain>/@file under /sys/kernel/pvhv: 0 or -errno. */
int minivm_dom_write(struct minivm *vm, const char *file, const char *s);
/*
 * Grant frame @gpa of @vm to the host backends: entry @ref of the grant
 * table at @table_gpa, flags (PVHV_GTF_*) written last, as a guest does.
 */
void minivm_grant_host(struct minivm *vm, uint64_t table_gpa, int ref,
		       uint64_t gpa, uint16_t flags);
/* Threads of this host whose name starts with @prefix (a backend's). */
int pvhv_threads(const char *prefix);
/*
 * Give the calling thread (a vCPU's) CPU 1 and those threads CPU 0, so
 * that neither waits for the other's CPU: how many threads were pinned
 * (0 on a one-CPU host, -1 if the caller could not be).
 */
int pvhv_pin_apart(const char *prefix);
/* Whether tools/testhost runs this test host under TCG (PVHV_TESTHOST_ACCEL). */
bool testhost_is_tcg(void);
/* PFN behind a mapped host virtual address, from /proc/self/pagemap (root). */
uint64_t host_pfn(const void *addr);

/* ---- guest side ---- */

/* Set by minivm_create() in the guest's copy of the image. */
extern bool guest_is_amd;

static inline void guest_ucall(uint64_t type, uint64_t a0, uint64_t a1,
			       const char *expr, uint64_t line)
{
	struct ucall uc = { .type = type, .args = { a0, a1 },
			    .expr = expr, .line = line };

	__asm__ volatile("outl %%eax, %%dx"
			 : : "a"(0), "d"(UCALL_PORT), "D"(&uc) : "memory");
}

#define GUEST_SYNC(v)		guest_ucall(UCALL_SYNC, (v), 0, NULL, __LINE__)
#define GUEST_DONE()		guest_ucall(UCALL_DONE, 0, 0, NULL, __LINE__)
#define GUEST_ASSERT_EQ(a, b) do {					\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	if (__a != __b)							\
		guest_ucall(UCALL_ASSERT, __a, __b, #a " == " #b,	\
			    __LINE__);					\
} while (0)

/* pvhv/KVM hypercall: nr in RAX, args in RBX, RCX, RDX, RSI. */
static inline long guest_hypercall(uint64_t nr, uint64_t a0, uint64_t a1,
				   uint64_t a2, uint64_t a3)
{
	long ret;

	if (guest_is_amd)
		__asm__ volatile("vmmcall"
				 : "=a"(ret)
				 : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
				 : "memory");
	else
		__asm__ volatile("vmcall"
				 : "=a"(ret)
				 : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
				 : "memory");
	return ret;
}

#endif /* _PVHV_MINIVM_H */
