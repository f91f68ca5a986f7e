/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny PV guest kernel for the page-table and trap-table tests: guest
 * code that builds its address space through pvhv's page-table API,
 * switches to it, sets up a GDT and TSS, installs a trap table and enters
 * user mode.  Included by one test program each (it defines guest code
 * and data); the frames it uses are in the minivm data area.
 */
#ifndef _PVHV_PVKERNEL_H
#define _PVHV_PVKERNEL_H

#include <stdint.h>
#include <pvhv/pvhv.h>
#include <pvhv/mmu.h>

#include "minivm.h"
#include "guest_cmd.h"

#define PK_P		0x1ULL
#define PK_RW		0x2ULL
#define PK_US		0x4ULL

/* Frames (GPAGE() indexes) of the PV kernel. */
#define PK_LIST		0	/* mmu_update list: 2 pages */
#define PK_DONE		2
#define PK_EXT		3	/* mmuext list */
#define PK_L4		4
#define PK_L3		5
#define PK_L2		6
#define PK_L1(k)	(7 + (k))	/* 8 of them map 16 MiB */
#define PK_IDT		16
#define PK_GDT		17
#define PK_TSS		18
#define PK_KSTACK	19
#define PK_USTACK	20	/* 2 pages */
#define PK_TRAPS	23
#define PK_PG(i)	(GPAGE(i) >> 12)

#define PK_KERNEL_CS	0x08
#define PK_USER_DS	(0x18 | 3)
#define PK_USER_CS	(0x20 | 3)
#define PK_TSS_SEL	0x28

extern char __executable_start[], etext[];

/* INT 0x80 from user mode: counted, and straight back. */
volatile uint64_t pk_syscalls;
void pk_int80(void);
/* #GP (from a write pvhv undid): counted, then on after the write. */
volatile uint64_t pk_gp_count;
void pk_gp(void);
__asm__(".pushsection .text\n"
	"pk_int80:\n"
	"lock incq pk_syscalls\n"
	"iretq\n"
	"pk_gp:\n"
	"add $8, %rsp\n"			/* the error code */
	"lock incq pk_gp_count\n"
	"iretq\n"
	".popsection");

/* A frame the PV kernel gives a type: mapped read-only. */
static inline int pk_typed(uint64_t gfn)
{
	return (gfn >= PK_PG(PK_L4) && gfn <= PK_PG(PK_L1(7))) ||
	       gfn == PK_PG(PK_IDT);
}

static inline long pk_ext1(uint32_t cmd, uint64_t arg)
{
	struct pvhv_mmuext_op *op = (struct pvhv_mmuext_op *)GPAGE(PK_EXT);

	op->cmd = cmd;
	op->pad = 0;
	op->arg = arg;
	return guest_hypercall(PVHV_HC_MMUEXT_OP, GPAGE(PK_EXT), 1, 0, 0);
}

/*
 * Pin empty tables, then identity map the first 16 MiB (user-accessible,
 * typed frames read-only) with mmu_update batches of 512, then link the
 * levels.  0 or the first error.
 */
static inline long pk_build_address_space(void)
{
	struct pvhv_mmuext_op *ext = (struct pvhv_mmuext_op *)GPAGE(PK_EXT);
	struct pvhv_mmu_update *u = (struct pvhv_mmu_update *)GPAGE(PK_LIST);
	uint64_t gfn, i, k, n = 0;
	long r;

	for (k = 0; k < 8; k++)
		ext[n++] = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L1_TABLE, 0,
						    PK_PG(PK_L1(k)) };
	ext[n++] = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L2_TABLE, 0,
					    PK_PG(PK_L2) };
	ext[n++] = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L3_TABLE, 0,
					    PK_PG(PK_L3) };
	ext[n++] = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L4_TABLE, 0,
					    PK_PG(PK_L4) };
	r = guest_hypercall(PVHV_HC_MMUEXT_OP, GPAGE(PK_EXT), n, 0, 0);
	if (r)
		return r;
	for (k = 0; k < 8; k++) {
		for (i = 0; i < 512; i++) {
			gfn = k * 512 + i;
			u[i].ptr = GPAGE(PK_L1(k)) + 8 * i;
			u[i].val = gfn << 12 | PK_P | PK_US |
				   (pk_typed(gfn) ? 0 : PK_RW);
		}
		r = guest_hypercall(PVHV_HC_MMU_UPDATE, GPAGE(PK_LIST), 512,
				    0, 0);
		if (r)
			return r;
	}
	n = 0;
	for (k = 0; k < 8; k++)
		u[n++] = (struct pvhv_mmu_update){ GPAGE(PK_L2) + 8 * k,
			GPAGE(PK_L1(k)) | PK_P | PK_RW | PK_US };
	u[n++] = (struct pvhv_mmu_update){ GPAGE(PK_L3),
		GPAGE(PK_L2) | PK_P | PK_RW | PK_US };
	u[n++] = (struct pvhv_mmu_update){ GPAGE(PK_L4),
		GPAGE(PK_L3) | PK_P | PK_RW | PK_US };
	return guest_hypercall(PVHV_HC_MMU_UPDATE, GPAGE(PK_LIST), n, 0, 0);
}

/* A GDT with kernel and user segments and a TSS; loaded. */
static inline void pk_load_gdt_tss(void)
{
	uint64_t *gdt = (uint64_t *)GPAGE(PK_GDT);
	uint8_t *tss = (uint8_t *)GPAGE(PK_TSS);
	uint64_t base = GPAGE(PK_TSS), limit = 103, i;
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } dt;

	for (i = 0; i < 104; i++)
		tss[i] = 0;
	*(uint64_t *)(tss + 4) = GPAGE(PK_KSTACK + 1);	/* RSP0 */
	*(uint16_t *)(tss + 102) = 104;			/* no I/O bitmap */
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;		/* 0x08 kernel code, 64-bit */
	gdt[2] = 0x00cf93000000ffffULL;		/* 0x10 kernel data */
	gdt[3] = 0x00cff3000000ffffULL;		/* 0x18 user data */
	gdt[4] = 0x00affb000000ffffULL;		/* 0x20 user code, 64-bit */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ULL << 40) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
	dt.limit = 7 * 8 - 1;
	dt.base = (uint64_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(dt));
	__asm__ volatile("ltr %w0" : : "r"(PK_TSS_SEL));
}

static inline void pk_lidt(uint64_t base)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } dt = {
		4095, base,
	};

	__asm__ volatile("lidt %0" : : "m"(dt));
}

/* The trap table: INT 0x80 from user mode. */
static inline long pk_set_trap_table(void)
{
	struct pvhv_trap_table *tt = (struct pvhv_trap_table *)GPAGE(PK_TRAPS);

	tt->idt_gfn = PK_PG(PK_IDT);
	tt->text_start = (uint64_t)__executable_start;
	tt->text_end = (uint64_t)etext;
	tt->kernel_cs = PK_KERNEL_CS;
	tt->count = 1;
	tt->pad = 0;
	tt->traps[0] = (struct pvhv_trap_info){
		.vector = 0x80, .flags = PVHV_TRAP_DPL3,
		.address = (uint64_t)pk_int80,
	};
	return guest_hypercall(PVHV_HC_SET_TRAP_TABLE, GPAGE(PK_TRAPS), 0, 0,
			       0);
}

/* IRETQ to @fn(@arg) at CPL 3 on the user stack, IOPL 3 (for ucalls). */
static inline void pk_enter_user(void (*fn)(uint64_t), uint64_t arg)
{
	uint64_t rsp = GPAGE(PK_USTACK + 2) - 8;

	__asm__ volatile("pushq %[ss]\n\t"
			 "pushq %[rsp]\n\t"
			 "pushq $0x3002\n\t"
			 "pushq %[cs]\n\t"
			 "pushq %[rip]\n\t"
			 "iretq"
			 : : [ss] "i"(PK_USER_DS), [rsp] "r"(rsp),
			     [cs] "i"(PK_USER_CS), [rip] "r"(fn), "D"(arg)
			 : "memory");
	__builtin_unreachable();
}

#endif /* _PVHV_PVKERNEL_H */
