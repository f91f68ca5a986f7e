/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv guest ABI: hypercall numbers, error codes and feature bits.
 *
 * This header is the single definition of the ABI.  The host module, the
 * guest module and the selftests all include it; nothing here may be
 * redefined elsewhere.
 *
 * Calling convention (x86-64, CPL 0, 64-bit mode only): the hypercall number
 * goes in RAX, arguments in RBX, RCX, RDX, RSI (KVM's own convention), and the
 * guest executes VMMCALL (AMD) or VMCALL (Intel).  The result comes back in
 * RAX: >= 0 on success, a negative PVHV_E* code on failure.
 *
 * A call from CPL > 0, from 32-bit code, or from a VM whose memory is not on
 * pvhvfs is handled by KVM exactly as it would be without pvhv (-KVM_EPERM,
 * -KVM_ENOSYS, ...).
 */
#ifndef _UAPI_PVHV_PVHV_H
#define _UAPI_PVHV_PVHV_H

#include <linux/types.h>

#define PVHV_VERSION_MAJOR	0
#define PVHV_VERSION_MINOR	1
/* What PVHV_HC_VERSION returns. */
#define PVHV_VERSION		((PVHV_VERSION_MAJOR << 16) | PVHV_VERSION_MINOR)

/*
 * pvhv's reserved hypercall range.  KVM's own numbers (KVM_HC_*) are small
 * integers; 0x70760000 ("pv" in the high half) keeps well clear of them.
 */
#define PVHV_HC_BASE		0x70760000UL
#define PVHV_HC_COUNT		64
#define PVHV_HC(n)		(PVHV_HC_BASE + (n))

/* Returns PVHV_VERSION. */
#define PVHV_HC_VERSION		PVHV_HC(0)
/* Returns the PVHV_F_* bits this host supports. */
#define PVHV_HC_FEATURES	PVHV_HC(1)
/* Does nothing, returns 0: the cost of a round trip. */
#define PVHV_HC_NULL		PVHV_HC(2)
/*
 * console_write(gpa, len): append len bytes at guest-physical address gpa to
 * the domain's console buffer.  len must be 1..PVHV_CONSOLE_MAX and the range
 * must not cross a page boundary.  Returns len.
 */
#define PVHV_HC_CONSOLE_WRITE	PVHV_HC(3)

#define PVHV_CONSOLE_MAX	256

/* Feature bits returned by PVHV_HC_FEATURES. */
#define PVHV_F_CONSOLE		(1ULL << 0)

/*
 * Error codes (returned negated).  Values follow Linux errno so that a guest
 * kernel can pass them on unchanged.
 */
#define PVHV_EPERM		1
#define PVHV_ENOENT		2
#define PVHV_E2BIG		7
#define PVHV_EAGAIN		11
#define PVHV_ENOMEM		12
#define PVHV_EFAULT		14
#define PVHV_EBUSY		16
#define PVHV_EEXIST		17
#define PVHV_EINVAL		22
#define PVHV_ENOSPC		28
#define PVHV_ERANGE		34
#define PVHV_ENOSYS		38

#endif /* _UAPI_PVHV_PVHV_H */
