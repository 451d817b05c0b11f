#!/bin/bash
# Downloads Debian 13 ("trixie")'s Xen 4.20: hypervisor, toolstack, the libraries the toolstack
# links (glibc 2.41 & co.: the host's Debian 12 ones are too old), a static busybox, and trixie's
# Linux as dom0.  Everything goes into $CACHE (~/.cache/pvmmu/xen420 from rig.mk) and is unpacked
# into $CACHE/root; nothing is installed on the host.
#
# A private apt configuration ($CACHE/apt) holds trixie's package lists, so the host's own lists
# and dpkg state are left untouched.  Only the .debs the cache lacks are downloaded; the unpacked
# tree is remade (and root.stamp touched, which repacks dom0's initramfs) only when the set changes.
# If the archive cannot be reached but the cache holds a complete set from before, that set is used
# (XEN420_MIRROR=http://127.0.0.1:9/debian shows it: the update fails, the cached set is taken).
#
# Usage: fetch.sh CACHE_DIR     (tests/rig/xen420/, docs/rig.md "Xen 4.20")
set -euo pipefail
CACHE=${1:?usage: fetch.sh CACHE_DIR}
mkdir -p "$CACHE/debs" "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
CACHE=$(cd "$CACHE" && pwd)
A=$CACHE/apt

# trixie from the same mirror as the host's main archive (XEN420_MIRROR=URI names another).
URI=${XEN420_MIRROR:-}
[ -n "$URI" ] || URI=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$URI" ] || URI=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$URI" ] || URI=http://deb.debian.org/debian
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $URI trixie main" > "$A/sources.list"
# APT::Sandbox::User=root: the download runs as root (CI), not as _apt, which cannot write here.
O=(-o Dir::Etc::sourcelist="$A/sources.list" -o Dir::Etc::sourceparts=/dev/null
   -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root)

# The previous complete set, for when the archive cannot be reached.
offline() {
  echo "fetch420: $1" >&2
  if [ -f "$CACHE/root.stamp" ] && [ -f "$CACHE/xen" ] && [ -f "$CACHE/vmlinuz" ]; then
    echo "fetch420: using the cached set from before ($(wc -l < "$CACHE/packages.txt") packages)" >&2
    exit 0
  fi
  echo "fetch420: and the cache ($CACHE) holds no complete set" >&2; exit 1
}
# --error-on=any: a mirror that cannot be reached is only a warning to apt-get update otherwise.
apt-get "${O[@]}" -q --error-on=any update > "$A/update.log" 2>&1 ||
  offline "apt-get update of trixie from $URI failed (see $A/update.log)"

# The kernel package's name carries the ABI: resolve it from the metapackage.
KPKG=$(apt-cache "${O[@]}" depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true)
[ -n "$KPKG" ] || offline "cannot resolve trixie's linux-image-amd64"

# Hand-picked, not `apt-cache depends --recurse` (that drags in python3, udev, systemd, perl for
# xen-utils-common's scripts, none of which dom0's /init runs): the closure of the ELF NEEDED
# entries of the toolstack programs dom0-init runs.  build-initrd.sh walks that closure in the
# unpacked tree and stops, naming it, if a library is missing.  libgcc-s1: glibc dlopens it.
PKGS="xen-hypervisor-4.20-amd64 xen-utils-4.20 xen-utils-common xenstore-utils libxenhypfs1
      libxenmisc4.20 libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1 libxengnttab1
      libxenstore4 libxentoolcore1 libxentoollog1
      libc6 libgcc-s1 libyajl2 liblzma5 libuuid1 libzstd1 zlib1g
      busybox-static $KPKG"

cd "$CACHE/debs"
want="" missing=""
# Every package's candidate version in one apt-cache call (one call each takes seconds in all).
declare -A cand=()
while read -r p v; do cand[$p]=$v; done < <(apt-cache "${O[@]}" policy $PKGS 2>/dev/null |
  awk '/^[^ ].*:$/ {p = $1; sub(/:$/, "", p)} /^  Candidate:/ {print p, $2}')
for p in $PKGS; do
  v=${cand[$p]:-}
  [ -n "$v" ] && [ "$v" != "(none)" ] || { echo "fetch420: trixie has no candidate for $p" >&2; exit 1; }
  f=$(ls "${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  [ -n "$f" ] || missing="$missing $p=$v"
  want="$want $p=$v"
done
if [ -n "$missing" ]; then
  echo "fetch420: downloading$(echo "$missing" | wc -w | sed 's/^/ /') packages from trixie"
  apt-get "${O[@]}" -q download $missing > "$A/download.log" 2>&1 ||
    { cat "$A/download.log" >&2; echo "fetch420: apt-get download failed" >&2; exit 1; }
fi
files=""
for pv in $want; do
  p=${pv%%=*} v=${pv#*=}
  files="$files $(ls "${p}_${v//:/%3a}_"*.deb | head -1)"
done

stamp=$(echo "$files" | tr ' ' '\n' | sort | md5sum | cut -d' ' -f1)
if [ "$(cat "$CACHE/root.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$CACHE/xen" ] || [ ! -f "$CACHE/vmlinuz" ]; then
  rm -rf "$CACHE/root"; mkdir -p "$CACHE/root"
  for d in $files; do dpkg-deb -x "$d" "$CACHE/root"; done
  # QEMU's multiboot loader wants Xen's 32-bit ELF, uncompressed.
  gunzip -c "$CACHE"/root/boot/xen-4.20-amd64.gz > "$CACHE/xen"
  cp "$(ls "$CACHE"/root/boot/vmlinuz-* | head -1)" "$CACHE/vmlinuz"
  echo "$files" | tr ' ' '\n' | sed '/^$/d' | sort > "$CACHE/packages.txt"
  echo "$stamp" > "$CACHE/root.stamp"
  echo "fetch420: unpacked $(echo $files | wc -w) packages into $CACHE/root (kernel $KPKG)"
fi
