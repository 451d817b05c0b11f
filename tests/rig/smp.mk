# make test-xen-smp: pvmmu on four vCPUs on real Xen (docs/smp-xen.md): the scenarios of
# tests/rig/smp-scenarios, one boot each, from examples/pvmmu-smp.cfg (scenarios.sh's BASE_CFG).
# SCENARIOS=a,b runs only those.  Part of make test.
.PHONY: test-xen-smp
test-xen-smp:
	@echo "== test-xen-smp: 4 vCPUs: bring-up, call-function, private spaces at once, shootdowns, save / restore"
	@if $(MAKE) --no-print-directory kernel rig-prepare; then \
	  $(RIG_ENV) BASE_INITRD=$(RIG_BASE_INITRD) BASE_CFG=examples/pvmmu-smp.cfg \
	    $(RIG_DIR)/scenarios.sh $(RIG_DIR)/smp-scenarios $(BUILD)/results/test-xen-smp.counts $(RIG_BUILD)/smp || true; \
	else mkdir -p $(BUILD)/results; echo "0 1" > $(BUILD)/results/test-xen-smp.counts; \
	  echo "test-xen-smp: could not build the kernel or the rig"; fi

TEST_SUITES += test-xen-smp
