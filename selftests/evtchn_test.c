// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels between two PV mini-guests: binding, sending, masking
 * without hypercalls, closing, every validation error, upcalls as real
 * interrupts, the upcall mask, and teardown.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/ioctl.h>
#include <pvhv/pvhv.h>
#include <pvhv/pvhvfs.h>
#include <pvhv/event.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"

#define SHARED_GPA	GPAGE(0)
#define VECTOR		0xe0

static struct minivm *new_vm(const char *tag, bool irqchip)
{
	struct minivm_opts opts = { .irqchip = irqchip };
	char name[64];
	struct minivm *vm;

	snprintf(name, sizeof(name), "ev%s-%d", tag, getpid());
	opts.domain = name;
	vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	return vm;
}

static struct pvhv_shared_info *shared(struct minivm *vm)
{
	return minivm_hva(vm, SHARED_GPA);
}

static int pending(struct minivm *vm, int port)
{
	return !!(shared(vm)->evtchn_pending[port / 64] & (1ULL << (port % 64)));
}

static void set_mask(struct minivm *vm, int port, bool on)
{
	if (on)
		shared(vm)->evtchn_mask[port / 64] |= 1ULL << (port % 64);
	else
		shared(vm)->evtchn_mask[port / 64] &= ~(1ULL << (port % 64));
}

/* A domain's evtchn counter in sysfs. */
static long ev_stat(struct minivm *vm, const char *what)
{
	return pvhv_sysfs_long("domains/%s/evtchn/%s", strrchr(vm->dir, '/') + 1,
			       what);
}

FIXTURE(pair) {
	struct minivm *a, *b;
	long ida, idb;
};

FIXTURE_SETUP(pair)
{
	NEED_PVHV_SETUP();
	self->a = new_vm("A", false);
	self->b = new_vm("B", false);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	self->ida = ghc(self->a, PVHV_HC_DOMID, 0, 0, 0, 0);
	self->idb = ghc(self->b, PVHV_HC_DOMID, 0, 0, 0, 0);
	ASSERT_LT(0, self->ida);
	ASSERT_LT(0, self->idb);
	ASSERT_NE(self->ida, self->idb);
	ASSERT_EQ(0, ghc(self->a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 0, 0));
	ASSERT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 0, 0));
}

FIXTURE_TEARDOWN(pair)
{
	minivm_destroy(self->a);
	minivm_destroy(self->b);
}

/* A offers a port to B, B binds it: both ends report the connection. */
static void connect(struct __test_metadata *_metadata,
		    FIXTURE_DATA(pair) *self, long *pa, long *pb)
{
	long s;

	*pa = ghc(self->a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, self->idb, 0, 0, 0);
	ASSERT_LT(0, *pa);
	s = ghc(self->a, PVHV_HC_EVTCHN_STATUS, *pa, 0, 0, 0);
	EXPECT_EQ(PVHV_EVTCHN_UNBOUND, PVHV_EVTCHN_STATUS_STATE(s));
	EXPECT_EQ(self->idb, PVHV_EVTCHN_STATUS_DOMID(s));

	*pb = ghc(self->b, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, self->ida, *pa, 0, 0);
	ASSERT_LT(0, *pb);
	s = ghc(self->a, PVHV_HC_EVTCHN_STATUS, *pa, 0, 0, 0);
	EXPECT_EQ(PVHV_EVTCHN_INTERDOMAIN, PVHV_EVTCHN_STATUS_STATE(s));
	EXPECT_EQ(*pb, PVHV_EVTCHN_STATUS_PORT(s));
	s = ghc(self->b, PVHV_HC_EVTCHN_STATUS, *pb, 0, 0, 0);
	EXPECT_EQ(PVHV_EVTCHN_INTERDOMAIN, PVHV_EVTCHN_STATUS_STATE(s));
	EXPECT_EQ(self->ida, PVHV_EVTCHN_STATUS_DOMID(s));
	EXPECT_EQ(*pa, PVHV_EVTCHN_STATUS_PORT(s));
}

TEST_F(pair, send_sets_pending_once)
{
	long pa, pb;

	connect(_metadata, self, &pa, &pb);
	EXPECT_EQ(0, pending(self->a, pa));
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(1, pending(self->a, pa));
	EXPECT_EQ(1, shared(self->a)->upcall_pending);
	EXPECT_EQ(0, pending(self->b, pb));	/* not the sender's */
	/* A second send before the guest looked: still one event. */
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(2, ev_stat(self->a, "raised"));
	EXPECT_EQ(1, ev_stat(self->a, "upcalls"));
	EXPECT_EQ(2, ev_stat(self->b, "sent"));

	/* The other direction works the same way. */
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_EVTCHN_SEND, pa, 0, 0, 0));
	EXPECT_EQ(1, pending(self->b, pb));
	EXPECT_EQ(1, ev_stat(self->a, "ports"));
	EXPECT_EQ(1, ev_stat(self->b, "ports"));
}

TEST_F(pair, masked_event_waits_for_unmask)
{
	long pa, pb;

	connect(_metadata, self, &pa, &pb);
	/* The guest masks by writing its mask bit: no hypercall. */
	set_mask(self->a, pa, true);
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(1, pending(self->a, pa));	/* recorded, not lost */
	EXPECT_EQ(0, shared(self->a)->upcall_pending);
	EXPECT_EQ(1, ev_stat(self->a, "masked"));
	EXPECT_EQ(0, ev_stat(self->a, "upcalls"));

	/* More events while masked: still one pending, still no upcall. */
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(0, shared(self->a)->upcall_pending);

	/*
	 * Unmask, then test pending as the protocol says: the event is there,
	 * exactly once.  The guest consumes it by clearing the bit.
	 */
	set_mask(self->a, pa, false);
	EXPECT_EQ(1, pending(self->a, pa));
	shared(self->a)->evtchn_pending[pa / 64] &= ~(1ULL << (pa % 64));

	/* Unmasked again: the next event raises an upcall. */
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(1, shared(self->a)->upcall_pending);
	EXPECT_EQ(1, ev_stat(self->a, "upcalls"));
}

TEST_F(pair, close_unbinds_the_peer)
{
	long pa, pb, s;

	connect(_metadata, self, &pa, &pb);
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_EVTCHN_CLOSE, pa, 0, 0, 0));
	s = ghc(self->a, PVHV_HC_EVTCHN_STATUS, pa, 0, 0, 0);
	EXPECT_EQ(PVHV_EVTCHN_FREE, PVHV_EVTCHN_STATUS_STATE(s));
	/* B's end waits for A again, as if A had just offered it. */
	s = ghc(self->b, PVHV_HC_EVTCHN_STATUS, pb, 0, 0, 0);
	EXPECT_EQ(PVHV_EVTCHN_UNBOUND, PVHV_EVTCHN_STATUS_STATE(s));
	EXPECT_EQ(self->ida, PVHV_EVTCHN_STATUS_DOMID(s));
	/* Sending on it goes nowhere and is no error. */
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(0, pending(self->a, pa));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->a, PVHV_HC_EVTCHN_CLOSE, pa, 0, 0, 0));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->a, PVHV_HC_EVTCHN_SEND, pa, 0, 0, 0));

	/* A can bind B's now unbound port: a reconnection. */
	pa = ghc(self->a, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, self->idb, pb, 0, 0);
	ASSERT_LT(0, pa);
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));
	EXPECT_EQ(1, pending(self->a, pa));

	/* Reset closes everything. */
	EXPECT_EQ(0, ghc(self->b, PVHV_HC_EVTCHN_RESET, 0, 0, 0, 0));
	EXPECT_EQ(0, ev_stat(self->b, "ports"));
	s = ghc(self->a, PVHV_HC_EVTCHN_STATUS, pa, 0, 0, 0);
	EXPECT_EQ(PVHV_EVTCHN_UNBOUND, PVHV_EVTCHN_STATUS_STATE(s));
}

TEST_F(pair, validation)
{
	struct minivm *a = self->a, *b = self->b;
	long pa, pb, p;

	/* Port numbers. */
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_SEND, 0, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_SEND, PVHV_EVTCHN_PORTS, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_CLOSE, -1UL, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_STATUS, 1UL << 40, 0, 0, 0));
	EXPECT_EQ(-PVHV_ENOENT, ghc(a, PVHV_HC_EVTCHN_SEND, 5, 0, 0, 0));

	/* Domains. */
	EXPECT_EQ(-PVHV_ESRCH, ghc(a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, 1UL << 31, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, 1UL << 32, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_BIND_INTERDOMAIN,
				    PVHV_DOMID_HOST, 1, 0, 0));
	EXPECT_EQ(-PVHV_ESRCH, ghc(a, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, 1UL << 31, 1, 0, 0));

	/* Binding a port offered to someone else, or not offered at all. */
	pb = ghc(b, PVHV_HC_EVTCHN_ALLOC_UNBOUND, self->idb, 0, 0, 0);
	ASSERT_LT(0, pb);
	EXPECT_EQ(-PVHV_EPERM, ghc(a, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, self->idb, pb, 0, 0));
	EXPECT_EQ(-PVHV_ENOENT, ghc(a, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, self->idb, pb + 1, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, self->idb, 0, 0, 0));
	/* A port already connected cannot be bound a second time. */
	connect(_metadata, self, &pa, &p);
	EXPECT_EQ(-PVHV_ENOENT, ghc(b, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, self->ida, pa, 0, 0));

	/* Setup arguments. */
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA + 8, 0, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 5, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 256, 0, 0));
	EXPECT_EQ(-PVHV_EINVAL, ghc(a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 1, 0));
	EXPECT_EQ(-PVHV_EFAULT, ghc(a, PVHV_HC_EVTCHN_SETUP, 1UL << 40, 0, 0, 0));
	/* No in-kernel local APIC in this VM: no upcall vector. */
	EXPECT_EQ(-PVHV_ENODEV, ghc(a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, VECTOR, 0, 0));
	/* The failed calls changed nothing: the channel still works. */
	EXPECT_EQ(0, ghc(b, PVHV_HC_EVTCHN_SEND, p, 0, 0, 0));
	EXPECT_EQ(1, pending(a, pa));
}

TEST_F(pair, ports_run_out)
{
	long p, n = 0;

	for (;;) {
		p = ghc(self->a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, self->idb, 0, 0, 0);
		if (p < 0)
			break;
		n++;
	}
	EXPECT_EQ(-PVHV_ENOSPC, p);
	EXPECT_EQ(PVHV_EVTCHN_PORTS - 1, n);
	EXPECT_EQ(n, ev_stat(self->a, "ports"));
	EXPECT_EQ(0, ghc(self->a, PVHV_HC_EVTCHN_CLOSE, 77, 0, 0, 0));
	EXPECT_EQ(77, ghc(self->a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, self->idb, 0, 0, 0));
}

TEST_F(pair, shared_page_is_pinned)
{
	struct pvhv_frame_op_args op = { .offset = SHARED_GPA,
				    .op = PVHV_FRAME_RELOCATE };

	/* pvhv holds the page: the admin cannot move it under the guest. */
	EXPECT_EQ(-1, ioctl(self->a->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(EBUSY, errno);
	op.op = PVHV_FRAME_DISCARD;
	EXPECT_EQ(-1, ioctl(self->a->mem_fd, PVHV_IOC_FRAME_OP, &op));
	EXPECT_EQ(EBUSY, errno);
	/* Other frames still move. */
	op.offset = GPAGE(1);
	op.op = PVHV_FRAME_RELOCATE;
	EXPECT_EQ(0, gdo(self->a, G_WRITE, GPAGE(1), 1, 0));
	EXPECT_EQ(0, ioctl(self->a->mem_fd, PVHV_IOC_FRAME_OP, &op));
}

TEST(not_set_up)
{
	struct minivm *vm;

	NEED_PVHV();
	vm = new_vm("N", false);
	ASSERT_NE(NULL, vm);
	EXPECT_EQ(-PVHV_ENODEV, ghc(vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND, 0, 0, 0, 0));
	EXPECT_EQ(-PVHV_ENODEV, ghc(vm, PVHV_HC_EVTCHN_SEND, 1, 0, 0, 0));
	EXPECT_EQ(-PVHV_ENODEV, ghc(vm, PVHV_HC_EVTCHN_RESET, 0, 0, 0, 0));
	minivm_destroy(vm);
}

/*
 * A domain with KVM's local APIC, its upcall vector, interrupts on, and a
 * loopback channel: the domain offers port p1 to itself and binds p2.
 */
FIXTURE(upcall) {
	struct minivm *vm;
	long p1, p2;
};

FIXTURE_SETUP(upcall)
{
	long id;

	NEED_PVHV_SETUP();
	self->vm = new_vm("I", true);
	ASSERT_NE(NULL, self->vm);
	id = ghc(self->vm, PVHV_HC_DOMID, 0, 0, 0, 0);
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, VECTOR, 0, 0));
	EXPECT_EQ(VECTOR, ev_stat(self->vm, "vector"));
	ASSERT_EQ(0, gdo(self->vm, G_STI, 0, 0, 0));
	self->p1 = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND, id, 0, 0, 0);
	ASSERT_LT(0, self->p1);
	self->p2 = ghc(self->vm, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, id, self->p1,
		       0, 0);
	ASSERT_LT(0, self->p2);
	EXPECT_EQ(0, minivm_irq_count(self->vm, VECTOR));
}

FIXTURE_TEARDOWN(upcall)
{
	minivm_destroy(self->vm);
}

/* The guest's upcall handler: clear upcall_pending and every pending bit. */
static void ack_upcall(struct minivm *vm)
{
	shared(vm)->upcall_pending = 0;
	memset(shared(vm)->evtchn_pending, 0, sizeof(shared(vm)->evtchn_pending));
}

/* Send on @port; an interrupt is taken on the way back into the guest. */
static long send_and_enter(struct minivm *vm, long port)
{
	long ret = ghc(vm, PVHV_HC_EVTCHN_SEND, port, 0, 0, 0);

	return ret ?: gdo(vm, G_WRITE, GPAGE(1), 0, 0);
}

/* The upcall is a real interrupt in the guest. */
TEST_F(upcall, is_an_interrupt)
{
	struct minivm *vm = self->vm;

	ASSERT_EQ(0, send_and_enter(vm, self->p2));
	EXPECT_EQ(1, minivm_irq_count(vm, VECTOR));
	EXPECT_EQ(1, pending(vm, self->p1));

	/* Not acknowledged (upcall_pending still set): no second interrupt. */
	ASSERT_EQ(0, send_and_enter(vm, self->p1));
	EXPECT_EQ(1, minivm_irq_count(vm, VECTOR));
	EXPECT_EQ(1, pending(vm, self->p2));

	ack_upcall(vm);
	ASSERT_EQ(0, send_and_enter(vm, self->p2));
	EXPECT_EQ(2, minivm_irq_count(vm, VECTOR));
	EXPECT_EQ(2, ev_stat(vm, "upcalls"));
}

/*
 * upcall_mask: the guest cannot be interrupted now.  Events still set
 * their pending bits and upcall_pending, but no interrupt comes; the
 * guest, unmasking, finds upcall_pending and handles them itself.
 */
TEST_F(upcall, mask_holds_the_interrupt)
{
	struct minivm *vm = self->vm;

	shared(vm)->upcall_mask = 1;
	ASSERT_EQ(0, send_and_enter(vm, self->p2));
	EXPECT_EQ(0, minivm_irq_count(vm, VECTOR));
	EXPECT_EQ(1, pending(vm, self->p1));
	EXPECT_EQ(1, shared(vm)->upcall_pending);
	EXPECT_EQ(0, ev_stat(vm, "upcalls"));
	EXPECT_EQ(1, ev_stat(vm, "upcalls_masked"));

	/* Unmasked: the guest sees upcall_pending and handles the event. */
	shared(vm)->upcall_mask = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	ASSERT_EQ(1, shared(vm)->upcall_pending);
	ack_upcall(vm);

	/* The next event interrupts again. */
	ASSERT_EQ(0, send_and_enter(vm, self->p2));
	EXPECT_EQ(1, minivm_irq_count(vm, VECTOR));
	EXPECT_EQ(1, ev_stat(vm, "upcalls"));
	EXPECT_EQ(1, ev_stat(vm, "upcalls_masked"));
}

/* Destroying the VMs closes every port and unpins every frame. */
TEST(teardown_releases_everything)
{
	long ports0, pinned0, pa, pb, ida, idb;
	struct minivm *a, *b;

	NEED_PVHV();
	ports0 = pvhv_sysfs_wait("evtchn_ports", 0);
	pinned0 = pvhv_sysfs_wait("frames_pinned", 0);
	a = new_vm("TA", false);
	b = new_vm("TB", false);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ida = ghc(a, PVHV_HC_DOMID, 0, 0, 0, 0);
	idb = ghc(b, PVHV_HC_DOMID, 0, 0, 0, 0);
	ASSERT_EQ(0, ghc(a, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 0, 0));
	ASSERT_EQ(0, ghc(b, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 0, 0));
	pa = ghc(a, PVHV_HC_EVTCHN_ALLOC_UNBOUND, idb, 0, 0, 0);
	pb = ghc(b, PVHV_HC_EVTCHN_BIND_INTERDOMAIN, ida, pa, 0, 0);
	ASSERT_LT(0, pb);
	EXPECT_EQ(ports0 + 2, pvhv_sysfs_long("evtchn_ports"));
	EXPECT_EQ(pinned0 + 2, pvhv_sysfs_long("frames_pinned"));

	/* A dies: B's end is unbound again, and A's resources are gone. */
	minivm_destroy(a);
	EXPECT_EQ(ports0 + 1, pvhv_sysfs_wait("evtchn_ports", ports0 + 1));
	EXPECT_EQ(pinned0 + 1, pvhv_sysfs_wait("frames_pinned", pinned0 + 1));
	EXPECT_EQ(PVHV_EVTCHN_UNBOUND,
		  PVHV_EVTCHN_STATUS_STATE(ghc(b, PVHV_HC_EVTCHN_STATUS, pb, 0, 0, 0)));
	EXPECT_EQ(0, ghc(b, PVHV_HC_EVTCHN_SEND, pb, 0, 0, 0));

	minivm_destroy(b);
	EXPECT_EQ(ports0, pvhv_sysfs_wait("evtchn_ports", ports0));
	EXPECT_EQ(pinned0, pvhv_sysfs_wait("frames_pinned", pinned0));
}

TEST_HARNESS_MAIN
