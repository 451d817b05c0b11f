#!/bin/bash
# The core's folders form a line: each uses only folders below it.  This reads
# who calls whom from the hosted objects (nm: a folder's undefined symbols that
# another folder defines) and fails, naming the symbols, on any use of a folder
# above, which is how a cycle starts.  The order is docs/architecture.md's.
#   tools/check-layers.sh BUILD_DIR
set -euo pipefail
obj=${1:?usage: check-layers.sh BUILD_DIR}/hosted/obj
ORDER="lib p2m multicalls tables pinning mmu suspend"   # lowest first
SIDE="xenstore shadow"                                   # beside the line: lib and p2m only
declare -A rank
i=0; for d in $ORDER; do rank[$d]=$i; i=$((i + 1)); done
for d in $SIDE; do rank[$d]=99; done
# The objects of the sources that exist now (a moved file leaves its old object behind).
objects() {
  local c
  for c in "$1"/*.c; do echo "$obj/${c%.c}.o"; done
}
for d in $ORDER $SIDE; do
  for o in $(objects "$d"); do
    [ -f "$o" ] || { echo "check-layers: no $o (build first)" >&2; exit 2; }
  done
done
defs=$(mktemp); trap 'rm -f "$defs"' EXIT
for d in $ORDER $SIDE; do
  nm -g --defined-only $(objects "$d") | awk -v d="$d" 'NF == 3 { print $3, d }'
done | sort -u > "$defs"
bad=0; uses=0
for d in $ORDER $SIDE; do
  for o in $(objects "$d"); do
    for s in $(nm -u "$o" | awk '{ print $2 }'); do
      owner=$(awk -v s="$s" '$1 == s { print $2; exit }' "$defs")
      [ -n "$owner" ] && [ "$owner" != "$d" ] || continue
      uses=$((uses + 1))
      allowed=0
      if [ "${rank[$d]}" = 99 ]; then
        case $owner in lib|p2m) allowed=1 ;; esac
      elif [ "${rank[$owner]}" != 99 ] && [ "${rank[$owner]}" -lt "${rank[$d]}" ]; then
        allowed=1
      fi
      if [ "$allowed" = 0 ]; then
        echo "check-layers: $d/$(basename "$o" .o).c uses $s from $owner/, which is not below it ($ORDER; $SIDE beside)"
        bad=$((bad + 1))
      fi
    done
  done
done
if [ "$bad" -gt 0 ]; then echo "check-layers: $bad use(s) against the order"; exit 1; fi
echo "check-layers: $uses uses between folders, all downwards ($ORDER; $SIDE beside)"
