#!/bin/bash
# The spec of the Makefile's package rules (tools/deps.sh), run by `make check`:
# building never installs; the goals that run things install first.  dpkg-query,
# apt-get and id are fakes on PATH: FAKE_MISSING names the packages dpkg reports
# absent, FAKE_UID is the user, and apt-get only writes down how it was called (and
# fails, so that a goal stops right after installing and nothing else runs).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
mkdir -p "$tmp/bin"
cat > "$tmp/bin/dpkg-query" <<'EOF'
#!/bin/bash
for m in $FAKE_MISSING; do [ "$m" = "${!#}" ] && exit 1; done
echo "install ok installed"
EOF
cat > "$tmp/bin/apt-get" <<'EOF'
#!/bin/bash
echo "apt-get $*" >> "$FAKE_APT_LOG"
exit 1
EOF
printf '#!/bin/bash\necho "$FAKE_UID"\n' > "$tmp/bin/id"
# Nothing here may boot anything: should a goal ever get past deps, QEMU refuses.
printf '#!/bin/bash\necho "test-deps: QEMU started" >&2; exit 1\n' > "$tmp/bin/qemu-system-x86_64"
chmod +x "$tmp/bin/"*
# One make at a time, not the caller's: a goal must stop at its first failure.
unset MAKEFLAGS MFLAGS MAKELEVEL

run() {  # run MISSING UID GOAL: make GOAL in a build folder of its own; sets rc, out, apt
  rm -f "$tmp/apt.log"; touch "$tmp/apt.log"
  rc=0
  out=$(PATH="$tmp/bin:$PATH" FAKE_MISSING=$1 FAKE_UID=$2 FAKE_APT_LOG="$tmp/apt.log" \
        make -j1 --no-print-directory BUILD="$tmp/build-$3" "$3" 2>&1) || rc=$?
  apt=$(cat "$tmp/apt.log")
}
pass() { echo "PASS deps: $1"; }
fail() { echo "FAIL deps: $1"; echo "$out" | tail -5; status=1; }

# Guards the habit this replaced: every object depended on the apt-get step, so a
# plain `make` installed packages.
for goal in all check; do
  run "libcmocka-dev" 0 $goal
  if [ "$rc" != 0 ] && grep -q "missing Debian packages: libcmocka-dev" <<<"$out" \
     && grep -q "make deps" <<<"$out"; then pass "make $goal with a package missing fails, naming it and make deps"
  else fail "make $goal with libcmocka-dev missing: exit $rc, must fail naming it and make deps"; fi
  if [ -z "$apt" ]; then pass "make $goal installs nothing"; else fail "make $goal called: $apt"; fi
  if [ -z "$(find "$tmp/build-$goal" -name '*.o' 2>/dev/null)" ]; then pass "make $goal compiles nothing without its packages"
  else fail "make $goal compiled objects with a package missing"; fi
done

# A package only the rig needs does not stop a build.
run "qemu-system-x86" 0 have-deps
if [ "$rc" = 0 ] && [ -z "$apt" ]; then pass "make's check ignores packages only the rig needs"
else fail "have-deps with only qemu missing: exit $rc, apt: $apt"; fi

# The goals README and CI start with, and the others that run things, install first.
for goal in deps run test bench fuzz; do
  run "libcmocka-dev qemu-system-x86" 0 $goal
  if [ "$rc" != 0 ] && grep -q "apt-get .*install .*libcmocka-dev qemu-system-x86" <<<"$apt"; then
    pass "make $goal installs what is missing, first"
  else fail "make $goal: exit $rc; it must apt-get install the missing packages and stop when that fails (apt-get log: '$apt')"; fi
done

run "libcmocka-dev" 1000 deps
if [ "$rc" != 0 ] && [ -z "$apt" ] && grep -q "sudo apt-get install -y libcmocka-dev" <<<"$out"; then
  pass "make deps as a user says the one command to run"
else fail "make deps as a user: exit $rc, apt: '$apt'"; fi

if grep -qx "make test" .ci/run; then pass "CI goes through make test, and so through deps"
else echo "FAIL deps: .ci/run no longer runs make test"; status=1; fi
exit $status
