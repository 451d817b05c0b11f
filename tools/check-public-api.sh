#!/bin/bash
# What an embedder gets from `make install` is the API and nothing else, under its own
# prefix (docs/embedding.md).  Checks an installed tree:
#   1. every global symbol libpvmmu.a defines starts with pvmmu_ and is declared in a
#      public header (nothing of the core's plumbing can clash with the embedder's);
#   2. the symbols it leaves undefined are exactly the hooks <xen/pvmmu/platform.h>
#      declares and the C library functions platform.h documents (LIBC_HOOKS);
#   3. every macro, function, type, struct / enum tag, enum constant and object the
#      public headers declare carries the pvmmu_ / PVMMU_ prefix (PUBLIC_EXCEPTIONS);
#   4. a program that has its own pte_t, PAGE_SIZE, PAGE_SHIFT, _PAGE_PRESENT, set_pte,
#      pfn_to_virt and frame_alloc, as a kernel does, includes every public header,
#      compiles with -Wall -Werror through `pkg-config --cflags pvmmu`, links against
#      the installed library through `pkg-config --libs pvmmu` with its own hooks, and
#      runs;
#   5. (with SHORT_NAMES) every line of lib/short_names.h names a public declaration.
#   tools/check-public-api.sh PREFIX [SHORT_NAMES]
set -uo pipefail
prefix=${1:?usage: check-public-api.sh PREFIX [SHORT_NAMES]}
short_names=${2:-}
lib=$prefix/lib/libpvmmu.a
inc=$prefix/include/xen/pvmmu
pcdir=$prefix/lib/pkgconfig
# The only undefined symbols without the prefix: gcc emits calls to these two itself.
LIBC_HOOKS="memcpy memset"
# The only unprefixed name the headers define: Xen's own switch of interface version,
# set by abi.h only when the embedder has not chosen one.
PUBLIC_EXCEPTIONS="__XEN_INTERFACE_VERSION__"
CC=${CC:-cc}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "check-public-api: $*"; bad=$((bad + 1)); }

for f in "$lib" "$inc/platform.h" "$pcdir/pvmmu.pc"; do
  [ -f "$f" ] || { echo "check-public-api: no $f (make install PREFIX=$prefix first)"; exit 2; }
done
headers=$(cd "$inc" && ls *.h)
cat "$inc"/*.h > "$tmp/all-headers.txt"

# --- 1. what the library defines ----------------------------------------------------
nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/defined"
[ -s "$tmp/defined" ] || fail "$lib defines no global symbol"
while read -r s; do
  case $s in
    pvmmu_*) grep -qw -- "$s" "$tmp/all-headers.txt" ||
               fail "libpvmmu.a defines $s, which no public header declares (internal: make it static or leave it unprefixed, so lib.mk localizes it)" ;;
    *) fail "libpvmmu.a defines the global $s without the pvmmu_ prefix: an embedder's own $s would clash" ;;
  esac
done < "$tmp/defined"

# --- 2. what it needs: the hooks --------------------------------------------------------
# A hook is a function platform.h declares: a line "type name(...);" at file scope.
perl -ne 'print "$1\n" if /^[a-z][\w\s\*]*?\b(pvmmu_\w+)\s*\(/' "$inc/platform.h" | sort -u > "$tmp/hooks"
for h in $LIBC_HOOKS; do
  grep -qw "$h" "$inc/platform.h" || fail "$h is on the list of C library hooks, but platform.h does not document it"
  echo "$h" >> "$tmp/hooks"
done
nm -u "$lib" | awk 'NF == 2 { print $2 }' | sort -u > "$tmp/undefined"
while read -r s; do
  grep -qx -- "$s" "$tmp/hooks" ||
    fail "libpvmmu.a needs $s, which is no hook of platform.h: document it there (with its contract) or stop calling it"
done < "$tmp/undefined"
while read -r h; do
  grep -qx -- "$h" "$tmp/undefined" ||
    fail "platform.h declares the hook $h, which libpvmmu.a never calls: an embedder would write it for nothing"
done < "$tmp/hooks"

# --- 3. the names the headers declare ------------------------------------------------------
all_h=$tmp/all.h
for h in $headers; do echo "#include <xen/pvmmu/$h>"; done > "$all_h"
cflags="-I$prefix/include"
# Macros: all of them, minus what the system and Xen headers abi.h includes define.
printf '#define __XEN_INTERFACE_VERSION__ 0x00040d00\n#include <stdint.h>\n#include <stdbool.h>\n#include <stddef.h>\n#include <stdarg.h>\n#include <xen/xen.h>\n#include <xen/memory.h>\n#include <xen/errno.h>\n' > "$tmp/base.h"
if $CC -std=c11 $cflags -E -dM "$all_h" > "$tmp/macros.all" 2> "$tmp/err" &&
   $CC -std=c11 $cflags -E -dM "$tmp/base.h" > "$tmp/macros.base" 2>> "$tmp/err"; then
  comm -23 <(awk '{ sub(/\(.*/, "", $2); print $2 }' "$tmp/macros.all" | sort -u) \
           <(awk '{ sub(/\(.*/, "", $2); print $2 }' "$tmp/macros.base" | sort -u) > "$tmp/names"
else
  fail "the public headers do not preprocess on their own:"; cat "$tmp/err"
fi
# Functions, from gcc's own list of what each header declares.
$CC -std=c11 $cflags -fsyntax-only -aux-info "$tmp/aux" -x c "$all_h" 2> "$tmp/err" ||
  { fail "the public headers do not compile on their own:"; cat "$tmp/err"; }
grep -F "$inc/" "$tmp/aux" 2>/dev/null | perl -ne 's{^/\*.*?\*/\s*}{}; print "$1\n" if /(\w+)\s*\(/' >> "$tmp/names"
# Types, tags, enum constants, objects: from the headers' own text, comments removed.
perl -0777 -ne '
  s{/\*.*?\*/}{}gs; s{//[^\n]*}{}g; s{^\s*#[^\n]*(?:\\\n[^\n]*)*}{}gm;
  print "$1\n" while /\b(?:struct|union|enum)\s+(\w+)/g;
  while (/\benum\s*\w*\s*\{([^}]*)\}/g) { my $b = $1; print "$1\n" while $b =~ /(?:^|,)\s*(\w+)/g; }
  1 while s{\{[^{}]*\}}{ }g;   # bodies out: members and statements are no names of ours
  print "$1\n" while /\btypedef\b[^;]*?\b(\w+)\s*;/g;
  print "$1\n" while /\btypedef\b[^;]*?\(\s*\*\s*(\w+)\s*\)\s*\(/g;
  print "$1\n" while /\bextern\b[^;(]*?\b(\w+)\s*;/g;
  print "$1\n" while /\bstatic\s+const\b[^;(=]*?\b(\w+)\s*=/g;
' "$inc"/*.h >> "$tmp/names"
# The Xen structures the hooks take are Xen's names, not ours.
xen_names="mmuext_op shared_info_t start_info_t mmu_update_t multicall_entry_t domid_t"
sort -u "$tmp/names" | while read -r n; do
  case $n in pvmmu_*|PVMMU_*) continue ;; esac
  for x in $PUBLIC_EXCEPTIONS $xen_names; do [ "$n" = "$x" ] && continue 2; done
  echo "$n"
done > "$tmp/unprefixed"
while read -r n; do
  fail "a public header declares $n without the pvmmu_ / PVMMU_ prefix ($(grep -lw -- "$n" "$inc"/*.h | xargs -n1 basename | tr '\n' ' '))"
done < "$tmp/unprefixed"

# --- 4. beside a kernel with names of its own ---------------------------------------------------
cat > "$tmp/embedder.c" <<'EOF'
/* A kernel's own names, as Mini-OS or Linux have them, before pvmmu's headers. */
typedef struct { unsigned long pte; } pte_t;
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define _PAGE_PRESENT 0x001UL
#define pfn_to_virt(pfn) ((void *)((unsigned long)(pfn) << PAGE_SHIFT))
static int set_pte(pte_t *slot, pte_t val) { *slot = val; return 0; }
unsigned long frame_alloc(void);
unsigned long frame_alloc(void) { return 7; }
EOF
cat "$all_h" >> "$tmp/embedder.c"
cat >> "$tmp/embedder.c" <<'EOF'
#include <stdio.h>
#include <string.h>

/* The hooks, the embedder's: none is reached by what main does. */
long pvmmu_hv_mmu_update(mmu_update_t *r, unsigned int n, unsigned int *done, domid_t d)
{ (void)r; (void)n; (void)done; (void)d; return -XEN_ENOSYS; }
long pvmmu_hv_mmuext_op(struct mmuext_op *o, unsigned int n, unsigned int *done, domid_t d)
{ (void)o; (void)n; (void)done; (void)d; return -XEN_ENOSYS; }
long pvmmu_hv_update_va_mapping(uint64_t va, uint64_t val, uint64_t flags)
{ (void)va; (void)val; (void)flags; return -XEN_ENOSYS; }
long pvmmu_hv_multicall(multicall_entry_t *c, unsigned int n) { (void)c; (void)n; return -XEN_ENOSYS; }
long pvmmu_hv_memory_op(unsigned int cmd, void *arg) { (void)cmd; (void)arg; return -XEN_ENOSYS; }
void *pvmmu_pfn_to_virt(pvmmu_pfn_t pfn) { (void)pfn; return NULL; }
pvmmu_pfn_t pvmmu_virt_to_pfn(const void *va) { (void)va; return PVMMU_INVALID_PFN; }
uint64_t pvmmu_direct_map_l1e_maddr(pvmmu_pfn_t pfn) { (void)pfn; return 0; }
pvmmu_pfn_t pvmmu_frame_alloc(void) { return PVMMU_INVALID_PFN; }
void pvmmu_frame_free(pvmmu_pfn_t pfn) { (void)pfn; }
bool pvmmu_m2p_read_raw(pvmmu_mfn_t mfn, uint64_t *pfn) { (void)mfn; (void)pfn; return false; }
void *pvmmu_p2m_window_reserve(uint64_t bytes) { (void)bytes; return NULL; }
int pvmmu_p2m_window_map(void *va, pvmmu_pfn_t pfn, bool w) { (void)va; (void)pfn; (void)w; return -XEN_ENOSYS; }
void pvmmu_platform_log(const char *line) { (void)line; }
unsigned pvmmu_platform_vcpu_id(void) { return 0; }
void pvmmu_platform_call_function(unsigned long m, void (*fn)(void *), void *d) { (void)m; (void)fn; (void)d; }

int main(void)
{
    pte_t mine = { PAGE_SIZE | _PAGE_PRESENT };
    pvmmu_pte_t its = pvmmu_pte_make(pvmmu_pfn(1), PVMMU_PAGE_PRESENT);
    char buf[64];

    set_pte(&mine, mine);
    /* Before pvmmu_p2m_init every lookup misses: the library, linked, runs. */
    pvmmu_snprintf(buf, sizeof buf, "%lx %llx %d", mine.pte, (unsigned long long)its.v,
                   pvmmu_mfn_valid_value(pvmmu_p2m_lookup(pvmmu_pfn(3))));
    if (strcmp(buf, "1001 1001 0") != 0 || pfn_to_virt(1) != (void *)PAGE_SIZE || frame_alloc() != 7) {
        printf("embedder: wrong answers: \"%s\"\n", buf);
        return 1;
    }
    printf("embedder: ok\n");
    return 0;
}
EOF
pc() { PKG_CONFIG_PATH=$pcdir PKG_CONFIG_LIBDIR=$pcdir pkg-config "$@"; }
if ! pc --exists pvmmu; then
  fail "pkg-config does not find pvmmu in $pcdir"
elif ! $CC -std=c11 -Wall -Wextra -Werror $(pc --cflags pvmmu) -c "$tmp/embedder.c" -o "$tmp/embedder.o" > "$tmp/err" 2>&1; then
  fail "a program with its own pte_t, PAGE_SIZE, PAGE_SHIFT, _PAGE_PRESENT, set_pte, pfn_to_virt and frame_alloc does not compile beside the public headers:"
  head -20 "$tmp/err"
elif ! $CC -no-pie -o "$tmp/embedder" "$tmp/embedder.o" $(pc --libs pvmmu) > "$tmp/err" 2>&1; then
  fail "that program does not link against the installed libpvmmu.a with its own hooks:"
  head -20 "$tmp/err"
elif ! "$tmp/embedder" > "$tmp/out" 2>&1; then
  fail "that program, linked, does not run right: $(cat "$tmp/out")"
fi

# --- 5. the project's short names ---------------------------------------------------------------
if [ -n "$short_names" ]; then
  while read -r short long; do
    grep -qw -- "$long" "$tmp/all-headers.txt" || fail "$short_names maps $short to $long, which no public header declares"
  done < <(awk '$1 == "#define" && $2 !~ /_H$/ { print $2, $3 }' "$short_names")
fi

if [ "$bad" -gt 0 ]; then echo "check-public-api: $bad problem(s) in what make install ships"; exit 1; fi
echo "check-public-api: $(wc -l < "$tmp/defined") symbols, all pvmmu_ and declared; $(wc -l < "$tmp/undefined") undefined, all hooks; $(echo $headers | wc -w) headers, every name prefixed; an embedder with its own pte_t and set_pte compiles, links and runs"
