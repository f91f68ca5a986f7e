/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest event channels: the shared page, the upcall interrupt and a
 * handler per port.
 */
#ifndef _PVHV_GUEST_EVENTS_H
#define _PVHV_GUEST_EVENTS_H

#include <linux/types.h>

/* Runs in hard interrupt context, once per event. */
typedef void (*pvhv_event_fn)(unsigned int port, void *data);

/*
 * A new port, unbound for domain @remote (PVHV_DOMID_HOST for a host
 * backend), whose events run @fn.  Returns the port or a negative errno.
 */
int pvhv_event_alloc_unbound(u32 remote, pvhv_event_fn fn, void *data);
void pvhv_event_close(unsigned int port);
/* Raise the event at the other end of @port. */
int pvhv_event_send(unsigned int port);
/* Masking needs no hypercall; unmasking runs a pending event at once. */
void pvhv_event_mask(unsigned int port);
void pvhv_event_unmask(unsigned int port);

int pvhv_events_init(void);
void pvhv_events_exit(void);

#endif /* _PVHV_GUEST_EVENTS_H */
