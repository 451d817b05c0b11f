#!/bin/bash
# Packs the trace rig's dom0 initramfs: the rig's own toolstack archive
# (tests/rig/build-initrd.sh's, passed in as BASE) with a second archive appended
# on top, which Linux unpacks over the first.  The overlay carries:
#   /init                 bench/xentrace/dom0-init (replaces the rig's /init)
#   xentrace, xenalyze    (their libraries are xl's, already in the base)
#   virtio modules        the trace leaves the machine as a tar on a virtio disk
#   /guests/pvmmu.elf     the pvmmu kernel under test, with its xl configs (pvmmu.cfg,
#                         pvmmu-fa1.cfg: the same kernel at fault_around=1; pvmmu-smp.cfg:
#                         W3 on 4 vCPUs)
#   /guests/vmlinuz, linux-initrd.cpio, linux.cfg, linux-smp.cfg
#                         the Linux PV guests: the same Debian kernel as dom0, an
#                         initramfs of busybox + wl and wl-smp (static) + xen-privcmd.ko;
#                         linux-smp.cfg boots it on 4 vCPUs to run wl-smp (W3)
#
# Usage: build.sh CACHE BASE.cpio PVMMU.elf OUTDIR   -> OUTDIR/dom0.cpio
# Like the rig, dom0 runs the host's shared libraries: the host must be Debian 12.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE=${1:?usage: build.sh CACHE BASE.cpio PVMMU.elf OUTDIR}
BASE=${2:?}; ELF=${3:?}; OUT=${4:?}
R="$CACHE/root"
KV=$(basename "$(ls -d "$R"/lib/modules/* | head -1)")
M="$R/lib/modules/$KV/kernel"
mkdir -p "$OUT"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# A module as a plain .ko whether Debian ships it compressed or not (insmod of
# busybox does not decompress).
module() {   # module PATH-UNDER-kernel/ WITHOUT .ko, DEST
  local f
  f=$(ls "$M/$1.ko" "$M/$1.ko.xz" 2>/dev/null | head -1 || true)
  [ -n "$f" ] || { echo "bench-xen: module $1 not found in $KV" >&2; exit 1; }
  case $f in *.xz) xz -dc "$f" > "$2" ;; *) cp "$f" "$2" ;; esac
}

# --- the Linux guest's initramfs ----------------------------------------------------
# wl and wl-smp are static: the guest's initramfs has no libc, only busybox (static
# too).  glibc >= 2.34 (Debian 12: 2.36) has pthreads in libc.a, so -static -pthread links.
G="$T/linux-rd"
mkdir -p "$G/bin"
gcc -O2 -Wall -static -o "$OUT/wl" "$HERE/wl.c"
gcc -O2 -Wall -Wextra -Werror -static -pthread -o "$OUT/wl-smp" "$HERE/wl-smp.c"
cp /bin/busybox "$G/bin/busybox"
install -m 755 "$HERE/guest-init" "$G/init"
cp "$OUT/wl" "$G/wl"
cp "$OUT/wl-smp" "$G/wl-smp"
module drivers/xen/xen-privcmd "$G/xen-privcmd.ko"
(cd "$G" && find . | cpio -o -H newc --quiet) > "$OUT/linux-initrd.cpio"

# --- the overlay on top of the rig's dom0 archive ---------------------------------
O="$T/overlay"
mkdir -p "$O"/{modules,guests,usr/bin,usr/lib/xen-4.17/bin}
install -m 755 "$HERE/dom0-init" "$O/init"
cp "$R/usr/lib/xen-4.17/bin/xentrace" "$O/usr/lib/xen-4.17/bin/"
cp "$R/usr/bin/xenalyze" "$O/usr/bin/"
# xentrace and xenalyze link only libraries that xl links too, so the base archive
# already holds them; say so loudly if a new Xen package ever changes that.
have=$(cpio -it --quiet < "$BASE" | sed -n 's|^lib/x86_64-linux-gnu/||p')
for lib in $(LD_LIBRARY_PATH="$R/usr/lib/x86_64-linux-gnu" ldd "$O/usr/lib/xen-4.17/bin/xentrace" "$O/usr/bin/xenalyze" \
             | awk '/=>/ {print $1}' | sort -u); do
  echo "$have" | grep -qx "$lib" || { echo "bench-xen: $lib is not in the rig's dom0 archive" >&2; exit 1; }
done
# virtio-blk and what it stands on, in load order (dom0-init insmods them in this order).
for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev \
         virtio/virtio_pci block/virtio_blk; do
  module "drivers/$m" "$O/modules/$(basename "$m").ko"
done
cp "$ELF" "$O/guests/pvmmu.elf"
cp "$HERE/pvmmu.cfg" "$HERE/pvmmu-fa1.cfg" "$HERE/pvmmu-smp.cfg" "$O/guests/"
cp "$CACHE/vmlinuz" "$O/guests/vmlinuz"
cp "$OUT/linux-initrd.cpio" "$O/guests/linux-initrd.cpio"
cp "$HERE/linux.cfg" "$HERE/linux-smp.cfg" "$O/guests/"
(cd "$O" && find . | cpio -o -H newc --quiet) > "$OUT/overlay.cpio"
cat "$BASE" "$OUT/overlay.cpio" > "$OUT/dom0.cpio.tmp"
mv "$OUT/dom0.cpio.tmp" "$OUT/dom0.cpio"
