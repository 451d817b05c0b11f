#!/bin/bash
# Whether one guest's console shows what its scenario asked for, beyond "0 failed".
#
#   requires.sh [WORD...] < CONSOLE
#
# CONSOLE is the guest's own lines (run.sh strips the "[guest] " of the serial log).
# "pvmmu: N passed, 0 failed" alone proves little: 0 passed, a check that never ran
# (the negative control's), three saves of five asked, a reboot that never came back
# all end in such a line.  So each scenario names what must be there (save-scenarios'
# fifth field), one WORD each:
#
#   check=NAME     a "PASS NAME" line, at least once          check=NAME:K  at least K times
#   saves=N        saves 1..N each came back: "pvmmu: resumed in a new domain (save K)",
#                  or "suspend cancelled (save K)" for xl save -c
#   boots=N        N boots (pvmmu's first line), each ending in its verdict line (default 1)
#   passed=N       each verdict line says at least N passed (default 1: a run that checked
#                  nothing never passes)
#
# Prints one line per requirement not met, e.g. "required check pin-all-negative-control
# never ran", "asked 5 saves, saw 3"; exit status 0 only if every one is met.
set -uo pipefail

awk -v words="$*" '
function fail(msg) { printf "%s\n", msg; bad = 1 }

# The first line of every boot: "pvmmu: xen-3.0-x86_64, domU, 65536 pages, start_info flags 0".
/^pvmmu: [^ ]+, (domU|initial domain), [0-9]+ pages/ { boots++ }
/^PASS /  { passes[$2]++ }
/^FAIL /  { name = $2; sub(/:$/, "", name); fails[name]++ }
/^pvmmu: [0-9]+ passed, [0-9]+ failed/ { verdicts++; vpassed[verdicts] = $2 + 0; vfailed[verdicts] = $4 + 0 }
/^pvmmu: (resumed in a new domain|suspend cancelled) \(save [0-9]+\)/ {
  k = $NF; sub(/\)$/, "", k); came_back[k + 0] = 1
}

END {
  want_boots = 1; want_passed = 1; want_saves = 0; nchecks = 0
  n = split(words, w, " ")
  for (i = 1; i <= n; i++) {
    key = w[i]; value = w[i]; sub(/=.*/, "", key); sub(/^[^=]*=/, "", value)
    if (key == "check" && value != "") {
      count = 1; name = value
      if (value ~ /:[0-9]+$/) { count = value; sub(/.*:/, "", count); sub(/:[0-9]+$/, "", name) }
      nchecks++; check_name[nchecks] = name; check_count[nchecks] = count + 0
    } else if (key == "saves" && value ~ /^[0-9]+$/)  want_saves = value + 0
    else if (key == "boots" && value ~ /^[0-9]+$/)    want_boots = value + 0
    else if (key == "passed" && value ~ /^[0-9]+$/)   want_passed = value + 0
    else fail("unknown requirement \"" w[i] "\" (check=NAME[:K] saves=N boots=N passed=N)")
  }

  if (boots < want_boots) fail("asked " want_boots " boot(s), saw " boots + 0)
  if (verdicts < boots) fail("boot " verdicts + 1 " of " boots " never reached its verdict line")
  for (v = 1; v <= verdicts; v++)
    if (vpassed[v] < want_passed)
      fail("verdict " v " says " vpassed[v] " passed, at least " want_passed " required")

  seen = 0
  for (k = 1; k <= want_saves; k++) if (k in came_back) seen++
  if (seen < want_saves) fail("asked " want_saves " saves, saw " seen)

  for (c = 1; c <= nchecks; c++) {
    name = check_name[c]; got = passes[name] + 0
    if (got >= check_count[c]) continue
    if (got == 0 && !(name in fails)) fail("required check " name " never ran")
    else if (check_count[c] == 1) fail("required check " name " did not pass (" fails[name] + 0 " FAIL)")
    else fail("required check " name " passed " got " times of " check_count[c])
  }
  exit bad
}'
