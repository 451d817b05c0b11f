#!/bin/bash
# make test-xen-debug: the rig on Xen 4.17.5 built with shadow paging, debug and perf counters
# (fetch.sh), with its own 4.17.5 toolstack (build-initrd.sh), in three boots:
#
#   quick                 the debug Xen boots pvmmu.elf as its initial domain, all its suites
#                         (run.sh quick, as test-xen-quick)
#   full                  Linux dom0 + toolstack: xl create examples/pvmmu.cfg (run.sh full, as
#                         test-xen-full); dom0 prints the PV MMU perf counters of the guest's run (rig-hook)
#   save-restore-cycles   tests/rig/save-scenarios' scenario with SAVE_CYCLES saves (scenarios.sh)
#
# and after each: xen-debug/<way>, that the banner is Xen 4.17.5's debug build (a cache serving
# Debian's release build would otherwise pass as this one), and xen-log/<way>, that every warning
# the hypervisor printed was provoked on purpose by a check that ran (xen-log.sh, provoked-warnings).
#
# Settings (tests/rig/xen417-debug.mk): CACHE, KERNEL, BASE_INITRD, WORK, COUNTS ("PASSED FAILED"
# over all boots; a boot that leaves no counts is one failure), SAVE_CYCLES (default 3);
# WAYS="quick full saves" (any of them) runs only those.  Prints each boot's time.
# Exit status 0 only if everything passed.  Runs QEMU: call it under the rig's lock.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
RIG=$(dirname "$HERE")
: "${CACHE:?}" "${KERNEL:?}" "${BASE_INITRD:?}" "${WORK:?}" "${COUNTS:?}"
mkdir -p "$WORK" "$(dirname "$COUNTS")"
. "$RIG/verdicts.sh"

# "(XEN) Xen version 4.17.5+72-g01140da4e8-1 (...) ... debug=y ...": the hypervisor this rig built.
judge_build() {   # judge_build WAY LOG
  judge_banner "xen-debug/$1" "$2" "Xen version 4.17.5*debug=y*" "the debug 4.17.5 build"
}

judge_log() {   # judge_log WAY LOG: Xen's warnings
  local out
  out=$("$HERE/xen-log.sh" "$2" "xen-log/$1")
  echo "$out"
  if [[ $out == "rig: PASS xen-log/$1 "* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

timed() {   # timed WAY COMMAND...: runs it, then says how long it took
  local t0=$(date +%s)
  "${@:2}"
  echo "test-xen-debug: the $1 boot took $(( $(date +%s) - t0 )) s"
}

quick_way() {
  echo "test-xen-debug: the quick way (pvmmu as the debug Xen's initial domain, all suites)"
  rm -f "$WORK/quick.counts"
  LOG=$WORK/quick.log COUNTS=$WORK/quick.counts WORK=$WORK/quick CACHE=$CACHE KERNEL=$KERNEL EXTRA="" \
    SCENARIO=xen-debug-quick timed quick "$RIG/run.sh" quick
  add_counts quick "$WORK/quick.counts"
  judge_build quick "$WORK/quick.log"
  judge_log quick "$WORK/quick.log"
}

full_way() {
  echo "test-xen-debug: the full way (dom0 + toolstack, xl create examples/pvmmu.cfg)"
  rm -f "$WORK/full.counts"
  LOG=$WORK/full.log COUNTS=$WORK/full.counts WORK=$WORK/full CACHE=$CACHE KERNEL=$KERNEL BASE_INITRD=$BASE_INITRD \
    XL_CONFIG=${XL_CONFIG:-examples/pvmmu.cfg} SCENARIO=xen-debug-full timed full "$RIG/run.sh" full
  add_counts full "$WORK/full.counts"
  judge_build full "$WORK/full.log"
  judge_log full "$WORK/full.log"
  # Xen's PV MMU perf counters, as dom0 printed them after the guest (rig-hook).
  grep -a '^rig: perf ' "$WORK/full.log" | tr -d '\r' | sed 's/^rig: perf /test-xen-debug: perf counter /'
}

saves_way() {
  echo "test-xen-debug: save-restore-cycles (tests/rig/save-scenarios) with ${SAVE_CYCLES:-3} saves"
  rm -f "$WORK/saves.counts"
  CACHE=$CACHE KERNEL=$KERNEL BASE_INITRD=$BASE_INITRD SAVE_CYCLES=${SAVE_CYCLES:-3} SCENARIOS=save-restore-cycles \
    timed save-restore-cycles "$RIG/scenarios.sh" "$RIG/save-scenarios" "$WORK/saves.counts" "$WORK/saves"
  add_counts save-restore-cycles "$WORK/saves.counts"
  judge_build save-restore-cycles "$WORK/saves/save-restore-cycles.log"
  judge_log save-restore-cycles "$WORK/saves/save-restore-cycles.log"
}

for way in ${WAYS:-quick full saves}; do
  case $way in
    quick) quick_way ;;
    full) full_way ;;
    saves) saves_way ;;
    *) judge "way-$way" FAIL "WAYS names '$way'; the ways are quick, full and saves" ;;
  esac
done

verdicts_finish test-xen-debug
