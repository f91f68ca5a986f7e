/* SPDX-License-Identifier: GPL-2.0 */
/* The PV network frontend: pvnet<N> for each interface the host added. */
#ifndef _PVHV_GUEST_NETFRONT_H
#define _PVHV_GUEST_NETFRONT_H

int pvhv_netfront_init(void);
void pvhv_netfront_exit(void);

#endif /* _PVHV_GUEST_NETFRONT_H */
