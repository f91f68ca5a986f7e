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

/* Packets delivered with one batch of grant mappings. */
#define NET_RX_BATCH	32

/* Never, by default: see Documentation/net.rst for the numbers. */
unsigned int pvhv_net_rx_trade_min = PVHV_NET_MAX_PACKET + 1;
unsigned int pvhv_net_rx_stall_ms = 10;
const char pvhv_net_tradable_mark;

/* The scheduler thread's alone. */
static struct net_rx_batch {
	struct sk_buff *skb[NET_RX_BATCH];
	struct pvhv_net_rx_req req[NET_RX_BATCH];
	struct pvhv_grant_map map[NET_RX_BATCH];
	int status[NET_RX_BATCH];
} pvhv_net_rx_batch;

netdev_tx_t pvhv_net_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct pvhv_vif *vif = pvhv_netdev_vif(dev);

	/* A packet of more than a page does not fit a posted page. */
	if (!READ_ONCE(vif->active) || skb->len > PAGE_SIZE) {
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

static void rx_copy(struct sk_buff *skb, struct pvhv_grant_map *map)
{
	void *va = kmap_local_page(map->pin.page);

	skb_copy_bits(skb, 0, va, skb->len);
	kunmap_local(va);
}

/* Fill the page of @map with @skb; the response's status. */
static int rx_fill(struct pvhv_vif *vif, struct sk_buff *skb,
		   struct pvhv_grant_map *map, struct pvhv_net_rx_rsp *rsp)
{
	struct page *page;
	int off;

	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (vif->features & PVHV_NET_FEAT_CSUM) {
			rsp->flags |= PVHV_NET_F_CSUM_PARTIAL;
			rsp->csum_start = skb_checksum_start_offset(skb);
			rsp->csum_offset = skb->csum_offset;
		} else if (skb_checksum_help(skb)) {
			return -PVHV_EINVAL;
		}
	} else if (skb->ip_summed == CHECKSUM_UNNECESSARY &&
		   (vif->features & PVHV_NET_FEAT_CSUM)) {
		rsp->flags |= PVHV_NET_F_DATA_VALID;
	}
	page = rx_tradable(skb);
	off = page ? rx_trade(skb, page, map) : -EBUSY;
	if (off >= 0) {
		rsp->offset = off;
		atomic64_inc(&vif->stats.rx_traded);
	} else {
		rx_copy(skb, map);
		atomic64_inc(&vif->stats.rx_copied);
	}
	return skb->len;
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

/* Deliver @n queued packets into the @n requests at the consumer index. */
static void rx_batch(struct pvhv_vif *vif, struct net_rx_batch *b, int n)
{
	struct pvhv_net_rx_rsp *rsp;
	int i;

	for (i = 0; i < n; i++) {
		b->skb[i] = skb_dequeue(&vif->rx_queue);
		b->req[i] = *pvhv_netrx_back_req(&vif->rx, vif->rx.req_cons++);
	}
	rx_map(vif, b, n);
	for (i = 0; i < n; i++) {
		rsp = pvhv_netrx_back_rsp(&vif->rx, vif->rx.rsp_prod_pvt++);
		*rsp = (struct pvhv_net_rx_rsp){ .id = b->req[i].id };
		if (!b->status[i] && b->req[i].pad)
			b->status[i] = -PVHV_EINVAL;
		if (!b->status[i])
			b->status[i] = rx_fill(vif, b->skb[i], &b->map[i], rsp);
		rsp->status = b->status[i];
		if (b->status[i] < 0) {
			rsp->flags = 0;
			rsp->csum_start = 0;
			rsp->csum_offset = 0;
			atomic64_inc(&vif->stats.rx_errors);
			kfree_skb(b->skb[i]);
			continue;
		}
		atomic64_inc(&vif->stats.rx_packets);
		atomic64_add(b->skb[i]->len, &vif->stats.rx_bytes);
		consume_skb(b->skb[i]);
	}
	/* A request with a bad grant never mapped: unmap_many skips it. */
	pvhv_grant_unmap_many(b->map, n);
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
		if (posted == 0) {
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
		n = min3(posted, (s64)NET_RX_BATCH, (s64)(budget - done));
		n = min_t(int, n, skb_queue_len(&vif->rx_queue));
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
