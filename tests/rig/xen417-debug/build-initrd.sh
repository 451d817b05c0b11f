#!/bin/bash
# Packs dom0's initramfs for the debug Xen: the default rig's (tests/rig/build-initrd.sh, from this
# cache's 4.17.5 toolstack and libraries), and on top a second archive with xenperf and /rig-hook,
# which dom0-init runs before the first xl create and after the last guest: it resets, then
# prints, Xen's PV MMU perf counters.
#
# Usage: build-initrd.sh CACHE OUT.cpio   (tests/rig/xen417-debug.mk)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:?usage: build-initrd.sh CACHE OUT.cpio}
OUT=${2:?usage: build-initrd.sh CACHE OUT.cpio}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$HERE/../build-initrd.sh" "$CACHE" "$T/base.cpio"
mkdir -p "$T/top/usr/lib/xen-4.17/bin"
# xenperf links only libraries xl links too: the base archive holds them already.
cp "$CACHE/root/usr/lib/xen-4.17/bin/xenperf" "$T/top/usr/lib/xen-4.17/bin/"
install -m 755 "$HERE/rig-hook" "$T/top/rig-hook"
(cd "$T/top" && find . | cpio -o -H newc --quiet) > "$T/top.cpio"
cat "$T/base.cpio" "$T/top.cpio" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
