#!/bin/bash
# The spec of lib/abi_check.c, run by `make check`: each fact it asserts is guarded, so
# changing that fact in a copy of the headers makes it refuse to compile, naming the
# fact; and it is compiled into every build (hosted, PV kernel, bare-metal kernel).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0

compile() {  # compile TREE: lib/abi_check.c against TREE's headers, as the kernel builds it
  ${CC:-cc} -std=c11 -Wall -Wextra -Werror -ffreestanding -fsyntax-only \
    -I"$1/include" -I"$1" "$1/lib/abi_check.c" > "$tmp/out" 2>&1
}
copy() {  # copy NAME: a copy of the headers and of abi_check.c; prints its path
  mkdir -p "$tmp/$1/lib" && cp -r include "$tmp/$1/" && cp lib/abi_check.c lib/*.h "$tmp/$1/lib/" && echo "$tmp/$1"
}
expect_refused() {  # expect_refused WHAT FILE SED-SCRIPT MESSAGE: the change to FILE fails with MESSAGE
  local t; n=$((n + 1)); t=$(copy "case$n")
  sed -i -e "$3" "$t/$2"
  if cmp -s "$t/$2" "$2"; then echo "FAIL abi-check: $1: the change to $2 did not apply"; status=1; return; fi
  if ! compile "$t" && grep -qF -- "$4" "$tmp/out"; then echo "PASS abi-check: $1"
  else echo "FAIL abi-check: $1: abi_check.c did not refuse with '$4'"; cat "$tmp/out"; status=1; fi
}
n=0

if compile "$(copy as-is)"; then echo "PASS abi-check: the headers as they are pass"
else echo "FAIL abi-check: the headers as they are do not pass"; cat "$tmp/out"; status=1; fi

# One case a line, tab-separated: what is wrong, the header changed, the sed script, the message.
while IFS=$'\t' read -r what file script message; do
  expect_refused "$what" "$file" "$script" "$message"
done <<'EOF'
an mmu_update_t of the wrong size	include/xen/pvmmu/abi.h	s|^#endif$|struct narrow { uint64_t ptr; };\n#define mmu_update_t struct narrow\n#endif|	mmu_update_t: ptr and val
a table that is not one page	include/xen/pvmmu/pte.h	s/^#define PVMMU_PT_ENTRIES 512$/#define PVMMU_PT_ENTRIES 1024/	a table is one page of 64-bit entries
an address field wider than 52 bits	include/xen/pvmmu/pte.h	s/0x000ffffffffff000ULL/0x001ffffffffff000ULL/	PTE_ADDR_MASK is bits
Xen's slots misnamed, consistently (only the check against Xen's header sees it)	include/xen/pvmmu/pte.h	s/^#define PVMMU_L4_XEN_LAST 271$/#define PVMMU_L4_XEN_LAST 270/; s/^#define PVMMU_L4_KERNEL_FIRST 272$/#define PVMMU_L4_KERNEL_FIRST 271/	the range Xen reserves is exactly
an m2p outside Xen's slots	include/xen/pvmmu/abi.h	s|^#endif$|#undef MACH2PHYS_VIRT_START\n#define MACH2PHYS_VIRT_START 0xFFFF700000000000UL\n#endif|	the m2p lies in the L4 slots of Xen
a p2m leaf that is not one page	include/xen/pvmmu/p2m.h	s/^#define PVMMU_P2M_PER_LEAF 512ULL$/#define PVMMU_P2M_PER_LEAF 1024ULL/	a p2m leaf is one page
more address spaces than a record's 13 bits	include/xen/pvmmu/aspace.h	s/^#define PVMMU_ASPACE_MAX 8192$/#define PVMMU_ASPACE_MAX 8193/	an address space id fits 13 bits
EOF

# Every build compiles it: the object lists as make sees them (-q: nothing is run).
unset MAKEFLAGS MFLAGS MAKELEVEL
db=$(make -pq BUILD="$tmp/build" have-deps 2>/dev/null)
for list in HOSTED_CORE_OBJS KERNEL_OBJS METAL_OBJS; do
  if grep -E "^$list :=" <<<"$db" | grep -q "/lib/abi_check\.o"; then echo "PASS abi-check: in $list"
  else echo "FAIL abi-check: lib/abi_check.o is not in $list"; status=1; fi
done
exit $status
