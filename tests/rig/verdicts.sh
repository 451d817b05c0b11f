# tests/rig/verdicts.sh: the counting that every rig suite script shares (sourced, not run).
#
# A suite script (xen417-debug/test.sh, xen420/test.sh) boots several ways and prints one
# "rig: PASS name" or "rig: FAIL name: why" line per verdict of its own; run.sh and scenarios.sh
# leave their own "PASSED FAILED" counts in a file, which are added in.  At the end,
# verdicts_finish writes the sum to $COUNTS, which the Makefile adds to make test's total.
passed=0 failed=0

judge() {   # judge NAME PASS|FAIL [why]
  if [ "$2" = PASS ]; then echo "rig: PASS $1"; passed=$((passed + 1))
  else echo "rig: FAIL $1: $3"; failed=$((failed + 1)); fi
}

add_counts() {   # add_counts NAME FILE: a boot's "PASSED FAILED", or one failure if it left none
  local p f
  if { read -r p f < "$2"; } 2>/dev/null && [ -n "$p" ] && [ -n "$f" ]; then
    passed=$((passed + p)); failed=$((failed + f))
  else judge "$1" FAIL "the boot left no counts ($2)"; fi
}

# judge_banner NAME LOG GLOB WHAT: the first "Xen version" banner in LOG must match GLOB.
# A cache that served another Xen (stale, or mixed up with another rig's) would otherwise
# pass as this rig's run.
judge_banner() {
  local banner
  banner=$(grep -a -m1 'Xen version ' "$2" 2>/dev/null | tr -d '\r')
  banner=${banner#*(XEN) }
  case $banner in
    "") judge "$1" FAIL "no 'Xen version' banner in $2 (did Xen boot at all?)" ;;
    $3) judge "$1" PASS ;;
    *) judge "$1" FAIL "not $4: ${banner} (cache ${CACHE:-?})" ;;
  esac
}

verdicts_finish() {   # verdicts_finish SUITE: writes $COUNTS, prints the total; status 0 if none failed
  echo "$passed $failed" > "$COUNTS"
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
