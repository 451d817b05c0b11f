#!/bin/bash
# The spec of tools/book.sh, run by `make check`: the book cannot lose a page without
# failing.  Each case is a small git tree: one page per part of the book (the parts as
# book.sh declares them), a preface, and then one thing wrong.
set -u
cd "$(dirname "$0")/.."
book=$PWD/tools/book.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0

tree() {  # tree NAME: a fresh tree with a preface and one page per part; prints its path
  local t=$tmp/$1 p
  mkdir -p "$t/docs" "$t/src"
  echo "preface of $1" > "$t/docs/book-preface.md"
  for p in $("$book" --parts); do
    printf '/*%s:200 The second page of %s.\n * Its text. :*/\n' "$p" "$p" > "$t/src/$p.c"
  done
  git -C "$t" init -q && echo "$t"
}
commit() { git -C "$1" add -A >/dev/null; }   # book.sh reads the files git knows

expect() {  # expect WHAT WANT-RC TREE PATTERN: book.sh on TREE exits WANT-RC, its output matches
  local what=$1 want=$2 t=$3 pattern=$4 rc=0
  "$book" "$t" > "$tmp/out" 2>&1 || rc=$?
  if [ "$rc" = "$want" ] && grep -qE -- "$pattern" "$tmp/out"; then echo "PASS book: $what"
  else echo "FAIL book: $what: exit $rc, want $want, output must match '$pattern'"; cat "$tmp/out"; status=1; fi
}

t=$(tree good); printf '/*A:30 First of A. :*/\n' > "$t/src/A0.c"; commit "$t"
expect "a whole book builds" 0 "$t" "=== A: The PV kernel ==="
if "$book" "$t" 2>/dev/null | head -1 | grep -qx "preface of good"; then echo "PASS book: the preface comes first"
else echo "FAIL book: the preface is not the first line"; status=1; fi
# Pages go by number, not by text: A:30 before A:200.
if "$book" "$t" 2>/dev/null | grep -E '^\[A:' | head -1 | grep -q 'A:30, src/A0.c'; then
  echo "PASS book: pages in number order"
else echo "FAIL book: A:30 is not the first page of part A"; status=1; fi

# Guards the hole where a page whose letter no part declares was left out, silently.
t=$(tree unknown); printf '/*Q:100 A page of no part. :*/\n' > "$t/src/q.c"; commit "$t"
expect "a page of an unknown part fails, naming its file and letter" 1 "$t" "src/q.c: page Q:100: part letter Q"

# Guards the hole where a declared part with no page was left out of the book, silently.
t=$(tree empty); rm "$t/src/A.c"; commit "$t"
expect "a declared part with no page fails, naming it" 1 "$t" "part A \(The PV kernel\) has no page"

t=$(tree twice); printf '/*A:200 Again. :*/\n' > "$t/src/A2.c"; commit "$t"
expect "a number used twice fails" 1 "$t" "page numbers used twice: A:200"

t=$(tree nopreface); rm "$t/docs/book-preface.md"; commit "$t"
expect "a missing preface fails" 1 "$t" "no preface"
exit $status
