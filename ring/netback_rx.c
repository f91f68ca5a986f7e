// SPDX-License-Identifier: GPL-2.0
/*
 * Packets for a guest: the host netdev's transmit queues them, the
 * scheduler thread puts each into a page the guest posted on its receive
 * ring and answers that request.
 *
 * Two ways to fill a posted page:
 *  - copy: map the grant and copy the packet into the guest's page;
 *  - trade: when the packet's payload sits alone in a page of its own (a
 *    packet another guest transmitted, built by netback_tx.c for this),
 *    that host page takes the place of the guest's frame in its P2M and
 *    the guest's old page goes to the host (pvhv_mem_trade()).  Only the
 *    header is copied, in front of the payload.
 * Packets of at least rx_trade_min bytes are traded when they can be; the
 * rest are copied.
 *
 * No posted page: the netdev's queue stops (the host's stack holds its
 * packets, as for a busy NIC) and what is queued waits up to rx_stall_ms
 * for the guest to post pages; after that it is dropped and counted
 * (rx_no_buffer), as a NIC does with an empty receive ring, and the queue
 * runs again.  Dropping at once would turn every moment a guest is late
 * refilling its ring into TCP losses.
 */
#include <linux/kernel.h>
#include <linux/highmem.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <pvhv/pvhv.h>
#include <pvhv/netif.h>

#include "../pvhv/domain.h"
#include "../pvhv/evtchn.h"
#include "../pvhv/frames.h"
#include "../pvhv/grant.h"
#include "netback.h"

/*
 * Requests mapped together: at least the pages of the largest packet
 * (PVHV_NET_MAX_PACKET bytes: 16 pages and a bit).
 */
#define NET_RX_BATCH	32

/* Never, by default: see Documentation/net.rst for the numbers. */
unsigned int pvhv_net_rx_trade_min = PVHV_NET_MAX_PACKET + 1;
unsigned int pvhv_net_rx_stall_ms = 10;
const char pvhv_net_tradable_mark;

/* The scheduler thread's alone: packets, and the requests they take. */
static struct net_rx_batch {
	struct sk_buff *skb[NET_RX_BATCH];
	unsigned int first[NET_RX_BATCH];	/* index of its first request */
	unsigned int pages[NET_RX_BATCH];
	struct pvhv_net_rx_req req[NET_RX_BATCH];
	struct pvhv_grant_map map[NET_RX_BATCH];
	int status[NET_RX_BATCH];		/* of each request's mapping */
} pvhv_net_rx_batch;

/* Posted pages a packet takes. */
static unsigned int rx_pages(const struct sk_buff *skb)
{
	return max_t(unsigned int, 1, DIV_ROUND_UP(skb->len, PAGE_SIZE));
}

netdev_tx_t pvhv_net_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct pvhv_vif *vif = pvhv_netdev_vif(dev);

	/*
	 * Only a GSO packet is larger than a page (the MTU is less), and
	 * only for a guest that takes them (vif_features_check()).
	 */
	if (!READ_ONCE(vif->active) || skb->len > PVHV_NET_MAX_PACKET ||
	    (skb->len > PAGE_SIZE && !skb_is_gso(skb))) {
		atomic64_inc(&vif->stats.rx_dropped);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	skb_queue_tail(&vif->rx_queue, skb);
	if (skb_queue_len(&vif->rx_queue) >= VIF_RX_QUEUE_MAX)
		netif_stop_queue(dev);
	pvhv_net_kick(vif);
	return NETDEV_TX_OK;
}

/*
 * The page holding @skb's payload if it may be given to a guest: the only
 * fragment, in a page nothing else refers to, with room before the
 * payload for the header.  netback_tx.c zeroes the rest of such pages.
 */
static struct page *rx_tradable(struct sk_buff *skb)
{
	const skb_frag_t *frag;
	struct page *page;

	if (skb_cloned(skb) || skb->pp_recycle || skb_zcopy(skb) ||
	    skb_shinfo(skb)->nr_frags != 1 ||
	    skb->len < READ_ONCE(pvhv_net_rx_trade_min))
		return NULL;
	frag = &skb_shinfo(skb)->frags[0];
	page = skb_frag_page(frag);
	if (PageCompound(page) || PageSlab(page) || page_count(page) != 1 ||
	    skb_frag_off(frag) < skb_headlen(skb) ||
	    skb_frag_off(frag) + skb_frag_size(frag) > PAGE_SIZE ||
	    !pvhv_net_page_tradable(page))
		return NULL;
	return page;
}

/* Trade @skb's page for the guest frame @map pins.  Offset, or -errno. */
static int rx_trade(struct sk_buff *skb, struct page *page,
		    struct pvhv_grant_map *map)
{
	unsigned int off = skb_frag_off(&skb_shinfo(skb)->frags[0]) -
			   skb_headlen(skb);
	void *va = kmap_local_page(page);
	int ret;

	memcpy(va + off, skb->data, skb_headlen(skb));
	kunmap_local(va);
	set_page_private(page, 0);
	get_page(page);			/* the P2M's reference */
	ret = pvhv_mem_trade(&map->pin, page);
	if (ret) {
		put_page(page);
		return ret;
	}
	return off;
}

/* Copy @skb into the @n pages of @map, a page each. */
static void rx_copy(struct sk_buff *skb, struct pvhv_grant_map *map,
		    unsigned int n)
{
	unsigned int i, off, len;
	void *va;

	for (i = 0, off = 0; i < n; i++, off += len) {
		len = min_t(unsigned int, skb->len - off, PAGE_SIZE);
		va = kmap_local_page(map[i].pin.page);
		skb_copy_bits(skb, off, va, len);
		kunmap_local(va);
	}
}

/* The offloads of @skb for the guest, in @rsp; 0 or -PVHV_E*. */
static int rx_offloads(struct pvhv_vif *vif, struct sk_buff *skb,
		       struct pvhv_net_rx_rsp *rsp)
{
	unsigned int type = skb_shinfo(skb)->gso_type;

	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (vif->features & PVHV_NET_FEAT_CSUM) {
			rsp->flags |= PVHV_NET_F_CSUM_PARTIAL;
			rsp->csum_start = skb_checksum_start_offset(skb);
			rsp->csum_offset = skb->csum_offset;
		} else if (skb_is_gso(skb) || skb_checksum_help(skb)) {
			return -PVHV_EINVAL;
		}
	} else if (skb->ip_summed == CHECKSUM_UNNECESSARY &&
		   (vif->features & PVHV_NET_FEAT_CSUM)) {
		rsp->flags |= PVHV_NET_F_DATA_VALID;
	}
	if (!skb_is_gso(skb))
		return 0;
	/* Reconnected without RX_GSO since the stack let it through. */
	if (!(vif->features & PVHV_NET_FEAT_RX_GSO) ||
	    !(rsp->flags & PVHV_NET_F_CSUM_PARTIAL) ||
	    (type & ~(SKB_GSO_TCPV4 | SKB_GSO_TCPV6 | SKB_GSO_DODGY)))
		return -PVHV_EOPNOTSUPP;
	rsp->flags |= PVHV_NET_F_GSO;
	rsp->gso_size = skb_shinfo(skb)->gso_size;
	rsp->gso_type = type & SKB_GSO_TCPV4 ? PVHV_NET_GSO_TCPV4 :
					       PVHV_NET_GSO_TCPV6;
	return 0;
}

/*
 * Put packet @p of the batch into its pages, trading the page if it is a
 * single one and that pays, and answer its requests.  0 or -PVHV_E*.
 */
static int rx_packet(struct pvhv_vif *vif, struct net_rx_batch *b, int p)
{
	unsigned int i, n = b->pages[p], f = b->first[p];
	struct sk_buff *skb = b->skb[p];
	struct pvhv_net_rx_rsp first = {}, r;
	struct page *page;
	int status = 0, off = -EBUSY;

	for (i = 0; i < n && !status; i++)
		status = b->status[f + i] ? :
			 b->req[f + i].pad ? -PVHV_EINVAL : 0;
	if (!status)
		status = rx_offloads(vif, skb, &first);
	if (!status && n == 1) {
		page = rx_tradable(skb);
		if (page)
			off = rx_trade(skb, page, &b->map[f]);
	}
	if (!status && off >= 0) {
		first.offset = off;
		atomic64_inc(&vif->stats.rx_traded);
	} else if (!status) {
		rx_copy(skb, &b->map[f], n);
		atomic64_inc(&vif->stats.rx_copied);
	}
	/* Built here and stored whole: nothing is read back from the ring. */
	for (i = 0; i < n; i++) {
		r = i ? (struct pvhv_net_rx_rsp){} : first;
		r.id = b->req[f + i].id;
		if (status) {
			r = (struct pvhv_net_rx_rsp){ .id = r.id,
						      .status = status };
		} else if (i < n - 1) {
			r.flags |= PVHV_NET_F_MORE;
			r.status = PAGE_SIZE;
		} else {
			r.status = skb->len - i * PAGE_SIZE;
		}
		*pvhv_netrx_back_rsp(&vif->rx, vif->rx.rsp_prod_pvt++) = r;
	}
	return status;
}

void pvhv_net_rx_stall_timer(struct timer_list *t)
{
	struct pvhv_vif *vif = from_timer(vif, t, rx_stall_timer);

	pvhv_net_kick(vif);
}

/*
 * Packets are queued and no page is posted.  True while they may wait on:
 * the queue is stopped and the timer armed for the deadline.  False once
 * the wait is over: drop them.
 */
static bool rx_stall(struct pvhv_vif *vif)
{
	unsigned long wait = msecs_to_jiffies(READ_ONCE(pvhv_net_rx_stall_ms));

	if (!vif->rx_stalled) {
		if (!wait)
			return false;
		vif->rx_stalled = true;
		vif->rx_stall_since = jiffies;
		netif_stop_queue(vif->dev);
		/* The guest's post kicks us if it comes first. */
		mod_timer(&vif->rx_stall_timer, jiffies + wait + 1);
		return true;
	}
	if (time_before(jiffies, vif->rx_stall_since + wait + 1))
		return true;
	vif->rx_stalled = false;
	return false;
}

/* Map the batch's grants; one at a time if one of them is bad. */
static void rx_map(struct pvhv_vif *vif, struct net_rx_batch *b, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		b->map[i] = (struct pvhv_grant_map){ .ref = b->req[i].gref };
		b->status[i] = 0;
	}
	err = pvhv_grant_map_many(vif->dom, PVHV_DOMID_HOST, true, b->map, n);
	if (!err)
		return;
	for (i = 0; i < n; i++)
		b->status[i] = pvhv_grant_map(vif->dom, b->req[i].gref,
					      PVHV_DOMID_HOST, true, &b->map[i]);
}

/*
 * Take queued packets and the requests they need, up to @posted requests
 * and @budget packets; the number of packets (at least one: the caller
 * saw that the first fits).
 */
static int rx_collect(struct pvhv_vif *vif, struct net_rx_batch *b,
		      s64 posted, int budget)
{
	unsigned int nreq = 0, need, i;
	struct sk_buff *skb;
	int n = 0;

	posted = min_t(s64, posted, NET_RX_BATCH);
	while (n < budget && (skb = skb_peek(&vif->rx_queue))) {
		need = rx_pages(skb);
		if (nreq + need > posted)
			break;
		b->skb[n] = skb_dequeue(&vif->rx_queue);
		b->first[n] = nreq;
		b->pages[n] = need;
		for (i = 0; i < need; i++, nreq++)
			b->req[nreq] = *pvhv_netrx_back_req(&vif->rx,
							    vif->rx.req_cons++);
		n++;
	}
	rx_map(vif, b, nreq);
	return n;
}

/* Deliver @n collected packets, answer their requests, unmap. */
static void rx_batch(struct pvhv_vif *vif, struct net_rx_batch *b, int n)
{
	int p;

	for (p = 0; p < n; p++) {
		if (rx_packet(vif, b, p)) {
			atomic64_inc(&vif->stats.rx_errors);
			kfree_skb(b->skb[p]);
			continue;
		}
		atomic64_inc(&vif->stats.rx_packets);
		atomic64_add(b->skb[p]->len, &vif->stats.rx_bytes);
		consume_skb(b->skb[p]);
	}
	/* A request with a bad grant never mapped: unmap_many skips it. */
	pvhv_grant_unmap_many(b->map, b->first[n - 1] + b->pages[n - 1]);
}

bool pvhv_net_rx(struct pvhv_vif *vif, int budget)
{
	struct net_rx_batch *b = &pvhv_net_rx_batch;
	struct sk_buff *skb;
	int done = 0, n;
	s64 posted;

	while (done < budget && !skb_queue_empty(&vif->rx_queue)) {
		posted = pvhv_netrx_back_req_pending(&vif->rx);
		if (posted == 0)
			posted = pvhv_netrx_back_final_check(&vif->rx);
		if (posted < 0) {
			pvhv_net_vif_broken(vif, "receive");
			skb_queue_purge(&vif->rx_queue);
			break;
		}
		if (posted < rx_pages(skb_peek(&vif->rx_queue))) {
			if (rx_stall(vif))
				break;
			/* No page to put them in: a full NIC drops too. */
			while ((skb = skb_dequeue(&vif->rx_queue))) {
				atomic64_inc(&vif->stats.rx_no_buffer);
				kfree_skb(skb);
			}
			break;
		}
		vif->rx_stalled = false;
		n = rx_collect(vif, b, posted, budget - done);
		rx_batch(vif, b, n);
		done += n;
	}
	if (pvhv_netrx_back_push(&vif->rx))
		pvhv_evtchn_notify(vif->dom, vif->port);
	if (netif_queue_stopped(vif->dev) && !vif->rx_stalled &&
	    skb_queue_len(&vif->rx_queue) < VIF_RX_QUEUE_MAX / 2)
		netif_wake_queue(vif->dev);
	/* Stalled, the guest's post or the timer brings us back. */
	return !skb_queue_empty(&vif->rx_queue) && !vif->rx_stalled;
}
