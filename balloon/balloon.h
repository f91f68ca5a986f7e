/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The balloon manager: per-domain targets, the memory hypercalls and the
 * host policy.
 *
 * The frames themselves (which are ballooned, taking them back on touch,
 * the cap at max) belong to pvhv/frames.c; this directory decides how much
 * memory each domain should have and tells its guest.
 *
 * A domain's target is its administrator's target (or max), less what the
 * automatic policy reclaimed, never below min:
 *
 *	target = max(min, min(user_target ?: max, max) - reclaimed)
 */
#ifndef _PVHV_BALLOON_H
#define _PVHV_BALLOON_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>
#include <pvhv/balloon.h>

struct pvhv_domain;

/*
 * Freed with the domain (its release), not when it is destroyed: sysfs and
 * a vCPU's hypercall may still use it then, and see @gone.
 */
struct pvhv_balloon_dom {
	struct pvhv_domain *dom;
	struct list_head node;		/* pvhv_balloon_doms, until destroy */
	spinlock_t lock;		/* everything below */
	bool gone;			/* the domain is destroyed */
	long user_target;		/* pages; 0: max */
	long min;			/* pages; -1: size / 4 */
	long reclaimed;			/* pages the policy took */
	unsigned int shares;
	u32 port;			/* the guest's target port; 0: none */
	struct pvhv_balloon_stats stats;
	unsigned long stats_jiffies;	/* of the last report; 0: none */
	atomic_long_t pressure_populated; /* PVHV_MEM_F_PRESSURE frames */
};

/* The domain's target and min in pages; take b->lock. */
long pvhv_balloon_target(struct pvhv_balloon_dom *b);
long pvhv_balloon_min(struct pvhv_balloon_dom *b);
/* Change the target's inputs under b->lock, then tell the guest. */
void pvhv_balloon_lock(struct pvhv_balloon_dom *b, long *old_target)
	__acquires(&b->lock);
void pvhv_balloon_unlock_notify(struct pvhv_balloon_dom *b, long old_target)
	__releases(&b->lock);

/* Every domain's balloon, for the policy: under pvhv_balloon_list_lock. */
extern struct list_head pvhv_balloon_doms;
extern struct mutex pvhv_balloon_list_lock;

extern const struct attribute_group pvhv_balloon_dom_group;

int pvhv_balloon_hc_init(void);
void pvhv_balloon_hc_exit(void);
int pvhv_balloon_policy_init(void);
void pvhv_balloon_policy_exit(void);

int pvhv_balloon_init(void);
void pvhv_balloon_exit(void);

#endif /* _PVHV_BALLOON_H */
