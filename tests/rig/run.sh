#!/bin/bash
# Boots real Xen 4.17 under QEMU (software emulation, no KVM) and judges the run.
#
#   run.sh quick   Xen boots pvmmu.elf directly as its initial domain: no dom0 Linux,
#                  no toolstack; pvmmu prints through console_io.  Seconds.
#   run.sh full    Xen boots Debian's Linux dom0 with the toolstack; dom0-init
#                  `xl create`s the guest config and streams its console.  About a minute.
#
# Settings come from the environment (tests/rig/rig.mk sets them):
#   CACHE       the fetched Xen and dom0 kernel (fetch.sh)          KERNEL  pvmmu.elf
#   WORK        a scratch directory for this run                    LOG     the serial log
#   COUNTS      if set, "PASSED FAILED" is written there
#   XL_CONFIG   full: the xl config to create (examples/pvmmu.cfg)  BASE_INITRD  full: build-initrd.sh's
#               or several, space-separated: the guests run side by side (each needs its own name=)
#   QEMU_MEM    the machine's memory in MiB (default 1024 quick; full: sized from the configs by
#               tests/rig/size.sh, 2048 for examples/pvmmu.cfg)
#   DOM0_MEM    full: dom0's memory (default: size.sh's, 768M for examples/pvmmu.cfg; xl save keeps
#               the images in dom0's RAM).  A machine larger than the host's MemAvailable is refused.
#   EXTRA       quick: pvmmu's command line (suites=..., spaces=...)
#   QUICK_MEM   quick: the memory Xen gives pvmmu (default 256M)
#   SAVE_MODES  full, for a guest with saves=N: per save "restore" (xl save + xl restore, the
#               default) or "checkpoint" (xl save -c), e.g. "checkpoint restore", or "migrate"
#               (xl migrate to the same host: needs a Xen with shadow paging, tests/rig/migrate.mk)
#   MIGTAP      full: the migration stream tap (tests/rig/migtap) to put in dom0 as /usr/bin/migtap
#   RIG_XL_RAW=1  full, migrate: dom0 prints xl migrate's whole output ("rig: xl: " lines)
#   GUEST_TIMEOUT  seconds pvmmu may run before it is declared hung (default 900)
#   SILENCE_TIMEOUT  seconds the console may stay silent before the run is declared hung
#               (default 300: every scenario prints far more often; a hang then costs minutes, not 15)
#   QEMU_CPU    QEMU's -cpu (default qemu64; see below)     DOM0_VCPUS  full: dom0_max_vcpus (Xen's default)
#   RIG_VERBOSE=1  stream every console line, not only pvmmu's and the rig's
#   REQUIRES    what each guest's console must show besides "0 failed" (tests/rig/requires.sh:
#               check=NAME[:K] saves=N boots=N passed=N; empty: one boot, at least one pass)
#   TOOLSTACK_P2M  full: list|tree: each xl save runs with -vvv and must show libxenguest reading
#               the p2m that way (a "toolstack-p2m-..." scenario per save, dom0-init)
#   SCENARIO    the scenario's name, for the requirements' failures (scenarios.sh sets both)
#
# Output: one line per phase with the seconds since QEMU started, pvmmu's own lines
# as they come, `rig: PASS <scenario>` / `rig: FAIL <scenario>: <why>`, and a summary.
# QEMU's exit code says nothing; the verdict is pvmmu's `pvmmu: N passed, N failed`, and
# the `requires` scenario: that each guest's console shows what REQUIRES names.
# Exit status: 0 only if every scenario passed and pvmmu reported no failure.
set -uo pipefail
MODE=${1:?usage: run.sh quick|full}
RIG_DIR=$(dirname "$0")
: "${CACHE:?}" "${KERNEL:?}" "${WORK:?}" "${LOG:?}"
GUEST_TIMEOUT=${GUEST_TIMEOUT:-900}
mkdir -p "$WORK"
[ -f "$KERNEL" ] || { echo "rig: no kernel at $KERNEL"; exit 1; }
[ -f "$CACHE/xen" ] || { echo "rig: no Xen in $CACHE (run tests/rig/fetch.sh)"; exit 1; }

# --- the machine -----------------------------------------------------------------
# The CPU model: qemu64.  -cpu max crashes a PV dom0 on SMAP at its first instructions, and
# max minus smap corrupts the memory of dom0's programs now and then (busybox's malloc faults
# on a wild pointer, xl aborts with "corrupted double-linked list": half the two-guest boots);
# with qemu64, none in 17 boots.  QEMU_CPU=... overrides it.
QEMU=(qemu-system-x86_64 -machine q35 -accel tcg -cpu "${QEMU_CPU:-qemu64}" -smp 2 -nographic -no-reboot
      -serial stdio -monitor none -kernel "$CACHE/xen")
XEN_COMMON="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot"
case $MODE in
  quick)
    # Xen drops the first word of a module's string (the file name) and hands pvmmu the rest.
    # QEMU splits -initrd at commas (one module each); ",," is a literal comma.
    EXTRA=${EXTRA:-}
    QEMU+=(-m "${QEMU_MEM:-1024}" -append "$XEN_COMMON dom0_mem=${QUICK_MEM:-256M},max:${QUICK_MEM:-256M} dom0_max_vcpus=1" -initrd "$KERNEL ${EXTRA//,/,,}")
    ;;
  full)
    : "${XL_CONFIG:?}" "${BASE_INITRD:?}"
    # The guest and its config ride in a second cpio archive, unpacked over the first.
    rm -rf "$WORK/overlay" && mkdir -p "$WORK/overlay/pvmmu" "$WORK/overlay/etc/xen"
    cp "$KERNEL" "$WORK/overlay/pvmmu/pvmmu.elf"
    cfgs="" k=0
    for cfg in $XL_CONFIG; do
      [ -f "$cfg" ] || { echo "rig: no xl config $cfg"; exit 1; }
      k=$((k + 1)); name=guest; [ $k -gt 1 ] && name=guest$k
      cp "$cfg" "$WORK/overlay/etc/xen/$name.cfg"; cfgs="$cfgs /etc/xen/$name.cfg"
    done
    printf 'RIG_CFGS="%s"\nRIG_TIMEOUT=%s\nRIG_SAVE_MODES="%s"\nRIG_TOOLSTACK_P2M="%s"\nRIG_XL_RAW="%s"\n' "${cfgs# }" \
      "$GUEST_TIMEOUT" "${SAVE_MODES:-restore}" "${TOOLSTACK_P2M:-}" "${RIG_XL_RAW:-}" > "$WORK/overlay/rig.env"
    # The migration stream tap (tests/rig/migtap, built by tests/rig/migrate.mk), for SAVE_MODES=migrate.
    if [ -n "${MIGTAP:-}" ]; then mkdir -p "$WORK/overlay/usr/bin" && cp "$MIGTAP" "$WORK/overlay/usr/bin/migtap"; fi
    (cd "$WORK/overlay" && find . | cpio -o -H newc --quiet) > "$WORK/overlay.cpio"
    cat "$BASE_INITRD" "$WORK/overlay.cpio" > "$WORK/dom0.cpio"
    # QEMU's and dom0's memory from the configs (tests/rig/size.sh), unless QEMU_MEM / DOM0_MEM
    # say; a machine the host cannot hold is refused here, before anything boots.
    if ! sizes=$("$RIG_DIR/size.sh" $XL_CONFIG 2>&1); then
      echo "$sizes"; [ -n "${COUNTS:-}" ] && echo "0 1" > "$COUNTS"; exit 1
    fi
    read -r qemu_mib dom0_mib <<< "$sizes"
    dom0_mem=${DOM0_MEM:-${dom0_mib}M}
    echo "rig: QEMU ${qemu_mib} MiB${QEMU_MEM:+ (QEMU_MEM)}, dom0 ${dom0_mib} MiB${DOM0_MEM:+ (DOM0_MEM)}, for $k guest(s)"
    QEMU+=(-m "$qemu_mib" -append "$XEN_COMMON dom0_mem=$dom0_mem,max:$dom0_mem${DOM0_VCPUS:+ dom0_max_vcpus=$DOM0_VCPUS}"
           -initrd "$CACHE/vmlinuz console=hvc0 earlyprintk=xen quiet,$WORK/dom0.cpio")
    ;;
  *) echo "usage: run.sh quick|full"; exit 2 ;;
esac

# --- watching the serial log ----------------------------------------------------------
T0=$(date +%s.%N)
elapsed() { awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }'; }
phase() { printf 'rig: [%6s s] %s\n' "$(elapsed)" "$*"; }

: > "$LOG"
timeout $((GUEST_TIMEOUT + 300)) "${QEMU[@]}" < /dev/null > "$LOG" 2>&1 &
QPID=$!
phase "QEMU started ($MODE way)"
stop_qemu() { kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; }
trap stop_qemu EXIT

# The serial log without QEMU's and SeaBIOS's terminal escapes and carriage returns.
clean() { sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' -e 's/\r//g' "$LOG"; }

scen_pass=0; scen_fail=0
scenario() {   # scenario NAME PASS|FAIL [why]
  if [ "$2" = PASS ]; then echo "rig: PASS $1"; scen_pass=$((scen_pass + 1))
  else echo "rig: FAIL $1: ${3:-}"; scen_fail=$((scen_fail + 1)); fi
}

failure_context() {
  echo "rig: last console lines:"
  clean | grep -v '^$' | tail -25 | sed 's/^/  > /'
}

# How long dom0 may take after the (first) guest's verdict: a second guest may still be
# running, and a guest that reboots boots again and runs to a second verdict.
after_verdict() {
  if [ "$k" -gt 1 ] || [[ " ${SAVE_MODES:-} " == *" reboot "* ]]; then echo "$GUEST_TIMEOUT"; else echo 120; fi
}

# The phases, in order: "pattern;name;seconds allowed since the previous one".
VERDICT='pvmmu: [0-9]+ passed, [0-9]+ failed'
if [ "$MODE" = quick ]; then
  PHASES=("Xen version;Xen up;60" "Building a PV Dom0;Xen builds pvmmu as its initial domain;60"
          "^pvmmu: ;pvmmu running;60" "^$VERDICT;pvmmu verdict;$GUEST_TIMEOUT"
          "Hardware Dom0 (halted|crashed);pvmmu shut down;60")
else
  PHASES=("Xen version;Xen up;60" "^@@RIG DOM0_UP;dom0 up;180" "^@@RIG TOOLSTACK_UP;toolstack up;120"
          "^@@RIG GUEST_CREATED;guest created;180" "^\[guest\] $VERDICT;guest verdict;$GUEST_TIMEOUT"
          "^@@RIG DONE;dom0 done;$(after_verdict)")
fi
# A line after which nothing more will come: the run is over, whatever phase it reached.
if [ "$MODE" = quick ]; then FINAL='Hardware Dom0 (halted|crashed)'; else FINAL='^@@RIG DONE'; fi
next=0
broken=""
over=""
next_deadline() { IFS=';' read -r _ _ limit <<< "${PHASES[$next]}"; deadline=$(( $(date +%s) + limit )); }
next_deadline

# One console line, in order: a phase reached, a scenario judged, a line worth showing.
handle() {
  local line=$1 pattern name limit
  [[ $line =~ $FINAL ]] && over=$line
  case $line in
    "@@SCENARIO "*) read -r _ sname sverdict swhy <<< "$line"; scenario "$sname" "$sverdict" "$swhy" ;;
    "@@RIG ABORT"*) broken="dom0-init gave up: ${line#@@RIG ABORT }" ;;
    "@@RIG SAVE_"*|"@@RIG RESTORE_"*|"@@RIG MIGRATE_"*|"@@RIG REBOOTED"*) phase "$(echo "${line#@@RIG }" | sed 's/ \[dom0 uptime.*//' | tr 'A-Z_' 'a-z ')" ;;
  esac
  if [ "${RIG_VERBOSE:-0}" = 1 ]; then
    echo "  | $line"
  elif [[ $line =~ ^(pvmmu:|PASS |FAIL |stat: |log: |rig: ) ]]; then
    echo "  | $line"
  elif [[ $line =~ ^\[guest\]\  ]]; then
    echo "  | ${line#\[guest\] }"
  elif [[ $line =~ ^\[guest[0-9]+\]\  ]]; then
    echo "  | $line"
  fi
  if [ "$next" -lt "${#PHASES[@]}" ]; then
    IFS=';' read -r pattern name limit <<< "${PHASES[$next]}"
    if [[ $line =~ $pattern ]]; then
      phase "$name"
      next=$((next + 1))
      [ "$next" -lt "${#PHASES[@]}" ] && next_deadline
    fi
  fi
}

shown=0
last_output=$(date +%s)
while :; do
  total=$(clean | wc -l)
  if [ "$total" -gt "$shown" ]; then
    while IFS= read -r l; do handle "$l"; done < <(clean | sed -n "$((shown + 1)),${total}p")
    shown=$total
    last_output=$(date +%s)
  fi
  [ "$next" -ge "${#PHASES[@]}" ] && break
  [ -n "$broken" ] && break
  IFS=';' read -r _ pname plimit <<< "${PHASES[$next]}"
  if [ -n "$over" ]; then
    broken="no '$pname' before '$over'"
  elif ! kill -0 "$QPID" 2>/dev/null; then
    sleep 0.2; total=$(clean | wc -l)
    [ "$total" -gt "$shown" ] && continue   # read what QEMU wrote last, then give up
    broken="no '$pname': QEMU exited first"
  elif [ "$(date +%s)" -ge "$deadline" ]; then
    broken="no '$pname' within $plimit s"
  elif [ $(( $(date +%s) - last_output )) -ge "${SILENCE_TIMEOUT:-300}" ]; then
    broken="no '$pname': the console has been silent for ${SILENCE_TIMEOUT:-300} s (hung?)"
  fi
  [ -n "$broken" ] && { phase "FAILED: $broken"; break; }
  sleep 0.5
done

# pvmmu's own tally (the last verdict line in the log).
vline=$(clean | grep -E "$VERDICT" | tail -1)
g_pass=$(echo "$vline" | sed -nE 's/.*pvmmu: ([0-9]+) passed, ([0-9]+) failed.*/\1/p')
g_fail=$(echo "$vline" | sed -nE 's/.*pvmmu: ([0-9]+) passed, ([0-9]+) failed.*/\2/p')
crashed=$(clean | grep -E 'pvmmu: (unexpected fault|crashed)|Hardware Dom0 crashed' | head -1)

if [ "$MODE" = quick ]; then
  if [ -z "$vline" ]; then scenario quick-boot FAIL "no verdict line from pvmmu${broken:+: $broken}"
  elif [ -n "$crashed" ]; then scenario quick-boot FAIL "$crashed"
  elif [ -n "$broken" ]; then scenario quick-boot FAIL "$broken"
  else scenario quick-boot PASS; fi
else
  [ -n "$broken" ] && [ "$scen_fail" -eq 0 ] && scenario full-run FAIL "$broken"
  [ -z "$broken" ] && [ -n "$crashed" ] && scenario full-run FAIL "$crashed"
  [ "$scen_pass" -eq 0 ] && [ "$scen_fail" -eq 0 ] && scenario full-run FAIL "no scenario was judged"
fi

# What each guest had to show besides "0 failed": its lines, without the serial log's
# "[guest] " ("[guest2] ", ...; the quick way's pvmmu prints bare), through requires.sh.
# Its name ends in "/<guest name>" with several guests, as dom0-init's verdicts do.
judge_requires() {   # judge_requires TAG AT
  local console=$WORK/console-${1:-quick}.txt why
  if [ -n "$1" ]; then clean | sed -n "s/^\[$1\] //p"; else clean; fi > "$console"
  if why=$("$RIG_DIR/requires.sh" ${REQUIRES:-} < "$console"); then scenario "requires$2" PASS
  else scenario "requires$2" FAIL "scenario ${SCENARIO:-of this run}: $(echo "$why" | paste -sd ';' | sed 's/;/; /g')"; fi
}
if [ "$MODE" = quick ]; then
  judge_requires "" ""
else
  n=0
  for cfg in $XL_CONFIG; do
    n=$((n + 1)); tag=guest; at=""
    [ $n -gt 1 ] && tag=guest$n
    [ "$k" -gt 1 ] && at=/$(sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$cfg" | head -1)
    judge_requires "$tag" "$at"
  done
fi

# No verdict line at all is already a failed scenario: silence never passes.
g_pass=${g_pass:-0}; g_fail=${g_fail:-0}
if [ "$scen_fail" -gt 0 ] || [ "$g_fail" -gt 0 ]; then failure_context; fi
if [ -n "${COUNTS:-}" ]; then
  if [ "$MODE" = quick ]; then echo "$((g_pass + scen_pass)) $((g_fail + scen_fail))" > "$COUNTS"
  else echo "$scen_pass $scen_fail" > "$COUNTS"; fi
fi
phase "done: pvmmu ${g_pass} passed, ${g_fail} failed; rig scenarios ${scen_pass} passed, ${scen_fail} failed (log: $LOG)"
[ "$scen_fail" -eq 0 ] && [ "$g_fail" -eq 0 ]
