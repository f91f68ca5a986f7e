/* SPDX-License-Identifier: GPL-2.0 */
/* The PV block frontend: /dev/pvblk<N> for each disk the host attached. */
#ifndef _PVHV_GUEST_BLKFRONT_H
#define _PVHV_GUEST_BLKFRONT_H

int pvhv_blkfront_init(void);
void pvhv_blkfront_exit(void);

#endif /* _PVHV_GUEST_BLKFRONT_H */
