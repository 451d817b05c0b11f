#!/bin/bash
# Sums every suite's "PASSED FAILED" counts file into make test's closing line.
# A suite that was meant to run but left no counts is one failure: silence is not a pass.
dir=$1; passed=0; failed=0
for f in "$dir"/*.counts; do
  [ -e "$f" ] || continue
  read -r p fl < "$f"
  echo "  $(basename "$f" .counts): $p passed, $fl failed"
  passed=$((passed + p)); failed=$((failed + fl))
done
[ -e "$dir/check.counts" ] || { echo "  check: left no verdict"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
