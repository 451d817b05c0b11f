#!/bin/bash
# The bare-metal suite: boot pvmmu-metal.elf under QEMU (no Xen, no KVM: TCG),
# show its console, and turn it into one verdict.
#
#   tests/metal/run.sh ELF COUNTS [QEMU_APPEND]
#
# Prints the console, then `rig: PASS metal-shadow` or `rig: FAIL metal-shadow: why`
# (with the last console lines), and writes COUNTS as "PASSED FAILED": the guest's
# own PASS/FAIL counts plus this verdict.  The verdict needs the guest's closing
# `pvmmu: N passed, 0 failed` as the last line, N matching the PASS lines seen, and
# QEMU's isa-debug-exit status agreeing (1: the guest wrote 0, all passed).  A crash,
# a hang (METAL_TIMEOUT seconds, 120 by default) or a missing last line is a FAIL.
# Exits 0 on PASS, 1 on FAIL; make test ignores the status and reads COUNTS.
set -u
elf=${1:?usage: run.sh ELF COUNTS [APPEND]}
counts=${2:?usage: run.sh ELF COUNTS [APPEND]}
append=${3:-${METAL_APPEND:-}}
limit=${METAL_TIMEOUT:-120}
log=${counts%.counts}.log
mkdir -p "$(dirname "$counts")"

verdict() {   # PASS|FAIL [why]
  local p f
  p=$(grep -ac '^PASS ' "$log" 2>/dev/null); f=$(grep -ac '^FAIL ' "$log" 2>/dev/null)
  if [ "$1" = PASS ]; then
    echo "rig: PASS metal-shadow"; echo "$((p + 1)) $f" > "$counts"; exit 0
  fi
  echo "rig: FAIL metal-shadow: $2"
  echo "rig: last console lines:"; tail -n 15 "$log" | sed 's/^/rig:   /'
  echo "$p $((f + 1))" > "$counts"; exit 1
}

: > "$log"
[ -f "$elf" ] || verdict FAIL "no kernel at $elf"
command -v qemu-system-x86_64 >/dev/null || verdict FAIL "qemu-system-x86_64 is not installed (make deps)"

start=$(date +%s%N)
# The firmware's screen-clearing escapes are dropped; everything else is the console as is.
timeout -k 5 "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 512 \
    -nographic -no-reboot -serial stdio -monitor none \
    -kernel "$elf" ${append:+-append "$append"} \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null 2>&1 |
  sed -u 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/^.*\(pvmmu: bare x86\)/\1/' | tr -d '\r' |
  grep -av '^[[:space:]]*$' | tee "$log"
status=${PIPESTATUS[0]}
ms=$((($(date +%s%N) - start) / 1000000))
printf 'rig: metal-shadow ran %d.%d s, QEMU exit status %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$status"

last=$(grep -a . "$log" | tail -n 1)
[ "$status" = 124 ] || [ "$status" = 137 ] && verdict FAIL "no verdict within ${limit} s (a hang)"
[[ $last =~ ^pvmmu:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] ||
  verdict FAIL "the last line is not 'pvmmu: N passed, N failed' (a crash?)"
passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
[ "$passed" = "$(grep -ac '^PASS ' "$log")" ] && [ "$failed" = "$(grep -ac '^FAIL ' "$log")" ] ||
  verdict FAIL "the tally ($passed/$failed) disagrees with the PASS/FAIL lines"
[ "$failed" = 0 ] || verdict FAIL "$failed checks failed"
[ "$passed" -gt 0 ] || verdict FAIL "nothing passed"
[ "$status" = 1 ] || verdict FAIL "QEMU exit status $status, not 1 (the guest's isa-debug-exit 0)"
verdict PASS
