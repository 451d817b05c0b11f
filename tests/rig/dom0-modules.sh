#!/bin/bash
# Copies the dom0 kernel's Xen modules into an initramfs tree, for both rigs' build-initrd.sh.
# Debian's kernels (12's 6.1, 13's 6.12) have the PV dom0 parts built in; these five are modules,
# which dom0-init loads in this order.  Compressed ones are unpacked: busybox's insmod takes
# only plain .ko files.
#
# Usage: dom0-modules.sh MODULES_DIR OUT_DIR     (MODULES_DIR: .../lib/modules/<version>)
set -euo pipefail
SRC=${1:?usage: dom0-modules.sh MODULES_DIR OUT_DIR}
OUT=${2:?usage: dom0-modules.sh MODULES_DIR OUT_DIR}
mkdir -p "$OUT"
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
  f=$(find "$SRC" -name "$m.ko*" | head -1)
  [ -n "$f" ] || { echo "build-initrd: module $m not found in $SRC" >&2; exit 1; }
  case $f in
    *.ko.xz) xz -dc "$f" > "$OUT/$m.ko" ;;
    *) cp "$f" "$OUT/$m.ko" ;;
  esac
done
