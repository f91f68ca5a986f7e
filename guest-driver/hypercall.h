/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvhv hypercalls from the guest: KVM's hypercall instruction (VMCALL or
 * VMMCALL, patched at boot), pvhv's numbers (include/uapi/pvhv/pvhv.h).
 */
#ifndef _PVHV_GUEST_HYPERCALL_H
#define _PVHV_GUEST_HYPERCALL_H

#include <asm/kvm_para.h>
#include <pvhv/pvhv.h>

static inline long pvhv_hypercall(unsigned long nr, unsigned long a0,
				  unsigned long a1, unsigned long a2)
{
	return kvm_hypercall4(nr, a0, a1, a2, 0);
}

#endif /* _PVHV_GUEST_HYPERCALL_H */
