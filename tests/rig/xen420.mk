# The second rig: Debian 13's Xen 4.20 (hypervisor, toolstack, libraries, Linux 6.12 dom0), under
# QEMU like the Xen 4.17 one (tests/rig/rig.mk), with the same run.sh and dom0-init.
# (tests/rig/xen420/, docs/rig.md "Xen 4.20")
#
#   make test-xen420      a make test suite: pvmmu as Xen 4.20's initial domain, then dom0 +
#                         toolstack, xl create examples/pvmmu.cfg, one xl save + xl restore
#   RIG_XEN=4.20 make run the same targets as rig.mk's (run, rig-quick, test-xen-*, soak) on Xen 4.20
#
# Downloads live in $(XEN420_CACHE), beside the 4.17 rig's; the dom0 initramfs in $(XEN420_BUILD).

XEN420_DIR := $(RIG_DIR)/xen420
XEN420_CACHE := $(CACHE)/xen420
XEN420_BUILD := $(BUILD)/rig420
XEN420_BASE_INITRD := $(XEN420_BUILD)/dom0-base.cpio

.PHONY: rig420-prepare test-xen420

# As rig-prepare: fetch.sh downloads only what the cache lacks and touches root.stamp only
# when the set of packages changed.
rig420-prepare: deps
	@$(XEN420_DIR)/fetch.sh $(XEN420_CACHE)
	@$(MAKE) --no-print-directory $(XEN420_BASE_INITRD)

$(XEN420_BASE_INITRD): $(XEN420_CACHE)/root.stamp $(XEN420_DIR)/build-initrd.sh $(RIG_DIR)/dom0-modules.sh $(RIG_DIR)/dom0-init $(RIG_DIR)/xl.conf
	@mkdir -p $(dir $@)
	@echo "rig: packing dom0's initramfs (Xen 4.20, Debian 13)"
	@$(XEN420_DIR)/build-initrd.sh $(XEN420_CACHE) $@

# Like rig.mk's suites: it always leaves a counts file and never stops make test.  Its failure
# line starts "rig: FAIL ", so make test's summary (tests/sum-results.sh) shows it too.
test-xen420:
	@mkdir -p $(BUILD)/results
	@echo "== test-xen420: Debian 13's Xen 4.20: the quick way, then xl create + one xl save / restore"
	@if $(MAKE) --no-print-directory kernel rig420-prepare; then \
	  CACHE=$(XEN420_CACHE) KERNEL=$(KERNEL_ELF) BASE_INITRD=$(XEN420_BASE_INITRD) WORK=$(XEN420_BUILD)/test \
	    COUNTS=$(BUILD)/results/test-xen420.counts $(XEN420_DIR)/test.sh || true; \
	else echo "0 1" > $(BUILD)/results/test-xen420.counts; \
	  echo "rig: FAIL test-xen420: could not build the kernel, or fetch or pack the Xen 4.20 rig (see above)"; fi

TEST_SUITES += test-xen420

# RIG_XEN picks the Xen of rig.mk's targets: 4.17 (the default, Debian 12's), 4.17-debug or 4.20.
ifeq ($(RIG_XEN),4.20)
RIG_CACHE = $(XEN420_CACHE)
RIG_FETCH = $(XEN420_DIR)/fetch.sh $(XEN420_CACHE)
RIG_BASE_INITRD := $(XEN420_BASE_INITRD)
else ifneq ($(filter-out 4.17 4.17-debug,$(RIG_XEN)),)
$(error RIG_XEN=$(RIG_XEN): the rig has Xen 4.17 (the default, Debian 12's), 4.17-debug (4.17.5 built with shadow paging, debug and perf counters: tests/rig/xen417-debug.mk) and 4.20 (Debian 13's))
endif
