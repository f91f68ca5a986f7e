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
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

#include "kselftest_harness.h"
#include "lib/minivm.h"
#include "lib/guest_cmd.h"
#include "lib/pvhv_test.h"

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

/* Global counters that are back where they were once the guest is gone. */
static const char * const globals[] = {
	"net/connected", "net/attached", "grants_mapped", "frames_pinned",
	"evtchn_ports", "frames",
};
#define NR_GLOBALS	(sizeof(globals) / sizeof(globals[0]))
#define G_CONNECTED	0
#define G_ATTACHED	1
#define G_MAPPED	2

/* The guest's side of one vif: its rings and event channel port. */
struct vif_front {
	struct minivm *vm;
	int idx;
	long port;
	struct pvhv_nettx_front tx;
	struct pvhv_netrx_front rx;
	uint16_t next_id;
};

static const char *dom(struct minivm *vm)
{
	return strrchr(vm->dir, '/') + 1;
}

static long vif_stat(struct minivm *vm, int idx, const char *what)
{
	return pvhv_sysfs_long("domains/%s/vif%d/%s", dom(vm), idx, what);
}

/* Wait (up to 5 s) for a vif attribute to read @want; the last value. */
static long vif_wait(struct minivm *vm, int idx, const char *what, long want)
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
static char *vif_str(struct minivm *vm, int idx, const char *what, char *buf)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/kernel/pvhv/domains/%s/vif%d/%s",
		 dom(vm), idx, what);
	if (read_text_file(path, buf, 64) < 0)
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

/* Write @s to domains/<name>/@file: 0 or -errno. */
static int dom_write(struct minivm *vm, const char *file, const char *s)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/kernel/pvhv/domains/%s/%s",
		 dom(vm), file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static void grant(struct minivm *vm, int ref, uint64_t gpa, uint16_t flags)
{
	struct pvhv_grant_entry *e = minivm_hva(vm, TABLE_GPA);

	e[ref].gfn = gpa >> 12;
	e[ref].domid = PVHV_DOMID_HOST;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e[ref].flags = flags;
}

/* Count the backend's threads in this test host. */
static int net_threads(void)
{
	struct dirent *d;
	char path[300], comm[64];
	int n = 0;
	DIR *dir = opendir("/proc");

	while (dir && (d = readdir(dir))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "pvhv-net", 8))
			n++;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

/*
 * A test frame: to @dst (from mac0, or from peer when to mac0), EtherType
 * ETYPE, sequence number @seq, then a pattern.
 */
static void make_frame(uint8_t *p, int len, const uint8_t *dst, uint32_t seq)
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

static uint32_t seq_of(const uint8_t *p)
{
	uint32_t seq;

	memcpy(&seq, p + 14, 4);
	return seq;
}

/* Received test frames: i-th of 8, all more than a 256-byte head. */
static int flen(uint32_t i)
{
	return 300 + 150 * i;
}

static int inet_ioctl(unsigned long cmd, void *arg)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, arg) ? -errno : 0;
	close(fd);
	return ret;
}

/* Bring a netdev up (no IPv6 chatter towards the guest) or down. */
static int link_set(const char *ifname, bool up)
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

/*
 * Wait (up to 5 s) until @ifname's carrier is seen: the kernel activates
 * its queue only then (linkwatch, asynchronously), and drops what is sent
 * before.  0 or -1.
 */
static int link_wait_up(const char *ifname)
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
static int open_vif_sock(const char *ifname)
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
static int host_recv(int sock, uint8_t *buf, int size)
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
static int host_send(int sock, uint32_t seq, int len)
{
	static uint8_t f[4096];

	make_frame(f, len, mac0, seq);
	return send(sock, f, len, 0);
}

/* Host bridge @br over two vifs; 0, or -errno. */
static int bridge_add(const char *br, const char *a, const char *b)
{
	struct ifreq ifr = { 0 };
	int ret = inet_ioctl(SIOCBRADDBR, (void *)br);

	memcpy(ifr.ifr_name, br, strlen(br));
	ifr.ifr_ifindex = if_nametoindex(a);
	if (!ret)
		ret = inet_ioctl(SIOCBRADDIF, &ifr);
	ifr.ifr_ifindex = if_nametoindex(b);
	if (!ret)
		ret = inet_ioctl(SIOCBRADDIF, &ifr);
	return ret ? ret : link_set(br, true);
}

static void bridge_del(const char *br)
{
	link_set(br, false);
	inet_ioctl(SIOCBRDELBR, (void *)br);
}

static void kick(struct vif_front *v)
{
	ghc(v->vm, PVHV_HC_EVTCHN_SEND, v->port, 0, 0, 0);
}

static long new_port(struct minivm *vm)
{
	return ghc(vm, PVHV_HC_EVTCHN_ALLOC_UNBOUND, PVHV_DOMID_HOST, 0, 0, 0);
}

/* Fresh rings for vif @v->idx; connect them with @port. */
static long vif_connect(struct vif_front *v, long port, uint32_t tx_ref)
{
	struct pvhv_vif_connect *c = minivm_hva(v->vm, CONNECT_GPA);

	pvhv_nettx_front_init(&v->tx, minivm_hva(v->vm, TX_RING_GPA(v->idx)),
			      4096);
	pvhv_netrx_front_init(&v->rx, minivm_hva(v->vm, RX_RING_GPA(v->idx)),
			      4096);
	v->port = port;
	c->tx_ring_ref = tx_ref;
	c->rx_ring_ref = RX_RING_REF(v->idx);
	c->port = port;
	c->features = PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG;
	return ghc(v->vm, PVHV_HC_VIF_CONNECT, v->idx, CONNECT_GPA, 0, 0);
}

/* Event channels, grant table, grants, a port, and vif 0 connected. */
static long guest_connect(struct vif_front *v)
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
static void tx_packet(struct vif_front *v, const uint8_t *frame, int len,
		      int page, int off, int nseg, uint16_t flags)
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

static void tx_push(struct vif_front *v)
{
	if (pvhv_nettx_front_push(&v->tx))
		kick(v);
}

/* The next transmit response (up to 5 s): 1, or 0. */
static int tx_wait(struct vif_front *v, struct pvhv_net_tx_rsp *rsp)
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
static int tx_done(struct vif_front *v, int n, int want)
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
static int tx_one(struct vif_front *v)
{
	struct pvhv_net_tx_rsp rsp;

	tx_push(v);
	if (!tx_wait(v, &rsp) || rsp.id != (uint16_t)(v->next_id - 1))
		return 1;
	return rsp.status;
}

static void rx_post(struct vif_front *v, uint16_t id, uint32_t gref)
{
	struct pvhv_net_rx_req *r =
		pvhv_netrx_front_req(&v->rx, v->rx.req_prod_pvt++);

	r->id = id;
	r->pad = 0;
	r->gref = gref;
}

/* Publish posted pages and wait for the backend to see @want of them. */
static long rx_publish(struct vif_front *v, long want)
{
	if (pvhv_netrx_front_push(&v->rx))
		kick(v);
	return vif_wait(v->vm, v->idx, "rx_posted", want);
}

/* The next receive response within @ms: 1, or 0. */
static int rx_wait(struct vif_front *v, struct pvhv_net_rx_rsp *rsp, int ms)
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

/* Post receive pages @first.. @first + @n - 1 (ids = page numbers). */
static void rx_post_pages(struct vif_front *v, int first, int n, uint64_t *pfn)
{
	int i;

	for (i = first; i < first + n; i++) {
		uint8_t *p = minivm_hva(v->vm, RX_GPA(i));

		memset(p, 0xee, 4096);
		pfn[i] = host_pfn(p);
		rx_post(v, i, RX_REF(i));
	}
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
	for (i = 0; i < NR_GLOBALS; i++)
		self->start[i] = pvhv_sysfs_long("%s", globals[i]);
	self->threads = net_threads();
	self->trade_min = pvhv_sysfs_long("net/rx_trade_min");
	ASSERT_LE(0, self->trade_min);
	snprintf(name, sizeof(name), "net-%d", getpid());
	opts.domain = name;
	self->vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	ASSERT_NE(NULL, self->vm);
	ASSERT_EQ(0, dom_write(self->vm, "net/attach", MAC0));
	vif_str(self->vm, 0, "ifname", self->ifname);
	ASSERT_NE(0, if_nametoindex(self->ifname));
	ASSERT_EQ(0, link_set(self->ifname, true));
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

	for (i = 0; i < NR_GLOBALS; i++)
		EXPECT_EQ(self->start[i], pvhv_sysfs_wait(globals[i], self->start[i]))
			TH_LOG("%s", globals[i]);
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
	EXPECT_EQ(PVHV_NET_FEAT_CSUM | PVHV_NET_FEAT_SG | PVHV_NET_FEAT_GSO_TCP,
		  info->features);
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
	char ifname1[64], path[128], st[2][8];
	int i, ret;

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
	for (i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/brport/state",
			 self->ifname);
		read_text_file(path, st[0], sizeof(st[0]));
		snprintf(path, sizeof(path), "/sys/class/net/%s/brport/state",
			 ifname1);
		read_text_file(path, st[1], sizeof(st[1]));
		if (!strcmp(st[0], "3\n") && !strcmp(st[1], "3\n"))
			break;			/* both forwarding */
		usleep(10000);
	}
	ASSERT_GT(500, i);

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
