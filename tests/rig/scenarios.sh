#!/bin/bash
# Runs a list of full-way rig scenarios, one boot of Xen + dom0 each, and sums them.
#
#   scenarios.sh LIST COUNTS WORKDIR
#
# LIST has one scenario per line (blank lines and #-comments skipped):
#
#   NAME | pvmmu's command line (xl's extra=) | what dom0 does at each "ready for save" | settings | requires
#
# The third field is dom0-init's RIG_SAVE_MODES (restore, checkpoint, checkpoint-restore,
# shutdown, reboot: one word per save, the last repeated).  The fourth, optional, is
# space-separated key=value settings:
#
#   memory=MiB     the guest's memory and maxmem (examples/pvmmu.cfg has 256)
#   maxmem=MiB     the guest's maxmem alone, after memory= (above memory: room for xl mem-set to grow it)
#   guests=N       N guests side by side, each its own copy of the config (names pvmmu, pvmmu-2, ...)
#   qemu_mem=MiB   the emulated machine's memory (run.sh's QEMU_MEM; without it, tests/rig/size.sh's
#                  rule from memory= and guests=)
#   dom0_mem=SIZE  dom0's memory, e.g. 2048M (run.sh's DOM0_MEM; xl save writes into dom0's RAM;
#                  without it, size.sh's rule: room for every guest's image at once)
#   timeout=S      seconds each guest may run (run.sh's GUEST_TIMEOUT)
#   on_reboot=ACTION  the config's on_reboot (examples/pvmmu.cfg has destroy); "restart" for
#                  a scenario whose guest must come back from xl reboot
#   vcpus=N        the config's vcpus (examples/pvmmu.cfg has 1): a list whose BASE_CFG has one
#                  vCPU (the migration rig's) can run a scenario on several (docs/smp-xen.md)
#   maxvcpus=N     a `maxvcpus = N` line added: the domain has N vCPUs, vcpus= of them online
#                  (xl writes cpu/N/availability; the kernel leaves the offline ones down)
#   silence=S      seconds the console may stay silent (run.sh's SILENCE_TIMEOUT, default 300): a
#                  save that takes minutes prints nothing meanwhile
#   toolstack_p2m=list|tree  xl save runs with -vvv, and each save must show libxenguest reading the
#                  p2m as the virtual list or as the frame-list tree (run.sh's TOOLSTACK_P2M)
#
# The fifth, optional, is what each guest's console must show besides "0 failed"
# (tests/rig/requires.sh): check=NAME[:K] saves=N boots=N passed=N, e.g. "saves=10
# check=save-resume:10"; without it, one boot with at least one check passed.
#
# @CYCLES@ in the command line and in the requirements is replaced by $SAVE_CYCLES (default 10).
# Settings from the environment (rig.mk): CACHE, KERNEL, BASE_INITRD; SCENARIOS=NAME,...
# runs only those.  COUNTS gets "PASSED FAILED" over all the scenarios' rig verdicts;
# a scenario that leaves none is one failure.  Exit status 0 only if all passed.
set -uo pipefail
list=${1:?usage: scenarios.sh LIST COUNTS WORKDIR}
counts=${2:?usage: scenarios.sh LIST COUNTS WORKDIR}
work=${3:?usage: scenarios.sh LIST COUNTS WORKDIR}
rig=$(dirname "$0")
base_cfg=${BASE_CFG:-examples/pvmmu.cfg}
mkdir -p "$work" "$(dirname "$counts")"
passed=0 failed=0

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; echo "${s%"${s##*[![:space:]]}"}"; }

# guest_config NAME EXTRA MEMORY ON_REBOOT MAXMEM VCPUS MAXVCPUS > file: examples/pvmmu.cfg with its
# name, extra=, and (if given) memory (and maxmem with it), on_reboot, then maxmem alone, and vcpus
# replaced, and a maxvcpus line added.
guest_config() {
  sed -E -e 's/^(name[[:space:]]*=[[:space:]]*)"[^"]*"/\1"'"$1"'"/' \
         -e 's/^(extra[[:space:]]*=[[:space:]]*)"[^"]*"/\1"'"$2"'"/' \
         ${3:+-e 's/^(memory|maxmem)([[:space:]]*=[[:space:]]*)[0-9]+/\1\2'"$3"'/'} \
         ${4:+-e 's/^(on_reboot[[:space:]]*=[[:space:]]*)"[^"]*"/\1"'"$4"'"/'} \
         ${5:+-e 's/^(maxmem[[:space:]]*=[[:space:]]*)[0-9]+/\1'"$5"'/'} \
         ${6:+-e 's/^(vcpus[[:space:]]*=[[:space:]]*)[0-9]+/\1'"$6"'/'} "$base_cfg"
  if [ -n "${7:-}" ]; then echo "maxvcpus = $7"; fi
}

# wanted NAME: whether SCENARIOS (if set) names it.
wanted() { [ -z "${SCENARIOS:-}" ] || [[ ",$SCENARIOS," == *",$1,"* ]]; }

while IFS='|' read -r name extra modes settings requires; do
  name=$(trim "$name")
  case "$name" in ''|'#'*) continue ;; esac
  wanted "$name" || continue
  extra=$(trim "$extra"); modes=$(trim "$modes"); settings=$(trim "${settings:-}")
  requires=$(trim "${requires:-}")
  extra=${extra//@CYCLES@/${SAVE_CYCLES:-10}} requires=${requires//@CYCLES@/${SAVE_CYCLES:-10}}
  memory="" maxmem="" guests=1 qemu_mem="" dom0_mem="" timeout="" on_reboot="" toolstack_p2m="" silence="" vcpus="" maxvcpus=""
  for kv in $settings; do
    case "$kv" in
      memory=*|maxmem=*|guests=*|qemu_mem=*|dom0_mem=*|timeout=*|on_reboot=*|toolstack_p2m=*|silence=*|vcpus=*|maxvcpus=*) declare "${kv%%=*}=${kv#*=}" ;;
      *) echo "rig: FAIL $name: unknown setting '$kv' in $list (memory= maxmem= guests= qemu_mem= dom0_mem= timeout= on_reboot= toolstack_p2m= silence= vcpus= maxvcpus=)"
         failed=$((failed + 1)); continue 2 ;;
    esac
  done
  cfgs=""
  for k in $(seq 1 "$guests"); do
    gname=pvmmu; [ "$k" -gt 1 ] && gname=pvmmu-$k
    guest_config "$gname" "$extra" "$memory" "$on_reboot" "$maxmem" "$vcpus" "$maxvcpus" > "$work/$name-$k.cfg"
    if [ -n "$vcpus" ] && ! grep -Eq "^vcpus[[:space:]]*=[[:space:]]*$vcpus\$" "$work/$name-$k.cfg"; then
      echo "rig: FAIL $name: $base_cfg has no vcpus = line for vcpus=$vcpus"; failed=$((failed + 1)); continue 2
    fi
    cfgs="$cfgs $work/$name-$k.cfg"
  done
  echo "-- $name: extra=\"$extra\", saves: ${modes:-none}${settings:+, $settings}${requires:+, requires: $requires}"
  out=$work/$name.out
  env ${qemu_mem:+QEMU_MEM=$qemu_mem} ${toolstack_p2m:+TOOLSTACK_P2M=$toolstack_p2m} ${silence:+SILENCE_TIMEOUT=$silence} ${dom0_mem:+DOM0_MEM=$dom0_mem} ${timeout:+GUEST_TIMEOUT=$timeout} \
    SAVE_MODES="$modes" SCENARIO="$name" REQUIRES="$requires" WORK="$work/$name" LOG="$work/$name.log" XL_CONFIG="${cfgs# }" \
    COUNTS="$work/$name.counts" "$rig/run.sh" full > "$out" 2>&1
  grep -E '^rig: (PASS|FAIL)|rig: toolstack: |pvmmu: p2m (published|for the toolstack)|\| (PASS|FAIL) |pvmmu: [0-9]+ passed|stat: (save|negative|spaces|frames)|rig: \[.*done' "$out"
  if [ -s "$work/$name.counts" ]; then read -r p f < "$work/$name.counts"
  else p=0 f=1; tail -20 "$out"; fi
  passed=$((passed + p)) failed=$((failed + f))
  [ "$f" -eq 0 ] && echo "rig: PASS $name" || echo "rig: FAIL $name: see $out"
done < "$list"

echo "$passed $failed" > "$counts"
[ "$failed" -eq 0 ]
