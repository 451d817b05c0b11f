# The debug rig: Xen 4.17.5 built from Debian's source with shadow paging, debug and perf
# counters (tests/rig/xen417-debug/, docs/rig-xen-builds.md), under QEMU like the default rig
# (tests/rig/rig.mk), with its 4.17.5 toolstack and the default rig's dom0 kernel.
#
#   make test-xen-debug         a make test suite on it: the quick way, the full way (xl create
#                               examples/pvmmu.cfg), save-restore-cycles; after each boot, Xen's
#                               own log is judged (tests/rig/xen417-debug/xen-log.sh)
#   RIG_XEN=4.17-debug make run the same targets as rig.mk's (run, rig-quick, test-xen-*, soak) on it
#   make rig417d-prepare        fetch (and build, once) + dom0's initramfs
#
# The cache, $(XEN417D_CACHE), has the default rig's layout (xen, vmlinuz, root/, root.stamp);
# the hypervisor is built there once and rebuilt only when the source version or the Kconfig
# changes (xen.stamp).  dom0's initramfs lives in $(XEN417D_BUILD).

XEN417D_DIR := $(RIG_DIR)/xen417-debug
XEN417D_CACHE := $(CACHE)/xen417-debug
XEN417D_BUILD := $(BUILD)/rig417d
XEN417D_BASE_INITRD := $(XEN417D_BUILD)/dom0-base.cpio
# Building Xen's hypervisor from source.
DEB_PACKAGES += flex bison dpkg-dev python3

.PHONY: rig417d-prepare test-xen-debug

rig417d-prepare: deps
	@$(XEN417D_DIR)/fetch.sh $(XEN417D_CACHE)
	@$(MAKE) --no-print-directory $(XEN417D_BASE_INITRD)

$(XEN417D_BASE_INITRD): $(XEN417D_CACHE)/root.stamp $(XEN417D_DIR)/build-initrd.sh $(XEN417D_DIR)/rig-hook \
		$(RIG_DIR)/build-initrd.sh $(RIG_DIR)/dom0-modules.sh $(RIG_DIR)/dom0-init $(RIG_DIR)/xl.conf
	@mkdir -p $(dir $@)
	@echo "rig: packing dom0's initramfs (Xen 4.17.5 debug, its own toolstack)"
	@$(XEN417D_DIR)/build-initrd.sh $(XEN417D_CACHE) $@

# Like rig.mk's suites: it always leaves a counts file and never stops make test.  Its failure
# lines start "rig: FAIL ", so make test's summary (tests/sum-results.sh) shows them too.
XEN417D_SAVE_CYCLES ?= 3
test-xen-debug:
	@mkdir -p $(BUILD)/results
	@echo "== test-xen-debug: Xen 4.17.5 debug + shadow + perf counters: the quick way, xl create, save-restore-cycles; Xen's log judged"
	@t0=$$(date +%s); if $(MAKE) --no-print-directory kernel rig417d-prepare; then \
	  echo "test-xen-debug: fetch + build took $$(( $$(date +%s) - t0 )) s"; \
	  CACHE=$(XEN417D_CACHE) KERNEL=$(KERNEL_ELF) BASE_INITRD=$(XEN417D_BASE_INITRD) WORK=$(XEN417D_BUILD)/test \
	    SAVE_CYCLES=$(XEN417D_SAVE_CYCLES) COUNTS=$(BUILD)/results/test-xen-debug.counts $(XEN417D_DIR)/test.sh || true; \
	else echo "0 1" > $(BUILD)/results/test-xen-debug.counts; \
	  echo "rig: FAIL test-xen-debug: could not build the kernel, or fetch, build or pack the debug Xen rig (see above)"; fi

TEST_SUITES += test-xen-debug

# RIG_XEN=4.17-debug points rig.mk's targets at it (xen420.mk, read after this file, knows the name).
ifeq ($(RIG_XEN),4.17-debug)
RIG_CACHE = $(XEN417D_CACHE)
RIG_FETCH = $(XEN417D_DIR)/fetch.sh $(XEN417D_CACHE)
RIG_BASE_INITRD := $(XEN417D_BASE_INITRD)
endif

