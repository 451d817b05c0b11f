#!/bin/bash
# The spec of tests/rig/requires.sh, the rig's word on whether a guest showed what its
# scenario asked for (tests/rig/save-scenarios' fifth field), run by `make check`.
# Each case is a fake guest console, as run.sh hands it over, and the verdict it must get.
# Every bad console here ends in "pvmmu: N passed, 0 failed", which is all the rig's
# guest-verdict looked at before: the spec says so for each (old_rule_passes), so a
# case that the old rule would already have failed cannot slip in.
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0

# --- fake consoles, pvmmu's own lines (arch/x86/xen/main.c, saves.c, workloads/report.c) ---
boot()    { echo "pvmmu: xen-3.0-x86_64, domU, 65536 pages, start_info flags 0"
            echo "pvmmu: command line 'suites=p2m saves=$1', suites p2m"
            echo "PASS p2m-m2p-agree"; echo "PASS p2m-frame-lists-read-back"; }
save()    { echo "pvmmu: ready for save $1 of $2"; echo "pvmmu: resumed in a new domain (save $1)"
            echo "PASS save-resume"; echo "stat: save_pin_all_traps 3"; echo "PASS save-address-spaces-survive"; }
verdict() { echo "pvmmu: $1 passed, $2 failed"; }

{ boot 3; save 1 3; save 2 3; save 3 3; verdict 8 0; } > "$tmp/three-saves"
{ boot 5; save 1 5; save 2 5; save 3 5; verdict 8 0; } > "$tmp/three-of-five"
{ echo "pvmmu: xen-3.0-x86_64, domU, 65536 pages, start_info flags 0"; verdict 0 0; } > "$tmp/nothing-ran"
{ boot 1; echo "pvmmu: ready for save 1 of 1"; echo "pvmmu: resumed in a new domain (save 1)"
  echo "stat: negative_control_spaces_damaged 0"; verdict 2 0; } > "$tmp/control-silent"
{ boot 1; echo "pvmmu: ready for save 1 of 1"; echo "pvmmu: shutdown requested through xenstore: reboot"
  echo "PASS shutdown-request-reboot"; verdict 3 0; } > "$tmp/reboot-gone"
{ cat "$tmp/reboot-gone"; boot 1; echo "pvmmu: ready for save 1 of 1"
  echo "pvmmu: shutdown requested through xenstore: poweroff"; echo "PASS shutdown-request-poweroff"; verdict 3 0; } > "$tmp/reboot-back"
{ cat "$tmp/reboot-gone"; boot 1; } > "$tmp/reboot-back-silent"
# xl save -c, then the checkpoint restored in its place: save 1 is seen twice, once cancelled.
{ boot 2; echo "pvmmu: ready for save 1 of 2"; echo "pvmmu: suspend cancelled (save 1)"; echo "PASS save-resume"
  echo "pvmmu: ready for save 2 of 2"; echo "pvmmu: resumed in a new domain (save 1)"; echo "PASS save-resume"
  save 2 2; verdict 7 0; } > "$tmp/checkpoint"
{ boot 3; save 1 3; echo "pvmmu: resumed in a new domain (save 2)"; echo "PASS save-resume"
  echo "pvmmu: resumed in a new domain (save 3)"; echo "PASS save-resume"; verdict 6 0; } > "$tmp/survive-once"

# The rule guest-verdict applied alone: the last verdict line says 0 failed.
old_rule_passes() { grep '^pvmmu: [0-9]* passed, [0-9]* failed' "$1" | tail -1 | grep -q ' 0 failed$'; }

# expect WHAT CONSOLE pass|"fail: MESSAGE" [WORD...]
expect() {
  local what=$1 console=$2 want=$3; shift 3
  tests/rig/requires.sh "$@" < "$tmp/$console" > "$tmp/out" 2>&1; local rc=$?
  if [ "$want" = pass ]; then
    if [ $rc -eq 0 ] && [ ! -s "$tmp/out" ]; then echo "PASS rig-requires: $what"
    else echo "FAIL rig-requires: $what: want a pass, got exit $rc:"; cat "$tmp/out"; status=1; fi
    return
  fi
  if ! old_rule_passes "$tmp/$console"; then
    echo "FAIL rig-requires: $what: the old rule fails this console too, so it guards nothing new"; status=1
  elif [ $rc -ne 0 ] && grep -qxF "${want#fail: }" "$tmp/out"; then echo "PASS rig-requires: $what"
  else echo "FAIL rig-requires: $what: want '${want#fail: }', got exit $rc:"; cat "$tmp/out"; status=1; fi
}

# Guards the hole: "pvmmu: 0 passed, 0 failed" was a pass.
expect "a verdict of 0 passed fails" nothing-ran "fail: verdict 1 says 0 passed, at least 1 required"
expect "a higher passed= minimum is applied" three-saves "fail: verdict 1 says 8 passed, at least 9 required" passed=9
# Guards the negative control whose check never ran (a silent control proves nothing).
expect "a required check that never ran fails, by name" control-silent \
  "fail: required check pin-all-negative-control never ran" check=pin-all-negative-control saves=1
# Guards "asked 5 saves, saw 3" passing.
expect "fewer saves than asked fails, with both counts" three-of-five "fail: asked 5 saves, saw 3" saves=5
expect "a check asked once per save must pass that often" survive-once \
  "fail: required check save-address-spaces-survive passed 1 times of 3" saves=3 check=save-address-spaces-survive:3
# Guards xl reboot looking like a poweroff: the domain must come back and reach a second verdict.
expect "a reboot that never came back fails" reboot-gone "fail: asked 2 boot(s), saw 1" \
  boots=2 check=shutdown-request-reboot
expect "a second boot that never reached its verdict fails" reboot-back-silent \
  "fail: boot 2 of 2 never reached its verdict line" boots=2 check=shutdown-request-reboot
expect "an unknown requirement fails rather than being ignored" three-saves \
  'fail: unknown requirement "save=3" (check=NAME[:K] saves=N boots=N passed=N)' save=3

expect "a good run passes" three-saves pass saves=3 check=save-resume:3 check=p2m-m2p-agree passed=8
expect "a reboot that came back passes" reboot-back pass boots=2 check=shutdown-request-reboot check=shutdown-request-poweroff
expect "xl save -c's cancelled save counts as one that came back" checkpoint pass saves=2 check=save-resume:3
expect "no words: one boot with at least one pass" three-saves pass

# --- run.sh applies them, per guest: a fake QEMU "boots" a serial log of two guests -------
# Guards the wiring: the requirements reach requires.sh for each guest, on that guest's lines
# only (all of the log together holds three boots: both guests would pass boots=2).
mkdir -p "$tmp/bin" "$tmp/cache" && touch "$tmp/cache/xen" "$tmp/kernel" "$tmp/base.cpio"
printf 'name = "pvmmu"\n' > "$tmp/one.cfg"; printf 'name = "pvmmu-2"\n' > "$tmp/two.cfg"
{ echo "Xen version 4.17"; echo "@@RIG DOM0_UP"; echo "@@RIG TOOLSTACK_UP"; echo "@@RIG GUEST_CREATED"
  sed 's/^/[guest] /' "$tmp/reboot-back"; sed 's/^/[guest2] /' "$tmp/reboot-gone"
  echo "@@SCENARIO guest-verdict/pvmmu PASS"; echo "@@SCENARIO guest-verdict/pvmmu-2 PASS"; echo "@@RIG DONE"; } > "$tmp/serial"
printf '#!/bin/bash\ncat %q\n' "$tmp/serial" > "$tmp/bin/qemu-system-x86_64"; chmod +x "$tmp/bin/qemu-system-x86_64"
PATH=$tmp/bin:$PATH CACHE=$tmp/cache KERNEL=$tmp/kernel WORK=$tmp/work LOG=$tmp/log BASE_INITRD=$tmp/base.cpio \
  XL_CONFIG="$tmp/one.cfg $tmp/two.cfg" COUNTS=$tmp/counts SCENARIO=reboots REQUIRES="boots=2" \
  tests/rig/run.sh full > "$tmp/run.out" 2>&1
if grep -qx "rig: PASS requires/pvmmu" "$tmp/run.out" \
   && grep -qx "rig: FAIL requires/pvmmu-2: scenario reboots: asked 2 boot(s), saw 1" "$tmp/run.out" \
   && [ "$(cat "$tmp/counts")" = "3 1" ]; then
  echo "PASS rig-requires: run.sh judges each guest on its own lines, and counts the failure"
else echo "FAIL rig-requires: run.sh: want requires/pvmmu PASS, requires/pvmmu-2 FAIL, counts '3 1'"; cat "$tmp/run.out"; status=1; fi
exit $status
