// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual page-table API against trap and emulate, and system
 * calls with and without the trap table, measured in the same run.
 *
 * Updates: a mini-guest rewrites the 512 entries of a pinned level-1
 * table, round after round, either with mmu_update batches of 1, 64 or
 * 512 entries, or by storing into the table directly, where each store
 * traps to KVM (the table is write-tracked), is emulated and then checked
 * by pvhv.  The host times each round around KVM_RUN: the cost per entry.
 * Rounds of the four kinds are interleaved in rotating order; medians.
 *
 * System calls: two PV kernels (selftests/lib/pvkernel.h) run the same
 * user-mode loop of INT 0x80, one through an IDT it wrote itself, the
 * other through the trap table pvhv checked and wrote: the cost per call.
 * Neither needs a VM exit, so the two should cost the same.
 *
 * Under TCG the absolute times are emulated; only the ratios mean
 * something.  usage: pt_bench [OUT_PREFIX]  (writes OUT_PREFIX.txt, .dat)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>

#include "lib/minivm.h"
#include "lib/bench.h"
#include "lib/pvkernel.h"

#define ROUNDS		15
#define SYSCALLS	20000
#define TABLE		PK_L1(0)
#define DATA		40		/* frames the entries map */

enum { M_B1, M_B64, M_B512, M_DIRECT, M_NR };
/* Plot labels */
static const char *const labels[M_NR] = {
	"batch of 1", "batch of 64", "batch of 512", "trap and emulate",
};
static const char *const names[M_NR] = {
	"mmu_update, batches of 1", "mmu_update, batches of 64",
	"mmu_update, batches of 512", "direct writes (trap and emulate)",
};

struct bench_cmd {
	uint64_t mode, round;
};
#define CMD_GPA		GPAGE(30)

static uint64_t entry(uint64_t i, uint64_t round)
{
	return GPAGE(DATA + (i + round) % 64) | PK_P | PK_RW;
}

static void guest_updates(uint64_t arg)
{
	volatile struct bench_cmd *c = (volatile struct bench_cmd *)CMD_GPA;
	struct pvhv_mmu_update *u = (struct pvhv_mmu_update *)GPAGE(PK_LIST);
	volatile uint64_t *t = (volatile uint64_t *)GPAGE(TABLE);
	uint64_t i, n;
	long r;

	GUEST_SYNC(pk_ext1(PVHV_MMUEXT_PIN_L1_TABLE, PK_PG(TABLE)));
	for (;;) {
		r = 0;
		if (c->mode == M_DIRECT) {
			for (i = 0; i < 512; i++)
				t[i] = entry(i, c->round);
		} else {
			n = c->mode == M_B1 ? 1 : c->mode == M_B64 ? 64 : 512;
			for (i = 0; i < 512; i++) {
				u[i].ptr = GPAGE(TABLE) + 8 * i;
				u[i].val = entry(i, c->round);
			}
			for (i = 0; i < 512 && !r; i += n)
				r = guest_hypercall(PVHV_HC_MMU_UPDATE,
						    (uint64_t)&u[i], n, 0, 0);
		}
		GUEST_SYNC(r);
	}
}

/* ---- system calls ---- */

static void guest_user(uint64_t n)
{
	uint64_t i;

	for (;;) {
		for (i = 0; i < n; i++)
			__asm__ volatile("int $0x80" : : : "memory");
		GUEST_SYNC(n);
	}
}

/* A gate the guest writes itself, into an IDT pvhv knows nothing of. */
static void guest_own_gate(uint64_t *idt, int v, void (*fn)(void))
{
	uint64_t a = (uint64_t)fn;

	idt[2 * v] = (a & 0xffff) | ((uint64_t)PK_KERNEL_CS << 16) |
		     (0xeeULL << 40) | (((a >> 16) & 0xffff) << 48);
	idt[2 * v + 1] = a >> 32;
}

static void guest_syscalls(uint64_t trap_table)
{
	uint64_t *own_idt = (uint64_t *)GPAGE(31);

	GUEST_SYNC(pk_build_address_space());
	GUEST_SYNC(pk_ext1(PVHV_MMUEXT_NEW_BASEPTR, PK_PG(PK_L4)));
	pk_load_gdt_tss();
	if (trap_table) {
		GUEST_SYNC(pk_set_trap_table());
		pk_lidt(GPAGE(PK_IDT));
	} else {
		guest_own_gate(own_idt, 0x80, pk_int80);
		pk_lidt((uint64_t)own_idt);
		GUEST_SYNC(0);
	}
	pk_enter_user(guest_user, SYSCALLS);
}

/* ---- host side ---- */

static void run_sync(struct minivm *vm, const char *what)
{
	if (minivm_run(vm) != UCALL_SYNC || vm->uc.args[0]) {
		fprintf(stderr, "pt_bench: %s failed (%ld)\n", what,
			(long)vm->uc.args[0]);
		exit(1);
	}
}

/* Nanoseconds per system call, one PV kernel, median of ROUNDS. */
static double syscall_ns(int trap_table)
{
	struct minivm_opts opts = { .domain = trap_table ? "ptb-traps" : "ptb-own" };
	double t[ROUNDS], t0;
	struct minivm *vm;
	int r;

	vm = minivm_create(&opts, guest_syscalls, trap_table);
	if (!vm) {
		perror("minivm_create");
		exit(1);
	}
	/* Live typed tables fault for ever on TCG if tracked (pt_track.c). */
	if (testhost_is_tcg())
		pvhv_sysfs_write(trap_table ? "domains/ptb-traps/pt/track_writes" :
				 "domains/ptb-own/pt/track_writes", 0);
	run_sync(vm, "building the address space");
	run_sync(vm, "switching to it");
	run_sync(vm, "the IDT");
	for (r = -1; r < ROUNDS; r++) {		/* -1: warm-up */
		t0 = bench_now();
		if (minivm_run(vm) != UCALL_SYNC || vm->uc.args[0] != SYSCALLS)
			exit(1);
		if (r >= 0)
			t[r] = (bench_now() - t0) * 1e9 / SYSCALLS;
	}
	minivm_destroy(vm);
	return bench_median(t, ROUNDS);
}

int main(int argc, char **argv)
{
	struct minivm_opts opts = { .domain = "ptb-updates" };
	struct bench_cmd *c;
	double t[M_NR][ROUNDS], med[M_NR], sys_own, sys_traps, t0;
	const char *prefix = argc > 1 ? argv[1] : NULL;
	FILE *out[2] = { stdout, NULL };
	struct minivm *vm;
	int r, i, m;

	if (!minivm_pvhv_mnt()) {
		fprintf(stderr, "pt_bench: pvhv not loaded ($PVHV_MNT)\n");
		return 1;
	}
	vm = minivm_create(&opts, guest_updates, 0);
	if (!vm) {
		perror("minivm_create");
		return 1;
	}
	c = minivm_hva(vm, CMD_GPA);
	run_sync(vm, "pinning the table");
	for (m = 0; m < M_NR; m++) {		/* warm up */
		c->mode = m;
		run_sync(vm, names[m]);
	}
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < M_NR; i++) {
			m = (r + i) % M_NR;
			c->mode = m;
			c->round = r * M_NR + i + 1;
			t0 = bench_now();
			run_sync(vm, names[m]);
			t[m][r] = (bench_now() - t0) * 1e9 / 512;
		}
		if (r % 5 == 4)
			fprintf(stderr, "bench: round %d/%d\n", r + 1, ROUNDS);
	}
	minivm_destroy(vm);
	for (m = 0; m < M_NR; m++)
		med[m] = bench_median(t[m], ROUNDS);
	fprintf(stderr, "bench: system calls, own IDT\n");
	sys_own = syscall_ns(0);
	fprintf(stderr, "bench: system calls, trap table\n");
	sys_traps = syscall_ns(1);

	out[1] = bench_open(prefix, ".txt");
	for (i = 0; i < 2 && out[i]; i++) {
		fprintf(out[i], "page-table updates, 512 entries x %d rounds, median per entry\n",
			ROUNDS);
		for (m = 0; m < M_NR; m++)
			fprintf(out[i], "  %-34s %9.0f ns\n", names[m], med[m]);
		fprintf(out[i], "  pt: trap and emulate / batch of 512 = %.1f (goal >= 20)\n",
			med[M_DIRECT] / med[M_B512]);
		fprintf(out[i], "  pt: trap and emulate / batch of 64 = %.1f, / batch of 1 = %.1f\n",
			med[M_DIRECT] / med[M_B64], med[M_DIRECT] / med[M_B1]);
		fprintf(out[i], "system call (INT 0x80 from user mode), median per call\n");
		fprintf(out[i], "  %-34s %9.0f ns\n", "the guest's own IDT", sys_own);
		fprintf(out[i], "  %-34s %9.0f ns\n", "pvhv's trap table", sys_traps);
		fprintf(out[i], "  pt: system call with / without trap table = %.2f\n",
			sys_traps / sys_own);
	}
	if (out[1])
		fclose(out[1]);
	out[1] = bench_open(prefix, ".dat");
	if (out[1]) {
		for (m = 0; m < M_NR; m++)
			fprintf(out[1], "\"%s\" %.1f\n", labels[m], med[m]);
		fclose(out[1]);
	}
	return 0;
}
