#!/bin/bash
# The debug rig's Xen: Debian 12's Xen 4.17.5 rebuilt from Debian's own source with shadow
# paging, debug (assertions, a log line for every refused request) and perf counters, beside the
# 4.17.5 toolstack and the default rig's dom0 kernel.  $CACHE gets the default rig's layout
# (tests/rig/fetch.sh): xen, vmlinuz, root/, root.stamp, so run.sh and build-initrd.sh take it as is.
#
#   debs/        the binary packages, pinned to the source's version (hypervisor and toolstack
#                must match), and the kernel the default rig resolves
#   src/         dpkg-source -x of xen_$VERSION.dsc; the build happens in src/xen
#   xen          src/xen/xen: the 32-bit multiboot ELF QEMU boots as is
#   xen.stamp    the source version and the Kconfig (Debian's config + the settings below):
#                the hypervisor is rebuilt only when one of them changes
#   build.log    the last build's make output; xen.build-seconds how long it took
#
# Why 4.17.5: Debian 12's candidate is 4.17.7 (bookworm-security), whose source the archive does
# not serve; bookworm main still has 4.17.5's binaries and source.  The source comes through a
# private apt configuration ($CACHE/apt, a deb-src entry for bookworm main), so the host's own
# lists stay untouched.  Builds need flex, bison, dpkg-dev (make deps installs them).
#
# Usage: fetch.sh CACHE_DIR   (tests/rig/xen417-debug.mk, docs/rig-xen-builds.md)
set -euo pipefail
CACHE=${1:?usage: fetch.sh CACHE_DIR}
VERSION=${XEN417D_VERSION:-4.17.5+72-g01140da4e8-1}
# The Kconfig on top of Debian's /boot/xen-4.17-amd64.config, in order: PERF_COUNTERS only
# exists once DEBUG is set, so each line is applied and followed by make olddefconfig.
KCONFIG="CONFIG_SHADOW_PAGING=y CONFIG_DEBUG=y
CONFIG_PERF_COUNTERS=y"
mkdir -p "$CACHE/debs" "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
CACHE=$(cd "$CACHE" && pwd)
A=$CACHE/apt
say() { echo "fetch417d: $*"; }
die() { echo "fetch417d: $*" >&2; exit 1; }
tail_of() { echo "fetch417d: last lines of $1:" >&2; tail -${2:-25} "$1" | sed 's/^/  > /' >&2; }

# --- the binary packages ---------------------------------------------------------------------
# The dom0 kernel is the default rig's: the host's candidate of linux-image-amd64's dependency.
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$KPKG" ] || die "download: cannot resolve linux-image-amd64 (apt-get update?)"
KVER=$(apt-cache policy "$KPKG" | awk '/Candidate:/ {print $2}')
# The toolstack and every libxen* it links, at the hypervisor's version (the host's libxen*
# are 4.17.7: build-initrd.sh resolves libraries in root/ first).
XENPKGS="xen-hypervisor-4.17-amd64 xen-hypervisor-common xen-utils-4.17 xen-utils-common xenstore-utils
         libxenhypfs1 libxenmisc4.17 libxencall1 libxendevicemodel1 libxenevtchn1 libxenforeignmemory1
         libxengnttab1 libxenstore4 libxentoolcore1 libxentoollog1"
want=""
cd "$CACHE/debs"
for pv in $(for p in $XENPKGS; do echo "$p=$VERSION"; done) "$KPKG=$KVER"; do
  p=${pv%%=*} v=${pv#*=}
  f=$(ls "${p}_${v//:/%3a}_"*.deb 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    say "downloading $p $v"
    apt-get -o APT::Sandbox::User=root download -q "$p=$v" > "$A/download.log" 2>&1 ||
      { tail_of "$A/download.log"; die "download: apt-get download $p=$v failed"; }
    f=$(ls "${p}_${v//:/%3a}_"*.deb | head -1)
  fi
  want="$want $f"
done

stamp=$(echo "$want" | tr ' ' '\n' | sort | md5sum | cut -d' ' -f1)
if [ "$(cat "$CACHE/root.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$CACHE/vmlinuz" ]; then
  rm -rf "$CACHE/root"; mkdir -p "$CACHE/root"
  for d in $want; do dpkg-deb -x "$d" "$CACHE/root"; done
  cp "$(ls "$CACHE"/root/boot/vmlinuz-* | head -1)" "$CACHE/vmlinuz"
  echo "$want" | tr ' ' '\n' | sed '/^$/d' | sort > "$CACHE/packages.txt"
  echo "$stamp" > "$CACHE/root.stamp"
  say "unpacked $(echo $want | wc -w) packages into $CACHE/root (Xen $VERSION, kernel $KPKG)"
fi

# --- the hypervisor, from source -------------------------------------------------------------
BASECONFIG=$CACHE/root/boot/xen-4.17-amd64.config
[ -f "$BASECONFIG" ] || die "download: no /boot/xen-4.17-amd64.config in xen-hypervisor-4.17-amd64 $VERSION"
xstamp=$(printf '%s\n%s\n%s\n' "$VERSION" "$KCONFIG" "$(md5sum < "$BASECONFIG")" | md5sum | cut -d' ' -f1)
if [ "$(cat "$CACHE/xen.stamp" 2>/dev/null)" = "$xstamp" ] && [ -f "$CACHE/xen" ]; then
  say "the hypervisor is built already ($CACHE/xen, Xen $VERSION; that build took $(cat "$CACHE/xen.build-seconds" 2>/dev/null || echo '?') s)"
  exit 0
fi

UPSTREAM=${VERSION%-*}
DSC=xen_$VERSION.dsc
cd "$CACHE"
if [ ! -f "$DSC" ]; then
  URI=${XEN417D_MIRROR:-}
  [ -n "$URI" ] || URI=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$URI" ] || URI=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$URI" ] || URI=http://deb.debian.org/debian
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $URI bookworm main" > "$A/sources.list"
  # APT::Sandbox::User=root: the download runs as root (CI), not as _apt, which cannot write here.
  O=(-o Dir::Etc::sourcelist="$A/sources.list" -o Dir::Etc::sourceparts=/dev/null
     -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root)
  say "downloading the source of xen $VERSION (deb-src $URI bookworm main)"
  { apt-get "${O[@]}" -q --error-on=any update && apt-get "${O[@]}" -q source --download-only "xen=$VERSION"; } \
    > "$A/source.log" 2>&1 || { tail_of "$A/source.log"; die "download: apt-get source xen=$VERSION failed"; }
fi
if [ ! -f "src/.unpacked-$VERSION" ]; then
  rm -rf src
  dpkg-source -x "$DSC" src > "$A/dpkg-source.log" 2>&1 ||
    { tail_of "$A/dpkg-source.log"; die "dpkg-source: unpacking $DSC failed"; }
  touch "src/.unpacked-$VERSION"
fi

say "building Xen $UPSTREAM's hypervisor with $(echo $KCONFIG) (make -C xen -j2; log: $CACHE/build.log)"
t0=$(date +%s)
LOG=$CACHE/build.log
: > "$LOG"
build() {
  cp "$BASECONFIG" src/xen/.config
  local line
  while read -r line; do
    for kv in $line; do
      sed -i -e "/^${kv%%=*}=/d" -e "/^# ${kv%%=*} is not set/d" src/xen/.config
      echo "$kv" >> src/xen/.config
    done
    make -C src/xen olddefconfig || return 1
  done <<< "$KCONFIG"
  # Each setting must have survived olddefconfig (a dependency not met drops it silently).
  for kv in $KCONFIG; do
    grep -qx "$kv" src/xen/.config || { echo "fetch417d: $kv did not survive make olddefconfig"; return 1; }
  done
  make -C src/xen -j2
}
# With -j2 the failing command is seldom at the end of the log: its error lines first.
first_errors() { echo "fetch417d: the first errors in $1:" >&2; grep -m8 -E ': (error|fatal error):|did not survive' "$1" | sed 's/^/  > /' >&2; }
build >> "$LOG" 2>&1 || { first_errors "$LOG"; tail_of "$LOG" 8; die "make: building the hypervisor failed after $(( $(date +%s) - t0 )) s"; }
cp src/xen/xen "$CACHE/xen.tmp" && mv "$CACHE/xen.tmp" "$CACHE/xen"
cp src/xen/.config "$CACHE/xen.config"
echo "$(( $(date +%s) - t0 ))" > "$CACHE/xen.build-seconds"
echo "$xstamp" > "$CACHE/xen.stamp"
say "built $CACHE/xen in $(( $(date +%s) - t0 )) s ($(grep -E '^CONFIG_(SHADOW_PAGING|DEBUG|PERF_COUNTERS)=' src/xen/.config | paste -sd' '))"
