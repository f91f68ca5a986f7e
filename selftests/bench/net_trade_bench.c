// SPDX-License-Identifier: GPL-2.0
/*
 * Receive by page trade against receive by copy: from which frame size on
 * is trading the faster?
 *
 * One PV mini-guest with two vifs on a host bridge, MTU 4000 on both
 * netdevs and the bridge.  The guest transmits frames on vif 0 to vif 1's
 * address; the backend builds each in a host skb, the bridge forwards it to
 * vif 1's netdev and the backend delivers it into a page the guest posted
 * on vif 1's receive ring: copied (rx_trade_min = 65536), or traded, the
 * skb's payload page taking the place of the guest's frame
 * (rx_trade_min = 0).  The test plays the guest's frontend (lib/netfront.h):
 * 32 pages posted, each delivered page read (as the guest would read its
 * packet, which faults a traded page in) and posted again at once, and up
 * to 28 frames in flight, so that no frame finds the receive ring empty
 * even when the host floods one of its own (the bridge's IGMP reports) to
 * vif 1: those are counted and left out.  With nothing to do the test
 * sleeps rather than spin: each trade takes the frame's old page out of
 * every mapping of guest RAM, the test's too, with a TLB shootdown IPI to
 * each CPU the test runs on at that moment, and under TCG one such IPI to a
 * spinning CPU costs milliseconds (trade then fell to 1/20 of copy).
 *
 * For each frame size and mode, in rounds that alternate which mode goes
 * first: delivered packets per second over RUN_S seconds of the host's
 * clock, every frame's sequence number and length checked, a sample of
 * frames compared byte for byte (and, traded, the page around it all
 * zeroes), and vif 1's rx_copied and rx_traded counters against the mode.
 * Frames whose payload fits the skb's head (256 bytes) have no page to
 * trade: their trade runs copy, and are reported as such, not as trades.
 * The medians per size, the trade / copy ratio, and the crossover: the
 * smallest size from which on trading is at least as fast.  rx_trade_min
 * is restored at the end.  Under TCG the absolute numbers are emulated;
 * only the comparison of the two modes means something.
 *
 * usage: net_trade_bench [OUT_PREFIX]  (writes OUT_PREFIX.txt, .dat)
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/minivm.h"
#include "lib/bench.h"
#include "lib/guest_cmd.h"
#include "lib/netfront.h"

#define MTU		4000
#define INFLIGHT	32	/* transmit and receive pages of netfront.h */
#define ROUNDS		7
#define RUN_S		0.5
#define STALL_S		5.0
#define IDLE_US		50	/* nothing to do: sleep, do not spin */
#define SPARE		4	/* posted pages for the host's own frames */
#define SAMPLE		16	/* every SAMPLE-th frame compared in full */

static const int sizes[] = { 64, 256, 512, 1024, 1514, 2048, 3072, 4000 };
#define NR_SIZES	((int)(sizeof(sizes) / sizeof(sizes[0])))

enum { M_COPY, M_TRADE, M_NR };
static const char *const names[M_NR] = { "copy", "trade" };
static const long trade_min[M_NR] = { PVHV_NET_MAX_PACKET + 1, 0 };

static struct bench {
	struct minivm *vm;
	struct vif_front v0, v1;
	char if0[64], if1[64], br[IFNAMSIZ];
	long trade_min;			/* to restore; -1: not read yet */
	uint32_t seq;			/* of the next frame sent */
	uint32_t posted, answered;	/* receive requests ever, responses */
	uint64_t pfn[INFLIGHT];		/* of a sampled posted page */
	uint8_t frame[INFLIGHT][4096];
} b = { .trade_min = -1 };

/* One run: a frame size in one mode. */
struct run {
	double pps;
	long frames, traded, copied, strays;
};

static void cleanup(void)
{
	if (b.br[0])
		bridge_del(b.br);
	b.br[0] = 0;
	if (b.vm)
		minivm_destroy(b.vm);
	b.vm = NULL;
	if (b.trade_min >= 0)
		pvhv_sysfs_write("net/rx_trade_min", b.trade_min);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "net_trade_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);			/* cleanup() runs */
}

static uint64_t rx_page_pfn(int id)
{
	volatile uint8_t *p = minivm_hva(b.vm, RX_GPA(id));

	(void)*p;			/* a traded frame: fault it in */
	return host_pfn((const void *)p);
}

/* Post receive page @id again; remember the host page of a sampled one. */
static void post(int id)
{
	if (b.posted++ % SAMPLE == 0)
		b.pfn[id] = rx_page_pfn(id);
	rx_post(&b.v1, id, RX_REF(id));
}

/*
 * The guest with vif 0 and vif 1 (32 receive pages posted) on a bridge,
 * MTU raised everywhere.  Returns only when all is ready.
 */
static void setup(void)
{
	struct minivm_opts opts = { 0 };
	char name[64];
	int i, ret;

	snprintf(name, sizeof(name), "ntrade-%d", getpid());
	opts.domain = name;
	b.vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	if (!b.vm)
		fail("minivm_create: %s", strerror(errno));
	b.v0 = (struct vif_front){ .vm = b.vm, .idx = 0, .next_id = 100 };
	b.v1 = (struct vif_front){ .vm = b.vm, .idx = 1, .next_id = 1 };
	if (vif_attach_up(b.vm, 0, MAC0, b.if0) || guest_connect(&b.v0) ||
	    vif_attach_up(b.vm, 1, MAC1, b.if1) ||
	    vif_connect(&b.v1, new_port(b.vm), TX_RING_REF(1)))
		fail("cannot attach and connect vif 0 and vif 1");
	if (link_set_mtu(b.if0, MTU) || link_set_mtu(b.if1, MTU))
		fail("cannot set MTU %d on %s and %s", MTU, b.if0, b.if1);
	if (link_wait_up(b.if0) || link_wait_up(b.if1))
		fail("%s or %s has no carrier", b.if0, b.if1);
	snprintf(b.br, IFNAMSIZ, "pvtb%d", getpid() % 1000000);
	ret = bridge_add(b.br, b.if0, b.if1);
	if (ret)
		fail("bridge %s: %s%s", b.br, strerror(-ret),
		     ret == -ENOPKG ? " (no bridge support in this host)" : "");
	ret = link_set_mtu(b.br, MTU);
	if (ret)
		fail("MTU %d on %s: %s", MTU, b.br, strerror(-ret));
	if (bridge_wait_forwarding(b.if0, b.if1))
		fail("%s and %s do not forward", b.if0, b.if1);
	for (i = 0; i < INFLIGHT; i++)
		post(i);
	if (rx_publish(&b.v1, INFLIGHT) != INFLIGHT)
		fail("vif 1 does not see its %d posted pages", INFLIGHT);
}

/*
 * A response on vif 1: true for the next frame sent, @len bytes, checked
 * (the sampled ones in full, with whether the page was traded against what
 * was posted); false for a frame of the host's own, such as the bridge's
 * IGMP reports.
 */
static bool delivered(const struct pvhv_net_rx_rsp *rsp, uint32_t seq,
		      int len, int mode, bool first)
{
	uint32_t n = b.answered++;
	uint8_t *page, *p;
	bool traded;
	uint64_t q;
	int i;

	if (rsp->id >= INFLIGHT || rsp->status < ETH_HLEN ||
	    rsp->offset + rsp->status > 4096)
		fail("%s, %d bytes: response id %u offset %u status %d",
		     names[mode], len, rsp->id, rsp->offset, rsp->status);
	page = minivm_hva(b.vm, RX_GPA(rsp->id));
	p = page + rsp->offset;
	if (memcmp(p + 6, mac0, 6) || p[12] != ETYPE >> 8 ||
	    p[13] != (ETYPE & 0xff))
		return false;
	if (rsp->status != len)
		fail("%s, %d bytes: frame %u delivered with %d bytes",
		     names[mode], len, seq_of(p), rsp->status);
	if (seq_of(p) != seq)
		fail("%s, %d bytes: frame %u where %u was due (lost or reordered)",
		     names[mode], len, seq_of(p), seq);
	memcpy(&q, p, 8);
	if (first && gdo(b.vm, G_READ, RX_GPA(rsp->id) + rsp->offset, 0, 0) != q)
		fail("%s, %d bytes: the guest reads other bytes than the host",
		     names[mode], len);
	if (n % SAMPLE)
		return true;
	if (memcmp(p, b.frame[seq % INFLIGHT], len))
		fail("%s, %d bytes: frame %u delivered wrong", names[mode],
		     len, seq);
	traded = rx_page_pfn(rsp->id) != b.pfn[rsp->id];
	if (traded && mode == M_COPY)
		fail("copy, %d bytes: frame %u in a new page", len, seq);
	for (i = 0; traded && i < 4096; i++)
		if (page[i] && (i < rsp->offset || i >= rsp->offset + len))
			fail("trade, %d bytes: frame %u: byte %d of the page is %#x",
			     len, seq, i, page[i]);
	return true;
}

/* Frames of @len bytes from vif 0 to vif 1 for RUN_S s in @mode. */
static void run(int len, int mode, struct run *r)
{
	long copied = vif_stat(b.vm, 1, "rx_copied");
	long traded = vif_stat(b.vm, 1, "rx_traded");
	long errors = vif_stat(b.vm, 1, "rx_errors");
	long nobuf = vif_stat(b.vm, 1, "rx_no_buffer");
	uint32_t seq0 = b.seq, sent = 0, txed = 0, got = 0;
	double t0, now, last;
	bool progress;
	int i, n;

	*r = (struct run){ 0 };
	if (pvhv_sysfs_write("net/rx_trade_min", trade_min[mode]) ||
	    pvhv_sysfs_long("net/rx_trade_min") != trade_min[mode])
		fail("cannot set net/rx_trade_min to %ld", trade_min[mode]);
	for (i = 0; i < INFLIGHT; i++)
		make_frame(b.frame[i], len, mac1, 0);
	t0 = last = now = bench_now();
	for (;;) {
		progress = false;
		/* Transmit pages the backend is done with. */
		while (pvhv_nettx_front_rsp_pending(&b.v0.tx)) {
			struct pvhv_net_tx_rsp *t =
				pvhv_nettx_front_rsp(&b.v0.tx, b.v0.tx.rsp_cons++);

			if (t->status)
				fail("%s, %d bytes: transmit status %d",
				     names[mode], len, t->status);
			txed++;
			progress = true;
		}
		/* Delivered frames; each page posted again at once. */
		while (pvhv_netrx_front_rsp_pending(&b.v1.rx)) {
			struct pvhv_net_rx_rsp rsp =
				*pvhv_netrx_front_rsp(&b.v1.rx, b.v1.rx.rsp_cons++);

			if (delivered(&rsp, seq0 + got, len, mode, !got))
				got++;
			else
				r->strays++;
			post(rsp.id);
			progress = true;
		}
		if (progress && pvhv_netrx_front_push(&b.v1.rx))
			kick(&b.v1);
		now = bench_now();
		if (now - t0 >= RUN_S && got == sent && txed == sent)
			break;
		/* As many new frames as there are pages to take them. */
		for (n = 0; now - t0 < RUN_S && sent - txed < INFLIGHT &&
			    sent - got < INFLIGHT - SPARE; n++, sent++) {
			i = b.seq % INFLIGHT;
			memcpy(b.frame[i] + 14, &b.seq, 4);
			b.seq++;
			tx_packet(&b.v0, b.frame[i], len, i, 0, 1, 0);
		}
		if (n)
			tx_push(&b.v0);
		if (progress || n) {
			last = now;
		} else if (now - last > STALL_S) {
			fail("%s, %d bytes: stalled, %u sent, %u transmitted, %u delivered; vif1 rx_no_buffer +%ld rx_dropped %ld, vif0 tx_errors %ld",
			     names[mode], len, sent, txed, got,
			     vif_stat(b.vm, 1, "rx_no_buffer") - nobuf,
			     vif_stat(b.vm, 1, "rx_dropped"),
			     vif_stat(b.vm, 0, "tx_errors"));
		} else {
			usleep(IDLE_US);
		}
	}
	r->pps = got / (now - t0);
	r->frames = got;
	r->traded = vif_stat(b.vm, 1, "rx_traded") - traded;
	r->copied = got - r->traded;
	/*
	 * The host's own frames are copied too, and one may be counted in
	 * one run and reaped in the next.
	 */
	copied = vif_stat(b.vm, 1, "rx_copied") - copied - r->strays;
	if (r->traded < 0 || r->copied < 0 || labs(copied - r->copied) > SPARE)
		fail("%s, %d bytes: %u delivered, counted %ld copied + %ld traded",
		     names[mode], len, got, copied, r->traded);
	if (mode == M_COPY && r->traded)
		fail("copy, %d bytes: %ld of %u traded with rx_trade_min %ld",
		     len, r->traded, got, trade_min[mode]);
	if (vif_stat(b.vm, 1, "rx_errors") != errors ||
	    vif_stat(b.vm, 1, "rx_no_buffer") != nobuf)
		fail("%s, %d bytes: receive errors or frames with no page",
		     names[mode], len);
}

int main(int argc, char **argv)
{
	const char *prefix = argc > 1 ? argv[1] : NULL;
	const char *accel = getenv("PVHV_TESTHOST_ACCEL");
	double pps[NR_SIZES][M_NR][ROUNDS], med[NR_SIZES][M_NR];
	double ratio[NR_SIZES], rr[ROUNDS];
	long frames[NR_SIZES][M_NR], traded[NR_SIZES];
	double rmin[NR_SIZES], rmax[NR_SIZES];
	long strays = 0;
	FILE *out[2] = { stdout, NULL };
	int s, r, m, i, cross = -1, ahead = 0, counted = 0;
	bool behind = false;
	struct run res;

	if (!minivm_pvhv_mnt() || pvhv_sysfs_long("net/rx_trade_min") < 0) {
		fprintf(stderr, "net_trade_bench: needs pvhv ($PVHV_MNT) with the network backend, as root\n");
		return 1;
	}
	b.trade_min = pvhv_sysfs_long("net/rx_trade_min");
	atexit(cleanup);
	setup();
	for (s = 0; s < NR_SIZES; s++) {
		frames[s][M_COPY] = frames[s][M_TRADE] = traded[s] = 0;
		for (r = 0; r < ROUNDS; r++) {
			for (i = 0; i < M_NR; i++) {
				m = (r + i) % M_NR;	/* neither always first */
				run(sizes[s], m, &res);
				pps[s][m][r] = res.pps;
				frames[s][m] += res.frames;
				strays += res.strays;
				if (m == M_TRADE)
					traded[s] += res.traded;
			}
			rr[r] = pps[s][M_TRADE][r] / pps[s][M_COPY][r];
		}
		qsort(rr, ROUNDS, sizeof(*rr), bench_cmp);
		rmin[s] = rr[0];
		rmax[s] = rr[ROUNDS - 1];
		for (m = 0; m < M_NR; m++)
			med[s][m] = bench_median(pps[s][m], ROUNDS);
		ratio[s] = med[s][M_TRADE] / med[s][M_COPY];
		fprintf(stderr, "bench: %4d bytes: copy %.0f pps, trade %.0f pps (%ld of %ld traded), trade/copy %.2f\n",
			sizes[s], med[s][M_COPY], med[s][M_TRADE], traded[s],
			frames[s][M_TRADE], ratio[s]);
	}
	cleanup();

	/*
	 * The crossover: the smallest size at and above which trade is never
	 * behind.  Only sizes whose trade runs traded every frame count.
	 */
	for (s = NR_SIZES - 1; s >= 0; s--) {
		if (!frames[s][M_TRADE] || traded[s] != frames[s][M_TRADE])
			continue;
		counted++;
		ahead += ratio[s] >= 1.0;
		if (ratio[s] < 1.0)
			behind = true;
		else if (!behind)
			cross = s;
	}

	out[1] = bench_open(prefix, ".txt");
	for (i = 0; i < 2 && out[i]; i++) {
		fprintf(out[i], "receive by page trade against copy, guest to guest over a host bridge, MTU %d%s\n",
			MTU, accel && !strcmp(accel, "tcg") ?
			" (TCG test host: compare the modes only)" : "");
		fprintf(out[i], "  %d pages posted, up to %d frames in flight, %d rounds x %.1f s per size and mode, medians\n",
			INFLIGHT, INFLIGHT - SPARE, ROUNDS, RUN_S);
		fprintf(out[i], "  %5s %10s %10s %10s %12s  %s\n", "bytes",
			"copy pps", "trade pps", "trade/copy", "(per round)",
			"traded in trade runs");
		for (s = 0; s < NR_SIZES; s++) {
			fprintf(out[i], "  %5d %10.0f %10.0f %10.2f %5.2f..%-5.2f  ",
				sizes[s], med[s][M_COPY], med[s][M_TRADE],
				ratio[s], rmin[s], rmax[s]);
			if (!traded[s])
				fprintf(out[i], "none: copied, not a trade (payload within the skb head)\n");
			else if (traded[s] != frames[s][M_TRADE])
				fprintf(out[i], "only %ld of %ld: left out of the crossover\n",
					traded[s], frames[s][M_TRADE]);
			else
				fprintf(out[i], "all %ld\n", traded[s]);
		}
		if (strays)
			fprintf(out[i], "  %ld frames of the host's own on vif 1 left out\n",
				strays);
		if (cross >= 0)
			fprintf(out[i], "  net-trade: crossover at %d bytes: trade at least as fast as copy from there on\n",
				sizes[cross]);
		else if (!counted)
			fprintf(out[i], "  net-trade: crossover: none: nothing was traded at any size\n");
		else if (!ahead)
			fprintf(out[i], "  net-trade: crossover: none: copy wins at every size\n");
		else
			fprintf(out[i], "  net-trade: crossover: none: trade ahead at %d size(s), behind at the largest\n",
				ahead);
	}
	if (out[1])
		fclose(out[1]);
	out[1] = bench_open(prefix, ".dat");
	if (out[1]) {
		fprintf(out[1], "# size copy_pps trade_pps ratio (NaN: nothing traded)\n");
		for (s = 0; s < NR_SIZES; s++)
			fprintf(out[1], "%d %.1f %.1f %.3f\n", sizes[s],
				med[s][M_COPY], traded[s] ? med[s][M_TRADE] : NAN,
				traded[s] ? ratio[s] : NAN);
		fclose(out[1]);
	}
	return 0;
}
