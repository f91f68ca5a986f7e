// SPDX-License-Identifier: GPL-2.0
/*
 * keyholder: hold KVM's static keys for the life of a test host.
 *
 * KVM on x86 flips three static keys (jump labels) as vCPUs come and go:
 * apic_sw_disabled (a local APIC not yet software-enabled: every new
 * vCPU), apic_hw_disabled (an APIC disabled in the APIC base MSR: QEMU
 * writes that MSR at every VM start, guests at shutdown) and
 * kvm_has_noapic_vcpu (a vCPU without an in-kernel APIC).  Each flip
 * patches kernel text with int3 breakpoints, and under multi-threaded TCG
 * a vCPU of the test host sometimes runs a stale copy of the patched code:
 * the test host wedges, or oopses on an int3 that is no longer there
 * (Documentation/testhost.rst).  A key held above zero never flips, so
 * this program makes one vCPU of each kind, never runs them, and sleeps
 * until the test host powers off.  tools/testhost starts it under TCG.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#define MSR_IA32_APICBASE	0x1b

static int xioctl(int fd, unsigned long req, unsigned long arg, const char *what)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0) {
		perror(what);
		exit(1);
	}
	return ret;
}

int main(void)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} apic_base = { .hdr.nmsrs = 1, .entry.index = MSR_IA32_APICBASE };
	int kvm, vm, vcpu;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		perror("keyholder: /dev/kvm");
		return 1;
	}
	/* An in-kernel APIC: both vCPUs hold apic_sw_disabled. */
	vm = xioctl(kvm, KVM_CREATE_VM, 0, "keyholder: KVM_CREATE_VM");
	xioctl(vm, KVM_CREATE_IRQCHIP, 0, "keyholder: KVM_CREATE_IRQCHIP");
	xioctl(vm, KVM_CREATE_VCPU, 0, "keyholder: KVM_CREATE_VCPU");
	vcpu = xioctl(vm, KVM_CREATE_VCPU, 1, "keyholder: KVM_CREATE_VCPU");
	/* The second one's APIC disabled (base 0): apic_hw_disabled. */
	if (xioctl(vcpu, KVM_SET_MSRS, (unsigned long)&apic_base,
		   "keyholder: KVM_SET_MSRS") != 1) {
		fprintf(stderr, "keyholder: the APIC base MSR was not set\n");
		return 1;
	}
	/* No in-kernel APIC at all: kvm_has_noapic_vcpu. */
	vm = xioctl(kvm, KVM_CREATE_VM, 0, "keyholder: KVM_CREATE_VM");
	xioctl(vm, KVM_CREATE_VCPU, 0, "keyholder: KVM_CREATE_VCPU");

	/* Ready: the caller may go on; the keys stay held while we sleep. */
	if (daemon(0, 0)) {
		perror("keyholder: daemon");
		return 1;
	}
	for (;;)
		pause();
}
