# libpvmmu.a: the portable core as one library an embedder links (docs/embedding.md).
#
#   make lib                      $(BUILD)/lib/libpvmmu.a
#   make install [PREFIX=...]     it, the public headers and pvmmu.pc (pkg/pvmmu.pc.in,
#                                 naming PREFIX) under PREFIX (default /usr/local); needs
#                                 no root when PREFIX is writable, writes nothing else
#
# Included by the top Makefile, which defines BUILD, CORE_DIRS and have-deps.  Neither
# `make` nor `make check` installs: check installs into a folder of $(BUILD) only, to
# link a program against what `make install` would ship (tools/check-public-api.sh).

# What goes in: the core without xenstore/ (every PV kernel has a xenstore client of
# its own, Mini-OS's xs, Linux's xenbus, and its xs_ names are libxenstore's), with
# suspend/ (the save sequence around pin_all and the p2m's republish is the same on
# every PV kernel; the kernel supplies its steps), whether or not CORE_DIRS lists it.
LIB_DIRS := $(sort $(filter-out xenstore,$(CORE_DIRS)) suspend)
LIB_SRCS := $(sort $(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_DIR := $(BUILD)/lib
LIB_OBJDIR := $(LIB_DIR)/obj
LIB_A := $(LIB_DIR)/libpvmmu.a
LIB_OBJS := $(patsubst %.c,$(LIB_OBJDIR)/%.o,$(LIB_SRCS))
PUBLIC_HEADERS := $(sort $(wildcard include/xen/pvmmu/*.h))

# Freestanding x86-64, as a PV kernel's code must be: no red zone (Xen bounces
# exceptions onto the current stack), general registers only (nobody saves the SSE
# state), no stack protector (no TLS), no PIC.  -mcmodel=kernel: every address the
# code takes fits a sign-extended 32 bits, so it links into a kernel whose image is
# in the top 2 GiB (Linux's place, pvmmu's own kernel) or in the bottom 2 GiB
# (Mini-OS's).  -fno-tree-loop-distribute-patterns: gcc must not turn loops into
# calls to memcpy/memset beyond the ones platform.h documents.  No -include of the
# short names: the core includes lib/short_names.h itself, so the objects define
# only pvmmu_ names and nothing of the project's build leaks into the library.
LIB_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g \
              -ffreestanding -mno-red-zone -mgeneral-regs-only \
              -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector \
              -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
              -fno-omit-frame-pointer -Iinclude -I.

PREFIX ?= /usr/local
LIB_VERSION := 0.1.0

$(LIB_OBJDIR)/%.o: %.c | have-deps
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

# One relocatable object, then only the API stays global: every other symbol of the
# core (registry_add, fresh_table_add, ...) becomes local, so none can clash with the
# embedder's.  The API is what the public headers declare with the pvmmu_ prefix;
# tools/check-public-api.sh checks that nothing else is left global.
$(LIB_DIR)/public-symbols.txt: $(LIB_DIR)/pvmmu-all.o
	nm -g --defined-only $< | awk 'NF == 3 && $$3 ~ /^pvmmu_/ { print $$3 }' | sort -u > $@

$(LIB_DIR)/pvmmu-all.o: $(LIB_OBJS)
	$(LD) -r -o $@ $(LIB_OBJS)

$(LIB_A): $(LIB_DIR)/pvmmu-all.o $(LIB_DIR)/public-symbols.txt
	objcopy --keep-global-symbols=$(LIB_DIR)/public-symbols.txt $< $(LIB_DIR)/pvmmu.o
	rm -f $@
	ar rcs $@ $(LIB_DIR)/pvmmu.o

.PHONY: lib install
lib: $(LIB_A)
all: lib

install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/xen/pvmmu
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/libpvmmu.a
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/xen/pvmmu/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIB_VERSION)|' pkg/pvmmu.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pvmmu.pc
