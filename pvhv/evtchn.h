/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event channels: ports, their bindings, and upcalls into the guest.
 *
 * Each domain that calls PVHV_HC_EVTCHN_SETUP gets a struct pvhv_evtchn:
 * a table of ports and the pinned frame holding its struct
 * pvhv_shared_info (include/uapi/pvhv/event.h).  Ports connect a domain to
 * another domain or to a host backend.  Raising an event sets the pending
 * bit and, for an unmasked port, sends the upcall vector to the vCPU the
 * guest named, as a fixed self-IPI of that vCPU's in-kernel local APIC.
 *
 * Locking: one spinlock per domain, taken in domain id order when two
 * domains are involved.  Raising an event is safe from any context.
 */
#ifndef _PVHV_EVTCHN_H
#define _PVHV_EVTCHN_H

#include <linux/types.h>
#include <linux/sysfs.h>

struct pvhv_domain;
struct kvm;

/* Called, under a spinlock, when the guest sends on a host-bound port. */
typedef void (*pvhv_evtchn_host_fn)(void *data);

/*
 * Bind port @port of @dom, which the guest allocated unbound for
 * PVHV_DOMID_HOST, to a host backend.  Returns 0, -ENOENT if the port is
 * not such a port, -ENODEV without event channels.
 */
int pvhv_evtchn_bind_host(struct pvhv_domain *dom, u32 port,
			  pvhv_evtchn_host_fn fn, void *data);
/*
 * Undo pvhv_evtchn_bind_host() if the binding is still @data's: the port
 * is unbound for the host again, and the guest may reuse or close it.
 */
void pvhv_evtchn_unbind_host(struct pvhv_domain *dom, u32 port, void *data);
/* Raise the event on @port of @dom (from its host backend). */
void pvhv_evtchn_notify(struct pvhv_domain *dom, u32 port);
/*
 * True if the vCPU that takes @dom's upcalls is running guest code right
 * now (not halted, not in the host): an upcall would have to interrupt it.
 */
bool pvhv_evtchn_guest_running(struct pvhv_domain *dom);
/* True if that vCPU is halted: the guest has nothing to do but wait. */
bool pvhv_evtchn_guest_halted(struct pvhv_domain *dom);

/*
 * Upcalls of @dom go to @vector from now on (a trap table's callback).
 * 0, or -PVHV_ENODEV if @dom has not set up event channels.
 */
int pvhv_evtchn_set_vector(struct pvhv_domain *dom, u8 vector);

/* The VM @kvm stopped running on @dom: close everything it set up. */
void pvhv_evtchn_teardown(struct pvhv_domain *dom, struct kvm *kvm);
void pvhv_evtchn_free(struct pvhv_domain *dom);

/* Open ports, all domains. */
long pvhv_evtchn_ports_global(void);

extern const struct attribute_group pvhv_evtchn_attr_group;

int pvhv_evtchn_init(void);
void pvhv_evtchn_exit(void);

#endif /* _PVHV_EVTCHN_H */
