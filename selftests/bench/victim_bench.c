// SPDX-License-Identifier: GPL-2.0
/*
 * Can one hostile guest stall another domain's I/O with page-table work?
 *
 * The victim, a PV mini-guest with one vCPU, measures the round trip of
 * 4 KiB PV disk reads (a vbd on a 1 MiB file, set up as blk_test does)
 * and of 64-byte frames out through netback to a packet socket on its
 * vif's netdev and back (lib/netfront.h): the test plays its frontend,
 * the guest kicks the backend (an event channel send, or a null hypercall
 * where the ring says the backend is polling) and spins in guest code
 * until the answer is in the ring, as a polling frontend does.
 *
 * The attacker, a second domain with two vCPUs, storms the worst page-table
 * hypercalls it can size: each vCPU, round after round, pins a level-4
 * table whose tree holds NL1 * 2 + 4 tables (every level-1 table with 512
 * writable entries), relinks all level-2 entries to a second set of
 * level-1 tables with one mmu_update list (a table typed and one freed per
 * entry), and unpins the tree (all of it freed).  pvhv continues each call
 * after 256 tables (PVHV_HC_CONTINUE); a pin is one entry and runs whole.
 *
 * Phases alternate in cycles: quiet (attacker stopped), storm, and busy
 * (attacker vCPUs spinning in guest code: the same CPU load without a
 * hypercall), each up to OPS disk reads and OPS round trips, interleaved,
 * or PHASE_S seconds.  Per phase the median and 99th percentile
 * latencies and the host CPU per victim operation (the victim's vCPU
 * thread and the backends' threads); at the end the median over cycles of
 * storm / quiet (medians and 99th percentiles) and storm / busy, with
 * min..max.  A benchmark row: it exits 0 unless setup fails.
 *
 * Under TCG the absolute times are emulated; only the ratios mean
 * something, and TCG runs the test host's vCPUs in turns, which itself
 * couples the guests.  It also wakes a halted CPU late, so there an idle
 * poller spins on each CPU (pollers_start()).
 *
 * usage: victim_bench [OUT_PREFIX]  (writes OUT_PREFIX.txt)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/minivm.h"
#include "lib/bench.h"
#include "lib/guest_cmd.h"
#include "lib/netfront.h"	/* defines smp_*() for the rings */
#include <pvhv/blkif.h>
#include <pvhv/mmu.h>

#define CYCLES		5
#define OPS		300		/* of each kind per phase, at most */
#define MIN_OPS		20		/* ... and at least */
#define PHASE_S		6.0		/* a phase's length, at most */
#define WARMUP		30
#define SPINS		1000000000ULL	/* a guest's wait for an answer */
#define SPIN_LOOPS	2000000		/* busy: guest loops per ucall */
#define FRAME		64
#define DISK_SECTORS	2048		/* the 1 MiB file */

/* Victim: netfront.h's pages and grants, then the disk's. */
#define BLK_RING_GPA	GPAGE(80)	/* 2 pages */
#define BLK_DATA_GPA	GPAGE(84)
#define BLK_RING_REF(i)	(100 + (i))
#define BLK_DATA_REF	104
#define RX_PAGES	8

/*
 * Attacker: per vCPU v, its mmuext ops (pin, unpin) and its two
 * mmu_update lists (A to B, B to A) in the data area, and its tables:
 * L4, L3, two L2 and two sets of 2 * NL1 level-1 tables, at frame
 * atk_base(v) up (the data area's end and the 4 MiB above it).
 */
#define NL1		240		/* level-1 tables per L2 and set */
#define TREE		(4 + 2 * NL1)	/* tables in a pinned tree */
#define ATK_CTL		GPAGE(0)
#define ATK_EXT(v)	GPAGE(1 + (v))
#define ATK_LIST(v, d)	GPAGE(4 + 4 * (v) + 2 * (d))	/* 2 pages */
#define PTE		0x7ULL		/* present, writable, user */

enum { A_STOP, A_STORM, A_SPIN };
enum { P_QUIET, P_STORM, P_BUSY, P_NR };
static const char *const phase_names[P_NR] = { "quiet", "storm", "busy" };
static const int phase_mode[P_NR] = { A_STOP, A_STORM, A_SPIN };

static uint64_t atk_base(int v)
{
	return v ? (MINIVM_DATA_GPA + MINIVM_DATA_SIZE) >> 12 : GPAGE(16) >> 12;
}

/* Guest-physical address of table @idx of vCPU @v's block. */
static uint64_t atk_table(int v, int idx)
{
	return (atk_base(v) + idx) << 12;
}

#define T_L4		0
#define T_L3		1
#define T_L2(j)		(2 + (j))
#define T_L1(s, k)	(4 + (s) * 2 * NL1 + (k))

/* ---- the attacker's guest ---- */

static void guest_attacker(uint64_t v)
{
	volatile uint64_t *mode = (volatile uint64_t *)ATK_CTL;
	struct pvhv_mmuext_op *ext = (struct pvhv_mmuext_op *)ATK_EXT(v);
	uint64_t round = 0, i;
	long r;

	for (;;) {
		r = 0;
		if (*mode == A_SPIN) {
			for (i = 0; i < SPIN_LOOPS; i++)
				__asm__ volatile("" : : : "memory");
		} else {
			r = guest_hypercall(PVHV_HC_MMUEXT_OP, (uint64_t)&ext[0],
					    1, 0, 0);
			if (!r)
				r = guest_hypercall(PVHV_HC_MMU_UPDATE,
						    ATK_LIST(v, round & 1),
						    2 * NL1, 0, 0);
			if (!r) {
				round++;
				r = guest_hypercall(PVHV_HC_MMUEXT_OP,
						    (uint64_t)&ext[1], 1, 0, 0);
			}
		}
		GUEST_SYNC(r);
	}
}

/* ---- the attacker's host side: one thread per vCPU ---- */

static struct {
	struct minivm *vm;
	char dom[64];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int mode;			/* A_*: what the threads do */
	int running;			/* threads inside KVM_RUN */
	bool quit;
	long err;			/* the first failure */
	long rounds, spins;		/* ucalls of each kind */
	pthread_t thread[2];
} atk = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
};

static void *attacker_thread(void *arg)
{
	int v = (int)(intptr_t)arg, mode;
	enum ucall_type t;
	struct ucall uc;

	pthread_mutex_lock(&atk.lock);
	for (;;) {
		while (atk.mode == A_STOP && !atk.quit)
			pthread_cond_wait(&atk.cond, &atk.lock);
		if (atk.quit)
			break;
		mode = atk.mode;
		atk.running++;
		pthread_mutex_unlock(&atk.lock);
		t = minivm_run_vcpu(atk.vm, v, &uc);
		pthread_mutex_lock(&atk.lock);
		atk.running--;
		pthread_cond_broadcast(&atk.cond);
		if (t != UCALL_SYNC || uc.args[0]) {
			if (!atk.err)
				atk.err = t != UCALL_SYNC ? -1 : (long)uc.args[0];
			break;
		}
		if (mode == A_STORM)
			atk.rounds++;
		else
			atk.spins++;
	}
	pthread_mutex_unlock(&atk.lock);
	return NULL;
}

/* Stop the attacker's vCPUs (after their round), then set them to @mode. */
static void attacker_set(int mode)
{
	pthread_mutex_lock(&atk.lock);
	atk.mode = A_STOP;
	while (atk.running)
		pthread_cond_wait(&atk.cond, &atk.lock);
	*(uint64_t *)minivm_hva(atk.vm, ATK_CTL) = mode;
	atk.mode = mode;
	pthread_cond_broadcast(&atk.cond);
	pthread_mutex_unlock(&atk.lock);
}

static long attacker_count(long *n)
{
	long v;

	pthread_mutex_lock(&atk.lock);
	v = *n;
	pthread_mutex_unlock(&atk.lock);
	return v;
}

/* Each vCPU's tables, lists and ops, written while nothing is typed. */
static void attacker_build(void)
{
	struct pvhv_mmu_update *u;
	struct pvhv_mmuext_op *ext;
	uint64_t *t;
	int v, j, k, e, s;

	for (v = 0; v < 2; v++) {
		t = minivm_hva(atk.vm, atk_table(v, T_L4));
		t[0] = atk_table(v, T_L3) | PTE;
		t = minivm_hva(atk.vm, atk_table(v, T_L3));
		for (j = 0; j < 2; j++)
			t[j] = atk_table(v, T_L2(j)) | PTE;
		for (j = 0; j < 2; j++) {
			t = minivm_hva(atk.vm, atk_table(v, T_L2(j)));
			for (k = 0; k < NL1; k++)
				t[k] = atk_table(v, T_L1(0, j * NL1 + k)) | PTE;
		}
		/* Every entry writable, to the first 2 MiB: the most work. */
		for (s = 0; s < 2; s++)
			for (k = 0; k < 2 * NL1; k++) {
				t = minivm_hva(atk.vm, atk_table(v, T_L1(s, k)));
				for (e = 0; e < 512; e++)
					t[e] = ((uint64_t)e << 12) | PTE;
			}
		for (s = 0; s < 2; s++) {
			u = minivm_hva(atk.vm, ATK_LIST(v, s));
			for (j = 0; j < 2; j++)
				for (k = 0; k < NL1; k++)
					u[j * NL1 + k] = (struct pvhv_mmu_update){
						atk_table(v, T_L2(j)) + 8 * k,
						atk_table(v, T_L1(!s, j * NL1 + k)) | PTE,
					};
		}
		ext = minivm_hva(atk.vm, ATK_EXT(v));
		ext[0] = (struct pvhv_mmuext_op){ PVHV_MMUEXT_PIN_L4_TABLE, 0,
						  atk_table(v, T_L4) >> 12 };
		ext[1] = (struct pvhv_mmuext_op){ PVHV_MMUEXT_UNPIN_TABLE, 0,
						  atk_table(v, T_L4) >> 12 };
	}
}

/* ---- the victim ---- */

static struct {
	struct minivm *vm;
	struct vif_front v;
	char ifname[64], disk[64];
	int sock;
	long blk_port;
	struct pvhv_blk_front bf;
	uint64_t id, reads;
	uint32_t seq;
} vic = { .sock = -1 };

/* The disk's ring, port and grants, then connect. */
static long blk_connect(void)
{
	struct pvhv_vbd_connect *c = minivm_hva(vic.vm, CONNECT_GPA);
	int i;

	vic.blk_port = new_port(vic.vm);
	if (vic.blk_port <= 0)
		return vic.blk_port ? vic.blk_port : -1;
	pvhv_blk_front_init(&vic.bf, minivm_hva(vic.vm, BLK_RING_GPA), 2 * 4096);
	memset(c, 0, sizeof(*c));
	for (i = 0; i < 2; i++) {
		grant(vic.vm, BLK_RING_REF(i), BLK_RING_GPA + i * 4096,
		      PVHV_GTF_PERMIT_ACCESS);
		c->ring_ref[i] = BLK_RING_REF(i);
	}
	c->nr_ring_pages = 2;
	c->port = vic.blk_port;
	grant(vic.vm, BLK_DATA_REF, BLK_DATA_GPA, PVHV_GTF_PERMIT_ACCESS);
	return ghc(vic.vm, PVHV_HC_VBD_CONNECT, 0, CONNECT_GPA, 0, 0);
}

/*
 * Kick with @nr (an event channel send, or a null hypercall) and spin in
 * the guest until the ring's rsp_prod at @ring_gpa moves from @cons: 0,
 * or -1 if it never did.
 */
static int guest_wait(uint64_t nr, long port, uint64_t ring_gpa, uint32_t cons)
{
	return ghc_watch(vic.vm, nr, port,
			 ring_gpa + offsetof(struct pvhv_sring_hdr, rsp_prod),
			 cons, INFO_GPA, SPINS) == 1 ? 0 : -1;
}

/* One 4 KiB read: its round trip in *@lat, 0 if the data was right. */
static int disk_op(double *lat)
{
	uint64_t sector = vic.reads++ * 8 % (DISK_SECTORS - 8);
	struct pvhv_blk_rsp rsp;
	struct pvhv_blk_req *r;
	double t0 = bench_now();
	int need;
	uint32_t s;

	r = pvhv_blk_front_req(&vic.bf, vic.bf.req_prod_pvt++);
	memset(r, 0, sizeof(*r));
	r->op = PVHV_BLK_OP_READ;
	r->id = ++vic.id;
	r->sector = sector;
	r->nr_segs = 1;
	r->seg[0].gref = BLK_DATA_REF;
	r->seg[0].last_sect = 7;
	need = pvhv_blk_front_push(&vic.bf);
	if (guest_wait(need ? PVHV_HC_EVTCHN_SEND : PVHV_HC_NULL,
		       need ? vic.blk_port : 0, BLK_RING_GPA, vic.bf.rsp_cons))
		return -1;
	*lat = bench_now() - t0;
	if (!pvhv_blk_front_rsp_pending(&vic.bf))
		return -1;
	rsp = *pvhv_blk_front_rsp(&vic.bf, vic.bf.rsp_cons++);
	memcpy(&s, minivm_hva(vic.vm, BLK_DATA_GPA), sizeof(s));
	return rsp.id == vic.id && !rsp.status && s == sector ? 0 : -1;
}

/*
 * One frame out (guest to the packet socket) and one back (socket to the
 * guest's receive ring): the round trip in *@lat, 0 if both were right.
 */
static int net_op(double *lat)
{
	static uint8_t f[FRAME], got[4096];
	struct pvhv_net_rx_rsp rsp;
	uint32_t seq = ++vic.seq;
	int n = -1, i;
	bool ok = false;
	uint8_t *p;
	double t0;

	make_frame(f, FRAME, peer, seq);
	t0 = bench_now();
	tx_packet(&vic.v, f, FRAME, seq % 32, 0, 1, 0);
	tx_push(&vic.v);
	for (i = 0; i < 4; i++) {		/* frames of earlier tries */
		n = host_recv(vic.sock, got, sizeof(got));
		if (n < 0 || seq_of(got) == seq)
			break;
	}
	if (n != FRAME || seq_of(got) != seq ||
	    host_send(vic.sock, seq, FRAME) != FRAME)
		return -1;
	for (i = 0; i < 4 && !ok; i++) {	/* frames of the host's own */
		if (!pvhv_netrx_front_rsp_pending(&vic.v.rx) &&
		    guest_wait(PVHV_HC_NULL, 0, RX_RING_GPA(0), vic.v.rx.rsp_cons))
			return -1;
		*lat = bench_now() - t0;
		rsp = *pvhv_netrx_front_rsp(&vic.v.rx, vic.v.rx.rsp_cons++);
		if (rsp.id >= RX_PAGES)
			return -1;
		p = (uint8_t *)minivm_hva(vic.vm, RX_GPA(rsp.id)) + rsp.offset;
		ok = rsp.status == FRAME && rsp.offset + FRAME <= 4096 &&
		     seq_of(p) == seq;
		rx_post(&vic.v, rsp.id, RX_REF(rsp.id));
	}
	if (pvhv_netrx_front_push(&vic.v.rx))
		kick(&vic.v);
	while (pvhv_nettx_front_rsp_pending(&vic.v.tx))
		if (pvhv_nettx_front_rsp(&vic.v.tx, vic.v.tx.rsp_cons++)->status)
			return -1;
	if (vic.v.tx.req_prod_pvt - vic.v.tx.rsp_cons > 16)
		return -1;			/* transmit answers stopped */
	return ok ? 0 : -1;
}

#define SETUP(cond, what) do {						\
	if (cond) {							\
		fprintf(stderr, "victim_bench: %s failed\n", what);	\
		return -1;						\
	}								\
} while (0)

/*
 * The victim's interface, connected with receive pages posted, and a 1 MiB
 * file whose sector s starts with s as its disk, connected.
 */
static int victim_setup(void)
{
	struct minivm_opts opts = { 0 };
	uint64_t pfn[RX_PAGES];
	char name[64], *buf;
	uint32_t s;
	int fd, n;

	strcpy(vic.disk, "/tmp/pvhv-victim-XXXXXX");
	fd = mkstemp(vic.disk);
	buf = calloc(DISK_SECTORS, 512);
	SETUP(fd < 0 || !buf, "creating the disk file");
	for (s = 0; s < DISK_SECTORS; s++)
		memcpy(buf + s * 512, &s, sizeof(s));
	n = write(fd, buf, DISK_SECTORS * 512);
	close(fd);
	free(buf);
	SETUP(n != DISK_SECTORS * 512, "writing the disk file");
	snprintf(name, sizeof(name), "victim-%d", getpid());
	opts.domain = name;
	vic.vm = minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
	SETUP(!vic.vm, "creating the victim");
	SETUP(vif_attach_up(vic.vm, 0, MAC0, vic.ifname), "attaching its vif");
	vic.sock = open_vif_sock(vic.ifname);
	SETUP(vic.sock < 0, "a packet socket on its netdev");
	vic.v = (struct vif_front){ .vm = vic.vm, .next_id = 100 };
	SETUP(guest_connect(&vic.v), "connecting its vif");
	SETUP(link_wait_up(vic.ifname), "waiting for its netdev's carrier");
	rx_post_pages(&vic.v, 0, RX_PAGES, pfn);
	SETUP(rx_publish(&vic.v, RX_PAGES) != RX_PAGES, "posting receive pages");
	SETUP(minivm_dom_write(vic.vm, "block/attach", vic.disk),
	      "attaching its disk");
	SETUP(blk_connect(), "connecting its disk");
	return 0;
}

/* CPU time (ns) of the threads whose name starts with @prefix. */
static double threads_cpu_ns(const char *prefix)
{
	char path[300], comm[64];
	double ns = 0, v;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	FILE *f;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f) ||
		    strncmp(comm, prefix, strlen(prefix))) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s/schedstat", d->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%lf", &v) == 1)
			ns += v;
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return ns;
}

static double backends_cpu_ns(void)
{
	return threads_cpu_ns("pvhv-vbd") + threads_cpu_ns("pvhv-net");
}

static double thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Under TCG a halted test-host CPU wakes late (about a tick) for the
 * backend thread the victim's kick wakes, so a quiet test host answers
 * slower than a busy one.  A SCHED_IDLE thread spinning on each CPU keeps
 * them out of halt, as idle=poll would, in every phase, and yields at once
 * to any other thread.
 */
static bool pollers_stop;
static pthread_t pollers[8];
static int nr_pollers, nr_cpus;

static void *poller(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&pollers_stop, __ATOMIC_RELAXED))
		__asm__ volatile("pause");
	return NULL;
}

static void pollers_start(void)
{
	struct sched_param sp = { 0 };
	pthread_attr_t attr;
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	for (; nr_pollers < n && nr_pollers < 8; nr_pollers++) {
		CPU_ZERO(&set);
		CPU_SET(nr_pollers, &set);
		pthread_attr_init(&attr);
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_IDLE);
		pthread_attr_setschedparam(&attr, &sp);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (pthread_create(&pollers[nr_pollers], &attr, poller, NULL))
			break;
		pthread_attr_destroy(&attr);
	}
}

static void pollers_stop_all(void)
{
	__atomic_store_n(&pollers_stop, true, __ATOMIC_RELAXED);
	if (nr_pollers)
		nr_cpus = nr_pollers;
	while (nr_pollers)
		pthread_join(pollers[--nr_pollers], NULL);
}

/* ---- phases ---- */

struct phase {
	double disk, net;		/* median round trip, s */
	double disk99, net99;		/* its 99th percentile */
	int nd, nn;
	double vcpu_ns, back_ns;	/* host CPU per victim operation */
	long rounds, spins;		/* of the attacker, meanwhile */
	double secs;
};

static double lat_d[OPS], lat_n[OPS];

static int run_phase(int p, int ops, struct phase *ph)
{
	long r0 = attacker_count(&atk.rounds), s0 = attacker_count(&atk.spins);
	double c0, b0, t0, t;
	int i;

	memset(ph, 0, sizeof(*ph));
	attacker_set(phase_mode[p]);
	c0 = thread_cpu_ns();
	b0 = backends_cpu_ns();
	t0 = bench_now();
	for (i = 0; i < ops; i++) {
		if (i >= MIN_OPS && bench_now() - t0 > PHASE_S)
			break;
		if (disk_op(&t)) {
			fprintf(stderr, "victim_bench: disk read %d failed\n", i);
			return -1;
		}
		lat_d[ph->nd++] = t;
		if (net_op(&t)) {
			fprintf(stderr, "victim_bench: network round trip %d failed\n", i);
			return -1;
		}
		lat_n[ph->nn++] = t;
	}
	ph->vcpu_ns = (thread_cpu_ns() - c0) / (ph->nd + ph->nn);
	ph->back_ns = (backends_cpu_ns() - b0) / (ph->nd + ph->nn);
	attacker_set(A_STOP);
	ph->secs = bench_now() - t0;
	ph->rounds = attacker_count(&atk.rounds) - r0;
	ph->spins = attacker_count(&atk.spins) - s0;
	if (atk.err) {
		fprintf(stderr, "victim_bench: the attacker's hypercall failed (%ld)\n",
			atk.err);
		return -1;
	}
	ph->disk = bench_median(lat_d, ph->nd);
	ph->net = bench_median(lat_n, ph->nn);
	ph->disk99 = lat_d[ph->nd * 99 / 100];
	ph->net99 = lat_n[ph->nn * 99 / 100];
	return 0;
}

/* Median of @v (sorted: v[0] and v[n - 1] are min and max). */
static void print_ratio(FILE *f, const char *what, double *v, int n)
{
	double med = bench_median(v, n);

	fprintf(f, "%s median %.2f (%.2f..%.2f, n=%d)", what, med, v[0],
		v[n - 1], n);
}

int main(int argc, char **argv)
{
	struct minivm_opts opts = { 0 };
	struct phase ph[CYCLES][P_NR], warm;
	double sq_d[CYCLES], sq_n[CYCLES], sb_d[CYCLES], sb_n[CYCLES];
	double tq_d[CYCLES], tq_n[CYCLES];
	double cpu[P_NR][CYCLES], back[P_NR][CYCLES];
	const char *prefix = argc > 1 ? argv[1] : NULL;
	FILE *out[2] = { stdout, NULL };
	long cont0, cont1, poll_us, hold_us;
	int c, p, i, v, rc = 1;

	if (!minivm_pvhv_mnt()) {
		fprintf(stderr, "victim_bench: pvhv not loaded ($PVHV_MNT)\n");
		return 1;
	}
	if (victim_setup())
		goto out;
	snprintf(atk.dom, sizeof(atk.dom), "attacker-%d", getpid());
	opts.domain = atk.dom;
	atk.vm = minivm_create(&opts, guest_attacker, 0);
	if (!atk.vm || minivm_add_vcpu(atk.vm, guest_attacker, 1) != 1) {
		perror("victim_bench: the attacker");
		goto out;
	}
	attacker_build();
	for (v = 0; v < 2; v++)
		if (pthread_create(&atk.thread[v], NULL, attacker_thread,
				   (void *)(intptr_t)v)) {
			perror("pthread_create");
			goto out;
		}
	cont0 = pvhv_sysfs_long("domains/%s/pt/continued", atk.dom);
	poll_us = pvhv_sysfs_long("block/poll_max_us");
	hold_us = pvhv_sysfs_long("block/hold_max_us");

	if (testhost_is_tcg())
		pollers_start();
	fprintf(stderr, "bench: warm-up\n");
	for (p = 0; p < P_NR; p++)
		if (run_phase(p, WARMUP, &warm))
			goto out;
	for (c = 0; c < CYCLES; c++) {
		for (p = 0; p < P_NR; p++) {
			if (run_phase(p, OPS, &ph[c][p]))
				goto out;
			fprintf(stderr, "bench: cycle %d %-5s disk %.0f us, net %.0f us (n=%d, %.1f s)\n",
				c + 1, phase_names[p], ph[c][p].disk * 1e6,
				ph[c][p].net * 1e6, ph[c][p].nd, ph[c][p].secs);
		}
		sq_d[c] = ph[c][P_STORM].disk / ph[c][P_QUIET].disk;
		sq_n[c] = ph[c][P_STORM].net / ph[c][P_QUIET].net;
		sb_d[c] = ph[c][P_STORM].disk / ph[c][P_BUSY].disk;
		sb_n[c] = ph[c][P_STORM].net / ph[c][P_BUSY].net;
		tq_d[c] = ph[c][P_STORM].disk99 / ph[c][P_QUIET].disk99;
		tq_n[c] = ph[c][P_STORM].net99 / ph[c][P_QUIET].net99;
		for (p = 0; p < P_NR; p++) {
			cpu[p][c] = ph[c][p].vcpu_ns + ph[c][p].back_ns;
			back[p][c] = ph[c][p].back_ns;
		}
	}
	cont1 = pvhv_sysfs_long("domains/%s/pt/continued", atk.dom);
	pollers_stop_all();

	out[1] = bench_open(prefix, ".txt");
	for (i = 0; i < 2 && out[i]; i++) {
		FILE *f = out[i];

		fprintf(f, "victim latency under a page-table storm: %d cycles of quiet, storm and busy phases\n",
			CYCLES);
		fprintf(f, "  victim (1 vCPU): 4 KiB PV disk reads and %d-byte frames to the host and back through netback, each timed\n",
			FRAME);
		fprintf(f, "  attacker (2 vCPUs), each per round: pin of a %d-table tree, mmu_update of %d L2 entries (%d tables typed and freed), unpin\n",
			TREE, 2 * NL1, 4 * NL1);
		fprintf(f, "  quiet: attacker stopped; storm: rounds without pause; busy: attacker spins in guest code (no hypercalls)\n");
		fprintf(f, "  block/poll_max_us %ld, block/hold_max_us %ld\n",
			poll_us, hold_us);
		fprintf(f, "  %5s %-5s %9s %9s %9s %9s %5s %9s  %s\n", "cycle",
			"phase", "disk med", "disk p99", "net med", "net p99",
			"n", "CPU/op", "attacker");
		for (c = 0; c < CYCLES; c++)
			for (p = 0; p < P_NR; p++) {
				struct phase *q = &ph[c][p];

				fprintf(f, "  %5d %-5s %6.0f us %6.0f us %6.0f us %6.0f us %5d %6.0f us  ",
					c + 1, phase_names[p], q->disk * 1e6,
					q->disk99 * 1e6, q->net * 1e6,
					q->net99 * 1e6, q->nd,
					(q->vcpu_ns + q->back_ns) / 1e3);
				if (p == P_STORM)
					fprintf(f, "%ld rounds, %.0f tables/s\n",
						q->rounds, q->rounds *
						(8.0 * NL1 + 8) / q->secs);
				else if (p == P_BUSY)
					fprintf(f, "%ld spins\n", q->spins);
				else
					fprintf(f, "stopped\n");
			}
		print_ratio(f, "victim latency under a page-table storm: disk",
			    sq_d, CYCLES);
		fprintf(f, "\n");
		print_ratio(f, "victim latency under a page-table storm: net",
			    sq_n, CYCLES);
		fprintf(f, "\n");
		print_ratio(f, "  99th percentile, storm / quiet: disk", tq_d,
			    CYCLES);
		print_ratio(f, ", net", tq_n, CYCLES);
		fprintf(f, "\n");
		print_ratio(f, "  median, storm / busy neighbour: disk", sb_d,
			    CYCLES);
		print_ratio(f, ", net", sb_n, CYCLES);
		fprintf(f, "\n  host CPU per victim operation (victim vCPU thread + backend threads; backends), median of cycles:\n   ");
		for (p = 0; p < P_NR; p++) {
			double cm = bench_median(cpu[p], CYCLES);
			double bm = bench_median(back[p], CYCLES);

			fprintf(f, " %s %.0f us (%.0f us)%s", phase_names[p],
				cm / 1e3, bm / 1e3, p < P_NR - 1 ? "," : "\n");
		}
		fprintf(f, "  attacker: %ld rounds, %ld hypercalls continued on the budget (pt/continued)\n",
			attacker_count(&atk.rounds), cont1 - cont0);
		if (testhost_is_tcg())
			fprintf(f, "  TCG test host: absolute times are emulated, only the ratios mean something; TCG runs the test host's vCPUs in turns, which itself couples the guests\n"
				"  (a SCHED_IDLE thread spun on each of its %d CPUs in every phase: under TCG a halted CPU wakes about a tick late)\n",
				nr_cpus);
	}
	if (out[1])
		fclose(out[1]);
	rc = 0;
out:
	pollers_stop_all();
	if (atk.vm) {
		pthread_mutex_lock(&atk.lock);
		atk.quit = true;
		pthread_cond_broadcast(&atk.cond);
		pthread_mutex_unlock(&atk.lock);
		for (v = 0; v < 2; v++)
			if (atk.thread[v])
				pthread_join(atk.thread[v], NULL);
		minivm_destroy(atk.vm);
	}
	minivm_destroy(vic.vm);
	if (vic.sock >= 0)
		close(vic.sock);
	if (vic.disk[0])
		unlink(vic.disk);
	return rc;
}
