/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PV block backend (virtual block devices), include/uapi/pvhv/blkif.h.
 * Registers its hypercalls, its per-domain sysfs files and its domain
 * teardown with the core; nothing else is shared.
 */
#ifndef _PVHV_RING_BLKBACK_H
#define _PVHV_RING_BLKBACK_H

int pvhv_blkback_init(void);
void pvhv_blkback_exit(void);

#endif /* _PVHV_RING_BLKBACK_H */
