# SPDX-License-Identifier: GPL-2.0
#
# kasync convenience Makefile; the module build itself is in Kbuild.
#
#   make            build kasync.ko, the KUnit modules and samples (W=1),
#                   and the kselftests when KDIR has the kernel's source
#                   (a distribution's headers do not: they are skipped)
#   make install    modules_install and headers_install
#   make modules_install  kasync.ko alone into
#                   $(INSTALL_MOD_PATH)/lib/modules/KVER/$(INSTALL_MOD_DIR)
#                   (updates), then depmod
#   make headers_install  the public headers and kasync's Module.symvers
#                   into $(DESTDIR)/usr/src/kasync-VERSION, for modules
#                   that build against kasync (Documentation/install.rst)
#   make check      everything, on the 6.1 and the 6.12 test kernels:
#                   test kernels, build, checkpatch, the docs, KUnit and
#                   kselftests in a VM, a one-minute soak (6.12); ends
#                   with "N passed, N failed" for each kernel
#   make check-6.12 the same on the 6.12 test kernel only
#   make check-6.1  the same on the 6.1 test kernel only (with the soak)
#   make check-kcsan the same suite on the KCSAN test kernel
#   make htmldocs   Documentation/ as HTML in build/htmldocs
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
# The kernel source that the kselftests take kselftest_harness.h from: a
# build tree's "source" link, else KDIR itself.
KSRC ?= $(if $(wildcard $(KDIR)/source/.),$(KDIR)/source,$(KDIR))
KSELFTEST_HARNESS := $(KSRC)/tools/testing/selftests/kselftest_harness.h
# The release the modules are built for, as uname -r names it.
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# The one place the version is kept (DKMS reads it there too).
KASYNC_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
INSTALL_MOD_DIR ?= updates
KASYNC_SRC_DIR ?= /usr/src/kasync-$(KASYNC_VERSION)

# The kselftests after the modules: their build installs kasync.ko.
all: modules
	@$(MAKE) --no-print-directory $(if $(wildcard $(KSELFTEST_HARNESS)),selftests,selftests-skipped)

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

# The kselftests, and the module tree that kasync_install_test loads from.
selftests:
	$(MAKE) -C selftests KSRC=$(KSRC)
	@if [ -f kasync/kasync.ko ]; then \
		$(MAKE) --no-print-directory install-test-root; \
	else \
		echo "install-test-root skipped: kasync/kasync.ko is not built"; \
	fi

selftests-skipped:
	@echo "selftests skipped: $(KSELFTEST_HARNESS) not found (needs a full kernel source tree: KSRC=<linux source>)"

# kasync.ko alone (not the samples, tests or benchmarks): the kernel's
# modules_install, given a modules.order that names kasync only, copies,
# strips (INSTALL_MOD_STRIP), signs (CONFIG_MODULE_SIG_ALL with the kernel
# tree's key) and compresses it, and runs depmod when KDIR has a System.map;
# a distribution's headers have none, so depmod is run here then.
modules_install:
	@test -f kasync/kasync.ko || { echo "modules_install: kasync/kasync.ko is not built: run make first" >&2; exit 1; }
	@test -n "$(KVER)" || { echo "modules_install: no kernel release in $(KDIR)" >&2; exit 1; }
	@mkdir -p build/install
	grep -E '(^|/)kasync/kasync\.k?o$$' modules.order > build/install/modules.order
	$(MAKE) -C $(KDIR) M=$(CURDIR) MODORDER=$(CURDIR)/build/install/modules.order \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	@if [ ! -f $(KDIR)/System.map ]; then \
		echo "  DEPMOD  $(KVER)"; \
		PATH="$$PATH:/sbin:/usr/sbin" depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER); \
	fi

# What a module that uses kasync builds against: the public headers in
# include/, and the CRCs of kasync's exports for this kernel in KVER/.
# (<trace/events/kasync.h> is kasync's own: its tracepoints are not
# exported to modules.)
headers_install:
	@test -f Module.symvers || { echo "headers_install: Module.symvers is not built: run make first" >&2; exit 1; }
	@test -n "$(KVER)" || { echo "headers_install: no kernel release in $(KDIR)" >&2; exit 1; }
	install -d $(DESTDIR)$(KASYNC_SRC_DIR)/include/kasync $(DESTDIR)$(KASYNC_SRC_DIR)/$(KVER)
	install -m 644 include/kasync.h $(DESTDIR)$(KASYNC_SRC_DIR)/include/
	install -m 644 include/kasync/*.h $(DESTDIR)$(KASYNC_SRC_DIR)/include/kasync/
	awk -F '\t' '$$3 ~ /(^|\/)kasync\/kasync$$/' Module.symvers > $(DESTDIR)$(KASYNC_SRC_DIR)/$(KVER)/Module.symvers
	@echo "  INSTALL $(DESTDIR)$(KASYNC_SRC_DIR)/{include,$(KVER)/Module.symvers}"

install: modules_install headers_install

# What selftests/kasync_install_test.c runs "modprobe -d" on in the test
# VM, in build/, never the host's /lib/modules: a module that uses kasync
# (samples/kasync_demo.ko) installed into extra/ as its own modules_install
# would, then kasync.ko by modules_install, whose depmod must list both.
INSTALL_TEST_ROOT := $(CURDIR)/build/selftests/install-root
install-test-root:
	rm -rf $(INSTALL_TEST_ROOT)
	@mkdir -p build/install
	grep -E '(^|/)samples/kasync_demo\.k?o$$' modules.order > build/install/dependent.order
	$(MAKE) -C $(KDIR) M=$(CURDIR) MODORDER=$(CURDIR)/build/install/dependent.order \
		INSTALL_MOD_PATH=$(INSTALL_TEST_ROOT) INSTALL_MOD_DIR=extra DEPMOD=true modules_install
	rm -f $(INSTALL_TEST_ROOT)/lib/modules/$(KVER)/modules.dep*
	$(MAKE) --no-print-directory INSTALL_MOD_PATH=$(INSTALL_TEST_ROOT) \
		INSTALL_MOD_DIR=updates modules_install

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

.PHONY: all modules selftests selftests-skipped modules_install headers_install install install-test-root kernel check check-6.12 check-kcsan check-6.1 demo soak bench htmldocs compat style sparse clean
