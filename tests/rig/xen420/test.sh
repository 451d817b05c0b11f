#!/bin/bash
# make test-xen420: the rig again, on Debian 13's Xen 4.20 (hypervisor, toolstack, libraries and
# Linux dom0 all from trixie; fetch.sh, build-initrd.sh), in two boots:
#
#   quick          Xen 4.20 boots pvmmu.elf as its initial domain, all its suites (run.sh quick:
#                  pvmmu's own PASS/FAIL lines and verdict, the quick-boot scenario)
#   save-restore   Linux dom0 + the 4.20 toolstack: xl create examples/pvmmu.cfg (suites=all
#                  saves=1), one xl save + xl restore, the verdict after the restore (run.sh full:
#                  xl-create, xl-save-1, xl-restore-1, guest-verdict, clean-shutdown, requires)
#
# and after each, xen-4.20/<way>: that the serial log's banner is Xen 4.20's.  A cache that
# served another Xen (a stale or mixed-up download) would otherwise pass as a 4.20 run.
#
# Settings (rig.mk, tests/rig/xen420.mk): CACHE (fetch.sh's), KERNEL, BASE_INITRD (build-initrd.sh's),
# WORK, COUNTS ("PASSED FAILED" over both boots; a boot that leaves no counts is one failure);
# WAYS="quick" (or "full") runs only that boot, e.g. to see xen-4.20/quick fail on the 4.17 cache.
# Exit status 0 only if everything passed.  Runs QEMU twice: call it under the rig's lock.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RIG=$(dirname "$HERE")
: "${CACHE:?}" "${KERNEL:?}" "${BASE_INITRD:?}" "${WORK:?}" "${COUNTS:?}"
mkdir -p "$WORK" "$(dirname "$COUNTS")"
passed=0 failed=0

judge() {   # judge NAME PASS|FAIL [why]
  if [ "$2" = PASS ]; then echo "rig: PASS $1"; passed=$((passed + 1))
  else echo "rig: FAIL $1: $3"; failed=$((failed + 1)); fi
}

# The banner Xen prints first: "(XEN) Xen version 4.20.4+63-g7abfd2bce2-0+deb13u1 (...)".
judge_version() {   # judge_version WAY LOG
  local v
  v=$(grep -aoE 'Xen version [0-9]+\.[0-9]+[^ ]*' "$2" 2>/dev/null | head -1)
  case $v in
    "Xen version 4.20."*) judge "xen-4.20/$1" PASS ;;
    "") judge "xen-4.20/$1" FAIL "no 'Xen version' banner in $2 (did Xen boot at all?)" ;;
    *) judge "xen-4.20/$1" FAIL "the $1 boot ran ${v#Xen version }, not Xen 4.20 (cache $CACHE)" ;;
  esac
}

add_counts() {   # add_counts WAY FILE: run.sh's "PASSED FAILED", or one failure if it left none
  local p f
  if read -r p f < "$2" 2>/dev/null && [ -n "$p" ] && [ -n "$f" ]; then
    passed=$((passed + p)); failed=$((failed + f))
  else judge "$1" FAIL "run.sh left no counts ($2)"; fi
}

WAYS=${WAYS:-quick full}

quick_way() {
  echo "test-xen420: the quick way (pvmmu as Xen 4.20's initial domain)"
  rm -f "$WORK/quick.counts"
  # (LOG and COUNTS before WORK: in one command's assignments, a later one sees an earlier one.)
  LOG=$WORK/quick.log COUNTS=$WORK/quick.counts WORK=$WORK/quick CACHE=$CACHE KERNEL=$KERNEL EXTRA="" \
    SCENARIO=xen420-quick "$RIG/run.sh" quick
  add_counts quick "$WORK/quick.counts"
  judge_version quick "$WORK/quick.log"
}

full_way() {
  echo "test-xen420: the full way (trixie dom0, xl create, one xl save + xl restore)"
  rm -f "$WORK/full.counts"
  LOG=$WORK/full.log COUNTS=$WORK/full.counts WORK=$WORK/full CACHE=$CACHE KERNEL=$KERNEL BASE_INITRD=$BASE_INITRD \
    XL_CONFIG=${XL_CONFIG:-examples/pvmmu.cfg} SAVE_MODES=restore SCENARIO=xen420-save-restore \
    REQUIRES="saves=1 check=save-resume check=save-address-spaces-survive" "$RIG/run.sh" full
  add_counts save-restore "$WORK/full.counts"
  judge_version save-restore "$WORK/full.log"
}

for way in $WAYS; do
  case $way in
    quick) quick_way ;;
    full) full_way ;;
    *) judge "way-$way" FAIL "WAYS names '$way'; the ways are quick and full" ;;
  esac
done

echo "$passed $failed" > "$COUNTS"
echo "test-xen420: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
