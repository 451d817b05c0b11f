#!/bin/bash
# The portable folders form a line: each uses only folders below it.  This reads
# who calls whom from the hosted objects (nm: a folder's undefined symbols that
# another folder defines) and fails, naming the symbols, on any use of a folder
# above, which is how a cycle starts.  The order is docs/architecture.md's.
# (suspend/ and xenstore/ are the PV kernel's only, not in the Makefile's
# CORE_DIRS, but portable like the core and held to the same line.)
#
# Then what the sources include, resolved the way the compiler finds it (the
# file's folder, include/, the tree's top): portable code (these folders and
# workloads/) includes nothing under arch/; neither kernel includes the other's
# files (arch/x86/xen and arch/x86/metal); and what they share (arch/x86/common)
# includes neither.
#   tools/check-layers.sh BUILD_DIR
set -euo pipefail
obj=${1:?usage: check-layers.sh BUILD_DIR}/hosted/obj
ORDER="lib p2m multicalls tables pinning mmu suspend"   # lowest first
SIDE="xenstore shadow"                                   # beside the line: lib and p2m only
PORTABLE_ALSO="workloads balloon"                               # portable, above them all
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

# --- includes -------------------------------------------------------------------
# The file an #include names, as a path from the top ("" if it is not in the tree:
# a libc or Xen header).  Quotes try the including file's folder first.
resolve() {   # resolve FILE 'q|a' NAME
  local dir cand
  dir=$(dirname "$1")
  for cand in $([ "$2" = q ] && echo "$dir/$3") "include/$3" "$3"; do
    if [ -f "$cand" ]; then realpath -m --relative-to=. "$cand"; return; fi
  done
}
# Prints "FILE:LINE: TARGET" for each include of FILE that lands in the tree.
includes_of() {
  local file=$1 n kind name target
  while IFS=: read -r n kind name; do
    target=$(resolve "$file" "$kind" "$name")
    if [ -n "$target" ]; then echo "$file:$n: $target"; fi
  done < <(awk 'match($0, /^[ \t]*#[ \t]*include[ \t]*["<][^">]+[">]/) {
                  spec = substr($0, RSTART, RLENGTH); sub(/^[^"<]*/, "", spec)
                  print FNR ":" (substr(spec, 1, 1) == "\"" ? "q" : "a") ":" substr(spec, 2, length(spec) - 2)
                }' "$file")
}
sources_in() {
  local d
  for d in "$@"; do [ -d "$d" ] && find "$d" -maxdepth 1 -type f \( -name '*.[ch]' -o -name '*.S' \); done | sort
}
# check_includes WHAT 'FOLDERS' 'FORBIDDEN PREFIXES'
check_includes() {
  local what=$1 file line target p
  for file in $(sources_in $2); do
    while read -r line; do
      target=${line##* }
      for p in $3; do
        case $target in "$p"/*)
          echo "check-layers: ${line% *} includes $target: $what"
          bad_includes=$((bad_includes + 1)) ;;
        esac
      done
      includes=$((includes + 1))
    done < <(includes_of "$file")
  done
}
bad_includes=0; includes=0
check_includes "portable code includes no arch code" "$ORDER $SIDE $PORTABLE_ALSO" "arch"
check_includes "the PV kernel includes none of the bare-metal kernel's files" "arch/x86/xen" "arch/x86/metal"
check_includes "the bare-metal kernel includes none of the PV kernel's files" "arch/x86/metal" "arch/x86/xen"
check_includes "what both kernels share includes neither kernel's files" "arch/x86/common" "arch/x86/xen arch/x86/metal"

if [ "$bad" -gt 0 ]; then echo "check-layers: $bad use(s) against the order"; fi
if [ "$bad_includes" -gt 0 ]; then echo "check-layers: $bad_includes include(s) across a layer"; fi
[ "$bad" = 0 ] && [ "$bad_includes" = 0 ] || exit 1
echo "check-layers: $uses uses between folders, all downwards ($ORDER; $SIDE beside);" \
     "$includes includes, none across a layer (portable code: no arch/; arch/x86/xen, metal, common: apart)"
