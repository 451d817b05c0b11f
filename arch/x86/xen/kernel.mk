# The pvmmu PV kernel: arch/x86/xen/ plus what it shares with the bare-metal kernel
# (arch/x86/common/), the portable core, the xenstore client and the suspend sequence,
# and the MMU workloads, compiled freestanding into one ELF that Xen boots ($(KERNEL_ELF)).
#
# Included by the top Makefile, which defines BUILD, CORE_SRCS, PV_SRCS, CARRIER_SRCS
# and WORKLOAD_SRCS.

KERNEL_DIR := arch/x86/xen
KERNEL_ELF := $(BUILD)/kernel/pvmmu.elf
KERNEL_OBJDIR := $(BUILD)/kernel/obj

# Ring 3 kernel in the top 2 GiB: no red zone (Xen bounces exceptions onto the
# current stack), no SSE (nobody saves it), no PIC, no stack protector (no TLS).
# -fno-tree-loop-distribute-patterns keeps gcc from turning loops into calls to
# memcpy/memset behind our back.
KERNEL_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g \
                 -ffreestanding -fno-builtin-printf -mno-red-zone -mgeneral-regs-only \
                 -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector \
                 -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
                 -fno-omit-frame-pointer -Iinclude -I.
# The short names of the public API (the top Makefile's SHORT_NAMES says why).
KERNEL_CFLAGS += $(SHORT_NAMES)
KERNEL_ASFLAGS := -Iinclude -I.
KERNEL_LDFLAGS := -nostdlib -static -no-pie --no-warn-rwx-segments -z max-page-size=4096 \
                  -T $(KERNEL_DIR)/kernel.lds

KERNEL_ARCH_C := $(sort $(wildcard $(KERNEL_DIR)/*.c)) $(CARRIER_SRCS)
KERNEL_ARCH_S := $(sort $(wildcard $(KERNEL_DIR)/*.S))
KERNEL_PORTABLE_SRCS := $(CORE_SRCS) $(PV_SRCS) $(WORKLOAD_SRCS)
KERNEL_OBJS := $(patsubst %.S,$(KERNEL_OBJDIR)/%.o,$(KERNEL_ARCH_S)) \
               $(patsubst %.c,$(KERNEL_OBJDIR)/%.o,$(KERNEL_ARCH_C) $(KERNEL_PORTABLE_SRCS))

$(KERNEL_OBJDIR)/%.o: %.c | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(KERNEL_OBJDIR)/%.o: %.S | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(KERNEL_ASFLAGS) -MMD -MP -c $< -o $@

$(KERNEL_ELF): $(KERNEL_OBJS) $(KERNEL_DIR)/kernel.lds
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)

.PHONY: kernel
kernel: $(KERNEL_ELF)
all: kernel
