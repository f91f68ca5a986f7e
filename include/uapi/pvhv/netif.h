/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv virtual network interfaces (vif): discovery, connection and rings.
 *
 * The host adds interfaces to a domain (sysfs, or the libvirt hook from the
 * domain XML); each one is a host network device, pvif<domid>.<index>,
 * that the admin puts on a bridge like any tap.  The guest finds them by
 * index with PVHV_HC_VIF_INFO, grants the backend one page for each of two
 * rings, transmit (guest to host) and receive (host to guest), allocates
 * one event channel port unbound for PVHV_DOMID_HOST and calls
 * PVHV_HC_VIF_CONNECT.
 *
 * Transmit: a packet is one or more requests, each a run of bytes within
 *   one granted page (read-only is enough); every request but the last has
 *   PVHV_NET_F_MORE.  The first carries the packet's offloads.  Each
 *   request gets a response with its id, once the backend is done with
 *   the page.
 * Receive: the guest posts requests, each granting (writable) one unused
 *   page; the backend answers one of them per packet with the packet in
 *   that page at rsp.offset, rsp.status bytes long (with
 *   PVHV_NET_FEAT_RX_GSO, a larger packet takes several, in order, all
 *   but the last with PVHV_NET_F_MORE).  It fills the page
 *   either by copying into it or by trading frames: the guest frame behind
 *   the grant then has a new host page holding the packet, and the old
 *   one goes to the host.  The guest sees the same thing either way.  A
 *   packet that finds no posted request is dropped and counted.
 *
 * vif_info(index, gpa): write struct pvhv_vif_info at gpa (within a page).
 *   -PVHV_ENOENT if there is no interface with that index.
 * vif_connect(index, gpa): connect with the struct pvhv_vif_connect at gpa.
 *   -PVHV_EBUSY if already connected.
 * vif_disconnect(index): stop the backend, unmap the rings and unbind the
 *   port; requests not answered are dropped.  Returns 0.
 */
#ifndef _UAPI_PVHV_NETIF_H
#define _UAPI_PVHV_NETIF_H

#include <linux/types.h>
#include <pvhv/ring.h>

#define PVHV_VIF_MAX_IFS	8
/* Each ring is one page. */
#define PVHV_NET_RING_BYTES	4096
/*
 * The largest MTU: a frame of it, with a VLAN tag, fills one receive
 * page (4096 - 18).
 */
#define PVHV_NET_MAX_MTU	4078
/* Requests of one transmitted packet: 64 KiB of pages and two more. */
#define PVHV_NET_MAX_TX_SLOTS	18
#define PVHV_NET_MAX_PACKET	65535

/* pvhv_vif_info.flags */
#define PVHV_VIF_CONNECTED	(1U << 0)

/* Offloads (pvhv_vif_info.features, pvhv_vif_connect.features). */
#define PVHV_NET_FEAT_CSUM	(1U << 0)	/* partial checksums */
#define PVHV_NET_FEAT_SG	(1U << 1)	/* multi-request packets */
#define PVHV_NET_FEAT_GSO_TCP	(1U << 2)	/* TCP segmentation offload */
#define PVHV_NET_FEAT_RX_GSO	(1U << 3)	/* the guest takes GSO packets */

struct pvhv_vif_info {
	__u8 mac[6];		/* the guest's address */
	__u16 mtu;
	__u32 flags;		/* PVHV_VIF_* */
	__u32 features;		/* PVHV_NET_FEAT_* the backend offers */
	__u32 max_tx_slots;	/* PVHV_NET_MAX_TX_SLOTS */
};

struct pvhv_vif_connect {
	__u32 tx_ring_ref;	/* grant of the transmit ring page */
	__u32 rx_ring_ref;	/* grant of the receive ring page */
	__u32 port;		/* event channel, unbound for the host */
	__u32 features;		/* PVHV_NET_FEAT_* the guest uses */
};

/* Request and response flags. */
#define PVHV_NET_F_CSUM_PARTIAL	(1U << 0)	/* fill in the checksum */
#define PVHV_NET_F_DATA_VALID	(1U << 1)	/* checksum known good */
#define PVHV_NET_F_MORE		(1U << 2)	/* tx: more requests follow */
#define PVHV_NET_F_GSO		(1U << 3)	/* gso_size, gso_type valid */

/* gso_type */
#define PVHV_NET_GSO_TCPV4	1
#define PVHV_NET_GSO_TCPV6	2

/*
 * A transmit request: size bytes at offset in granted page gref
 * (offset + size <= 4096, size > 0).  In the first request of a packet,
 * with PVHV_NET_F_CSUM_PARTIAL, the checksum of the bytes from csum_start
 * on is to be stored at csum_start + csum_offset (both count from the
 * first byte of the Ethernet header); with PVHV_NET_F_GSO the
 * packet is to be cut into gso_size-byte TCP segments.  Those fields are
 * 0 otherwise, and in every later request.
 */
struct pvhv_net_tx_req {
	__u32 gref;
	__u16 offset;
	__u16 size;
	__u16 id;		/* echoed in the response */
	__u16 flags;		/* PVHV_NET_F_* */
	__u16 csum_start;
	__u16 csum_offset;
	__u16 gso_size;
	__u16 gso_type;		/* PVHV_NET_GSO_* */
	__u32 pad;
};

struct pvhv_net_tx_rsp {
	__u16 id;
	__s16 status;		/* 0 or -PVHV_E* */
	__u32 pad;
};

/* A page for a packet to come; gref grants it writable. */
struct pvhv_net_rx_req {
	__u16 id;		/* echoed in the response */
	__u16 pad;
	__u32 gref;
};

/*
 * A received packet: status bytes (> 0) at offset in the page of request
 * id, or a negative PVHV_E* code with the page unused.  A packet up to
 * the interface's MTU fits in one page.  With PVHV_NET_FEAT_RX_GSO
 * negotiated, a TCP packet of up to PVHV_NET_MAX_PACKET bytes may come in
 * consecutive responses, all but the last with PVHV_NET_F_MORE, each with
 * the bytes of one page; its first response has PVHV_NET_F_GSO and
 * gso_size and gso_type, to be cut into segments as on transmit (or taken
 * whole by the guest's stack, as GRO does).  flags (PVHV_NET_F_*) and
 * csum_* mean what the transmit request's do, in a packet's first
 * response; they are 0 in the others.
 */
struct pvhv_net_rx_rsp {
	__u16 id;
	__u16 offset;
	__u16 flags;		/* PVHV_NET_F_* */
	__s16 status;
	__u16 csum_start;
	__u16 csum_offset;
	__u16 gso_size;
	__u16 gso_type;		/* PVHV_NET_GSO_* */
};

PVHV_RING_DEFINE(nettx, struct pvhv_net_tx_req, struct pvhv_net_tx_rsp)
PVHV_RING_DEFINE(netrx, struct pvhv_net_rx_req, struct pvhv_net_rx_rsp)

#endif /* _UAPI_PVHV_NETIF_H */
