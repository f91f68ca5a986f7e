// SPDX-License-Identifier: GPL-2.0
/*
 * Round trip of a pvhv null hypercall against the competing mechanisms,
 * measured in the same VM and run: KVM's own in-kernel hypercall path
 * (KVM_HC_VAPIC_POLL_IRQ, which KVM answers without leaving the kernel) and
 * an exit to the VMM in user space (port I/O handled by this program).
 *
 * Rounds of each kind are interleaved, in a rotating order so that no kind
 * always follows the same one, and the median per-call time is reported
 * with the spread (min..max) and the ratios.  Under TCG the absolute times are emulated;
 * only the ratios mean something.
 *
 * usage: hypercall_bench [OUT_PREFIX]  (writes OUT_PREFIX.txt, .dat)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/kvm_para.h>
#include <pvhv/pvhv.h>

#include "lib/minivm.h"
#include "lib/bench.h"

#define BENCH_PORT	0x5556
#define CALLS		4000
#define ROUNDS		15

enum { B_DONE, B_PVHV, B_KVM, B_USER, B_NR };
static const char *const names[B_NR] = {
	NULL, "pvhv null hypercall", "KVM in-kernel hypercall",
	"exit to user-space VMM",
};

struct bench_cmd {
	uint64_t mode, n;
};

static void guest_bench(uint64_t arg)
{
	volatile struct bench_cmd *c = (volatile struct bench_cmd *)arg;
	uint64_t i;

	for (;;) {
		switch (c->mode) {
		case B_DONE:
			GUEST_DONE();
			break;
		case B_PVHV:
			for (i = 0; i < c->n; i++)
				guest_hypercall(PVHV_HC_NULL, 0, 0, 0, 0);
			break;
		case B_KVM:
			for (i = 0; i < c->n; i++)
				guest_hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0);
			break;
		case B_USER:
			for (i = 0; i < c->n; i++)
				__asm__ volatile("outb %%al, %%dx"
						 : : "a"(0), "d"(BENCH_PORT));
			break;
		}
		GUEST_SYNC(0);
	}
}

/* Run one round; user-space exits are answered here, as a VMM would. */
static double round_us(struct minivm *vm, int mode)
{
	struct bench_cmd *c = minivm_hva(vm, MINIVM_DATA_GPA);
	double t0;

	c->mode = mode;
	c->n = CALLS;
	t0 = bench_now();
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0)) {
			perror("KVM_RUN");
			exit(1);
		}
		if (vm->run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "unexpected exit %u\n", vm->run->exit_reason);
			exit(1);
		}
		if (vm->run->io.port == UCALL_PORT)
			break;
	}
	return (bench_now() - t0) * 1e6 / CALLS;
}

int main(int argc, char **argv)
{
	struct minivm_opts opts = { .domain = "bench" };
	double t[B_NR][ROUNDS], med[B_NR];
	const char *prefix = argc > 1 ? argv[1] : NULL;
	struct minivm *vm;
	FILE *out[2] = { stdout, NULL };
	int r, m, i;

	if (!minivm_pvhv_mnt()) {
		fprintf(stderr, "hypercall_bench: pvhv not loaded ($PVHV_MNT)\n");
		return 1;
	}
	vm = minivm_create(&opts, guest_bench, MINIVM_DATA_GPA);
	if (!vm) {
		perror("minivm_create");
		return 1;
	}
	/* Warm up: bind the domain, fault in the guest's pages. */
	for (m = B_PVHV; m < B_NR; m++)
		round_us(vm, m);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < B_NR - 1; i++) {
			m = B_PVHV + (r + i) % (B_NR - 1);
			t[m][r] = round_us(vm, m);
		}
		if (r % 5 == 4)
			fprintf(stderr, "bench: round %d/%d\n", r + 1, ROUNDS);
	}
	minivm_destroy(vm);

	for (m = B_PVHV; m < B_NR; m++)
		med[m] = bench_median(t[m], ROUNDS);
	out[1] = bench_open(prefix, ".txt");
	for (i = 0; i < 2 && out[i]; i++) {
		fprintf(out[i], "hypercall round trip, %d calls x %d rounds, median per call\n",
			CALLS, ROUNDS);
		for (m = B_PVHV; m < B_NR; m++)
			fprintf(out[i], "  %-26s %8.2f us  (%.2f..%.2f)\n",
				names[m], med[m], t[m][0], t[m][ROUNDS - 1]);
		fprintf(out[i], "  ratio pvhv / KVM in-kernel:  %.3f (goal <= 1.05)\n",
			med[B_PVHV] / med[B_KVM]);
		fprintf(out[i], "  ratio user-space exit / pvhv: %.3f\n",
			med[B_USER] / med[B_PVHV]);
	}
	if (out[1])
		fclose(out[1]);
	out[1] = bench_open(prefix, ".dat");
	if (out[1]) {
		for (m = B_PVHV; m < B_NR; m++)
			fprintf(out[1], "\"%s\" %.3f\n", names[m], med[m]);
		fclose(out[1]);
	}
	return 0;
}
