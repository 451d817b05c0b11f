# Live migration under load (docs/migration.md): `xl migrate` of pvmmu to the same host while
# the guest's busy workload keeps changing address spaces, on a Xen built with shadow paging
# (PV log-dirty needs it; Debian's binary has it off).
#
#   make run MIGRATIONS=N    N live migrations of XL_CONFIG's guest (examples/pvmmu.cfg), busy=1
#   make test-xen-migrate    the scenarios of tests/rig/migrate-scenarios, one boot each
#                            (migrate-under-load: 5 moves); SCENARIOS=a,b runs only those
#
# MIGRATE_CACHE holds that Xen in the rig cache's layout (xen, vmlinuz); MIGRATE_PREPARE fills
# (or checks) it; MIGRATE_BASE_INITRD is dom0's initramfs (the default rig's: Debian 12's 4.17
# toolstack also migrates with a 4.17.5 hypervisor, but the debug rig's is the default).  Read before rig.mk: everything
# from it is used in recipes or recursive variables only.

MIGRATE_CACHE ?= $(CACHE)/xen417-debug
# The debug rig's (tests/rig/xen417-debug.mk, read after this file: its names are spelled out
# here because prerequisites are expanded as they are read): shadow paging, and a dom0 with the
# matching 4.17.5 toolstack.
MIGRATE_PREPARE ?= rig417d-prepare migrate-cache-check
MIGRATE_BASE_INITRD ?= $(BUILD)/rig417d/dom0-base.cpio
MIGTAP := $(BUILD)/rig/migtap
MIGRATIONS ?=

.PHONY: migrate-cache-check test-xen-migrate

# Without shadow paging `xl migrate` fails at "Failed to enable logdirty": say so before booting.
# Xen's banner lists SHADOW_PAGING among its compiled-in features, so the string is in the image.
migrate-cache-check:
	@test -f $(MIGRATE_CACHE)/xen -a -f $(MIGRATE_CACHE)/vmlinuz || \
	  { echo "rig: FAIL migrate: no xen and vmlinuz in MIGRATE_CACHE=$(MIGRATE_CACHE) (a Xen built with CONFIG_SHADOW_PAGING=y, docs/migration.md)"; exit 1; }
	@grep -q SHADOW_PAGING $(MIGRATE_CACHE)/xen || \
	  { echo "rig: FAIL migrate: $(MIGRATE_CACHE)/xen was built without CONFIG_SHADOW_PAGING: PV live migration needs log-dirty"; exit 1; }

# The stream tap dom0 runs between xl migrate and xl migrate-receive (tests/rig/migtap): static,
# so that it runs in any dom0 the rig packs.
$(MIGTAP): tests/rig/migtap/main.c tests/rig/migtap/stream.c tests/rig/migtap/stream.h | have-deps
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -I. -static -o $@ tests/rig/migtap/main.c tests/rig/migtap/stream.c

# make run MIGRATIONS=N: rig.mk's run, with its CYCLES (the config's saves=) set to N plus busy=1,
# every save a migration, and the Xen from MIGRATE_CACHE.
ifneq ($(MIGRATIONS),)
run: CYCLES = $(MIGRATIONS) busy=1
run: SAVE_MODES = migrate
run: RIG_CACHE = $(MIGRATE_CACHE)
run: RIG_BASE_INITRD = $(MIGRATE_BASE_INITRD)
run: RIG_ENV += MIGTAP=$(MIGTAP)
run: $(MIGTAP) $(MIGRATE_PREPARE)
endif

# Like rig.mk's suites: always a counts file, never a stopped make test.
test-xen-migrate:
	@mkdir -p $(BUILD)/results
	@echo "== test-xen-migrate: xl migrate to the same host under MMU load, on a Xen with shadow paging"
	@if $(MAKE) --no-print-directory kernel rig-prepare $(MIGTAP) $(MIGRATE_PREPARE); then \
	  CACHE=$(MIGRATE_CACHE) KERNEL=$(KERNEL_ELF) BASE_INITRD=$(MIGRATE_BASE_INITRD) MIGTAP=$(MIGTAP) \
	    $(RIG_DIR)/scenarios.sh $(RIG_DIR)/migrate-scenarios $(BUILD)/results/test-xen-migrate.counts $(RIG_BUILD)/migrate || true; \
	else echo "0 1" > $(BUILD)/results/test-xen-migrate.counts; \
	  echo "rig: FAIL test-xen-migrate: could not build the kernel, the rig or migtap, or no Xen with shadow paging in $(MIGRATE_CACHE)"; fi

TEST_SUITES += test-xen-migrate
