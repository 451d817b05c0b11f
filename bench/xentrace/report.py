#!/usr/bin/env python3
"""bench-xen's figures from one run of the trace rig (bench/xentrace/run.sh's OUTDIR).

Reads the three xentrace files (pvmmu at its default fault-around window, pvmmu at
fault_around=1, Linux plain then MAP_POPULATE), the domids dom0 recorded when it
created the guests, the guests' consoles (the work each did, by its own counters:
pvmmu's `stat:` lines, wl.c's `@@WL work` lines) and the TSC frequency Xen reported
in its boot log; prints, per row (ROWS below),

    bench: xen_entries_<ROW>_<pvmmu|linux> VALUE entries
    bench: xen_ptes_<ROW>_<pvmmu|linux> VALUE ptes
    bench: wall_<ROW>_<pvmmu|linux> VALUE s
    bench: ratio_<ROW>_linux_over_pvmmu VALUE x
    bench: floor_entries_<PHASE> VALUE entries     (only if bench/xentrace/floors.txt exists)
    bench-xen: work <ROW> <guest> key=N ...      (the work, by the guest's own counters)

and writes into BENCHDIR: entries.dat (gnuplot's input), entries.md (the tables for
docs/bench.md), headline.md (README's table) and entries-detail.txt (what the
entries were, per phase).  Every figure comes from this run's traces and consoles;
a phase missing from a trace, records lost inside a measured phase, or a row whose
two guests did not do the same work, is an error, not a figure.

usage: report.py OUTDIR BENCHDIR
"""
import os
import re
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from entries import RESTARTS, count  # noqa: E402

GUESTS = ('pvmmu', 'pvmmu-fa1', 'linux', 'pvmmu-smp', 'linux-smp')
FLOORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'floors.txt')

EAGER = 'eager: pvmmu maps at fork/mmap; Linux mmap(MAP_POPULATE)'
DEMAND_1 = 'on demand, one page per fault: pvmmu fault_around=1; Linux'
NO_POLICY = 'none: every page present in both'
EAGER_WIN = 'policy win, eager mapping: pvmmu eager; Linux on demand'
WINDOW_WIN = 'policy win, fault-around window: pvmmu %s pages per fault; Linux 1'


class Row:
    """One comparison: pvmmu's phases (summed) in one guest beside Linux's phases.

    same: True when both guests did the same work under the same mapping policy
    (the headline); False for a row that shows a policy of pvmmu's winning, which
    its policy text names.  work: (block, keys) of the counters that must agree.
    target: the issue's target for the row, pvmmu at most 1/N of Linux (or None)."""

    def __init__(self, name, pvmmu_guest, pvmmu_phases, linux_phases, policy, same, work, target=None):
        self.name, self.pvmmu_guest, self.policy, self.same = name, pvmmu_guest, policy, same
        self.phases = {'pvmmu': pvmmu_phases, 'linux': linux_phases}
        self.work, self.target = work, target


W1_WORK = ('spaces', 'mapped', 'touched', 'unmapped')
ROWS = [
    Row('W1_populate', 'pvmmu', ['W1'], ['W1_populate'], EAGER, True, ('w1', 'w1_populate', W1_WORK)),
    Row('W1_demand_fa1', 'pvmmu-fa1', ['W1_demand_fa1'], ['W1'], DEMAND_1, True, ('w1_demand', 'w1', W1_WORK)),
    Row('W2_populate', 'pvmmu', ['W2_MMAP', 'W2_TOUCH'], ['W2_MMAP_populate', 'W2_TOUCH_populate'], EAGER, True,
        ('w2', 'w2_populate', ('mapped', 'touched'))),
    Row('W2_MMAP_populate', 'pvmmu', ['W2_MMAP'], ['W2_MMAP_populate'], EAGER, True, ('w2', 'w2_populate', ('mapped',))),
    Row('W2_TOUCH_populate', 'pvmmu', ['W2_TOUCH'], ['W2_TOUCH_populate'], EAGER, True,
        ('w2', 'w2_populate', ('touched',))),
    Row('W2_demand_fa1', 'pvmmu-fa1', ['W2_MMAP_demand_fa1', 'W2_TOUCH_demand_fa1'], ['W2_MMAP', 'W2_TOUCH'], DEMAND_1,
        True, ('w2_demand', 'w2', ('mapped', 'touched'))),
    Row('W2_TOUCH_demand_fa1', 'pvmmu-fa1', ['W2_TOUCH_demand_fa1'], ['W2_TOUCH'], DEMAND_1, True,
        ('w2_demand', 'w2', ('touched',))),
    Row('W2_MPROT_RO', 'pvmmu', ['W2_MPROT_RO'], ['W2_MPROT_RO'], NO_POLICY, True, ('w2', 'w2', ('protected_ro',)), 20),
    Row('W2_MPROT_RW', 'pvmmu', ['W2_MPROT_RW'], ['W2_MPROT_RW'], NO_POLICY, True, ('w2', 'w2', ('protected_rw',)), 20),
    Row('W2_MUNMAP', 'pvmmu', ['W2_MUNMAP'], ['W2_MUNMAP'], NO_POLICY, True, ('w2', 'w2', ('unmapped',)), 500),
    # What pvmmu's own policies win, each named: same work, different policy.
    Row('W1', 'pvmmu', ['W1'], ['W1'], EAGER_WIN, False, ('w1', 'w1', W1_WORK), 100),
    Row('W2', 'pvmmu', ['W2_MMAP', 'W2_TOUCH'], ['W2_MMAP', 'W2_TOUCH'], EAGER_WIN, False,
        ('w2', 'w2', ('mapped', 'touched'))),
    Row('W2_MMAP', 'pvmmu', ['W2_MMAP'], ['W2_MMAP'], EAGER_WIN + ' (its mmap maps nothing yet)', False,
        ('w2', 'w2', ())),
    Row('W2_TOUCH', 'pvmmu', ['W2_TOUCH'], ['W2_TOUCH'], EAGER_WIN + ' (pvmmu mapped in W2_MMAP)', False,
        ('w2', 'w2', ('touched',)), 300),
    Row('W1_demand', 'pvmmu', ['W1_demand'], ['W1'], WINDOW_WIN, False, ('w1_demand', 'w1', W1_WORK), 8),
    Row('W2_TOUCH_demand', 'pvmmu', ['W2_TOUCH_demand'], ['W2_TOUCH'], WINDOW_WIN, False,
        ('w2_demand', 'w2', ('touched',)), 8),
]
# README's headline: the same-policy rows of whole workloads, then the policy wins.
README_ROWS = ('W1_populate', 'W1_demand_fa1', 'W2_populate', 'W2_TOUCH_demand_fa1', 'W2_MPROT_RO', 'W2_MPROT_RW',
               'W2_MUNMAP', 'W1', 'W2', 'W1_demand', 'W2_TOUCH_demand')


# W3, TLB shootdowns on four vCPUs (docs/bench.md, "W3"): guests pvmmu-smp and linux-smp, one
# protect or unmap of 16 pages by vCPU 0 per phase, R rounds.  Per variant: its work block (pvmmu's
# `stat: <block>_...`, wl-smp's `@@WL work <block> ...`), how many vCPUs held the space when it
# changed, and the name of its bench lines.  The shooter is vCPU 0 on both sides (wl-smp pins its
# main thread to CPU 0).
class W3Row:
    def __init__(self, name, variant, block, holders, call, figure):
        self.name, self.variant, self.block, self.holders, self.call, self.figure = (
            name, variant, block, holders, call, figure)


W3_ROWS = [
    W3Row('W3P_MPROT', 'private: loaded on vCPU 0 alone', 'w3p', 'vCPU 0', 'mprotect', '1vcpus'),
    W3Row('W3P_MUNMAP', 'private: loaded on vCPU 0 alone', 'w3p', 'vCPU 0', 'munmap', '1vcpus'),
    W3Row('W3_MPROT', 'shared: loaded and touched on all 4 vCPUs', 'w3', 'vCPUs 0-3', 'mprotect', '4vcpus'),
    W3Row('W3_MUNMAP', 'shared: loaded and touched on all 4 vCPUs', 'w3', 'vCPUs 0-3', 'munmap', '4vcpus'),
    W3Row('W3X_MPROT', 'exited: 3 other vCPUs touched it, then their threads ended', 'w3x', 'vCPU 0 (3 left)',
          'mprotect', '4vcpus_exited'),
    W3Row('W3X_MUNMAP', 'exited: 3 other vCPUs touched it, then their threads ended', 'w3x', 'vCPU 0 (3 left)',
          'munmap', '4vcpus_exited'),
]
W3_WORK = ('rounds', 'vcpus', 'protected', 'unmapped', 'touched')
# pvmmu's alone: a space no vCPU has loaded when it changes (a process that is not running).  A
# Linux process cannot munmap another's memory, so there is no Linux row to set beside it.
W3_PVMMU_ONLY = [('W3U_MPROT', 'mprotect'), ('W3U_MUNMAP', 'munmap')]
SHOOTER = 0


def die(msg):
    sys.exit('bench-xen: ' + msg)


def tsc_hz(serial_log):
    """Xen's calibrated TSC frequency: '(XEN) Detected 2096.026 MHz processor.'"""
    m = re.search(r'Detected ([0-9.]+) MHz processor', open(serial_log, errors='replace').read())
    if not m:
        die('no "Detected ... MHz processor" in ' + serial_log)
    return float(m.group(1)) * 1e6


def pvmmu_work(console):
    """{block: {key: value}} from pvmmu's `stat: <block>_<key> N` lines (workloads/w1w2.c's
    print_work: w1_spaces, w1_pages_mapped, w2_demand_pages_touched, ...)."""
    work = {}
    for m in re.finditer(r'^stat: (w[12](?:_demand)?)_(spaces|pages_(\w+)) ([0-9]+)\s*$', console, re.M):
        work.setdefault(m.group(1), {})[m.group(3) or m.group(2)] = int(m.group(4))
    return work


def pvmmu_w3_work(console):
    """{block: {key: value}} from arch/x86/xen/suite_w3.c's `stat: w3[pxu]_<key> N` lines, in
    wl-smp's words (protected_pages -> protected, ...); multi / local / avoided are the flushes
    the core chose inside the phases (mc_shootdowns)."""
    work = {}
    for m in re.finditer(r'^stat: (w3[pxu]?)_(\w+?)(?:_pages)? ([0-9]+)\s*$', console, re.M):
        work.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
    return work


def linux_work(console):
    """{block: {key: value}} from wl.c's `@@WL work <block> key=N ...` lines, in pvmmu's
    words: the pages wl mmapped are the pages it mapped, munmapped the ones unmapped."""
    rename = {'mmapped': 'mapped', 'munmapped': 'unmapped'}
    work = {}
    for m in re.finditer(r'^@@WL work (\w+) (.*?)\s*$', console, re.M):
        work[m.group(1)] = {rename.get(k, k): int(v) for k, v in re.findall(r'(\w+)=(-?[0-9]+)', m.group(2))}
    return work


def row_work(row, work):
    """The work both guests did in the row, each from its own counters: {guest: {key: N}}.
    Dies if a counter is missing or the two disagree: such a row would compare unequal work."""
    pv_block, lx_block, keys = row.work
    out = {}
    for guest, block in (('pvmmu', pv_block), ('linux', lx_block)):
        counters = work[row.pvmmu_guest if guest == 'pvmmu' else 'linux'].get(block)
        if counters is None or any(k not in counters for k in keys):
            die('%s: no work counters "%s" (%s) in %s\'s console' % (row.name, block, ', '.join(keys), guest))
        out[guest] = {k: counters[k] for k in keys}
    if out['pvmmu'] != out['linux']:
        die('%s: unequal work, pvmmu %s, Linux %s' % (row.name, out['pvmmu'], out['linux']))
    # The kernel's own count of pages faulted in (wl.c's getrusage), over the whole workload:
    # beside a row whose work maps pages, never beside a phase that maps none.
    if 'mapped' in keys and 'faulted_in' in work['linux'].get(lx_block, {}):
        out['linux_faulted_in'] = work['linux'][lx_block]['faulted_in']
    return out


def row_sum(phases, names):
    """(entries, ptes, restarts, ticks) of the named phases of one guest, summed."""
    got = [phases[n] for n in names]
    return (sum(p.entries for p in got), sum(p.ptes for p in got), sum(p.why[RESTARTS] for p in got),
            sum(p.ticks for p in got))


def floors(path):
    """[(phase, N, reason)] from floors.txt (another helper's: `PHASE N reason` lines), or []."""
    if not os.path.exists(path):
        return []
    out = []
    for line in open(path):
        parts = line.split(None, 2)
        if len(parts) >= 2 and not line.startswith('#') and parts[1].isdigit():
            out.append((parts[0], int(parts[1]), parts[2].strip() if len(parts) > 2 else ''))
    return out


def policy_text(row, work):
    """The row's policy, with pvmmu's default window read from its own counters."""
    if '%s' not in row.policy:
        return row.policy
    w = work['pvmmu'].get('w2_demand', {})
    faults = work['pvmmu'].get('w2_demand_faults')
    return row.policy % (w.get('mapped', 0) // faults if faults else '?')


def describe(counters):
    names = {'spaces': 'spaces', 'mapped': 'mapped', 'touched': 'touched', 'unmapped': 'unmapped',
             'protected_ro': 'made read-only', 'protected_rw': 'made writable'}
    pages = ['%s %s' % (format(v, ','), names[k]) for k, v in counters.items() if k != 'spaces']
    spaces = ['%d address spaces' % counters['spaces']] if 'spaces' in counters else []
    return ', '.join(spaces + (['pages: ' + ', '.join(pages)] if pages else [])) or 'nothing (a reservation)'


def ratio_text(a, b):
    return ('%.1f' % (b / a) if b / a < 10 else '%.0f' % (b / a)) if a else 'inf'


def table(rows, results):
    head = ('| phase | policy | work, each guest by its own counters | pvmmu | of which Xen restarting | Linux 6.1 | '
            'Linux / pvmmu | PTEs written, pvmmu | Linux | target |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n')
    lines = []
    for row in rows:
        r = results[row.name]
        (a, pa, restarts, _), (b, pb, _, _) = r['pvmmu'], r['linux']
        target = '—' if row.target is None else '1/%d: %s' % (row.target, 'met' if a * row.target <= b else
                                                               '**missed**')
        work = describe(r['work']['pvmmu'])
        if 'linux_faulted_in' in r['work']:
            work += ' (Linux\'s kernel: %s pages faulted in over the workload)' % format(r['work']['linux_faulted_in'], ',')
        lines.append('| %s (%s) | %s | %s | %s | %s | %s | %s x | %s | %s | %s |' % (
            row.name, ' + '.join(row.phases['pvmmu']) + ' / ' + ' + '.join(row.phases['linux']), r['policy'], work,
            format(a, ','), format(restarts, ','), format(b, ','), ratio_text(a, b), format(pa, ','), format(pb, ','),
            target))
    return head + '\n'.join(lines) + '\n'


def traced_phase(figures, guest, name):
    """guest's phase `name`, which its trace must hold whole: missing, or with records lost inside it,
    it is an error, not a figure."""
    p = figures[guest].get(name)
    if p is None:
        die('phase %s missing from %s\'s trace (its markers were not traced)' % (name, guest))
    if p.lost:
        die('xentrace lost records inside %s\'s %s: its count would be short' % (guest, name))
    return p


def w3_work(work, block):
    """The W3 work both guests did in one variant, each by its own counters; dies if they differ."""
    out = {}
    for guest in ('pvmmu-smp', 'linux-smp'):
        counters = work[guest].get(block)
        if counters is None or any(k not in counters for k in W3_WORK):
            die('W3 %s: no work counters "%s" (%s) in %s\'s console' % (block, block, ', '.join(W3_WORK), guest))
        out[guest] = {k: counters[k] for k in W3_WORK}
    if out['pvmmu-smp'] != out['linux-smp']:
        die('W3 %s: unequal work, pvmmu %s, Linux %s' % (block, out['pvmmu-smp'], out['linux-smp']))
    return out['pvmmu-smp']


def w3_per_call(phase, rounds, name, guest):
    """(entries by the shooter, entries by the whole domain) per call: the phase began once a round."""
    if phase.times != rounds:
        die('W3 %s: %s\'s trace began the phase %d times for %d rounds' % (name, guest, phase.times, rounds))
    return phase.by_vcpu[SHOOTER] / rounds, phase.entries / rounds


def w3_spread(phase):
    """(least, median) of the shooter's entries over the rounds: a round that caught a timer tick
    or a context switch on vCPU 0 shows up in the mean, not in these."""
    got = sorted(r[SHOOTER] for r in phase.rounds)
    return got[0], got[len(got) // 2] if len(got) % 2 else (got[len(got) // 2 - 1] + got[len(got) // 2]) / 2


def w3_report(figures, work):
    """bench lines and docs/bench.md's W3 table, from pvmmu-smp's and linux-smp's traces."""
    lines = ['| phase | the space | work, each guest by its own counters | entries per call, vCPU 0: pvmmu, mean '
             '(median, least) | Linux 6.1 | Linux / pvmmu (means) | whole domain per call: pvmmu | Linux | pvmmu\'s '
             'flushes per call: to other vCPUs (vcpumask) | to itself alone |',
             '|---|---|---|---:|---:|---:|---:|---:|---:|---:|']
    headline = []
    for row in W3_ROWS:
        w = w3_work(work, row.block)
        rounds = w['rounds']
        got = {}
        for guest in ('pvmmu-smp', 'linux-smp'):
            p = traced_phase(figures, guest, row.name)
            got[guest] = w3_per_call(p, rounds, row.name, guest) + w3_spread(p)
        (a, a_all, a_min, a_med), (b, b_all, b_min, b_med) = got['pvmmu-smp'], got['linux-smp']
        flushes = work['pvmmu-smp'][row.block]
        # The core's counters cover both calls of a round: half of them are this call's.
        multi, local = flushes.get('multi', 0) / (2 * rounds), flushes.get('local', 0) / (2 * rounds)
        side = 'unmap' if row.call == 'munmap' else 'mprotect'
        for guest, v, v_all, v_min, v_med in (('pvmmu', a, a_all, a_min, a_med), ('linux', b, b_all, b_min, b_med)):
            print('bench: shootdown_entries_per_%s_%s_%s %.2f entries' % (side, row.figure, guest, v))
            print('bench: shootdown_entries_per_%s_%s_%s_median %g entries' % (side, row.figure, guest, v_med))
            print('bench: shootdown_entries_per_%s_%s_%s_least %d entries' % (side, row.figure, guest, v_min))
            print('bench: xen_entries_%s_%s_all_vcpus_per_call %.2f entries' % (row.name, guest, v_all))
        print('bench: ratio_%s_linux_over_pvmmu %s x' % (row.name, '%.1f' % (b / a) if a else 'inf'))
        print('bench: shootdown_vcpumask_flushes_per_%s_%s_pvmmu %.2f flushes' % (side, row.figure, multi))
        print('bench-xen: %-20s pvmmu %6.2f  linux %6.2f  %-5s x  (vCPU 0, per call; whole domain %.2f / %.2f)' % (
            row.name, a, b, ratio_text(a, b), a_all, b_all))
        lines.append('| %s (%s) | %s | %d rounds; 16 pages; %s pages touched by %d vCPU(s) | %.2f (%g, %d) | %.2f (%g, %d) '
                     '| %s x | %.2f | %.2f | %.2f | %.2f |' % (
                         row.name, row.call, row.variant, rounds, format(w['touched'], ','), w['vcpus'], a, a_med, a_min,
                         b, b_med, b_min, ratio_text(a, b), a_all, b_all, multi, local))
        headline.append('| %s, per call by vCPU 0 | %s | %.2f | %.2f | %s x |' % (row.name, row.variant, a, b,
                                                                                ratio_text(a, b)))
    alone = ['', '**W3, pvmmu alone: a space no vCPU has loaded** (`w3u`: vCPU 0 went back to the kernel\'s space '
             'before each call; the core owes no flush)', '',
             '| phase | entries per call, vCPU 0: mean (median, least) | flushes per call: vcpumask | local | avoided |',
             '|---|---:|---:|---:|---:|']
    counters = work['pvmmu-smp'].get('w3u')
    if counters is None or 'rounds' not in counters:
        die('W3 w3u: no work counters "w3u" in pvmmu-smp\'s console')
    rounds = counters['rounds']
    for name, call in W3_PVMMU_ONLY:
        p = traced_phase(figures, 'pvmmu-smp', name)
        a, _ = w3_per_call(p, rounds, name, 'pvmmu-smp')
        least, median = w3_spread(p)
        multi, local, avoided = (counters.get(k, 0) / (2 * rounds) for k in ('multi', 'local', 'avoided'))
        side = 'unmap' if call == 'munmap' else 'mprotect'
        print('bench: shootdown_entries_per_%s_unloaded_pvmmu %.2f entries' % (side, a))
        print('bench: shootdown_flushes_avoided_per_%s_unloaded_pvmmu %.2f flushes' % (side, avoided))
        alone.append('| %s (%s) | %.2f (%g, %d) | %.2f | %.2f | %.2f |' % (name, call, a, median, least, multi, local,
                                                                          avoided))
    return '\n'.join(lines + alone) + '\n', headline


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    run, bench = sys.argv[1:]
    os.makedirs(bench, exist_ok=True)
    domid = dict(line.split() for line in open(os.path.join(run, 'domids')) if line.strip())
    hz = tsc_hz(os.path.join(run, 'serial.log'))

    figures, work, detail = {}, {}, []
    for guest in GUESTS:
        if guest not in domid or not domid[guest].isdigit():
            die('no domid for %s in %s/domids' % (guest, run))
        dom = int(domid[guest])
        phases = count(os.path.join(run, guest + '.bin'), [dom])[dom]
        figures[guest] = phases
        log = os.path.join(run, 'guest-%s.log' % guest)
        console = open(log, errors='replace').read().replace('\r', '') if os.path.exists(log) else ''
        if guest.startswith('linux'):
            work[guest] = linux_work(console)
        else:
            work[guest] = pvmmu_work(console)
            work[guest].update(pvmmu_w3_work(console))
        m = re.search(r'^stat: w2_demand_faults ([0-9]+)', console, re.M)
        if m:
            work[guest]['w2_demand_faults'] = int(m.group(1))
        detail.append('== %s (domain %d)' % (guest, dom))
        for name, p in phases.items():
            detail.append('-- %s: %d entries, %d PTEs, %.6f s%s' % (
                name, p.entries, p.ptes, p.ticks / hz, ', %d LOST-RECORDS events' % p.lost if p.lost else ''))
            detail += ['    %-50s %9d' % (what, n) for what, n in sorted(p.why.items())]
    open(os.path.join(bench, 'entries-detail.txt'), 'w').write('\n'.join(detail) + '\n')

    for row in ROWS:
        for guest in ('pvmmu', 'linux'):
            source = row.pvmmu_guest if guest == 'pvmmu' else 'linux'
            for name in row.phases[guest]:
                traced_phase(figures, source, name)

    results, dat = {}, []
    for row in ROWS:
        r = results[row.name] = {'work': row_work(row, work), 'policy': policy_text(row, work)}
        for guest in ('pvmmu', 'linux'):
            r[guest] = row_sum(figures[row.pvmmu_guest if guest == 'pvmmu' else 'linux'], row.phases[guest])
            entries, ptes, _, ticks = r[guest]
            print('bench: xen_entries_%s_%s %d entries' % (row.name, guest, entries))
            print('bench: xen_ptes_%s_%s %d ptes' % (row.name, guest, ptes))
            print('bench: wall_%s_%s %.6f s' % (row.name, guest, ticks / hz))
        for guest in ('pvmmu', 'linux'):
            print('bench-xen: work %s %s %s' % (row.name, guest, ' '.join(
                '%s=%d' % kv for kv in r['work'][guest].items()) or 'none'))
        a, b = r['pvmmu'][0], r['linux'][0]
        print('bench: ratio_%s_linux_over_pvmmu %s x' % (row.name, '%.1f' % (b / a) if a else 'inf'))
        print('bench-xen: %-20s pvmmu %8d  linux %8d  %-5s x  %s' % (row.name, a, b, ratio_text(a, b),
                                                                   'same policy' if row.same else 'POLICY WIN'))
        # gnuplot: a zero cannot sit on a log scale; it is drawn as a bar of 0.5 labelled "0"
        dat.append('"%s" %s %d %d %d' % (row.name, max(a, 0.5), b, a, b))
    for phase, n, reason in floors(FLOORS):
        print('bench: floor_entries_%s %d entries' % (phase, n))
    w3_table, w3_headline = w3_report(figures, work)

    open(os.path.join(bench, 'entries.dat'), 'w').write('# row pvmmu(plotted) linux pvmmu linux\n' +
                                                       '\n'.join(dat) + '\n')
    same = [row for row in ROWS if row.same]
    wins = [row for row in ROWS if not row.same]
    floor_lines = ''.join('- floor for %s: %s entries (%s)\n' % (p, format(n, ','), why) for p, n, why in floors(FLOORS))
    open(os.path.join(bench, 'entries.md'), 'w').write(
        '**Same work, same policy**\n\n' + table(same, results) +
        '\n**Policy wins: same work, a policy of pvmmu\'s named in the row**\n\n' + table(wins, results) +
        ('\nFloors (bench/xentrace/floors.txt):\n\n' + floor_lines if floor_lines else '') +
        '\n**W3: TLB shootdowns on four vCPUs, same work, same policy** (one call of 16 pages by vCPU 0 per '
        'phase; entries per call, averaged over the rounds)\n\n' + w3_table)
    headline = ['| phase | policy | pvmmu | Linux 6.1 | Linux / pvmmu |', '|---|---|---:|---:|---:|']
    for row in (row for row in ROWS if row.name in README_ROWS):
        (a, _, _, _), (b, _, _, _) = results[row.name]['pvmmu'], results[row.name]['linux']
        headline.append('| %s | %s | %s | %s | %s x |' % (row.name, results[row.name]['policy'], format(a, ','),
                                                        format(b, ','), ratio_text(a, b)))
    open(os.path.join(bench, 'headline.md'), 'w').write('\n'.join(headline + w3_headline) + '\n')


if __name__ == '__main__':
    main()
