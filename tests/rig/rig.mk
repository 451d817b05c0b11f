# The real-Xen rig: Debian 12's Xen 4.17 under QEMU (tests/rig/, docs/rig.md).
#
#   make run              the full way: Linux dom0 + toolstack, `xl create` of
#                         examples/pvmmu.cfg (or XL_CONFIG=FILE), console streamed;
#                         SAVE_MODES="checkpoint restore" for a guest with saves=2
#   make rig-quick        the quick way: Xen boots pvmmu.elf as its initial domain
#                         (EXTRA="suites=boot spaces=512" sets pvmmu's command line)
#   make test-xen-quick   the quick way as a make test suite
#   make test-xen-full    the full way as a make test suite
#   make test-xen-saves   the save/restore scenarios (tests/rig/save-scenarios), one boot each
#   make soak             the long scenarios (tests/rig/soak-scenarios)
#   make test-xen420      the quick way and one save / restore on Debian 13's Xen 4.20
#                         (tests/rig/xen420.mk); RIG_XEN=4.20 runs any target above on it
#
# Downloads live in $(CACHE) (outside the tree); the dom0 initramfs in $(BUILD)/rig.

RIG_DIR := tests/rig
RIG_BUILD := $(BUILD)/rig
RIG_BASE_INITRD := $(RIG_BUILD)/dom0-base.cpio
XL_CONFIG ?= examples/pvmmu.cfg
EXTRA ?=
SAVE_MODES ?= restore
DEB_PACKAGES += xz-utils

# Which Xen: its cache and how to fill it.  Recursive, so that RIG_XEN=4.20 (tests/rig/xen420.mk,
# read after this file) can point every target here at Debian 13's Xen 4.20 instead.
RIG_CACHE = $(CACHE)
RIG_FETCH = $(RIG_DIR)/fetch.sh $(CACHE)
RIG_ENV = CACHE=$(RIG_CACHE) KERNEL=$(KERNEL_ELF)

.PHONY: rig-prepare rig-quick test-xen-quick test-xen-full

# fetch.sh downloads only what the cache lacks and touches root.stamp only when the
# set of packages changed, so the initramfs is rebuilt only then (or when its inputs change).
rig-prepare: deps
	@$(RIG_FETCH)
	@$(MAKE) --no-print-directory $(RIG_BASE_INITRD)

$(RIG_BASE_INITRD): $(CACHE)/root.stamp $(RIG_DIR)/build-initrd.sh $(RIG_DIR)/dom0-modules.sh $(RIG_DIR)/dom0-init $(RIG_DIR)/xl.conf
	@mkdir -p $(dir $@)
	@echo "rig: packing dom0's initramfs"
	@$(RIG_DIR)/build-initrd.sh $(CACHE) $@

# CYCLES=N: as many save/restore cycles (the config's saves= is replaced, or added).
CYCLES ?=
rig_cfg_with = sed -E -e 's/ saves=[0-9]+//; s/ pin_all=[0-9]+//' \
	-e 's/^(extra[[:space:]]*=[[:space:]]*"[^"]*)"/\1 $(2)"/' $(1)

run: deps kernel rig-prepare
	@mkdir -p $(RIG_BUILD)
	@$(if $(CYCLES),$(call rig_cfg_with,$(XL_CONFIG),saves=$(CYCLES)),cat $(XL_CONFIG)) > $(RIG_BUILD)/run.cfg
	@$(RIG_ENV) SAVE_MODES="$(SAVE_MODES)" WORK=$(RIG_BUILD)/run LOG=$(RIG_BUILD)/run.log XL_CONFIG=$(RIG_BUILD)/run.cfg \
	  BASE_INITRD=$(RIG_BASE_INITRD) $(RIG_DIR)/run.sh full

# The save/restore scenarios, one boot each: tests/rig/save-scenarios.
SAVE_CYCLES ?= 10

.PHONY: test-xen-saves soak
test-xen-saves:
	@echo "== test-xen-saves: xl save / restore / save -c, pin_all's negative control, xl shutdown / reboot, two guests"
	@if $(MAKE) --no-print-directory kernel rig-prepare; then \
	  $(RIG_ENV) BASE_INITRD=$(RIG_BASE_INITRD) SAVE_CYCLES=$(SAVE_CYCLES) \
	    $(RIG_DIR)/scenarios.sh $(RIG_DIR)/save-scenarios $(BUILD)/results/test-xen-saves.counts $(RIG_BUILD)/saves || true; \
	else mkdir -p $(BUILD)/results; echo "0 1" > $(BUILD)/results/test-xen-saves.counts; \
	  echo "test-xen-saves: could not build the kernel or the rig"; fi

# make soak: the long ones (tests/rig/soak-scenarios): 100 saves in one run, the largest
# guest and the most address spaces, two guests saved side by side.  Not in make test:
# about 25 minutes under QEMU's software emulation.  SCENARIOS=a,b runs only those.
soak: deps kernel rig-prepare
	@$(RIG_ENV) BASE_INITRD=$(RIG_BASE_INITRD) \
	  $(RIG_DIR)/scenarios.sh $(RIG_DIR)/soak-scenarios $(RIG_BUILD)/soak/soak.counts $(RIG_BUILD)/soak; \
	  rc=$$?; read p f < $(RIG_BUILD)/soak/soak.counts; echo "soak: $$p passed, $$f failed"; exit $$rc

rig-quick: deps kernel rig-prepare
	@$(RIG_ENV) WORK=$(RIG_BUILD)/quick LOG=$(RIG_BUILD)/quick.log EXTRA="$(EXTRA)" $(RIG_DIR)/run.sh quick

# Suites for make test: they always leave a counts file, and never stop make test.
# If the kernel or the rig cannot even be built, that is one failure.
test-xen-quick:
	@mkdir -p $(BUILD)/results
	@echo "== test-xen-quick: pvmmu as Xen's initial domain"
	@if $(MAKE) --no-print-directory kernel rig-prepare; then \
	  $(RIG_ENV) WORK=$(RIG_BUILD)/test-quick LOG=$(RIG_BUILD)/test-quick.log EXTRA="$(EXTRA)" \
	    COUNTS=$(BUILD)/results/test-xen-quick.counts $(RIG_DIR)/run.sh quick || true; \
	else echo "0 1" > $(BUILD)/results/test-xen-quick.counts; echo "test-xen-quick: could not build the kernel or the rig"; fi

test-xen-full:
	@mkdir -p $(BUILD)/results
	@echo "== test-xen-full: dom0 + toolstack, xl create $(XL_CONFIG)"
	@if $(MAKE) --no-print-directory kernel rig-prepare; then \
	  $(RIG_ENV) WORK=$(RIG_BUILD)/test-full LOG=$(RIG_BUILD)/test-full.log XL_CONFIG=$(XL_CONFIG) \
	    BASE_INITRD=$(RIG_BASE_INITRD) COUNTS=$(BUILD)/results/test-xen-full.counts $(RIG_DIR)/run.sh full || true; \
	else echo "0 1" > $(BUILD)/results/test-xen-full.counts; echo "test-xen-full: could not build the kernel or the rig"; fi

TEST_SUITES += test-xen-quick test-xen-full test-xen-saves
