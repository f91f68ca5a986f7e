/* SPDX-License-Identifier: GPL-2.0 */
/* Guest grant table: references for frames the guest lets others use. */
#ifndef _PVHV_GUEST_GRANTS_H
#define _PVHV_GUEST_GRANTS_H

#include <linux/types.h>

struct page;

/* Grant @page to domain @domid; the reference, or -ENOSPC. */
int pvhv_grant_page(struct page *page, u32 domid, bool readonly);
/*
 * Take a grant back.  The caller knows it is no longer mapped (a backend
 * unmaps a request's grants before it answers), so clearing the entry is
 * enough; pvhv reads it anew on every map.
 */
void pvhv_grant_end(int ref);

int pvhv_grants_init(void);
void pvhv_grants_exit(void);

#endif /* _PVHV_GUEST_GRANTS_H */
