/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM functions that kvm.ko exports but declares only in its private
 * headers (arch/x86/kvm/), which linux-headers packages do not ship.  The
 * declarations below match Debian's 6.1 and 6.12 alike.
 */
#ifndef _PVHV_KVM_INTERNAL_H
#define _PVHV_KVM_INTERNAL_H

#include <linux/types.h>

struct kvm_lapic;

/* Deliver an IPI as if @apic's vCPU had written ICR (arch/x86/kvm/lapic.c). */
void kvm_apic_send_ipi(struct kvm_lapic *apic, u32 icr_low, u32 icr_high);

#endif /* _PVHV_KVM_INTERNAL_H */
