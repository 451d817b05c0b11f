#!/bin/bash
# Boots the trace rig once: real Xen 4.17 under QEMU (software emulation), dom0 with
# the toolstack and xentrace (bench/xentrace/dom0-init), pvmmu (twice) then Linux traced,
# then W3's two 4-vCPU guests (pvmmu-smp, linux-smp), and unpacks what dom0 wrote to the
# virtio disk into OUTDIR:
#   pvmmu.bin pvmmu-fa1.bin linux.bin pvmmu-smp.bin linux-smp.bin   the xentrace files
#   domids                "NAME DOMID" lines
#   guest-*.log           the guests' consoles           xl-dmesg.txt, xl-info.txt
#   serial.log            the whole serial console (Xen's boot log: its TSC frequency)
#
# Usage: run.sh CACHE DOM0.cpio OUTDIR
# Xen gets the lab's options: tbuf_size=1024 (trace buffers from boot, 4 MiB per
# CPU), dom0 on pCPU 0 only (dom0_max_vcpus=1 dom0_vcpus_pin), so pCPU 1 belongs
# to the guest under measurement.  Every phase has a deadline; a missed one, an
# abort by dom0-init, or QEMU exiting early prints the last console lines and
# exits 1.  QEMU's exit status says nothing and is not used.
set -uo pipefail
CACHE=${1:?usage: run.sh CACHE DOM0.cpio OUTDIR}; CPIO=${2:?}; OUT=${3:?}
mkdir -p "$OUT"
LOG="$OUT/serial.log"
IMG="$OUT/trace.img"
rm -f "$IMG" "$OUT"/*.bin "$OUT"/domids && truncate -s 256M "$IMG"

XEN_APPEND="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot dom0_mem=768M,max:768M \
dom0_max_vcpus=1 dom0_vcpus_pin tbuf_size=1024"
# qemu64, as the rig: -cpu max crashes a PV dom0 on SMAP, and max minus smap now and then
# corrupts dom0's programs (docs/rig.md).  The counts are the same either way (docs/bench.md).
QEMU=(qemu-system-x86_64 -machine q35 -accel tcg -cpu "${QEMU_CPU:-qemu64}" -smp 2 -m 2048 -nographic -no-reboot
      -serial stdio -monitor none -drive "file=$IMG,format=raw,if=virtio" -kernel "$CACHE/xen"
      -append "$XEN_APPEND" -initrd "$CACHE/vmlinuz console=hvc0 earlyprintk=xen quiet,$CPIO")

T0=$(date +%s.%N)
phase() { printf 'bench-xen: [%6.1f s] %s\n' "$(awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN { print t1 - t0 }')" "$*"; }
: > "$LOG"
timeout 900 "${QEMU[@]}" < /dev/null > "$LOG" 2>&1 &
QPID=$!
trap 'kill $QPID 2>/dev/null; wait $QPID 2>/dev/null' EXIT
phase "QEMU started"

clean() { sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' -e 's/\r//g' "$LOG"; }
fail() {
  phase "FAILED: $*"
  echo "bench-xen: last console lines (whole log: $LOG):"
  clean | grep -v '^$' | tail -30 | sed 's/^/  > /'
  exit 1
}

# "pattern;name;seconds allowed since the previous phase"
PHASES=("Xen version;Xen up;60" "^@@XT DOM0_UP;dom0 up;180" "^@@XT TOOLSTACK_UP;toolstack up;120"
        "^@@XT PVMMU_RUNNING;pvmmu created and traced;60" "^@@XT PVMMU_DONE;pvmmu done;300"
        "^@@XT PVMMU_FA1_RUNNING;pvmmu-fa1 created and traced;60" "^@@XT PVMMU_FA1_DONE;pvmmu-fa1 done;300"
        "^@@XT LINUX_CREATED;Linux guest created;120" "^@@XT LINUX_TRACED;Linux guest ready, traced;200"
        "^@@XT LINUX_DONE;wl done;330"
        "^@@XT PVMMU_SMP_RUNNING;pvmmu-smp created and traced;60" "^@@XT PVMMU_SMP_DONE;pvmmu-smp done;300"
        "^@@XT LINUX_SMP_CREATED;Linux SMP guest created;120" "^@@XT LINUX_SMP_TRACED;Linux SMP guest ready, traced;200"
        "^@@XT LINUX_SMP_DONE;wl-smp done;330" "^@@XT OUT_WRITTEN;traces written to the virtio disk;120")
for p in "${PHASES[@]}"; do
  IFS=';' read -r pattern name limit <<< "$p"
  deadline=$(( $(date +%s) + limit ))
  while ! clean | grep -qE "$pattern"; do
    ab=$(clean | grep -m1 '^@@XT ABORT')
    [ -n "$ab" ] && fail "dom0-init gave up: ${ab#@@XT ABORT }"
    kill -0 $QPID 2>/dev/null || { sleep 0.5; clean | grep -qE "$pattern" && break; fail "no '$name': QEMU exited first"; }
    [ "$(date +%s)" -ge "$deadline" ] && fail "no '$name' within $limit s"
    sleep 0.5
  done
  phase "$name"
done
# dom0 powers off right after: give QEMU a few seconds, then stop it ourselves.
for i in $(seq 20); do kill -0 $QPID 2>/dev/null || break; sleep 0.5; done

tar xf "$IMG" -C "$OUT" || fail "no tar on the virtio disk"
for f in pvmmu.bin pvmmu-fa1.bin linux.bin pvmmu-smp.bin linux-smp.bin domids; do [ -s "$OUT/$f" ] || fail "the tar lacks $f"; done
rm -f "$IMG"
phase "done"
