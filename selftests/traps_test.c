// SPDX-License-Identifier: GPL-2.0
/*
 * The trap table, and a PV kernel that uses the whole PV CPU and memory
 * interface: it builds its address space only through the page-table API,
 * switches to it, installs a trap table and runs a user-mode loop of
 * system calls (INT 0x80) with no VM exit; every trap-table validation
 * error; a guest write to the protected IDT undone with a #GP; the event
 * callback, run through the protected IDT and held back by upcall_mask.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <pvhv/pvhv.h>
#include <pvhv/event.h>
#include <pvhv/mmu.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"
#include "lib/pvkernel.h"
#include "lib/race.h"

#define SYSCALLS	20000
#define SHARED_GPA	GPAGE(26)	/* event channel shared page */

/* KVM's exit count of @vm (its one vCPU), from debugfs; -1 if missing. */
static long vcpu_exits(struct minivm *vm)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/exits",
		 getpid(), vm->vm_fd);
	if (read_text_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int dom_write(struct minivm *vm, const char *what, long v)
{
	char path[512];

	snprintf(path, sizeof(path), "domains/%s/%s", strrchr(vm->dir, '/') + 1,
		 what);
	return pvhv_sysfs_write(path, v);
}

static void guest_user(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		__asm__ volatile("int $0x80" : : : "memory");
	GUEST_SYNC(n);
	GUEST_DONE();
}

static void guest_pv_kernel(uint64_t n)
{
	GUEST_SYNC(pk_build_address_space());
	GUEST_SYNC(pk_ext1(PVHV_MMUEXT_NEW_BASEPTR, PK_PG(PK_L4)));
	/* The table this vCPU runs on cannot be unpinned. */
	GUEST_SYNC(pk_ext1(PVHV_MMUEXT_UNPIN_TABLE, PK_PG(PK_L4)));
	pk_load_gdt_tss();
	GUEST_SYNC(pk_set_trap_table());
	pk_lidt(GPAGE(PK_IDT));
	GUEST_SYNC(0);
	pk_enter_user(guest_user, n);
}

TEST(pv_kernel_runs_system_calls_without_exits)
{
	struct minivm_opts opts = { 0 };
	struct kvm_sregs sregs;
	uint64_t *gate;
	long e0, e1, tables;
	struct minivm *vm;

	NEED_PVHV();
	vm = minivm_create(&opts, guest_pv_kernel, SYSCALLS);
	ASSERT_NE(NULL, vm);
	/*
	 * QEMU's TCG walks page tables asking for write access to every
	 * entry, so live tables that KVM write-tracks fault for ever there
	 * (Documentation/pv-mmu.rst); a real CPU does not.
	 */
	if (testhost_is_tcg()) {
		TH_LOG("TCG test host: write tracking off for this domain");
		ASSERT_EQ(0, dom_write(vm, "pt/track_writes", 0));
	}
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	ASSERT_EQ(0, vm->uc.args[0]) TH_LOG("building the address space");
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	ASSERT_EQ(0, vm->uc.args[0]) TH_LOG("switching to it");
	ASSERT_EQ(0, ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs));
	EXPECT_EQ(GPAGE(PK_L4), sregs.cr3);
	tables = pvhv_sysfs_long("domains/%s/pt/tables",
				 strrchr(vm->dir, '/') + 1);
	EXPECT_EQ(11, tables);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	EXPECT_EQ(-PVHV_EBUSY, (long)vm->uc.args[0]) TH_LOG("unpin in use");
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	ASSERT_EQ(0, vm->uc.args[0]) TH_LOG("set_trap_table");
	/* The gate pvhv wrote: present, DPL 3, interrupt gate, CS 0x08. */
	gate = minivm_hva(vm, GPAGE(PK_IDT) + 0x80 * 16);
	EXPECT_EQ(0xeeULL, (gate[0] >> 40) & 0xff);
	EXPECT_EQ(PK_KERNEL_CS, (gate[0] >> 16) & 0xffff);
	EXPECT_EQ((uint64_t)pk_int80,
		  (gate[0] & 0xffff) | ((gate[0] >> 48) << 16) | (gate[1] << 32));
	EXPECT_EQ(0, *(uint64_t *)minivm_hva(vm, GPAGE(PK_IDT)));
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));

	e0 = vcpu_exits(vm);
	ASSERT_LE(0, e0);
	ASSERT_EQ(UCALL_SYNC, minivm_run(vm));
	e1 = vcpu_exits(vm);
	EXPECT_EQ(SYSCALLS, vm->uc.args[0]);
	EXPECT_EQ(SYSCALLS,
		  *(volatile uint64_t *)minivm_hva(vm, (uintptr_t)&pk_syscalls));
	/*
	 * No exit per system call: the few there are come from the ucall
	 * that reported, host timer interrupts and the first touch of the
	 * user stack, whatever the number of calls.
	 */
	TH_LOG("%d system calls from user mode, %ld VM exits", SYSCALLS,
	       e1 - e0);
	EXPECT_GT(SYSCALLS / 100, e1 - e0);
	ASSERT_EQ(UCALL_DONE, minivm_run(vm));
	minivm_destroy(vm);
}

/* ---- validation, on the mini-guest's boot page tables ---- */

FIXTURE(traps) {
	struct minivm *vm;
	struct pvhv_trap_table *tt;
};

FIXTURE_SETUP(traps)
{
	struct minivm_opts opts = { .irqchip = true };

	NEED_PVHV_SETUP();
	self->vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	ASSERT_NE(NULL, self->vm);
	minivm_set_gate(self->vm, 13, pk_gp);
	self->tt = minivm_hva(self->vm, GPAGE(PK_TRAPS));
	*self->tt = (struct pvhv_trap_table){
		.idt_gfn = PK_PG(PK_IDT),
		.text_start = (uint64_t)__executable_start,
		.text_end = (uint64_t)etext,
		.kernel_cs = PK_KERNEL_CS,
		.count = 2,
	};
	self->tt->traps[0] = (struct pvhv_trap_info){
		.vector = 0x80, .flags = PVHV_TRAP_DPL3,
		.address = (uint64_t)pk_int80 };
	self->tt->traps[1] = (struct pvhv_trap_info){
		.vector = 3, .flags = PVHV_TRAP_DPL3 | PVHV_TRAP_TRAPGATE,
		.ist = 1, .address = (uint64_t)pk_int80 };
}

FIXTURE_TEARDOWN(traps)
{
	minivm_destroy(self->vm);
}

static long set_traps(struct minivm *vm)
{
	return ghc(vm, PVHV_HC_SET_TRAP_TABLE, GPAGE(PK_TRAPS), 0, 0, 0);
}

static uint64_t idt_type(struct minivm *vm)
{
	return PVHV_FRAME_INFO_TYPE(ghc(vm, PVHV_HC_FRAME_INFO,
					PK_PG(PK_IDT), 0, 0, 0));
}

TEST_F(traps, a_valid_table_makes_a_protected_idt)
{
	uint64_t *idt = minivm_hva(self->vm, GPAGE(PK_IDT));

	ASSERT_EQ(0, set_traps(self->vm));
	EXPECT_EQ(PVHV_FRAME_IDT, idt_type(self->vm));
	/* #BP: DPL 3 trap gate on IST 1; vector 0: not present. */
	EXPECT_EQ(0xefULL, (idt[2 * 3] >> 40) & 0xff);
	EXPECT_EQ(1, (idt[2 * 3] >> 32) & 7);
	EXPECT_EQ(0, idt[0]);
	/* Dropped: an ordinary frame again. */
	self->tt->count = 0;
	EXPECT_EQ(0, set_traps(self->vm));
	EXPECT_EQ(PVHV_FRAME_DATA, idt_type(self->vm));
}

TEST_F(traps, each_bad_entry_is_refused)
{
	struct pvhv_mmuext_op *op = minivm_hva(self->vm, GPAGE(PK_EXT));
	struct pvhv_trap_info *t = &self->tt->traps[1];
	const struct pvhv_trap_info good = *t;
	struct {
		const char *what;
		struct pvhv_trap_info t;
	} bad[] = {
		{ "handler in data", { .vector = 3, .address = GPAGE(30) } },
		{ "handler not canonical",
		  { .vector = 3, .address = 0x0000800000400000ULL } },
		{ "user-mode #GP", { .vector = 13, .flags = PVHV_TRAP_DPL3 } },
		{ "unknown flag", { .vector = 3, .flags = 0x80 } },
		{ "IST 8", { .vector = 3, .ist = 8 } },
		{ "padding", { .vector = 3, .pad = { 1 } } },
		{ "a vector twice", { .vector = 0x80 } },
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*t = bad[i].t;
		if (!t->address)
			t->address = (uint64_t)pk_int80;
		EXPECT_EQ(-PVHV_EINVAL, set_traps(self->vm)) TH_LOG("%s", bad[i].what);
		EXPECT_EQ(PVHV_FRAME_DATA, idt_type(self->vm)) TH_LOG("%s", bad[i].what);
	}
	*t = good;
	self->tt->kernel_cs = 0;
	EXPECT_EQ(-PVHV_EINVAL, set_traps(self->vm));
	self->tt->kernel_cs = PK_KERNEL_CS | 3;
	EXPECT_EQ(-PVHV_EINVAL, set_traps(self->vm));
	self->tt->kernel_cs = PK_KERNEL_CS | 4;		/* the LDT */
	EXPECT_EQ(-PVHV_EINVAL, set_traps(self->vm));
	self->tt->kernel_cs = PK_KERNEL_CS;
	self->tt->text_end = self->tt->text_start;
	EXPECT_EQ(-PVHV_EINVAL, set_traps(self->vm));
	self->tt->text_end = (uint64_t)etext;
	self->tt->count = PVHV_TRAP_MAX + 1;
	EXPECT_EQ(-PVHV_EINVAL, set_traps(self->vm));
	self->tt->count = 2;
	/* The IDT frame: outside RAM; mapped writable by a validated table. */
	self->tt->idt_gfn = (64 << 20) >> 12;
	EXPECT_EQ(-PVHV_EFAULT, set_traps(self->vm));
	self->tt->idt_gfn = PK_PG(PK_IDT);
	*(uint64_t *)minivm_hva(self->vm, GPAGE(PK_L1(0))) =
		GPAGE(PK_IDT) | PK_P | PK_RW;
	*op = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L1_TABLE, 0,
				       PK_PG(PK_L1(0)) };
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_MMUEXT_OP, GPAGE(PK_EXT), 1, 0, 0));
	EXPECT_EQ(-PVHV_EACCES, set_traps(self->vm));
	EXPECT_EQ(0, *(uint64_t *)minivm_hva(self->vm, GPAGE(PK_IDT) + 0x800));
}

/* The boot page tables map the IDT frame writable: the write is undone. */
TEST_F(traps, a_guest_write_to_the_idt_is_undone)
{
	struct minivm *vm = self->vm;
	uint64_t *idt = minivm_hva(vm, GPAGE(PK_IDT));
	volatile uint64_t *gp = minivm_hva(vm, (uintptr_t)&pk_gp_count);
	uint64_t gate, gp0 = *gp;

	ASSERT_EQ(0, set_traps(vm));
	gate = idt[2 * 0x80];
	EXPECT_EQ(0, gdo(vm, G_WRITE, GPAGE(PK_IDT) + 0x80 * 16, 0x1234, 0));
	EXPECT_EQ(gate, idt[2 * 0x80]);
	EXPECT_EQ(gp0 + 1, *gp);
}

TEST_F(traps, the_event_callback_goes_in_the_idt)
{
	struct minivm *vm = self->vm;
	uint64_t *idt = minivm_hva(vm, GPAGE(PK_IDT));
	uint64_t h = (uint64_t)pk_int80;

	/* No trap table yet; then no event channels yet. */
	EXPECT_EQ(-PVHV_ENOENT, ghc(vm, PVHV_HC_SET_CALLBACK, h, 0x40, 0, 0));
	ASSERT_EQ(0, set_traps(vm));
	EXPECT_EQ(-PVHV_ENODEV, ghc(vm, PVHV_HC_SET_CALLBACK, h, 0x40, 0, 0));
	ASSERT_EQ(0, ghc(vm, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0x30, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(vm, PVHV_HC_SET_CALLBACK, h, 20, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL,
		  ghc(vm, PVHV_HC_SET_CALLBACK, GPAGE(30), 0x40, 0, 0));
	EXPECT_EQ(0, idt[2 * 0x40]);
	EXPECT_EQ(0, ghc(vm, PVHV_HC_SET_CALLBACK, h, 0x40, 0, 0));
	EXPECT_EQ(0x8eULL, (idt[2 * 0x40] >> 40) & 0xff);
}

/*
 * An event arrives through the callback's gate of the protected IDT, and
 * not while the guest's upcall_mask says it may not be interrupted.
 */
TEST_F(traps, an_event_runs_the_callback)
{
	struct minivm *vm = self->vm;
	volatile uint64_t *calls = minivm_hva(vm, (uintptr_t)&pk_syscalls);
	struct pvhv_shared_info *si = minivm_hva(vm, SHARED_GPA);
	long id, p1, p2;
	uint64_t n0;

	ASSERT_EQ(0, set_traps(vm));
	ASSERT_EQ(0, ghc(vm, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0x30, 0, 0));
	ASSERT_EQ(0, ghc(vm, PVHV_HC_SET_CALLBACK, (uint64_t)pk_int80, 0x40, 0, 0));
	id = ghc(vm, PVHV_HC_DOMID, 0, 0, 0, 0);
	p1 = ghc(vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND, id, 0, 0, 0);
	ASSERT_LT(0, p1);
	p2 = ghc(vm, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, id, p1, 0, 0);
	ASSERT_LT(0, p2);
	/* From here on the guest runs on pvhv's IDT, interrupts on. */
	ASSERT_EQ(0, gdo(vm, G_LIDT, GPAGE(PK_IDT), 0, 0));
	ASSERT_EQ(0, gdo(vm, G_STI, 0, 0, 0));
	n0 = *calls;

	si->upcall_mask = 1;
	ASSERT_EQ(0, ghc(vm, PVHV_HC_EVTCHN_SEND, p2, 0, 0, 0));
	ASSERT_EQ(0, gdo(vm, G_READ, GPAGE(1), 0, 0));
	EXPECT_EQ(n0, *calls);
	EXPECT_EQ(1, si->upcall_pending);

	/* Unmasked, the guest sees upcall_pending; the next event interrupts. */
	si->upcall_mask = 0;
	si->upcall_pending = 0;
	memset(si->evtchn_pending, 0, sizeof(si->evtchn_pending));
	ASSERT_EQ(0, ghc(vm, PVHV_HC_EVTCHN_SEND, p2, 0, 0, 0));
	ASSERT_EQ(0, gdo(vm, G_READ, GPAGE(1), 0, 0));
	EXPECT_EQ(n0 + 1, *calls);
}

/* ---- another vCPU changes what a hypercall is working on ---- */

static volatile uint64_t race_stop, race_flips;

/* No PAUSE: KVM's pause-loop exiting would make each one a VM exit. */
static void guest_spin(unsigned int n)
{
	while (n--)
		__asm__ volatile("" : : : "memory");
}

/*
 * Flip the table's count between its value and one far past the page,
 * each held for a while, so that a hypercall's reads see both.
 */
static void guest_flip_count(uint64_t gpa)
{
	volatile struct pvhv_trap_table *tt = (void *)gpa;
	uint16_t n = tt->count;

	while (!race_stop) {
		tt->count = 0xffff;
		guest_spin(2000);
		tt->count = n;
		guest_spin(2000);
		race_flips++;
	}
	tt->count = n;
}

/*
 * pvhv reads the table once and checks the copy: whatever count another
 * vCPU writes meanwhile, a call either installs the two entries listed or
 * is refused, and no gate appears that the guest did not list.  (Reading
 * the header twice and trusting the second count walked past what was
 * read, into stale heap.)
 */
TEST_F(traps, a_count_changed_meanwhile_is_read_once)
{
	struct minivm *vm = self->vm;
	volatile uint64_t *stop = minivm_hva(vm, (uintptr_t)&race_stop);
	volatile uint64_t *flips = minivm_hva(vm, (uintptr_t)&race_flips);
	uint64_t *idt = minivm_hva(vm, GPAGE(PK_IDT));
	int i, v, id, installed = 0, refused = 0;
	uint64_t flips0;
	long ret;

	*stop = 0;
	id = minivm_add_vcpu(vm, guest_flip_count, GPAGE(PK_TRAPS));
	ASSERT_EQ(1, id);
	ASSERT_EQ(0, minivm_vcpu_start(vm, id));
	/* The other vCPU is flipping before the calls start. */
	for (i = 0; i < 5000 && *flips < 2; i++)
		usleep(1000);
	flips0 = *flips;
	for (i = 0; i < 2000; i++) {
		ret = set_traps(vm);
		if (ret == -PVHV_EINVAL) {
			refused++;
			continue;
		}
		ASSERT_EQ(0, ret);
		installed++;
		for (v = 0; v < 256; v++)
			if (v != 3 && v != 0x80)
				ASSERT_EQ(0, idt[2 * v] | idt[2 * v + 1])
					TH_LOG("gate for vector %d", v);
	}
	TH_LOG("%d installed, %d refused, %lu flips meanwhile", installed,
	       refused, (unsigned long)(*flips - flips0));
	/* The count changed all along: the race was run, not the quiet case. */
	EXPECT_LT(flips0 + 10, *flips);
	*stop = 1;
	EXPECT_EQ(UCALL_DONE, minivm_vcpu_join(vm, id));
	/* Quiet again: the table as listed installs. */
	EXPECT_EQ(0, set_traps(vm));
}

#define RACE_ROUNDS	3000
/* Fewer and the race proves little; a debug kernel does about 300 in 15 s. */
#define RACE_MIN	100

static void guest_reset_loop(uint64_t n)
{
	do {
		GUEST_ASSERT_EQ(0, guest_hypercall(PVHV_HC_SOFT_RESET, 0, 0, 0, 0));
		GUEST_ASSERT_EQ(0, guest_hypercall(PVHV_HC_EVTCHN_SETUP,
						   SHARED_GPA, 0x30, 0, 0));
	} while (race_round_done(n));
}

static void guest_trap_table_loop(uint64_t n)
{
	long ret;

	while (race_on()) {
		ret = guest_hypercall(PVHV_HC_SET_TRAP_TABLE, GPAGE(PK_TRAPS),
				      0, 0, 0);
		/* Installed; or a reset is still unlinking write tracking. */
		if (ret != -PVHV_EAGAIN)
			GUEST_ASSERT_EQ(0, ret);
	}
}

static void guest_set_callback_loop(uint64_t n)
{
	long ret;

	while (race_on()) {
		ret = guest_hypercall(PVHV_HC_SET_CALLBACK, (uint64_t)pk_int80,
				      0x40, 0, 0);
		/* Installed, or no trap table or event channels just now. */
		if (ret != -PVHV_ENOENT && ret != -PVHV_ENODEV)
			GUEST_ASSERT_EQ(0, ret);
	}
}

/*
 * One vCPU soft-resets and sets up event channels again, one installs the
 * trap table, one sets the event callback, all at once: set_callback must
 * never use the event channel state a reset is clearing.  (It checked the
 * shared page without the lock and then used the upcall vCPU under it,
 * which the reset had set to NULL meanwhile.)
 */
TEST_F(traps, a_soft_reset_races_the_event_callback)
{
	void (*const loops[])(uint64_t) = {
		guest_reset_loop, guest_trap_table_loop, guest_set_callback_loop,
	};
	struct minivm *vm = self->vm;
	long rounds;
	int i, id[3];

	for (i = 0; i < 3; i++) {
		id[i] = minivm_add_vcpu(vm, loops[i], RACE_ROUNDS);
		ASSERT_LT(0, id[i]);
	}
	rounds = race_run(vm, id, 3);
	TH_LOG("%ld soft resets raced", rounds);
	EXPECT_LE(RACE_MIN, rounds);
}

TEST_HARNESS_MAIN
