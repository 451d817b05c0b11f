#!/bin/bash
# Runs each hosted test binary given as an argument and sums cmocka's verdicts into
# one closing line "N passed, N failed".  A binary that crashes, exits non-zero
# without cmocka's summary, or exits 0 having run no test (no cmocka summary at all,
# or "0 test(s)" passed and none failed) counts as one failure, named: silence is
# not a pass.  tests/test-run-check.sh holds this script to that.
set -u
counts=$1; shift
passed=0; failed=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  echo "$out" | grep -E '^\[  (FAILED|  ERROR)|^\[  PASSED|^FAIL|^\[ +FAILED' | sed "s|^|$(basename "$t"): |"
  p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | awk '{s+=$1} END {print s+0}')
  f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | awk '{s+=$1} END {print s+0}')
  if [ "$f" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; }; then
    echo "$(basename "$t"): exited $rc without a cmocka verdict; last lines:"; echo "$out" | tail -15
    f=1
  fi
  passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed $failed" > "$counts"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
