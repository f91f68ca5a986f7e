// SPDX-License-Identifier: GPL-2.0
/*
 * Packets a guest transmits: requests off its transmit ring, validated,
 * copied out of its granted pages into a new skb and handed to the host's
 * stack as if the host netdev had received them.
 *
 * A packet's pages stay mapped (pinned) while they are copied; every
 * request is answered once its page is unmapped again, so a guest may reuse
 * a page as soon as it has its response.  Nothing in the ring is trusted:
 * each request is copied out of its slot before it is looked at, and a bad
 * packet is answered with an error in every one of its requests.
 */
#include <linux/kernel.h>
#include <linux/etherdevice.h>
#include <linux/highmem.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <pvhv/pvhv.h>
#include <pvhv/netif.h>

#include "../pvhv/domain.h"
#include "../pvhv/evtchn.h"
#include "../pvhv/grant.h"
#include "netback.h"

/* Bytes of a packet copied into the skb's head; the rest goes to pages. */
#define NET_TX_HEAD	256

#define NET_TX_FLAGS	(PVHV_NET_F_CSUM_PARTIAL | PVHV_NET_F_DATA_VALID | \
			 PVHV_NET_F_MORE | PVHV_NET_F_GSO)

/* One packet's requests; the scheduler thread's alone. */
static struct net_tx_pkt {
	struct pvhv_net_tx_req req[PVHV_NET_MAX_TX_SLOTS];
	struct pvhv_grant_map map[PVHV_NET_MAX_TX_SLOTS];
	unsigned int n, len;
} pvhv_net_tx_pkt;

static void tx_respond(struct pvhv_vif *vif, u16 id, int status)
{
	*pvhv_nettx_back_rsp(&vif->tx, vif->tx.rsp_prod_pvt++) =
		(struct pvhv_net_tx_rsp){ .id = id, .status = status };
}

/* The offloads of the packet's first request. */
static int tx_check_offloads(struct pvhv_vif *vif,
			     const struct pvhv_net_tx_req *r, unsigned int len)
{
	bool csum = r->flags & PVHV_NET_F_CSUM_PARTIAL;

	if (csum && !(vif->features & PVHV_NET_FEAT_CSUM))
		return -PVHV_EINVAL;
	if (csum && r->csum_start + r->csum_offset + 2 > len)
		return -PVHV_EINVAL;
	if (!csum && (r->csum_start || r->csum_offset))
		return -PVHV_EINVAL;
	if (!(r->flags & PVHV_NET_F_GSO)) {
		if (r->gso_size || r->gso_type)
			return -PVHV_EINVAL;
		/* Without segmentation a packet must fit the link. */
		if (len > vif->dev->mtu + VLAN_ETH_HLEN)
			return -PVHV_EINVAL;
		return 0;
	}
	if (!(vif->features & PVHV_NET_FEAT_GSO_TCP) || !csum ||
	    !r->gso_size || len <= r->gso_size ||
	    (r->gso_type != PVHV_NET_GSO_TCPV4 &&
	     r->gso_type != PVHV_NET_GSO_TCPV6))
		return -PVHV_EINVAL;
	return 0;
}

/* Every field of the packet's requests; 0 or -PVHV_E*. */
static int tx_check(struct pvhv_vif *vif, struct net_tx_pkt *p)
{
	const struct pvhv_net_tx_req *r;
	unsigned int i;

	p->len = 0;
	for (i = 0; i < p->n; i++) {
		r = &p->req[i];
		if ((r->flags & ~NET_TX_FLAGS) || r->pad)
			return -PVHV_EINVAL;
		if (i && ((r->flags & ~PVHV_NET_F_MORE) || r->csum_start ||
			  r->csum_offset || r->gso_size || r->gso_type))
			return -PVHV_EINVAL;
		if (!r->size || r->offset + r->size > PAGE_SIZE)
			return -PVHV_EINVAL;
		p->len += r->size;
	}
	if (p->len < ETH_HLEN || p->len > PVHV_NET_MAX_PACKET)
		return -PVHV_EINVAL;
	if ((p->req[0].flags & PVHV_NET_F_DATA_VALID) &&
	    (p->req[0].flags & PVHV_NET_F_CSUM_PARTIAL))
		return -PVHV_EINVAL;
	return tx_check_offloads(vif, &p->req[0], p->len);
}

/*
 * Should the payload (@rest bytes after the head) of a packet of @len
 * bytes go to a page that a receiving guest may take in trade?  Only if
 * trading is on for packets that long and the payload fits behind room
 * for the head.
 */
static bool tx_tradable(unsigned int len, unsigned int rest)
{
	return rest && rest <= PAGE_SIZE - NET_TX_HEAD &&
	       len >= READ_ONCE(pvhv_net_rx_trade_min);
}

/*
 * A page for @rest bytes of payload at NET_TX_HEAD, zeroed around them:
 * traded, it must show the guest nothing but its packet.
 */
static struct page *tx_tradable_page(unsigned int rest)
{
	struct page *page = alloc_page(GFP_KERNEL);
	void *va;

	if (!page)
		return NULL;
	va = kmap_local_page(page);
	memset(va, 0, NET_TX_HEAD);
	memset(va + NET_TX_HEAD + rest, 0, PAGE_SIZE - NET_TX_HEAD - rest);
	kunmap_local(va);
	pvhv_net_mark_tradable(page);
	return page;
}

/* A new skb holding the packet's bytes, offloads set; NULL: no memory. */
static struct sk_buff *tx_build(struct pvhv_vif *vif, struct net_tx_pkt *p)
{
	const struct pvhv_net_tx_req *r0 = &p->req[0];
	unsigned int head = NET_TX_HEAD, rest, i, pos = 0, size;
	struct sk_buff *skb;
	struct page *page;
	void *va;

	/* The stack wants the checksummed headers in the skb's head. */
	if (r0->flags & PVHV_NET_F_CSUM_PARTIAL)
		head = max_t(unsigned int, head,
			     r0->csum_start + r0->csum_offset + 2);
	head = min(head, p->len);
	rest = p->len - head;
	skb = __netdev_alloc_skb(vif->dev, head, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_put(skb, head);
	if (tx_tradable(p->len, rest)) {
		page = tx_tradable_page(rest);
		if (!page)
			goto nomem;
		skb_add_rx_frag(skb, 0, page, NET_TX_HEAD, rest, PAGE_SIZE);
		rest = 0;
	}
	for (i = 0; rest; i++, rest -= size) {
		size = min_t(unsigned int, rest, PAGE_SIZE);
		page = alloc_page(GFP_KERNEL);
		if (!page)
			goto nomem;
		skb_add_rx_frag(skb, i, page, 0, size, PAGE_SIZE);
	}
	for (i = 0; i < p->n; i++) {
		va = kmap_local_page(p->map[i].pin.page);
		skb_store_bits(skb, pos, va + p->req[i].offset, p->req[i].size);
		kunmap_local(va);
		pos += p->req[i].size;
	}

	if (r0->flags & PVHV_NET_F_DATA_VALID)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	/* Offsets count from the Ethernet header: before eth_type_trans(). */
	if ((r0->flags & PVHV_NET_F_CSUM_PARTIAL) &&
	    !skb_partial_csum_set(skb, r0->csum_start, r0->csum_offset)) {
		kfree_skb(skb);
		return ERR_PTR(-PVHV_EINVAL);
	}
	if (r0->flags & PVHV_NET_F_GSO) {
		/* DODGY: the stack checks the headers before it segments. */
		skb_shinfo(skb)->gso_size = r0->gso_size;
		skb_shinfo(skb)->gso_type = SKB_GSO_DODGY |
			(r0->gso_type == PVHV_NET_GSO_TCPV4 ? SKB_GSO_TCPV4 :
							      SKB_GSO_TCPV6);
		skb_shinfo(skb)->gso_segs = 0;
	}
	skb->protocol = eth_type_trans(skb, vif->dev);
	skb_reset_network_header(skb);
	skb_probe_transport_header(skb);
	return skb;
nomem:
	kfree_skb(skb);
	return NULL;
}

/* Map, copy and send the gathered packet; answer its requests. */
static void tx_send(struct pvhv_vif *vif, struct net_tx_pkt *p)
{
	struct sk_buff *skb = NULL;
	unsigned int i;
	int status;

	status = tx_check(vif, p);
	if (!status) {
		for (i = 0; i < p->n; i++)
			p->map[i] = (struct pvhv_grant_map){ .ref = p->req[i].gref };
		status = pvhv_grant_map_many(vif->dom, PVHV_DOMID_HOST, false,
					     p->map, p->n);
	}
	if (!status) {
		skb = tx_build(vif, p);
		if (IS_ERR(skb))
			status = PTR_ERR(skb);
		else if (!skb)
			status = -PVHV_ENOMEM;
		pvhv_grant_unmap_many(p->map, p->n);
	}
	for (i = 0; i < p->n; i++)
		tx_respond(vif, p->req[i].id, status);
	if (status) {
		atomic64_inc(&vif->stats.tx_errors);
		return;
	}
	if (!netif_running(vif->dev)) {
		atomic64_inc(&vif->stats.tx_dropped);
		kfree_skb(skb);
		return;
	}
	atomic64_inc(&vif->stats.tx_packets);
	atomic64_add(p->len, &vif->stats.tx_bytes);
	local_bh_disable();
	netif_receive_skb(skb);
	local_bh_enable();
}

/*
 * Gather the packet at the ring's consumer index from the @n published
 * requests.  1: gathered (consumed); 0: not all of it is published yet
 * (nothing consumed); -1: more requests than a packet may have (the
 * first PVHV_NET_MAX_TX_SLOTS consumed and answered, the rest skipped).
 */
static int tx_gather(struct pvhv_vif *vif, struct net_tx_pkt *p, s64 n)
{
	unsigned int i;

	for (i = 0; i < n && i < PVHV_NET_MAX_TX_SLOTS; i++) {
		p->req[i] = *pvhv_nettx_back_req(&vif->tx, vif->tx.req_cons + i);
		if (!(p->req[i].flags & PVHV_NET_F_MORE)) {
			p->n = i + 1;
			vif->tx.req_cons += p->n;
			return 1;
		}
	}
	if (i < PVHV_NET_MAX_TX_SLOTS)
		return 0;
	for (i = 0; i < PVHV_NET_MAX_TX_SLOTS; i++)
		tx_respond(vif, p->req[i].id, -PVHV_E2BIG);
	vif->tx.req_cons += PVHV_NET_MAX_TX_SLOTS;
	vif->tx_skipping = true;
	atomic64_inc(&vif->stats.tx_errors);
	return -1;
}

/* Answer the rest of an oversize packet, up to @n requests. */
static void tx_skip(struct pvhv_vif *vif, s64 n)
{
	struct pvhv_net_tx_req r;

	while (n-- && vif->tx_skipping) {
		r = *pvhv_nettx_back_req(&vif->tx, vif->tx.req_cons++);
		tx_respond(vif, r.id, -PVHV_E2BIG);
		if (!(r.flags & PVHV_NET_F_MORE))
			vif->tx_skipping = false;
	}
}

bool pvhv_net_tx(struct pvhv_vif *vif, int budget)
{
	struct net_tx_pkt *p = &pvhv_net_tx_pkt;
	bool more = false;
	int done = 0;
	s64 n;

	while (done < budget) {
		if (vif->deficit <= 0) {
			more = true;
			break;
		}
		n = pvhv_nettx_back_req_pending(&vif->tx);
		if (n == 0)
			n = pvhv_nettx_back_final_check(&vif->tx);
		if (n < 0) {
			pvhv_net_vif_broken(vif, "transmit");
			break;
		}
		if (n == 0)
			break;
		if (vif->tx_skipping) {
			tx_skip(vif, n);
			continue;
		}
		if (tx_gather(vif, p, n) == 0)
			break;		/* the guest's kick brings the rest */
		if (!vif->tx_skipping) {
			tx_send(vif, p);
			vif->deficit -= p->len;
		}
		done++;
	}
	if (done == budget)
		more = true;
	if (pvhv_nettx_back_push(&vif->tx))
		pvhv_evtchn_notify(vif->dom, vif->port);
	return more;
}
