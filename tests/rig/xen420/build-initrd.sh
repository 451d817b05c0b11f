#!/bin/bash
# Packs dom0's initramfs for the Xen 4.20 rig, entirely from the trixie packages fetch.sh unpacked
# (never from the host's /lib: the toolstack needs glibc 2.41, the host has Debian 12's): trixie's
# static busybox, the Xen 4.20 toolstack, the closure of its ELF NEEDED libraries, the dom0
# kernel's Xen modules (un-xz'd for busybox's insmod), and the rig's own tests/rig/dom0-init,
# the same /init as the Xen 4.17 rig's.  As there, the guest is not in it: run.sh appends a
# small second archive per run (pvmmu.elf, its xl config, rig.env).
#
# Usage: build-initrd.sh CACHE OUT.cpio     (CACHE: tests/rig/xen420/fetch.sh's)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: build-initrd.sh CACHE OUT.cpio" >&2; exit 2; }
RIG="$(cd "$(dirname "$0")/.." && pwd)"
R="$1/root" OUT=$2
# The one kernel fetch.sh unpacked: its modules directory is named by its version.
MODULES=$(ls -d "$R"/usr/lib/modules/* | head -1)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,usr/lib/xen-4.20/bin,modules,etc/xen,var,run,tmp}
# trixie is merged-/usr: its ELF interpreter is /lib64/ld-linux-x86-64.so.2 and dom0-init's
# "#!/bin/busybox" resolves only through these links (base-files makes them on a real system).
ln -s usr/bin "$T/bin"; ln -s usr/sbin "$T/sbin"; ln -s usr/lib "$T/lib"; ln -s usr/lib64 "$T/lib64"
ln -s ../run "$T/var/run"
cp "$R/usr/bin/busybox" "$T/usr/bin/busybox"
install -m 755 "$RIG/dom0-init" "$T/init"
cp "$RIG/xl.conf" "$T/etc/xen/xl.conf"

# libxl runs libxl-save-helper from this very directory, whatever PATH says.
for b in xl xenstored xenconsoled xenconsole libxl-save-helper xen-init-dom0; do
  [ -f "$R/usr/lib/xen-4.20/bin/$b" ] || { echo "build-initrd420: $b is in no unpacked package" >&2; exit 1; }
  cp "$R/usr/lib/xen-4.20/bin/$b" "$T/usr/lib/xen-4.20/bin/"
done
for b in xenstore-read xenstore-write xenstore-ls; do
  [ -f "$R/usr/bin/$b" ] && cp "$R/usr/bin/$b" "$T/usr/bin/"
done

# The NEEDED closure, resolved against the trixie tree only.  A library that no fetched package
# holds stops the build, naming it: fetch.sh's list is then one package short.
LIBDIR=$R/usr/lib/x86_64-linux-gnu
declare -A seen=()
queue=("$T"/usr/lib/xen-4.20/bin/* "$T"/usr/bin/xenstore-*)
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  [ -e "$f" ] || continue
  for n in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -n "${seen[$n]:-}" ] && continue
    seen[$n]=1
    [ -e "$LIBDIR/$n" ] || { echo "build-initrd420: $n (needed by ${f##*/}) is in no unpacked package" >&2; exit 1; }
    cp -L "$LIBDIR/$n" "$T/usr/lib/x86_64-linux-gnu/$n"
    queue+=("$T/usr/lib/x86_64-linux-gnu/$n")
  done
done
cp -L "$R/usr/lib64/ld-linux-x86-64.so.2" "$T/usr/lib64/"
# glibc's thread cancellation and unwinding dlopen libgcc_s.so.1, which no NEEDED names.
cp -L "$LIBDIR/libgcc_s.so.1" "$T/usr/lib/x86_64-linux-gnu/"

# The kernel's five Xen modules (the rest of dom0's Xen support is built in).
"$RIG/dom0-modules.sh" "$MODULES" "$T/modules"

(cd "$T" && find . | cpio -o -H newc --quiet) > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
