# The embed example (examples/embed/, docs/embedding.md "The example"): a PV kernel of its
# own that uses pvmmu only through `make install`'s output, booted on the Xen 4.17 rig.
#
#   make embed-example   install into $(EMBED_PREFIX), copy examples/embed out of the tree
#                        and build it there with its own Makefile, through pkg-config alone
#   make test-embed      that, then dom0 + toolstack, xl create, one xl save + xl restore,
#                        judged by run.sh; EMBED_EXTRA="pin_all=0" is the negative control
#
# Out of the tree on purpose: from $(EMBED_SRC) no relative path reaches pvmmu's sources, so
# the example can only build against what the install holds.

EMBED_PREFIX := $(abspath $(BUILD))/embed-prefix
EMBED_SRC := $(abspath $(BUILD))/embed/src
EMBED_OUT := $(abspath $(BUILD))/embed/out
EMBED_ELF := $(EMBED_OUT)/embed.elf
EMBED_EXTRA ?=
# What the guest's console must show besides "0 failed": the save came back, and each check of
# what must survive it ran and passed (tests/rig/requires.sh).
EMBED_REQUIRES := saves=1 passed=20 check=embed-boot check=embed-layout check=embed-switch check=embed-protect check=embed-unmap \
  check=embed-save check=embed-mappings-after-restore check=embed-contents-after-restore \
  check=embed-side-mappings-after-restore check=embed-side-contents-after-restore

.PHONY: embed-example test-embed
embed-example: | have-deps
	@rm -rf $(EMBED_PREFIX) $(EMBED_SRC)
	@$(MAKE) --no-print-directory install PREFIX=$(EMBED_PREFIX) > $(abspath $(BUILD))/embed-install.log 2>&1 || \
	  { cat $(abspath $(BUILD))/embed-install.log; exit 1; }
	@mkdir -p $(EMBED_SRC) $(EMBED_OUT) && cp examples/embed/* $(EMBED_SRC)/
	PKG_CONFIG_PATH=$(EMBED_PREFIX)/lib/pkgconfig PKG_CONFIG_LIBDIR=$(EMBED_PREFIX)/lib/pkgconfig \
	  $(MAKE) --no-print-directory -C $(EMBED_SRC) O=$(EMBED_OUT)

# Like rig.mk's suites: it always leaves a counts file and never stops make test.
test-embed:
	@mkdir -p $(BUILD)/results $(RIG_BUILD)
	@echo "== test-embed: examples/embed, built against make install, one xl save / restore"
	@if $(MAKE) --no-print-directory embed-example rig-prepare; then \
	  $(call rig_cfg_with,examples/embed/embed.cfg,$(EMBED_EXTRA)) > $(RIG_BUILD)/embed.cfg; \
	  CACHE=$(RIG_CACHE) KERNEL=$(EMBED_ELF) WORK=$(RIG_BUILD)/embed LOG=$(RIG_BUILD)/embed.log \
	    XL_CONFIG=$(RIG_BUILD)/embed.cfg BASE_INITRD=$(RIG_BASE_INITRD) SAVE_MODES=restore \
	    SCENARIO=embed REQUIRES="$(EMBED_REQUIRES)" COUNTS=$(BUILD)/results/test-embed.counts \
	    $(RIG_DIR)/run.sh full || true; \
	else echo "0 1" > $(BUILD)/results/test-embed.counts; \
	  echo "rig: FAIL test-embed: could not install pvmmu, build the example or prepare the rig (see above)"; fi

TEST_SUITES += test-embed
