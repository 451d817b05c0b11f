#!/bin/bash
# The spec of tests/rig/verdicts.sh, the counting the rig's suite scripts share (xen417-debug/
# test.sh, xen420/test.sh), run by `make check`.  Each case is a fake serial log or counts
# file, and the verdict line and sum it must give: a banner of another Xen, or a boot that left
# no counts, is a failure that names what it saw.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0

expect() {  # expect CASE WANT-LINE-PREFIX COMMAND...: COMMAND (in a shell with verdicts.sh) prints it
  local out
  out=$(COUNTS=$tmp/counts CACHE=/cache bash -c ". tests/rig/verdicts.sh; ${*:3}" 2>&1)
  if [[ $out == "$2"* ]]; then echo "PASS rig-verdicts: $1"
  else echo "FAIL rig-verdicts: $1: wanted '$2...', got '$out'"; status=1; fi
}

echo '(XEN) Xen version 4.17.5+72-g01140da4e8-1 (pkg@debian) gcc 12 debug=y Mon' > "$tmp/debug.log"
echo '(XEN) Xen version 4.17.5+72-g01140da4e8-1 (pkg@debian) gcc 12 debug=n Mon' > "$tmp/release.log"
echo '(XEN) Xen version 4.20.4+63-g7abfd2bce2-0+deb13u1 (pkg@debian)' > "$tmp/420.log"
echo 'SeaBIOS only' > "$tmp/silent.log"
echo '7 2' > "$tmp/seven-two"; : > "$tmp/empty"

debug='"Xen version 4.17.5*debug=y*" "the debug 4.17.5 build"'
expect "the debug banner passes" "rig: PASS b" judge_banner b "$tmp/debug.log" "$debug"
expect "a release banner is not the debug build" \
  "rig: FAIL b: not the debug 4.17.5 build: Xen version 4.17.5+72-g01140da4e8-1 (pkg@debian) gcc 12 debug=n" \
  judge_banner b "$tmp/release.log" "$debug"
expect "4.17 is not 4.20" "rig: FAIL b: not Xen 4.20: Xen version 4.17.5" \
  judge_banner b "$tmp/debug.log" '"Xen version 4.20.*" "Xen 4.20"'
expect "4.20 passes" "rig: PASS b" judge_banner b "$tmp/420.log" '"Xen version 4.20.*" "Xen 4.20"'
expect "no banner says Xen did not boot" "rig: FAIL b: no 'Xen version' banner in $tmp/silent.log" \
  judge_banner b "$tmp/silent.log" "$debug"
expect "counts are added" "s: 8 passed, 2 failed" \
  "judge a PASS >/dev/null; add_counts c $tmp/seven-two; verdicts_finish s"
expect "an empty counts file is one failure" "rig: FAIL c: the boot left no counts ($tmp/empty)" \
  "add_counts c $tmp/empty"
expect "a missing counts file is one failure, quietly" "rig: FAIL c: the boot left no counts ($tmp/none)
s: 0 passed, 1 failed" "add_counts c $tmp/none; verdicts_finish s"
expect "the sum is written to COUNTS" "1 1" "judge a PASS >/dev/null; judge b FAIL why >/dev/null; verdicts_finish s >/dev/null; cat \$COUNTS"
expect "finish fails when anything failed" "status 1" "judge b FAIL why >/dev/null; verdicts_finish s >/dev/null; echo status \$?"
exit $status
