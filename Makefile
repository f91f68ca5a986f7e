# SPDX-License-Identifier: GPL-2.0
#
# pvhv top-level Makefile.
#
#   make                 build pvhv.ko and pvhv-guest.ko for KDIR
#   make modules-all     build them for every supported kernel installed
#   make check           build, lint, selftests in 6.1 and 6.12 test hosts
#   make demo            boot a test host and run two guests on pvhv memory
#   make bench           benchmarks (ratios against KVM's own mechanisms)
#   make lint            checkpatch --strict and sparse
#   make fuzz            the long fuzz pass in a test host (FUZZ="-n 10000000")
#   make debug-kernel    the debug test host kernel (KASAN, lockdep, ...) and
#                        pvhv.ko for it (SERIES=6.1 or 6.12)
#
# Each kernel gets its own object tree, build/<kernel release>/, made of
# symlinks to the sources, so that 6.1 and 6.12 objects never mix.

KDIR ?= /lib/modules/$(shell uname -r)/build
SRCDIRS := Kbuild include pvhv ring balloon ksm-hint guest-driver
# Debian kernels pvhv supports: bookworm's 6.1 and 6.12 from backports.
SUPPORTED_KDIRS = $(wildcard /lib/modules/6.1.*-amd64/build /lib/modules/6.12.*-amd64/build)

.PHONY: all modules modules-all lint check demo bench fuzz setup clean selftests \
	debug-kernel

all: modules

# Build for one kernel: make KDIR=... [W=1] [C=1]
modules:
	@test -d $(KDIR) || { echo "KDIR $(KDIR) missing: run tools/setup or set KDIR" >&2; exit 1; }
	@kver=$$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h); \
	 out=$(CURDIR)/build/$$kver; mkdir -p $$out; \
	 find $$out -type l -delete; \
	 for d in $(SRCDIRS); do test ! -e $$d || cp -rs $(CURDIR)/$$d $$out/; done; \
	 $(MAKE) -C $(KDIR) M=$$out modules && \
	 echo "built: $$out/pvhv.ko $$out/pvhv-guest.ko"

modules-all:
	@test -n "$(SUPPORTED_KDIRS)" || { echo "no supported kernel headers: run tools/setup" >&2; exit 1; }
	@set -e; for k in $(SUPPORTED_KDIRS); do $(MAKE) --no-print-directory KDIR=$$k W=1 modules; done

selftests:
	$(MAKE) -C selftests

setup:
	./tools/setup

lint:
	./tools/lint

check:
	./tools/check

demo:
	./tools/demo

bench:
	./tools/bench

fuzz:
	./tools/fuzz $(FUZZ)

SERIES ?= 6.1
debug-kernel:
	@kdir=$$(./tools/debug-kernel $(SERIES)) && \
	 $(MAKE) --no-print-directory KDIR=$$kdir W=1 modules

clean:
	rm -rf build
	$(MAKE) -C selftests clean
