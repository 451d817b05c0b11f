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
. "$RIG/verdicts.sh"

# The banner Xen prints first: "(XEN) Xen version 4.20.4+63-g7abfd2bce2-0+deb13u1 (...)".
judge_version() {   # judge_version WAY LOG
  judge_banner "xen-4.20/$1" "$2" "Xen version 4.20.*" "Xen 4.20"
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

verdicts_finish test-xen420
