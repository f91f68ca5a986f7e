// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels: the port table, the hypercalls, host backend bindings and
 * upcall delivery.  The ABI and the guest's side of the protocol are
 * described in include/uapi/pvhv/event.h.
 */
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/kvm_host.h>
#include <asm/apicdef.h>
#include <pvhv/pvhv.h>
#include <pvhv/event.h>

#include "domain.h"
#include "evtchn.h"
#include "frames.h"
#include "hypercall.h"
#include "kvm_internal.h"

struct pvhv_evtchn_port {
	u8 state;			/* PVHV_EVTCHN_* */
	u16 remote_port;
	u32 remote_domid;
	pvhv_evtchn_host_fn host_fn;	/* PVHV_EVTCHN_HOST */
	void *host_data;
};

struct pvhv_evtchn {
	/*
	 * Setup and teardown, each whole: a teardown decides whether the
	 * state is its VM's, clears it and closes every port before a setup
	 * (of a new kernel, or of the next VM) can install new state, and a
	 * setup that finds its VM unbound installs nothing.
	 */
	struct mutex setup_lock;
	spinlock_t lock;		/* everything below */
	struct pvhv_domain *dom;
	struct kvm *kvm;		/* the VM that set it up */
	struct pvhv_frame_pin page;	/* holds the shared info */
	struct pvhv_shared_info *shared;
	struct kvm_vcpu *vcpu;		/* upcall target */
	u8 vector;			/* upcall vector, 0: none */
	unsigned int open;		/* ports not FREE */
	/*
	 * Sends, events raised here, raised while masked, upcalls raised,
	 * upcalls held back by the guest's upcall_mask.
	 */
	u64 sent, raised, masked, upcalls, upcalls_masked;
	struct pvhv_evtchn_port port[PVHV_EVTCHN_PORTS];
};

static atomic_long_t pvhv_evtchn_open = ATOMIC_LONG_INIT(0);

long pvhv_evtchn_ports_global(void)
{
	return atomic_long_read(&pvhv_evtchn_open);
}

static struct pvhv_evtchn *evtchn_of(struct pvhv_domain *dom)
{
	/* Pairs with the cmpxchg_release() that publishes it. */
	return smp_load_acquire(&dom->evtchn);
}

static struct pvhv_evtchn *evtchn_get_or_create(struct pvhv_domain *dom)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);

	if (ev)
		return ev;
	ev = kvzalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
	if (!ev)
		return NULL;
	mutex_init(&ev->setup_lock);
	spin_lock_init(&ev->lock);
	ev->dom = dom;
	if (cmpxchg_release(&dom->evtchn, NULL, ev))
		kvfree(ev);		/* another vCPU was first */
	return evtchn_of(dom);
}

/*
 * A port number from a guest.  Every caller clamps it with
 * array_index_nospec() after this check, before indexing ev->port[]: a
 * mispredicted check must not read (or call through) past the array.
 */
static bool port_valid(u64 port)
{
	return port >= 1 && port < PVHV_EVTCHN_PORTS;
}

/* Both domains' locks, in domain id order; @b may be @a or NULL. */
static void evtchn_lock2(struct pvhv_evtchn *a, struct pvhv_evtchn *b,
			 unsigned long *flags)
	__acquires(&a->lock) __acquires(&b->lock)
{
	if (!b || a == b) {
		spin_lock_irqsave(&a->lock, *flags);
		__acquire(&b->lock);	/* for sparse: one lock covers both */
		return;
	}
	if (a->dom->id > b->dom->id)
		swap(a, b);
	spin_lock_irqsave(&a->lock, *flags);
	spin_lock_nested(&b->lock, SINGLE_DEPTH_NESTING);
}

static void evtchn_unlock2(struct pvhv_evtchn *a, struct pvhv_evtchn *b,
			   unsigned long flags)
	__releases(&a->lock) __releases(&b->lock)
{
	if (b && a != b)
		spin_unlock(&b->lock);
	else
		__release(&b->lock);
	spin_unlock_irqrestore(&a->lock, flags);
}

static int evtchn_alloc_port(struct pvhv_evtchn *ev)
{
	int port;

	lockdep_assert_held(&ev->lock);
	for (port = 1; port < PVHV_EVTCHN_PORTS; port++) {
		if (ev->port[port].state == PVHV_EVTCHN_FREE) {
			ev->open++;
			atomic_long_inc(&pvhv_evtchn_open);
			return port;
		}
	}
	return -PVHV_ENOSPC;
}

static void evtchn_free_port(struct pvhv_evtchn *ev, u32 port)
{
	lockdep_assert_held(&ev->lock);
	ev->port[port] = (struct pvhv_evtchn_port){};
	ev->open--;
	atomic_long_dec(&pvhv_evtchn_open);
}

/*
 * Set the pending bit of @port and send the upcall if the guest asked for
 * it: see include/uapi/pvhv/event.h for the protocol.  The shared page is
 * guest memory the guest may scribble on at any time; only atomic
 * operations touch it, and nothing read from it is trusted.
 */
static void evtchn_raise_locked(struct pvhv_evtchn *ev, u32 port)
{
	struct pvhv_shared_info *si = ev->shared;
	unsigned long *pending, *mask;

	lockdep_assert_held(&ev->lock);
	BUILD_BUG_ON(sizeof(si->evtchn_pending[0]) != sizeof(unsigned long));
	ev->raised++;
	if (!si)
		return;
	pending = (unsigned long *)si->evtchn_pending;
	mask = (unsigned long *)si->evtchn_mask;
	if (test_and_set_bit(port, pending))
		return;			/* already pending: still one event */
	/* test_and_set_bit() is a full barrier: the mask is read after it. */
	if (test_bit(port, mask)) {
		ev->masked++;		/* the guest looks when it unmasks */
		return;
	}
	if (xchg(&si->upcall_pending, 1))
		return;			/* an upcall is already on its way */
	/* xchg() is a full barrier: upcall_mask is read after it. */
	if (READ_ONCE(si->upcall_mask)) {
		ev->upcalls_masked++;	/* the guest looks when it unmasks */
		return;
	}
	ev->upcalls++;
	if (ev->vector && ev->vcpu)
		kvm_apic_send_ipi(ev->vcpu->arch.apic, APIC_DEST_SELF |
				  APIC_INT_ASSERT | APIC_DM_FIXED | ev->vector,
				  0);
}

/*
 * Close @port of @dom; an interdomain peer's port becomes unbound again, as
 * if freshly allocated for us.
 */
static int evtchn_close(struct pvhv_domain *dom, struct pvhv_evtchn *ev,
			u32 port)
{
	struct pvhv_evtchn_port *p = &ev->port[port];
	struct pvhv_domain *rd = NULL;
	struct pvhv_evtchn *rev = NULL;
	unsigned long flags;
	u32 rid, rport;

	spin_lock_irqsave(&ev->lock, flags);
	if (p->state == PVHV_EVTCHN_FREE) {
		spin_unlock_irqrestore(&ev->lock, flags);
		return -PVHV_ENOENT;
	}
	if (p->state != PVHV_EVTCHN_INTERDOMAIN) {
		evtchn_free_port(ev, port);
		spin_unlock_irqrestore(&ev->lock, flags);
		return 0;
	}
	rid = p->remote_domid;
	rport = p->remote_port;
	spin_unlock_irqrestore(&ev->lock, flags);

	/* Both ends change together: take the peer's lock too. */
	rd = pvhv_domain_get_by_id(rid);
	rev = rd ? evtchn_of(rd) : NULL;
	evtchn_lock2(ev, rev, &flags);
	if (p->state == PVHV_EVTCHN_INTERDOMAIN && p->remote_domid == rid &&
	    p->remote_port == rport) {
		struct pvhv_evtchn_port *rp = rev ? &rev->port[rport] : NULL;

		if (rp && rp->state == PVHV_EVTCHN_INTERDOMAIN &&
		    rp->remote_domid == dom->id && rp->remote_port == port) {
			rp->state = PVHV_EVTCHN_UNBOUND;
			rp->remote_port = 0;
		}
		evtchn_free_port(ev, port);
	}
	/* else: closed or rebound meanwhile by another vCPU; that one won. */
	evtchn_unlock2(ev, rev, flags);
	if (rd)
		pvhv_domain_put(rd);
	return 0;
}

/* ---- hypercalls ---- */

/* The caller's event channels, or NULL if it has not called setup. */
static struct pvhv_evtchn *evtchn_ready(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_evtchn *ev = evtchn_of(ctx->dom);

	return ev && READ_ONCE(ev->shared) ? ev : NULL;
}

/* evtchn_setup(gpa, vector, apic_id) */
static long hc_evtchn_setup(struct pvhv_hc_ctx *ctx)
{
	u64 gpa = ctx->args[0], vector = ctx->args[1], idx = ctx->args[2];
	struct kvm *kvm = ctx->vcpu->kvm;
	struct pvhv_frame_pin pin, old;
	struct kvm_vcpu *vcpu;
	struct pvhv_evtchn *ev;
	unsigned long flags;
	int ret;

	if (gpa & ~PAGE_MASK)
		return -PVHV_EINVAL;
	if (vector && (vector < FIRST_EXTERNAL_VECTOR || vector > 0xff))
		return -PVHV_EINVAL;
	if (idx > INT_MAX)
		return -PVHV_EINVAL;
	vcpu = kvm_get_vcpu_by_id(kvm, idx);
	if (!vcpu)
		return -PVHV_EINVAL;
	/* Upcalls need KVM's local APIC (KVM_CREATE_IRQCHIP, as QEMU does). */
	if (vector && !vcpu->arch.apic)
		return -PVHV_ENODEV;
	ev = evtchn_get_or_create(ctx->dom);
	if (!ev)
		return -PVHV_ENOMEM;
	ret = pvhv_domain_pin_gfn(ctx->dom, gpa >> PAGE_SHIFT, &pin);
	if (ret)
		return ret;	/* -EFAULT, -EPERM, -ENOMEM: PVHV_E* values */

	/*
	 * The VM may have lost the domain's memory meanwhile (QEMU unmapped
	 * it on another thread) and its teardown run already: state set now
	 * would outlive the VM, and a peer's send would interrupt a freed
	 * vCPU.  Teardown runs after the binding is gone and takes
	 * setup_lock, so it either comes after this setup and clears it, or
	 * before it, and this setup sees the VM unbound.
	 */
	mutex_lock(&ev->setup_lock);
	if (READ_ONCE(ctx->dom->kvm) != kvm) {
		mutex_unlock(&ev->setup_lock);
		pvhv_mem_unpin(&pin);
		return -PVHV_ESRCH;
	}
	spin_lock_irqsave(&ev->lock, flags);
	old = ev->page;
	ev->page = pin;
	ev->shared = page_address(pin.page);
	ev->kvm = kvm;
	ev->vcpu = vcpu;
	ev->vector = vector;
	spin_unlock_irqrestore(&ev->lock, flags);
	mutex_unlock(&ev->setup_lock);
	pvhv_mem_unpin(&old);
	return 0;
}

int pvhv_evtchn_set_vector(struct pvhv_domain *dom, u8 vector)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);
	unsigned long flags;

	if (!ev)
		return -PVHV_ENODEV;
	/*
	 * shared and vcpu are checked under the lock: a soft reset on another
	 * vCPU clears both under it (pvhv_evtchn_teardown()).
	 */
	spin_lock_irqsave(&ev->lock, flags);
	if (!ev->shared || !ev->vcpu || !ev->vcpu->arch.apic) {
		spin_unlock_irqrestore(&ev->lock, flags);
		return -PVHV_ENODEV;
	}
	ev->vector = vector;
	spin_unlock_irqrestore(&ev->lock, flags);
	return 0;
}

/* evtchn_alloc_unbound(remote_domid) */
static long hc_evtchn_alloc_unbound(struct pvhv_hc_ctx *ctx)
{
	u64 rid = ctx->args[0];
	struct pvhv_evtchn *ev = evtchn_ready(ctx);
	unsigned long flags;
	int port;

	if (!ev)
		return -PVHV_ENODEV;
	if (rid > U32_MAX)
		return -PVHV_EINVAL;
	if (rid != PVHV_DOMID_HOST) {
		struct pvhv_domain *rd = pvhv_domain_get_by_id(rid);

		if (!rd)
			return -PVHV_ESRCH;
		pvhv_domain_put(rd);
	}
	spin_lock_irqsave(&ev->lock, flags);
	port = evtchn_alloc_port(ev);
	if (port > 0) {
		ev->port[port].state = PVHV_EVTCHN_UNBOUND;
		ev->port[port].remote_domid = rid;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	return port;
}

/* evtchn_bind_interdomain(remote_domid, remote_port) */
static long hc_evtchn_bind_interdomain(struct pvhv_hc_ctx *ctx)
{
	u64 rid = ctx->args[0], rport = ctx->args[1];
	struct pvhv_evtchn *ev = evtchn_ready(ctx), *rev;
	struct pvhv_evtchn_port *rp;
	struct pvhv_domain *rd;
	unsigned long flags;
	long port;

	if (!ev)
		return -PVHV_ENODEV;
	if (rid == PVHV_DOMID_HOST || rid > U32_MAX || !port_valid(rport))
		return -PVHV_EINVAL;
	rport = array_index_nospec(rport, PVHV_EVTCHN_PORTS);
	rd = pvhv_domain_get_by_id(rid);
	if (!rd)
		return -PVHV_ESRCH;
	rev = evtchn_of(rd);
	if (!rev) {
		pvhv_domain_put(rd);
		return -PVHV_ENOENT;
	}

	evtchn_lock2(ev, rev, &flags);
	rp = &rev->port[rport];
	if (rp->state != PVHV_EVTCHN_UNBOUND) {
		port = -PVHV_ENOENT;
	} else if (rp->remote_domid != ctx->dom->id) {
		port = -PVHV_EPERM;	/* offered to someone else */
	} else {
		port = evtchn_alloc_port(ev);
		if (port > 0) {
			ev->port[port] = (struct pvhv_evtchn_port){
				.state = PVHV_EVTCHN_INTERDOMAIN,
				.remote_domid = rid,
				.remote_port = rport,
			};
			rp->state = PVHV_EVTCHN_INTERDOMAIN;
			rp->remote_port = port;
		}
	}
	evtchn_unlock2(ev, rev, flags);
	pvhv_domain_put(rd);
	return port;
}

/* evtchn_send(port) */
static long hc_evtchn_send(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_evtchn *ev = evtchn_ready(ctx), *rev;
	struct pvhv_evtchn_port *p, *rp;
	u64 port = ctx->args[0];
	struct pvhv_domain *rd;
	unsigned long flags;
	u32 rid, rport;
	long ret = 0;

	if (!ev)
		return -PVHV_ENODEV;
	if (!port_valid(port))
		return -PVHV_EINVAL;
	port = array_index_nospec(port, PVHV_EVTCHN_PORTS);
	p = &ev->port[port];
	spin_lock_irqsave(&ev->lock, flags);
	ev->sent++;
	switch (p->state) {
	case PVHV_EVTCHN_FREE:
		ret = -PVHV_ENOENT;
		break;
	case PVHV_EVTCHN_HOST:
		p->host_fn(p->host_data);
		break;
	case PVHV_EVTCHN_UNBOUND:
		break;			/* nobody listens yet: dropped */
	}
	rid = p->remote_domid;
	rport = p->remote_port;
	if (p->state != PVHV_EVTCHN_INTERDOMAIN) {
		spin_unlock_irqrestore(&ev->lock, flags);
		return ret;
	}
	spin_unlock_irqrestore(&ev->lock, flags);

	rd = pvhv_domain_get_by_id(rid);
	if (!rd)
		return 0;		/* the peer is gone */
	rev = evtchn_of(rd);
	if (!rev) {
		pvhv_domain_put(rd);
		return 0;
	}
	spin_lock_irqsave(&rev->lock, flags);
	rp = &rev->port[rport];
	/* Raise only if the peer's port still points back at ours. */
	if (rp->state == PVHV_EVTCHN_INTERDOMAIN &&
	    rp->remote_domid == ctx->dom->id && rp->remote_port == port)
		evtchn_raise_locked(rev, rport);
	spin_unlock_irqrestore(&rev->lock, flags);
	pvhv_domain_put(rd);
	return 0;
}

/* evtchn_close(port) */
static long hc_evtchn_close(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_evtchn *ev = evtchn_ready(ctx);
	u64 port = ctx->args[0];

	if (!ev)
		return -PVHV_ENODEV;
	if (!port_valid(port))
		return -PVHV_EINVAL;
	port = array_index_nospec(port, PVHV_EVTCHN_PORTS);
	return evtchn_close(ctx->dom, ev, port);
}

/* evtchn_status(port) */
static long hc_evtchn_status(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_evtchn *ev = evtchn_ready(ctx);
	u64 port = ctx->args[0];
	struct pvhv_evtchn_port *p;
	unsigned long flags;
	long ret;

	if (!ev)
		return -PVHV_ENODEV;
	if (!port_valid(port))
		return -PVHV_EINVAL;
	port = array_index_nospec(port, PVHV_EVTCHN_PORTS);
	p = &ev->port[port];
	spin_lock_irqsave(&ev->lock, flags);
	ret = PVHV_EVTCHN_STATUS(p->state, p->remote_domid, p->remote_port);
	spin_unlock_irqrestore(&ev->lock, flags);
	return ret;
}

static void evtchn_close_all(struct pvhv_domain *dom, struct pvhv_evtchn *ev)
{
	u32 port;

	for (port = 1; port < PVHV_EVTCHN_PORTS; port++)
		evtchn_close(dom, ev, port);
}

/* evtchn_reset() */
static long hc_evtchn_reset(struct pvhv_hc_ctx *ctx)
{
	struct pvhv_evtchn *ev = evtchn_ready(ctx);

	if (!ev)
		return -PVHV_ENODEV;
	evtchn_close_all(ctx->dom, ev);
	return 0;
}

/* ---- host backends ---- */

int pvhv_evtchn_bind_host(struct pvhv_domain *dom, u32 port,
			  pvhv_evtchn_host_fn fn, void *data)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);
	struct pvhv_evtchn_port *p;
	unsigned long flags;
	int ret = -ENOENT;

	if (!ev)
		return -ENODEV;
	if (!port_valid(port))
		return -EINVAL;
	port = array_index_nospec(port, PVHV_EVTCHN_PORTS);
	p = &ev->port[port];
	spin_lock_irqsave(&ev->lock, flags);
	if (p->state == PVHV_EVTCHN_UNBOUND &&
	    p->remote_domid == PVHV_DOMID_HOST) {
		p->state = PVHV_EVTCHN_HOST;
		p->host_fn = fn;
		p->host_data = data;
		ret = 0;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	return ret;
}

void pvhv_evtchn_unbind_host(struct pvhv_domain *dom, u32 port, void *data)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);
	struct pvhv_evtchn_port *p;
	unsigned long flags;

	if (!ev || !port_valid(port))
		return;
	port = array_index_nospec(port, PVHV_EVTCHN_PORTS);
	p = &ev->port[port];
	spin_lock_irqsave(&ev->lock, flags);
	if (p->state == PVHV_EVTCHN_HOST && p->host_data == data) {
		/* Offered to the host again, as a closed peer's port is. */
		p->state = PVHV_EVTCHN_UNBOUND;
		p->host_fn = NULL;
		p->host_data = NULL;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
}

void pvhv_evtchn_notify(struct pvhv_domain *dom, u32 port)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);
	unsigned long flags;

	if (!ev || !port_valid(port))
		return;
	port = array_index_nospec(port, PVHV_EVTCHN_PORTS);
	spin_lock_irqsave(&ev->lock, flags);
	if (ev->port[port].state == PVHV_EVTCHN_HOST)
		evtchn_raise_locked(ev, port);
	spin_unlock_irqrestore(&ev->lock, flags);
}

/* @ev's upcall vCPU, under its lock: running guest code, or halted. */
static bool evtchn_vcpu_is(struct pvhv_domain *dom, bool halted)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);
	unsigned long flags;
	bool is = false;

	if (!ev)
		return false;
	spin_lock_irqsave(&ev->lock, flags);
	if (ev->vcpu && halted)
		is = READ_ONCE(ev->vcpu->arch.mp_state) == KVM_MP_STATE_HALTED;
	else if (ev->vcpu)
		is = READ_ONCE(ev->vcpu->mode) == IN_GUEST_MODE;
	spin_unlock_irqrestore(&ev->lock, flags);
	return is;
}

bool pvhv_evtchn_guest_running(struct pvhv_domain *dom)
{
	return evtchn_vcpu_is(dom, false);
}

bool pvhv_evtchn_guest_halted(struct pvhv_domain *dom)
{
	return evtchn_vcpu_is(dom, true);
}

/* ---- lifetime ---- */

void pvhv_evtchn_teardown(struct pvhv_domain *dom, struct kvm *kvm)
{
	struct pvhv_evtchn *ev = evtchn_of(dom);
	struct pvhv_frame_pin old;
	unsigned long flags;

	if (!ev)
		return;
	/* Decided under setup_lock: see struct pvhv_evtchn. */
	mutex_lock(&ev->setup_lock);
	if (ev->kvm != kvm) {
		/* Never set up by this VM, or already the next one's. */
		mutex_unlock(&ev->setup_lock);
		return;
	}
	evtchn_close_all(dom, ev);
	spin_lock_irqsave(&ev->lock, flags);
	old = ev->page;
	memset(&ev->page, 0, sizeof(ev->page));
	ev->shared = NULL;
	ev->vcpu = NULL;
	ev->vector = 0;
	ev->kvm = NULL;
	spin_unlock_irqrestore(&ev->lock, flags);
	mutex_unlock(&ev->setup_lock);
	pvhv_mem_unpin(&old);
}

void pvhv_evtchn_free(struct pvhv_domain *dom)
{
	struct pvhv_evtchn *ev = dom->evtchn;

	if (!ev)
		return;
	/* Ports opened after teardown by a vCPU that outlived its memory. */
	atomic_long_sub(ev->open, &pvhv_evtchn_open);
	pvhv_mem_unpin(&ev->page);
	kvfree(ev);
}

/* ---- sysfs: /sys/kernel/pvhv/domains/<name>/evtchn/ ---- */

#define EVTCHN_ATTR(field, expr)					\
static ssize_t field##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	struct pvhv_domain *dom = container_of(kobj, struct pvhv_domain, kobj); \
	struct pvhv_evtchn *ev = evtchn_of(dom);			\
									\
	return sysfs_emit(buf, "%llu\n", ev ? (u64)(expr) : 0ULL);	\
}									\
static struct kobj_attribute evtchn_##field##_attr = __ATTR_RO(field)

EVTCHN_ATTR(ports, READ_ONCE(ev->open));
EVTCHN_ATTR(sent, READ_ONCE(ev->sent));
EVTCHN_ATTR(raised, READ_ONCE(ev->raised));
EVTCHN_ATTR(masked, READ_ONCE(ev->masked));
EVTCHN_ATTR(upcalls, READ_ONCE(ev->upcalls));
EVTCHN_ATTR(upcalls_masked, READ_ONCE(ev->upcalls_masked));
EVTCHN_ATTR(vector, READ_ONCE(ev->vector));

static struct attribute *pvhv_evtchn_attrs[] = {
	&evtchn_ports_attr.attr,
	&evtchn_sent_attr.attr,
	&evtchn_raised_attr.attr,
	&evtchn_masked_attr.attr,
	&evtchn_upcalls_attr.attr,
	&evtchn_upcalls_masked_attr.attr,
	&evtchn_vector_attr.attr,
	NULL,
};

const struct attribute_group pvhv_evtchn_attr_group = {
	.name = "evtchn",
	.attrs = pvhv_evtchn_attrs,
};

/* ---- init ---- */

static const struct pvhv_hc_desc pvhv_evtchn_hcs[] = {
	{ PVHV_HC_EVTCHN_SETUP, "evtchn_setup", hc_evtchn_setup },
	{ PVHV_HC_EVTCHN_ALLOC_UNBOUND, "evtchn_alloc_unbound",
	  hc_evtchn_alloc_unbound },
	{ PVHV_HC_EVTCHN_BIND_INTERDOMAIN, "evtchn_bind_interdomain",
	  hc_evtchn_bind_interdomain },
	{ PVHV_HC_EVTCHN_SEND, "evtchn_send", hc_evtchn_send },
	{ PVHV_HC_EVTCHN_CLOSE, "evtchn_close", hc_evtchn_close },
	{ PVHV_HC_EVTCHN_STATUS, "evtchn_status", hc_evtchn_status },
	{ PVHV_HC_EVTCHN_RESET, "evtchn_reset", hc_evtchn_reset },
};

int pvhv_evtchn_init(void)
{
	return pvhv_hc_register_all(pvhv_evtchn_hcs,
				    ARRAY_SIZE(pvhv_evtchn_hcs));
}

void pvhv_evtchn_exit(void)
{
	pvhv_hc_unregister_all(pvhv_evtchn_hcs, ARRAY_SIZE(pvhv_evtchn_hcs));
}
