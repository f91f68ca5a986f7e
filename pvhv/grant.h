/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grant tables: a domain lets another domain, or a host backend, use one of
 * its frames.  The entries live in guest memory (the guest ABI header);
 * pvhv keeps its own count of mappings per entry, which the guest cannot
 * touch, and a mapping pins the frame it found.
 */
#ifndef _PVHV_GRANT_H
#define _PVHV_GRANT_H

#include <linux/types.h>
#include <linux/sysfs.h>

#include "frames.h"

struct pvhv_domain;
struct kvm;

/* A grant mapped by the host (a backend), zero copy. */
struct pvhv_grant_map {
	struct pvhv_domain *granter;	/* holds a reference */
	u32 ref;
	u64 gfn;			/* the granter's frame */
	bool writable;			/* counted by pvhv_pt_get_granted_writable() */
	struct pvhv_frame_pin pin;	/* pin.page is the granted frame */
};

/*
 * Map grant @ref of @granter for @grantee_id (PVHV_DOMID_HOST for a host
 * backend), writable if @write.  Sleeps.  Returns 0 or a negative PVHV_E*
 * code: -EINVAL (bad ref or entry), -EPERM (not granted to the grantee),
 * -EACCES (write to a read-only grant, or to a frame that is a page
 * table or the protected IDT), -ENODEV (no grant table), or an error of
 * pvhv_domain_pin_gfn().
 */
int pvhv_grant_map(struct pvhv_domain *granter, u64 ref, u64 grantee_id,
		   bool write, struct pvhv_grant_map *map);
void pvhv_grant_unmap(struct pvhv_grant_map *map);

/*
 * Map the @n grants of @granter whose references the caller put in
 * maps[i].ref (the rest of each map zeroed), as pvhv_grant_map() does one,
 * with the table lock and the VM's memory map taken once: a backend's
 * request.  On error nothing stays mapped.  unmap_many() skips maps that
 * are not mapped.
 */
int pvhv_grant_map_many(struct pvhv_domain *granter, u64 grantee_id,
			bool write, struct pvhv_grant_map *maps, unsigned int n);
void pvhv_grant_unmap_many(struct pvhv_grant_map *maps, unsigned int n);

/*
 * ksm-hint leaves granted frames alone: mark in @mem->granted the frames
 * of @mem that its domain grants now, and no others.  Sleeps.  The number
 * marked, or -ENOMEM (the marks are incomplete).
 */
long pvhv_gnttab_mark_granted(struct pvhv_mem *mem);

/* grant_gfn.c: grants mapped into a grantee's guest-physical space. */
int pvhv_gfn_maps_init(void);
void pvhv_gfn_maps_exit(void);
/* Undo every mapping @dom made (its kernel is gone). */
void pvhv_gfn_maps_teardown(struct pvhv_domain *dom);
void pvhv_gfn_maps_free(struct pvhv_domain *dom);

void pvhv_gnttab_teardown(struct pvhv_domain *dom, struct kvm *kvm);
void pvhv_gnttab_free(struct pvhv_domain *dom);

/* Grants mapped, all domains. */
long pvhv_grants_mapped_global(void);

extern const struct attribute_group pvhv_gnttab_attr_group;

int pvhv_gnttab_init(void);
void pvhv_gnttab_exit(void);

#endif /* _PVHV_GRANT_H */
