// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: hostile mini-guests against pvhv, seeded and reproducible.
 *
 *	fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-d DOMAINS] [-v VCPUS]
 *
 * Each round creates DOMAINS mini-guests of VCPUS vCPUs each.  Every vCPU
 * makes pvhv hypercalls with numbers and arguments drawn from its own
 * xorshift stream (the round's seed and its index): the values that
 * matter (0, 1, edges, guest-physical addresses page aligned, unaligned,
 * crossing a page, past RAM and non-canonical, huge counts, ports and
 * grant references, the other domain's id) more often than uniform
 * noise.  Between calls it scribbles on its data pages, where its own or
 * another vCPU's calls may have set up event channel pages, grant tables,
 * rings, page tables or trap tables.  A guest that breaks itself (balloons
 * out its code, switches to a page table of garbage) dies: that is fine.
 *
 * After each round every domain is destroyed and every global counter in
 * /sys/kernel/pvhv must come back to where it was before the round; the
 * host kernel must log no splat (tools/testhost checks that).  A failure
 * prints the round's seed: "fuzz -s SEED -n CALLS" with CALLS no more than
 * one round's replays it.  Output is TAP: one "ok"/"not ok" line per run,
 * with calls per second and per hypercall number as comments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pvhv/pvhv.h>

#include "../lib/minivm.h"

#define MAX_DOMS	4
#define ROUND_CALLS	20000UL		/* per vCPU and round, at most */
#define NR_SLOTS	(PVHV_HC_COUNT + 1)	/* and one past pvhv's range */
#define STALL_S		10		/* no call completed: kick the vCPU */

/* What a vCPU is told and what it reports, in the guest's image. */
struct fuzz_cb {
	uint64_t seed, calls, other_domid, own_domid;
	volatile uint64_t done;
	uint64_t last[5];		/* the call in progress: nr, args */
	uint64_t per_nr[NR_SLOTS];
};

static struct fuzz_cb fuzz_cbs[MAX_DOMS][MINIVM_MAX_VCPUS];

/* ---- guest side: no libc ---- */

/* pvhv's hypercalls, drawn 7 times in 8; any number of the range else. */
static const uint8_t fuzz_hcs[] = {
	0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20,
	24, 25, 26, 28, 29, 30, 32, 33, 34, 35, 36, 40, 41, 42, 43, 44, 45,
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* A guest-physical page in the data area, where guest structures go. */
static uint64_t data_page(uint64_t x)
{
	return MINIVM_DATA_GPA + (x % (MINIVM_DATA_SIZE / 4096)) * 4096;
}

static uint64_t fuzz_arg(uint64_t *s, const struct fuzz_cb *cb)
{
	uint64_t x = rnd(s), y = rnd(s);

	switch (x % 16) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return y % 64;
	case 3:
		return y % 4096;		/* ports, refs, counts */
	case 4:
		return cb->other_domid;
	case 5:
		return cb->own_domid;
	case 6:
		return data_page(y);
	case 7:
		return MINIVM_DATA_GPA + y % MINIVM_DATA_SIZE;
	case 8:
		return data_page(y) + 4096 - 8 * (1 + y % 4);
	case 9:
		return MINIVM_MEM_SIZE + (y % (1UL << 30));
	case 10:
		return 0x0000800000000000ULL | y;	/* non-canonical */
	case 11:
		return ~0ULL - y % 8;
	case 12:
		return (MINIVM_DATA_GPA >> 12) + y % 1024;	/* a gfn */
	case 13:
		return (1ULL << 32) + y % 8;
	case 14:
		/* Now and then the guest's own code and page tables. */
		if (y % 8)
			return data_page(y);
		return ((y >> 3) % 0x800000) & ~0xfffULL;
	default:
		return y;
	}
}

static void guest_fuzz(uint64_t cb_addr)
{
	struct fuzz_cb *cb = (struct fuzz_cb *)cb_addr;
	uint64_t s = cb->seed | 1, i, x, slot, a[4];
	int j;

	for (i = 0; i < cb->calls; i++) {
		x = rnd(&s);
		if (x % 8)
			slot = fuzz_hcs[(x >> 3) % sizeof(fuzz_hcs)];
		else
			slot = (x >> 3) % NR_SLOTS;
		for (j = 0; j < 4; j++)
			a[j] = fuzz_arg(&s, cb);
		/* Corrupt what this or another vCPU may have set up. */
		if ((x >> 40) % 8 == 0)
			*(volatile uint64_t *)(MINIVM_DATA_GPA +
					       rnd(&s) % MINIVM_DATA_SIZE / 8 * 8) =
				fuzz_arg(&s, cb);
		cb->last[0] = PVHV_HC_BASE + slot;
		for (j = 0; j < 4; j++)
			cb->last[j + 1] = a[j];
		guest_hypercall(PVHV_HC_BASE + slot, a[0], a[1], a[2], a[3]);
		cb->per_nr[slot]++;
		cb->done = i + 1;
	}
}

/* ---- host side ---- */

static const char *const counters[] = {
	"domains_active", "frames", "frames_pinned", "pt_tables",
	"evtchn_ports", "grants_mapped",
};
#define NR_COUNTERS	(sizeof(counters) / sizeof(counters[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct round {
	uint64_t seed, per_vcpu;
	int doms, vcpus;
	/* results */
	uint64_t calls, per_nr[NR_SLOTS];
	int died, hung;
};

/* One round; 0, or -1 with the reason printed. */
static int run_round(struct round *r)
{
	struct minivm_opts opts = { .irqchip = true };
	struct minivm *vm[MAX_DOMS] = { NULL };
	double since[MAX_DOMS][MINIVM_MAX_VCPUS];
	double kicked[MAX_DOMS][MINIVM_MAX_VCPUS];
	uint64_t seen[MAX_DOMS][MINIVM_MAX_VCPUS];
	bool joined[MAX_DOMS][MINIVM_MAX_VCPUS];
	long base[NR_COUNTERS], v;
	char name[64];
	int left;
	int d, i, ret = -1;
	unsigned int c;

	for (c = 0; c < NR_COUNTERS; c++)
		base[c] = pvhv_sysfs_long("%s", counters[c]);
	for (d = 0; d < r->doms; d++) {
		snprintf(name, sizeof(name), "fuzz-%d-%d", getpid(), d);
		opts.domain = name;
		vm[d] = minivm_create(&opts, guest_fuzz,
				      (uintptr_t)&fuzz_cbs[d][0]);
		if (!vm[d]) {
			printf("# fuzz: cannot create domain %d: %s\n", d,
			       strerror(errno));
			goto out;
		}
		for (i = 1; i < r->vcpus; i++)
			if (minivm_add_vcpu(vm[d], guest_fuzz,
					    (uintptr_t)&fuzz_cbs[d][i]) != i) {
				printf("# fuzz: cannot add vCPU %d: %s\n", i,
				       strerror(errno));
				goto out;
			}
	}
	for (d = 0; d < r->doms; d++) {
		long other;

		snprintf(name, sizeof(name), "domains/fuzz-%d-%d/id", getpid(),
			 (d + 1) % r->doms);
		other = pvhv_sysfs_long("%s", name);
		snprintf(name, sizeof(name), "domains/fuzz-%d-%d/id", getpid(),
			 d);
		for (i = 0; i < r->vcpus; i++) {
			struct fuzz_cb *cb = minivm_hva(vm[d],
						(uintptr_t)&fuzz_cbs[d][i]);

			memset(cb, 0, sizeof(*cb));
			cb->seed = r->seed * 0x9e3779b97f4a7c15ULL +
				   d * MINIVM_MAX_VCPUS + i + 1;
			cb->calls = r->per_vcpu;
			cb->other_domid = other;
			cb->own_domid = pvhv_sysfs_long("%s", name);
		}
	}
	for (d = 0; d < r->doms; d++)
		for (i = 0; i < r->vcpus; i++)
			if (minivm_vcpu_start(vm[d], i)) {
				printf("# fuzz: cannot start a vCPU thread\n");
				goto out;
			}
	/*
	 * Collect the vCPUs as they finish.  One whose call count has not
	 * moved for STALL_S wrecked its guest into a loop no exit stops (its
	 * code or stack ballooned out, say): kick it out of KVM_RUN.  One
	 * that does not come out within STALL_S more is stuck in the host.
	 */
	left = r->doms * r->vcpus;
	for (d = 0; d < r->doms; d++)
		for (i = 0; i < r->vcpus; i++) {
			seen[d][i] = 0;
			since[d][i] = now();
			kicked[d][i] = 0;
			joined[d][i] = false;
		}
	while (left) {
		usleep(100000);
		for (d = 0; d < r->doms; d++)
			for (i = 0; i < r->vcpus; i++) {
				struct fuzz_cb *cb = minivm_hva(vm[d],
						(uintptr_t)&fuzz_cbs[d][i]);
				enum ucall_type type;
				unsigned int s;

				if (joined[d][i])
					continue;
				if (!minivm_vcpu_tryjoin(vm[d], i, &type)) {
					if (cb->done != seen[d][i]) {
						seen[d][i] = cb->done;
						since[d][i] = now();
					} else if (!kicked[d][i] &&
						   now() - since[d][i] > STALL_S) {
						minivm_vcpu_kick(vm[d], i);
						kicked[d][i] = now();
						r->hung++;
					} else if (kicked[d][i] &&
						   now() - kicked[d][i] > STALL_S) {
						printf("# fuzz: domain %d vCPU %d did not leave KVM_RUN when kicked (last call %#llx %#llx %#llx %#llx %#llx)\n",
						       d, i,
						       (unsigned long long)cb->last[0],
						       (unsigned long long)cb->last[1],
						       (unsigned long long)cb->last[2],
						       (unsigned long long)cb->last[3],
						       (unsigned long long)cb->last[4]);
						/* Its thread still uses the VM. */
						exit(1);
					}
					continue;
				}
				joined[d][i] = true;
				left--;
				if (type != UCALL_DONE)
					r->died++;
				r->calls += cb->done;
				for (s = 0; s < NR_SLOTS; s++)
					r->per_nr[s] += cb->per_nr[s];
			}
	}
	ret = 0;
out:
	for (d = 0; d < r->doms; d++)
		minivm_destroy(vm[d]);
	/* Everything a round set up goes with its domains. */
	for (c = 0; c < NR_COUNTERS; c++) {
		v = pvhv_sysfs_wait(counters[c], base[c]);
		if (v != base[c]) {
			printf("# fuzz: %s is %ld after the round, was %ld\n",
			       counters[c], v, base[c]);
			ret = -1;
		}
	}
	return ret;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)time(NULL), calls = 200000, total = 0;
	uint64_t per_nr[NR_SLOTS] = { 0 };
	double t0, limit = 0, next_report;
	int doms = 2, vcpus = 2, opt, rounds = 0, died = 0, hung = 0, ok = 1;
	unsigned int s;

	while ((opt = getopt(argc, argv, "s:n:t:d:v:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			calls = strtoull(optarg, NULL, 0);
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		case 'd':
			doms = atoi(optarg);
			break;
		case 'v':
			vcpus = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-d DOMAINS] [-v VCPUS]\n");
			return 2;
		}
	}
	if (doms < 1 || doms > MAX_DOMS || vcpus < 1 ||
	    vcpus > MINIVM_MAX_VCPUS) {
		fprintf(stderr, "fuzz: 1-%d domains, 1-%d vCPUs\n", MAX_DOMS,
			MINIVM_MAX_VCPUS);
		return 2;
	}
	printf("TAP version 13\n1..1\n");
	if (!minivm_pvhv_mnt()) {
		printf("ok 1 fuzz # SKIP pvhv not loaded ($PVHV_MNT unset)\n");
		return 0;
	}
	printf("# fuzz: seed %llu, %llu calls, %d domains of %d vCPUs\n",
	       (unsigned long long)seed, (unsigned long long)calls, doms,
	       vcpus);
	t0 = now();
	next_report = t0 + 10;
	while (total < calls && (!limit || now() - t0 < limit)) {
		struct round r = {
			.seed = seed + rounds, .doms = doms, .vcpus = vcpus,
		};

		r.per_vcpu = (calls - total + doms * vcpus - 1) /
			     (doms * vcpus);
		if (r.per_vcpu > ROUND_CALLS)
			r.per_vcpu = ROUND_CALLS;
		if (run_round(&r)) {
			printf("# fuzz: round seed %llu failed: replay with fuzz -s %llu -n %llu -d %d -v %d\n",
			       (unsigned long long)r.seed,
			       (unsigned long long)r.seed,
			       (unsigned long long)(r.per_vcpu * doms * vcpus),
			       doms, vcpus);
			ok = 0;
			break;
		}
		rounds++;
		total += r.calls;
		died += r.died;
		hung += r.hung;
		for (s = 0; s < NR_SLOTS; s++)
			per_nr[s] += r.per_nr[s];
		/* A round whose guests all died early still counts its calls. */
		if (!r.calls)
			total++;
		if (now() >= next_report) {
			fprintf(stderr, "fuzz: %llu of %llu calls, %.0f/s, %d guests died\n",
				(unsigned long long)total,
				(unsigned long long)calls,
				total / (now() - t0), died);
			next_report = now() + 10;
		}
	}
	printf("# fuzz: %llu calls in %d rounds, %.1f s, %.0f calls/s; %d of %d vCPUs died (their guests broke themselves), %d of them spinning until kicked\n",
	       (unsigned long long)total, rounds, now() - t0,
	       total / (now() - t0), died, rounds * doms * vcpus, hung);
	printf("# fuzz: calls per hypercall number:");
	for (s = 0; s < NR_SLOTS; s++)
		if (per_nr[s])
			printf(" %u:%llu", s, (unsigned long long)per_nr[s]);
	printf("\n%s 1 fuzz: seed %llu, every counter back after each round\n",
	       ok ? "ok" : "not ok", (unsigned long long)seed);
	return ok ? 0 : 1;
}
