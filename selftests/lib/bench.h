/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmarks in selftests/bench/ share: a clock, medians, and
 * the result files OUT_PREFIX.txt (what they print) and OUT_PREFIX.dat
 * (what tools/bench plots).
 */
#ifndef _PVHV_BENCH_H
#define _PVHV_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts @v: v[0] is then the minimum, v[n - 1] the maximum. */
static inline double bench_median(double *v, int n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return v[n / 2];
}

/* @prefix@ext for writing, or NULL without a prefix; exits on error. */
static inline FILE *bench_open(const char *prefix, const char *ext)
{
	char path[512];
	FILE *f;

	if (!prefix)
		return NULL;
	snprintf(path, sizeof(path), "%s%s", prefix, ext);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

#endif /* _PVHV_BENCH_H */
