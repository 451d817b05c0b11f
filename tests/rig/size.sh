#!/bin/bash
# The rig's sizing rule: from the xl configs the full way boots, QEMU's memory and dom0's.
#
#   size.sh CFG...     prints "QEMU_MIB DOM0_MIB", or refuses (exit 1) with the numbers:
#     rig: FAIL host-memory: XL_CONFIG asks 4096 MiB for the guest; with dom0 5120 MiB and the
#     images, QEMU needs 10240 MiB, the host has 6000 MiB available (/proc/meminfo): not booting
#
# Each CFG is one guest running side by side (run.sh's XL_CONFIG; scenarios.sh's guests=N gives
# N of them).  From each: M = max(memory=, maxmem=) in MiB (xl's default 128) and V = max(vcpus=,
# maxvcpus=) (default 1).
#
#   image  = M + M/8          what xl save writes for the guest (measured ~1.01 M: 270 MB for
#                             256 MiB, 4.3 GB for 4 GiB), with room for the stream's records
#   dom0   = 480 + sum(image), rounded up to 128 MiB: dom0's own working set (kernel, busybox,
#                             xenstored, xl) plus every guest's image at once, since dom0-init
#                             keeps each guest's image in /save (a tmpfs of 95% of dom0's RAM)
#                             until its restore is done, and the guests are saved independently
#   guest  = M + M/64 + 4 V   the guest in Xen's heap: its pages, its p2m and page tables, vCPUs
#   qemu   = dom0 + sum(guest) + 768, rounded up to 512 MiB: 768 for Xen itself (its heap, the
#                             frame table) and headroom
#
# For examples/pvmmu.cfg (256 MiB, 1 vCPU) that is dom0 768 and QEMU 2048: run.sh's defaults
# before the rig sized itself.  Two such guests: dom0 1152, QEMU 2560.
#
# QEMU_MEM (MiB) and DOM0_MEM (Xen's syntax: 768M, 2G, ...) in the environment win over the
# rule; they are what a scenario's qemu_mem= / dom0_mem= or the user set.  Whatever the source,
# QEMU's memory must fit the host's MemAvailable (RIG_MEMINFO, default /proc/meminfo): Xen
# scrubs all of it at boot, so QEMU touches every page.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: size.sh CFG..." >&2; exit 2; }

# cfg_num CFG KEY: the number after "KEY =" (the last one), or nothing.
cfg_num() { sed -nE "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*\"?([0-9]+)\"?.*/\1/p" "$1" | tail -1; }
max() { [ "${1:-0}" -ge "${2:-0}" ] && echo "${1:-0}" || echo "${2:-0}"; }
# mib SIZE: Xen's size syntax (a bare number is KiB, as Xen reads dom0_mem) in MiB, or nothing.
mib() {
  case $1 in
    *[Kk]) n=${1%?}; shift=-10 ;; *[Mm]) n=${1%?}; shift=0 ;; *[Gg]) n=${1%?}; shift=10 ;;
    *[Tt]) n=${1%?}; shift=20 ;; *) n=$1; shift=-10 ;;
  esac
  [[ $n =~ ^[0-9]+$ ]] || return 1
  if [ $shift -ge 0 ]; then echo $((n << shift)); else echo $((n >> -shift)); fi
}
round_up() { echo $(( ($1 + $2 - 1) / $2 * $2 )); }

guests=0 asked=0 images=0 in_xen=0
for cfg in "$@"; do
  [ -f "$cfg" ] || { echo "rig: no xl config $cfg" >&2; exit 1; }
  m=$(max "$(cfg_num "$cfg" memory)" "$(cfg_num "$cfg" maxmem)"); [ "$m" -gt 0 ] || m=128
  v=$(max "$(cfg_num "$cfg" vcpus)" "$(cfg_num "$cfg" maxvcpus)"); [ "$v" -gt 0 ] || v=1
  guests=$((guests + 1)) asked=$((asked + m))
  images=$((images + m + m / 8)) in_xen=$((in_xen + m + m / 64 + 4 * v))
done

if [ -n "${DOM0_MEM:-}" ]; then
  dom0=$(mib "$DOM0_MEM") || { echo "rig: DOM0_MEM=$DOM0_MEM is not a size (768M, 2G, ...)" >&2; exit 1; }
  dom0_from="DOM0_MEM"
else
  dom0=$(round_up $((480 + images)) 128) dom0_from=""
fi
if [ -n "${QEMU_MEM:-}" ]; then
  [[ $QEMU_MEM =~ ^[0-9]+$ ]] || { echo "rig: QEMU_MEM=$QEMU_MEM is not a number of MiB" >&2; exit 1; }
  qemu=$QEMU_MEM qemu_from="QEMU_MEM"
else
  qemu=$(round_up $((dom0 + in_xen + 768)) 512) qemu_from=""
fi

meminfo=${RIG_MEMINFO:-/proc/meminfo}
avail_kb=$(sed -nE 's/^MemAvailable:[[:space:]]+([0-9]+) kB/\1/p' "$meminfo" 2>/dev/null | head -1)
if [ -n "$avail_kb" ] && [ "$qemu" -gt $((avail_kb / 1024)) ]; then
  if [ "$guests" -eq 1 ]; then what="the guest"; else what="$guests guests"; fi
  echo "rig: FAIL host-memory: XL_CONFIG asks $asked MiB for $what; with dom0 $dom0 MiB${dom0_from:+ ($dom0_from)} and the images," \
       "QEMU needs $qemu MiB${qemu_from:+ ($qemu_from)}, the host has $((avail_kb / 1024)) MiB available" \
       "($meminfo): not booting" >&2
  exit 1
fi
echo "$qemu $dom0"
