#!/bin/bash
# Sums every suite's "PASSED FAILED" counts file into make test's closing line.
# A suite that was meant to run but left no counts is one failure: silence is not a pass.
#
# Before the sums come the failures' own lines, gathered from each suite's output
# (results/<suite>.out, make test's tee): a CI log is often read from its end, and
# the end should say what failed and why, not only how many.
dir=$1; passed=0; failed=0

# The lines that name a failure: a rig or guest verdict, a cmocka failure, a test binary
# that died.  The metal kill control's expected FAIL is shown as "expected: FAIL" and is
# not one.  Console echoes ("  > ", "  | ") of a line already shown are dropped.
failure_lines() {
  grep -ahE '(^|[|>] |\] )FAIL |^rig: FAIL |\[  (FAILED|ERROR) |exited [0-9]+ without a cmocka verdict' "$dir"/*.out 2>/dev/null |
    grep -av 'expected: FAIL' | sed -E 's/^ +[|>] //' | awk '!seen[$0]++'
}

sums=""
for f in "$dir"/*.counts; do
  [ -e "$f" ] || continue
  read -r p fl < "$f"
  sums+="  $(basename "$f" .counts): $p passed, $fl failed"$'\n'
  passed=$((passed + p)); failed=$((failed + fl))
done
[ -e "$dir/check.counts" ] || { sums+="  check: left no verdict"$'\n'; failed=$((failed + 1)); }
if [ "$failed" -gt 0 ]; then
  echo "failures (the first 20 lines that name one):"
  failure_lines | head -20 | sed 's/^/  /'
fi
printf '%s' "$sums"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
