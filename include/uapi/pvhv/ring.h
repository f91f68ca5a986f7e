/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv I/O rings: one shared ring of slots, each holding a request or a
 * response, in one or more pages of the frontend's memory that it grants
 * to the backend.
 *
 * The frontend produces requests and consumes responses; the backend
 * consumes requests and produces responses, in any order (a response
 * carries the id of its request).  Indices are free-running 32-bit
 * counters; slot i is i % nr_slots, where nr_slots is a power of two.  The
 * shared header holds the published producer indices and the event
 * indices: a producer notifies its peer (an event channel send) only when
 * its new producer index passes the peer's event index, which the peer sets
 * to "one past what I have consumed" before it goes to sleep.
 *
 * Usage, with PVHV_RING_DEFINE(blk, struct req, struct rsp):
 *   frontend: pvhv_blk_front_init(&f, sring, bytes); fill
 *	*pvhv_blk_front_req(&f, f.req_prod_pvt++); then
 *	if (pvhv_blk_front_push(&f)) notify;
 *	while (pvhv_blk_front_rsp_pending(&f)) take
 *	*pvhv_blk_front_rsp(&f, f.rsp_cons++);
 *	pvhv_blk_front_final_check(&f) before sleeping.
 *   backend: the mirror image, with pvhv_blk_back_*.  A backend must treat
 *	everything in the shared page as hostile: it reads req_prod once
 *	with pvhv_blk_back_req_pending(), which refuses (returns -1) a
 *	producer index that claims more requests than the ring can hold, and
 *	copies each request out of its slot before validating it.
 *
 * Barriers: smp_wmb/smp_rmb/smp_mb must be defined by the includer (the
 * kernel has them; user space tests define them with
 * __atomic_thread_fence).  Each read of a shared index is followed by a
 * barrier that is also a compiler barrier, so that no read is cached
 * across calls.
 */
#ifndef _UAPI_PVHV_RING_H
#define _UAPI_PVHV_RING_H

#include <linux/types.h>

struct pvhv_sring_hdr {
	__u32 req_prod;		/* requests published by the frontend */
	__u32 req_event;	/* backend: notify me when req_prod passes this */
	__u32 rsp_prod;		/* responses published by the backend */
	__u32 rsp_event;	/* frontend: notify me when rsp_prod passes this */
	__u8 pad[48];		/* slots start on a cache line */
};

/*
 * Slots in a ring of @bytes bytes whose slots are @slot bytes: the largest
 * power of two that fits after the header.
 */
static inline __u32 pvhv_ring_slots(__u32 bytes, __u32 slot)
{
	__u32 n = (bytes - sizeof(struct pvhv_sring_hdr)) / slot;

	while (n & (n - 1))
		n &= n - 1;
	return n;
}

/*
 * Would publishing producer index @new (old value @old) wake a peer that
 * asked to be notified at @event?  True when event is in (old, new].
 */
static inline int pvhv_ring_need_notify(__u32 old, __u32 new, __u32 event)
{
	return (__u32)(new - event) < (__u32)(new - old);
}

#define PVHV_RING_DEFINE(name, req_t, rsp_t)				\
									\
union pvhv_##name##_slot {						\
	req_t req;							\
	rsp_t rsp;							\
};									\
									\
struct pvhv_##name##_sring {						\
	struct pvhv_sring_hdr hdr;					\
	union pvhv_##name##_slot slot[];				\
};									\
									\
struct pvhv_##name##_front {						\
	struct pvhv_##name##_sring *sring;				\
	__u32 nr_slots;							\
	__u32 req_prod_pvt;		/* next request to fill */	\
	__u32 rsp_cons;			/* next response to take */	\
};									\
									\
struct pvhv_##name##_back {						\
	struct pvhv_##name##_sring *sring;				\
	__u32 nr_slots;							\
	__u32 rsp_prod_pvt;		/* next response to fill */	\
	__u32 req_cons;			/* next request to take */	\
};									\
									\
/* front_init: zero the shared ring and set up the frontend */	\
static inline void							\
pvhv_##name##_front_init(struct pvhv_##name##_front *f,		\
			 struct pvhv_##name##_sring *s, __u32 bytes)	\
{									\
	__u32 i;							\
									\
	for (i = 0; i < bytes / sizeof(__u32); i++)			\
		((__u32 *)s)[i] = 0;					\
	s->hdr.req_event = 1;						\
	s->hdr.rsp_event = 1;						\
	f->sring = s;							\
	f->nr_slots = pvhv_ring_slots(bytes, sizeof(s->slot[0]));	\
	f->req_prod_pvt = 0;						\
	f->rsp_cons = 0;						\
}									\
									\
/* back_init: attach to a ring the frontend initialized */		\
static inline void							\
pvhv_##name##_back_init(struct pvhv_##name##_back *b,			\
			struct pvhv_##name##_sring *s, __u32 bytes)	\
{									\
	b->sring = s;							\
	b->nr_slots = pvhv_ring_slots(bytes, sizeof(s->slot[0]));	\
	b->rsp_prod_pvt = 0;						\
	b->req_cons = 0;						\
}									\
									\
static inline __typeof__(((union pvhv_##name##_slot *)0)->req) *	\
pvhv_##name##_front_req(struct pvhv_##name##_front *f, __u32 idx)	\
{									\
	return &f->sring->slot[idx & (f->nr_slots - 1)].req;		\
}									\
									\
static inline __typeof__(((union pvhv_##name##_slot *)0)->rsp) *	\
pvhv_##name##_front_rsp(struct pvhv_##name##_front *f, __u32 idx)	\
{									\
	return &f->sring->slot[idx & (f->nr_slots - 1)].rsp;		\
}									\
									\
static inline __typeof__(((union pvhv_##name##_slot *)0)->req) *	\
pvhv_##name##_back_req(struct pvhv_##name##_back *b, __u32 idx)	\
{									\
	return &b->sring->slot[idx & (b->nr_slots - 1)].req;		\
}									\
									\
static inline __typeof__(((union pvhv_##name##_slot *)0)->rsp) *	\
pvhv_##name##_back_rsp(struct pvhv_##name##_back *b, __u32 idx)	\
{									\
	return &b->sring->slot[idx & (b->nr_slots - 1)].rsp;		\
}									\
									\
/* front_free: slots for new requests (in flight ones hold theirs) */	\
static inline __u32							\
pvhv_##name##_front_free(struct pvhv_##name##_front *f)		\
{									\
	return f->nr_slots - (f->req_prod_pvt - f->rsp_cons);		\
}									\
									\
/* front_push: publish requests; nonzero: kick the backend */		\
static inline int							\
pvhv_##name##_front_push(struct pvhv_##name##_front *f)		\
{									\
	__u32 old = f->sring->hdr.req_prod;				\
									\
	smp_wmb();			/* requests before index */	\
	f->sring->hdr.req_prod = f->req_prod_pvt;			\
	smp_mb();			/* index before req_event */	\
	return pvhv_ring_need_notify(old, f->req_prod_pvt,		\
				     f->sring->hdr.req_event);		\
}									\
									\
/* front_rsp_pending: responses published and not yet taken */	\
static inline __u32							\
pvhv_##name##_front_rsp_pending(struct pvhv_##name##_front *f)		\
{									\
	__u32 n = f->sring->hdr.rsp_prod - f->rsp_cons;			\
									\
	smp_rmb();			/* index before responses */	\
	return n;							\
}									\
									\
/* front_final_check: re-arm rsp_event; 0: safe to sleep */		\
static inline __u32							\
pvhv_##name##_front_final_check(struct pvhv_##name##_front *f)		\
{									\
	f->sring->hdr.rsp_event = f->rsp_cons + 1;			\
	smp_mb();			/* rsp_event before rsp_prod */	\
	return pvhv_##name##_front_rsp_pending(f);			\
}									\
									\
/* back_req_pending: requests to take, -1 for a hostile index */	\
static inline __s64							\
pvhv_##name##_back_req_pending(struct pvhv_##name##_back *b)		\
{									\
	__u32 prod = b->sring->hdr.req_prod;				\
	__u32 n = prod - b->req_cons;					\
									\
	smp_rmb();			/* index before requests */	\
	/* In flight: taken but not yet answered requests hold slots. */\
	if (n > b->nr_slots - (b->req_cons - b->rsp_prod_pvt))		\
		return -1;						\
	return n;							\
}									\
									\
/* back_push: publish responses; nonzero: kick the frontend */	\
static inline int							\
pvhv_##name##_back_push(struct pvhv_##name##_back *b)			\
{									\
	__u32 old = b->sring->hdr.rsp_prod;				\
									\
	smp_wmb();			/* responses before index */	\
	b->sring->hdr.rsp_prod = b->rsp_prod_pvt;			\
	smp_mb();			/* index before rsp_event */	\
	return pvhv_ring_need_notify(old, b->rsp_prod_pvt,		\
				     b->sring->hdr.rsp_event);		\
}									\
									\
/* back_final_check: re-arm req_event; 0: safe to sleep */		\
static inline __s64							\
pvhv_##name##_back_final_check(struct pvhv_##name##_back *b)		\
{									\
	b->sring->hdr.req_event = b->req_cons + 1;			\
	smp_mb();			/* req_event before req_prod */	\
	return pvhv_##name##_back_req_pending(b);			\
}

#endif /* _UAPI_PVHV_RING_H */
