/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Races between the vCPUs of one mini-guest, bounded in rounds and in
 * time.  One vCPU (the first one started) drives the race: it does up to
 * its number of rounds, counting them in race_ctl.rounds; the others loop
 * until race_ctl.stop.  A debug kernel (KASAN, lockdep) runs the same
 * rounds several times slower than a stock one: rather than a fixed count
 * that fits one of them, the race ends after the driver's rounds or
 * RACE_SECONDS, whichever is first, and the test asserts a minimum number
 * of rounds happened.
 */
#ifndef _PVHV_RACE_H
#define _PVHV_RACE_H

#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "minivm.h"

#define RACE_SECONDS	15

/* In the guest image: written by the guest, read and stopped by the host. */
struct race_ctl {
	volatile uint64_t stop;
	volatile uint64_t rounds;
};

static struct race_ctl race_ctl;

/* Guest: whether a looping vCPU goes on. */
static inline int race_on(void)
{
	return !race_ctl.stop;
}

/* Guest: the driver finished a round; whether it goes on. */
static inline int race_round_done(uint64_t max)
{
	return ++race_ctl.rounds < max && !race_ctl.stop;
}

/*
 * Host: start the vCPUs @id[0..n) (id[0] the driver), wait until the
 * driver is done or RACE_SECONDS passed, stop the others and join them
 * all.  Returns the driver's rounds, or -1 if a vCPU did not end with
 * GUEST_DONE.
 */
static inline long race_run(struct minivm *vm, const int *id, int n)
{
	struct race_ctl *ctl = minivm_hva(vm, (uintptr_t)&race_ctl);
	struct timespec t0, now;
	enum ucall_type type;
	int i, bad = 0;
	bool done;

	ctl->stop = 0;
	ctl->rounds = 0;
	for (i = 0; i < n; i++)
		if (minivm_vcpu_start(vm, id[i]))
			return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Polling what the driver reports: no sleep stands for an event. */
	for (;;) {
		done = minivm_vcpu_tryjoin(vm, id[0], &type);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (done || now.tv_sec - t0.tv_sec >= RACE_SECONDS)
			break;
		usleep(10000);
	}
	ctl->stop = 1;
	if (!done)
		type = minivm_vcpu_join(vm, id[0]);
	bad |= type != UCALL_DONE;
	for (i = 1; i < n; i++)
		bad |= minivm_vcpu_join(vm, id[i]) != UCALL_DONE;
	return bad ? -1 : (long)ctl->rounds;
}

#endif
