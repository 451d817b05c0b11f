#!/bin/bash
# The spec of tests/rig/size.sh, the rig's rule for QEMU's and dom0's memory in the full way,
# and of run.sh's use of it (a fake QEMU records what it was given), run by `make check`.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
pass() { echo "PASS rig-size: $1"; }
fail() { echo "FAIL rig-size: $1"; status=1; }

# A host with plenty, and one with 6000 MiB available.
printf 'MemTotal:       99999999 kB\nMemAvailable:   65536000 kB\n' > "$tmp/big-host"
printf 'MemTotal:        8000000 kB\nMemAvailable:    6144000 kB\n' > "$tmp/small-host"
with_mem() { sed -E "s/^(memory|maxmem)([[:space:]]*=[[:space:]]*)[0-9]+/\1\2$1/" examples/pvmmu.cfg; }
with_mem 1024 > "$tmp/1g.cfg"; with_mem 4096 > "$tmp/4g.cfg"
{ with_mem 256 | sed -E 's/^maxmem.*/maxmem = 1024/'; } > "$tmp/maxmem.cfg"
{ sed -E 's/^vcpus.*/vcpus = 64/' examples/pvmmu.cfg; } > "$tmp/vcpus.cfg"

size() { RIG_MEMINFO=$tmp/big-host tests/rig/size.sh "$@" 2>&1; }
expect() {   # expect WHAT WANT CMD...
  local what=$1 want=$2; shift 2; local got; got=$("$@" 2>&1)
  if [ "$got" = "$want" ]; then pass "$what"; else fail "$what: want '$want', got '$got'"; fi
}

# Guards the defaults: today's example config and scenarios keep today's numbers.
expect "examples/pvmmu.cfg gets today's QEMU 2048 MiB and dom0 768 MiB" "2048 768" size examples/pvmmu.cfg
expect "examples/pvmmu-save.cfg too" "2048 768" size examples/pvmmu-save.cfg
read -r q1 d1 <<< "$(size examples/pvmmu.cfg)"
read -r qg dg <<< "$(size "$tmp/1g.cfg")"
if [ "$qg" -gt "$q1" ] && [ "$dg" -gt "$d1" ] && [ "$qg" -ge $((dg + 1024)) ] && [ "$dg" -ge $((480 + 1024)) ]; then
  pass "a 1 GiB guest gets a bigger QEMU ($qg) and dom0 ($dg), room for its image and itself"
else fail "a 1 GiB guest: QEMU $qg, dom0 $dg (want more than $q1 / $d1, dom0 >= 1504, QEMU >= dom0 + 1024)"; fi
read -r qm dm <<< "$(size "$tmp/maxmem.cfg")"
[ "$qm $dm" = "$qg $dg" ] && pass "maxmem= sizes as memory= does (the guest may balloon up to it)" \
  || fail "maxmem=1024: want '$qg $dg', got '$qm $dm'"
read -r qv dv <<< "$(size "$tmp/vcpus.cfg")"
[ "$qv" -gt "$q1" ] && [ "$dv" = "$d1" ] && pass "64 vCPUs grow QEMU's memory ($qv), not dom0's" \
  || fail "vcpus=64: got QEMU $qv, dom0 $dv"
# Guards two guests saved at once (dom0-init keeps each one's image until its restore is done).
read -r q2 d2 <<< "$(size examples/pvmmu.cfg examples/pvmmu.cfg)"
image=$((256 + 256 / 8))
if [ "$d2" -ge $((d1 + image)) ] && [ "$q2" -gt "$q1" ] && [ "$q2" -ge $((d2 + 2 * 256)) ]; then
  pass "two guests get room for two images: dom0 $d2, QEMU $q2"
else fail "two guests: dom0 $d2 (want >= $((d1 + image))), QEMU $q2 (want > $q1, >= dom0 + 512)"; fi
# Guards the explicit settings (a scenario's qemu_mem= / dom0_mem=, the user's QEMU_MEM / DOM0_MEM).
expect "explicit QEMU_MEM and DOM0_MEM win" "2560 1280" env QEMU_MEM=2560 DOM0_MEM=1280M \
  RIG_MEMINFO="$tmp/big-host" tests/rig/size.sh examples/pvmmu.cfg examples/pvmmu.cfg
expect "DOM0_MEM in G counts in MiB, and sizes QEMU" "3584 2048" env DOM0_MEM=2G \
  RIG_MEMINFO="$tmp/big-host" tests/rig/size.sh examples/pvmmu.cfg
# Guards the refusal: too big for the host, by name and numbers, before booting.
expect "a 4 GiB guest on a 6000 MiB host is refused, with the numbers" \
  "rig: FAIL host-memory: XL_CONFIG asks 4096 MiB for the guest; with dom0 5120 MiB and the images, QEMU needs 10240 MiB, the host has 6000 MiB available ($tmp/small-host): not booting" \
  env RIG_MEMINFO="$tmp/small-host" tests/rig/size.sh "$tmp/4g.cfg"
expect "an explicit QEMU_MEM too big for the host is refused too" \
  "rig: FAIL host-memory: XL_CONFIG asks 256 MiB for the guest; with dom0 768 MiB and the images, QEMU needs 8192 MiB (QEMU_MEM), the host has 6000 MiB available ($tmp/small-host): not booting" \
  env QEMU_MEM=8192 RIG_MEMINFO="$tmp/small-host" tests/rig/size.sh examples/pvmmu.cfg
RIG_MEMINFO=$tmp/small-host tests/rig/size.sh "$tmp/4g.cfg" > /dev/null 2>&1 \
  && fail "the refusal exits 0" || pass "the refusal exits non-zero"
expect "a DOM0_MEM that is no size is refused" "rig: DOM0_MEM=lots is not a size (768M, 2G, ...)" \
  env DOM0_MEM=lots RIG_MEMINFO="$tmp/big-host" tests/rig/size.sh examples/pvmmu.cfg

# --- run.sh uses it: a fake QEMU records its arguments ---------------------------------------
mkdir -p "$tmp/bin" "$tmp/cache" && touch "$tmp/cache/xen" "$tmp/kernel" "$tmp/base.cpio"
printf '#!/bin/bash\necho "$@" > %q/qemu-args\necho "@@RIG DONE"\n' "$tmp" > "$tmp/bin/qemu-system-x86_64"
chmod +x "$tmp/bin/qemu-system-x86_64"
run() { rm -f "$tmp/qemu-args"; env PATH="$tmp/bin:$PATH" CACHE="$tmp/cache" KERNEL="$tmp/kernel" WORK="$tmp/work" \
  LOG="$tmp/log" BASE_INITRD="$tmp/base.cpio" COUNTS="$tmp/counts" "$@" tests/rig/run.sh full > "$tmp/run.out" 2>&1; }
run RIG_MEMINFO="$tmp/big-host" XL_CONFIG=examples/pvmmu.cfg
if grep -q -- "-m 2048 .*dom0_mem=768M,max:768M" "$tmp/qemu-args" 2>/dev/null; then
  pass "run.sh boots examples/pvmmu.cfg with QEMU 2048 MiB, dom0 768M, as before"
else fail "run.sh, examples/pvmmu.cfg: QEMU got '$(cat "$tmp/qemu-args" 2>/dev/null)'"; fi
run RIG_MEMINFO="$tmp/big-host" XL_CONFIG="$tmp/1g.cfg"
if grep -q -- "-m $qg .*dom0_mem=${dg}M,max:${dg}M" "$tmp/qemu-args" 2>/dev/null; then
  pass "run.sh sizes QEMU and dom0 from a 1 GiB config ($qg, ${dg}M)"
else fail "run.sh, 1 GiB: QEMU got '$(cat "$tmp/qemu-args" 2>/dev/null)'"; fi
run RIG_MEMINFO="$tmp/big-host" XL_CONFIG="$tmp/1g.cfg" QEMU_MEM=3000 DOM0_MEM=900M
if grep -q -- "-m 3000 .*dom0_mem=900M,max:900M" "$tmp/qemu-args" 2>/dev/null; then
  pass "run.sh keeps an explicit QEMU_MEM and DOM0_MEM"
else fail "run.sh, explicit: QEMU got '$(cat "$tmp/qemu-args" 2>/dev/null)'"; fi
run RIG_MEMINFO="$tmp/small-host" XL_CONFIG="$tmp/4g.cfg"; rc=$?
if [ $rc -ne 0 ] && [ ! -e "$tmp/qemu-args" ] && grep -q "^rig: FAIL host-memory: XL_CONFIG asks 4096 MiB" "$tmp/run.out" \
   && [ "$(cat "$tmp/counts")" = "0 1" ]; then
  pass "run.sh refuses a config too big for the host before QEMU starts, and counts a failure"
else fail "run.sh, too big: exit $rc, QEMU started: $([ -e "$tmp/qemu-args" ] && echo yes || echo no)"; cat "$tmp/run.out"; fi
exit $status
