#!/bin/bash
# Judges the debug Xen's own log of one boot: every warning the hypervisor printed must be one a
# pvmmu check provoked on purpose (provoked-warnings beside this script).
#
#   xen-log.sh LOG NAME [PROVOKED]
#
# A warning is a "(XEN) " line of the serial log that is one of: the debug build's
# "file.c:LINE:dNvM ..." (gdprintk: one for every request Xen refuses), a "dNvM ..." (gprintk),
# or one naming WARN, Assertion, BUG, "Xen call trace", FATAL, Panic.  It passes when a pattern
# of PROVOKED matches it and one of the checks named beside that pattern ran in this boot (a
# "PASS name" / "FAIL name" line, bare in the quick way, after "[guest] " in the full way; the
# name dom0-linux stands for dom0's own Linux, "run" in every full-way boot).
# Prints "rig: PASS NAME" or one "rig: FAIL NAME: ..." naming every unprovoked warning (its
# first line, and how many times it came); then, not as failures, the stale patterns: those
# whose check ran but which matched nothing.  Exit status 0 only on PASS.
set -uo pipefail
LOG=${1:?usage: xen-log.sh LOG NAME [PROVOKED]}
NAME=${2:?usage: xen-log.sh LOG NAME [PROVOKED]}
PROVOKED=${3:-$(dirname "$0")/provoked-warnings}
[ -f "$LOG" ] || { echo "rig: FAIL $NAME: no serial log $LOG"; exit 1; }
[ -f "$PROVOKED" ] || { echo "rig: FAIL $NAME: no list of provoked warnings $PROVOKED"; exit 1; }

clean() { sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' -e 's/\r//g' "$LOG"; }
# The hypervisor's lines, from "(XEN) " on: dom0's console and Xen's share the serial line, so a
# Xen line may begin in the middle of one of dom0's.
xen_lines() { clean | grep -a '(XEN) ' | sed 's/^.*(XEN) //'; }
WARNING='^([A-Za-z0-9_/.-]+\.[ch]:[0-9]+:)?d[0-9]+v[0-9]+[: ]|WARN|Assertion|BUG|Xen call trace|FATAL|[Pp]anic'
# The checks that ran in this boot (a Xen line may have cut into the line of one), and
# "dom0-linux" for a boot with a Linux dom0 (dom0-init's @@RIG DOM0_UP): the list names what
# dom0's own kernel makes Xen print.
{ clean | sed -e 's/(XEN) .*//' | sed -nE 's/^(\[guest[0-9]*\] )?(PASS|FAIL) ([^ :(]+).*/\3/p'
  clean | grep -a '^@@RIG DOM0_UP' > /dev/null && echo dom0-linux; } | sort -u > "$LOG.checks"
xen_lines | grep -aE "$WARNING" > "$LOG.warnings"

# The list, as "pattern<TAB>checks" (comments and blank lines dropped).
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$PROVOKED" |
  awk -F' [|] ' 'NF != 2 { print "bad line " NR ": " $0 > "/dev/stderr"; bad = 1; next }
                 { print $1 "\t" $2 } END { exit bad }' > "$LOG.provoked" ||
  { echo "rig: FAIL $NAME: $PROVOKED has a line that is not 'PATTERN | CHECK...'"; exit 1; }

unprovoked="" n_unprovoked=0 stale=""
declare -A hits=()
while IFS=$'\t' read -r pattern checks; do
  ran=""
  for c in $checks; do grep -qxF "$c" "$LOG.checks" && ran="$ran $c"; done
  [ -n "$ran" ] || continue
  n=$(grep -acE "$pattern" "$LOG.warnings")
  hits[$pattern]=$n
  [ "$n" -gt 0 ] || stale="$stale"$'\n'"xen-log: stale: '$pattern' (listed for$ran, which ran) matched nothing"
done < "$LOG.provoked"

# Every warning: accepted by the first pattern whose checks ran, or unprovoked.
declare -A seen=()
while IFS= read -r w; do
  ok=""
  while IFS=$'\t' read -r pattern checks; do
    [ -n "${hits[$pattern]+set}" ] && [[ $w =~ $pattern ]] && { ok=1; break; }
  done < "$LOG.provoked"
  [ -n "$ok" ] && continue
  n_unprovoked=$((n_unprovoked + 1))
  # One entry per message, its numbers aside: "mfn 3b7e9" and "mfn 3b867" are one kind.
  kind=$(echo "$w" | sed -E 's/[0-9a-f]{4,}/N/g')
  if [ -z "${seen[$kind]+set}" ]; then seen[$kind]=1; unprovoked="$unprovoked"$'\n'"$w"; fi
done < "$LOG.warnings"

total=$(wc -l < "$LOG.warnings")
if [ "$n_unprovoked" -eq 0 ]; then
  echo "rig: PASS $NAME ($total Xen warnings, all provoked on purpose by checks that ran)"
else
  echo "rig: FAIL $NAME: $n_unprovoked of Xen's $total warnings were provoked by no check that ran (not in $PROVOKED):"
  echo "$unprovoked" | sed '/^$/d; s/^/  (XEN) /' | head -20
fi
[ -n "$stale" ] && echo "$stale" | sed '/^$/d'
[ "$n_unprovoked" -eq 0 ]
