#!/bin/bash
# The spec of tools/check-layers.sh, on a tiny tree of its own: calls downwards
# pass; a call upwards (the way a cycle starts) fails and is named; a side folder
# may use lib and p2m only; a source without its object is an error, not a pass.
# And the includes: each kernel includes what both share, never the other's
# files (however the path is spelt); portable code includes no arch code.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
failed=0
mk() {   # mk FOLDER NAME 'C source'
  mkdir -p "$t/$1" "$t/build/hosted/obj/$1"
  printf '%s\n' "$3" > "$t/$1/$2.c"
  cc -c "$t/$1/$2.c" -o "$t/build/hosted/obj/$1/$2.o"
}
expect() {   # expect WANT_RC 'needle' WHAT
  local out rc
  out=$(cd "$t" && "$here/tools/check-layers.sh" build 2>&1); rc=$?
  if [ "$rc" != "$1" ] || ! grep -q -- "$2" <<<"$out"; then
    echo "FAIL check-layers: $3: rc $rc, wanted $1 and '$2' in: $out"; failed=$((failed + 1))
  else
    echo "PASS check-layers: $3"
  fi
}
for d in lib p2m multicalls tables pinning mmu suspend xenstore shadow; do mk $d base "int ${d}_base(void) { return 1; }"; done
mk mmu uses "int pinning_base(void); int tables_base(void); int mmu_uses(void) { return pinning_base() + tables_base(); }"
mk shadow uses "int p2m_base(void); int shadow_uses(void) { return p2m_base(); }"
expect 0 "all downwards" "calls downwards pass"
mk pinning up "int mmu_base(void); int pinning_up(void) { return mmu_base(); }"
expect 1 "pinning/up.c uses mmu_base from mmu/" "a call upwards is named"
rm "$t/pinning/up.c" "$t/build/hosted/obj/pinning/up.o"
mk shadow bad "int pinning_base(void); int shadow_bad(void) { return pinning_base(); }"
expect 1 "shadow/bad.c uses pinning_base from pinning/" "a side folder may not use the line above p2m"
rm "$t/shadow/bad.c" "$t/build/hosted/obj/shadow/bad.o"
echo "int lonely(void) { return 0; }" > "$t/lib/lonely.c"
expect 2 "no build/hosted/obj/lib/lonely.o" "a source without its object is not a pass"
rm "$t/lib/lonely.c"

# Includes: sources only, nothing to build.
put() { mkdir -p "$t/$(dirname "$1")"; printf '%s\n' "$2" > "$t/$1"; }   # put PATH 'text'
put arch/x86/common/traps.h '#include <stdint.h>'
put arch/x86/xen/console.h '#include "arch/x86/common/traps.h"'
put arch/x86/metal/console.h '#include "arch/x86/common/traps.h"'
put arch/x86/metal/traps.c '#include "console.h"
#include "arch/x86/common/traps.h"'
put workloads/workloads.h '#include <stdint.h>'
put workloads/w1.c '#include "workloads/workloads.h"'
expect 0 "none across a layer" "each kernel may include its own files and the shared ones"
put arch/x86/metal/bad.c '#include "arch/x86/xen/console.h"'
expect 1 "arch/x86/metal/bad.c:1: includes arch/x86/xen/console.h" "the bare-metal kernel may not include the PV kernel's headers"
put arch/x86/metal/bad.c '#include "../xen/console.h"'
expect 1 "arch/x86/metal/bad.c:1: includes arch/x86/xen/console.h" "nor by a relative path"
rm "$t/arch/x86/metal/bad.c"
put arch/x86/xen/bad.c '#include <stdint.h>
#include "arch/x86/metal/console.h"'
expect 1 "arch/x86/xen/bad.c:2: includes arch/x86/metal/console.h" "the PV kernel may not include the bare-metal kernel's headers"
rm "$t/arch/x86/xen/bad.c"
put arch/x86/common/bad.c '#include "arch/x86/xen/console.h"'
expect 1 "arch/x86/common/bad.c:1: includes arch/x86/xen/console.h" "what both share may include neither kernel"
rm "$t/arch/x86/common/bad.c"
put mmu/bad.h '#include "arch/x86/common/traps.h"'
expect 1 "mmu/bad.h:1: includes arch/x86/common/traps.h: portable code" "a core folder may not include arch code"
rm "$t/mmu/bad.h"
put workloads/bad.c '#include "../arch/x86/common/traps.h"'
expect 1 "workloads/bad.c:1: includes arch/x86/common/traps.h: portable code" "nor may the workloads"
rm "$t/workloads/bad.c"
expect 0 "none across a layer" "and with the bad includes gone it passes again"
echo "check-layers spec: $failed failed"
[ "$failed" = 0 ]
