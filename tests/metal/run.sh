#!/bin/bash
# The bare-metal suite: boot pvmmu-metal.elf under QEMU (no Xen, no KVM: TCG),
# show its console, and turn it into verdicts.
#
#   tests/metal/run.sh ELF COUNTS [QEMU_APPEND]
#
# Two boots:
#   metal-shadow       the suites (QEMU_APPEND, or METAL_APPEND; default: all).  Passes
#                      when the last line is `pvmmu: N passed, 0 failed`, N > 0 and equal
#                      to the PASS lines, and QEMU's isa-debug-exit status is 1 (the guest
#                      wrote 0).
#   metal-shadow-kill  the negative control (suites=kill): the guest maps one of the
#                      host's frames and touches it.  Passes when the host stopped it:
#                      exactly one FAIL, metal-guest-alive, naming the host's frame, the
#                      tally last, status 3.
# A crash, a hang (METAL_TIMEOUT seconds each, 120 by default) or a missing tally is
# `rig: FAIL <scenario>: why`, with the last console lines.  COUNTS gets "PASSED FAILED":
# the first boot's PASS/FAIL lines plus one per scenario verdict (the control's FAIL line
# is what it expects, so only its verdict counts).  Exits 0 when both pass.
set -u
elf=${1:?usage: run.sh ELF COUNTS [APPEND]}
counts=${2:?usage: run.sh ELF COUNTS [APPEND]}
append=${3:-${METAL_APPEND:-}}
limit=${METAL_TIMEOUT:-120}
mkdir -p "$(dirname "$counts")"
passed=0 failed=0

pass() { echo "rig: PASS $1"; passed=$((passed + 1)); }
fail() {   # scenario why log
  echo "rig: FAIL $1: $2"
  echo "rig: last console lines:"; tail -n 15 "$3" | sed 's/^/rig:   /'
  failed=$((failed + 1))
}

# boot scenario append [shown]: the console into scenario.log beside COUNTS, and on our
# output through the sed script `shown` (the kill control's expected FAIL line is shown as
# "expected: FAIL ...", so that a search of CI's output for FAIL finds only real failures);
# sets status, last, LOG.
boot() {
  local log=$(dirname "$counts")/$1.log start ms
  : > "$log"
  start=$(date +%s%N)
  # The firmware's screen-clearing escapes are dropped; everything else is the console as is.
  timeout -k 5 "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 512 \
      -nographic -no-reboot -serial stdio -monitor none \
      -kernel "$elf" ${2:+-append "$2"} \
      -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null 2>&1 |
    sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/^.*\(pvmmu: bare x86\)/\1/' | tr -d '\r' |
    grep -av '^[[:space:]]*$' | tee "$log" | sed -u "${3:-}"
  status=${PIPESTATUS[0]}
  ms=$((($(date +%s%N) - start) / 1000000))
  printf 'rig: %s ran %d.%d s, QEMU exit status %s\n' "$1" $((ms / 1000)) $((ms % 1000 / 100)) "$status"
  last=$(tail -n 1 "$log")
  LOG=$log
}

# What every boot must show: it ended by itself, with the tally last, agreeing with its lines.
finished() {   # scenario
  if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    fail "$1" "no verdict within ${limit} s (a hang)" "$LOG"; return 1
  fi
  if ! [[ $last =~ ^pvmmu:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    fail "$1" "the last line is not 'pvmmu: N passed, N failed' (a crash?)" "$LOG"; return 1
  fi
  guest_passed=${BASH_REMATCH[1]} guest_failed=${BASH_REMATCH[2]}
  if [ "$guest_passed" != "$(grep -ac '^PASS ' "$LOG")" ] || [ "$guest_failed" != "$(grep -ac '^FAIL ' "$LOG")" ]; then
    fail "$1" "the tally ($guest_passed/$guest_failed) disagrees with the PASS/FAIL lines" "$LOG"; return 1
  fi
}

if [ ! -f "$elf" ] || ! command -v qemu-system-x86_64 >/dev/null; then
  echo "rig: FAIL metal-shadow: no kernel at $elf, or no qemu-system-x86_64 (make deps)"
  echo "0 1" > "$counts"; exit 1
fi

boot metal-shadow "$append"
passed=$(grep -ac '^PASS ' "$LOG"); failed=$(grep -ac '^FAIL ' "$LOG")
if finished metal-shadow; then
  if [ "$guest_failed" != 0 ]; then fail metal-shadow "$guest_failed checks failed" "$LOG"
  elif [ "$guest_passed" = 0 ]; then fail metal-shadow "nothing passed" "$LOG"
  elif [ "$status" != 1 ]; then fail metal-shadow "QEMU exit status $status, not 1 (the guest's isa-debug-exit 0)" "$LOG"
  else pass metal-shadow; fi
fi

boot metal-shadow-kill "suites=kill" 's/^FAIL metal-guest-alive/expected: &/; s/^log: shadow: guest killed/expected: &/'
if finished metal-shadow-kill; then
  if [ "$guest_failed" != 1 ] || ! grep -aq "^FAIL metal-guest-alive: .*which is the host's" "$LOG"; then
    fail metal-shadow-kill "the host did not stop the guest for mapping a host frame" "$LOG"
  elif [ "$status" != 3 ]; then fail metal-shadow-kill "QEMU exit status $status, not 3 (isa-debug-exit 1)" "$LOG"
  else pass metal-shadow-kill; fi
fi

echo "$passed $failed" > "$counts"
[ "$failed" = 0 ]
