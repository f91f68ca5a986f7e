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
 * __atomic_thread_fence).
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

/* Largest power of two <= x, for x >= 1 (compile-time friendly). */
#define __PVHV_RD2(x)	(((x) & 0x2) ? 0x2 : ((x) & 0x1))
#define __PVHV_RD4(x)	(((x) & 0xc) ? __PVHV_RD2((x) >> 2) << 2 : __PVHV_RD2(x))
#define __PVHV_RD8(x)	(((x) & 0xf0) ? __PVHV_RD4((x) >> 4) << 4 : __PVHV_RD4(x))
#define __PVHV_RD16(x)	(((x) & 0xff00) ? __PVHV_RD8((x) >> 8) << 8 : __PVHV_RD8(x))
#define __PVHV_RD32(x)	(((x) & 0xffff0000) ? \
			 __PVHV_RD16((x) >> 16) << 16 : __PVHV_RD16(x))

/* Slots in a ring of @bytes bytes whose slots are @slot bytes. */
#define PVHV_RING_SLOTS(bytes, slot) \
	__PVHV_RD32(((bytes) - sizeof(struct pvhv_sring_hdr)) / (slot))

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
/* Zero the shared ring of @bytes bytes and set up the frontend. */	\
static inline void							\
pvhv_##name##_front_init(struct pvhv_##name##_front *f,		\
			 struct pvhv_##name##_sring *s, __u32 bytes)	\
{									\
	__u32 i;							\
									\
	for (i = 0; i < bytes / sizeof(__u32); i++)			\
		((volatile __u32 *)s)[i] = 0;				\
	s->hdr.req_event = 1;						\
	s->hdr.rsp_event = 1;						\
	f->sring = s;							\
	f->nr_slots = PVHV_RING_SLOTS(bytes, sizeof(s->slot[0]));	\
	f->req_prod_pvt = 0;						\
	f->rsp_cons = 0;						\
}									\
									\
/* Attach the backend to a ring the frontend initialized. */		\
static inline void							\
pvhv_##name##_back_init(struct pvhv_##name##_back *b,			\
			struct pvhv_##name##_sring *s, __u32 bytes)	\
{									\
	b->sring = s;							\
	b->nr_slots = PVHV_RING_SLOTS(bytes, sizeof(s->slot[0]));	\
	b->rsp_prod_pvt = 0;						\
	b->req_cons = 0;						\
}									\
									\
static inline req_t *							\
pvhv_##name##_front_req(struct pvhv_##name##_front *f, __u32 idx)	\
{									\
	return &f->sring->slot[idx & (f->nr_slots - 1)].req;		\
}									\
									\
static inline rsp_t *							\
pvhv_##name##_front_rsp(struct pvhv_##name##_front *f, __u32 idx)	\
{									\
	return &f->sring->slot[idx & (f->nr_slots - 1)].rsp;		\
}									\
									\
static inline req_t *							\
pvhv_##name##_back_req(struct pvhv_##name##_back *b, __u32 idx)	\
{									\
	return &b->sring->slot[idx & (b->nr_slots - 1)].req;		\
}									\
									\
static inline rsp_t *							\
pvhv_##name##_back_rsp(struct pvhv_##name##_back *b, __u32 idx)	\
{									\
	return &b->sring->slot[idx & (b->nr_slots - 1)].rsp;		\
}									\
									\
/* Free slots for new requests: in flight ones still occupy theirs. */	\
static inline __u32							\
pvhv_##name##_front_free(struct pvhv_##name##_front *f)		\
{									\
	return f->nr_slots - (f->req_prod_pvt - f->rsp_cons);		\
}									\
									\
/* Publish the filled requests; nonzero if the backend needs a kick. */\
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
/* Responses published and not yet taken. */				\
static inline __u32							\
pvhv_##name##_front_rsp_pending(struct pvhv_##name##_front *f)		\
{									\
	__u32 n = *(volatile __u32 *)&f->sring->hdr.rsp_prod - f->rsp_cons; \
									\
	smp_rmb();			/* index before responses */	\
	return n;							\
}									\
									\
/*									\
 * Ask for a notification at the next response, then look again: 0	\
 * means it is safe to sleep until the backend notifies.		\
 */									\
static inline __u32							\
pvhv_##name##_front_final_check(struct pvhv_##name##_front *f)		\
{									\
	f->sring->hdr.rsp_event = f->rsp_cons + 1;			\
	smp_mb();			/* rsp_event before rsp_prod */	\
	return pvhv_##name##_front_rsp_pending(f);			\
}									\
									\
/*									\
 * Requests published and not yet taken, or -1 if the frontend claims	\
 * more than the ring can hold (the backend must then disconnect).	\
 */									\
static inline __s64							\
pvhv_##name##_back_req_pending(struct pvhv_##name##_back *b)		\
{									\
	__u32 prod = *(volatile __u32 *)&b->sring->hdr.req_prod;	\
	__u32 n = prod - b->req_cons;					\
									\
	smp_rmb();			/* index before requests */	\
	/* In flight: taken but not yet answered requests hold slots. */\
	if (n > b->nr_slots - (b->req_cons - b->rsp_prod_pvt))		\
		return -1;						\
	return n;							\
}									\
									\
/* Publish the filled responses; nonzero if the frontend needs a kick. */\
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
/* The backend's mirror of front_final_check; -1 as back_req_pending. */\
static inline __s64							\
pvhv_##name##_back_final_check(struct pvhv_##name##_back *b)		\
{									\
	b->sring->hdr.req_event = b->req_cons + 1;			\
	smp_mb();			/* req_event before req_prod */	\
	return pvhv_##name##_back_req_pending(b);			\
}

#endif /* _UAPI_PVHV_RING_H */
