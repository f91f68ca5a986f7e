/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest that executes memory commands posted by the test, one per ucall,
 * so that a test can interleave guest accesses with host-side frame
 * operations on the running guest.
 */
#ifndef _PVHV_GUEST_CMD_H
#define _PVHV_GUEST_CMD_H

#include "minivm.h"

enum gcmd_op {
	G_DONE,
	G_WRITE,	/* *gpa = val */
	G_READ,		/* result = *gpa */
	G_FILL,		/* page i of n at gpa: first qword = val + i */
	G_CHECK,	/* result = 0 if G_FILL's pattern is there, else i + 1 */
	G_AVX,		/* 32-byte AVX store of val's bytes pattern to gpa */
	G_SPIN,		/* never come back */
	G_HAMMER,	/* *gpa = 1..n, each read back: result 0 or the i lost */
	G_HCALL,	/* result = hypercall val(a[0], a[1], a[2], a[3]) */
	G_STI,		/* enable the x2APIC and interrupts (minivm irqchip) */
	G_LIDT,		/* load the one-page IDT at gpa */
	G_HCALL_WATCH,	/* hypercall val(a[0]), then spin (at most n times)
			 * while the u32 at gpa is a[1], then store it + 1 at
			 * a[2]: result 1 if it changed.  The vCPU runs guest
			 * code all along, as a busy guest's does. */
};

struct gcmd {
	uint64_t op, gpa, val, n;
	uint64_t a[4];
};

#define GCMD_GPA	MINIVM_DATA_GPA
#define GPAGE(i)	(MINIVM_DATA_GPA + 0x1000UL * (1 + (i)))

static inline void guest_cmd_loop(uint64_t cmd_gpa)
{
	volatile struct gcmd *c = (volatile struct gcmd *)cmd_gpa;
	uint64_t r, i;

	for (;;) {
		r = 0;
		switch (c->op) {
		case G_DONE:
			GUEST_DONE();
			break;
		case G_WRITE:
			*(volatile uint64_t *)c->gpa = c->val;
			break;
		case G_READ:
			r = *(volatile uint64_t *)c->gpa;
			break;
		case G_FILL:
			for (i = 0; i < c->n; i++)
				*(volatile uint64_t *)(c->gpa + i * 4096) =
					c->val + i;
			break;
		case G_CHECK:
			for (i = 0; i < c->n; i++)
				if (*(volatile uint64_t *)(c->gpa + i * 4096) !=
				    c->val + i) {
					r = i + 1;
					break;
				}
			break;
		case G_AVX: {
			uint64_t src[4] = { c->val, c->val + 1, c->val + 2,
					    c->val + 3 };

			__asm__ volatile("vmovdqu (%0), %%ymm0\n\t"
					 "vmovdqu %%ymm0, (%1)"
					 : : "r"(src), "r"(c->gpa)
					 : "memory", "xmm0");
			break;
		}
		case G_SPIN:
			for (;;)
				;
		case G_HCALL:
			r = guest_hypercall(c->val, c->a[0], c->a[1], c->a[2],
					    c->a[3]);
			break;
		case G_STI:
			guest_enable_interrupts();
			break;
		case G_HCALL_WATCH: {
			volatile uint32_t *w = (volatile uint32_t *)c->gpa;

			guest_hypercall(c->val, c->a[0], 0, 0, 0);
			for (i = 0; i < c->n && *w == (uint32_t)c->a[1]; i++)
				;
			r = *w != (uint32_t)c->a[1];
			*(volatile uint32_t *)c->a[2] = *w + 1;
			__asm__ volatile("mfence" : : : "memory");
			break;
		}
		case G_LIDT: {
			struct { uint16_t limit; uint64_t base; }
				__attribute__((packed)) idtr = { 4095, c->gpa };

			__asm__ volatile("lidt %0" : : "m"(idtr));
			break;
		}
		case G_HAMMER:
			for (i = 1; i <= c->n; i++) {
				*(volatile uint64_t *)c->gpa = i;
				if (*(volatile uint64_t *)c->gpa != i) {
					r = i;
					break;
				}
			}
			break;
		}
		GUEST_SYNC(r);
	}
}

/* Host side: run one command, return its result (or -1 on a bad exit). */
static inline uint64_t gdo(struct minivm *vm, uint64_t op, uint64_t gpa,
			   uint64_t val, uint64_t n)
{
	struct gcmd *c = minivm_hva(vm, GCMD_GPA);

	c->op = op;
	c->gpa = gpa;
	c->val = val;
	c->n = n;
	if (minivm_run(vm) != UCALL_SYNC)
		return (uint64_t)-1;
	return vm->uc.args[0];
}


/* Host side: make the guest issue hypercall @nr; its result. */
static inline long ghc(struct minivm *vm, uint64_t nr, uint64_t a0,
		       uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct gcmd *c = minivm_hva(vm, GCMD_GPA);

	c->a[0] = a0;
	c->a[1] = a1;
	c->a[2] = a2;
	c->a[3] = a3;
	return (long)gdo(vm, G_HCALL, 0, nr, 0);
}

/*
 * Host side: G_HCALL_WATCH; a[2] may be any guest address (the store then
 * goes nowhere that matters).
 */
static inline uint64_t ghc_watch(struct minivm *vm, uint64_t nr, uint64_t a0,
				 uint64_t watch_gpa, uint32_t old,
				 uint64_t store_gpa, uint64_t spins)
{
	struct gcmd *c = minivm_hva(vm, GCMD_GPA);

	c->a[0] = a0;
	c->a[1] = old;
	c->a[2] = store_gpa;
	return gdo(vm, G_HCALL_WATCH, watch_gpa, nr, spins);
}

#endif /* _PVHV_GUEST_CMD_H */
