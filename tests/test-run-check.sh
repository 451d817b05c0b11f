#!/bin/bash
# The spec of tests/run-check.sh's sums, run by `make check` before the suites it sums:
# a test binary is counted by cmocka's own summary, and one that leaves none is a failure.
# Each case is a fake "test binary" (a small script) with the counts it must produce.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0

fake() {  # fake NAME EXIT-CODE OUTPUT...: a binary that prints OUTPUT and exits
  local name=$1 rc=$2; shift 2
  { echo '#!/bin/bash'; printf 'echo %q\n' "$@"; echo "exit $rc"; } > "$tmp/$name"
  chmod +x "$tmp/$name"
}

expect() {  # expect "WHAT" "PASSED FAILED" BINARY...
  local what=$1 want=$2; shift 2
  tests/run-check.sh "$tmp/counts" "$@" > "$tmp/out" 2>&1
  local got; got=$(cat "$tmp/counts")
  if [ "$got" = "$want" ]; then echo "PASS run-check: $what"
  else echo "FAIL run-check: $what: counted '$got', want '$want'"; cat "$tmp/out"; status=1; fi
}

fake passes 0 '[==========] 3 test(s) run.' '[  PASSED  ] 3 test(s).'
fake fails 1 '[==========] 3 test(s) run.' '[  PASSED  ] 1 test(s).' \
  '[  FAILED  ] 2 test(s), listed below:' '[  FAILED  ] a' '[  FAILED  ] b'
fake silent 0 'hello, no verdict here'
fake empty 0 '[==========] 0 test(s) run.' '[  PASSED  ] 0 test(s).'
fake crashes 134 '[ RUN      ] a' 'AddressSanitizer: heap-buffer-overflow'

expect "a binary's cmocka summary is what is counted" "3 0" "$tmp/passes"
expect "cmocka's failures are counted one by one" "1 2" "$tmp/fails"
# Guards the hole where a binary that exits 0 having printed no summary counted 0/0.
expect "a binary that exits 0 without a cmocka summary is one failure" "0 1" "$tmp/silent"
if grep -q "silent: exited 0 without a cmocka verdict" "$tmp/out"; then echo "PASS run-check: the silent binary is named"
else echo "FAIL run-check: the silent binary is not named"; cat "$tmp/out"; status=1; fi
expect "a binary that ran no test is one failure" "0 1" "$tmp/empty"
expect "a binary that dies before its summary is one failure" "0 1" "$tmp/crashes"
expect "the sums run over every binary" "4 4" "$tmp/passes" "$tmp/fails" "$tmp/silent" "$tmp/crashes"
exit $status
