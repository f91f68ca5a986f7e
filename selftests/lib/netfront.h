/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A PV network frontend played by the test program for a PV mini-guest
 * (lib/guest_cmd.h): its grant table, event channel ports and the rings
 * of vif 0 and 1 in fixed guest pages, requests written into the rings
 * through the test's mapping of guest RAM, kicks made by the guest (an
 * event channel send); and the host's side: the vif netdevs, AF_PACKET
 * sockets on them, a bridge over two of them.  What net_test and
 * bench/net_trade_bench share; nothing here needs the kselftest harness.
 */
#ifndef _PVHV_NETFRONT_H
#define _PVHV_NETFRONT_H

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#include <pvhv/pvhv.h>
#include <pvhv/event.h>
#include <pvhv/grant.h>
#include <pvhv/netif.h>

#include "minivm.h"
#include "guest_cmd.h"

/* Guest pages and grant references. */
#define SHARED_GPA	GPAGE(0)
#define LIST_GPA	GPAGE(1)
#define TABLE_GPA	GPAGE(2)
#define CONNECT_GPA	GPAGE(3)
#define INFO_GPA	GPAGE(4)
#define TX_RING_GPA(v)	GPAGE(5 + 2 * (v))	/* vif 0 and 1 */
#define RX_RING_GPA(v)	GPAGE(6 + 2 * (v))
#define TX_GPA(i)	GPAGE(16 + (i))		/* 32 transmit pages */
#define RX_GPA(i)	GPAGE(48 + (i))		/* 32 receive pages */

#define TX_RING_REF(v)	(1 + 2 * (v))
#define RX_RING_REF(v)	(2 + 2 * (v))
#define TX_REF(i)	(16 + (i))	/* read-only: enough to transmit */
#define RX_REF(i)	(48 + (i))
#define BAD_REF		200		/* never granted */

#define ETYPE		0x88b5		/* local experimental EtherType */
#define MAC0		"02:00:00:00:00:01"
#define MAC1		"02:00:00:00:00:02"
static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t peer[6] = { 2, 0, 0, 0, 0, 0xfe };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The guest's side of one vif: its rings and event channel port. */
struct vif_front {
	struct minivm *vm;
	int idx;
	long port;
	struct pvhv_nettx_front tx;
	struct pvhv_netrx_front rx;
	uint16_t next_id;
	uint32_t features;	/* to connect with; 0: CSUM and SG */
};

static inline const char *dom(struct minivm *vm)
{
	return strrchr(vm->dir, '/') + 1;
}

static inline long vif_stat(struct minivm *vm, int idx, const char *what)
{
	return pvhv_sysfs_long("domains/%s/vif%d/%s", dom(vm), idx, what);
}

/* Wait (up to 5 s) for a vif attribute to read @want; the last value. */
static inline long vif_wait(struct minivm *vm, int idx, const char *what,
			    long want)
{
	long v = -1;
	int i;

	for (i = 0; i < 500; i++) {
		v = vif_stat(vm, idx, what);
		if (v == want)
			break;
		usleep(10000);
	}
	return v;
}

/* A vif's string attribute without its newline ("" if none). */
static inline char *vif_str(struct minivm *vm, int idx, const char *what,
			    char *buf)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/kernel/pvhv/domains/%s/vif%d/%s",
		 dom(vm), idx, what);
	if (read_text_file(path, buf, 64) < 0)
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static inline int dom_write(struct minivm *vm, const char *file, const char *s)
{
	return minivm_dom_write(vm, file, s);
}

static inline void grant(struct minivm *vm, int ref, uint64_t gpa,
			 uint16_t flags)
{
	minivm_grant_host(vm, TABLE_GPA, ref, gpa, flags);
}

/* Count the backend's threads in this test host. */
static inline int net_threads(void)
{
	return pvhv_threads("pvhv-net");
}

/*
 * A test frame: to @dst (from mac0, or from peer when to mac0), EtherType
 * ETYPE, sequence number @seq, then a pattern.
 */
static inline void make_frame(uint8_t *p, int len, const uint8_t *dst,
			      uint32_t seq)
{
	int i;

	memcpy(p, dst, 6);
	memcpy(p + 6, dst == mac0 ? peer : mac0, 6);
	p[12] = ETYPE >> 8;
	p[13] = ETYPE & 0xff;
	for (i = 14; i < len; i++)
		p[i] = seq * 7 + i / 3;
	memcpy(p + 14, &seq, 4);
}

static inline uint32_t seq_of(const uint8_t *p)
{
	uint32_t seq;

	memcpy(&seq, p + 14, 4);
	return seq;
}

static inline int inet_ioctl(unsigned long cmd, void *arg)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, arg) ? -errno : 0;
	close(fd);
	return ret;
}

/* Bring a netdev up (no IPv6 chatter towards the guest) or down. */
static inline int link_set(const char *ifname, bool up)
{
	struct ifreq ifr = { 0 };
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		ret = write(fd, "1", 1);
		close(fd);
	}
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	ret = inet_ioctl(SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP;
	return ret ? ret : inet_ioctl(SIOCSIFFLAGS, &ifr);
}

/* Set @ifname's MTU: 0 or -errno. */
static inline int link_set_mtu(const char *ifname, int mtu)
{
	struct ifreq ifr = { 0 };

	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	ifr.ifr_mtu = mtu;
	return inet_ioctl(SIOCSIFMTU, &ifr);
}

/*
 * Wait (up to 5 s) until @ifname's carrier is seen: the kernel activates
 * its queue only then (linkwatch, asynchronously), and drops what is sent
 * before.  0 or -1.
 */
static inline int link_wait_up(const char *ifname)
{
	char path[128], st[16];
	int i;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	for (i = 0; i < 500; i++) {
		if (read_text_file(path, st, sizeof(st)) >= 0 &&
		    !strcmp(st, "up\n"))
			return 0;
		usleep(10000);
	}
	return -1;
}

/* AF_PACKET socket bound to @ifname, 100 ms receive timeout. */
static inline int open_vif_sock(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	struct timeval tv = { .tv_usec = 100000 };
	int s, buf = 1 << 20;

	sll.sll_ifindex = if_nametoindex(ifname);
	s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (s < 0 || !sll.sll_ifindex ||
	    bind(s, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		if (s >= 0)
			close(s);
		return -1;
	}
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	return s;
}

/* The next test frame the host receives from the guest: length, or -1. */
static inline int host_recv(int sock, uint8_t *buf, int size)
{
	struct sockaddr_ll from;
	socklen_t alen;
	int i, n;

	for (i = 0; i < 50; i++) {		/* 5 s of silence */
		alen = sizeof(from);
		n = recvfrom(sock, buf, size, 0, (struct sockaddr *)&from, &alen);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n >= 18 && from.sll_pkttype != PACKET_OUTGOING &&
		    buf[12] == ETYPE >> 8 && buf[13] == (ETYPE & 0xff))
			return n;
	}
	return -1;
}

/* Send the host's frame @seq of @len bytes to the guest. */
static inline int host_send(int sock, uint32_t seq, int len)
{
	static uint8_t f[4096];

	make_frame(f, len, mac0, seq);
	return send(sock, f, len, 0);
}

/* Host bridge @br over two vifs; 0, or -errno. */
static inline int bridge_add(const char *br, const char *a, const char *b)
{
	struct ifreq ifr = { 0 };
	int ret = inet_ioctl(SIOCBRADDBR, (void *)br);
	char path[128];
	FILE *f;

	/* No IGMP reports of the bridge's own into the guest's pages. */
	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge/multicast_snooping",
		 br);
	f = ret ? NULL : fopen(path, "w");
	if (f) {
		fputs("0", f);
		fclose(f);
	}
	memcpy(ifr.ifr_name, br, strlen(br));
	ifr.ifr_ifindex = if_nametoindex(a);
	if (!ret)
		ret = inet_ioctl(SIOCBRADDIF, &ifr);
	ifr.ifr_ifindex = if_nametoindex(b);
	if (!ret)
		ret = inet_ioctl(SIOCBRADDIF, &ifr);
	return ret ? ret : link_set(br, true);
}

static inline void bridge_del(const char *br)
{
	link_set(br, false);
	inet_ioctl(SIOCBRDELBR, (void *)br);
}

/* Wait (up to 5 s) until bridge ports @a and @b both forward: 0 or -1. */
static inline int bridge_wait_forwarding(const char *a, const char *b)
{
	const char *port[2] = { a, b };
	char path[128], st[8];
	int i, j, n;

	for (i = 0; i < 500; i++) {
		for (j = n = 0; j < 2; j++) {
			snprintf(path, sizeof(path),
				 "/sys/class/net/%s/brport/state", port[j]);
			n += read_text_file(path, st, sizeof(st)) > 0 &&
			     !strcmp(st, "3\n");	/* forwarding */
		}
		if (n == 2)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * Attach a vif with address @mac to @vm as index @idx and bring its netdev
 * up, its name in @ifname (64 bytes): 0 or -errno.
 */
static inline int vif_attach_up(struct minivm *vm, int idx, const char *mac,
				char *ifname)
{
	int ret = dom_write(vm, "net/attach", mac);

	if (ret)
		return ret;
	vif_str(vm, idx, "ifname", ifname);
	if (!if_nametoindex(ifname))
		return -ENODEV;
	return link_set(ifname, true);
}

static inline void kick(struct vif_front *v)
{
	ghc(v->vm, PVHV_HC_EVTCHN_SEND, v->port, 0, 0, 0);
}

static inline long new_port(struct minivm *vm)
{
	return ghc(vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND, PVHV_DOMID_HOST, 0, 0, 0);
}

/* Fresh rings for vif @v->idx; connect them with @port. */
static inline long vif_connect(struct vif_front *v, long port, uint32_t tx_ref)
{
	struct pvhv_vif_connect *c = minivm_hva(v->vm, CONNECT_GPA);

	pvhv_nettx_front_init(&v->tx, minivm_hva(v->vm, TX_RING_GPA(v->idx)),
			      PVHV_NET_RING_BYTES);
	pvhv_netrx_front_init(&v->rx, minivm_hva(v->vm, RX_RING_GPA(v->idx)),
			      PVHV_NET_RING_BYTES);
	v->port = port;
	c->tx_ring_ref = tx_ref;
	c->rx_ring_ref = RX_RING_REF(v->idx);
	c->port = port;
	c->features = v->features ? v->features :
		      PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG;
	return ghc(v->vm, PVHV_HC_VIF_CONNECT, v->idx, CONNECT_GPA, 0, 0);
}

/* Event channels, grant table, grants, a port, and vif 0 connected. */
static inline long guest_connect(struct vif_front *v)
{
	struct minivm *vm = v->vm;
	long ret, port;
	int i;

	ret = ghc(vm, PVHV_HC_EVTCHN_SETUP, SHARED_GPA, 0, 0, 0);
	if (ret)
		return ret;
	memset(minivm_hva(vm, TABLE_GPA), 0, 4096);
	*(uint64_t *)minivm_hva(vm, LIST_GPA) = TABLE_GPA >> 12;
	ret = ghc(vm, PVHV_HC_GNTTAB_SETUP, LIST_GPA, 1, 0, 0);
	if (ret != PVHV_GRANTS_PER_FRAME)
		return ret < 0 ? ret : -1;
	for (i = 0; i < 2; i++) {
		grant(vm, TX_RING_REF(i), TX_RING_GPA(i), PVHV_GTF_PERMIT_ACCESS);
		grant(vm, RX_RING_REF(i), RX_RING_GPA(i), PVHV_GTF_PERMIT_ACCESS);
	}
	for (i = 0; i < 32; i++) {
		grant(vm, TX_REF(i), TX_GPA(i),
		      PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
		grant(vm, RX_REF(i), RX_GPA(i), PVHV_GTF_PERMIT_ACCESS);
	}
	port = new_port(vm);
	if (port <= 0)
		return port ? port : -1;
	return vif_connect(v, port, TX_RING_REF(0));
}

/*
 * Queue @len bytes of @frame as one packet of @nseg requests: piece i at
 * @off in transmit page @page + i; @flags on the first request.
 */
static inline void tx_packet(struct vif_front *v, const uint8_t *frame,
			     int len, int page, int off, int nseg,
			     uint16_t flags)
{
	int i, piece = len / nseg, done = 0;

	for (i = 0; i < nseg; i++) {
		struct pvhv_net_tx_req *r =
			pvhv_nettx_front_req(&v->tx, v->tx.req_prod_pvt++);
		int size = i == nseg - 1 ? len - done : piece;

		memcpy((uint8_t *)minivm_hva(v->vm, TX_GPA(page + i)) + off,
		       frame + done, size);
		memset(r, 0, sizeof(*r));
		r->gref = TX_REF(page + i);
		r->offset = off;
		r->size = size;
		r->id = v->next_id++;
		r->flags = i ? 0 : flags;
		if (i < nseg - 1)
			r->flags |= PVHV_NET_F_MORE;
		done += size;
	}
}

static inline void tx_push(struct vif_front *v)
{
	if (pvhv_nettx_front_push(&v->tx))
		kick(v);
}

/* The next transmit response (up to 5 s): 1, or 0. */
static inline int tx_wait(struct vif_front *v, struct pvhv_net_tx_rsp *rsp)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (pvhv_nettx_front_rsp_pending(&v->tx)) {
			*rsp = *pvhv_nettx_front_rsp(&v->tx, v->tx.rsp_cons++);
			return 1;
		}
		usleep(1000);
	}
	return 0;
}

/* Publish; how many answers to the last @n requests have status @want. */
static inline int tx_done(struct vif_front *v, int n, int want)
{
	uint16_t first = v->next_id - n;
	struct pvhv_net_tx_rsp rsp;
	int i, ok = 0;

	tx_push(v);
	for (i = 0; i < n && tx_wait(v, &rsp); i++)
		ok += rsp.status == want && (uint16_t)(rsp.id - first) < n;
	return ok;
}

/* A one-request packet: its status (1 if no answer came). */
static inline int tx_one(struct vif_front *v)
{
	struct pvhv_net_tx_rsp rsp;

	tx_push(v);
	if (!tx_wait(v, &rsp) || rsp.id != (uint16_t)(v->next_id - 1))
		return 1;
	return rsp.status;
}

static inline void rx_post(struct vif_front *v, uint16_t id, uint32_t gref)
{
	struct pvhv_net_rx_req *r =
		pvhv_netrx_front_req(&v->rx, v->rx.req_prod_pvt++);

	r->id = id;
	r->pad = 0;
	r->gref = gref;
}

/* Publish posted pages and wait for the backend to see @want of them. */
static inline long rx_publish(struct vif_front *v, long want)
{
	if (pvhv_netrx_front_push(&v->rx))
		kick(v);
	return vif_wait(v->vm, v->idx, "rx_posted", want);
}

/* The next receive response within @ms: 1, or 0. */
static inline int rx_wait(struct vif_front *v, struct pvhv_net_rx_rsp *rsp,
			  int ms)
{
	int i;

	for (i = 0; i <= ms; i++) {
		if (pvhv_netrx_front_rsp_pending(&v->rx)) {
			*rsp = *pvhv_netrx_front_rsp(&v->rx, v->rx.rsp_cons++);
			return 1;
		}
		usleep(1000);
	}
	return 0;
}

/* Post receive pages @first.. @first + @n - 1 (ids = page numbers). */
static inline void rx_post_pages(struct vif_front *v, int first, int n,
				 uint64_t *pfn)
{
	int i;

	for (i = first; i < first + n; i++) {
		uint8_t *p = minivm_hva(v->vm, RX_GPA(i));

		memset(p, 0xee, 4096);
		pfn[i] = host_pfn(p);
		rx_post(v, i, RX_REF(i));
	}
}

#endif /* _PVHV_NETFRONT_H */
