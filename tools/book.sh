#!/bin/bash
# Prints pvmmu's story in reading order, lguest-style: the preface (docs/book-preface.md)
# first, then every comment that opens with /*X:NNN (part letter, number) up to its
# closing :*/, collected and printed part by part (the order below), number by number.
# M: comments are the honest list of what is left to improve; they come last.
#
# The book cannot silently lose a page, so each of these is an error (exit 1, and the
# file named): a number used twice, a page whose letter is no part below, a part below
# with no page, a missing preface.
#
#   tools/book.sh [TREE]   the book of TREE (a git checkout; default: this one)
#   tools/book.sh --parts  the part letters, in reading order
set -euo pipefail
PARTS="P B T E R A S X M"
declare -A title=([P]="The p2m: pfn to mfn" [B]="Batching: multicalls and lazy mode"
  [T]="Tables: walking and pinning" [E]="Entries and address spaces" [R]="Suspend and resume" [A]="The PV kernel"
  [S]="Shadow paging" [X]="Bare x86: the shadow backend for real" [M]="What is left to improve")
PREFACE=docs/book-preface.md
if [ "${1:-}" = --parts ]; then echo "$PARTS"; exit 0; fi
cd "${1:-$(dirname "$0")/..}"
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
while IFS=$'\t' read -r key file _; do
  case " $PARTS " in *" ${key%%:*} "*) ;;
  *) echo "book: $file: page $key: part letter ${key%%:*} is no part of the book (parts: $PARTS, tools/book.sh)" >&2
     status=1 ;;
  esac
done < "$pages"
for p in $PARTS; do
  grep -q "^$p:" "$pages" || { echo "book: part $p (${title[$p]}) has no page" >&2; status=1; }
done
if [ -f "$PREFACE" ]; then cat "$PREFACE"
else echo "book: no preface: $PREFACE is missing" >&2; status=1; fi
for p in $PARTS; do
  grep -q "^$p:" "$pages" || continue
  printf '\n=== %s: %s ===\n' "$p" "${title[$p]}"
  grep "^$p:" "$pages" | sort -t: -k2,2n | while IFS=$'\t' read -r key file text; do
    printf '\n[%s, %s]\n%s\n' "$key" "$file" "$(printf '%s' "$text" | tr '\001' '\n')"
  done
done
exit $status
