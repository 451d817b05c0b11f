#!/bin/bash
# Packs dom0's initramfs for the full way: busybox, the Xen 4.17 toolstack with
# the libraries it links, the dom0 kernel's Xen modules, and tests/rig/dom0-init.
# The guest (pvmmu.elf, its xl config, the scenario settings) is NOT in it: run.sh
# appends a small second archive per run, which Linux unpacks on top.
#
# Usage: build-initrd.sh CACHE OUT.cpio
# dom0 runs the host's shared libraries, so the host must be Debian 12 (as CI is).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE=${1:?usage: build-initrd.sh CACHE OUT.cpio}
OUT=${2:?usage: build-initrd.sh CACHE OUT.cpio}
R="$CACHE/root"
KV=$(basename "$(ls -d "$R"/lib/modules/* | head -1)")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,modules,etc/xen,usr/lib/xen-4.17/bin,var,run,tmp,pvmmu}
cp /bin/busybox "$T/bin/busybox"
install -m 755 "$HERE/dom0-init" "$T/init"
cp "$HERE/xl.conf" "$T/etc/xen/xl.conf"
ln -s ../run "$T/var/run"

# libxl runs libxl-save-helper from this very directory, whatever PATH says.
for b in xl xenstored xenconsoled xenconsole libxl-save-helper xen-init-dom0; do
  cp "$R/usr/lib/xen-4.17/bin/$b" "$T/usr/lib/xen-4.17/bin/"
done
for b in xenstore-read xenstore-write xenstore-ls; do cp "$R/usr/bin/$b" "$T/usr/bin/"; done
# libxenhypfs is not among libxen-dev's dependencies but xl needs it.
cp -a "$R"/usr/lib/x86_64-linux-gnu/libxenhypfs.so.1* "$T/lib/x86_64-linux-gnu/"
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$T/lib/x86_64-linux-gnu/"
for b in "$T"/usr/lib/xen-4.17/bin/* "$T"/usr/bin/*; do
  LD_LIBRARY_PATH="$R/usr/lib/x86_64-linux-gnu" ldd "$b" | awk '/=>/ {print $3} /ld-linux/ {print $1}'
done | sort -u | while read -r lib; do
  case $lib in
    /lib64/*) cp -L "$lib" "$T/lib64/" ;;
    *) cp -L "$lib" "$T/lib/x86_64-linux-gnu/" ;;
  esac
done

# The kernel's five Xen modules (the rest of dom0's Xen support is built in).
"$HERE/dom0-modules.sh" "$R/lib/modules/$KV" "$T/modules"

(cd "$T" && find . | cpio -o -H newc --quiet) > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
