#!/bin/bash
# Prints pvmmu's story in reading order, lguest-style: every comment that opens with
# /*X:NNN (part letter, number) up to its closing :*/ is collected, and the pieces are
# printed part by part (the order below), number by number.  A number used twice is an
# error, so the book cannot silently lose a page.  M: comments are the honest list of
# what is left to improve; they come last.
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS="P B T E R A S X M"
declare -A title=([P]="The p2m: pfn to mfn" [B]="Batching: multicalls and lazy mode"
  [T]="Tables: walking and pinning" [E]="Entries and address spaces" [R]="Suspend and resume" [A]="The PV kernel"
  [S]="Shadow paging" [X]="Bare x86: the shadow backend for real" [M]="What is left to improve")
pages=$(mktemp); trap 'rm -f "$pages"' EXIT
# One record per page: KEY <TAB> FILE <TAB> text with newlines turned into \x01.
awk '
  !inside && match($0, /\/\*[A-Z]:[0-9]+/) {
    inside = 1; key = substr($0, RSTART + 2, RLENGTH - 2); text = ""
    sub(/.*\/\*[A-Z]:[0-9]+ ?/, "")
  }
  inside {
    line = $0; closing = sub(/ ?:\*\/.*/, "", line); sub(/^ *\* ?/, "", line)
    text = text line "\001"
    if (closing) { printf "%s\t%s\t%s\n", key, FILENAME, text; inside = 0 }
  }' $(git ls-files '*.c' '*.h' '*.S') > "$pages"
status=0
dups=$(cut -f1 "$pages" | sort | uniq -d | tr '\n' ' ')
if [ -n "$dups" ]; then echo "book: page numbers used twice: $dups" >&2; status=1; fi
for p in $PARTS; do
  grep -q "^$p:" "$pages" || continue
  printf '\n=== %s ===\n' "${title[$p]}"
  grep "^$p:" "$pages" | sort -t: -k2,2n | while IFS=$'\t' read -r key file text; do
    printf '\n[%s, %s]\n%s\n' "$key" "$file" "$(printf '%s' "$text" | tr '\001' '\n')"
  done
done
exit $status
