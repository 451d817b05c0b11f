#!/bin/bash
# The Debian packages pvmmu needs: which of them are missing, and installing those.
#
#   tools/deps.sh check PACKAGE...    fails, naming the missing ones and how to install
#                                     them; installs nothing (what `make` and `make check` do)
#   tools/deps.sh install PACKAGE...  installs the missing ones as root; otherwise says the
#                                     one command to run (what `make deps` does, and so
#                                     `make run`, `make test`, `make bench`, `make fuzz`)
set -euo pipefail
mode=$1; shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
case $mode in
check)
  echo "pvmmu: missing Debian packages: ${missing[*]}" >&2
  echo "pvmmu: install them with: make deps  (as root; or: sudo apt-get install -y ${missing[*]})" >&2
  exit 1 ;;
install)
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages; run: sudo apt-get install -y ${missing[*]}" >&2; exit 1
  fi
  echo "deps: installing ${missing[*]}"
  apt-get -o APT::Sandbox::User=root update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "deps: apt-get install ${missing[*]} failed" >&2; exit 1; } ;;
*) echo "usage: tools/deps.sh check|install PACKAGE..." >&2; exit 2 ;;
esac
