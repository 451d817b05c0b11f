# The bare-metal kernel: arch/x86/metal/ plus what it shares with the PV kernel
# (arch/x86/common/), the portable core and the MMU workloads, freestanding, in one
# ELF that QEMU boots through its PVH entry ($(METAL_ELF)); and the test suite that
# boots it (tests/metal/run.sh).
#
# Included by the top Makefile, which defines BUILD, CORE_SRCS, CARRIER_SRCS and
# WORKLOAD_SRCS.

METAL_DIR := arch/x86/metal
METAL_ELF := $(BUILD)/metal/pvmmu-metal.elf
METAL_OBJDIR := $(BUILD)/metal/obj

# Ring 0 with interrupts on the current stack: no red zone, no SSE (nobody
# saves it).  Linked in L4 slot 256, which no code model reaches with absolute
# 32-bit addresses, so the code is position-independent (-fpie: RIP-relative)
# and the linker resolves what is left at its one address.  Function addresses
# taken in -fpie code come through the GOT; --no-relax keeps that small table
# (in .data) instead of failing to rewrite those loads into address arithmetic.
METAL_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g \
                -ffreestanding -fno-builtin-printf -mno-red-zone -mgeneral-regs-only \
                -fpie -fno-stack-protector -fno-asynchronous-unwind-tables \
                -fno-tree-loop-distribute-patterns -fno-omit-frame-pointer -Iinclude -I.
# The short names of the public API (the top Makefile's SHORT_NAMES says why).
METAL_CFLAGS += $(SHORT_NAMES)
METAL_ASFLAGS := -Iinclude -I.
METAL_LDFLAGS := -nostdlib -static -no-pie --no-relax --no-warn-rwx-segments -z max-page-size=4096 \
                 -T $(METAL_DIR)/kernel.lds

METAL_SRCS := $(sort $(wildcard $(METAL_DIR)/*.c)) $(CARRIER_SRCS) $(CORE_SRCS) $(WORKLOAD_SRCS)
METAL_OBJS := $(patsubst %.S,$(METAL_OBJDIR)/%.o,$(sort $(wildcard $(METAL_DIR)/*.S))) \
              $(patsubst %.c,$(METAL_OBJDIR)/%.o,$(METAL_SRCS))

$(METAL_OBJDIR)/%.o: %.c | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(METAL_CFLAGS) -MMD -MP -c $< -o $@

$(METAL_OBJDIR)/%.o: %.S | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(METAL_ASFLAGS) -MMD -MP -c $< -o $@

$(METAL_ELF): $(METAL_OBJS) $(METAL_DIR)/kernel.lds
	$(LD) $(METAL_LDFLAGS) -o $@ $(METAL_OBJS)

.PHONY: metal test-metal-shadow
metal: $(METAL_ELF)
all: metal

# Boots it under QEMU; writes $(BUILD)/results/metal-shadow.counts.  Never fails make.
test-metal-shadow: $(METAL_ELF)
	@mkdir -p $(BUILD)/results
	@tests/metal/run.sh $(METAL_ELF) $(BUILD)/results/metal-shadow.counts || true
TEST_SUITES += test-metal-shadow
