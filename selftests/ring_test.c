// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O ring protocol of include/uapi/pvhv/ring.h, exercised in user
 * space: slot counts, notification suppression, out-of-order responses,
 * multi-page rings, wrap-around, and a backend refusing hostile producer
 * indices.  Runs anywhere; no pvhv needed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#include <pvhv/ring.h>

#include "kselftest_harness.h"

struct t_req {
	uint64_t id;
	uint64_t val;
};

struct t_rsp {
	uint64_t id;
	int64_t status;
};

PVHV_RING_DEFINE(t, struct t_req, struct t_rsp)

TEST(slot_counts)
{
	/* 64-byte header; slots are 16 bytes; a power of two that fits. */
	EXPECT_EQ(128, pvhv_ring_slots(4096, 16));
	EXPECT_EQ(512, pvhv_ring_slots(4 * 4096, 16));
	EXPECT_EQ(32, pvhv_ring_slots(4096, 112));
	EXPECT_EQ(64, sizeof(struct pvhv_sring_hdr));
}

TEST(need_notify)
{
	/* The peer asked for a kick at index 5. */
	EXPECT_TRUE(pvhv_ring_need_notify(4, 5, 5));
	EXPECT_TRUE(pvhv_ring_need_notify(0, 8, 5));
	EXPECT_FALSE(pvhv_ring_need_notify(5, 8, 5));	/* already passed */
	EXPECT_FALSE(pvhv_ring_need_notify(0, 4, 5));	/* not reached */
	/* Across the 32-bit wrap. */
	EXPECT_TRUE(pvhv_ring_need_notify(0xfffffffe, 2, 0));
	EXPECT_FALSE(pvhv_ring_need_notify(1, 2, 0));
}

/* Both ends in one thread: every step and its notifications. */
TEST(one_request_one_response)
{
	void *page = aligned_alloc(4096, 4096);
	struct pvhv_t_front f;
	struct pvhv_t_back b;
	struct t_req req;

	pvhv_t_front_init(&f, page, 4096);
	pvhv_t_back_init(&b, page, 4096);
	EXPECT_EQ(128, pvhv_t_front_free(&f));

	*pvhv_t_front_req(&f, f.req_prod_pvt++) = (struct t_req){ 7, 42 };
	EXPECT_TRUE(pvhv_t_front_push(&f));	/* backend waits at 1 */
	EXPECT_EQ(1, pvhv_t_back_req_pending(&b));
	req = *pvhv_t_back_req(&b, b.req_cons++);
	EXPECT_EQ(42, req.val);
	EXPECT_EQ(0, pvhv_t_back_final_check(&b));	/* asks for 2 */

	*pvhv_t_back_rsp(&b, b.rsp_prod_pvt++) = (struct t_rsp){ req.id, 0 };
	EXPECT_TRUE(pvhv_t_back_push(&b));
	EXPECT_EQ(1, pvhv_t_front_rsp_pending(&f));
	EXPECT_EQ(7, pvhv_t_front_rsp(&f, f.rsp_cons++)->id);
	EXPECT_EQ(0, pvhv_t_front_final_check(&f));
	EXPECT_EQ(128, pvhv_t_front_free(&f));
	free(page);
}

TEST(suppression_and_out_of_order)
{
	void *page = aligned_alloc(4096, 4096);
	struct pvhv_t_front f;
	struct pvhv_t_back b;
	uint64_t ids[3];
	int i;

	pvhv_t_front_init(&f, page, 4096);
	pvhv_t_back_init(&b, page, 4096);
	*pvhv_t_front_req(&f, f.req_prod_pvt++) = (struct t_req){ 1, 0 };
	EXPECT_TRUE(pvhv_t_front_push(&f));
	/* The backend is busy (has not re-armed req_event): no more kicks. */
	for (i = 2; i <= 3; i++) {
		*pvhv_t_front_req(&f, f.req_prod_pvt++) = (struct t_req){ i, 0 };
		EXPECT_FALSE(pvhv_t_front_push(&f));
	}
	EXPECT_EQ(3, pvhv_t_back_req_pending(&b));
	for (i = 0; i < 3; i++)
		ids[i] = pvhv_t_back_req(&b, b.req_cons++)->id;
	/* Responses in reverse order, matched by id. */
	for (i = 2; i >= 0; i--)
		*pvhv_t_back_rsp(&b, b.rsp_prod_pvt++) =
			(struct t_rsp){ ids[i], (int64_t)ids[i] * 10 };
	EXPECT_TRUE(pvhv_t_back_push(&b));
	EXPECT_EQ(3, pvhv_t_front_rsp_pending(&f));
	EXPECT_EQ(3, pvhv_t_front_rsp(&f, f.rsp_cons)->id);
	EXPECT_EQ(30, pvhv_t_front_rsp(&f, f.rsp_cons)->status);
	f.rsp_cons += 3;
	free(page);
}

TEST(hostile_producer_index)
{
	void *page = aligned_alloc(4096, 4096);
	struct pvhv_t_front f;
	struct pvhv_t_back b;

	pvhv_t_front_init(&f, page, 4096);
	pvhv_t_back_init(&b, page, 4096);
	/* A full ring is fine ... */
	f.sring->hdr.req_prod = 128;
	EXPECT_EQ(128, pvhv_t_back_req_pending(&b));
	/* ... one more, or a jump backwards, is not. */
	f.sring->hdr.req_prod = 129;
	EXPECT_EQ(-1, pvhv_t_back_req_pending(&b));
	f.sring->hdr.req_prod = 0xffffff00;
	EXPECT_EQ(-1, pvhv_t_back_req_pending(&b));
	/* Requests taken but unanswered still occupy their slots. */
	f.sring->hdr.req_prod = 100;
	b.req_cons = 100;
	f.sring->hdr.req_prod = 100 + 28;
	EXPECT_EQ(28, pvhv_t_back_req_pending(&b));
	f.sring->hdr.req_prod = 100 + 29;
	EXPECT_EQ(-1, pvhv_t_back_req_pending(&b));
	free(page);
}

/* Two threads, a four-page ring, 200000 requests across the index wrap. */
struct stream {
	struct pvhv_t_front f;
	struct pvhv_t_back b;
	uint64_t n, bad;
};

static void *backend(void *arg)
{
	struct stream *s = arg;
	uint64_t done = 0;

	while (done < s->n) {
		int64_t n = pvhv_t_back_req_pending(&s->b);

		if (n < 0) {
			s->bad++;
			break;
		}
		while (n--) {
			struct t_req r = *pvhv_t_back_req(&s->b, s->b.req_cons++);

			*pvhv_t_back_rsp(&s->b, s->b.rsp_prod_pvt++) =
				(struct t_rsp){ r.id, (int64_t)(r.val + 1) };
			done++;
		}
		pvhv_t_back_push(&s->b);
	}
	return NULL;
}

TEST(two_threads_multi_page)
{
	struct stream s = { .n = 200000 };
	void *ring = aligned_alloc(4096, 4 * 4096);
	uint64_t sent = 0, got = 0, sum = 0;
	pthread_t t;

	pvhv_t_front_init(&s.f, ring, 4 * 4096);
	pvhv_t_back_init(&s.b, ring, 4 * 4096);
	/* Start just below the 32-bit wrap of the free-running indices. */
	s.f.req_prod_pvt = s.f.rsp_cons = 0xfffff000;
	s.b.req_cons = s.b.rsp_prod_pvt = 0xfffff000;
	s.f.sring->hdr.req_prod = s.f.sring->hdr.rsp_prod = 0xfffff000;
	ASSERT_EQ(0, pthread_create(&t, NULL, backend, &s));
	while (got < s.n) {
		while (sent < s.n && pvhv_t_front_free(&s.f)) {
			*pvhv_t_front_req(&s.f, s.f.req_prod_pvt++) =
				(struct t_req){ sent, sent };
			sent++;
		}
		pvhv_t_front_push(&s.f);
		while (pvhv_t_front_rsp_pending(&s.f)) {
			struct t_rsp *r = pvhv_t_front_rsp(&s.f, s.f.rsp_cons++);

			sum += r->status - r->id;
			got++;
		}
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, s.bad);
	EXPECT_EQ(s.n, got);
	EXPECT_EQ(s.n, sum);		/* every response was id + 1 */
	free(ring);
}

TEST_HARNESS_MAIN
