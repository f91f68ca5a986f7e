// SPDX-License-Identifier: GPL-2.0
/*
 * Copy-on-write break latency: pvhv's ksm-hint against Linux KSM, in the
 * same run.
 *
 * In each round two mini-guests write the same N frames (N different
 * contents); a scanner merges them (pvhv_ksmd over pvhvfs RAM, or ksmd over
 * private anonymous RAM marked MADV_MERGEABLE, which is QEMU's RAM without
 * pvhv), until both guests' frames sit on the same host pages.  Then one
 * guest stores a qword into each of the N frames, timed from the host
 * around that single KVM_RUN, and stores again into the same frames, now
 * private and writable: the baseline.  The COW break costs (first - second)
 * / N per frame: the exit, the copy, the new mapping.  Rounds alternate the
 * two mechanisms; the medians and their ratio are reported.  Under TCG the
 * absolute times are emulated; only the ratio means something.
 *
 * usage: ksm_cow_bench [OUT_PREFIX]  (writes OUT_PREFIX.txt, .dat)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/minivm.h"
#include "lib/bench.h"
#include "lib/guest_cmd.h"

#define N		512		/* frames per round */
#define DATA		64		/* first frame: GPAGE(DATA) */
#define ROUNDS		5
#define MERGE_TIMEOUT_S	180
#define SCAN_PAGES	4096
#define SCAN_SLEEP_MS	5

enum { M_PVHV, M_KSM, M_NR };
static const char *const names[M_NR] = { "pvhv ksm-hint", "Linux KSM" };
static const char *const run_knob[M_NR] = {
	"/sys/kernel/pvhv/ksm/run", "/sys/kernel/mm/ksm/run",
};

static void write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", v) < 0 || fclose(f)) {
		fprintf(stderr, "ksm_cow_bench: cannot write %s\n", path);
		exit(1);
	}
}

/* Both scanners with the same budget; stopped, nothing merged. */
static void scanners_reset(void)
{
	write_long("/sys/kernel/pvhv/ksm/run", 2);
	write_long("/sys/kernel/pvhv/ksm/run", 0);
	write_long("/sys/kernel/pvhv/ksm/pages_to_scan", SCAN_PAGES);
	write_long("/sys/kernel/pvhv/ksm/sleep_millisecs", SCAN_SLEEP_MS);
	write_long("/sys/kernel/mm/ksm/run", 2);
	write_long("/sys/kernel/mm/ksm/run", 0);
	write_long("/sys/kernel/mm/ksm/pages_to_scan", SCAN_PAGES);
	write_long("/sys/kernel/mm/ksm/sleep_millisecs", SCAN_SLEEP_MS);
}

static uint64_t frame_pfn(struct minivm *vm, int i)
{
	volatile uint64_t *p = minivm_hva(vm, GPAGE(DATA + i));

	(void)*p;
	return host_pfn((const void *)p);
}

/* Are all N frames of @a on the same host pages as @b's? */
static bool all_merged(struct minivm *a, struct minivm *b)
{
	int i;

	for (i = 0; i < N; i++)
		if (!frame_pfn(a, i) || frame_pfn(a, i) != frame_pfn(b, i))
			return false;
	return true;
}

static struct minivm *new_vm(int m, const char *tag)
{
	struct minivm_opts opts = { 0 };
	char name[64];

	snprintf(name, sizeof(name), "cow%s-%d", tag, getpid());
	opts.domain = name;
	opts.anon = m == M_KSM;
	opts.mergeable = m == M_KSM;
	return minivm_create(&opts, guest_cmd_loop, GCMD_GPA);
}

/* One round: microseconds per COW break, and the merge time in *merge_s. */
static double round_us(int m, uint64_t val, double *merge_s)
{
	struct minivm *a = new_vm(m, "A"), *b = new_vm(m, "B");
	double t0, cow, plain;

	if (!a || !b) {
		perror("minivm_create");
		exit(1);
	}
	if (gdo(a, G_FILL, GPAGE(DATA), val, N) ||
	    gdo(b, G_FILL, GPAGE(DATA), val, N)) {
		fprintf(stderr, "ksm_cow_bench: guest fill failed\n");
		exit(1);
	}
	t0 = bench_now();
	write_long(run_knob[m], 1);
	while (!all_merged(a, b)) {
		if (bench_now() - t0 > MERGE_TIMEOUT_S) {
			fprintf(stderr, "ksm_cow_bench: %s merged nothing in %d s\n",
				names[m], MERGE_TIMEOUT_S);
			exit(1);
		}
		usleep(20000);
	}
	*merge_s = bench_now() - t0;
	/* Stopped: the scanner must not run (or merge) while we time. */
	write_long(run_knob[m], 0);

	t0 = bench_now();
	if (gdo(a, G_FILL, GPAGE(DATA), val + N, N))
		exit(1);
	cow = bench_now() - t0;
	t0 = bench_now();
	if (gdo(a, G_FILL, GPAGE(DATA), val + 2 * N, N))
		exit(1);
	plain = bench_now() - t0;

	/* Right contents on both sides: B never saw A's writes. */
	if (gdo(a, G_CHECK, GPAGE(DATA), val + 2 * N, N) ||
	    gdo(b, G_CHECK, GPAGE(DATA), val, N)) {
		fprintf(stderr, "ksm_cow_bench: %s: wrong data after COW\n",
			names[m]);
		exit(1);
	}
	if (frame_pfn(a, 0) == frame_pfn(b, 0)) {
		fprintf(stderr, "ksm_cow_bench: %s: the write broke no sharing\n",
			names[m]);
		exit(1);
	}
	minivm_destroy(a);
	minivm_destroy(b);
	scanners_reset();
	return (cow - plain) * 1e6 / N;
}

int main(int argc, char **argv)
{
	const char *prefix = argc > 1 ? argv[1] : NULL;
	double t[M_NR][ROUNDS], ms[M_NR][ROUNDS], med[M_NR], mmed[M_NR];
	FILE *out[2] = { stdout, NULL };
	int r, m, i;

	if (!minivm_pvhv_mnt() || access(run_knob[M_KSM], W_OK)) {
		fprintf(stderr, "ksm_cow_bench: needs pvhv ($PVHV_MNT) and Linux KSM, as root\n");
		return 1;
	}
	scanners_reset();
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < M_NR; i++) {
			m = (r + i) % M_NR;	/* neither always goes first */
			t[m][r] = round_us(m, (uint64_t)(r + 1) << 32 | getpid() << 12,
					   &ms[m][r]);
		}
		fprintf(stderr, "bench: round %d/%d: COW %.1f us (pvhv), %.1f us (KSM)\n",
			r + 1, ROUNDS, t[M_PVHV][r], t[M_KSM][r]);
	}
	for (m = 0; m < M_NR; m++) {
		med[m] = bench_median(t[m], ROUNDS);
		mmed[m] = bench_median(ms[m], ROUNDS);
	}
	out[1] = bench_open(prefix, ".txt");
	for (i = 0; i < 2 && out[i]; i++) {
		fprintf(out[i], "copy-on-write break, %d frames x %d rounds, pages_to_scan=%d sleep_millisecs=%d\n",
			N, ROUNDS, SCAN_PAGES, SCAN_SLEEP_MS);
		for (m = 0; m < M_NR; m++)
			fprintf(out[i], "  %-14s COW break %8.2f us/frame (%.2f..%.2f), 2 guests merged in %.2f s\n",
				names[m], med[m], t[m][0], t[m][ROUNDS - 1],
				mmed[m]);
		fprintf(out[i], "  ksm-cow: COW break KSM / pvhv = %.2f\n",
			med[M_KSM] / med[M_PVHV]);
	}
	if (out[1])
		fclose(out[1]);
	out[1] = bench_open(prefix, ".dat");
	if (out[1]) {
		for (m = 0; m < M_NR; m++)
			fprintf(out[1], "\"%s\" %.3f\n", names[m], med[m]);
		fclose(out[1]);
	}
	return 0;
}
