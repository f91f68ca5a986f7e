/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PV network backend (virtual interfaces), include/uapi/pvhv/netif.h.
 *
 * netback.c: interfaces, their host netdevs, connection, hypercalls, sysfs.
 * netback_sched.c: the one thread that serves every connected interface,
 *   round robin with a transmit credit per interface.
 * netback_tx.c: packets the guest transmits, into the host's stack.
 * netback_rx.c: packets for the guest, copied or traded into its pages.
 */
#ifndef _PVHV_RING_NETBACK_H
#define _PVHV_RING_NETBACK_H

#include <linux/types.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/timer.h>
#include <pvhv/netif.h>

#include "../pvhv/grant.h"

struct pvhv_domain;

/* Packets for the guest waiting for the thread; more stops the netdev. */
#define VIF_RX_QUEUE_MAX	512
/* Default transmit credit: bytes an interface may send per round. */
#define VIF_TX_CREDIT		(64 * 1024)

struct pvhv_vif_stats {
	atomic64_t tx_packets, tx_bytes, tx_errors;
	atomic64_t rx_packets, rx_bytes, rx_errors, rx_no_buffer;
	atomic64_t rx_copied, rx_traded, rx_dropped, tx_dropped;
};

struct pvhv_vif {
	struct kobject kobj;		/* domains/<name>/vif<index>/ */
	struct pvhv_domain *dom;	/* owns us; no reference */
	u32 index;
	u8 mac[ETH_ALEN];		/* the guest's */
	struct net_device *dev;		/* pvif<domid>.<index> */

	struct mutex lock;		/* connection state below */
	bool connected;
	u32 port, features;
	struct pvhv_grant_map tx_ring_map, rx_ring_map;
	struct pvhv_nettx_back tx;	/* the thread's */
	struct pvhv_netrx_back rx;	/* the thread's */

	/* Scheduler state, under pvhv_net_sched_lock. */
	struct list_head sched_node;	/* on the active list */
	bool active;			/* connected and not broken */
	bool broken;			/* hostile ring index: served no more */
	bool kicked;			/* work came while it was served */
	long deficit;			/* transmit bytes left this round (thread) */
	u32 tx_credit;			/* bytes added each round (sysfs) */
	bool tx_skipping;		/* in an oversize packet (thread) */

	struct sk_buff_head rx_queue;	/* for the guest */
	/*
	 * No page posted (thread): since when, and the timer that drops
	 * what waits once pvhv_net_rx_stall_ms have passed.
	 */
	bool rx_stalled;
	unsigned long rx_stall_since;
	struct timer_list rx_stall_timer;
	struct pvhv_vif_stats stats;
};

/* netback_sched.c */
int pvhv_net_sched_init(void);
void pvhv_net_sched_exit(void);
/* There may be work for @vif: put it on the active list (any context). */
void pvhv_net_kick(struct pvhv_vif *vif);
/* @vif is connected: serve it.  Its rings are set up. */
void pvhv_net_sched_start(struct pvhv_vif *vif);
/* Stop serving @vif; when this returns the thread does not touch it. */
void pvhv_net_sched_stop(struct pvhv_vif *vif);
/* The ring index of @vif was hostile (thread): serve it no more. */
void pvhv_net_vif_broken(struct pvhv_vif *vif, const char *ring);

/*
 * netback_tx.c: take transmitted packets off @vif's ring while its
 * deficit lasts, at most @budget of them.  True if requests are left.
 */
bool pvhv_net_tx(struct pvhv_vif *vif, int budget);

/*
 * netback_rx.c: deliver up to @budget queued packets into posted pages.
 * True if packets are left to deliver.  pvhv_net_start_xmit() is the
 * host netdev's transmit: a packet for the guest.
 */
bool pvhv_net_rx(struct pvhv_vif *vif, int budget);
netdev_tx_t pvhv_net_start_xmit(struct sk_buff *skb, struct net_device *dev);
/* Packets of at least this many bytes are traded (sysfs rx_trade_min). */
extern unsigned int pvhv_net_rx_trade_min;
/* How long packets wait for a posted page (sysfs rx_stall_ms). */
extern unsigned int pvhv_net_rx_stall_ms;
void pvhv_net_rx_stall_timer(struct timer_list *t);

/*
 * A page netback_tx.c filled with one packet's payload and zeroed around
 * it, which may therefore become a guest's frame.  page_private is free
 * for the owner of a page from alloc_page() (and 0 there); the trade
 * clears it, as frames use it for sharing.
 */
extern const char pvhv_net_tradable_mark;
static inline void pvhv_net_mark_tradable(struct page *page)
{
	set_page_private(page, (unsigned long)&pvhv_net_tradable_mark);
}

static inline bool pvhv_net_page_tradable(struct page *page)
{
	return page_private(page) == (unsigned long)&pvhv_net_tradable_mark;
}

static inline struct pvhv_vif *pvhv_netdev_vif(struct net_device *dev)
{
	return *(struct pvhv_vif **)netdev_priv(dev);
}

int pvhv_netback_init(void);
void pvhv_netback_exit(void);

#endif /* _PVHV_RING_NETBACK_H */
