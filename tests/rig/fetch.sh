#!/bin/bash
# Downloads Debian 12's Xen 4.17 (hypervisor, toolstack) and its dom0 kernel with
# apt-get download into $CACHE/debs and unpacks them into $CACHE/root.  Nothing is
# installed on the host (make deps installs qemu, busybox, cpio, libxen-dev).
#
# The cache lives outside the tree, so clones and CI runs share it; an empty
# cache just downloads again.  The unpacked tree is remade whenever the set of
# .debs changes (a new kernel ABI after a security update, say).
#
# Usage: fetch.sh CACHE_DIR
set -euo pipefail
CACHE=${1:?usage: fetch.sh CACHE_DIR}
mkdir -p "$CACHE/debs"

# The dom0 kernel's package name changes with Debian's security updates (the ABI
# number is in it): resolve it from the metapackage instead of writing it down.
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$KPKG" ] || { echo "fetch: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
PKGS="xen-hypervisor-4.17-amd64 xen-hypervisor-common xen-utils-4.17 xen-utils-common xenstore-utils libxenhypfs1 $KPKG"

# One stamp per package version: download only what the cache does not hold yet.
cd "$CACHE/debs"
want=""
for p in $PKGS; do
  v=$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')
  [ -n "$v" ] && [ "$v" != "(none)" ] || { echo "fetch: no candidate for $p" >&2; exit 1; }
  f=$(ls "${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    echo "fetch: downloading $p $v"
    apt-get -o APT::Sandbox::User=root download -q "$p=$v" >/dev/null || { echo "fetch: apt-get download $p=$v failed" >&2; exit 1; }
    f=$(ls "${p}_${v//:/%3a}_"*.deb | head -1)
  fi
  want="$want $f"
done

stamp=$(echo "$want" | tr ' ' '\n' | sort | md5sum | cut -d' ' -f1)
if [ "$(cat "$CACHE/root.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$CACHE/xen" ]; then
  rm -rf "$CACHE/root"; mkdir -p "$CACHE/root"
  for d in $want; do dpkg-deb -x "$d" "$CACHE/root"; done
  # QEMU's multiboot loader wants Xen's 32-bit ELF, uncompressed.
  gunzip -c "$CACHE"/root/boot/xen-4.17-amd64.gz > "$CACHE/xen"
  cp "$(ls "$CACHE"/root/boot/vmlinuz-* | head -1)" "$CACHE/vmlinuz"
  echo "$stamp" > "$CACHE/root.stamp"
  echo "fetch: unpacked $(echo $want | wc -w) packages into $CACHE/root (kernel $KPKG)"
fi
