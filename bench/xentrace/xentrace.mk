# bench-xen: every entry pvmmu and Linux make into Xen, counted by Xen itself
# (xentrace), per phase of the W1/W2 workloads, on Debian's real Xen 4.17 under QEMU.
# One boot: dom0 traces pvmmu (eager and demand W1/W2), then a Linux PV guest
# running ../shared/xen-trace's wl.c (bench/xentrace/wl.c), then W3 (SMP TLB
# shootdowns) on 4 vCPUs: pvmmu's w3 suite and Linux's wl-smp.c; the host counts
# (entries.py), prints "bench:" lines and draws $(BUILD)/bench/entries.png.
# docs/bench.md says how and what the figures were.  About 2-3 minutes.
BENCH_TARGETS += bench-xen

XT_DIR := bench/xentrace
XT_BUILD := $(BUILD)/bench/xentrace
XT_DOM0_CPIO := $(XT_BUILD)/dom0.cpio

# Needs the rig's dom0 archive (tests/rig's toolstack, packed by rig-prepare).
$(XT_DOM0_CPIO): $(RIG_BASE_INITRD) $(KERNEL_ELF) $(XT_DIR)/build.sh $(XT_DIR)/dom0-init $(XT_DIR)/guest-init \
                 $(XT_DIR)/wl.c $(XT_DIR)/wl-smp.c $(XT_DIR)/pvmmu.cfg $(XT_DIR)/pvmmu-fa1.cfg \
                 $(XT_DIR)/pvmmu-smp.cfg $(XT_DIR)/linux.cfg $(XT_DIR)/linux-smp.cfg
	@echo "bench-xen: packing the trace rig's initramfs"
	@$(XT_DIR)/build.sh $(CACHE) $(RIG_BASE_INITRD) $(KERNEL_ELF) $(XT_BUILD)

.PHONY: bench-xen
bench-xen: kernel rig-prepare
	@$(MAKE) --no-print-directory $(XT_DOM0_CPIO)
	@$(XT_DIR)/run.sh $(CACHE) $(XT_DOM0_CPIO) $(XT_BUILD)/run
	@python3 $(XT_DIR)/report.py $(XT_BUILD)/run $(BUILD)/bench
	@gnuplot -e "data='$(BUILD)/bench/entries.dat'; out='$(BUILD)/bench/entries.png'" $(XT_DIR)/entries.gp \
	  && echo "bench-xen: chart $(BUILD)/bench/entries.png"

# The figures in docs/bench.md and README.md are the last run's, spliced in by a
# program (bench/xentrace/splice.py) between their GENERATED markers, never copied by
# hand; the chart is copied beside them.  Run after `make bench-xen`; needs no rig.
.PHONY: bench-xen-docs
bench-xen-docs:
	@test -s $(BUILD)/bench/entries.md || { echo "bench-xen-docs: no $(BUILD)/bench/entries.md: run make bench-xen first"; exit 1; }
	@python3 $(XT_DIR)/splice.py docs/bench.md figures $(BUILD)/bench/entries.md
	@python3 $(XT_DIR)/splice.py README.md headline $(BUILD)/bench/headline.md
	@cp $(BUILD)/bench/entries.png docs/bench-entries.png && echo "bench-xen-docs: docs/bench-entries.png copied"
