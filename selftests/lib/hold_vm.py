#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Keep one idle KVM VM open until killed.

KVM enables the scheduler's preempt-notifier static key when the number of
VMs goes from 0 to 1 and disables it again at 0, patching __schedule() each
time.  Tests that create and destroy VMs back to back flip it constantly,
and under multi-threaded TCG such cross-CPU code patching has been seen to
crash the test host (an int3 Oops in __schedule) or wedge it.  One VM held
open for the whole run keeps the key on.
"""
import fcntl
import os
import signal

KVM_CREATE_VM = 0xAE01  # _IO(KVMIO, 0x01)

kvm = os.open("/dev/kvm", os.O_RDWR)
vm = fcntl.ioctl(kvm, KVM_CREATE_VM, 0)
signal.pause()
