# SPDX-License-Identifier: GPL-2.0
#
# kasync convenience Makefile; the module build itself is in Kbuild.
#
#   make            build kasync.ko, the KUnit modules and samples (W=1)
#   make check      everything: test kernel, build, checkpatch, KUnit and
#                   kselftests in a VM, a one-minute soak; ends with
#                   "N passed, N failed"
#   make check-kcsan the same suite on the KCSAN test kernel
#   make check-6.1  the same suite on a 6.1 test kernel
#   make demo       boot the VM, load kasync and the samples, show them
#   make soak       10 minutes of random load with CPU hotplug in the VM
#                   (SOAK_ARGS="--duration 60" for a short one)
#   make bench      benchmarks on the bench kernel (build/bench/results.tsv)
#   make compat     build against Debian's 6.1 and 6.12 headers
#   make kernel     build (or find cached) the debug test kernel
#   make style      checkpatch --strict over the C sources
#   make sparse     the module build with sparse (C=2)
#
# KDIR defaults to the project's test kernel when it is built, else to the
# running kernel's headers.

KDIR ?= $(shell scripts/build-kernel --print-dir 2>/dev/null || \
		echo /lib/modules/$(shell uname -r)/build)
W ?= 1

all: modules selftests

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

selftests:
	$(MAKE) -C selftests KSRC=$(KDIR)/source

kernel:
	scripts/build-kernel --flavour debug

# The whole suite on the 6.1 and 6.12 test kernels; check-6.12 is the
# quicker run on 6.12 alone.
check:
	scripts/check --all-kernels

check-6.12:
	scripts/check

check-kcsan:
	scripts/check --flavour kcsan

check-6.1:
	scripts/check --series 6.1

demo:
	scripts/demo

soak:
	scripts/soak $(SOAK_ARGS)

bench:
	scripts/bench

# Documentation/ as HTML in build/htmldocs, kernel-doc included.
htmldocs:
	scripts/htmldocs

compat:
	scripts/compat

style:
	scripts/style

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) C=2 modules

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	rm -rf build

.PHONY: all modules selftests kernel check check-6.12 check-kcsan check-6.1 demo soak bench htmldocs compat style sparse clean
