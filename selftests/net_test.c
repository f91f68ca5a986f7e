// SPDX-License-Identifier: GPL-2.0
/*
 * The PV network backend driven by a PV mini-guest acting as the frontend:
 * attach, connect, transmitted packets that reach the host netdev (one or
 * many requests, the slot limit, a small credit), every transmit
 * validation error, received packets copied into posted pages, or traded
 * (guest to guest through a host bridge), packets with no page posted, bad
 * posted pages, hostile ring indices, detach while connected, and teardown
 * with packets in flight.
 *
 * The test writes requests into the guest's rings through its own mapping
 * of guest RAM, kicks the backend by making the guest send on its event
 * channel, and plays the host with an AF_PACKET socket on the vif's netdev.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/netfront.h"
#include "lib/pvhv_test.h"

/* Global counters that are back where they were once the guest is gone. */
static const char * const globals[] = {
	"net/connected", "net/attached", "grants_mapped", "frames_pinned",
	"evtchn_ports", "frames",
};
#define NR_GLOBALS	(sizeof(globals) / sizeof(globals[0]))
#define G_CONNECTED	0
#define G_ATTACHED	1
#define G_MAPPED	2

/* Received test frames: i-th of 8, all more than a 256-byte head. */
static int flen(uint32_t i)
{
	return 300 + 150 * i;
}

/*
 * A received packet, to @dst, with a sequence number in seq0 + [0, 8) and
 * flen() of it in the page of request id (posted in RX_GPA(id), once at
 * host frame @pfn[id]); the host and the guest read the same bytes.  A
 * traded page is a new host page with nothing but the packet in it.  The
 * sequence number less seq0, or -1.
 */
static int check_rx(struct __test_metadata *_metadata, struct minivm *vm,
		    const struct pvhv_net_rx_rsp *rsp, const uint8_t *dst,
		    uint32_t seq0, const uint64_t *pfn, bool trade)
{
	static uint8_t want[4096];
	uint8_t *page = minivm_hva(vm, RX_GPA(rsp->id)), *p = page + rsp->offset;
	int i, stray = 0;
	uint32_t seq;
	uint64_t q;

	if (rsp->id >= 32 || rsp->status <= 0 ||
	    rsp->offset + rsp->status > 4096)
		return -1;
	seq = seq_of(p) - seq0;
	if (seq >= 8 || rsp->status != flen(seq))
		return -1;
	make_frame(want, rsp->status, dst, seq0 + seq);
	EXPECT_EQ(0, memcmp(want, p, rsp->status));
	memcpy(&q, p, 8);
	EXPECT_EQ(q, gdo(vm, G_READ, RX_GPA(rsp->id) + rsp->offset, 0, 0));
	if (trade) {
		EXPECT_NE(pfn[rsp->id], host_pfn(page));
		for (i = 0; i < 4096; i++)
			stray += page[i] && (i < rsp->offset ||
					     i >= rsp->offset + rsp->status);
		EXPECT_EQ(0, stray);
	} else {
		EXPECT_EQ(pfn[rsp->id], host_pfn(page));
	}
	return seq;
}

FIXTURE(net) {
	struct minivm *vm;
	struct vif_front v;
	char ifname[64];
	char bridge[IFNAMSIZ];
	int sock;
	long trade_min;		/* to restore */
	long start[NR_GLOBALS];
	int threads;
};

FIXTURE_SETUP(net)
{
	struct minivm_opts opts = { 0 };
	char name[64];
	unsigned int i;

	NEED_PVHV_SETUP();
	/* The previous test's guest may still be going: let it finish. */
	for (i = 0; i < NR_GLOBALS; i++)
		self->start[i] = pvhv_sysfs_wait(globals[i], 0);
	self->threads = net_threads();
	self->trade_min = pvhv_sysfs_long("net/rx_trade_min");
	ASSERT_LE(0, self->trade_min);
	snprintf(name, sizeof(name), "net-%d", getpid());
	opts.domain = name;
	self->vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	ASSERT_NE(NULL, self->vm);
	ASSERT_EQ(0, vif_attach_up(self->vm, 0, MAC0, self->ifname));
	self->sock = open_vif_sock(self->ifname);
	ASSERT_LE(0, self->sock);
	self->v = (struct vif_front){ .vm = self->vm, .next_id = 100 };
	ASSERT_EQ(0, guest_connect(&self->v));
	ASSERT_EQ(0, link_wait_up(self->ifname));
}

FIXTURE_TEARDOWN(net)
{
	if (self->bridge[0])
		bridge_del(self->bridge);
	if (self->vm)
		minivm_destroy(self->vm);
	if (self->sock >= 0)
		close(self->sock);
	pvhv_sysfs_write("net/rx_trade_min", self->trade_min);
}

/* After the guest is gone: every global counter back, no thread, no netdev. */
static void expect_clean(struct __test_metadata *_metadata,
			 FIXTURE_DATA(net) *self)
{
	unsigned int i;

	for (i = 0; i < NR_GLOBALS; i++) {
		EXPECT_EQ(self->start[i],
			  pvhv_sysfs_wait(globals[i], self->start[i]))
			TH_LOG("%s", globals[i]);
	}
	for (i = 0; i < 500 && net_threads() != self->threads; i++)
		usleep(10000);
	EXPECT_EQ(self->threads, net_threads());
	EXPECT_EQ(0, if_nametoindex(self->ifname));
}

#define TX_LAST	pvhv_nettx_front_req(&self->v.tx, self->v.tx.req_prod_pvt - 1)

TEST_F(net, info_and_sysfs)
{
	struct pvhv_vif_info *info = minivm_hva(self->vm, INFO_GPA);
	long domid = pvhv_sysfs_long("domains/%s/id", dom(self->vm));
	char buf[64], want[64];
	uint8_t mac[6];

	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VIF_INFO, 0, INFO_GPA, 0, 0));
	EXPECT_EQ(0, memcmp(info->mac, mac0, 6));
	EXPECT_EQ(1500, info->mtu);
	EXPECT_EQ(PVHV_VIF_CONNECTED, info->flags);
	EXPECT_EQ(PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG | PVHV_NET_FEAT_GSO_TCP |
		  PVHV_NET_FEAT_RX_GSO, info->features);
	EXPECT_EQ(PVHV_NET_MAX_TX_SLOTS, info->max_tx_slots);
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VIF_INFO, 1, INFO_GPA, 0, 0));
	EXPECT_GT(0, ghc(self->vm, PVHV_HC_VIF_INFO, 0, INFO_GPA + 4090, 0, 0));
	snprintf(want, sizeof(want), "pvif%ld.0", domid);
	EXPECT_STREQ(want, self->ifname);
	EXPECT_STREQ(MAC0, vif_str(self->vm, 0, "mac", buf));
	EXPECT_STREQ("connected", vif_str(self->vm, 0, "state", buf));
	EXPECT_EQ(self->start[G_CONNECTED] + 1, pvhv_sysfs_long("net/connected"));
	EXPECT_EQ(self->start[G_ATTACHED] + 1, pvhv_sysfs_long("net/attached"));
	EXPECT_EQ(self->start[G_MAPPED] + 2, pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "rx_posted"));
	ASSERT_EQ(0, dom_write(self->vm, "vif0/tx_credit", "3000"));
	EXPECT_EQ(3000, vif_stat(self->vm, 0, "tx_credit"));

	/* A second interface with a made-up address takes index 1. */
	ASSERT_EQ(0, dom_write(self->vm, "net/attach", "auto"));
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VIF_INFO, 1, INFO_GPA, 0, 0));
	EXPECT_EQ(0, info->flags);
	ASSERT_EQ(6, sscanf(vif_str(self->vm, 1, "mac", buf),
			    "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
			    &mac[2], &mac[3], &mac[4], &mac[5]));
	EXPECT_EQ(0, memcmp(mac, info->mac, 6));
	EXPECT_EQ(0, mac[0] & 1);		/* unicast */
	EXPECT_NE(0, memcmp(mac, mac0, 6));
	EXPECT_STREQ("attached", vif_str(self->vm, 1, "state", buf));
	snprintf(want, sizeof(want), "pvif%ld.1", domid);
	EXPECT_STREQ(want, vif_str(self->vm, 1, "ifname", buf));
	EXPECT_NE(0, if_nametoindex(want));
	EXPECT_EQ(self->start[G_ATTACHED] + 2, pvhv_sysfs_long("net/attached"));
	EXPECT_EQ(0, dom_write(self->vm, "net/detach", "1"));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VIF_INFO, 1, INFO_GPA, 0, 0));
	EXPECT_EQ(0, if_nametoindex(want));
	EXPECT_EQ(self->start[G_ATTACHED] + 1,
		  pvhv_sysfs_wait("net/attached", self->start[G_ATTACHED] + 1));
	EXPECT_GT(0, dom_write(self->vm, "net/attach", "not-a-mac"));
	EXPECT_GT(0, dom_write(self->vm, "net/detach", "5"));
}

TEST_F(net, connect_validation)
{
	static uint8_t f[128], got[2048];
	long ret;

	EXPECT_EQ(-PVHV_EBUSY, vif_connect(&self->v, new_port(self->vm),
					   TX_RING_REF(0)));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VIF_CONNECT, 3,
				    CONNECT_GPA, 0, 0));
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_VIF_DISCONNECT, 0, 0, 0, 0));
	EXPECT_EQ(self->start[G_CONNECTED], pvhv_sysfs_long("net/connected"));
	EXPECT_EQ(self->start[G_MAPPED], pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_VIF_INFO, 0, INFO_GPA, 0, 0));
	EXPECT_EQ(0, ((struct pvhv_vif_info *)minivm_hva(self->vm, INFO_GPA))->flags);
	/* A ring page not granted; a port not offered to the host. */
	ret = vif_connect(&self->v, new_port(self->vm), BAD_REF);
	EXPECT_TRUE(ret == -PVHV_EINVAL || ret == -PVHV_EPERM)
		TH_LOG("bad ring grant: %ld", ret);
	ret = ghc(self->vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND,
		  ghc(self->vm, PVHV_HC_DOMID, 0, 0, 0, 0), 0, 0, 0);
	EXPECT_EQ(-PVHV_ENOENT, vif_connect(&self->v, ret, TX_RING_REF(0)));
	EXPECT_EQ(self->start[G_MAPPED], pvhv_sysfs_long("grants_mapped"));
	EXPECT_EQ(self->start[G_CONNECTED], pvhv_sysfs_long("net/connected"));

	/* Connected again, a packet goes through. */
	ASSERT_EQ(0, vif_connect(&self->v, new_port(self->vm), TX_RING_REF(0)));
	make_frame(f, 100, bcast, 1);
	tx_packet(&self->v, f, 100, 0, 0, 1, 0);
	tx_push(&self->v);
	ASSERT_EQ(100, host_recv(self->sock, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(f, got, 100));
	EXPECT_EQ(0, tx_one(&self->v));
}

TEST_F(net, tx_single_and_multi)
{
	static uint8_t f[2048], got[4096];
	struct pvhv_net_tx_req *r;

	/* One request, 60 bytes at offset 100 of a read-only granted page. */
	make_frame(f, 60, bcast, 10);
	tx_packet(&self->v, f, 60, 0, 100, 1, 0);
	tx_push(&self->v);
	ASSERT_EQ(60, host_recv(self->sock, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(f, got, 60));
	EXPECT_EQ(0, tx_one(&self->v));

	/* Three requests over three pages, the checksum left to the host. */
	make_frame(f, 1201, bcast, 11);
	tx_packet(&self->v, f, 1201, 1, 3000, 3, PVHV_NET_F_CSUM_PARTIAL);
	r = pvhv_nettx_front_req(&self->v.tx, self->v.tx.req_prod_pvt - 3);
	r->csum_start = 14;
	r->csum_offset = 6;
	tx_push(&self->v);
	ASSERT_EQ(1201, host_recv(self->sock, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(f, got, 20));	/* all but the checksum */
	EXPECT_EQ(0, memcmp(f + 22, got + 22, 1201 - 22));
	EXPECT_EQ(3, tx_done(&self->v, 3, 0));
	EXPECT_EQ(2, vif_stat(self->vm, 0, "tx_packets"));
	EXPECT_EQ(1261, vif_stat(self->vm, 0, "tx_bytes"));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "tx_errors"));
}

TEST_F(net, tx_slot_limit)
{
	static uint8_t f[4096], got[4096];

	/* 18 requests of 64 bytes, each ending at the end of its page. */
	make_frame(f, 18 * 64, bcast, 20);
	tx_packet(&self->v, f, 18 * 64, 0, 4096 - 64, 18, 0);
	tx_push(&self->v);
	ASSERT_EQ(18 * 64, host_recv(self->sock, got, sizeof(got)));
	EXPECT_EQ(0, memcmp(f, got, 18 * 64));
	EXPECT_EQ(18, tx_done(&self->v, 18, 0));

	/* 19: every request is answered, nothing is sent. */
	make_frame(f, 19 * 64, bcast, 21);
	tx_packet(&self->v, f, 19 * 64, 0, 0, 19, 0);
	EXPECT_EQ(19, tx_done(&self->v, 19, -PVHV_E2BIG));
	EXPECT_LT(0, vif_stat(self->vm, 0, "tx_errors"));
	make_frame(f, 64, bcast, 22);
	tx_packet(&self->v, f, 64, 0, 0, 1, 0);
	EXPECT_EQ(0, tx_one(&self->v));
	ASSERT_EQ(64, host_recv(self->sock, got, sizeof(got)));
	EXPECT_EQ(22, seq_of(got));		/* not 21 */
	EXPECT_EQ(2, vif_stat(self->vm, 0, "tx_packets"));
}

TEST_F(net, tx_validation)
{
	static uint8_t f[4096], got[4096];
	struct vif_front *v = &self->v;
	int i, st, bad = 0;

	make_frame(f, 4096, bcast, 30);
#define BAD(expr) do { expr; bad++; } while (0)
	/* Size 0, past the page, short of an Ethernet header. */
	tx_packet(v, f, 60, 0, 0, 1, 0);
	TX_LAST->size = 0;
	BAD(EXPECT_EQ(-PVHV_EINVAL, tx_one(v)));
	tx_packet(v, f, 196, 0, 3900, 1, 0);
	TX_LAST->offset = 4000;
	BAD(EXPECT_EQ(-PVHV_EINVAL, tx_one(v)));
	tx_packet(v, f, 10, 0, 0, 1, 0);
	BAD(EXPECT_EQ(-PVHV_EINVAL, tx_one(v)));
	/* Grants: not granted, and beyond any table. */
	tx_packet(v, f, 60, 0, 0, 1, 0);
	TX_LAST->gref = BAD_REF;
	st = tx_one(v);
	BAD(EXPECT_TRUE(st == -PVHV_EINVAL || st == -PVHV_EPERM) TH_LOG("%d", st));
	tx_packet(v, f, 60, 0, 0, 1, 0);
	TX_LAST->gref = 1 << 30;
	st = tx_one(v);
	BAD(EXPECT_TRUE(st == -PVHV_EINVAL || st == -PVHV_EPERM) TH_LOG("%d", st));
	/* Unknown flag; a checksum field past the end of the packet. */
	tx_packet(v, f, 60, 0, 0, 1, 0x100);
	BAD(EXPECT_EQ(-PVHV_EINVAL, tx_one(v)));
	tx_packet(v, f, 60, 0, 0, 1, PVHV_NET_F_CSUM_PARTIAL);
	TX_LAST->csum_start = 50;
	TX_LAST->csum_offset = 9;
	BAD(EXPECT_EQ(-PVHV_EINVAL, tx_one(v)));
	/* 17 whole pages: more than 65535 bytes. */
	for (i = 0; i < 17; i++)
		tx_packet(v, f, 4096, i, 0, 1, i < 16 ? PVHV_NET_F_MORE : 0);
	BAD(EXPECT_EQ(17, tx_done(v, 17, -PVHV_EINVAL)));
#undef BAD
	EXPECT_LE(bad, vif_stat(self->vm, 0, "tx_errors"));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "tx_packets"));

	/* None of them reached the host, and the ring goes on working. */
	make_frame(f, 80, bcast, 31);
	tx_packet(v, f, 80, 5, 8, 1, 0);
	EXPECT_EQ(0, tx_one(v));
	ASSERT_EQ(80, host_recv(self->sock, got, sizeof(got)));
	EXPECT_EQ(31, seq_of(got));
	EXPECT_EQ(1, vif_stat(self->vm, 0, "tx_packets"));
}

/* 64 packets through a small credit: all arrive, each once. */
TEST_F(net, tx_many_small_credit)
{
	static uint8_t f[1000], got[2048];
	uint64_t seen = 0;
	uint32_t seq;
	int i;

	ASSERT_EQ(0, dom_write(self->vm, "vif0/tx_credit", "2000"));
	EXPECT_EQ(2000, vif_stat(self->vm, 0, "tx_credit"));
	for (i = 0; i < 64; i++) {
		make_frame(f, sizeof(f), bcast, 100 + i);
		tx_packet(&self->v, f, sizeof(f), i / 2, (i % 2) * 2048, 1, 0);
	}
	tx_push(&self->v);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(1000, host_recv(self->sock, got, sizeof(got)));
		seq = seq_of(got) - 100;
		ASSERT_GT(64, seq);
		make_frame(f, sizeof(f), bcast, 100 + seq);
		EXPECT_EQ(0, memcmp(f, got, sizeof(f)));
		seen |= 1ULL << seq;
	}
	EXPECT_EQ(~0ULL, seen);
	EXPECT_EQ(64, tx_done(&self->v, 64, 0));
	EXPECT_EQ(64, vif_stat(self->vm, 0, "tx_packets"));
	EXPECT_EQ(64000, vif_stat(self->vm, 0, "tx_bytes"));
}

/* Frames from the host, copied into eight posted pages. */
TEST_F(net, rx_copy)
{
	struct pvhv_net_rx_rsp rsp;
	unsigned int seen = 0, ids = 0;
	uint64_t pfn[32];
	long bytes = 0;
	int i, seq;

	ASSERT_EQ(0, pvhv_sysfs_write("net/rx_trade_min", 65536));
	rx_post_pages(&self->v, 0, 8, pfn);
	ASSERT_NE(0, pfn[0]);
	ASSERT_EQ(8, rx_publish(&self->v, 8));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(flen(i), host_send(self->sock, 0x1000 + i, flen(i)));
	for (i = 0; i < 8; i++) {
		ASSERT_TRUE(rx_wait(&self->v, &rsp, 5000));
		seq = check_rx(_metadata, self->vm, &rsp, mac0, 0x1000, pfn, false);
		ASSERT_LE(0, seq) TH_LOG("id %u status %d", rsp.id, rsp.status);
		EXPECT_EQ(0, rsp.flags & ~PVHV_NET_F_DATA_VALID);
		seen |= 1U << seq;
		ids |= 1U << rsp.id;
		bytes += rsp.status;
	}
	EXPECT_EQ(0xff, seen);
	EXPECT_EQ(0xff, ids);
	EXPECT_EQ(8, vif_stat(self->vm, 0, "rx_copied"));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "rx_traded"));
	EXPECT_EQ(8, vif_stat(self->vm, 0, "rx_packets"));
	EXPECT_EQ(bytes, vif_stat(self->vm, 0, "rx_bytes"));
	EXPECT_EQ(0, vif_wait(self->vm, 0, "rx_posted", 0));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "rx_no_buffer"));
}

/*
 * A TCP GSO packet of 10000 bytes for a guest that takes them: three
 * pages, the first response with the segmentation, all but the last with
 * MORE, the bytes in order.  It comes from a packet socket with a
 * virtio-net header, as a tap's would.  Without RX_GSO the stack cuts it
 * up before the backend sees it.
 */
TEST_F(net, rx_gso_multi_page)
{
	struct virtio_net_hdr *vh;
	struct pvhv_net_rx_rsp rsp[3];
	static uint8_t buf[sizeof(*vh) + 10000];
	uint8_t *f = buf + sizeof(*vh), *p;
	int i, s, on = 1, len = 10000;
	uint64_t pfn[32];

	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VIF_DISCONNECT, 0, 0, 0, 0));
	self->v.features = PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG |
			   PVHV_NET_FEAT_RX_GSO;
	ASSERT_EQ(0, vif_connect(&self->v, self->v.port, TX_RING_REF(0)));
	ASSERT_EQ(0, link_wait_up(self->ifname));
	rx_post_pages(&self->v, 0, 4, pfn);
	ASSERT_EQ(4, rx_publish(&self->v, 4));

	/* Ethernet, IPv4 (20 bytes), TCP (20 bytes), then the payload. */
	make_frame(f, len, mac0, 0x5000);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, 0, 40);
	f[14] = 0x45;
	f[16] = (len - 14) >> 8;
	f[17] = (len - 14) & 0xff;
	f[22] = 64;
	f[23] = 6;			/* TCP */
	f[46] = 0x50;			/* data offset: 5 words */
	vh = (struct virtio_net_hdr *)buf;
	*vh = (struct virtio_net_hdr){
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = 54, .gso_size = 1448,
		.csum_start = 34, .csum_offset = 16,
	};
	s = open_vif_sock(self->ifname);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &on,
				sizeof(on)));
	ASSERT_EQ(sizeof(buf), send(s, buf, sizeof(buf), 0));
	close(s);

	for (i = 0; i < 3; i++)
		ASSERT_TRUE(rx_wait(&self->v, &rsp[i], 5000)) TH_LOG("response %d", i);
	EXPECT_EQ(PVHV_NET_F_GSO | PVHV_NET_F_CSUM_PARTIAL | PVHV_NET_F_MORE,
		  rsp[0].flags);
	EXPECT_EQ(1448, rsp[0].gso_size);
	EXPECT_EQ(PVHV_NET_GSO_TCPV4, rsp[0].gso_type);
	EXPECT_EQ(34, rsp[0].csum_start);
	EXPECT_EQ(16, rsp[0].csum_offset);
	EXPECT_EQ(PVHV_NET_F_MORE, rsp[1].flags);
	EXPECT_EQ(0, rsp[2].flags);
	EXPECT_EQ(4096, rsp[0].status);
	EXPECT_EQ(4096, rsp[1].status);
	EXPECT_EQ(len - 8192, rsp[2].status);
	for (i = 0; i < 3; i++) {
		ASSERT_GT(4, rsp[i].id);
		EXPECT_EQ(0, rsp[i].offset);
		p = minivm_hva(self->vm, RX_GPA(rsp[i].id));
		EXPECT_EQ(0, memcmp(p, f + i * 4096, rsp[i].status))
			TH_LOG("page %d", i);
	}
	EXPECT_EQ(1, vif_stat(self->vm, 0, "rx_packets"));
	EXPECT_EQ(len, vif_stat(self->vm, 0, "rx_bytes"));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "rx_errors"));
}

/*
 * Guest to guest: four packets out of vif 0, through a host bridge, into
 * four pages posted on vif 1 from @first on, traded or copied.
 */
static void bridge_pass(struct __test_metadata *_metadata,
			FIXTURE_DATA(net) *self, struct vif_front *v1,
			bool trade, int first)
{
	long traded = vif_stat(self->vm, 1, "rx_traded");
	long copied = vif_stat(self->vm, 1, "rx_copied");
	static uint8_t f[2048];
	struct pvhv_net_rx_rsp rsp;
	unsigned int seen = 0;
	uint64_t pfn[32];
	int i, seq;

	ASSERT_EQ(0, pvhv_sysfs_write("net/rx_trade_min", trade ? 0 : 65536));
	rx_post_pages(v1, first, 4, pfn);
	ASSERT_NE(0, pfn[first]);
	ASSERT_EQ(4, rx_publish(v1, 4));
	for (i = 0; i < 4; i++) {
		make_frame(f, flen(i), mac1, 0x7000 + i);
		tx_packet(&self->v, f, flen(i), i, 0, 1, 0);
	}
	EXPECT_EQ(4, tx_done(&self->v, 4, 0));
	for (i = 0; i < 4; i++) {
		ASSERT_TRUE(rx_wait(v1, &rsp, 5000));
		ASSERT_LE(first, rsp.id);
		seq = check_rx(_metadata, self->vm, &rsp, mac1, 0x7000, pfn, trade);
		ASSERT_LE(0, seq) TH_LOG("id %u status %d", rsp.id, rsp.status);
		seen |= 1U << seq;
	}
	EXPECT_EQ(0xf, seen);
	EXPECT_EQ(traded + (trade ? 4 : 0), vif_stat(self->vm, 1, "rx_traded"));
	EXPECT_EQ(copied + (trade ? 0 : 4), vif_stat(self->vm, 1, "rx_copied"));
}

TEST_F(net, rx_trade_guest_to_guest)
{
	struct vif_front v1 = { .vm = self->vm, .idx = 1, .next_id = 1 };
	char ifname1[64];
	int ret;

	ASSERT_EQ(0, dom_write(self->vm, "net/attach", MAC1));
	vif_str(self->vm, 1, "ifname", ifname1);
	ASSERT_EQ(0, vif_connect(&v1, new_port(self->vm), TX_RING_REF(1)));
	ASSERT_EQ(0, link_set(ifname1, true));
	ASSERT_EQ(0, link_wait_up(ifname1));
	/* A packet socket would hold a clone of what is to be traded. */
	close(self->sock);
	self->sock = -1;
	snprintf(self->bridge, IFNAMSIZ, "pvbr%d", getpid() % 1000000);
	ret = bridge_add(self->bridge, self->ifname, ifname1);
	if (ret == -ENOPKG) {
		self->bridge[0] = 0;
		SKIP(return, "no bridge support in this host");
	}
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, bridge_wait_forwarding(self->ifname, ifname1));

	bridge_pass(_metadata, self, &v1, true, 0);
	bridge_pass(_metadata, self, &v1, false, 8);
	EXPECT_EQ(0, vif_stat(self->vm, 1, "rx_errors"));

	/* Traded frames leave nothing behind either. */
	bridge_del(self->bridge);
	self->bridge[0] = 0;
	minivm_destroy(self->vm);
	self->vm = NULL;
	expect_clean(_metadata, self);
	EXPECT_EQ(0, if_nametoindex(ifname1));
}

TEST_F(net, rx_no_buffer)
{
	struct pvhv_net_rx_rsp rsp;
	uint8_t *p;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(100, host_send(self->sock, 0x2000 + i, 100));
	EXPECT_EQ(3, vif_wait(self->vm, 0, "rx_no_buffer", 3));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "rx_packets"));

	/* A page posted now gets none of the dropped packets... */
	memset(minivm_hva(self->vm, RX_GPA(0)), 0, 4096);
	rx_post(&self->v, 7, RX_REF(0));
	ASSERT_EQ(1, rx_publish(&self->v, 1));
	EXPECT_FALSE(rx_wait(&self->v, &rsp, 300));
	/* ...but the next one. */
	ASSERT_EQ(200, host_send(self->sock, 0x2003, 200));
	ASSERT_TRUE(rx_wait(&self->v, &rsp, 5000));
	EXPECT_EQ(7, rsp.id);
	ASSERT_EQ(200, rsp.status);
	p = (uint8_t *)minivm_hva(self->vm, RX_GPA(0)) + rsp.offset;
	EXPECT_EQ(0x2003, seq_of(p));
	EXPECT_EQ(3, vif_stat(self->vm, 0, "rx_no_buffer"));
	EXPECT_EQ(1, vif_stat(self->vm, 0, "rx_packets"));
}

TEST_F(net, rx_bad_page)
{
	struct pvhv_net_rx_rsp rsp;
	int i, errors = 0;

	/* Not granted, and granted read-only. */
	grant(self->vm, RX_REF(31), RX_GPA(31),
	      PVHV_GTF_PERMIT_ACCESS | PVHV_GTF_READONLY);
	rx_post(&self->v, 1, BAD_REF);
	rx_post(&self->v, 2, RX_REF(31));
	if (pvhv_netrx_front_push(&self->v.rx))
		kick(&self->v);
	/* The backend may find out when posted or when a packet comes. */
	for (i = 0; i < 4 && errors < 2; i++) {
		host_send(self->sock, 0x3000 + i, 100);
		while (errors < 2 && rx_wait(&self->v, &rsp, 500)) {
			EXPECT_GT(0, rsp.status);
			EXPECT_EQ(1 + errors, rsp.id);
			errors++;
		}
	}
	ASSERT_EQ(2, errors);
	EXPECT_LE(2, vif_stat(self->vm, 0, "rx_errors"));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "rx_packets"));

	/* A good page afterwards gets the next packet. */
	rx_post(&self->v, 3, RX_REF(0));
	ASSERT_EQ(1, rx_publish(&self->v, 1));
	ASSERT_EQ(300, host_send(self->sock, 0x3100, 300));
	ASSERT_TRUE(rx_wait(&self->v, &rsp, 5000));
	EXPECT_EQ(3, rsp.id);
	ASSERT_EQ(300, rsp.status);
	EXPECT_EQ(0x3100, seq_of((uint8_t *)minivm_hva(self->vm, RX_GPA(0)) +
				 rsp.offset));
}

/* A producer index beyond the ring stops the vif and nothing else. */
static void hostile_index(struct __test_metadata *_metadata,
			  FIXTURE_DATA(net) *self, bool rx)
{
	char state[64] = "";
	int i;

	if (rx)
		self->v.rx.sring->hdr.req_prod = self->v.rx.rsp_cons + 1000;
	else
		self->v.tx.sring->hdr.req_prod = self->v.tx.rsp_cons + 1000;
	kick(&self->v);
	for (i = 0; i < 500; i++) {
		if (rx && i % 50 == 0)	/* receive rings are looked at then */
			host_send(self->sock, 0x4000 + i, 100);
		if (!strcmp(vif_str(self->vm, 0, "state", state), "broken"))
			break;
		usleep(10000);
	}
	EXPECT_STREQ("broken", state);
	EXPECT_EQ(0, vif_stat(self->vm, 0, rx ? "rx_packets" : "tx_packets"));
	/* The host goes on serving this guest, and cleans up after it. */
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_NULL, 0, 0, 0, 0));
	EXPECT_EQ(0, ghc(self->vm, PVHV_HC_VIF_INFO, 0, INFO_GPA, 0, 0));
	kick(&self->v);
	host_send(self->sock, 0x4fff, 100);
	minivm_destroy(self->vm);
	self->vm = NULL;
	expect_clean(_metadata, self);
}

TEST_F(net, hostile_tx_index)
{
	hostile_index(_metadata, self, false);
}

TEST_F(net, hostile_rx_index)
{
	hostile_index(_metadata, self, true);
}

TEST_F(net, detach_while_connected)
{
	static uint8_t f[200];
	char buf[64], path[512];
	int i;

	for (i = 0; i < 4; i++)
		rx_post(&self->v, i, RX_REF(i));
	ASSERT_EQ(4, rx_publish(&self->v, 4));
	make_frame(f, sizeof(f), bcast, 0x5000);
	tx_packet(&self->v, f, sizeof(f), 0, 0, 1, 0);
	tx_push(&self->v);
	host_send(self->sock, 0x5001, 300);
	ASSERT_EQ(0, dom_write(self->vm, "net/detach", "0"));
	for (i = 0; i < 500 && if_nametoindex(self->ifname); i++)
		usleep(10000);
	EXPECT_EQ(0, if_nametoindex(self->ifname));
	EXPECT_EQ(-PVHV_ENOENT, ghc(self->vm, PVHV_HC_VIF_INFO, 0, INFO_GPA, 0, 0));
	snprintf(path, sizeof(path), "/sys/kernel/pvhv/domains/%s/vif0",
		 dom(self->vm));
	EXPECT_NE(0, access(path, F_OK));
	EXPECT_EQ(self->start[G_CONNECTED],
		  pvhv_sysfs_wait("net/connected", self->start[G_CONNECTED]));
	EXPECT_EQ(self->start[G_ATTACHED],
		  pvhv_sysfs_wait("net/attached", self->start[G_ATTACHED]));
	EXPECT_EQ(self->start[G_MAPPED],
		  pvhv_sysfs_wait("grants_mapped", self->start[G_MAPPED]));

	/* Index 0 is free again and the guest connects to the new vif. */
	ASSERT_EQ(0, dom_write(self->vm, "net/attach", MAC0));
	ASSERT_EQ(0, ghc(self->vm, PVHV_HC_VIF_INFO, 0, INFO_GPA, 0, 0));
	EXPECT_EQ(0, ((struct pvhv_vif_info *)minivm_hva(self->vm, INFO_GPA))->flags);
	ASSERT_EQ(0, vif_connect(&self->v, new_port(self->vm), TX_RING_REF(0)));
	EXPECT_STREQ("connected", vif_str(self->vm, 0, "state", buf));
	EXPECT_EQ(0, vif_stat(self->vm, 0, "tx_packets"));
}

/* Killing the guest with packets in flight both ways leaves nothing behind. */
TEST_F(net, teardown_with_packets_in_flight)
{
	static uint8_t f[1000];
	int i;

	for (i = 0; i < 16; i++)
		rx_post(&self->v, i, RX_REF(i));
	ASSERT_EQ(16, rx_publish(&self->v, 16));
	for (i = 0; i < 32; i++) {
		make_frame(f, sizeof(f), bcast, 0x6000 + i);
		tx_packet(&self->v, f, sizeof(f), i, 0, 1, 0);
	}
	tx_push(&self->v);
	for (i = 0; i < 32; i++)
		host_send(self->sock, 0x6100 + i, 1000);
	minivm_destroy(self->vm);
	self->vm = NULL;
	expect_clean(_metadata, self);
}

TEST_HARNESS_MAIN
