/* SPDX-License-Identifier: GPL-2.0 */
/* The guest balloon driver: follows the target the host sets. */
#ifndef _PVHV_GUEST_BALLOON_H
#define _PVHV_GUEST_BALLOON_H

struct kobject;

/* Needs event channels; adds /sys/kernel/pvhv_guest/balloon/. */
int pvhv_balloon_init(struct kobject *parent);
void pvhv_balloon_exit(void);

#endif /* _PVHV_GUEST_BALLOON_H */
