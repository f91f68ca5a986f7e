// SPDX-License-Identifier: GPL-2.0
/*
 * The PV network frontend: one Ethernet device, pvnet<N>, per interface
 * the host added to this domain (include/uapi/pvhv/netif.h).
 *
 * Transmit is zero copy: each run of a packet's bytes within one page
 * becomes a request, its page granted read-only to the host until the
 * request is answered.  A packet too scattered for the ring is copied to
 * a page of its own, or linearized when it is larger than a page.
 * Receive keeps the receive ring full of pages granted writable: a small
 * packet is copied out and its page posted again, a larger one keeps its
 * page as an skb fragment and a new page takes its place.
 *
 * One event channel serves both rings; its handler only schedules NAPI,
 * and the poll takes the responses of both.  The backend is not trusted:
 * a response is copied out of the ring and checked before use, and the
 * guest never takes more responses than it has requests out.
 */
#include <linux/kernel.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/gfp.h>
#include <linux/if_vlan.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/u64_stats_sync.h>
#include <pvhv/pvhv.h>
#include <pvhv/netif.h>

#include "hypercall.h"
#include "events.h"
#include "grants.h"
#include "netfront.h"

/* A ring has no more slots, and so no more ids, than this. */
#define PVNET_MAX_IDS	(PVHV_NET_RING_BYTES / sizeof(union pvhv_netrx_slot))
static_assert(sizeof(union pvhv_nettx_slot) >= sizeof(union pvhv_netrx_slot));

#define PVNET_RX_COPY	256	/* received packets copied whole */
#define PVNET_RX_HDR	128	/* bytes copied of longer ones */
#define PVNET_FEATURES	(PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG | \
			 PVHV_NET_FEAT_GSO_TCP | PVHV_NET_FEAT_RX_GSO)

enum pvnet_stat {
	PVNET_RX_PACKETS, PVNET_RX_BYTES, PVNET_TX_PACKETS, PVNET_TX_BYTES,
	PVNET_RX_ERRORS, PVNET_TX_ERRORS, PVNET_RX_CSUM_PARTIAL,
	PVNET_RX_DATA_VALID, PVNET_TX_CSUM_PARTIAL, PVNET_TX_GSO,
	PVNET_TX_RING_FULL, PVNET_RX_REFILL_FAILED, PVNET_RX_DROPPED,
	PVNET_TX_DROPPED, PVNET_NR_STATS
};

/* The counters, then rx_posted, a gauge. */
static const char pvnet_stat_names[][ETH_GSTRING_LEN] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_errors",
	"tx_errors", "rx_csum_partial", "rx_data_valid", "tx_csum_partial",
	"tx_gso", "tx_ring_full", "rx_refill_failed", "rx_dropped",
	"tx_dropped", "rx_posted",
};

static_assert(ARRAY_SIZE(pvnet_stat_names) == PVNET_NR_STATS + 1);

/*
 * The counters of one writer: the NAPI poll, or start_xmit (serialized by
 * the core's queue lock).  Each counter has one writer; readers add both.
 */
struct pvnet_stats {
	struct u64_stats_sync syncp;
	u64 v[PVNET_NR_STATS];
};

/* A stack of free ring ids. */
struct pvnet_ids {
	unsigned int nr;
	u16 id[PVNET_MAX_IDS];
};

struct pvnet_tx_slot {
	struct sk_buff *skb;	/* on each of its slots, freed with the last */
	struct page *bounce;	/* or the page it was copied to */
	int gref;		/* 0: slot free */
};

struct pvnet_rx_slot {
	struct page *page;	/* stays when the packet was copied out */
	int gref;		/* 0: not posted */
};

/* Requests of an skb not answered yet. */
struct pvnet_skb_cb {
	unsigned int slots;
};

#define PVNET_CB(skb)	((struct pvnet_skb_cb *)(skb)->cb)

struct pvnet {
	struct net_device *dev;
	unsigned int index;
	u32 feat;			/* PVHV_NET_FEAT_* in use */
	unsigned int max_tx_slots;	/* requests of one packet */
	int port;
	struct napi_struct napi;

	/* Transmit: start_xmit and the completions in the poll. */
	spinlock_t tx_lock;		/* the tx ring, slots and ids */
	struct pvhv_nettx_front tx;
	void *tx_ring;
	int tx_ring_ref;
	struct pvnet_tx_slot tx_slot[PVNET_MAX_IDS];
	struct pvnet_ids tx_ids;

	/* Receive: the poll only (none runs at connect and teardown). */
	struct pvhv_netrx_front rx;
	void *rx_ring;
	int rx_ring_ref;
	struct pvnet_rx_slot rx_slot[PVNET_MAX_IDS];
	struct pvnet_ids rx_ids;
	struct timer_list refill_timer;
	/*
	 * A packet of several responses (PVHV_NET_FEAT_RX_GSO) while its
	 * pages come in, with its first response's offloads.
	 */
	struct sk_buff *rx_cur;
	struct pvhv_net_rx_rsp rx_cur_first;

	struct pvnet_stats poll_stats, xmit_stats;
};

/* A packet being put on the tx ring, under tx_lock. */
struct pvnet_tx_pkt {
	struct sk_buff *skb;
	struct page *bounce;
	unsigned int len;
	struct pvhv_net_tx_req first;	/* the offloads */
	unsigned int nr, total;		/* requests made, needed */
	u16 id[PVHV_NET_MAX_TX_SLOTS];
};

static struct pvnet *pvnet_devs[PVHV_VIF_MAX_IFS];

static void pvnet_ids_init(struct pvnet_ids *ids, unsigned int n)
{
	ids->nr = 0;
	while (n--)
		ids->id[ids->nr++] = n;
}

static int pvnet_id_get(struct pvnet_ids *ids)
{
	return ids->nr ? ids->id[--ids->nr] : -1;
}

static void pvnet_id_put(struct pvnet_ids *ids, u16 id)
{
	ids->id[ids->nr++] = id;
}

static void pvnet_stat_add(struct pvnet_stats *st, enum pvnet_stat i, u64 n)
{
	u64_stats_update_begin(&st->syncp);
	st->v[i] += n;
	u64_stats_update_end(&st->syncp);
}

static void pvnet_read_stats(struct pvnet *nf, u64 *v)
{
	struct pvnet_stats *sets[] = { &nf->poll_stats, &nf->xmit_stats };
	u64 snap[PVNET_NR_STATS];
	unsigned int k, i, start;

	memset(v, 0, sizeof(snap));
	for (k = 0; k < ARRAY_SIZE(sets); k++) {
		do {
			start = u64_stats_fetch_begin(&sets[k]->syncp);
			memcpy(snap, sets[k]->v, sizeof(snap));
		} while (u64_stats_fetch_retry(&sets[k]->syncp, start));
		for (i = 0; i < PVNET_NR_STATS; i++)
			v[i] += snap[i];
	}
}

/* Responses to take: never more than requests out, whatever rsp_prod says. */
static u32 pvnet_tx_avail(struct pvnet *nf, u32 pending)
{
	return min(pending, nf->tx.req_prod_pvt - nf->tx.rsp_cons);
}

static u32 pvnet_rx_avail(struct pvnet *nf, u32 pending)
{
	return min(pending, nf->rx.req_prod_pvt - nf->rx.rsp_cons);
}

/* ---- Transmit ---- */

/* Requests for @len bytes at @off in a run of pages: one a page. */
static unsigned int pvnet_chunks(unsigned long off, unsigned int len)
{
	return len ? DIV_ROUND_UP(offset_in_page(off) + len, PAGE_SIZE) : 0;
}

static unsigned int pvnet_count_slots(struct sk_buff *skb)
{
	unsigned int i, n;

	n = pvnet_chunks((unsigned long)skb->data, skb_headlen(skb));
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		n += pvnet_chunks(skb_frag_off(f), skb_frag_size(f));
	}
	return n;
}

/* Fill in the offloads and the requests @p needs, making it fit. */
static int pvnet_tx_prepare(struct pvnet *nf, struct pvnet_tx_pkt *p)
{
	struct sk_buff *skb = p->skb;
	struct skb_shared_info *sh = skb_shinfo(skb);

	if (skb->len > PVHV_NET_MAX_PACKET)
		return -EMSGSIZE;
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		p->first.flags |= PVHV_NET_F_CSUM_PARTIAL;
		p->first.csum_start = skb_checksum_start_offset(skb);
		p->first.csum_offset = skb->csum_offset;
	}
	if (skb_is_gso(skb)) {
		if (sh->gso_type & SKB_GSO_TCPV4)
			p->first.gso_type = PVHV_NET_GSO_TCPV4;
		else if (sh->gso_type & SKB_GSO_TCPV6)
			p->first.gso_type = PVHV_NET_GSO_TCPV6;
		else
			return -EPROTONOSUPPORT;
		p->first.flags |= PVHV_NET_F_GSO;
		p->first.gso_size = sh->gso_size;
	}
	p->total = pvnet_count_slots(skb);
	if (p->total <= nf->max_tx_slots)
		return 0;
	/* Too scattered: one page is the cheapest fix when it fits. */
	if (skb->len <= PAGE_SIZE) {
		p->bounce = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
		if (!p->bounce)
			return -ENOMEM;
		p->total = 1;
		return skb_copy_bits(skb, 0, page_address(p->bounce), skb->len);
	}
	if (skb_linearize(skb))
		return -ENOMEM;
	p->total = pvnet_count_slots(skb);
	return p->total <= nf->max_tx_slots ? 0 : -EMSGSIZE;
}

/* Put one request of @p on the ring (unpublished): @len bytes at @off. */
static int pvnet_tx_req(struct pvnet *nf, struct pvnet_tx_pkt *p,
			struct page *page, unsigned int off, unsigned int len)
{
	struct pvhv_net_tx_req req = {};
	int id, ref;

	if (p->nr >= p->total)
		return -EIO;
	/* Out only when a hostile backend answered with wrong ids. */
	id = pvnet_id_get(&nf->tx_ids);
	if (id < 0)
		return -ENOSPC;
	ref = pvhv_grant_page(page, PVHV_DOMID_HOST, true);
	if (ref < 0) {
		pvnet_id_put(&nf->tx_ids, id);
		return ref;
	}
	nf->tx_slot[id] = (struct pvnet_tx_slot){
		.skb = p->bounce ? NULL : p->skb,
		.bounce = p->bounce,
		.gref = ref,
	};
	if (!p->nr)
		req = p->first;
	req.gref = ref;
	req.offset = off;
	req.size = len;
	req.id = id;
	if (p->nr + 1 < p->total)
		req.flags |= PVHV_NET_F_MORE;
	p->id[p->nr] = id;
	*pvhv_nettx_front_req(&nf->tx, nf->tx.req_prod_pvt + p->nr++) = req;
	return 0;
}

/* Requests for @len bytes at @off of @page, which may be compound. */
static int pvnet_tx_run(struct pvnet *nf, struct pvnet_tx_pkt *p,
			struct page *page, unsigned long off, unsigned int len)
{
	unsigned int chunk;
	int ret;

	page = nth_page(page, off >> PAGE_SHIFT);
	off = offset_in_page(off);
	while (len) {
		chunk = min_t(unsigned int, len, PAGE_SIZE - off);
		ret = pvnet_tx_req(nf, p, page, off, chunk);
		if (ret)
			return ret;
		page = nth_page(page, 1);
		off = 0;
		len -= chunk;
	}
	return 0;
}

/* Take back the requests of a packet that could not be queued. */
static void pvnet_tx_unwind(struct pvnet *nf, struct pvnet_tx_pkt *p)
{
	u16 id;

	while (p->nr) {
		id = p->id[--p->nr];
		pvhv_grant_end(nf->tx_slot[id].gref);
		nf->tx_slot[id] = (struct pvnet_tx_slot){};
		pvnet_id_put(&nf->tx_ids, id);
	}
}

/* All requests of @p on the ring, or none; under tx_lock. */
static int pvnet_tx_queue(struct pvnet *nf, struct pvnet_tx_pkt *p)
{
	struct sk_buff *skb = p->skb;
	const skb_frag_t *f;
	unsigned int i;
	int ret;

	if (pvhv_nettx_front_free(&nf->tx) < p->total)
		return -ENOSPC;
	if (p->bounce) {
		ret = pvnet_tx_run(nf, p, p->bounce, 0, p->len);
	} else {
		ret = pvnet_tx_run(nf, p, virt_to_page(skb->data),
				   offset_in_page(skb->data), skb_headlen(skb));
		for (i = 0; !ret && i < skb_shinfo(skb)->nr_frags; i++) {
			f = &skb_shinfo(skb)->frags[i];
			ret = pvnet_tx_run(nf, p, skb_frag_page(f),
					   skb_frag_off(f), skb_frag_size(f));
		}
	}
	if (!ret && p->nr != p->total)
		ret = -EIO;
	if (ret) {
		pvnet_tx_unwind(nf, p);
		return ret;
	}
	if (!p->bounce)
		PVNET_CB(skb)->slots = p->total;
	return 0;
}

static void pvnet_tx_count(struct pvnet *nf, const struct pvnet_tx_pkt *p,
			   bool full)
{
	struct pvnet_stats *st = &nf->xmit_stats;

	u64_stats_update_begin(&st->syncp);
	st->v[PVNET_TX_PACKETS]++;
	st->v[PVNET_TX_BYTES] += p->len;
	st->v[PVNET_TX_CSUM_PARTIAL] +=
		!!(p->first.flags & PVHV_NET_F_CSUM_PARTIAL);
	st->v[PVNET_TX_GSO] += !!(p->first.flags & PVHV_NET_F_GSO);
	st->v[PVNET_TX_RING_FULL] += full;
	u64_stats_update_end(&st->syncp);
}

static netdev_tx_t pvnet_start_xmit(struct sk_buff *skb,
				    struct net_device *dev)
{
	struct pvnet *nf = netdev_priv(dev);
	struct pvnet_tx_pkt p = { .skb = skb, .len = skb->len };
	bool full = false;
	int notify = 0, ret;

	ret = pvnet_tx_prepare(nf, &p);
	if (ret)
		goto drop;
	/* Before the ring: once it is there the skb may be gone. */
	skb_tx_timestamp(skb);
	spin_lock(&nf->tx_lock);
	ret = pvnet_tx_queue(nf, &p);
	if (!ret) {
		nf->tx.req_prod_pvt += p.total;
		notify = pvhv_nettx_front_push(&nf->tx);
		/* Room for the largest packet, or wait for completions. */
		full = pvhv_nettx_front_free(&nf->tx) < nf->max_tx_slots;
		if (full)
			netif_stop_queue(dev);
	}
	spin_unlock(&nf->tx_lock);
	if (ret)
		goto drop;
	if (notify)
		pvhv_event_send(nf->port);
	if (p.bounce)
		dev_consume_skb_any(skb);
	pvnet_tx_count(nf, &p, full);
	return NETDEV_TX_OK;

drop:
	if (p.bounce)
		__free_page(p.bounce);
	dev_kfree_skb_any(skb);
	pvnet_stat_add(&nf->xmit_stats, PVNET_TX_DROPPED, 1);
	return NETDEV_TX_OK;
}

/* Tx slot @id is answered, or the backend is gone: free what it held. */
static void pvnet_tx_release(struct pvnet *nf, u16 id, int budget)
{
	struct pvnet_tx_slot *s = &nf->tx_slot[id];

	pvhv_grant_end(s->gref);
	if (s->bounce)
		__free_page(s->bounce);
	/* Answers may come in any order: the skb goes with the last. */
	else if (!--PVNET_CB(s->skb)->slots)
		napi_consume_skb(s->skb, budget);
	*s = (struct pvnet_tx_slot){};
	pvnet_id_put(&nf->tx_ids, id);
}

/* Take the tx responses; BH disabled. */
static void pvnet_tx_complete(struct pvnet *nf, int budget)
{
	struct pvhv_net_tx_rsp rsp;
	unsigned int errors = 0;
	u32 n;

	spin_lock(&nf->tx_lock);
	n = pvnet_tx_avail(nf, pvhv_nettx_front_rsp_pending(&nf->tx));
	while (n--) {
		rsp = *pvhv_nettx_front_rsp(&nf->tx, nf->tx.rsp_cons++);
		barrier();	/* use the copy, never the shared slot */
		if (rsp.id >= nf->tx.nr_slots || !nf->tx_slot[rsp.id].gref) {
			if (net_ratelimit())
				netdev_warn(nf->dev, "tx response for id %u not in flight, ignored\n",
					    rsp.id);
			continue;
		}
		errors += rsp.status != 0;
		pvnet_tx_release(nf, rsp.id, budget);
	}
	if (netif_running(nf->dev) && netif_queue_stopped(nf->dev) &&
	    pvhv_nettx_front_free(&nf->tx) >= nf->max_tx_slots)
		netif_wake_queue(nf->dev);
	spin_unlock(&nf->tx_lock);
	if (errors)
		pvnet_stat_add(&nf->poll_stats, PVNET_TX_ERRORS, errors);
}

/* ---- Receive ---- */

/* Post a page in every free rx slot. */
static void pvnet_rx_refill(struct pvnet *nf, gfp_t gfp)
{
	struct pvnet_rx_slot *s;
	bool posted = false;
	int id, ref;

	while (pvhv_netrx_front_free(&nf->rx)) {
		id = pvnet_id_get(&nf->rx_ids);
		if (id < 0)
			break;
		s = &nf->rx_slot[id];
		if (!s->page)
			s->page = alloc_page(gfp | __GFP_NOWARN);
		ref = s->page ? pvhv_grant_page(s->page, PVHV_DOMID_HOST,
						false) : -ENOMEM;
		if (ref < 0) {
			pvnet_id_put(&nf->rx_ids, id);
			pvnet_stat_add(&nf->poll_stats,
				       PVNET_RX_REFILL_FAILED, 1);
			break;
		}
		s->gref = ref;
		*pvhv_netrx_front_req(&nf->rx, nf->rx.req_prod_pvt++) =
			(struct pvhv_net_rx_req){ .id = id, .gref = ref };
		posted = true;
	}
	if (posted && pvhv_netrx_front_push(&nf->rx))
		pvhv_event_send(nf->port);
	/* With no page posted, no packet and so no event comes: retry. */
	if (nf->rx_ids.nr == nf->rx.nr_slots)
		mod_timer(&nf->refill_timer, jiffies + HZ / 10);
}

/* An skb of the @len bytes at @off in slot @s's page. */
static struct sk_buff *pvnet_rx_skb(struct pvnet *nf, struct pvnet_rx_slot *s,
				    unsigned int off, unsigned int len)
{
	unsigned int hdr = len <= PVNET_RX_COPY ? len : PVNET_RX_HDR;
	struct sk_buff *skb;

	skb = napi_alloc_skb(&nf->napi, hdr);
	if (!skb)
		return NULL;
	skb_put_data(skb, page_address(s->page) + off, hdr);
	if (hdr < len) {
		/* The rest stays where it is: the page goes with the skb. */
		skb_add_rx_frag(skb, 0, s->page, off + hdr, len - hdr,
				PAGE_SIZE);
		s->page = NULL;
	}
	return skb;
}

/* Offloads of a received packet, counted; false: drop it. */
static bool pvnet_rx_csum(struct pvnet *nf, struct sk_buff *skb,
			  const struct pvhv_net_rx_rsp *rsp)
{
	u32 end = rsp->csum_start + rsp->csum_offset + sizeof(__sum16);

	if (rsp->flags & PVHV_NET_F_CSUM_PARTIAL) {
		/* The checksum field must be in the linear part. */
		if (!pskb_may_pull(skb, end) ||
		    !skb_partial_csum_set(skb, rsp->csum_start,
					  rsp->csum_offset))
			return false;
		pvnet_stat_add(&nf->poll_stats, PVNET_RX_CSUM_PARTIAL, 1);
	} else if ((rsp->flags & PVHV_NET_F_DATA_VALID) &&
		   (nf->dev->features & NETIF_F_RXCSUM)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		pvnet_stat_add(&nf->poll_stats, PVNET_RX_DATA_VALID, 1);
	}
	return true;
}

/* A GSO packet's segmentation, from its first response; false: drop. */
static bool pvnet_rx_gso(struct pvnet *nf, struct sk_buff *skb,
			 const struct pvhv_net_rx_rsp *first)
{
	if (!(first->flags & PVHV_NET_F_GSO))
		return !first->gso_size && !first->gso_type;
	if (!(nf->feat & PVHV_NET_FEAT_RX_GSO) || !first->gso_size ||
	    !(first->flags & PVHV_NET_F_CSUM_PARTIAL))
		return false;
	switch (first->gso_type) {
	case PVHV_NET_GSO_TCPV4:
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
		break;
	case PVHV_NET_GSO_TCPV6:
		skb_shinfo(skb)->gso_type = SKB_GSO_TCPV6;
		break;
	default:
		return false;
	}
	/* DODGY: the stack checks the headers before it trusts them. */
	skb_shinfo(skb)->gso_type |= SKB_GSO_DODGY;
	skb_shinfo(skb)->gso_size = first->gso_size;
	skb_shinfo(skb)->gso_segs = 0;
	return true;
}

/*
 * A further page of the packet being put together: the page becomes its
 * next fragment.  False if the response does not continue a packet.
 */
static bool pvnet_rx_more(struct pvnet *nf, struct pvnet_rx_slot *s,
			  const struct pvhv_net_rx_rsp *rsp)
{
	struct sk_buff *skb = nf->rx_cur;
	unsigned int i = skb_shinfo(skb)->nr_frags;

	if ((rsp->flags & ~PVHV_NET_F_MORE) || rsp->offset ||
	    rsp->status <= 0 || rsp->status > PAGE_SIZE ||
	    rsp->csum_start || rsp->csum_offset || rsp->gso_size ||
	    rsp->gso_type || i >= MAX_SKB_FRAGS ||
	    skb->len + rsp->status > PVHV_NET_MAX_PACKET)
		return false;
	skb_add_rx_frag(skb, i, s->page, 0, rsp->status, PAGE_SIZE);
	s->page = NULL;
	return true;
}

/* Offloads, then up the stack; false: dropped as bad. */
static bool pvnet_rx_deliver(struct pvnet *nf, struct sk_buff *skb,
			     const struct pvhv_net_rx_rsp *first)
{
	if (!pvnet_rx_csum(nf, skb, first) || !pvnet_rx_gso(nf, skb, first)) {
		dev_kfree_skb_any(skb);
		return false;
	}
	u64_stats_update_begin(&nf->poll_stats.syncp);
	nf->poll_stats.v[PVNET_RX_PACKETS]++;
	nf->poll_stats.v[PVNET_RX_BYTES] += skb->len;
	u64_stats_update_end(&nf->poll_stats.syncp);
	skb->protocol = eth_type_trans(skb, nf->dev);
	napi_gro_receive(&nf->napi, skb);
	return true;
}

static void pvnet_rx_one(struct pvnet *nf, const struct pvhv_net_rx_rsp *rsp)
{
	struct pvnet_rx_slot *s;
	struct sk_buff *skb;

	if (rsp->id >= nf->rx.nr_slots || !nf->rx_slot[rsp->id].gref) {
		if (net_ratelimit())
			netdev_warn(nf->dev, "rx response for id %u not posted, ignored\n",
				    rsp->id);
		return;
	}
	/* The backend unmapped the page before it answered. */
	s = &nf->rx_slot[rsp->id];
	pvhv_grant_end(s->gref);
	s->gref = 0;
	pvnet_id_put(&nf->rx_ids, rsp->id);
	if (nf->rx_cur) {
		/* The next page of a packet of several. */
		skb = nf->rx_cur;
		if (!pvnet_rx_more(nf, s, rsp)) {
			nf->rx_cur = NULL;
			dev_kfree_skb_any(skb);
			goto err;	/* the page is posted again */
		}
		if (rsp->flags & PVHV_NET_F_MORE)
			return;
		nf->rx_cur = NULL;
		if (!pvnet_rx_deliver(nf, skb, &nf->rx_cur_first))
			goto err;
		return;
	}
	if (rsp->status < ETH_HLEN || rsp->offset + rsp->status > PAGE_SIZE ||
	    ((rsp->flags & PVHV_NET_F_MORE) &&
	     !(nf->feat & PVHV_NET_FEAT_RX_GSO))) {
		if (rsp->status >= 0 && net_ratelimit())
			netdev_warn(nf->dev, "rx response of %d bytes at %u, ignored\n",
				    rsp->status, rsp->offset);
		goto err;	/* the page is posted again */
	}
	skb = pvnet_rx_skb(nf, s, rsp->offset, rsp->status);
	if (!skb) {
		pvnet_stat_add(&nf->poll_stats, PVNET_RX_DROPPED, 1);
		return;
	}
	if (rsp->flags & PVHV_NET_F_MORE) {
		nf->rx_cur = skb;
		nf->rx_cur_first = *rsp;
		return;
	}
	if (pvnet_rx_deliver(nf, skb, rsp))
		return;
err:
	pvnet_stat_add(&nf->poll_stats, PVNET_RX_ERRORS, 1);
}

static int pvnet_rx(struct pvnet *nf, int budget)
{
	struct pvhv_net_rx_rsp rsp;
	int done = 0;
	u32 n;

	n = pvnet_rx_avail(nf, pvhv_netrx_front_rsp_pending(&nf->rx));
	for (; n && done < budget; n--, done++) {
		rsp = *pvhv_netrx_front_rsp(&nf->rx, nf->rx.rsp_cons++);
		barrier();	/* use the copy, never the shared slot */
		pvnet_rx_one(nf, &rsp);
	}
	return done;
}

static int pvnet_poll(struct napi_struct *napi, int budget)
{
	struct pvnet *nf = container_of(napi, struct pvnet, napi);
	u32 more;
	int done;

	pvnet_tx_complete(nf, budget);
	done = pvnet_rx(nf, budget);
	pvnet_rx_refill(nf, GFP_ATOMIC);
	if (done == budget)
		return budget;
	/*
	 * Ask for events again before completing: one that comes before the
	 * completion makes napi_complete_done() schedule another poll, and
	 * nothing here touches the rings once another poll may run.
	 */
	spin_lock(&nf->tx_lock);
	more = pvnet_tx_avail(nf, pvhv_nettx_front_final_check(&nf->tx));
	spin_unlock(&nf->tx_lock);
	more |= pvnet_rx_avail(nf, pvhv_netrx_front_final_check(&nf->rx));
	if (more)
		return budget;
	napi_complete_done(napi, done);
	return done;
}

/* Hard interrupt context. */
static void pvnet_event(unsigned int port, void *data)
{
	struct pvnet *nf = data;

	napi_schedule(&nf->napi);
}

static void pvnet_refill_timer(struct timer_list *t)
{
	struct pvnet *nf = from_timer(nf, t, refill_timer);

	napi_schedule(&nf->napi);
}

/* ---- The net device ---- */

static int pvnet_open(struct net_device *dev)
{
	struct pvnet *nf = netdev_priv(dev);

	napi_enable(&nf->napi);
	/* The ring may still be full of requests from before the stop. */
	spin_lock_bh(&nf->tx_lock);
	if (pvhv_nettx_front_free(&nf->tx) >= nf->max_tx_slots)
		netif_start_queue(dev);
	spin_unlock_bh(&nf->tx_lock);
	/* Take what came while the interface was down, refill the ring. */
	local_bh_disable();
	napi_schedule(&nf->napi);
	local_bh_enable();
	return 0;
}

static int pvnet_stop(struct net_device *dev)
{
	struct pvnet *nf = netdev_priv(dev);

	netif_tx_disable(dev);
	napi_disable(&nf->napi);
	timer_delete_sync(&nf->refill_timer);
	/* Free what is done now; the rest waits for open or teardown. */
	local_bh_disable();
	pvnet_tx_complete(nf, 0);
	local_bh_enable();
	return 0;
}

static void pvnet_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *s)
{
	u64 v[PVNET_NR_STATS];

	pvnet_read_stats(netdev_priv(dev), v);
	s->rx_packets = v[PVNET_RX_PACKETS];
	s->rx_bytes = v[PVNET_RX_BYTES];
	s->tx_packets = v[PVNET_TX_PACKETS];
	s->tx_bytes = v[PVNET_TX_BYTES];
	s->rx_errors = v[PVNET_RX_ERRORS];
	s->tx_errors = v[PVNET_TX_ERRORS];
	s->rx_dropped = v[PVNET_RX_DROPPED];
	s->tx_dropped = v[PVNET_TX_DROPPED];
}

static const struct net_device_ops pvnet_netdev_ops = {
	.ndo_open = pvnet_open,
	.ndo_stop = pvnet_stop,
	.ndo_start_xmit = pvnet_start_xmit,
	.ndo_get_stats64 = pvnet_get_stats64,
	.ndo_validate_addr = eth_validate_addr,
};

static void pvnet_get_drvinfo(struct net_device *dev,
			      struct ethtool_drvinfo *info)
{
	struct pvnet *nf = netdev_priv(dev);

	strscpy(info->driver, "pvhv-netfront", sizeof(info->driver));
	snprintf(info->bus_info, sizeof(info->bus_info), "pvhv-vif-%u",
		 nf->index);
}

static int pvnet_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(pvnet_stat_names);
}

static void pvnet_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, pvnet_stat_names, sizeof(pvnet_stat_names));
}

static void pvnet_get_ethtool_stats(struct net_device *dev,
				    struct ethtool_stats *stats, u64 *data)
{
	struct pvnet *nf = netdev_priv(dev);

	pvnet_read_stats(nf, data);
	data[PVNET_NR_STATS] = nf->rx.nr_slots - READ_ONCE(nf->rx_ids.nr);
}

static const struct ethtool_ops pvnet_ethtool_ops = {
	.get_drvinfo = pvnet_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = pvnet_get_sset_count,
	.get_strings = pvnet_get_strings,
	.get_ethtool_stats = pvnet_get_ethtool_stats,
};

/* Offloads: what the backend offers and this driver can use. */
static void pvnet_setup(struct pvnet *nf, const struct pvhv_vif_info *info)
{
	struct net_device *dev = nf->dev;
	u32 feat = info->features & PVNET_FEATURES;
	unsigned int tso_max;

	/* max_tx_slots 0 or 1: every packet in one request, no SG. */
	nf->max_tx_slots = min_t(u32, info->max_tx_slots,
				 PVHV_NET_MAX_TX_SLOTS);
	if (!(feat & PVHV_NET_FEAT_SG) || nf->max_tx_slots <= 1) {
		nf->max_tx_slots = 1;
		feat &= ~PVHV_NET_FEAT_SG;
	}
	/* TSO needs scatter-gather, checksums and room for the headers. */
	if (!(feat & PVHV_NET_FEAT_SG) || !(feat & PVHV_NET_FEAT_CSUM) ||
	    nf->max_tx_slots <= 2)
		feat &= ~PVHV_NET_FEAT_GSO_TCP;
	/* GSO packets come with partial checksums. */
	if (!(feat & PVHV_NET_FEAT_CSUM))
		feat &= ~PVHV_NET_FEAT_RX_GSO;
	nf->feat = feat;

	dev->hw_features = NETIF_F_RXCSUM;
	if (feat & PVHV_NET_FEAT_CSUM)
		dev->hw_features |= NETIF_F_HW_CSUM;
	if (feat & PVHV_NET_FEAT_SG)
		dev->hw_features |= NETIF_F_SG;
	if (feat & PVHV_NET_FEAT_GSO_TCP)
		dev->hw_features |= NETIF_F_TSO | NETIF_F_TSO6;
	dev->features = dev->hw_features;
	/*
	 * Two requests for headers crossing a page, one a page for the rest;
	 * a packet scattered wider than that is linearized.
	 */
	tso_max = (nf->max_tx_slots - 2) * PAGE_SIZE;
	if (feat & PVHV_NET_FEAT_GSO_TCP)
		netif_set_tso_max_size(dev, min_t(unsigned int, tso_max,
						  PVHV_NET_MAX_PACKET));

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = clamp_t(u32, info->mtu, ETH_MIN_MTU, PVHV_NET_MAX_MTU);
	dev->mtu = dev->max_mtu;
	if (is_valid_ether_addr(info->mac)) {
		eth_hw_addr_set(dev, info->mac);
	} else {
		pr_warn("pvhv-guest: pvnet%u: invalid MAC %pM, using a random one\n",
			nf->index, info->mac);
		eth_hw_addr_random(dev);
	}
	dev->netdev_ops = &pvnet_netdev_ops;
	dev->ethtool_ops = &pvnet_ethtool_ops;
	snprintf(dev->name, IFNAMSIZ, "pvnet%u", nf->index);
}

/* Grant the host a ring page of ours, writable; the reference. */
static int pvnet_ring_page(void **ring, int *ref)
{
	*ring = (void *)get_zeroed_page(GFP_KERNEL);
	if (!*ring)
		return -ENOMEM;
	*ref = pvhv_grant_page(virt_to_page(*ring), PVHV_DOMID_HOST, false);
	return *ref < 0 ? *ref : 0;
}

static int pvnet_connect(struct pvnet *nf)
{
	struct pvhv_vif_connect *c;
	long ret;

	c = (void *)get_zeroed_page(GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = pvnet_ring_page(&nf->tx_ring, &nf->tx_ring_ref);
	if (!ret)
		ret = pvnet_ring_page(&nf->rx_ring, &nf->rx_ring_ref);
	if (ret)
		goto out;
	pvhv_nettx_front_init(&nf->tx, nf->tx_ring, PVHV_NET_RING_BYTES);
	pvhv_netrx_front_init(&nf->rx, nf->rx_ring, PVHV_NET_RING_BYTES);
	pvnet_ids_init(&nf->tx_ids, nf->tx.nr_slots);
	pvnet_ids_init(&nf->rx_ids, nf->rx.nr_slots);
	ret = pvhv_event_alloc_unbound(PVHV_DOMID_HOST, pvnet_event, nf);
	if (ret < 0)
		goto out;
	nf->port = ret;
	c->tx_ring_ref = nf->tx_ring_ref;
	c->rx_ring_ref = nf->rx_ring_ref;
	c->port = nf->port;
	c->features = nf->feat;
	ret = pvhv_hypercall(PVHV_HC_VIF_CONNECT, nf->index, __pa(c), 0);
	if (ret) {
		pr_err("pvhv-guest: pvnet%u: connect failed (%ld)\n",
		       nf->index, ret);
		ret = -EIO;
		goto out;
	}
	/* Not fatal if short: the poll refills, from the first open on. */
	pvnet_rx_refill(nf, GFP_KERNEL);
out:
	free_page((unsigned long)c);
	return ret;
}

/* Disconnected (or never connected): the backend maps nothing of ours. */
static void pvnet_free(struct pvnet *nf)
{
	unsigned int id;

	timer_delete_sync(&nf->refill_timer);
	if (nf->rx_cur)
		dev_kfree_skb_any(nf->rx_cur);
	nf->rx_cur = NULL;
	for (id = 0; id < PVNET_MAX_IDS; id++) {
		if (nf->tx_slot[id].gref)
			pvnet_tx_release(nf, id, 0);
		if (nf->rx_slot[id].gref)
			pvhv_grant_end(nf->rx_slot[id].gref);
		if (nf->rx_slot[id].page)
			put_page(nf->rx_slot[id].page);
	}
	if (nf->port > 0)
		pvhv_event_close(nf->port);
	if (nf->tx_ring_ref > 0)
		pvhv_grant_end(nf->tx_ring_ref);
	if (nf->rx_ring_ref > 0)
		pvhv_grant_end(nf->rx_ring_ref);
	free_page((unsigned long)nf->tx_ring);
	free_page((unsigned long)nf->rx_ring);
}

static int pvnet_probe(unsigned int index, const struct pvhv_vif_info *info)
{
	struct net_device *dev;
	struct pvnet *nf;
	int ret;

	dev = alloc_etherdev(sizeof(*nf));
	if (!dev)
		return -ENOMEM;
	nf = netdev_priv(dev);
	nf->dev = dev;
	nf->index = index;
	spin_lock_init(&nf->tx_lock);
	u64_stats_init(&nf->poll_stats.syncp);
	u64_stats_init(&nf->xmit_stats.syncp);
	timer_setup(&nf->refill_timer, pvnet_refill_timer, 0);
	netif_napi_add(dev, &nf->napi, pvnet_poll);
	pvnet_setup(nf, info);
	/* Rings an earlier kernel of this VM left connected are stale. */
	if (info->flags & PVHV_VIF_CONNECTED)
		pvhv_hypercall(PVHV_HC_VIF_DISCONNECT, index, 0, 0);
	ret = pvnet_connect(nf);
	if (ret)
		goto err;
	ret = register_netdev(dev);
	if (ret)
		goto err_disconnect;
	pvnet_devs[index] = nf;
	netdev_info(dev, "vif %u, MAC %pM, MTU %u, features %#x, port %d\n",
		    index, dev->dev_addr, dev->mtu, nf->feat, nf->port);
	return 0;

err_disconnect:
	pvhv_hypercall(PVHV_HC_VIF_DISCONNECT, index, 0, 0);
err:
	pvnet_free(nf);
	free_netdev(dev);
	return ret;
}

static void pvnet_remove(struct pvnet *nf)
{
	struct net_device *dev = nf->dev;

	/* Stops the device: NAPI disabled, no transmit any more. */
	unregister_netdev(dev);
	pvhv_hypercall(PVHV_HC_VIF_DISCONNECT, nf->index, 0, 0);
	pvnet_free(nf);
	free_netdev(dev);
}

int pvhv_netfront_init(void)
{
	struct pvhv_vif_info *info;
	unsigned int i;
	long ret;

	info = (void *)get_zeroed_page(GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < PVHV_VIF_MAX_IFS; i++) {
		ret = pvhv_hypercall(PVHV_HC_VIF_INFO, i, __pa(info), 0);
		if (ret == -PVHV_ENOENT)
			continue;
		if (!ret)
			ret = pvnet_probe(i, info);
		if (ret)
			pr_err("pvhv-guest: pvnet%u: not set up (%ld)\n", i, ret);
	}
	free_page((unsigned long)info);
	return 0;
}

void pvhv_netfront_exit(void)
{
	unsigned int i;

	for (i = 0; i < PVHV_VIF_MAX_IFS; i++) {
		if (!pvnet_devs[i])
			continue;
		pvnet_remove(pvnet_devs[i]);
		pvnet_devs[i] = NULL;
	}
}
