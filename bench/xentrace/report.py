#!/usr/bin/env python3
"""bench-xen's figures from one run of the trace rig (bench/xentrace/run.sh's OUTDIR).

Reads the two xentrace files, the domids dom0 recorded when it created the guests,
and the TSC frequency Xen reported in its boot log; prints, per phase,

    bench: xen_entries_<PHASE>_<guest> VALUE entries
    bench: wall_<PHASE>_<guest> VALUE s
    bench: ratio_<PHASE>_linux_over_pvmmu VALUE x

and writes into BENCHDIR: entries.dat (gnuplot's input), entries.md (the table for
docs/bench.md) and entries-detail.txt (what the entries were, per phase).
Every figure comes from the traces of this run; a phase missing from a trace, or
records lost inside a measured phase, is an error, not a zero.

usage: report.py OUTDIR BENCHDIR
"""
import os
import re
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from entries import RESTARTS, count  # noqa: E402

# The phases the issue sets targets for.  Linux has no eager mode: its demand-faulting
# W1 / W2_TOUCH are what pvmmu's demand phases are compared with.
#   (pvmmu's phase, Linux's phase, the target: pvmmu at most 1/N of Linux)
PHASES = [('W1', 'W1', 100), ('W2_TOUCH', 'W2_TOUCH', 300), ('W2_MPROT_RO', 'W2_MPROT_RO', 20),
          ('W2_MPROT_RW', 'W2_MPROT_RW', 20), ('W2_MUNMAP', 'W2_MUNMAP', 500),
          ('W1_demand', 'W1', 8), ('W2_TOUCH_demand', 'W2_TOUCH', 8)]


def die(msg):
    sys.exit('bench-xen: ' + msg)


def tsc_hz(serial_log):
    """Xen's calibrated TSC frequency: '(XEN) Detected 2096.026 MHz processor.'"""
    m = re.search(r'Detected ([0-9.]+) MHz processor', open(serial_log, errors='replace').read())
    if not m:
        die('no "Detected ... MHz processor" in ' + serial_log)
    return float(m.group(1)) * 1e6


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    run, bench = sys.argv[1:]
    os.makedirs(bench, exist_ok=True)
    domid = dict(line.split() for line in open(os.path.join(run, 'domids')) if line.strip())
    hz = tsc_hz(os.path.join(run, 'serial.log'))

    figures, detail = {}, []
    for guest in ('pvmmu', 'linux'):
        if guest not in domid or not domid[guest].isdigit():
            die('no domid for %s in %s/domids' % (guest, run))
        dom = int(domid[guest])
        phases = count(os.path.join(run, guest + '.bin'), [dom])[dom]
        figures[guest] = phases
        detail.append('== %s (domain %d)' % (guest, dom))
        for name, p in phases.items():
            detail.append('-- %s: %d entries, %.6f s%s' % (name, p.entries, p.ticks / hz,
                                                           ', %d LOST-RECORDS events' % p.lost if p.lost else ''))
            detail += ['    %-50s %9d' % (what, n) for what, n in sorted(p.why.items())]
    open(os.path.join(bench, 'entries-detail.txt'), 'w').write('\n'.join(detail) + '\n')

    needed = {'pvmmu': [p for p, _, _ in PHASES], 'linux': sorted({lp for _, lp, _ in PHASES})}
    for guest, names in needed.items():
        for name in names:
            p = figures[guest].get(name)
            if p is None:
                die('phase %s missing from %s\'s trace (its markers were not traced)' % (name, guest))
            if p.lost:
                die('xentrace lost records inside %s\'s %s: its count would be short' % (guest, name))

    shown = set()
    for pv, lx, _ in PHASES:
        for guest, name in (('pvmmu', pv), ('linux', lx)):
            if (guest, name) in shown:
                continue
            shown.add((guest, name))
            p = figures[guest][name]
            print('bench: xen_entries_%s_%s %d entries' % (name, guest, p.entries))
            print('bench: wall_%s_%s %.6f s' % (name, guest, p.ticks / hz))

    rows, dat = [], []
    for pv, lx, n in PHASES:
        a, b = figures['pvmmu'][pv].entries, figures['linux'][lx].entries
        ratio = b / a if a else float('inf')
        met = a * n <= b
        print('bench: ratio_%s_linux_over_pvmmu %s x' % (pv, '%.1f' % ratio if a else 'inf'))
        restarts = figures['pvmmu'][pv].why[RESTARTS]
        rows.append('| %s | %s | %s | %s | %s | 1/%d | %s |' % (
            pv.replace('_', ' '), format(a, ','), format(restarts, ','),
            format(b, ',') + ('' if pv == lx else ' (%s)' % lx),
            '%.0f x' % ratio if a else 'inf', n, 'met' if met else '**missed**'))
        print('bench-xen: %-16s pvmmu %8d  linux %8d  target 1/%-3d %s' % (pv, a, b, n, 'met' if met else 'MISSED'))
        # gnuplot: a zero cannot sit on a log scale; it is drawn as a bar of 0.5 labelled "0"
        dat.append('"%s" %s %d %d %d' % (pv, max(a, 0.5), b, a, b))
    open(os.path.join(bench, 'entries.dat'), 'w').write('# phase pvmmu(plotted) linux pvmmu linux\n' +
                                                       '\n'.join(dat) + '\n')
    open(os.path.join(bench, 'entries.md'), 'w').write(
        '| phase | pvmmu | of which Xen restarting a preempted call | Linux 6.1 | Linux / pvmmu | target | |\n'
        '|---|---:|---:|---:|---:|---:|---|\n' +
        '\n'.join(rows) + '\n')


if __name__ == '__main__':
    main()
