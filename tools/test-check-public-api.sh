#!/bin/bash
# The spec of tools/check-public-api.sh, run by `make check`: it passes on what
# `make install` wrote, and fails, naming the culprit, on a copy broken in each of the
# ways an embedder would trip on: a leaked internal global, an undocumented hook, a
# hook documented for nothing, a header name without the prefix (macro, type,
# function, enum constant), a stale short name.
#   tools/test-check-public-api.sh PREFIX     (a tree make install PREFIX=... wrote)
set -u
cd "$(dirname "$0")/.."
prefix=${1:?usage: test-check-public-api.sh PREFIX}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
n=0

copy() {  # copy: a fresh copy of the installed tree, its .pc pointing at the copy; prints its path
  n=$((n + 1)); local t=$tmp/case$n
  cp -r "$prefix" "$t"
  sed -i "s|^prefix=.*|prefix=$t|" "$t/lib/pkgconfig/pvmmu.pc"
  echo "$t"
}
add_object() {  # add_object TREE C-SOURCE: compile it and add it to TREE's libpvmmu.a
  printf '%s\n' "$2" > "$tmp/extra.c"
  ${CC:-cc} -c -O1 "$tmp/extra.c" -o "$tmp/extra$n.o" && ar r "$1/lib/libpvmmu.a" "$tmp/extra$n.o" 2>/dev/null
}
expect() {  # expect WHAT TREE MESSAGE [SHORT_NAMES]: check-public-api.sh fails on TREE, saying MESSAGE
  if tools/check-public-api.sh "$2" ${4:-} > "$tmp/out" 2>&1; then
    echo "FAIL public-api: $1: the check passed"; status=1
  elif grep -qF -- "$3" "$tmp/out"; then echo "PASS public-api: $1"
  else echo "FAIL public-api: $1: the check failed without saying '$3'"; cat "$tmp/out"; status=1; fi
}

if tools/check-public-api.sh "$(copy)" lib/short_names.h > "$tmp/out" 2>&1; then
  echo "PASS public-api: what make install wrote passes"
else
  echo "FAIL public-api: what make install wrote does not pass"; cat "$tmp/out"; status=1
fi

t=$(copy); add_object "$t" 'int registry_add(void) { return 0; }'
expect "an internal global left global" "$t" "defines the global registry_add without the pvmmu_ prefix"

t=$(copy); add_object "$t" 'int pvmmu_plumbing(void) { return 1; }'
expect "a pvmmu_ global no header declares" "$t" "defines pvmmu_plumbing, which no public header declares"

t=$(copy); add_object "$t" 'long pvmmu_secret_hook(void); long pvmmu_uses_it(void) { return pvmmu_secret_hook(); }'
expect "a hook platform.h does not list" "$t" "needs pvmmu_secret_hook, which is no hook of platform.h"

t=$(copy); sed -i 's|^void pvmmu_frame_free(pvmmu_pfn_t pfn);$||' "$t/include/xen/pvmmu/platform.h"
expect "a hook platform.h forgot" "$t" "needs pvmmu_frame_free, which is no hook"

t=$(copy); sed -i 's|^#endif$|void pvmmu_unused_hook(void);\n#endif|' "$t/include/xen/pvmmu/platform.h"
expect "a hook the library never calls" "$t" "declares the hook pvmmu_unused_hook, which libpvmmu.a never calls"

t=$(copy); sed -i 's|^#endif$|#define PAGE_SIZE 4096\n#endif|' "$t/include/xen/pvmmu/frame.h"
expect "a macro without the prefix" "$t" "declares PAGE_SIZE without the pvmmu_ / PVMMU_ prefix"

t=$(copy); sed -i 's|^#endif$|typedef pvmmu_pte_t pte_t;\n#endif|' "$t/include/xen/pvmmu/pte.h"
expect "a type without the prefix (and the embedder's pte_t clashes)" "$t" "declares pte_t without the pvmmu_ / PVMMU_ prefix"

t=$(copy); sed -i 's|^#endif$|int set_pte(struct pvmmu_aspace *as, pvmmu_mpte_t *l1e, pvmmu_pte_t val);\n#endif|' "$t/include/xen/pvmmu/mmu.h"
expect "a function without the prefix (and the embedder's set_pte clashes)" "$t" "does not compile beside the public headers"

t=$(copy); sed -i 's|^#endif$|enum pvmmu_colour { RED };\n#endif|' "$t/include/xen/pvmmu/mmu.h"
expect "an enum constant without the prefix" "$t" "declares RED without the pvmmu_ / PVMMU_ prefix"

t=$(copy); printf '#define frame_alloc pvmmu_nothing_of_the_kind\n' > "$tmp/short.h"
expect "a short name for no public declaration" "$t" "maps frame_alloc to pvmmu_nothing_of_the_kind" "$tmp/short.h"

exit $status
